/// A rule: a stable id, the layer it reads, and one line saying what it concludes and why.
///
/// Every piece of evidence names the rule that interpreted it
/// (`Evidence.rule`); compare it with the catalogue's values
/// (`evidence.rule == Rules.el7LiveBlockOps`), look one up by the id reports
/// print (`Rules.rule(id:)`), and read its layer and summary. Rules are equal
/// when their ids are: an id never changes meaning. `description` is the id.
public struct Rule: Sendable, Hashable, Codable, Identifiable, Comparable, CustomStringConvertible {
    /// The id reports print: `el7-live-block-ops`.
    public var id: String
    public var layer: Layer
    /// What the rule concludes and why, in one sentence.
    public var summary: String

    public init(id: String, layer: Layer, summary: String) {
        self.id = id
        self.layer = layer
        self.summary = summary
    }

    public var description: String { id }

    public static func == (a: Rule, b: Rule) -> Bool { a.id == b.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
    /// By id.
    public static func < (a: Rule, b: Rule) -> Bool { a.id < b.id }
}

/// Every rule snapcheck applies, in a stable order. Ids never change meaning;
/// `snapcheck rules` prints this table and Docs/rules.md explains it.
public enum Rules: Sendable {
    // Spec layer
    public static let el6DisableFlag = Rule(
        id: "el6-disable-flag", layer: .spec,
        summary:
            "EL6: --disable-rhev-features or --disable-live-snapshots in the emulator's configure call turns live snapshots off."
    )
    public static let el6DefaultOn = Rule(
        id: "el6-default-on", layer: .spec,
        summary: "EL6 from release 2.222: without a disable flag configure defaults to live snapshots on.")
    public static let el6Deleted = Rule(
        id: "el6-6.2-deleted", layer: .spec,
        summary: "EL6 releases 2.197 to 2.221 (RHEL 6.2): a patch deleted the commands; there is no flag.")
    public static let el6PreCommand = Rule(
        id: "el6-before-2.173", layer: .spec, summary: "EL6 before release 2.173: the QMP command does not exist yet.")
    public static let el6Undetermined = Rule(
        id: "el6-no-default", layer: .spec,
        summary: "EL6 releases 2.173 to 2.196 without a flag: the configure default is not known.")
    public static let el7LiveBlockOps = Rule(
        id: "el7-live-block-ops", layer: .spec,
        summary: "EL7: --enable-live-block-ops or --disable-live-block-ops in the emulator's configure call decides.")
    public static let el7BeforeOption = Rule(
        id: "el7-before-option", layer: .spec,
        summary: "EL7 1.5.3 before release 15: the option does not exist and the commands are built.")
    public static let el7MissingOption = Rule(
        id: "el7-missing-option", layer: .spec,
        summary:
            "EL7 1.5.3 from release 15 or rhev 2.1.2: the emulator's configure call names no live-block-ops option.")
    public static let evNoOption = Rule(
        id: "el7-ev-no-option", layer: .spec,
        summary: "rhev/ev 2.3, 2.6 and 2.9: no option exists; the commands are always built.")
    public static let positional = Rule(
        id: "el7-positional-live-block-ops", layer: .spec,
        summary:
            "2.10-2.12: the word enable/disable at the position build_configure.sh assigns to have_live_block_ops decides, when the call passes as many arguments as the script assigns."
    )
    public static let macroFallback = Rule(
        id: "el7-have-live-block-ops-macro", layer: .spec,
        summary:
            "2.10-2.12: the value of %have_live_block_ops (1 or 0) decides without the helper script, and is checked against the positional word with it."
    )
    public static let explicitSwitch = Rule(
        id: "explicit-switch", layer: .spec,
        summary:
            "In any other era (EL8+, upstream, rhev/ev 2.3-2.9, unknown): an explicit --enable/--disable-live-block-ops in the emulator's configure call still decides; no release string overrides it."
    )
    public static let unresolvedArgument = Rule(
        id: "spec-unresolved-argument", layer: .spec,
        summary:
            "An argument of the emulator's configure call that the spec does not resolve ($VAR unset in %build, $(...), an undefined %{macro}, an untraced \"$@\", an expansion not run) could be or override the deciding flag: nothing is concluded."
    )
    public static let opaqueCommand = Rule(
        id: "spec-opaque-command", layer: .spec,
        summary:
            "%build (or the helper script) runs a command that may call configure in a way the text does not show (eval, sh -c, a shell reading a here-document, xargs, find -exec, source, an unknown program), or goes past the limits the text is followed to: the calls found may not be all, so nothing is concluded from them."
    )
    public static let ambiguousCalls = Rule(
        id: "spec-ambiguous-calls", layer: .spec,
        summary: "Several configure calls that build the emulator can run and they disagree: nothing is concluded.")
    public static let upstreamSince014 = Rule(
        id: "upstream-since-0.14", layer: .spec,
        summary: "EL8+, Fedora and upstream never gate the commands; they exist from QEMU 0.14.")
    public static let upstreamBefore014 = Rule(
        id: "upstream-before-0.14", layer: .spec, summary: "QEMU before 0.14 predates blockdev-snapshot-sync.")
    public static let notBuiltForArch = Rule(
        id: "spec-not-built-for-arch", layer: .spec,
        summary:
            "The spec's ExclusiveArch leaves out, or its ExcludeArch names, the arch it is evaluated for (--target, else the host): rpmbuild would not build it there, so it says nothing for that arch."
    )
    public static let sourceArches = Rule(
        id: "spec-source-arches", layer: .spec,
        summary:
            "A spec or SRPM audited without its binary packages or --target (a src build) is evaluated for every arch it builds for (ExclusiveArch, else x86_64, aarch64, ppc64le and s390x; minus ExcludeArch): a note naming each arch and what it gives."
    )
    public static let archesDisagree = Rule(
        id: "spec-arches-disagree", layer: .spec,
        summary:
            "The arches of a src build give different verdicts: the spec decides nothing for the build as a whole; a warning per arch (--target, or the binary packages, give each arch's answer)."
    )
    public static let noEmulatorCall = Rule(
        id: "spec-no-emulator-configure", layer: .spec,
        summary: "The spec, as evaluated for this arch, has no configure call that builds the system emulator.")
    public static let refusedExpansion = Rule(
        id: "spec-expansion-not-run", layer: .spec,
        summary: "A %(...) shell or %{lua:} expansion was not executed; the spec was evaluated without it.")
    public static let defineOverridden = Rule(
        id: "spec-define-overridden", layer: .spec,
        summary:
            "A --define the spec's own %define or %global replaced (rpm lets the spec win): the spec was evaluated with its value, not the one given; a warning naming both."
    )
    public static let specEvaluationMode = Rule(
        id: "spec-evaluation-mode", layer: .spec,
        summary:
            "How the spec was parsed: in a confined worker process (default) or in-process with full rpm semantics (--trust-spec); a note."
    )
    public static let unknownEra = Rule(
        id: "unknown-era", layer: .spec,
        summary: "Name, epoch, version and release match no era snapcheck knows; nothing is concluded.")

