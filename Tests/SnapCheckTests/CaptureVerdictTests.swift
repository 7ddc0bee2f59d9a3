import Foundation
@_spi(Fuzzing) import SnapCheck
import TestSupport
import Testing

private let evNVR = "qemu-kvm-ev-2.12.0-44.1.el7_8.1"

/// The messages of a capture fixture: one per line (`.jsonl`, `.json`) or one
/// per blank-line-separated block (libvirt's `.replies`).
private func messages(_ name: String) throws -> [[String: Any]] {
    let text = try String(contentsOfFile: Fixtures.source("qmp/" + name), encoding: .utf8)
    // QEMU ends its lines with CRLF, one grapheme: split on any newline character.
    let pieces =
        name.hasSuffix(".replies")
        ? text.components(separatedBy: "\n\n") : text.split(whereSeparator: \.isNewline).map(String.init)
    return try pieces.filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }.map {
        try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
}

/// Writes messages one per line into `directory`; returns the path.
private func write(_ messages: [[String: Any]], _ directory: String, _ name: String) throws -> String {
    let lines = try messages.map {
        String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self)
    }
    let path = directory + "/" + name
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
    return path
}

/// The messages with every version (greeting and query-version) replaced.
private func withVersion(_ messages: [[String: Any]], _ major: Int, _ minor: Int, _ micro: Int, package: String)
    -> [[String: Any]]
{
    let version: [String: Any] = ["qemu": ["major": major, "minor": minor, "micro": micro], "package": package]
    return messages.map { message in
        var message = message
        if var greeting = message["QMP"] as? [String: Any] {
            greeting["version"] = version
            message["QMP"] = greeting
        } else if let result = message["return"] as? [String: Any], result["qemu"] != nil {
            message["return"] = version
        }
        return message
    }
}

/// The messages without the request for `command` and the reply with its id.
private func without(_ messages: [[String: Any]], _ command: String) throws -> [[String: Any]] {
    let request = try #require(messages.firstIndex { $0["execute"] as? String == command })
    let id = try #require(messages[request]["id"] as? String)
    return messages.enumerated().filter { index, message in
        index != request && !(index > request && message["id"] as? String == id && message["execute"] == nil)
    }.map(\.element)
}

/// The messages with every query-target reply's arch replaced.
private func withArch(_ messages: [[String: Any]], _ arch: String) -> [[String: Any]] {
    messages.map { message in
        guard var result = message["return"] as? [String: Any], result["arch"] != nil else { return message }
        var message = message
        result["arch"] = arch
        message["return"] = result
        return message
    }
}

@Suite("QMP captures as runtime evidence")
struct CaptureVerdictTests {
    @Test(
        "Each capture alone gets the verdict its query-commands list gives, at the reply's line",
        arguments: [
            ("debian-7.2-query-commands.json", Verdict.enabled, 1),
            ("debian-7.2-session.jsonl", .enabled, 3),
            ("debian-7.2-libvirt.replies", .enabled, 33),
            ("debian-7.2-replies-only.replies", .enabled, 98),
            ("debian-7.2-two-sessions.replies", .enabled, 45),
            ("id-types.replies", .enabled, 45),
            ("el7-1.5.3-disabled-session.jsonl", .disabled, 3),
            ("el7-2.12-disabled-session.jsonl", .disabled, 3),
            ("el7-2.12-enabled-session.jsonl", .enabled, 3),
            ("el7-2.12-ma-two-sessions.replies", .disabled, 45),
            ("transaction-only-session.jsonl", .disabled, 3),
        ])
    func captureAlone(_ file: String, _ verdict: Verdict, _ line: Int) throws {
        let result = audit([Fixtures.source("qmp/\(file)")])
        #expect(result.errors.isEmpty, "\(result.errors)")
        let build = try #require(result.builds.first)
        #expect(result.builds.count == 1)
        #expect(build.verdict == verdict)
        #expect(build.inputs.map(\.kind) == [.qmp])
        let commands = try #require(build.evidence.first { $0.rule.id == "qmp-query-commands" })
        #expect(commands.role == .deciding)
        #expect(commands.line == line)
        // A bare query-commands reply carries no version; every session does.
        let hasVersion = build.evidence.contains { $0.rule.id == "qmp-version" && $0.role == .note }
        #expect(hasVersion == !file.hasSuffix("query-commands.json"))
        #expect(!build.evidence.contains { $0.rule.id == "qmp-unpaired-reply" })
    }

