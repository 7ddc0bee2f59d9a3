import Foundation
import RPM
import TestSupport
import Testing

@_spi(Fuzzing) @testable import SnapCheck

#if canImport(Glibc)
    import Glibc
#endif

/// The `include-fifo` hostile spec, with `@MARKER@` a FIFO nobody writes:
/// rpm's `%include` blocks in `open()` for good (no CPU time is used, so the
/// worker's CPU limit never fires).
func fifoSpec() throws -> HostileSpec.Copy {
    let copy = try HostileSpec(name: "include-fifo", actsWhenTrusted: false).materialise()
    // Readable by the worker, which runs as nobody when the tests run as root.
    guard mkfifo(copy.marker, 0o644) == 0 else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: copy.marker])
    }
    chmod(copy.marker, 0o644)
    return copy
}

/// A spec worker, child of `parent`, blocked opening a FIFO. Where `/proc/PID/wchan`
/// is unreadable (the worker is not dumpable and this process lacks
/// CAP_SYS_PTRACE) any sleeping worker of `parent` counts.
func workerBlockedOnFIFO(childOf parent: pid_t) -> pid_t? {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for name in entries {
        guard let pid = pid_t(name), let stat = ProcStat(pid), stat.parent == parent, stat.state == "S",
            commandLine(of: pid)?.hasPrefix(SpecWorkerChannel.processName) == true
        else { continue }
        let wchan = (try? String(contentsOfFile: "/proc/\(pid)/wchan", encoding: .utf8)) ?? "0"
        if wchan == "wait_for_partner" || wchan == "0" { return pid }
    }
    return nil
}

@Suite("Sandboxed spec evaluation: no worker outlives its parse or its parent")
struct WorkerLifetimeTests {
    @Test("A worker blocked on a FIFO %include never reaches its CPU limit: the wall-clock timeout kills and reaps it")
    func fifoIncludeHitsTheTimeout() throws {
        let copy = try fifoSpec()
        defer { copy.remove() }
        let sandbox = SandboxedSpecEvaluator.forTests(timeout: .seconds(3), cpuSeconds: 1)
        let (text, path) = (copy.text, copy.specPath)
        // The parse on a thread of its own; this one looks for the blocked worker meanwhile.
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<ParsedSpec, any Error>?
        Thread.detachNewThread {
            result = Result { try sandbox.parse(contents: Array(text.utf8), displayName: path, options: SpecOptions()) }
            done.signal()
        }
        var worker: pid_t?
        _ = eventually(within: .seconds(3)) {
            worker = workerBlockedOnFIFO(childOf: getpid())
            return worker != nil
        }
        done.wait()
        let error = #expect(throws: RPMError.self) { try result?.get() }
        #expect(error?.kind == .specWorker)
        #expect(error?.path == copy.specPath)
        #expect(
            error?.message.hasPrefix("the spec worker did not finish within 3") == true, "\(String(describing: error))")
        let found = try #require(worker, "the worker was never seen blocked on the FIFO")
        defer { killIfLeft(found, running: SpecWorkerChannel.processName) }
        #expect(leftover(found, running: SpecWorkerChannel.processName) == nil)
    }

    @Test("SIGKILL of snapcheck takes its spec worker with it, even after the worker dropped root for nobody")
    func workerDiesWithSnapcheck() throws {
        let copy = try fifoSpec()
        defer { copy.remove() }
        let snapcheck = Process()
        snapcheck.executableURL = SnapCheckBinary.url
        snapcheck.arguments = ["--format", "json", copy.specPath]
        snapcheck.environment = ["PATH": "/usr/bin:/bin"]
        snapcheck.standardOutput = FileHandle.nullDevice
        snapcheck.standardError = FileHandle.nullDevice
        try snapcheck.run()
        var worker: pid_t?
        let blocked = eventually(within: .seconds(30)) {
            worker = workerBlockedOnFIFO(childOf: snapcheck.processIdentifier)
            return worker != nil
        }
        let status = worker.flatMap { try? String(contentsOfFile: "/proc/\($0)/status", encoding: .utf8) } ?? ""
        kill(snapcheck.processIdentifier, SIGKILL)
        snapcheck.waitUntilExit()
        let found = try #require(worker, "no worker blocked on the FIFO appeared (\(blocked))")
        defer { killIfLeft(found, running: SpecWorkerChannel.processName) }
        if getuid() == 0 {
            #expect(status.contains("Uid:\t65534\t65534"), "the worker runs as nobody: \(status.prefix(400))")
        }
        // PR_SET_PDEATHSIG kills it; it may stay a zombie of whoever adopted it.
        let gone = eventually { leftover(found, running: SpecWorkerChannel.processName, zombiesAllowed: true) == nil }
        #expect(gone, "the spec worker \(found) outlived snapcheck")
    }
}
