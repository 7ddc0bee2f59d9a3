internal import RPM

/// Finds the spec change that gives a build its expected verdict.
///
/// Candidates come from the lines the spec's deciding chain names, nearest
/// the configure call first: a switch definition (`%define rhev 0`, a
/// `%bcond_with`), then a flag or word spelled in the call (`--disable-live-block-ops`,
/// the bare `disable` a helper script turns into one). Each is applied to the
/// spec's text, the spec is evaluated again exactly as the audit evaluated it,
/// and the first whose spec layer then gives the expected verdict is the
/// remedy. An `rpmbuild` option that does the same (`--with NAME`,
/// `--define 'NAME V'`) is offered only when evaluating with it gave that
/// verdict too (a spec's own `%define` beats `--define`).
struct RemedyFinder {
    var reader: InputReader
    /// Spec rules that conclude from the version alone: no switch of the spec changes what they say.
    static let versionFacts = [Rules.el6Deleted, Rules.el7BeforeOption, Rules.evNoOption, Rules.upstreamSince014]
    /// Most candidates evaluated again for one build.
    static let candidateLimit = 8

    /// One spec of the build, as evaluated for its arch.
    struct EvaluatedSpec {
        var material: SpecMaterial
        var arch: String?
        /// The spec's evidence in the order the spec rules gave it (the chain from the call outwards).
        var evidence: [Evidence]
    }

    /// The remedy for a build whose verdict is `verdict` and is expected to be
    /// `target`; nil when none applies (the verdict is neither enabled nor disabled).
    func remedy(verdict: Verdict, target: Verdict, specs: [EvaluatedSpec], decidingLayer: Layer?) -> Remedy? {
        guard verdict == .enabled || verdict == .disabled, target != verdict else { return nil }
        guard !specs.isEmpty else {
            return Remedy(target: target, edit: nil, option: nil,
                          reason: "no spec or SRPM of the build is among the inputs: give its SRPM to find the spec change")
        }
        for spec in specs {
            let votes = spec.evidence.filter { $0.layer == .spec && $0.supports == verdict }
            guard !votes.isEmpty else { continue }
            if let fact = Self.versionFacts.first(where: { rule in votes.contains { $0.rule == rule } }) {
                return Remedy(target: target, edit: nil, option: nil,
                              reason: "the version decides, not a switch (\(fact.id)): \(fact.summary)")
            }
            let candidates = Self.candidates(in: spec, votes: votes, verdict: verdict)
            var fallback: Candidate?
            for candidate in candidates.prefix(Self.candidateLimit) {
                guard let outcome = evaluated(spec, edit: candidate.edit), outcome.verdict == target else { continue }
                // A change that also gives the package the name of a build with that verdict
                // (`%define rhev 1` makes qemu-kvm qemu-kvm-rhev) is what a maintainer means.
                if outcome.namePrior == target {
                    fallback = candidate
                    break
                }
                if fallback == nil { fallback = candidate }
            }
            if let chosen = fallback {
                // The chosen change's own option first, then any other candidate's: an option
                // needs no edit (`--with rhev_features` where the edit is `%define rhev 1`).
                let options = chosen.options + candidates.prefix(Self.candidateLimit).flatMap(\.options)
                let option = options.first { evaluated(spec, option: $0)?.verdict == target }
                return Remedy(target: target, edit: chosen.edit, option: option?.text,
                              reason: "the spec, evaluated again with this change, gives \(target.rawValue)")
            }
            let lines = Set(votes.compactMap(\.line)).sorted().map(String.init).joined(separator: ", ")
            return Remedy(target: target, edit: nil, option: nil, reason: candidates.isEmpty
                ? "no line the spec's chain names (\(lines)) spells a switch snapcheck knows how to change"
                : "none of the \(min(candidates.count, Self.candidateLimit)) changes tried to the lines that decide (\(lines)) gives \(target.rawValue) when the spec is evaluated again")
        }
        return Remedy(target: target, edit: nil, option: nil, reason: """
            the spec shows no switch that gives \(verdict.rawValue); the \(decidingLayer?.rawValue ?? "other") evidence decides \
            (a patch may have removed the commands)
            """)
    }

    // MARK: Candidates

    struct Option {
        var text: String
        var apply: (inout AuditOptions) -> Void
    }

    struct Candidate {
        var edit: Remedy.Edit
        var options: [Option]
    }

    /// Switch definitions first, then flags and words, each in the chain's order.
    static func candidates(in spec: EvaluatedSpec, votes: [Evidence], verdict: Verdict) -> [Candidate] {
        let lines = spec.material.text.split(separator: "\n", omittingEmptySubsequences: false)
        var seen = Set<Int>()
        let chain = votes.filter { $0.source == spec.material.displayPath }.compactMap(\.line).filter { seen.insert($0).inserted }
        let texts = chain.compactMap { line in line >= 1 && line <= lines.count ? (line, lines[line - 1]) : nil }
        let definitions = texts.compactMap { definitionCandidate(line: $0.0, text: $0.1, file: spec.material.displayPath) }
        let words = texts.flatMap { wordCandidates(line: $0.0, text: $0.1, file: spec.material.displayPath, verdict: verdict) }
        return definitions + words
    }

