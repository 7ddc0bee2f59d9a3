internal import CRPM

#if canImport(Glibc)
    import Glibc
#endif

// One owner type per kind of librpm handle. Every handle imports as the same
// `OpaquePointer`, so these types keep them apart and free each in `deinit`.
// None is Sendable: librpm handles are not safe to share between threads.

/// Owns a `Header` reference (`headerFree` in deinit).
final class HeaderHandle {
    let raw: OpaquePointer

    /// Takes over a reference the caller owns.
    init(owning raw: OpaquePointer) { self.raw = raw }

    /// Takes a new reference to a header librpm lends (`headerLink`).
    init(borrowing raw: OpaquePointer) { self.raw = headerLink(raw) }

    deinit { headerFree(raw) }
}

@available(*, unavailable, message: "a librpm Header is reference-counted without atomics")
extension HeaderHandle: Sendable {}

/// Owns an `rpmts` (`rpmtsFree` in deinit). One per operation, never shared.
final class TransactionSet {
    let raw: OpaquePointer

    /// A transaction set that checks digests but not signatures, so no keyring
    /// or rpmdb is opened (the default flags would open or create `~/.rpmdb`).
    init(root: String? = nil) throws {
        guard let ts = rpmtsCreate() else {
            throw RPMError(.unreadable, operation: "rpmtsCreate", path: nil, message: "out of memory")
        }
        raw = ts
        _ = rpmtsSetVSFlags(ts, CRPM_vsflags_nosignatures())
        if let root {
            let rc = rpmtsSetRootDir(ts, root)
            if rc != 0 {
                throw RPMError(
                    .database, operation: "rpmtsSetRootDir", path: root, code: rc,
                    message: "root directory must be an absolute path")
            }
        }
    }

    deinit { rpmtsFree(raw) }
}

@available(*, unavailable, message: "an rpmts holds mutable state (keyring, rpmdb) without locks")
extension TransactionSet: Sendable {}

/// Owns an `FD_t` with all its I/O layers (`Fclose` in deinit).
final class FileDescriptor {
    let raw: OpaquePointer
    let path: String

    /// Opens `path` for reading through rpmio (`Fopen(path, "r.ufdio")`);
    /// errors name it `name` (default: `path`).
    init(path: String, name: String? = nil) throws {
        let name = name ?? path
        guard let fd = Fopen(path, "r.ufdio") else {
            throw RPMError(.unreadable, operation: "Fopen", path: name, message: "cannot open")
        }
        if Ferror(fd) != 0 {
            let reason = String(cString: Fstrerror(fd))
            Fclose(fd)
            throw RPMError(.unreadable, operation: "Fopen", path: name, message: "cannot open: \(reason)")
        }
        raw = fd
        self.path = name
    }

    /// Pushes a decompressing layer (`Fdopen(fd, "r." + compressor)`).
    func pushDecompressor(_ compressor: String) throws {
        guard Fdopen(raw, "r." + compressor) != nil, Ferror(raw) == 0 else {
            throw RPMError(
                .unsupportedCompressor, operation: "Fdopen", path: path,
                message: "cannot decompress payload with '\(compressor)'")
        }
    }

    var hasError: Bool { Ferror(raw) != 0 }
    /// rpmio's error text for the stream, without the `<fd:N>: ` it may start with: the
    /// descriptor number differs from run to run, and reports must not.
    var errorText: String {
        let text = String(cString: Fstrerror(raw))
        guard text.hasPrefix("<fd:"), let prefix = text.firstRange(of: ">: ") else { return text }
        return String(text[prefix.upperBound...])
    }

    deinit { Fclose(raw) }
}

@available(*, unavailable, message: "an FD_t has a file position and error state without locks")
extension FileDescriptor: Sendable {}

/// Owns an `rpmfiles` (`rpmfilesFree` in deinit): the file list of a header.
final class FileSet {
    let raw: OpaquePointer
    let header: HeaderHandle