    // Header layer
    public static let headerStock = Rule(
        id: "header-stock-name", layer: .header,
        summary:
            "EL6/EL7 qemu-kvm (Provides qemu-kvm-rhel, Conflicts qemu-kvm-rhev) suggests a build without live block operations: a prior, never a vote."
    )
    public static let headerRHEV = Rule(
        id: "header-rhev-name", layer: .header,
        summary:
            "A -rhev or -ev name, or Provides qemu-kvm-rhev, suggests a build with live block operations: a prior, never a vote."
    )
    public static let headerMA = Rule(
        id: "header-ma-name", layer: .header,
        summary: "A -ma name suggests a build without live block operations: a prior, never a vote.")
    public static let versionFact = Rule(
        id: "version-fact", layer: .header,
        summary:
            "Name, epoch, version and release alone decide where a fact holds for every build of them: EL8+, upstream from 0.14, rhev/ev 2.3-2.9, EL7 1.5.3 before release 15 -> enabled; upstream before 0.14, EL6 before 2.173 -> absent; EL6 2.197-2.221 -> disabled."
    )
    public static let headerUnfamiliar = Rule(
        id: "header-unfamiliar", layer: .header, summary: "A header snapcheck cannot place in an era proves nothing.")
    public static let nameContradicts = Rule(
        id: "name-contradicts-evidence", layer: .header,
        summary:
            "The package name suggests one verdict and the deciding evidence shows another (an -ev build that is disabled): a warning, the regression a SIG watches for."
    )

