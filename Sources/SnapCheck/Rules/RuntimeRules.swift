/// Reads what a running emulator answered over QMP (facts: "Running binary").
enum RuntimeRules {
    static func evaluate(_ capture: QMPCapture, isDownstream: Bool, source: String) -> [Evidence] {
        var evidence: [Evidence] = []
        if let version = capture.version {
            let package = version.package.isEmpty ? "no package string" : "package \(version.package)"
            evidence.append(Evidence(Rules.qmpVersion, source: source, observed: "QEMU \(version.string), \(package)", supports: nil))
        }
        if let commands = capture.commands {
            let names = Set(commands)
            let has = names.contains("blockdev-snapshot-sync")
            evidence.append(Evidence(Rules.qmpQueryCommands, source: source,
                                     observed: "query-commands lists \(commands.count) commands; blockdev-snapshot-sync \(has ? "listed" : "not listed")",
                                     supports: has ? .enabled : .disabled))
            if !has, names.contains("transaction") {
                evidence.append(Evidence(Rules.qmpTransactionAlone, source: source,
                                         observed: "transaction is listed without blockdev-snapshot-sync", supports: nil))
            }
        }
        if capture.commandNotFound.contains("blockdev-snapshot-sync") {
            evidence.append(Evidence(Rules.qmpCommandNotFound, source: source,
                                     observed: "blockdev-snapshot-sync answered CommandNotFound", supports: .disabled))
        }
        if capture.commands == nil, let schema = capture.schemaCommands {
            let has = schema.contains("blockdev-snapshot-sync")
            let proves = has && !isDownstream
            evidence.append(Evidence(Rules.qmpSchemaOnly, source: source,
                                     observed: "only query-qmp-schema: blockdev-snapshot-sync \(has ? "in the schema" : "not in the schema")\(isDownstream ? " of a downstream build" : "")",
                                     supports: proves ? .enabled : nil))
        }
        if let help = capture.hmpHelp {
            let has = help.split(whereSeparator: \.isNewline).contains { $0.split(separator: " ").first == "snapshot_blkdev" }
            evidence.append(Evidence(Rules.qmpHMPHelp, source: source,
                                     observed: "HMP help \(has ? "lists" : "does not list") snapshot_blkdev", supports: nil))
        }
        return evidence
    }
}
