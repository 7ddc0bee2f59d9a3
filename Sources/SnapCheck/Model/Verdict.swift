/// The answer snapcheck gives for one build.
public enum Verdict: String, Sendable, Codable, CaseIterable, Comparable {
    /// The build has live snapshot support.
    case enabled
    /// The build was made without it.
    case disabled
    /// The QEMU version predates the feature (upstream before 0.14, EL6 before 2.173).
    case absent
    /// Not enough evidence to tell.
    case unknown
    /// Evidence layers disagree; the report names them and the layer trusted.
    case inconsistent

    /// Worst first when reports need one verdict for many builds:
    /// inconsistent > disabled > absent > unknown > enabled.
    var severity: Int {
        switch self {
        case .enabled: 0
        case .unknown: 1
        case .absent: 2
        case .disabled: 3
        case .inconsistent: 4
        }
    }

    public static func < (lhs: Verdict, rhs: Verdict) -> Bool { lhs.severity < rhs.severity }
}

/// What the caller expects every build to be (`--expect`).
public enum Expectation: String, Sendable, Codable, CaseIterable {
    case enabled
    case disabled

    /// The verdict that meets this expectation.
    public var verdict: Verdict { self == .enabled ? .enabled : .disabled }

    /// Whether a build's verdict meets this expectation. `absent` never meets
    /// `enabled`; `unknown` and `inconsistent` meet nothing.
    public func isMet(by verdict: Verdict) -> Bool {
        switch (self, verdict) {
        case (.enabled, .enabled), (.disabled, .disabled): true
        default: false
        }
    }
}
