import Foundation
internal import RPM
import Synchronization

/// Turns one input file into an `Observation`: detects what it is from its
/// content, reads it with the `RPM` module, and applies the rules that need
/// only that file.
package struct InputReader: Sendable {
    var options: AuditOptions
    /// How emulator payloads are streamed: pipelined only when this reader
    /// has a core to spare (`PayloadPipelining`).
    var payloadConcurrency: PayloadConcurrency = .sequential

    /// Largest spec or helper script read into memory.
    static let textLimit = 16 << 20

    /// Reads `path`: skipped when `named` is false and it is a package that is
    /// not a QEMU build or a file that is no input. Throws `InputError` when it
    /// cannot be audited.
    ///
    /// Only `--probe` paths are run. Anything else is opened once, as a
    /// regular file (`InputFile`), and every read goes through that descriptor.
    /// Every error names `path` (an `InputError` already names its input).
    func read(path: String, named: Bool) throws(InputError) -> InputOutcome {
        do {
            if options.probes.contains(path) { return .observed(try readProbe(path)) }
            return try read(InputFile(path: path), named: named)
        } catch {
            throw InputError(error, input: path)
        }
    }

    /// Reads an input already open. `listedEmulators`, when given, are the
    /// emulator paths a repository's file list gives for this package: a
    /// binary package whose header lists others is not the package the
    /// metadata describes (an error), so one listed without an emulator is
    /// read from its header alone, never more or less than the metadata says.
    package func read(_ file: InputFile, named: Bool, listedEmulators: Set<String>? = nil) throws -> InputOutcome {
        let path = file.path
        let kind: InputKind
        do { kind = try detect(file) } catch let error as InputError where !named && !path.hasSuffix(".rpm") {
            // A stray file in a walked tree (`metadata.json`, a report): skipped and counted. A `.rpm` that is
            // not one, or a file named on the command line, is still an error.
            return .skipped(Skipped(path: path, reason: error.message, isPackage: false))
        }
        do {
            switch kind {
            case .rpm, .srpm:
                return try readPackage(file, named: named, listedEmulators: listedEmulators)
            case .spec:
                return try readSpec(file, named: named)
            case .qmp:
                return .observed(try readCapture(file))
            case .executable, .installed:  // content detection only ever says executable
                return .observed(try readExecutable(file))
            }
        } catch let error as RPMError {
            throw InputError(error, input: path)
        }
    }

    // MARK: Detection

    func detect(_ file: InputFile) throws -> InputKind {
        let prefix = try file.read(upTo: 4096)
        if prefix.starts(with: PackageInput.leadMagic) { return prefix.count > 7 && prefix[7] == 1 ? .srpm : .rpm }
        if prefix.starts(with: ExecutableRules.elfMagic) { return .executable }
        if QMPCapture.looksLikeCapture(prefix) { return .qmp }
        if try Self.looksLikeSpec(file) { return .spec }
        if prefix.isEmpty { throw InputError(.unsupported, input: file.path, message: "empty file") }
        throw InputError(
            .unsupported, input: file.path, message: "not a spec file, RPM package, QMP capture or ELF executable")
    }

    /// A spec has preamble tags: `Name:` and `Version:` or `Release:` at the
    /// start of lines, wherever they are: real specs open with long comment and
    /// macro blocks (`Name:` past byte 10,000 in Fedora and EL9 specs). Read in
    /// chunks up to the spec size limit, stopping at the first NUL byte (not
    /// text) or once the tags are seen.
    static func looksLikeSpec(_ file: InputFile) throws -> Bool {
        var scanner = SpecTagScanner()
        var read = 0
        try file.forEachChunk { chunk in
            read += chunk.count
            return scanner.feed(chunk) && read < textLimit
        }
        scanner.finish()
        return scanner.isSpec
    }

    /// The whole of a text file next to an input (a helper script), opened as safely as an input.
    static func readWhole(_ path: String, limit: Int) throws -> [UInt8] {
        try InputFile(path: path).readAll(limit: limit)
    }

    // MARK: Packages

    private func readPackage(_ file: InputFile, named: Bool, listedEmulators: Set<String>?) throws -> InputOutcome {
        let path = file.path
        let package = try PackageFile(descriptor: file.descriptor, path: path)
        let header = package.header
        let sourceName = header.isSource ? header.name : HeaderRules.sourceName(of: header)
        guard let sourceName, Era.isQEMUSourceName(sourceName) else {
            let what = "\(header.name) (source package \(sourceName ?? "unknown"))"
            if named { throw InputError(.notQEMU, input: path, message: "not a QEMU build: \(what)") }
            return .skipped(Skipped(path: path, reason: what))
        }
        let source =
            header.isSource
            ? SourceNVR(name: header.name, version: header.version, release: header.release)
            : header.sourceRPM.flatMap(SourceNVR.init(sourceRPM:))
        guard let source else {
            throw InputError(
                .corrupt, input: path,
                message: "SOURCERPM \(header.sourceRPM ?? "") is not name-version-release.src.rpm")
        }
        if let listedEmulators, !header.isSource {
            try Self.checkEmulators(listed: listedEmulators, in: header, path: path)
        }
        let era = Era.detect(name: source.name, epoch: header.epoch, version: source.version, release: source.release)
        let emulators = header.isSource ? EmulatorFiles([]) : EmulatorFiles(header.files)
        // An emulator over the limit (a decompression bomb) is refused from the header, before anything is read.
        let limit = options.limits.emulatorBytes
        if let large = header.files.first(where: { emulators.read[$0.path] != nil && $0.size > UInt64(limit) }) {
            throw InputError(
                .tooLarge, input: path,
                message:
                    "\(large.path) is declared as \(InputLimits.describe(large.size)); the limit for an emulator is \(InputLimits.describe(limit))"
            )
        }
        // A payload to stream: hash the whole file on another thread meanwhile (both read every byte).
        let fileDigest = emulators.read.isEmpty ? nil : ConcurrentFileDigest(file)
        let scanned = Result { try scanEmulators(package, emulators, era: era, release: source.release) }
        var observation = Observation(
            input: AuditedInput(
                path: path, kind: header.isSource ? .srpm : .rpm,
                sha256: try fileDigest?.value() ?? file.sha256()),
            sourceNVR: source.nvr, name: source.name, epoch: header.epoch, version: source.version,
            release: source.release,
            arch: header.isSource || header.arch == "noarch" ? nil : header.arch,
            evidence: HeaderRules.evaluate(
                header, era: era, version: source.version, release: source.release, source: path), pending: nil)

        if header.isSource {
            let material = try specMaterial(fromSourcePackage: package)
            let (parsed, evidence) = try evaluate(material, arch: options.targetArch, withSourceHeader: false)
            observation.pending = .spec(
                material, evaluatedArch: options.targetArch, evidence: evidence, arches: SpecArches(parsed))
        } else {
            observation.evidence += try scanned.get()
        }
        return .observed(observation)
    }

    /// The emulator paths of a binary package's header (every entry but
    /// directories, as a repository's file list has them) must be those `listed`.
    static func checkEmulators(listed: Set<String>, in header: PackageHeader, path: String) throws {
        let inHeader = Set(header.files.filter { !$0.isDirectory && isEmulatorPath($0.path) }.map(\.path))
        guard inHeader != listed else { return }
        func describe(_ paths: Set<String>) -> String {
            paths.isEmpty ? "no emulator" : paths.sorted().joined(separator: ", ")
        }
        throw InputError(
            .corrupt, input: path,
            message:
                "the repository's file list names \(describe(listed)), the package header \(describe(inHeader)): not the package the metadata describes"
        )
    }

    /// Emulator executables a binary package can carry (facts: "Binary").
    package static func isEmulatorPath(_ path: String) -> Bool {
        if path == "/usr/libexec/qemu-kvm" || path == "/usr/bin/qemu-kvm" { return true }
        let name = path.split(separator: "/").last ?? ""
        return name.hasPrefix("qemu-system-") && (path.hasPrefix("/usr/bin/") || path.hasPrefix("/usr/libexec/"))
    }

    private func scanEmulators(_ package: PackageFile, _ emulators: EmulatorFiles, era: Era?, release: String) throws
        -> [Evidence]
    {
        var evidence = emulators.missing.map {
            Evidence(Rules.exeMissing, source: "\(package.path):\($0.path)", observed: $0.why, supports: nil)
        }
        guard !emulators.read.isEmpty else { return evidence }
        var reading = ExecutableScan.Reading()
        var scanned = Set<String>()
        try package.streamPayload(
            select: { emulators.read[$0.path] != nil }, limits: options.limits.payload,
            concurrency: payloadConcurrency
        ) { file, event in
            switch event {
            case .data(let chunk):
                _ = reading.feed(chunk)
            case .end:
                scanned.insert(file.path)
                let shown = emulators.read[file.path] ?? file.path
                evidence.append(
                    reading.finish().evidence(
                        era: era, release: release, source: "\(package.path):\(shown)", shown: shown))
                reading = ExecutableScan.Reading()
            }
            return .continue
        }
        // Listed, but the payload held no bytes for it (a %ghost, an empty hard-link set): say so, never nothing.
        for (path, shown) in emulators.read.sorted(by: { $0.key < $1.key }) where !scanned.contains(path) {
            evidence.append(
                Evidence(
                    Rules.exeMissing, source: "\(package.path):\(shown)",
                    observed: "\(shown) is listed in the header but the payload holds no content for it", supports: nil)
            )
        }
        return evidence
    }

    /// The spec rpm flags as the package's spec file (`RPMFILE_SPECFILE`), never
    /// another `*.spec` shipped as a source; without the flag (very old packages)
    /// the one `*.spec` there is. Helper scripts (`*.sh`) come along.
    private func specMaterial(fromSourcePackage package: PackageFile) throws -> SpecMaterial {
        let files = package.header.files.filter(\.isRegularFile)
        let flagged = files.filter(\.isSpecFile)
        let candidates = flagged.isEmpty ? files.filter { $0.path.hasSuffix(".spec") } : flagged
        guard let specEntry = candidates.first else {
            throw InputError(.corrupt, input: package.path, message: "source package has no spec file in its payload")
        }
        guard candidates.count == 1 else {
            throw InputError(
                .unsupported, input: package.path,
                message:
                    "source package flags no spec file and holds \(candidates.count) (\(candidates.map(\.path).joined(separator: ", "))): which one builds is not known"
            )
        }
        var helpers: [String: (path: String, text: String)] = [:]
        let contents = try package.readFiles(
            Set([specEntry.path] + files.filter { $0.path.hasSuffix(".sh") }.map(\.path)),
            limit: Self.textLimit, limits: options.limits.payload)
        for (name, bytes) in contents where name != specEntry.path {
            helpers[name] = (path: "\(package.path):\(name)", text: SpecBytes.text(bytes))
        }
        guard let specBytes = contents[specEntry.path] else {
            throw InputError(
                .corrupt, input: package.path,
                message: "\(specEntry.path) is listed in the header but the payload holds no content for it")
        }
        let spec = (specEntry.path, specBytes)
        guard !spec.1.contains(0) else {
            throw InputError(.corrupt, input: package.path, message: "\(spec.0) in the payload is not a text file")
        }
        return SpecMaterial(displayPath: "\(package.path):\(spec.0)", text: SpecBytes.text(spec.1), helpers: helpers)
    }

    // MARK: Specs

    private func readSpec(_ file: InputFile, named: Bool) throws -> InputOutcome {
        let path = file.path
        let bytes = try file.readAll(limit: Self.textLimit)
        let directory = PathName.directory(of: path)
        var helpers: [String: (path: String, text: String)] = [:]
        for dir in Self.helperDirectories(
            ofSpecIn: directory.isEmpty ? "." : directory, sources: options.sourcesDirectory)
        {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            for name in names.sorted() where name.hasSuffix(".sh") && helpers[name] == nil {
                let helperPath = (dir as NSString).appendingPathComponent(name)
                if let text = try? Self.readWhole(helperPath, limit: Self.textLimit) {
                    helpers[name] = (path: helperPath, text: SpecBytes.text(text))
                }
            }
        }
        let material = SpecMaterial(displayPath: path, text: SpecBytes.text(bytes), helpers: helpers)
        let (parsed, evidence) = try evaluate(material, arch: options.targetArch, withSourceHeader: true)
        let p = parsed.sourcePackage
        guard Era.isQEMUSourceName(p.name) else {
            if named { throw InputError(.notQEMU, input: path, message: "not a QEMU build: \(p.name)") }
            return .skipped(Skipped(path: path, reason: p.name))
        }
        return .observed(
            Observation(
                input: AuditedInput(path: path, kind: .spec, sha256: try file.sha256()),
                sourceNVR: "\(p.name)-\(p.version)-\(p.release)", name: p.name, epoch: p.epoch, version: p.version,
                release: p.release,
                arch: nil, evidence: [],
                pending: .spec(
                    material, evaluatedArch: options.targetArch, evidence: evidence, arches: SpecArches(parsed))))
    }

    /// Where a bare spec's helper scripts are looked up, in order: `--sources`,
    /// the spec's own directory, and `../SOURCES` when the spec sits in a
    /// `SPECS` directory (the dist-git layout of CentOS and Fedora: `SPECS/x.spec`
    /// beside `SOURCES/build_configure.sh`).
    static func helperDirectories(ofSpecIn directory: String, sources: String?) -> [String] {
        var directories = [sources, directory].compactMap { $0 }
        if PathName.lastComponent(of: directory) == "SPECS" {
            directories.append((PathName.directory(of: directory) as NSString).appendingPathComponent("SOURCES"))
        }
        return directories
    }

    /// Evaluates a spec for `arch` without running its shell or Lua expansions
    /// (unless evaluation is `.inProcess`: then rpm runs them, in this process).
    func evaluate(_ material: SpecMaterial, arch: String?, withSourceHeader: Bool) throws -> (ParsedSpec, [Evidence]) {
        try evaluate(material, arches: [arch], withSourceHeader: withSourceHeader)[0].get()
    }

    /// `evaluate(_:arch:withSourceHeader:)` for each of `arches`, the spec handed to the
    /// evaluator once for them all (sandboxed: one worker); each arch's failure is its own.
    func evaluate(_ material: SpecMaterial, arches: [String?], withSourceHeader: Bool) -> [Result<
        (ParsedSpec, [Evidence]), any Error
    >] {
        // Trusted specs get rpm's full semantics; untrusted ones lose their changelog and patch lines too.
        // Either way every condition is recorded as rpm evaluates it. Prepared once for every arch.
        let hostMacros = SpecRules.hostMacros(defines: options.defines)
        let prepared = material.preparations.prepared(
            text: material.text, trusted: options.specEvaluation.trustsSpecs,
            hostMacros: hostMacros)
        let (source, refused) = (prepared.source, prepared.refused)
        let expressions = SpecRules.expressions(for: source)
        let specOptions = arches.map { arch in
            SpecOptions(
                undefines: SpecRules.hostDistributionMacros, defines: options.defines.map(\.rpm), with: options.with,
                without: options.without, targetArch: arch,
                sourceDirectory: options.sourcesDirectory,
                macrosToRead: SpecRules.macrosToRead(defines: options.defines),
                expressions: expressions)
        }
        let parses = options.specEvaluation.evaluator.parse(
            contents: prepared.bytes, displayName: material.displayPath, each: specOptions)
        return zip(specOptions, parses).map { specOptions, parse in
            parse.map { parsed in
                var parsed = parsed
                var evidence = SpecRules(
                    parsed: parsed, source: source, path: material.displayPath, helpers: material.helpers,
                    refused: refused, options: specOptions, hostMacros: hostMacros
                ).evaluate()
                // A tag computed by a refused expansion is shown as the spec spells it, never as a marker.
                let unknownNEVR = RefusedExpansion.holdsMarker(parsed.sourcePackage)
                parsed.sourcePackage = RefusedExpansion.restored(parsed.sourcePackage, refused)
                parsed.packages = parsed.packages.map { RefusedExpansion.restored($0, refused) }
                evidence.append(
                    Evidence(
                        Rules.specEvaluationMode, source: material.displayPath,
                        observed: options.specEvaluation.description, supports: nil))
                if withSourceHeader {
                    let p = parsed.sourcePackage
                    let era =
                        unknownNEVR
                        ? nil : Era.detect(name: p.name, epoch: p.epoch, version: p.version, release: p.release)
                    for var header in HeaderRules.evaluate(
                        parsed.packages.first ?? p, era: era, version: p.version, release: p.release,
                        source: material.displayPath)
                    {
                        header.line = source.line(ofTag: "Name")
                        evidence.append(header)
                    }
                }
                return (parsed, evidence)
            }
        }
    }

    // MARK: Captures

    /// Streams a capture through `QMPCaptureReader` in 1 MiB reads from the
    /// opened file: memory follows what the capture says, not its size
    /// (events are dropped as read).
    private func readCapture(_ file: InputFile) throws -> Observation {
        let path = file.path
        let limit = QMPCapture.Limits().inputSize
        if file.size > limit {
            throw InputError(.tooLarge, input: path, message: "larger than the \(limit >> 20) MiB snapcheck reads")
        }
        var reader = QMPCaptureReader()
        let capture: QMPCapture
        do {
            try file.forEachChunk { chunk in
                try reader.feed(chunk)
                return true
            }
            capture = try reader.finish()
        } catch let error as QMPCaptureError {
            throw InputError(
                error.kind == .tooLarge ? .tooLarge : .corrupt, input: path,
                message: "\(error.kind == .tooLarge ? "QMP capture over a limit" : "not a QMP capture"): \(error)")
        } catch {
            throw InputError(.unreadable, input: path, message: "cannot be read: \(error.localizedDescription)")
        }
        return Observation.runtime(capture, input: AuditedInput(path: path, kind: .qmp, sha256: try file.sha256()))
    }
}

