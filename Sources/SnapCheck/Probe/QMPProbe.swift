import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Asks a QEMU executable what it is: starts it with QMP on stdio and no
/// machine, records the conversation, and ends it (Docs/probe.md).
///
/// Nothing but the named file runs: no shell, no guest, no disk, no network,
/// a minimal environment, `/` as working directory, and a process group of its
/// own that is killed on timeout or error. The result is a `QMPCapture` read
/// back from the stdout transcript, so a saved transcript audits the same.
public struct QMPProbe: Sendable {
    /// The arguments after the executable, exactly.
    public static let arguments = ["-machine", "none", "-nodefaults", "-nographic", "-display", "none", "-qmp", "stdio"]
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
        let path = executable.hasPrefix("/")
            ? executable : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(executable)
        var info = stat()
        guard stat(path, &info) == 0 else { throw QMPProbeError(.spawn, executable, "no such file") }
        guard info.st_mode & S_IFMT == S_IFREG, access(path, X_OK) == 0 else {
            throw QMPProbeError(.spawn, executable, "not an executable file")
        }
        let start = ContinuousClock.now
        let process = try ProbeProcess(path: path, arguments: Self.arguments, environment: Self.environment)
        var session = Session(process: process, deadline: start + timeout, executable: executable)
        do {
            try session.converse()
        } catch {
            session.drainAfterFailure(waitForStderr: error.kind == .exitedEarly)
            throw error.with(stderr: session.stderrText, status: process.statusText)
        }
        let transcript = session.transcript
        let capture: QMPCapture
        do { capture = try QMPCapture(bytes: transcript) } catch {
            throw QMPProbeError(.notQMP, executable, "its QMP session cannot be read back: \(error)")
        }
        return QMPProbeResult(
            executable: executable, transcript: transcript, capture: capture,
            duration: ContinuousClock.now - start, stderr: session.stderrText, exitStatus: process.statusText)
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
    let process: ProbeProcess
    let deadline: ContinuousClock.Instant
    let executable: String
    var transcript: [UInt8] = []
    /// Where the next unread line of `transcript` starts.
    var lineStart = 0
    var stderrBytes: [UInt8] = []
    var stdoutClosed = false

    init(process: ProbeProcess, deadline: ContinuousClock.Instant, executable: String) {
        self.process = process
        self.deadline = deadline
        self.executable = executable
    }

