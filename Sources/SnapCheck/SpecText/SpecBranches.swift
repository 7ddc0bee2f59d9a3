// Which `%if` branches rpm took in one parse. librpmbuild drops the lines of
// branches it did not take and keeps no line numbers, so every condition of
// the spec is evaluated again by librpm itself right after the parse, in the
// parse's macro context, and a line is in a taken branch when every condition
// around it came out the way its branch needs.

/// The value of every `%if`-family condition of a spec in one parse.
@_spi(Fuzzing) public struct SpecBranches: Sendable, Hashable {
    /// Per directive line: the condition's value; absent when it could not be evaluated.
    public var values: [Int: Bool]
    /// Per directive line: what the condition read that the parse did not have as a
    /// real build has it: numbers of refused-expansion markers, macros of the host.
    public var refusedMarkers: [Int: [Int]] = [:]
    public var hostMacros: [Int: [String]] = [:]

    public init(values: [Int: Bool]) {
        self.values = values
    }

    /// The expressions that tell every condition's value when expanded right
    /// after the parse (`SpecOptions.expressions`): `%[EXPR]` for `%if`/`%elif`,
    /// the arch or OS list and `%{_target_cpu}`/`%{_target_os}` for the others.
    public static func queries(for source: SpecSource) -> [String] {
        var queries: [String] = ["%{_target_cpu}", "%{_target_os}", SpecSource.conditionRecordQuery]
        for condition in source.allConditions {
            queries.append(query(condition))
        }
        return queries
    }

    /// The macros a host's rpm configuration sets (`SpecRules`), and `getenv`.
    private static let configuredHostMacros = Set(
        SpecRules.hostDistributionMacros + SpecRules.hostConfigurationMacros + ["getenv"])

    private static func query(_ condition: SpecCondition) -> String {
        condition.isArchCondition ? condition.expression : "%[\(condition.expression)]"
    }

    /// The values, from the expansions a parse returned for `queries(for:)`.
    /// A condition rpm was given rewritten (`SpecSource.recordingConditions`)
    /// has the value recorded when rpm evaluated it. The others are evaluated
    /// with the macros as they stand after the parse, so a condition on a macro
    /// the spec defines again after the condition's line (where rpm read it with
    /// the value before) is left unknown.
    public init(source: SpecSource, expansions: [String: String]) {
        let records = SpecSource.conditionRecords(expansions[SpecSource.conditionRecordQuery])
        var laterDefinitions: [String: Int] = [:]
        for site in source.allDefinitions() {
            laterDefinitions[site.name] = max(laterDefinitions[site.name] ?? 0, site.line)
        }
        var values: [Int: Bool] = [:]
        let cpu = expansions["%{_target_cpu}"]?.trimmingWhitespace
        let os = expansions["%{_target_os}"]?.trimmingWhitespace
        for condition in source.allConditions {
            if !records.isEmpty, source.recordsCondition(atLine: condition.line) {
                // Not recorded: rpm did not evaluate it (a branch not taken around it).
                guard let record = records[condition.line] else { continue }
                if !record.refusedMarkers.isEmpty { refusedMarkers[condition.line] = record.refusedMarkers }
                // A name tested while undefined that the spec itself defines somewhere (a switch of its own,
                // set in another branch) is the spec's, not a builder's; the hosts' macros always count.
                let read = record.hostMacros.filter {
                    Self.configuredHostMacros.contains($0) || laterDefinitions[$0] == nil
                }
                if !read.isEmpty { hostMacros[condition.line] = read }
                if let value = record.value { values[condition.line] = Self.truth(value) }
                continue
            }
            guard let expanded = expansions[Self.query(condition)]?.trimmingWhitespace else { continue }
            if condition.macroNames.contains(where: { (laterDefinitions[$0] ?? 0) > condition.line }) { continue }
            let keyword = condition.keyword
            if condition.isArchCondition {
                let target = keyword.hasSuffix("arch") ? cpu : os
                guard let target, !target.isEmpty else { continue }
                let listed = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).contains {
                    $0 == target
                }
                values[condition.line] = keyword.hasPrefix("ifn") ? !listed : listed
            } else {
                values[condition.line] = Self.truth(expanded)
            }
        }
        self.values = values
    }

    /// How rpm reads the result of an expression: a number, true when not 0; a
    /// non-empty string, true. Empty (rpm could not evaluate it: an error) or
    /// holding a marker: not known.
    static func truth(_ expanded: String) -> Bool? {
        if let number = Int(expanded) { return number != 0 }
        guard !expanded.isEmpty, !expanded.contains(RefusedExpansion.markerPrefix) else { return nil }
        return true
    }

    /// Whether `line` lies in branches rpm took: every enclosing condition is
    /// true where the line is in its `%if` part and false where it is in its
    /// `%else` part; nil when a condition's value is not known.
    public func isTaken(line: Int, in source: SpecSource) -> Bool? {
        var known = true
        for condition in source.enclosingConditions(ofLine: line) {
            guard let value = values[condition.line] else {
                known = false
                continue
            }
            if value == condition.inElseBranch { return false }
        }
        return known ? true : nil
    }
}
