internal import RPM

/// Reads an evaluated spec file (facts: "Spec (intent)").
///
/// librpmbuild gives the expanded `%build` section without line numbers. The
/// configure calls in it are followed as the shell would run them; the deciding
/// flag is then found again in the original text, in a branch rpm took, and the
/// macro definitions and conditions that produced it are followed back so the
/// evidence names real lines. Every conclusion drawn from the *absence* of a flag
/// needs every argument of the call resolved; an argument the spec does not
/// resolve, or an expansion that was not run on the deciding path, makes the
/// spec say nothing.
struct SpecRules {
    /// Macros an EL or Fedora host's rpm configuration defines about the host
    /// itself (`/usr/lib/rpm/macros.d/macros.dist`): removed before every parse,
    /// so a spec's `%{?dist}`, `0%{?rhel}` and `%{?fedora}` mean the same on any
    /// machine (a Release of `44%{?dist}` is `44`, never `44.el9` because the
    /// audit ran on EL9). `--define 'dist .el7'` evaluates as a builder would.
    static let hostDistributionMacros: [String] =
        [
            "dist", "distcore", "rhel", "centos", "centos_ver", "fedora", "eln",
            "almalinux", "rocky", "ol", "flatpak", "dist_vendor", "dist_name",
        ]
        + (5...12).map { "el\($0)" } + (10...50).map { "fc\($0)" }

    /// Macros the auditing machine's rpm configuration or environment gives a
    /// value a builder's would not share (Debian's `%{_vendor}` is `debian`).
    static let hostConfigurationMacros = [
        "_vendor", "_host", "_host_os", "_host_vendor", "_host_cpu", "_topdir",
        "_smp_build_ncpus", "_smp_mflags", "_buildhost",
        // Paths under the auditing user's home (the worker's is /nonexistent), not the builder's.
        "_dbpath", "_keyringpath", "_builddir", "_specdir", "_rpmdir", "_srcrpmdir", "_buildrootdir", "_sourcedir",
    ]

    /// rpm's built-in macros that read the auditing host (its environment, its
    /// files, its CPUs), not the builder's: a value derived from one is the host's.
    static let hostBuiltins = ["getenv", "exists", "getncpus"]

    /// The macros a condition may not decide on: the host's, unless the caller
    /// gave one with `--define` (then its value is the caller's evidence).
    static func hostMacros(defines: [MacroDefinition]) -> [String] {
        let given = Set(defines.map(\.name))
        return (hostDistributionMacros + hostConfigurationMacros).filter { !given.contains($0) }
    }

    /// Macros read back right after the parse, before rpm's state is reset.
    static let macrosToRead = ["rhev", "have_live_block_ops", "pkgsuffix", "disable_rhev_features_arg"]

    /// The macros to read back after a parse: those rules read, and every `--define` (to see which the spec overrode).
    static func macrosToRead(defines: [MacroDefinition]) -> [String] {
        macrosToRead + defines.map(\.name).filter { !macrosToRead.contains($0) }
    }

    /// Expressions expanded right after the parse: bconds, and every condition's value.
    static func expressions(for source: SpecSource) -> [String] {
        ["%{with rhev_features}"] + SpecBranches.queries(for: source)
    }

    let parsed: ParsedSpec
    let source: SpecSource
    /// The spec file as the report names it (`x.spec`, or `pkg.src.rpm:x.spec`).
    let path: String
    /// Helper scripts by file name, from next to the spec, `SOURCES/` or the SRPM payload.
    let helpers: [String: (path: String, text: String)]
    /// Expansions refused before rpm saw the text.
    let refused: [RefusedExpansion]
    /// What the caller passed with --with / --without.
    let options: SpecOptions
    /// The configure commands of the original text, found once.
    private let regions: [SpecRegion]
    /// Which branches rpm took in this parse.
    private let branches: SpecBranches
    /// Macros whose value came from an expansion replaced by `%{nil}` (directly or through other macros).
    private let emptiedMacros: Set<String>
    /// Conditions whose value in this parse is not the one a real build gets, by line, with why.
    private let taintedConditions: [Int: String]
    /// Macros whose value in this parse may not be a real build's: the host's, those
    /// defined in a tainted condition's branches, emptied ones, and those using any of them.
    private let taintedMacros: [String: String]
    /// A line in a tainted condition's branches that can define macros unseen (why), if any.
    private let opaqueTaintedDefiner: String?

    init(
        parsed: ParsedSpec, source: SpecSource, path: String, helpers: [String: (path: String, text: String)],
        refused: [RefusedExpansion], options: SpecOptions, hostMacros: [String] = []
    ) {
        self.parsed = parsed
        self.source = source
        self.path = path
        self.helpers = helpers
        self.refused = refused
        self.options = options
        self.regions = source.configureRegions()
        self.branches = SpecBranches(source: source, expansions: parsed.expansions)
        self.emptiedMacros = source.macros(dependingOnLines: Set(refused.filter { $0.marker == nil }.map(\.line)))
        (taintedConditions, taintedMacros, opaqueTaintedDefiner) = Self.taint(
            source: source, branches: branches, refused: refused,
            hostMacros: hostMacros, emptied: emptiedMacros)
    }