    var stderrText: String {
        String(decoding: stderrBytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

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
                throw QMPProbeError(.refused, executable, "refused qmp_capabilities: \(error["desc"] as? String ?? "no reason")")
            }
        }
        // quit: the reply may or may not arrive before stdout closes; both are fine.
        try send(QMPProbe.quit, name: "quit")
        process.closeStdin()
        while !stdoutClosed, ContinuousClock.now < deadline {
            do { try pump() } catch let error where error.kind == .timeout { break }
        }
        // Anything after the last newline is a partial line: keep the transcript whole lines only.
        if let lastNewline = transcript.lastIndex(of: 0x0A) { transcript.removeSubrange((lastNewline + 1)...) }
        process.finish(grace: max(.zero, min(.milliseconds(500), deadline - ContinuousClock.now)))
    }

    /// After a failure: for an emulator that exited, a moment for its last
    /// stderr words; then the group goes.
    mutating func drainAfterFailure(waitForStderr: Bool) {
        process.closeStdin()
        let until = waitForStderr ? min(deadline, ContinuousClock.now + .milliseconds(200)) : ContinuousClock.now
        while process.stderr >= 0, ContinuousClock.now < until, !(process.hasExited() && !readable(process.stderr)) {
            var fds = [pollfd(fd: process.stderr, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 1, 20) > 0 { readStderr() }
        }
        process.finish(grace: .zero)
    }

    private func readable(_ fd: Int32) -> Bool {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
        return poll(&fds, 1, 0) > 0
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
            if let newline = transcript[lineStart...].firstIndex(of: 0x0A) {
                let line = transcript[lineStart..<newline]
                lineStart = newline + 1
                let trimmed = line.drop { QMPObjectScanner.isWhitespace($0) }
                if trimmed.isEmpty { continue }
                guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed)) as? [String: Any],
                    ["QMP", "return", "error", "event"].contains(where: { object[$0] != nil })
                else {
                    let shown = String(decoding: trimmed.prefix(60), as: UTF8.self)
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                    throw QMPProbeError(.notQMP, executable, "answered something that is not QMP while waiting for \(what): '\(shown)'")
                }
                return object
            }
            if stdoutClosed { return nil }
            do { try pump() } catch let error where error.kind == .timeout {
                throw QMPProbeError(.timeout, executable, "no answer within the timeout while waiting for \(what)")
            }
        }
    }

    /// Writes one request line; the child's stdin is non-blocking and SIGPIPE is held back.
    mutating func send(_ line: String, name: String) throws(QMPProbeError) {
        let bytes = Array((line + "\n").utf8)
        var written = 0
        while written < bytes.count {
            let n = Self.writeWithoutSIGPIPE(process.stdin, bytes[written...])
            if n > 0 {
                written += n
            } else if n < 0, errno == EAGAIN || errno == EINTR {
                var fds = [pollfd(fd: process.stdin, events: Int16(POLLOUT), revents: 0)]
                guard let wait = remainingMilliseconds() else {
                    throw QMPProbeError(.timeout, executable, "does not read its input (sending \(name))")
                }
                _ = poll(&fds, 1, wait)
            } else {
                throw QMPProbeError(.exitedEarly, executable, "closed its input before \(name)")
            }
        }
    }

    /// Waits for output until the deadline and reads what is there.
    mutating func pump() throws(QMPProbeError) {
        guard let wait = remainingMilliseconds() else { throw QMPProbeError(.timeout, executable, "timeout") }
        var fds: [pollfd] = []
        if process.stdout >= 0 { fds.append(pollfd(fd: process.stdout, events: Int16(POLLIN), revents: 0)) }
        if process.stderr >= 0 { fds.append(pollfd(fd: process.stderr, events: Int16(POLLIN), revents: 0)) }
        guard !fds.isEmpty else { stdoutClosed = true; return }
        let ready = poll(&fds, nfds_t(fds.count), wait)
        if ready < 0, errno != EINTR { throw QMPProbeError(.exitedEarly, executable, "poll: \(ProbeProcess.errnoText())") }
        guard ready > 0 else { return }
        for entry in fds where entry.revents != 0 {
            if entry.fd == process.stdout { try readStdout() } else { readStderr() }
        }
    }

    private mutating func readStdout() throws(QMPProbeError) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(process.stdout, &buffer, buffer.count)
            if n > 0 {
                transcript += buffer[..<n]
                if transcript.count > QMPProbe.transcriptLimit {
                    throw QMPProbeError(.tooLarge, executable, "wrote more than \(QMPProbe.transcriptLimit >> 20) MiB on stdout")
                }
            } else if n == 0 {
                process.closeStdout()
                stdoutClosed = true
                return
            } else {
                if errno == EINTR { continue }
                if errno != EAGAIN { process.closeStdout(); stdoutClosed = true }
                return
            }
        }
    }

    private mutating func readStderr() {
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = read(process.stderr, &buffer, buffer.count)
            if n > 0 {
                stderrBytes += buffer[..<n]
                if stderrBytes.count > QMPProbe.stderrTail { stderrBytes.removeFirst(stderrBytes.count - QMPProbe.stderrTail) }
            } else if n < 0, errno == EINTR {
                continue
            } else {
                if n == 0 || errno != EAGAIN { process.closeStderr() }
                return
            }
        }
    }

    /// Milliseconds to the deadline (at least 1), or nil when it has passed.
    private func remainingMilliseconds() -> Int32? {
        let left = deadline - ContinuousClock.now
        guard left > .zero else { return nil }
        let ms = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(1, ms))
    }

    /// `write` with SIGPIPE blocked on this thread; a SIGPIPE it raised is consumed, EPIPE returned.
    private static func writeWithoutSIGPIPE(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Int {
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let saved = errno
        if n < 0, saved == EPIPE {
            var now = timespec(tv_sec: 0, tv_nsec: 0)
            _ = sigtimedwait(&pipeSignal, nil, &now)
        }
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        errno = saved
        return n
    }
}
