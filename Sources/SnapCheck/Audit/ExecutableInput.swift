/// An emulator file read as bytes, never run: named as an input, or installed
/// under `--installed`.
struct ExecutableScan {
    /// False when the file does not start like an ELF file (then nothing else was read).
    var isELF: Bool
    /// The needles of `ExecutableRules` found as NUL-delimited strings.
    var found: Set<String>
    /// The `--version` banner, when `banner` was asked for and found.
    var banner: QEMUVersionBanner?

    /// Streams `file` through the string scanner; refuses a file over `limit`
    /// bytes before reading it.
    init(_ file: InputFile, limit: Int, banner findBanner: Bool) throws {
        guard file.size <= limit else {
            throw InputError(input: file.path, message: "is \(InputLimits.describe(file.size)); the limit for an emulator is \(InputLimits.describe(limit))")
        }
        var scanner = ExecutableStringScanner(needles: ExecutableRules.needles)
        var finder = findBanner ? QEMUVersionBannerFinder() : nil
        var isELF: Bool?
        try file.forEachChunk { chunk in
            if isELF == nil { isELF = chunk.starts(with: ExecutableRules.elfMagic) }
            guard isELF == true else { return false }
            scanner.feed(chunk)
            finder?.feed(chunk)
            return true
        }
        self.isELF = isELF == true
        self.found = scanner.finish()
        self.banner = finder?.banner
    }
}

extension InputReader {
    /// An ELF file named as an input (or met walking a directory): scanned like
    /// an emulator in a payload, never run (`--probe` runs one). It has no
    /// package, so no era and no build to join: a build of its own, named
    /// `qemu` and the version of its banner, read by `exe-no-package`.
    func readExecutable(_ file: InputFile) throws -> Observation {
        let scan = try ExecutableScan(file, limit: options.limits.emulatorBytes, banner: true)
        var evidence = [ExecutableRules.evaluateWithoutPackage(found: scan.found, source: file.path)]
        if let banner = scan.banner { evidence.append(ExecutableRules.versionNote(banner, source: file.path)) }
        return Observation(
            input: AuditedInput(path: file.path, kind: .executable, sha256: try file.sha256()),
            sourceNVR: nil, name: "qemu", epoch: nil, version: scan.banner?.version ?? "unknown", release: "",
            arch: nil, evidence: evidence, pending: nil)
    }
}

extension Observation {
    /// An executable read as bytes with no package (not a probe, not installed): it has no era.
    var isBareExecutable: Bool {
        guard input.kind == .executable, sourceNVR == nil, case .none = pending else { return false }
        return true
    }
}
