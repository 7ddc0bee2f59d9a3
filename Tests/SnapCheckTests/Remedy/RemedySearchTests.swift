import Foundation
@_spi(Fuzzing) import SnapCheck
import TestSupport
import Testing

/// How the remedy search spends its evaluations, where it evaluates, and
/// what it says when it stops.
@Suite("Remedies: the search's budget, sandbox and verification")
struct RemedySearchTests {
    /// A configure call spelling the flag `count` times on one line.
    private func repeatedFlag(_ count: Int, then tail: String = "") -> [String] {
        [
            "./configure --target-list=x86_64-softmmu" + String(repeating: " --disable-live-block-ops", count: count)
                + tail
        ]
    }

    @Test("A flag spelled nine times on the deciding line: its last occurrence is tried first, and is the remedy")
    func lastOccurrenceFirst() throws {
        let spec = try RemedySpecs.write(RemedySpecs.el7(build: repeatedFlag(9)))
        defer { RemedySpecs.remove(spec) }
        let remedy = try #require(audit([spec]).builds.only?.remedy)
        // `./configure --target-list=x86_64-softmmu` is 40 code units; each ` --disable-live-block-ops` 25.
        #expect(
            remedy.edit
                == Remedy.Edit(
                    file: spec, line: 18, column: 41 + 8 * 25 + 1,
                    replace: "--disable-live-block-ops", with: "--enable-live-block-ops"))
        try RemedySpecs.apply(try #require(remedy.edit), to: spec)
        #expect(audit([spec]).builds.only?.verdict == .enabled)
    }

    @Test("An earlier occurrence of a repeated flag is still tried when the last one changes nothing (a comment)")
    func earlierOccurrenceAfterwards() throws {
        let spec = try RemedySpecs.write(
            RemedySpecs.el7(build: repeatedFlag(1, then: " # was --disable-live-block-ops")))
        defer { RemedySpecs.remove(spec) }
        let remedy = try #require(audit([spec]).builds.only?.remedy)
        #expect(remedy.edit?.column == 42)
    }

    @Test("A search out of evaluations says it stopped and why, never that no change works")
    func evaluationBudget() throws {
        let spec = try RemedySpecs.write(
            RemedySpecs.el7(build: repeatedFlag(1, then: " # was --disable-live-block-ops")))
        defer { RemedySpecs.remove(spec) }
        let remedy = try #require(audit([spec]) { $0.remedySearch.evaluations = 1 }.builds.only?.remedy)
        #expect(remedy.edit == nil)
        #expect(
            remedy.reason
                == "the search stopped after 1 of the 2 changes to the lines that decide (18), without one that gives enabled: its budget of 1 evaluation per build ran out"
        )
        #expect(!remedy.sentence.contains("none of the"))
    }

    @Test("A search that finds its edit and runs out before an option was tried says so")
    func optionNotTried() throws {
        let spec = try RemedySpecs.write(RemedySpecs.el7())
        defer { RemedySpecs.remove(spec) }
        let remedy = try #require(audit([spec]) { $0.remedySearch.evaluations = 1 }.builds.only?.remedy)
        #expect(remedy.edit?.with == "%define rhev 1")
        #expect(remedy.option == nil)
        #expect(
            remedy.reason
                == "the spec, evaluated again with this change, gives enabled as a src build, on every arch it builds for; no rpmbuild option was tried to the end: its budget of 1 evaluation per build ran out"
        )
    }

    @Test("A search out of time says so, and evaluates nothing more")
    func timeBudget() throws {
        let spec = try RemedySpecs.write(RemedySpecs.el7())
        defer { RemedySpecs.remove(spec) }
        let remedy = try #require(audit([spec]) { $0.remedySearch.time = .zero }.builds.only?.remedy)
        #expect(remedy.edit == nil && remedy.option == nil)
        #expect(remedy.reason.hasPrefix("the search stopped after 0 of the "))
        #expect(remedy.reason.hasSuffix("its time budget of 0 s per build ran out"))
    }

    @Test("With the search off, a build against its expectation gets no remedy")
    func searchOff() throws {
        let spec = try RemedySpecs.write(RemedySpecs.el7())
        defer { RemedySpecs.remove(spec) }
        let build = try #require(audit([spec]) { $0.remedySearch.isEnabled = false }.builds.only)
        #expect(build.verdict == .disabled && !build.meetsExpectation)
        #expect(build.remedy == nil)
    }

    @Test("--no-remedy: the report has no remedy, the exit status is unchanged")
    func noRemedyOption() throws {
        let spec = try RemedySpecs.write(RemedySpecs.el7())
        defer { RemedySpecs.remove(spec) }
        let with = try SnapCheckBinary.run([spec])
        let without = try SnapCheckBinary.run(["--no-remedy", spec])
        #expect(with.output.contains("change `%define rhev 0` to `%define rhev 1`"))
        #expect(with.output.contains("\n  remedy ") && !without.output.contains("\n  remedy "))
        #expect(with.status == 1 && without.status == 1)
    }

    @Test(
        "Under --trust-spec, changed specs are evaluated in the sandbox: the shell of a branch the spec never takes is not run, the rest runs once"
    )
    func trustedSpecChangesStayInTheSandbox() throws {
        let marks = try temporaryDirectory("remedy-marks")
        defer { try? FileManager.default.removeItem(atPath: marks) }
        var lines = RemedySpecs.el7()
        lines.insert("%global untaken %(echo ran >> \(marks)/untaken)", at: 3)
        lines.insert("%global always %(echo ran >> \(marks)/always)", at: 5)
        let spec = try RemedySpecs.write(lines)
        defer { RemedySpecs.remove(spec) }
        // One arch: a src build alone is evaluated for every arch it builds for, each parse running the
        // trusted spec's shell once (SourceBuildArchTests).
        let build = try #require(
            audit([spec]) { options in
                options.specEvaluation = .inProcess
                options.targetArch = "x86_64"
                options.remedySearch.sandbox = .forTests()
            }.builds.only)
        #expect(build.verdict == .disabled)
        #expect(!FileManager.default.fileExists(atPath: "\(marks)/untaken"))
        #expect(try String(contentsOfFile: "\(marks)/always", encoding: .utf8) == "ran\n")
        let remedy = try #require(build.remedy)
        #expect(remedy.edit?.replace == "%define rhev 0", "\(remedy.reason)")
        #expect(remedy.reason.contains("in the sandboxed worker"))
    }

    @Test(
        "A change whose enabled rests on an unresolved argument verifies nothing: the flag that gives a resolved enabled is the remedy"
    )
    func verificationFollowsTheFirstRule() throws {
        let spec = try RemedySpecs.write(
            RemedySpecs.el7(build: [
                "%if %{rhev}",
                "./configure --target-list=x86_64-softmmu --enable-live-block-ops $EXTRA_FLAGS",
                "%else",
                "./configure --target-list=x86_64-softmmu --disable-live-block-ops",
                "%endif",
            ]))
        defer { RemedySpecs.remove(spec) }
        let remedy = try #require(audit([spec]).builds.only?.remedy)
        #expect(
            remedy.edit
                == Remedy.Edit(
                    file: spec, line: 21, column: 42, replace: "--disable-live-block-ops",
                    with: "--enable-live-block-ops"))
        // The switch the search rejected gives no enabled on its own.
        try RemedySpecs.apply(
            Remedy.Edit(file: spec, line: 1, column: 1, replace: "%define rhev 0", with: "%define rhev 1"), to: spec)
        #expect(audit([spec]).builds.only?.verdict == .unknown)
    }
}