    /// What in this parse may differ from a real build's: conditions that read a
    /// refused expansion's marker or a host macro where rpm evaluated them, or a
    /// macro derived from the host's (textually); the macros defined in their
    /// branches (a real build may take the other one); everything using those.
    private static func taint(
        source: SpecSource, branches: SpecBranches, refused: [RefusedExpansion], hostMacros: [String],
        emptied: Set<String>
    ) -> (conditions: [Int: String], macros: [String: String], opaque: String?) {
        var conditions: [Int: String] = [:]
        for (line, markers) in branches.refusedMarkers {
            let named = markers.compactMap { n in refused.first { $0.marker == RefusedExpansion.marker(n) } }
                .map { "\($0.text) (line \($0.line))" }
            conditions[line] =
                "reads the value of \(named.isEmpty ? "an expansion" : named.joined(separator: ", ")), which was not run"
        }
        let hostDerived = source.macros(dependingOnNames: Set(hostMacros + hostBuiltins))
        for condition in source.allConditions where conditions[condition.line] == nil && !condition.isArchCondition {
            var names = branches.hostMacros[condition.line] ?? []
            names += condition.macroNames.filter(hostDerived.contains).filter { !names.contains($0) }
            for builtin in hostBuiltins
            where !names.contains(builtin) && SpecSource.uses([builtin], in: Substring(condition.expression)) {
                names.append(builtin)
            }
            guard !names.isEmpty else { continue }
            conditions[condition.line] =
                "reads \(names.map { "%{\($0)}" }.joined(separator: ", ")), which the auditing host sets (or snapcheck leaves undefined), not the builder; --define gives a builder's value"
        }
        var macros: [String: String] = [:]
        for name in hostDerived { macros[name] = "which comes from the auditing host, not the builder" }
        for name in emptied { macros[name] = macros[name] ?? "which depends on an expansion that was not run" }
        guard !conditions.isEmpty else { return (conditions, macros, nil) }
        func tainting(_ line: Int) -> Int? {
            source.enclosingConditions(ofLine: line).first { conditions[$0.line] != nil }?.line
        }
        var opaque: String?
        let parametric = Set(
            source.allDefinitions().filter {
                $0.value.hasPrefix("(") || source.lines[$0.line - 1].contains("\($0.name)(")
            }.map(\.name))
        var defined: [String: String] = [:]
        for site in source.allDefinitions() {
            if let line = tainting(site.line) {
                defined[site.name] =
                    "which is defined in a branch of the condition at line \(line), which \(conditions[line]!)"
            }
        }
        let sites = Set(source.allDefinitions().map(\.line))
        for (index, text) in source.lines.enumerated() where SpecSource.contains(text, "%") {
            guard let line = tainting(index + 1), !sites.contains(index + 1) else { continue }
            let trimmed = text.drop { $0 == " " || $0 == "\t" }
            let calls =
                trimmed.hasPrefix("%")
                && parametric.contains(
                    String(trimmed.dropFirst().drop { $0 == "{" }.prefix { $0.isLetter || $0.isNumber || $0 == "_" }))
            if SpecSource.mayDefineMacros(text) || calls {
                opaque =
                    opaque
                    ?? "line \(index + 1), in a branch of the condition at line \(line) (which \(conditions[line]!)), can define macros"
            }
        }
        for name in source.macros(dependingOnNames: Set(defined.keys)) where macros[name] == nil {
            macros[name] =
                defined[name] ?? "which uses a macro defined in a branch of a condition whose value is not known"
        }
        return (conditions, macros, opaque)
    }

    /// The era; none when the name or version was computed by an expansion that was not run.
    var era: Era? {
        let p = parsed.sourcePackage
        guard ![p.name, p.version].contains(where: { $0.contains(RefusedExpansion.markerPrefix) }) else { return nil }
        return Era.detect(name: p.name, epoch: p.epoch, version: p.version, release: p.release)
    }

    /// A fact of the version, none when a value it reads is not known.
    private var versionFact: VersionFact? {
        let p = parsed.sourcePackage
        guard !RefusedExpansion.holdsMarker(p) else { return nil }
        return era?.versionFact(version: p.version, release: p.release)
    }

    /// The source package as the spec spells what was not run (never a marker).
    private var shown: PackageHeader { RefusedExpansion.restored(parsed.sourcePackage, refused) }

    func evaluate() -> [Evidence] {
        var evidence = refused.map {
            Evidence(
                Rules.refusedExpansion, source: path, line: $0.line,
                observed: "\($0.kind == .lua ? "Lua" : "shell") expansion \($0.text) not executed"
                    + ($0.marker == nil ? " (evaluated as empty)" : " (its value is unknown wherever it is used)"),
                supports: nil)
        }
        let notRead = source.textNotRead()
        // Text rpm takes from where snapcheck does not read could set anything: the spec votes for nothing.
        evidence += taintChecked(decide()).filter { notRead.isEmpty || $0.supports == nil }
        evidence += notRead.map {
            Evidence(
                Rules.refusedExpansion, source: path, line: $0.line,
                observed:
                    "\($0.what): rpm takes text snapcheck does not read, where code it never saw may run; the spec decides nothing",
                supports: nil)
        }
        evidence += overriddenDefines()
        return evidence.map {
            var e = $0
            e.observed = SpecBytes.shown(e.observed)
            return e
        }
    }

    /// A `--define` the spec's own `%define`/`%global` replaced, as rpm lets
    /// it (facts: "Spec (intent)"): the value rpm ended with is not the one
    /// given, and a definition of that name sits in a branch rpm took. Named
    /// with both lines, so it is not read as snapcheck ignoring the flag.
    private func overriddenDefines() -> [Evidence] {
        options.defines.compactMap { define in
            guard let value = parsed.macros[define.name], value != define.value,
                let site = source.definitions(of: define.name).last(where: {
                    ($0.kind == .define || $0.kind == .global) && branches.isTaken(line: $0.line, in: source) == true
                })
            else { return nil }
            return Evidence(
                Rules.defineOverridden, source: path, line: site.line,
                observed:
                    "--define '\(define.name) \(define.value)' is overridden by the spec's %\(site.kind.rawValue) \(define.name) \(site.value) (line \(site.line)): rpm lets the spec's own definition win; use --with/--without for a %bcond, or change the spec",
                supports: nil)
        }
    }

