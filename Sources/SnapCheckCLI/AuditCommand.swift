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

    @Argument(
        help: "Spec files, SRPMs, RPMs, QMP captures, ELF executables (scanned, never run) or directories.",
        completion: .file())
    var inputs: [String] = []

    @Option(help: "The verdict a build should have when the policy file names none for it: enabled or disabled.")
    var expect: Expectation = .enabled

    @Option(help: "Read this many inputs in parallel (default: the number of cores).")
    var jobs: Int?

    @Flag(
        help:
            "Search no remedy for builds that miss their expectation: no spec is evaluated again (nightly runs that only need verdicts)."
    )
    var noRemedy = false

    @OptionGroup(title: "Spec evaluation")
    var spec: SpecEvaluationOptions

    @OptionGroup(title: "Reports")
    var report: ReportOptions

    @OptionGroup(title: "Policy and baselines")
    var policy: PolicyOptions

    @OptionGroup(title: "Emulators and installed hosts")
    var probe: ProbeOptions

    @OptionGroup(title: "Repositories")
    var repository: RepositoryOptions

    /// Fewer inputs than this finish too fast for a progress line to help.
    static let progressThreshold = 20

    func validate() throws {
        try Self.refuseMistypedSubcommand(inputs)
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1.") }
        try probe.validate(inputs: inputs)
        try repository.validate(probe: probe)
        try Self.refuseSameFileTwice(report.outputPaths + probe.transcriptPaths(inputs: inputs))
    }

    /// A first word that names no file and looks like a word, not a path
    /// (`snapcheck rulez`), is a mistyped subcommand: a usage error, not a missing input.
    static func refuseMistypedSubcommand(_ inputs: [String]) throws {
        guard let first = inputs.first, CommandLine.arguments.dropFirst().first == first,
            !first.contains("/"), !first.contains("."), !FileManager.default.fileExists(atPath: first)
        else { return }
        let names = CompletionScripts.subcommands.filter { $0 != "help" }.joined(separator: ", ")
        throw ValidationError(
            "'\(VisibleText.escape(first))' is not a subcommand (\(names)) and no file of that name exists.")
    }

    /// Two outputs naming one file (`a` and `./a`, a link and its target,
    /// `-o a --report json=a`) would overwrite each other: a usage error.
    static func refuseSameFileTwice(_ paths: [String]) throws {
        var seen: [OutputDestination.Identity: String] = [:]
        for path in paths {
            let identity = OutputDestination.identity(of: path)
            if let first = seen[identity] {
                let named =
                    first == path
                    ? "'\(VisibleText.escape(path))' is named twice"
                    : "'\(VisibleText.escape(first))' and '\(VisibleText.escape(path))' name the same file"
                throw ValidationError("\(named) as an output; give each output a file of its own.")
            }
            seen[identity] = path
        }
    }

    func run() throws {
        // Here, not in validate(): ArgumentParser validates before it reports an unknown option (`snapcheck --bogus`).
        if inputs.isEmpty, !probe.providesInputs, repository.repositories.isEmpty {
            throw ValidationError("Name at least one input (a spec, RPM, SRPM, QMP capture or directory) or a --repo.")
        }
        Output.prepare()
        try Output.run {
            var options = AuditOptions()
            options.expectation = expect
            if let jobs { options.jobs = jobs }
            options.remedySearch.isEnabled = !noRemedy
            spec.apply(to: &options)
            probe.apply(to: &options)
            try policy.apply(to: &options, inputs: inputs)
            // Every output is checked (and streams opened) before the audit starts.
            let destinations = try report.openDestinations()
            try probe.checkTranscriptDestinations(inputs: inputs)
            if Output.isTerminal(STDERR_FILENO) && !report.quiet {
                options.progress = { done, total in
                    guard total >= Self.progressThreshold else { return }
                    let end = done == total ? "\r\u{1B}[K" : ""
                    // Cosmetic: a stderr that cannot be written shows up at the next error line.
                    try? StandardStream.error.write(Array("\rsnapcheck: \(done)/\(total) inputs read\(end)".utf8))
                }
            }

            let result = try repository.audit(inputs, options: options) ?? probe.audit(inputs, options: options)
            let status = try report.emit(result, to: destinations)
            if status != .success { throw ExitCode(status.rawValue) }
        }
    }
}
