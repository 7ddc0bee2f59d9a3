internal import CCreaterepo

/// `repodata/repomd.xml`: where each kind of metadata of a repository is, and
/// the checksum it must have.
public struct RepositoryIndex: Sendable, Hashable {
    /// The repository's revision (createrepo_c writes a timestamp), when given.
    public var revision: String?
    /// The records in file order (`primary`, `filelists`, `other`, `*_db`, ...).
    public var records: [MetadataRecord]

    public init(revision: String?, records: [MetadataRecord]) {
        self.revision = revision
        self.records = records
    }

    /// The first record of `type` (`primary`, `filelists`).
    public func record(_ type: String) -> MetadataRecord? {
        records.first { $0.type == type }
    }

    /// Reads the repomd.xml at `path`; errors name it `name` (default: `path`).
    ///
    /// The corresponding C function is `cr_xml_parse_repomd`.
    public init(reading path: String, name: String? = nil) throws(RepodataError) {
        let name = name ?? path
        self = try Createrepo.exclusive { () throws(RepodataError) -> RepositoryIndex in
            let repomd = try RepomdHandle()
            let parse = try PackageParse(wanted: nil) { _ in }
            let data = Unmanaged.passUnretained(parse).toOpaque()
            _ = try Createrepo.call("cr_xml_parse_repomd", path: name, openedAs: path, kind: .malformed) {
                library, error in
                library.xml_parse_repomd(path, repomd.raw, PackageParse.warning, data, error)
            }
            if let wrongType = parse.wrongType {
                throw RepodataError(.malformed, operation: "cr_xml_parse_repomd", path: name, message: wrongType)
            }
            let records = elements(of: repomd.raw.pointee.records, as: cr_RepomdRecord.self).map(MetadataRecord.init)
            return RepositoryIndex(revision: repomd.raw.pointee.revision.nonEmpty, records: records)
        }
    }
}

/// One `<data>` record of repomd.xml.
public struct MetadataRecord: Sendable, Hashable {
    /// `primary`, `filelists`, `other`, `primary_db`, `updateinfo`, ...
    public var type: String
    public var location: Location
    /// The checksum of the file as stored (compressed).
    public var checksum: Checksum?
    /// The checksum of its decompressed content.
    public var openChecksum: Checksum?
    /// The stored file's size in bytes, when given.
    public var size: Int64?
    /// The size of its decompressed content (`open-size`), when given.
    public var openSize: Int64?

    public init(
        type: String, location: Location, checksum: Checksum?, openChecksum: Checksum?, size: Int64?,
        openSize: Int64? = nil
    ) {
        self.type = type
        self.location = location
        self.checksum = checksum
        self.openChecksum = openChecksum
        self.size = size
        self.openSize = openSize
    }

    init(_ record: UnsafeMutablePointer<cr_RepomdRecord>) {
        let r = record.pointee
        func checksum(_ type: UnsafeMutablePointer<CChar>?, _ value: UnsafeMutablePointer<CChar>?) -> Checksum? {
            guard let value = value.nonEmpty else { return nil }
            return Checksum(type: type.nonEmpty ?? "", value: value)
        }
        self.init(
            type: r.type.nonEmpty ?? "",
            location: Location(href: r.location_href.nonEmpty ?? "", base: r.location_base.nonEmpty),
            checksum: checksum(r.checksum_type, r.checksum),
            openChecksum: checksum(r.checksum_open_type, r.checksum_open),
            size: r.size > 0 ? Int64(r.size) : nil, openSize: r.size_open > 0 ? Int64(r.size_open) : nil)
    }
}
