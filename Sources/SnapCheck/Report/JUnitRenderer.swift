/// The JUnit XML report for CI dashboards (Jenkins, GitLab, tmt), Docs/formats/junit.md.
///
/// One `<testsuite name="snapcheck">`; one `<testcase>` per build (classname
/// the package name, name `NEVR arch`) and one per input error (classname
/// `snapcheck.input`). A build is:
/// - a `<failure>` when its definite verdict contradicts the expectation, when
///   it is `inconsistent`, or when it regressed since the baseline;
/// - `<skipped>` when it is `unknown` (and not a regression);
/// - passed otherwise.
/// Input errors are `<error>` testcases. Evidence goes to `<system-out>`.
/// `time` is always 0: renderers read no clock.
public struct JUnitRenderer: ReportRenderer {
    /// Bumped if the mapping of verdicts to testcase outcomes ever changes.
    public static let formatVersion = 1

    public init() {}

    /// What one build's testcase reports.
    enum Outcome: Equatable {
        case passed
        case failure(type: String, message: String)
        case skipped(message: String)
    }

    static func outcome(of build: Build, in result: AuditResult) -> Outcome {
        let expected = result.expectation.rawValue
        var reasons: [String] = []
        var type: String?
        if let change = result.baseline?.regression(of: build) {
            reasons.append("regression: \(change.before.rawValue) → \(change.after.rawValue) since baseline")
            type = "regression"
        }
        switch build.verdict {
        case .unknown:
            if type == nil { return .skipped(message: "unknown: no evidence decides, expected \(expected)") }
            reasons.append("unknown, expected \(expected)")
        case .inconsistent:
            let trusted = build.trustedLayer.map { "; trusting \($0.rawValue): \(build.trustedVerdict?.rawValue ?? "undecided")" } ?? ""
            reasons.append("inconsistent: evidence layers disagree\(trusted), expected \(expected)")
            type = type ?? "inconsistent"
        case .enabled, .disabled, .absent:
            if !build.meetsExpectation {
                reasons.append("\(build.verdict.rawValue), expected \(expected)")
                type = type ?? "contradicts-expectation"
            }
        }
        guard let type else { return .passed }
        return .failure(type: type, message: reasons.joined(separator: "; "))
    }

    public func render(_ result: AuditResult) -> [UInt8] {
        let outcomes = result.builds.map { Self.outcome(of: $0, in: result) }
        let failures = outcomes.filter { if case .failure = $0 { true } else { false } }.count
        let skipped = outcomes.filter { if case .skipped = $0 { true } else { false } }.count
        let counts = attributes([
            ("tests", "\(result.builds.count + result.errors.count)"),
            ("failures", "\(failures)"),
            ("errors", "\(result.errors.count)"),
            ("skipped", "\(skipped)"),
            ("time", "0"),
        ])

        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"\(Tool.name)\"\(counts)>\n"
        out += "  <testsuite name=\"\(Tool.name)\"\(counts)>\n"
        out += "    <properties>\n"
        for (name, value) in properties(result) {
            out += "      <property\(attributes([("name", name), ("value", value)]))/>\n"
        }
        out += "    </properties>\n"
        for (build, outcome) in zip(result.builds, outcomes) {
            out += testcase(build, outcome)
        }
        for error in result.errors {
            out += "    <testcase\(attributes([("classname", "snapcheck.input"), ("name", error.input), ("time", "0")]))>\n"
            out += "      <error\(attributes([("message", error.message), ("type", "input-error")]))>"
            out += Self.escape("\(error.input): \(error.message)") + "</error>\n"
            out += "    </testcase>\n"
        }
        out += "  </testsuite>\n</testsuites>\n"
        return Array(out.utf8)
    }

    /// Run properties: tool, expectation, the overall verdict, skipped packages, baseline.
    func properties(_ result: AuditResult) -> [(String, String)] {
        var list: [(String, String)] = [
            ("tool.name", Tool.name),
            ("tool.version", Tool.version),
            ("format.version", "\(Self.formatVersion)"),
            ("expectation", result.expectation.rawValue),
            ("verdict", result.verdict.rawValue),
            ("packages.skipped", "\(result.skipped)"),
        ]
        if let baseline = result.baseline {
            list += [
                ("baseline", "compared"),
                ("baseline.regressions", "\(baseline.regressions.count)"),
                ("baseline.changed", "\(baseline.changed.count)"),
                ("baseline.new", "\(baseline.new.count)"),
                ("baseline.vanished", "\(baseline.vanished.count)"),
                ("baseline.unchanged", "\(baseline.unchanged.count)"),
            ]
            list += baseline.vanished.map { ("baseline.vanished.build", $0.description) }
        } else {
            list.append(("baseline", "none"))
        }
        return list
    }

    func testcase(_ build: Build, _ outcome: Outcome) -> String {
        let name = build.displayName + " " + (build.arch ?? "(any arch)")
        var out = "    <testcase\(attributes([("classname", build.name), ("name", name), ("time", "0")]))>\n"
        // Deciding and contradicting evidence first, then the rest, each group in report order.
        let evidence = build.evidence.filter { $0.role == .deciding || $0.role == .contradicting }
            + build.evidence.filter { $0.role != .deciding && $0.role != .contradicting }
        switch outcome {
        case .passed:
            break
        case .failure(let type, let message):
            let decisive = evidence.filter { $0.role == .deciding || $0.role == .contradicting }
            out += "      <failure\(attributes([("message", message), ("type", type)]))>"
            out += Self.escape(([message] + decisive.map(Self.line)).joined(separator: "\n")) + "</failure>\n"
        case .skipped(let message):
            out += "      <skipped\(attributes([("message", message)]))/>\n"
        }
        var lines = ["verdict: \(build.verdict.rawValue)"]
        if let layer = build.trustedLayer {
            lines.append("layers disagree; trusting \(layer.rawValue): \(build.trustedVerdict?.rawValue ?? "undecided")")
        }
        lines += build.inputs.map { "input: \($0.kind.rawValue) \($0.path) sha256:\($0.sha256)" }
        lines += evidence.map(Self.line)
        out += "      <system-out>" + Self.escape(lines.joined(separator: "\n") + "\n") + "</system-out>\n"
        out += "    </testcase>\n"
        return out
    }

    /// `deciding spec el7-live-block-ops x.spec:12: --disable-live-block-ops ...`
    static func line(_ e: Evidence) -> String {
        let place = e.line.map { "\(e.source):\($0)" } ?? e.source
        return "\(e.role.rawValue) \(e.layer.rawValue) \(e.rule) \(place): \(e.observed)"
    }

    func attributes(_ pairs: [(String, String)]) -> String {
        pairs.map { " \($0.0)=\"\(Self.escape($0.1, attribute: true))\"" }.joined()
    }

    /// Escapes attribute values and element content: the five markup
    /// characters as entities; CR always, and tab and LF in attributes, as
    /// character references (line-end handling and attribute normalization
    /// would change them); characters XML 1.0 forbids (other C0 controls,
    /// U+FFFE, U+FFFF) as U+FFFD. Swift strings hold no lone surrogates.
    static func escape(_ s: String, attribute: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar.value {
            case 0x26: out += "&amp;"
            case 0x3C: out += "&lt;"
            case 0x3E: out += "&gt;"
            case 0x22: out += "&quot;"
            case 0x27: out += "&apos;"
            case 0x09 where attribute: out += "&#9;"
            case 0x0A where attribute: out += "&#10;"
            case 0x09, 0x0A: out.unicodeScalars.append(scalar)
            case 0x0D: out += "&#13;"
            case 0x00..<0x20, 0xFFFE, 0xFFFF: out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
