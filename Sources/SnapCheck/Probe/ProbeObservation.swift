import Foundation

extension InputReader {
    /// Runs a named executable as a QMP probe: runtime evidence, joined to a
    /// build by the `query-version` package string like a capture. The digest
    /// is of the file as it was before it ran (a program may replace or delete
    /// itself), opened as any input is: a FIFO or a device is refused, never read.
    func readProbe(_ path: String) throws -> Observation {
        let sha256 = try InputFile(path: path).sha256()
        let result = try Self.probe(path, options: options)
        let input = AuditedInput(path: path, kind: .executable, sha256: sha256)
        return Observation.runtime(result.capture, input: input)
    }

    /// Runs one probe and saves its transcript when `--save-qmp` asks. Throws `InputError`.
    static func probe(_ path: String, options: AuditOptions) throws -> QMPProbeResult {
        let result: QMPProbeResult
        do { result = try QMPProbe(executable: path, timeout: options.probeTimeout).run() } catch {
            throw InputError(.probeFailed, input: path, message: "probe failed: \(error.message)")
        }
        if let target = options.saveQMP {
            let file = ProbeTranscript.destination(for: path, saveQMP: target)
            // Replaced atomically, devices and FIFOs written in place, links as for reports (OutputDestination).
            do { try OutputFile(path: file).write(result.transcript) } catch {
                throw InputError(.unwritable, input: file, message: "cannot write the QMP transcript: \(error.reason)")
            }
        }
        return result
    }
}

/// Where `--save-qmp` puts a probe's transcript.
public enum ProbeTranscript: Sendable {
    /// `saveQMP` itself, or, when it is a directory, a file in it named after
    /// the executable's path (`usr_libexec_qemu-kvm.qmp`), unique per path.
    public static func destination(for executable: String, saveQMP: String) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: saveQMP, isDirectory: &isDirectory), isDirectory.boolValue else {
            return saveQMP
        }
        let name = executable.split(separator: "/").filter { $0 != "." && $0 != ".." }.joined(separator: "_")
        return (saveQMP as NSString).appendingPathComponent((name.isEmpty ? "probe" : name) + ".qmp")
    }
}

extension Observation {
    /// A running emulator's answers (a probe or a capture file): a build of its
    /// own unless its package string is a QEMU NVR (then it joins that build).
    /// `arch` is the installed package's arch for a probe of an installed
    /// emulator; a capture's own `query-target` arch is applied when grouping.
    static func runtime(_ capture: QMPCapture, input: AuditedInput, arch: String? = nil) -> Observation {
        let package = capture.version?.package.trimmingWhitespace ?? ""
        if let nvr = SourceNVR(sourceRPM: package), Era.isQEMUSourceName(nvr.name) {
            return Observation(
                input: input, sourceNVR: nvr.nvr, name: nvr.name, epoch: nil, version: nvr.version,
                release: nvr.release, arch: arch, evidence: [], pending: .capture(capture))
        }
        return Observation(
            input: input, sourceNVR: nil, name: "qemu", epoch: nil, version: capture.version?.string ?? "unknown",
            release: "", arch: arch, evidence: [], pending: .capture(capture))
    }
}
