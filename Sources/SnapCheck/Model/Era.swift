import Foundation
internal import RPM

/// A family of QEMU builds that share one set of switches (see Docs/rules.md).
/// Each milestone of the facts is stated here once; the rules ask the era.
public enum Era: String, Sendable, Codable, CaseIterable {
    /// RHEL/CentOS 6 `qemu-kvm` 0.12.1.2 (Epoch 2): `--disable-rhev-features` / `--disable-live-snapshots`.
    case el6 = "el6"
    /// RHEL/CentOS 7 `qemu-kvm` 1.5.3 (Epoch 10): `--enable/--disable-live-block-ops` from release 15.
    case el7 = "el7-1.5.3"
    /// `qemu-kvm-rhev` 2.1.2: `--enable-live-block-ops` passed unconditionally.
    case rhev212 = "el7-rhev-2.1.2"
    /// `qemu-kvm-rhev`/`-ev` 2.3, 2.6 and 2.9: no switch at all.
    case ev23 = "el7-ev-2.3-2.9"
    /// `qemu-kvm-rhev`/`-ev`/`-ma` 2.10 to 2.12: a positional word through `build_configure.sh`.
    case ev210 = "el7-2.10-2.12"
    /// RHEL 8 and later `qemu-kvm` (Epoch 15, 17 on EL9): never gated.
    case el8 = "el8+"
    /// Fedora/EPEL `qemu` and upstream: never gated; the feature exists from 0.14.
    case upstream = "upstream"

    /// Names a source package of a QEMU build can have.
    static let sourceNames: Set<String> = ["qemu", "qemu-kvm", "qemu-kvm-rhev", "qemu-kvm-ev", "qemu-kvm-ma"]

    /// True when a source package name is a QEMU build snapcheck audits.
    public static func isQEMUSourceName(_ name: String) -> Bool {
        sourceNames.contains(name)
    }

    /// The era of a source package, from its name, epoch, version and release;
    /// `nil` when the combination is not one the facts describe.
    public static func detect(name: String, epoch: UInt32?, version: String, release: String) -> Era? {
        // Fedora's and upstream's source package is `qemu`.
        if name == "qemu" { return .upstream }
        guard name.hasPrefix("qemu-kvm") else { return nil }
        // Before 0.12 no downstream gate or backport exists: plain upstream QEMU (RHEL 6's development 0.11 builds).
        if compareRPMVersions(version, "0.12") < 0 { return .upstream }
        if version.hasPrefix("0.12.") { return .el6 }
        if version == "1.5.3" { return .el7 }
        // RHEL 8 and later ship plain `qemu-kvm` (Epoch 15, 17 on EL9); the -rhev/-ev/-ma
        // flavours are RHEL 7's, whatever an Epoch or a release says.
        let flavoured = Flavour(packageName: name) != .stock
        let markedEL8 =
            epoch == 15 || epoch == 17
            || release.range(of: #"\.(module\+)?el(8|9|1[0-9])"#, options: .regularExpression) != nil
        if !flavoured, markedEL8 || compareRPMVersions(version, "3") >= 0 {
            // 2.12 on EL8 lost its option only from release 14 (2.12.0-14.el8).
            if version.hasPrefix("2.12."), compareRPMVersions(release, el8FirstReleaseWithoutOption) < 0 {
                return .ev210
            }
            return compareRPMVersions(version, "2.12") >= 0 ? .el8 : nil
        }
        if version.hasPrefix("2.1.") { return .rhev212 }
        if version.hasPrefix("2.3.") || version.hasPrefix("2.6.") || version.hasPrefix("2.9.") { return .ev23 }
        if compareRPMVersions(version, "2.10") >= 0, compareRPMVersions(version, "2.13") < 0 { return .ev210 }
        return nil
    }

    // MARK: Milestones (facts: "The switches, era by era")

    /// QEMU introduced `blockdev-snapshot-sync` in 0.14.
    static let firstVersionWithFeature = "0.14"
    /// EL6: the QMP command exists from release 2.173.
    static let el6FirstReleaseWithCommand = "2.173"
    /// EL6 releases 2.197 up to (not including) 2.222, RHEL 6.2: a patch deleted the commands.
    static let el6DeletedReleases = (from: "2.197", before: "2.222")
    /// EL6 from release 2.222: configure's default is on.
    static let el6FirstDefaultOnRelease = "2.222"
    /// EL7 1.5.3: the live-block-ops option came in release 15.
    static let el7FirstReleaseWithOption = "15"
    /// EL8's 2.12.0 removed the option from release 14 (2.12.0-14.el8).
    static let el8FirstReleaseWithoutOption = "14"

    /// The switches a configure call of this era can carry, each a pair of
    /// flags (configure takes the last of a pair). An explicit flag is evidence
    /// in every era (facts: a flag the tree did not know would fail configure).
    var switches: [ConfigureSwitch] {
        switch self {
        case .el6: [.rhevFeatures, .liveSnapshots]
        default: [.liveBlockOps]
        }
    }

    /// What the version alone proves for every build of it, when it does.
    func versionFact(version: String, release: String) -> VersionFact? {
        switch self {
        case .upstream, .el8:
            return compareRPMVersions(version, Self.firstVersionWithFeature) >= 0 ? .noSwitch : .predatesFeature
        case .ev23:
            return .noSwitch
        case .el6:
            if compareRPMVersions(release, Self.el6FirstReleaseWithCommand) < 0 { return .predatesFeature }
            if compareRPMVersions(release, Self.el6DeletedReleases.from) >= 0,
                compareRPMVersions(release, Self.el6DeletedReleases.before) < 0
            {
                return .commandsDeleted
            }
            return nil
        case .el7:
            return compareRPMVersions(release, Self.el7FirstReleaseWithOption) < 0 ? .beforeOption : nil
        case .rhev212, .ev210:
            return nil
        }
    }

    /// EL6 releases whose configure defaults to live snapshots on.
    func defaultsOn(release: String) -> Bool {
        self == .el6 && compareRPMVersions(release, Self.el6FirstDefaultOnRelease) >= 0
    }
}

/// A fact about every build of a version, whatever its spec says.
enum VersionFact: Sendable, Hashable {
    /// No switch exists: the commands are always built (EL8+, upstream ≥ 0.14, rhev/ev 2.3–2.9).
    case noSwitch
    /// EL7 1.5.3 before release 15: the option does not exist yet, the commands are built.
    case beforeOption
    /// The version predates the feature (upstream < 0.14, EL6 < 2.173).
    case predatesFeature
    /// EL6 2.197–2.221: a patch deleted the commands.
    case commandsDeleted

