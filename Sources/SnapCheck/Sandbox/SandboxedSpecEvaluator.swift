import Foundation
package import RPM

/// Parses each spec in a fresh spec worker process (one for every arch asked
/// at once; never one for two specs) that confines itself
/// before it touches the spec (seccomp: no exec, fork, sockets or file writes;
/// rpm's program-running and file-writing Lua removed; a clean environment;
/// CPU, memory and file-size limits; root drops to nobody).
///
/// The parent enforces a wall-clock timeout (then kills the worker's whole
/// process tree, see `ChildProcess`) and a cap on the reply. A worker that
/// crashes, times out or exceeds a limit gives an `RPMError` of kind
/// `.specWorker` naming the spec; it never takes this process down. There is
/// no silent in-process fallback.
///
/// The worker is this very program, started again (see `SpecWorker`):
/// `workerPath` when given, else `$SNAPCHECK_SPEC_WORKER` (another `snapcheck`
/// executable, for tests and sanitizer runs), else `/proc/self/exe` when the
/// program called `SpecWorker.serveIfRequested()`. Otherwise every parse fails
/// with an error naming the line to add.
public struct SandboxedSpecEvaluator: Sendable {
    /// The worker executable; nil looks it up (see the type's documentation).
    public var workerPath: String?
    /// Wall-clock time a parse may take before the worker is killed.
    public var timeout: Duration
    /// CPU seconds (`RLIMIT_CPU`) and address space (`RLIMIT_AS`) of the worker.
    public var cpuSeconds: Int
    public var memoryBytes: Int
    /// Largest reply read from the worker.
    public var replyLimit: Int

    public init(
        workerPath: String? = nil, timeout: Duration = .seconds(10), cpuSeconds: Int = 10,
        memoryBytes: Int = 1 << 30, replyLimit: Int = 64 << 20
    ) {
        self.workerPath = workerPath
        self.timeout = timeout
        self.cpuSeconds = cpuSeconds
        self.memoryBytes = memoryBytes
        self.replyLimit = replyLimit
    }

    /// Largest spec handed to the worker.
    static let specLimit = 16 << 20

    package func parse(contents: [UInt8], displayName: String, options: SpecOptions) throws -> ParsedSpec {
        try parse(contents: contents, displayName: displayName, all: [options])[0].get()
    }

    package func parse(path: String, options: SpecOptions) throws -> ParsedSpec {
        try run(request(displayName: path, path: path, parses: [options]), spec: [])[0].get()
    }

    /// The same spec parsed once per `options` in one worker (a warm worker: one
    /// process start, not one per arch), each with the time and CPU one parse may
    /// take. When that worker fails as a whole (crash, timeout, a limit), each
    /// parse runs again in a worker of its own, so one arch's failure is never
    /// another's (Docs/security.md, "One worker, one spec").
    package func parse(contents: [UInt8], displayName: String, each options: [SpecOptions]) -> [Result<
        ParsedSpec, RPMError
    >] {
        do {
            return try parse(contents: contents, displayName: displayName, all: options)
        } catch {
            guard options.count > 1 else { return [.failure(error)] }
            return options.map { options in
                Result { () throws(RPMError) in
                    try parse(contents: contents, displayName: displayName, all: [options])[0].get()
                }
            }
        }
    }

    private func parse(contents: [UInt8], displayName: String, all options: [SpecOptions]) throws(RPMError) -> [Result<
        ParsedSpec, RPMError
    >] {
        guard contents.count <= Self.specLimit else {
            throw RPMError(
                .limitExceeded, operation: "spec worker", path: displayName,
                message: "larger than the \(Self.specLimit >> 20) MiB the spec worker reads")
        }
        return try run(request(displayName: displayName, path: nil, parses: options), spec: contents)
    }

    /// A request for `parses`: the limits of one parse, times their number.
    private func request(displayName: String, path: String?, parses: [SpecOptions]) -> SpecWorkerRequest {
        SpecWorkerRequest(
            displayName: displayName, path: path, parses: parses,
            limits: SpecWorkerLimits(cpuSeconds: cpuSeconds * max(parses.count, 1), memoryBytes: memoryBytes))
    }

    // MARK: Finding the worker

    /// Where the worker comes from, or why there is none.
    enum Worker {
        case program(String)
        case missing(String)
    }

    /// The program this evaluator would start as its worker, or nil when there is none.
    public func resolvedWorkerPath() -> String? {
        if case .program(let path) = Self.locateWorker(
            explicitPath: workerPath, environment: ProcessInfo.processInfo.environment,
            selfServes: SpecWorker.isInstalled)
        {
            return path
        }
        return nil
    }

    /// This program, as it starts itself as its worker.
    static let ownExecutable = "/proc/self/exe"