    // MARK: Deciding

    private var who: String {
        let p = shown
        return "\(p.name) \(p.evr)"
    }

    /// The deciding evidence and its chain.
    private func decide() -> [Evidence] {
        let p = parsed.sourcePackage
        let arch = options.targetArch ?? Auditor.hostArch
        if (!p.exclusiveArch.isEmpty && !p.exclusiveArch.contains(arch)) || p.excludeArch.contains(arch) {
            let tag =
                p.excludeArch.contains(arch)
                ? "ExcludeArch: \(p.excludeArch.joined(separator: " "))"
                : "ExclusiveArch: \(p.exclusiveArch.joined(separator: " "))"
            return [
                Evidence(
                    Rules.notBuiltForArch, source: path, line: source.line(ofTag: tag.prefix { $0 != ":" }.description),
                    observed: "not built for \(arch): \(tag) (rpmbuild would refuse it; --target names another arch)",
                    supports: nil)
            ]
        }
        let analysis = ShellRun.analyze(parsed.build ?? "")
        let calls = analysis.calls
        let candidates = ConfigureCalls.emulatorCalls(in: calls)
        let fact = versionFact
        if let gap = analysis.gap {
            // The calls seen may not be all that run: only a fact of the version still stands.
            if let era, let fact, fact != .beforeOption { return factEvidence(fact, era: era) }
            return [
                Evidence(
                    Rules.opaqueCommand, source: path, line: candidates.first.flatMap(regionStart(of:)),
                    observed: "%build \(gap): the configure calls seen may not be all that run", supports: nil)
            ]
        }

        if candidates.isEmpty {
            if let era, let fact { return factEvidence(fact, era: era) }
            guard era != nil else { return [unknownEra] }
            return [
                Evidence(
                    Rules.noEmulatorCall, source: path,
                    observed:
                        "\(calls.count) configure call(s) in %build, none builds the system emulator (target \(options.targetArch ?? "host"))",
                    supports: nil)
            ]
        }
        // What the calls say holds only for the script and the configure outputs they read.
        let prep = ShellRun.analyze(parsed.prep ?? "")
        for call in candidates {
            let edit =
                (call.isHelperScript ? nil : ShellAnalysis.configureEdit(before: call, prep: prep, build: analysis))
                .map {
                    "runs \($0.described) before \(describe(call)): the configure that runs may not be the one the call names"
                }
                ?? analysis.outputEdit(after: call)
                .map {
                    "runs \($0.described) after \(describe(call)): it may change what configure set up for the build"
                }
            guard let edit else { continue }
            if let era, let fact, fact != .beforeOption { return factEvidence(fact, era: era) }
            return [
                Evidence(
                    Rules.opaqueCommand, source: path, line: regionStart(of: call), observed: "%build \(edit)",
                    supports: nil)
            ]
        }
        let outcomes = candidates.map { decide(call: $0, fact: fact) }
        let verdicts = Set(outcomes.map { $0.first?.supports })
        guard verdicts.count == 1 else {
            let listed = zip(candidates, outcomes).map { call, outcome in
                "\(describe(call)) (line \(regionStart(of: call).map(String.init) ?? "?")): \(outcome.first?.supports?.rawValue ?? "nothing")"
            }
            return [
                Evidence(
                    Rules.ambiguousCalls, source: path, line: candidates.first.flatMap(regionStart(of:)),
                    observed:
                        "\(candidates.count) configure calls build the emulator and disagree: \(listed.joined(separator: "; "))",
                    supports: nil)
            ]
        }
        return outcomes[0]
    }

    /// What one emulator configure call says, in this spec's era.
    private func decide(call: ConfigureCall, fact: VersionFact?) -> [Evidence] {
        let description = describe(call)
        guard let era else {
            // No era: only an explicit flag speaks.
            if let explicit = switchEvidence(call, switches: ConfigureSwitch.allSwitches, rule: Rules.explicitSwitch) {
                return explicit
            }
            return [unknownEra]
        }
        if let explicit = switchEvidence(call, switches: era.switches, rule: switchRule(era)) { return explicit }
        // A helper script: what it passes to configure decides, in every era.
        if call.isHelperScript, era != .el6 {
            let followed = positional(call)
            if followed.contains(where: { $0.supports != nil }) || fact == nil { return followed }
        }
        if let fact, fact != .beforeOption { return factEvidence(fact, era: era) }
        let unresolved = hiddenSwitches(in: call, era: era)
        switch era {
        case .el6
        where era.defaultsOn(release: parsed.sourcePackage.release)
            && !RefusedExpansion.holdsMarker(parsed.sourcePackage):
            if let blocker = unresolved.first {
                return [unresolvedEvidence(blocker, call: call, rule: Rules.el6DefaultOn)]
            }
            return [
                Evidence(
                    Rules.el6DefaultOn, source: path, line: regionStart(of: call),
                    observed:
                        "no disable flag in \(description), every argument resolved; release \(parsed.sourcePackage.release) defaults to on",
                    supports: .enabled)
            ]
                + emptiedCarriers(
                    of: ConfigureSwitch.rhevFeatures.flags + ConfigureSwitch.liveSnapshots.flags, in: call,
                    rule: Rules.el6DefaultOn)
        case .el6:
            return [
                Evidence(
                    Rules.el6Undetermined, source: path, line: source.line(ofTag: "Release"),
                    observed: RefusedExpansion.holdsMarker(parsed.sourcePackage)
                        ? "no flag and release \(shown.release) is not known: it comes from an expansion that was not run"
                        : "no flag and release \(shown.release) is in \(Era.el6FirstReleaseWithCommand)-2.196",
                    supports: nil)
            ]
        case .el7 where fact == .beforeOption:
            if let blocker = unresolved.first {
                return [unresolvedEvidence(blocker, call: call, rule: Rules.el7BeforeOption)]
            }
            return [
                Evidence(
                    Rules.el7BeforeOption, source: path, line: regionStart(of: call),
                    observed:
                        "no live-block-ops option in \(description); release \(parsed.sourcePackage.release) is before \(Era.el7FirstReleaseWithOption)",
                    supports: .enabled)
            ]
        default:
            return [
                Evidence(
                    Rules.el7MissingOption, source: path, line: regionStart(of: call),
                    observed: "no live-block-ops option in \(description)", supports: nil)
            ]
        }
    }

