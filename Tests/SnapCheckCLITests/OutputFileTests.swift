import Foundation
import TestSupport
import Testing

/// What `-o`, `--report FORMAT=PATH` and `--save-qmp` do with what is already
/// at the path (Docs/cli.md, "Output files"). Run as root in CI, like nightly
/// jobs: device nodes are made with mknod in a scratch directory, never /dev.
@Suite("Output files: devices, FIFOs, links and planted files")
struct OutputDestinationTests {
    @Test("-o onto a character device writes into it and leaves the node (root's `-o /dev/null` no longer deletes it)")
    func characterDevice() throws {
        let dir = try Scratch("null")
        try makeDevice(dir.file("null"), major: 1, minor: 3)
        let result = try SnapCheckBinary.run([
            "--format", "json", "-o", dir.file("null"), try Fixtures.path("builds/el7-rhev"),
        ])
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.stdout.isEmpty && result.stderr.isEmpty)
        #expect(nodeType(dir.file("null")) == "char 1,3")
        #expect(dir.entries == ["null"])
    }

    @Test("A full device is exit 2 with one line naming it; the node stays and no other report is written")
    func fullDevice() throws {
        let dir = try Scratch("full")
        try makeDevice(dir.file("full"), major: 1, minor: 7)
        let result = try SnapCheckBinary.run([
            "--format", "json", "-o", dir.file("full"), "--report", "junit=\(dir.file("r.xml"))",
            try Fixtures.path("builds/el7-rhev"),
        ])
        #expect(result.status == 2)
        #expect(stderrLines(result) == ["snapcheck: cannot write \(dir.file("full")): No space left on device (write)"])
        #expect(nodeType(dir.file("full")) == "char 1,7")
        #expect(dir.entries == ["full"], "r.xml must not be written when another output fails")
    }

    @Test("--report onto a FIFO with a reader: the reader gets the report; the FIFO stays a FIFO")
    func fifoWithReader() throws {
        let dir = try Scratch("fifo")
        try makeFIFO(dir.file("fifo"))
        let reader = open(dir.file("fifo"), O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        try #require(reader >= 0)
        defer { close(reader) }
        let input = try Fixtures.path("builds/el7-rhev")
        let result = try SnapCheckBinary.run(["--quiet", "--report", "json=\(dir.file("fifo"))", input])
        #expect(result.status == 0, "\(result.errorOutput)")
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(reader, &buffer, buffer.count)
            guard n > 0 else { break }
            received += buffer[..<n]
        }
        #expect(received == (try SnapCheckBinary.run(["--format", "json", input])).stdout)
        #expect(nodeType(dir.file("fifo")) == "fifo")
        #expect(dir.entries == ["fifo"])
    }

    @Test("A FIFO nobody reads is exit 2 at once, before the audit, not a hang; the FIFO stays")
    func fifoWithoutReader() throws {
        let dir = try Scratch("fifo-alone")
        try makeFIFO(dir.file("fifo"))
        let result = try SnapCheckBinary.run([
            "-o", dir.file("fifo"), "--report", "json=\(dir.file("r.json"))", try Fixtures.path("builds/el7-rhev"),
        ])
        #expect(result.status == 2)
        #expect(
            stderrLines(result) == [
                "snapcheck: cannot write \(dir.file("fifo")): no process is reading this FIFO (snapcheck does not wait for one to start)"
            ])
        #expect(nodeType(dir.file("fifo")) == "fifo")
        #expect(dir.entries == ["fifo"])
    }

    @Test("--save-qmp onto a character device writes the transcript into it and leaves the node")
    func transcriptToDevice() throws {
        let dir = try Scratch("save-null")
        let fake = try fakeEmulator("no-snapshot", in: dir.path)
        try makeDevice(dir.file("null"), major: 1, minor: 3)
        let result = try SnapCheckBinary.run(["--expect", "disabled", "--probe", fake, "--save-qmp", dir.file("null")])
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(nodeType(dir.file("null")) == "char 1,3")
        #expect(dir.entries == ["no-snapshot", "null", "qmp-lib.sh"])
    }

    @Test("A link to a regular file: that file is replaced atomically, keeps its mode, and the link stays a link")
    func linkToFile() throws {
        let dir = try Scratch("link")
        try Data("old".utf8).write(to: URL(fileURLWithPath: dir.file("real.json")))
        chmod(dir.file("real.json"), 0o600)
        symlink("real.json", dir.file("report.json"))
        let input = try Fixtures.path("builds/el7-rhev")
        let result = try SnapCheckBinary.run(["--format", "json", "-o", dir.file("report.json"), input])
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(nodeType(dir.file("report.json")) == "link")
        #expect(contents(dir.file("real.json")) == (try SnapCheckBinary.run(["--format", "json", input])).stdout)
        #expect(permissions(dir.file("real.json")) == 0o600)
        #expect(dir.entries == ["real.json", "report.json"])
    }

    @Test("Replacing a file of yours keeps its permission bits")
    func replacedFileKeepsMode() throws {
        let dir = try Scratch("mode")
        try Data("old".utf8).write(to: URL(fileURLWithPath: dir.file("r.txt")))
        chmod(dir.file("r.txt"), 0o640)
        let result = try SnapCheckBinary.run([
            "--color", "never", "-o", dir.file("r.txt"), try Fixtures.path("builds/el7-rhev"),
        ])
        #expect(result.status == 0)
        #expect(permissions(dir.file("r.txt")) == 0o640)
        #expect(String(decoding: contents(dir.file("r.txt")), as: UTF8.self).hasPrefix("ENABLED"))
    }

    @Test("A link that leads nowhere is refused: nothing is created at its target, the link stays")
    func danglingLink() throws {
        let dir = try Scratch("dangling")
        symlink(dir.file("target.json"), dir.file("report.json"))
        let result = try SnapCheckBinary.run([
            "--format", "json", "-o", dir.file("report.json"), try Fixtures.path("builds/el7-rhev"),
        ])
        #expect(result.status == 2)
        #expect(
            stderrLines(result) == [
                "snapcheck: cannot write \(dir.file("report.json")): is a symbolic link to nothing; refused (snapcheck creates no file through a link)"
            ])
        #expect(nodeType(dir.file("report.json")) == "link")
        #expect(dir.entries == ["report.json"])
    }

    @Test("In a shared sticky directory, another user's link is refused (protected_symlinks, whatever the sysctl says)")
    func plantedLinkInSharedDirectory() throws {
        let dir = try Scratch("sticky")
        try Data("victim".utf8).write(to: URL(fileURLWithPath: dir.file("victim")))
        try FileManager.default.createDirectory(atPath: dir.file("tmp"), withIntermediateDirectories: false)
        chmod(dir.file("tmp"), 0o1777)
        symlink(dir.file("victim"), dir.file("tmp/report.txt"))
        try #require(lchown(dir.file("tmp/report.txt"), 65534, 65534) == 0)  // planted by "nobody"
        let result = try SnapCheckBinary.run(["-o", dir.file("tmp/report.txt"), try Fixtures.path("builds/el7-rhev")])
        #expect(result.status == 2)
        #expect(
            stderrLines(result).first?.hasSuffix(
                "is a symbolic link owned by another user in a shared directory (sticky and world-writable); refused")
                == true,
            "\(result.errorOutput)")
        #expect(contents(dir.file("victim")) == Array("victim".utf8))
        #expect(nodeType(dir.file("tmp/report.txt")) == "link")
    }

    @Test("A link planted at the old predictable temp name (.NAME.snapcheck-PID) is never followed")
    func plantedTemporaryName() throws {
        let dir = try Scratch("planted")
        let emulator = try WaitingEmulator()
        defer { emulator.release() }
        try Data("victim".utf8).write(to: URL(fileURLWithPath: dir.file("victim")))
        let run = try BackgroundRun([
            "--color", "never", "--probe-timeout", "120", "--probe", emulator.path, "-o", dir.file("report.txt"),
        ])
        symlink(dir.file("victim"), dir.file(".report.txt.snapcheck-\(run.process.processIdentifier)"))
        waitFor(run.process) { emulator.hasStarted }
        emulator.release()
        let end = run.finish()
        #expect(end.status == 2 && end.exited, "the probe fails: \(end.stderr)")
        #expect(contents(dir.file("victim")) == Array("victim".utf8))
        #expect(nodeType(dir.file("report.txt")) == "regular")
        #expect(String(decoding: contents(dir.file("report.txt")), as: UTF8.self).contains("probe failed"))
        #expect(dir.entries == [".report.txt.snapcheck-\(run.process.processIdentifier)", "report.txt", "victim"])
    }
}