    @Test("The -ma build probed twice by libvirt is disabled: the second session does not take the first one's replies")
    func maProbedTwice() throws {
        let build = try #require(audit([Fixtures.source("qmp/el7-2.12-ma-two-sessions.replies")]).builds.first)
        #expect(build.displayName == "qemu-kvm-ma-2.12.0-44.el7_8")
        #expect(build.arch == "x86_64")
        #expect(build.verdict == .disabled)
        let deciding = build.evidence.filter { $0.role == .deciding }
        #expect(
            deciding.map(\.observed) == [
                "session 1 of 2: query-commands lists 200 commands; blockdev-snapshot-sync not listed"
            ])
        #expect(deciding.map(\.line) == [45])
        #expect(!build.evidence.contains { $0.supports == .enabled })
        let quiet = try #require(build.evidence.first { $0.rule.id == "qmp-sessions" })
        #expect(quiet.line == 671)
        #expect(
            quiet.observed
                == "session 2 of 2 has no query-commands list, decisive schema or CommandNotFound answer: it decides nothing"
        )
    }

    @Test("Sessions that disagree make the build inconsistent, each session named and a note saying so")
    func sessionsDisagree() throws {
        let build = try #require(audit([Fixtures.source("qmp/sessions-disagree.replies")]).builds.first)
        #expect(build.verdict == .inconsistent)
        #expect(build.trustedLayer == .runtime)
        #expect(build.trustedVerdict == nil)
        let lists = build.evidence.filter { $0.rule.id == "qmp-query-commands" }.sorted {
            ($0.line ?? 0) < ($1.line ?? 0)
        }
        #expect(lists.map(\.line) == [45, 861])
        #expect(lists.map(\.supports) == [.enabled, .disabled])
        #expect(
            lists.map(\.observed) == [
                "session 1 of 2: query-commands lists 216 commands; blockdev-snapshot-sync listed",
                "session 2 of 2: query-commands lists 200 commands; blockdev-snapshot-sync not listed",
            ])
        #expect(lists.allSatisfy { $0.role == .contradicting })
        let note = try #require(build.evidence.first { $0.rule.id == "qmp-sessions" })
        #expect(note.observed == "the sessions disagree: session 1 (line 1) enabled, session 2 (line 712) disabled")
        #expect(note.role == .note)
    }

    @Test("A reply that pairs with no request decides nothing, and says so")
    func unpairedReply() throws {
        let build = try #require(audit([Fixtures.source("qmp/unpaired-query-commands.replies")]).builds.first)
        #expect(build.verdict == .unknown)
        let note = try #require(build.evidence.first { $0.rule.id == "qmp-unpaired-reply" })
        #expect(note.line == 40)
        #expect(note.observed == "1 reply pairs with no request of the session (first at line 40); it decides nothing")
        #expect(!build.evidence.contains { $0.rule.id == "qmp-query-commands" })
    }

    // MARK: Schema only

    static let schemaCases: [(package: String, version: [Int], verdict: Verdict, rule: String, observed: String)] = [
        (
            "Debian 1:7.2+dfsg-7+deb12u18+b3", [7, 2, 22], .unknown, "qmp-schema-only",
            "nothing is decided: package 'Debian 1:7.2+dfsg-7+deb12u18+b3' is neither an upstream release tag nor an EL8+/Fedora NVR"
        ),
        ("", [2, 10, 0], .unknown, "qmp-schema-only", "nothing is decided: the package string is empty"),
        (
            "qemu-kvm-ma-2.12.0-44.el7_8", [2, 12, 0], .unknown, "qmp-schema-only",
            "nothing is decided: qemu-kvm-ma-2.12.0-44.el7_8 is a downstream el7-2.10-2.12 build, whose gate unregisters commands the schema still lists"
        ),
        (evNVR, [2, 12, 0], .unknown, "qmp-schema-only", "\(evNVR) is a downstream el7-2.10-2.12 build"),
        (
            "v8.0.0", [7, 2, 22], .unknown, "qmp-schema-only",
            "nothing is decided: package v8.0.0 does not match query-version's 7.2.22"
        ),
        ("qemu-kvm-7.2.0-14.el9_2", [7, 1, 0], .unknown, "qmp-schema-only", "does not match query-version's 7.1.0"),
        (
            "v5.0.0", [5, 0, 0], .enabled, "qmp-never-gated-build",
            "upstream QEMU 5.0.0 (package v5.0.0): never gated, blockdev-snapshot-sync exists from QEMU 0.14; query-qmp-schema lists it"
        ),
        (
            "v10.2.0-476-gcf3e71d8fc", [10, 2, 50], .enabled, "qmp-never-gated-build",
            "upstream QEMU 10.2.50 (package v10.2.0-476-gcf3e71d8fc)"
        ),
        ("v3.1.0-rc2-48-g039d4e3df0", [3, 0, 92], .enabled, "qmp-never-gated-build", "upstream QEMU 3.0.92"),
        (
            "qemu-kvm-7.2.0-14.el9_2", [7, 2, 0], .enabled, "qmp-never-gated-build",
            "qemu-kvm-7.2.0-14.el9_2 (el8+): never gated"
        ),
        (
            "qemu-7.2.0-6.fc38", [7, 2, 0], .enabled, "qmp-never-gated-build",
            "qemu-7.2.0-6.fc38 (upstream): never gated"
        ),
    ]

    @Test(
        "query-qmp-schema decides only for a build identified as never gated, in both shapes",
        arguments: schemaCases.indices)
    func schemaOnly(_ index: Int) throws {
        let (package, version, verdict, rule, observed) = Self.schemaCases[index]
        let directory = try temporaryDirectory("capture")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let transcript = withVersion(
            try messages("debian-7.2-schema-only.jsonl"), version[0], version[1], version[2], package: package)
        let libvirt = withVersion(
            try without(try messages("debian-7.2-two-sessions.replies"), "query-commands"),
            version[0], version[1], version[2], package: package)
        for capture in [
            try write(transcript, directory, "schema.jsonl"), try write(libvirt, directory, "schema.replies"),
        ] {
            let result = audit([capture])
            #expect(result.errors.isEmpty, "\(result.errors)")
            let build = try #require(result.builds.first)
            #expect(build.verdict == verdict, "\(capture)")
            let schema = try #require(build.evidence.first { $0.rule.id == rule }, "\(build.evidence)")
            #expect(schema.observed.contains(observed), "\(schema.observed)")
            #expect(schema.role == (verdict == .enabled ? .deciding : .note))
            #expect(schema.line == (capture.hasSuffix(".jsonl") ? 4 : 10))
        }
    }

    @Test("A schema-only capture without any version answer decides nothing")
    func schemaWithoutVersion() throws {
        let directory = try temporaryDirectory("capture")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let capture = try write(
            try without(
                try without(try messages("debian-7.2-two-sessions.replies"), "query-commands"), "query-version"),
            directory, "schema.replies")
        let build = try #require(audit([capture]).builds.first)
        #expect(build.verdict == .unknown)
        #expect(build.displayName == "qemu-unknown")
        let schema = try #require(build.evidence.first { $0.rule.id == "qmp-schema-only" })
        #expect(schema.observed.hasSuffix("nothing is decided: no version answer identifies the build"))
    }

    // MARK: Joining builds

    @Test("A capture whose package string is a build's NVR, without query-target, joins every arch and says so")
    func joinsBuild() throws {
        let result = audit([try fixtureDirectory("ev-212"), Fixtures.source("qmp/el7-2.12-enabled-session.jsonl")])
        #expect(result.builds.map(\.arch) == ["ppc64le", "x86_64"])
        for build in result.builds {
            #expect(build.inputs.contains { $0.kind == .qmp })
            #expect(build.verdict == .enabled)
            #expect(build.evidence.first { $0.role == .deciding }?.layer == .runtime)
            let target = try #require(build.evidence.first { $0.rule.id == "qmp-target" })
            #expect(
                target.observed
                    == "no query-target answer: the emulator's arch is not known; the capture joins every arch of its build"
            )
        }
    }

    @Test(
        "An x86_64 capture decides nothing for the ppc64le build of the same NVR; ppc64 joins ppc64le only",
        arguments: [
            ("x86_64", "x86_64", "ppc64le", "query-target: arch x86_64; the capture joins x86_64 builds only"),
            ("ppc64", "ppc64le", "x86_64", "query-target: arch ppc64; the capture joins ppc64, ppc64le builds only"),
        ])
    func joinsItsArchOnly(_ target: String, _ joined: String, _ other: String, _ note: String) throws {
        let directory = try temporaryDirectory("capture")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The -ma model's answers (disabled), reporting the ev build's NVR and `target`.
        let capture = try write(
            withArch(withVersion(try messages("el7-2.12-ma-two-sessions.replies"), 2, 12, 0, package: evNVR), target),
            directory, "probe.replies")
        let result = audit([try fixtureDirectory("ev-212"), capture])
        #expect(result.builds.map(\.arch) == ["ppc64le", "x86_64"])
        let with = try #require(result.builds.first { $0.arch == joined })
        #expect(with.inputs.contains { $0.path == capture })
        #expect(with.verdict == .inconsistent)
        #expect(with.trustedLayer == .runtime)
        #expect(with.trustedVerdict == .disabled)
        #expect(with.evidence.first { $0.rule.id == "qmp-target" }?.observed == note)
        let without = try #require(result.builds.first { $0.arch == other })
        #expect(!without.inputs.contains { $0.kind == .qmp })
        #expect(without.verdict == .enabled)
        #expect(!without.evidence.contains { $0.layer == .runtime })
    }

    @Test("A capture with no package of its arch among the inputs is a build of its own arch")
    func ownArch() throws {
        let directory = try temporaryDirectory("capture")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let capture = try write(
            withVersion(try messages("el7-2.12-ma-two-sessions.replies"), 2, 12, 0, package: evNVR),
            directory, "probe.replies")
        let result = audit([try fixtureDirectory("ev-212", "ppc64le"), capture])
        #expect(result.builds.map(\.arch) == ["ppc64le", "x86_64"])
        #expect(result.builds.map(\.verdict) == [.enabled, .disabled])
        #expect(result.builds.map { $0.inputs.map(\.kind) } == [[.rpm, .rpm, .rpm, .rpm], [.qmp]])
    }

    @Test("A running binary that disagrees with the package makes the build inconsistent, trusting the runtime")
    func runtimeDisagrees() throws {
        let directory = try temporaryDirectory("capture")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The disabled 1.5.3 capture, but reporting the rhev build's NVR.
        let text = try String(contentsOfFile: Fixtures.source("qmp/el7-1.5.3-disabled-session.jsonl"), encoding: .utf8)
            .replacingOccurrences(of: "qemu-kvm-1.5.3-175.el7", with: "qemu-kvm-rhev-1.5.3-175.el7")
        let capture = directory + "/probe.jsonl"
        try text.write(toFile: capture, atomically: false, encoding: .utf8)
        let build = try #require(audit([try fixtureDirectory("el7-rhev"), capture]).builds.first)
        #expect(build.verdict == .inconsistent)
        #expect(build.trustedLayer == .runtime)
        #expect(build.trustedVerdict == .disabled)
    }

    @Test("A disabled 2.9+ capture notes that transaction alone proves nothing")
    func transactionAlone() throws {
        let build = try #require(audit([Fixtures.source("qmp/el7-2.12-disabled-session.jsonl")]).builds.first)
        #expect(build.name == "qemu-kvm-ma")
        #expect(build.evidence.contains { $0.rule.id == "qmp-transaction-alone" && $0.supports == nil && $0.line == 3 })
    }

    // MARK: Cost

    @Test("A 16 MiB event flood among other inputs is read, and every input is reported")
    func eventFloodInABatch() throws {
        let directory = try temporaryDirectory("capture")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let flood = directory + "/flood.jsonl"
        let event =
            #"{"timestamp": {"seconds": 1700000000, "microseconds": 1}, "event": "RTC_CHANGE", "data": {"offset": 0}}"#
            + "\n"
        let events = String(repeating: event, count: (16 << 20) / event.utf8.count)
        let greeting = try String(
            contentsOfFile: Fixtures.source("qmp/el7-2.12-disabled-session.jsonl"), encoding: .utf8)
        try (greeting + events).write(toFile: flood, atomically: false, encoding: .utf8)
        let result = audit([flood, Fixtures.source("qmp/el7-2.12-enabled-session.jsonl")])
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.builds.map(\.displayName) == ["qemu-kvm-ev-2.12.0-44.1.el7_8.1", "qemu-kvm-ma-2.12.0-44.el7_8"])
        #expect(result.builds.map(\.verdict) == [.enabled, .disabled])
    }

    @Test(
        "Two different query-commands lists in one session make the build inconsistent, in either order and either layout",
        arguments: [(false, false), (true, false), (false, true), (true, true)])
    func twoListsInOneSession(_ reversed: Bool, _ withRequests: Bool) throws {
        let enabled = try messages("el7-2.12-enabled-session.jsonl")
        let disabled = try messages("el7-2.12-disabled-session.jsonl")
        var lists = [enabled[2], disabled[2]]
        if reversed { lists.reverse() }
        // The greeting and the capabilities reply, then the two lists; with requests, each reply after its request.
        var session: [[String: Any]] =
            withRequests
            ? [enabled[0], ["execute": "qmp_capabilities", "id": "c"], enabled[1].merging(["id": "c"]) { $1 }]
            : [enabled[0], enabled[1]]
        for list in lists {
            session +=
                withRequests ? [["execute": "query-commands", "id": "q"], list.merging(["id": "q"]) { $1 }] : [list]
        }
        let path = try write(session, try temporaryDirectory("capture"), "two-lists.jsonl")
        let build = try #require(audit([path]).builds.only)
        #expect(build.verdict == .inconsistent)
        let found = build.evidence.filter { $0.rule.id == "qmp-query-commands" }
        #expect(Set(found.map(\.supports)) == [.enabled, .disabled])
        #expect(found.allSatisfy { $0.role == .contradicting })
        let lines = found.compactMap(\.line).sorted()
        #expect(
            build.observed("qmp-sessions") == [
                "query-commands answered 2 different lists in one session (lines \(lines[0]), \(lines[1])): a running emulator registers its commands once, so these are not the answers of one emulator"
            ])
    }

    @Test("The same query-commands list answered twice is one answer: no note, the verdict stands")
    func sameListTwice() throws {
        let enabled = try messages("el7-2.12-enabled-session.jsonl")
        let path = try write(
            [enabled[0], enabled[1], enabled[2], enabled[2]], try temporaryDirectory("capture"), "same-list.jsonl")
        let build = try #require(audit([path]).builds.only)
        #expect(build.verdict == .enabled)
        #expect(build.evidence.filter { $0.rule.id == "qmp-query-commands" }.count == 1)
        #expect(build.observed("qmp-sessions").isEmpty)
    }
}