    private var unknownEra: Evidence {
        Evidence(
            Rules.unknownEra, source: path, line: source.line(ofTag: "Name"), observed: "\(who): no known era",
            supports: nil)
    }

    /// The rule an explicit flag decides under in this era.
    private func switchRule(_ era: Era) -> Rule {
        switch era {
        case .el6: Rules.el6DisableFlag
        case .el7, .rhev212, .ev210: Rules.el7LiveBlockOps
        case .ev23, .el8, .upstream: Rules.explicitSwitch
        }
    }

    /// A fact of the version, cited at the tag that gives it.
    private func factEvidence(_ fact: VersionFact, era: Era) -> [Evidence] {
        let p = parsed.sourcePackage
        switch fact {
        case .noSwitch where era == .ev23:
            return [
                Evidence(
                    Rules.evNoOption, source: path, line: source.line(ofTag: "Version"),
                    observed: "\(who): rhev/ev \(p.version) has no live-block-ops option", supports: .enabled)
            ]
        case .noSwitch:
            return [
                Evidence(
                    Rules.upstreamSince014, source: path, line: source.line(ofTag: "Version"),
                    observed: "\(who) (\(era.rawValue)): version \(p.version)", supports: .enabled)
            ]
        case .predatesFeature where era == .el6:
            return [
                Evidence(
                    Rules.el6PreCommand, source: path, line: source.line(ofTag: "Release"),
                    observed: "release \(p.release) is before \(Era.el6FirstReleaseWithCommand)", supports: .absent)
            ]
        case .predatesFeature:
            return [
                Evidence(
                    Rules.upstreamBefore014, source: path, line: source.line(ofTag: "Version"),
                    observed: "\(who) (\(era.rawValue)): version \(p.version)", supports: .absent)
            ]
        case .commandsDeleted:
            return [
                Evidence(
                    Rules.el6Deleted, source: path, line: source.line(ofTag: "Release"),
                    observed: "release \(p.release) is in \(Era.el6DeletedReleases.from)-2.221", supports: .disabled)
            ]
        case .beforeOption:
            return [
                Evidence(
                    Rules.el7BeforeOption, source: path, line: source.line(ofTag: "Release"),
                    observed:
                        "release \(p.release) is before \(Era.el7FirstReleaseWithOption); no emulator configure call to read",
                    supports: .enabled)
            ]
        }
    }

    // MARK: Flags

    /// The evidence of an explicit flag of `switches` in the call, or nil when it spells none.
    /// A disabling flag of any switch wins; an unknown argument after the last
    /// flag could override it, so then nothing is concluded.
    private func switchEvidence(_ call: ConfigureCall, switches: [ConfigureSwitch], rule: Rule) -> [Evidence]? {
        let readings = switches.map { (option: $0, reading: call.reading(of: $0.flags)) }.filter {
            $0.reading.flag != nil
        }
        guard !readings.isEmpty else { return nil }
        let chosen = readings.first { $0.reading.flag == $0.option.disabling } ?? readings[0]
        let flag = chosen.reading.flag!
        if let blocker = chosen.reading.hidden.first {
            return [unresolvedEvidence(blocker, call: call, rule: rule, after: flag)]
        }
        let verdict: Verdict = flag == chosen.option.disabling ? .disabled : .enabled
        return chain(for: flag, rule: rule, observed: "\(flag) in \(describe(call))", supports: verdict, call: call)
    }

    /// Unknown arguments of the call that could be a flag of any switch.
    private func hiddenSwitches(in call: ConfigureCall, era: Era) -> [ShellArgument] {
        call.arguments.filter { ConfigureCall.mayStandFor(ConfigureSwitch.allFlags, $0) }
    }

    private func unresolvedEvidence(
        _ argument: ShellArgument, call: ConfigureCall, rule: Rule, after flag: String? = nil
    ) -> Evidence {
        let place = flag.map { "after \($0) " } ?? ""
        return Evidence(
            Rules.unresolvedArgument, source: path, line: regionStart(of: call),
            observed:
                "\(describe(call)) has an argument \(place)the spec does not resolve: \(explain(argument)); it could be or override the flag \(rule.id) reads",
            supports: nil)
    }

    /// What an unknown argument is, in words.
    private func explain(_ argument: ShellArgument) -> String {
        let pieces = argument.unresolved.map { piece -> String in
            if piece.hasPrefix(RefusedExpansion.markerPrefix),
                let expansion = refused.first(where: { $0.marker.map(piece.contains) ?? false })
            {
                return "the value of \(expansion.text) at line \(expansion.line), which was not run"
            }
            if piece.hasPrefix("%") { return "\(piece), a macro rpm left undefined" }
            if piece.contains("$@") || piece.contains("$*") { return "\(piece), arguments the spec does not show" }
            if piece.hasPrefix("$(") || piece.hasPrefix("`") { return "\(piece), a command's output" }
            return "\(piece), not set in %build"
        }
        return "`\(argument.text)` (\(pieces.joined(separator: "; ")))"
    }

