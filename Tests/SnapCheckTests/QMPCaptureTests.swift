import Foundation
import Testing
import SnapCheck
import TestSupport

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

@Suite("QMPCapture")
struct QMPCaptureTests {
    // MARK: Real captures (Debian 12, QEMU 7.2)

    @Test(
        "each real capture is read in its own format with the live snapshot commands",
        arguments: [
            ("debian-7.2-query-commands.json", QMPCapture.Format.queryCommandsReply),
            ("debian-7.2-session.jsonl", .stdioTranscript),
            ("debian-7.2-libvirt.replies", .libvirtReplies),
        ])
    func realCaptures(name: String, format: QMPCapture.Format) throws {
        let parsed = try capture(name)
        #expect(parsed.format == format)
        let commands = try #require(parsed.commands)
        #expect(commands.contains("blockdev-snapshot-sync"))
        #expect(commands.contains("transaction"))
        #expect(commands.contains("query-commands"))
        #expect(commands == commands.sorted())
        #expect(parsed.schemaCommands == nil)
        #expect(parsed.commandNotFound.isEmpty)
    }

    @Test("the version comes from query-version, with the package string", arguments: [
        "debian-7.2-session.jsonl", "debian-7.2-libvirt.replies", "debian-7.2-schema-only.jsonl",
    ])
    func realVersion(name: String) throws {
        let version = try #require(try capture(name).version)
        #expect(version.major == 7)
        #expect(version.minor == 2)
        #expect(version.string == "7.2.\(version.micro)")
        #expect(version.package == debianPackage)
    }

    @Test("a lone query-commands reply has no version")
    func loneReplyHasNoVersion() throws {
        let parsed = try capture("debian-7.2-query-commands.json")
        #expect(parsed.version == nil)
        #expect(parsed.hmpHelp == nil)
    }

    @Test("the HMP help text is kept from a transcript")
    func hmpHelpFromTranscript() throws {
        let help = try #require(try capture("debian-7.2-session.jsonl").hmpHelp)
        #expect(help.contains("\r\nsnapshot_blkdev "))
        #expect(help.contains("help|? [cmd]"))
    }

    @Test("a schema-only session has schema commands but no query-commands list")
    func schemaOnly() throws {
        let parsed = try capture("debian-7.2-schema-only.jsonl")
        #expect(parsed.format == .stdioTranscript)
        #expect(parsed.commands == nil)
        let schema = try #require(parsed.schemaCommands)
        #expect(schema.contains("blockdev-snapshot-sync"))
        #expect(schema.contains("query-qmp-schema"))
        #expect(!schema.contains("BlockdevSnapshotSync"))  // types are not commands
        #expect(schema == schema.sorted())
    }

    // MARK: Modelled captures (derive.py)

    @Test("the modelled EL7 1.5.3 disabled build lacks the gated commands and says so")
    func el7Disabled153() throws {
        let parsed = try capture("el7-1.5.3-disabled-session.jsonl")
        let commands = try #require(parsed.commands)
        #expect(!commands.contains("blockdev-snapshot-sync"))
        #expect(!commands.contains("transaction"))
        #expect(commands.contains("query-block-jobs"))  // not gated on 1.5.3
        #expect(parsed.version?.string == "1.5.3")
        #expect(parsed.version?.package == "qemu-kvm-1.5.3-175.el7")
        #expect(parsed.commandNotFound == ["blockdev-snapshot-sync"])
        let help = try #require(parsed.hmpHelp)
        #expect(!help.contains("\r\nsnapshot_blkdev "))
        #expect(help.contains("\r\nsnapshot_blkdev_internal "))
    }

