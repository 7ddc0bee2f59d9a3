import Foundation

/// Reads a QMP capture fed in pieces (a file read in chunks, or all at once).
///
/// Streaming: it keeps the bytes of the message in progress and what each
/// session says, never the messages themselves. Each top-level object is
/// checked by `QMPObjectScanner`, decoded on its own into a `QMPMessage` (only
/// the parts a capture needs) and dropped; `QMPSessionAssembler` pairs them in
/// stream order. Memory is bounded by `QMPCapture.Limits.messageSize` plus
/// what is kept; time is linear in the input and bounded by `Limits.messages`.
public struct QMPCaptureReader {
    /// Bytes from `pendingBase` on that belong to an object not yet complete.
    private var pending: [UInt8] = []
    private var pendingBase = 0
    private var scanner: QMPObjectScanner
    private var assembler: QMPSessionAssembler
    private let decoder = JSONDecoder()
    private let inputSize: Int

    public init(limits: QMPCapture.Limits = QMPCapture.Limits()) {
        scanner = QMPObjectScanner(limits: limits)
        assembler = QMPSessionAssembler(limits: limits)
        inputSize = limits.inputSize
    }

    /// Reads the next piece of the capture. Throws `QMPCaptureError`.
    public mutating func feed(_ chunk: some Collection<UInt8>) throws {
        guard scanner.offset + chunk.count <= inputSize else {
            throw QMPCaptureError(.tooLarge, "input over the \(inputSize >> 20) MiB limit")
        }
        pending.append(contentsOf: chunk)
        let from = scanner.offset - pendingBase
        let base = pendingBase
        try pending.withUnsafeBufferPointer { buffer in
            try scanner.scan(UnsafeBufferPointer(rebasing: buffer[from...])) { object in
                let bytes = UnsafeBufferPointer(
                    rebasing: buffer[(object.range.lowerBound - base)..<(object.range.upperBound - base)])
                try assembler.add(Self.decode(bytes, object, decoder), line: object.line)
            }
        }
        // Keep only the object in progress.
        let keep = scanner.objectStart ?? scanner.offset
        pending.removeFirst(keep - pendingBase)
        pendingBase = keep
    }

    /// Ends the capture: throws `QMPCaptureError` when it is cut short or holds no message.
    public func finish() throws -> QMPCapture {
        try scanner.finish()
        return assembler.finish()
    }

    /// One object's bytes as a QMP message; throws `QMPCaptureError` naming the object and byte.
    private static func decode(
        _ bytes: UnsafeBufferPointer<UInt8>, _ object: QMPObjectScanner.Object, _ decoder: JSONDecoder
    ) throws -> QMPMessage {
        let start = object.range.lowerBound
        if !object.isASCII, let bad = QMPObjectScanner.firstInvalidUTF8Offset(bytes) {
            throw QMPCaptureError(.invalidUTF8, "object \(object.number): invalid UTF-8 at byte \(start + bad)")
        }
        let data = Data(buffer: bytes)
        do {
            return try decoder.decode(QMPMessage.self, from: data)
        } catch is QMPMessage.NotQMP {
            throw QMPCaptureError(
                .notQMP,
                "object \(object.number): not a QMP message (no QMP/return/error/event/execute key) at byte \(start)")
        } catch {
            // Cold path: Foundation's other parser says where, relative to the object, when it can.
            var relative = 0
            do { _ = try JSONSerialization.jsonObject(with: data) } catch {
                relative = (error as NSError).userInfo["NSJSONSerializationErrorIndex"] as? Int ?? 0
            }
            throw QMPCaptureError(.invalidJSON, "object \(object.number): invalid JSON at byte \(start + relative)")
        }
    }
}

/// One reader per capture, fed from one thread: it holds a `JSONDecoder` (a class).
@available(*, unavailable)
extension QMPCaptureReader: Sendable {}

/// Groups a capture's messages into sessions and pairs each reply with a
/// request of its own session, in stream order.
///
/// A new session starts at a greeting (unless the current session is still
/// empty), at a `qmp_capabilities` request when the current session has had
/// one (a session negotiates once), and, in a session without requests, at a
/// reply carrying the id of the session's first reply after other ids were
/// seen (libvirt's ids restart at `libvirt-1`; a client that sends one id for
/// every request never restarts). A reply pairs with the oldest unanswered
/// request of its session that has the same id (same JSON type and value, or
/// both without id): QMP answers in-band requests in order. In a capture with
/// requests a reply that pairs with nothing is counted and decides nothing; in
/// a capture without any, replies are recognised by their shape.
struct QMPSessionAssembler {
    private struct Request {
        var command: String
        var commandLine: String?
    }

