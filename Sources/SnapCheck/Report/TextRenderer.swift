/// The report for people: per build the verdict first, then its evidence
/// indented beneath with file:line; a summary line at the end.
///
/// Without `verbose` only deciding and contradicting evidence is shown; with
/// it, every piece. `color` adds ANSI colours to the verdicts (the CLI turns
/// it on for terminals only); everything else is plain text. Whatever came
/// from an input (names, paths, spec lines, messages) goes through
/// `VisibleText.escape`, so no input can steer the terminal or forge a line.
public struct TextRenderer: ReportRenderer {
    public var verbose: Bool
    public var color: Bool

    public init(verbose: Bool = false, color: Bool = false) {
        self.verbose = verbose
        self.color = color
    }

    public func render(_ result: AuditResult) -> [UInt8] {
        var out = ""
        for build in result.builds {
            let verdict = build.verdict.rawValue.uppercased()
            out += paint(verdict, build.verdict) + String(repeating: " ", count: max(1, 13 - verdict.count))
            out += shown("\(build.displayName) \(build.arch ?? "(any arch)")")
            if let change = result.baseline?.regression(of: build) {
                out += "  " + paint("REGRESSION", .disabled) + " (was \(change.before.rawValue))"
            } else if !build.meetsExpectation {
                let headersAlone =
                    build.expectation.isMet(by: build.verdict) ? ": decided by package headers alone" : ""
                out += "  [expected \(build.expectation.rawValue)\(headersAlone)]"
            }
            if let applied = build.waiver {
                out += "  " + (applied.isActive ? "WAIVED" : "WAIVER EXPIRED")
            }
            out += "\n"
            if let applied = build.waiver { out += "  \(shown("\(applied)"))\n" }
            if let layer = build.trustedLayer {
                out +=
                    "  layers disagree; trusting \(layer.rawValue): \(build.trustedVerdict?.rawValue ?? "undecided")\n"
            }
            // An unknown build shows what kept it from a verdict: the notes of the evidence layers.
            let explains = build.verdict == .unknown
            for e in build.evidence
            where verbose || e.role == .deciding || e.role == .contradicting || e.role == .warning
                || (explains && e.layer != .header && e.rule != Rules.specEvaluationMode)
            {
                let place = e.line.map { "\(e.source):\($0)" } ?? e.source
                out += "  \(e.role.rawValue.padding(13))\(e.layer.rawValue.padding(11))\(shown(e.rule.id))\n"
                out += "      \(shown(place))\n      \(shown(e.observed))\n"
            }
            if let remedy = build.remedy {
                out += "  \("remedy".padding(13))\(remedy.target.rawValue)\n"
                if let place = remedy.place { out += "      \(shown(place))\n" }
                out += "      \(shown(remedy.sentence))\n"
            }
        }
        for error in result.errors {
            out += paint("ERROR", .disabled) + "        " + shown("\(error.input): \(error.message)") + "\n"
        }
        out += summary(result) + "\n"
        return Array(out.utf8)
    }

    /// `12 builds: 11 enabled, 1 disabled; 3 packages skipped; 1 error; baseline: 1 regression, ...`.
    public func summary(_ result: AuditResult) -> String {
        let counts = Verdict.allCases.compactMap { verdict -> String? in
            let n = result.builds.filter { $0.verdict == verdict }.count
            return n == 0 ? nil : "\(n) \(verdict.rawValue)"
        }
        var s = plural(result.builds.count, "build")
        if !counts.isEmpty { s += ": " + counts.joined(separator: ", ") }
        if result.skipped > 0 { s += "; \(plural(result.skipped, "package")) skipped" }
        if result.skippedFiles > 0 { s += "; \(plural(result.skippedFiles, "other file")) skipped" }
        if !result.errors.isEmpty { s += "; \(plural(result.errors.count, "error"))" }
        if let b = result.baseline {
            s +=
                "; baseline: \(plural(b.regressions.count, "regression")), \(b.changed.count) changed, \(b.new.count) new, "
            s += "\(b.vanished.count) vanished, \(b.unchanged.count) unchanged"
            for entry in b.new { s += "\n  new       \(shown("\(entry.displayName) \(entry.arch ?? "(any arch)")"))" }
            let failing = result.failingVanished
            for gone in b.vanished {
                var line =
                    "\(gone.baseline.displayName) \(gone.baseline.arch ?? "(any arch)") (was \(gone.baseline.verdict.rawValue))"
                if let applied = gone.waiver { line += "; \(applied)" }
                s +=
                    "\n  " + (failing.contains(gone) ? paint("VANISHED", .disabled) + "  " : "vanished  ") + shown(line)
            }
        }
        for waiver in result.unusedWaivers {
            s +=
                "\n  unused waiver \(shown("\(waiver.location ?? "") \(waiver.subject)")): it matched no failing build; remove it"
        }
        return s
    }

    private func shown(_ text: String) -> String { VisibleText.escape(text) }

    private func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

    private func paint(_ text: String, _ verdict: Verdict) -> String {
        guard color else { return text }
        let code =
            switch verdict {
            case .enabled: "32"
            case .disabled: "31"
            case .absent, .unknown: "33"
            case .inconsistent: "35"
            }
        return "\u{1B}[1;\(code)m\(text)\u{1B}[0m"
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
