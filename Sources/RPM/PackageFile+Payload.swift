internal import CRPM
#if canImport(Glibc)
import Glibc
#endif

/// One step of a payload stream for one file.
public enum PayloadEvent {
    /// The next bytes of the file's content; valid only during the call.
    case data(UnsafeRawBufferPointer)
    /// The file's content is complete and matched its digest.
    case end
}

/// What a payload consumer wants next.
public enum PayloadAction: Sendable {
    case `continue`, stop
}

/// What one payload stream may cost; `nil` is no limit. Exceeding one throws
/// `.limitExceeded`.
public struct PayloadLimits: Sendable, Hashable {
    /// Bytes of the uncompressed archive that may be decoded, skipped files
    /// included. Checked before decoding against the sizes the header declares
    /// (every file up to the last selected one, and each file alone, since an
    /// archive whose order differs from the header's may skip any one file
    /// whole), and again after every entry and read.
    public var archiveBytes: UInt64?
    /// Wall time from the start of the stream, checked after every entry and read.
    public var time: Duration?

    public init(archiveBytes: UInt64? = nil, time: Duration? = nil) {
        self.archiveBytes = archiveBytes
        self.time = time
    }
}

extension PackageFile {
    /// Payload compressors librpm 4.18 can read, by their PAYLOADCOMPRESSOR name.
    static let readableCompressors: Set<String> = ["gzip", "bzip2", "xz", "lzma", "zstd"]

    /// Streams the content of chosen regular files in archive order without writing to disk.
    ///
    /// `select` is evaluated against `header.files` up front; the stream stops
    /// right after the last selected file was fully delivered, or when
    /// `consume` returns `.stop`. Each selected file gets zero or more `.data`
    /// events then `.end`; before `.end` its content is checked against the
    /// header's file digest (`.digestMismatch`). A short payload throws
    /// `.truncatedPayload`, an undecodable one `.corruptPayload`, a stream
    /// over `limits` `.limitExceeded`. Selected `%ghost` files (not in the
    /// payload) get no events. A selected member of a hard-link set gets the
    /// set's content, wherever in the set the archive stores it. Memory use is one 64 KiB buffer, whatever the
    /// payload size.
    ///
    /// The corresponding C functions are `rpmfiNewArchiveReader`, `rpmfiNext`,
    /// `rpmfiArchiveRead` and `rpmfiArchiveTell`.
    public func streamPayload(
        select: (FileEntry) -> Bool,
        limits: PayloadLimits = PayloadLimits(),
        consume: (FileEntry, PayloadEvent) throws -> PayloadAction
    ) throws {
        let start = ContinuousClock.now
        let (fd, h) = try Self.open(openPath, name: path)
        // The file list of the reopened header, in rpmfiles index order.
        let entries = PackageHeader(header: h).files
        guard let files = FileSet(header: h, keepHeader: true) else { return }
        var pending = Set<Int>()
        // Each archive entry a selected file's content can come with: its own,
        // or that of the member of its hard-link set that carries the bytes.
        var deliverAs: [Int: Int] = [:]
        for (ix, entry) in entries.enumerated()
        where entry.isRegularFile && !files.isGhost(at: ix) && select(entry) {
            for member in files.linkSet(of: ix) where deliverAs[member] == nil {
                deliverAs[member] = ix
                pending.insert(member)
            }
        }
        guard !pending.isEmpty else { return }
        try checkDeclaredSizes(entries, files: files, upTo: pending.max()!, limit: limits.archiveBytes)
        /// Throws once the archive decoded so far or the time taken is over `limits`.
        func checkLimits(_ reader: ArchiveReader, during what: @autoclosure () -> String) throws {
            if let limit = limits.archiveBytes, UInt64(rpmfiArchiveTell(reader.raw)) > limit {
                throw RPMError(.limitExceeded, operation: "rpmfiArchiveTell", path: path,
                               message: "more than the \(sizeText(limit)) payload archive limit decoded \(what())")
            }
            if let time = limits.time, ContinuousClock.now - start > time {
                throw RPMError(.limitExceeded, operation: "streamPayload", path: path,
                               message: "reading the payload took longer than \(time) \(what())")
            }
        }

        let compressor = h.string(RPMTAG_PAYLOADCOMPRESSOR) ?? "gzip"
        let declaredSize = h.number(RPMTAG_LONGSIGSIZE) ?? h.number(RPMTAG_SIGSIZE)
        guard Self.readableCompressors.contains(compressor) else {
            throw RPMError(.unsupportedCompressor, operation: "Fdopen", path: path,
                           message: "payload compressor '\(compressor)' is not supported")
        }
        let reader: ArchiveReader = try LibRPM.shared(operation: "rpmfiNewArchiveReader", path: path) {
            try fd.pushDecompressor(compressor)
            return try ArchiveReader(fd: fd, files: files)
        }

        let bufferSize = 64 << 10
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }

