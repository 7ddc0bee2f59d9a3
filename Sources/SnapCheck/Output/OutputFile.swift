import Foundation

/// One output, opened before the work that produces it and written at the end,
/// all or nothing with the others (``writeAll(_:)``). What a path means is
/// ``OutputDestination``'s decision; this class owns the descriptors.
///
/// - A file (new or replaced): its directory is opened now, so every later
///   step happens in the directory that was checked. At write time a temp file
///   with a unique random name is created there with
///   `O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC` (it can neither follow nor reuse
///   anything planted there), mode 0644 minus the umask or the replaced
///   file's own bits; it is written, `fsync`ed, closed and renamed over the
///   name. Until the rename, ``SignalCleanup`` removes it if the process is
///   stopped (when the handler is installed, as the CLI does).
/// - A FIFO or character device: opened now, `O_WRONLY|O_NONBLOCK|O_NOCTTY`
///   without `O_CREAT` or `O_TRUNC`, so a FIFO without a reader is an error at
///   once rather than a hang; then switched to blocking writes, so a slow
///   reader is waited for.
/// - Standard output (``standardOutput()``): written straight in, not closed.
///
/// Every `write`, `fsync`, `close` and `rename` is checked; a failure is an
/// ``OutputError`` naming the path and the call.
public final class OutputFile {
    /// The path as given, or `standard output`.
    public let name: String
    private let kind: OutputDestination.Kind?
    /// The directory (files) or the stream itself; -1 once closed.
    fileprivate var descriptor: Int32
    private let ownsDescriptor: Bool
    private var written = false

    /// Opens what `path` names (``OutputDestination/init(path:)``). Creates nothing.
    public convenience init(path: String) throws(OutputError) {
        try self.init(OutputDestination(path: path))
    }

    public init(_ destination: OutputDestination) throws(OutputError) {
        let path = destination.path
        name = path
        kind = destination.kind
        ownsDescriptor = true
        switch destination.kind {
        case .file(let directory, _, _):
            let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { throw OutputError(path, errno: errno, call: "open \(directory)") }
            descriptor = fd
        case .fifo, .device:
            let fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
            guard fd >= 0 else {
                let code = errno
                if code == ENXIO, destination.kind == .fifo {
                    throw OutputError(
                        path, "no process is reading this FIFO (snapcheck does not wait for one to start)")
                }
                throw OutputError(path, errno: code, call: "open")
            }
            var info = stat()
            let type = fstat(fd, &info) == 0 ? info.st_mode & S_IFMT : 0
            guard type == (destination.kind == .fifo ? S_IFIFO : S_IFCHR),
                destination.identity == .node(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)),
                fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == 0
            else {
                close(fd)
                throw OutputError(path, "changed while it was being opened")
            }
            descriptor = fd
        }
    }

    private init(standardStream fd: Int32, name: String) {
        self.name = name
        kind = nil
        descriptor = fd
        ownsDescriptor = false
    }

    /// Standard output as one of the outputs: written in ``writeAll(_:)``'s
    /// stream step, so a full or closed stdout fails the whole write.
    public static func standardOutput() -> OutputFile {
        OutputFile(standardStream: STDOUT_FILENO, name: "standard output")
    }

    deinit {
        if ownsDescriptor, descriptor >= 0 { close(descriptor) }
    }

    /// Writes `bytes` to this one output, as ``writeAll(_:)``.
    public func write(_ bytes: [UInt8]) throws(OutputError) {
        try Self.writeAll([(self, bytes)])
    }

    /// Writes each output's bytes, all or nothing as far as the file system allows:
    ///
    /// 1. every file's temp file is created, written, synced and closed;
    /// 2. every stream (FIFO, device, standard output) is written;
    /// 3. every temp file is renamed over its name, then each directory synced.
    ///
    /// A failure in step 1 or 2 removes every temp file, so no file output
    /// changes; a stream already written cannot be taken back. A failure in
    /// step 3 (an I/O error of the file system) leaves the files renamed
    /// before it replaced, and removes the rest. Each output is written once.
    public static func writeAll(_ outputs: [(file: OutputFile, bytes: [UInt8])]) throws(OutputError) {
        var temporaries: [TemporaryFile] = []
        defer { temporaries.removeAll() }  // a temp file not renamed is removed as it goes
        for (file, _) in outputs {
            guard !file.written else { throw OutputError(file.name, "was already written") }
            file.written = true
        }
        for (file, bytes) in outputs {
            guard case .file(let directory, let target, let mode) = file.kind else { continue }
            let temporary = try file.createTemporary(in: directory, for: target, mode: mode)
            temporaries.append(temporary)
            try temporary.fill(with: bytes)
        }
        for (file, bytes) in outputs where !file.isFile {
            let code = FileDescriptor.writeFully(file.descriptor, bytes)
            guard code == 0 else { throw OutputError(file.name, errno: code, call: "write") }
            if file.ownsDescriptor {
                close(file.descriptor)  // a FIFO's reader sees the end now
                file.descriptor = -1
            }
        }
        for temporary in temporaries {
            try temporary.rename()
        }
        for temporary in temporaries {
            let fd = temporary.owner.descriptor
            if fsync(fd) != 0, errno != EINVAL {  // EINVAL: the file system cannot sync a directory
                throw OutputError(temporary.owner.name, errno: errno, call: "fsync of its directory")
            }
        }
    }

    private var isFile: Bool {
        if case .file = kind { return true }
        return false
    }

    /// A new temp file in this output's directory (open as `descriptor`), named for `target`.
    private func createTemporary(in directory: String, for target: String, mode: mode_t?) throws(OutputError)
        -> TemporaryFile
    {
        for _ in 0..<100 {
            let temporary = TemporaryFile(owner: self, name: Self.temporaryName(for: target), target: target)
            // Registered before it exists: a signal between creating and registering would leave it behind.
            let fd = openat(descriptor, temporary.name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                let code = errno
                temporary.abandon()
                if code == EEXIST { continue }
                throw OutputError(name, errno: code, call: "create a temp file in \(directory)")
            }
            temporary.fd = fd
            if let mode, fchmod(fd, mode) != 0 {
                throw OutputError(name, errno: errno, call: "fchmod")
            }
            return temporary
        }
        throw OutputError(name, "no unused temp file name in \(directory) after 100 tries")
    }

    /// `.NAME.snapcheck-XXXXXXXXXXXX`: hidden, says whose it is and what for,
    /// random so nobody can plant anything at it beforehand, and short enough
    /// for NAME_MAX whatever the name.
    private static func temporaryName(for target: String) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        let suffix = String((0..<12).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
        return "." + String(decoding: target.utf8.prefix(200), as: UTF8.self) + ".snapcheck-" + suffix
    }
}