    /// `explicitPath`, else `$SNAPCHECK_SPEC_WORKER`, else this program when it serves as its own worker.
    static func locateWorker(explicitPath: String?, environment: [String: String], selfServes: Bool) -> Worker {
        if let named = explicitPath
            ?? environment[SpecWorkerChannel.environmentVariable].flatMap({ $0.isEmpty ? nil : $0 })
        {
            return isExecutableFile(named)
                ? .program(named) : .missing("spec worker \(named) is not an executable file")
        }
        if selfServes { return .program(ownExecutable) }
        return .missing(
            """
            this program cannot start its spec worker: call `SpecWorker.serveIfRequested()` as the first line of its main \
            (or set \(SpecWorkerChannel.environmentVariable) to a snapcheck executable)
            """)
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
    }

    // MARK: Running the worker

    private func fail(_ request: SpecWorkerRequest, _ operation: String, _ message: String, code: Int32? = nil)
        -> RPMError
    {
        RPMError(.specWorker, operation: operation, path: request.displayName, code: code, message: message)
    }

    /// Runs one worker for `request`: a result per parse, or the worker's own failure.
    private func run(_ request: SpecWorkerRequest, spec: [UInt8]) throws(RPMError) -> [Result<ParsedSpec, RPMError>] {
        let timeout = timeout * max(request.parses.count, 1)
        let worker: String
        switch Self.locateWorker(
            explicitPath: workerPath, environment: ProcessInfo.processInfo.environment,
            selfServes: SpecWorker.isInstalled)
        {
        case .program(let path): worker = path
        case .missing(let why): throw fail(request, "spec worker", why)
        }
        var message: Data
        do { message = try JSONEncoder().encode(request) } catch {
            throw fail(request, "spec worker", "the request cannot be encoded: \(error)")
        }
        message.append(0x0A)
        message.append(contentsOf: spec)

        let deadline = ContinuousClock.now + timeout
        let process: ChildProcess
        do {
            process = try ChildProcess(
                executable: worker, arguments: [SpecWorkerChannel.processName, SpecWorkerChannel.marker],
                environment: Self.environment,
                streams: [
                    // The request in, the reply out: one socket on fds 0 and 3.
                    ChildProcess.Stream(
                        [SpecWorkerChannel.requestFD, SpecWorkerChannel.replyFD], limit: replyLimit, overflow: .fail),
                    // stdout and stderr: kept for error messages, the rest drained.
                    ChildProcess.Stream([1, 2], limit: Self.diagnosticsLimit, overflow: .keepFirst),
                ])
        } catch {
            throw fail(
                request, error.call, "cannot start the spec worker \(worker): \(error.message)", code: error.code)
        }
        defer { process.terminate() }
        process.send(Array(message), to: Self.channel)
        process.closeInput(Self.channel)

        switch process.exchange(until: deadline) {
        case .deadline:
            throw fail(request, "spec worker", "the spec worker did not finish within \(timeout) and was killed")
        case .limitExceeded:
            throw fail(
                request, "spec worker", "the spec worker's reply exceeded \(replyLimit >> 20) MiB; it was killed")
        case .satisfied, .outputsClosed:
            break
        }
        // Both streams ended: the worker is exiting. Reap it within the deadline.
        guard let status = process.wait(until: deadline) else {
            throw fail(request, "spec worker", "the spec worker did not finish within \(timeout) and was killed")
        }
        let diagnostics = process.output(Self.diagnostics)
        switch status {
        case .signalled(let signal):
            throw fail(
                request, "spec worker",
                "the spec worker was killed by \(Self.describe(signal: signal))\(Self.tail(diagnostics))")
        case .exited(let code) where code != 0:
            throw fail(request, "spec worker", "the spec worker exited with status \(code)\(Self.tail(diagnostics))")
        case .exited:
            break
        }
        let reply = process.output(Self.channel)
        let decoded: [SpecWorkerReply]
        do { decoded = try JSONDecoder().decode([SpecWorkerReply].self, from: Data(reply)) } catch {
            // This program as its own worker speaks its protocol; another program may not.
            let another =
                worker == Self.ownExecutable
                ? "" : "; is \(worker) the same snapcheck version as this one (protocol \(SpecWorkerChannel.protocolVersion))?"
            throw fail(request, "spec worker", "the spec worker's reply is not readable (\(reply.count) bytes)\(another)")
        }
        if decoded.count == request.parses.count {
            return decoded.map { reply in
                switch reply {
                case .parsed(let parsed): .success(parsed)
                case .failed(let error): .failure(error)
                }
            }
        }
        // One failure for the whole request: it could not be read, or the worker could not confine itself.
        if decoded.count == 1, case .failed(let error) = decoded[0] { throw error }
        throw fail(
            request, "spec worker", "the spec worker answered \(decoded.count) parses of \(request.parses.count)")
    }

    /// The worker's whole environment: no `~/.rpmmacros`, no locale surprises.
    static let environment = ["LC_ALL=C", "LANG=C", "HOME=/nonexistent", "PATH=/usr/bin:/bin"]
    /// The worker's streams, by index: the request/reply socket, then stdout and stderr.
    private static let channel = 0, diagnostics = 1
    /// Largest part of the worker's stdout/stderr kept for error messages.
    static let diagnosticsLimit = 8 << 10

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
