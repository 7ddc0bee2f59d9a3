import Foundation
import TestSupport
import Testing

/// Bytes that steer a terminal, when they come from an input, never reach a
/// human-readable output raw (Docs/cli.md, "What people see").
@Suite("Escape sequences from inputs")
struct TerminalEscapeTests {
    /// What an attacker puts in a package string: erase the line, go to column 1, print ENABLED.
    static let repaint = "\u{1B}[2K\u{1B}[1GENABLED"

    /// No control byte but the line ends: nothing the terminal would obey.
    static func controlBytes(_ bytes: [UInt8]) -> [UInt8] {
        bytes.filter { ($0 < 0x20 && $0 != 0x0A) || $0 == 0x7F }
    }

    /// The disabled EL7 capture with `package` carrying `extra`.
    static func capture(package extra: String) throws -> [UInt8] {
        let original = try String(
            contentsOfFile: Fixtures.source("qmp/el7-1.5.3-disabled-session.jsonl"), encoding: .utf8)
        let escaped = extra.unicodeScalars.map {
            $0.value < 0x20 || $0.value >= 0x7F ? String(format: "\\u%04x", $0.value) : String($0)
        }.joined()
        let changed = original.replacingOccurrences(
            of: "\"package\": \"qemu-kvm-1.5.3-175.el7\"",
            with: "\"package\": \"qemu-kvm-1.5.3-175.el7\(escaped)\"")
        #expect(extra.isEmpty || changed != original)
        return Array(changed.utf8)
    }

    @Test("A QMP package string and a file name with escapes and a newline: shown escaped, no line forged")
    func textReport() throws {
        let dir = try Scratch("escape-report")
        let name = "capture\n\(Self.repaint)\t.jsonl"
        try Data(try Self.capture(package: " " + Self.repaint + "\u{9B}\u{202E}")).write(
            to: URL(fileURLWithPath: dir.file(name)))
        try Data(try Self.capture(package: "")).write(to: URL(fileURLWithPath: dir.file("plain.jsonl")))

        let hostile = try SnapCheckBinary.run(["-v", "--color", "never", dir.file(name)])
        let plain = try SnapCheckBinary.run(["-v", "--color", "never", dir.file("plain.jsonl")])
        #expect(hostile.status == 1 && plain.status == 1, "both disabled: \(hostile.errorOutput)")
        #expect(Self.controlBytes(hostile.stdout).isEmpty)
        #expect(hostile.output.split(separator: "\n").count == plain.output.split(separator: "\n").count)
        #expect(hostile.output.hasPrefix("DISABLED "))
        #expect(hostile.output.contains("capture\\n\\x1b[2K\\x1b[1GENABLED\\t.jsonl"))
        #expect(hostile.output.contains("package qemu-kvm-1.5.3-175.el7 \\x1b[2K\\x1b[1GENABLED\\u{9b}\\u{202e}"))
    }

    @Test(
        "An input error whose name carries escapes is one escaped line on stderr and one ERROR row",
        arguments: ["text", "json"])
    func errorLine(_ format: String) throws {
        let dir = try Scratch("escape-error")
        let name = dir.file("bad\u{1B}[31m\nforged: ok\u{7F}.jsonl")
        try Data("{\"QMP\": garbage".utf8).write(to: URL(fileURLWithPath: name))
        let result = try SnapCheckBinary.run(["--format", format, "--color", "never", name])
        #expect(result.status == 2)
        let lines = stderrLines(result)
        #expect(lines.count == 1, "\(result.errorOutput.debugDescription)")
        #expect(
            lines.first?.hasPrefix("snapcheck: \(dir.path)/bad\\x1b[31m\\nforged: ok\\x7f.jsonl: not a QMP capture")
                == true, "\(result.errorOutput)")
        #expect(Self.controlBytes(result.stderr).isEmpty)
        if format == "text" {
            #expect(Self.controlBytes(result.stdout).isEmpty)
            #expect(result.output.split(separator: "\n").filter { $0.hasPrefix("ERROR") }.count == 1)
        }
    }

    @Test("An emulator's stderr in a probe failure is escaped in the report and on stderr")
    func emulatorStderr() throws {
        let dir = try Scratch("escape-stderr")
        let emulator = dir.file("noisy")
        try TestFiles.writeExecutable(
            Array("#!/bin/sh\nprintf 'boom\\033[2K\\033[1GENABLED\\n' >&2\nexit 3\n".utf8), to: emulator)
        let result = try SnapCheckBinary.run(["--color", "never", "--probe", emulator])
        #expect(result.status == 2)
        #expect(Self.controlBytes(result.stdout).isEmpty && Self.controlBytes(result.stderr).isEmpty)
        #expect(result.output.contains("boom\\x1b[2K\\x1b[1GENABLED"), "\(result.output)")
        #expect(stderrLines(result).count == 1 && result.errorOutput.contains("boom\\x1b[2K\\x1b[1GENABLED"))
    }

    @Test("`snapcheck header` escapes the path it prints and the error lines")
    func header() throws {
        let dir = try Scratch("escape-header")
        let name = dir.file("pkg\u{1B}]0;title\u{07}\n.rpm")
        try FileManager.default.copyItem(
            atPath: try Fixtures.path("compressors/zstd/x86_64/qemu-kvm-rhev-1.5.3-175.el7.x86_64.rpm"), toPath: name)
        let good = try SnapCheckBinary.run(["header", name])
        #expect(good.status == 0)
        #expect(
            good.output.hasPrefix(
                "\(dir.path)/pkg\\x1b]0;title\\x07\\n.rpm\n  nevra        qemu-kvm-rhev-10:1.5.3-175.el7.x86_64\n"))
        #expect(Self.controlBytes(good.stdout).isEmpty)

        let missing = try SnapCheckBinary.run(["header", dir.file("gone\u{1B}[2K\n.rpm")])
        #expect(missing.status == 2)
        #expect(
            stderrLines(missing).count == 1 && missing.errorOutput.contains("gone\\x1b[2K"), "\(missing.errorOutput)")
    }
}
