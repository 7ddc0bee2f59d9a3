import Foundation

/// The SARIF 2.1.0 report for code-scanning consumers, Docs/formats/sarif.md.
///
/// One run; the driver lists every rule of `Rules.all` in order, then the
/// SARIF-only rules `input-error` and `no-evidence`. One result per build and
/// per input error, located at the deciding evidence: a spec file and line,
/// or the package that holds it (the path inside goes to a logical location);
/// other decisive evidence, and supporting evidence with a line, are related locations.
/// Levels follow the JUnit outcome: a failure by contradiction or regression
/// is `error`; `inconsistent` and `unknown` are `warning`; a build meeting the
/// expectation is `kind: pass` with level `none` (SARIF §3.27.10 forbids any
/// other level on a non-failing result). Keys are sorted, bytes deterministic.
public struct SARIFRenderer: ReportRenderer {
    public static let schemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
    /// Rule of results for inputs that could not be audited (SARIF output only).
    public static let inputErrorRule = Rule(
        id: "input-error", layer: .header,
        summary: "An input could not be audited: unreadable, corrupt, or named but not a QEMU build.")
    /// Rule of results for builds in the baseline with none of their name and arch in this run (SARIF output only).
    public static let vanishedRule = Rule(
        id: "baseline-vanished", layer: .header,
        summary:
            "A build of the baseline has no build of its name and arch in this run (an arch that stopped being built).")
    /// Rule of results for builds without any evidence (SARIF output only).
    public static let noEvidenceRule = Rule(
        id: "no-evidence", layer: .header, summary: "No evidence was recorded for the build; nothing is concluded.")

    /// Whether builds meeting the expectation get a `pass` result; without
    /// them the log holds only what needs attention.
    public var includePassing: Bool

    public init(includePassing: Bool = true) {
        self.includePassing = includePassing
    }

