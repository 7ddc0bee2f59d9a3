import Foundation
import SnapCheck
import TestSupport
import Testing

/// A program reads last night's `--format json` report with the library's own
/// types, and gets back what the run had.
@Suite("JSON reports decode into the library's types")
struct ReportDecodingTests {
    @Test("The golden JSON report decodes into an AuditResult that renders the same bytes again")
    func goldenReport() throws {
        _ = try Fixtures.built()
        let golden = try Data(
            contentsOf: Fixtures.repositoryRoot.appendingPathComponent("Tests/SnapCheckCLITests/Golden/fixtures.json"))
        let result = try JSONDecoder().decode(AuditResult.self, from: golden)
        #expect(result.builds.map(\.displayName).count == 4)
        #expect(result.errors.map(\.input) == ["Fixtures/.out/corrupt/truncated-payload.rpm"])
        #expect(result.errors.map(\.kind) == [.other], "a report carries no error kind")
        #expect(result.skipped == 2)
        let evidence = result.builds.flatMap(\.evidence)
        #expect(!evidence.isEmpty)
        for e in evidence {
            #expect(
                Rules.rule(id: e.rule.id) == e.rule && e.rule.summary == Rules.rule(id: e.rule.id)?.summary, "\(e.rule)"
            )
        }
        #expect(JSONRenderer().render(result) == Array(golden))
    }

    @Test("A night with a baseline, a policy, a waiver and a remedy decodes to the result that wrote it")
    func nightWithBaselineAndPolicy() throws {
        let paths = try ["el7-stock", "ev-212", "el8", "ma-212"].map { try fixtureDirectory($0) }
        let tonight = audit(paths)
        #expect(tonight.errors.isEmpty, "\(tonight.errors)")
        let stock = try #require(tonight.builds.first { $0.name == "qemu-kvm" && $0.verdict == .disabled })
        let ev = try #require(tonight.builds.first { $0.name == "qemu-kvm-ev" && $0.verdict == .enabled })
        let ma = try #require(tonight.builds.first { $0.name == "qemu-kvm-ma" })
        func entry(_ b: Build, release: String? = nil, _ verdict: Verdict) -> Baseline.Entry {
            Baseline.Entry(
                name: b.name, epoch: b.epoch, version: b.version, release: release ?? b.release, arch: b.arch,
                verdict: verdict)
        }
        // el7-stock regressed, ma-212 changed, ev-212 unchanged (an older release), el8 new, a ppc64le build vanished.
        let baseline = Baseline(entries: [
            entry(stock, .enabled), entry(ma, .unknown), entry(ev, release: "1.el7", .enabled),
            Baseline.Entry(
                name: "qemu-kvm-ma", epoch: 10, version: "2.12.0", release: "44.el7", arch: "ppc64le",
                verdict: .disabled),
        ])
        var policy = Policy()
        policy.source = "snapcheck.yaml"
        policy.expectations = [
            PackageExpectation(pattern: "qemu-kvm-ma", expectation: .disabled, location: "snapcheck.yaml:3")
        ]
        policy.waivers = [
            Waiver(
                package: "qemu-kvm-ma", arch: "ppc64le", reason: "ppc64le builds stopped",
                expires: CalendarDay("2027-01-31")!, location: "snapcheck.yaml:6"),
            Waiver(package: "qemu-kvm-rhev", reason: "stale", expires: CalendarDay("2027-01-31")!),
        ]
        policy.switches.headerOnly = true
        let result = audit(paths) {
            $0.baseline = baseline
            $0.policy = policy
            $0.today = CalendarDay("2026-12-01")!
        }
        let comparison = try #require(result.baseline)
        #expect(
            !comparison.regressions.isEmpty && !comparison.changed.isEmpty && !comparison.unchanged.isEmpty
                && !comparison.new.isEmpty)
        #expect(comparison.vanished.map { $0.waiver?.isActive } == [true])
        #expect(result.builds.contains { $0.remedy?.edit != nil })
        #expect(result.unusedWaivers.map(\.package) == ["qemu-kvm-rhev"])

        let bytes = JSONRenderer().render(result)
        let decoded = try JSONDecoder().decode(AuditResult.self, from: Data(bytes))
        #expect(decoded.builds == result.builds)
        #expect(decoded.baseline == result.baseline)
        #expect(decoded.unusedWaivers == result.unusedWaivers)
        #expect(decoded.policy.source == "snapcheck.yaml" && decoded.policy.switches == policy.switches)
        #expect(
            decoded.expectation == result.expectation && decoded.verdict == result.verdict
                && decoded.skipped == result.skipped)
        #expect(JSONRenderer().render(decoded) == bytes)
    }

    @Test("A report of another schema version, or not a report, is a decoding error")
    func otherSchema() throws {
        let report =
            #"{"schema_version": 2, "tool": {"name": "snapcheck", "version": "9"}, "expectation": "enabled", "verdict": "unknown", "builds": [], "skipped": 0, "errors": []}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(AuditResult.self, from: Data(report.utf8)) }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(AuditResult.self, from: Data(#"{"builds": []}"#.utf8))
        }
    }

    @Test("A rule id this version does not know decodes to a rule of that id, layer and no summary")
    func unknownRule() throws {
        let evidence =
            #"{"layer": "spec", "source": "x.spec", "observed": "o", "rule": "el9-future-rule", "supports": null, "role": "note"}"#
        let e = try JSONDecoder().decode(Evidence.self, from: Data(evidence.utf8))
        #expect(e.rule.id == "el9-future-rule" && e.rule.layer == .spec && e.rule.summary.isEmpty)
        #expect(Rules.rule(id: "el9-future-rule") == nil)
        #expect(Rules.rule(id: "el7-live-block-ops") == Rules.el7LiveBlockOps)
    }
}

/// Each kind of input problem, as a program switches on it.
@Suite("Input errors have a kind a program can switch on")
struct InputErrorKindTests {
    @Test(
        "Missing, not QEMU, corrupt, unsupported and too large inputs each give their kind",
        arguments: [
            ("missing.rpm", InputError.Kind.missing), ("builds/nonqemu/x86_64/hello-1.0-1.x86_64.rpm", .notQEMU),
            ("corrupt/truncated-payload.rpm", .corrupt), ("corrupt/bad-header-magic.rpm", .corrupt),
            ("corrupt/truncated-header.rpm", .corrupt), ("corrupt/tampered-content.rpm", .corrupt),
            ("corrupt/empty.rpm", .unsupported), ("corrupt/text.rpm", .unsupported),
        ])
    func kinds(_ input: String, _ kind: InputError.Kind) throws {
        let path = try Fixtures.built().appendingPathComponent(input).path
        let result = audit([path])
        #expect(result.errors.map(\.kind) == [kind], "\(result.errors)")
        #expect(result.errors.map(\.input) == [path])
    }

    @Test("An emulator over the limit is too large, before it is read")
    func tooLarge() throws {
        let path = try fixtureDirectory("ev-212", "x86_64")
        let result = audit([path]) { $0.limits.emulatorBytes = 1024 }
        #expect(!result.errors.isEmpty && result.errors.allSatisfy { $0.kind == .tooLarge }, "\(result.errors)")
    }

    @Test("A directory without any build is a no-builds error")
    func directories() throws {
        let empty = URL(fileURLWithPath: try temporaryDirectory("kinds"))
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(audit([empty.path]).errors.map(\.kind) == [.noBuilds])
    }
}
