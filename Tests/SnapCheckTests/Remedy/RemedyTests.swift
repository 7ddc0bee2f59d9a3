import Foundation
import RPM
@_spi(Fuzzing) import SnapCheck
import TestSupport
import Testing

@Suite("Remedies: the change that gives the expected verdict")
struct RemedyTests {
    /// The fixture's spec (with its helper script for 2.9+) copied to a fresh directory.
    private func copyOfSpec(_ id: String) throws -> (spec: String, directory: String) {
        let directory = try temporaryDirectory("remedy-\(id)")
        let spec = (directory as NSString).appendingPathComponent("\(id).spec")
        try FileManager.default.copyItem(atPath: Fixtures.source("specs/\(id).spec"), toPath: spec)
        if let helpers = try helperScriptDirectory(for: id) {
            try FileManager.default.copyItem(
                atPath: (helpers as NSString).appendingPathComponent("build_configure.sh"),
                toPath: (directory as NSString).appendingPathComponent("build_configure.sh"))
        }
        return (spec, directory)
    }

    /// Applies an edit the way a person would: the line, the column, the text there replaced.
    private func apply(_ edit: Remedy.Edit, to path: String) throws {
        var lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        let line = lines[edit.line - 1]
        let utf16 = Array(line.utf16)
        let before = String(decoding: utf16[..<(edit.column - 1)], as: UTF16.self)
        let rest = String(decoding: utf16[(edit.column - 1)...], as: UTF16.self)
        #expect(
            rest.hasPrefix(edit.replace), "line \(edit.line) column \(edit.column) is `\(rest)`, not `\(edit.replace)`")
        lines[edit.line - 1] = before + edit.with + rest.dropFirst(edit.replace.count)
        try lines.joined(separator: "\n").write(toFile: path, atomically: false, encoding: .utf8)
    }

    /// `--with NAME`, `--without NAME` or `--define 'NAME VALUE'` as audit options.
    private func applyOption(_ option: String, to options: inout AuditOptions) throws {
        if option.hasPrefix("--with ") {
            options.with.append(String(option.dropFirst("--with ".count)))
        } else if option.hasPrefix("--without ") {
            options.without.append(String(option.dropFirst("--without ".count)))
        } else if option.hasPrefix("--define '"), option.hasSuffix("'") {
            let words = option.dropFirst("--define '".count).dropLast().split(separator: " ", maxSplits: 1)
            options.defines.append(MacroDefinition(name: String(words[0]), value: String(words[1])))
        } else {
            Issue.record("an option the test cannot apply: \(option)")
        }
    }

    @Test(
        "Applied to a copy of the spec, every remedy's edit gives its target verdict, and so does its option alone",
        arguments: FixtureExpectation.all.map(\.id), [SnapCheck.Expectation.enabled, .disabled])
    func remedyFlipsTheVerdict(_ id: String, _ expectation: SnapCheck.Expectation) throws {
        _ = try Fixtures.built()
        let (spec, directory) = try copyOfSpec(id)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let before = try #require(audit([spec]) { $0.expectation = expectation }.builds.only)
        guard let remedy = before.remedy else {
            // No remedy only where there is nothing to remedy.
            #expect(before.meetsExpectation || ![.enabled, .disabled].contains(before.verdict))
            return
        }
        #expect(!before.meetsExpectation)
        #expect(remedy.target.rawValue == expectation.rawValue)
        guard let edit = remedy.edit else {
            #expect(remedy.option == nil)
            return
        }
        #expect(edit.file == spec)
        if let option = remedy.option {
            let withOption = try #require(
                audit([spec]) { options in
                    options.expectation = expectation
                    try? applyOption(option, to: &options)
                }.builds.only)
            #expect(withOption.verdict == remedy.target, "\(option) gives \(withOption.verdict)")
        }
        try apply(edit, to: spec)
        let after = try #require(audit([spec]) { $0.expectation = expectation }.builds.only)
        #expect(after.verdict == remedy.target, "\(edit.replace) → \(edit.with) at \(edit.line) gives \(after.verdict)")
        #expect(after.meetsExpectation)
        #expect(after.remedy == nil)
    }

    @Test(
        "The switch a maintainer flips: %define rhev, with the option that needs no edit where rpm honours it",
        arguments: [
            ("el7-stock", 7, 1, "%define rhev 0", "%define rhev 1", nil as String?),
            ("el6-stock", 10, 1, "%define rhev 0", "%define rhev 1", "--with rhev_features" as String?),
            ("rhev-disabled", 89, 5, "--disable-live-block-ops", "--enable-live-block-ops", nil),
        ])
    func maintainersSwitch(
        _ id: String, _ line: Int, _ column: Int, _ replace: String, _ with: String, _ option: String?
    ) throws {
        _ = try Fixtures.built()
        let spec = Fixtures.source("specs/\(id).spec")
        let remedy = try #require(audit([spec]).builds.only?.remedy)
        #expect(remedy.edit == Remedy.Edit(file: spec, line: line, column: column, replace: replace, with: with))
        #expect(remedy.option == option)
        #expect(remedy.target == .enabled)
    }

    @Test("A build of releases whose commands a patch deleted has no spec change, and says why")
    func deletedCommandsHaveNoSpecChange() throws {
        _ = try Fixtures.built()
        let remedy = try #require(audit([Fixtures.source("specs/el6-gap.spec")]).builds.only?.remedy)
        #expect(remedy.edit == nil && remedy.option == nil)
        #expect(remedy.reason.contains("el6-6.2-deleted"))
        #expect(remedy.sentence.hasPrefix("no spec change known: the version decides"))
    }

    @Test("A build seen only as binary packages names the SRPM as the way to a spec change")
    func binaryPackagesAloneAskForTheSourcePackage() throws {
        let build = try #require(audit([try fixtureDirectory("el7-stock", "x86_64")]).builds.only)
        #expect(build.verdict == .disabled)
        let remedy = try #require(build.remedy)
        #expect(remedy.edit == nil)
        #expect(remedy.reason.hasPrefix("no spec or SRPM of the build is among the inputs"))
    }

    @Test("A spec inside an SRPM gets its remedy at pkg.src.rpm:name.spec")
    func remedyInsideTheSourcePackage() throws {
        let build = try #require(audit([try fixtureDirectory("el7-stock", "src")]).builds.only)
        let edit = try #require(build.remedy?.edit)
        #expect(edit.file.hasSuffix(".src.rpm:el7-stock.spec"))
        #expect((edit.line, edit.replace, edit.with) == (7, "%define rhev 0", "%define rhev 1"))
    }

    @Test("Builds that meet their expectation get no remedy")
    func nothingToRemedy() throws {
        _ = try Fixtures.built()
        #expect(audit([Fixtures.source("specs/el7-rhev.spec")]).builds.only?.remedy == nil)
        #expect(
            audit([Fixtures.source("specs/el7-stock.spec")]) { $0.expectation = .disabled }.builds.only?.remedy == nil)
    }
}
