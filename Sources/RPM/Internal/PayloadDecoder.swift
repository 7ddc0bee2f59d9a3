internal import CRPM

#if canImport(Glibc)
    import Glibc
#endif

/// Where the decoding half of a payload stream puts what it reads: straight
/// into the consumer (a sequential stream), or into a `ChunkPipe` to a
/// consumer on another thread (a pipelined one).
protocol PayloadSink {
    /// False once the consumer has stopped: decode nothing more.
    var isOpen: Bool { get }
    /// A selected file's content starts; `digest` is what its header records.
    mutating func begin(_ entry: FileEntry, digest: (algorithm: Int32, bytes: [UInt8])?)
    /// Where to decode the file's next bytes; nil once the consumer has stopped.
    mutating func nextBuffer() -> UnsafeMutableRawBufferPointer?
    /// The first `count` bytes of the last `nextBuffer()` are the file's next
    /// bytes. False to stop.
    mutating func deliver(_ count: Int) throws -> Bool
    /// The file's content is complete. False to stop.
    mutating func end() throws -> Bool
}

/// The decoding half of a payload stream: owns the librpm handles of one pass
/// over a package's payload archive, walks it to the selected files, decodes
/// their bytes into the sink's buffers (the one copy of each byte), and keeps
/// the stream within its limits. It checks no digest: the consuming side does.
///
/// Not Sendable (it owns librpm handles); a pipelined stream hands it whole to
/// the decoding thread, which is then its only user.
struct PayloadDecoder {
    private let package: PackageFile
    private let fd: FileDescriptor
    private let reader: ArchiveReader
    private let files: FileSet
    /// The file list of the reopened header, in rpmfiles index order.
    private let entries: [FileEntry]
    /// Indices of the archive entries still to deliver.
    private var pending: Set<Int>
    /// Each archive entry a selected file's content can come with: its own,
    /// or that of the member of its hard-link set that carries the bytes.
    private let deliverAs: [Int: Int]
    private let limits: PayloadLimits
    private let start: ContinuousClock.Instant
    /// The header-and-payload size the signature declares, to tell a cut file from a corrupt one.
    private let declaredSize: UInt64?

    /// Opens the payload of `package` to deliver its regular files among
    /// `chosen`; nil when there is none to deliver. Refuses a stream the
    /// header already says is over `limits`, and an unreadable compressor,
    /// before anything is decoded. `start` is when the stream began.
    init?(_ package: PackageFile, chosen: Set<FileEntry>, limits: PayloadLimits, start: ContinuousClock.Instant) throws
    {
        let (fd, h) = try PackageFile.open(package.openPath, name: package.path)
        let entries = PackageHeader(header: h).files
        guard let files = FileSet(header: h, keepHeader: true) else { return nil }
        var pending = Set<Int>()
        var deliverAs: [Int: Int] = [:]
        for (ix, entry) in entries.enumerated()
        where entry.isRegularFile && !files.isGhost(at: ix) && chosen.contains(entry) {
            for member in files.linkSet(of: ix) where deliverAs[member] == nil {
                deliverAs[member] = ix
                pending.insert(member)
            }
        }
        guard let last = pending.max() else { return nil }
        try package.checkDeclaredSizes(entries, files: files, upTo: last, limit: limits.archiveBytes)

        let compressor = h.string(RPMTAG_PAYLOADCOMPRESSOR) ?? "gzip"
        guard PackageFile.readableCompressors.contains(compressor) else {
            throw RPMError(
                .unsupportedCompressor, operation: "Fdopen", path: package.path,
                message: "payload compressor '\(compressor)' is not supported")
        }
        self.reader = try LibRPM.shared(operation: "rpmfiNewArchiveReader", path: package.path) {
            try fd.pushDecompressor(compressor)
            return try ArchiveReader(fd: fd, files: files)
        }
        self.package = package
        self.fd = fd
        self.files = files
        self.entries = entries
        self.pending = pending
        self.deliverAs = deliverAs
        self.limits = limits
        self.start = start
        self.declaredSize = h.number(RPMTAG_LONGSIGSIZE) ?? h.number(RPMTAG_SIGSIZE)
    }

