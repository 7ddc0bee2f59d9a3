/// One step of a payload stream for one file.
public enum PayloadEvent {
    /// The next bytes of the file's content; valid only during the call.
    case data(UnsafeRawBufferPointer)
    /// The file's content is complete and matched its digest.
    case end
}

/// Not Sendable: `.data` borrows the stream's decode buffer, which the next read overwrites.
@available(*, unavailable) extension PayloadEvent: Sendable {}

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

/// How a payload stream uses threads.
public enum PayloadConcurrency: Sendable, Hashable {
    /// Decoding, content digests and `consume` all on the calling thread.
    case sequential
    /// Decoding on a thread of its own, at most a few buffers ahead; content
    /// digests and `consume` on the calling thread, overlapped with it. For a
    /// caller with a core to spare: it takes about as much CPU time as a
    /// sequential stream, spread over two cores.
    case pipelined
}

extension PackageFile {
    /// Payload compressors librpm 4.18 can read, by their PAYLOADCOMPRESSOR name.
    static let readableCompressors: Set<String> = ["gzip", "bzip2", "xz", "lzma", "zstd"]

    /// Bytes of the decode buffer of a sequential stream: one `.data` event at most.
    static let chunkSize = 64 << 10
    /// Bytes of each decode buffer of a pipelined stream: larger, so the two
    /// threads hand over (and wake each other) less often.
    static let pipelinedChunkSize = 256 << 10
    /// Decode buffers of a pipelined stream: how far decoding may run ahead of `consume`.
    static let pipelinedChunks = 4

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
    /// set's content, wherever in the set the archive stores it.
    ///
    /// `consume` always runs on the calling thread, and sees the same bytes,
    /// files and errors whatever the `concurrency` (only the chunks differ in
    /// size). Memory use is one 64 KiB buffer (`.pipelined`: four of 256 KiB),
    /// whatever the payload size.
    ///
    /// The corresponding C functions are `rpmfiNewArchiveReader`, `rpmfiNext`,
    /// `rpmfiArchiveRead` and `rpmfiArchiveTell`.
    public func streamPayload(
        select: (FileEntry) -> Bool,
        limits: PayloadLimits = PayloadLimits(),
        concurrency: PayloadConcurrency = .sequential,
        consume: (FileEntry, PayloadEvent) throws -> PayloadAction
    ) throws {
        let start = ContinuousClock.now
        let chosen = Set(header.files.filter(select))
        try withoutActuallyEscaping(consume) { consume in
            if concurrency == .pipelined,
                try streamPipelined(chosen: chosen, limits: limits, start: start, consume: consume)
            {
                return
            }
            guard var decoder = try PayloadDecoder(self, chosen: chosen, limits: limits, start: start) else { return }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 64)
            defer { buffer.deallocate() }
            var sink = DirectSink(delivery: ContentDelivery(path: path, consume: consume), buffer: buffer)
            try decoder.run(into: &sink)
        }
    }

    /// A pipelined stream: the decoder on a `JoinableThread`, the delivery
    /// here. False, having read nothing, when no thread could be started.
    private func streamPipelined(
        chosen: Set<FileEntry>, limits: PayloadLimits, start: ContinuousClock.Instant,
        consume: @escaping (FileEntry, PayloadEvent) throws -> PayloadAction
    ) throws -> Bool {
        guard var decoder = try PayloadDecoder(self, chosen: chosen, limits: limits, start: start) else { return true }
        let pipe = ChunkPipe(slotSize: Self.pipelinedChunkSize, slotCount: Self.pipelinedChunks)
        let decoding = JoinableThread {
            var sink = PipeSink(pipe: pipe)
            do {
                try decoder.run(into: &sink)
                pipe.post(.finished)
            } catch {
                pipe.post(.failed(error))
            }
        }
        guard let decoding else { return false }
        // Whatever ends the delivery, the decoder stops at its next buffer or entry and is gone before this returns.
        defer {
            pipe.stop()
            decoding.join()
        }
        var delivery = ContentDelivery(path: path, consume: consume)
        while true {
            switch pipe.next() {
            case .begin(let entry, let digest):
                delivery.begin(entry, digest: digest)
            case .data(let slot, let count):
                let action = try delivery.data(pipe.bytes(slot: slot, count: count))
                pipe.release()
                if action == .stop { return true }
            case .end:
                if try delivery.end() == .stop { return true }
            case .finished:
                return true
            case .failed(let error):
                throw error
            }
        }
    }

    /// Convenience: whole contents of the given exact paths (each at most
    /// `limit` bytes, else `.limitExceeded`); stops once all are read. Missing
    /// paths are simply absent from the result.
    public func readFiles(_ paths: Set<String>, limit: Int = 64 << 20, limits: PayloadLimits = PayloadLimits()) throws
        -> [String: [UInt8]]
    {
        for entry in header.files
        where paths.contains(entry.path) && entry.isRegularFile && entry.size > UInt64(max(limit, 0)) {
            throw RPMError(
                .limitExceeded, operation: "readFiles", path: path,
                message: "\(entry.path) is \(entry.size) bytes, over the limit of \(limit)")
        }
        var result: [String: [UInt8]] = [:]
        var current: [UInt8] = []
        try streamPayload(select: { paths.contains($0.path) }, limits: limits) { entry, event in
            switch event {
            case .data(let chunk):
                if current.count + chunk.count > limit {
                    throw RPMError(
                        .limitExceeded, operation: "readFiles", path: path,
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
}
