internal import RPM

/// Finds the spec change that gives a build its expected verdict.
///
/// Candidates come from the lines the spec's deciding chain names, nearest
/// the configure call first: a switch definition (`%define rhev 0`, a
/// `%bcond_with`), then a flag or word spelled in the call (`--disable-live-block-ops`,
/// the bare `disable` a helper script turns into one). Each is applied to the
/// spec's text, the spec is evaluated again (in the sandbox even under
/// `--trust-spec`: snapcheck never runs text it made up), and the first whose
/// spec layer then gives the expected verdict is the remedy. An `rpmbuild`
/// option that does the same (`--with NAME`, `--define 'NAME V'`) is offered
/// only when evaluating with it gave that verdict too (a spec's own `%define`
/// beats `--define`). A src build's changed spec is judged as the audit judges
/// that build, on every arch it then builds for (`Auditor.sourceSpecEvidence`),
/// not only on the arch whose chain named the change. The evaluations of one
/// build share a budget (`RemedySearch`); a search that runs out says so.
struct RemedyFinder {
    var reader: InputReader
    /// Spec rules that conclude from the version alone: no switch of the spec changes what they say.
    static let versionFacts = [Rules.el6Deleted, Rules.el7BeforeOption, Rules.evNoOption, Rules.upstreamSince014]

    /// One spec of the build, as evaluated for its arch.
    struct EvaluatedSpec {
        var material: SpecMaterial
        var arch: String?
        /// The spec's evidence in the order the spec rules gave it (the chain from the call outwards).
        var evidence: [Evidence]
        /// The input kind of a spec that speaks for a src build: a change is then evaluated as the
        /// audit evaluates that build, on every arch the changed spec builds for (one evaluation of
        /// the budget, however many arches); nil for a build of one arch (`arch`).
        var sourceBuild: InputKind? = nil
    }

