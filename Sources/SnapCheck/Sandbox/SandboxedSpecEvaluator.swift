import Foundation
import RPM

/// Parses each spec in a fresh spec worker process that confines itself
/// before it touches the spec (seccomp: no exec, fork, sockets or file writes;
/// rpm's program-running and file-writing Lua removed; a clean environment;
/// CPU, memory and file-size limits; root drops to nobody).
///
/// The parent enforces a wall-clock timeout (then kills the worker's process
/// group) and a cap on the reply. A worker that crashes, times out or exceeds a
/// limit gives an `RPMError` of kind `.specWorker` naming the spec; it never
/// takes this process down. There is no silent in-process fallback.
///
/// The worker is this very program, started again (see `SpecWorker`):
/// `workerPath` when given, else `$SNAPCHECK_SPEC_WORKER` (another `snapcheck`
/// executable, for tests and sanitizer runs), else `/proc/self/exe` when the
/// program called `SpecWorker.serveIfRequested()`. Otherwise every parse fails
/// with an error naming the line to add.
public struct SandboxedSpecEvaluator: SpecEvaluator {
    /// The worker executable; nil looks it up (see the type's documentation).
    public var workerPath: String?
    /// Wall-clock time a parse may take before the worker is killed.
    public var timeout: Duration
    /// CPU seconds (`RLIMIT_CPU`) and address space (`RLIMIT_AS`) of the worker.
    public var cpuSeconds: Int
    public var memoryBytes: Int
    /// Largest reply read from the worker.
    public var replyLimit: Int

    public init(workerPath: String? = nil, timeout: Duration = .seconds(10), cpuSeconds: Int = 10,
                memoryBytes: Int = 1 << 30, replyLimit: Int = 64 << 20) {
        self.workerPath = workerPath
        self.timeout = timeout
        self.cpuSeconds = cpuSeconds
        self.memoryBytes = memoryBytes
        self.replyLimit = replyLimit
    }

    /// Largest spec handed to the worker.
    static let specLimit = 16 << 20

    public func parse(contents: [UInt8], displayName: String, options: SpecOptions) throws -> ParsedSpec {
        guard contents.count <= Self.specLimit else {
            throw RPMError(.limitExceeded, operation: "spec worker", path: displayName,
                           message: "larger than the \(Self.specLimit >> 20) MiB the spec worker reads")
        }
        return try run(SpecWorkerRequest(displayName: displayName, path: nil, options: options, limits: limits),
                       spec: contents)
    }

    public func parse(path: String, options: SpecOptions) throws -> ParsedSpec {
        try run(SpecWorkerRequest(displayName: path, path: path, options: options, limits: limits), spec: [])
    }

    private var limits: SpecWorkerLimits { SpecWorkerLimits(cpuSeconds: cpuSeconds, memoryBytes: memoryBytes) }

    // MARK: Finding the worker

    /// Where the worker comes from, or why there is none.
    enum Worker {
        case program(String)
        case missing(String)
    }

    /// The program this evaluator would start as its worker, or nil when there is none.
    public func resolvedWorkerPath() -> String? {
        if case .program(let path) = Self.locateWorker(explicitPath: workerPath, environment: ProcessInfo.processInfo.environment,
                                                         selfServes: SpecWorker.isInstalled) {
            return path
        }
        return nil
    }

    /// `explicitPath`, else `$SNAPCHECK_SPEC_WORKER`, else this program when it serves as its own worker.
    static func locateWorker(explicitPath: String?, environment: [String: String], selfServes: Bool) -> Worker {
        if let named = explicitPath ?? environment[SpecWorkerChannel.environmentVariable].flatMap({ $0.isEmpty ? nil : $0 }) {
            return isExecutableFile(named) ? .program(named) : .missing("spec worker \(named) is not an executable file")
        }
        if selfServes { return .program("/proc/self/exe") }
        return .missing("""
            this program cannot start its spec worker: call `SpecWorker.serveIfRequested()` as the first line of its main \
            (or set \(SpecWorkerChannel.environmentVariable) to a snapcheck executable)
            """)
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
    }

    // MARK: Running the worker

    private func fail(_ request: SpecWorkerRequest, _ operation: String, _ message: String, code: Int32? = nil) -> RPMError {
        RPMError(.specWorker, operation: operation, path: request.displayName, code: code, message: message)
    }