    public func render(_ result: AuditResult) -> [UInt8] {
        var rules = Rules.all + [Self.inputErrorRule, Self.noEvidenceRule, Self.vanishedRule]
        let known = Set(rules.map(\.id))
        // Rule ids in evidence but not in Rules.all still get a descriptor, so every ruleIndex resolves.
        let strays = Set(result.builds.flatMap { $0.evidence.map(\.rule.id) }).subtracting(known).sorted()
        rules += strays.map {
            Rule(id: $0, layer: .header, summary: "A rule this version of snapcheck does not describe.")
        }
        let index = Dictionary(uniqueKeysWithValues: rules.enumerated().map { ($0.element.id, $0.offset) })

        var results: [ResultObject] = []
        for build in result.builds {
            if let object = buildResult(build, in: result, ruleIndex: index) { results.append(object) }
        }
        for error in result.errors {
            // Located at its input, unless none is known (or the name is empty: no URI).
            var locations: [Location] = []
            if let input = error.inputName, !input.isEmpty {
                locations = [Location(physical: .init(uri: Self.uri(input)))]
            }
            results.append(
                ResultObject(
                    ruleId: Self.inputErrorRule.id, ruleIndex: index[Self.inputErrorRule.id], kind: "fail",
                    level: "error",
                    message: .init(text: "\(error.input): \(error.message)"),
                    locations: locations,
                    relatedLocations: nil, baselineState: nil, fixes: nil, suppressions: nil, properties: nil))
        }
        // Vanished builds that fail the run, or that a waiver holds for: results with no location.
        if result.policy.switches.vanished {
            for gone in result.baseline?.vanished ?? [] {
                let message: String
                switch JUnitRenderer.outcome(of: gone) {
                case .failure(_, let text), .skipped(let text): message = text
                case .passed: continue
                }
                results.append(
                    ResultObject(
                        ruleId: Self.vanishedRule.id, ruleIndex: index[Self.vanishedRule.id], kind: "fail",
                        level: "error",
                        message: .init(text: "\(gone.key): \(message)."), locations: [], relatedLocations: nil,
                        baselineState: "absent", fixes: nil, suppressions: gone.waiver.flatMap(Self.suppressions),
                        properties: nil))
            }
        }

        let log = Log(
            schema: Self.schemaURI, version: "2.1.0",
            runs: [
                Run(
                    tool: .init(
                        driver: .init(
                            name: Tool.name, version: Tool.version,
                            rules: rules.map {
                                .init(
                                    id: $0.id, shortDescription: .init(text: $0.summary),
                                    properties: .init(layer: $0.layer.rawValue))
                            })),
                    results: results,
                    properties: RunProperties(
                        expectation: result.expectation.rawValue, verdict: result.verdict.rawValue,
                        skippedPackages: result.skipped, skippedFiles: result.skippedFiles,
                        policy: result.policy.source,
                        baseline: result.baseline.map(BaselineProperties.init)))
            ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // Encoding plain strings, numbers and arrays cannot fail.
        let data = (try? encoder.encode(log)) ?? Data("{}".utf8)
        return Array(data) + [0x0A]
    }

    func buildResult(_ build: Build, in result: AuditResult, ruleIndex index: [String: Int]) -> ResultObject? {
        let outcome = JUnitRenderer.outcome(of: build, in: result)
        let kind: String
        let level: String
        let summary: String
        switch outcome {
        case .passed:
            guard includePassing else { return nil }
            (kind, level, summary) = ("pass", "none", "\(build.verdict.rawValue), as expected")
        case .skipped(let message):
            (kind, level, summary) = ("fail", "warning", message)
        case .failure(let type, let message):
            (kind, level, summary) = ("fail", type == "inconsistent" ? "warning" : "error", message)
        }
        let decisive =
            build.evidence.filter { $0.role == .deciding } + build.evidence.filter { $0.role == .contradicting }
        let primary = decisive.first ?? build.evidence.first
        let ruleId = primary?.rule.id ?? Self.noEvidenceRule.id
        let title = build.displayName + " " + (build.arch ?? "(any arch)")
        var text = "\(title): \(summary)."
        if let primary {
            text +=
                " \(primary.role.rawValue.capitalized) evidence (\(primary.rule)) at \(Self.place(primary)): \(primary.observed)"
        }
        if let remedy = build.remedy {
            text +=
                "\(text.hasSuffix(".") ? "" : ".") Remedy\(remedy.place.map { " at \($0)" } ?? ""): \(remedy.sentence)"
        }
        // Related: the other deciding and contradicting evidence, then supporting evidence with a line (where in the spec).
        let supportingLines = build.evidence.filter { $0.role == .supporting && $0.line != nil }
        let related = (Array(decisive.dropFirst()) + supportingLines).enumerated().map { offset, e in
            location(
                e, in: build, id: offset + 1, message: "\(e.role.rawValue) \(e.layer.rawValue) \(e.rule): \(e.observed)"
            )
        }
        var baselineState: String?
        if let baseline = result.baseline {
            if baseline.isNew(build) {
                baselineState = "new"
            } else if baseline.isUnchanged(build) {
                baselineState = "unchanged"
            } else {
                baselineState = "updated"
            }
        }
        return ResultObject(
            ruleId: ruleId, ruleIndex: index[ruleId], kind: kind, level: level, message: .init(text: text),
            locations: primary.map { [location($0, in: build, id: nil, message: nil)] } ?? [],
            relatedLocations: related.isEmpty ? nil : related,
            baselineState: baselineState,
            fixes: build.remedy.flatMap { fix($0, in: build) }.map { [$0] },
            suppressions: build.waiver.flatMap(Self.suppressions),
            properties: .init(
                name: build.name, nevr: build.displayName, arch: build.arch, verdict: build.verdict.rawValue,
                expectation: build.expectation.rawValue, meetsExpectation: build.meetsExpectation,
                regression: result.baseline?.regression(of: build).map {
                    "\($0.before.rawValue) → \($0.after.rawValue)"
                }))
    }

    /// A remedy's edit as a SARIF fix, so code scanning offers it: only for a
    /// spec that is a file of its own (an edit inside an SRPM is said in the message).
    func fix(_ remedy: Remedy, in build: Build) -> Fix? {
        guard let edit = remedy.edit, Self.split(edit.file, inputs: build.inputs).inner == nil else { return nil }
        let replacement = Replacement(
            deletedRegion: Region(
                startLine: edit.line, startColumn: edit.column, endColumn: edit.column + edit.replace.utf16.count),
            insertedContent: .init(text: edit.with))
        return Fix(
            description: .init(text: remedy.sentence),
            artifactChanges: [.init(artifactLocation: .init(uri: Self.uri(edit.file)), replacements: [replacement])])
    }

    /// A waiver that holds, as SARIF's suppression (§3.35): accepted, with its reason.
    static func suppressions(_ applied: AppliedWaiver) -> [Suppression]? {
        guard applied.isActive else { return nil }
        return [Suppression(kind: "external", status: "accepted", justification: "\(applied)")]
    }

    /// `source:line`, or `source`.
    static func place(_ e: Evidence) -> String {
        e.line.map { "\(e.source):\($0)" } ?? e.source
    }

    /// The file an evidence source names and the path inside it, if any:
    /// `pkg.rpm:/usr/libexec/qemu-kvm` is (`pkg.rpm`, `/usr/libexec/qemu-kvm`).
    /// A prefix that is one of the build's input paths wins; else the last `.rpm:`.
    static func split(_ source: String, inputs: [AuditedInput]) -> (file: String, inner: String?) {
        let owner = inputs.map(\.path)
            .filter { source.count > $0.count + 1 && source.hasPrefix($0 + ":") }
            .max { $0.count < $1.count }
        if let owner { return (owner, String(source.dropFirst(owner.count + 1))) }
        if let range = source.range(of: ".rpm:", options: .backwards), range.upperBound < source.endIndex {
            return (String(source[..<source.index(range.lowerBound, offsetBy: 4)]), String(source[range.upperBound...]))
        }
        return (source, nil)
    }

    func location(_ e: Evidence, in build: Build, id: Int?, message: String?) -> Location {
        let (file, inner) = Self.split(e.source, inputs: build.inputs)
        // A line belongs to the file itself only when nothing is inside; startLine must be ≥ 1.
        let region = inner == nil ? e.line.flatMap { $0 >= 1 ? Region(startLine: $0) : nil } : nil
        // A line of a file inside a package (a spec in an SRPM) is said in words.
        let innerLine = inner != nil ? e.line.map { "line \($0) of \(inner!)" } : nil
        let text = [message, innerLine].compactMap { $0 }.joined(separator: "; ")
        return Location(
            id: id,
            physical: file.isEmpty ? nil : .init(uri: Self.uri(file), region: region),
            logical: inner.map { [LogicalLocation(name: $0, fullyQualifiedName: e.source)] },
            message: text.isEmpty ? nil : .init(text: text))
    }

    /// A URI reference for a path (RFC 3986): absolute paths as `file://`
    /// URIs, relative ones as relative references; every byte outside the
    /// unreserved set and `/` percent-encoded (spaces, `:`, `%`, non-ASCII).
    public static func uri(_ path: String) -> String {
        var out = path.hasPrefix("/") ? "file://" : ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out +=
                    "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }

    // MARK: The SARIF object model, as much of it as snapcheck fills.

    struct Log: Encodable {
        var schema: String
        var version: String
        var runs: [Run]
        enum CodingKeys: String, CodingKey {
            case schema = "$schema"
            case version, runs
        }
    }

    struct Run: Encodable {
        var tool: ToolObject
        var results: [ResultObject]
        var properties: RunProperties
    }

    struct ToolObject: Encodable { var driver: Driver }

    struct Driver: Encodable {
        var name: String
        var version: String
        var rules: [Descriptor]
    }

    struct Descriptor: Encodable {
        var id: String
        var shortDescription: Message
        var properties: DescriptorProperties
    }

    struct DescriptorProperties: Encodable { var layer: String }

    struct Message: Encodable { var text: String }

    struct RunProperties: Encodable {
        var expectation: String
        var verdict: String
        var skippedPackages: Int
        var skippedFiles: Int
        var policy: String?
        var baseline: BaselineProperties?
    }

    struct BaselineProperties: Encodable {
        var regressions: [String]
        var changed: [String]
        var new: [String]
        var vanished: [String]
        var unchanged: [String]

        init(_ c: BaselineComparison) {
            regressions = c.regressions.map { "\($0.key): \($0.before.rawValue) → \($0.after.rawValue)" }
            changed = c.changed.map { "\($0.key): \($0.before.rawValue) → \($0.after.rawValue)" }
            new = c.new.map { "\($0.key) \($0.displayName)" }
            vanished = c.vanished.map { "\($0.key) \($0.baseline.displayName)" }
            unchanged = c.unchanged.map { "\($0.key) \($0.displayName)" }
        }
    }

    struct ResultObject: Encodable {
        var ruleId: String
        var ruleIndex: Int?
        var kind: String
        var level: String
        var message: Message
        var locations: [Location]
        var relatedLocations: [Location]?
        var baselineState: String?
        var fixes: [Fix]?
        var suppressions: [Suppression]?
        var properties: BuildProperties?
    }

    struct Fix: Encodable {
        var description: Message
        var artifactChanges: [ArtifactChange]
    }

    struct ArtifactChange: Encodable {
        var artifactLocation: ArtifactLocation
        var replacements: [Replacement]
    }

    struct Replacement: Encodable {
        var deletedRegion: Region
        var insertedContent: Message
    }

    struct Suppression: Encodable {
        var kind: String
        var status: String
        var justification: String
    }

    struct BuildProperties: Encodable {
        var name: String
        var nevr: String
        var arch: String?
        var verdict: String
        var expectation: String
        var meetsExpectation: Bool
        var regression: String?
    }

    struct Location: Encodable {
        var id: Int?
        var physicalLocation: PhysicalLocation?
        var logicalLocations: [LogicalLocation]?
        var message: Message?

        init(id: Int? = nil, physical: PhysicalLocation?, logical: [LogicalLocation]? = nil, message: Message? = nil) {
            self.id = id
            physicalLocation = physical
            logicalLocations = logical
            self.message = message
        }
    }

    struct PhysicalLocation: Encodable {
        var artifactLocation: ArtifactLocation
        var region: Region?

        init(uri: String, region: Region? = nil) {
            artifactLocation = .init(uri: uri)
            self.region = region
        }
    }

    struct ArtifactLocation: Encodable { var uri: String }
    struct Region: Encodable {
        var startLine: Int
        var startColumn: Int? = nil
        var endColumn: Int? = nil
    }

    struct LogicalLocation: Encodable {
        var name: String
        var fullyQualifiedName: String
    }
}
