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

/// An input that could not be audited, with the reason in one line.
public struct InputError: Sendable, Hashable, Codable, Error, CustomStringConvertible {
    public var input: String
    public var message: String

    public var description: String { "\(input): \(message)" }

    package init(input: String, message: String) {
        self.input = input
        self.message = message
    }
}