    /// The remedy for a build whose verdict is `verdict` and is expected to be
    /// `target`; nil when none applies (the verdict is neither enabled nor
    /// disabled) or the search is off.
    func remedy(verdict: Verdict, target: Verdict, specs: [EvaluatedSpec], decidingLayer: Layer?) -> Remedy? {
        guard verdict == .enabled || verdict == .disabled, target != verdict, reader.options.remedySearch.isEnabled
        else { return nil }
        guard !specs.isEmpty else {
            return Remedy(
                target: target, edit: nil, option: nil,
                reason: "no spec or SRPM of the build is among the inputs: give its SRPM to find the spec change")
        }
        var budget = Budget(reader.options.remedySearch)
        for spec in specs {
            let votes = spec.evidence.filter { $0.layer == .spec && $0.supports == verdict }
            guard !votes.isEmpty else { continue }
            if let fact = Self.versionFacts.first(where: { rule in votes.contains { $0.rule == rule } }) {
                return Remedy(
                    target: target, edit: nil, option: nil,
                    reason: "the version decides, not a switch (\(fact.id)): \(fact.summary)")
            }
            let candidates = Self.candidates(in: spec, votes: votes, verdict: verdict)
            let lines = Set(votes.compactMap(\.line)).sorted().map(String.init).joined(separator: ", ")
            guard !candidates.isEmpty else {
                return Remedy(
                    target: target, edit: nil, option: nil,
                    reason: "no line the spec's chain names (\(lines)) spells a switch snapcheck knows how to change")
            }
            var chosen: Candidate?
            var tried = 0
            var failures: [String] = []
            // Changes that left a src build's arches disagreeing.
            var archMisses: [String] = []
            // A flag or word keeps the package's name: what its name suggests, once one was evaluated.
            var namePriorOfWords: Verdict??
            for candidate in candidates {
                // Once a change works, only one that also suits the name can beat it: no flag
                // or word does when the name they keep does not.
                if chosen != nil, !candidate.isDefinition, let prior = namePriorOfWords, prior != target { break }
                let outcome = evaluated(spec, change: .edit(candidate), budget: &budget)
                if case .stopped = outcome { break }
                tried += 1
                guard case .evaluated(let result, let namePrior) = outcome else {
                    if case .failed(let message) = outcome { failures.append(message) }
                    if case .disagreeing(let arches) = outcome {
                        archMisses.append("`\(candidate.edit.replace)` → `\(candidate.edit.with)` gives \(arches)")
                    }
                    continue
                }
                if !candidate.isDefinition { namePriorOfWords = namePrior }
                guard result == target else { continue }
                if chosen == nil { chosen = candidate }
                // A change that also gives the package the name of a build with that verdict
                // (`%define rhev 1` makes qemu-kvm qemu-kvm-rhev) is what a maintainer means.
                if namePrior == target {
                    chosen = candidate
                    break
                }
            }
            if let chosen {
                // Under --trust-spec the audit ran the spec in-process; the change was tried in the sandbox.
                let how = reader.options.specEvaluation.trustsSpecs ? " in the sandboxed worker" : ""
                let everywhere = spec.sourceBuild == nil ? "" : " as a src build, on every arch it builds for"
                // The change was tried on this spec alone: another spec of the build still says what it says.
                let others = specs.map(\.material.displayPath).filter { !$0.utf8.elementsEqual(chosen.edit.file.utf8) }
                let alsoOthers =
                    others.isEmpty
                    ? ""
                    : "; the build's other spec\(others.count == 1 ? "" : "s") (\(others.joined(separator: ", "))) must change the same way (an SRPM: rebuilt from the changed spec)"
                let option = option(for: chosen, among: candidates, in: spec, target: target, budget: &budget)
                // A search that stopped before an option was found says so: there may be one.
                let unsure = option == nil && !candidates.allSatisfy(\.options.isEmpty)
                let optionsLeft =
                    unsure ? budget.stopped.map { "; no rpmbuild option was tried to the end: \($0)" } : nil
                return Remedy(
                    target: target, edit: chosen.edit, option: option,
                    reason: """
                        the spec, evaluated again with this change\(how), gives \(target.rawValue)\(everywhere)\(alsoOthers)\
                        \(optionsLeft ?? "")
                        """)
            }
            let changes =
                "\(candidates.count) change\(candidates.count == 1 ? "" : "s") to the lines that decide (\(lines))"
            var failed = failures.first.map { "; \(failures.count) could not be evaluated: \($0)" } ?? ""
            if let miss = archMisses.first {
                failed += """
                    ; \(archMisses.count) left the src build's arches disagreeing: \(miss) \
                    (--target ARCH gives each arch's own remedy)
                    """
            }
            if let stopped = budget.stopped {
                return Remedy(
                    target: target, edit: nil, option: nil,
                    reason: """
                        the search stopped after \(tried) of the \(changes), without one that gives \(target.rawValue)\(failed): \(stopped)
                        """)
            }
            return Remedy(
                target: target, edit: nil, option: nil,
                reason: failures.count == tried
                    ? "none of the \(changes) could be evaluated again: \(failures[0])"
                    : "none of the \(changes) gives \(target.rawValue) when the spec is evaluated again\(failed)")
        }
        return Remedy(
            target: target, edit: nil, option: nil,
            reason: """
                the spec shows no switch that gives \(verdict.rawValue); the \(decidingLayer?.rawValue ?? "other") evidence decides \
                (a patch may have removed the commands)
                """)
    }

    /// The chosen change's own option first, then any other candidate's (an
    /// option needs no edit: `--with rhev_features` where the edit is
    /// `%define rhev 1`): the first that gives `target`, within the budget.
    private func option(
        for chosen: Candidate, among candidates: [Candidate], in spec: EvaluatedSpec, target: Verdict,
        budget: inout Budget
    ) -> String? {
        var seen = Set<String>()
        for option in chosen.options + candidates.flatMap(\.options) where seen.insert(option.text).inserted {
            switch evaluated(spec, change: .option(option), budget: &budget) {
            case .evaluated(let verdict, _) where verdict == target: return option.text
            case .stopped: return nil
            default: continue
            }
        }
        return nil
    }

    // MARK: Candidates

    struct Option {
        var text: String
        var apply: (inout AuditOptions) -> Void
    }

    struct Candidate {
        var edit: Remedy.Edit
        /// Where `edit.replace` starts in the spec's text, in UTF-8 bytes.
        var offset: Int
        var options: [Option] = []
        /// A switch definition (`%define`, `%bcond`), which may also change the package's name.
        var isDefinition = false
    }

    /// One physical line of the spec: split at `\n` only, a `\r` before it
    /// dropped (`SpecSource.physicalLines`, as every evidence line is counted),
    /// with its UTF-8 bytes and where they start in the text.
    struct Line {
        var number: Int
        var bytes: ArraySlice<UInt8>
        var offset: Int
    }

