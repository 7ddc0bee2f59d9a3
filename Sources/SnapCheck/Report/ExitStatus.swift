/// snapcheck's exit codes: the first that applies wins (Docs/cli.md).
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// Every build meets the expectation.
    case success = 0
    /// A build does not meet its expectation (a definite verdict that is not
    /// it, `absent` included, or one decided by package headers alone), or a
    /// build was `enabled` in the baseline and is not any more, or vanished.
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
    /// The exit status this result calls for. Builds a waiver holds for do not count.
    public var exitStatus: ExitStatus {
        if !errors.isEmpty { return .inputError }
        let failing = builds.filter { $0.fails(against: baseline) }
        let definite: Set<Verdict> = [.enabled, .disabled, .absent]
        if failing.contains(where: { definite.contains($0.verdict) && !$0.meetsExpectation }) {
            return .contradictsExpectation
        }
        if failing.contains(where: { baseline?.regression(of: $0) != nil }) { return .contradictsExpectation }
        if !failingVanished.isEmpty { return .contradictsExpectation }
        if failing.contains(where: { $0.verdict == .inconsistent }) { return .inconsistent }
        if failing.contains(where: { $0.verdict == .unknown }) { return .unknown }
        return .success
    }
}
