import RPM
import Testing

@Suite("Version comparison")
struct VersionComparisonTests {
    @Test("compareRPMVersions follows rpmvercmp", arguments: [
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
