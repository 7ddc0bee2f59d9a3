internal import CCreaterepo

/// primary.xml: every package of a repository with its identity, location and checksum.
public enum PrimaryMetadata: Sendable {
    /// Every package the primary.xml at `path` lists, in file order, without
    /// file lists (primary.xml holds only some files: read `FileLists`).
    /// Compressed files (gz, bz2, xz; zstd from libcreaterepo_c 1.0 on) are
    /// read as the library detects them. Errors name the file `name`; one that
    /// decompresses to more than `limit` bytes is refused before it is parsed.
    ///
    /// The corresponding C function is `cr_xml_parse_primary`.
    public static func read(_ path: String, name: String? = nil, limit: Int64 = MetadataLimits.decompressedBytes)
        throws(RepodataError) -> [RepositoryPackage]
    {
        var packages: [RepositoryPackage] = []
        try MetadataParse.run(
            "cr_xml_parse_primary", path: path, name: name ?? path, limit: limit, wanted: nil,
            take: { packages.append(RepositoryPackage($0)) }
        ) {
            $0.xml_parse_primary(
                path, PackageParse.newPackage, $1, PackageParse.packageDone, $1, PackageParse.warning, $1, 0, $2)
        }
        return packages
    }
}

/// filelists.xml: the files of each package.
public enum FileLists: Sendable {
    /// The file lists of the packages whose pkgId (checksum value) is in
    /// `packages`, read from the filelists.xml at `path`; other packages'
    /// elements are skipped unparsed. Errors name the file `name`; one that
    /// decompresses to more than `limit` bytes is refused before it is parsed.
    ///
    /// The corresponding C function is `cr_xml_parse_filelists`.
    public static func read(
        _ path: String, name: String? = nil, packages: Set<String>,
        limit: Int64 = MetadataLimits.decompressedBytes
    ) throws(RepodataError) -> [String: [RepositoryFile]] {
        var files: [String: [RepositoryFile]] = [:]
        try MetadataParse.run(
            "cr_xml_parse_filelists", path: path, name: name ?? path, limit: limit, wanted: packages,
            take: { package in
                guard let pkgId = package.pointee.pkgId.nonEmpty else { return }
                files[pkgId, default: []] += elements(of: package.pointee.files, as: cr_PackageFile.self).map(
                    RepositoryFile.init)
            }
        ) {
            $0.xml_parse_filelists(
                path, PackageParse.newPackage, $1, PackageParse.packageDone, $1, PackageParse.warning, $1, $2)
        }
        return files
    }
}

/// The common part of streaming a package metadata file through callbacks.
enum MetadataParse {
    static func run(
        _ operation: String, path: String, name: String, limit: Int64, wanted: Set<String>?,
        take: @escaping (UnsafeMutablePointer<cr_Package>) -> Void,
        _ parse: (CreaterepoCalls, UnsafeMutableRawPointer, UnsafeMutablePointer<UnsafeMutablePointer<GError>?>) ->
            Int32
    ) throws(RepodataError) {
        do throws(RepodataError) { try MetadataLimits.check(path, name: name, limit: limit) } catch {
            throw explained(error, path: path)
        }
        try Createrepo.exclusive { () throws(RepodataError) in
            let state = try PackageParse(wanted: wanted, take: take)
            let data = Unmanaged.passUnretained(state).toOpaque()
            do throws(RepodataError) {
                _ = try Createrepo.call(operation, path: name, openedAs: path, kind: .malformed) { parse($0, data, $1) }
            } catch {
                throw explained(error, path: path)
            }
            if let wrongType = state.wrongType {
                throw RepodataError(.malformed, operation: operation, path: name, message: wrongType)
            }
            withExtendedLifetime(state) {}
        }
    }

    /// A compression the library cannot read, said as what it is where the file's magic tells.
    private static func explained(_ error: RepodataError, path: String) -> RepodataError {
        var error = error
        if error.code == Createrepo.unknownCompression {
            error.kind = .unsupportedCompression
            if let note = Createrepo.compressionNote(ofFile: path) { error.message = note }
        }
        return error
    }
}

extension RepositoryPackage {
    init(_ package: UnsafeMutablePointer<cr_Package>) {
        let p = package.pointee
        self.init(
            name: p.name.nonEmpty ?? "", epoch: p.epoch.nonEmpty.map { UInt32($0) } ?? 0,
            version: p.version.nonEmpty ?? "",
            release: p.release.nonEmpty ?? "", arch: p.arch.nonEmpty ?? "", sourceRPM: p.rpm_sourcerpm.nonEmpty,
            location: Location(href: p.location_href.nonEmpty ?? "", base: p.location_base.nonEmpty),
            checksum: Checksum(type: p.checksum_type.nonEmpty ?? "", value: p.pkgId.nonEmpty ?? ""),
            size: Int64(p.size_package))
    }
}

extension RepositoryFile {
    init(_ file: UnsafeMutablePointer<cr_PackageFile>) {
        let f = file.pointee
        let kind: Kind =
            switch f.type.nonEmpty {
            case "dir": .directory
            case "ghost": .ghost
            default: .file
            }
        self.init(path: (f.path.nonEmpty ?? "") + (f.name.nonEmpty ?? ""), kind: kind)
    }
}

/// What reading one metadata file may cost (Docs/hardening.md, "Input limits").
public enum MetadataLimits: Sendable {
    /// Bytes a primary.xml or filelists.xml may decompress to: 1 GiB. Parsing
    /// costs about 16 s per GiB even of blanks, and real files are far below
    /// it (an EL7 tag's primary.xml is tens of MB; a whole distribution's
    /// filelists.xml some hundreds of MB), while a 4 MB gzip of 4 GiB of
    /// blanks took 64 s to parse.
    public static let decompressedBytes: Int64 = 1 << 30

    /// Decompresses the file at `path` as the parsers do (compression detected
    /// by the library), counting bytes and stopping past `limit`: a file over
    /// it is refused before the XML parser sees a byte, whatever repomd.xml says.
    ///
    /// The corresponding C functions are `cr_sopen` and `cr_read`.
    static func check(_ path: String, name: String, limit: Int64) throws(RepodataError) {
        let library = try Createrepo.library()
        let file = try Createrepo.call("cr_sopen", path: name, openedAs: path, kind: .unreadable) {
            $0.sopen(path, CR_CW_MODE_READ, CR_CW_AUTO_DETECT_COMPRESSION, nil, $1)
        }
        guard let file else {
            throw RepodataError(.unreadable, operation: "cr_sopen", path: name, message: "cannot be opened")
        }
        defer { _ = library.close(file, nil) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total: Int64 = 0
        while true {
            let count = try Createrepo.call("cr_read", path: name, openedAs: path, kind: .unreadable) {
                library, error in
                buffer.withUnsafeMutableBytes { library.read(file, $0.baseAddress, UInt32($0.count), error) }
            }
            guard count > 0 else { return }
            total += Int64(count)
            if total > limit {
                throw RepodataError(
                    .tooLarge, operation: "cr_read", path: name,
                    message: "decompresses to more than \(describe(limit)), the limit for repository metadata")
            }
        }
    }

    /// `1024 MiB`, `1 MiB`, `512 KiB`.
    public static func describe(_ bytes: Int64) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20) MiB" : "\(bytes >> 10) KiB"
    }
}
