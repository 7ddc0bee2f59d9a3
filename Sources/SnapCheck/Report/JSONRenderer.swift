import Foundation

/// The JSON report (`schema_version` 1, Docs/json.md): one object, keys
/// sorted, two-space indentation. Within schema version 1 fields are only added.
public struct JSONRenderer: ReportRenderer {
    public static let schemaVersion = 1

    public init() {}

    public func render(_ result: AuditResult) -> [UInt8] {
        let document = Document(
            schemaVersion: Self.schemaVersion,
            tool: .init(name: Tool.name, version: Tool.version),
            expectation: result.expectation,
            verdict: result.verdict,
            builds: result.builds.map { build in BuildObject(build, regression: result.baseline.map { $0.regression(of: build) != nil }) },
            skipped: result.skipped,
            skippedFiles: result.skippedFiles,
            errors: result.errors.map { .init(input: $0.input, message: $0.message) },
            baseline: result.baseline.map(BaselineObject.init),
            policy: PolicyObject(result))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // Encoding plain strings, numbers and arrays cannot fail.
        let data = (try? encoder.encode(document)) ?? Data("{}".utf8)
        return Array(data) + [0x0A]
    }

    struct Document: Encodable {
        var schemaVersion: Int
        var tool: ToolObject
        var expectation: Expectation
        var verdict: Verdict
        var builds: [BuildObject]
        var skipped: Int
        var skippedFiles: Int
        var errors: [ErrorObject]
        /// Present only with `--baseline`.
        var baseline: BaselineObject?
        var policy: PolicyObject

        enum CodingKeys: String, CodingKey {
            case schemaVersion = "schema_version", tool, expectation, verdict, builds, skipped, errors, baseline, policy
            case skippedFiles = "skipped_files"
        }
    }

    /// A build of a run, in a baseline comparison: `name`, `arch` (the key
    /// matched across nights), its version, and for changes and vanished
    /// builds the verdicts.
    struct EntryObject: Encodable {
        var entry: Baseline.Entry
        /// For changes: the baseline build it was compared with.
        var baseline: Baseline.Entry?
        var waiver: AppliedWaiver?
        var withVerdict = false

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(entry.name, forKey: .name)
            try c.encode(entry.arch, forKey: .arch)
            try c.encode(entry.epoch, forKey: .epoch)
            try c.encode(entry.version, forKey: .version)
            try c.encode(entry.release, forKey: .release)
            if let baseline {
                try c.encode(baseline.verdict, forKey: .before)
                try c.encode(entry.verdict, forKey: .after)
                try c.encode(baseline.displayName, forKey: .baselineNEVR)
            } else if withVerdict {
                try c.encode(entry.verdict, forKey: .verdict)
            }
            try c.encodeIfPresent(waiver.map(WaiverObject.init), forKey: .waiver)
        }

