/// The builds a rule applies to: some eras, and whether builds with no era too
/// (an executable given without its package, a package no era describes).
public struct EraScope: Sendable, Hashable {
    /// In `Era.allCases` order.
    public var eras: [Era]
    public var withoutEra: Bool

    public init(_ eras: [Era], withoutEra: Bool = false) {
        self.eras = Era.allCases.filter(eras.contains)
        self.withoutEra = withoutEra
    }

    /// Every era, and builds with no era.
    public static let every = EraScope(Era.allCases, withoutEra: true)
    /// Only builds with no era.
    public static let noEra = EraScope([], withoutEra: true)
    /// The eras with a switch that a package name can suggest a position of.
    static let switched = EraScope([.el6, .el7, .rhev212, .ev210])

    /// One line per era: its id and the builds it covers (from `Era`).
    public var lines: [String] {
        if self == .every { return ["every era, and builds with no era"] }
        return eras.map { "\($0.rawValue): \($0.packages)" }
            + (withoutEra ? ["no era: an executable without its package, or a package no era describes"] : [])
    }
}

/// A rule explained in full, like `rpmlint -I`: what it applies to, what it
/// reads, what it concludes and an example (`snapcheck rules ID`).
public struct RuleEntry: Sendable, Hashable {
    public var rule: Rule
    public var eras: EraScope
    /// The evidence the rule looks at, and where.
    public var reads: String
    /// What it concludes from it: a verdict, no vote, a note or a warning.
    public var concludes: String
    /// What its evidence looks like in a report, and the outcome.
    public var example: String
}

/// The long form of every rule in `Rules.all`, in the same order, then of the
/// rules only the SARIF report names. Docs/rules.md explains the decision model
/// around them; milestones come from `Era`.
public enum RuleBook: Sendable {
    /// One entry per rule of `Rules.all`, in its order, then `input-error`,
    /// `no-evidence` and `baseline-vanished`.
    public static let entries: [RuleEntry] =
        (Rules.all + [SARIFRenderer.inputErrorRule, SARIFRenderer.noEvidenceRule, SARIFRenderer.vanishedRule]).map {
            rule in
            let d = details[rule.id] ?? Detail(eras: .every, reads: "", concludes: "", example: "")
            return RuleEntry(rule: rule, eras: d.eras, reads: d.reads, concludes: d.concludes, example: d.example)
        }

    /// The entry of a rule id, exactly as reports spell it.
    public static func entry(id: String) -> RuleEntry? {
        entries.first { $0.rule.id == id }
    }