    private func run(_ request: SpecWorkerRequest, spec: [UInt8]) throws -> ParsedSpec {
        let worker: String
        switch Self.locateWorker(explicitPath: workerPath, environment: ProcessInfo.processInfo.environment,
                                 selfServes: SpecWorker.isInstalled) {
        case .program(let path): worker = path
        case .missing(let why): throw fail(request, "spec worker", why)
        }
        var message = try JSONEncoder().encode(request)
        message.append(0x0A)
        message.append(contentsOf: spec)
        // ETXTBSY is transient: another thread of this process forked (to exec
        // something) while the worker file was still open for writing, even with
        // O_CLOEXEC, until that child's exec. Go's os/exec retries the same way.
        var outcome = try WorkerProcess.run(worker, input: Array(message), timeout: timeout, replyLimit: replyLimit)
        for _ in 0..<20 {
            guard case .spawnFailed(ETXTBSY) = outcome else { break }
            usleep(20_000)
            outcome = try WorkerProcess.run(worker, input: Array(message), timeout: timeout, replyLimit: replyLimit)
        }
        switch outcome {
        case .spawnFailed(let code):
            throw fail(request, "posix_spawn", "cannot start the spec worker \(worker): \(String(cString: strerror(code)))", code: code)
        case .timedOut:
            throw fail(request, "spec worker", "the spec worker did not finish within \(timeout) and was killed")
        case .replyTooLarge:
            throw fail(request, "spec worker", "the spec worker's reply exceeded \(replyLimit >> 20) MiB; it was killed")
        case .finished(let status, let reply, let diagnostics):
            if let signal = status.signal {
                throw fail(request, "spec worker", "the spec worker was killed by \(Self.describe(signal: signal))\(Self.tail(diagnostics))")
            }
            guard status.exitCode == 0 else {
                throw fail(request, "spec worker", "the spec worker exited with status \(status.exitCode ?? -1)\(Self.tail(diagnostics))")
            }
            let decoded: SpecWorkerReply
            do { decoded = try JSONDecoder().decode(SpecWorkerReply.self, from: Data(reply)) } catch {
                throw fail(request, "spec worker", "the spec worker's reply is not readable (\(reply.count) bytes)")
            }
            switch decoded {
            case .parsed(let parsed): return parsed
            case .failed(let error): throw error
            }
        }
    }

    /// A signal by number and what it means for a worker.
    static func describe(signal: Int32) -> String {
        switch signal {
        case SIGKILL: "SIGKILL"
        case SIGXCPU: "SIGXCPU (CPU time limit)"
        case SIGXFSZ: "SIGXFSZ (a file write)"
        case SIGSYS: "SIGSYS (a forbidden system call)"
        case SIGSEGV: "SIGSEGV (a crash)"
        case SIGABRT: "SIGABRT (an abort, e.g. out of memory)"
        case SIGBUS: "SIGBUS (a crash)"
        default: "signal \(signal)"
        }
    }

    /// The last line the worker printed, for errors.
    private static func tail(_ diagnostics: [UInt8]) -> String {
        let lines = String(decoding: diagnostics, as: UTF8.self).split(whereSeparator: \.isNewline)
        guard let last = lines.last(where: { !$0.allSatisfy(\.isWhitespace) }) else { return "" }
        return ": " + String(last.prefix(300))
    }
}

/// One run of a worker process: spawn, feed, collect, reap.
enum WorkerProcess {
    struct Status {
        var raw: Int32
        var signal: Int32? { raw & 0x7F == 0 ? nil : raw & 0x7F }
        var exitCode: Int32? { raw & 0x7F == 0 ? (raw >> 8) & 0xFF : nil }
    }

    enum Outcome {
        case spawnFailed(Int32)
        case timedOut
        case replyTooLarge
        case finished(Status, reply: [UInt8], diagnostics: [UInt8])
    }

    /// Largest part of the worker's stdout/stderr kept for error messages; the rest is drained.
    static let diagnosticsLimit = 8 << 10

