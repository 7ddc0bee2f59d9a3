import Foundation
import SnapCheck
import TestSupport
import Testing

/// Last night's report of `paths`, read back as a baseline.
private func baseline(of paths: [String]) throws -> Baseline {
    try Baseline(jsonBytes: JSONRenderer().render(audit(paths) { $0.policy.switches.noBuilds = false }))
}

@Suite("Baselines compare like with like")
struct BaselineMatchingTests {
    @Test(
        "Several versions of one package and arch in one run, identical input: every build unchanged, no false regression"
    )
    func severalVersionsUnchanged() throws {
        // qemu-kvm-rhev x86_64 twice: 1.5.3-175 (enabled) and 1.5.3-183 (disabled).
        let inputs = [try fixtureDirectory("el7-rhev", "x86_64"), try fixtureDirectory("rhev-disabled", "x86_64")]
        let lastNight = try baseline(of: inputs)
        let tonight = audit(inputs) { $0.baseline = lastNight }
        let comparison = try #require(tonight.baseline)
        #expect(
            comparison.regressions.isEmpty && comparison.changed.isEmpty && comparison.new.isEmpty
                && comparison.vanished.isEmpty)
        #expect(
            comparison.unchanged.map(\.displayName) == [
                "qemu-kvm-rhev-10:1.5.3-175.el7", "qemu-kvm-rhev-10:1.5.3-183.el7",
            ])
        #expect(
            tonight.exitStatus == .contradictsExpectation, "183 is disabled: an expectation failure, not a regression")
        #expect(!String(decoding: TextRenderer().render(tonight), as: UTF8.self).contains("REGRESSION"))
    }

    @Test(
        "A new release is compared with the newest release of its name and arch in the baseline, by rpm's version order"
    )
    func newestByRPMOrder() throws {
        let lastNight = Baseline(entries: [
            .init(
                name: "qemu-kvm-rhev", epoch: 10, version: "1.5.3", release: "99.el7", arch: "x86_64",
                verdict: .disabled),
            .init(
                name: "qemu-kvm-rhev", epoch: 10, version: "1.5.3", release: "175.el7", arch: "x86_64",
                verdict: .enabled),
            .init(
                name: "qemu-kvm-rhev", epoch: 10, version: "1.5.3", release: "175.el7", arch: "ppc64le",
                verdict: .disabled),
        ])
        // rpmvercmp: 175 > 99 (a string compare would pick 99).
        let tonight = audit([try fixtureDirectory("rhev-disabled", "x86_64")]) { $0.baseline = lastNight }
        let comparison = try #require(tonight.baseline)
        let regression = try #require(comparison.regressions.first)
        #expect(comparison.regressions.count == 1)
        #expect(regression.baseline.release == "175.el7" && regression.build.release == "183.el7")
        #expect(comparison.vanished.map(\.key.description) == ["qemu-kvm-rhev ppc64le"])
        #expect(tonight.exitStatus == .contradictsExpectation)
    }

    @Test("Exact match first: tonight's older build meets its own baseline entry, the newer one the newest")
    func exactFirst() throws {
        let lastNight = Baseline(entries: [
            .init(
                name: "qemu-kvm-rhev", epoch: 10, version: "1.5.3", release: "175.el7", arch: "x86_64",
                verdict: .enabled)
        ])
        let tonight = audit([
            try fixtureDirectory("el7-rhev", "x86_64"), try fixtureDirectory("rhev-disabled", "x86_64"),
        ]) { $0.baseline = lastNight }
        let comparison = try #require(tonight.baseline)
        #expect(comparison.unchanged.map(\.release) == ["175.el7"])
        #expect(comparison.regressions.map(\.build.release) == ["183.el7"])
        #expect(comparison.new.isEmpty)
    }

    @Test("An epoch the baseline wrote as null matches a build without one; the build's JSON keeps null")
    func epochs() throws {
        let entry = Baseline.Entry(
            name: "qemu-kvm-ev", epoch: nil, version: "2.12.0", release: "44.1.el7_8.1", arch: "x86_64",
            verdict: .enabled)
        let bytes = Array(
            #"{"schema_version": 1, "builds": [{"name": "qemu-kvm-ev", "epoch": null, "version": "2.12.0", "release": "44.1.el7_8.1", "arch": "x86_64", "verdict": "enabled"}]}"#
                .utf8)
        #expect(try Baseline(jsonBytes: bytes).entries == [entry])
    }

    @Test("A vanished build fails the run by default; fail-on vanished: false only lists it; a waiver forgives it")
    func vanished() throws {
        let lastNight = try baseline(of: [try fixtureDirectory("ev-212")])
        #expect(lastNight.entries.map(\.arch) == ["ppc64le", "x86_64"])
        let inputs = [try fixtureDirectory("ev-212", "src"), try fixtureDirectory("ev-212", "x86_64")]

        let strict = audit(inputs) { $0.baseline = lastNight }
        #expect(strict.baseline?.vanished.map(\.key.description) == ["qemu-kvm-ev ppc64le"])
        #expect(strict.failingVanished.count == 1)
        #expect(strict.exitStatus == .contradictsExpectation)

        let listed = audit(inputs) {
            $0.baseline = lastNight
            $0.policy.switches.vanished = false
        }
        #expect(listed.baseline?.vanished.count == 1 && listed.exitStatus == .success)

        let waived = audit(inputs) {
            $0.baseline = lastNight
            $0.policy = try! policy(
                "waivers:\n  - package: qemu-kvm-ev\n    arch: ppc64le\n    reason: ppc64le retired\n    expires: 2027-06-30\n"
            )
            $0.today = CalendarDay("2027-06-30")!
        }
        #expect(waived.baseline?.vanished.first?.waiver?.isActive == true)
        #expect(waived.exitStatus == .success)
    }
}
