public import ArgumentParser
import Foundation
import RPM
public import SnapCheck

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

            Exit codes: 0 every build meets its expectation; 1 a build does not, or regressed \
            or vanished since the baseline; 2 an input could not be audited or none held a build; \
            3 a build is unknown; 4 a build is inconsistent; 64 usage error. The first that \
            applies, in that order (2, 1, 4, 3). Expectations and waivers per package: \
            snapcheck.yaml (--config).
            """,
        version: Tool.version,
        subcommands: [Audit.self, ListRules.self, ShowHeader.self],
        defaultSubcommand: Audit.self
    )

    /// Serves as the spec sandbox's worker when started as one (a re-run of
    /// this executable; see `SpecWorker`), else runs the command line.
    static func main() {
        SpecWorker.serveIfRequested()
        // snapcheck owns its process: descendants of a probed emulator that leave its
        // session and lose their parent come back here, so a kill still finds them.
        ChildProcesses.adoptOrphans()
        if let refusal = argumentNotUTF8() {
            // Swift decodes argv with U+FFFD for such bytes: the file named would be another one.
            exit(withError: ValidationError(refusal))
        }
        if let shell = completionShell(CommandLine.arguments.dropFirst()) {
            FileHandle.standardOutput.write(Data(CompletionScripts.script(for: shell).utf8))
            return
        }
        main(nil)
    }

    /// Why the first argument that is not valid UTF-8 (read from the raw `argv`) is refused, naming
    /// the option before it; nil when every argument is UTF-8.
    private static func argumentNotUTF8() -> String? {
        var previous: [UInt8] = []
        for index in 1..<max(1, Int(CommandLine.argc)) {  // argc is 0 when started with an empty argv
            guard let argument = CommandLine.unsafeArgv[index] else { continue }
            let bytes = UnsafeBufferPointer(start: argument, count: strlen(argument)).map { UInt8(bitPattern: $0) }
            guard String(validating: bytes, as: UTF8.self) == nil else {
                previous = bytes
                continue
            }
            let shown = Self.shown(bytes)
            // After an option it may be that option's value: say which.
            let after =
                previous.first == UInt8(ascii: "-") && !previous.contains(UInt8(ascii: "="))
                ? " (after \(VisibleText.escape(previous)))" : ""
            return
                "'\(shown)'\(after) is not valid UTF-8; snapcheck reads its arguments as UTF-8 (a file of such a name: rename it)."
        }
        return nil
    }

    /// An argument as the refusal shows it: whole up to 200 bytes, else the 80
    /// bytes either side of its first byte that is not UTF-8, cut between characters.
    private static func shown(_ bytes: [UInt8]) -> String {
        guard bytes.count > 200 else { return VisibleText.escape(bytes) }
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var bad = 0
        scan: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): bad += scalar.count
            case .error, .emptyInput: break scan
            }
        }
        let isContinuation = { (byte: UInt8) in byte & 0xC0 == 0x80 }
        var start = max(0, bad - 80)
        while start < bad, isContinuation(bytes[start]) { start += 1 }
        var end = min(bytes.count, bad + 1 + 80)
        while end > bad + 1, end < bytes.count, isContinuation(bytes[end]) { end -= 1 }
        return (start > 0 ? "…" : "") + VisibleText.escape(bytes[start..<end]) + (end < bytes.count ? "…" : "")
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
extension RuleBookFormat: ExpressibleByArgument {}

/// `snapcheck rules [ID]`: the rule book (`RuleBookRenderer`).
struct ListRules: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List every rule id with its layer and one-line explanation, or explain one rule in full.",
        discussion: """
            With a rule id (as reports name it): the rule's meaning, the eras it applies to, what evidence it reads, \
            what it concludes and an example. --format json prints the catalogue (or the one rule) for tools; \
            Docs/cli.md describes its fields. An unknown id is a usage error (64) that names the closest ids.
            """)

    @Argument(help: "A rule id, e.g. el7-live-block-ops.", completion: .list(Rules.all.map(\.id)))
    var id: String?

    @Option(help: "text (for people) or json (the catalogue, for tools).")
    var format: RuleBookFormat = .text

    func run() throws {
        Output.prepare()
        try Output.run {
            let bytes: [UInt8]
            do throws(UnknownRule) { bytes = try RuleBookRenderer.render(id: id, format: format) } catch {
                throw CommandFailure(error.description, status: .usage)
            }
            try StandardStream.output.write(bytes)
        }
    }
}

/// `snapcheck header FILE...`: what the RPM module reads from package headers.
struct ShowHeader: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "header", abstract: "Print what snapcheck reads from RPM package headers.")

    @Argument(help: "RPM or SRPM files.")
    var packages: [String]

    func run() throws {
        Output.prepare()
        try Output.run {
            var failed = false
            for path in packages {
                let header: PackageHeader
                do { header = try PackageInput.header(at: path) } catch {
                    failed = true
                    Output.printError("\(error)")
                    continue
                }
                try StandardStream.output.write(Array(Self.describe(header, path: path).utf8))
            }
            if failed { throw ExitCode(ExitStatus.inputError.rawValue) }
        }
    }

    /// The lines for one package; every value from the file is escaped (`VisibleText`).
    static func describe(_ h: PackageHeader, path: String) -> String {
        func line(_ label: String, _ value: String) -> String {
            "  \(label.padding(toLength: 12, withPad: " ", startingAt: 0)) \(VisibleText.escape(value))\n"
        }
        var out = VisibleText.escape(path) + "\n"
        out += line("nevra", h.nevra)
        out += line("epoch", h.epoch.map(String.init) ?? "(none)")
        out += line("source", "\(h.isSource ? "yes" : "no")\(h.sourceRPM.map { " (SOURCERPM \($0))" } ?? "")")
        out += line("build host", h.buildHost ?? "")
        out += line("build time", h.buildTime.map(String.init) ?? "")
        out += line("compressor", h.payloadCompressor)
        for (label, deps) in [
            ("provides", h.provides), ("requires", h.requires), ("conflicts", h.conflicts), ("obsoletes", h.obsoletes),
        ] {
            for d in deps { out += line(label, "\(d)") }
        }
        out += line("files", "\(h.files.count)")
        out += line("changelog", "\(h.changelog.count) entries")
        return out
    }
}
