import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A real ELF executable that creates `marker` when it runs, and holds the
/// command names of an enabled build as NUL-delimited strings.
private func trapExecutable(in dir: String, marker: String) throws -> String {
    let source = dir + "/trap.c"
    try """
    #include <fcntl.h>
    #include <unistd.h>
    __attribute__((used)) static const char names[] = "blockdev-snapshot-sync\\0snapshot_blkdev\\0QEMU emulator version 7.2.0\\0";
    int main(void) {
        int fd = open("\(marker)", O_WRONLY | O_CREAT, 0644);
        if (fd >= 0) close(fd);
        return 0;
    }
    """.write(toFile: source, atomically: false, encoding: .utf8)
    let binary = dir + "/qemu-kvm"
    let build = try Command.run("/usr/bin/env", ["cc", "-O0", "-o", binary, source])
    try #require(build.status == 0, "cc: \(build.errorOutput)")
    return binary
}

private func errorMessages(_ run: TimedRun) throws -> [String] {
    ((try run.report()["errors"] as? [[String: Any]]) ?? []).compactMap { $0["message"] as? String }
}

/// How snapcheck opens what it is given: never a FIFO or device, never run
/// unless named with `--probe`. Runs are killed after `CorruptCorpus.timeout`:
/// a hang fails the test instead of the suite.
@Suite("Opening inputs safely, through the CLI")
struct InputSafetyCLITests {
    @Test("A FIFO named as an input is refused with one line and exit 2, without waiting for a writer")
    func namedFIFO() throws {
        let dir = try temporaryDirectory("fifo")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/capture.qmp"
        try makeFIFO(fifo)
        let run = try TimedRun.snapcheck(["--format", "json", fifo])
        try #require(!run.timedOut, "snapcheck hung on a FIFO")
        #expect(run.status == 2)
        #expect(run.stderr == "snapcheck: \(fifo): not a regular file (a FIFO)\n")
        #expect(try errorMessages(run) == ["not a regular file (a FIFO)"])
    }

    @Test(
        "A FIFO and a device reached through symlinks in a walked directory are refused; the other inputs are still audited"
    )
    func walkedSpecialFiles() throws {
        let dir = try temporaryDirectory("walk")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try makeFIFO(dir + "/fifo")
        try FileManager.default.createSymbolicLink(atPath: dir + "/a-link.rpm", withDestinationPath: dir + "/fifo")
        try FileManager.default.createSymbolicLink(atPath: dir + "/b-zero.spec", withDestinationPath: "/dev/zero")
        try FileManager.default.copyItem(
            atPath: try Fixtures.path("builds/el7-rhev/x86_64/qemu-kvm-rhev-1.5.3-175.el7.x86_64.rpm"),
            toPath: dir + "/c-good.rpm")
        let run = try TimedRun.snapcheck(["--format", "json", "--jobs", "2", dir])
        try #require(!run.timedOut, "snapcheck hung on a FIFO behind a symlink")
        #expect(run.status == 2)
        let report = try run.report()
        let errors = (report["errors"] as? [[String: Any]]) ?? []
        #expect(errors.compactMap { $0["input"] as? String } == [dir + "/a-link.rpm", dir + "/b-zero.spec"])
        #expect(
            errors.compactMap { $0["message"] as? String } == [
                "not a regular file (a FIFO)", "not a regular file (a character device)",
            ])
        let builds = (report["builds"] as? [[String: Any]]) ?? []
        #expect(builds.compactMap { $0["verdict"] as? String } == ["enabled"], "the good package is still audited")
    }

    @Test("--installed --root: a FIFO at the emulator path is refused, and the package header still counts")
    func installedFIFO() throws {
        let root = try temporaryDirectory("root")
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(try Command.run("/usr/bin/rpm", ["--initdb", "--root", root]).status == 0)
        let rpm = try Fixtures.path("builds/el7-stock/x86_64/qemu-kvm-1.5.3-175.el7.x86_64.rpm")
        let install = try Command.run(
            "/usr/bin/rpm", ["-i", "--justdb", "--nodeps", "--noscripts", "--root", root, rpm])
        try #require(install.status == 0, "\(install.errorOutput)")
        try FileManager.default.createDirectory(atPath: root + "/usr/libexec", withIntermediateDirectories: true)
        try makeFIFO(root + "/usr/libexec/qemu-kvm")

        let run = try TimedRun.snapcheck(["--format", "json", "--installed", "--root", root])
        try #require(!run.timedOut, "snapcheck hung on a FIFO inside the root")
        #expect(run.status == 2)
        #expect(run.stderr == "snapcheck: \(root)/usr/libexec/qemu-kvm: not a regular file (a FIFO)\n")
        let builds = (try run.report()["builds"] as? [[String: Any]]) ?? []
        let layers = builds.flatMap { ($0["evidence"] as? [[String: Any]]) ?? [] }.compactMap { $0["layer"] as? String }
        #expect(Set(layers) == ["header"])
    }

    @Test("An ELF named as an input is scanned, never run: the command names decide, the executable leaves no trace")
    func namedELFIsNotRun() throws {
        let dir = try temporaryDirectory("trap")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let marker = dir + "/it-ran"
        let trap = try trapExecutable(in: dir, marker: marker)
        let run = try TimedRun.snapcheck(["--format", "json", trap])
        try #require(!run.timedOut)
        #expect(
            !FileManager.default.fileExists(atPath: marker), "snapcheck executed an input it was only asked to audit")
        #expect(run.status == 0, "\(run.stderr)")
        let build = try #require(((try run.report()["builds"] as? [[String: Any]]) ?? []).first)
        #expect(build["verdict"] as? String == "enabled")
        #expect(build["era"] is NSNull, "a bare executable has no era")
        let inputs = (build["inputs"] as? [[String: Any]]) ?? []
        #expect(inputs.compactMap { $0["kind"] as? String } == ["executable"])
        let evidence = (build["evidence"] as? [[String: Any]]) ?? []
        #expect(evidence.compactMap { $0["rule"] as? String } == ["exe-no-package", "exe-version-string"])
        #expect(
            evidence.compactMap { $0["layer"] as? String } == ["executable", "executable"],
            "no runtime evidence: nothing ran")
    }

    @Test("--save-qmp with an ELF input and no --probe is a usage error: executables given as inputs are not run")
    func saveQMPNeedsAProbe() throws {
        let dir = try temporaryDirectory("save")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let marker = dir + "/it-ran"
        let trap = try trapExecutable(in: dir, marker: marker)
        let run = try TimedRun.snapcheck(["--save-qmp", dir + "/out.qmp", trap])
        #expect(run.status == 64)
        #expect(
            run.stderr.contains("--save-qmp needs an emulator to probe (--probe PATH or --probe-installed)"),
            "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: marker))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.qmp"))
    }
}
