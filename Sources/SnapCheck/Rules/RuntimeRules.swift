/// Reads what a running emulator answered over QMP (facts: "Running binary").
///
/// A capture gives its identity once (version, target arch) and then each
/// session's own evidence: a file with two sessions is two conversations with
/// the emulator, and when they disagree the build is inconsistent.
enum RuntimeRules {
    static let command = "blockdev-snapshot-sync"

    static func evaluate(_ capture: QMPCapture, source: String) -> [Evidence] {
        var evidence = identity(capture, source: source)
        let build = RunningBuild(capture)
        let count = capture.sessions.count
        var votes: [(session: QMPSession, verdicts: Set<Verdict>)] = []
        for session in capture.sessions {
            let label = count > 1 ? "session \(session.number) of \(count): " : ""
            let found = Self.session(session, label: label, build: build, source: source)
            evidence += found
            votes.append((session, Set(found.compactMap(\.supports))))
        }
        guard count > 1 else { return evidence }
        for (session, verdicts) in votes where verdicts.isEmpty {
            evidence.append(
                Evidence(
                    Rules.qmpSessions, source: source, line: session.line,
                    observed:
                        "session \(session.number) of \(count) has no query-commands list, decisive schema or CommandNotFound answer: it decides nothing",
                    supports: nil))
        }
        let voting = votes.filter { !$0.verdicts.isEmpty }
        if Set(voting.flatMap(\.verdicts)).count > 1 {
            let each = voting.map {
                "session \($0.session.number) (line \($0.session.line)) \($0.verdicts.map(\.rawValue).sorted().joined(separator: " and "))"
            }
            evidence.append(
                Evidence(
                    Rules.qmpSessions, source: source, line: voting[0].session.line,
                    observed: "the sessions disagree: \(each.joined(separator: ", "))", supports: nil))
        }
        return evidence
    }

    /// The notes every capture gets once: its version and its target arch.
    private static func identity(_ capture: QMPCapture, source: String) -> [Evidence] {
        var evidence: [Evidence] = []
        let versions = capture.sessions.compactMap(\.version)
        if let version = capture.version, let first = versions.first {
            let package = version.package.isEmpty ? "no package string" : "package \(version.package)"
            evidence.append(
                Evidence(
                    Rules.qmpVersion, source: source, line: first.line, observed: "QEMU \(version.string), \(package)",
                    supports: nil))
        } else if let first = versions.first {
            let each = capture.sessions.compactMap { s in
                s.version.map { "session \(s.number) QEMU \($0.value.string) (package '\($0.value.package)')" }
            }
            evidence.append(
                Evidence(
                    Rules.qmpVersion, source: source, line: first.line,
                    observed:
                        "the sessions report different versions: \(each.joined(separator: ", ")); the build is not identified",
                    supports: nil))
        }
        let targets = capture.sessions.compactMap(\.targetArch)
        if let target = capture.targetArch, let first = targets.first {
            evidence.append(
                Evidence(
                    Rules.qmpTarget, source: source, line: first.line,
                    observed: "query-target: arch \(target); the capture joins \(QEMUTarget.joinedBuilds(target)) only",
                    supports: nil))
        } else if let first = targets.first {
            let each = capture.sessions.compactMap { s in s.targetArch.map { "session \(s.number) \($0.value)" } }
            evidence.append(
                Evidence(
                    Rules.qmpTarget, source: source, line: first.line,
                    observed:
                        "the sessions report different target arches (\(each.joined(separator: ", "))); the capture joins every arch of its build",
                    supports: nil))
        } else {
            evidence.append(
                Evidence(
                    Rules.qmpTarget, source: source,
                    observed:
                        "no query-target answer: the emulator's arch is not known; the capture joins every arch of its build",
                    supports: nil))
        }
        return evidence
    }