/// An input's SHA-256 computed on a thread of its own while its payload
/// streams (both read every byte). A dedicated thread, not a dispatch queue or a
/// task: the caller may be one of `ParallelMap`'s workers, and it blocks in
/// `value()` until the digest is there.
private final class ConcurrentFileDigest: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let result = Mutex<Result<String, InputError>?>(nil)

    init(_ file: InputFile) {
        Thread.detachNewThread { [self] in
            let digest = Result { () throws(InputError) in try file.sha256() }
            result.withLock { $0 = digest }
            done.signal()
        }
    }

    /// Waits for the digest; rethrows its error.
    func value() throws(InputError) -> String {
        done.wait()
        return try result.withLock { $0! }.get()
    }
}

extension SourceNVR {
    init(name: String, version: String, release: String) {
        self.name = name
        self.version = version
        self.release = release
    }
}

/// Finds the preamble tags that make a text a spec, line by line over chunks.
struct SpecTagScanner {
    private var line: [UInt8] = []
    private var tags = Set<String>()
    private var binary = false

    /// True once `Name:` and `Version:` or `Release:` were seen, and no NUL byte.
    var isSpec: Bool { !binary && tags.contains("name:") && tags.count >= 2 }

    /// Takes the next bytes; returns false when nothing more needs reading.
    mutating func feed(_ chunk: UnsafeRawBufferPointer) -> Bool {
        for byte in chunk {
            if byte == 0 {
                binary = true
                return false
            }
            if byte == 0x0A {
                check()
                line.removeAll(keepingCapacity: true)
                if isSpec { return false }
            } else if line.count < 16 {
                line.append(byte)
            }
        }
        return true
    }

