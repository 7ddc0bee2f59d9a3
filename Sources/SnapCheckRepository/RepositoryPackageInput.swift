internal import Repodata
import SnapCheck

/// One QEMU package a repository lists, to be read from the repository's directory.
struct RepositoryPackageInput: Sendable {
    let package: RepositoryPackage
    let href: RepositoryHref

    /// The emulator paths the metadata's file list gives; `nil` without a file
    /// list (then the package is read as its header says, as in a directory audit).
    var listedEmulators: Set<String>? {
        guard !package.isSource, let files = package.files else { return nil }
        return Set(files.filter { $0.kind != .directory && InputReader.isEmulatorPath($0.path) }.map(\.path))
    }

    /// Reading it: opened inside the directory, read as any package input
    /// (payload streamed only for the emulators its file list gives), and
    /// verified against the metadata's checksum. A package that fails to read
    /// and does not match its checksum is reported as the mismatch, the cause.
    func pendingInput(in contents: RepositoryContents) -> PendingInput {
        let directory = contents.directory
        let primaryName = contents.primaryName
        let listed = listedEmulators
        return PendingInput(size: Int(clamping: package.size)) { [package, href] reader in
            let name = href.shown(in: directory)
            let file: InputFile
            do throws(InputFile.Refusal) { file = try InputFile(href.path, inRoot: directory, path: name) } catch {
                throw InputError(
                    error == .missing ? .missing : .unreadable, input: name,
                    message: error == .missing ? "listed in \(primaryName) but missing" : error.message)
            }
            let outcome: InputOutcome
            do { outcome = try reader.read(file, named: true, listedEmulators: listed) } catch {
                throw RepositoryChecksum.mismatch(package.checksum, file: file, sha256: nil, describedBy: primaryName)
                    ?? error
            }
            guard case .observed(let observation) = outcome else { return outcome }
            if let mismatch = RepositoryChecksum.mismatch(
                package.checksum, file: file, sha256: observation.input.sha256,
                describedBy: primaryName)
            {
                throw mismatch
            }
            return outcome
        }
    }
}

/// Checks a file against a checksum from repository metadata.
enum RepositoryChecksum {
    /// Why `file` is not what `expected` says, or nil when it is. A SHA-256
    /// the audit computed already (`sha256`) is used as is; other types are
    /// computed by libcreaterepo_c.
    static func mismatch(_ expected: Checksum, file: InputFile, sha256: String?, describedBy metadata: String)
        -> InputError?
    {
        let actual: Checksum
        do {
            if expected.isSHA256 {
                actual = Checksum(type: expected.type, value: try sha256 ?? file.sha256())
            } else {
                actual = try expected.computed(forFile: file.descriptorPath, name: file.path)
            }
        } catch let error as RepodataError {
            return InputError(
                .unreadable, input: file.path, message: "cannot be checked against \(metadata): \(error.message)")
        } catch {
            return InputError(error, input: file.path)
        }
        guard !actual.matches(expected) else { return nil }
        return InputError(
            .corrupt, input: file.path,
            message:
                "checksum mismatch: \(metadata) gives \(expected.type) \(expected.value), the file has \(actual.value)")
    }
}
