internal import CRPM

#if canImport(Glibc)
    import Glibc
#endif

/// An rpmdb of installed packages, opened read-only for each query.
public struct RPMDatabase: Sendable {
    /// The root directory the rpmdb belongs to (`rpm --root`).
    public let root: String
    /// The rpmdb directory (`rpm --dbpath`), or `nil` for `%_dbpath` under `root`.
    /// Absolute, as rpm requires: librpm reads it inside `root`, whatever the
    /// working directory, so a relative one would name another directory.
    public let dbPath: String?

    public init(root: String = "/", dbPath: String? = nil) {
        self.root = root
        self.dbPath = dbPath
    }

    /// Installed packages whose name matches the glob (all when nil), sorted by NEVRA.
    /// Throws `.database` when the rpmdb cannot be opened.
    ///
    /// The corresponding C functions are `rpmtsOpenDB` and `rpmtsInitIterator`.
    public func packages(matching namePattern: String? = nil) throws -> [PackageHeader] {
        let label = dbPath ?? root
        if let dbPath, !dbPath.hasPrefix("/") {
            throw RPMError(
                .database, operation: "rpmtsOpenDB", path: label,
                message: "the rpmdb directory must be an absolute path (rpm reads it inside the root \(root))")
        }
        let ts: TransactionSet = try LibRPM.exclusive(operation: "rpmtsOpenDB", path: label) {
            LogCapture.begin()
            if let dbPath {
                // `_dbpath` is global macro state: set it only for the open, under the exclusive lock.
                _ = rpmPushMacro(nil, "_dbpath", nil, LibRPM.escapeMacros(dbPath), Int32(RMIL_CMDLINE))
            }
            defer { if dbPath != nil { _ = rpmPopMacro(nil, "_dbpath") } }
            // librpm creates a new, empty rpmdb where none exists, even read-only: refuse first.
            let dir = (root == "/" ? "" : root) + (LibRPM.takeString(CRPM_expand("%{_dbpath}")) ?? "")
            guard Self.containsRPMDB(dir) else {
                throw RPMError(
                    .database, operation: "rpmtsOpenDB", path: label,
                    message: "no rpmdb in \(dir)")
            }
            let ts = try TransactionSet(root: root)
            let rc = rpmtsOpenDB(ts.raw, O_RDONLY)
            let messages = LogCapture.take()
            if rc != 0 {
                throw RPMError(
                    .database, operation: "rpmtsOpenDB", path: label, code: rc,
                    message: messages.isEmpty ? "cannot open the rpmdb" : messages)
            }
            return ts
        }
        return try LibRPM.shared(operation: "rpmdbNextIterator", path: label) {
            LogCapture.begin()
            guard let iterator = DatabaseIterator(transactionSet: ts, tag: rpmDbiTagVal(RPMDBI_PACKAGES.rawValue))
            else {
                let messages = LogCapture.take()
                if !messages.isEmpty {
                    throw RPMError(.database, operation: "rpmtsInitIterator", path: label, message: messages)
                }
                return []  // An empty rpmdb has nothing to iterate.
            }
            if let namePattern {
                let rc = rpmdbSetIteratorRE(iterator.raw, rpmTagVal(RPMTAG_NAME.rawValue), RPMMIRE_GLOB, namePattern)
                if rc != 0 {
                    throw RPMError(
                        .database, operation: "rpmdbSetIteratorRE", path: label, code: rc,
                        message: "bad name pattern '\(namePattern)': \(LogCapture.take())")
                }
            }
            var headers: [PackageHeader] = []
            while let h = iterator.next() {
                headers.append(PackageHeader(header: HeaderHandle(borrowing: h)))
            }
            return headers.sorted(by: nevraOrder)
        }
    }
}

extension RPMDatabase {
    /// Whether `dir` holds an rpmdb of any backend librpm 4.18 reads.
    static func containsRPMDB(_ dir: String) -> Bool {
        ["rpmdb.sqlite", "Packages", "Packages.db"].contains { name in
            var st = stat()
            return stat(dir + "/" + name, &st) == 0 && st.st_mode & 0o170000 == 0o100000
        }
    }
}

/// Name, then EVR by rpm's rules, then arch: a total, deterministic order.
private func nevraOrder(_ a: PackageHeader, _ b: PackageHeader) -> Bool {
    if a.name != b.name { return a.name < b.name }
    let evr = compareRPMEVR((a.epoch, a.version, a.release), (b.epoch, b.version, b.release))
    if evr != 0 { return evr < 0 }
    if a.arch != b.arch { return a.arch < b.arch }
    return a.nevra < b.nevra
}

/// rpm's own version comparison (`rpmvercmp`): -1, 0 or 1.
///
/// Compares one version or release string, e.g. `"1.5.3"` with `"1.5.10"`;
/// epochs and the version/release split are the caller's.
public func compareRPMVersions(_ a: String, _ b: String) -> Int {
    Int(rpmvercmp(a, b)).signum()
}

/// rpm's order of two epoch-version-release triples: -1, 0 or 1. A missing
/// epoch is 0, as rpm compares it; version and release by `compareRPMVersions`.
public func compareRPMEVR(
    _ a: (epoch: UInt32?, version: String, release: String),
    _ b: (epoch: UInt32?, version: String, release: String)
) -> Int {
    if (a.epoch ?? 0) != (b.epoch ?? 0) { return (a.epoch ?? 0) < (b.epoch ?? 0) ? -1 : 1 }
    let v = compareRPMVersions(a.version, b.version)
    return v != 0 ? v : compareRPMVersions(a.release, b.release)
}
