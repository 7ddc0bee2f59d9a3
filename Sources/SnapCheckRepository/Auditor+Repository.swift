import Glibc
internal import Repodata
public import SnapCheck

extension Auditor {
    /// Audits the QEMU builds that yum repositories list (`--repo DIR`: a
    /// directory holding `repodata/repomd.xml`), together with `paths` read as
    /// `audit(_:)` reads them. Never throws: what cannot be audited is in `errors`.
    ///
    /// A repository's packages are chosen from its metadata, by the name of
    /// their source package (`Era.isQEMUSourceName`); only those are opened,
    /// each inside the directory, verified against the metadata's checksum and
    /// read exactly as a directory audit reads it, so a build gets the same
    /// verdict, inputs and evidence either way. Packages of other source
    /// packages are counted as skipped. A repository that lists no QEMU
    /// package is an error: `--repo` asks for the QEMU builds in it.
    public func audit(_ paths: [String], repositories: [String]) -> AuditResult {
        var (inputs, errors) = pendingInputs(paths)
        var skipped = 0
        var seen = Set<DirectoryIdentity>()
        for directory in repositories {
            // The same directory named twice (`repo` and `repo/`) is read once.
            if let identity = DirectoryIdentity(directory), !seen.insert(identity).inserted { continue }
            do {
                let contents = try RepositoryContents(directory: directory)
                let selection = contents.qemuPackages()
                skipped += selection.skipped
                inputs += selection.packages.map { $0.pendingInput(in: contents) }
                errors += selection.errors
            } catch {
                errors.append(error)
            }
        }
        return audit(inputs, skipped: skipped, errors: errors, named: paths + repositories)
    }
}

/// A directory by device and inode.
private struct DirectoryIdentity: Hashable {
    var device: UInt
    var inode: UInt

    init?(_ path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt(info.st_dev)
        inode = UInt(info.st_ino)
    }
}
