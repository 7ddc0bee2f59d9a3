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
    /// `.truncatedPayload`, an undecodable one `.corruptPayload`. Selected
    /// `%ghost` files (not in the payload) get no events. Memory use is one
    /// 64 KiB buffer, whatever the payload size.
    ///
    /// The corresponding C functions are `rpmfiNewArchiveReader`, `rpmfiNext`
    /// and `rpmfiArchiveRead`.
    public func streamPayload(
        select: (FileEntry) -> Bool,
        consume: (FileEntry, PayloadEvent) throws -> PayloadAction
    ) throws {
        let (fd, h) = try Self.open(path: path)
        // The file list of the reopened header, in rpmfiles index order.
        let entries = PackageHeader(header: h).files
        guard let files = FileSet(header: h, keepHeader: true) else { return }
        var pending = Set<Int>()
        for (ix, entry) in entries.enumerated()
        where entry.isRegularFile && !files.isGhost(at: ix) && select(entry) {
            pending.insert(ix)
        }
        guard !pending.isEmpty else { return }

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
            guard ix < entries.count, pending.contains(ix) else { continue }
            pending.remove(ix)
            // Hard links: only one member of a set carries the content.
            guard rpmfiArchiveHasContent(reader.raw) != 0 else { continue }

            let entry = entries[ix]
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
    public func readFiles(_ paths: Set<String>, limit: Int = 64 << 20) throws -> [String: [UInt8]] {
        for entry in header.files where paths.contains(entry.path) && entry.isRegularFile && entry.size > UInt64(max(limit, 0)) {
            throw RPMError(.limitExceeded, operation: "readFiles", path: path,
                           message: "\(entry.path) is \(entry.size) bytes, over the limit of \(limit)")
        }
        var result: [String: [UInt8]] = [:]
        var current: [UInt8] = []
        try streamPayload(select: { paths.contains($0.path) }) { entry, event in
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
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
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

private func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
}
