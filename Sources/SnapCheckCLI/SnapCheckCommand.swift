import ArgumentParser
import Foundation
import RPM
import SnapCheck

@main
struct SnapCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapcheck",
        abstract: "Tells whether a QEMU/KVM build has live snapshot support, with the evidence.",
        discussion: """
            Inputs are spec files, source RPMs, binary RPMs, QMP captures and directories \
            of them (walked recursively). Inputs of one source package and arch form one build; \
            each build gets a verdict (enabled, disabled, absent, unknown, inconsistent) \
            with the file, line and rule behind it.

            Exit codes: 0 every build meets the expectation; 1 a build contradicts it; \
            2 an input could not be audited; 3 a build is unknown; 4 a build is inconsistent; \
            64 usage error. The first that applies, in that order (2, 1, 4, 3).
            """,
        version: Tool.version,
        subcommands: [Audit.self, ListRules.self, ShowHeader.self],
        defaultSubcommand: Audit.self
    )

    /// Serves as the spec sandbox's worker when started as one (a re-run of
    /// this executable; see `SpecWorker`), else runs the command line.
    static func main() {
        SpecWorker.serveIfRequested()
        if let shell = completionShell(CommandLine.arguments.dropFirst()) {
            FileHandle.standardOutput.write(Data(CompletionScripts.script(for: shell).utf8))
            return
        }
        main(nil)
    }

    /// The shell of `--generate-completion-script SHELL` (ArgumentParser's own
    /// option), which prints `CompletionScripts` instead of the generated script alone.
    private static func completionShell(_ arguments: ArraySlice<String>) -> CompletionShell? {
        let words = Array(arguments)
        if words.count == 2, words[0] == "--generate-completion-script" { return CompletionShell(rawValue: words[1]) }
        if words.count == 1, words[0].hasPrefix("--generate-completion-script=") {
            return CompletionShell(rawValue: String(words[0].dropFirst("--generate-completion-script=".count)))
        }
        return nil
    }
}

extension Expectation: ExpressibleByArgument {}
extension ReportFormat: ExpressibleByArgument {}

/// `snapcheck rules`: every rule id with its one-line explanation.
struct ListRules: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules", abstract: "List every rule id with its layer and one-line explanation.")

    func run() throws {
        var out = ""
        for rule in Rules.all {
            out += rule.id.padding(toLength: 32, withPad: " ", startingAt: 0) + rule.layer.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0) + rule.summary + "\n"
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}

/// `snapcheck header FILE...`: what the RPM module reads from package headers.
struct ShowHeader: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "header", abstract: "Print what snapcheck reads from RPM package headers.")

    @Argument(help: "RPM or SRPM files.")
    var packages: [String]

    func run() throws {
        var failed = false
        for path in packages {
            do {
                let h = try PackageFile(path: path).header
                var out = "\(path)\n"
                out += "  nevra        \(h.nevra)\n"
                out += "  epoch        \(h.epoch.map(String.init) ?? "(none)")\n"
                out += "  source       \(h.isSource ? "yes" : "no")\(h.sourceRPM.map { " (SOURCERPM \($0))" } ?? "")\n"
                out += "  build host   \(h.buildHost ?? "")\n"
                out += "  build time   \(h.buildTime.map(String.init) ?? "")\n"
                out += "  compressor   \(h.payloadCompressor)\n"
                for (label, deps) in [("provides", h.provides), ("requires", h.requires), ("conflicts", h.conflicts), ("obsoletes", h.obsoletes)] {
                    for d in deps { out += "  \(label.padding(toLength: 12, withPad: " ", startingAt: 0)) \(d)\n" }
                }
                out += "  files        \(h.files.count)\n"
                out += "  changelog    \(h.changelog.count) entries\n"
                FileHandle.standardOutput.write(Data(out.utf8))
            } catch {
                failed = true
                FileHandle.standardError.write(Data("snapcheck: \(error)\n".utf8))
            }
        }
        if failed { throw ExitCode(ExitStatus.inputError.rawValue) }
    }
}

