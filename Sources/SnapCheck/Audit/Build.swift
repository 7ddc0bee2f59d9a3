internal import RPM

/// One build: a source package NEVR and an arch, with the verdict and the
/// evidence of every input that belongs to it.
public struct Build: Sendable, Hashable {
    public var name: String
    public var epoch: UInt32?
    public var version: String
    public var release: String
    /// The binary arch; `src` for a build seen only as a spec or SRPM; for a
    /// QMP capture that joined no package, the arch its `query-target` named, else `nil`.
    public var arch: String?
    public var era: Era?
    public var verdict: Verdict
    /// For an `inconsistent` build: the layer whose verdict is trusted
    /// (running binary > executable > spec > header) and that verdict.
    public var trustedLayer: Layer?
    public var trustedVerdict: Verdict?
    /// What this build should be: its policy entry, else `--expect` (`Policy.expectation`).
    public var expectation: Expectation
    /// Whether the verdict is the expectation, and (unless the policy's
    /// `fail-on: header-only` is off) was decided by more than package headers.
    public var meetsExpectation: Bool
    /// The waiver that matched this build, when it fails otherwise.
    public var waiver: AppliedWaiver?
    public var inputs: [AuditedInput]
    public var evidence: [Evidence]
    /// For a build that is enabled or disabled against its expectation: the
    /// spec change that gives the expected verdict, or why none is known.
    public var remedy: Remedy? = nil

    /// Whether the verdict is definite and every piece of deciding evidence is
    /// from package headers (a version fact): no file was read for it.
    public var isDecidedByHeadersAlone: Bool {
        let deciding = evidence.filter { $0.role == .deciding }
        return !deciding.isEmpty && deciding.allSatisfy { $0.layer == .header }
    }

    /// Whether the build fails the run: it misses its expectation or regressed
    /// since `baseline`, and no waiver holds for it.
    public func fails(against baseline: BaselineComparison?) -> Bool {
        guard waiver?.isActive != true else { return false }
        return !meetsExpectation || baseline?.regression(of: self) != nil
    }

    /// `name-[epoch:]version-release`.
    public var displayName: String {
        "\(name)-\(PackageHeader.evr(epoch: epoch, version: version, release: release))"
    }
}

extension Build {
    /// Decides the verdict from the evidence and marks each piece's role.
    ///
    /// Every evidence layer (spec, executable, runtime) with evidence
    /// supporting a verdict votes. One value among all votes is the verdict;
    /// several make the build `inconsistent`, with the most trusted voting
    /// layer's value as `trustedVerdict`. The header layer votes only when no
    /// evidence layer does: a version fact decides alone, but never outvotes
    /// or contradicts evidence (one that disagrees is a warning). Priors (a
    /// package name) never vote; one that suggests another verdict than the
    /// evidence decided adds a `name-contradicts-evidence` warning.
    static func decide(_ evidence: [Evidence]) -> (
        verdict: Verdict, layer: Layer?, trusted: Verdict?, evidence: [Evidence]
    ) {
        let allVotes = evidence.filter { $0.supports != nil }
        let evidenceVotes = allVotes.filter { $0.layer != .header }
        let voting = evidenceVotes.isEmpty ? allVotes : evidenceVotes
        let values = Set(voting.compactMap(\.supports))
        guard let topLayer = voting.map(\.layer).max() else {
            return (
                .unknown, nil, nil,
                evidence.map {
                    var e = $0
                    e.role = Rules.mustBeSeen.contains(e.rule) ? .warning : .note
                    return e
                }
            )
        }
        let topValues = Set(voting.filter { $0.layer == topLayer }.compactMap(\.supports))
        let trusted: Verdict? = topValues.count == 1 ? topValues.first : nil
        let verdict: Verdict = values.count == 1 ? values.first! : .inconsistent
        let counts = Set(voting.map(\.layer))
        var marked = evidence.map { item -> Evidence in
            var e = item
            switch item.supports {
            case nil: e.role = Rules.mustBeSeen.contains(item.rule) ? .warning : .note
            case trusted where item.layer == topLayer: e.role = .deciding
            case trusted: e.role = .supporting
            case _ where !counts.contains(item.layer): e.role = .warning
            default: e.role = .contradicting
            }
            return e
        }
        // One warning per build: the first package whose name says otherwise, and how many more do.
        if let shown = trusted, shown == .enabled || shown == .disabled {
            let priors = evidence.filter { $0.prior != nil && $0.prior != shown }.sorted {
                ($0.source, $0.line ?? 0) < ($1.source, $1.line ?? 0)
            }
            if let prior = priors.first {
                let others =
                    priors.count > 1 ? " (and \(priors.count - 1) more package\(priors.count > 2 ? "s" : ""))" : ""
                var warning = Evidence(
                    Rules.nameContradicts, source: prior.source, line: prior.line,
                    observed:
                        "\(prior.observed)\(others) suggests \(prior.prior!.rawValue) (\(prior.rule)), but the \(topLayer.rawValue) evidence shows \(shown.rawValue)",
                    supports: nil)
                warning.role = .warning
                marked.append(warning)
            }
        }
        return (verdict, verdict == .inconsistent ? topLayer : nil, verdict == .inconsistent ? trusted : nil, marked)
    }
}

extension Evidence {
    /// Report order: role, then most trusted layer first, then place.
    static func reportOrder(_ a: Evidence, _ b: Evidence) -> Bool {
        if a.role != b.role { return a.role < b.role }
        if a.layer != b.layer { return a.layer > b.layer }
        if a.source != b.source { return a.source < b.source }
        if a.line != b.line { return (a.line ?? 0) < (b.line ?? 0) }
        if a.rule != b.rule { return a.rule < b.rule }
        return a.observed < b.observed
    }
}
