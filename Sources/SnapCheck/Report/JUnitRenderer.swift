internal import RPM

/// The JUnit XML report for CI dashboards (Jenkins, GitLab, tmt), Docs/formats/junit.md.
///
/// One `<testsuite name="snapcheck">`; one `<testcase>` per build, per
/// vanished build that fails (or is waived), and per input error (classname
/// `snapcheck.input`). A build's testcase is classname = package name, name =
/// `name arch`: the same every night, so a CI server keeps each test's
/// history across releases; its version, release and verdict are testcase
/// `<properties>`. When one run holds several versions of a package and arch,
/// the newest keeps that name and older ones add their `version-release`. A build is:
/// - a `<failure>` when it does not meet its expectation with a definite verdict
///   (or one decided by package headers alone), when it is `inconsistent`,
///   when it regressed since the baseline, or vanished since it;
/// - `<skipped>` when it is `unknown` (and not a regression), or a waiver holds for it;
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
        let expected = build.expectation.rawValue
        var reasons: [String] = []
        var type: String?
        if let change = result.baseline?.regression(of: build) {
            reasons.append(
                "regression: \(change.before.rawValue) → \(change.after.rawValue) since baseline (\(change.baseline.displayName))"
            )
            type = "regression"
        }
        switch build.verdict {
        case .unknown:
            reasons.append("unknown: no evidence decides, expected \(expected)")
            type = type ?? "unknown"
        case .inconsistent:
            let trusted =
                build.trustedLayer.map { "; trusting \($0.rawValue): \(build.trustedVerdict?.rawValue ?? "undecided")" }
                ?? ""
            reasons.append("inconsistent: evidence layers disagree\(trusted), expected \(expected)")
            type = type ?? "inconsistent"
        case .enabled, .disabled, .absent:
            if build.meetsExpectation { break }
            if build.expectation.isMet(by: build.verdict) {
                reasons.append(
                    "\(build.verdict.rawValue), expected \(expected), but decided by package headers alone (fail-on: header-only)"
                )
                type = type ?? "header-only"
            } else {
                reasons.append("\(build.verdict.rawValue), expected \(expected)")
                type = type ?? "contradicts-expectation"
            }
        }
        guard let type else { return .passed }
        if let applied = build.waiver {
            if applied.isActive { return .skipped(message: "\(applied); \(reasons.joined(separator: "; "))") }
            reasons.append("\(applied)")
        }
        // An unknown build fails nothing by itself: it is skipped, unless something else failed it.
        if type == "unknown" { return .skipped(message: reasons.joined(separator: "; ")) }
        return .failure(type: type, message: reasons.joined(separator: "; "))
    }

    /// What a vanished build's testcase reports, when it has one.
    static func outcome(of vanished: BaselineComparison.Vanished) -> Outcome {
        let gone = vanished.baseline
        let message =
            "vanished: no \(gone.key) build in this run; the baseline had \(gone.displayName), \(gone.verdict.rawValue)"
        if let applied = vanished.waiver {
            if applied.isActive { return .skipped(message: "\(applied); \(message)") }
            return .failure(type: "vanished", message: "\(message); \(applied)")
        }
        return .failure(type: "vanished", message: message)
    }

    /// Testcase names, stable across nights: `name arch`; when a run holds
    /// several versions of one package and arch, all but the newest add their
    /// `[epoch:]version-release`.
    static func testcaseNames(_ builds: [Build]) -> [String] {
        let entries = builds.map(Baseline.Entry.init)
        return entries.map { entry in
            let name = entry.key.description
            let newer = entries.contains { $0.key == entry.key && entry.isOlder(than: $0) }
            return newer
                ? "\(name) \(PackageHeader.evr(epoch: entry.epoch, version: entry.version, release: entry.release))"
                : name
        }
    }

    public func render(_ result: AuditResult) -> [UInt8] {
        let outcomes = result.builds.map { Self.outcome(of: $0, in: result) }
        // Vanished builds get a testcase when they fail the run or a waiver holds for them.
        let vanished = result.policy.switches.vanished ? result.baseline?.vanished ?? [] : []
        let vanishedOutcomes = vanished.map(Self.outcome(of:))
        let all = outcomes + vanishedOutcomes
        let failures = all.filter { if case .failure = $0 { true } else { false } }.count
        let skipped = all.filter { if case .skipped = $0 { true } else { false } }.count
        let counts = attributes([
            ("tests", "\(all.count + result.errors.count)"),
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
        for ((build, outcome), name) in zip(zip(result.builds, outcomes), Self.testcaseNames(result.builds)) {
            out += testcase(build, name: name, outcome)
        }
        for (gone, outcome) in zip(vanished, vanishedOutcomes) {
            out +=
                "    <testcase\(attributes([("classname", gone.baseline.name), ("name", gone.key.description), ("time", "0")]))>\n"
            out += entryProperties(gone.baseline, verdict: nil, expectation: nil)
            out += resultElement(outcome, evidence: [])
            out += "    </testcase>\n"
        }
        for error in result.errors {
            out +=
                "    <testcase\(attributes([("classname", "snapcheck.input"), ("name", error.input), ("time", "0")]))>\n"
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
            ("files.skipped", "\(result.skippedFiles)"),
        ]
        if let source = result.policy.source { list.append(("policy", source)) }
        list += result.unusedWaivers.map { ("policy.unused-waiver", "\($0.location ?? "") \($0.subject)") }
        if let baseline = result.baseline {
            list += [
                ("baseline", "compared"),
                ("baseline.regressions", "\(baseline.regressions.count)"),
                ("baseline.changed", "\(baseline.changed.count)"),
                ("baseline.new", "\(baseline.new.count)"),
                ("baseline.vanished", "\(baseline.vanished.count)"),
                ("baseline.unchanged", "\(baseline.unchanged.count)"),
            ]
            list += baseline.vanished.map { ("baseline.vanished.build", $0.key.description) }
        } else {
            list.append(("baseline", "none"))
        }
        return list
    }

    func testcase(_ build: Build, name: String, _ outcome: Outcome) -> String {
        var out = "    <testcase\(attributes([("classname", build.name), ("name", name), ("time", "0")]))>\n"
        out += entryProperties(Baseline.Entry(build), verdict: build.verdict, expectation: build.expectation)
        // Deciding and contradicting evidence first, then the rest, each group in report order.
        let evidence =
            build.evidence.filter { $0.role == .deciding || $0.role == .contradicting }
            + build.evidence.filter { $0.role != .deciding && $0.role != .contradicting }
        out += resultElement(outcome, evidence: evidence.filter { $0.role == .deciding || $0.role == .contradicting })
        var lines = ["verdict: \(build.verdict.rawValue)"]
        if let layer = build.trustedLayer {
            lines.append(
                "layers disagree; trusting \(layer.rawValue): \(build.trustedVerdict?.rawValue ?? "undecided")")
        }
        lines += build.inputs.map { "input: \($0.kind.rawValue) \($0.path) sha256:\($0.sha256)" }
        lines += evidence.map(Self.line)
        out += "      <system-out>" + Self.escape(lines.joined(separator: "\n") + "\n") + "</system-out>\n"
        out += "    </testcase>\n"
        return out
    }

    /// A testcase's `<properties>`: what changes from night to night, kept out of its name.
    func entryProperties(_ entry: Baseline.Entry, verdict: Verdict?, expectation: Expectation?) -> String {
        var pairs: [(String, String)] = [("nevr", entry.displayName)]
        if let epoch = entry.epoch { pairs.append(("epoch", "\(epoch)")) }
        pairs += [("version", entry.version), ("release", entry.release)]
        if let verdict { pairs.append(("verdict", verdict.rawValue)) }
        if let expectation { pairs.append(("expectation", expectation.rawValue)) }
        var out = "      <properties>\n"
        for pair in pairs { out += "        <property\(attributes([("name", pair.0), ("value", pair.1)]))/>\n" }
        return out + "      </properties>\n"
    }

    /// The `<failure>` or `<skipped>` element of an outcome; nothing for a pass.
    func resultElement(_ outcome: Outcome, evidence decisive: [Evidence]) -> String {
        switch outcome {
        case .passed:
            return ""
        case .failure(let type, let message):
            return "      <failure\(attributes([("message", message), ("type", type)]))>"
                + Self.escape(([message] + decisive.map(Self.line)).joined(separator: "\n")) + "</failure>\n"
        case .skipped(let message):
            return "      <skipped\(attributes([("message", message)]))/>\n"
        }
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
