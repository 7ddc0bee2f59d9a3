/// The one error type of the `Repodata` module.
///
/// It names the libcreaterepo_c call or our step that failed (`operation`),
/// the metadata file it was reading (`path`, as the caller named it), the
/// library's error code where there is one, and the library's own message.
/// `description` is one line meant for people; its wording is not API.
public struct RepodataError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a closed-but-extensible set of named values.
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The file could not be opened, read or decompressed.
        public static let unreadable = Kind(rawValue: "unreadable")
        /// The file is compressed in a way this libcreaterepo_c cannot read.
        public static let unsupportedCompression = Kind(rawValue: "unsupported-compression")
        /// The file is not well-formed XML, or not the kind of metadata it was read as.
        public static let malformed = Kind(rawValue: "malformed")
        /// The file decompresses to more than the metadata limit (`MetadataLimits`).
        public static let tooLarge = Kind(rawValue: "too-large")
        /// A checksum type the library does not know.
        public static let unknownChecksumType = Kind(rawValue: "unknown-checksum-type")
        /// libcreaterepo_c itself cannot be loaded (it is loaded on first use, not linked).
        public static let libraryUnavailable = Kind(rawValue: "library-unavailable")
    }

    public var kind: Kind
    /// The C call or step that failed, e.g. `cr_xml_parse_primary`.
    public var operation: String
    /// The file the operation was working on, as the caller named it.
    public var path: String?
    /// libcreaterepo_c's `cr_Error` code, where the call set one.
    public var code: Int32?
    /// The library's own message, or ours when it said nothing.
    public var message: String

    public init(_ kind: Kind, operation: String, path: String?, code: Int32? = nil, message: String) {
        self.kind = kind
        self.operation = operation
        self.path = path
        self.code = code
        self.message = message
    }

    public var description: String { description(reportedOn: nil) }

    /// `description` for a report that names `input` already: without the
    /// path when the error is on that input.
    public func description(reportedOn input: String?) -> String {
        var s = ""
        if let path, path != input { s += "\(path): " }
        s += message
        s += " (\(operation)"
        if let code { s += " returned \(code)" }
        s += ")"
        return s.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
