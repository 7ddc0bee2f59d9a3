import ArgumentParser
import SnapCheck
import SnapCheckRepository

/// Auditing yum repositories from their metadata (`--repo`). Docs/repo.md.
struct RepositoryOptions: ParsableArguments {
    @Option(
        name: .customLong("repo"),
        help: ArgumentHelp(
            "Audit the QEMU builds this yum repository lists (a directory with repodata/repomd.xml): packages chosen by their metadata, checked against its checksums. Repeatable; inputs may be given too.",
            valueName: "dir"), completion: .directory)
    var repositories: [String] = []

    /// The checks that need the other option groups (called by the command's `validate()`).
    func validate(probe: ProbeOptions) throws {
        if probe.auditsInstalled, !repositories.isEmpty {
            throw ValidationError("--installed audits the rpmdb: give no --repo with it.")
        }
    }

    /// Runs the audit of the repositories and `inputs` together; `nil` when no `--repo` was given.
    func audit(_ inputs: [String], options: AuditOptions) -> AuditResult? {
        repositories.isEmpty ? nil : Auditor(options: options).audit(inputs, repositories: repositories)
    }
}
