/// The one error type of the `RPM` module.
///
/// It names what failed (`operation`, the librpm call or our step), on which
/// input (`path`), librpm's result code where there is one, and librpm's own
/// message, captured for that operation (librpm never prints to our stderr).
/// `description` is one line meant for people; its wording is not API.
/// It is `Codable` so a spec worker process can hand it to its parent.
public struct RPMError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// What went wrong, as a closed-but-extensible set of named values.
    public struct Kind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The path does not exist.
        public static let notFound = Kind(rawValue: "not-found")
        /// The path is a directory.
        public static let isDirectory = Kind(rawValue: "is-directory")
        /// The path could not be opened or read (permissions, I/O).
        public static let unreadable = Kind(rawValue: "unreadable")
        /// The file is not an RPM package at all (empty, text, other format).
        public static let notAnRPM = Kind(rawValue: "not-an-rpm")
        /// The file ends inside the lead, the signature header or the main header.
        public static let truncatedHeader = Kind(rawValue: "truncated-header")
        /// A header failed its structure or digest check.
        public static let corruptHeader = Kind(rawValue: "corrupt-header")
        /// The payload ended before the archive did.
        public static let truncatedPayload = Kind(rawValue: "truncated-payload")
        /// The compressed payload or its archive could not be decoded.
        public static let corruptPayload = Kind(rawValue: "corrupt-payload")
        /// A file read from the payload does not match the digest in the header.
        public static let digestMismatch = Kind(rawValue: "digest-mismatch")
        /// The payload compressor is not one librpm can read.
        public static let unsupportedCompressor = Kind(rawValue: "unsupported-compressor")
        /// librpmbuild could not parse the spec file.
        public static let specParse = Kind(rawValue: "spec-parse")
        /// The spec asked for something its evaluator refuses (the sandbox's Lua
        /// lockdown, a shell expansion): rpm might have parsed it elsewhere.
        public static let specRefused = Kind(rawValue: "spec-refused")
        /// The rpmdb could not be opened or iterated.
        public static let database = Kind(rawValue: "database")
        /// A limit set by the caller was exceeded.
        public static let limitExceeded = Kind(rawValue: "limit-exceeded")
    }

    public var kind: Kind
    /// The C call or step that failed, e.g. `rpmReadPackageFile`.
    public var operation: String
    /// The input the operation was working on.
    public var path: String?
    /// librpm's result code, where the call returns one.
    public var code: Int32?
    /// librpm's own message(s) for this operation, or ours when librpm said nothing.
    public var message: String

    public init(_ kind: Kind, operation: String, path: String?, code: Int32? = nil, message: String) {
        self.kind = kind
        self.operation = operation
        self.path = path
        self.code = code
        self.message = message
    }

    /// One line for people: the input, then what is wrong in plain words.
    ///
    /// The librpm call and its result code stay in `operation` and `code` (for
    /// programs and bug reports), never in this line; librpm's own prefixes
    /// (`error: `, a descriptor's `/proc/self/fd/N: ` or `<fd:N>: `) are dropped.
    public var description: String {
        (path.map { "\($0): " } ?? "") + summary
    }

    /// `description` for a report that names `input` already: `summary` when
    /// the error is on that input or names none, the whole line when it is on
    /// another (the spec inside a source package).
    public func description(reportedOn input: String?) -> String {
        path == nil || path == input ? summary : description
    }

    /// What is wrong, without the path: the same words for the same problem
    /// wherever it is reported.
    public var summary: String {
        let detail = Self.plain(message)
        switch kind {
        case .truncatedHeader:
            return
                "truncated package: the file ends inside its \(detail.contains("signature") ? "signature header" : "header")"
        case .corruptHeader:
            let digests = detail.matches(of: #/Header (\w+) digest: BAD/#).map { String($0.output.1) }
            if !digests.isEmpty {
                return
                    "corrupt package header: its \(digests.joined(separator: " and ")) \(digests.count == 1 ? "digest does" : "digests do") not match"
            }
            if detail.contains("magic: BAD") { return "corrupt package header: bad header magic" }
            return "corrupt package header: \(detail)"
        case .notAnRPM where operation == "rpmReadPackageFile":
            return "not an RPM package"
        case .specParse where operation == "rpmSpecParse":
            return "the spec does not parse: \(detail)"
        default:
            return detail
        }
    }

    /// librpm's message without its log prefixes and descriptor names, on one line.
    static func plain(_ message: String) -> String {
        var text = message.replacing(#/(?:/proc/self/fd/\d+|<fd:\s*\d+>|\bfd:\s*\d+):\s*/#, with: "")
        text = text.replacing(#/\b(?:error|warning):\s/#, with: "")
        return text.split(whereSeparator: \.isNewline)
            .map { String($0.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
    }
}
