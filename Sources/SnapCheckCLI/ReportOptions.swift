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
/// number more to files, all rendered from the same audit.
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

    @Flag(name: .shortAndLong, help: "Print nothing but errors; the exit code speaks.")
    var quiet = false

    func validate() throws {
        if verbose && quiet { throw ValidationError("--verbose and --quiet exclude each other.") }
        let paths = reports.map(\.path) + (output.map { [$0] } ?? [])
        if Set(paths).count != paths.count { throw ValidationError("Two reports name the same file.") }
    }

    /// Reads the baseline before any audit work, so a bad one fails fast.
    func loadBaseline() throws -> Baseline? {
        guard let baseline else { return nil }
        do {
            guard let data = FileManager.default.contents(atPath: baseline) else {
                throw BaselineError("cannot be read")
            }
            return try Baseline(jsonBytes: Array(data))
        } catch {
            Output.fail("baseline \(baseline): \(error)")
        }
    }

    /// Renders and writes every report; returns the exit status the result calls for.
    func emit(_ result: AuditResult) -> ExitStatus {
        for file in reports {
            Output.writeAtomically(file.format.renderer(verbose: true).render(result), to: file.path)
        }
        let useColor: Bool = switch color {
        case .always: true
        case .never: false
        case .auto: output == nil && Output.isTerminal(STDOUT_FILENO) && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        }
        let bytes = format.renderer(verbose: verbose, color: useColor).render(result)
        if let output {
            Output.writeAtomically(bytes, to: output)
        } else if !quiet {
            FileHandle.standardOutput.write(Data(bytes))
        }
        if quiet || format != .text || output != nil {
            for error in result.errors {
                FileHandle.standardError.write(Data("snapcheck: \(error.input): \(error.message)\n".utf8))
            }
        }
        return result.exitStatus
    }
}