    // Executable layer
    public static let exeQMPNames = Rule(
        id: "exe-qmp-names", layer: .executable,
        summary: "EL6 and EL7 1.5.3: the gated QMP names exist as NUL-terminated strings only in enabled builds.")
    public static let exeHMPNames = Rule(
        id: "exe-hmp-names", layer: .executable,
        summary: "2.10-2.12: QMP names stay in disabled builds; only the HMP name snapshot_blkdev tells.")
    public static let exeNotGated = Rule(
        id: "exe-not-gated", layer: .executable,
        summary:
            "Builds without a known gate signature (no switch, rhev 2.1.2, unknown eras): command names in the executable are recorded but prove nothing."
    )
    public static let exeMissing = Rule(
        id: "exe-content-missing", layer: .executable,
        summary:
            "The header lists an emulator whose content the payload does not hold (or a link to one outside it): nothing was scanned."
    )
    public static let exeNotELF = Rule(
        id: "exe-not-elf", layer: .executable,
        summary: "The emulator path holds no ELF executable (a wrapper script): nothing to scan.")
    public static let exeNoPackage = Rule(
        id: "exe-no-package", layer: .executable,
        summary:
            "An executable without a package has no era: blockdev-snapshot-sync and HMP snapshot_blkdev both NUL-delimited is enabled (no disabled build of any era has both); anything else decides nothing."
    )
    public static let exeVersionString = Rule(
        id: "exe-version-string", layer: .executable,
        summary:
            "The version banner compiled into an executable without a package (--with-pkgversion): an annotation, never evidence."
    )

    // Runtime layer
    public static let qmpQueryCommands = Rule(
        id: "qmp-query-commands", layer: .runtime,
        summary: "A running emulator has live snapshots iff query-commands lists blockdev-snapshot-sync.")
    public static let qmpCommandNotFound = Rule(
        id: "qmp-command-not-found", layer: .runtime,
        summary: "A running emulator that answers CommandNotFound for blockdev-snapshot-sync lacks live snapshots.")
    public static let qmpTransactionAlone = Rule(
        id: "qmp-transaction-alone", layer: .runtime,
        summary:
            "transaction without blockdev-snapshot-sync stays registered on disabled 2.9+ builds: it proves nothing.")
    public static let qmpSchemaOnly = Rule(
        id: "qmp-schema-only", layer: .runtime,
        summary:
            "query-qmp-schema lists unregistered commands too: for a build not identified as never gated it decides nothing; a note."
    )
    public static let qmpNeverGatedBuild = Rule(
        id: "qmp-never-gated-build", layer: .runtime,
        summary:
            "A running emulator identified as never gated (an upstream release tag matching query-version, or an EL8+/Fedora NVR) whose query-qmp-schema lists blockdev-snapshot-sync: enabled, an era fact."
    )
    public static let qmpVersion = Rule(
        id: "qmp-version", layer: .runtime,
        summary: "query-version names the QEMU version and package string: an annotation.")
    public static let qmpHMPHelp = Rule(
        id: "qmp-hmp-help", layer: .runtime,
        summary: "HMP help listing snapshot_blkdev agrees with query-commands; it is recorded, not decisive.")
    public static let qmpTarget = Rule(
        id: "qmp-target", layer: .runtime,
        summary:
            "query-target names the emulator's arch: the capture joins only builds of that arch (ppc64: ppc64le and ppc64); without it, every arch; a note."
    )
    public static let qmpSessions = Rule(
        id: "qmp-sessions", layer: .runtime,
        summary:
            "Each QMP session of a capture (libvirt probes with KVM, then TCG) gives its own evidence; sessions that disagree or decide nothing are noted."
    )
    public static let qmpUnpairedReply = Rule(
        id: "qmp-unpaired-reply", layer: .runtime,
        summary:
            "In a capture with requests, a reply that pairs with no request of its session decides nothing; a note.")

    /// Rules that support no verdict but must be seen in every report (role
    /// `warning`): what the user asked for and did not get.
    static let mustBeSeen: Set<Rule> = [defineOverridden, archesDisagree]

    /// The rule of `Rules.all` with this id, as reports spell it; nil for an id
    /// this version of snapcheck does not know.
    public static func rule(id: String) -> Rule? { byID[id] }

    private static let byID = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })

    /// All rules, in the order they are documented.
    public static let all: [Rule] = [
        el6DisableFlag, el6DefaultOn, el6Deleted, el6PreCommand, el6Undetermined,
        el7LiveBlockOps, el7BeforeOption, el7MissingOption, evNoOption, positional, macroFallback, explicitSwitch,
        upstreamSince014, upstreamBefore014, notBuiltForArch, sourceArches, archesDisagree, noEmulatorCall,
        unresolvedArgument, opaqueCommand, ambiguousCalls,
        refusedExpansion, defineOverridden, specEvaluationMode, unknownEra,
        headerStock, headerRHEV, headerMA, versionFact, headerUnfamiliar, nameContradicts,
        exeQMPNames, exeHMPNames, exeNotGated, exeNotELF, exeMissing, exeNoPackage, exeVersionString,
        qmpQueryCommands, qmpCommandNotFound, qmpTransactionAlone, qmpSchemaOnly, qmpNeverGatedBuild, qmpVersion,
        qmpHMPHelp,
        qmpTarget, qmpSessions, qmpUnpairedReply,
    ]
}