    /// What replies said, by whichever way they were recognised.
    private struct Facts {
        var commands: QMPFact<[String]>?
        var otherCommands: [QMPFact<[String]>] = []
        var schemaCommands: QMPFact<[String]>?
        var version: QMPFact<QMPVersion>?
        var targetArch: QMPFact<String>?
        var notFound: [String: Int] = [:]
        var hmpHelp: QMPFact<String>?

        /// Keeps a `query-commands` list: the first, or one that differs from every list kept.
        mutating func add(commands names: [String], line: Int, limit: Int) throws {
            let sorted = names.sorted()
            guard let first = commands else {
                commands = QMPFact(sorted, line: line)
                return
            }
            guard first.value != sorted, !otherCommands.contains(where: { $0.value == sorted }) else { return }
            guard otherCommands.count + 1 < limit else {
                throw QMPCaptureError(
                    .tooLarge,
                    "more than \(limit) different query-commands lists in one session (the next at line \(line))")
            }
            otherCommands.append(QMPFact(sorted, line: line))
        }
    }

    private struct State {
        var number: Int
        var line: Int
        var isEmpty = true
        var negotiated = false
        var hasRequests = false
        /// Unanswered requests by id (nil: no id), oldest first.
        var pending: [QMPID?: [Request]] = [:]
        var pendingCount = 0
        var firstReplyID: QMPID?
        var sawOtherReplyID = false
        var greetingVersion: QMPFact<QMPVersion>?
        var paired = Facts()
        var shaped = Facts()
        var unpaired = 0
        var firstUnpairedLine = 0
    }

    private let limits: QMPCapture.Limits
    private var sessions: [State] = []
    private var hasRequests = false
    private var messages = 0

    init(limits: QMPCapture.Limits) {
        self.limits = limits
    }

    mutating func add(_ message: QMPMessage, line: Int) throws {
        guard messages < limits.messages else {
            throw QMPCaptureError(.tooLarge, "more than \(limits.messages) messages (the next at line \(line))")
        }
        messages += 1
        if sessions.isEmpty { try startSession(line) }
        switch message {
        case .greeting(let version):
            if !sessions[sessions.count - 1].isEmpty { try startSession(line) }
            sessions[sessions.count - 1].greetingVersion = version.map { QMPFact($0, line: line) }
        case .request(let command, let id, let commandLine):
            if !hasRequests {
                hasRequests = true
                for index in sessions.indices { sessions[index].shaped = Facts() }  // never used now
            }
            if command == "qmp_capabilities" {
                if sessions[sessions.count - 1].negotiated { try startSession(line) }
                sessions[sessions.count - 1].negotiated = true
            }
            let pendingLimit = limits.pendingRequests
            try current { session in
                session.hasRequests = true
                guard session.pendingCount < pendingLimit else {
                    throw QMPCaptureError(
                        .tooLarge,
                        "more than \(pendingLimit) requests wait for a reply in session \(session.number) (line \(line))"
                    )
                }
                session.pending[id, default: []].append(Request(command: command, commandLine: commandLine))
                session.pendingCount += 1
            }
        case .reply(let id, _), .error(let id, _, _):
            try restartIfIDsRestart(id, line: line)
            let capturedHasRequests = hasRequests
            let listLimit = limits.commandLists
            try current { session in
                if let waiting = session.pending[id], let request = waiting.first {
                    session.pending[id] = waiting.count == 1 ? nil : Array(waiting.dropFirst())
                    session.pendingCount -= 1
                    try Self.pair(message, with: request, into: &session.paired, line: line, listLimit: listLimit)
                } else {
                    if session.unpaired == 0 { session.firstUnpairedLine = line }
                    session.unpaired += 1
                    if !capturedHasRequests {
                        try Self.recognise(message, into: &session.shaped, line: line, listLimit: listLimit)
                    }
                }
            }
        case .event:
            break
        }
        sessions[sessions.count - 1].isEmpty = false
    }

    /// The capture read so far as a whole.
    func finish() -> QMPCapture {
        let result = sessions.map { state -> QMPSession in
            let facts = hasRequests ? state.paired : state.shaped
            var session = QMPSession(number: state.number, line: state.line)
            session.commands = facts.commands
            session.otherCommands = facts.otherCommands
            session.schemaCommands = facts.schemaCommands
            session.version = facts.version ?? state.greetingVersion
            session.targetArch = facts.targetArch
            session.commandNotFound = facts.notFound.sorted { $0.key < $1.key }.map { QMPFact($0.key, line: $0.value) }
            session.hmpHelp = facts.hmpHelp
            if hasRequests, state.unpaired > 0 {
                session.unpairedReplies = QMPFact(state.unpaired, line: state.firstUnpairedLine)
            }
            return session
        }
        let format: QMPCapture.Format =
            hasRequests
            ? .requestsAndReplies : messages == 1 && result.first?.commands != nil ? .queryCommandsReply : .repliesOnly
        return QMPCapture(format: format, sessions: result)
    }

