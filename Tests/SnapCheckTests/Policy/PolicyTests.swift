import Foundation
import SnapCheck
import TestSupport
import Testing

/// A policy read from YAML text, as a test writes it.
func policy(_ yaml: String) throws -> Policy {
    try PolicyFile.parse(yaml, path: "snapcheck.yaml")
}

@Suite("Policy: expectations, waivers, switches")
struct PolicyTests {
    @Test(
        "Precedence: a per-arch entry, then the package entries (exact name before glob, then file order), then --expect"
    )
    func precedence() throws {
        let p = try policy(
            """
            expect:
              "qemu-kvm-*": disabled
              qemu-kvm-ev: enabled
              "qemu-*": enabled
            arch:
              ppc64le:
                "qemu-kvm-e?": disabled
            """)
        #expect(
            p.expectation(name: "qemu-kvm-ev", arch: "x86_64", fallback: .disabled) == .enabled,
            "exact name beats an earlier glob")
        #expect(
            p.expectation(name: "qemu-kvm-ma", arch: "x86_64", fallback: .enabled) == .disabled, "first matching glob")
        #expect(p.expectation(name: "qemu-guest-agent", arch: "x86_64", fallback: .disabled) == .enabled)
        #expect(
            p.expectation(name: "qemu-kvm-ev", arch: "ppc64le", fallback: .enabled) == .disabled,
            "the arch override wins")
        #expect(p.expectation(name: "hello", arch: "x86_64", fallback: .disabled) == .disabled, "unnamed: --expect")
        #expect(p.expectation(name: "qemu-kvm-ev", arch: nil, fallback: .disabled) == .enabled)
    }

    @Test(
        "A mixed tag in one run: -ev expected enabled, -ma disabled, each met; --expect stays the default of the rest")
    func mixedTag() throws {
        let p = try policy("expect:\n  qemu-kvm-ev: enabled\n  qemu-kvm-ma: disabled\n")
        let result = audit([
            try fixtureDirectory("ev-212", "x86_64"), try fixtureDirectory("ma-212", "x86_64"),
            try fixtureDirectory("el7-stock", "x86_64"),
        ]) {
            $0.policy = p
            $0.expectation = .enabled
        }
        let summary = result.builds.map {
            "\($0.name) \($0.verdict.rawValue) expected \($0.expectation.rawValue) met \($0.meetsExpectation)"
        }
        #expect(
            summary == [
                "qemu-kvm disabled expected enabled met false",
                "qemu-kvm-ev enabled expected enabled met true",
                "qemu-kvm-ma disabled expected disabled met true",
            ])
        #expect(
            result.exitStatus == .contradictsExpectation,
            "the stock build is named by no entry and --expect says enabled")
    }

    @Test("A waiver holds through its expiry date: the failing build is waived with its reason, and the run passes")
    func waiverHolds() throws {
        let p = try policy(
            """
            waivers:
              - package: qemu-kvm-ma
                arch: x86_64
                version: 2.12.0-44.*
                reason: CBS-77, -ma is built without live block ops on purpose
                expires: 2027-01-31
            """)
        let directory = try fixtureDirectory("ma-212", "x86_64")
        for day in ["2026-12-01", "2027-01-31"] {
            let result = audit([directory]) {
                $0.policy = p
                $0.today = CalendarDay(day)!
            }
            let build = try #require(result.builds.first)
            #expect(build.verdict == .disabled && !build.meetsExpectation)
            #expect(build.waiver?.isActive == true, "\(day)")
            #expect(build.waiver?.waiver.reason == "CBS-77, -ma is built without live block ops on purpose")
            #expect(result.exitStatus == .success, "\(day)")
            #expect(result.unusedWaivers.isEmpty)
        }
    }

    @Test("From the day after its date a waiver has expired: the build fails again and carries the expired waiver")
    func waiverExpired() throws {
        let p = try policy(
            "waivers:\n  - package: qemu-kvm-ma\n    reason: until the rebuild\n    expires: 2027-01-31\n")
        let result = audit([try fixtureDirectory("ma-212", "x86_64")]) {
            $0.policy = p
            $0.today = CalendarDay("2027-02-01")!
        }
        #expect(result.builds.first?.waiver?.isActive == false)
        #expect(result.exitStatus == .contradictsExpectation)
        let text = String(decoding: TextRenderer().render(result), as: UTF8.self)
        #expect(text.contains("WAIVER EXPIRED\n  waiver expired on 2027-01-31 (snapcheck.yaml:2): until the rebuild\n"))
    }

    @Test("A waiver that matches no failing build is listed as unused; it waives nothing")
    func unusedWaiver() throws {
        let p = try policy(
            """
            waivers:
              - package: qemu-kvm-ev
                reason: was needed for -43
                expires: 2027-01-31
              - package: qemu-kvm-ma
                arch: ppc64le
                reason: another arch
                expires: 2027-01-31
            """)
        let result = audit([try fixtureDirectory("ev-212", "x86_64"), try fixtureDirectory("ma-212", "x86_64")]) {
            $0.policy = p
            $0.today = CalendarDay("2026-12-01")!
        }
        #expect(result.builds.allSatisfy { $0.waiver == nil })
        #expect(result.unusedWaivers.map(\.location) == ["snapcheck.yaml:2", "snapcheck.yaml:5"])
        #expect(result.exitStatus == .contradictsExpectation)
    }

    @Test(
        "fail-on header-only: switched on, a verdict from package headers alone meets no expectation; by default a version fact does"
    )
    func headerOnly() throws {
        // qemu-img of EL8 alone: no emulator, no spec; the version fact says enabled.
        let directory = try fixtureDirectory("el8", "x86_64")
        let image = try #require(
            try FileManager.default.contentsOfDirectory(atPath: directory).first { $0.hasPrefix("qemu-img-") })
        let strict = audit([directory + "/" + image]) { $0.policy = try! policy("fail-on:\n  header-only: true\n") }
        let build = try #require(strict.builds.first)
        #expect(build.verdict == .enabled && build.isDecidedByHeadersAlone)
        #expect(!build.meetsExpectation)
        #expect(strict.exitStatus == .contradictsExpectation)
        let text = String(decoding: TextRenderer().render(strict), as: UTF8.self)
        #expect(text.contains("x86_64  [expected enabled: decided by package headers alone]\n"))

        let lenient = audit([directory + "/" + image])
        #expect(lenient.builds.first?.meetsExpectation == true && lenient.exitStatus == .success)

        // EL8's emulator was never gated, so its command names prove nothing: binaries alone rest on the version fact too.
        let binaries = audit([directory]) { $0.policy = try! policy("fail-on:\n  header-only: true\n") }
        #expect(
            binaries.builds.first?.isDecidedByHeadersAlone == true && binaries.exitStatus == .contradictsExpectation)
        #expect(audit([directory]).exitStatus == .success)
        let withSpec = audit([try fixtureDirectory("el8")])
        #expect(
            withSpec.builds.first?.isDecidedByHeadersAlone == false && withSpec.exitStatus == .success,
            "with the SRPM the spec decides")
    }

    @Test(
        "A walked directory with stray files: they are skipped and counted, the builds audited; named, they are errors")
    func strayFiles() throws {
        let root = try temporaryDirectory("stray")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.copyItem(atPath: try fixtureDirectory("ev-212", "x86_64"), toPath: root + "/x86_64")
        try Data(#"{"build": {"name": "qemu-kvm-ev", "task_id": 5}, "output": []}"#.utf8).write(
            to: URL(fileURLWithPath: root + "/metadata.json"))
        try Data(JSONRenderer().render(audit([root + "/x86_64"]))).write(
            to: URL(fileURLWithPath: root + "/snapcheck.json"))
        try Data().write(to: URL(fileURLWithPath: root + "/empty.qmp"))

        let walked = audit([root])
        #expect(walked.builds.map(\.verdict) == [.enabled])
        #expect(walked.errors.isEmpty)
        #expect(walked.skippedFiles == 3)
        #expect(walked.exitStatus == .success)
        #expect(
            String(decoding: TextRenderer().render(walked), as: UTF8.self).hasSuffix(
                "1 build: 1 enabled; 3 other files skipped\n"))

        let named = audit([root + "/metadata.json"])
        #expect(named.errors.map(\.message) == ["not a spec file, RPM package, QMP capture or ELF executable"])
    }

    @Test("A walked .rpm that is no package is still an error: a broken download, not a stray file")
    func brokenPackageInTree() throws {
        let root = try temporaryDirectory("broken")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Data("<html>503</html>\n".utf8).write(to: URL(fileURLWithPath: root + "/qemu-kvm-ev.rpm"))
        let result = audit([root])
        #expect(result.errors.map(\.input) == [root + "/qemu-kvm-ev.rpm"])
        #expect(result.skippedFiles == 0)
    }
}
