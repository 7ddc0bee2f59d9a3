/// What one RPM header says about a package: identity, build facts,
/// dependencies, changelog and file list.
///
/// The same value describes a binary package, a source package, a package
/// installed in an rpmdb, and (with fewer fields filled) a package defined by a
/// parsed spec file. It holds no C state and can cross threads and processes.
public struct PackageHeader: Sendable, Hashable, Codable {
    public var name: String
    /// The Epoch tag. `nil` when the header has none, which rpm treats
    /// differently from an explicit `0` in some comparisons, so it is kept apart.
    public var epoch: UInt32?
    public var version: String
    public var release: String
    /// The Arch tag. For a source package this is its build arch, not `"src"`.
    public var arch: String
    /// True for a source package (the header has no SOURCERPM tag).
    public var isSource: Bool
    /// The SOURCERPM tag of a binary package, e.g. `qemu-kvm-1.5.3-175.el7.src.rpm`.
    public var sourceRPM: String?
    public var buildHost: String?
    /// Build time in seconds since the epoch.
    public var buildTime: Int64?
    /// The PAYLOADCOMPRESSOR tag; `"gzip"` when the header has none (rpm's default).
    public var payloadCompressor: String
    public var provides: [Dependency]
    public var requires: [Dependency]
    public var conflicts: [Dependency]
    public var obsoletes: [Dependency]
    /// The EXCLUSIVEARCH tag (empty when absent).
    public var exclusiveArch: [String]
    /// The EXCLUDEARCH tag (empty when absent).
    public var excludeArch: [String]
    /// The SOURCE tag: the file names of the spec's `SourceN:` entries (source headers only).
    public var sources: [String]
    public var changelog: [ChangelogEntry]
    public var files: [FileEntry]

    public init(
        name: String, epoch: UInt32? = nil, version: String, release: String, arch: String,
        isSource: Bool = false, sourceRPM: String? = nil, buildHost: String? = nil,
        buildTime: Int64? = nil, payloadCompressor: String = "gzip",
        provides: [Dependency] = [], requires: [Dependency] = [],
        conflicts: [Dependency] = [], obsoletes: [Dependency] = [],
        exclusiveArch: [String] = [], excludeArch: [String] = [], sources: [String] = [],
        changelog: [ChangelogEntry] = [], files: [FileEntry] = []
    ) {
        self.name = name
        self.epoch = epoch
        self.version = version
        self.release = release
        self.arch = arch
        self.isSource = isSource
        self.sourceRPM = sourceRPM
        self.buildHost = buildHost
        self.buildTime = buildTime
        self.payloadCompressor = payloadCompressor
        self.provides = provides
        self.requires = requires
        self.conflicts = conflicts
        self.obsoletes = obsoletes
        self.exclusiveArch = exclusiveArch
        self.excludeArch = excludeArch
        self.sources = sources
        self.changelog = changelog
        self.files = files
    }

    /// `name-version-release`, e.g. `qemu-kvm-ev-2.12.0-44.1.el7_8.1`.
    public var nvr: String { "\(name)-\(version)-\(release)" }

    /// `[epoch:]version-release`, e.g. `10:2.12.0-44.1.el7_8.1`.
    public var evr: String { Self.evr(epoch: epoch, version: version, release: release) }

    /// `name-[epoch:]version-release.arch` as rpm prints it.
    public var nevra: String { "\(name)-\(evr).\(isSource ? "src" : arch)" }

    /// `[epoch:]version-release` as rpm prints it; without `-release` when the release is empty.
    public static func evr(epoch: UInt32?, version: String, release: String) -> String {
        "\(epoch.map { "\($0):" } ?? "")\(version)\(release.isEmpty ? "" : "-\(release)")"
    }
}

/// One Provides/Requires/Conflicts/Obsoletes entry.
public struct Dependency: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The comparison of a versioned dependency.
    public struct Comparison: OptionSet, Sendable, Hashable, Codable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let less = Comparison(rawValue: 1 << 0)
        public static let greater = Comparison(rawValue: 1 << 1)
        public static let equal = Comparison(rawValue: 1 << 2)
    }

    public var name: String
    /// Empty for an unversioned dependency.
    public var comparison: Comparison
    /// `[epoch:]version[-release]`, or `nil` for an unversioned dependency.
    public var evr: String?

    public init(name: String, comparison: Comparison = [], evr: String? = nil) {
        self.name = name
        self.comparison = comparison
        self.evr = evr
    }

    /// As rpm prints it: `qemu-kvm = 10:1.5.3-175.el7`.
    public var description: String {
        guard let evr, !comparison.isEmpty else { return name }
        var op = ""
        if comparison.contains(.less) { op += "<" }
        if comparison.contains(.greater) { op += ">" }
        if comparison.contains(.equal) { op += "=" }
        return "\(name) \(op) \(evr)"
    }
}

/// One `%changelog` entry.
public struct ChangelogEntry: Sendable, Hashable, Codable {
    /// Seconds since the epoch (rpm stores the day only).
    public var time: Int64
    /// The heading line after the date, e.g. `Jane Doe <jane@example.com> - 1.0-1`.
    public var author: String
    public var text: String

    public init(time: Int64, author: String, text: String) {
        self.time = time
        self.author = author
        self.text = text
    }
}

/// One file of a package's file list.
public struct FileEntry: Sendable, Hashable, Codable {
    /// Absolute for binary packages (`/usr/libexec/qemu-kvm`), relative for
    /// source packages (`qemu-kvm.spec`).
    public var path: String
    /// The st_mode bits, type included.
    public var mode: UInt32
    public var size: UInt64
    /// A symbolic link's target as stored (absolute or relative); nil for other files.
    public var linkTarget: String?
    /// The package's spec file (`RPMFILE_SPECFILE`): set on the spec of a source package.
    public var isSpecFile: Bool
    /// Paths of the other members of its hard-link set; empty when it has none.
    public var hardLinks: [String]

    public init(
        path: String, mode: UInt32, size: UInt64, linkTarget: String? = nil, isSpecFile: Bool = false,
        hardLinks: [String] = []
    ) {
        self.path = path
        self.mode = mode
        self.size = size
        self.linkTarget = linkTarget
        self.isSpecFile = isSpecFile
        self.hardLinks = hardLinks
    }

    public var isRegularFile: Bool { mode & 0o170000 == 0o100000 }
    public var isDirectory: Bool { mode & 0o170000 == 0o040000 }
    public var isSymbolicLink: Bool { mode & 0o170000 == 0o120000 }
    /// Any execute bit set on a regular file.
    public var isExecutable: Bool { isRegularFile && mode & 0o111 != 0 }
}