    private mutating func startSession(_ line: Int) throws {
        guard sessions.count < limits.sessions else {
            throw QMPCaptureError(
                .tooLarge, "more than \(limits.sessions) QMP sessions (the next starts at line \(line))")
        }
        sessions.append(State(number: sessions.count + 1, line: line))
    }

    private mutating func current<T>(_ body: (inout State) throws -> T) rethrows -> T {
        try body(&sessions[sessions.count - 1])
    }

    /// In a session without requests: the first reply id seen again, after others, opens a new session.
    private mutating func restartIfIDsRestart(_ id: QMPID?, line: Int) throws {
        guard let id, !sessions[sessions.count - 1].hasRequests else { return }
        let session = sessions[sessions.count - 1]
        if let first = session.firstReplyID {
            if id != first {
                sessions[sessions.count - 1].sawOtherReplyID = true
            } else if session.sawOtherReplyID {
                try startSession(line)
                sessions[sessions.count - 1].firstReplyID = id
            }
        } else {
            sessions[sessions.count - 1].firstReplyID = id
        }
    }

    /// A reply read as the answer to `request`.
    private static func pair(
        _ message: QMPMessage, with request: Request, into facts: inout Facts, line: Int, listLimit: Int
    ) throws {
        switch (request.command, message) {
        case ("query-commands", .reply(_, .names(let names))):
            try facts.add(commands: names, line: line, limit: listLimit)
        case ("query-qmp-schema", .reply(_, .schemaCommands(let names))):
            if facts.schemaCommands == nil { facts.schemaCommands = QMPFact(names.sorted(), line: line) }
        case ("query-version", .reply(_, .object(let version?, _, _, _))):
            if facts.version == nil { facts.version = QMPFact(version, line: line) }
        case ("query-target", .reply(_, .object(_, _, let arch?, _))):
            if facts.targetArch == nil { facts.targetArch = QMPFact(arch, line: line) }
        case ("human-monitor-command", .reply(_, .text(let text))):
            let asked = request.commandLine?.trimmingCharacters(in: .whitespaces)
            if facts.hmpHelp == nil, asked == "help" || asked == "?" { facts.hmpHelp = QMPFact(text, line: line) }
        case (let command, .error(_, "CommandNotFound"?, _)):
            if facts.notFound[command] == nil { facts.notFound[command] = line }
        default:
            break
        }
    }

    /// A reply with no request to pair with, recognised by its shape.
    private static func recognise(_ message: QMPMessage, into facts: inout Facts, line: Int, listLimit: Int) throws {
        switch message {
        case .reply(_, .names(let names)) where names.contains("query-commands"):
            try facts.add(commands: names, line: line, limit: listLimit)
        case .reply(_, .schemaCommands(let names)):
            if facts.schemaCommands == nil { facts.schemaCommands = QMPFact(names.sorted(), line: line) }
        case .reply(_, .object(let version?, true, _, _)):
            if facts.version == nil { facts.version = QMPFact(version, line: line) }
        case .reply(_, .object(nil, _, let arch?, 1)):
            if facts.targetArch == nil { facts.targetArch = QMPFact(arch, line: line) }
        case .reply(_, .text(let text)) where looksLikeHMPHelp(text):
            if facts.hmpHelp == nil { facts.hmpHelp = QMPFact(text, line: line) }
        case .error(_, "CommandNotFound"?, let desc):
            if let name = notFoundName(desc), facts.notFound[name] == nil { facts.notFound[name] = line }
        default:
            break
        }
    }

    /// The command name in "The command X has not been found".
    private static func notFoundName(_ desc: String?) -> String? {
        let prefix = "The command "
        let suffix = " has not been found"
        guard let desc, desc.hasPrefix(prefix), desc.hasSuffix(suffix),
            desc.count > prefix.count + suffix.count
        else { return nil }
        return String(desc.dropFirst(prefix.count).dropLast(suffix.count))
    }

    /// HMP `help` output has a line for `help` itself (`help|? [cmd] -- show the help`).
    private static func looksLikeHMPHelp(_ text: String) -> Bool {
        text.hasPrefix("help|?") || text.contains("\nhelp|?") || text.contains("\nhelp ")
    }
}
