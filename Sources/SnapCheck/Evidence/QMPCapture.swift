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

/// What a recorded QMP conversation says about a running QEMU: its commands, schema and version.
///
/// Reads three layouts: a lone `query-commands` reply, the stdout transcript of
/// `-qmp stdio` (one message per line, no ids), and libvirt's test-suite
/// `.replies` files (pretty-printed requests and replies paired by `"id"`).
public struct QMPCapture: Sendable, Hashable {
    public enum Format: String, Sendable, Codable {
        case queryCommandsReply, stdioTranscript, libvirtReplies
    }

    public var format: Format
    /// Command names from a `query-commands` reply, sorted; nil when the capture has none.
    public var commands: [String]?
    /// Names of meta-type `command` entries in a `query-qmp-schema` reply, sorted; nil when none.
    /// The schema also lists commands a build unregistered, so it cannot decide availability.
    public var schemaCommands: [String]?
    /// From the `query-version` reply, else from the greeting's `QMP.version`.
    public var version: QMPVersion?
    /// Commands a reply of class `CommandNotFound` named, sorted and unique.
    public var commandNotFound: [String]
    /// The text `human-monitor-command` returned for `help`, if the capture has it.
    public var hmpHelp: String?

    /// Input larger than this is refused before any parsing.
    public static let maximumInputSize = 64 << 20
    /// Deeper JSON nesting is refused before it reaches `JSONSerialization`.
    public static let maximumNestingDepth = 64

    /// Parses bytes; throws `QMPCaptureError` (one line: what and where) for anything not a QMP capture.
    public init(bytes: [UInt8]) throws {
        guard bytes.count <= QMPCapture.maximumInputSize else {
            throw QMPCaptureError(
                .tooLarge, "input is \(bytes.count) bytes, over the \(QMPCapture.maximumInputSize >> 20) MiB limit")
        }
        let spans = try QMPObjectScanner.split(bytes)
        var messages: [[String: Any]] = []
        messages.reserveCapacity(spans.count)
        for (index, span) in spans.enumerated() {
            messages.append(try QMPCapture.decode(bytes, span: span, number: index + 1))
        }
        self = QMPCapture.interpret(messages)
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

    // MARK: Decoding

    private static func decode(_ bytes: [UInt8], span: Range<Int>, number: Int) throws -> [String: Any] {
        let slice = bytes[span]
        if String(validating: slice, as: UTF8.self) == nil {
            let offset = span.lowerBound + QMPObjectScanner.firstInvalidUTF8Offset(slice)
            throw QMPCaptureError(.invalidUTF8, "object \(number): invalid UTF-8 at byte \(offset)")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(slice), options: [])
        } catch {
            // Foundation reports where, relative to the object, when it can.
            let relative = (error as NSError).userInfo["NSJSONSerializationErrorIndex"] as? Int ?? 0
            throw QMPCaptureError(.invalidJSON, "object \(number): invalid JSON at byte \(span.lowerBound + relative)")
        }
        guard let message = object as? [String: Any] else {
            throw QMPCaptureError(.invalidJSON, "object \(number): not a JSON object at byte \(span.lowerBound)")
        }
        let qmpKeys = ["QMP", "return", "error", "event", "execute", "exec-oob"]
        guard qmpKeys.contains(where: { message[$0] != nil }) else {
            throw QMPCaptureError(
                .notQMP, "object \(number): not a QMP message (no QMP/return/error/event/execute key) at byte \(span.lowerBound)")
        }
        return message
    }