        enum CodingKeys: String, CodingKey {
            case name, arch, epoch, version, release, before, after, verdict, waiver
            case baselineNEVR = "baseline_nevr"
        }
    }

    struct BaselineObject: Encodable {
        var regressions: [EntryObject]
        var changed: [EntryObject]
        var new: [EntryObject]
        var vanished: [EntryObject]
        var unchanged: [EntryObject]

        init(_ b: BaselineComparison) {
            regressions = b.regressions.map { EntryObject(entry: $0.build, baseline: $0.baseline) }
            changed = b.changed.map { EntryObject(entry: $0.build, baseline: $0.baseline) }
            new = b.new.map { EntryObject(entry: $0) }
            vanished = b.vanished.map { EntryObject(entry: $0.baseline, waiver: $0.waiver, withVerdict: true) }
            unchanged = b.unchanged.map { EntryObject(entry: $0) }
        }
    }

    /// The policy the run was judged by: its file, its switches, stale waivers.
    struct PolicyObject: Encodable {
        var source: String?
        var failOn: [String: Bool]
        var unusedWaivers: [WaiverObject.Fields]

        init(_ result: AuditResult) {
            let policy = result.policy
            source = policy.source
            failOn = ["no-builds": policy.switches.noBuilds, "vanished": policy.switches.vanished, "header-only": policy.switches.headerOnly]
            unusedWaivers = result.unusedWaivers.map(WaiverObject.Fields.init)
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(source, forKey: .source)
            try c.encode(failOn, forKey: .failOn)
            try c.encode(unusedWaivers, forKey: .unusedWaivers)
        }

        enum CodingKeys: String, CodingKey {
            case source
            case failOn = "fail_on", unusedWaivers = "unused_waivers"
        }
    }

    /// A waiver that matched: its fields and whether it still holds.
    struct WaiverObject: Encodable {
        struct Fields: Encodable {
            var package: String
            var arch: String?
            var version: String?
            var reason: String
            var expires: String
            var location: String?

            init(_ w: Waiver) {
                package = w.package
                arch = w.arch
                version = w.version
                reason = w.reason
                expires = w.expires.description
                location = w.location
            }
        }

        var fields: Fields
        var active: Bool

        init(_ applied: AppliedWaiver) {
            fields = Fields(applied.waiver)
            active = applied.isActive
        }

        func encode(to encoder: any Encoder) throws {
            try fields.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(active, forKey: .active)
        }

        enum CodingKeys: String, CodingKey { case active }
    }

    struct ToolObject: Encodable {
        var name: String
        var version: String
    }

    struct ErrorObject: Encodable {
        var input: String
        var message: String
    }

    struct BuildObject: Encodable {
        var name: String
        var epoch: UInt32?
        var version: String
        var release: String
        var arch: String?
        var era: Era?
        var verdict: Verdict
        var trustedLayer: Layer?
        var trustedVerdict: Verdict?
        var expectation: Expectation
        var meetsExpectation: Bool
        var waiver: WaiverObject?
        var inputs: [AuditedInput]
        var evidence: [EvidenceObject]
        /// Present only with a baseline: the build was enabled there and is not now.
        var regression: Bool?
        var remedy: RemedyObject?

        init(_ build: Build, regression: Bool?) {
            self.regression = regression
            name = build.name
            epoch = build.epoch
            version = build.version
            release = build.release
            arch = build.arch
            era = build.era
            verdict = build.verdict
            trustedLayer = build.trustedLayer
            trustedVerdict = build.trustedVerdict
            expectation = build.expectation
            meetsExpectation = build.meetsExpectation
            waiver = build.waiver.map(WaiverObject.init)
            inputs = build.inputs
            evidence = build.evidence.map(EvidenceObject.init)
            remedy = build.remedy.map(RemedyObject.init)
        }

        enum CodingKeys: String, CodingKey {
            case name, epoch, version, release, arch, era, verdict, expectation, waiver, inputs, evidence, regression, remedy
            case trustedLayer = "trusted_layer", trustedVerdict = "trusted_verdict", meetsExpectation = "meets_expectation"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(epoch, forKey: .epoch)  // null when the package has no Epoch
            try c.encode(version, forKey: .version)
            try c.encode(release, forKey: .release)
            try c.encode(arch, forKey: .arch)
            try c.encode(era, forKey: .era)
            try c.encode(verdict, forKey: .verdict)
            try c.encodeIfPresent(trustedLayer, forKey: .trustedLayer)
            try c.encodeIfPresent(trustedVerdict, forKey: .trustedVerdict)
            try c.encode(expectation, forKey: .expectation)
            try c.encode(meetsExpectation, forKey: .meetsExpectation)
            try c.encodeIfPresent(waiver, forKey: .waiver)
            try c.encode(inputs, forKey: .inputs)
            try c.encode(evidence, forKey: .evidence)
            try c.encodeIfPresent(regression, forKey: .regression)
            try c.encodeIfPresent(remedy, forKey: .remedy)
        }
    }

    /// `remedy`: the edit's place and text (absent when no spec change is
    /// known), the option that does the same, the verdict it gives, and why.
    struct RemedyObject: Encodable {
        var remedy: Remedy

        init(_ remedy: Remedy) { self.remedy = remedy }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(remedy.target, forKey: .target)
            try c.encodeIfPresent(remedy.edit?.file, forKey: .file)
            try c.encodeIfPresent(remedy.edit?.line, forKey: .line)
            try c.encodeIfPresent(remedy.edit?.column, forKey: .column)
            try c.encodeIfPresent(remedy.edit?.replace, forKey: .replace)
            try c.encodeIfPresent(remedy.edit?.with, forKey: .with)
            try c.encodeIfPresent(remedy.option, forKey: .orOption)
            try c.encode(remedy.reason, forKey: .reason)
        }

        enum CodingKeys: String, CodingKey {
            case target, file, line, column, replace, with, reason
            case orOption = "or_option"
        }
    }

    struct EvidenceObject: Encodable {
        var layer: Layer
        var source: String
        var line: Int?
        var observed: String
        var rule: String
        var supports: Verdict?
        var prior: Verdict?
        var role: Evidence.Role

        init(_ e: Evidence) {
            layer = e.layer
            source = e.source
            line = e.line
            observed = e.observed
            rule = e.rule
            supports = e.supports
            prior = e.prior
            role = e.role
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(layer, forKey: .layer)
            try c.encode(source, forKey: .source)
            try c.encodeIfPresent(line, forKey: .line)
            try c.encode(observed, forKey: .observed)
            try c.encode(rule, forKey: .rule)
            try c.encode(supports, forKey: .supports)  // null for notes
            try c.encodeIfPresent(prior, forKey: .prior)
            try c.encode(role, forKey: .role)
        }

        enum CodingKeys: String, CodingKey { case layer, source, line, observed, rule, supports, prior, role }
    }
}
