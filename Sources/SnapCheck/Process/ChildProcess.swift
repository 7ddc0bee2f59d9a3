internal import CProcessTree
import Foundation
import Synchronization

/// The one way snapcheck runs another program: the spec worker and a probed
/// emulator both go through it.
///
/// The child is started (`snapcheck_spawn`: fork and exec) as the leader of
/// a new session, with exactly the arguments and environment given, every
/// signal at its default and none blocked, a death signal (`PR_SET_PDEATHSIG`,
/// SIGKILL: it dies with the thread that started it, even when this process
/// is killed with SIGKILL), no descriptors but the streams given (each a
/// Unix socket the parent holds the other end of), and optionally a working
/// directory. Its *tree* is the child and every process it starts: members
/// are found through parent, process group and session links in `/proc`, so a
/// descendant that calls `setpgid()` or `setsid()` stays in it. A descendant
/// that leaves the session *and* loses its parent is found only in a program
/// that adopts orphans (``ChildProcesses/adoptOrphans()``, which snapcheck's
/// CLI calls): it is then re-parented here, not to init.
///
/// The tree lives as long as its root: when the child exits, or on
/// `terminate()`, or when the owner lets go of it (`deinit`), every member is
/// killed with SIGKILL and reaped. While it runs, the child is in a registry
/// that `ChildProcesses.terminateAll()` (for signal handlers) kills from.
///
/// Not thread-safe: one thread drives it (the spec evaluation or probe that made it).
final class ChildProcess {
    /// A socket between this process and the child, installed as the child's `descriptors`.
    struct Stream {
        /// The child's descriptor numbers for its end (e.g. `[0, 3]`: one socket as stdin and fd 3).
        var descriptors: [Int32]
        /// How many bytes of what the child writes are kept.
        var limit: Int
        /// What happens to bytes past `limit`.
        var overflow: Overflow

        enum Overflow {
            /// The exchange ends with `.limitExceeded`.
            case fail
            /// The first `limit` bytes are kept; the rest is read and dropped.
            case keepFirst
            /// The last `limit` bytes are kept.
            case keepLast
        }

        init(_ descriptors: [Int32], limit: Int, overflow: Overflow) {
            self.descriptors = descriptors
            self.limit = limit
            self.overflow = overflow
        }
    }

    /// How the child ended.
    enum Status: Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        init(waitStatus raw: Int32) {
            self = raw & 0x7F == 0 ? .exited((raw >> 8) & 0xFF) : .signalled(raw & 0x7F)
        }

