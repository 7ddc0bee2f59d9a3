import Foundation
import TestSupport
import Testing

@_spi(Fuzzing) @testable import SnapCheck

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Child processes: spawn, streams, deadline, the whole tree killed and reaped")
struct ChildProcessTests {
    /// `/bin/sh -c SCRIPT` with streams: 0 = a socket on the child's fds 0 and 3, 1 = stdout and stderr.
    func shell(
        _ script: String, environment: [String] = ["PATH=/usr/bin:/bin"], limit: Int = 1 << 20,
        overflow: ChildProcess.Stream.Overflow = .fail
    ) throws -> ChildProcess {
        try ChildProcess(
            executable: "/bin/sh", arguments: ["snapcheck-test-child", "-c", script], environment: environment,
            streams: [
                ChildProcess.Stream([0, 3], limit: limit, overflow: overflow),
                ChildProcess.Stream([1, 2], limit: 1 << 16, overflow: .keepFirst),
            ])
    }

    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test("The child gets exactly its arguments, environment and streams, and leads a session of its own")
    func startsAsGiven() throws {
        let process = try shell(
            #"""
            printf '%s|' "$0" >&3; cat /proc/$$/environ >&3; printf '|' >&3
            for fd in 3 4 5 6 7 8 9; do [ -e /proc/$$/fd/$fd ] && printf '%s ' $fd >&3; done
            echo to-stdout; echo to-stderr >&2
            """#, environment: ["PATH=/usr/bin:/bin", "ONLY=this"])
        let session = ProcStat(process.pid)?.session
        #expect(process.exchange(until: .now + .seconds(30)) == .outputsClosed)
        #expect(process.wait(until: .now + .seconds(30)) == .exited(0))
        #expect(text(process.output(0)) == "snapcheck-test-child|PATH=/usr/bin:/bin\0ONLY=this\0|3 ")
        #expect(text(process.output(1)) == "to-stdout\nto-stderr\n")
        #expect(session == process.pid)
    }

    @Test("Input is written as the child reads it, however large, and the child then reads end-of-file")
    func feedsInput() throws {
        let process = try shell("cat >&3; echo done >&2", limit: 8 << 20)
        let input = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        process.send(input, to: 0)
        process.closeInput(0)
        #expect(process.exchange(until: .now + .seconds(60)) == .outputsClosed)
        // Compared outside #expect: its difference of two 4 MiB arrays takes minutes.
        let echoed = process.output(0)
        let same = echoed == input
        #expect(echoed.count == input.count)
        #expect(same)
        #expect(text(process.output(1)) == "done\n")
        #expect(process.wait(until: .now + .seconds(30)) == .exited(0))
    }

    @Test("Output past a limit ends the exchange, or is dropped keeping the first or the last bytes")
    func limits() throws {
        let script = "{ head -c 100000 /dev/zero | tr '\\0' a; printf end; } >&3"
        let failing = try shell(script, limit: 1000)
        #expect(failing.exchange(until: .now + .seconds(30)) == .limitExceeded(stream: 0))
        failing.terminate()

        let first = try shell(script, limit: 1000, overflow: .keepFirst)
        #expect(first.exchange(until: .now + .seconds(30)) == .outputsClosed)
        #expect(text(first.output(0)) == String(repeating: "a", count: 1000))

        let last = try shell(script, limit: 1000, overflow: .keepLast)
        #expect(last.exchange(until: .now + .seconds(30)) == .outputsClosed)
        #expect(text(last.output(0)) == String(repeating: "a", count: 997) + "end")
    }

    /// A descendant that leaves the session *and* loses its parent is found only by a
    /// process that adopts orphans: QMPProbeTests checks that case in a process of its own.
    @Test(
        "At the deadline, terminate kills and reaps the whole tree, descendants that left the group or session included"
    )
    func terminateKillsTheTree() throws {
        let process = try shell(
            """
            setsid sleep 300 & echo $! >&3
            perl -e '$| = 1; setpgrp(0, 0); print "$$\\n"; sleep 300' >&3 &
            sleep 300 & echo $! >&3
            exec sleep 300
            """)
        #expect(
            process.exchange(until: .now + .seconds(30)) {
                pids(in: String(decoding: $0.output(0), as: UTF8.self)).count == 3
            } == .satisfied)
        let descendants = pids(in: text(process.output(0)))
        #expect(process.exchange(until: .now + .milliseconds(100)) == .deadline)
        let root = process.pid
        // They did leave: the first (setsid) leads a session of its own.
        #expect(ProcStat(descendants[0]).map { $0.session != root && $0.group != root } == true)
        process.terminate()

        #expect(process.status == .signalled(SIGKILL))
        #expect(leftover(root, running: "sleep 300") == nil)
        // The perl line prints its own pid, so the order of the pids is not known.
        let commands = ["sleep 300", #"perl -e $| = 1; setpgrp(0, 0); print "$$\n"; sleep 300"#]
        let left = descendants.flatMap { pid in commands.compactMap { leftover(pid, running: $0) } }
        #expect(left.isEmpty, "\(left)")
        for pid in descendants { commands.forEach { killIfLeft(pid, running: $0) } }
    }

    @Test("When the child exits, descendants still holding its streams are killed and the exchange ends")
    func childExitEndsTheTree() throws {
        let process = try shell("sleep 300 & echo $! >&3; exit 3")
        #expect(process.exchange(until: .now + .seconds(120)) == .outputsClosed)
        #expect(process.status == .exited(3))
        let sleeper = try #require(pids(in: text(process.output(0))).first)
        #expect(leftover(sleeper, running: "sleep 300") == nil)
        killIfLeft(sleeper, running: "sleep 300")
    }

    @Test("Letting go of a running child kills and reaps its tree")
    func deinitTerminates() throws {
        var descendant: pid_t = 0
        var root: pid_t = 0
        do {
            let process = try shell("setsid sleep 300 & echo $! >&3; exec sleep 300")
            _ = process.exchange(until: .now + .seconds(30)) { !$0.output(0).isEmpty }
            descendant = try #require(pids(in: text(process.output(0))).first)
            root = process.pid
        }
        #expect(leftover(root, running: "sleep 300") == nil)
        #expect(leftover(descendant, running: "sleep 300") == nil)
        killIfLeft(descendant, running: "sleep 300")
    }

    @Test("A program that cannot be started is an error naming the call and the reason")
    func spawnFailure() {
        #expect {
            _ = try ChildProcess(executable: "/nonexistent/program", arguments: ["x"], environment: [], streams: [])
        } throws: { error in
            let failure = error as? ChildProcess.SpawnError
            return failure?.call == "snapcheck_spawn" && failure?.code == ENOENT
        }
    }
}
