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

    @Argument(help: "Spec files, SRPMs, RPMs, QMP captures, ELF executables (scanned, never run) or directories.",
              completion: .file())
    var inputs: [String] = []

    @Option(help: "The verdict every build should have: enabled or disabled.")
    var expect: Expectation = .enabled

    @Option(help: "Read this many inputs in parallel (default: the number of cores).")
    var jobs: Int?

    @OptionGroup(title: "Spec evaluation")
    var spec: SpecEvaluationOptions

    @OptionGroup(title: "Reports")
    var report: ReportOptions

    @OptionGroup(title: "Emulators and installed hosts")
    var probe: ProbeOptions

    /// Fewer inputs than this finish too fast for a progress line to help.
    static let progressThreshold = 20

    func validate() throws {
        if inputs.isEmpty, !probe.providesInputs { throw ValidationError("Name at least one input (a spec, RPM, SRPM, QMP capture or directory).") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1.") }
    }

    func run() throws {
        var options = AuditOptions()
        options.expectation = expect
        if let jobs { options.jobs = jobs }
        spec.apply(to: &options)
        try probe.apply(to: &options, inputs: inputs)
        let baseline = try report.loadBaseline()
        Output.installInterruptHandler()
        if Output.isTerminal(STDERR_FILENO) && !report.quiet {
            options.progress = { done, total in
                guard total >= Self.progressThreshold else { return }
                let end = done == total ? "\r\u{1B}[K" : ""
                FileHandle.standardError.write(Data("\rsnapcheck: \(done)/\(total) inputs read\(end)".utf8))
            }
        }

        var result = try probe.audit(inputs, options: options)
        result.baseline = baseline?.compare(with: result)
        let status = report.emit(result)
        if status != .success { throw ExitCode(status.rawValue) }
    }
}
