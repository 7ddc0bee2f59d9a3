internal import CCreaterepo

// One owner type per kind of libcreaterepo_c object, freeing it in `deinit`.
// None is Sendable: they are used inside one call, under `Createrepo.exclusive`.

/// Owns a `cr_Repomd` (`cr_repomd_free` in deinit).
final class RepomdHandle {
    let raw: UnsafeMutablePointer<cr_Repomd>
    private let library: CreaterepoCalls

    init() throws(RepodataError) {
        library = try Createrepo.library()
        guard let raw = library.repomd_new() else {
            throw RepodataError(.unreadable, operation: "cr_repomd_new", path: nil, message: "out of memory")
        }
        self.raw = raw
    }

    deinit { library.repomd_free(raw) }
}

@available(*, unavailable, message: "a cr_Repomd is mutable C state without locks")
extension RepomdHandle: Sendable {}

/// The state of one streaming parse of primary.xml or filelists.xml, handed
/// to the C callbacks as their data pointer.
///
/// It owns the `cr_Package` being parsed: the parser hands it to `take` when
/// the package's element ends, and it is freed right after; a parse that
/// stops inside a package leaves it here, freed in `deinit` (the parser frees
/// only packages it allocated itself).
final class PackageParse {
    /// pkgIds whose packages are wanted; `nil`: every package.
    let wanted: Set<String>?
    /// Turns a finished package into Swift values.
    let take: (UnsafeMutablePointer<cr_Package>) -> Void
    /// The message of a `CR_XML_WARNING_BADMDTYPE` warning: the file is not the metadata it was read as.
    var wrongType: String?
    private var current: UnsafeMutablePointer<cr_Package>?
    private let library: CreaterepoCalls

    init(wanted: Set<String>?, take: @escaping (UnsafeMutablePointer<cr_Package>) -> Void) throws(RepodataError) {
        self.wanted = wanted
        self.take = take
        library = try Createrepo.library()
    }

    deinit { if let current { library.package_free(current) } }

    /// A new package for the parser to fill, or nil to skip the element.
    /// filelists.xml gives the pkgId up front; primary.xml does not (it is an
    /// element inside the package), so there every package is taken.
    func begin(pkgId: String?) -> UnsafeMutablePointer<cr_Package>? {
        if let wanted, !wanted.contains(pkgId ?? "") { return nil }
        current = library.package_new()
        return current
    }

    /// The parser finished the current package.
    func finish(_ package: UnsafeMutablePointer<cr_Package>) {
        take(package)
        if current == package { current = nil }
        library.package_free(package)
    }

    // The callbacks, as C function pointers; `data` is an unretained `PackageParse`.

    static let newPackage: cr_XmlParserNewPkgCb = { package, pkgId, _, _, data, _ in
        let parse = Unmanaged<PackageParse>.fromOpaque(data!).takeUnretainedValue()
        package?.pointee = parse.begin(pkgId: pkgId.map { String(cString: $0) })
        return CR_CB_RET_OK
    }

    static let packageDone: cr_XmlParserPkgCb = { package, data, _ in
        guard let package else { return CR_CB_RET_OK }
        Unmanaged<PackageParse>.fromOpaque(data!).takeUnretainedValue().finish(package)
        return CR_CB_RET_OK
    }

    static let warning: cr_XmlParserWarningCb = { type, message, data, _ in
        let parse = Unmanaged<PackageParse>.fromOpaque(data!).takeUnretainedValue()
        if type == CR_XML_WARNING_BADMDTYPE, parse.wrongType == nil {
            parse.wrongType = message.map { String(cString: $0) } ?? "not the expected metadata"
        }
        return CR_CB_RET_OK
    }
}

@available(*, unavailable, message: "holds the cr_Package being parsed")
extension PackageParse: Sendable {}

/// Strings of a C struct, copied.
extension Optional where Wrapped == UnsafeMutablePointer<CChar> {
    /// The string, or nil for NULL or an empty string.
    var nonEmpty: String? {
        guard let self, self.pointee != 0 else { return nil }
        return String(cString: self)
    }
}

/// The elements of a `GSList` whose data are `T`.
func elements<T>(of list: UnsafeMutablePointer<GSList>?, as _: T.Type) -> [UnsafeMutablePointer<T>] {
    var result: [UnsafeMutablePointer<T>] = []
    var node = list
    while let current = node {
        if let data = current.pointee.data { result.append(data.assumingMemoryBound(to: T.self)) }
        node = current.pointee.next
    }
    return result
}
