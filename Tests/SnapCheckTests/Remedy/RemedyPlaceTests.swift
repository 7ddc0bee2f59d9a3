import Foundation
@_spi(Fuzzing) import SnapCheck
import TestSupport
import Testing

/// A remedy's `file:line:column` is where the file's bytes have the text it
/// replaces: lines counted in `\n`, columns in UTF-16 code units of the line.
@Suite("Remedies: the place of the change is the file's own")
struct RemedyPlaceTests {
    /// Audits `spec` expecting enabled, checks the remedy is `expected`, applies it to the file, and audits again.
    private func remedyApplies(_ spec: String, _ expected: Remedy.Edit) throws {
        let before = try #require(audit([spec]).builds.only)
        #expect(before.verdict == .disabled)
        let edit = try #require(before.remedy?.edit, "no edit: \(before.remedy?.reason ?? "no remedy")")
        #expect(edit == expected)
        try RemedySpecs.apply(edit, to: spec)
        let after = try #require(audit([spec]).builds.only)
        #expect(after.verdict == .enabled)
        #expect(after.remedy == nil)
    }

    @Test("A CRLF spec gets the switch `%define rhev 0` at 1:1, not a flag at a column past the line's end")
    func crlfSpec() throws {
        // The flag comes through a macro and is not the call's last word: at a line's end a CRLF
        // spec hands the shell `flag\r` and a `\` before `\r` continues no line, as bash reads it.
        var lines = RemedySpecs.el7(build: ["./configure %{lbo} --target-list=x86_64-softmmu --prefix=/usr"])
        lines.insert(
            contentsOf: [
                "%if %{rhev}", "%global lbo --enable-live-block-ops", "%else", "%global lbo --disable-live-block-ops",
                "%endif",
            ], at: 4)
        let spec = try RemedySpecs.write(lines, ending: "\r\n")
        defer { RemedySpecs.remove(spec) }
        try remedyApplies(
            spec, Remedy.Edit(file: spec, line: 1, column: 1, replace: "%define rhev 0", with: "%define rhev 1"))
    }

    @Test("One CRLF line above the chain shifts no line: the switch is on the line the file has it")
    func oneCRLFLine() throws {
        let spec = try RemedySpecs.write(RemedySpecs.el7(head: ["# saved on another system\r"]))
        defer { RemedySpecs.remove(spec) }
        try remedyApplies(
            spec, Remedy.Edit(file: spec, line: 2, column: 1, replace: "%define rhev 0", with: "%define rhev 1"))
    }

    @Test(
        "A tab and multi-byte UTF-8 before the flag, a lone CR in an earlier line: the column counts UTF-16 code units, the line only \\n"
    )
    func columnsInUTF16() throws {
        // Before the flag: 1 tab, ASCII, "é" (2 bytes, 1 code unit), "🐧" (4 bytes, 2 code units, 1 Character): column 67, byte 70, Character 66.
        let configure = "\t./configure --target-list=x86_64-softmmu --with-pkgversion=\"é🐧\" --disable-live-block-ops"
        let spec = try RemedySpecs.write(RemedySpecs.el7(head: ["# a lone\rcarriage return"], build: [configure]))
        defer { RemedySpecs.remove(spec) }
        try remedyApplies(
            spec,
            Remedy.Edit(
                file: spec, line: 19, column: 67, replace: "--disable-live-block-ops", with: "--enable-live-block-ops"))
    }

    @Test("SARIF's fix replaces the columns of the flag, in UTF-16 code units (SARIF's default columnKind)")
    func sarifFixRegion() throws {
        let configure = "./configure --target-list=x86_64-softmmu --with-pkgversion=\"🐧\" --disable-live-block-ops"
        let spec = try RemedySpecs.write(RemedySpecs.el7(build: [configure]), ending: "\r\n")
        defer { RemedySpecs.remove(spec) }
        let report =
            try JSONSerialization.jsonObject(with: Data(SARIFRenderer().render(audit([spec])))) as? [String: Any]
        let runs = try #require(report?["runs"] as? [[String: Any]])
        let result = try #require((runs.first?["results"] as? [[String: Any]])?.first)
        let fix = try #require((result["fixes"] as? [[String: Any]])?.first)
        let change = try #require((fix["artifactChanges"] as? [[String: Any]])?.first)
        let replacement = try #require((change["replacements"] as? [[String: Any]])?.first)
        let region = try #require(replacement["deletedRegion"] as? [String: Int])
        // `./configure --target-list=x86_64-softmmu --with-pkgversion="` is 60 code units, 🐧 two more, then `" `.
        #expect(region == ["startLine": 18, "startColumn": 65, "endColumn": 89])
        #expect((replacement["insertedContent"] as? [String: String])?["text"] == "--enable-live-block-ops")
    }
}
