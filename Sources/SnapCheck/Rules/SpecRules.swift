import RPM

/// Reads an evaluated spec file (facts: "Spec (intent)").
///
/// librpmbuild gives the expanded `%build` section without line numbers; the
/// deciding flag is then found again in the original text, and the macro
/// definitions and conditions that produced it are followed back so the
/// evidence names real lines.
struct SpecRules {
    /// Macros read back right after the parse, before rpm's state is reset.
    static let macrosToRead = ["rhev", "have_live_block_ops", "pkgsuffix", "disable_rhev_features_arg"]
    /// Expressions expanded right after the parse.
    static let expressions = ["%{with rhev_features}"]

    let parsed: ParsedSpec
    let source: SpecSource
    /// The spec file as the report names it (`x.spec`, or `pkg.src.rpm:x.spec`).
    let path: String
    /// Helper scripts by file name, from next to the spec or from the SRPM payload.
    let helpers: [String: (path: String, text: String)]
    /// Expansions refused before rpm saw the text.
    let refused: [RefusedExpansion]
    /// What the caller passed with --with / --without.
    let options: SpecOptions
    /// The configure commands of the original text, found once.
    private let regions: [SpecRegion]

    init(parsed: ParsedSpec, source: SpecSource, path: String, helpers: [String: (path: String, text: String)],
         refused: [RefusedExpansion], options: SpecOptions) {
        self.parsed = parsed
        self.source = source
        self.path = path
        self.helpers = helpers
        self.refused = refused
        self.options = options
        self.regions = source.configureRegions()
    }

    var era: Era? {
        let p = parsed.sourcePackage
        return Era.detect(name: p.name, epoch: p.epoch, version: p.version, release: p.release)
    }

    func evaluate() -> [Evidence] {
        var evidence = refused.map {
            Evidence(Rules.refusedExpansion, source: path, line: $0.line,
                     observed: "\($0.kind == .lua ? "Lua" : "shell") expansion \($0.text) not executed", supports: nil)
        }
        var decided = decide()
        let dependsOn = Set(decided.flatMap { $0.line.map { source.logicalLineRange(containing: $0) } ?? (0...0) })
        if let gap = refused.first(where: { dependsOn.contains($0.line) }) {
            decided = decided.map {
                var e = $0
                e.observed += " (depends on the expansion at line \(gap.line), which was not executed)"
                e.supports = nil
                return e
            }
        }
        evidence += decided
        return evidence
    }

