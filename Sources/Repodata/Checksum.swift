internal import CCreaterepo

/// A checksum as repository metadata writes it: the type's name (`sha256`,
/// `sha`, `sha1`, `md5`, `sha512`, ...) and the lowercase hex value.
public struct Checksum: Sendable, Hashable, CustomStringConvertible {
    /// The type as the metadata names it (`sha` is SHA-1 in old repositories).
    public var type: String
    public var value: String

    public init(type: String, value: String) {
        self.type = type
        self.value = value
    }

    /// `type:value`, e.g. `sha256:9f35…` (the whole value).
    public var description: String { "\(type):\(value)" }

    /// True when the type is SHA-256 under any of its names.
    public var isSHA256: Bool { algorithm == CR_CHECKSUM_SHA256 }

    /// The library's algorithm for the type's name; `sha` and `sha1` are the same one.
    /// Unknown when the library cannot be loaded (then nothing was read that has a checksum).
    private var algorithm: cr_ChecksumType {
        guard let library = try? Createrepo.library() else { return CR_CHECKSUM_UNKNOWN }
        let named = library.checksum_type(type)
        return named == CR_CHECKSUM_SHA ? CR_CHECKSUM_SHA1 : named
    }

    /// Whether `other` is the same digest: the same algorithm (whatever it is
    /// called) and the same value, ignoring hex case.
    public func matches(_ other: Checksum) -> Bool {
        algorithm != CR_CHECKSUM_UNKNOWN && algorithm == other.algorithm
            && value.lowercased() == other.value.lowercased()
    }

    /// The checksum of the file at `path`, of the same type as this one;
    /// errors name the file `name`.
    ///
    /// The corresponding C function is `cr_checksum_file`.
    public func computed(forFile path: String, name: String) throws(RepodataError) -> Checksum {
        // First: without the library every type would read as unknown, and the error would say so.
        let library = try Createrepo.library()
        guard algorithm != CR_CHECKSUM_UNKNOWN else {
            throw RepodataError(
                .unknownChecksumType, operation: "cr_checksum_type", path: name,
                message: "checksum type '\(type)' is not one libcreaterepo_c knows")
        }
        let hex = try Createrepo.call("cr_checksum_file", path: name, openedAs: path, kind: .unreadable) {
            [algorithm] library, error in
            library.checksum_file(path, algorithm, error)
        }
        guard let hex else {
            throw RepodataError(.unreadable, operation: "cr_checksum_file", path: name, message: "no checksum computed")
        }
        defer { library.g_free(hex) }
        return Checksum(type: type, value: String(cString: hex))
    }
}
