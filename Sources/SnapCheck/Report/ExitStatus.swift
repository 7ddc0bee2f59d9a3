/// snapcheck's exit codes: the first that applies wins (Docs/cli.md).
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// Every build meets the expectation.
    case success = 0
    /// A build's verdict contradicts the expectation (`absent` included), or a
    /// build was `enabled` in the baseline and is not any more.
    case contradictsExpectation = 1
    /// An input could not be audited: unreadable, corrupt, or named but not a QEMU build.
    case inputError = 2
    /// A build is `unknown`.
    case unknown = 3
    /// A build is `inconsistent`.
    case inconsistent = 4
    /// The command line was wrong (the argument parser's EX_USAGE).
    case usage = 64
}

extension AuditResult {
    /// The exit status this result calls for.
    public var exitStatus: ExitStatus {
        if !errors.isEmpty { return .inputError }
        let definite: Set<Verdict> = [.enabled, .disabled, .absent]
        if builds.contains(where: { definite.contains($0.verdict) && !$0.meetsExpectation }) { return .contradictsExpectation }
        if let baseline, !baseline.regressions.isEmpty { return .contradictsExpectation }
        if builds.contains(where: { $0.verdict == .inconsistent }) { return .inconsistent }
        if builds.contains(where: { $0.verdict == .unknown }) { return .unknown }
        return .success
    }
}