    /// The deciding evidence and its chain.
    private func decide() -> [Evidence] {
        let p = parsed.sourcePackage
        let who = "\(p.name) \(p.epoch.map { "\($0):" } ?? "")\(p.version)-\(p.release)"
        guard let era else {
            return [Evidence(Rules.unknownEra, source: path, line: source.line(ofTag: "Name"), observed: "\(who): no known era", supports: nil)]
        }
        switch era {
        case .el8, .upstream:
            let since = compareRPMVersions(p.version, "0.14") >= 0
            return [Evidence(since ? Rules.upstreamSince014 : Rules.upstreamBefore014, source: path, line: source.line(ofTag: "Version"),
                             observed: "\(who) (\(era.rawValue)): version \(p.version)", supports: since ? .enabled : .absent)]
        case .ev23:
            return [Evidence(Rules.evNoOption, source: path, line: source.line(ofTag: "Version"),
                             observed: "\(who): rhev/ev \(p.version) has no live-block-ops option", supports: .enabled)]
        case .el6, .el7, .rhev212, .ev29:
            break
        }

        let calls = ConfigureCalls.find(in: parsed.build ?? "")
        guard let main = ConfigureCalls.mainEmulatorCall(in: calls) else {
            return [Evidence(Rules.noEmulatorCall, source: path,
                             observed: "\(calls.count) configure call(s) in %build, none builds the system emulator (target \(options.targetArch ?? "host"))",
                             supports: nil)]
        }
        let callDescription = describe(main)

        switch era {
        case .el6:
            for flag in ["--disable-rhev-features", "--disable-live-snapshots"] where main.hasFlag(flag) {
                return chain(for: flag, rule: Rules.el6DisableFlag, observed: "\(flag) in \(callDescription)", supports: .disabled, main: main)
            }
            let line = source.line(ofTag: "Release")
            if compareRPMVersions(p.release, "2.173") < 0 {
                return [Evidence(Rules.el6PreCommand, source: path, line: line, observed: "release \(p.release) is before 2.173", supports: .absent)]
            }
            if compareRPMVersions(p.release, "2.197") >= 0, compareRPMVersions(p.release, "2.222") < 0 {
                return [Evidence(Rules.el6Deleted, source: path, line: line, observed: "release \(p.release) is in 2.197-2.221", supports: .disabled)]
            }
            if compareRPMVersions(p.release, "2.222") >= 0 {
                var evidence = [Evidence(Rules.el6DefaultOn, source: path, line: regionStart(of: main),
                                         observed: "no disable flag in \(callDescription); release \(p.release) defaults to on", supports: .enabled)]
                evidence += emptiedCarriers(of: ["--disable-rhev-features", "--disable-live-snapshots"], in: main, rule: Rules.el6DefaultOn)
                return evidence
            }
            return [Evidence(Rules.el6Undetermined, source: path, line: line, observed: "no flag and release \(p.release) is in 2.173-2.196", supports: nil)]

        case .el7, .rhev212, .ev29:
            for (flag, verdict) in [("--enable-live-block-ops", Verdict.enabled), ("--disable-live-block-ops", .disabled)] where main.hasFlag(flag) {
                return chain(for: flag, rule: Rules.el7LiveBlockOps, observed: "\(flag) in \(callDescription)", supports: verdict, main: main)
            }
            if era == .ev29 { return positional(main: main, callDescription: callDescription) }
            if era == .el7, compareRPMVersions(p.release, "15") < 0 {
                return [Evidence(Rules.el7BeforeOption, source: path, line: regionStart(of: main),
                                 observed: "no live-block-ops option in \(callDescription); release \(p.release) is before 15", supports: .enabled)]
            }
            return [Evidence(Rules.el7MissingOption, source: path, line: regionStart(of: main),
                             observed: "no live-block-ops option in \(callDescription)", supports: nil)]
        default:
            return []
        }
    }

    /// 2.9-2.12: the word at have_live_block_ops' position in the helper-script call.
    private func positional(main: ConfigureCall, callDescription: String) -> [Evidence] {
        let scriptName = main.program.split(separator: "/").last.map(String.init) ?? main.program
        if main.isHelperScript, let helper = helpers[scriptName] {
            let map = HelperScriptMap(script: helper.text)
            if let position = map.liveBlockOpsPosition, let name = map.liveBlockOpsParameter {
                guard position < main.arguments.count else {
                    return [Evidence(Rules.positional, source: path, line: regionStart(of: main),
                                     observed: "\(scriptName) reads \(name) as argument \(position + 1) but the call passes \(main.arguments.count)",
                                     supports: nil)]
                }
                let word = main.arguments[position]
                let verdict: Verdict? = word == "enable" ? .enabled : word == "disable" ? .disabled : nil
                var evidence = [Evidence(Rules.positional, source: helper.path, line: map.assignmentLine(of: name),
                                         observed: "\(scriptName) assigns argument \(position + 1) of \(map.parameterNames.count) to \(name) and passes --${\(name)}-live-block-ops",
                                         supports: verdict)]
                evidence.insert(contentsOf: wordChain(word: word, position: position, parameter: name, of: main,
                                                      scriptName: scriptName, supports: verdict), at: 0)
                return evidence
            }
        }
        if let value = parsed.macros["have_live_block_ops"]?.trimmingWhitespace {
            let verdict: Verdict? = value == "1" ? .enabled : value == "0" ? .disabled : nil
            let site = pickDefinition(of: "have_live_block_ops", value: value)
            var evidence = [Evidence(Rules.macroFallback, source: path, line: site?.line,
                                     observed: "%have_live_block_ops is \(value); \(main.isHelperScript ? "\(scriptName) not found next to the spec or in the SRPM" : "no helper script in \(callDescription)")",
                                     supports: verdict)]
            if let site { evidence += conditionsChain(ofLine: site.line, rule: Rules.macroFallback, supports: verdict, depth: 0) }
            return evidence
        }
        return [Evidence(Rules.positional, source: path, line: regionStart(of: main),
                         observed: "\(callDescription): no live-block-ops word could be mapped (\(scriptName) \(helpers[scriptName] == nil ? "not found" : "has no --${...}-live-block-ops")) and %have_live_block_ops is undefined",
                         supports: nil)]
    }

