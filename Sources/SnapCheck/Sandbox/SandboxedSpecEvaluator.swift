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
        try parse(contents: contents, displayName: displayName, each: [options])[0].get()
    }

    package func parse(path: String, options: SpecOptions) throws -> ParsedSpec {
        let outcome = run(request(displayName: path, path: path, parses: [options]), spec: [])
        if let failure = outcome.failure { throw failure }
        return try outcome.answered[0].get()
    }

    /// The same spec parsed once per `options` in one worker (a warm worker: one
    /// process start, not one per arch), each with the time and CPU one parse may
    /// take. When that worker fails as a whole (crash, timeout, a limit), the
    /// parses it answered before are kept and each other one runs again in a
    /// worker of its own, so one arch's failure is never another's
    /// (Docs/security.md, "One worker, one spec").
    package func parse(contents: [UInt8], displayName: String, each options: [SpecOptions]) -> [Result<
        ParsedSpec, RPMError
    >] {
        guard contents.count <= Self.specLimit else {
            let error = RPMError(
                .limitExceeded, operation: "spec worker", path: displayName,
                message: "larger than the \(Self.specLimit >> 20) MiB the spec worker reads")
            return options.map { _ in .failure(error) }
        }
        let outcome = run(request(displayName: displayName, path: nil, parses: options), spec: contents)
        guard let failure = outcome.failure else { return outcome.answered }
        guard options.count > 1 else { return [.failure(failure)] }
        return outcome.answered
            + options.dropFirst(outcome.answered.count).map { options in
                let alone = run(request(displayName: displayName, path: nil, parses: [options]), spec: contents)
                return alone.failure.map { .failure($0) } ?? alone.answered[0]
            }
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
        if explicitPath == nil, environment[SpecWorkerChannel.environmentVariable]?.contains("\u{FFFD}") == true,
            let raw = getenv(SpecWorkerChannel.environmentVariable),
            String(validatingCString: raw) == nil
        {
            // Decoded with U+FFFD, the name would be another file's.
            let bytes = UnsafeBufferPointer(start: raw, count: strlen(raw)).map { UInt8(bitPattern: $0) }
            return .missing("\(SpecWorkerChannel.environmentVariable) is not valid UTF-8: \(VisibleText.escape(bytes))")
        }
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

    /// What one worker gave: the parses it answered, in the request's order, and
    /// its own failure (nil when it answered every parse).
    private struct Outcome {
        var answered: [Result<ParsedSpec, RPMError>] = []
        var failure: RPMError?
    }

    /// Runs one worker for `request`: the parses it answered, and why it stopped when it answered fewer than all.
    private func run(_ request: SpecWorkerRequest, spec: [UInt8]) -> Outcome {
        do throws(RPMError) {
            return try runWorker(request, spec: spec)
        } catch {
            return Outcome(failure: error)
        }
    }

    private func runWorker(_ request: SpecWorkerRequest, spec: [UInt8]) throws(RPMError) -> Outcome {
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

        let timedOut = fail(request, "spec worker", "the spec worker did not finish within \(timeout) and was killed")
        var failure: RPMError?
        switch process.exchange(until: deadline) {
        case .deadline:
            failure = timedOut
        case .limitExceeded:
            // What arrived is cut short: nothing of it is kept.
            throw fail(
                request, "spec worker", "the spec worker's reply exceeded \(replyLimit >> 20) MiB; it was killed")
        case .satisfied, .outputsClosed:
            break
        }
        // Both streams ended: the worker is exiting. Reap it within the deadline.
        if failure == nil {
            if let status = process.wait(until: deadline) {
                let diagnostics = process.output(Self.diagnostics)
                switch status {
                case .signalled(let signal):
                    failure = fail(
                        request, "spec worker",
                        "the spec worker was killed by \(Self.describe(signal: signal))\(Self.tail(diagnostics))")
                case .exited(let code) where code != 0:
                    failure = fail(
                        request, "spec worker", "the spec worker exited with status \(code)\(Self.tail(diagnostics))")
                case .exited:
                    break
                }
            } else {
                failure = timedOut
            }
        }
        let answers = try answers(
            in: process.output(Self.channel), to: request, from: worker, complete: failure == nil)
        // One answer for the whole request: it could not be read, or the worker could not confine itself.
        if let first = answers.first, first.parse == nil {
            guard case .failed(let error) = first.reply else {
                throw fail(request, "spec worker", "the spec worker answered the whole request with a parse")
            }
            throw error
        }
        let answered = answers.map { answer -> Result<ParsedSpec, RPMError> in
            switch answer.reply {
            case .parsed(let parsed): .success(parsed)
            case .failed(let error): .failure(error)
            }
        }
        if failure == nil, answered.count != request.parses.count {
            failure = fail(
                request, "spec worker", "the spec worker answered \(answered.count) parses of \(request.parses.count)")
        }
        return Outcome(answered: answered, failure: failure)
    }

    /// The answers in the worker's reply stream: its lines, each the next parse
    /// in order or, alone, the whole request's. A worker that failed (not
    /// `complete`) may have been cut short inside a line: that line is not an
    /// answer. Anything else that does not read is the whole reply's failure.
    private func answers(in reply: [UInt8], to request: SpecWorkerRequest, from worker: String, complete: Bool)
        throws(RPMError) -> [SpecWorkerAnswer]
    {
        var answers: [SpecWorkerAnswer] = []
        var start = reply.startIndex
        var readable = true
        while start < reply.endIndex {
            guard let end = reply[start...].firstIndex(of: 0x0A) else {
                readable = !complete
                break
            }
            let line = reply[start..<end]
            start = end + 1
            let expected = answers.count
            let theirs = (try? JSONDecoder().decode(SpecWorkerHandshake.self, from: Data(line)))?.protocolVersion
            if let theirs, theirs != SpecWorkerChannel.protocolVersion {
                throw fail(
                    request, "spec worker",
                    """
                    the spec worker \(worker) speaks protocol \(theirs) and this snapcheck \(SpecWorkerChannel.protocolVersion): \
                    the worker is another snapcheck version
                    """)
            }
            guard let answer = try? JSONDecoder().decode(SpecWorkerAnswer.self, from: Data(line)),
                answer.parse == expected || (answer.parse == nil && expected == 0 && start == reply.endIndex),
                expected < request.parses.count
            else {
                readable = false
                break
            }
            answers.append(answer)
        }
        guard readable else {
            // This program as its own worker speaks its protocol; another program may not.
            let another =
                worker == Self.ownExecutable
                ? ""
                : "; is \(worker) the same snapcheck version as this one (protocol \(SpecWorkerChannel.protocolVersion))?"
            throw fail(
                request, "spec worker", "the spec worker's reply is not readable (\(reply.count) bytes)\(another)")
        }
        return answers
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
        // A crash line's addresses differ from run to run: the same input gives the same bytes.
        let shown = last.prefix(300).replacing(#/0x[0-9a-fA-F]+/#, with: "0x…")
        return ": " + String(shown)
    }
}
