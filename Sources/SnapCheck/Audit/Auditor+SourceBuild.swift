internal import RPM

/// A source build: specs and SRPMs audited with no binary package of their
/// build among the inputs and no `--target` (the `src` build). Its verdict
/// speaks for every binary the spec builds, so it must hold for every arch the
/// spec builds for, not only for the host that runs snapcheck (Docs/rules.md,
/// "Source builds").
extension Auditor {
    /// The arches a spec without `ExclusiveArch` is evaluated for: those RHEL
    /// and the CentOS Virt SIG build qemu-kvm for.
    static let defaultSourceArches = ["aarch64", "ppc64le", "s390x", "x86_64"]
    /// Each arch costs one spec evaluation (a worker process): a spec whose
    /// `ExclusiveArch` names more known arches than this is not evaluated for them.
    static let maximumSourceArches = 16

    /// A spec of a source build, evaluated once already (for the host, or `evaluatedArch`).
    struct SourceSpec {
        var material: SpecMaterial
        var kind: InputKind
        var evaluatedArch: String?
        var evidence: [Evidence]
        var arches: SpecArches
    }

    /// The arches `specs` build for, sorted, and how they were chosen: each
    /// spec's `ExclusiveArch` arches that rpm knows (else the default ones),
    /// minus its `ExcludeArch`.
    static func sourceArches(_ specs: [SpecArches], isKnown: (String) -> Bool = RPMArch.isKnown) -> (
        arches: [String], why: String
    ) {
        var arches = Set<String>()
        var reasons: [String] = []
        for spec in specs {
            let listed = spec.exclusive.isEmpty ? defaultSourceArches : spec.exclusive.filter(isKnown)
            arches.formUnion(Set(listed).subtracting(spec.excluded))
            var why =
                spec.exclusive.isEmpty
                ? "no ExclusiveArch: the arches RHEL builds for"
                : "ExclusiveArch: \(spec.exclusive.joined(separator: " "))"
            if !spec.excluded.isEmpty { why += "; ExcludeArch: \(spec.excluded.joined(separator: " "))" }
            if !reasons.contains(why) { reasons.append(why) }
        }
        return (arches.sorted(), reasons.joined(separator: "; "))
    }

    /// What one arch gives: a verdict, or no emulator built there.
    private enum ArchOutcome: Hashable {
        case verdict(Verdict)
        case noEmulator
    }