    // MARK: 2.10-2.12: the positional word

    /// The helper-script call, followed into the script: the script the spec
    /// ships for it is run in the mind with the call's arguments as its
    /// positional parameters, and the configure call it makes decides. The word
    /// the spec passes for `have_live_block_ops` (its position counted from the
    /// script's `name=$1; shift` lines) and `%have_live_block_ops` are named, and
    /// a macro that says otherwise makes the spec contradict itself.
    private func positional(_ call: ConfigureCall) -> [Evidence] {
        let scriptName = call.programName
        guard let sourceName = helperSource(for: call) else {
            return [
                Evidence(
                    Rules.positional, source: path, line: regionStart(of: call),
                    observed:
                        "\(scriptName) is no Source of the spec, and %prep copies no Source to it: the script the build runs is not known",
                    supports: nil)
            ]
        }
        guard let helper = helpers[sourceName] else {
            return macroFallback(
                call: call, reason: "\(sourceName) not found next to the spec, in SOURCES/ or in the SRPM")
        }
        if let edit = ShellAnalysis.scriptEdit(
            before: call, copiedFrom: sourceName, prep: ShellRun.analyze(parsed.prep ?? ""),
            build: ShellRun.analyze(parsed.build ?? ""))
        {
            return [
                Evidence(
                    Rules.opaqueCommand, source: path, line: regionStart(of: call),
                    observed:
                        "\(scriptName) may be rewritten before it runs, by \(edit.described): the script that runs may not be \(sourceName) as shipped",
                    supports: nil)
            ]
        }
        let run = ShellRun.analyze(helper.text, arguments: call.arguments)
        if let gap = run.gap {
            return [
                Evidence(
                    Rules.opaqueCommand, source: helper.path, line: run.opaque.first?.line,
                    observed: "\(sourceName) \(gap): the configure call it makes may not be the one seen", supports: nil
                )
            ]
        }
        let candidates = ConfigureCalls.emulatorCalls(in: run.calls)
        if let edit = candidates.lazy.compactMap(run.outputEdit(after:)).first {
            return [
                Evidence(
                    Rules.opaqueCommand, source: helper.path, line: edit.line,
                    observed:
                        "\(sourceName) runs \(edit.described) after its configure call: it may change what configure set up for the build",
                    supports: nil)
            ]
        }
        let map = HelperScriptMap(script: helper.text)
        if let mismatch = map.wordCountMismatch(in: call.arguments) {
            return [
                Evidence(
                    Rules.positional, source: path, line: regionStart(of: call),
                    observed:
                        "\(scriptName) assigns \(map.parameterNames.count) arguments and the call passes \(call.arguments.count): \(mismatch)",
                    supports: nil)
            ]
        }
        guard !candidates.isEmpty else {
            return [
                Evidence(
                    Rules.positional, source: helper.path,
                    observed:
                        "\(sourceName), run with the call's arguments, makes no configure call that builds the emulator",
                    supports: nil)
            ]
        }
        let readings = candidates.map { $0.reading(of: ConfigureSwitch.liveBlockOps.flags) }
        if let hidden = readings.lazy.compactMap(\.hidden.first).first {
            return [
                Evidence(
                    Rules.unresolvedArgument, source: helper.path, line: candidates[0].lineInSection,
                    observed:
                        "the configure call \(sourceName) makes with the spec's arguments has an argument not resolved: \(explain(hidden))",
                    supports: nil)
            ]
        }
        let flags = Set(readings.map(\.flag))
        guard flags.count == 1, let flag = flags.first ?? nil else {
            let what = flags.count > 1 ? "configure calls that disagree" : "no live-block-ops flag"
            return [
                Evidence(
                    Rules.positional, source: helper.path, line: candidates[0].lineInSection,
                    observed: "\(sourceName), run with the call's arguments, gives configure \(what)", supports: nil)
            ]
        }
        let verdict: Verdict = flag == ConfigureSwitch.liveBlockOps.enabling ? .enabled : .disabled
        var evidence: [Evidence] = []
        // Where the flag comes from: the word the spec passes, through the script's variable…
        if let position = map.liveBlockOpsPosition, let name = map.liveBlockOpsParameter,
            position < call.arguments.count,
            "--\(call.arguments[position].text)-live-block-ops" == flag
        {
            let word = call.arguments[position].text
            evidence += wordChain(
                word: word, position: position, of: map.parameterNames.count, parameter: name, of: call,
                supports: verdict)
            evidence.append(
                Evidence(
                    Rules.positional, source: helper.path, line: map.assignmentLine(of: name),
                    observed:
                        "\(scriptName) assigns argument \(position + 1) of \(map.parameterNames.count) to \(name) and passes --${\(name)}-live-block-ops: \(flag)",
                    supports: verdict))
        } else {
            // … or spelled in the script itself, or passed through its "$@".
            let line = HelperScriptMap.lines(of: helper.text, containing: flag).last
            evidence.append(
                Evidence(
                    line == nil ? Rules.el7LiveBlockOps : Rules.positional, source: line == nil ? path : helper.path,
                    line: line ?? regionStart(of: call),
                    observed:
                        "\(flag) reaches configure through \(sourceName)\(line == nil ? ", passed by the call" : "")",
                    supports: verdict))
        }
        // The macro the word is chosen by says the same, or the spec contradicts itself.
        if let value = haveLiveBlockOpsAtBuild(call), let macro = macroVerdict(value), macro != verdict {
            evidence += macroFallback(call: call, reason: "it disagrees with what reaches configure")
        }
        return evidence
    }

