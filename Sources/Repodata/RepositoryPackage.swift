/// Where a file of the repository is, as its metadata says.
public struct Location: Sendable, Hashable {
    /// The path relative to the repository's top directory (`location href`).
    public var href: String
    /// `xml:base`: another place the href is relative to (usually a URL), when set.
    public var base: String?

    public init(href: String, base: String? = nil) {
        self.href = href
        self.base = base
    }
}

/// One package as primary.xml lists it, with its file list from filelists.xml
/// when that was read.
public struct RepositoryPackage: Sendable, Hashable {
    public var name: String
    /// primary.xml writes `0` for a package without an Epoch tag, so `0` and
    /// none cannot be told apart here; `nil` only when the value is not a number.
    public var epoch: UInt32?
    public var version: String
    public var release: String
    /// The package's arch; `src` (or `nosrc`) for a source package.
    public var arch: String
    /// The SOURCERPM of a binary package (`qemu-kvm-1.5.3-175.el7.src.rpm`);
    /// `nil` for a source package (the metadata leaves it empty).
    public var sourceRPM: String?
    public var location: Location
    /// The checksum of the whole package file; its value is also the package's id (`pkgid`).
    public var checksum: Checksum
    /// The package file's size in bytes.
    public var size: Int64
    /// The package's files, from filelists.xml; `nil` when they were not read.
    public var files: [RepositoryFile]?

    public init(
        name: String, epoch: UInt32?, version: String, release: String, arch: String, sourceRPM: String?,
        location: Location, checksum: Checksum, size: Int64, files: [RepositoryFile]? = nil
    ) {
        self.name = name
        self.epoch = epoch
        self.version = version
        self.release = release
        self.arch = arch
        self.sourceRPM = sourceRPM
        self.location = location
        self.checksum = checksum
        self.size = size
        self.files = files
    }

    /// True for a source package (no SOURCERPM).
    public var isSource: Bool { sourceRPM == nil }

    /// `name-[epoch:]version-release.arch`, epoch shown when not 0.
    public var nevra: String {
        "\(name)-\(epoch.flatMap { $0 == 0 ? nil : "\($0):" } ?? "")\(version)-\(release).\(arch)"
    }
}

/// One entry of a package's file list in filelists.xml.
public struct RepositoryFile: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// A file of any other type: regular files and symbolic links look the same in the metadata.
        case file
        case directory
        /// A `%ghost` file: listed, but the payload holds no content for it.
        case ghost
    }

    public var path: String
    public var kind: Kind

    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }
}
