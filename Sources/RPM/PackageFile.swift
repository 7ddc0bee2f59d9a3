internal import CRPM

#if canImport(Glibc)
    import Glibc
#endif

/// An RPM package file (binary or source) and its header.
///
/// Reading checks header digests but not signatures, and never opens or
/// creates an rpmdb. The value holds no C state: payload streams reopen the file.
public struct PackageFile: Sendable {
    /// How errors and callers name the package.
    public let path: String
    public let header: PackageHeader
    /// What librpm opens: `path`, or `/proc/self/fd/N` of `retained`.
    let openPath: String
    /// The caller's descriptor, duplicated, for as long as this value lives.
    private let retained: RetainedDescriptor?

    /// Reads lead, signature and header. Signature checks off, digests on
    /// (`RPMVSF_MASK_NOSIGNATURES`); never opens or creates an rpmdb or `~/.rpmdb`.
    ///
    /// The corresponding C function is `rpmReadPackageFile`.
    public init(path: String) throws {
        let (_, header) = try Self.open(path, name: path)
        self.path = path
        self.openPath = path
        self.retained = nil
        self.header = PackageHeader(header: header)
    }

    /// Reads the package from a file the caller has open; `path` only names it.
    ///
    /// The descriptor is duplicated and kept open for as long as this value
    /// lives; librpm opens it as `/proc/self/fd/N`, so every read, payload
    /// streams included, sees that same file whatever happens to `path`.
    public init(descriptor: Int32, path: String) throws {
        let retained = try RetainedDescriptor(duplicating: descriptor, path: path)
        let openPath = "/proc/self/fd/\(retained.descriptor)"
        let (_, header) = try Self.open(openPath, name: path)
        self.path = path
        self.openPath = openPath
        self.retained = retained
        self.header = PackageHeader(header: header)
    }

    /// Opens `openPath` and reads its header, naming it `name` in errors; the
    /// descriptor is left at the payload.
    static func open(_ openPath: String, name path: String) throws -> (FileDescriptor, HeaderHandle) {
        try checkPath(openPath, name: path)
        return try LibRPM.shared(operation: "rpmReadPackageFile", path: path) {
            LogCapture.begin()
            let fd = try FileDescriptor(path: openPath, name: path)
            let ts = try TransactionSet()
            var h: OpaquePointer?
            let rc = rpmReadPackageFile(ts.raw, fd.raw, path, &h)
            // librpm prefixes its lines with the path; the error names it once.
            let messages = LogCapture.take().replacing("\(path): ", with: "")
            switch rc {
            case RPMRC_OK, RPMRC_NOKEY, RPMRC_NOTTRUSTED:
                guard let h else { break }
                return (fd, HeaderHandle(owning: h))
            case RPMRC_NOTFOUND:
                if let h { headerFree(h) }
                throw RPMError(
                    .notAnRPM, operation: "rpmReadPackageFile", path: path,
                    code: Int32(rc.rawValue),
                    message: messages.isEmpty ? "not an RPM package" : messages)
            default:
                break
            }
            if let h { headerFree(h) }
            throw RPMError(
                classifyHeaderFailure(messages), operation: "rpmReadPackageFile", path: path,
                code: Int32(rc.rawValue),
                message: messages.isEmpty ? "cannot read the package header" : messages)
        }
    }

    /// Sorts a failed header read into truncated or corrupt from librpm's message.
    private static func classifyHeaderFailure(_ messages: String) -> RPMError.Kind {
        let truncatedMarkers = ["read returned", "short read", "hdr size", "Unexpected EOF"]
        if truncatedMarkers.contains(where: { messages.contains($0) }) { return .truncatedHeader }
        return .corruptHeader
    }

    /// Rejects what is not a readable regular file before librpm sees it.
    static func checkPath(_ openPath: String, name path: String) throws {
        var st = stat()
        if stat(openPath, &st) != 0 {
            let err = errno
            let reason = String(cString: strerror(err))
            let kind: RPMError.Kind = (err == ENOENT || err == ENOTDIR) ? .notFound : .unreadable
            throw RPMError(kind, operation: "stat", path: path, code: err, message: reason)
        }
        switch st.st_mode & 0o170000 {
        case 0o040000:
            throw RPMError(.isDirectory, operation: "stat", path: path, message: "is a directory")
        case 0o100000:
            if access(openPath, R_OK) != 0 {
                let err = errno
                throw RPMError(
                    .unreadable, operation: "access", path: path, code: err,
                    message: String(cString: strerror(err)))
            }
        default:
            throw RPMError(.notAnRPM, operation: "stat", path: path, message: "not a regular file")
        }
    }
}

/// A duplicate of a caller's descriptor, closed when the last `PackageFile`
/// holding it goes. Sendable: the number never changes and is only opened
/// through `/proc/self/fd`, never read from directly.
final class RetainedDescriptor: Sendable {
    let descriptor: Int32

    init(duplicating descriptor: Int32, path: String) throws {
        let duplicate = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard duplicate >= 0 else {
            throw RPMError(
                .unreadable, operation: "fcntl(F_DUPFD_CLOEXEC)", path: path, code: errno,
                message: String(cString: strerror(errno)))
        }
        self.descriptor = duplicate
    }

    deinit { close(descriptor) }
}