    private static func interpret(_ messages: [[String: Any]]) -> QMPCapture {
        var requestsByID: [String: (command: String, arguments: [String: Any])] = [:]
        var hasRequests = false
        var hasGreeting = false
        for message in messages {
            guard let command = (message["execute"] ?? message["exec-oob"]) as? String else {
                if message["QMP"] != nil { hasGreeting = true }
                continue
            }
            hasRequests = true
            if let id = idKey(message["id"]) {
                requestsByID[id] = (command, message["arguments"] as? [String: Any] ?? [:])
            }
        }

        var commands: [String]?
        var schema: [String]?
        var replyVersion: QMPVersion?
        var greetingVersion: QMPVersion?
        var notFound: Set<String> = []
        var hmpHelp: String?

        for message in messages {
            if let greeting = message["QMP"] as? [String: Any] {
                if greetingVersion == nil, let version = greeting["version"] as? [String: Any] {
                    greetingVersion = parseVersion(version)
                }
                continue
            }
            let request = idKey(message["id"]).flatMap { requestsByID[$0] }
            if let error = message["error"] as? [String: Any] {
                if error["class"] as? String == "CommandNotFound",
                    let name = notFoundName(error["desc"] as? String) ?? request?.command
                {
                    notFound.insert(name)
                }
                continue
            }
            guard let result = message["return"] else { continue }
            switch request?.command {
            case "query-commands"?:
                if commands == nil { commands = commandNames(result, allowEmpty: true) }
            case "query-qmp-schema"?:
                if schema == nil { schema = schemaCommandNames(result) }
            case "query-version"?:
                if replyVersion == nil { replyVersion = (result as? [String: Any]).flatMap(parseVersion) }
            case "human-monitor-command"?:
                let line = (request?.arguments["command-line"] as? String)?
                    .trimmingCharacters(in: .whitespaces)
                if hmpHelp == nil, line == "help" || line == "?" { hmpHelp = result as? String }
            case .some:
                break
            case nil:
                // No request to pair with: recognise the reply by its shape.
                if commands == nil, let names = commandNames(result) {
                    commands = names
                } else if schema == nil, let names = schemaCommandNames(result) {
                    schema = names
                } else if replyVersion == nil, let object = result as? [String: Any],
                    object["qemu"] != nil, object["package"] != nil
                {
                    replyVersion = parseVersion(object)
                } else if hmpHelp == nil, let text = result as? String, looksLikeHMPHelp(text) {
                    hmpHelp = text
                }
            }
        }

        let format: Format
        if hasRequests {
            format = .libvirtReplies
        } else if messages.count == 1, !hasGreeting, commands != nil {
            format = .queryCommandsReply
        } else {
            format = .stdioTranscript
        }
        return QMPCapture(
            format: format, commands: commands, schemaCommands: schema,
            version: replyVersion ?? greetingVersion, commandNotFound: notFound.sorted(), hmpHelp: hmpHelp)
    }

    private init(
        format: Format, commands: [String]?, schemaCommands: [String]?, version: QMPVersion?,
        commandNotFound: [String], hmpHelp: String?
    ) {
        self.format = format
        self.commands = commands
        self.schemaCommands = schemaCommands
        self.version = version
        self.commandNotFound = commandNotFound
        self.hmpHelp = hmpHelp
    }

    /// Request ids are usually strings (`"libvirt-2"`); numbers are allowed by QMP too.
    private static func idKey(_ value: Any?) -> String? {
        switch value {
        case let text as String: return "s:" + text
        case let number as NSNumber: return "n:" + number.stringValue
        default: return nil
        }
    }

    /// An array of objects whose only key is a string `name` (non-empty unless paired by id:
    /// an empty array alone could be the reply to any listing command).
    private static func commandNames(_ result: Any, allowEmpty: Bool = false) -> [String]? {
        guard let entries = result as? [Any], allowEmpty || !entries.isEmpty else { return nil }
        var names: [String] = []
        names.reserveCapacity(entries.count)
        for entry in entries {
            guard let entry = entry as? [String: Any], entry.count == 1, let name = entry["name"] as? String
            else { return nil }
            names.append(name)
        }
        return names.sorted()
    }

    /// Entries of a `query-qmp-schema` reply (an array of objects with `meta-type`) that are commands.
    private static func schemaCommandNames(_ result: Any) -> [String]? {
        guard let entries = result as? [[String: Any]], !entries.isEmpty,
            entries.allSatisfy({ $0["meta-type"] is String })
        else { return nil }
        return entries.compactMap { entry in
            entry["meta-type"] as? String == "command" ? entry["name"] as? String : nil
        }.sorted()
    }

