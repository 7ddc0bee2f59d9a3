import Foundation
internal import RPM

/// How an audit reads its inputs.
public struct AuditOptions: Sendable {
    /// What a build is expected to be when the policy names no expectation for it (`--expect`).
    public var expectation: Expectation = .enabled
    /// Per-package expectations, waivers and what fails (`snapcheck.yaml`); the defaults without one.
    public var policy = Policy()
    /// An earlier run to compare with (`--baseline`).
    public var baseline: Baseline?
    /// The day waivers are judged on (`--today`; default today in UTC).
    public var today = CalendarDay.today()
    /// Spec evaluation: `--define`, `--with`, `--without`, `--target`.
    public var defines: [MacroDefinition] = []
    public var with: [String] = []
    public var without: [String] = []
    public var targetArch: String?
    /// Where helper scripts of bare spec files are looked up besides the spec's own directory (`--sources`).
    public var sourcesDirectory: String?
    /// Parallel readers (`--jobs`); 1 reads inputs one after another.
    public var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Called after each input is read with (inputs read, inputs in all), from
    /// any thread; for progress lines.
    public var progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?
    /// Who parses spec files: by default a confined worker process per parse;
    /// `.inProcess` is `--trust-spec`.
    public var specEvaluation: SpecEvaluation = .sandboxed()
    /// Executables to run and ask over QMP (`--probe`): the only files snapcheck
    /// runs. An ELF file given as an input is scanned, never run.
    public var probes: [String] = []
    /// Time limit of one probe, spawn to reaped child (`--probe-timeout`).
    public var probeTimeout: Duration = .seconds(10)
    /// Where probe transcripts are saved (`--save-qmp`): a file, or a directory for several.
    public var saveQMP: String?
    /// What one input may cost (declared emulator size, payload bytes decoded, time).
    public var limits = InputLimits()
    /// Whether and how far a build that misses its expectation gets its remedy searched (`--no-remedy`).
    public var remedySearch = RemedySearch()

    public init() {}
}

/// The result of one audit: builds with verdicts, skipped packages, errors.
public struct AuditResult: Sendable, Hashable {
    /// The expectation of builds the policy names none for (`--expect`).
    public var expectation: Expectation
    /// Sorted by name, version, release, arch.
    public var builds: [Build]
    /// Packages found while walking directories, or listed in a repository's metadata, that are not QEMU builds.
    public var skipped: Int
    /// Other files found while walking directories that are no input at all
    /// (a Koji `metadata.json`, last night's report).
    public var skippedFiles: Int = 0
    public var errors: [InputError]
    /// How this run compares with `--baseline`, when one was given.
    public var baseline: BaselineComparison?
    /// The policy the builds were judged by.
    public var policy = Policy()
    /// Waivers of the policy that matched no failing build: stale ones to remove.
    public var unusedWaivers: [Waiver] = []

    /// The worst build verdict (`unknown` when there is no build).
    public var verdict: Verdict { builds.map(\.verdict).max() ?? .unknown }
}

/// Audits inputs: reads each one, groups them into builds, decides verdicts.
public struct Auditor: Sendable {
    public var options: AuditOptions

    public init(options: AuditOptions = AuditOptions()) {
        self.options = options
    }

    /// Audits files and directories (walked recursively). Never throws: what
    /// cannot be audited is in `errors`.
    public func audit(_ paths: [String]) -> AuditResult {
        let (inputs, errors) = pendingInputs(paths)
        return audit(inputs, skipped: 0, errors: errors, named: paths)
    }

