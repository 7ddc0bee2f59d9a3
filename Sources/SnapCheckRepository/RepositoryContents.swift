import Foundation
internal import Repodata
import SnapCheck

/// What a repository's metadata lists: every package of primary.xml, and
/// the file lists of its QEMU packages from filelists.xml.
///
/// Every metadata file is found through repomd.xml, opened inside the
/// directory (`RepositoryHref`) and checked against the checksum repomd.xml
/// gives before it is parsed; libcreaterepo_c detects its compression.
struct RepositoryContents {
    /// The repository's top directory, as the user named it.
    let directory: String
    let packages: [RepositoryPackage]
    /// How errors name primary.xml (the metadata that gives package checksums).
    let primaryName: String

    init(directory: String) throws(InputError) {
        self.directory = directory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw InputError(.missing, input: directory, message: "no such directory")
        }
        guard isDirectory.boolValue else {
            throw InputError(
                .unsupported, input: directory, message: "not a directory: --repo names a repository's top directory")
        }
        let indexName = RepositoryHref.shown("repodata/repomd.xml", in: directory)
        let indexFile: InputFile
        do { indexFile = try InputFile("repodata/repomd.xml", inRoot: directory, path: indexName) } catch {
            throw InputError(
                error == .missing ? .unsupported : .unreadable, input: directory,
                message: error == .missing
                    ? "not a yum repository: no repodata/repomd.xml"
                    : "repodata/repomd.xml \(error.message)")
        }
        let index: RepositoryIndex
        do { index = try RepositoryIndex(reading: indexFile.descriptorPath, name: indexName) } catch {
            throw InputError(error, name: indexName)
        }
        guard let primary = index.record("primary") else {
            throw InputError(.corrupt, input: indexName, message: "lists no primary metadata")
        }
        let primaryFile = try Self.open(primary, in: directory, index: indexName)
        primaryName = primaryFile.path
        var packages: [RepositoryPackage]
        do { packages = try PrimaryMetadata.read(primaryFile.descriptorPath, name: primaryFile.path) } catch {
            throw InputError(error, name: primaryFile.path)
        }
        // File lists are read for QEMU packages only; without filelists.xml each is read as its header says.
        if let fileLists = index.record("filelists") {
            let file = try Self.open(fileLists, in: directory, index: indexName)
            let wanted = Set(packages.filter(\.isQEMU).map(\.checksum.value))
            let files: [String: [RepositoryFile]]
            do { files = try FileLists.read(file.descriptorPath, name: file.path, packages: wanted) } catch {
                throw InputError(error, name: file.path)
            }
            for index in packages.indices { packages[index].files = files[packages[index].checksum.value] }
        }
        self.packages = packages
    }

    /// The QEMU packages to read, each once (by href), the count of the
    /// others, and the packages that cannot be read from where the metadata
    /// puts them. No QEMU package at all is an error.
    func qemuPackages() -> (packages: [RepositoryPackageInput], skipped: Int, errors: [InputError]) {
        let qemu = packages.filter(\.isQEMU)
        guard !qemu.isEmpty else {
            let count = packages.count == 1 ? "1 package" : "\(packages.count) packages"
            return (
                [], 0,
                [InputError(.noBuilds, input: directory, message: "the repository lists no QEMU package (\(count))")]
            )
        }
        var inputs: [RepositoryPackageInput] = []
        var errors: [InputError] = []
        var hrefs = Set<String>()
        for package in qemu where hrefs.insert(package.location.href).inserted {
            do {
                let href = try RepositoryHref(package.location.href, base: package.location.base)
                inputs.append(RepositoryPackageInput(package: package, href: href))
            } catch {
                errors.append(
                    InputError(
                        .corrupt, input: RepositoryHref.shown(package.location.href, in: directory),
                        message: "\(package.nevra) in \(primaryName) \(error.message)"))
            }
        }
        return (inputs, packages.count - qemu.count, errors)
    }

    /// Opens the file of a repomd.xml record inside `directory` and checks it
    /// against the record's checksum.
    private static func open(_ record: MetadataRecord, in directory: String, index: String) throws(InputError)
        -> InputFile
    {
        let href: RepositoryHref
        do { href = try RepositoryHref(record.location.href, base: record.location.base) } catch {
            throw InputError(.corrupt, input: index, message: "its \(record.type) record \(error.message)")
        }
        let name = href.shown(in: directory)
        let file: InputFile
        do { file = try InputFile(href.path, inRoot: directory, path: name) } catch {
            throw InputError(
                error == .missing ? .missing : .unreadable, input: name,
                message: error == .missing ? "listed in repomd.xml but missing" : error.message)
        }
        guard let expected = record.checksum else {
            throw InputError(.corrupt, input: index, message: "its \(record.type) record gives no checksum")
        }
        // Declared over the limit: refused before anything is read (the parse checks what the file really expands to).
        if let openSize = record.openSize, openSize > MetadataLimits.decompressedBytes {
            throw InputError(
                .tooLarge, input: name,
                message:
                    "repomd.xml declares it decompresses to \(MetadataLimits.describe(openSize)); the limit for repository metadata is \(MetadataLimits.describe(MetadataLimits.decompressedBytes))"
            )
        }
        if let mismatch = RepositoryChecksum.mismatch(expected, file: file, sha256: nil, describedBy: "repomd.xml") {
            throw mismatch
        }
        return file
    }
}

extension RepositoryPackage {
    /// Whether the package belongs to a QEMU build: the name of its source
    /// package (its own, for a source package) is a QEMU source name.
    var isQEMU: Bool {
        guard let sourceRPM else { return Era.isQEMUSourceName(name) }
        return SourceNVR(sourceRPM: sourceRPM).map { Era.isQEMUSourceName($0.name) } ?? false
    }
}

extension InputError {
    /// A metadata file that libcreaterepo_c could not read.
    init(_ error: RepodataError, name: String) {
        let kind: InputError.Kind =
            switch error.kind {
            case .unreadable: .unreadable
            case .malformed: .corrupt
            case .tooLarge: .tooLarge
            default: .unsupported
            }
        self.init(kind, input: name, message: error.description(reportedOn: name))
    }
}