    /// The Source file a helper-script call runs: the Source that `%prep` or
    /// `%build` copies to the program's name (`cp %{SOURCE24} build_configure.sh`),
    /// else the Source of that name; nil when the spec ships none.
    private func helperSource(for call: ConfigureCall) -> String? {
        let sources = Set(parsed.sourcePackage.sources)
        let name = call.programName
        for text in [parsed.prep, parsed.build].compactMap({ $0 }) {
            for command in ShellParser.parse(text).simpleCommands.reversed() {
                let words = command.words.map(\.text)
                guard let p = ShellRun.programIndex(in: words),
                    ["cp", "install", "ln"].contains(ShellLexer.basename(words[p]))
                else { continue }
                let operands = words[(p + 1)...].filter { !$0.hasPrefix("-") }
                guard operands.count >= 2, ShellLexer.basename(operands[operands.count - 1]) == name else { continue }
                let copied = String(ShellLexer.basename(operands[operands.count - 2]))
                if sources.contains(copied) { return copied }
            }
        }
        return sources.contains(name) ? name : nil
    }

    /// `%have_live_block_ops` as rpm read it when it expanded `%build`: from the
    /// condition on it around the call's words, as rpm evaluated it then (`1`
    /// when true, `0` when false); else the value after the parse,
    /// when no line after the call's first can define macros; else nil (not known).
    private func haveLiveBlockOpsAtBuild(_ call: ConfigureCall) -> String? {
        let name = "have_live_block_ops"
        guard let region = matchingRegion(for: call) else { return nil }
        for line in region.lines where taken(line) == true {
            guard
                let condition = source.enclosingConditions(ofLine: line).last(where: {
                    ["0%{\(name)}", "0%{?\(name)}", "%{\(name)}", "0%\(name)", "%\(name)"].contains($0.expression)
                }), let value = branches.values[condition.line]
            else { continue }
            return value ? "1" : "0"
        }
        let after = source.lines[region.lines.lowerBound...]
        guard !after.contains(where: { SpecSource.mayDefineMacros($0) }) else { return nil }
        return parsed.macros[name]?.trimmingWhitespace
    }

    private func macroVerdict(_ value: String) -> Verdict? {
        value == "1" ? .enabled : value == "0" ? .disabled : nil
    }

    /// `%have_live_block_ops` read after the parse: it decides only for a call
    /// that carries a word chosen by it (`%if 0%{have_live_block_ops}` around an
    /// `enable`/`disable` in the call's lines); a macro the call never reads proves nothing.
    private func macroFallback(call: ConfigureCall, reason: String) -> [Evidence] {
        let region = matchingRegion(for: call)
        let chosen =
            region.map { region in
                region.lines.contains { line in
                    (taken(line) != false)
                        && ["enable", "disable"].contains { source.lines[line - 1].trimmingWhitespace.hasPrefix($0) }
                        && source.enclosingConditions(ofLine: line).contains {
                            $0.macroNames.contains("have_live_block_ops")
                        }
                }
            } ?? false
        guard chosen else {
            return [
                Evidence(
                    Rules.positional, source: path, line: region?.lines.lowerBound,
                    observed: "\(describe(call)): \(reason), and no word of the call is chosen by %have_live_block_ops",
                    supports: nil)
            ]
        }
        guard let value = haveLiveBlockOpsAtBuild(call) else {
            return [
                Evidence(
                    Rules.positional, source: path, line: regionStart(of: call),
                    observed:
                        "\(describe(call)): no live-block-ops word could be mapped (\(reason)) and %have_live_block_ops is not known where rpm expanded %build",
                    supports: nil)
            ]
        }
        let verdict = macroVerdict(value)
        let site = definitionInForce(of: "have_live_block_ops", value: value)
        var evidence = [
            Evidence(
                Rules.macroFallback, source: path, line: site?.line,
                observed: "%have_live_block_ops is \(value); \(reason)", supports: verdict)
        ]
        if let site {
            evidence += conditionsChain(ofLine: site.line, rule: Rules.macroFallback, supports: verdict, depth: 0)
        }
        return evidence
    }

    /// The line of the bare word in the original spec and the macro chain around it.
    /// Of several taken lines spelling the word, the one inside a condition on the
    /// macro named like the script's parameter (`%if 0%{have_live_block_ops}`).
    private func wordChain(
        word: String, position: Int, of assigned: Int, parameter: String, of call: ConfigureCall, supports: Verdict?
    ) -> [Evidence] {
        let observed = "word '\(word)' is argument \(position + 1) of \(assigned) to \(call.programName)"
        let region = matchingRegion(for: call)
        let candidates = codeLines(containingWord: word).filter {
            (region?.lines.contains($0) ?? true) && taken($0) != false
        }
        let line =
            candidates.first { source.enclosingConditions(ofLine: $0).contains { $0.macroNames.contains(parameter) } }
            ?? (candidates.count == 1 ? candidates[0] : nil)
        var evidence = [
            Evidence(
                Rules.positional, source: path, line: line ?? region?.lines.lowerBound, observed: observed,
                supports: supports)
        ]
        if let line { evidence += conditionsChain(ofLine: line, rule: Rules.positional, supports: supports, depth: 0) }
        return evidence
    }

    // MARK: Chains