    private static func parseVersion(_ object: [String: Any]) -> QMPVersion? {
        guard let qemu = object["qemu"] as? [String: Any],
            let major = intValue(qemu["major"]), let minor = intValue(qemu["minor"]),
            let micro = intValue(qemu["micro"])
        else { return nil }
        return QMPVersion(major: major, minor: minor, micro: micro, package: object["package"] as? String ?? "")
    }

    /// A JSON integer (`JSONSerialization` gives `NSNumber`; fractions do not bridge to `Int`).
    private static func intValue(_ value: Any?) -> Int? {
        value as? Int
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

/// Why bytes could not be read as a QMP capture.
public struct QMPCaptureError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case tooLarge, tooDeep, invalidUTF8, invalidJSON, truncated, notQMP
    }

    public var kind: Kind
    /// One line: what went wrong and where, e.g. `object 3: invalid JSON at byte 120`.
    public var description: String

    init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}

/// Splits concatenated top-level JSON objects (any whitespace between them) without decoding them.
enum QMPObjectScanner {
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// Byte ranges of each top-level object. Checks nesting depth, string termination,
    /// raw control characters and bracket pairing; leaves the rest to `JSONSerialization`.
    static func split(_ bytes: [UInt8]) throws -> [Range<Int>] {
        try bytes.withUnsafeBufferPointer { buffer in
            var spans: [Range<Int>] = []
            var stack: [UInt8] = []  // expected closing bytes
            stack.reserveCapacity(QMPCapture.maximumNestingDepth)
            var start = 0
            var inString = false
            var escaped = false
            var index = 0
            let count = buffer.count
            while index < count {
                let byte = buffer[index]
                let number = spans.count + 1
                if inString {
                    if escaped {
                        escaped = false
                    } else if byte == UInt8(ascii: "\\") {
                        escaped = true
                    } else if byte == UInt8(ascii: "\"") {
                        inString = false
                    } else if byte < 0x20 {
                        throw QMPCaptureError(
                            .invalidJSON, "object \(number): invalid JSON at byte \(index) (control character in string)")
                    }
                } else if stack.isEmpty {
                    if byte == UInt8(ascii: "{") {
                        start = index
                        stack.append(UInt8(ascii: "}"))
                    } else if !isWhitespace(byte) {
                        throw QMPCaptureError(
                            .invalidJSON, "object \(number): invalid JSON at byte \(index) (expected '{' to start a message)")
                    }
                } else {
                    switch byte {
                    case UInt8(ascii: "\""):
                        inString = true
                    case UInt8(ascii: "{"), UInt8(ascii: "["):
                        guard stack.count < QMPCapture.maximumNestingDepth else {
                            throw QMPCaptureError(
                                .tooDeep,
                                "object \(number): nesting deeper than \(QMPCapture.maximumNestingDepth) levels at byte \(index)")
                        }
                        stack.append(byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]"))
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        guard stack.removeLast() == byte else {
                            throw QMPCaptureError(
                                .invalidJSON, "object \(number): invalid JSON at byte \(index) (mismatched bracket)")
                        }
                        if stack.isEmpty { spans.append(start..<(index + 1)) }
                    default:
                        if byte < 0x20, !isWhitespace(byte) {
                            throw QMPCaptureError(
                                .invalidJSON, "object \(number): invalid JSON at byte \(index) (control character)")
                        }
                    }
                }
                index += 1
            }
            if !stack.isEmpty || inString {
                throw QMPCaptureError(
                    .truncated,
                    "object \(spans.count + 1): truncated at byte \(count) (object starting at byte \(start) never closes)")
            }
            if spans.isEmpty {
                throw QMPCaptureError(.notQMP, "no JSON object in \(count) bytes")
            }
            return spans
        }
    }

    /// Offset, within `slice`, of the first byte that is not part of valid UTF-8.
    static func firstInvalidUTF8Offset(_ slice: ArraySlice<UInt8>) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = slice.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return offset
            case .error: return offset
            }
        }
    }
}