    /// Switch definitions first, then flags and words, each in the chain's
    /// order; on one line the last occurrence of a repeated flag first (configure
    /// takes the last), the earlier ones after every other candidate.
    static func candidates(in spec: EvaluatedSpec, votes: [Evidence], verdict: Verdict) -> [Candidate] {
        let text = spec.material.text
        let file = spec.material.displayPath
        let physical = SpecSource.physicalLines(text)
        var seen = Set<Int>()
        // By bytes: a file whose name differs only in Unicode normalization is another file.
        let chain = votes.filter { $0.source.utf8.elementsEqual(file.utf8) }.compactMap(\.line).filter {
            $0 >= 1 && $0 <= physical.count && seen.insert($0).inserted
        }
        let lines = chain.map { number in
            let line = physical[number - 1]
            let offset = text.utf8.distance(from: text.utf8.startIndex, to: line.startIndex)
            return Line(number: number, bytes: ArraySlice(line.utf8), offset: offset)
        }
        let definitions = lines.compactMap { definitionCandidate($0, file: file) }
        let words = lines.map { wordCandidates($0, file: file, verdict: verdict) }
        return definitions + words.flatMap(\.first) + words.flatMap(\.later)
    }

    /// `%define NAME 0|1` / `%global NAME 0|1` flipped; `%bcond_with NAME` ↔ `%bcond_without NAME`.
    static func definitionCandidate(_ line: Line, file: String) -> Candidate? {
        let words = tokens(of: line.bytes)
        guard words.count >= 2 else { return nil }
        let keyword = String(decoding: line.bytes[words[0]], as: UTF8.self)
        let name = String(decoding: line.bytes[words[1]], as: UTF8.self)
        guard name.utf8.allSatisfy(isNameByte) else { return nil }
        let gap = { (from: Int, to: Int) in
            String(decoding: line.bytes[words[from].upperBound..<words[to].lowerBound], as: UTF8.self)
        }
        func edit(last: Int, with: String) -> Remedy.Edit {
            Remedy.Edit(
                file: file, line: line.number, column: column(of: words[0].lowerBound, in: line),
                replace: String(decoding: line.bytes[words[0].lowerBound..<words[last].upperBound], as: UTF8.self),
                with: with)
        }
        let offset = line.offset + (words[0].lowerBound - line.bytes.startIndex)
        switch keyword {
        case "%define", "%global":
            let value = words.count == 3 ? String(decoding: line.bytes[words[2]], as: UTF8.self) : ""
            guard value == "0" || value == "1" else { return nil }
            let flipped = value == "0" ? "1" : "0"
            return Candidate(
                edit: edit(last: 2, with: "\(keyword)\(gap(0, 2))\(flipped)"), offset: offset,
                options: [
                    Option(text: "--define '\(name) \(flipped)'") {
                        $0.defines.append(MacroDefinition(name: name, value: flipped))
                    }
                ], isDefinition: true)
        case "%bcond_with", "%bcond_without":
            guard words.count == 2 else { return nil }
            let enabling = keyword == "%bcond_with"
            let option = Option(text: enabling ? "--with \(name)" : "--without \(name)") { options in
                if enabling {
                    options.without.removeAll { $0 == name }
                    options.with.append(name)
                } else {
                    options.with.removeAll { $0 == name }
                    options.without.append(name)
                }
            }
            return Candidate(
                edit: edit(last: 1, with: "\(enabling ? "%bcond_without" : "%bcond_with")\(gap(0, 1))\(name)"),
                offset: offset, options: [option], isDefinition: true)
        default:
            return nil
        }
    }