    /// Evidence for a flag found in the call: the line that spells it (the last
    /// one rpm kept, as configure takes the last), the macro that carries it into
    /// the call, and the definitions deciding the branches around them.
    private func chain(for flag: String, rule: Rule, observed: String, supports: Verdict, call: ConfigureCall)
        -> [Evidence]
    {
        let region = matchingRegion(for: call)
        let all = codeLines(containingWord: flag).filter { taken($0) != false }
        let inRegion = all.filter { region?.lines.contains($0) ?? false }
        let line = inRegion.last ?? carrierLine(for: flag, among: all, region: region)
        var evidence = [
            Evidence(rule, source: path, line: line ?? region?.lines.lowerBound, observed: observed, supports: supports)
        ]
        guard let line else { return evidence }
        evidence += conditionsChain(ofLine: line, rule: rule, supports: supports, depth: 0)
        // The flag lives in a macro definition: name the use inside the configure call too.
        if !(region?.lines.contains(line) ?? false), let macro = definedMacro(onLine: line) {
            if let use = source.lines(referencing: macro).last(where: {
                (region?.lines.contains($0) ?? true) && taken($0) != false
            }) {
                evidence.append(
                    Evidence(
                        rule, source: path, line: use, observed: "%{\(macro)} carries it into the configure call",
                        supports: supports))
            }
        }
        return evidence
    }

    /// Outside the call's region: the taken definition of a macro the region uses whose body spells the flag.
    private func carrierLine(for flag: String, among lines: [Int], region: SpecRegion?) -> Int? {
        let carriers = lines.filter { line in
            guard let macro = definedMacro(onLine: line) else { return false }
            return region.map { r in source.lines(referencing: macro).contains(where: r.lines.contains) } ?? true
        }
        return carriers.last ?? lines.last
    }

    /// Macros used in the configure call that could carry one of `flags` but
    /// were defined without it here (EL6 `%{disable_rhev_features_arg}` as
    /// `%{nil}`), with the definitions that chose the empty branch.
    private func emptiedCarriers(of flags: [String], in call: ConfigureCall, rule: Rule) -> [Evidence] {
        guard let region = matchingRegion(for: call) else { return [] }
        var evidence: [Evidence] = []
        let carriers = Set(flags.flatMap { codeLines(containingWord: $0) }.compactMap(definedMacro(onLine:)))
        for macro in carriers.sorted() where source.lines(referencing: macro).contains(where: region.lines.contains) {
            let sites = source.definitions(of: macro).filter { site in
                !flags.contains { site.value.contains($0) } && taken(site.line) == true
            }
            guard let site = sites.last else { continue }
            evidence.append(
                Evidence(
                    rule, source: path, line: site.line,
                    observed:
                        "%\(site.kind.rawValue) \(macro) \(site.value.trimmingWhitespace): the configure call gets no flag from %{\(macro)}",
                    supports: .enabled))
            evidence += conditionsChain(ofLine: site.line, rule: rule, supports: .enabled, depth: 0)
        }
        return evidence
    }

    /// Lines spelling `word` outside `#` comments.
    private func codeLines(containingWord word: String) -> [Int] {
        source.lines(containingWord: word).filter { !source.lines[$0 - 1].trimmingWhitespace.hasPrefix("#") }
    }

    /// Whether rpm took the branch holding `line` (nil: not known).
    private func taken(_ line: Int) -> Bool? {
        branches.isTaken(line: line, in: source)
    }

    /// The name defined by a `%define`/`%global` on `line`, if any.
    private func definedMacro(onLine line: Int) -> String? {
        SpecSource.definedName(source.lines[line - 1].trimmingWhitespace)
    }

    /// The definitions behind each `%if` around `line` whose value librpm
    /// evaluated, followed up to three levels. A condition librpm could not
    /// evaluate is not cited.
    private func conditionsChain(ofLine line: Int, rule: Rule, supports: Verdict?, depth: Int) -> [Evidence] {
        guard depth < 3 else { return [] }
        var evidence: [Evidence] = []
        for condition in source.enclosingConditions(ofLine: line) where branches.values[condition.line] != nil {
            let branch = condition.inElseBranch ? "%else" : "%if"
            if condition.isArchCondition {
                evidence.append(
                    Evidence(
                        rule, source: path, line: condition.line,
                        observed:
                            "target \(options.targetArch ?? "host arch") selects the \(branch) branch of `\(condition.text)`",
                        supports: supports))
                continue
            }
            for name in condition.macroNames {
                if let flag = commandLineBcond(name) {
                    evidence.append(
                        Evidence(
                            rule, source: path, line: condition.line,
                            observed: "\(flag) on the command line selects the \(branch) branch of `\(condition.text)`",
                            supports: supports))
                    continue
                }
                // The value after the parse is the one rpm read here only when no definition rpm may have run follows the condition.
                let redefined = source.definitions(of: name).contains {
                    $0.line > condition.line && taken($0.line) != false
                }
                guard
                    let site = definitionInForce(
                        of: name, value: redefined ? nil : value(of: name), before: condition.line)
                else { continue }
                let how =
                    site.kind == .bcondWith || site.kind == .bcondWithout
                    ? bcondObservation(site)
                    : "%\(site.kind.rawValue) \(site.name) \(site.value.trimmingWhitespace)"
                evidence.append(
                    Evidence(
                        rule, source: path, line: site.line,
                        observed: "\(how) selects the \(branch) branch of `\(condition.text)` (line \(condition.line))",
                        supports: supports))
                evidence += conditionsChain(ofLine: site.line, rule: rule, supports: supports, depth: depth + 1)
            }
        }
        return evidence
    }

    private func bcondObservation(_ site: MacroDefinitionSite) -> String {
        "\(site.kind == .bcondWith ? "%bcond_with" : "%bcond_without") \(site.name)"
    }

    /// `--with NAME` / `--without NAME` when the caller passed one for this bcond.
    private func commandLineBcond(_ name: String) -> String? {
        if options.with.contains(name) { return "--with \(name)" }
        if options.without.contains(name) { return "--without \(name)" }
        return nil
    }