    var verdict: Verdict {
        switch self {
        case .noSwitch, .beforeOption: .enabled
        case .predatesFeature: .absent
        case .commandsDeleted: .disabled
        }
    }
}

/// A configure option that turns live snapshots on or off, as a pair of flags.
struct ConfigureSwitch: Sendable, Hashable {
    var enabling: String
    var disabling: String

    var flags: [String] { [enabling, disabling] }

    static let liveBlockOps = ConfigureSwitch(
        enabling: "--enable-live-block-ops", disabling: "--disable-live-block-ops")
    static let rhevFeatures = ConfigureSwitch(enabling: "--enable-rhev-features", disabling: "--disable-rhev-features")
    static let liveSnapshots = ConfigureSwitch(
        enabling: "--enable-live-snapshots", disabling: "--disable-live-snapshots")
    /// Every flag of every era's switches.
    static let allFlags = [liveBlockOps, rhevFeatures, liveSnapshots].flatMap(\.flags)
}

/// The flavour a package name carries: `qemu-kvm-ev` → `.ev`, `qemu-img-rhev` → `.rhev`.
enum Flavour: String, Sendable {
    case stock, rhev, ev, ma

    init(packageName: String) {
        if packageName.hasSuffix("-rhev") {
            self = .rhev
        } else if packageName.hasSuffix("-ev") {
            self = .ev
        } else if packageName.hasSuffix("-ma") {
            self = .ma
        } else {
            self = .stock
        }
    }
}

extension Era {
    /// The builds an era covers, in words (`snapcheck rules ID`, Docs/rules.md's era table).
    public var packages: String {
        switch self {
        case .el6: "RHEL/CentOS 6 qemu-kvm and qemu-kvm-rhev 0.12.1.2"
        case .el7: "RHEL/CentOS 7 qemu-kvm and qemu-kvm-rhev 1.5.3"
        case .rhev212: "qemu-kvm-rhev 2.1.2"
        case .ev23: "qemu-kvm-rhev and qemu-kvm-ev 2.3, 2.6 and 2.9 (no switch yet)"
        case .ev210: "qemu-kvm-rhev, qemu-kvm-ev and qemu-kvm-ma 2.10 to 2.12"
        case .el8: "qemu-kvm on RHEL 8 and later"
        case .upstream: "Fedora/EPEL qemu and upstream QEMU"
        }
    }
}
