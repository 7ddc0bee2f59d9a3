import Foundation
internal import RPM

#if canImport(Glibc)
    import Glibc
#endif

/// One input, open for reading, so that every read of it sees the same file.
///
/// Opening never blocks and never opens anything but a regular file: the path
/// is first opened with `O_PATH`, which opens no FIFO, device or socket (and so
/// cannot hang or trigger a driver); that descriptor is `fstat`ed; only a
/// regular file is then reopened for reading, through `/proc/self/fd/N` (the
/// same inode, whatever happens to the path meanwhile). Readers that need a
/// path, librpm and the file digest, get `/proc/self/fd/N` of the open file.
/// There is no window between the check and the reads.
package final class InputFile: Sendable {
    /// How reports and errors name the input.
    package let path: String
    /// The file's size when it was opened.
    package let size: Int
    /// For a file opened inside a root (`--installed --root`): the host path
    /// it resolved to, symbolic links followed inside the root.
    let resolvedPath: String
    /// The open file, owned by this value (closed in `deinit`): read it, never close it.
    let descriptor: Int32

    /// Why a path was not opened.
    package enum Refusal: Error, Sendable, Equatable {
        case missing
        case refused(String)

        package var message: String {
            switch self {
            case .missing: "no such file"
            case .refused(let reason): reason
            }
        }
    }

    /// Opens a named or walked input; symbolic links are followed.
    convenience init(path: String) throws(InputError) {
        let located = open(path, O_PATH | O_CLOEXEC)
        do throws(Refusal) {
            guard located >= 0 else { throw Self.refusal(errno) }
            try self.init(located: located, path: path, resolvedPath: path)
        } catch {
            throw InputError(error == .missing ? .missing : .unreadable, input: path, message: error.message)
        }
    }

    /// Opens `file` (an absolute path as an rpmdb lists it) inside `root` as
    /// that system would see it: every symbolic link, in the file and in its
    /// parents, is resolved inside `root` (an absolute target starts again at
    /// `root`, `..` never climbs above it), never on the host. `path` names it.
    package convenience init(_ file: String, inRoot root: String, path: String) throws(Refusal) {
        let (located, resolved) = try Self.resolve(file, inRoot: root)
        try self.init(located: located, path: path, resolvedPath: resolved)
    }

    /// Takes over `located` (an `O_PATH` descriptor) and reopens it for reading.
    private init(located: Int32, path: String, resolvedPath: String) throws(Refusal) {
        defer { close(located) }
        var info = stat()
        guard fstat(located, &info) == 0 else { throw Self.refusal(errno) }
        try Self.checkRegular(info)
        // The same inode as `located`; O_NONBLOCK and O_NOCTTY only as a second guard.
        let descriptor = open("/proc/self/fd/\(located)", O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else { throw Self.refusal(errno) }
        var opened = stat()
        guard fstat(descriptor, &opened) == 0, opened.st_ino == info.st_ino, opened.st_dev == info.st_dev else {
            close(descriptor)
            throw .refused("changed while it was being opened")
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        self.descriptor = descriptor
        self.path = path
        self.resolvedPath = resolvedPath
        self.size = Int(opened.st_size)
    }

    deinit { close(descriptor) }

    /// `/proc/self/fd/N` of the open file, for readers that take a path.
    /// Valid while this value lives.
    package var descriptorPath: String { "/proc/self/fd/\(descriptor)" }

    // MARK: Reading

    /// Up to `count` bytes from `offset`.
    func read(upTo count: Int, at offset: Int = 0) throws(InputError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = bytes.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress! + filled, count - filled, off_t(offset + filled))
            }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else {
                throw InputError(
                    .unreadable, input: path, message: "cannot be read: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            filled += n
        }
        return Array(bytes.prefix(filled))
    }

    /// The whole file, refused when it is over `limit` bytes (from its size,
    /// before reading, and again if it grew).
    func readAll(limit: Int) throws(InputError) -> [UInt8] {
        let tooLarge = InputError(.tooLarge, input: path, message: "larger than the \(limit >> 20) MiB snapcheck reads")
        guard size <= limit else { throw tooLarge }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        while true {
            let chunk = try read(upTo: min(1 << 20, limit + 1 - bytes.count), at: bytes.count)
            if chunk.isEmpty { return bytes }
            bytes += chunk
            guard bytes.count <= limit else { throw tooLarge }
        }
    }

    /// Feeds the file to `body` in 1 MiB chunks from the start, until the end
    /// or until `body` returns false.
    func forEachChunk(_ body: (UnsafeRawBufferPointer) throws -> Bool) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var offset = 0
        while true {
            let n = pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset))
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else {
                throw InputError(
                    .unreadable, input: path, message: "cannot be read: \(String(cString: strerror(errno)))")
            }
            guard n > 0, try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n])) else { return }
            offset += n
        }
    }

    /// The hex SHA-256 of the file's bytes.
    package func sha256() throws(InputError) -> String {
        do { return try FileDigest.sha256(path: descriptorPath) } catch let error as RPMError {
            throw InputError(.init(error.kind), input: path, message: "\(error.message) (\(error.operation))")
        } catch {
            throw InputError(.other, input: path, message: "\(error)")
        }
    }

    // MARK: Opening

    private static func checkRegular(_ info: stat) throws(Refusal) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFDIR: throw .refused("is a directory")
        case S_IFIFO: throw .refused("not a regular file (a FIFO)")
        case S_IFCHR: throw .refused("not a regular file (a character device)")
        case S_IFBLK: throw .refused("not a regular file (a block device)")
        case S_IFSOCK: throw .refused("not a regular file (a socket)")
        default: throw .refused("not a regular file")
        }
    }

    private static func refusal(_ code: Int32) -> Refusal {
        code == ENOENT || code == ENOTDIR
            ? .missing : .refused("cannot be opened for reading: \(String(cString: strerror(code)))")
    }

    /// Symbolic links followed while resolving one path inside a root, as the kernel allows.
    static let symbolicLinkLimit = 40

    /// Walks `file` from `root` one component at a time (`O_PATH | O_NOFOLLOW`),
    /// resolving symbolic links inside `root`. Returns an `O_PATH` descriptor
    /// of what it names (not a symbolic link) and its host path.
    private static func resolve(_ file: String, inRoot root: String) throws(Refusal) -> (Int32, String) {
        let rootDescriptor = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard rootDescriptor >= 0 else { throw refusal(errno) }
        // The directories walked so far, root first; each descriptor is owned here.
        var chain: [(descriptor: Int32, name: String)] = [
            (rootDescriptor, root.hasSuffix("/") ? String(root.dropLast()) : root)
        ]
        defer { for link in chain { close(link.descriptor) } }
        var pending = Array(file.split(separator: "/").map(String.init).reversed())
        var links = 0
        while let name = pending.popLast() {
            if name == "." { continue }
            if name == ".." {
                if chain.count > 1 { close(chain.removeLast().descriptor) }
                continue
            }
            let next = openat(chain.last!.descriptor, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)
            guard next >= 0 else { throw refusal(errno) }
            var info = stat()
            guard fstat(next, &info) == 0 else {
                close(next)
                throw refusal(errno)
            }
            switch info.st_mode & S_IFMT {
            case S_IFLNK:
                defer { close(next) }
                links += 1
                guard links <= symbolicLinkLimit else { throw refusal(ELOOP) }
                var target = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
                let length = target.withUnsafeMutableBytes {
                    readlinkat(next, "", $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)
                }
                guard length >= 0, length < target.count else { throw refusal(length < 0 ? errno : ENAMETOOLONG) }
                let text = String(decoding: target.prefix(length), as: UTF8.self)
                if text.hasPrefix("/") {
                    while chain.count > 1 { close(chain.removeLast().descriptor) }
                }
                pending += text.split(separator: "/").map(String.init).reversed()
            case S_IFDIR:
                chain.append((next, name))
            default:
                guard pending.allSatisfy({ $0 == "." }) else {
                    close(next)
                    throw refusal(ENOTDIR)
                }
                chain.append((next, name))
            }
        }
        let found = fcntl(chain.last!.descriptor, F_DUPFD_CLOEXEC, 0)
        guard found >= 0 else { throw refusal(errno) }
        return (found, chain.map(\.name).joined(separator: "/"))
    }
}

/// Linux `O_PATH` (the same value on every architecture snapcheck builds for);
/// glibc declares it only under `_GNU_SOURCE`, which Swift's Glibc module does not set.
private let O_PATH: Int32 = 0o10000000
