import Foundation

// The JSON report's shape (`schema_version` 1, Docs/formats/json.md,
// Docs/report.schema.json), stated once: the Codable conformances of the
// result types. `JSONRenderer` encodes an `AuditResult` with them; a program
// decodes last night's report into the same types:
//
//     let result = try JSONDecoder().decode(AuditResult.self, from: data)
//
// Snake-case keys; `null` written where the schema requires the key
// (`epoch`, `arch`, `era`, `supports`, `source`), other absent values left out.

extension AuditResult: Codable {
    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version"
        case skippedFiles = "skipped_files"
        case tool, expectation, verdict, builds, skipped, errors, baseline, policy
    }

    /// The report of this result. Each build carries `regression` when the
    /// run has a baseline; `verdict` is the worst build verdict.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(JSONRenderer.schemaVersion, forKey: .schemaVersion)
        try c.encode(JSONRenderer.ToolObject(name: Tool.name, version: Tool.version), forKey: .tool)
        try c.encode(expectation, forKey: .expectation)
        try c.encode(verdict, forKey: .verdict)
        try c.encode(
            builds.map { build in
                ReportBuild(build: build, regression: baseline.map { $0.regression(of: build) != nil })
            }, forKey: .builds)
        try c.encode(skipped, forKey: .skipped)
        try c.encode(skippedFiles, forKey: .skippedFiles)
        try c.encode(errors, forKey: .errors)
        try c.encodeIfPresent(baseline.map(BaselineObject.init), forKey: .baseline)
        try c.encode(PolicyObject(policy: policy, unusedWaivers: unusedWaivers), forKey: .policy)
    }

    /// Reads a JSON report of schema version 1 (written by any snapcheck of
    /// that schema: fields added later are optional).
    ///
    /// What the report does not hold stays at its default: errors have the
    /// kind `.other`, the policy has its file name and switches but no
    /// expectations or waivers (its unused waivers are in `unusedWaivers`).
    /// A rule id this version does not know gives a `Rule` with that id and an empty summary.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let version = try c.decode(Int.self, forKey: .schemaVersion)
        guard version == JSONRenderer.schemaVersion else {
            throw DecodingError.dataCorruptedError(
                forKey: .schemaVersion, in: c,
                debugDescription: "schema_version \(version) is not \(JSONRenderer.schemaVersion)")
        }
        expectation = try c.decode(Expectation.self, forKey: .expectation)
        var list = try c.nestedUnkeyedContainer(forKey: .builds)
        builds = []
        while !list.isAtEnd {
            builds.append(try Build(from: list.superDecoder(), expectation: expectation))
        }
        skipped = try c.decode(Int.self, forKey: .skipped)
        skippedFiles = try c.decodeIfPresent(Int.self, forKey: .skippedFiles) ?? 0
        errors = try c.decode([InputError].self, forKey: .errors)
        let policy = try c.decodeIfPresent(PolicyObject.self, forKey: .policy)
        self.policy = Policy()
        self.policy.source = policy?.source
        self.policy.switches = policy?.switches ?? Policy.Switches()
        unusedWaivers = policy?.unusedWaivers ?? []
        baseline = try c.decodeIfPresent(BaselineObject.self, forKey: .baseline)?.comparison(builds: builds)
    }

    /// A build in the report: the build, and with a baseline whether it is a regression.
    struct ReportBuild: Encodable {
        var build: Build
        var regression: Bool?

        func encode(to encoder: any Encoder) throws {
            try build.encode(to: encoder)
            var c = encoder.container(keyedBy: Build.CodingKeys.self)
            try c.encodeIfPresent(regression, forKey: .regression)
        }
    }

    /// `policy`: the file the run was judged by, its switches, stale waivers.
    struct PolicyObject: Codable {
        var source: String?
        var switches: Policy.Switches
        var unusedWaivers: [Waiver]

        init(policy: Policy, unusedWaivers: [Waiver]) {
            source = policy.source
            switches = policy.switches
            self.unusedWaivers = unusedWaivers
        }

        enum CodingKeys: String, CodingKey {
            case source
            case failOn = "fail_on"
            case unusedWaivers = "unused_waivers"
        }

        /// The switches as the policy file spells them.
        enum SwitchKeys: String, CodingKey {
            case noBuilds = "no-builds"
            case vanished
            case headerOnly = "header-only"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(source, forKey: .source)
            var failOn = c.nestedContainer(keyedBy: SwitchKeys.self, forKey: .failOn)
            try failOn.encode(switches.noBuilds, forKey: .noBuilds)
            try failOn.encode(switches.vanished, forKey: .vanished)
            try failOn.encode(switches.headerOnly, forKey: .headerOnly)
            try c.encode(unusedWaivers, forKey: .unusedWaivers)
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            source = try c.decodeIfPresent(String.self, forKey: .source)
            let failOn = try c.nestedContainer(keyedBy: SwitchKeys.self, forKey: .failOn)
            switches = Policy.Switches()
            switches.noBuilds = try failOn.decodeIfPresent(Bool.self, forKey: .noBuilds) ?? switches.noBuilds
            switches.vanished = try failOn.decodeIfPresent(Bool.self, forKey: .vanished) ?? switches.vanished
            switches.headerOnly = try failOn.decodeIfPresent(Bool.self, forKey: .headerOnly) ?? switches.headerOnly
            unusedWaivers = try c.decode([Waiver].self, forKey: .unusedWaivers)
        }
    }

    /// `baseline`: tonight's builds by how they compare with the baseline's.
    /// Changes name the baseline build they were compared with
    /// (`baseline_nevr`, `before`, `after`); new and unchanged builds carry
    /// no verdict (it is the build's own); vanished builds carry the
    /// baseline's verdict and any waiver.
    struct BaselineObject: Codable {
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

        /// The comparison again; new and unchanged entries take the verdict of their build in `builds`.
        func comparison(builds: [Build]) throws -> BaselineComparison {
            func own(_ object: EntryObject) throws -> Baseline.Entry {
                var entry = object.entry
                guard let build = builds.first(where: { Baseline.Entry($0).isSameBuild(as: entry) }) else {
                    throw DecodingError.dataCorrupted(
                        .init(
                            codingPath: [],
                            debugDescription:
                                "baseline entry \(entry.displayName) \(entry.arch ?? "") is no build of the report"))
                }
                entry.verdict = build.verdict
                return entry
            }
            func change(_ object: EntryObject) throws -> BaselineComparison.Change {
                guard let baseline = object.baseline else {
                    throw DecodingError.dataCorrupted(
                        .init(
                            codingPath: [],
                            debugDescription:
                                "baseline change \(object.entry.displayName) has no before or baseline_nevr"))
                }
                return BaselineComparison.Change(build: object.entry, baseline: baseline)
            }
            var comparison = BaselineComparison()
            comparison.regressions = try regressions.map(change)
            comparison.changed = try changed.map(change)
            comparison.new = try new.map(own)
            comparison.unchanged = try unchanged.map(own)
            comparison.vanished = vanished.map { BaselineComparison.Vanished(baseline: $0.entry, waiver: $0.waiver) }
            return comparison
        }
    }

    /// A build of a run in a baseline comparison: `name`, `arch` (the key
    /// matched across nights), its version, and for changes and vanished
    /// builds the verdicts.
    struct EntryObject: Codable {
        var entry: Baseline.Entry
        /// For changes: the baseline build it was compared with.
        var baseline: Baseline.Entry?
        var waiver: AppliedWaiver?
        var withVerdict = false

        init(
            entry: Baseline.Entry, baseline: Baseline.Entry? = nil, waiver: AppliedWaiver? = nil,
            withVerdict: Bool = false
        ) {
            self.entry = entry
            self.baseline = baseline
            self.waiver = waiver
            self.withVerdict = withVerdict
        }

        enum CodingKeys: String, CodingKey {
            case name, arch, epoch, version, release, before, after, verdict, waiver
            case baselineNEVR = "baseline_nevr"
        }

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
            try c.encodeIfPresent(waiver, forKey: .waiver)
        }

        /// A new or unchanged entry has no verdict here: `.unknown` until its build gives it one.
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let name = try c.decode(String.self, forKey: .name)
            let arch = try c.decodeIfPresent(String.self, forKey: .arch)
            let verdict =
                try c.decodeIfPresent(Verdict.self, forKey: .after) ?? c.decodeIfPresent(Verdict.self, forKey: .verdict)
            entry = Baseline.Entry(
                name: name, epoch: try c.decodeIfPresent(UInt32.self, forKey: .epoch),
                version: try c.decodeIfPresent(String.self, forKey: .version) ?? "",
                release: try c.decodeIfPresent(String.self, forKey: .release) ?? "",
                arch: arch, verdict: verdict ?? .unknown)
            withVerdict = c.contains(.verdict)
            waiver = try c.decodeIfPresent(AppliedWaiver.self, forKey: .waiver)
            if let before = try c.decodeIfPresent(Verdict.self, forKey: .before) {
                // `baseline_nevr` is `name-[epoch:]version-release` of the same name and arch.
                let nevr = try c.decodeIfPresent(String.self, forKey: .baselineNEVR) ?? entry.displayName
                guard nevr.hasPrefix(name + "-") else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .baselineNEVR, in: c, debugDescription: "\(nevr) is not a build of \(name)")
                }
                var evr = nevr.dropFirst(name.count + 1)
                var epoch: UInt32?
                if let colon = evr.firstIndex(of: ":") {
                    epoch = UInt32(evr[..<colon])
                    evr = evr[evr.index(after: colon)...]
                }
                let dash = evr.lastIndex(of: "-")
                baseline = Baseline.Entry(
                    name: name, epoch: epoch, version: String(dash.map { evr[..<$0] } ?? evr),
                    release: dash.map { String(evr[evr.index(after: $0)...]) } ?? "", arch: arch, verdict: before)
            }
        }
    }
}