    @Test("the modelled EL7 2.12 disabled build still lists transaction")
    func el7Disabled212() throws {
        let parsed = try capture("el7-2.12-disabled-session.jsonl")
        let commands = try #require(parsed.commands)
        #expect(!commands.contains("blockdev-snapshot-sync"))
        #expect(!commands.contains("block-job-cancel"))
        #expect(commands.contains("transaction"))
        #expect(parsed.version?.string == "2.12.0")
        #expect(parsed.version?.package == "qemu-kvm-ma-2.12.0-44.el7_8")
        #expect(parsed.commandNotFound == ["blockdev-snapshot-sync"])
    }

    @Test("the modelled EL7 2.12 ev build lists everything")
    func el7Enabled212() throws {
        let parsed = try capture("el7-2.12-enabled-session.jsonl")
        let commands = try #require(parsed.commands)
        #expect(commands.contains("blockdev-snapshot-sync"))
        #expect(commands.contains("transaction"))
        #expect(parsed.version?.package == "qemu-kvm-ev-2.12.0-44.1.el7_8.1")
        #expect(parsed.commandNotFound.isEmpty)
    }

    @Test("the transaction-only model lists transaction without blockdev-snapshot-sync")
    func transactionOnly() throws {
        let parsed = try capture("transaction-only-session.jsonl")
        let commands = try #require(parsed.commands)
        #expect(!commands.contains("blockdev-snapshot-sync"))
        #expect(commands.contains("transaction"))
    }

    // MARK: Pairing and shapes

    @Test("libvirt replies are paired with requests by id, not by shape")
    func libvirtPairsByID() throws {
        let text = """
            {"execute": "query-version", "id": "libvirt-1"}

            {"return": {"qemu": {"micro": 3, "minor": 5, "major": 1}, "package": " (qemu-kvm-1.5.3-175.el7)"}, "id": "libvirt-1"}

            {"execute": "query-commands", "id": 2}

            {"id": 2, "return": []}

            {"execute": "blockdev-snapshot-sync", "id": "libvirt-3"}

            {"error": {"class": "CommandNotFound", "desc": "no such command"}, "id": "libvirt-3"}

            {"execute": "human-monitor-command", "arguments": {"command-line": "help"}, "id": "libvirt-4"}

            {"return": "snapshot_blkdev_internal tag|id -- take an internal snapshot\\r\\n", "id": "libvirt-4"}
            """
        let parsed = try parse(text)
        #expect(parsed.format == .libvirtReplies)
        #expect(parsed.commands == [])  // empty, yet known to be query-commands by its id
        #expect(parsed.version?.string == "1.5.3")
        #expect(parsed.version?.package == "qemu-kvm-1.5.3-175.el7")  // " (...)" trimmed
        #expect(parsed.commandNotFound == ["blockdev-snapshot-sync"])
        #expect(parsed.hmpHelp == "snapshot_blkdev_internal tag|id -- take an internal snapshot\r\n")
    }

