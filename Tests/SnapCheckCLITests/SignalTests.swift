import Foundation
import TestSupport
import Testing

/// SIGINT and SIGTERM (nightly jobs are stopped with SIGTERM) leave no temp
/// file and no half-written report, and exit 128 + the signal number.
@Suite("Stopped by a signal")
struct SignalTests {
    /// Stops snapcheck while it writes its reports: the FIFO's reader (this
    /// test) reads nothing, so the write to the FIFO blocks after the file
    /// report's temp file has been written in full and before it is renamed.
    @Test(
        "Stopped while writing: exit 128+N, the temp file removed, no report file, the FIFO left",
        arguments: [
            (SIGTERM, Int32(143)), (SIGINT, Int32(130)),
        ])
    func whileWriting(_ signal: Int32, _ status: Int32) throws {
        let dir = try Scratch("signal-writing")
        try makeFIFO(dir.file("fifo"))
        let reader = open(dir.file("fifo"), O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        try #require(reader >= 0)
        defer { close(reader) }
        let setPipeSize: Int32 = 1031  // F_SETPIPE_SZ (Linux), not imported into Swift
        #expect(fcntl(reader, setPipeSize, 4096) >= 0)  // smaller than the JSON report: the writer blocks
        let run = try BackgroundRun([
            "--format", "json", "-o", dir.file("fifo"), "--report", "sarif=\(dir.file("r.sarif"))",
            try Fixtures.path("builds/el7-rhev"),
        ])
        var queued: Int32 = 0
        waitFor(run.process) { ioctl(reader, UInt(FIONREAD), &queued) == 0 && queued > 0 }
        #expect(
            dir.entries.contains { $0.hasPrefix(".r.sarif.snapcheck-") },
            "the temp file exists while the FIFO write blocks: \(dir.entries)")
        kill(run.process.processIdentifier, signal)
        let end = run.finish()
        #expect(end.exited && end.status == status, "\(end)")
        #expect(dir.entries == ["fifo"])
        #expect(nodeType(dir.file("fifo")) == "fifo")
    }

    @Test("SIGTERM during the audit: exit 143 and no output file of any kind")
    func duringAudit() throws {
        let dir = try Scratch("signal-audit")
        let emulator = try WaitingEmulator()
        defer { emulator.release() }
        let run = try BackgroundRun([
            "--probe-timeout", "120", "--probe", emulator.path, "-o", dir.file("r.txt"),
            "--report", "json=\(dir.file("r.json"))", "--save-qmp", dir.file("t.qmp"),
        ])
        waitFor(run.process) { emulator.hasStarted }
        #expect(emulator.hasStarted)
        kill(run.process.processIdentifier, SIGTERM)
        let end = run.finish()
        #expect(end.exited && end.status == 143, "\(end)")
        #expect(dir.entries.isEmpty)
    }

    /// The `escapes` fake emulator leaves descendants outside its process group
    /// and session; a stopped snapcheck kills them all (ChildProcesses.terminateAll
    /// from the signal handler), not only the temp files.
    @Test(
        "Stopped while probing: exit 128+N and no process of the probed emulator's tree left",
        arguments: [
            (SIGTERM, Int32(143)), (SIGINT, Int32(130)),
        ])
    func whileProbing(_ signal: Int32, _ status: Int32) throws {
        let dir = try Scratch("signal-probe")
        try TestFiles.copyExecutable(from: Fixtures.source("qmp-fakes/escapes"), to: dir.file("escapes"))
        let run = try BackgroundRun(["--probe-timeout", "120", "--probe", dir.file("escapes")])
        let names = ["escapes.pid", "escapes-session.pid", "escapes-orphan.pid", "escapes-child.pid"]
        waitFor(run.process) { names.allSatisfy { FileManager.default.fileExists(atPath: dir.file($0)) } }
        let all = names.compactMap {
            pid_t(
                (try? String(contentsOfFile: dir.file($0), encoding: .utf8))?.trimmingCharacters(
                    in: .whitespacesAndNewlines) ?? "")
        }
        try #require(all.count == 4, "the fake wrote \(all)")
        defer { all.dropFirst().forEach { killIfLeft($0, running: "sleep 300") } }
        #expect(eventually { all.dropFirst().allSatisfy { commandLine(of: $0) == "sleep 300" } })
        kill(run.process.processIdentifier, signal)
        let end = run.finish()
        #expect(end.exited && end.status == status, "\(end)")
        let gone = eventually {
            all.dropFirst().allSatisfy { leftover($0, running: "sleep 300", zombiesAllowed: true) == nil }
                && leftover(all[0], running: "/bin/sh \(dir.file("escapes"))", zombiesAllowed: true) == nil
        }
        #expect(gone, "\(all.compactMap { leftover($0, running: "sleep 300", zombiesAllowed: true) })")
    }

    /// SIGKILL cannot be handled: the emulator dies by its own death signal
    /// (PR_SET_PDEATHSIG, set before exec). Its descendants get none: the
    /// `sleep` it started is left (Docs/security.md) and killed here.
    @Test("Killed with SIGKILL while probing: the probed emulator dies with snapcheck")
    func killedWhileProbing() throws {
        let dir = try Scratch("signal-probe-kill")
        try TestFiles.copyExecutable(from: Fixtures.source("qmp-fakes/silent"), to: dir.file("silent"))
        let run = try BackgroundRun(["--probe-timeout", "120", "--probe", dir.file("silent")])
        let names = ["silent.pid", "silent-child.pid"]
        waitFor(run.process) { names.allSatisfy { FileManager.default.fileExists(atPath: dir.file($0)) } }
        let all = names.compactMap {
            pid_t(
                (try? String(contentsOfFile: dir.file($0), encoding: .utf8))?.trimmingCharacters(
                    in: .whitespacesAndNewlines) ?? "")
        }
        try #require(all.count == 2, "the fake wrote \(all)")
        defer { killIfLeft(all[1], running: "sleep 300") }
        let emulator = "/bin/sh \(dir.file("silent"))"
        #expect(eventually { commandLine(of: all[1]) == "sleep 300" })
        #expect(leftover(all[0], running: emulator, zombiesAllowed: false) != nil)
        kill(run.process.processIdentifier, SIGKILL)
        let end = run.finish()
        #expect(!end.exited && end.status == SIGKILL, "\(end)")
        #expect(eventually { leftover(all[0], running: emulator, zombiesAllowed: true) == nil })
    }
}