extension Build: Codable {
    enum CodingKeys: String, CodingKey {
        case name, epoch, version, release, arch, era, verdict, expectation, waiver, inputs, evidence, regression,
            remedy
        case trustedLayer = "trusted_layer"
        case trustedVerdict = "trusted_verdict"
        case meetsExpectation = "meets_expectation"
    }

    /// A build as the report's `builds` have it (without `regression`, which
    /// the result adds when it has a baseline).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(epoch, forKey: .epoch)
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
        try c.encodeIfPresent(remedy, forKey: .remedy)
    }

    public init(from decoder: any Decoder) throws {
        try self.init(from: decoder, expectation: nil)
    }

    /// `expectation` is the report's own, for a build written before builds had one.
    init(from decoder: any Decoder, expectation fallback: Expectation?) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        epoch = try c.decodeIfPresent(UInt32.self, forKey: .epoch)
        version = try c.decode(String.self, forKey: .version)
        release = try c.decode(String.self, forKey: .release)
        arch = try c.decodeIfPresent(String.self, forKey: .arch)
        era = try c.decodeIfPresent(Era.self, forKey: .era)
        verdict = try c.decode(Verdict.self, forKey: .verdict)
        trustedLayer = try c.decodeIfPresent(Layer.self, forKey: .trustedLayer)
        trustedVerdict = try c.decodeIfPresent(Verdict.self, forKey: .trustedVerdict)
        if let fallback, !c.contains(.expectation) {
            expectation = fallback
        } else {
            expectation = try c.decode(Expectation.self, forKey: .expectation)
        }
        meetsExpectation = try c.decode(Bool.self, forKey: .meetsExpectation)
        waiver = try c.decodeIfPresent(AppliedWaiver.self, forKey: .waiver)
        inputs = try c.decode([AuditedInput].self, forKey: .inputs)
        evidence = try c.decode([Evidence].self, forKey: .evidence)
        remedy = try c.decodeIfPresent(Remedy.self, forKey: .remedy)
    }
}

