internal import CRPM
#if canImport(Glibc)
import Glibc
#endif

/// An RPM package file (binary or source) and its header.
///
/// Reading checks header digests but not signatures, and never opens or
/// creates an rpmdb. The value holds no C state: payload streams reopen the file.
public struct PackageFile: Sendable {
    public let path: String
    public let header: PackageHeader

    /// Reads lead, signature and header. Signature checks off, digests on
    /// (`RPMVSF_MASK_NOSIGNATURES`); never opens or creates an rpmdb or `~/.rpmdb`.
    ///
    /// The corresponding C function is `rpmReadPackageFile`.
    public init(path: String) throws {
        let (_, header) = try Self.open(path: path)
        self.path = path
        self.header = PackageHeader(header: header)
    }

    /// Opens the file and reads its header; the descriptor is left at the payload.
    static func open(path: String) throws -> (FileDescriptor, HeaderHandle) {
        try checkPath(path)
        return try LibRPM.shared(operation: "rpmReadPackageFile", path: path) {
            LogCapture.begin()
            let fd = try FileDescriptor(path: path)
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
                throw RPMError(.notAnRPM, operation: "rpmReadPackageFile", path: path,
                               code: Int32(rc.rawValue),
                               message: messages.isEmpty ? "not an RPM package" : messages)
            default:
                break
            }
            if let h { headerFree(h) }
            throw RPMError(classifyHeaderFailure(messages), operation: "rpmReadPackageFile", path: path,
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
    static func checkPath(_ path: String) throws {
        var st = stat()
        if stat(path, &st) != 0 {
            let err = errno
            let reason = String(cString: strerror(err))
            let kind: RPMError.Kind = (err == ENOENT || err == ENOTDIR) ? .notFound : .unreadable
            throw RPMError(kind, operation: "stat", path: path, code: err, message: reason)
        }
        switch st.st_mode & 0o170000 {
        case 0o040000:
            throw RPMError(.isDirectory, operation: "stat", path: path, message: "is a directory")
        case 0o100000:
            if access(path, R_OK) != 0 {
                let err = errno
                throw RPMError(.unreadable, operation: "access", path: path, code: err,
                               message: String(cString: strerror(err)))
            }
        default:
            throw RPMError(.notAnRPM, operation: "stat", path: path, message: "not a regular file")
        }
    }
}
