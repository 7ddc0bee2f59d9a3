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
}

extension Expectation: ExpressibleByArgument {}
extension ReportFormat: ExpressibleByArgument {}

/// `snapcheck [audit] [options] INPUT...`
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Audit inputs and report a verdict per build (the default command).")

    @Argument(help: "Spec files, SRPMs, RPMs, QMP captures or directories.")
    var inputs: [String] = []

    @Option(help: "The verdict every build should have: enabled or disabled.")
    var expect: Expectation = .enabled

    @Option(help: "Report format: text or json.")
    var format: ReportFormat = .text

    @Option(name: .shortAndLong, help: "Write the report to this file (atomically) instead of standard output.")
    var output: String?

    @Option(name: [.customShort("D"), .long], help: "Define a macro for spec evaluation: NAME=VALUE or 'NAME VALUE'. Repeatable.")
    var define: [String] = []

    @Option(help: "Enable a %bcond for spec evaluation, like rpmbuild --with. Repeatable.")
    var with: [String] = []

    @Option(help: "Disable a %bcond for spec evaluation, like rpmbuild --without. Repeatable.")
    var without: [String] = []

    @Option(help: "Evaluate spec files for this target arch, like rpmbuild --target.")
    var target: String?

    @Option(help: "Another directory to look for a spec's helper scripts in (besides the spec's own).")
    var sources: String?

    @Option(help: "Read this many inputs in parallel (default: the number of cores).")
    var jobs: Int?

    @Flag(name: .shortAndLong, help: "Show every piece of evidence, not only the deciding ones.")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors; the exit code speaks.")
    var quiet = false

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("Name at least one input (a spec, RPM, SRPM, QMP capture or directory).") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1.") }
        for d in define where Self.macro(d) == nil {
            throw ValidationError("--define '\(d)': expected NAME=VALUE or 'NAME VALUE'.")
        }
        if verbose && quiet { throw ValidationError("--verbose and --quiet exclude each other.") }
    }

    /// `NAME=VALUE` or `NAME VALUE`, as rpmbuild takes it.
    static func macro(_ text: String) -> MacroDefinition? {
        let separator = text.firstIndex { $0 == "=" || $0 == " " }
        guard let separator else { return nil }
        let name = text[..<separator]
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        return MacroDefinition(name: String(name), value: String(text[text.index(after: separator)...]))
    }

    func run() throws {
        var options = AuditOptions()
        options.expectation = expect
        options.defines = define.compactMap(Self.macro)
        options.with = with
        options.without = without
        options.targetArch = target
        options.sourcesDirectory = sources
        if let jobs { options.jobs = jobs }

        let result = Auditor(options: options).audit(inputs)
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
        let status = result.exitStatus
        if status != .success { throw ExitCode(status.rawValue) }
    }
}

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

/// Writes reports so a reader never sees half a file: a temp file in the
/// same directory, then rename.
enum Output {
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).snapcheck-\(getpid())")
        do {
            try Data(bytes).write(to: temp)
            if FileManager.default.fileExists(atPath: path) {
                _ = try FileManager.default.replaceItemAt(url, withItemAt: temp)
            } else {
                try FileManager.default.moveItem(at: temp, to: url)
            }
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw ValidationError("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