extension Evidence: Codable {
    enum CodingKeys: String, CodingKey { case layer, source, line, observed, rule, supports, prior, role }

    /// The rule as its id; `supports` is `null` for evidence that supports no verdict.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(layer, forKey: .layer)
        try c.encode(source, forKey: .source)
        try c.encodeIfPresent(line, forKey: .line)
        try c.encode(observed, forKey: .observed)
        try c.encode(rule.id, forKey: .rule)
        try c.encode(supports, forKey: .supports)
        try c.encodeIfPresent(prior, forKey: .prior)
        try c.encode(role, forKey: .role)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let layer = try c.decode(Layer.self, forKey: .layer)
        let id = try c.decode(String.self, forKey: .rule)
        self.init(
            layer: layer, source: try c.decode(String.self, forKey: .source),
            line: try c.decodeIfPresent(Int.self, forKey: .line),
            observed: try c.decode(String.self, forKey: .observed),
            rule: Rules.rule(id: id) ?? Rule(id: id, layer: layer, summary: ""),
            supports: try c.decodeIfPresent(Verdict.self, forKey: .supports),
            prior: try c.decodeIfPresent(Verdict.self, forKey: .prior))
        role = try c.decode(Role.self, forKey: .role)
    }
}

extension Remedy: Codable {
    enum CodingKeys: String, CodingKey {
        case target, file, line, column, replace, with, reason
        case orOption = "or_option"
    }

    /// The verdict it gives, the edit's place and text (absent when no spec
    /// change is known), the option that does the same, and why.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(target, forKey: .target)
        try c.encodeIfPresent(edit?.file, forKey: .file)
        try c.encodeIfPresent(edit?.line, forKey: .line)
        try c.encodeIfPresent(edit?.column, forKey: .column)
        try c.encodeIfPresent(edit?.replace, forKey: .replace)
        try c.encodeIfPresent(edit?.with, forKey: .with)
        try c.encodeIfPresent(option, forKey: .orOption)
        try c.encode(reason, forKey: .reason)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var edit: Edit?
        if let file = try c.decodeIfPresent(String.self, forKey: .file) {
            edit = Edit(
                file: file, line: try c.decode(Int.self, forKey: .line),
                column: try c.decode(Int.self, forKey: .column),
                replace: try c.decode(String.self, forKey: .replace), with: try c.decode(String.self, forKey: .with))
        }
        self.init(
            target: try c.decode(Verdict.self, forKey: .target), edit: edit,
            option: try c.decodeIfPresent(String.self, forKey: .orOption),
            reason: try c.decode(String.self, forKey: .reason))
    }
}

extension AppliedWaiver: Codable {
    enum CodingKeys: String, CodingKey { case active }

    /// The waiver's fields and `active`.
    public func encode(to encoder: any Encoder) throws {
        try waiver.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(isActive, forKey: .active)
    }

    public init(from decoder: any Decoder) throws {
        waiver = try Waiver(from: decoder)
        isActive = try decoder.container(keyedBy: CodingKeys.self).decode(Bool.self, forKey: .active)
    }
}