@Suite("Output files: checked before the audit, written all or nothing")
struct OutputAllOrNothingTests {
    /// Destinations no report can go to; each is given as `-o` after two good `--report`s.
    enum Unwritable: String, CaseIterable, Sendable {
        case directory = "a directory"
        case missingDirectory = "a missing directory"
        case fileAsDirectory = "a parent that is a regular file"
        case proc = "a directory that takes no new file, even from root (/proc)"

        func path(in scratch: String) -> String {
            switch self {
            case .directory: scratch
            case .missingDirectory: scratch + "/missing/r.txt"
            case .fileAsDirectory: scratch + "/file/r.txt"
            case .proc: "/proc/snapcheck-\(getpid())-r.txt"
            }
        }
    }

    @Test(
        "An unwritable output is exit 2 with one line naming it, and no other report is written",
        arguments: Unwritable.allCases)
    func unwritable(_ kind: Unwritable) throws {
        let dir = try Scratch("unwritable")
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir.file("file")))
        let bad = kind.path(in: dir.path)
        let result = try SnapCheckBinary.run([
            "--report", "json=\(dir.file("ok.json"))", "--report", "sarif=\(dir.file("ok.sarif"))",
            "-o", bad, try Fixtures.path("builds/el7-rhev"),
        ])
        #expect(result.status == 2, "\(kind.rawValue)")
        #expect(result.stdout.isEmpty)
        let lines = stderrLines(result)
        #expect(
            lines.count == 1 && lines.first?.hasPrefix("snapcheck: cannot write \(bad): ") == true,
            "\(kind.rawValue): \(result.errorOutput)")
        #expect(dir.entries == ["file"], "\(kind.rawValue): nothing written, no temp file left")
    }

    @Test("An unwritable output stops the run before anything is audited: no emulator is started")
    func checkedBeforeTheAudit() throws {
        let dir = try Scratch("before-audit")
        let emulator = try WaitingEmulator()
        defer { emulator.release() }
        let result = try SnapCheckBinary.run([
            "--probe-timeout", "5", "--probe", emulator.path, "-o", dir.file("missing/r.txt"),
        ])
        #expect(result.status == 2)
        #expect(
            stderrLines(result) == [
                "snapcheck: cannot write \(dir.file("missing/r.txt")): directory \(dir.file("missing")) does not exist"
            ])
        #expect(!emulator.hasStarted)
    }

    @Test(
        "The same file named twice is a usage error (64), however it is spelled",
        arguments: [
            ["-o", "a", "--report", "json=./a"],
            ["--report", "json=a", "--report", "junit=a"],
            ["-o", "sub/../a", "--report", "sarif=a"],
            ["-o", "link", "--report", "json=existing"],
            ["--report", "json=existing", "--report", "junit=hardlink"],
        ])
    func sameFileTwice(_ outputs: [String]) throws {
        let dir = try Scratch("twice")
        try FileManager.default.createDirectory(atPath: dir.file("sub"), withIntermediateDirectories: false)
        try Data("old".utf8).write(to: URL(fileURLWithPath: dir.file("existing")))
        symlink("existing", dir.file("link"))
        link(dir.file("existing"), dir.file("hardlink"))
        let before = dir.entries
        let result = try SnapCheckBinary.run(outputs + [try Fixtures.path("builds/el7-rhev")], directory: dir.path)
        #expect(result.status == 64, "\(outputs): \(result.errorOutput)")
        #expect(
            result.errorOutput.contains("name the same file") || result.errorOutput.contains("is named twice"),
            "\(result.errorOutput)")
        #expect(dir.entries == before)
        #expect(contents(dir.file("existing")) == Array("old".utf8))
    }

    @Test("--save-qmp and -o naming one file is a usage error (64)")
    func transcriptAndReportSameFile() throws {
        let dir = try Scratch("twice-qmp")
        let fake = try fakeEmulator("no-snapshot", in: dir.path)
        let result = try SnapCheckBinary.run(
            ["--probe", fake, "--save-qmp", "out", "-o", "./out"], directory: dir.path)
        #expect(result.status == 64, "\(result.errorOutput)")
        #expect(dir.entries == ["no-snapshot", "qmp-lib.sh"])
    }
}