    /// Decodes up to the end of the last selected file, or until the sink
    /// stops. Throws `.truncatedPayload`, `.corruptPayload` or `.limitExceeded`
    /// (and whatever the sink throws).
    ///
    /// The corresponding C functions are `rpmfiNext`, `rpmfiArchiveRead` and `rpmfiArchiveTell`.
    mutating func run(into sink: inout some PayloadSink) throws {
        while !pending.isEmpty, sink.isOpen {
            LogCapture.begin()
            let rc = rpmfiNext(reader.raw)
            if rc == RPMERR_ITER_END.rawValue {
                throw payloadError(
                    truncatedByDefault: true, operation: "rpmfiNext", code: rc,
                    what: "payload archive ended before \(pendingPaths)")
            }
            if rc < 0 {
                throw payloadError(
                    truncatedByDefault: false, operation: "rpmfiNext", code: rc,
                    what: "cannot read the next payload archive entry")
            }
            let ix = Int(rc)
            try checkLimits(during: "before \(pendingPaths) ended")
            guard ix < entries.count, pending.contains(ix), let selected = deliverAs[ix] else { continue }
            pending.remove(ix)
            // Hard links: only one member of a set carries the content.
            guard rpmfiArchiveHasContent(reader.raw) != 0 else { continue }
            for member in files.linkSet(of: ix) { pending.remove(member) }

            let entry = entries[selected]
            let expected = UInt64(rpmfiFSize(reader.raw))
            sink.begin(entry, digest: files.digest(at: ix))
            var total: UInt64 = 0
            while total < expected {
                guard let buffer = sink.nextBuffer() else { return }
                let n = rpmfiArchiveRead(
                    reader.raw, buffer.baseAddress, min(buffer.count, Int(clamping: expected - total)))
                if n < 0 {
                    throw payloadError(
                        truncatedByDefault: false, operation: "rpmfiArchiveRead",
                        code: Int32(clamping: n), what: "cannot read \(entry.path)")
                }
                if n == 0 {
                    throw payloadError(
                        truncatedByDefault: true, operation: "rpmfiArchiveRead", code: nil,
                        what: "payload ended after \(total) of \(expected) bytes of \(entry.path)")
                }
                total += UInt64(n)
                try checkLimits(during: "reading \(entry.path)")
                guard try sink.deliver(n) else { return }
            }
            guard try sink.end() else { return }
        }
        // Every wanted file came before the cut: the package is still truncated.
        if pending.isEmpty, package.isShorterThanDeclared(declaredSize) == true {
            throw RPMError(
                .truncatedPayload, operation: "fstat", path: package.path,
                message: "the file is shorter than its signature header declares")
        }
    }

    /// The first few files still to deliver, for messages.
    private var pendingPaths: String {
        pending.sorted().prefix(3).map { entries[$0].path }.joined(separator: ", ")
    }

    /// Throws once the archive decoded so far or the time taken is over `limits`.
    private func checkLimits(during what: @autoclosure () -> String) throws {
        if let limit = limits.archiveBytes, UInt64(rpmfiArchiveTell(reader.raw)) > limit {
            throw RPMError(
                .limitExceeded, operation: "rpmfiArchiveTell", path: package.path,
                message: "more than the \(sizeText(limit)) payload archive limit decoded \(what())")
        }
        if let time = limits.time, ContinuousClock.now - start > time {
            throw RPMError(
                .limitExceeded, operation: "streamPayload", path: package.path,
                message: "reading the payload took longer than \(time) \(what())")
        }
    }

    /// The error for a failed payload read: librpm's messages, the stream's
    /// error state, or a short read.
    private func payloadError(truncatedByDefault: Bool, operation: String, code: Int32?, what: String) -> RPMError {
        let logged = LogCapture.take()
        var message = what
        if !logged.isEmpty { message += ": " + logged }
        if fd.hasError { message += " (\(fd.errorText))" }
        let kind: RPMError.Kind
        switch package.isShorterThanDeclared(declaredSize) {
        case true?:
            kind = .truncatedPayload
            message += " (the file is shorter than its signature header declares)"
        case false?: kind = .corruptPayload
        case nil: kind = fd.hasError || !truncatedByDefault ? .corruptPayload : .truncatedPayload
        }
        return RPMError(kind, operation: operation, path: package.path, code: code, message: message)
    }
}

extension PackageFile {
    /// Refuses, before decoding anything, a stream the header says is over
    /// `limit`: the archive bytes up to the end of the entry at index `last`
    /// (an archive in header order), or any single entry (which an archive in
    /// another order may skip whole in one step).
    func checkDeclaredSizes(_ entries: [FileEntry], files: FileSet, upTo last: Int, limit: UInt64?) throws {
        guard let limit else { return }
        var before: UInt64 = 0
        for (ix, entry) in entries.enumerated() where !files.isGhost(at: ix) && files.carriesContent(at: ix) {
            if entry.size > limit {
                throw RPMError(
                    .limitExceeded, operation: "streamPayload", path: path,
                    message:
                        "\(entry.path) is declared as \(sizeText(entry.size)); the payload archive limit is \(sizeText(limit))"
                )
            }
            if ix <= last { before += entry.size }
        }
        if before > limit {
            throw RPMError(
                .limitExceeded, operation: "streamPayload", path: path,
                message:
                    "the header declares \(sizeText(before)) of files up to the end of \(entries[last].path); the payload archive limit is \(sizeText(limit))"
            )
        }
    }

    /// Whether the file ends before lead + signature + the header-and-payload
    /// size its signature declares (SIZE / LONGSIZE); nil when that is unknown.
    ///
    /// Decoders report a cut stream differently (xz: a decoding error, gzip and
    /// zstd: a short read), so truncation is judged from the sizes instead.
    func isShorterThanDeclared(_ declared: UInt64?) -> Bool? {
        guard let declared else { return nil }
        let fd = Glibc.open(openPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        var intro = [UInt8](repeating: 0, count: 16)
        guard fstat(fd, &st) == 0, pread(fd, &intro, 16, 96) == 16,
            intro[0] == 0x8e, intro[1] == 0xad, intro[2] == 0xe8
        else { return nil }
        func be32(_ i: Int) -> UInt64 { intro[i..<i + 4].reduce(0) { $0 << 8 | UInt64($1) } }
        var signatureEnd = 96 + 16 + 16 * be32(8) + be32(12)
        signatureEnd = (signatureEnd + 7) & ~7
        return UInt64(st.st_size) < signatureEnd + declared
    }
}

/// `512 MiB`, `1 KiB`, or `16192 bytes`.
private func sizeText(_ bytes: UInt64) -> String {
    if bytes > 0, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
    if bytes > 0, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
    return "\(bytes) bytes"
}
