import Foundation
import RPM
import Repodata
import TestSupport
import Testing

/// The packages of a repository, read through repomd.xml and primary.xml.
func packages(of repository: URL) throws -> [RepositoryPackage] {
    let index = try RepositoryIndex(reading: repository.appendingPathComponent("repodata/repomd.xml").path)
    let primary = try #require(index.record("primary"))
    return try PrimaryMetadata.read(repository.appendingPathComponent(primary.location.href).path)
}

@Suite("Repository metadata through libcreaterepo_c")
struct RepodataTests {
    @Test("repomd.xml locates primary and filelists, and each file has the checksum repomd.xml gives")
    func index() throws {
        let repository = try FixtureRepositories.make(["builds/el7-rhev"])
        defer { FixtureRepositories.remove(repository) }
        let index = try RepositoryIndex(reading: repository.appendingPathComponent("repodata/repomd.xml").path)
        for type in ["primary", "filelists"] {
            let record = try #require(index.record(type))
            #expect(record.location.href.hasPrefix("repodata/"))
            #expect(record.location.base == nil)
            let checksum = try #require(record.checksum)
            #expect(checksum.type == "sha256")
            let file = repository.appendingPathComponent(record.location.href).path
            #expect(try checksum.computed(forFile: file, name: file).matches(checksum))
            #expect(
                record.size == (try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int).map(Int64.init))
        }
    }

    @Test(
        "primary.xml gives each package's identity, SOURCERPM, location, size and checksum as the package file has them"
    )
    func primary() throws {
        let repository = try FixtureRepositories.make(["builds/el7-rhev", "builds/nonqemu"])
        defer { FixtureRepositories.remove(repository) }
        let listed = try packages(of: repository)
        #expect(listed.count == 7)
        for package in listed {
            let path = repository.appendingPathComponent(package.location.href).path
            let header = try PackageFile(path: path).header
            #expect(package.name == header.name)
            #expect(package.version == header.version && package.release == header.release)
            #expect(package.epoch == (header.epoch ?? 0))
            #expect(package.isSource == header.isSource)
            #expect(package.arch == (header.isSource ? "src" : header.arch))
            #expect(package.sourceRPM == header.sourceRPM)
            #expect(
                package.size == (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int).map(Int64.init))
            #expect(package.checksum == Checksum(type: "sha256", value: try FileDigest.sha256(path: path)))
            #expect(package.files == nil)
        }
    }

    @Test("filelists.xml gives the files of the packages asked for, as their headers list them, and skips the others")
    func fileLists() throws {
        let repository = try FixtureRepositories.make(["builds/emulator-symlink", "builds/nonqemu"])
        defer { FixtureRepositories.remove(repository) }
        let listed = try packages(of: repository)
        let emulatorPackage = try #require(listed.first { $0.name == "qemu-kvm-rhev" })
        let index = try RepositoryIndex(reading: repository.appendingPathComponent("repodata/repomd.xml").path)
        let record = try #require(index.record("filelists"))
        let files = try FileLists.read(
            repository.appendingPathComponent(record.location.href).path,
            packages: [emulatorPackage.checksum.value])
        #expect(Array(files.keys) == [emulatorPackage.checksum.value])
        let header = try PackageFile(path: repository.appendingPathComponent(emulatorPackage.location.href).path).header
        let got = try #require(files[emulatorPackage.checksum.value])
        #expect(Set(got.map(\.path)) == Set(header.files.map(\.path)))
        // A symbolic link is a file in the metadata; directories are marked.
        #expect(got.contains(RepositoryFile(path: "/usr/libexec/qemu-kvm", kind: .file)))
        for entry in header.files where entry.isDirectory {
            #expect(got.contains(RepositoryFile(path: entry.path, kind: .directory)))
        }
    }

    @Test("Metadata compressed with gzip, xz or bzip2 reads the same", arguments: ["gz", "xz", "bz2"])
    func compressed(_ compression: String) throws {
        let gzip = try FixtureRepositories.make(["builds/el7-stock"], arguments: ["--general-compress-type=gz"])
        defer { FixtureRepositories.remove(gzip) }
        let plain = try packages(of: gzip)
        let repository = try FixtureRepositories.make(
            ["builds/el7-stock"], arguments: ["--general-compress-type=\(compression)"])
        defer { FixtureRepositories.remove(repository) }
        #expect(try FixtureRepositories.metadataFile("primary", in: repository).pathExtension == compression)
        #expect(try packages(of: repository) == plain)
    }

    @Test(
        "zstd-compressed primary.xml is read from libcreaterepo_c 1.0 on, and before that is one error naming zstd and the file"
    )
    func zstd() throws {
        let repository = try FixtureRepositories.make(["builds/el7-stock"])
        defer { FixtureRepositories.remove(repository) }
        let plain = try packages(of: repository)
        let text = try FixtureRepositories.metadataText("primary", in: repository)
        let xml = repository.appendingPathComponent("repodata/primary.xml")
        try Data(text.utf8).write(to: xml)
        let zst = repository.appendingPathComponent("repodata/primary.xml.zst")
        #expect(try Command.run("/usr/bin/zstd", ["-q", xml.path, "-o", zst.path]).status == 0)
        switch Result(catching: { () throws(RepodataError) in
            try PrimaryMetadata.read(zst.path, name: "primary.xml.zst")
        }) {
        case .success(let read):
            #expect(CreaterepoLibrary.version.major >= 1)
            #expect(read == plain)
        case .failure(let error):
            #expect(CreaterepoLibrary.version.major < 1)
            #expect(error.kind == .unsupportedCompression)
            #expect(error.path == "primary.xml.zst")
            #expect(error.message.contains("zstd"))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test(
        "Metadata that decompresses past the limit is refused before it is parsed, whatever repomd.xml says",
        arguments: ["primary", "filelists"])
    func decompressedLimit(_ type: String) throws {
        let repository = try FixtureRepositories.make(["builds/el7-stock"])
        defer { FixtureRepositories.remove(repository) }
        let file = try FixtureRepositories.metadataFile(type, in: repository)
        func read(limit: Int64) throws {
            if type == "primary" {
                _ = try PrimaryMetadata.read(file.path, name: "\(type).xml.gz", limit: limit)
            } else {
                _ = try FileLists.read(file.path, name: "\(type).xml.gz", packages: [], limit: limit)
            }
        }
        #expect {
            try read(limit: 1 << 10)
        } throws: { error in
            let error = error as! RepodataError
            return error.kind == .tooLarge
                && error.description
                    == "\(type).xml.gz: decompresses to more than 1 KiB, the limit for repository metadata (cr_read)"
        }
        try read(limit: MetadataLimits.decompressedBytes)
        #expect(MetadataLimits.decompressedBytes == 1 << 30)
    }

    @Test("A file that is not primary metadata, or not XML, is one error naming it")
    func notPrimary() throws {
        let repository = try FixtureRepositories.make(["builds/el7-stock"])
        defer { FixtureRepositories.remove(repository) }
        let fileLists = try FixtureRepositories.metadataFile("filelists", in: repository)
        #expect {
            try PrimaryMetadata.read(fileLists.path, name: "filelists.xml.gz")
        } throws: { error in
            let error = error as! RepodataError
            return error.kind == .malformed && error.path == "filelists.xml.gz" && error.message.contains("<metadata>")
        }
        let broken = repository.appendingPathComponent("broken.xml")
        try Data("<?xml version=\"1.0\"?>\n<metadata><package type=\"rpm\"><name>x</nom></metadata>".utf8).write(
            to: broken)
        #expect {
            try PrimaryMetadata.read(broken.path, name: "broken.xml")
        } throws: { error in
            let error = error as! RepodataError
            return error.kind == .malformed && error.description.hasPrefix("broken.xml: ")
                && error.message.contains("line: 2")
        }
    }

    @Test("Checksums match by algorithm, whatever it is called ('sha' is SHA-1), and an unknown type is an error")
    func checksumTypes() throws {
        let repository = try FixtureRepositories.make(["builds/el7-stock"], arguments: ["--checksum=sha1"])
        defer { FixtureRepositories.remove(repository) }
        let package = try #require(try packages(of: repository).first)
        #expect(package.checksum.type == "sha1" || package.checksum.type == "sha")
        #expect(!package.checksum.isSHA256)
        let path = repository.appendingPathComponent(package.location.href).path
        let computed = try package.checksum.computed(forFile: path, name: "p")
        #expect(computed.matches(package.checksum))
        #expect(
            Checksum(type: "sha", value: computed.value).matches(
                Checksum(type: "sha1", value: computed.value.uppercased())))
        #expect(!Checksum(type: "sha256", value: computed.value).matches(computed))
        #expect {
            try Checksum(type: "crc32", value: "0").computed(forFile: path, name: "p")
        } throws: { ($0 as! RepodataError).kind == .unknownChecksumType }
    }
}
