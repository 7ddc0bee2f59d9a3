internal import RPM

/// Reads a binary or source package header (facts: "Binary RPM header"): the
/// name is a prior that never votes; the version decides only where a fact
/// holds for every build of it.
enum HeaderRules {
    /// The header evidence of one package of a build in `era` whose source
    /// package has `version` and `release`.
    static func evaluate(_ header: PackageHeader, era: Era?, version: String, release: String, source: String)
        -> [Evidence]
    {
        let who = "\(header.name) \(header.evr)"
        guard let era else {
            return [Evidence(Rules.headerUnfamiliar, source: source, observed: "\(who): no known era", supports: nil)]
        }
        var evidence: [Evidence] = []
        if let fact = era.versionFact(version: version, release: release) {
            evidence.append(
                Evidence(
                    Rules.versionFact, source: source,
                    observed: "\(who): \(describe(fact, era: era, version: version, release: release))",
                    supports: fact.verdict))
        }
        if let prior = prior(of: header, era: era, version: version, release: release, who: who, source: source) {
            evidence.append(prior)
        }
        return evidence
    }

    /// What the name suggests, for eras that have a switch to suggest about.
    private static func prior(
        of header: PackageHeader, era: Era, version: String, release: String, who: String, source: String
    ) -> Evidence? {
        guard [.el6, .el7, .rhev212, .ev210].contains(era), era.versionFact(version: version, release: release) == nil
        else { return nil }
        let flavour = Flavour(packageName: header.isSource ? header.name : sourceName(of: header) ?? header.name)
        let provides = Set(header.provides.map(\.name))
        switch flavour {
        case .rhev, .ev:
            return Evidence(
                Rules.headerRHEV, source: source, observed: "\(who): name ends in -\(flavour.rawValue)", supports: nil,
                prior: .enabled)
        case .ma:
            return Evidence(
                Rules.headerMA, source: source, observed: "\(who): name ends in -ma", supports: nil, prior: .disabled)
        case .stock:
            if provides.contains("qemu-kvm-rhev") {
                return Evidence(
                    Rules.headerRHEV, source: source, observed: "\(who): Provides qemu-kvm-rhev", supports: nil,
                    prior: .enabled)
            }
            var seen: [String] = []
            if provides.contains("qemu-kvm-rhel") { seen.append("Provides qemu-kvm-rhel") }
            if header.conflicts.contains(where: { $0.name == "qemu-kvm-rhev" }) {
                seen.append("Conflicts qemu-kvm-rhev")
            }
            let detail = seen.isEmpty ? "stock name" : seen.joined(separator: ", ")
            return Evidence(
                Rules.headerStock, source: source, observed: "\(who): \(detail)", supports: nil, prior: .disabled)
        }
    }

    private static func describe(_ fact: VersionFact, era: Era, version: String, release: String) -> String {
        switch (fact, era) {
        case (.noSwitch, .ev23): "rhev/ev \(version) has no live-block-ops option"
        case (.noSwitch, _):
            "\(era.rawValue) never gates the commands, version \(version) is \(Era.firstVersionWithFeature) or later"
        case (.beforeOption, _):
            "release \(release) is before \(Era.el7FirstReleaseWithOption), when the live-block-ops option came"
        case (.predatesFeature, .el6):
            "release \(release) is before \(Era.el6FirstReleaseWithCommand): no QMP command yet"
        case (.predatesFeature, _): "version \(version) is before \(Era.firstVersionWithFeature)"
        case (.commandsDeleted, _):
            "release \(release) is in \(Era.el6DeletedReleases.from)-2.221, whose patch deleted the commands"
        }
    }

    /// The source package name of a binary package, from its SOURCERPM.
    static func sourceName(of header: PackageHeader) -> String? {
        header.sourceRPM.flatMap { SourceNVR(sourceRPM: $0)?.name }
    }

}

/// Name, version and release split out of a `SOURCERPM` file name
/// (`qemu-kvm-ev-2.12.0-44.1.el7_8.1.src.rpm`).
package struct SourceNVR: Sendable, Hashable {
    package var name: String
    var version: String
    var release: String

    package init?(sourceRPM: String) {
        var base = Substring(sourceRPM)
        for suffix in [".src.rpm", ".nosrc.rpm"] where base.hasSuffix(suffix) {
            base = base.dropLast(suffix.count)
        }
        guard let r = base.lastIndex(of: "-") else { return nil }
        let release = base[base.index(after: r)...]
        let rest = base[..<r]
        guard let v = rest.lastIndex(of: "-") else { return nil }
        let version = rest[rest.index(after: v)...]
        let name = rest[..<v]
        guard !name.isEmpty, !version.isEmpty, !release.isEmpty else { return nil }
        self.name = String(name)
        self.version = String(version)
        self.release = String(release)
    }

    var nvr: String { "\(name)-\(version)-\(release)" }
}
