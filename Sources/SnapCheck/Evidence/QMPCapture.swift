import Foundation

/// A QEMU version as QMP reports it (`query-version` or the greeting).
public struct QMPVersion: Sendable, Hashable, Codable {
    public var major: Int
    public var minor: Int
    public var micro: Int
    /// The build's package string, e.g. `qemu-kvm-ev-2.12.0-44.1.el7_8.1`, with surrounding
    /// whitespace and one enclosing pair of parentheses removed (old QEMUs report `" (pkg)"`).
    public var package: String
    /// `major.minor.micro`, e.g. `7.2.0`.
    public var string: String

    public init(major: Int, minor: Int, micro: Int, package: String) {
        self.major = major
        self.minor = minor
        self.micro = micro
        self.package = QMPVersion.trimmedPackage(package)
        self.string = "\(major).\(minor).\(micro)"
    }

    static func trimmedPackage(_ raw: String) -> String {
        var text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("("), text.hasSuffix(")"), text.count >= 2 {
            text = String(text.dropFirst().dropLast()).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return text
    }
}

/// A value read from a capture, with the line of the message that holds it.
public struct QMPFact<Value: Sendable & Hashable>: Sendable, Hashable {
    public var value: Value
    /// 1-based line of the capture where the message holding the value starts.
    public var line: Int

    public init(_ value: Value, line: Int) {
        self.value = value
        self.line = line
    }
}

/// What one running emulator answered in one QMP session of a capture.
///
/// A session runs from its greeting, or from its `qmp_capabilities` request,
/// to the next session's (Docs/rules.md, "Sessions"). Replies are paired with
/// the requests of their own session only.
public struct QMPSession: Sendable, Hashable {
    /// 1-based, in stream order.
    public var number: Int
    /// Line of the session's first message.
    public var line: Int
    /// Command names of its `query-commands` reply, sorted; nil when it has none.
    public var commands: QMPFact<[String]>?
    /// Later `query-commands` replies of the session whose lists differ from
    /// `commands` and from each other, in stream order. A running QEMU
    /// registers its commands once, so a session of one emulator has none:
    /// each is evidence of its own, never dropped for coming second.
    public var otherCommands: [QMPFact<[String]>] = []
    /// Names of the meta-type `command` entries of its `query-qmp-schema` reply, sorted.
    /// The schema also lists commands a build unregistered, so it cannot decide availability.
    public var schemaCommands: QMPFact<[String]>?
    /// From the `query-version` reply, else from the greeting's `QMP.version`.
    public var version: QMPFact<QMPVersion>?
    /// The `arch` of the `query-target` reply (QEMU's target name, e.g. `x86_64`, `ppc64`).
    public var targetArch: QMPFact<String>?
    /// Commands answered with class `CommandNotFound`, sorted and unique (first answer each).
    public var commandNotFound: [QMPFact<String>]
    /// The text `human-monitor-command` returned for `help`, if the session has it.
    public var hmpHelp: QMPFact<String>?
    /// In a capture with requests: how many replies paired with no request of
    /// this session (line of the first). They decide nothing.
    public var unpairedReplies: QMPFact<Int>?

    public init(number: Int, line: Int) {
        self.number = number
        self.line = line
        commandNotFound = []
    }
}

/// What a recorded QMP conversation says about a running QEMU: per session,
/// its commands, schema, version and target.
///
/// Reads three layouts: a lone `query-commands` reply; replies without
/// requests (the stdout transcript of `-qmp stdio`, old libvirt `.replies`
/// files), whose replies are recognised by their shape; and requests with
/// replies (libvirt's newer `.replies` files, transcripts of both directions),
/// whose replies count only when they pair with a request. Read through
/// `QMPCaptureReader`, which streams: memory follows what is kept, not the
/// size of the capture.
public struct QMPCapture: Sendable, Hashable {
    public enum Format: String, Sendable, Codable {
        /// One reply object, a `query-commands` list.
        case queryCommandsReply
        /// Replies (and greetings, events) without requests: recognised by shape.
        case repliesOnly
        /// Requests and replies: a reply counts only when it pairs with a request.
        case requestsAndReplies
    }

    public var format: Format
    /// In stream order; never empty.
    public var sessions: [QMPSession]

    /// The version every session that reports one reports; nil when none
    /// does or they differ (then the capture does not identify its build).
    public var version: QMPVersion? { Self.agreed(sessions.compactMap { $0.version?.value }) }
    /// The target arch every session that reports one reports; nil when none does or they differ.
    public var targetArch: String? { Self.agreed(sessions.compactMap { $0.targetArch?.value }) }

    public init(format: Format, sessions: [QMPSession]) {
        self.format = format
        self.sessions = sessions
    }

    /// Parses bytes; throws `QMPCaptureError` (one line: what and where) for
    /// anything not a QMP capture, or one over `limits`.
    public init(bytes: [UInt8], limits: Limits = Limits()) throws {
        var reader = QMPCaptureReader(limits: limits)
        try reader.feed(bytes)
        self = try reader.finish()
    }

    /// Cheap content sniff for input auto-detection: true when the first non-blank byte is `{`
    /// and a `"QMP"`, `"return"` or `"execute"` key appears in the prefix.
    public static func looksLikeCapture(_ prefix: [UInt8]) -> Bool {
        guard let first = prefix.firstIndex(where: { !QMPObjectScanner.isWhitespace($0) }),
            prefix[first] == UInt8(ascii: "{")
        else { return false }
        let window = prefix[first...].prefix(4096)
        let keys: [[UInt8]] = [Array(#""QMP""#.utf8), Array(#""return""#.utf8), Array(#""execute""#.utf8)]
        return keys.contains { key in window.firstRange(of: key) != nil }
    }

    private static func agreed<T: Equatable>(_ values: [T]) -> T? {
        guard let first = values.first, values.allSatisfy({ $0 == first }) else { return nil }
        return first
    }
}

extension QMPCapture {
    /// What reading one capture may cost. Over any of these `QMPCaptureReader`
    /// stops with a `.tooLarge` (nesting: `.tooDeep`) error naming the limit:
    /// memory and time stay bounded whatever the input (Docs/hardening.md).
    public struct Limits: Sendable, Hashable {
        /// Bytes of input.
        public var inputSize = 64 << 20
        /// Bytes of one message, checked while it is read: the bytes of the message in
        /// progress are all the reader holds (the biggest real one, a `query-qmp-schema`
        /// reply, is about 200 KB).
        public var messageSize = 16 << 20
        /// JSON nesting, checked before the decoder sees the bytes.
        public var nestingDepth = 64
        /// Sessions in one capture (real ones hold one or two).
        public var sessions = 64
        /// Different `query-commands` lists in one session (a real session has one).
        public var commandLists = 8
        /// Requests of one session waiting for their replies.
        public var pendingRequests = 1024
        /// Messages in one capture: each costs a few microseconds to decode, and
        /// the shortest real event (80 bytes) fits 840,000 times in 64 MiB.
        public var messages = 1 << 20

        public init() {}
    }
}

/// Why bytes could not be read as a QMP capture.
public struct QMPCaptureError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// Over one of `QMPCapture`'s limits (input, message, sessions, pending requests).
        case tooLarge
        case tooDeep, invalidUTF8, invalidJSON, truncated, notQMP
    }

    public var kind: Kind
    /// One line: what went wrong and where, e.g. `object 3: invalid JSON at byte 120`.
    public var description: String

    init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