    /// `nil` when the header has no files.
    init?(header: HeaderHandle, keepHeader: Bool) {
        let flags: rpmfiFlags = keepHeader ? rpmfiFlags(RPMFI_KEEPHEADER.rawValue) : 0
        guard let files = rpmfilesNew(nil, header.raw, rpmTagVal(RPMTAG_BASENAMES.rawValue), flags) else {
            return nil
        }
        raw = files
        self.header = header
    }

    var count: Int { Int(rpmfilesFC(raw)) }

    deinit { rpmfilesFree(raw) }
}

@available(*, unavailable, message: "rpmfiles is reference-counted without atomics")
extension FileSet: Sendable {}

/// Owns an `rpmfi` that walks a payload archive (`rpmfiFree` in deinit).
final class ArchiveReader {
    let raw: OpaquePointer
    // Kept alive for as long as the iterator reads from them.
    let files: FileSet
    let fd: FileDescriptor

    init(fd: FileDescriptor, files: FileSet) throws {
        guard let fi = rpmfiNewArchiveReader(fd.raw, files.raw, Int32(RPMFI_ITER_READ_ARCHIVE.rawValue)) else {
            throw RPMError(
                .corruptPayload, operation: "rpmfiNewArchiveReader", path: fd.path,
                message: "cannot read the payload archive")
        }
        raw = fi
        self.files = files
        self.fd = fd
    }

    deinit { rpmfiFree(raw) }
}

@available(*, unavailable, message: "an rpmfi is an iterator over a shared stream")
extension ArchiveReader: Sendable {}

/// Owns a `DIGEST_CTX` (finalized and freed in `finish` or deinit).
final class DigestContext {
    private var raw: OpaquePointer?

    init?(algorithm: Int32) {
        guard let ctx = rpmDigestInit(algorithm, rpmDigestFlags(RPMDIGEST_NONE.rawValue)) else { return nil }
        raw = ctx
    }

    func update(_ buffer: UnsafeRawBufferPointer) {
        guard let raw, let base = buffer.baseAddress else { return }
        _ = rpmDigestUpdate(raw, base, buffer.count)
    }

    /// The binary digest; the context is gone afterwards.
    func finish() -> [UInt8] {
        guard let ctx = raw else { return [] }
        raw = nil
        var data: UnsafeMutableRawPointer?
        var length = 0
        _ = rpmDigestFinal(ctx, &data, &length, 0)
        guard let data else { return [] }
        defer { free(data) }
        return Array(UnsafeRawBufferPointer(start: data, count: length))
    }

    deinit {
        if let raw { _ = rpmDigestFinal(raw, nil, nil, 0) }
    }
}

@available(*, unavailable, message: "a digest context is mutable state without locks")
extension DigestContext: Sendable {}

/// Owns an `rpmSpec` (`rpmSpecFree` in deinit).
final class SpecHandle {
    let raw: OpaquePointer

    init(owning raw: OpaquePointer) { self.raw = raw }

    deinit { rpmSpecFree(raw) }
}

@available(*, unavailable, message: "an rpmSpec may only be used under the process-wide parse lock")
extension SpecHandle: Sendable {}

/// Owns an `rpmdbMatchIterator` (`rpmdbFreeIterator` in deinit).
final class DatabaseIterator {
    let raw: OpaquePointer
    // The iterator reads through the transaction set's open rpmdb.
    let transactionSet: TransactionSet

    init?(transactionSet: TransactionSet, tag: rpmDbiTagVal) {
        guard let mi = rpmtsInitIterator(transactionSet.raw, tag, nil, 0) else { return nil }
        raw = mi
        self.transactionSet = transactionSet
    }

    /// The next header, borrowed from the iterator until the next call.
    func next() -> OpaquePointer? { rpmdbNextIterator(raw) }

    deinit { rpmdbFreeIterator(raw) }
}

@available(*, unavailable, message: "an rpmdb iterator holds a cursor without locks")
extension DatabaseIterator: Sendable {}
