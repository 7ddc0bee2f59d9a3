import RPM

/// A family of QEMU builds that share one set of switches (see Docs/rules.md).
public enum Era: String, Sendable, Codable, CaseIterable {
    /// RHEL/CentOS 6 `qemu-kvm` 0.12.1.2 (Epoch 2): `--disable-rhev-features` / `--disable-live-snapshots`.
    case el6 = "el6"
    /// RHEL/CentOS 7 `qemu-kvm` 1.5.3 (Epoch 10): `--enable/--disable-live-block-ops` from release 15.
    case el7 = "el7-1.5.3"
    /// `qemu-kvm-rhev` 2.1.2: `--enable-live-block-ops` passed unconditionally.
    case rhev212 = "el7-rhev-2.1.2"
    /// `qemu-kvm-rhev`/`-ev` 2.3 and 2.6: no switch at all.
    case ev23 = "el7-ev-2.3-2.6"
    /// `qemu-kvm-rhev`/`-ev`/`-ma` 2.9 to 2.12: a positional word through `build_configure.sh`.
    case ev29 = "el7-2.9-2.12"
    /// RHEL 8 and later `qemu-kvm` (Epoch 15): never gated.
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
        let isFedora = name == "qemu" || release.contains(".fc")
        if isFedora { return .upstream }
        guard name.hasPrefix("qemu-kvm") else { return nil }
        let isEL8Release = release.range(of: #"\.(module\+)?el(8|9|1[0-9])"#, options: .regularExpression) != nil
        if epoch == 15 || isEL8Release { return .el8 }
        if version.hasPrefix("0.12.") { return .el6 }
        if version == "1.5.3" { return .el7 }
        if version.hasPrefix("2.1.") { return .rhev212 }
        if version.hasPrefix("2.3.") || version.hasPrefix("2.6.") { return .ev23 }
        if compareRPMVersions(version, "2.9") >= 0, compareRPMVersions(version, "2.13") < 0 { return .ev29 }
        if compareRPMVersions(version, "3") >= 0 { return .el8 }
        return nil
    }
}

/// The flavour a package name carries: `qemu-kvm-ev` → `.ev`, `qemu-img-rhev` → `.rhev`.
enum Flavour: String, Sendable {
    case stock, rhev, ev, ma

    init(packageName: String) {
        if packageName.hasSuffix("-rhev") { self = .rhev }
        else if packageName.hasSuffix("-ev") { self = .ev }
        else if packageName.hasSuffix("-ma") { self = .ma }
        else { self = .stock }
    }
}
