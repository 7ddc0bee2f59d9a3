import ArgumentParser
import Foundation
import SnapCheck

/// When to colour the text report.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

/// An extra report written to a file: `FORMAT=PATH`.
struct ReportFile: ExpressibleByArgument {
    var format: ReportFormat
    var path: String

    init?(argument: String) {
        guard let eq = argument.firstIndex(of: "="),
              let format = ReportFormat(rawValue: String(argument[..<eq])) else { return nil }
        let path = String(argument[argument.index(after: eq)...])
        guard !path.isEmpty else { return nil }
        self.format = format
        self.path = path
    }

    static var defaultCompletionKind: CompletionKind { .file() }
}

/// Where and how reports go: one on standard output (or `--output`), any
/// number more to files, all rendered from the same audit and written all or
/// nothing at its end (Docs/cli.md, "Output files").
struct ReportOptions: ParsableArguments {
    @Option(help: "Report format on standard output (or --output): \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: ReportFormat = .text

    @Option(name: .shortAndLong, help: "Write the --format report to this file (atomically) instead of standard output.",
            completion: .file())
    var output: String?

    @Option(name: .customLong("report"), help: ArgumentHelp(
        "Also write a report to a file, as FORMAT=PATH (e.g. junit=results.xml). Repeatable.",
        valueName: "format=path"))
    var reports: [ReportFile] = []

    @Option(help: "Compare with an earlier JSON report: a build that was enabled there and is not now is a regression (exit 1).",
            completion: .file())
    var baseline: String?

    @Option(help: "Colour the text report: auto (terminals only, NO_COLOR honoured), always, never.")
    var color: ColorChoice = .auto

    @Flag(name: .shortAndLong, help: "Show every piece of evidence, not only the deciding ones.")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Print no text report on standard output; errors still go to stderr, and other formats and files are still written.")
    var quiet = false

    func validate() throws {
        if verbose && quiet { throw ValidationError("--verbose and --quiet exclude each other.") }
    }

    /// Every path a report goes to: `--output`, then each `--report`.
    var outputPaths: [String] { (output.map { [$0] } ?? []) + reports.map(\.path) }

    /// Reads the baseline before any audit work, so a bad one fails fast.
    func loadBaseline() throws(CommandFailure) -> Baseline? {
        guard let baseline else { return nil }
        do {
            guard let data = FileManager.default.contents(atPath: baseline) else {
                throw BaselineError("cannot be read")
            }
            return try Baseline(jsonBytes: Array(data))
        } catch {
            throw CommandFailure("baseline \(baseline): \(error)")
        }
    }

    /// Where the reports go, opened before the audit: a path that cannot take
    /// a report (no such directory, a directory, a FIFO nobody reads, ...)
    /// fails the run before any work is done.
    struct Destinations {
        /// Standard output or `--output`; nil when `--quiet` silences the text report.
        var main: OutputFile?
        var files: [(format: ReportFormat, file: OutputFile)]
    }

    func openDestinations() throws(OutputError) -> Destinations {
        let main: OutputFile? = if let output {
            try OutputFile(path: output)
        } else {
            quiet && format == .text ? nil : OutputFile.standardOutput()
        }
        var files: [(format: ReportFormat, file: OutputFile)] = []
        for report in reports { files.append((report.format, try OutputFile(path: report.path))) }
        return Destinations(main: main, files: files)
    }

    /// Renders every report and writes them all or none; then each input
    /// error as one line on stderr, whatever the format. Returns the exit
    /// status the result calls for.
    func emit(_ result: AuditResult, to destinations: Destinations) throws(OutputError) -> ExitStatus {
        let useColor: Bool = switch color {
        case .always: true
        case .never: false
        case .auto: output == nil && Output.isTerminal(STDOUT_FILENO) && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        }
        var writes: [(file: OutputFile, bytes: [UInt8])] = []
        if let main = destinations.main { writes.append((main, format.renderer(verbose: verbose, color: useColor).render(result))) }
        for (format, file) in destinations.files { writes.append((file, format.renderer(verbose: true).render(result))) }
        let written = Result { () throws(OutputError) in try OutputFile.writeAll(writes) }
        for error in result.errors { Output.printError("\(error.input): \(error.message)") }
        try written.get()
        return result.exitStatus
    }
}
