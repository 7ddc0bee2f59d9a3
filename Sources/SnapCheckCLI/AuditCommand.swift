import ArgumentParser
import Foundation
import SnapCheck

/// `snapcheck [audit] [options] INPUT...`: the default command.
///
/// Each concern's options live in their own `ParsableArguments` group and
/// file; this command only puts them together.
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Audit inputs and report a verdict per build (the default command).")

    @Argument(help: "Spec files, SRPMs, RPMs, QMP captures or directories.")
    var inputs: [String] = []

    @Option(help: "The verdict every build should have: enabled or disabled.")
    var expect: Expectation = .enabled

    @Option(help: "Read this many inputs in parallel (default: the number of cores).")
    var jobs: Int?

    @OptionGroup(title: "Spec evaluation")
    var spec: SpecEvaluationOptions

    @OptionGroup(title: "Reports")
    var report: ReportOptions

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("Name at least one input (a spec, RPM, SRPM, QMP capture or directory).") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1.") }
    }

    func run() throws {
        var options = AuditOptions()
        options.expectation = expect
        if let jobs { options.jobs = jobs }
        spec.apply(to: &options)

        let result = Auditor(options: options).audit(inputs)
        let status = try report.emit(result)
        if status != .success { throw ExitCode(status.rawValue) }
    }
}
