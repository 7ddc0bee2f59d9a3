/// What an emulator's bytes say, read as they stream and never run: from a
/// payload, a file named as an input, or an installed file.
struct ExecutableScan {
    /// False when the bytes do not start like an ELF file (then nothing else was read).
    var isELF: Bool
    /// The needles of `ExecutableRules` found as NUL-delimited strings.
    var found: Set<String>
    /// The `--version` banner, when it was asked for and found.
    var banner: QEMUVersionBanner?

    /// Streams `file` through a `Reading`; refuses a file over `limit` bytes before reading it.
    init(_ file: InputFile, limit: Int, banner findBanner: Bool) throws {
        guard file.size <= limit else {
            throw InputError(
                .tooLarge, input: file.path,
                message:
                    "is \(InputLimits.describe(file.size)); the limit for an emulator is \(InputLimits.describe(limit))"
            )
        }
        var reading = Reading(banner: findBanner)
        try file.forEachChunk { reading.feed($0) }
        self = reading.finish()
    }

    init(isELF: Bool, found: Set<String>, banner: QEMUVersionBanner?) {
        self.isELF = isELF
        self.found = found
        self.banner = banner
    }

    /// The executable evidence of these bytes in `era`, or `exe-not-elf`.
    func evidence(era: Era?, release: String, source: String, shown: String) -> Evidence {
        guard isELF else {
            return Evidence(
                Rules.exeNotELF, source: source, observed: "\(shown) is not an ELF executable", supports: nil)
        }
        return ExecutableRules.evaluate(found: found, era: era, release: release, source: source)
    }

    /// One emulator's bytes as they arrive, in chunks.
    struct Reading {
        private var scanner = ExecutableStringScanner(needles: ExecutableRules.needles)
        private var finder: QEMUVersionBannerFinder?
        private var isELF: Bool?

        init(banner: Bool = false) {
            finder = banner ? QEMUVersionBannerFinder() : nil
        }

        /// Takes the next bytes; false once they are known not to be an ELF file (read no more).
        mutating func feed(_ chunk: UnsafeRawBufferPointer) -> Bool {
            if isELF == nil { isELF = chunk.starts(with: ExecutableRules.elfMagic) }
            guard isELF == true else { return false }
            scanner.feed(chunk)
            finder?.feed(chunk)
            return true
        }

        mutating func finish() -> ExecutableScan {
            ExecutableScan(isELF: isELF == true, found: scanner.finish(), banner: finder?.banner)
        }
    }
}

extension InputReader {
    /// An ELF file named as an input (or met walking a directory): scanned like
    /// an emulator in a payload, never run (`--probe` runs one). It has no
    /// package, so no era and no build to join: a build of its own, named
    /// `qemu` and the version of its banner, read by `exe-no-package`.
    func readExecutable(_ file: InputFile) throws -> Observation {
        let scan = try ExecutableScan(file, limit: options.limits.emulatorBytes, banner: true)
        var evidence = [
            ExecutableRules.evaluateWithoutPackage(found: scan.found, isQEMU: scan.banner != nil, source: file.path)
        ]
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
