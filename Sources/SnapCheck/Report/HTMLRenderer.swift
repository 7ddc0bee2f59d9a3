/// The HTML report for people and SIG dashboards, Docs/formats/html.md: one
/// self-contained page, readable offline and attachable to a CI run. Inline
/// CSS, no script, nothing fetched (no link, image or font).
///
/// - A header: the overall verdict, builds per verdict, the tool and its
///   version, skipped packages, input errors, the baseline comparison and
///   every input with its SHA-256. No time of day: the result carries none and
///   a renderer reads no clock, so the same result gives the same bytes.
/// - A matrix: one row per source package (`name-[epoch:]version-release`),
///   one column per arch, each cell coloured by verdict and marked with
///   whether it meets the expectation and how it compares with the baseline.
///   A cell shows its warnings and how the verdict was decided; that line is
///   the summary of a `<details>` that opens to the deciding chain and the notes.
/// - A print stylesheet: every cell open, nothing said by colour alone
///   (verdicts and marks are words).
///
/// Text from inputs (names, paths, observed text, messages) is shown as
/// `VisibleText.escape` shows it in the text report (control characters and
/// bidirectional overrides written out), then escaped for HTML.
public struct HTMLRenderer: ReportRenderer {
    public init() {}

    public func render(_ result: AuditResult) -> [UInt8] {
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="\(Tool.name) \(Tool.version)">
            <title>\(Tool.name): \(result.verdict.rawValue), \(plural(result.builds.count, "build"))</title>
            <style>
            \(Self.stylesheet)</style>
            </head>
            <body>

            """
        out += header(result)
        out += matrix(result)
        out += "</body>\n</html>\n"
        return Array(out.utf8)
    }

    // MARK: Header

    private func header(_ result: AuditResult) -> String {
        var out = "<header>\n"
        out += "<h1>Live snapshot support: \(verdictLabel(result.verdict))</h1>\n"
        var facts = [
            "\(Tool.name) \(Tool.version)", "expected \(result.expectation.rawValue)",
            plural(result.builds.count, "build"),
        ]
        if result.skipped > 0 { facts.append("\(plural(result.skipped, "package")) skipped (not QEMU builds)") }
        if !result.errors.isEmpty { facts.append(plural(result.errors.count, "input error")) }
        facts.append("no timestamp: the same inputs give the same page")
        out += "<p class=\"facts\">\(facts.joined(separator: " · "))</p>\n"

        out += "<table class=\"counts\">\n<caption>Builds per verdict</caption>\n<tr>"
        for verdict in Verdict.allCases {
            out += "<th scope=\"col\" class=\"v-\(verdict.rawValue)\">\(verdict.rawValue)</th>"
        }
        out += "</tr>\n<tr>"
        for verdict in Verdict.allCases { out += "<td>\(result.builds.filter { $0.verdict == verdict }.count)</td>" }
        out += "</tr>\n</table>\n"

        if let baseline = result.baseline { out += self.baseline(baseline) }
        if !result.errors.isEmpty {
            out += "<section class=\"errors\">\n<h2>Inputs that could not be audited</h2>\n<ul>\n"
            for error in result.errors {
                out += "<li><code>\(shown(error.input))</code>: \(shown(error.message))</li>\n"
            }
            out += "</ul>\n</section>\n"
        }
        return out + inputs(result) + "</header>\n"
    }

    private func baseline(_ b: BaselineComparison) -> String {
        var out = "<section class=\"baseline\">\n<h2>Compared with the baseline</h2>\n"
        out += "<p>\(plural(b.regressions.count, "regression")), \(b.changed.count) changed, \(b.new.count) new, "
        out += "\(b.vanished.count) vanished, \(b.unchanged.count) unchanged</p>\n"
        let changes = b.regressions.map { ("regression", $0) } + b.changed.map { ("changed", $0) }
        let others =
            b.new.map { ("new", "\($0.displayName) \($0.arch ?? "(any arch)")") }
            + b.vanished.map { ("vanished", "\($0.key)" + ($0.waiver.map { "; \($0)" } ?? "")) }
        if !changes.isEmpty || !others.isEmpty {
            out += "<ul>\n"
            for (kind, change) in changes {
                out += "<li><span class=\"mark \(kind)\">\(kind)</span> \(shown(change.key.description)): "
                out += "\(change.before.rawValue) → \(change.after.rawValue)</li>\n"
            }
            for (kind, text) in others {
                out += "<li><span class=\"mark \(kind)\">\(kind)</span> \(shown(text))</li>\n"
            }
            out += "</ul>\n"
        }
        return out + "</section>\n"
    }

    /// Every input of every build once, by path, with its digest; the header
    /// lists them in a box that scrolls on screen and prints in full.
    private func inputs(_ result: AuditResult) -> String {
        var seen = Set<AuditedInput>()
        let inputs = result.builds.flatMap(\.inputs).filter { seen.insert($0).inserted }
            .sorted { ($0.path, $0.kind.rawValue, $0.sha256) < ($1.path, $1.kind.rawValue, $1.sha256) }
        var out = "<section class=\"inputs\">\n<h2>\(plural(inputs.count, "input")) and their SHA-256</h2>\n"
        out +=
            "<div class=\"scroll\">\n<table>\n<tr><th scope=\"col\">input</th><th scope=\"col\">kind</th><th scope=\"col\">SHA-256</th></tr>\n"
        for input in inputs {
            let digest = input.sha256.isEmpty ? "none (read from the rpmdb)" : "<code>\(shown(input.sha256))</code>"
            out +=
                "<tr><td><code>\(shown(input.path))</code></td><td>\(input.kind.rawValue)</td><td>\(digest)</td></tr>\n"
        }
        return out + "</table>\n</div>\n</section>\n"
    }

    // MARK: The matrix

    /// The arch columns: arches in alphabetical order, then `src` (builds seen
    /// only as a spec or SRPM), then `(any arch)` (a capture that named no target).
    static func columns(_ builds: [Build]) -> [String?] {
        let arches = Set(builds.map(\.arch))
        let named = arches.compactMap { $0 }.filter { $0 != "src" }.sorted()
        return named + (arches.contains("src") ? ["src"] : []) + (arches.contains(nil) ? [nil] : [])
    }

    private func matrix(_ result: AuditResult) -> String {
        let columns = Self.columns(result.builds)
        // Rows: source packages in the order of their first build (name, version, release).
        var rows: [(label: String, era: Era?, cells: [String?: Int])] = []
        var rowOf: [String: Int] = [:]
        for (index, build) in result.builds.enumerated() {
            if let row = rowOf[build.displayName] {
                rows[row].cells[build.arch] = index
            } else {
                rowOf[build.displayName] = rows.count
                rows.append((build.displayName, build.era, [build.arch: index]))
            }
        }
        var out = "<main>\n<h2>Builds by arch</h2>\n"
        guard !rows.isEmpty else { return out + "<p>No QEMU build was found in the inputs.</p>\n</main>\n" }
        out += "<p class=\"hint\">The ▸ line of a cell opens its evidence: the deciding chain, then the notes.</p>\n"
        out += "<table class=\"matrix\">\n<thead>\n<tr><th scope=\"col\">source package</th>"
        for arch in columns { out += "<th scope=\"col\">\(shown(arch ?? "(any arch)"))</th>" }
        out += "</tr>\n</thead>\n<tbody>\n"
        for row in rows {
            out += "<tr>\n<th scope=\"row\"><span class=\"nevr\">\(shown(row.label))</span>"
            out += "<span class=\"era\">era \(row.era?.rawValue ?? "unknown")</span></th>\n"
            for arch in columns {
                if let index = row.cells[arch] {
                    out += cell(result.builds[index], id: index + 1, in: result)
                } else {
                    out += "<td class=\"none\">—</td>\n"
                }
            }
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table>\n</main>\n"
    }

    /// What a cell says besides its verdict, in the order shown.
    enum Mark: Equatable {
        case meetsExpectation(Expectation)
        case contradictsExpectation(Expectation)
        /// `enabled` in the baseline, something else now.
        case regression(from: Verdict)
        case changed(from: Verdict)
        case new
        /// A waiver that matched the build: in force (the build stops failing) or expired.
        case waiver(AppliedWaiver)
    }

    static func marks(of build: Build, in result: AuditResult) -> [Mark] {
        var marks: [Mark] = [
            build.meetsExpectation ? .meetsExpectation(build.expectation) : .contradictsExpectation(build.expectation)
        ]
        if let applied = build.waiver { marks.append(.waiver(applied)) }
        guard let baseline = result.baseline else { return marks }
        let entry = Baseline.Entry(build)
        if let change = baseline.regression(of: build) {
            marks.append(.regression(from: change.before))
        } else if let change = baseline.changed.first(where: { $0.build.isSameBuild(as: entry) }) {
            marks.append(.changed(from: change.before))
        } else if baseline.isNew(build) {
            marks.append(.new)
        }
        return marks
    }

    private func markHTML(_ mark: Mark) -> String {
        switch mark {
        case .meetsExpectation: "<span class=\"mark met\">✓ as expected</span>"
        case .contradictsExpectation(let e): "<span class=\"mark unmet\">✗ expected \(e.rawValue)</span>"
        case .regression(let before): "<span class=\"mark regression\">REGRESSION (was \(before.rawValue))</span>"
        case .changed(let before): "<span class=\"mark changed\">changed (was \(before.rawValue))</span>"
        case .new: "<span class=\"mark new\">new since the baseline</span>"
        case .waiver(let applied):
            "<span class=\"mark \(applied.isActive ? "waived" : "unmet")\">\(shown(applied.description))</span>"
        }
    }

    /// The verdict and its marks, then warnings, both seen at once; then the
    /// evidence behind a `<details>` whose summary says how it was decided.
    private func cell(_ build: Build, id: Int, in result: AuditResult) -> String {
        var out = "<td id=\"build-\(id)\" class=\"cell v-\(build.verdict.rawValue)\">\n<p class=\"outcome\">"
        out +=
            verdictLabel(build.verdict) + Self.marks(of: build, in: result).map { " " + markHTML($0) }.joined()
            + "</p>\n"
        let warnings = build.evidence.filter { $0.role == .warning }
        if !warnings.isEmpty { out += "<div class=\"warnings\">\n" + list(warnings) + "</div>\n" }
        out += "<details>\n<summary>\(why(build))</summary>\n"
        let chain = build.evidence.filter { [.deciding, .contradicting, .supporting].contains($0.role) }
        if !chain.isEmpty {
            out +=
                "<p class=\"label\">\(build.verdict == .inconsistent ? "Evidence that disagrees" : "Deciding chain")</p>\n"
                + list(chain)
        }
        if let remedy = build.remedy {
            out += "<p class=\"label\">Remedy (gives \(remedy.target.rawValue))</p>\n<p class=\"remedy\">"
            if let place = remedy.place { out += "<code class=\"place\">\(shown(place))</code><br>" }
            out += "\(shown(remedy.sentence))</p>\n"
        }
        let notes = build.evidence.filter { $0.role == .note }
        if !notes.isEmpty { out += "<p class=\"label\">Notes</p>\n" + list(notes) }
        return out + "</details>\n</td>\n"
    }

    /// One line on how the verdict came about.
    private func why(_ build: Build) -> String {
        if build.verdict == .inconsistent {
            let trusted =
                build.trustedLayer.map { "trusting \($0.rawValue): \(build.trustedVerdict?.rawValue ?? "undecided")" }
                ?? "no layer trusted"
            return "Evidence layers disagree; \(trusted)."
        }
        guard let deciding = build.evidence.first(where: { $0.role == .deciding }) else {
            return "No evidence decides."
        }
        return "Decided by the \(deciding.layer.rawValue) layer (<code>\(shown(deciding.rule.id))</code>)."
    }

    private func list(_ evidence: [Evidence]) -> String {
        var out = "<ol class=\"evidence\">\n"
        for e in evidence {
            let place = e.line.map { "\(e.source):\($0)" } ?? e.source
            out += "<li class=\"\(e.role.rawValue)\"><span class=\"role\">\(e.role.rawValue)</span> "
            out +=
                "<span class=\"layer\">\(e.layer.rawValue)</span> <code class=\"rule\">\(shown(e.rule.id))</code><br>"
            out += "<code class=\"place\">\(shown(place))</code><br>"
            out += "<span class=\"observed\">\(shown(e.observed))</span></li>\n"
        }
        return out + "</ol>\n"
    }

    private func verdictLabel(_ verdict: Verdict) -> String {
        "<span class=\"verdict v-\(verdict.rawValue)\">\(verdict.rawValue.uppercased())</span>"
    }

    private func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

    private func shown(_ text: String) -> String { Self.escape(VisibleText.escape(text)) }

    /// Escapes text for element content and quoted attribute values: the
    /// five markup characters as entities; noncharacters (U+FDD0–U+FDEF and
    /// the last two code points of every plane, parse errors in HTML) written
    /// out as `\u{fffe}`. Control characters are gone by now (`VisibleText`).
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x26: out += "&amp;"
            case 0x3C: out += "&lt;"
            case 0x3E: out += "&gt;"
            case 0x22: out += "&quot;"
            case 0x27: out += "&#39;"
            case 0xFDD0...0xFDEF:
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            case _ where scalar.value & 0xFFFE == 0xFFFE:
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    // MARK: Style

    /// Colours are a second channel only: every verdict and mark is a word.
    /// In print every `<details>` is open (`::details-content`, Chromium 131,
    /// Firefox 143, Safari 18.4) and backgrounds are dropped.
    static let stylesheet = """
        :root { font-family: system-ui, sans-serif; font-size: 15px; line-height: 1.4; color: #1a1a1a; background: #fff; }
        body { margin: 1.5rem; }
        h1 { font-size: 1.4rem; margin: 0 0 .4rem; }
        h2 { font-size: 1.1rem; margin: 1.2rem 0 .4rem; }
        table { border-collapse: collapse; }
        th, td { border: 1px solid #b0b0b0; padding: .3rem .5rem; text-align: left; vertical-align: top; }
        caption { text-align: left; font-weight: 600; padding-bottom: .2rem; }
        code { font-family: ui-monospace, monospace; font-size: .88em; overflow-wrap: anywhere; }
        .facts { margin: 0 0 .8rem; color: #444; }
        .counts th, .counts td { text-align: center; min-width: 6rem; }
        .verdict { font-weight: 700; letter-spacing: .03em; }
        .v-enabled { background: #d5efd5; }
        .v-disabled { background: #f8cfcf; }
        .v-absent { background: #f1dfbd; }
        .v-unknown { background: #fff1a6; }
        .v-inconsistent { background: #e4d0f3; }
        h1 .verdict { padding: 0 .4rem; border-radius: .2rem; }
        .matrix { width: 100%; table-layout: fixed; }
        .matrix thead th { background: #eee; }
        .matrix th[scope=row] { width: 17rem; overflow-wrap: anywhere; }
        .matrix th[scope=row] .nevr, .matrix th[scope=row] .era { display: block; }
        .matrix .era { font-weight: normal; color: #555; font-size: .85em; }
        td.none { color: #777; text-align: center; vertical-align: middle; }
        summary { cursor: pointer; }
        .mark { display: inline-block; font-size: .82em; border: 1px solid currentColor; border-radius: .2rem; padding: 0 .3rem; margin: .15rem 0 0 .2rem; background: #fff; }
        .mark.met { color: #1d5a1d; }
        .mark.unmet, .mark.regression { color: #9c0000; font-weight: 700; }
        .mark.changed, .mark.new, .mark.vanished, .mark.waived { color: #4a4a4a; }
        .hint { color: #555; margin: 0 0 .4rem; }
        .outcome { margin: 0; }
        details { margin-top: .3rem; }
        .label { margin: .5rem 0 0; font-weight: 600; }
        .evidence { margin: .2rem 0; padding-left: 1.4rem; }
        .evidence li { margin: .25rem 0; }
        .role { font-weight: 700; }
        .layer { font-style: italic; }
        .observed { overflow-wrap: anywhere; }
        .remedy { margin: .2rem 0; padding-left: 1.4rem; overflow-wrap: anywhere; }
        .warnings { margin: .3rem 0 0; border: 2px solid #b35c00; background: #fff4e5; }
        .warnings .evidence { list-style: none; padding-left: .4rem; }
        .warnings .role::before { content: "⚠ "; }
        .errors li { overflow-wrap: anywhere; }
        .scroll { max-height: 10rem; overflow: auto; }
        @media print {
          :root { font-size: 10pt; }
          body { margin: 0; }
          details::details-content { content-visibility: visible; display: block; }
          summary { display: block; }
          .hint { display: none; }
          .scroll { max-height: none; overflow: visible; }
          .v-enabled, .v-disabled, .v-absent, .v-unknown, .v-inconsistent, .warnings, .matrix thead th { background: none; }
          .mark, .warnings { color: #000; border-color: #000; }
          h2, caption { break-after: avoid; }
          li { break-inside: avoid; }
        }

        """
}
