internal import RPM

/// Reads the command names found in a built emulator (facts: "Binary").
enum ExecutableRules {
    /// The first bytes of every ELF file.
    static let elfMagic: [UInt8] = [0x7F, 0x45, 0x4C, 0x46]

    /// Every name the scanner looks for; each era reads a subset.
    static let needles: Set<String> = [
        "blockdev-snapshot-sync", "transaction", "block-stream", "block-commit", "drive-mirror",
        "__com.redhat_drive-mirror", "__com.redhat_block-commit", "__com.redhat_drive-reopen",
        "snapshot_blkdev", "drive_mirror", "drive_backup", "block_stream", "block_job_cancel",
    ]

    /// Gated QMP names that exist only in enabled EL6 / EL7 1.5.3 executables.
    static let gatedQMPNames = [
        "blockdev-snapshot-sync", "transaction", "drive-mirror", "__com.redhat_drive-mirror", "block-commit",
        "__com.redhat_block-commit",
    ]
    /// HMP names compiled out of disabled 2.10-2.12 executables.
    static let gatedHMPNames = ["snapshot_blkdev", "drive_mirror", "drive_backup", "block_job_cancel"]

    static func evaluate(found: Set<String>, era: Era?, release: String?, source: String) -> Evidence {
        func list(_ names: [String]) -> String {
            let present = names.filter(found.contains)
            let missing = names.filter { !found.contains($0) }
            var parts: [String] = []
            if !present.isEmpty { parts.append("found " + present.joined(separator: ", ")) }
            if !missing.isEmpty { parts.append("missing " + missing.joined(separator: ", ")) }
            return parts.joined(separator: "; ")
        }

        switch era {
        case .el6?, .el7?:
            let has = found.contains("blockdev-snapshot-sync")
            var supports: Verdict = has ? .enabled : .disabled
            if !has, let release, era?.versionFact(version: "", release: release) == .predatesFeature {
                supports = .absent
            }
            return Evidence(
                Rules.exeQMPNames, source: source,
                observed:
                    "NUL-delimited QMP names: \(list(gatedQMPNames)); HMP snapshot_blkdev \(found.contains("snapshot_blkdev") ? "found" : "missing")",
                supports: supports)
        case .ev210?:
            let has = found.contains("snapshot_blkdev")
            return Evidence(
                Rules.exeHMPNames, source: source,
                observed:
                    "HMP names: \(list(gatedHMPNames)) (QMP blockdev-snapshot-sync \(found.contains("blockdev-snapshot-sync") ? "present, as in every 2.9+ build" : "missing"))",
                supports: has ? .enabled : .disabled)
        default:
            // No switch (2.3-2.9, EL8+, upstream), or no known signature of one (rhev 2.1.2, no era).
            return Evidence(
                Rules.exeNotGated, source: source,
                observed: "command names: \(list(["blockdev-snapshot-sync", "transaction", "snapshot_blkdev"]))",
                supports: nil)
        }
    }

    /// An executable with no package, hence no era (named as an input): only
    /// what holds in every era decides. No disabled build of any era keeps the
    /// HMP name `snapshot_blkdev` as a NUL-delimited string (EL6 and EL7 1.5.3
    /// compile it out with the QMP names, 2.9+ with the other HMP names), and
    /// no build older than the feature has `blockdev-snapshot-sync`: both
    /// present is enabled. Anything else is unknown: QMP names alone stay in
    /// disabled 2.9+ builds, and a missing name is weak evidence (a linker can
    /// keep a name only as the tail of a longer string).
    static func evaluateWithoutPackage(found: Set<String>, isQEMU: Bool, source: String) -> Evidence {
        let qmp = found.contains("blockdev-snapshot-sync")
        let hmp = found.contains("snapshot_blkdev")
        let seen =
            "QMP blockdev-snapshot-sync \(qmp ? "found" : "missing"), HMP snapshot_blkdev \(hmp ? "found" : "missing")"
        let reading: String
        switch (qmp, hmp) {
        case (true, true) where !isQEMU:
            reading = "but the file has no QEMU version banner: names alone do not make a program an emulator"
        case (true, true):
            return Evidence(
                Rules.exeNoPackage, source: source, observed: "\(seen): no disabled build of any era has both",
                supports: .enabled)
        case (true, false):
            reading =
                "as in a disabled 2.9-2.12 build, or an enabled one storing the HMP name inside a longer string; without a package the era is unknown"
        case (false, true):
            reading =
                "the QMP command may not exist yet (EL6 before 2.173) or be stored inside a longer string; without a package the era is unknown"
        case (false, false):
            reading =
                "a disabled build, a QEMU older than 0.14, or not a QEMU emulator; without a package this cannot be told"
        }
        return Evidence(Rules.exeNoPackage, source: source, observed: "\(seen) (\(reading))", supports: nil)
    }

    /// The version banner of an executable with no package: a note, never evidence
    /// (`--with-pkgversion` is free text; EL7 1.5.3 rhev builds say `qemu-kvm-1.5.3-...`).
    static func versionNote(_ banner: QEMUVersionBanner, source: String) -> Evidence {
        Evidence(Rules.exeVersionString, source: source, observed: "version string: \(banner.text)", supports: nil)
    }
}
