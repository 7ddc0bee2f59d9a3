import Foundation
import TestSupport
import Testing

/// Standard output and standard error that cannot take what snapcheck writes:
/// exit 2 and one line on stderr where there is a stderr, never a crash.
@Suite("Standard streams that fail")
struct StandardStreamTests {
    @Test(
        "stdout on a full device: exit 2 and one line (was a SIGILL from FileHandle.write)",
        arguments: [
            ["--color", "never"], ["--format", "json"], ["--format", "html"], ["rules"],
            ["rules", "el7-live-block-ops"], ["rules", "--format", "json"],
        ])
    func fullStdout(_ arguments: [String]) throws {
        let input = arguments.first == "rules" ? [] : [try Fixtures.path("builds/el7-rhev")]
        let stderr = Pipe()
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        let run = try runWithStreams(arguments + input, stdout: full, stderr: stderr.fileHandleForWriting)
        try stderr.fileHandleForWriting.close()
        let text = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(run.exited && run.status == 2, "\(arguments): \(run) \(text)")
        #expect(text == "snapcheck: cannot write standard output: No space left on device (write)\n")
    }

    @Test("`header` on a full stdout: exit 2 and one line")
    func fullStdoutHeader() throws {
        let stderr = Pipe()
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        let rpm = try Fixtures.path("compressors/zstd/x86_64/qemu-kvm-rhev-1.5.3-175.el7.x86_64.rpm")
        let run = try runWithStreams(["header", rpm], stdout: full, stderr: stderr.fileHandleForWriting)
        try stderr.fileHandleForWriting.close()
        let text = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(run.exited && run.status == 2, "\(run) \(text)")
        #expect(text == "snapcheck: cannot write standard output: No space left on device (write)\n")
    }

    @Test("stdout closed (>&-): exit 2 and one line; the report goes into no file opened meanwhile")
    func closedStdout() throws {
        let input = try Fixtures.path("builds/el7-rhev")
        let result = try Command.run(
            "/bin/sh", ["-c", "exec \"$0\" \"$@\" >&-", SnapCheckBinary.url.path, "--format", "json", input])
        #expect(result.status == 2)
        #expect(result.errorOutput == "snapcheck: cannot write standard output: Bad file descriptor (write)\n")
    }

    @Test("stdout whose reader is gone (EPIPE): exit 2 and one line, not a death by SIGPIPE")
    func brokenPipe() throws {
        let output = Pipe()
        let stderr = Pipe()
        try output.fileHandleForReading.close()
        let run = try runWithStreams(
            ["--format", "json", try Fixtures.path("builds/el7-rhev")],
            stdout: output.fileHandleForWriting, stderr: stderr.fileHandleForWriting)
        try stderr.fileHandleForWriting.close()
        let text = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(run.exited && run.status == 2, "\(run)")
        #expect(text == "snapcheck: cannot write standard output: Broken pipe (write)\n")
    }

    @Test("stderr on a full device: no crash, the exit status still tells (2)")
    func fullStderr() throws {
        let missing = "/nonexistent/snapcheck-\(getpid()).rpm"
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        let run = try runWithStreams(["--format", "json", missing], stdout: FileHandle.nullDevice, stderr: full)
        #expect(run.exited && run.status == 2, "\(run)")
    }
}

@Suite("Input errors on stderr")
struct InputErrorLineTests {
    @Test(
        "Every input error is one line on stderr in every format; the text report keeps its ERROR row",
        arguments: ["text", "json", "junit", "sarif"])
    func oneLinePerError(_ format: String) throws {
        let missing = "/nonexistent/snapcheck-\(getpid()).rpm"
        let corrupt = try Fixtures.path("corrupt/truncated-header.rpm")
        let result = try SnapCheckBinary.run([
            "--format", format, "--color", "never", try Fixtures.path("builds/el7-rhev"), missing, corrupt,
        ])
        #expect(result.status == 2)
        let lines = stderrLines(result)
        #expect(lines.count == 2, "\(format): \(result.errorOutput)")
        #expect(lines.allSatisfy { $0.hasPrefix("snapcheck: ") })
        #expect(lines.contains { $0.hasPrefix("snapcheck: \(missing): ") })
        #expect(lines.contains { $0.hasPrefix("snapcheck: \(corrupt): ") })
        if format == "text" { #expect(result.output.contains("ERROR        \(missing): ")) }
    }

    @Test("`snapcheck … > report.txt`: the text report goes to the file, the error line to the terminal")
    func reportRedirected() throws {
        let dir = try Scratch("errors-to-file")
        let missing = "/nonexistent/snapcheck-\(getpid()).spec"
        _ = FileManager.default.createFile(atPath: dir.file("report.txt"), contents: nil)
        let report = try #require(FileHandle(forWritingAtPath: dir.file("report.txt")))
        let stderr = Pipe()
        let run = try runWithStreams(
            ["--color", "never", try Fixtures.path("builds/el7-rhev"), missing], stdout: report,
            stderr: stderr.fileHandleForWriting)
        try stderr.fileHandleForWriting.close()
        let text = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(run.exited && run.status == 2)
        #expect(text.hasPrefix("snapcheck: \(missing): ") && text.filter { $0 == "\n" }.count == 1, "\(text)")
        #expect(String(decoding: contents(dir.file("report.txt")), as: UTF8.self).contains("ERROR        \(missing): "))
    }

    @Test("--quiet silences the text report only: --format json still prints the JSON, errors still go to stderr")
    func quiet() throws {
        let missing = "/nonexistent/snapcheck-\(getpid()).rpm"
        let input = try Fixtures.path("builds/el7-rhev")
        let json = try SnapCheckBinary.run(["-q", "--format", "json", input, missing])
        #expect(json.status == 2)
        #expect(json.stdout == (try SnapCheckBinary.run(["--format", "json", input, missing])).stdout)
        #expect(stderrLines(json).count == 1)
        let text = try SnapCheckBinary.run(["-q", input, missing])
        #expect(text.status == 2)
        #expect(text.stdout.isEmpty)
        #expect(stderrLines(text).count == 1)
    }
}
