import Foundation
@_spi(Fuzzing) import SnapCheck
import TestSupport
import Testing

private func fixture(_ name: String) throws -> [UInt8] {
    let path = Fixtures.source("qmp/" + name)
    guard let data = FileManager.default.contents(atPath: path) else {
        throw FixtureError.missing(path)
    }
    return [UInt8](data)
}

private func capture(_ name: String) throws -> QMPCapture {
    try QMPCapture(bytes: fixture(name))
}

private func parse(_ text: String) throws -> QMPCapture {
    try QMPCapture(bytes: Array(text.utf8))
}

/// The only session of a capture that must have exactly one.
private func only(_ capture: QMPCapture) throws -> QMPSession {
    try #require(capture.sessions.count == 1, "\(capture.sessions.count) sessions")
    return capture.sessions[0]
}

/// The error a parse throws, or nil when it succeeds.
private func parseError(_ bytes: [UInt8]) -> QMPCaptureError? {
    do {
        _ = try QMPCapture(bytes: bytes)
        return nil
    } catch let error as QMPCaptureError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

private let debianPackage = "Debian 1:7.2+dfsg-7+deb12u18+b3"
private let greeting212 =
    #"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 12, "major": 2}, "package": "qemu-kvm-ev-2.12.0-44.1.el7_8.1"}, "capabilities": []}}"#

@Suite("QMPCapture")
struct QMPCaptureTests {
    // MARK: Real captures (Debian 12, QEMU 7.2)

    @Test(
        "Each real capture is read in its own format with the live snapshot commands",
        arguments: [
            ("debian-7.2-query-commands.json", QMPCapture.Format.queryCommandsReply, 1),
            ("debian-7.2-session.jsonl", .repliesOnly, 3),
            ("debian-7.2-libvirt.replies", .requestsAndReplies, 33),
            ("debian-7.2-replies-only.replies", .repliesOnly, 98),
        ])
    func realCaptures(name: String, format: QMPCapture.Format, line: Int) throws {
        let parsed = try capture(name)
        #expect(parsed.format == format)
        let session = try only(parsed)
        let commands = try #require(session.commands)
        #expect(commands.line == line)
        #expect(commands.value.count == 216)
        #expect(commands.value.contains("blockdev-snapshot-sync"))
        #expect(commands.value.contains("transaction"))
        #expect(commands.value.contains("query-commands"))
        #expect(commands.value == commands.value.sorted())
        #expect(session.schemaCommands == nil)
        #expect(session.commandNotFound.isEmpty)
    }

    @Test(
        "The version comes from query-version, with the package string and its line",
        arguments: [
            ("debian-7.2-session.jsonl", 4), ("debian-7.2-libvirt.replies", 16), ("debian-7.2-schema-only.jsonl", 3),
            ("debian-7.2-replies-only.replies", 22), ("debian-7.2-two-sessions.replies", 16),
        ])
    func realVersion(name: String, line: Int) throws {
        let parsed = try capture(name)
        let version = try #require(parsed.version)
        #expect((version.major, version.minor) == (7, 2))
        #expect(version.string == "7.2.\(version.micro)")
        #expect(version.package == debianPackage)
        #expect(parsed.sessions.first?.version?.line == line)
    }

    @Test("A lone query-commands reply has no version and no target")
    func loneReplyHasNoVersion() throws {
        let parsed = try capture("debian-7.2-query-commands.json")
        #expect(parsed.version == nil)
        #expect(parsed.targetArch == nil)
        #expect(try only(parsed).hmpHelp == nil)
    }

    @Test("The HMP help text is kept from a transcript")
    func hmpHelpFromTranscript() throws {
        let help = try #require(try only(capture("debian-7.2-session.jsonl")).hmpHelp)
        #expect(help.line == 5)
        #expect(help.value.contains("\r\nsnapshot_blkdev "))
        #expect(help.value.contains("help|? [cmd]"))
    }

    @Test("A schema-only session has schema commands but no query-commands list")
    func schemaOnly() throws {
        let parsed = try capture("debian-7.2-schema-only.jsonl")
        #expect(parsed.format == .repliesOnly)
        let session = try only(parsed)
        #expect(session.commands == nil)
        let schema = try #require(session.schemaCommands)
        #expect(schema.line == 4)
        #expect(schema.value.contains("blockdev-snapshot-sync"))
        #expect(schema.value.contains("query-qmp-schema"))
        #expect(!schema.value.contains("BlockdevSnapshotSync"))  // types are not commands
        #expect(!schema.value.contains("SHUTDOWN"))  // nor are events
        #expect(schema.value == schema.value.sorted())
    }

    // MARK: Sessions

    @Test("libvirt's two sessions with restarting ids: each reply pairs in its own session")
    func twoLibvirtSessions() throws {
        let parsed = try capture("debian-7.2-two-sessions.replies")
        #expect(parsed.format == .requestsAndReplies)
        #expect(parsed.sessions.map(\.number) == [1, 2])
        #expect(parsed.sessions.map(\.line) == [1, 719])
        let first = parsed.sessions[0]
        let second = parsed.sessions[1]
        #expect(first.commands?.line == 45)
        #expect(first.commands?.value.contains("blockdev-snapshot-sync") == true)
        #expect(first.version?.value.package == debianPackage)
        #expect(first.targetArch == QMPFact("x86_64", line: 33))
        #expect(first.schemaCommands?.value.contains("blockdev-snapshot-sync") == true)
        // The second session's libvirt-2 and libvirt-4 are query-kvm and query-migrate-capabilities:
        // they do not take the first session's query-version and query-commands replies.
        #expect(second.commands == nil)
        #expect(second.version == nil)
        #expect(second.schemaCommands == nil)
        #expect(second.targetArch == QMPFact("x86_64", line: 856))
        #expect(parsed.version?.string == "7.2.22")
        #expect(parsed.targetArch == "x86_64")
        #expect(parsed.sessions.allSatisfy { $0.unpairedReplies == nil })
    }

    @Test("A second qmp_capabilities request starts a new session")
    func capabilitiesStartASession() throws {
        let parsed = try parse(
            """
            {"execute": "qmp_capabilities", "id": "libvirt-1"}
            {"return": {}, "id": "libvirt-1"}
            {"execute": "query-commands", "id": "libvirt-2"}
            {"return": [{"name": "query-commands"}, {"name": "blockdev-snapshot-sync"}], "id": "libvirt-2"}
            {"execute": "qmp_capabilities", "id": "libvirt-1"}
            {"return": {}, "id": "libvirt-1"}
            {"execute": "query-chardev-backends", "id": "libvirt-2"}
            {"return": [{"name": "query-commands"}, {"name": "pty"}], "id": "libvirt-2"}
            """)
        #expect(parsed.sessions.map(\.line) == [1, 5])
        #expect(parsed.sessions[0].commands == QMPFact(["blockdev-snapshot-sync", "query-commands"], line: 4))
        #expect(parsed.sessions[1].commands == nil)  // paired with query-chardev-backends, whatever its shape
    }

    @Test("A greeting starts a new session")
    func greetingStartsASession() throws {
        let parsed = try parse(
            """
            \(greeting212)
            {"return": {}}
            {"return": [{"name": "query-commands"}, {"name": "blockdev-snapshot-sync"}]}
            {"timestamp": {"seconds": 1, "microseconds": 2}, "event": "SHUTDOWN", "data": {"guest": false}}
            \(greeting212)
            {"return": {}}
            {"return": [{"name": "query-commands"}]}
            """)
        #expect(parsed.format == .repliesOnly)
        #expect(parsed.sessions.map(\.line) == [1, 5])
        #expect(parsed.sessions.map { $0.commands?.value.count } == [2, 1])
        #expect(parsed.sessions.map { $0.version?.line } == [1, 5])
    }

    @Test("Without requests, the first reply id seen again after others starts a new session")
    func restartingIDsStartASession() throws {
        let parsed = try parse(
            """
            {"return": {}, "id": "libvirt-1"}
            {"return": [{"name": "query-commands"}, {"name": "blockdev-snapshot-sync"}], "id": "libvirt-2"}
            {"return": {}, "id": "libvirt-1"}
            {"return": [{"name": "query-commands"}], "id": "libvirt-2"}
            """)
        #expect(parsed.sessions.map(\.line) == [1, 3])
        #expect(
            parsed.sessions.map { $0.commands?.value } == [
                ["blockdev-snapshot-sync", "query-commands"], ["query-commands"],
            ])
    }

    @Test("A client that sends one id with every request stays in one session")
    func oneIDForEveryRequest() throws {
        let parsed = try parse(
            """
            {"return": {}, "id": 1}
            {"return": [{"name": "query-commands"}, {"name": "blockdev-snapshot-sync"}], "id": 1}
            {"return": {"qemu": {"micro": 0, "minor": 12, "major": 2}, "package": ""}, "id": 1}
            """)
        let session = try only(parsed)
        #expect(session.commands?.line == 2)
        #expect(session.version?.line == 3)
    }

    @Test("Requests without ids pair with the replies that follow, in order, before any shape")
    func requestsWithoutIDsPairInOrder() throws {
        let parsed = try parse(
            """
            \(greeting212)
            {"execute": "qmp_capabilities"}
            {"return": {}}
            {"execute": "query-chardev-backends"}
            {"return": [{"name": "query-commands"}, {"name": "pty"}]}
            {"execute": "query-commands"}
            {"return": [{"name": "query-commands"}, {"name": "transaction"}]}
            {"execute": "human-monitor-command", "arguments": {"command-line": "help"}}
            {"return": "snapshot_blkdev_internal tag|id -- take an internal snapshot\\r\\n"}
            {"execute": "blockdev-snapshot-sync", "arguments": {}}
            {"error": {"class": "CommandNotFound", "desc": "no such command"}}
            """)
        #expect(parsed.format == .requestsAndReplies)
        let session = try only(parsed)
        #expect(session.commands == QMPFact(["query-commands", "transaction"], line: 7))
        #expect(session.hmpHelp == QMPFact("snapshot_blkdev_internal tag|id -- take an internal snapshot\r\n", line: 9))
        #expect(session.commandNotFound == [QMPFact("blockdev-snapshot-sync", line: 11)])  // named by its request
        #expect(session.version?.value.package == "qemu-kvm-ev-2.12.0-44.1.el7_8.1")  // from the greeting
        #expect(session.unpairedReplies == nil)
    }

    @Test("libvirt replies are paired with requests by id, an empty query-commands list included")
    func libvirtPairsByID() throws {
        let parsed = try parse(
            """
            {"execute": "query-version", "id": "libvirt-1"}

            {"return": {"qemu": {"micro": 3, "minor": 5, "major": 1}, "package": " (qemu-kvm-1.5.3-175.el7)"}, "id": "libvirt-1"}

            {"execute": "query-commands", "id": 2}

            {"id": 2, "return": []}

            {"execute": "query-target", "id": "libvirt-3"}

            {"return": {"arch": "x86_64", "cpu": "extra"}, "id": "libvirt-3"}
            """)
        #expect(parsed.format == .requestsAndReplies)
        let session = try only(parsed)
        #expect(session.commands == QMPFact([], line: 7))  // empty, yet known to be query-commands by its id
        #expect(parsed.version?.string == "1.5.3")
        #expect(parsed.version?.package == "qemu-kvm-1.5.3-175.el7")  // " (...)" trimmed
        #expect(session.targetArch == QMPFact("x86_64", line: 11))  // paired: other keys do not matter
    }

    // MARK: Ids and pairing

    @Test("Ids of different JSON types are different ids: each reply finds its own request")
    func idTypes() throws {
        let session = try only(capture("id-types.replies"))
        #expect(session.commands?.value.contains("blockdev-snapshot-sync") == true)
        #expect(session.targetArch?.value == "x86_64")
        #expect(session.version?.value.package == debianPackage)
        #expect(session.unpairedReplies == nil)
    }

    @Test("1, true and \"1\" never pair with each other")
    func idTypesNeverPair() throws {
        let parsed = try parse(
            """
            {"execute": "query-commands", "id": 1}
            {"execute": "query-version", "id": "1"}
            {"return": {"qemu": {"micro": 0, "minor": 12, "major": 2}, "package": ""}, "id": true}
            {"return": [{"name": "query-commands"}, {"name": "blockdev-snapshot-sync"}], "id": "true"}
            """)
        let session = try only(parsed)
        #expect(session.commands == nil)
        #expect(session.version == nil)
        #expect(session.unpairedReplies == QMPFact(2, line: 3))
    }

    @Test("In a capture with requests, a reply that pairs with nothing is counted and not read")
    func unpairedReply() throws {
        let parsed = try capture("unpaired-query-commands.replies")
        let session = try only(parsed)
        #expect(session.commands == nil)  // the list is there (line 40), but nothing asked for it
        #expect(session.unpairedReplies == QMPFact(1, line: 40))
        #expect(parsed.version?.package == debianPackage)
    }

    @Test("Replies without requests: query-commands is told from another list of names by its shape")
    func shapeOfQueryCommands() throws {
        let session = try only(capture("debian-7.2-replies-only.replies"))
        // query-chardev-backends (line 41) is a list of names too, but does not list query-commands.
        #expect(session.commands?.line == 98)
        #expect(session.targetArch == QMPFact("x86_64", line: 34))
        #expect(session.version?.line == 22)
    }

    @Test("CommandNotFound names come from the error text when nothing was asked")
    func commandNotFoundFromDesc() throws {
        let parsed = try parse(
            #"{"error": {"class": "CommandNotFound", "desc": "The command transaction has not been found"}}"#
                + #"{"error": {"class": "CommandNotFound", "desc": "The command drive-mirror has not been found"}}"#
                + #"{"error": {"class": "GenericError", "desc": "The command x has not been found"}}"#)
        #expect(
            try only(parsed).commandNotFound == [QMPFact("drive-mirror", line: 1), QMPFact("transaction", line: 1)])
    }

    @Test("The greeting's version is used when query-version is missing")
    func greetingVersion() throws {
        let parsed = try parse(greeting212 + "\n" + #"{"return": {}}"# + "\n")
        #expect(parsed.format == .repliesOnly)
        #expect(parsed.version == QMPVersion(major: 2, minor: 12, micro: 0, package: "qemu-kvm-ev-2.12.0-44.1.el7_8.1"))
        #expect(try only(parsed).commands == nil)
    }

    @Test("Strings containing braces, quotes and escapes do not confuse the splitter")
    func stringsWithBraces() throws {
        let parsed = try parse(
            #"{"return": "}{ \"help|? \\\" [ ] \u007b"}{"return": [{"name": "a}b"}, {"name": "query-commands"}]}"#)
        #expect(try only(parsed).commands?.value == ["a}b", "query-commands"])
        #expect(parsed.format == .repliesOnly)
    }

    // MARK: Streaming

    @Test(
        "A capture fed in pieces of any size reads the same as whole",
        arguments: [
            ("sessions-disagree.replies", 1), ("debian-7.2-two-sessions.replies", 7),
            ("debian-7.2-two-sessions.replies", 4096),
            ("debian-7.2-session.jsonl", 3),
        ])
    func chunked(name: String, size: Int) throws {
        let bytes = try fixture(name)
        var reader = QMPCaptureReader()
        var start = 0
        while start < bytes.count {
            try reader.feed(bytes[start..<min(start + size, bytes.count)])
            start += size
        }
        #expect(try reader.finish() == (try QMPCapture(bytes: bytes)))
    }

    @Test("A 16 MiB flood of events, fed in 1 MiB pieces, keeps only what the session answered")
    func eventFlood() throws {
        var reader = QMPCaptureReader()
        try reader.feed(Array((greeting212 + "\n").utf8))
        var line = 1
        let event =
            #"{"timestamp": {"seconds": 1700000000, "microseconds": 1}, "event": "RTC_CHANGE", "data": {"offset": 0}}"#
            + "\n"
        let chunk = Array(String(repeating: event, count: (1 << 20) / event.utf8.count).utf8)
        for _ in 0..<16 {
            try reader.feed(chunk)
            line += chunk.count / event.utf8.count
        }
        try reader.feed(Array(#"{"return": [{"name": "query-commands"}, {"name": "blockdev-snapshot-sync"}]}"#.utf8))
        let parsed = try reader.finish()
        let session = try only(parsed)
        #expect(session.commands == QMPFact(["blockdev-snapshot-sync", "query-commands"], line: line + 1))
        #expect(parsed.version?.package == "qemu-kvm-ev-2.12.0-44.1.el7_8.1")
    }

    // MARK: Limits

    @Test("One message over 16 MiB is refused while it is read")
    func messageTooLarge() throws {
        var reader = QMPCaptureReader()
        try reader.feed(Array(#"{"return": ""#.utf8))
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
        var error: QMPCaptureError?
        for _ in 0..<17 where error == nil {
            do { try reader.feed(piece) } catch let caught as QMPCaptureError { error = caught }
        }
        let refused = try #require(error)
        #expect(refused.kind == .tooLarge)
        #expect(refused.description == "object 1: a message over the 16 MiB limit of one message (from line 1)")
    }

    @Test("More than 8 different query-commands lists in one session are refused")
    func tooManyCommandLists() throws {
        func lists(_ count: Int) -> [UInt8] {
            Array(
                ([greeting212] + (0..<count).map { #"{"return": [{"name": "query-commands"}, {"name": "c\#($0)"}]}"# })
                    .joined(separator: "\n").utf8)
        }
        let error = try #require(parseError(lists(QMPCapture.Limits().commandLists + 1)))
        #expect(error.kind == .tooLarge)
        #expect(error.description == "more than 8 different query-commands lists in one session (the next at line 10)")
        let capture = try QMPCapture(bytes: lists(QMPCapture.Limits().commandLists))
        #expect(capture.sessions.map { $0.otherCommands.count } == [7])
    }

    @Test("More than 64 sessions are refused")
    func tooManySessions() throws {
        let text = String(repeating: greeting212 + "\n", count: QMPCapture.Limits().sessions + 1)
        let error = try #require(parseError(Array(text.utf8)))
        #expect(error.kind == .tooLarge)
        #expect(error.description == "more than 64 QMP sessions (the next starts at line 65)")
        #expect(
            parseError(Array(String(repeating: greeting212 + "\n", count: QMPCapture.Limits().sessions).utf8)) == nil)
    }

    @Test("More than 1024 requests waiting for replies are refused")
    func tooManyPendingRequests() throws {
        let text = String(
            repeating: #"{"execute": "query-status"}"# + "\n", count: QMPCapture.Limits().pendingRequests + 1)
        let error = try #require(parseError(Array(text.utf8)))
        #expect(error.kind == .tooLarge)
        #expect(error.description == "more than 1024 requests wait for a reply in session 1 (line 1025)")
    }

    @Test("More messages than the limit are refused (1,048,576 by default; 1,000 here)")
    func tooManyMessages() throws {
        #expect(QMPCapture.Limits().messages == 1 << 20)
        var limits = QMPCapture.Limits()
        limits.messages = 1000
        var reader = QMPCaptureReader(limits: limits)
        try reader.feed(Array(String(repeating: #"{"event":1}"# + "\n", count: 1000).utf8))
        let error = try #require(throws: QMPCaptureError.self) { try reader.feed(Array(#"{"event":1}"#.utf8)) }
        #expect(error.kind == .tooLarge)
        #expect(error.description == "more than 1000 messages (the next at line 1001)")
    }

    // MARK: Hostile input

    @Test("Truncated input is an error naming where")
    func truncated() throws {
        let bytes = try fixture("debian-7.2-session.jsonl")
        for cut in [bytes.count - 3, bytes.count / 2, 10] {
            let error = try #require(parseError(Array(bytes[..<cut])))
            #expect(error.kind == .truncated, "cut at \(cut): \(error)")
            #expect(error.description.contains("truncated"))
        }
    }

    @Test("Invalid UTF-8 is an error, not a crash")
    func invalidUTF8() throws {
        var bytes = Array(#"{"return": [{"name": "query-commands"}]}"#.utf8)
        bytes.insert(0xFF, at: 23)
        let error = try #require(parseError(bytes))
        #expect(error.kind == .invalidUTF8)
        #expect(error.description == "object 1: invalid UTF-8 at byte 23")
    }

    @Test("Nesting 10000 deep is refused before decoding")
    func deepNesting() throws {
        let bytes = Array(
            ("{\"return\":" + String(repeating: "[", count: 10000) + String(repeating: "]", count: 10000) + "}").utf8)
        let error = try #require(parseError(bytes))
        #expect(error.kind == .tooDeep)
        #expect(error.description.contains("64"))
    }

    @Test("Nesting exactly at the limit is accepted")
    func nestingAtLimit() throws {
        let depth = QMPCapture.Limits().nestingDepth - 1  // plus the message object itself
        let text = #"{"return":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        #expect(parseError(Array(text.utf8)) == nil)
    }

    @Test("Input over 64 MiB is refused")
    func tooLarge() throws {
        var bytes = [UInt8](repeating: 0x20, count: 70 << 20)
        bytes.replaceSubrange(0..<14, with: Array(#"{"return": {}}"#.utf8))
        let error = try #require(parseError(bytes))
        #expect(error.kind == .tooLarge)
        #expect(error.description.contains("64 MiB"))
    }

    @Test(
        "Things that are not QMP captures are errors",
        arguments: [
            ("", QMPCaptureError.Kind.notQMP),
            ("   \n", .notQMP),
            (#"{"name": "x"}"#, .notQMP),
            (#"[{"return": {}}]"#, .invalidJSON),
            (#"{"return": {}} trailing"#, .invalidJSON),
            (#"{"return": [}"#, .invalidJSON),
            (#"{"return": nope}"#, .invalidJSON),
            (#"{"return": [1, 2,]}"#, .invalidJSON),
            (#"{"return": {}, }"#, .invalidJSON),
            ("{\"return\": \"a\u{01}b\"}", .invalidJSON),
            ("\u{7F}ELF", .invalidJSON),
        ])
    func notCaptures(text: String, kind: QMPCaptureError.Kind) throws {
        let error = try #require(parseError(Array(text.utf8)))
        #expect(error.kind == kind, "\(error)")
        #expect(!error.description.contains("\n"))
    }

    // MARK: Sniffing

    @Test(
        "The content sniff accepts every capture layout",
        arguments: [
            "debian-7.2-query-commands.json", "debian-7.2-session.jsonl", "debian-7.2-libvirt.replies",
            "debian-7.2-schema-only.jsonl", "el7-1.5.3-disabled-session.jsonl", "debian-7.2-two-sessions.replies",
            "debian-7.2-replies-only.replies",
        ])
    func sniffAccepts(name: String) throws {
        #expect(QMPCapture.looksLikeCapture(Array(try fixture(name).prefix(512))))
    }

    @Test(
        "The content sniff rejects other inputs",
        arguments: [
            "\u{7F}ELF\u{02}\u{01}", "Name: qemu-kvm\nVersion: 1.5.3\n", "", "   ", #"{"name": "x", "other": 1}"#,
            "[\"return\"]",
        ])
    func sniffRejects(text: String) {
        #expect(!QMPCapture.looksLikeCapture(Array(text.utf8)))
    }
}
