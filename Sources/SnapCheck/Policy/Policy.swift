import Foundation

/// What a run expects of its builds and what it forgives: per-package
/// expectations, per-arch overrides, waivers, and the switches that decide
/// what fails (Docs/policy.md). Read from `snapcheck.yaml` by `PolicyFile`;
/// the default value is the safe policy every run has without a file.
public struct Policy: Sendable, Hashable {
    /// Expectations by package name pattern, in file order.
    public var expectations: [PackageExpectation] = []
    /// Per-arch overrides: for a build of that arch they come before `expectations`.
    public var archExpectations: [String: [PackageExpectation]] = [:]
    public var waivers: [Waiver] = []
    public var switches = Switches()
    /// The file the policy was read from; nil for the defaults.
    public var source: String?

    public init() {}

    /// The expectation of a build: the first that applies of the per-arch
    /// entries for its arch, the package entries, then `fallback` (`--expect`).
    /// Within one list an exact name wins over a glob, then file order decides.
    public func expectation(name: String, arch: String?, fallback: Expectation) -> Expectation {
        let lists = [arch.flatMap { archExpectations[$0] } ?? [], expectations]
        for list in lists {
            if let exact = list.first(where: { $0.pattern == name }) { return exact.expectation }
            if let glob = list.first(where: { Glob.matches($0.pattern, name) }) { return glob.expectation }
        }
        return fallback
    }

    /// The first waiver, in file order, whose package, arch and version patterns all match.
    public func waiver(name: String, arch: String?, version: String, release: String) -> Waiver? {
        waivers.first { $0.matches(name: name, arch: arch, version: version, release: release) }
    }
}

/// `qemu-kvm-ev: enabled`: an expectation for the packages a pattern matches.
public struct PackageExpectation: Sendable, Hashable {
    /// A package (source) name, or an `fnmatch(3)` glob such as `qemu-kvm-*`.
    public var pattern: String
    public var expectation: Expectation
    /// Where it was written: `snapcheck.yaml:4`.
    public var location: String?

    public init(pattern: String, expectation: Expectation, location: String? = nil) {
        self.pattern = pattern
        self.expectation = expectation
        self.location = location
    }
}

/// A known failure, forgiven with a reason until a date.
///
/// A waived build is reported as waived, with the reason, and does not fail
/// the run through its expiry date; from the day after it fails again and the
/// report says the waiver expired.
public struct Waiver: Sendable, Hashable, Codable {
    /// Package name or glob.
    public var package: String
    /// Arch or glob; nil for every arch.
    public var arch: String?
    /// `version-release` glob (`2.12.0-44.1*`); nil for every version.
    public var version: String?
    public var reason: String
    /// The last day the waiver holds.
    public var expires: CalendarDay
    /// Where it was written: `snapcheck.yaml:12`.
    public var location: String?

    public init(
        package: String, arch: String? = nil, version: String? = nil, reason: String, expires: CalendarDay,
        location: String? = nil
    ) {
        self.package = package
        self.arch = arch
        self.version = version
        self.reason = reason
        self.expires = expires
        self.location = location
    }

    public func matches(name: String, arch buildArch: String?, version v: String, release: String) -> Bool {
        Glob.matches(package, name)
            && (arch.map { Glob.matches($0, buildArch ?? "") } ?? true)
            && (version.map { Glob.matches($0, "\(v)-\(release)") } ?? true)
    }

    /// Whether it still holds on `day`.
    public func holds(on day: CalendarDay) -> Bool { day <= expires }

    /// `qemu-kvm-ma ppc64le 2.12.0-44*`: what it names, for reports.
    public var subject: String { [package, arch, version].compactMap { $0 }.joined(separator: " ") }
}

/// A waiver that matched a failing build (or a vanished one), as the reports show it.
public struct AppliedWaiver: Sendable, Hashable, CustomStringConvertible {
    public var waiver: Waiver
    /// False from the day after `waiver.expires`: the build fails again.
    public var isActive: Bool

    /// `waived until 2027-01-31 (snapcheck.yaml:12): REASON`, or `waiver expired on ...`: the words every report uses.
    public var description: String {
        let place = waiver.location.map { " (\($0))" } ?? ""
        return (isActive ? "waived until " : "waiver expired on ") + "\(waiver.expires)\(place): \(waiver.reason)"
    }
}

extension Policy {
    /// What fails a run besides builds that miss their expectation (`fail-on:`
    /// in the file). `no-builds` and `vanished` are on by default, the safe
    /// answer; `header-only` is off: a version fact holds for every build of
    /// its version (the brief's own ground for `enabled`), and EL8+ binaries
    /// have nothing else to show.
    public struct Switches: Sendable, Hashable {
        /// An audit that found no build at all (an empty directory, only other
        /// packages) is an error, exit 2.
        public var noBuilds = true
        /// A build in the baseline with no build of its name and arch tonight
        /// (an arch that stopped being built) fails, exit 1.
        public var vanished = true
        /// A verdict decided by package headers alone (name, epoch, version,
        /// release: the header layer, never an audited file or a running
        /// emulator) meets no expectation, exit 1. Off by default: for teams
        /// that want a witness beyond the version (the SRPM, a capture).
        public var headerOnly = false

        public init() {}
    }
}

/// A date without a time, as waivers' `expires:` are written: `2027-01-31`.
public struct CalendarDay: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    /// Reads `YYYY-MM-DD`; nil for anything else, or a day the calendar does not have.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), day >= 1, day <= Self.days(inMonth: month, year: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Today's date in UTC, so the same run gives the same answer on any machine.
    public static func today() -> CalendarDay {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        return CalendarDay(
            String(format: "%04d-%02d-%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday)))!
    }

    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }

    public static func < (a: CalendarDay, b: CalendarDay) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// Coded as its `YYYY-MM-DD` text.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = CalendarDay(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a YYYY-MM-DD date: \(text)"))
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// Shell-style patterns (`*`, `?`, `[...]`) as `fnmatch(3)` matches them.
enum Glob {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        fnmatch(pattern, text, 0) == 0
    }
}
