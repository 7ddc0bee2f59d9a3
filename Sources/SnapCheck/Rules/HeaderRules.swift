import RPM

/// Reads a binary or source package header as a prior (facts: "Binary RPM header").
enum HeaderRules {
    /// The header evidence of one package of a build whose source package is
    /// `sourceName` in `era`.
    static func evaluate(_ header: PackageHeader, era: Era?, source: String) -> Evidence {
        let flavour = Flavour(packageName: header.isSource ? header.name : sourceName(of: header) ?? header.name)
        let provides = Set(header.provides.map(\.name))
        let conflicts = Set(header.conflicts.map(\.name))
        let who = "\(header.name) \(epochVersionRelease(header))"

        switch era {
        case .el8?:
            return Evidence(Rules.headerNeverGated, source: source, observed: "\(who): an EL8+ qemu-kvm build", supports: .enabled)
        case .upstream?:
            let since = compareRPMVersions(header.version, "0.14") >= 0
            return Evidence(Rules.headerNeverGated, source: source,
                            observed: "\(who): a Fedora/upstream qemu build, version \(since ? "0.14 or later" : "before 0.14")",
                            supports: since ? .enabled : .absent)
        case nil:
            return Evidence(Rules.headerUnfamiliar, source: source, observed: "\(who): no known era", supports: nil)
        default:
            break
        }

        switch flavour {
        case .rhev, .ev:
            return Evidence(Rules.headerRHEV, source: source, observed: "\(who): name ends in -\(flavour.rawValue)", supports: .enabled)
        case .ma:
            return Evidence(Rules.headerMA, source: source, observed: "\(who): name ends in -ma", supports: .disabled)
        case .stock:
            if provides.contains("qemu-kvm-rhev") {
                return Evidence(Rules.headerRHEV, source: source, observed: "\(who): Provides qemu-kvm-rhev", supports: .enabled)
            }
            // The stock name means "gated off" only once the gate exists.
            if era == .el7, compareRPMVersions(header.release, "15") < 0 {
                return Evidence(Rules.headerStock, source: source, observed: "\(who): stock name, but release \(header.release) predates the live-block-ops option", supports: nil)
            }
            if era == .el6, compareRPMVersions(header.release, "2.173") < 0 {
                return Evidence(Rules.headerStock, source: source, observed: "\(who): release \(header.release) predates the command", supports: .absent)
            }
            if era == .el6, compareRPMVersions(header.release, "2.197") < 0 {
                return Evidence(Rules.headerStock, source: source, observed: "\(who): stock name, release \(header.release) from before the known gates", supports: nil)
            }
            var seen: [String] = []
            if provides.contains("qemu-kvm-rhel") { seen.append("Provides qemu-kvm-rhel") }
            if conflicts.contains("qemu-kvm-rhev") { seen.append("Conflicts qemu-kvm-rhev") }
            let detail = seen.isEmpty ? "stock name" : seen.joined(separator: ", ")
            return Evidence(Rules.headerStock, source: source, observed: "\(who): \(detail)", supports: .disabled)
        }
    }

    /// The source package name of a binary package, from its SOURCERPM.
    static func sourceName(of header: PackageHeader) -> String? {
        header.sourceRPM.flatMap { SourceNVR(sourceRPM: $0)?.name }
    }

    static func epochVersionRelease(_ header: PackageHeader) -> String {
        "\(header.epoch.map { "\($0):" } ?? "")\(header.version)-\(header.release)"
    }
}

/// Name, version and release split out of a `SOURCERPM` file name
/// (`qemu-kvm-ev-2.12.0-44.1.el7_8.1.src.rpm`).
struct SourceNVR: Sendable, Hashable {
    var name: String
    var version: String
    var release: String

    init?(sourceRPM: String) {
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
