import Foundation

/// Standard output and standard error, written with checked `write(2)` loops
/// (never `FileHandle`, whose `write` traps on a full or closed stream).
public enum StandardStream: Sendable {
    case output
    case error

    /// Writes every byte; a failure (a full disk, a closed descriptor, a
    /// reader gone: EPIPE when SIGPIPE is ignored, as the CLI does) is an
    /// ``OutputError`` for `standard output` or `standard error`.
    public func write(_ bytes: [UInt8]) throws(OutputError) {
        let code = FileDescriptor.writeFully(descriptor, bytes)
        guard code == 0 else { throw OutputError(name, errno: code, call: "write") }
    }

    public var descriptor: Int32 {
        switch self {
        case .output: STDOUT_FILENO
        case .error: STDERR_FILENO
        }
    }

    public var name: String {
        switch self {
        case .output: "standard output"
        case .error: "standard error"
        }
    }
}

/// The one loop that writes bytes to a descriptor.
enum FileDescriptor {
    /// Writes all of `bytes` to `fd`: again after EINTR and short writes; after
    /// EAGAIN (a descriptor left non-blocking by whoever opened it) once `poll`
    /// says it can take more. Returns 0, or the errno that stopped it.
    static func writeFully(_ fd: Int32, _ bytes: [UInt8]) -> Int32 {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n > 0 {
                offset += n
                continue
            }
            let code = n == 0 ? EIO : errno
            switch code {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                var ready = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                if poll(&ready, 1, -1) < 0, errno != EINTR { return errno }
            default: return code
            }
        }
        return 0
    }
}