        while !pending.isEmpty {
            LogCapture.begin()
            let rc = rpmfiNext(reader.raw)
            if rc == RPMERR_ITER_END.rawValue {
                let missing = pending.sorted().prefix(3).map { entries[$0].path }.joined(separator: ", ")
                throw payloadError(fd: fd, declaredSize: declaredSize, truncatedByDefault: true, operation: "rpmfiNext", code: rc,
                                   what: "payload archive ended before \(missing)")
            }
            if rc < 0 {
                throw payloadError(fd: fd, declaredSize: declaredSize, truncatedByDefault: false, operation: "rpmfiNext", code: rc,
                                   what: "cannot read the next payload archive entry")
            }
            let ix = Int(rc)
            try checkLimits(reader, during: "before \(pending.sorted().prefix(3).map { entries[$0].path }.joined(separator: ", ")) ended")
            guard ix < entries.count, pending.contains(ix), let selected = deliverAs[ix] else { continue }
            pending.remove(ix)
            // Hard links: only one member of a set carries the content.
            guard rpmfiArchiveHasContent(reader.raw) != 0 else { continue }
            for member in files.linkSet(of: ix) { pending.remove(member) }

            let entry = entries[selected]
            let expected = UInt64(rpmfiFSize(reader.raw))
            let wanted = files.digest(at: ix)
            let digest = wanted.flatMap { DigestContext(algorithm: $0.algorithm) }
            var total: UInt64 = 0
            while total < expected {
                let n = rpmfiArchiveRead(reader.raw, buffer, min(bufferSize, Int(clamping: expected - total)))
                if n < 0 {
                    throw payloadError(fd: fd, declaredSize: declaredSize, truncatedByDefault: false, operation: "rpmfiArchiveRead",
                                       code: Int32(clamping: n), what: "cannot read \(entry.path)")
                }
                if n == 0 {
                    throw payloadError(fd: fd, declaredSize: declaredSize, truncatedByDefault: true, operation: "rpmfiArchiveRead", code: nil,
                                       what: "payload ended after \(total) of \(expected) bytes of \(entry.path)")
                }
                total += UInt64(n)
                try checkLimits(reader, during: "reading \(entry.path)")
                let chunk = UnsafeRawBufferPointer(start: buffer, count: n)
                digest?.update(chunk)
                if try consume(entry, .data(chunk)) == .stop { return }
            }
            if let wanted, let digest {
                let actual = digest.finish()
                if actual != wanted.bytes {
                    throw RPMError(.digestMismatch, operation: "rpmDigestFinal", path: path,
                                   message: "\(entry.path): content digest \(hex(actual)) does not match header digest \(hex(wanted.bytes))")
                }
            }
            if try consume(entry, .end) == .stop { return }
        }
        // Every wanted file came before the cut: the package is still truncated.
        if isShorterThanDeclared(declaredSize) == true {
            throw RPMError(.truncatedPayload, operation: "fstat", path: path,
                           message: "the file is shorter than its signature header declares")
        }
    }

    /// Convenience: whole contents of the given exact paths (each at most
    /// `limit` bytes, else `.limitExceeded`); stops once all are read. Missing
    /// paths are simply absent from the result.
    public func readFiles(_ paths: Set<String>, limit: Int = 64 << 20, limits: PayloadLimits = PayloadLimits()) throws -> [String: [UInt8]] {
        for entry in header.files where paths.contains(entry.path) && entry.isRegularFile && entry.size > UInt64(max(limit, 0)) {
            throw RPMError(.limitExceeded, operation: "readFiles", path: path,
                           message: "\(entry.path) is \(entry.size) bytes, over the limit of \(limit)")
        }
        var result: [String: [UInt8]] = [:]
        var current: [UInt8] = []
        try streamPayload(select: { paths.contains($0.path) }, limits: limits) { entry, event in
            switch event {
            case .data(let chunk):
                if current.count + chunk.count > limit {
                    throw RPMError(.limitExceeded, operation: "readFiles", path: path,
                                   message: "\(entry.path) is over the limit of \(limit) bytes")
                }
                current.append(contentsOf: chunk)
            case .end:
                result[entry.path] = current
                current = []
            }
            return .continue
        }
        return result
    }

    /// Refuses, before decoding anything, a stream the header says is over
    /// `limit`: the archive bytes up to the end of the entry at index `last`
    /// (an archive in header order), or any single entry (which an archive in
    /// another order may skip whole in one step).
    private func checkDeclaredSizes(_ entries: [FileEntry], files: FileSet, upTo last: Int, limit: UInt64?) throws {
        guard let limit else { return }
        var before: UInt64 = 0
        for (ix, entry) in entries.enumerated() where !files.isGhost(at: ix) && files.carriesContent(at: ix) {
            if entry.size > limit {
                throw RPMError(.limitExceeded, operation: "streamPayload", path: path,
                               message: "\(entry.path) is declared as \(sizeText(entry.size)); the payload archive limit is \(sizeText(limit))")
            }
            if ix <= last { before += entry.size }
        }
        if before > limit {
            throw RPMError(.limitExceeded, operation: "streamPayload", path: path,
                           message: "the header declares \(sizeText(before)) of files up to the end of \(entries[last].path); the payload archive limit is \(sizeText(limit))")
        }
    }

    /// The error for a failed payload read: librpm's messages, the stream's
    /// error state, or a short read.
    private func payloadError(fd: FileDescriptor, declaredSize: UInt64?, truncatedByDefault: Bool,
                              operation: String, code: Int32?, what: String) -> RPMError {
        let logged = LogCapture.take()
        var message = what
        if !logged.isEmpty { message += ": " + logged }
        if fd.hasError { message += " (\(fd.errorText))" }
        let kind: RPMError.Kind
        switch isShorterThanDeclared(declaredSize) {
        case true?:
            kind = .truncatedPayload
            message += " (the file is shorter than its signature header declares)"
        case false?: kind = .corruptPayload
        case nil: kind = fd.hasError || !truncatedByDefault ? .corruptPayload : .truncatedPayload
        }
        return RPMError(kind, operation: operation, path: path, code: code, message: message)
    }
}

extension PackageFile {
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
              intro[0] == 0x8e, intro[1] == 0xad, intro[2] == 0xe8 else { return nil }
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

private func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
}
