// What snapcheck must conclude about each fixture build. Not API.

/// One fixture build and what snapcheck must conclude about it.
public struct FixtureExpectation: CustomStringConvertible, Sendable {
    public var id: String
    /// The verdict, as the JSON report spells it.
    public var verdict: String
    /// The rule of the deciding spec evidence (SRPM alone).
    public var specRule: String
    /// Exactly the spec lines the deciding evidence names: the flag, its macro chain and the
    /// conditions rpm took (an `%ifarch` the target selects included).
    public var specLines: [Int]
    public var description: String { id }

    /// Every fixture build with one source package, in Fixtures/README.md order.
    public static let all: [FixtureExpectation] = [
        .init(id: "el6-stock", verdict: "disabled", specRule: "el6-disable-flag", specLines: [10, 18, 28, 91]),
        .init(id: "el6-rhev", verdict: "enabled", specRule: "el6-default-on", specLines: [9, 12, 25, 82]),
        .init(id: "el6-gap", verdict: "disabled", specRule: "el6-6.2-deleted", specLines: [25]),
        .init(id: "el7-stock", verdict: "disabled", specRule: "el7-live-block-ops", specLines: [7, 73, 89]),
        .init(id: "el7-rhev", verdict: "enabled", specRule: "el7-live-block-ops", specLines: [7, 73, 87]),
        .init(id: "el7-old", verdict: "enabled", specRule: "el7-before-option", specLines: [75]),
        .init(id: "rhev-212", verdict: "enabled", specRule: "el7-live-block-ops", specLines: [9, 86]),
        .init(id: "ev-23", verdict: "enabled", specRule: "el7-ev-no-option", specLines: [14]),
        .init(id: "ev-26", verdict: "enabled", specRule: "el7-ev-no-option", specLines: [14]),
        .init(id: "ev-210", verdict: "enabled", specRule: "el7-positional-live-block-ops", specLines: [22, 157]),
        .init(id: "ma-210", verdict: "disabled", specRule: "el7-positional-live-block-ops", specLines: [9, 30, 159]),
        .init(id: "ev-212", verdict: "enabled", specRule: "el7-positional-live-block-ops", specLines: [25, 177]),
        .init(id: "ma-212", verdict: "disabled", specRule: "el7-positional-live-block-ops", specLines: [9, 39, 178]),
        .init(id: "el8", verdict: "enabled", specRule: "upstream-since-0.14", specLines: [15]),
        .init(id: "fedora", verdict: "enabled", specRule: "upstream-since-0.14", specLines: [12]),
        .init(id: "fedora-013", verdict: "absent", specRule: "upstream-before-0.14", specLines: [12]),
        .init(id: "decoy-two-configure", verdict: "enabled", specRule: "el7-live-block-ops", specLines: [9, 75, 103]),
        .init(
            id: "decoy-live-block-migration", verdict: "enabled", specRule: "el7-live-block-ops",
            specLines: [8, 74, 89]),
        .init(id: "decoy-parametric", verdict: "disabled", specRule: "el7-live-block-ops", specLines: [34]),
        .init(id: "ev-23-with-shell", verdict: "enabled", specRule: "el7-ev-no-option", specLines: [17]),
    ]

    /// The exit status of `snapcheck` (expecting enabled) on this build alone.
    public var exitStatus: Int32 { verdict == "enabled" ? 0 : 1 }
}
