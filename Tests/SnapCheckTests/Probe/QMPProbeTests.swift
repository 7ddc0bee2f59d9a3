import Foundation
@_spi(Fuzzing) import SnapCheck
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("QMP probe")
struct QMPProbeTests {
    // MARK: Debian's real QEMU

    @Test("Probing Debian's QEMU finds the live snapshot commands and reads back its version and package")
    func probingDebiansQEMUFindsLiveSnapshotsAndReadsBackItsVersionAndPackage() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: debianQEMU), "install qemu-system-x86 (.ci/install-deps)")
        let dpkgVersion = try Command.output("/usr/bin/dpkg-query", ["-W", "-f", "${Version}", "qemu-system-x86"])

        let result = try QMPProbe(executable: debianQEMU).run()
        print("probe of \(debianQEMU): \(result.duration) (\(result.transcript.count) bytes, \(result.exitStatus))")

        let capture = result.capture
        #expect(capture.format == .repliesOnly)
        #expect(capture.sessions.count == 1)
        #expect(capture.sessions.first?.commands?.value.contains("blockdev-snapshot-sync") == true)
        #expect(capture.sessions.first?.commands?.value.contains("query-commands") == true)
        let version = try #require(capture.version)
        #expect((version.major, version.minor) == (7, 2))
        #expect(
            version.package.contains(dpkgVersion),
            "package string '\(version.package)' names the Debian version \(dpkgVersion)")
        #expect(capture.sessions.first?.hmpHelp?.value.contains("snapshot_blkdev") == true)
        #expect(result.exitStatus == "exited with status 0", "quit ends QEMU by itself")
    }

    @Test("Auditing a probe of Debian's QEMU gives one enabled build, decided at runtime by query-commands")
    func auditingAProbedDebianQEMUGivesAnEnabledBuildDecidedAtRuntime() throws {
        try #require(FileManager.default.isExecutableFile(atPath: debianQEMU))
        var options = AuditOptions()
        options.probes = [debianQEMU]
        let start = ContinuousClock.now
        let result = Auditor(options: options).audit([])
        print("audit with one probe: \(ContinuousClock.now - start)")

        #expect(result.errors.isEmpty, "\(result.errors)")
        let build = try #require(result.builds.first)
        #expect(result.builds.count == 1)
        #expect(build.verdict == .enabled)
        #expect(build.version.hasPrefix("7.2."))
        #expect(build.inputs.map(\.kind) == [.executable])
        let deciding = build.evidence.filter { $0.role == .deciding }
        #expect(deciding.map(\.rule) == [Rules.qmpQueryCommands])
        #expect(build.evidence.contains { $0.rule.id == "qmp-version" && $0.observed.contains("Debian") })
    }

    @Test("A transcript saved with saveQMP audits as a capture to the same builds, verdicts and evidence")
    func savedTranscriptAuditsAsACaptureWithTheSameVerdict() throws {
        try #require(FileManager.default.isExecutableFile(atPath: debianQEMU))
        let dir = try temporaryDirectory("save")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let saved = dir + "/host.qmp"
        var options = AuditOptions()
        options.probes = [debianQEMU]
        options.saveQMP = saved
        let probed = Auditor(options: options).audit([])

        let replayed = Auditor().audit([saved])
        #expect(replayed.errors.isEmpty, "\(replayed.errors)")
        #expect(replayed.builds.map(\.verdict) == probed.builds.map(\.verdict))
        #expect(replayed.builds.map(\.displayName) == probed.builds.map(\.displayName))
        #expect(replayed.builds.first?.inputs.map(\.kind) == [.qmp])
        let ruleIDs = { (r: AuditResult) in
            r.builds.flatMap(\.evidence).map { "\($0.rule) \($0.supports?.rawValue ?? "-") \($0.observed)" }
        }
        #expect(ruleIDs(replayed) == ruleIDs(probed))
    }

    @Test("saveQMP naming a directory gets one transcript per probed executable")
    func aDirectoryForSaveQMPGetsOneTranscriptPerExecutable() throws {
        let fakes = try copyOfFakes()
        defer { try? FileManager.default.removeItem(atPath: fakes) }
        let out = try temporaryDirectory("saved")
        defer { try? FileManager.default.removeItem(atPath: out) }
        var options = AuditOptions()
        options.probes = [fakes + "/no-snapshot", fakes + "/with-snapshot"]
        options.saveQMP = out
        let result = Auditor(options: options).audit([])
        #expect(result.errors.isEmpty, "\(result.errors)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(files.count == 2)
        #expect(files.allSatisfy { $0.hasSuffix(".qmp") })
        let replayed = Auditor().audit(files.map { out + "/" + $0 })
        #expect(replayed.builds.map(\.verdict) == result.builds.map(\.verdict))
    }

    // MARK: Our fakes

    @Test("A silent emulator times out, and no process of its group is left")
    func aSilentEmulatorTimesOutAndNoProcessOfItsGroupIsLeft() throws {
        let fakes = try copyOfFakes()
        defer { try? FileManager.default.removeItem(atPath: fakes) }
        let start = ContinuousClock.now
        let error = #expect(throws: QMPProbeError.self) {
            try QMPProbe(executable: fakes + "/silent", timeout: .milliseconds(500)).run()
        }
        print("silent fake: gave up after \(ContinuousClock.now - start)")
        #expect(error?.kind == .timeout)
        #expect(error?.message.contains("QMP greeting") == true, "\(String(describing: error))")

        let leader = try #require(
            pid_t(try String(contentsOfFile: fakes + "/silent.pid", encoding: .utf8).trimmingWhitespaceForTest))
        let child = try #require(
            pid_t(try String(contentsOfFile: fakes + "/silent-child.pid", encoding: .utf8).trimmingWhitespaceForTest))
        // The leader was our child: killed and reaped.
        errno = 0
        #expect(kill(leader, 0) == -1 && errno == ESRCH, "the fake emulator \(leader) is still there")
        // Its own child, in the same group, got SIGKILL with it. SIGKILL lands asynchronously and
        // the orphan is reaped by init, so give the kernel a moment before looking.
        _ = eventually(within: .seconds(3)) { livingMembers(ofGroup: leader).isEmpty }
        #expect(isGoneOrZombie(child), "the fake's child \(child) survived")
        #expect(livingMembers(ofGroup: leader).isEmpty)
    }

    /// The pids the `escapes` fake wrote: its own, then its descendants that left its group or session.
    static func escapedPids(in fakes: String) throws -> (emulator: pid_t, descendants: [pid_t]) {
        func read(_ name: String) throws -> pid_t {
            try #require(
                pid_t(try String(contentsOfFile: fakes + "/" + name, encoding: .utf8).trimmingWhitespaceForTest))
        }
        return (
            try read("escapes.pid"), try ["escapes-session.pid", "escapes-orphan.pid", "escapes-child.pid"].map(read)
        )
    }

    @Test("An emulator whose descendants left its session leaves nothing behind at the deadline")
    func anEmulatorWhoseDescendantsLeftItsSessionLeavesNothingBehindAtTheDeadline() async throws {
        // In a process of its own that adopts orphans, as the CLI does: the `escapes` fake's
        // grandchild leaves its session and loses its parent, and only an adopting process finds it.
        let result = await #expect(processExitsWith: .exitCode(0), observing: [\.standardErrorContent]) {
            guard ChildProcesses.adoptOrphans(), let fakes = try? copyOfFakes() else { _exit(3) }
            defer { try? FileManager.default.removeItem(atPath: fakes) }
            var message = ""
            do {
                try QMPProbe(executable: fakes + "/escapes", timeout: .seconds(3)).run()
                message = "the probe succeeded"
            } catch let error as QMPProbeError {
                if error.kind != .timeout || !error.message.contains("the reply to qmp_capabilities") {
                    message = "\(error)"
                }
            } catch {
                message = "\(error)"
            }
            if let (emulator, descendants) = try? QMPProbeTests.escapedPids(in: fakes) {
                // Killed and reaped before run() returned: not running, not even a zombie of ours.
                let left =
                    [leftover(emulator, running: "/bin/sh \(fakes)/escapes")].compactMap { $0 }
                    + descendants.compactMap { leftover($0, running: "sleep 300") }
                descendants.forEach { killIfLeft($0, running: "sleep 300") }
                if !left.isEmpty { message += " left: \(left)" }
            } else {
                message += " the fake wrote no pids"
            }
            _ = message.withCString { write(STDERR_FILENO, $0, strlen($0)) }
            _exit(message.isEmpty ? 0 : 1)
        }
        if result?.exitStatus != .exitCode(0) {
            Issue.record("\(String(decoding: result?.standardErrorContent ?? [], as: UTF8.self))")
        }
    }

    @Test("terminateAll() from a signal handler kills a probed emulator and every descendant")
    func terminateAllFromASignalHandlerKillsAProbedEmulatorAndEveryDescendant() async throws {
        // In a process of its own: terminateAll() kills every child this process started.
        let result = await #expect(processExitsWith: .exitCode(9), observing: [\.standardOutputContent]) {
            ChildProcesses.adoptOrphans()
            let fakes = try copyOfFakes()
            Thread.detachNewThread { _ = try? QMPProbe(executable: fakes + "/escapes", timeout: .seconds(120)).run() }
            let started = eventually(within: .seconds(60)) {
                FileManager.default.fileExists(atPath: fakes + "/escapes.pid")
            }
            guard started, let (emulator, descendants) = try? QMPProbeTests.escapedPids(in: fakes),
                eventually(within: .seconds(60), { descendants.allSatisfy { commandLine(of: $0) == "sleep 300" } })
            else { _exit(1) }
            let line = ([emulator] + descendants).map(String.init).joined(separator: " ") + " \(fakes)\n"
            _ = line.withCString { write(STDOUT_FILENO, $0, strlen($0)) }
            signal(SIGTERM) { _ in
                ChildProcesses.terminateAll()
                _exit(9)
            }
            // As from outside (e.g. Ctrl-C): the handler runs on whichever thread takes it.
            kill(getpid(), SIGTERM)
            while true { sleep(1) }
        }
        let words = String(decoding: result?.standardOutputContent ?? [], as: UTF8.self).split(separator: " ")
        let killed = words.dropLast().compactMap { pid_t($0) }
        try #require(killed.count == 4, "the exit test printed \(words)")
        let fakes = String(words.last!).trimmingWhitespaceForTest
        defer { try? FileManager.default.removeItem(atPath: fakes) }
        defer { killed.forEach { killIfLeft($0, running: "sleep 300") } }
        // terminateAll() does not reap (the process exits): zombies are fine, running processes are not.
        let gone = eventually {
            killed.dropFirst().allSatisfy { leftover($0, running: "sleep 300", zombiesAllowed: true) == nil }
                && leftover(killed[0], running: "/bin/sh \(fakes)/escapes", zombiesAllowed: true) == nil
        }
        #expect(gone, "\(killed.compactMap { leftover($0, running: "sleep 300", zombiesAllowed: true) })")
    }

    @Test("An emulator that exits early is reported on one line with its status and stderr")
    func anEmulatorThatExitsEarlyIsReportedWithItsStatusAndStderr() throws {
        let fakes = try copyOfFakes()
        defer { try? FileManager.default.removeItem(atPath: fakes) }
        let error = #expect(throws: QMPProbeError.self) {
            try QMPProbe(executable: fakes + "/exits-early", timeout: .seconds(10)).run()
        }
        #expect(error?.kind == .exitedEarly)
        #expect(error?.message.contains("qmp_capabilities") == true)
        #expect(error?.message.contains("exited with status 1") == true, "\(String(describing: error))")
        #expect(
            error?.message.contains("stderr: exits-early: cannot set up the machine") == true,
            "\(String(describing: error))")
        #expect(error.map { !$0.description.contains("\n") } == true)
    }

    @Test("An emulator that answers garbage is refused as not QMP, without waiting for the timeout")
    func anEmulatorThatAnswersGarbageIsRefusedWithoutWaitingForTheTimeout() throws {
        let fakes = try copyOfFakes()
        defer { try? FileManager.default.removeItem(atPath: fakes) }
        let start = ContinuousClock.now
        let error = #expect(throws: QMPProbeError.self) {
            try QMPProbe(executable: fakes + "/garbage", timeout: .seconds(20)).run()
        }
        print("garbage fake: refused after \(ContinuousClock.now - start)")
        #expect(error?.kind == .notQMP)
        #expect(
            error?.message.contains("'Welcome to the emulator! Type help.'") == true, "\(String(describing: error))")
    }

    @Test("An emulator listing no snapshot command is disabled, and its package string names the build")
    func anEmulatorListingNoSnapshotCommandIsDisabled() throws {
        let fakes = try copyOfFakes()
        defer { try? FileManager.default.removeItem(atPath: fakes) }
        let probe = try QMPProbe(executable: fakes + "/no-snapshot").run()
        #expect(probe.capture.sessions.first?.commands?.value.contains("blockdev-snapshot-sync") == false)
        #expect(probe.capture.version?.package == "qemu-kvm-1.5.3-175.el7")

        var options = AuditOptions()
        options.probes = [fakes + "/no-snapshot"]
        let result = Auditor(options: options).audit([])
        let build = try #require(result.builds.first)
        #expect(
            build.displayName == "qemu-kvm-1.5.3-175.el7",
            "the package string is a QEMU NVR: the probe joins that build")
        #expect(build.verdict == .disabled)
        #expect(build.evidence.first { $0.role == .deciding }?.rule.id == "qmp-query-commands")
    }

    @Test("An emulator listing only transaction is disabled, and transaction is reported without a vote")
    func anEmulatorListingOnlyTransactionIsDisabledAndTransactionIsReported() throws {
        let fakes = try copyOfFakes()
        defer { try? FileManager.default.removeItem(atPath: fakes) }
        var options = AuditOptions()
        options.probes = [fakes + "/transaction-only"]
        let result = Auditor(options: options).audit([])
        let build = try #require(result.builds.first)
        #expect(build.verdict == .disabled)
        let transaction = try #require(build.evidence.first { $0.rule.id == "qmp-transaction-alone" })
        #expect(transaction.supports == nil)
    }

    @Test("A failed probe is an input error naming the executable")
    func aFailedProbeIsAnInputErrorNamingTheExecutable() throws {
        let fakes = try copyOfFakes()
        defer { try? FileManager.default.removeItem(atPath: fakes) }
        var options = AuditOptions()
        options.probes = [fakes + "/exits-early", fakes + "/qmp-lib.sh"]
        let result = Auditor(options: options).audit([])
        #expect(result.builds.isEmpty)
        #expect(result.errors.map(\.input) == [fakes + "/exits-early", fakes + "/qmp-lib.sh"])
        #expect(
            result.errors.last?.message == "probe failed: not an executable file"
                || result.errors.last?.message.hasPrefix("probe failed:") == true)
    }

    @Test("Probes run concurrently without holding each other's pipes")
    func probesRunConcurrentlyWithoutHoldingEachOthersPipes() throws {
        let fakes = try copyOfFakes()
        defer { try? FileManager.default.removeItem(atPath: fakes) }
        // If one child inherited another's stdout pipe, the other would never see EOF and end with a
        // `.timeout` error: every probe must return its capture (no timed assertion needed).
        let results = (0..<8).map { _ in fakes + "/with-snapshot" }
        let outcomes = ConcurrentRun.map(results) { path in
            Result { try QMPProbe(executable: path, timeout: .seconds(10)).run() }
        }
        for outcome in outcomes {
            let probe = try outcome.get()
            #expect(probe.capture.sessions.first?.commands?.value.contains("blockdev-snapshot-sync") == true)
        }
    }
}

enum ConcurrentRun {
    static func map<T: Sendable, R: Sendable>(_ items: [T], _ body: @Sendable @escaping (T) -> R) -> [R] {
        let lock = NSLock()
        nonisolated(unsafe) var out = [R?](repeating: nil, count: items.count)
        DispatchQueue.concurrentPerform(iterations: items.count) { index in
            let value = body(items[index])
            lock.withLock { out[index] = value }
        }
        return out.map { $0! }
    }
}

extension String {
    var trimmingWhitespaceForTest: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
