import Foundation
@_spi(Fuzzing) import SnapCheck
import TestSupport
import Testing

/// The column of a remedy counts UTF-16 code units of the line decoded as
/// UTF-8 (Docs/rules.md, "Where"), so a byte that is not UTF-8 counts as the
/// U+FFFD it decodes to: one unit, whatever snapcheck holds it as inside.
@Suite("Remedies: columns after bytes that are not UTF-8")
struct RemedyColumnTests {
    /// Writes the remedy spec with `before` (raw bytes) ahead of the flag on its configure line.
    private func spec(before: [UInt8]) throws -> String {
        let spec = try RemedySpecs.write(RemedySpecs.el7(build: ["@CONFIGURE@"]))
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: spec)))
        let marker = Array("@CONFIGURE@".utf8)
        let at = try #require(bytes.indices.first { bytes[$0...].starts(with: marker) })
        let line =
            Array("./configure --target-list=x86_64-softmmu --with-pkgversion=".utf8) + before
            + Array(" --disable-live-block-ops".utf8)
        bytes.replaceSubrange(at..<(at + marker.count), with: line)
        try Data(bytes).write(to: URL(fileURLWithPath: spec))
        return spec
    }

    /// The remedy's edit, checked against the line as an editor decodes it.
    private func edit(before: [UInt8]) throws -> Remedy.Edit {
        let path = try spec(before: before)
        defer { RemedySpecs.remove(path) }
        let build = try #require(audit([path]).builds.only)
        #expect(build.verdict == .disabled)
        let edit = try #require(build.remedy?.edit, "no edit: \(build.remedy?.reason ?? "no remedy")")
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        let decoded = String(decoding: lines[edit.line - 1], as: UTF8.self)
        let rest = String(decoding: Array(decoded.utf16.dropFirst(edit.column - 1)), as: UTF16.self)
        #expect(rest.hasPrefix(edit.replace), "column \(edit.column) of the decoded line is `\(rest)`")
        return edit
    }

    @Test("Two bytes that are not UTF-8 before the flag count one column each, as their U+FFFD")
    func invalidBytesCountOneUnitEach() throws {
        let edit = try edit(before: [0xFF, 0xFE])
        #expect(edit.line == 18)
        #expect(edit.column == 63)
        #expect(edit.replace == "--disable-live-block-ops")
    }

    @Test("A truncated sequence counts as the one U+FFFD a decoder makes of it, a 🐧 as two units")
    func truncatedSequenceAndAstralScalar() throws {
        // E2 82 is the start of a three-byte scalar cut short: one U+FFFD, one unit; 🐧 is two.
        #expect(try edit(before: [0xE2, 0x82]).column == 62)
        #expect(try edit(before: Array("🐧".utf8)).column == 63)
    }
}
