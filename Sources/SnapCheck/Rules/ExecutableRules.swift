/// Reads the command names found in a built emulator (facts: "Binary").
enum ExecutableRules {
    /// Every name the scanner looks for; each era reads a subset.
    static let needles: Set<String> = [
        "blockdev-snapshot-sync", "transaction", "block-stream", "block-commit", "drive-mirror",
        "__com.redhat_drive-mirror", "__com.redhat_block-commit", "__com.redhat_drive-reopen",
        "snapshot_blkdev", "drive_mirror", "drive_backup", "block_stream", "block_job_cancel",
    ]

    /// Gated QMP names that exist only in enabled EL6 / EL7 1.5.3 executables.
    static let gatedQMPNames = ["blockdev-snapshot-sync", "transaction", "drive-mirror", "__com.redhat_drive-mirror", "block-commit", "__com.redhat_block-commit"]
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
            if !has, let release, era?.versionFact(version: "", release: release) == .predatesFeature { supports = .absent }
            return Evidence(Rules.exeQMPNames, source: source,
                            observed: "NUL-delimited QMP names: \(list(gatedQMPNames)); HMP snapshot_blkdev \(found.contains("snapshot_blkdev") ? "found" : "missing")",
                            supports: supports)
        case .ev210?:
            let has = found.contains("snapshot_blkdev")
            return Evidence(Rules.exeHMPNames, source: source,
                            observed: "HMP names: \(list(gatedHMPNames)) (QMP blockdev-snapshot-sync \(found.contains("blockdev-snapshot-sync") ? "present, as in every 2.9+ build" : "missing"))",
                            supports: has ? .enabled : .disabled)
        default:
            // No switch (2.3-2.9, EL8+, upstream), or no known signature of one (rhev 2.1.2, no era).
            return Evidence(Rules.exeNotGated, source: source,
                            observed: "command names: \(list(["blockdev-snapshot-sync", "transaction", "snapshot_blkdev"]))",
                            supports: nil)
        }
    }
}

import RPM
