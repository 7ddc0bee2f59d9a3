import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Inputs named in ways the earlier fixtures never were (adversarial pass 4):
/// one-character names, a relative `--dbpath`, probes that are not regular
/// files or that delete themselves.
@Suite("Input names and probe paths, through the CLI")
struct InputNameCLITests {
    @Test("A one-character input name is audited like any other: a truncated package and a spec, no crash")
    func oneCharacterNames() throws {
        let dir = try Scratch("one-char")
        let builds = try Fixtures.path("builds/el7-rhev/x86_64")
        let package = try #require(
            try FileManager.default.contentsOfDirectory(atPath: builds).first { $0.hasSuffix(".rpm") })
        let bytes = try Data(contentsOf: URL(fileURLWithPath: builds + "/" + package))
        try bytes.prefix(2000).write(to: URL(fileURLWithPath: dir.file("a")))
        let truncated = try SnapCheckBinary.run(["--color", "never", "a"], directory: dir.path)
        #expect(truncated.status == 2, "\(truncated.errorOutput)")
        #expect(truncated.errorOutput == "snapcheck: a: truncated package: the file ends inside its signature header\n")

        try "Name: s\nVersion: 1\nRelease: 1\nSummary: s\nLicense: none\n%description\nnot QEMU\n"
            .write(toFile: dir.file("s"), atomically: false, encoding: .utf8)
        let spec = try SnapCheckBinary.run(["--color", "never", "--no-config", "s"], directory: dir.path)
        #expect(spec.status == 2, "\(spec.errorOutput)")
        #expect(spec.errorOutput.hasPrefix("snapcheck: s: "), "\(spec.errorOutput)")
    }

    @Test(
        "An argument that is not UTF-8 is a usage error that shows its bytes, never another file's name",
        arguments: [["--no-config"], ["--output"]])
    func argumentNotUTF8(_ before: [String]) throws {
        let dir = try Scratch("not-utf8")
        // The file exists: read as U+FFFD, its name would be another's, and "missing" a lie.
        let name = Array(dir.file("a").utf8CString.dropLast()) + [CChar(bitPattern: 0xFF)] + Array(".rpm".utf8CString)
        let descriptor = name.withUnsafeBufferPointer { creat($0.baseAddress!, 0o644) }
        try #require(descriptor >= 0)
        close(descriptor)
        let run = try Command.run(
            "/bin/sh", ["-c", #"exec "$0" "$@" "$(printf 'a\377.rpm')""#, SnapCheckBinary.url.path] + before,
            directory: dir.path)
        #expect(run.status == 64, "\(run.errorOutput)")
        #expect(
            run.errorOutput.hasPrefix(
                "Error: 'a\\xff.rpm' (after \(before[0])) is not valid UTF-8; snapcheck reads its arguments as UTF-8 (a file of such a name: rename it)."
            ), "\(run.errorOutput)")
        #expect(run.output.isEmpty)
    }

    @Test("A long argument that is not UTF-8 is shown around its first bad byte, cut between characters")
    func longArgumentNotUTF8() throws {
        // 150 é (300 bytes), the bad byte, 150 é more: the window starts and ends between two é.
        let run = try Command.run(
            "/bin/sh",
            [
                "-c", #"exec "$0" "$(printf 'é%.0s' $(seq 150))$(printf '\377')$(printf 'é%.0s' $(seq 150))""#,
                SnapCheckBinary.url.path,
            ])
        #expect(run.status == 64)
        let window = String(repeating: "é", count: 40)
        #expect(
            run.errorOutput.hasPrefix("Error: '…\(window)\\xff\(window)…' is not valid UTF-8;"), "\(run.errorOutput)")
    }

    @Test("Two outputs whose names differ only in Unicode normalization are two files, both written")
    func outputsDifferingInNormalization() throws {
        let dir = try Scratch("nfc-nfd")
        let composed = dir.file("r\u{E9}.json")
        let decomposed = dir.file("re\u{301}.json")
        let run = try SnapCheckBinary.run(
            [
                "--no-config", "--format", "json", "-o", composed, "--report", "json=\(decomposed)",
                Fixtures.source("specs/el7-rhev.spec"),
            ])
        #expect(run.status == 0, "\(run.errorOutput)")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).map { Array($0.utf8) }
        #expect(Set(names) == [Array("r\u{E9}.json".utf8), Array("re\u{301}.json".utf8)])
    }

    @Test("A relative --dbpath is a usage error: rpm reads it inside the root, not the working directory")
    func relativeDBPath() throws {
        let dir = try Scratch("dbpath")
        try FileManager.default.createDirectory(atPath: dir.file("db"), withIntermediateDirectories: true)
        let run = try SnapCheckBinary.run(["--installed", "--dbpath", "db"], directory: dir.path)
        #expect(run.status == 64)
        #expect(run.errorOutput.contains("--dbpath must be an absolute path"), "\(run.errorOutput)")
        #expect(!FileManager.default.fileExists(atPath: "/db"))
    }

    @Test("A --probe that is a FIFO or a device is refused with one line naming it, never opened for reading")
    func probeOfSpecialFiles() throws {
        let dir = try Scratch("probe-special")
        try #require(mkfifo(dir.file("fifo"), 0o700) == 0)
        for path in [dir.file("fifo"), "/dev/zero"] {
            let run = try SnapCheckBinary.run(["--color", "never", "--no-remedy", "--probe", path])
            #expect(run.status == 2)
            #expect(run.errorOutput.hasPrefix("snapcheck: \(path): not a regular file"), "\(run.errorOutput)")
        }
    }

    @Test("A probe that deletes itself when run: the report names it, with the digest of the file that ran")
    func selfDeletingProbe() throws {
        let fakes = try copyOfFakes()
        defer { try? FileManager.default.removeItem(atPath: fakes) }
        let probe = fakes + "/self-deleting"
        try TestFiles.writeExecutable(
            Array("#!/bin/sh\nrm -f \"$0\"\nexec \"\(fakes)/with-snapshot\" \"$@\"\n".utf8), to: probe)
        let digest = try Command.output("/usr/bin/sha256sum", [probe]).prefix(64)
        let run = try SnapCheckBinary.run(["--format", "json", "--no-remedy", "--probe", probe])
        #expect(!FileManager.default.fileExists(atPath: probe))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout)) as? [String: Any])
        let inputs = ((report["builds"] as? [[String: Any]])?.first?["inputs"] as? [[String: Any]]) ?? []
        #expect(inputs.map { $0["path"] as? String } == [probe], "\(run.output) \(run.errorOutput)")
        #expect(inputs.map { $0["sha256"] as? String } == [String(digest)])
    }
}