        var description: String {
            switch self {
            case .exited(let code): "exited with status \(code)"
            case .signalled(let signal): "killed by signal \(signal)"
            }
        }
    }

    /// Why the child could not be started: the call that failed and its errno.
    struct SpawnError: Error {
        var call: String
        var code: Int32
        var message: String { String(cString: strerror(code)) }
    }

    /// Why `exchange` returned.
    enum End: Equatable {
        /// The caller's condition holds.
        case satisfied
        /// The child closed every stream (it has exited, or is about to).
        case outputsClosed
        /// The deadline passed first.
        case deadline
        /// A stream with `.fail` overflow went past its limit.
        case limitExceeded(stream: Int)
    }

    let pid: pid_t
    /// How the child ended, once it is reaped (and its tree killed).
    private(set) var status: Status?
    private var streams: [Channel]
    /// Polls readable when the child exits; -1 where the kernel has no pidfd (before Linux 5.3).
    private var exitDescriptor: Int32

    /// Starts `executable` with `arguments` (the whole argv, argv[0] included)
    /// and exactly `environment` (`NAME=value`), in `workingDirectory` (nil:
    /// this process's), with one socket per stream.
    init(
        executable: String, arguments: [String], environment: [String], workingDirectory: String? = nil,
        streams specs: [Stream]
    ) throws(SpawnError) {
        var parentEnds: [Int32] = []
        var childEnds: [Int32] = []
        defer { childEnds.forEach { close($0) } }
        // Child ends above every target descriptor, so installing one never closes another.
        let firstFree = (specs.flatMap(\.descriptors).max() ?? 2) + 1
        for _ in specs {
            var pair: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
                let error = SpawnError(call: "socketpair", code: errno)
                parentEnds.forEach { close($0) }
                throw error
            }
            let high = fcntl(pair[1], F_DUPFD_CLOEXEC, firstFree)
            close(pair[1])
            guard high >= 0 else {
                let error = SpawnError(call: "fcntl", code: errno)
                close(pair[0])
                parentEnds.forEach { close($0) }
                throw error
            }
            parentEnds.append(pair[0])
            childEnds.append(high)
        }

        var spawned: pid_t = 0
        var result: Int32 = 0
        // ETXTBSY is transient: another thread of this process forked (to exec
        // something) while the executable was still open for writing, even with
        // O_CLOEXEC, until that child's exec. Go's os/exec retries the same way.
        for attempt in 0..<20 {
            if attempt > 0 { usleep(20_000) }
            result = Self.treeLock.withLock { _ in
                let rc = Self.spawn(executable, arguments, environment, workingDirectory, specs, childEnds, &spawned)
                if rc == 0, snapcheck_register_root(spawned) != 0 {
                    // The registry is full: this child could not be killed from a signal handler.
                    kill(spawned, SIGKILL)
                    var raw: Int32 = 0
                    while waitpid(spawned, &raw, 0) < 0 && errno == EINTR {}
                    return EAGAIN
                }
                return rc
            }
            if result != ETXTBSY { break }
        }
        guard result == 0 else {
            parentEnds.forEach { close($0) }
            throw SpawnError(call: "snapcheck_spawn", code: result)
        }
        pid = spawned
        streams = zip(parentEnds, specs).map { Channel(descriptor: $0, stream: $1) }
        exitDescriptor = snapcheck_pidfd_open(spawned)
    }

    deinit {
        terminate()
        for stream in streams where stream.descriptor >= 0 { close(stream.descriptor) }
        if exitDescriptor >= 0 { close(exitDescriptor) }
    }

    // MARK: Streams

    /// What the child wrote on stream `index` (as its overflow policy keeps it).
    func output(_ index: Int) -> [UInt8] { streams[index].output }

    /// Whether the child's end of stream `index` is closed (no more output).
    func isOutputClosed(_ index: Int) -> Bool { !streams[index].readable }

    /// Writes `bytes` to the child on stream `index`: what it does not take
    /// at once is queued, and `exchange` writes it.
    func send(_ bytes: [UInt8], to index: Int) {
        guard streams[index].writeError == nil, !streams[index].inputClosed else { return }
        streams[index].pending += bytes
        flush(index)
    }

    /// Bytes queued on stream `index` and not yet written.
    func unsentCount(_ index: Int) -> Int { streams[index].pending.count - streams[index].sent }

    /// Once what is queued is written, the child reads end-of-file on stream `index`.
    func closeInput(_ index: Int) {
        streams[index].inputClosed = true
        flush(index)
    }

    /// The errno of a failed write on stream `index` (the child closed it), or nil.
    func writeError(_ index: Int) -> Int32? { streams[index].writeError }

    // MARK: Running

    /// Writes what is queued and reads what the child writes until `condition`
    /// holds, every stream is closed, a `.fail` limit is passed, or `deadline`.
    /// When the child exits meanwhile, its tree is killed and it is reaped;
    /// reading goes on until the streams close.
    func exchange(
        until deadline: ContinuousClock.Instant,
        or condition: (ChildProcess) -> Bool = { _ in false }
    ) -> End {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            if condition(self) { return .satisfied }
            if streams.allSatisfy({ !$0.readable }) { return .outputsClosed }
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { return .deadline }

            var fds = streams.map { stream in
                let events = (stream.readable ? Int16(POLLIN) : 0) | (stream.wantsToWrite ? Int16(POLLOUT) : 0)
                return pollfd(fd: events == 0 ? -1 : stream.descriptor, events: events, revents: 0)
            }
            let watchesExit = status == nil && exitDescriptor >= 0
            if watchesExit { fds.append(pollfd(fd: exitDescriptor, events: Int16(POLLIN), revents: 0)) }
            // Without a pidfd the child's exit is checked at least every 50 ms.
            var wait = Self.milliseconds(remaining)
            if status == nil && exitDescriptor < 0 { wait = min(wait, 50) }
            let ready = poll(&fds, nfds_t(fds.count), wait)
            if ready < 0 && errno != EINTR { return .deadline }

            for index in streams.indices {
                let events = fds[index].revents
                if events & Int16(POLLOUT | POLLERR | POLLHUP) != 0, streams[index].wantsToWrite { flush(index) }
                if events & Int16(POLLIN | POLLHUP | POLLERR) != 0, streams[index].readable,
                    !drain(index, into: &buffer)
                {
                    return .limitExceeded(stream: index)
                }
            }
            if status == nil, watchesExit ? fds[streams.count].revents != 0 : hasExited() {
                terminate()
            }
        }
    }

    /// Waits until the child exits or `deadline` passes; then, when it has
    /// exited, kills what is left of its tree, reaps it and returns its status.
    func wait(until deadline: ContinuousClock.Instant) -> Status? {
        while status == nil {
            if hasExited() {
                terminate()
                break
            }
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { return nil }
            if exitDescriptor >= 0 {
                var fd = pollfd(fd: exitDescriptor, events: Int16(POLLIN), revents: 0)
                _ = poll(&fd, 1, Self.milliseconds(remaining))
            } else {
                usleep(UInt32(min(Self.milliseconds(remaining), 10)) * 1000)
            }
        }
        return status
    }

    /// Kills the child's whole tree and reaps it; a no-op once done. The
    /// members' zombies that come back to this process (when it adopts
    /// orphans) are reaped too, for up to two seconds.
    func terminate() {
        guard status == nil else { return }
        var members = [snapcheck_process](repeating: snapcheck_process(), count: Self.memberCapacity)
        let count = Self.treeLock.withLock { _ in
            members.withUnsafeMutableBufferPointer { snapcheck_kill_tree(pid, $0.baseAddress, Int32($0.count)) }
        }
        // Out of the registry before the id can be reused.
        snapcheck_unregister_root(pid)
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        status = Status(waitStatus: raw)
        let until = ContinuousClock.now + .seconds(2)
        while snapcheck_reap_members(members, count, pid) > 0, ContinuousClock.now < until {
            usleep(1000)
        }
    }

    // MARK: Internals

    /// This process's end of one stream.
    private struct Channel {
        var descriptor: Int32
        let stream: Stream
        var readable = true
        var output: [UInt8] = []
        var pending: [UInt8] = []
        var sent = 0
        var inputClosed = false
        /// Writing is shut down: the child read end-of-file.
        var shutDown = false
        var writeError: Int32?

        init(descriptor: Int32, stream: Stream) {
            self.descriptor = descriptor
            self.stream = stream
        }

        var wantsToWrite: Bool { writeError == nil && !shutDown && (sent < pending.count || inputClosed) }
    }

    /// Writes what the child will take now; shuts the direction down once all is written and input is closed.
    private func flush(_ index: Int) {
        while streams[index].writeError == nil, streams[index].sent < streams[index].pending.count {
            let stream = streams[index]
            let n = stream.pending.withUnsafeBytes {
                Glibc.send(
                    stream.descriptor, $0.baseAddress! + stream.sent, $0.count - stream.sent,
                    Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if n > 0 {
                streams[index].sent += n
            } else if n < 0 && errno == EINTR {
                continue
            } else if n < 0 && errno == EAGAIN {
                return
            } else {
                streams[index].writeError = n < 0 ? errno : EPIPE
            }
        }
        if streams[index].sent == streams[index].pending.count {
            streams[index].pending = []
            streams[index].sent = 0
        }
        if streams[index].inputClosed, streams[index].pending.isEmpty, !streams[index].shutDown {
            Glibc.shutdown(streams[index].descriptor, Int32(SHUT_WR))
            streams[index].shutDown = true
        }
    }

    /// Reads what is there on stream `index`. False when a `.fail` limit is passed.
    private func drain(_ index: Int, into buffer: inout [UInt8]) -> Bool {
        while true {
            let n = recv(streams[index].descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN) {
                streams[index].readable = false
                return true
            }
            if n < 0 {
                if errno == EINTR { continue }
                return true
            }
            let stream = streams[index].stream
            switch stream.overflow {
            case .fail:
                streams[index].output += buffer[..<n]
                if streams[index].output.count > stream.limit { return false }
            case .keepFirst:
                let room = max(0, stream.limit - streams[index].output.count)
                streams[index].output += buffer[..<min(n, room)]
            case .keepLast:
                streams[index].output += buffer[..<n]
                let excess = streams[index].output.count - stream.limit
                if excess > 0 { streams[index].output.removeFirst(excess) }
            }
        }
    }

    /// True once the child has exited; it stays a zombie (its ids stay ours) until `terminate`.
    private func hasExited() -> Bool {
        var info = siginfo_t()
        return waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0
            && info._sifields._sigchld.si_pid == pid
    }

    /// Milliseconds for `poll`: at least 1, rounded up.
    private static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        return Int32(clamping: max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1))
    }

    /// Members remembered per tree for reaping; a larger tree is still killed.
    private static let memberCapacity = 1024

    /// Held while a child is spawned and registered, and while a tree is
    /// walked: a walk must not take a just-spawned, not yet registered child
    /// for a re-parented orphan.
    private static let treeLock = Mutex<Void>(())

    private static func spawn(
        _ executable: String, _ arguments: [String], _ environment: [String], _ directory: String?,
        _ specs: [Stream], _ childEnds: [Int32], _ pid: inout pid_t
    ) -> Int32 {
        var sources: [Int32] = []
        var targets: [Int32] = []
        for (end, spec) in zip(childEnds, specs) {
            for target in spec.descriptors {
                sources.append(end)
                targets.append(target)
            }
        }
        let firstUnused = (specs.flatMap(\.descriptors).max() ?? 2) + 1
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        return snapcheck_spawn(
            &pid, executable, argv, envp, sources, targets, Int32(sources.count), firstUnused, directory)
    }
}