    /// `%define NAME 0|1` / `%global NAME 0|1` flipped; `%bcond_with NAME` ↔ `%bcond_without NAME`.
    static func definitionCandidate(line: Int, text: Substring, file: String) -> Candidate? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
        guard let keyword = words.first, words.count >= 2 else { return nil }
        let name = String(words[1])
        switch keyword {
        case "%define", "%global":
            guard words.count == 3, words[2] == "0" || words[2] == "1", name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
            let value = words[2] == "0" ? "1" : "0"
            let edit = Remedy.Edit(file: file, line: line, column: column(of: words[0], in: text),
                                   replace: String(text[words[0].startIndex..<words[2].endIndex]),
                                   with: "\(keyword)\(text[words[0].endIndex..<words[2].startIndex])\(value)")
            return Candidate(edit: edit, options: [Option(text: "--define '\(name) \(value)'") {
                $0.defines.append(MacroDefinition(name: name, value: value))
            }])
        case "%bcond_with", "%bcond_without":
            guard words.count == 2 else { return nil }
            let enabling = keyword == "%bcond_with"
            let edit = Remedy.Edit(file: file, line: line, column: column(of: words[0], in: text),
                                   replace: String(text[words[0].startIndex..<words[1].endIndex]),
                                   with: "\(enabling ? "%bcond_without" : "%bcond_with")\(text[words[0].endIndex..<words[1].startIndex])\(name)")
            return Candidate(edit: edit, options: [Option(text: enabling ? "--with \(name)" : "--without \(name)") { options in
                if enabling {
                    options.without.removeAll { $0 == name }
                    options.with.append(name)
                } else {
                    options.with.removeAll { $0 == name }
                    options.without.append(name)
                }
            }])
        default:
            return nil
        }
    }

    /// A switch flag for `verdict` spelled on the line, or the bare word a helper
    /// script turns into one, swapped for the other side; one candidate per occurrence.
    static func wordCandidates(line: Int, text: Substring, file: String, verdict: Verdict) -> [Candidate] {
        let switches = [ConfigureSwitch.liveBlockOps, .rhevFeatures, .liveSnapshots]
        var swaps = switches.map { verdict == .disabled ? ($0.disabling, $0.enabling) : ($0.enabling, $0.disabling) }
        swaps.append(verdict == .disabled ? ("disable", "enable") : ("enable", "disable"))
        var candidates: [Candidate] = []
        for (from, to) in swaps {
            for range in wholeWordRanges(of: from, in: text) {
                candidates.append(Candidate(edit: Remedy.Edit(file: file, line: line, column: column(of: text[range], in: text),
                                                              replace: from, with: to), options: []))
            }
        }
        return candidates
    }

    /// Where `word` stands alone: not inside a longer word, flag or macro name.
    static func wholeWordRanges(of word: String, in text: Substring) -> [Range<Substring.Index>] {
        let inWord: (Character) -> Bool = { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "%" || $0 == "{" || $0 == "$" }
        var ranges: [Range<Substring.Index>] = []
        var start = text.startIndex
        while let range = text[start...].range(of: word) {
            let before = range.lowerBound == text.startIndex ? nil : text[text.index(before: range.lowerBound)]
            let after = range.upperBound == text.endIndex ? nil : text[range.upperBound]
            if !(before.map(inWord) ?? false), !(after.map { inWord($0) || $0 == "=" } ?? false) { ranges.append(range) }
            start = range.upperBound
        }
        return ranges
    }

    static func column(of part: Substring, in text: Substring) -> Int {
        text[text.startIndex..<part.startIndex].utf16.count + 1
    }

    // MARK: Evaluating again

    /// The spec layer's verdict for the spec changed by `edit` (or evaluated
    /// with `option`), and the verdict its package name suggests; nil when
    /// it cannot be evaluated.
    private func evaluated(_ spec: EvaluatedSpec, edit: Remedy.Edit? = nil, option: Option? = nil) -> (verdict: Verdict, namePrior: Verdict?)? {
        var material = spec.material
        if let edit {
            var lines = material.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let line = lines[edit.line - 1]
            let start = line.utf16.index(line.utf16.startIndex, offsetBy: edit.column - 1)
            guard line[start...].hasPrefix(edit.replace) else { return nil }
            lines[edit.line - 1] = String(line[..<start]) + edit.with + String(line[start...].dropFirst(edit.replace.count))
            material.text = lines.joined(separator: "\n")
        }
        var again = reader
        if let option { option.apply(&again.options) }
        guard let evidence = try? again.evaluate(material, arch: spec.arch, withSourceHeader: true).1 else { return nil }
        return (Build.decide(evidence.filter { $0.layer == .spec }).verdict, evidence.lazy.compactMap(\.prior).first)
    }
}