    /// Runs `executable` in its own process group with a fixed environment;
    /// `input` goes to its fd 0 and the reply comes back on its fd 3 (one
    /// socket), its fds 1 and 2 share a second socket. Kills the group when
    /// `timeout` passes or the reply exceeds `replyLimit`.
    static func run(_ executable: String, input: [UInt8], timeout: Duration, replyLimit: Int) throws -> Outcome {
        let deadline = ContinuousClock.now + timeout
        // Sockets, not pipes: created close-on-exec atomically (no leak into a
        // concurrent spawn) and written with MSG_NOSIGNAL (no SIGPIPE here).
        guard let channel = socketPair() else { return .spawnFailed(errno) }
        guard let diagnostics = socketPair() else {
            let code = errno
            close(channel.0)
            close(channel.1)
            return .spawnFailed(code)
        }
        var parentChannel: Int32 = channel.0, parentDiagnostics: Int32 = diagnostics.0
        defer {
            close(parentChannel)
            close(parentDiagnostics)
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, channel.1, SpecWorkerChannel.requestFD)
        posix_spawn_file_actions_adddup2(&actions, channel.1, SpecWorkerChannel.replyFD)
        posix_spawn_file_actions_adddup2(&actions, diagnostics.1, 1)
        posix_spawn_file_actions_adddup2(&actions, diagnostics.1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)

        func cStrings(_ strings: [String]) -> [UnsafeMutablePointer<CChar>?] {
            strings.map { string in string.withCString { strdup($0) } } + [nil]
        }
        let argv = cStrings([SpecWorkerChannel.processName, SpecWorkerChannel.marker])
        let envp = cStrings(["LC_ALL=C", "LANG=C", "HOME=/nonexistent", "PATH=/usr/bin:/bin"])
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(channel.1)
        close(diagnostics.1)
        guard spawned == 0 else { return .spawnFailed(spawned) }

        _ = fcntl(parentChannel, F_SETFL, fcntl(parentChannel, F_GETFL) | O_NONBLOCK)
        _ = fcntl(parentDiagnostics, F_SETFL, fcntl(parentDiagnostics, F_GETFL) | O_NONBLOCK)
        var sent = 0
        var reply: [UInt8] = [], printed: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)

        func killGroup() {
            kill(-pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }

        while parentChannel >= 0 || parentDiagnostics >= 0 {
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero {
                killGroup()
                return .timedOut
            }
            var fds = [pollfd(fd: parentChannel, events: Int16(POLLIN) | (sent < input.count ? Int16(POLLOUT) : 0), revents: 0),
                       pollfd(fd: parentDiagnostics, events: Int16(POLLIN), revents: 0)]
            let milliseconds = Int32(clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&fds, nfds_t(fds.count), milliseconds)
            if ready < 0 && errno != EINTR {
                killGroup()
                return .spawnFailed(errno)
            }
            if ready <= 0 { continue }

            if fds[0].revents & Int16(POLLOUT) != 0 && sent < input.count {
                let n = input.withUnsafeBytes { send(parentChannel, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
                if n > 0 { sent += n } else if n < 0 && errno != EAGAIN && errno != EINTR { sent = input.count }
                if sent == input.count { shutdown(parentChannel, Int32(SHUT_WR)) }
            }
            if fds[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                let n = recv(parentChannel, &buffer, buffer.count, 0)
                if n > 0 {
                    reply += buffer[..<n]
                    if reply.count > replyLimit {
                        killGroup()
                        return .replyTooLarge
                    }
                } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                    close(parentChannel)
                    parentChannel = -1
                }
            }
            if fds[1].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                let n = read(parentDiagnostics, &buffer, buffer.count)
                if n > 0 {
                    if printed.count < diagnosticsLimit { printed += buffer[..<min(n, diagnosticsLimit - printed.count)] }
                } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                    close(parentDiagnostics)
                    parentDiagnostics = -1
                }
            }
        }

        // Both streams ended: the worker is exiting. Reap it within the deadline.
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped < 0 && errno != EINTR { break }
            if ContinuousClock.now >= deadline {
                killGroup()
                return .timedOut
            }
            usleep(1000)
        }
        return .finished(Status(raw: status), reply: reply, diagnostics: printed)
    }

    /// A connected pair of close-on-exec Unix stream sockets.
    private static func socketPair() -> (Int32, Int32)? {
        var fds: [Int32] = [-1, -1]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &fds) == 0 else { return nil }
        return (fds[0], fds[1])
    }
}
