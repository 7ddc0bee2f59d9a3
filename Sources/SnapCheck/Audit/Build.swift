/// One build: a source package NEVR and an arch, with the verdict and the
/// evidence of every input that belongs to it.
public struct Build: Sendable, Hashable, Codable {
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
    public var meetsExpectation: Bool
    public var inputs: [AuditedInput]
    public var evidence: [Evidence]

    /// `name-[epoch:]version-release`.
    public var displayName: String {
        "\(name)-\(epoch.map { "\($0):" } ?? "")\(version)\(release.isEmpty ? "" : "-\(release)")"
    }
}

extension Build {
    /// Decides the verdict from the evidence and marks each piece's role.
    ///
    /// Every layer with evidence supporting a verdict votes. One value among
    /// all votes is the verdict; several make the build `inconsistent`, with
    /// the most trusted voting layer's value as `trustedVerdict`.
    static func decide(_ evidence: [Evidence]) -> (verdict: Verdict, layer: Layer?, trusted: Verdict?, evidence: [Evidence]) {
        let voting = evidence.filter { $0.supports != nil }
        let values = Set(voting.compactMap(\.supports))
        guard let topLayer = voting.map(\.layer).max() else {
            return (.unknown, nil, nil, evidence.map { var e = $0; e.role = .note; return e })
        }
        let topValues = Set(voting.filter { $0.layer == topLayer }.compactMap(\.supports))
        let trusted: Verdict? = topValues.count == 1 ? topValues.first : nil
        let verdict: Verdict = values.count == 1 ? values.first! : .inconsistent
        let marked = evidence.map { item -> Evidence in
            var e = item
            switch item.supports {
            case nil: e.role = .note
            case trusted where item.layer == topLayer: e.role = .deciding
            case trusted: e.role = .supporting
            default: e.role = .contradicting
            }
            return e
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
