internal import RPM

/// A macro definition for spec evaluation, like `rpmbuild --define 'name value'`
/// (`AuditOptions.defines`, the CLI's `--define`).
public struct MacroDefinition: Sendable, Hashable, Codable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// The same definition as librpm's evaluator takes it.
    var rpm: RPM.MacroDefinition { RPM.MacroDefinition(name: name, value: value) }
}
