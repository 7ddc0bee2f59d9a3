import ArgumentParser
import Foundation
import SnapCheck

/// Where and how the report goes.
struct ReportOptions: ParsableArguments {
    @Option(help: "Report format: text or json.")
    var format: ReportFormat = .text

    @Option(name: .shortAndLong, help: "Write the report to this file (atomically) instead of standard output.")
    var output: String?

    @Flag(name: .shortAndLong, help: "Show every piece of evidence, not only the deciding ones.")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors; the exit code speaks.")
    var quiet = false

    func validate() throws {
        if verbose && quiet { throw ValidationError("--verbose and --quiet exclude each other.") }
    }

    /// Renders and writes the report; returns the exit status the result calls for.
    func emit(_ result: AuditResult) throws -> ExitStatus {
        let bytes = format.renderer(verbose: verbose).render(result)
        if let output {
            try Output.writeAtomically(bytes, to: output)
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