    /// The inputs `paths` name, to be read: files as given, directories walked
    /// (errors for what cannot be walked), and the `--probe` emulators.
    package func pendingInputs(_ paths: [String]) -> ([PendingInput], [InputError]) {
        var work: [(path: String, named: Bool)] = []
        var errors: [InputError] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                let walked = Self.walk(path)
                work += walked.files.map { ($0, false) }
                errors += walked.errors
            } else {
                work.append((path, true))
            }
        }
        work += options.probes.filter { !paths.contains($0) }.map { ($0, true) }
        let inputs = work.map { item in
            var info = stat()
            return PendingInput(size: stat(item.path, &info) == 0 ? Int(info.st_size) : 0) { reader in
                try reader.read(path: item.path, named: item.named)
            }
        }
        return (inputs, errors)
    }

    /// Reads `inputs` in parallel (`--jobs`, biggest first), then groups the
    /// observations into builds and decides each. `skipped` and `errors` are
    /// what was found before reading; `named` is what the user named (for the
    /// error when no build is found).
    package func audit(_ inputs: [PendingInput], skipped: Int, errors: [InputError], named: [String]) -> AuditResult {
        let pipelining = PayloadPipelining.concurrency(jobs: options.jobs, inputs: inputs.count)
        let reader = InputReader(options: options, payloadConcurrency: pipelining)
        // Biggest files first, so a large package read last cannot leave one core idle.
        let order = inputs.indices.sorted { (inputs[$0].size, $1) > (inputs[$1].size, $0) }
        let results = ParallelMap.map(inputs, jobs: options.jobs, order: order, progress: options.progress) {
            input -> Result<InputOutcome, any Error> in
            Result { try input.read(reader) }
        }
        var observations: [Observation] = []
        var skipped = skipped
        var skippedFiles = 0
        var errors = errors
        for result in results {
            switch result {
            case .success(.observed(let observation)): observations.append(observation)
            case .success(.skipped(let skip)): if skip.isPackage { skipped += 1 } else { skippedFiles += 1 }
            case .failure(let error): errors.append(InputError(error, input: nil))  // an InputError names its own input
            }
        }
        if observations.isEmpty, errors.isEmpty, options.policy.switches.noBuilds {
            errors.append(
                AuditResult.noBuildsError(
                    inputs: named.isEmpty ? options.probes : named, skipped: skipped, skippedFiles: skippedFiles))
        }
        var result = conclude(observations, skipped: skipped, errors: errors)
        result.skippedFiles = skippedFiles
        return result
    }

    /// Groups observations into builds, decides each, sorts the result and
    /// judges it by the policy and the baseline.
    func conclude(_ observations: [Observation], skipped: Int, errors: [InputError]) -> AuditResult {
        var errors = errors
        var builds: [Build] = []
        for group in Self.group(observations) {
            do { builds.append(try decide(group)) } catch {
                errors.append(InputError(error, input: group.members.first?.input.path))
            }
        }
        builds.sort {
            ($0.name, $0.version, $0.release, $0.arch ?? "") < ($1.name, $1.version, $1.release, $1.arch ?? "")
        }
        errors.sort { ($0.input, $0.message) < ($1.input, $1.message) }
        var result = AuditResult(
            expectation: options.expectation, builds: builds, skipped: skipped, errors: errors, baseline: nil)
        result.policy = options.policy
        result.judge(baseline: options.baseline, today: options.today)
        return result
    }

    /// Files under a directory that could be inputs, sorted: packages, `.spec`
    /// files and QMP captures, by extension (their content decides later).
    ///
    /// Names are read as bytes: a name that is not UTF-8 cannot be named
    /// back to the file system through `String`, so it is an error, never
    /// silently dropped. Symbolic links to directories are not followed;
    /// other entries with an input's extension (symbolic links, FIFOs,
    /// devices) are listed, and reading them refuses what is not a regular
    /// file. Directories below the top are opened `O_NOFOLLOW`, and
    /// `O_DIRECTORY` never opens a FIFO or device.
    static func walk(_ directory: String) -> (files: [String], errors: [InputError]) {
        var files: [String] = []
        var errors: [InputError] = []
        var pending = [directory]
        while let current = pending.popLast() {
            let descriptor = open(current, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (current == directory ? 0 : O_NOFOLLOW))
            guard descriptor >= 0, let dir = fdopendir(descriptor) else {
                errors.append(
                    InputError(
                        .unreadable, input: current,
                        message: "directory cannot be read: \(String(cString: strerror(errno)))"))
                if descriptor >= 0 { close(descriptor) }
                continue
            }
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let bytes = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
                if bytes == [0x2E] || bytes == [0x2E, 0x2E] { continue }
                guard let name = String(validating: bytes, as: UTF8.self) else {
                    errors.append(
                        InputError(
                            .unsupported, input: current + "/" + String(decoding: bytes, as: UTF8.self),
                            message: "file name is not valid UTF-8; rename it to audit it"))
                    continue
                }
                let path = current.hasSuffix("/") ? current + name : current + "/" + name
                var info = stat()
                guard fstatat(dirfd(dir), name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
                if info.st_mode & S_IFMT == S_IFDIR {
                    pending.append(path)
                } else if inputExtensions.contains((name as NSString).pathExtension) {
                    files.append(path)
                }
            }
        }
        return (files.sorted(), errors)
    }

    static let inputExtensions: Set<String> = ["rpm", "spec", "json", "jsonl", "replies", "qmp"]

    /// A build in the making: the inputs of one source NVR and arch.
    struct Group {
        var sourceNVR: String?
        var arch: String?
        var members: [Observation]
    }

    /// Binary packages group by SOURCERPM and arch; specs, SRPMs, noarch
    /// packages and captures without a target arch join every arch of their
    /// source NVR, or stand alone when no binary package of theirs is among
    /// the inputs. A capture that names its target (`query-target`) joins only
    /// the builds of the RPM arches of that target (`QEMUTarget`); with none
    /// among the inputs it is a build of its own arch.
    static func group(_ observations: [Observation]) -> [Group] {
        var groups: [Group] = []
        let bySource = Dictionary(grouping: observations.enumerated()) { $0.element.sourceNVR ?? "#\($0.offset)" }
        for key in bySource.keys.sorted() {
            let members = bySource[key]!.map(\.element)
            let packaged = Set(members.compactMap(\.arch))
            // The arches a member belongs to: its own, those of its target, or nil for every arch.
            func arches(_ member: Observation) -> Set<String>? {
                if let arch = member.arch { return [arch] }
                guard case .capture(let capture)? = member.pending, let target = capture.targetArch else { return nil }
                let joined = QEMUTarget.rpmArches(target).intersection(packaged)
                return joined.isEmpty ? [target] : joined
            }
            let all = members.compactMap(arches).reduce(into: Set<String>()) { $0.formUnion($1) }
            let shared = members.filter { arches($0) == nil }
            if all.isEmpty {
                groups.append(Group(sourceNVR: members[0].sourceNVR, arch: nil, members: members))
            } else {
                for arch in all.sorted() {
                    let own = members.filter { arches($0)?.contains(arch) == true }
                    groups.append(Group(sourceNVR: members[0].sourceNVR, arch: arch, members: own + shared))
                }
            }
        }
        return groups
    }

    /// Evaluates what waited for the build (specs per arch, captures) and decides.
    func decide(_ group: Group) throws -> Build {
        let reader = InputReader(options: options)
        // The identity comes from a binary package first, then an SRPM, a spec, a capture.
        let lead = group.members.min { rank($0.input.kind) < rank($1.input.kind) }!
        let era =
            lead.isBareExecutable
            ? nil : Era.detect(name: lead.name, epoch: lead.epoch, version: lead.version, release: lead.release)
        var evidence: [Evidence] = []
        var specs: [RemedyFinder.EvaluatedSpec] = []
        var arch = group.arch
        // No binary package and no --target: the spec speaks for every arch it builds for.
        let isSourceBuild = group.arch == nil && options.targetArch == nil
        var sourceSpecs: [SourceSpec] = []
        for member in group.members {
            evidence += member.evidence
            switch member.pending {
            case .spec(let material, let evaluatedArch, let specEvidence, let arches)? where isSourceBuild:
                sourceSpecs.append(
                    SourceSpec(
                        material: material, kind: member.input.kind, evaluatedArch: evaluatedArch,
                        evidence: specEvidence, arches: arches))
            case .spec(let material, let evaluatedArch, let specEvidence, _)?:
                if let arch = group.arch, arch != (evaluatedArch ?? Self.hostArch) {
                    let again = try reader.evaluate(material, arch: arch, withSourceHeader: member.input.kind == .spec)
                        .1
                    specs.append(.init(material: material, arch: arch, evidence: again))
                    evidence += again
                } else {
                    specs.append(.init(material: material, arch: evaluatedArch, evidence: specEvidence))
                    evidence += specEvidence
                }
            case .capture(let capture)?:
                evidence += RuntimeRules.evaluate(capture, source: member.input.path)
            case nil:
                break
            }
        }
        if !sourceSpecs.isEmpty {
            let (found, evaluated) = sourceSpecEvidence(sourceSpecs, reader: reader)
            evidence += found
            specs += evaluated
        }
        if arch == nil, !specs.isEmpty { arch = options.targetArch ?? "src" }

        let decided = Build.decide(evidence)
        let inputs = group.members.map(\.input).sorted { ($0.path, $0.kind.rawValue) < ($1.path, $1.kind.rawValue) }
        let expectation = options.policy.expectation(name: lead.name, arch: arch, fallback: options.expectation)
        var build = Build(
            name: lead.name, epoch: group.members.lazy.compactMap(\.epoch).first, version: lead.version,
            release: lead.release,
            arch: arch, era: era, verdict: decided.verdict, trustedLayer: decided.layer,
            trustedVerdict: decided.trusted,
            expectation: expectation, meetsExpectation: false,
            inputs: inputs, evidence: Self.deduplicated(decided.evidence).sorted(by: Evidence.reportOrder))
        build.meetsExpectation =
            expectation.isMet(by: build.verdict)
            && !(options.policy.switches.headerOnly && build.isDecidedByHeadersAlone)
        if !build.meetsExpectation {
            build.remedy = RemedyFinder(reader: reader).remedy(
                verdict: decided.verdict, target: expectation.verdict, specs: specs,
                decidingLayer: decided.evidence.first { $0.role == .deciding }?.layer)
        }
        return build
    }

    private func rank(_ kind: InputKind) -> Int {
        switch kind {
        case .rpm: 0
        case .srpm: 1
        case .spec: 2
        case .qmp: 3
        case .installed: 0
        case .executable: 4
        }
    }

    /// Evidence without repeats. Two files whose names differ only in Unicode
    /// normalization (`café` as NFC and NFD) are two files: their evidence is
    /// told apart by the bytes of the name, which `String`'s `==` does not.
    private static func deduplicated(_ evidence: [Evidence]) -> [Evidence] {
        struct Key: Hashable {
            var evidence: Evidence
            var source: [UInt8]
            var observed: [UInt8]
        }
        var seen = Set<Key>()
        return evidence.filter {
            seen.insert(Key(evidence: $0, source: Array($0.source.utf8), observed: Array($0.observed.utf8))).inserted
        }
    }

    /// The arch rpm evaluates specs for when no `--target` is given.
    static let hostArch: String = {
        var info = utsname()
        uname(&info)
        return withUnsafeBytes(of: &info.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }()
}

/// One input waiting to be read: its size (the biggest are read first) and how
/// to read it. Paths and directories give these (`pendingInputs`); so can
/// other sources of packages, such as a repository's metadata.
package struct PendingInput: Sendable {
    package var size: Int
    package var read: @Sendable (InputReader) throws -> InputOutcome

    package init(size: Int, read: @escaping @Sendable (InputReader) throws -> InputOutcome) {
        self.size = size
        self.read = read
    }
}