    /// One session's evidence; `label` names the session when the capture has several.
    private static func session(_ session: QMPSession, label: String, build: RunningBuild, source: String) -> [Evidence]
    {
        var evidence: [Evidence] = []
        // Every different list answered votes: two that disagree make the build inconsistent, whatever their order.
        let lists = (session.commands.map { [$0] } ?? []) + session.otherCommands
        for commands in lists {
            let names = Set(commands.value)
            let has = names.contains(command)
            evidence.append(
                Evidence(
                    Rules.qmpQueryCommands, source: source, line: commands.line,
                    observed: label
                        + "query-commands lists \(commands.value.count) commands; \(command) \(has ? "listed" : "not listed")",
                    supports: has ? .enabled : .disabled))
            if !has, names.contains("transaction") {
                evidence.append(
                    Evidence(
                        Rules.qmpTransactionAlone, source: source, line: commands.line,
                        observed: label + "transaction is listed without \(command)", supports: nil))
            }
        }
        if lists.count > 1 {
            evidence.append(
                Evidence(
                    Rules.qmpSessions, source: source, line: lists[0].line,
                    observed: label
                        + "query-commands answered \(lists.count) different lists in one session (lines \(lists.map { String($0.line) }.joined(separator: ", "))): a running emulator registers its commands once, so these are not the answers of one emulator",
                    supports: nil))
        }
        if let notFound = session.commandNotFound.first(where: { $0.value == command }) {
            evidence.append(
                Evidence(
                    Rules.qmpCommandNotFound, source: source, line: notFound.line,
                    observed: label + "\(command) answered CommandNotFound", supports: .disabled))
        }
        if session.commands == nil, let schema = session.schemaCommands {
            let has = schema.value.contains(command)
            switch build {
            case .neverGated(let who) where has:
                evidence.append(
                    Evidence(
                        Rules.qmpNeverGatedBuild, source: source, line: schema.line,
                        observed: label
                            + "\(who): never gated, \(command) exists from QEMU 0.14; query-qmp-schema lists it",
                        supports: .enabled))
            case .neverGated:
                evidence.append(
                    Evidence(
                        Rules.qmpSchemaOnly, source: source, line: schema.line,
                        observed: label
                            + "only query-qmp-schema: \(command) not in the schema of a never-gated build; nothing is decided",
                        supports: nil))
            case .unidentified(let why):
                evidence.append(
                    Evidence(
                        Rules.qmpSchemaOnly, source: source, line: schema.line,
                        observed: label
                            + "only query-qmp-schema, which lists unregistered commands too: \(command) \(has ? "in" : "not in") the schema; nothing is decided: \(why)",
                        supports: nil))
            }
        }
        if let help = session.hmpHelp {
            let has = help.value.split(whereSeparator: { $0.isNewline }).contains {
                $0.split(separator: " ").first == "snapshot_blkdev"
            }
            evidence.append(
                Evidence(
                    Rules.qmpHMPHelp, source: source, line: help.line,
                    observed: label + "HMP help \(has ? "lists" : "does not list") snapshot_blkdev", supports: nil))
        }
        if let unpaired = session.unpairedReplies {
            let replies = unpaired.value == 1 ? "1 reply pairs" : "\(unpaired.value) replies pair"
            let they = unpaired.value == 1 ? "it decides" : "they decide"
            evidence.append(
                Evidence(
                    Rules.qmpUnpairedReply, source: source, line: unpaired.line,
                    observed: label
                        + "\(replies) with no request of the session (first at line \(unpaired.line)); \(they) nothing",
                    supports: nil))
        }
        return evidence
    }
}

/// Who built a running emulator, as far as its version answer says. Only a
/// build identified as never gated lets `query-qmp-schema` decide, and then as
/// an era fact: the schema also lists commands a gated build unregistered.
enum RunningBuild: Equatable {
    /// How it was identified: an upstream release tag that matches the version
    /// numbers, or an EL8+/Fedora NVR.
    case neverGated(String)
    /// Why it is not known to be never gated.
    case unidentified(String)

    init(_ capture: QMPCapture) {
        guard let version = capture.version else {
            let reported = Set(capture.sessions.compactMap { $0.version?.value })
            self = .unidentified(
                reported.isEmpty ? "no version answer identifies the build" : "the sessions report different versions")
            return
        }
        self = Self.identify(version)
    }

