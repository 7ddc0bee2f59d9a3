/// The report for people: per build the verdict first, then its evidence
/// indented beneath with file:line; a summary line at the end.
/// Without `verbose` only deciding and contradicting evidence is shown.
public struct TextRenderer: ReportRenderer {
    public var verbose: Bool

    public init(verbose: Bool = false) {
        self.verbose = verbose
    }

    public func render(_ result: AuditResult) -> [UInt8] {
        var out = ""
        for build in result.builds {
            let verdict = build.verdict.rawValue.uppercased()
            out += verdict.padding(13) + build.displayName + " " + (build.arch ?? "(any arch)")
            if !build.meetsExpectation { out += "  [expected \(result.expectation.rawValue)]" }
            out += "\n"
            if let layer = build.trustedLayer {
                out += "  layers disagree; trusting \(layer.rawValue): \(build.trustedVerdict?.rawValue ?? "undecided")\n"
            }
            for e in build.evidence where verbose || e.role == .deciding || e.role == .contradicting {
                let place = e.line.map { "\(e.source):\($0)" } ?? e.source
                out += "  \(e.role.rawValue.padding(13))\(e.layer.rawValue.padding(11))\(e.rule)\n"
                out += "      \(place)\n      \(e.observed)\n"
            }
        }
        for error in result.errors {
            out += "ERROR        \(error.input): \(error.message)\n"
        }
        out += summary(result) + "\n"
        return Array(out.utf8)
    }

    /// `3 builds: 2 enabled, 1 disabled; 1 package skipped; 1 error`.
    func summary(_ result: AuditResult) -> String {
        let counts = Verdict.allCases.compactMap { verdict -> String? in
            let n = result.builds.filter { $0.verdict == verdict }.count
            return n == 0 ? nil : "\(n) \(verdict.rawValue)"
        }
        var s = "\(result.builds.count) build\(result.builds.count == 1 ? "" : "s")"
        if !counts.isEmpty { s += ": " + counts.joined(separator: ", ") }
        if result.skipped > 0 { s += "; \(result.skipped) package\(result.skipped == 1 ? "" : "s") skipped" }
        if !result.errors.isEmpty { s += "; \(result.errors.count) error\(result.errors.count == 1 ? "" : "s")" }
        return s
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