@available(*, unavailable, message: "owns descriptors that one writer uses")
extension OutputFile: Sendable {}

/// A temp file of one ``OutputFile``: registered with ``SignalCleanup`` for
/// as long as it exists, removed when released unless it was renamed.
private final class TemporaryFile {
    let owner: OutputFile
    let name: String
    let target: String
    var fd: Int32 = -1
    private var registration: SignalCleanup.Registration?
    private var settled = false

    init(owner: OutputFile, name: String, target: String) {
        self.owner = owner
        self.name = name
        self.target = target
        registration = SignalCleanup.register(unlinking: name, in: owner.descriptor)
    }

    /// Writes every byte, syncs, closes: after this the bytes are on disk under the temp name.
    func fill(with bytes: [UInt8]) throws(OutputError) {
        let code = FileDescriptor.writeFully(fd, bytes)
        guard code == 0 else { throw OutputError(owner.name, errno: code, call: "write") }
        guard fsync(fd) == 0 else { throw OutputError(owner.name, errno: errno, call: "fsync") }
        let closed = close(fd)
        fd = -1
        guard closed == 0 else { throw OutputError(owner.name, errno: errno, call: "close") }
    }

    func rename() throws(OutputError) {
        guard renameat(owner.descriptor, name, owner.descriptor, target) == 0 else {
            throw OutputError(owner.name, errno: errno, call: "rename")
        }
        settled = true
        withdraw()
    }

    /// Never created (the name was taken, or creating failed): nothing to remove.
    func abandon() {
        settled = true
        withdraw()
    }

    private func withdraw() {
        if let registration { SignalCleanup.withdraw(registration) }
        registration = nil
    }

    deinit {
        if fd >= 0 { close(fd) }
        if !settled { unlinkat(owner.descriptor, name, 0) }
        withdraw()
    }
}
