import Foundation

/// Why an output could not be written, as one line: `cannot write PATH: REASON`.
public struct OutputError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The path as the user gave it, or `standard output`.
    public var destination: String
    /// What went wrong; a failed call is named in parentheses after the system's words.
    public var reason: String

    public init(_ destination: String, _ reason: String) {
        self.destination = destination
        self.reason = reason
    }

    /// `strerror(code) (call)`.
    init(_ destination: String, errno code: Int32, call: String) {
        self.init(destination, "\(String(cString: strerror(code))) (\(call))")
    }

    public var description: String { "cannot write \(destination): \(reason)" }
}

/// What an output path names, decided from what is there before anything is
/// written (Docs/cli.md, "Output files"):
///
/// - nothing, or a regular file: a new file replaces it atomically (a temp file
///   in the same directory, renamed over the name), so a reader sees the old
///   bytes or the new ones, never a mix;
/// - a character device or a FIFO: written straight in, never replaced
///   (`-o /dev/null` keeps `/dev/null`);
/// - a symbolic link: followed, like the shell's `>`, and what it leads to is
///   treated as above: a regular file is replaced in its own directory and the
///   link is kept. A link that leads nowhere is refused (snapcheck creates no
///   file through a link). In a shared directory (sticky and world-writable,
///   like `/tmp`) a link or FIFO owned by neither you nor the directory's owner
///   is refused: the rule of Linux's `fs.protected_symlinks` and
///   `fs.protected_fifos`, applied whether those are on or not, so a link
///   planted in `/tmp` cannot make a root job write over `/etc/shadow`;
/// - a directory, a block device or a socket: refused.
public struct OutputDestination: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A regular file, new or replaced: written to a temp file in
        /// `directory`, then renamed to `name` there. `mode` is the permission
        /// bits of the file it replaces when that file is yours, kept; nil
        /// means 0644 minus the umask.
        case file(directory: String, name: String, mode: UInt32?)
        /// A FIFO: written straight in; a FIFO nobody reads is an error, not a wait.
        case fifo
        /// A character device: written straight in.
        case device
    }

    /// Equal for two paths that name the same file: `a` and `./a`, a link and
    /// its target, two hard links; for a file not there yet, the same name in
    /// the same directory.
    public enum Identity: Sendable, Hashable {
        case node(device: UInt64, inode: UInt64)
        case entry(device: UInt64, inode: UInt64, name: String)
        /// A path that could not be resolved, by its spelling.
        case unresolved(String)

        /// Names compare by their bytes: `ré` as NFC and as NFD are two files,
        /// though Swift's `String` calls them equal.
        public static func == (a: Identity, b: Identity) -> Bool {
            switch (a, b) {
            case (.node(let d1, let i1), .node(let d2, let i2)): d1 == d2 && i1 == i2
            case (.entry(let d1, let i1, let n1), .entry(let d2, let i2, let n2)):
                d1 == d2 && i1 == i2 && n1.utf8.elementsEqual(n2.utf8)
            case (.unresolved(let p1), .unresolved(let p2)): p1.utf8.elementsEqual(p2.utf8)
            default: false
            }
        }

        public func hash(into hasher: inout Hasher) {
            switch self {
            case .node(let device, let inode):
                hasher.combine(0)
                hasher.combine(device)
                hasher.combine(inode)
            case .entry(let device, let inode, let name):
                hasher.combine(1)
                hasher.combine(device)
                hasher.combine(inode)
                hasher.combine(Array(name.utf8))
            case .unresolved(let path):
                hasher.combine(2)
                hasher.combine(Array(path.utf8))
            }
        }
    }

    /// The path as given.
    public let path: String
    public let kind: Kind
    public let identity: Identity

    /// Decides what `path` names and whether snapcheck may write there. Opens
    /// nothing and creates nothing.
    public init(path: String) throws(OutputError) {
        self.path = path
        guard !path.isEmpty else { throw OutputError(path, "the path is empty") }
        var found = stat()
        guard lstat(path, &found) == 0 else {
            let code = errno
            guard code == ENOENT else { throw OutputError(path, errno: code, call: "lstat") }
            guard !path.hasSuffix("/") else { throw OutputError(path, "names a directory, which does not exist") }
            let (directory, name) = Self.split(path)
            let parent = try Self.writableDirectory(directory, for: path)
            kind = .file(directory: directory, name: name, mode: nil)
            identity = .entry(device: UInt64(parent.st_dev), inode: UInt64(parent.st_ino), name: name)
            return
        }
        var target = found
        var resolved = path
        if found.st_mode & S_IFMT == S_IFLNK {
            try Self.refuseIfPlanted(found, at: path, what: "symbolic link")
            guard stat(path, &target) == 0 else {
                let code = errno
                if code == ENOENT {
                    throw OutputError(
                        path, "is a symbolic link to nothing; refused (snapcheck creates no file through a link)")
                }
                throw OutputError(path, errno: code, call: "stat")
            }
            if target.st_mode & S_IFMT == S_IFREG {
                guard let real = realpath(path, nil) else { throw OutputError(path, errno: errno, call: "realpath") }
                resolved = String(cString: real)
                free(real)
            }
        } else if found.st_mode & S_IFMT == S_IFIFO {
            try Self.refuseIfPlanted(found, at: path, what: "FIFO")
        }
        identity = .node(device: UInt64(target.st_dev), inode: UInt64(target.st_ino))
        switch target.st_mode & S_IFMT {
        case S_IFREG:
            let (directory, name) = Self.split(resolved)
            _ = try Self.writableDirectory(directory, for: path)
            kind = .file(
                directory: directory, name: name, mode: target.st_uid == geteuid() ? target.st_mode & 0o777 : nil)
        case S_IFIFO: kind = .fifo
        case S_IFCHR: kind = .device
        case S_IFDIR: throw OutputError(path, "is a directory")
        case S_IFBLK: throw OutputError(path, "is a block device; refused (a report never goes over a disk)")
        case S_IFSOCK: throw OutputError(path, "is a socket")
        default: throw OutputError(path, "is not a file, FIFO or character device")
        }
    }

    /// The identity of `path` for telling two spellings of one file apart
    /// before anything is opened; a path that cannot be resolved is known by its spelling.
    public static func identity(of path: String) -> Identity {
        (try? OutputDestination(path: path).identity) ?? .unresolved(path)
    }

    /// Checks that `directory` exists, is a directory and can take a new file
    /// (by the effective ids; for root only a read-only file system says no).
    public static func checkDirectory(_ directory: String) throws(OutputError) {
        _ = try writableDirectory(directory, for: directory)
    }

    private static func writableDirectory(_ directory: String, for path: String) throws(OutputError) -> stat {
        var info = stat()
        guard stat(directory, &info) == 0 else {
            let code = errno
            if code == ENOENT { throw OutputError(path, "directory \(directory) does not exist") }
            throw OutputError(path, errno: code, call: "stat \(directory)")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw OutputError(path, "\(directory) is not a directory") }
        guard faccessat(AT_FDCWD, directory, W_OK | X_OK, AT_EACCESS) == 0 else {
            let code = errno
            if code == EROFS { throw OutputError(path, "directory \(directory) is on a read-only file system") }
            if code == EACCES { throw OutputError(path, "directory \(directory) is not writable") }
            throw OutputError(path, errno: code, call: "faccessat \(directory)")
        }
        return info
    }

    /// The kernel's protected_symlinks/protected_fifos rule: in a sticky,
    /// world-writable directory, follow or open only what belongs to you or
    /// to the directory's owner.
    private static func refuseIfPlanted(_ info: stat, at path: String, what: String) throws(OutputError) {
        var directory = stat()
        guard stat(split(path).directory, &directory) == 0 else { return }
        let shared = directory.st_mode & S_ISVTX != 0 && directory.st_mode & S_IWOTH != 0
        if shared, info.st_uid != geteuid(), info.st_uid != directory.st_uid {
            throw OutputError(
                path, "is a \(what) owned by another user in a shared directory (sticky and world-writable); refused")
        }
    }

    /// `dir/name` → (`dir`, `name`); `name` → (`.`, `name`); `/name` → (`/`, `name`).
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let name = String(path[path.index(after: slash)...])
        return (slash == path.startIndex ? "/" : String(path[..<slash]), name)
    }
}
