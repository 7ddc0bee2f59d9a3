import Foundation
internal import RPM

/// Why an installed host cannot be audited at all (`--installed`): no rpmdb,
/// or no QEMU package in it. One line.
public struct InstalledAuditError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension Auditor {
    /// Audits the QEMU packages installed in the rpmdb of `root` (or `dbPath`):
    /// header evidence from the rpmdb, executable evidence from each installed
    /// emulator file (`root` + its path), and with `probe` runtime evidence from
    /// running it. Builds group by SOURCERPM and arch, like binary packages.
    ///
    /// Throws `InstalledAuditError` when there is no rpmdb or no QEMU package;
    /// everything else that goes wrong is in the result's `errors`.
    public func auditInstalled(root: String = "/", dbPath: String? = nil, probe: Bool = false)
        throws(InstalledAuditError) -> AuditResult
    {
        let database = RPMDatabase(root: root, dbPath: dbPath)
        let where_ = "rpmdb of \(root)" + (dbPath.map { " at \($0)" } ?? "")
        let headers: [PackageHeader]
        do { headers = try database.packages() } catch let error as RPMError {
            throw InstalledAuditError(
                message: "--installed: cannot read the \(where_): \(error.summary); \(Self.withoutRPMDB)")
        } catch {
            throw InstalledAuditError(message: "--installed: cannot read the \(where_): \(error); \(Self.withoutRPMDB)")
        }
        let qemu = headers.filter { header in
            !header.isSource && HeaderRules.sourceName(of: header).map(Era.isQEMUSourceName) == true
        }
        guard !qemu.isEmpty else {
            throw InstalledAuditError(
                message:
                    "--installed: no QEMU package installed in the \(where_) (\(headers.count) packages); \(Self.withoutRPMDB)"
            )
        }
        let label = root == "/" ? "rpmdb" : "rpmdb(\(root))"
        let results = ParallelMap.map(qemu, jobs: options.jobs) { [options] header in
            Self.installedObservations(header, root: root, label: label, probe: probe, options: options)
        }
        var observations: [Observation] = []
        var errors: [InputError] = []
        for (found, failed) in results {
            observations += found
            errors += failed
        }
        return conclude(observations, skipped: 0, errors: errors)
    }

    /// What to do on a host whose emulator no rpmdb lists (Debian, a container, a build from source).
    static let withoutRPMDB =
        "to audit an emulator no rpmdb lists, run it with --probe PATH, or give its file as an input (snapcheck /usr/bin/qemu-system-x86_64: scanned, never run)"

    /// One installed package: its header, and each emulator file it installed.
    static func installedObservations(
        _ header: PackageHeader, root: String, label: String, probe: Bool, options: AuditOptions
    ) -> ([Observation], [InputError]) {
        let name = "\(label):\(header.nevra)"
        guard let source = header.sourceRPM.flatMap(SourceNVR.init(sourceRPM:)) else {
            return (
                [],
                [
                    InputError(
                        .corrupt, input: name,
                        message: "SOURCERPM \(header.sourceRPM ?? "") is not name-version-release.src.rpm")
                ]
            )
        }
        let era = Era.detect(name: source.name, epoch: header.epoch, version: source.version, release: source.release)
        let arch = header.arch == "noarch" ? nil : header.arch
        func observation(_ input: AuditedInput, _ evidence: [Evidence], _ pending: Observation.Pending?) -> Observation
        {
            Observation(
                input: input, sourceNVR: source.nvr, name: source.name, epoch: header.epoch, version: source.version,
                release: source.release, arch: arch, evidence: evidence, pending: pending)
        }
        var observations = [
            observation(
                AuditedInput(path: name, kind: .installed, sha256: ""),
                HeaderRules.evaluate(header, era: era, version: source.version, release: source.release, source: name),
                nil)
        ]
        var errors: [InputError] = []
        for file in header.files
        where (file.isRegularFile || file.isSymbolicLink) && InputReader.isEmulatorPath(file.path) {
            let shown = (root.hasSuffix("/") ? String(root.dropLast()) : root) + file.path
            do {
                let opened: InputFile
                do { opened = try InputFile(file.path, inRoot: root, path: shown) } catch {
                    throw InputError(
                        error == .missing ? .missing : .unreadable, input: shown,
                        message: error == .missing ? "listed in the rpmdb but missing" : error.message)
                }
                let evidence = try scanInstalledEmulator(
                    opened, era: era, release: source.release, limit: options.limits.emulatorBytes)
                var capture: QMPCapture?
                // The host path the link chain resolved to inside the root, never a host symlink.
                if probe { capture = try InputReader.probe(opened.resolvedPath, options: options).capture }
                let input = AuditedInput(path: shown, kind: .executable, sha256: try opened.sha256())
                observations.append(observation(input, [evidence], capture.map { .capture($0) }))
            } catch {
                errors.append(InputError(error, input: shown))
            }
        }
        return (observations, errors)
    }

    /// Scans an installed emulator file the way payload emulators are scanned.
    static func scanInstalledEmulator(_ file: InputFile, era: Era?, release: String, limit: Int) throws -> Evidence {
        try ExecutableScan(file, limit: limit, banner: false).evidence(
            era: era, release: release, source: file.path, shown: file.path)
    }
}
