import ArgumentParser
import Foundation
import SnapCheck

/// When to colour the text report.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

/// An extra report written to a file: `FORMAT=PATH`.
struct ReportFile {
    var format: ReportFormat
    var path: String

    /// Reads `FORMAT=PATH`; anything else is a usage error that lists the formats.
    init(parsing argument: String) throws(ValidationError) {
        let formats = ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")
        guard let eq = argument.firstIndex(of: "=") else {
            throw ValidationError("expected FORMAT=PATH (e.g. junit=snapcheck.xml); formats: \(formats)")
        }
        guard let format = ReportFormat(rawValue: String(argument[..<eq])) else {
            throw ValidationError("'\(argument[..<eq])' is not a format; formats: \(formats)")
        }
        let path = String(argument[argument.index(after: eq)...])
        guard !path.isEmpty else { throw ValidationError("no PATH after '\(format.rawValue)='") }
        self.format = format
        self.path = path
    }
}

/// Where and how reports go: one on standard output (or `--output`), any
/// number more to files, all rendered from the same audit and written all or
/// nothing at its end (Docs/cli.md, "Output files").
struct ReportOptions: ParsableArguments {
    @Option(
        help:
            "Report format on standard output (or --output): \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", "))."
    )
    var format: ReportFormat = .text

    @Option(
        name: .shortAndLong, help: "Write the --format report to this file (atomically) instead of standard output.",
        completion: .file())
    var output: String?

    @Option(
        name: .customLong("report"),
        help: ArgumentHelp(
            "Also write a report to a file, as FORMAT=PATH (e.g. junit=results.xml). Repeatable.",
            valueName: "format=path"), completion: .file(), transform: ReportFile.init(parsing:))
    var reports: [ReportFile] = []

    @Option(help: "Colour the text report: auto (terminals only, NO_COLOR honoured), always, never.")
    var color: ColorChoice = .auto

    @Flag(name: .shortAndLong, help: "Show every piece of evidence, not only the deciding ones.")
    var verbose = false

    @Flag(
        name: .shortAndLong,
        help:
            "Print no text report on standard output; errors still go to stderr, and other formats and files are still written."
    )
    var quiet = false

    func validate() throws {
        if verbose && quiet { throw ValidationError("--verbose and --quiet exclude each other.") }
    }

    /// Every path a report goes to: `--output`, then each `--report`.
    var outputPaths: [String] { (output.map { [$0] } ?? []) + reports.map(\.path) }

    /// Where the reports go, opened before the audit: a path that cannot take
    /// a report (no such directory, a directory, a FIFO nobody reads, ...)
    /// fails the run before any work is done.
    struct Destinations {
        /// Standard output or `--output`; nil when `--quiet` silences the text report.
        var main: OutputFile?
        var files: [(format: ReportFormat, file: OutputFile)]
    }

    func openDestinations() throws(OutputError) -> Destinations {
        let main: OutputFile? =
            if let output {
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
        let useColor: Bool =
            switch color {
            case .always: true
            case .never: false
            case .auto:
                output == nil && Output.isTerminal(STDOUT_FILENO)
                    && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
            }
        var writes: [(file: OutputFile, bytes: [UInt8])] = []
        if let main = destinations.main {
            writes.append((main, format.renderer(verbose: verbose, color: useColor).render(result)))
        }
        for (format, file) in destinations.files {
            writes.append((file, format.renderer(verbose: true).render(result)))
        }
        let written = Result { () throws(OutputError) in try OutputFile.writeAll(writes) }
        for error in result.errors { Output.printError("\(error.input): \(error.message)") }
        try written.get()
        return result.exitStatus
    }
}
