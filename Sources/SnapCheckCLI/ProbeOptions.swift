import ArgumentParser
import Foundation
import SnapCheck

/// Running emulators (`--probe`) and auditing an installed host (`--installed`). Docs/probe.md.
struct ProbeOptions: ParsableArguments {
    @Option(
        name: .customLong("probe"),
        help: ArgumentHelp(
            "Run this emulator with QMP on stdio (no guest, no disk, no network) and audit its answers. Repeatable.",
            valueName: "path"), completion: .file())
    var probes: [String] = []

    @Flag(help: "Audit the QEMU packages installed in the rpmdb instead of inputs (exit 2 when there are none).")
    var installed = false

    @Flag(help: "With --installed: also run each installed emulator as with --probe. Implies --installed.")
    var probeInstalled = false

    @Option(
        help: ArgumentHelp(
            "With --installed: the root directory whose rpmdb and files are audited (like rpm --root).",
            valueName: "dir"), completion: .directory)
    var root: String = "/"

    @Option(
        help: ArgumentHelp(
            "With --installed: the rpmdb directory (like rpm --dbpath; default: the root's).", valueName: "dir"),
        completion: .directory)
    var dbpath: String?

    @Option(
        name: .customLong("save-qmp"),
        help: ArgumentHelp(
            "Save each probe's QMP session here, as a capture snapcheck can audit later (a directory when probing several).",
            valueName: "path"), completion: .file())
    var saveQMP: String?

    @Option(help: ArgumentHelp("Give up on a probe after this many seconds (default 10).", valueName: "seconds"))
    var probeTimeout: Double = 10

    /// Whether this run audits the rpmdb rather than inputs.
    var auditsInstalled: Bool { installed || probeInstalled }

    func validate() throws {
        guard probeTimeout > 0, probeTimeout <= 3600 else {
            throw ValidationError("--probe-timeout must be more than 0 and at most 3600 seconds.")
        }
        if !auditsInstalled, root != "/" || dbpath != nil {
            throw ValidationError("--root and --dbpath need --installed.")
        }
        if let dbpath, !dbpath.hasPrefix("/") {
            throw ValidationError(
                "--dbpath must be an absolute path, as rpm's: the rpmdb is read inside --root, not the working directory."
            )
        }
    }

    /// The checks that need the positional inputs too (called by the command's `validate()`).
    func validate(inputs: [String]) throws {
        if auditsInstalled, !inputs.isEmpty || !probes.isEmpty {
            throw ValidationError("--installed audits the rpmdb: give no inputs and no --probe with it.")
        }
        guard let saveQMP else { return }
        if !auditsInstalled, probes.isEmpty {
            throw ValidationError(
                "--save-qmp needs an emulator to probe (--probe PATH or --probe-installed); executables given as inputs are scanned, never run."
            )
        }
        if !Self.isDirectory(saveQMP), Set(probes).count > 1 {
            throw ValidationError(
                "--save-qmp '\(VisibleText.escape(saveQMP))': name an existing directory when probing more than one emulator."
            )
        }
    }

    /// Copies the probe settings into `options`.
    func apply(to options: inout AuditOptions) {
        options.probes = probes
        options.probeTimeout = .milliseconds(Int64((probeTimeout * 1000).rounded()))
        options.saveQMP = saveQMP
    }

    /// The files `--save-qmp` will write, as far as they are known before the
    /// audit: the path itself, or in a directory one per `--probe` (not
    /// `--probe-installed`'s, known only from the rpmdb).
    func transcriptPaths(inputs: [String]) -> [String] {
        guard let saveQMP else { return [] }
        guard Self.isDirectory(saveQMP) else { return [saveQMP] }
        return probes.map { ProbeTranscript.destination(for: $0, saveQMP: saveQMP) }
    }

    /// Checks, before any emulator runs, that every transcript can be written
    /// where `--save-qmp` says. Nothing is opened: a FIFO's reader is needed
    /// only when its probe finishes.
    func checkTranscriptDestinations(inputs: [String]) throws(OutputError) {
        guard let saveQMP else { return }
        if Self.isDirectory(saveQMP) { try OutputDestination.checkDirectory(saveQMP) }
        for path in transcriptPaths(inputs: inputs) { _ = try OutputDestination(path: path) }
    }

    /// Runs the audit this command line asks for: the rpmdb, or the inputs and probes.
    /// No rpmdb or no QEMU package installed: a `CommandFailure` (exit 2).
    func audit(_ inputs: [String], options: AuditOptions) throws(CommandFailure) -> AuditResult {
        guard auditsInstalled else { return Auditor(options: options).audit(inputs) }
        do {
            return try Auditor(options: options).auditInstalled(root: root, dbPath: dbpath, probe: probeInstalled)
        } catch {
            throw CommandFailure(error.message)
        }
    }

    /// Whether inputs or probes were given some other way than positional inputs.
    var providesInputs: Bool { auditsInstalled || !probes.isEmpty }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