    static func identify(_ version: QMPVersion) -> RunningBuild {
        let package = version.package
        guard version.major > 0 || version.minor >= 14 else {
            return .unidentified("QEMU \(version.string) predates \(RuntimeRules.command)")
        }
        if package.isEmpty {
            return .unidentified("the package string is empty (a build from source, configured any way)")
        }
        if let tag = UpstreamTag(package) {
            guard tag.matches(version) else {
                return .unidentified("package \(package) does not match query-version's \(version.string)")
            }
            return .neverGated("upstream QEMU \(version.string) (package \(package))")
        }
        if let nvr = SourceNVR(sourceRPM: package), Era.isQEMUSourceName(nvr.name) {
            guard nvr.version == version.string else {
                return .unidentified("package \(package) does not match query-version's \(version.string)")
            }
            switch Era.detect(name: nvr.name, epoch: nil, version: nvr.version, release: nvr.release) {
            case let era? where era == .el8 || era == .upstream:
                return .neverGated("\(package) (\(era.rawValue))")
            case let era?:
                return .unidentified(
                    "\(package) is a downstream \(era.rawValue) build, whose gate unregisters commands the schema still lists"
                )
            case nil:
                return .unidentified("\(package) is a build of no era snapcheck knows")
            }
        }
        return .unidentified(
            "package '\(package)' is neither an upstream release tag nor an EL8+/Fedora NVR (a distribution's build may patch anything)"
        )
    }
}

/// An upstream `git describe` package string: `v5.0.0`, `v3.1.0-rc2-48-g039d4e3df0`, `v10.2.0-476-gcf3e71d8fc`.
struct UpstreamTag {
    var major: Int, minor: Int, micro: Int
    /// A release candidate (`-rcN`).
    var isCandidate: Bool
    /// Commits after the tag (`-N-gHASH`).
    var isAfterTag: Bool

    init?(_ package: String) {
        // `-dirty` (local changes) is no upstream tree.
        guard let match = package.wholeMatch(of: /v(\d{1,4})\.(\d{1,4})\.(\d{1,4})(-rc\d+)?(-\d+-g[0-9a-f]{4,40})?/),
            let major = Int(match.1), let minor = Int(match.2), let micro = Int(match.3)
        else { return nil }
        (self.major, self.minor, self.micro) = (major, minor, micro)
        isCandidate = match.4 != nil
        isAfterTag = match.5 != nil
    }

    /// Whether QEMU's own numbers fit the tag: a release reports itself; the
    /// development tree after a tag reports the same major.minor with micro 50
    /// (10.2.50 after v10.2.0: commits on a release, as a downstream tree built
    /// from git would show, keep the release's micro and are no upstream tree);
    /// a candidate of M.m.0 reports the version before it with micro 90 and up
    /// (v3.1.0-rc2: 3.0.92; v4.0.0-rc1: 3.1.91).
    func matches(_ version: QMPVersion) -> Bool {
        if isCandidate {
            guard version.micro >= 90 else { return false }
            return (version.major == major && version.minor + 1 == minor) || (version.major + 1 == major && minor == 0)
        }
        if isAfterTag {
            return version.major == major && version.minor == minor && version.micro >= 50 && version.micro < 90
        }
        return (version.major, version.minor, version.micro) == (major, minor, micro)
    }
}

/// QEMU's target arch names (`query-target`) and the RPM arches of the builds
/// whose emulator reports them: a capture joins only builds of those arches.
///
/// A KVM emulator (qemu-kvm) emulates its host's arch, so the target is the
/// package's arch, with two exceptions in naming: QEMU calls both ppc64 and
/// ppc64le `ppc64` (endianness is not part of the target), so a `ppc64`
/// capture joins builds of either; 32-bit x86 is `i386` to QEMU and i686 (or
/// i586, i386) to rpm. A capture with no package of its arch among the inputs
/// is a build of its own, labelled with QEMU's name.
enum QEMUTarget {
    static func rpmArches(_ target: String) -> Set<String> {
        switch target {
        case "ppc64": ["ppc64le", "ppc64"]
        case "i386": ["i686", "i586", "i386"]
        default: [target]
        }
    }

    /// `x86_64 builds`, `ppc64, ppc64le builds`.
    static func joinedBuilds(_ target: String) -> String {
        rpmArches(target).sorted().joined(separator: ", ") + " builds"
    }
}