    /// A switch flag for `verdict` spelled on the line, or the bare word a
    /// helper script turns into one, swapped for the other side; one candidate
    /// per occurrence. `first`: each flag's last occurrence, and every bare word
    /// in the order spelled (each is a position of its own for the script);
    /// `later`: a repeated flag's earlier occurrences.
    static func wordCandidates(_ line: Line, file: String, verdict: Verdict) -> (first: [Candidate], later: [Candidate])
    {
        let switches = [ConfigureSwitch.liveBlockOps, .rhevFeatures, .liveSnapshots]
        let flags = switches.map { verdict == .disabled ? ($0.disabling, $0.enabling) : ($0.enabling, $0.disabling) }
        let word = verdict == .disabled ? ("disable", "enable") : ("enable", "disable")
        var first: [Candidate] = []
        var later: [Candidate] = []
        func candidate(_ start: Int, _ from: String, _ to: String) -> Candidate {
            Candidate(
                edit: Remedy.Edit(
                    file: file, line: line.number, column: column(of: start, in: line), replace: from, with: to),
                offset: line.offset + (start - line.bytes.startIndex))
        }
        for (from, to) in flags {
            let found = wholeWordStarts(of: from, in: line.bytes)
            first += found.suffix(1).map { candidate($0, from, to) }
            later += found.dropLast().reversed().map { candidate($0, from, to) }
        }
        first += wholeWordStarts(of: word.0, in: line.bytes).map { candidate($0, word.0, word.1) }
        return (first, later)
    }

