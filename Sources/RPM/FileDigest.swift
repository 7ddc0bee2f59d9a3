internal import CRPM
import Glibc

/// Digests of whole files, computed by librpm's digest code.
public enum FileDigest: Sendable {
    /// The hex SHA-256 of the file at `path`, read in 1 MiB blocks.
    /// The corresponding C functions are `rpmDigestInit`/`Update`/`Final`.
    public static func sha256(path: String) throws -> String {
        // rpmReadConfigFiles also initialises librpm's crypto backend.
        try LibRPM.configure(operation: "rpmReadConfigFiles", path: path)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw RPMError(
                errno == ENOENT ? .notFound : .unreadable, operation: "open", path: path,
                message: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        guard let context = DigestContext(algorithm: Int32(RPM_HASH_SHA256.rawValue)) else {
            throw RPMError(.unreadable, operation: "rpmDigestInit", path: path, message: "SHA-256 is not available")
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw RPMError(.unreadable, operation: "read", path: path, message: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            context.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        return context.finish().map { String($0, radix: 16).leftPadded(2) }.joined()
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
