import Foundation
import SnapCheck
import TestSupport
import Testing

@Suite("Policy file")
struct PolicyFileTests {
    static let example = """
        # The Virt SIG tag: -ev builds on, the stock and -ma builds off.
        expect:
          qemu-kvm-ev: enabled
          qemu-kvm: disabled
          qemu-kvm-ma: disabled
          "qemu-kvm-*": disabled
        arch:
          ppc64le:
            qemu-kvm-ev: disabled
        waivers:
          - package: qemu-kvm-ev
            arch: ppc64le
            version: 2.12.0-44.1*
            reason: CBS-1234, the ppc64le builder lost its HMP patch
            expires: 2027-01-31
        fail-on:
          vanished: false

        """

    @Test("Every section reads into the policy, with the line of each entry")
    func example() throws {
        let policy = try PolicyFile.parse(Self.example, path: "snapcheck.yaml")
        #expect(policy.source == "snapcheck.yaml")
        #expect(policy.expectations.map(\.pattern) == ["qemu-kvm-ev", "qemu-kvm", "qemu-kvm-ma", "qemu-kvm-*"])
        #expect(policy.expectations.map(\.expectation) == [.enabled, .disabled, .disabled, .disabled])
        #expect(
            policy.expectations.map(\.location) == [
                "snapcheck.yaml:3", "snapcheck.yaml:4", "snapcheck.yaml:5", "snapcheck.yaml:6",
            ])
        #expect(policy.archExpectations["ppc64le"]?.map(\.pattern) == ["qemu-kvm-ev"])
        let waiver = try #require(policy.waivers.first)
        #expect(policy.waivers.count == 1)
        #expect(waiver.package == "qemu-kvm-ev" && waiver.arch == "ppc64le" && waiver.version == "2.12.0-44.1*")
        #expect(waiver.reason == "CBS-1234, the ppc64le builder lost its HMP patch")
        #expect(waiver.expires == CalendarDay("2027-01-31"))
        #expect(waiver.location == "snapcheck.yaml:11")
        #expect(policy.switches.vanished == false)
        #expect(policy.switches.noBuilds && !policy.switches.headerOnly, "switches not named keep their default")
    }

    @Test("An empty file is the default policy")
    func empty() throws {
        let policy = try PolicyFile.parse("# nothing yet\n", path: "p.yaml")
        #expect(policy.expectations.isEmpty && policy.waivers.isEmpty)
        #expect(policy.switches == Policy.Switches())
    }

    @Test(
        "Mistakes are errors naming file and line; nothing unknown is ignored",
        arguments: [
            (
                "expect:\n  qemu-kvm-ev: enabled\nexpcet:\n  qemu-kvm: disabled\n", 3,
                "unknown key 'expcet' in the policy (known: expect, arch, waivers, fail-on)"
            ),
            (
                "expect:\n  qemu-kvm-ev: enable\n", 2,
                "qemu-kvm-ev: 'enable' is not an expectation (enabled or disabled)"
            ),
            (
                "waivers:\n  - package: qemu-kvm-ma\n    reason: r\n    expires: 2027-02-30\n", 4,
                "expires: '2027-02-30' is not a date (YYYY-MM-DD)"
            ),
            ("waivers:\n  - package: qemu-kvm-ma\n    expires: 2027-01-01\n", 2, "a waiver needs reason"),
            (
                "waivers:\n  - package: qemu-kvm-ma\n    reason: r\n    expires: 2027-01-01\n    until: 2027-02-01\n",
                5, "unknown key 'until' in a waiver (known: package, arch, version, reason, expires)"
            ),
            (
                "arch:\n  ppc64el:\n    qemu-kvm-ev: enabled\n", 2,
                "arch 'ppc64el' is not an arch rpm knows (x86_64, ppc64le, aarch64, s390x, ...)"
            ),
            ("fail-on:\n  no-builds: no\n", 2, "no-builds: 'no' is not true or false"),
            (
                "fail-on:\n  empty: true\n", 2,
                "unknown key 'empty' in fail-on (known: no-builds, vanished, header-only)"
            ),
            (
                "expect:\n  qemu-kvm: enabled\n  qemu-kvm: disabled\n", 2,
                "not valid YAML: the mapping starting here has qemu-kvm twice"
            ),
            ("expect: [qemu-kvm\n", 2, "not valid YAML: did not find expected ',' or ']'"),
            ("- qemu-kvm\n", 1, "the policy is a mapping of expect, arch, waivers, fail-on"),
            ("waivers:\n  package: qemu-kvm\n", 2, "waivers is a list of waivers (- package: ...)"),
        ])
    func mistakes(text: String, line: Int, message: String) {
        #expect {
            try PolicyFile.parse(text, path: "p.yaml")
        } throws: { error in
            guard let error = error as? PolicyFileError else { return false }
            return error.line == line && error.message == message && error.description == "p.yaml:\(line): \(message)"
        }
    }

    @Test("Nesting deeper than libyaml allows is an error, never a crash")
    func deepNesting() {
        #expect(throws: PolicyFileError(path: "p.yaml", line: 1, message: "not valid YAML: nested too deeply")) {
            try PolicyFile.parse(String(repeating: "[", count: 100_000), path: "p.yaml")
        }
    }

    @Test("A file that is missing, a directory or not UTF-8 is an error naming it")
    func unreadable() throws {
        let directory = try temporaryDirectory("policy")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(
            throws: PolicyFileError(path: directory + "/none.yaml", line: nil, message: "no such file or directory")
        ) {
            try PolicyFile.read(directory + "/none.yaml")
        }
        #expect(throws: PolicyFileError(path: directory, line: nil, message: "not a regular file")) {
            try PolicyFile.read(directory)
        }
        try Data([0x65, 0x78, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: directory + "/latin1.yaml"))
        #expect(throws: PolicyFileError(path: directory + "/latin1.yaml", line: nil, message: "not UTF-8 text")) {
            try PolicyFile.read(directory + "/latin1.yaml")
        }
    }

    @Test(
        "Dates: YYYY-MM-DD only, days the calendar has, ordered; leap years",
        arguments: [
            ("2027-01-31", true), ("2028-02-29", true), ("2027-02-29", false), ("2100-02-29", false),
            ("2000-02-29", true),
            ("2027-13-01", false), ("2027-1-31", false), ("27-01-31", false), ("2027-01-31T00:00", false), ("", false),
        ])
    func dates(text: String, valid: Bool) {
        #expect((CalendarDay(text) != nil) == valid)
        if valid { #expect(CalendarDay(text)?.description == text) }
    }
}
