import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Asks a QEMU executable what it is: starts it with QMP on stdio and no
/// machine, records the conversation, and ends it (Docs/probe.md).
///
/// Nothing but the named file runs: no shell, no guest, no disk, no network,
/// a minimal environment, `/` as working directory, and a session of its own
/// (`ChildProcess`): when the probe ends, on any path, the emulator and
/// everything it started are killed and reaped. The result is a `QMPCapture`
/// read back from the stdout transcript, so a saved transcript audits the same.
public struct QMPProbe: Sendable {
    /// The arguments after the executable, exactly.
    public static let arguments = [
        "-machine", "none", "-nodefaults", "-nographic", "-display", "none", "-qmp", "stdio",
    ]
    /// The whole environment the emulator gets.
    public static let environment = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"]
    /// The requests, in order; each waits for its reply.
    static let requests: [(name: String, line: String)] = [
        ("qmp_capabilities", #"{"execute": "qmp_capabilities"}"#),
        ("query-commands", #"{"execute": "query-commands"}"#),
        ("query-version", #"{"execute": "query-version"}"#),
        ("human-monitor-command", #"{"execute": "human-monitor-command", "arguments": {"command-line": "help"}}"#),
    ]
    static let quit = #"{"execute": "quit"}"#
    /// More stdout than this is refused (a real session is about 10 KiB).
    public static let transcriptLimit = 4 << 20
    /// How much of the end of stderr is kept for error messages.
    static let stderrTail = 4096

    /// The file to run (made absolute against the current directory).
    public var executable: String
    /// The whole conversation, start to reaped child, must end within this.
    public var timeout: Duration

    public init(executable: String, timeout: Duration = .seconds(10)) {
        self.executable = executable
        self.timeout = timeout
    }

    /// Runs the probe. Throws `QMPProbeError`; the child is gone either way.
    public func run() throws(QMPProbeError) -> QMPProbeResult {
        let path =
            executable.hasPrefix("/")
            ? executable : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(executable)
        var info = stat()
        guard stat(path, &info) == 0 else { throw QMPProbeError(.spawn, executable, "no such file") }
        guard info.st_mode & S_IFMT == S_IFREG, access(path, X_OK) == 0 else {
            throw QMPProbeError(.spawn, executable, "not an executable file")
        }
        let start = ContinuousClock.now
        let process: ChildProcess
        do {
            process = try ChildProcess(
                executable: path, arguments: [path] + Self.arguments, environment: Self.environment,
                workingDirectory: "/",
                streams: [
                    ChildProcess.Stream([0], limit: 0, overflow: .keepFirst),
                    ChildProcess.Stream([1], limit: Self.transcriptLimit, overflow: .fail),
                    ChildProcess.Stream([2], limit: Self.stderrTail, overflow: .keepLast),
                ])
        } catch {
            throw QMPProbeError(.spawn, executable, "cannot be started: \(error.message)")
        }
        // Whatever happens next, the emulator and everything it started are gone when this returns.
        defer { process.terminate() }
        var session = Session(process: process, deadline: start + timeout, executable: executable)
        do {
            try session.converse()
        } catch {
            session.endAfterFailure(waitForStderr: error.kind == .exitedEarly)
            throw error.with(stderr: session.stderrText, status: session.statusText)
        }
        let transcript = session.transcript
        let capture: QMPCapture
        do { capture = try QMPCapture(bytes: transcript) } catch {
            throw QMPProbeError(.notQMP, executable, "its QMP session cannot be read back: \(error)")
        }
        return QMPProbeResult(
            executable: executable, transcript: transcript, capture: capture,
            duration: ContinuousClock.now - start, stderr: session.stderrText, exitStatus: session.statusText)
    }
}

/// What a probe recorded.
public struct QMPProbeResult: Sendable {
    public var executable: String
    /// The emulator's stdout, verbatim: the stdio-transcript format `QMPCapture` reads.
    public var transcript: [UInt8]
    public var capture: QMPCapture
    /// From spawn to reaped child.
    public var duration: Duration
    /// The last bytes of stderr (QEMU's warnings), trimmed.
    public var stderr: String
    /// How the child ended, e.g. `exited with status 0` or `killed by signal 9`.
    public var exitStatus: String
}

/// Why a probe gave no answer. One line: the executable and the reason,
/// with the end of its stderr when it said something.
public struct QMPProbeError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case spawn, timeout, exitedEarly, notQMP, tooLarge, refused
    }

    public var kind: Kind
    public var executable: String
    public var message: String

    init(_ kind: Kind, _ executable: String, _ message: String) {
        self.kind = kind
        self.executable = executable
        self.message = message
    }

    public var description: String { "\(executable): \(message)" }

    /// Adds how the child ended and the last line of its stderr.
    func with(stderr: String, status: String) -> QMPProbeError {
        var copy = self
        if kind == .exitedEarly { copy.message += " (\(status))" }
        let last = stderr.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        if !last.isEmpty { copy.message += "; stderr: \(last.prefix(200))" }
        return copy
    }
}

/// One conversation: stdout lines in, requests out, all against one deadline.
private struct Session {
    let process: ChildProcess
    let deadline: ContinuousClock.Instant
    let executable: String
    /// Whole lines of stdout once the conversation is over.
    var transcript: [UInt8] = []
    /// Where the next unread line of stdout starts.
    var lineStart = 0

    /// The emulator's streams, by index.
    static let stdin = 0, stdout = 1, stderr = 2

    init(process: ChildProcess, deadline: ContinuousClock.Instant, executable: String) {
        self.process = process
        self.deadline = deadline
        self.executable = executable
    }

    var stderrText: String {
        String(decoding: process.output(Self.stderr), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// "exited with status N" / "killed by signal N" / "still running".
    var statusText: String { process.status?.description ?? "still running" }

    mutating func converse() throws(QMPProbeError) {
        guard let greeting = try nextMessage(waitingFor: "the QMP greeting"), greeting["QMP"] != nil else {
            throw QMPProbeError(.notQMP, executable, "did not greet with a QMP banner")
        }
        for request in QMPProbe.requests {
            try send(request.line, name: request.name)
            guard let reply = try nextReply(to: request.name) else {
                throw QMPProbeError(.exitedEarly, executable, "exited before answering \(request.name)")
            }
            if request.name == "qmp_capabilities", let error = reply["error"] as? [String: Any] {
                throw QMPProbeError(
                    .refused, executable, "refused qmp_capabilities: \(error["desc"] as? String ?? "no reason")")
            }
        }
        // quit: the reply may or may not arrive before stdout closes; both are fine.
        try send(QMPProbe.quit, name: "quit")
        process.closeInput(Self.stdin)
        if case .limitExceeded = process.exchange(until: deadline, or: { $0.isOutputClosed(Self.stdout) }) {
            throw tooLarge
        }
        // Anything after the last newline is a partial line: keep the transcript whole lines only.
        transcript = process.output(Self.stdout)
        if let lastNewline = transcript.lastIndex(of: 0x0A) {
            transcript.removeSubrange((lastNewline + 1)...)
        } else {
            transcript = []
        }
        if process.wait(until: min(deadline, ContinuousClock.now + .milliseconds(500))) == nil { process.terminate() }
    }

    /// After a failure: for an emulator that exited, a moment for its last
    /// stderr words; then the tree goes.
    mutating func endAfterFailure(waitForStderr: Bool) {
        process.closeInput(Self.stdin)
        if waitForStderr {
            _ = process.exchange(
                until: min(deadline, ContinuousClock.now + .milliseconds(200)), or: { $0.isOutputClosed(Self.stderr) })
        }
        process.terminate()
    }

    /// The next reply (`return` or `error`), skipping events; nil at end of output.
    mutating func nextReply(to name: String) throws(QMPProbeError) -> [String: Any]? {
        while let message = try nextMessage(waitingFor: "the reply to \(name)") {
            if message["return"] != nil || message["error"] != nil { return message }
        }
        return nil
    }

    /// The next non-blank stdout line as a QMP message; nil when stdout closed first.
    mutating func nextMessage(waitingFor what: String) throws(QMPProbeError) -> [String: Any]? {
        while true {
            let output = process.output(Self.stdout)
            if let newline = output[lineStart...].firstIndex(of: 0x0A) {
                let line = output[lineStart..<newline]
                lineStart = newline + 1
                let trimmed = line.drop { QMPObjectScanner.isWhitespace($0) }
                if trimmed.isEmpty { continue }
                guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed)) as? [String: Any],
                    ["QMP", "return", "error", "event"].contains(where: { object[$0] != nil })
                else {
                    let shown = String(decoding: trimmed.prefix(60), as: UTF8.self)
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                    throw QMPProbeError(
                        .notQMP, executable, "answered something that is not QMP while waiting for \(what): '\(shown)'")
                }
                return object
            }
            if process.isOutputClosed(Self.stdout) { return nil }
            let start = lineStart
            switch process.exchange(
                until: deadline,
                or: { $0.isOutputClosed(Self.stdout) || $0.output(Self.stdout)[start...].contains(0x0A) })
            {
            case .deadline:
                throw QMPProbeError(.timeout, executable, "no answer within the timeout while waiting for \(what)")
            case .limitExceeded: throw tooLarge
            case .satisfied, .outputsClosed: continue
            }
        }
    }

    /// Writes one request line, within the deadline.
    mutating func send(_ line: String, name: String) throws(QMPProbeError) {
        process.send(Array((line + "\n").utf8), to: Self.stdin)
        let end = process.exchange(
            until: deadline, or: { $0.unsentCount(Self.stdin) == 0 || $0.writeError(Self.stdin) != nil })
        if process.writeError(Self.stdin) != nil {
            throw QMPProbeError(.exitedEarly, executable, "closed its input before \(name)")
        }
        switch end {
        case .deadline: throw QMPProbeError(.timeout, executable, "does not read its input (sending \(name))")
        case .limitExceeded: throw tooLarge
        case .satisfied, .outputsClosed: return
        }
    }

    private var tooLarge: QMPProbeError {
        QMPProbeError(.tooLarge, executable, "wrote more than \(QMPProbe.transcriptLimit >> 20) MiB on stdout")
    }
}