    /// The spec evidence of a source build: every spec evaluated for every
    /// arch it builds for (in parallel, `--jobs`). When the arches that build
    /// the emulator agree, the evidence of one of them (the host's when it is
    /// one) decides, with a note naming them all; when they disagree, the
    /// specs' votes are withdrawn and each arch gets a warning with its
    /// verdict. Also returns the evaluations a remedy is tried on.
    func sourceSpecEvidence(_ specs: [SourceSpec], reader: InputReader) -> (
        evidence: [Evidence], evaluated: [RemedyFinder.EvaluatedSpec]
    ) {
        let host = specs.map {
            RemedyFinder.EvaluatedSpec(
                material: $0.material, arch: $0.evaluatedArch, evidence: $0.evidence, sourceBuild: $0.kind)
        }
        let hostEvidence = specs.flatMap(\.evidence)
        let (listed, why) = Self.sourceArches(specs.map(\.arches))
        // The default arches too: ExclusiveArch can depend on the arch (`%ifarch` around it), so each
        // arch's own parse says whether it is built (spec-not-built-for-arch); those not built drop out.
        let candidateArches = listed.isEmpty ? [] : Array(Set(listed).union(Self.defaultSourceArches)).sorted()
        let source = specs[0].material.displayPath
        guard !listed.isEmpty else { return (hostEvidence, host) }  // every arch excluded: the host evaluation says so
        guard candidateArches.count <= Self.maximumSourceArches else {
            let warning = Evidence(
                Rules.archesDisagree, source: source,
                observed:
                    "the spec builds for \(listed.count) arches (\(why)); snapcheck evaluates a src build for at most \(Self.maximumSourceArches): --target ARCH evaluates one",
                supports: nil)
            return (Self.withdrawingSpecVotes(hostEvidence) + [warning], host)
        }

        // One evaluation per arch and spec; the host's is reused. A spec's other arches go to `--jobs`
        // lanes, each one warm worker evaluating that spec for its arches in turn (a worker never
        // evaluates two specs: Docs/security.md, "One worker, one spec").
        var lanes: [(spec: Int, arches: [String])] = []
        for index in specs.indices {
            let needed = candidateArches.filter { !(specs[index].evaluatedArch == nil && $0 == Self.hostArch) }
            let count = min(max(options.jobs, 1), needed.count)
            for lane in 0..<count {
                lanes.append((index, needed.indices.filter { $0 % count == lane }.map { needed[$0] }))
            }
        }
        let results = ParallelMap.map(lanes, jobs: options.jobs) { index, arches -> [[Evidence]] in
            let spec = specs[index]
            let evaluations = reader.evaluate(spec.material, arches: arches, withSourceHeader: spec.kind == .spec)
            return zip(arches, evaluations).map { arch, evaluation in
                do {
                    return try evaluation.get().1
                } catch let error as RPMError where error.kind == .specParse && !listed.contains(arch) {
                    // rpm's own refusal (`%ifarch s390x %{error:...}`) on an arch the spec does not list:
                    // rpmbuild builds nothing there either, so the arch says nothing (as spec-not-built-for-arch).
                    let why = InputError(error, input: spec.material.displayPath).message
                    return [
                        Evidence(
                            Rules.notBuiltForArch, source: spec.material.displayPath,
                            observed:
                                "\(arch): not among the arches the spec lists, and rpm refuses its parse there: \(why)",
                            supports: nil)
                    ]
                } catch {
                    let why = InputError(error, input: spec.material.displayPath).message
                    return [
                        Evidence(
                            Rules.archesDisagree, source: spec.material.displayPath,
                            observed: "\(arch): the spec cannot be evaluated for this arch: \(why)",
                            supports: nil)
                    ]
                }
            }
        }
        var bySpec: [String: [Int: [Evidence]]] = [:]
        for (index, spec) in specs.enumerated() where spec.evaluatedArch == nil {
            bySpec[Self.hostArch, default: [:]][index] = spec.evidence
        }
        for ((index, arches), evidence) in zip(lanes, results) {
            for (arch, archEvidence) in zip(arches, evidence) { bySpec[arch, default: [:]][index] = archEvidence }
        }
        var byArch: [String: [Evidence]] = [:]
        for arch in candidateArches { byArch[arch] = specs.indices.flatMap { bySpec[arch]?[$0] ?? [] } }
        // An arch is built when its own parse does not exclude it (or the host's list names it).
        let arches = candidateArches.filter { arch in
            listed.contains(arch) || !byArch[arch]!.contains { $0.rule == Rules.notBuiltForArch }
        }
        let outcomes = arches.map { arch -> ArchOutcome in
            let evidence = byArch[arch]!
            if !evidence.contains(where: { $0.supports != nil }),
                evidence.contains(where: { $0.rule == Rules.noEmulatorCall })
            {
                return .noEmulator
            }
            return .verdict(Build.decide(evidence).verdict)
        }
        let building = zip(arches, outcomes).filter { $0.1 != .noEmulator }.map(\.0)
        // An arch whose evaluation decides nothing (unknown) contradicts no other: it is named in the
        // note, and the arches that decide must agree. An arch that could not be evaluated at all (a
        // parse rpm refuses, a worker past its limits) could hide anything: the spec's votes are
        // withdrawn. One that decides differently withdraws them too, with a warning per arch.
        let deciding = zip(arches, outcomes).filter { $0.1 != .noEmulator && $0.1 != .verdict(.unknown) }.map(\.0)
        let candidates = !deciding.isEmpty ? deciding : building.isEmpty ? arches : building
        let reference = candidates.contains(Self.hostArch) ? Self.hostArch : candidates[0]
        let evaluated = specs.map { spec in
            RemedyFinder.EvaluatedSpec(
                material: spec.material,
                arch: spec.evaluatedArch == nil && reference == Self.hostArch ? nil : reference,
                evidence: byArch[reference]!, sourceBuild: spec.kind)
        }
        let verdicts = Set(outcomes.filter { $0 != .noEmulator && $0 != .verdict(.unknown) })
        if verdicts.count <= 1 {
            let agreeing = deciding.isEmpty ? building : deciding
            let outcome =
                verdicts.first.map { "\(Self.describe($0)) on \(agreeing.joined(separator: ", "))" }
                ?? (building.isEmpty ? "no arch builds the emulator" : "unknown on \(building.joined(separator: ", "))")
            let idle = zip(arches, outcomes).filter { $0.1 == .noEmulator }.map(\.0)
            let undecided = deciding.isEmpty ? [] : building.filter { !deciding.contains($0) }
            var rest =
                idle.isEmpty || building.isEmpty
                ? "" : "; \(idle.joined(separator: ", ")) build\(idle.count == 1 ? "s" : "") no emulator"
            let failed = undecided.filter { arch in byArch[arch]!.contains { $0.rule == Rules.archesDisagree } }
            if !undecided.isEmpty {
                rest +=
                    "; the spec decides nothing for \(undecided.joined(separator: ", ")) (their own evaluation says why; --target ARCH shows it)"
            }
            if !failed.isEmpty {
                rest +=
                    "; \(failed.joined(separator: ", ")) cannot be evaluated, so nothing is decided for the src build"
            }
            let note = Evidence(
                Rules.sourceArches, source: source,
                observed: "src build evaluated for \(arches.joined(separator: ", ")) (\(why)): \(outcome)\(rest)",
                supports: nil)
            let kept = failed.isEmpty ? byArch[reference]! : Self.withdrawingSpecVotes(byArch[reference]!)
            return (kept + [note], evaluated)
        }
        let warnings = zip(arches, outcomes).map { arch, outcome -> Evidence in
            let evidence = byArch[arch]!
            let decided = Build.decide(evidence).evidence
            let shown =
                decided.first { $0.role == .deciding }
                ?? decided.first {
                    $0.layer == .spec
                        && ![Rules.refusedExpansion, Rules.specEvaluationMode, Rules.defineOverridden].contains($0.rule)
                }
            let detail = shown.map { " (\($0.rule): \($0.observed))" } ?? ""
            return Evidence(
                Rules.archesDisagree, source: shown?.source ?? source, line: shown?.line,
                observed:
                    "\(arch): \(Self.describe(outcome))\(detail); the arches of this src build (\(why)) disagree, so the spec decides nothing for it",
                supports: nil)
        }
        return (Self.withdrawingSpecVotes(byArch[reference]!) + warnings, evaluated)
    }

    /// `evidence` without the spec's votes: what is left of an evaluation whose conclusion holds for one arch only.
    private static func withdrawingSpecVotes(_ evidence: [Evidence]) -> [Evidence] {
        evidence.filter { $0.layer != .spec || $0.supports == nil }
    }

    private static func describe(_ outcome: ArchOutcome) -> String {
        switch outcome {
        case .verdict(let verdict): verdict.rawValue
        case .noEmulator: "builds no emulator"
        }
    }
}
