/// Where a piece of evidence was read. Ordered by trust, lowest first:
/// a running binary outranks the executable file, which outranks the spec,
/// which outranks package headers.
public enum Layer: String, Sendable, Codable, CaseIterable, Comparable {
    /// Binary or source RPM headers: name, Provides, Conflicts, Epoch, Release. A prior, not proof.
    case header
    /// The spec file as rpm evaluates it: what the build meant to configure.
    case spec
    /// The built emulator file, scanned for command names (never run).
    case executable
    /// A running emulator's QMP answers (a capture, or a probe).
    case runtime

    var trust: Int {
        switch self {
        case .header: 0
        case .spec: 1
        case .executable: 2
        case .runtime: 3
        }
    }

    public static func < (lhs: Layer, rhs: Layer) -> Bool { lhs.trust < rhs.trust }
}

/// One observation and the rule that interpreted it.
public struct Evidence: Sendable, Hashable {
    /// How a piece of evidence took part in its build's verdict.
    public enum Role: String, Sendable, Codable, Comparable {
        /// In the trusted layer and supporting the verdict.
        case deciding
        /// In another layer, agreeing with the deciding evidence.
        case supporting
        /// Supporting a different verdict than the trusted layer (why a build is inconsistent).
        case contradicting
        /// Takes no part in the verdict but disagrees with it and must be seen: a
        /// package name that says enabled on a build the evidence shows disabled.
        case warning
        /// Recorded for the reader (versions, names seen, gaps); supports no verdict.
        case note

        var order: Int {
            switch self {
            case .deciding: 0
            case .contradicting: 1
            case .warning: 2
            case .supporting: 3
            case .note: 4
            }
        }

        public static func < (lhs: Role, rhs: Role) -> Bool { lhs.order < rhs.order }
    }

    public var layer: Layer
    /// The file the evidence was read from: a spec path, an RPM path, a path
    /// inside an RPM (`pkg.rpm:/usr/libexec/qemu-kvm`), a capture.
    public var source: String
    /// 1-based line in the original spec file (or helper script), or of a QMP
    /// capture where the reply (or session) starts, when there is one.
    public var line: Int?
    /// What was seen, in words: `--disable-live-block-ops in the x86_64-softmmu configure call`.
    public var observed: String
    /// The rule that interpreted it (one of `Rules.all`); reports print its id.
    public var rule: Rule
    /// The verdict this evidence supports on its own; `nil` for notes.
    public var supports: Verdict?
    /// What a prior (a package name) suggests; it never votes, and a verdict it
    /// contradicts is reported as a warning.
    public var prior: Verdict?
    /// Filled in when the build's verdict is computed.
    public var role: Role

    public init(
        layer: Layer, source: String, line: Int? = nil, observed: String, rule: Rule, supports: Verdict?,
        prior: Verdict? = nil
    ) {
        self.layer = layer
        self.source = source
        self.line = line
        self.observed = observed
        self.rule = rule
        self.supports = supports
        self.prior = prior
        self.role = .note
    }
}

extension Evidence {
    /// Evidence interpreted by `rule`, in the rule's layer.
    init(_ rule: Rule, source: String, line: Int? = nil, observed: String, supports: Verdict?, prior: Verdict? = nil) {
        self.init(
            layer: rule.layer, source: source, line: line, observed: observed, rule: rule, supports: supports,
            prior: prior)
    }
}