    /// Rule ids close to an unknown one, closest first, at most three: ids that
    /// contain it (or it contains), and ids a few edits away.
    public static func suggestions(for id: String) -> [String] {
        let query = id.lowercased()
        let scored = entries.map(\.rule.id).compactMap { candidate -> (Int, String)? in
            if query.count >= 3, candidate.contains(query) || query.contains(candidate) { return (0, candidate) }
            let distance = editDistance(query, candidate)
            return distance <= max(2, query.count / 4) ? (distance, candidate) : nil
        }
        return scored.sorted { $0 < $1 }.prefix(3).map(\.1)
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    struct Detail {
        var eras: EraScope
        var reads: String
        var concludes: String
        var example: String
    }

    // MARK: The texts

    /// Where a package name's prior is read (`HeaderRules.prior`): eras with a switch, and only where no version fact decides.
    private static let priorScope = """
        Read only where the version alone decides nothing, in the eras that have a switch: EL6 from release \
        \(Era.el6FirstReleaseWithCommand) except \(Era.el6DeletedReleases.from) up to (not including) \(Era.el6DeletedReleases.before), \
        EL7 1.5.3 from release \(Era.el7FirstReleaseWithOption), rhev 2.1.2, and 2.10 to 2.12.
        """
    private static let emulatorCall = """
        the configure call that builds the system emulator (a --target-list with a -softmmu target, or the \
        build_configure.sh helper call) in the evaluated %build, followed as the shell runs it
        """
    private static let emulatorFiles = """
        The emulator files of a binary package (/usr/libexec/qemu-kvm, /usr/bin/qemu-kvm, qemu-system-* in /usr/bin \
        or /usr/libexec), streamed out of the payload and never run
        """
    private static func capitalized(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }
    private static let unresolved =
        "An argument after the flag that the spec does not resolve could override it: then spec-unresolved-argument, and no conclusion."

    static let details: [String: Detail] = [
        // Spec layer
        Rules.el6DisableFlag.id: Detail(
            eras: EraScope([.el6]),
            reads: """
                In \(emulatorCall): the last of --enable-rhev-features / --disable-rhev-features and the last of \
                --enable-live-snapshots / --disable-live-snapshots. Then, in the original spec, the lines that chose the flag: \
                %define disable_rhev_features_arg, the %if %{with rhev_features} around it, the %bcond_with/without \
                rhev_features, the %if 0%{?rhev} around that, and %define rhev.
                """,
            concludes: "A disable flag of either pair → disabled; otherwise an enable flag → enabled. \(unresolved)",
            example: """
                qemu-kvm.spec:28: --disable-rhev-features in the x86_64-softmmu configure call, carried by \
                %{disable_rhev_features_arg} (line 91), chosen by %bcond_with rhev_features (line 18) and %define rhev 0 \
                (line 10) → disabled
                """),
        Rules.el6DefaultOn.id: Detail(
            eras: EraScope([.el6]),
            reads: "\(capitalized(emulatorCall)), when it has no disable flag, and the source package's Release.",
            concludes: """
                From release \(Era.el6FirstDefaultOnRelease) configure defaults to live snapshots on: no disable flag and \
                every argument of the call resolved → enabled. An argument the spec does not resolve could be a disable \
                flag: spec-unresolved-argument, and no conclusion (no flag found is not enabled).
                """,
            example: """
                qemu-kvm.spec:1730: no disable flag in the x86_64-softmmu configure call, every argument resolved; \
                release 2.415.el6 defaults to on → enabled
                """),
        Rules.el6Deleted.id: Detail(
            eras: EraScope([.el6]),
            reads: "The source package's Release, when the emulator's configure call spells no flag.",
            concludes: """
                Releases \(Era.el6DeletedReleases.from) up to, not including, \(Era.el6DeletedReleases.before) (RHEL 6.2): \
                a patch deleted the commands and there is no flag → disabled.
                """,
            example: "qemu-kvm.spec:5: release 2.209.el6 is in 2.197-2.221 → disabled"),
        Rules.el6PreCommand.id: Detail(
            eras: EraScope([.el6]),
            reads: "The source package's Release, when the emulator's configure call spells no flag.",
            concludes: "Before release \(Era.el6FirstReleaseWithCommand) the QMP command does not exist yet → absent.",
            example: "qemu-kvm.spec:5: release 2.160.el6 is before \(Era.el6FirstReleaseWithCommand) → absent"),
        Rules.el6Undetermined.id: Detail(
            eras: EraScope([.el6]),
            reads: "The source package's Release, when the emulator's configure call spells no flag.",
            concludes: """
                From release \(Era.el6FirstReleaseWithCommand) up to, not including, \(Era.el6DeletedReleases.from): \
                whether configure defaulted to on is not known → no vote.
                """,
            example: "qemu-kvm.spec:5: no flag and release 2.180.el6 is in 2.173-2.196 → no vote"),
        Rules.el7LiveBlockOps.id: Detail(
            eras: EraScope([.el7, .rhev212, .ev210]),
            reads: """
                In \(emulatorCall) (a dobuild() function takes its caller's arguments; for 2.10 to 2.12, the options \
                build_configure.sh passes through to configure): the last of --enable-live-block-ops / \
                --disable-live-block-ops. Then the %if %{rhev} branch that chose it and %define rhev.
                """,
            concludes: "--enable-live-block-ops → enabled; --disable-live-block-ops → disabled. \(unresolved)",
            example: """
                qemu-kvm.spec:89: --disable-live-block-ops in the x86_64-softmmu configure call; %define rhev 0 (line 7) \
                selects the %else branch of `%if %{rhev}` (line 86) → disabled
                """),
        Rules.el7BeforeOption.id: Detail(
            eras: EraScope([.el7]),
            reads: "The source package's Release and \(emulatorCall).",
            concludes: """
                Before release \(Era.el7FirstReleaseWithOption) the option does not exist and the commands are built: no \
                live-block-ops option in the call and every argument resolved (or no emulator call to read) → enabled.
                """,
            example: """
                qemu-kvm.spec:120: no live-block-ops option in the x86_64-softmmu configure call; release 14.el7 is \
                before \(Era.el7FirstReleaseWithOption) → enabled
                """),
        Rules.el7MissingOption.id: Detail(
            eras: EraScope([.el7, .rhev212]),
            reads:
                "\(capitalized(emulatorCall)), for EL7 1.5.3 from release \(Era.el7FirstReleaseWithOption) and rhev 2.1.2.",
            concludes: "The call names no live-block-ops option although the era has one → no vote.",
            example: "qemu-kvm.spec:1200: no live-block-ops option in the x86_64-softmmu configure call → no vote"),
        Rules.evNoOption.id: Detail(
            eras: EraScope([.ev23]),
            reads: "The name and Version of the spec's source package.",
            concludes: """
                No live-block-ops option exists in these versions: the commands are always built → enabled, unless the \
                call spells an explicit flag (explicit-switch).
                """,
            example:
                "qemu-kvm-ev.spec:70: qemu-kvm-ev 10:2.6.0-28.el7_3.9.1: rhev/ev 2.6.0 has no live-block-ops option → enabled"
        ),
        Rules.positional.id: Detail(
            eras: EraScope([.ev210]),
            reads: """
                The build_configure.sh call in the evaluated %build and the script it names (next to the spec, in \
                --sources, in ../SOURCES of a SPECS/ directory, or in the SRPM): the script's `name=$1; shift` lines give \
                the position of the variable it passes as --${...}-live-block-ops (counted, never hard-coded); the bare \
                word at that position of the call; and the spec lines that chose the word (%if 0%{have_live_block_ops}, \
                %global have_live_block_ops).
                """,
            concludes: """
                When the call passes exactly as many words before its --options as the script assigns: enable → enabled, \
                disable → disabled. A count that differs, a word that is neither, or an argument that may split into \
                several words → no vote. An explicit --enable/--disable-live-block-ops among the options comes after the \
                word and decides instead (el7-live-block-ops).
                """,
            example: """
                qemu-kvm-ev.spec:177: word 'enable' is argument 24 of 27 to build_configure.sh; build_configure.sh:29 \
                assigns argument 24 of 27 to have_live_block_ops and passes --${have_live_block_ops}-live-block-ops → enabled
                """),
        Rules.macroFallback.id: Detail(
            eras: EraScope([.ev210]),
            reads:
                "The value of %have_live_block_ops after the parse, with the definition and the conditions that set it.",
            concludes: """
                Without the helper script, or with a call whose word cannot be mapped: 1 → enabled, 0 → disabled. With \
                the script it must agree with the positional word; if it does not, the spec votes both ways and the \
                build is inconsistent.
                """,
            example: """
                qemu-kvm-ma.spec:39: %have_live_block_ops is 0; build_configure.sh not found next to the spec, in \
                SOURCES/ or in the SRPM → disabled
                """),
        Rules.explicitSwitch.id: Detail(
            eras: EraScope([.ev23, .el8, .upstream], withoutEra: true),
            reads:
                "In \(emulatorCall): the last of --enable-live-block-ops / --disable-live-block-ops (in a build with no era, the last flag of any era's switch).",
            concludes: """
                A configure that did not know the flag would have failed, so an explicit flag decides in every era: \
                --enable → enabled, --disable → disabled; no version or release string overrides it. \(unresolved)
                """,
            example: "qemu.spec:900: --disable-live-block-ops in the x86_64-softmmu configure call → disabled"),
        Rules.upstreamSince014.id: Detail(
            eras: EraScope([.el8, .upstream]),
            reads: "The name, epoch and Version of the spec's source package.",
            concludes: """
                These builds never gate the commands, which exist from QEMU \(Era.firstVersionWithFeature): version \
                \(Era.firstVersionWithFeature) or later → enabled, when the call spells no flag.
                """,
            example: "qemu-kvm.spec:60: qemu-kvm 15:4.2.0-29.el8 (el8+): version 4.2.0 → enabled"),
        Rules.upstreamBefore014.id: Detail(
            eras: EraScope([.upstream]),
            reads: "The Version of the spec's source package.",
            concludes: "QEMU before \(Era.firstVersionWithFeature) predates blockdev-snapshot-sync → absent.",
            example: "qemu.spec:3: qemu 0.13.0-1.fc14 (upstream): version 0.13.0 → absent"),
        Rules.noEmulatorCall.id: Detail(
            eras: EraScope([.el6, .el7, .rhev212, .ev210]),
            reads: "Every configure call of the evaluated %build, for the target arch (--target).",
            concludes: """
                None builds the system emulator (guest-agent and qemu-img-only calls do not count) → no vote. Where a \
                version fact holds, it speaks instead.
                """,
            example:
                "qemu-kvm.spec: 1 configure call(s) in %build, none builds the system emulator (target ppc64) → no vote"
        ),
        Rules.unresolvedArgument.id: Detail(
            eras: .every,
            reads: """
                Every argument of the emulator's configure call: a $VAR not set in %build, $(...) or backquotes, an \
                undefined %{macro}, an untraced "$@", the marker of an expansion that was not run.
                """,
            concludes: """
                Such an argument after the deciding flag could override it, and a conclusion from the absence of a flag \
                needs every argument resolved → no vote, the argument named.
                """,
            example: """
                qemu-kvm.spec:1728: the x86_64-softmmu configure call has an argument the spec does not resolve: \
                `$EXTRA` ($EXTRA, not set in %build); it could be or override the flag el6-default-on reads → no vote
                """),
        Rules.opaqueCommand.id: Detail(
            eras: .every,
            reads: """
                Every command of the evaluated %build (and of a helper script it runs) that could run configure unseen: \
                eval, sh -c or a shell reading a here-document, source, xargs, find -exec, a trap string, a program the \
                text does not name; and the limits the text is followed to (depth, loop rounds, value sizes). Also the \
                files commands write: one that may rewrite the helper script after it was copied from its Source, or \
                configure by name, before the call (sed -i, perl -pi, patch, > FILE, tee, cp/mv/install over it, tar -x), \
                or that writes configure's outputs (config-host.mak, config-target.mak …) or overrides a gate on the make \
                line (make CONFIG_LIVE_BLOCK_OPS=) after it.
                """,
            concludes: """
                The configure calls found may not be all that run → no vote, the command and its line named. A version \
                fact of the era still speaks.
                """,
            example: """
                qemu-kvm.spec:1712: %build runs `eval "$CONFIGURE"`, which runs a command string the text does not follow: \
                the configure calls seen may not be all that run → no vote
                """),
        Rules.notBuiltForArch.id: Detail(
            eras: .every,
            reads:
                "The spec's ExclusiveArch and ExcludeArch tags, against the arch the spec is evaluated for (--target, else the host).",
            concludes:
                "The arch is left out or excluded: rpmbuild would refuse to build it there → no vote for that arch.",
            example: """
                qemu-kvm.spec:40: not built for ppc64: ExclusiveArch: x86_64 (rpmbuild would refuse it; --target names \
                another arch) → no vote
                """),
        Rules.sourceArches.id: Detail(
            eras: .every,
            reads: """
                A spec, or an SRPM's spec, with no binary package of its build among the inputs and no --target: the \
                spec evaluated once for each arch it builds for. Those are its ExclusiveArch arches that rpm knows, or \
                without ExclusiveArch x86_64, aarch64, ppc64le and s390x (where RHEL and the CentOS Virt SIG build \
                qemu-kvm), minus its ExcludeArch; at most 16.
                """,
            concludes: """
                A note naming the arches and what each gives. When every arch that builds the emulator gives the same \
                verdict, that arch's evidence (the host's when it is one of them) decides; an arch whose %build has no \
                emulator configure call (a qemu-img-only branch) builds nothing to disagree.
                """,
            example: """
                qemu-kvm.spec: src build evaluated for aarch64, ppc64le, s390x, x86_64 (no ExclusiveArch: the arches \
                RHEL builds for): enabled on x86_64; aarch64, ppc64le, s390x build no emulator
                """),
        Rules.archesDisagree.id: Detail(
            eras: .every,
            reads: "The verdict the spec gives for each arch of a src build (`spec-source-arches`).",
            concludes: """
                The arches disagree (enabled on one, disabled or unknown on another): the spec's votes are withdrawn, \
                so the src build is unknown unless another layer decides; a warning per arch with its verdict and the \
                evidence behind it. --target ARCH, or the binary packages, give a per-arch answer.
                """,
            example: """
                qemu-kvm.spec:22: ppc64le: disabled (el7-live-block-ops: --disable-live-block-ops in the ppc64-softmmu \
                configure call) → no vote
                """),
        Rules.ambiguousCalls.id: Detail(
            eras: .every,
            reads:
                "Every configure call that builds the emulator and can run (a branch that a condition with known words rules out does not).",
            concludes: "When they conclude differently → no vote; each call, its line and its conclusion are listed.",
            example: """
                qemu-kvm.spec:1700: 2 configure calls build the emulator and disagree: the x86_64-softmmu configure call \
                (line 1700): disabled; the x86_64-softmmu configure call (line 1720): enabled → no vote
                """),
        Rules.refusedExpansion.id: Detail(
            eras: .every,
            reads: "Every %(...) shell and %{lua:...} expansion of the spec, refused before rpm parses it.",
            concludes: """
                A note with its line. The expansion becomes a marker that rpm carries into every macro that uses it \
                (empty where a marker would break the parse); a marker or an emptied value on the deciding path makes \
                the spec say nothing.
                """,
            example:
                "qemu-kvm.spec:12: shell expansion %(echo $RPM_OPT_FLAGS) not executed (its value is unknown wherever it is used)"
        ),
        Rules.specEvaluationMode.id: Detail(
            eras: .every,
            reads: "How the spec was parsed.",
            concludes: """
                A note: in a confined worker process (the default: no programs, sockets or file writes; rpm's Lua locked \
                down) or in-process with full rpm semantics (--trust-spec).
                """,
            example:
                "qemu-kvm.spec: parsed in a sandboxed worker process (seccomp: no programs, sockets or file writes; rpm Lua locked down)"
        ),
        Rules.defineOverridden.id: Detail(
            eras: .every,
            reads:
                "Each --define given to snapcheck, against the spec's own %define and %global of that name in a branch rpm took.",
            concludes: """
                The spec's definition replaced the one given (rpm lets the spec win), and the spec was evaluated with \
                the spec's value: a warning naming both lines, so the flag is not read as ignored. No vote.
                """,
            example: """
                qemu-kvm.spec:9: --define 'rhev 1' is overridden by the spec's %define rhev 0 (line 9): rpm lets the \
                spec's own definition win; use --with/--without for a %bcond, or change the spec
                """),
        Rules.unknownEra.id: Detail(
            eras: .noEra,
            reads: "The name, epoch, version and release of the spec's source package.",
            concludes: "No era describes them and the emulator's configure call spells no flag → no vote.",
            example: "qemu-kvm.spec:1: qemu-kvm 2.0.0-1.el7: no known era → no vote"),

        // Header layer
        Rules.headerStock.id: Detail(
            eras: .switched,
            reads: "A package's name (a binary package's source package name), Provides and Conflicts.",
            concludes: """
                A stock qemu-kvm name (typically Provides qemu-kvm-rhel, Conflicts qemu-kvm-rhev) suggests disabled: \
                a prior, never a vote. \(priorScope)
                """,
            example:
                "qemu-kvm-1.5.3-175.el7.x86_64.rpm: qemu-kvm 10:1.5.3-175.el7: Provides qemu-kvm-rhel, Conflicts qemu-kvm-rhev (prior: disabled)"
        ),
        Rules.headerRHEV.id: Detail(
            eras: .switched,
            reads: "A package's name (subpackages too: qemu-img-ev, qemu-kvm-common-rhev) and Provides.",
            concludes: """
                A -rhev or -ev name, or Provides qemu-kvm-rhev, suggests enabled: a prior, never a vote; a build with \
                only its name to go on is unknown. \(priorScope)
                """,
            example:
                "qemu-kvm-ev-2.12.0-44.1.el7_8.1.src.rpm: qemu-kvm-ev 10:2.12.0-44.1.el7_8.1: name ends in -ev (prior: enabled)"
        ),
        Rules.headerMA.id: Detail(
            eras: .switched,
            reads: "A package's name.",
            concludes: "A -ma name suggests disabled: a prior, never a vote. \(priorScope)",
            example:
                "qemu-kvm-ma-2.12.0-44.el7_8.src.rpm: qemu-kvm-ma 10:2.12.0-44.el7_8: name ends in -ma (prior: disabled)"
        ),
        Rules.versionFact.id: Detail(
            eras: EraScope([.el6, .el7, .ev23, .el8, .upstream]),
            reads: "The name, epoch, version and release of a package (binary, source, or installed).",
            concludes: """
                Where a fact holds for every build of them: EL8+ and upstream from \(Era.firstVersionWithFeature), \
                rhev/ev 2.3 to 2.9, EL7 1.5.3 before release \(Era.el7FirstReleaseWithOption) → enabled; upstream before \
                \(Era.firstVersionWithFeature), EL6 before release \(Era.el6FirstReleaseWithCommand) → absent; EL6 from \
                \(Era.el6DeletedReleases.from) up to, not including, \(Era.el6DeletedReleases.before) → disabled. It votes \
                only when no evidence layer (spec, executable, runtime) does; a fact the evidence contradicts is shown \
                as a warning.
                """,
            example: """
                qemu-kvm-4.2.0-29.el8.x86_64.rpm: qemu-kvm 15:4.2.0-29.el8: el8+ never gates the commands, version 4.2.0 \
                is \(Era.firstVersionWithFeature) or later → enabled
                """),
        Rules.headerUnfamiliar.id: Detail(
            eras: .noEra,
            reads: "A package header whose name, epoch, version and release match no era.",
            concludes: "Nothing → no vote.",
            example: "qemu-kvm-2.0.0-1.el7.x86_64.rpm: qemu-kvm 2.0.0-1.el7: no known era"),
        Rules.nameContradicts.id: Detail(
            eras: .switched,
            reads:
                "The priors of a build's packages (header-stock-name, header-rhev-name, header-ma-name) and the verdict its evidence decided.",
            concludes: """
                A name that suggests another verdict than the deciding evidence shows (enabled or disabled) → one \
                warning per build, naming the first such package and how many more, in every report. It never votes \
                and never makes a build inconsistent: it is the regression a SIG watches for.
                """,
            example: """
                qemu-kvm-rhev-1.5.3-183.el7.src.rpm: qemu-kvm-rhev 10:1.5.3-183.el7: name ends in -rhev (and 4 more \
                packages) suggests enabled (header-rhev-name), but the executable evidence shows disabled
                """),

        // Executable layer
        Rules.exeQMPNames.id: Detail(
            eras: EraScope([.el6, .el7]),
            reads: """
                \(emulatorFiles), scanned for exact NUL-delimited names: blockdev-snapshot-sync, transaction, \
                drive-mirror, block-commit, their __com.redhat_ forms, and HMP snapshot_blkdev.
                """,
            concludes: """
                The gated QMP names exist only in enabled builds: blockdev-snapshot-sync present → enabled; missing → \
                disabled (absent for EL6 before release \(Era.el6FirstReleaseWithCommand)).
                """,
            example: """
                qemu-kvm-rhev-1.5.3-175.el7.x86_64.rpm:/usr/libexec/qemu-kvm: NUL-delimited QMP names: found \
                blockdev-snapshot-sync, transaction, drive-mirror, block-commit; missing __com.redhat_drive-mirror, \
                __com.redhat_block-commit; HMP snapshot_blkdev found → enabled
                """),
        Rules.exeHMPNames.id: Detail(
            eras: EraScope([.ev210]),
            reads: """
                \(emulatorFiles), scanned for the HMP names snapshot_blkdev, drive_mirror, drive_backup and \
                block_job_cancel (and QMP blockdev-snapshot-sync, recorded).
                """,
            concludes:
                "The QMP names stay in disabled 2.9+ builds; HMP snapshot_blkdev present → enabled, missing → disabled.",
            example: """
                qemu-kvm-ma-2.12.0-44.el7_8.x86_64.rpm:/usr/libexec/qemu-kvm: HMP names: missing snapshot_blkdev, \
                drive_mirror, drive_backup, block_job_cancel (QMP blockdev-snapshot-sync present, as in every 2.9+ \
                build) → disabled
                """),
        Rules.exeNotGated.id: Detail(
            eras: EraScope([.rhev212, .ev23, .el8, .upstream], withoutEra: true),
            reads: "\(emulatorFiles), scanned for blockdev-snapshot-sync, transaction and snapshot_blkdev.",
            concludes: """
                These builds have no known gate signature in the executable (no switch at all, rhev 2.1.2's QMP names \
                are not gated, or no era): the names are recorded → no vote.
                """,
            example: """
                qemu-kvm-ev-2.6.0-28.el7_3.9.1.x86_64.rpm:/usr/libexec/qemu-kvm: command names: found \
                blockdev-snapshot-sync, transaction, snapshot_blkdev
                """),
        Rules.exeNotELF.id: Detail(
            eras: .every,
            reads: "The first bytes of an emulator path in the payload.",
            concludes: "Not an ELF executable (Fedora's qemu-kvm wrapper script): nothing to scan → no vote.",
            example: "qemu-kvm-7.2.0-1.fc38.x86_64.rpm:/usr/bin/qemu-kvm: /usr/bin/qemu-kvm is not an ELF executable"),
        Rules.exeMissing.id: Detail(
            eras: .every,
            reads:
                "An emulator path the header lists, and the payload's content for it (a hard link gets its set's content; a symbolic link is followed inside the package).",
            concludes:
                "The payload holds no bytes for it (a %ghost, a link to a file outside the package): a note → no vote.",
            example: """
                qemu-kvm-rhev-1.5.3-175.el7.x86_64.rpm:/usr/libexec/qemu-kvm: /usr/libexec/qemu-kvm is listed in the \
                header but the payload holds no content for it
                """),
        Rules.exeNoPackage.id: Detail(
            eras: .noEra,
            reads:
                "An ELF file given as an input (snapcheck /usr/libexec/qemu-kvm), scanned like an emulator in a payload and never run.",
            concludes: """
                It has no package, so no era, and only what holds in every era decides: blockdev-snapshot-sync and HMP \
                snapshot_blkdev both NUL-delimited → enabled (no disabled build of any era has both); anything else → no \
                vote. Alone it is enabled or unknown, never disabled: audit its package (or --installed) for the era.
                """,
            example: """
                /usr/libexec/qemu-kvm: QMP blockdev-snapshot-sync found, HMP snapshot_blkdev found: no disabled build \
                of any era has both → enabled
                """),
        Rules.exeVersionString.id: Detail(
            eras: .noEra,
            reads: "The --version banner compiled into an executable given as an input.",
            concludes: """
                A note. Its package string (--with-pkgversion) is free text (EL7 1.5.3 rhev builds say \
                qemu-kvm-1.5.3-...), so it never joins the executable to a package's build.
                """,
            example:
                "/usr/libexec/qemu-kvm: version string: QEMU emulator version 2.12.0 (qemu-kvm-ev-2.12.0-44.1.el7_8.1)"),

        // Runtime layer
        Rules.qmpQueryCommands.id: Detail(
            eras: .every,
            reads: "The query-commands reply of each session of a QMP capture or probe.",
            concludes: """
                blockdev-snapshot-sync listed → enabled; not listed → disabled. It decides whatever the build, \
                identified or not: it is what the running binary registered.
                """,
            example: "capture.jsonl:3: query-commands lists 216 commands; blockdev-snapshot-sync listed → enabled"),
        Rules.qmpCommandNotFound.id: Detail(
            eras: .every,
            reads: "The reply to a blockdev-snapshot-sync request.",
            concludes: "Error class CommandNotFound → disabled.",
            example: "capture.jsonl:9: blockdev-snapshot-sync answered CommandNotFound → disabled"),
        Rules.qmpTransactionAlone.id: Detail(
            eras: .every,
            reads: "A query-commands reply that lists transaction without blockdev-snapshot-sync.",
            concludes: """
                A note: disabled 2.9+ builds keep transaction registered (a transaction with a blockdev-snapshot-sync \
                action still works there), so it proves nothing.
                """,
            example: "capture.jsonl:3: transaction is listed without blockdev-snapshot-sync"),
        Rules.qmpSchemaOnly.id: Detail(
            eras: .every,
            reads: "A session with query-qmp-schema and no query-commands.",
            concludes: """
                The schema lists commands a gated build unregistered (a disabled 2.9+ build's schema is byte-identical \
                to an enabled one's): for a build not identified as never gated → no vote, and a note says why.
                """,
            example: """
                caps.replies:212: only query-qmp-schema, which lists unregistered commands too: blockdev-snapshot-sync in \
                the schema; nothing is decided: the package string is empty (a build from source, configured any way)
                """),
        Rules.qmpNeverGatedBuild.id: Detail(
            eras: .every,
            reads: "query-qmp-schema, with query-version's version and package string.",
            concludes: """
                A build identified as never gated (an upstream git describe string that matches the version numbers, \
                such as v5.0.0 for 5.0.0, or an EL8+/Fedora NVR of the same version) whose schema lists \
                blockdev-snapshot-sync → enabled, an era fact.
                """,
            example: """
                caps.replies:212: upstream QEMU 5.0.0 (package v5.0.0): never gated, blockdev-snapshot-sync exists from \
                QEMU \(Era.firstVersionWithFeature); query-qmp-schema lists it → enabled
                """),
        Rules.qmpVersion.id: Detail(
            eras: .every,
            reads: "The query-version reply (else the greeting): version and package string.",
            concludes: """
                A note. A package string that is a QEMU NVR joins the capture to that build; sessions that report \
                different versions leave it unidentified.
                """,
            example: "capture.jsonl:4: QEMU 2.12.0, package qemu-kvm-ev-2.12.0-44.1.el7_8.1"),
        Rules.qmpHMPHelp.id: Detail(
            eras: .every,
            reads: "An HMP help listing in the capture.",
            concludes: "A note whether it lists snapshot_blkdev; it agrees with query-commands and decides nothing.",
            example: "capture.jsonl:5: HMP help lists snapshot_blkdev"),
        Rules.qmpTarget.id: Detail(
            eras: .every,
            reads: "The query-target reply: the emulator's target arch.",
            concludes: """
                A note. The capture joins only builds of the matching RPM arches (ppc64: ppc64 and ppc64le; i386: i686, \
                i586 and i386); without the answer, or with sessions that differ, every arch of its build.
                """,
            example:
                "capture.jsonl: no query-target answer: the emulator's arch is not known; the capture joins every arch of its build"
        ),
        Rules.qmpSessions.id: Detail(
            eras: .every,
            reads: """
                The QMP sessions of one capture (a greeting, a second qmp_capabilities, or a reply id that restarts \
                begins a new one: libvirt probes with KVM, then with TCG).
                """,
            concludes: """
                Each session gives its own evidence; a session that decides nothing, and sessions that disagree (which \
                makes the build inconsistent), get a note.
                """,
            example: "caps.replies:1: the sessions disagree: session 1 (line 1) enabled, session 2 (line 4012) disabled"
        ),
        Rules.qmpUnpairedReply.id: Detail(
            eras: .every,
            reads:
                "In a capture with requests, the replies that pair with no request of their session (same id, in order).",
            concludes: "They decide nothing; counted in a note.",
            example:
                "capture.jsonl:12: 1 reply pairs with no request of the session (first at line 12); it decides nothing"),

        // Only in SARIF reports
        SARIFRenderer.inputErrorRule.id: Detail(
            eras: .every,
            reads:
                "An input that could not be audited: missing, unreadable, corrupt, or named on the command line but not a QEMU build.",
            concludes:
                "A SARIF result of level error at the input; every format also says so in one line on stderr, and the exit status is 2.",
            example: """
                corrupt/truncated-payload.rpm: payload ended after 8916 of 16192 bytes of /usr/libexec/qemu-kvm (the file \
                is shorter than its signature header declares)
                """),
        SARIFRenderer.noEvidenceRule.id: Detail(
            eras: .every,
            reads: "A build for which no rule recorded any evidence.",
            concludes: "The build's SARIF result, with no location: nothing is concluded (unknown).",
            example: "qemu-kvm-ev-2.12.0-44.1.el7_8.1 x86_64: unknown: no evidence decides, expected enabled."),
        SARIFRenderer.vanishedRule.id: Detail(
            eras: .every,
            reads:
                "The baseline given with --baseline: each of its builds, by name and arch, against the builds of this run.",
            concludes: """
                A build of the baseline with no build of its name and arch in this run (an arch that stopped being \
                built): a SARIF result of level error, and the run fails unless the policy's vanished switch is off.
                """,
            example: "qemu-kvm-ev ppc64le: in the baseline (2.12.0-44.1.el7_8.1, enabled) but not in this run"),
    ]
}
