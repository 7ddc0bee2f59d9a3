import Foundation
import RPM
import Testing

@Suite("Version comparison")
struct VersionComparisonTests {
    @Test(
        "compareRPMVersions follows rpmvercmp",
        arguments: [
            ("1.5.3", "1.5.3", 0),
            ("1.5.3", "1.5.10", -1),
            ("2.12.0", "2.9.1", 1),
            ("175.el7", "175.el7_2", -1),
            ("1.0~rc1", "1.0", -1),
            ("1.0^git1", "1.0", 1),
            ("1.0a", "1.0", 1),
            ("0.12.1.2", "0.12.1.2", 0),
        ])
    func compare(a: String, b: String, expected: Int) {
        #expect(compareRPMVersions(a, b) == expected)
        #expect(compareRPMVersions(b, a) == -expected)
    }
}

@Suite("EVR order and arch names")
struct EVRAndArchTests {
    @Test(
        "compareRPMEVR: epoch first (missing is 0), then version, then release, by rpmvercmp",
        arguments: [
            ((nil, "2.12.0", "44.el7_8"), (nil, "2.12.0", "44.1.el7_8.1"), -1),
            ((UInt32(10), "1.5.3", "175.el7"), (UInt32(10), "1.5.3", "183.el7"), -1),
            ((UInt32(10), "2.12.0", "1"), (nil, "4.2.0", "29.el8"), 1),
            ((nil, "1.0", "1"), (UInt32(0), "1.0", "1"), 0),
            ((UInt32(15), "4.2.0", "29.el8"), (UInt32(17), "1.0", "1"), -1),
        ] as [((UInt32?, String, String), (UInt32?, String, String), Int)])
    func evr(a: (UInt32?, String, String), b: (UInt32?, String, String), expected: Int) {
        #expect(compareRPMEVR(a, b) == expected)
        #expect(compareRPMEVR(b, a) == -expected)
    }

    @Test(
        "RPMArch.isKnown takes rpm's machine arches and refuses other spellings, noarch and typos",
        arguments: [
            ("x86_64", true), ("ppc64le", true), ("aarch64", true), ("s390x", true), ("i686", true), ("armv7hl", true),
            ("ppc64el", false), ("arm64", false), ("x86-64", false), ("noarch", false), ("bogus", false), ("", false),
        ])
    func arch(name: String, known: Bool) {
        #expect(RPMArch.isKnown(name) == known)
    }

    @Test("Asking about an arch leaves librpm configured for the host")
    func archLeavesHost() throws {
        _ = RPMArch.isKnown("ppc64le")
        var host = utsname()
        uname(&host)
        let machine = withUnsafeBytes(of: &host.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let parsed = try InProcessSpecEvaluator().parse(
            contents: Array("Name: a\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n%description\nd\n".utf8),
            displayName: "a.spec", options: SpecOptions(macrosToRead: ["_target_cpu"]))
        #expect(parsed.macros["_target_cpu"] == machine)
    }
}