    /// The line of the bare word in the original spec and the macro chain around it.
    /// Of several lines spelling the word, the one inside a condition on the
    /// macro named like the script's parameter (`%if 0%{have_live_block_ops}`).
    private func wordChain(word: String, position: Int, parameter: String, of main: ConfigureCall, scriptName: String, supports: Verdict?) -> [Evidence] {
        let observed = "word '\(word)' is argument \(position + 1) of \(main.arguments.count) to \(scriptName)"
        let region = matchingRegion(for: main)
        let candidates = codeLines(containingWord: word).filter { region?.lines.contains($0) ?? true }
        let line = candidates.first { source.enclosingConditions(ofLine: $0).contains { $0.macroNames.contains(parameter) } }
            ?? (candidates.count == 1 ? candidates[0] : nil)
        var evidence = [Evidence(Rules.positional, source: path, line: line ?? region?.lines.lowerBound, observed: observed, supports: supports)]
        if let line { evidence += conditionsChain(ofLine: line, rule: Rules.positional, supports: supports, depth: 0) }
        return evidence
    }

    /// Evidence for a flag found in the main call: the line that spells it, the
    /// macro that carries it into the call, and the definitions deciding the branch.
    private func chain(for flag: String, rule: Rule, observed: String, supports: Verdict, main: ConfigureCall) -> [Evidence] {
        let region = matchingRegion(for: main)
        let all = codeLines(containingWord: flag)
        let inRegion = all.filter { region?.lines.contains($0) ?? false }
        let line = inRegion.first ?? all.first
        var evidence = [Evidence(rule, source: path, line: line ?? region?.lines.lowerBound, observed: observed, supports: supports)]
        guard let line else { return evidence }
        evidence += conditionsChain(ofLine: line, rule: rule, supports: supports, depth: 0)
        // The flag lives in a macro definition: name the use inside the configure call too.
        if !(region?.lines.contains(line) ?? false), let macro = definedMacro(onLine: line) {
            if let use = source.lines(referencing: macro).first(where: { region?.lines.contains($0) ?? true }) {
                evidence.append(Evidence(rule, source: path, line: use, observed: "%{\(macro)} carries it into the configure call", supports: supports))
            }
        }
        return evidence
    }

    /// Macros used in the configure call that could carry one of `flags` but
    /// were defined without it here (EL6 `%{disable_rhev_features_arg}` as
    /// `%{nil}`), with the definitions that chose the empty branch.
    private func emptiedCarriers(of flags: [String], in main: ConfigureCall, rule: Rule) -> [Evidence] {
        guard let region = matchingRegion(for: main) else { return [] }
        var evidence: [Evidence] = []
        let carriers = Set(flags.flatMap { codeLines(containingWord: $0) }.compactMap(definedMacro(onLine:)))
        for macro in carriers.sorted() where source.lines(referencing: macro).contains(where: region.lines.contains) {
            let sites = source.definitions(of: macro).filter { site in !flags.contains { site.value.contains($0) } }
            guard let site = sites.first else { continue }
            evidence.append(Evidence(rule, source: path, line: site.line,
                                     observed: "%\(site.kind.rawValue) \(macro) \(site.value.trimmingWhitespace): the configure call gets no flag from %{\(macro)}",
                                     supports: .enabled))
            evidence += conditionsChain(ofLine: site.line, rule: rule, supports: .enabled, depth: 0)
        }
        return evidence
    }