/// Every process tree this library started and has not yet reaped.
public enum ChildProcesses: Sendable {
    /// Kills (SIGKILL) every live child this library started, with everything
    /// each one started, including descendants that left its process group or
    /// session. Async-signal-safe: it walks `/proc` with `open`, `getdents64`,
    /// `read` and `close`, and signals with `kill`; nothing is allocated or locked.
    ///
    /// A program's SIGINT and SIGTERM handlers must call it before they exit,
    /// snapcheck's CLI included, or a probed emulator outlives an interrupted run:
    ///
    /// ```swift
    /// signal(SIGTERM) { signal in
    ///     ChildProcesses.terminateAll()
    ///     _exit(128 + signal)
    /// }
    /// ```
    ///
    /// It does not reap (init, or the nearest subreaper, adopts what an exiting
    /// program leaves). A spec worker also dies with its parent on its own
    /// (`PR_SET_PDEATHSIG`), even when the parent is killed with SIGKILL.
    public static func terminateAll() {
        _ = snapcheck_kill_all_trees()
    }

    /// Makes this process a child subreaper (`PR_SET_CHILD_SUBREAPER`): a
    /// descendant of a child that leaves the child's session and whose parent
    /// exits is re-parented here instead of to init, so kills still find it.
    /// For a program that owns its process, as snapcheck's CLI does: every
    /// orphan of every child the program starts by any means then comes back
    /// to it and must be reaped, so a library host that starts other
    /// programs (a test runner that waits for any child) should not call it.
    /// Returns whether the kernel agreed.
    @discardableResult
    public static func adoptOrphans() -> Bool {
        snapcheck_become_subreaper() == 0
    }
}
