public import ArgumentParser
import Foundation
public import SnapCheck

/// What a missing `--baseline` file means.
enum BaselineMissing: String, ExpressibleByArgument, CaseIterable {
    /// The run fails (exit 2): a baseline that was there and is gone is a broken job.
    case error
    /// The first night: nothing is compared, and the run goes on.
    case ok
}

extension CalendarDay: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// The nightly side of a run: the policy file and the baseline (Docs/policy.md, Docs/nightly.md).
struct PolicyOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The policy file: per-package expectations, per-arch overrides, waivers, what fails. Default: \(PolicyFile.defaultName) next to the inputs, else in the working directory.",
            valueName: "path"), completion: .file(extensions: ["yaml", "yml"]))
    var config: String?

    @Flag(help: "Use no policy file, even where one would be found: the defaults apply.")
    var noConfig = false

    @Option(
        help: ArgumentHelp(
            "Compare with an earlier JSON report: a build that was enabled there and is not now is a regression, one missing now has vanished (exit 1).",
            valueName: "path"), completion: .file())
    var baseline: String?

    @Option(
        help: ArgumentHelp(
            "When the --baseline file does not exist: error (exit 2, the default) or ok (the first night: nothing is compared).",
            valueName: "error|ok"))
    var baselineMissing: BaselineMissing = .error

    @Option(
        help: ArgumentHelp(
            "Judge waiver expiry dates as of this day, YYYY-MM-DD (default: today, UTC).", valueName: "date"))
    var today: CalendarDay?

    func validate() throws {
        if noConfig, config != nil { throw ValidationError("--config and --no-config exclude each other.") }
    }

    /// The policy this run is judged by: `--config`, else the one `snapcheck.yaml`
    /// beside the inputs (in a directory input, or the directory of a file
    /// input), else `./snapcheck.yaml`, else the defaults.
    func policy(inputs: [String]) throws(CommandFailure) -> Policy {
        if noConfig { return Policy() }
        let path: String
        if let config {
            path = config
        } else {
            var found: [String] = []
            for input in inputs {
                let directory = Self.isDirectory(input) ? input : PathName.directory(of: input)
                let candidate = ((directory.isEmpty ? "." : directory) as NSString).appendingPathComponent(
                    PolicyFile.defaultName)
                let real = (candidate as NSString).resolvingSymlinksInPath
                if FileManager.default.fileExists(atPath: candidate),
                    !found.contains(where: { ($0 as NSString).resolvingSymlinksInPath == real })
                {
                    found.append(candidate)
                }
            }
            if found.count > 1 {
                throw CommandFailure(
                    "\(found.count) policy files apply to these inputs (\(found.joined(separator: ", "))); name one with --config",
                    status: .usage)
            }
            guard
                let first = found.first
                    ?? (FileManager.default.fileExists(atPath: PolicyFile.defaultName) ? PolicyFile.defaultName : nil)
            else {
                return Policy()
            }
            path = first
        }
        do { return try PolicyFile.read(path) } catch {
            throw CommandFailure("policy \(error)")
        }
    }

    /// Reads the baseline before any audit work, so a bad one fails fast. A
    /// missing file is an error, or with `--baseline-missing=ok` a note and no comparison.
    func loadBaseline() throws(CommandFailure) -> Baseline? {
        guard let baseline else { return nil }
        var info = stat()
        if stat(baseline, &info) != 0, errno == ENOENT {
            guard baselineMissing == .ok else {
                throw CommandFailure(
                    "baseline \(baseline): no such file (on the first night, --baseline-missing=ok runs without one)")
            }
            Output.printError("baseline \(baseline) does not exist yet: nothing compared (--baseline-missing=ok)")
            return nil
        }
        do {
            guard let data = FileManager.default.contents(atPath: baseline) else {
                throw BaselineError("cannot be read")
            }
            return try Baseline(jsonBytes: Array(data))
        } catch {
            throw CommandFailure("baseline \(baseline): \(error)")
        }
    }

    /// Copies the policy, the baseline and the day into `options`.
    func apply(to options: inout AuditOptions, inputs: [String]) throws(CommandFailure) {
        options.policy = try policy(inputs: inputs)
        options.baseline = try loadBaseline()
        if let today { options.today = today }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