    /// Reads a last line without a newline.
    mutating func finish() {
        if !binary { check() }
    }

    private mutating func check() {
        let lower = String(decoding: line, as: UTF8.self).lowercased()
        for tag in ["name:", "version:", "release:"] where lower.hasPrefix(tag) { tags.insert(tag) }
    }
}

/// The emulators a binary package carries (facts: "Binary"): regular files at an
/// emulator path, and symbolic links there followed to the file they name
/// inside the package. A member of a hard-link set is read once for the set.
struct EmulatorFiles {
    /// Payload path to read → the path the report shows (`/usr/libexec/qemu-kvm -> /usr/bin/qemu-system-x86_64`).
    var read: [String: String] = [:]
    /// Emulator paths that cannot be read from this package, and why.
    var missing: [(path: String, why: String)] = []

    /// Links followed before giving up on a chain.
    static let maximumLinks = 8

    init(_ files: [FileEntry]) {
        let byPath = Dictionary(files.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        for entry in files where InputReader.isEmulatorPath(entry.path) {
            switch Self.follow(entry, in: byPath) {
            case .failure(let unreadable):
                missing.append((entry.path, unreadable.why))
            case .success(let file?):
                // Already read under another name: the same file, or a hard link to it.
                if read[file.path] != nil || file.hardLinks.contains(where: { read[$0] != nil }) { continue }
                read[file.path] = file.path == entry.path ? entry.path : "\(entry.path) -> \(file.path)"
            case .success(nil):
                continue  // a directory or device at an emulator path: nothing to read
            }
        }
    }

    struct Unreadable: Error {
        var why: String
    }

    /// The regular file `entry` is, or names through symbolic links inside the package.
    static func follow(_ entry: FileEntry, in byPath: [String: FileEntry]) -> Result<FileEntry?, Unreadable> {
        var current = entry
        for _ in 0..<maximumLinks {
            guard current.isSymbolicLink, let target = current.linkTarget else {
                return .success(current.isRegularFile ? current : nil)
            }
            let resolved = resolve(target, from: current.path)
            guard let next = byPath[resolved] else {
                return .failure(
                    Unreadable(why: "\(entry.path) is a link to \(resolved), which this package does not hold"))
            }
            current = next
        }
        return .failure(Unreadable(why: "\(entry.path) is a chain of more than \(maximumLinks) links"))
    }

    /// `target` of a link at `path`, made absolute and normalised (`.` and `..` removed).
    static func resolve(_ target: String, from path: String) -> String {
        let base = target.hasPrefix("/") ? [] : path.split(separator: "/").dropLast().map(String.init)
        var parts: [String] = base
        for part in target.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(String(part))
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}
