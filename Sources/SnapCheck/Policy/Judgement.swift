internal import RPM

/// The run-level half of a policy: what the audit of single builds cannot
/// know. Per-build expectations are set when each build is decided
/// (`Auditor.conclude`); here the run is compared with its baseline, waivers
/// are matched to what fails, and an audit without builds becomes an error.
extension AuditResult {
    /// Compares with `baseline` and applies the policy's waivers as of `today`:
    /// the first waiver (in file order) that matches a failing build, or a
    /// vanished one when vanished builds fail, is attached to it; the others
    /// are `unusedWaivers`, so stale ones surface.
    mutating func judge(baseline: Baseline?, today: CalendarDay) {
        self.baseline = baseline?.compare(with: builds)
        var used = Set<Int>()
        func waiver(name: String, arch: String?, version: String, release: String) -> AppliedWaiver? {
            guard
                let index = policy.waivers.firstIndex(where: {
                    $0.matches(name: name, arch: arch, version: version, release: release)
                })
            else {
                return nil
            }
            used.insert(index)
            return AppliedWaiver(waiver: policy.waivers[index], isActive: policy.waivers[index].holds(on: today))
        }
        for index in builds.indices {
            let build = builds[index]
            guard !build.meetsExpectation || self.baseline?.regression(of: build) != nil else { continue }
            builds[index].waiver = waiver(
                name: build.name, arch: build.arch, version: build.version, release: build.release)
        }
        if policy.switches.vanished, var comparison = self.baseline {
            for index in comparison.vanished.indices {
                let gone = comparison.vanished[index].baseline
                comparison.vanished[index].waiver = waiver(
                    name: gone.name, arch: gone.arch, version: gone.version, release: gone.release)
            }
            self.baseline = comparison
        }
        unusedWaivers = policy.waivers.indices.filter { !used.contains($0) }.map { policy.waivers[$0] }
    }

    /// The vanished builds that fail the run: vanished builds fail
    /// (`fail-on: vanished`) and no waiver holds for them.
    public var failingVanished: [BaselineComparison.Vanished] {
        guard policy.switches.vanished, let baseline else { return [] }
        return baseline.vanished.filter { $0.waiver?.isActive != true }
    }

    /// The error of an audit that found no build (`fail-on: no-builds`), naming `inputs`.
    static func noBuildsError(inputs: [String], skipped: Int, skippedFiles: Int) -> InputError {
        let label = inputs.isEmpty ? "inputs" : inputs.joined(separator: ", ")
        let why =
            skipped + skippedFiles == 0
            ? "no package, spec or capture in the inputs"
            : "\(skipped) other package\(skipped == 1 ? "" : "s") and \(skippedFiles) other file\(skippedFiles == 1 ? "" : "s") skipped"
        return InputError(.noBuilds, input: label, message: "no QEMU build found (\(why))")
    }
}