    /// Lines spelling `word` outside `#` comments.
    private func codeLines(containingWord word: String) -> [Int] {
        source.lines(containingWord: word).filter { !source.lines[$0 - 1].trimmingWhitespace.hasPrefix("#") }
    }

    /// The name defined by a `%define`/`%global` on `line`, if any.
    private func definedMacro(onLine line: Int) -> String? {
        let text = source.lines[line - 1].trimmingWhitespace
        for keyword in ["%define", "%global"] where text.hasPrefix(keyword) {
            let rest = text.dropFirst(keyword.count).trimmingWhitespace
            let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            return name.isEmpty ? nil : String(name)
        }
        return nil
    }

    /// The definitions behind each `%if` around `line`, followed up to three levels.
    private func conditionsChain(ofLine line: Int, rule: Rule, supports: Verdict?, depth: Int) -> [Evidence] {
        guard depth < 3 else { return [] }
        var evidence: [Evidence] = []
        for condition in source.enclosingConditions(ofLine: line) {
            for name in condition.macroNames {
                if let flag = commandLineBcond(name) {
                    evidence.append(Evidence(rule, source: path, line: condition.line,
                                             observed: "\(flag) on the command line selects the \(condition.inElseBranch ? "%else" : "%if") branch of `\(condition.text)`",
                                             supports: supports))
                    continue
                }
                guard let site = pickDefinition(of: name, value: value(of: name)) else { continue }
                let how = site.kind == .bcondWith || site.kind == .bcondWithout
                    ? bcondObservation(site)
                    : "%\(site.kind.rawValue) \(site.name) \(site.value.trimmingWhitespace)"
                evidence.append(Evidence(rule, source: path, line: site.line,
                                         observed: "\(how) selects the \(condition.inElseBranch ? "%else" : "%if") branch of `\(condition.text)` (line \(condition.line))",
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

    /// Of several definitions, the one whose value rpm ended up with.
    private func pickDefinition(of name: String, value: String?) -> MacroDefinitionSite? {
        let sites = source.definitions(of: name)
        guard sites.count > 1, let value else { return sites.first }
        if sites.allSatisfy({ $0.kind == .bcondWith || $0.kind == .bcondWithout }) {
            // %bcond_without defaults on; %bcond_with defaults off.
            let wanted: MacroDefinitionSite.Kind = value == "1" ? .bcondWithout : .bcondWith
            return sites.first { $0.kind == wanted } ?? sites.first
        }
        return sites.first { $0.value.trimmingWhitespace == value } ?? sites.first
    }

    /// The original-text region of the configure call rpm expanded into `main`.
    private func matchingRegion(for main: ConfigureCall) -> SpecRegion? {
        guard regions.count > 1 else { return regions.first }
        let words = Set(main.arguments)
        let programName = main.program.split(separator: "/").last.map(String.init) ?? main.program
        return regions.max { score($0, words, programName) < score($1, words, programName) }
    }

    private func score(_ region: SpecRegion, _ words: Set<String>, _ programName: String) -> Int {
        let tokens = region.text.split(whereSeparator: { $0.isWhitespace || $0 == "\\" }).map(String.init)
        var s = tokens.filter(words.contains).count
        if region.text.contains("softmmu") { s += 1000 }
        if main(isHelper: programName), region.text.contains(programName) { s += 1000 }
        return s
    }

    private func main(isHelper programName: String) -> Bool { programName != "configure" }

    private func regionStart(of main: ConfigureCall) -> Int? { matchingRegion(for: main)?.lines.lowerBound }

    private func describe(_ call: ConfigureCall) -> String {
        let name = call.program.split(separator: "/").last.map(String.init) ?? call.program
        if call.isHelperScript { return "the \(name) call" }
        let targets = call.targetList.filter { $0.hasSuffix("-softmmu") }
        return targets.isEmpty ? "the \(name) call" : "the \(targets.joined(separator: ",")) configure call"
    }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