    /// The byte ranges of the blank-separated words of a line (space, tab, a lone `\r`).
    static func tokens(of bytes: ArraySlice<UInt8>) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start: Int?
        for index in bytes.indices {
            let blank = bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0D
            if blank, let s = start {
                ranges.append(s..<index)
                start = nil
            } else if !blank, start == nil {
                start = index
            }
        }
        if let start { ranges.append(start..<bytes.endIndex) }
        return ranges
    }

    /// Where `word` stands alone: not inside a longer word, flag or macro name
    /// (any non-ASCII byte counts as part of a word), nor followed by `=`.
    static func wholeWordStarts(of word: String, in bytes: ArraySlice<UInt8>) -> [Int] {
        let needle = Array(word.utf8)
        let inWord: (UInt8) -> Bool = {
            isNameByte($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "{")
                || $0 == UInt8(ascii: "$") || $0 >= 0x80
        }
        guard bytes.count >= needle.count else { return [] }
        var starts: [Int] = []
        var index = bytes.startIndex
        while index + needle.count <= bytes.endIndex {
            let end = index + needle.count
            if bytes[index..<end].elementsEqual(needle),
                index == bytes.startIndex || !inWord(bytes[index - 1]),
                end == bytes.endIndex || !(inWord(bytes[end]) || bytes[end] == UInt8(ascii: "="))
            {
                starts.append(index)
                index = end
            } else {
                index += 1
            }
        }
        return starts
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "_")
    }

    /// The 1-based column of the byte at `index`, in UTF-16 code units of the
    /// line decoded as UTF-8 (`Remedy.Edit.column`). The line is the text's
    /// UTF-8, where a byte of the file that is not UTF-8 is its `SpecBytes`
    /// stand-in (four bytes, two units): the file's own bytes are decoded, so
    /// such a byte counts as its U+FFFD does, one unit.
    static func column(of index: Int, in line: Line) -> Int {
        let before = String(decoding: line.bytes[line.bytes.startIndex..<index], as: UTF8.self)
        return String(decoding: SpecBytes.bytes(of: before), as: UTF8.self).utf16.count + 1
    }

    // MARK: Evaluating again

    /// What one build's search may still spend, and why it stopped when it did.
    struct Budget {
        var evaluationsLeft: Int
        let limit: RemedySearch
        let deadline: ContinuousClock.Instant
        /// Why the search stopped early; nil while it may go on.
        var stopped: String?

        init(_ limit: RemedySearch) {
            self.limit = limit
            evaluationsLeft = limit.evaluations
            deadline = .now + limit.time
        }

        /// The time left for one more evaluation, or nil (and `stopped` set) when the budget is spent.
        mutating func take() -> Duration? {
            let left = deadline - .now
            if evaluationsLeft <= 0 {
                stopped =
                    "its budget of \(limit.evaluations) evaluation\(limit.evaluations == 1 ? "" : "s") per build ran out"
            } else if left <= .zero {
                stopped = timeSpent
            }
            guard stopped == nil else { return nil }
            evaluationsLeft -= 1
            return left
        }

        var timeSpent: String {
            let (seconds, attoseconds) = limit.time.components
            let time = attoseconds == 0 ? "\(seconds) s" : "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000) ms"
            return "its time budget of \(time) per build ran out"
        }
    }

    enum Change {
        case edit(Candidate)
        case option(Option)
    }

    enum Outcome {
        /// The spec layer's verdict, and the verdict the package name suggests (a prior, never a vote).
        case evaluated(Verdict, namePrior: Verdict?)
        /// A src build whose arches disagree once changed: what each gives ("aarch64: disabled; x86_64: enabled").
        case disagreeing(String)
        /// The changed spec could not be evaluated (the reason).
        case failed(String)
        /// The budget ran out; nothing was concluded.
        case stopped
    }

    /// The spec changed by an edit (or evaluated with an option), evaluated
    /// again as the audit evaluated it: for its arch, or, for a src build, on
    /// every arch the changed spec builds for, judged as the audit judges a src
    /// build (an arch that builds no emulator drops out, the arches that decide
    /// must agree). The verdict is the spec layer's alone: a package name (a
    /// prior) never verifies a change, and unresolved or refused values give
    /// the spec layer `unknown`, as in any audit.
    private func evaluated(_ spec: EvaluatedSpec, change: Change, budget: inout Budget) -> Outcome {
        guard let left = budget.take() else { return .stopped }
        var material = spec.material
        var again = reader
        again.options.specEvaluation = Self.evaluation(
            reader.options.specEvaluation, sandbox: reader.options.remedySearch.sandbox, within: left)
        switch change {
        case .edit(let candidate):
            var bytes = Array(material.text.utf8)
            let replace = Array(candidate.edit.replace.utf8)
            guard candidate.offset + replace.count <= bytes.count,
                bytes[candidate.offset..<(candidate.offset + replace.count)].elementsEqual(replace)
            else {
                return .failed("`\(candidate.edit.replace)` is not at \(candidate.edit.line):\(candidate.edit.column)")
            }
            bytes.replaceSubrange(
                candidate.offset..<(candidate.offset + replace.count), with: Array(candidate.edit.with.utf8))
            material.text = String(decoding: bytes, as: UTF8.self)
        case .option(let option):
            option.apply(&again.options)
        }
        do {
            guard let kind = spec.sourceBuild else {
                let evidence = try again.evaluate(material, arch: spec.arch, withSourceHeader: true).1
                return .evaluated(
                    Build.decide(evidence.filter { $0.layer == .spec }).verdict,
                    namePrior: evidence.lazy.compactMap(\.prior).first)
            }
            let (parsed, host) = try again.evaluate(material, arch: nil, withSourceHeader: kind == .spec)
            let source = Auditor.SourceSpec(
                material: material, kind: kind, evaluatedArch: nil, evidence: host, arches: SpecArches(parsed))
            let evidence = Auditor(options: again.options).sourceSpecEvidence([source], reader: again).evidence
            let verdict = Build.decide(evidence.filter { $0.layer == .spec }).verdict
            // Each arch's warning, up to its detail: "aarch64: disabled".
            let disagreeing = evidence.filter { $0.rule == Rules.archesDisagree }.map {
                var shown = $0.observed.prefix { $0 != "(" }
                while shown.last == " " { shown = shown.dropLast() }
                return String(shown)
            }
            if verdict == .unknown, !disagreeing.isEmpty { return .disagreeing(disagreeing.joined(separator: "; ")) }
            return .evaluated(verdict, namePrior: host.lazy.compactMap(\.prior).first)
        } catch {
            // A parse the budget's end cut short concludes nothing about the change.
            if ContinuousClock.now >= budget.deadline {
                budget.stopped = budget.timeSpent
                return .stopped
            }
            return .failed("\(error)")
        }
    }

    /// How a changed spec is evaluated: as the audit evaluates specs, but never
    /// in-process (under `--trust-spec`, in `sandbox`), and a sandboxed parse
    /// gets no more wall-clock time or CPU seconds than the budget has left.
    static func evaluation(_ audit: SpecEvaluation, sandbox: SandboxedSpecEvaluator, within left: Duration)
        -> SpecEvaluation
    {
        func bounded(_ evaluator: SandboxedSpecEvaluator) -> SpecEvaluation {
            var evaluator = evaluator
            evaluator.timeout = min(evaluator.timeout, left)
            evaluator.cpuSeconds = max(1, min(evaluator.cpuSeconds, Int((left / .seconds(1)).rounded(.up))))
            return .sandboxed(evaluator)
        }
        if let evaluator = audit.sandbox { return bounded(evaluator) }
        return audit.trustsSpecs ? bounded(sandbox) : audit  // else a custom evaluator (tests)
    }
}