    /// The value rpm gave a macro (or a bcond's `%{with}`), read after the parse.
    private func value(of name: String) -> String? {
        if let v = parsed.macros[name] { return v.trimmingWhitespace }
        return parsed.expansions["%{with \(name)}"]?.trimmingWhitespace
    }

    /// The definition rpm ended up with: among the definitions in branches rpm
    /// took, the last whose value is the one read back (the last at all when the
    /// value was not read; the only one when its value is made of macros). A
    /// definition that spells another value did not decide, and is not named. A bcond by its default: `%bcond_without` on, `%bcond_with` off.
    private func definitionInForce(of name: String, value: String?, before limit: Int = .max) -> MacroDefinitionSite? {
        let sites = source.definitions(of: name).filter { $0.line < limit && taken($0.line) == true }
        guard let value else { return sites.last }
        if sites.allSatisfy({ $0.kind == .bcondWith || $0.kind == .bcondWithout }) {
            let wanted: MacroDefinitionSite.Kind = value == "1" ? .bcondWithout : .bcondWith
            return sites.last { $0.kind == wanted }
        }
        // A single definition whose value rpm's could come from; never one that spells another value.
        return sites.last { $0.value.trimmingWhitespace == value }
            ?? (sites.count == 1 && sites[0].value.contains("%") ? sites.last : nil)
    }

    // MARK: Expansions that were not run

    /// The deciding evidence with its verdict withdrawn when what it rests on may
    /// not be what a real build gets: a line it names, or a condition around such
    /// a line, depends on an expansion that was not run or on the auditing host;
    /// a word of such a line is a macro that does; or the spec runs code whose
    /// output (macros, whole lines) is not known.
    private func taintChecked(_ decided: [Evidence]) -> [Evidence] {
        // Code that could have defined any macro: no line on the deciding path can be trusted.
        if let definer = refused.first(where: \.mayDefineMacros) {
            return withdrawn(
                decided,
                because: "the spec runs code at line \(definer.line) that can define macros, and it was not run")
        }
        if let alone = refused.first(where: \.standsAlone) {
            return withdrawn(
                decided,
                because:
                    "line \(alone.line) is the output of \(alone.text), which was not run: rpm would read lines snapcheck never saw"
            )
        }
        if let opaqueTaintedDefiner {
            return withdrawn(decided, because: opaqueTaintedDefiner)
        }
        let emptiedLines = Set(refused.filter { $0.marker == nil }.map(\.line))
        var gap: String?
        for evidence in decided where evidence.source == path && evidence.supports != nil {
            guard let line = evidence.line else { continue }
            for l in source.logicalLineRange(containing: line) {
                if emptiedLines.contains(l) { gap = "it depends on the expansion at line \(l), which was not run" }
                // A word that is a tainted macro could be (or hide) a flag.
                for word in source.lines[l - 1].split(whereSeparator: { $0 == " " || $0 == "\t" })
                where word.hasPrefix("%") || word.hasPrefix("\"%") {
                    if let why = SpecSource.macroReferences(in: word).lazy.compactMap({ taintedMacros[$0.name] }).first
                    {
                        gap = "line \(l) uses \(word), \(why)"
                    }
                }
            }
            for condition in source.enclosingConditions(ofLine: line) {
                if emptiedLines.contains(condition.line) {
                    gap = "it depends on the expansion at line \(condition.line), which was not run"
                }
                if let why = taintedConditions[condition.line] {
                    gap = "the condition `\(condition.text)` at line \(condition.line) \(why)"
                } else if let name = condition.macroNames.first(where: { taintedMacros[$0] != nil }) {
                    gap = "the condition at line \(condition.line) uses %\(name), \(taintedMacros[name]!)"
                }
            }
        }
        guard let gap else { return decided }
        return withdrawn(decided, because: gap)
    }

    /// The evidence with every verdict taken back, saying why.
    private func withdrawn(_ decided: [Evidence], because why: String) -> [Evidence] {
        decided.map {
            var e = $0
            if e.supports != nil {
                e.observed += " (\(why))"
                e.supports = nil
            }
            return e
        }
    }

    // MARK: Regions

    /// The original-text region of the configure call rpm expanded into `call`.
    private func matchingRegion(for call: ConfigureCall) -> SpecRegion? {
        guard regions.count > 1 else { return regions.first }
        let words = Set(call.words)
        let programName = call.programName
        return regions.max { score($0, words, programName) < score($1, words, programName) }
    }

    private func score(_ region: SpecRegion, _ words: Set<String>, _ programName: String) -> Int {
        let tokens = region.text.split(whereSeparator: { $0.isWhitespace || $0 == "\\" }).map(String.init)
        var s = tokens.filter(words.contains).count
        if region.text.contains("softmmu") { s += 1000 }
        if programName != "configure", region.text.contains(programName) { s += 1000 }
        if region.lines.contains(where: { taken($0) == false }) { s -= 10 }
        return s
    }

    private func regionStart(of call: ConfigureCall) -> Int? { matchingRegion(for: call)?.lines.lowerBound }

    private func describe(_ call: ConfigureCall) -> String {
        let name = call.programName
        let through = call.functions.isEmpty ? "" : " (through \(call.functions.joined(separator: " → ")))"
        if call.isHelperScript { return "the \(name) call\(through)" }
        let targets = call.targetList.filter { $0.hasSuffix("-softmmu") }
        return (targets.isEmpty ? "the \(name) call" : "the \(targets.joined(separator: ",")) configure call") + through
    }
}

extension ConfigureSwitch {
    /// Every switch of every era.
    static let allSwitches: [ConfigureSwitch] = [.liveBlockOps, .rhevFeatures, .liveSnapshots]
}

extension StringProtocol {
    var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