    @Test("the greeting's version is used when query-version is missing")
    func greetingVersion() throws {
        let parsed = try parse(
            #"{"QMP": {"version": {"qemu": {"micro": 1, "minor": 12, "major": 2}, "package": "qemu-kvm-ev-2.12.0-44.1.el7_8.1"}, "capabilities": []}}"#
                + "\n" + #"{"return": {}}"# + "\n")
        #expect(parsed.format == .stdioTranscript)
        #expect(parsed.version == QMPVersion(major: 2, minor: 12, micro: 1, package: "qemu-kvm-ev-2.12.0-44.1.el7_8.1"))
        #expect(parsed.commands == nil)
    }

    @Test("CommandNotFound names come from the error text")
    func commandNotFoundFromDesc() throws {
        let parsed = try parse(
            #"{"error": {"class": "CommandNotFound", "desc": "The command transaction has not been found"}}"#
                + #"{"error": {"class": "CommandNotFound", "desc": "The command drive-mirror has not been found"}}"#
                + #"{"error": {"class": "GenericError", "desc": "The command x has not been found"}}"#)
        #expect(parsed.commandNotFound == ["drive-mirror", "transaction"])
    }

    @Test("strings containing braces, quotes and escapes do not confuse the splitter")
    func stringsWithBraces() throws {
        let parsed = try parse(
            #"{"return": "}{ \"help|? \\\" [ ] \u007b"}{"return": [{"name": "a}b"}, {"name": "x"}]}"#)
        #expect(parsed.commands == ["a}b", "x"])
        #expect(parsed.format == .stdioTranscript)
    }

    // MARK: Hostile input

    @Test("truncated input is an error naming where")
    func truncated() throws {
        let bytes = try fixture("debian-7.2-session.jsonl")
        for cut in [bytes.count - 3, bytes.count / 2, 10] {
            let error = try #require(parseError(Array(bytes[..<cut])))
            #expect(error.kind == .truncated, "cut at \(cut): \(error)")
            #expect(error.description.contains("truncated"))
        }
    }

    @Test("invalid UTF-8 is an error, not a crash")
    func invalidUTF8() throws {
        var bytes = Array(#"{"return": [{"name": "query-commands"}]}"#.utf8)
        bytes.insert(0xFF, at: 23)
        let error = try #require(parseError(bytes))
        #expect(error.kind == .invalidUTF8)
        #expect(error.description == "object 1: invalid UTF-8 at byte 23")
    }

    @Test("nesting 10000 deep is refused before decoding")
    func deepNesting() throws {
        let bytes = Array(("{\"return\":" + String(repeating: "[", count: 10000) + String(repeating: "]", count: 10000) + "}").utf8)
        let error = try #require(parseError(bytes))
        #expect(error.kind == .tooDeep)
        #expect(error.description.contains("64"))
    }

    @Test("nesting exactly at the limit is accepted")
    func nestingAtLimit() throws {
        let depth = QMPCapture.maximumNestingDepth - 1  // plus the message object itself
        let text = #"{"return":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        #expect(parseError(Array(text.utf8)) == nil)
    }

    @Test("input over 64 MiB is refused")
    func tooLarge() throws {
        var bytes = [UInt8](repeating: 0x20, count: 70 << 20)
        bytes.replaceSubrange(0..<14, with: Array(#"{"return": {}}"#.utf8))
        let error = try #require(parseError(bytes))
        #expect(error.kind == .tooLarge)
        #expect(error.description.contains("64 MiB"))
    }

    @Test(
        "things that are not QMP captures are errors",
        arguments: [
            ("", QMPCaptureError.Kind.notQMP),
            ("   \n", .notQMP),
            (#"{"name": "x"}"#, .notQMP),
            (#"[{"return": {}}]"#, .invalidJSON),
            (#"{"return": {}} trailing"#, .invalidJSON),
            (#"{"return": [}"#, .invalidJSON),
            (#"{"return": nope}"#, .invalidJSON),
            ("{\"return\": \"a\u{01}b\"}", .invalidJSON),
            ("\u{7F}ELF", .invalidJSON),
        ])
    func notCaptures(text: String, kind: QMPCaptureError.Kind) throws {
        let error = try #require(parseError(Array(text.utf8)))
        #expect(error.kind == kind, "\(error)")
        #expect(!error.description.contains("\n"))
    }

    // MARK: Sniffing

    @Test("the content sniff accepts every capture layout", arguments: [
        "debian-7.2-query-commands.json", "debian-7.2-session.jsonl", "debian-7.2-libvirt.replies",
        "debian-7.2-schema-only.jsonl", "el7-1.5.3-disabled-session.jsonl",
    ])
    func sniffAccepts(name: String) throws {
        #expect(QMPCapture.looksLikeCapture(Array(try fixture(name).prefix(512))))
    }

    @Test("the content sniff rejects other inputs", arguments: [
        "\u{7F}ELF\u{02}\u{01}", "Name: qemu-kvm\nVersion: 1.5.3\n", "", "   ", #"{"name": "x", "other": 1}"#,
        "[\"return\"]",
    ])
    func sniffRejects(text: String) {
        #expect(!QMPCapture.looksLikeCapture(Array(text.utf8)))
    }
}
