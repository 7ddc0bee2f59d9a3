internal import CCreaterepo

/// primary.xml: every package of a repository with its identity, location and checksum.
public enum PrimaryMetadata {
    /// Every package the primary.xml at `path` lists, in file order, without
    /// file lists (primary.xml holds only some files: read `FileLists`).
    /// Compressed files (gz, bz2, xz; zstd from libcreaterepo_c 1.0 on) are
    /// read as the library detects them. Errors name the file `name`.
    ///
    /// The corresponding C function is `cr_xml_parse_primary`.
    public static func read(_ path: String, name: String? = nil) throws(RepodataError) -> [RepositoryPackage] {
        var packages: [RepositoryPackage] = []
        try MetadataParse.run("cr_xml_parse_primary", path: path, name: name ?? path, wanted: nil, take: { packages.append(RepositoryPackage($0)) }) {
            cr_xml_parse_primary(path, PackageParse.newPackage, $0, PackageParse.packageDone, $0, PackageParse.warning, $0, 0, $1)
        }
        return packages
    }
}

/// filelists.xml: the files of each package.
public enum FileLists {
    /// The file lists of the packages whose pkgId (checksum value) is in
    /// `packages`, read from the filelists.xml at `path`; other packages'
    /// elements are skipped unparsed. Errors name the file `name`.
    ///
    /// The corresponding C function is `cr_xml_parse_filelists`.
    public static func read(_ path: String, name: String? = nil, packages: Set<String>) throws(RepodataError) -> [String: [RepositoryFile]] {
        var files: [String: [RepositoryFile]] = [:]
        try MetadataParse.run("cr_xml_parse_filelists", path: path, name: name ?? path, wanted: packages, take: { package in
            guard let pkgId = package.pointee.pkgId.nonEmpty else { return }
            files[pkgId, default: []] += elements(of: package.pointee.files, as: cr_PackageFile.self).map(RepositoryFile.init)
        }) {
            cr_xml_parse_filelists(path, PackageParse.newPackage, $0, PackageParse.packageDone, $0, PackageParse.warning, $0, $1)
        }
        return files
    }
}

/// The common part of streaming a package metadata file through callbacks.
enum MetadataParse {
    static func run(_ operation: String, path: String, name: String, wanted: Set<String>?,
                    take: @escaping (UnsafeMutablePointer<cr_Package>) -> Void,
                    _ parse: (UnsafeMutableRawPointer, UnsafeMutablePointer<UnsafeMutablePointer<GError>?>) -> Int32) throws(RepodataError) {
        try Createrepo.exclusive { () throws(RepodataError) in
            let state = PackageParse(wanted: wanted, take: take)
            let data = Unmanaged.passUnretained(state).toOpaque()
            do throws(RepodataError) {
                _ = try Createrepo.call(operation, path: name, openedAs: path, kind: .malformed) { parse(data, $0) }
            } catch {
                var error = error
                if error.code == Createrepo.unknownCompression {
                    error.kind = .unsupportedCompression
                    if let note = Createrepo.compressionNote(ofFile: path) { error.message = note }
                }
                throw error
            }
            if let wrongType = state.wrongType {
                throw RepodataError(.malformed, operation: operation, path: name, message: wrongType)
            }
            withExtendedLifetime(state) {}
        }
    }
}

extension RepositoryPackage {
    init(_ package: UnsafeMutablePointer<cr_Package>) {
        let p = package.pointee
        self.init(name: p.name.nonEmpty ?? "", epoch: p.epoch.nonEmpty.map { UInt32($0) } ?? 0, version: p.version.nonEmpty ?? "",
                  release: p.release.nonEmpty ?? "", arch: p.arch.nonEmpty ?? "", sourceRPM: p.rpm_sourcerpm.nonEmpty,
                  location: Location(href: p.location_href.nonEmpty ?? "", base: p.location_base.nonEmpty),
                  checksum: Checksum(type: p.checksum_type.nonEmpty ?? "", value: p.pkgId.nonEmpty ?? ""), size: Int64(p.size_package))
    }
}

extension RepositoryFile {
    init(_ file: UnsafeMutablePointer<cr_PackageFile>) {
        let f = file.pointee
        let kind: Kind = switch f.type.nonEmpty {
        case "dir": .directory
        case "ghost": .ghost
        default: .file
        }
        self.init(path: (f.path.nonEmpty ?? "") + (f.name.nonEmpty ?? ""), kind: kind)
    }
}
