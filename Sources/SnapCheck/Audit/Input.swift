/// What an input turned out to be, detected from its content.
public enum InputKind: String, Sendable, Codable {
    case spec
    case srpm
    case rpm
    case qmp
    /// An emulator that was run and asked over QMP (`--probe`), or found installed.
    case executable
    /// A package header read from an rpmdb (`--installed`); it has no file, so no digest.
    case installed
}

/// One input file that took part in a build's verdict.
public struct AuditedInput: Sendable, Hashable, Codable {
    public var path: String
    public var kind: InputKind
    /// Hex SHA-256 of the file's bytes.
    public var sha256: String
}

/// An input that could not be audited: which input, what kind of problem, and
/// the reason in one line.
///
/// Switch on `kind` to act on the problem; `message` is meant for people and
/// its wording is not API. The JSON report carries `input` and `message`
/// (Docs/formats/json.md), so an error decoded from a report has the kind
/// `.other`.
public struct InputError: Sendable, Hashable, Codable, Error, CustomStringConvertible {
    /// What kind of problem an input has, as a closed-but-extensible set of
    /// named values (new kinds may be added: keep a `default:` when you switch).
    public struct Kind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The input does not exist (a path, a file an rpmdb or repository lists).
        public static let missing = Kind(rawValue: "missing")
        /// The input exists but cannot be opened or read: permissions, I/O, a
        /// directory that cannot be walked, not a regular file.
        public static let unreadable = Kind(rawValue: "unreadable")
        /// The input is damaged: a truncated or corrupt package, a digest or
        /// checksum that does not match, a spec rpm cannot parse, a capture that is not QMP JSON.
        public static let corrupt = Kind(rawValue: "corrupt")
        /// A package or spec named on the command line that is not a QEMU build.
        public static let notQEMU = Kind(rawValue: "not-qemu")
        /// Over one of the limits snapcheck reads within (`InputLimits`, spec and capture sizes).
        public static let tooLarge = Kind(rawValue: "too-large")
        /// Not any input snapcheck reads (an empty file, another format, a
        /// compressor librpm cannot read, a source package with several specs).
        public static let unsupported = Kind(rawValue: "unsupported")
        /// The spec could not be evaluated: the sandboxed worker could not be
        /// started (a program that does not call `SpecWorker.serveIfRequested()`),
        /// crashed, timed out or went over a limit.
        public static let specEvaluation = Kind(rawValue: "spec-evaluation")
        /// A `--probe` emulator could not be run or did not answer over QMP.
        public static let probeFailed = Kind(rawValue: "probe-failed")
        /// Something snapcheck was asked to write (a probe's transcript) could not be written.
        public static let unwritable = Kind(rawValue: "unwritable")
        /// The audit found no QEMU build at all (the policy's `fail-on: no-builds`).
        public static let noBuilds = Kind(rawValue: "no-builds")
        /// Not classified: an unexpected error, or an error decoded from a JSON report.
        public static let other = Kind(rawValue: "other")
    }

    public var kind: Kind
    /// The input the problem is on, as the report names it (a path,
    /// `rpmdb:name-version-release.arch`); `nil` when no input is known (an
    /// unexpected error that named none).
    public var inputName: String?
    public var message: String

    /// `inputName` as reports show it: `?` when no input is known.
    public var input: String {
        get { inputName ?? Self.unknownInput }
        set { inputName = newValue }
    }

    /// How reports spell an input that is not known: the JSON report's `input` is always a string.
    static let unknownInput = "?"

    public var description: String { "\(input): \(message)" }

    package init(_ kind: Kind, input: String?, message: String) {
        self.kind = kind
        self.inputName = input
        self.message = message
    }

    enum CodingKeys: String, CodingKey { case kind, input, message }

    /// Reads `input` (`?`: not known) and `message`, and `kind` when present (a report has none: `.other`).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decodeIfPresent(Kind.self, forKey: .kind) ?? .other
        let input = try c.decode(String.self, forKey: .input)
        inputName = input == Self.unknownInput ? nil : input
        message = try c.decode(String.self, forKey: .message)
    }

    /// Writes `input` (`?` when not known) and `message`, as the JSON report has them; the kind is not part of schema version 1.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(input, forKey: .input)
        try c.encode(message, forKey: .message)
    }
}
