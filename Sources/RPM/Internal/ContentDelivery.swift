/// The consuming half of a payload stream: checks each selected file's bytes
/// against the digest its header records, and hands them to the consumer.
/// Runs on the thread that called `streamPayload`.
struct ContentDelivery {
    let path: String
    let consume: (FileEntry, PayloadEvent) throws -> PayloadAction
    /// The file being delivered, its header digest, and the digest of its bytes so far.
    private var current: (entry: FileEntry, wanted: [UInt8]?, digest: DigestContext?)?

    init(path: String, consume: @escaping (FileEntry, PayloadEvent) throws -> PayloadAction) {
        self.path = path
        self.consume = consume
    }

    /// A file's content starts.
    mutating func begin(_ entry: FileEntry, digest wanted: (algorithm: Int32, bytes: [UInt8])?) {
        current = (entry, wanted?.bytes, wanted.flatMap { DigestContext(algorithm: $0.algorithm) })
    }

    /// The file's next bytes, valid only during the call.
    func data(_ chunk: UnsafeRawBufferPointer) throws -> PayloadAction {
        guard let current else { preconditionFailure("payload data before its file began") }
        current.digest?.update(chunk)
        return try consume(current.entry, .data(chunk))
    }

    /// The file is complete: `.digestMismatch` unless its bytes match the header.
    mutating func end() throws -> PayloadAction {
        guard let file = current else { preconditionFailure("payload end before its file began") }
        current = nil
        if let wanted = file.wanted, let digest = file.digest {
            let actual = digest.finish()
            if actual != wanted {
                throw RPMError(
                    .digestMismatch, operation: "rpmDigestFinal", path: path,
                    message:
                        "\(file.entry.path): content digest \(hex(actual)) does not match header digest \(hex(wanted))")
            }
        }
        return try consume(file.entry, .end)
    }
}

/// A sequential stream's sink: each decoded chunk goes straight to the delivery, in one buffer.
struct DirectSink: PayloadSink {
    var delivery: ContentDelivery
    let buffer: UnsafeMutableRawBufferPointer

    var isOpen: Bool { true }  // a stop comes back from `deliver` and `end`

    mutating func begin(_ entry: FileEntry, digest: (algorithm: Int32, bytes: [UInt8])?) {
        delivery.begin(entry, digest: digest)
    }

    func nextBuffer() -> UnsafeMutableRawBufferPointer? { buffer }

    func deliver(_ count: Int) throws -> Bool {
        try delivery.data(UnsafeRawBufferPointer(rebasing: buffer[..<count])) == .continue
    }

    mutating func end() throws -> Bool {
        try delivery.end() == .continue
    }
}

/// A pipelined stream's sink, on the decoding thread: fills the pipe's buffers in turn and posts them.
struct PipeSink: PayloadSink {
    let pipe: ChunkPipe
    private var slot = 0

    init(pipe: ChunkPipe) { self.pipe = pipe }

    var isOpen: Bool { pipe.isOpen }

    func begin(_ entry: FileEntry, digest: (algorithm: Int32, bytes: [UInt8])?) {
        pipe.post(.begin(entry, digest: digest))
    }

    mutating func nextBuffer() -> UnsafeMutableRawBufferPointer? {
        guard let (slot, buffer) = pipe.acquire() else { return nil }
        self.slot = slot
        return buffer
    }

    func deliver(_ count: Int) -> Bool {
        pipe.post(.data(slot: slot, count: count))
        return true
    }

    func end() -> Bool {
        pipe.post(.end)
        return true
    }
}

private func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
}
