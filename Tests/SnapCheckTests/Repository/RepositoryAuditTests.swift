import Foundation
import RPM
import Repodata
@_spi(Fuzzing) import SnapCheck
import SnapCheckRepository
import TestSupport
import Testing

private let rhevPackage = "el7-rhev/x86_64/qemu-kvm-rhev-1.5.3-175.el7.x86_64.rpm"

@Suite("Auditing a yum repository from its metadata")
struct RepositoryAuditTests {
    @Test(
        "A repository of every fixture build gives exactly the builds a directory audit of the same packages gives",
        arguments: [1, 2])
    func sameBuildsAsDirectory(jobs: Int) throws {
        let repository = try FixtureRepositories.make(try FixtureRepositories.allBuilds())
        defer { FixtureRepositories.remove(repository) }
        let directory = audit([repository.path]) { $0.jobs = jobs }
        let listed = audit(repositories: [repository.path]) { $0.jobs = jobs }
        #expect(directory.errors.isEmpty)
        #expect(listed.errors.isEmpty, "\(listed.errors)")
        #expect(listed.builds.count == directory.builds.count)
        for (fromRepository, fromDirectory) in zip(listed.builds, directory.builds) {
            #expect(
                fromRepository.displayName == fromDirectory.displayName && fromRepository.arch == fromDirectory.arch)
            #expect(fromRepository.verdict == fromDirectory.verdict, "\(fromRepository.displayName)")
            #expect(fromRepository.inputs == fromDirectory.inputs)
            #expect(fromRepository.evidence.map(\.role) == fromDirectory.evidence.map(\.role))
            #expect(fromRepository.evidence.map(\.rule) == fromDirectory.evidence.map(\.rule))
        }
        #expect(listed.builds == directory.builds)
        #expect(listed.skipped == directory.skipped && listed.skipped == 2)
        #expect(listed.exitStatus == directory.exitStatus)
        // Every input of every build is a package the metadata listed, read from inside the repository.
        #expect(
            listed.builds.flatMap(\.inputs).allSatisfy {
                $0.path.hasPrefix(repository.path + "/") && $0.sha256.count == 64
            })
    }

    @Test("Only the QEMU packages the metadata lists are opened: another package, even unreadable, is skipped unread")
    func otherPackagesUnread() throws {
        let repository = try FixtureRepositories.make(["builds/el7-rhev", "builds/nonqemu"])
        defer { FixtureRepositories.remove(repository) }
        let hello = repository.appendingPathComponent("nonqemu/x86_64/hello-1.0-1.x86_64.rpm")
        try Data("not a package any more".utf8).write(to: hello)
        let listed = audit(repositories: [repository.path])
        #expect(listed.errors.isEmpty, "\(listed.errors)")
        #expect(listed.skipped == 2)
        #expect(listed.builds.map(\.verdict) == [.enabled])
        // The directory audit opens every package, and so trips over it.
        #expect(audit([repository.path]).errors.map(\.input) == [hello.path])
    }

    @Test(
        "A package that is not what the metadata's checksum says is one error naming it and both checksums; its build keeps the other packages",
        arguments: ["sha256", "sha512", "sha1"])
    func checksumMismatch(_ type: String) throws {
        let repository = try FixtureRepositories.make(["builds/el7-rhev"], arguments: ["--checksum=\(type)"])
        defer { FixtureRepositories.remove(repository) }
        let intact = audit(repositories: [repository.path])
        #expect(intact.errors.isEmpty, "\(intact.errors)")
        #expect(intact.builds == audit([repository.path]).builds)

        let replaced = repository.appendingPathComponent(rhevPackage)
        let primary = try FixtureRepositories.metadataFile("primary", in: repository).path
        let expected = try #require(try PrimaryMetadata.read(primary).first { $0.location.href == rhevPackage })
            .checksum
        #expect(expected.type.hasPrefix(type == "sha1" ? "sha" : type))
        try FileManager.default.removeItem(at: replaced)
        try FileManager.default.copyItem(
            atPath: try Fixtures.path("builds/el7-stock/x86_64/qemu-kvm-1.5.3-175.el7.x86_64.rpm"),
            toPath: replaced.path)
        let actual = try expected.computed(forFile: replaced.path, name: "replaced").value
        #expect(actual != expected.value)

        let result = audit(repositories: [repository.path])
        #expect(
            result.errors == [
                InputError(
                    .corrupt, input: replaced.path,
                    message:
                        "checksum mismatch: \(primary) gives \(expected.type) \(expected.value), the file has \(actual)"
                )
            ])
        let build = try #require(result.builds.first)
        #expect(result.builds.count == 1)
        #expect(!build.inputs.map(\.path).contains(replaced.path))
        #expect(build.inputs.count == 4)
    }

    // Serialized: every case plants the same outside.rpm beside its repository.
    @Test(
        "A location href that leads out of the repository is an error naming it and why, never followed", .serialized,
        arguments: [
            ("../outside.rpm", "leads out of the repository directory"),
            ("el7-rhev/../../outside.rpm", "leads out of the repository directory"),
            ("/outside.rpm", "is an absolute path"),
            ("http://mirror.example/outside.rpm", "is a URL"),
        ])
    func hrefOutside(_ href: String, _ reason: String) throws {
        let repository = try FixtureRepositories.make(["builds/el7-rhev"])
        defer { FixtureRepositories.remove(repository) }
        // A real QEMU package where the href points, to show it is not read.
        let outside = repository.deletingLastPathComponent().appendingPathComponent("outside.rpm")
        try? FileManager.default.removeItem(at: outside)
        try FileManager.default.copyItem(
            atPath: try Fixtures.path("builds/el7-stock/x86_64/qemu-kvm-1.5.3-175.el7.x86_64.rpm"), toPath: outside.path
        )
        defer { try? FileManager.default.removeItem(at: outside) }
        let primary = try FixtureRepositories.metadataText("primary", in: repository)
        try FixtureRepositories.replaceMetadata(
            "primary", in: repository,
            with: primary.replacingOccurrences(of: "href=\"\(rhevPackage)\"", with: "href=\"\(href)\""))

        let result = audit(repositories: [repository.path])
        let error = try #require(result.errors.first)
        #expect(result.errors.count == 1)
        #expect(error.input == repository.path + "/" + href)
        #expect(
            error.message.hasPrefix(
                "qemu-kvm-rhev-10:1.5.3-175.el7.x86_64 in \(try FixtureRepositories.metadataFile("primary", in: repository).path) "
            ))
        #expect(error.message.contains(reason))
        #expect(result.builds.flatMap(\.inputs).allSatisfy { $0.path.hasPrefix(repository.path + "/el7-rhev/") })
        #expect(result.builds.map(\.name) == ["qemu-kvm-rhev"])
    }

    @Test("A repomd.xml record outside the repository is refused, never read")
    func recordOutside() throws {
        let repository = try FixtureRepositories.make(["builds/el7-rhev"])
        defer { FixtureRepositories.remove(repository) }
        let index = repository.appendingPathComponent("repodata/repomd.xml")
        let href = try FixtureRepositories.metadataFile("primary", in: repository).lastPathComponent
        let text = try String(contentsOf: index, encoding: .utf8)
        try Data(
            text.replacingOccurrences(of: "href=\"repodata/\(href)\"", with: "href=\"repodata/../../\(href)\"").utf8
        ).write(to: index)
        let result = audit(repositories: [repository.path])
        #expect(result.builds.isEmpty)
        #expect(
            result.errors == [
                InputError(
                    .corrupt, input: index.path,
                    message: "its primary record leads out of the repository directory (a '..' component)")
            ])
    }

    @Test(
        "A metadata file repomd.xml declares to decompress past the limit is refused before it is read, one error naming it"
    )
    func declaredOpenSizeOverLimit() throws {
        let repository = try FixtureRepositories.make(["builds/el7-rhev"])
        defer { FixtureRepositories.remove(repository) }
        let index = repository.appendingPathComponent("repodata/repomd.xml")
        let primary = try FixtureRepositories.metadataFile("primary", in: repository)
        let text = try String(contentsOf: index, encoding: .utf8)
        // The primary record's open-size (createrepo_c writes it after the open checksum), made 4 GiB.
        let record = try #require(text.range(of: "<data type=\"primary\">"))
        let size = try #require(
            text.range(
                of: #"<open-size>\d+</open-size>"#, options: .regularExpression,
                range: record.upperBound..<text.endIndex))
        try Data(text.replacingCharacters(in: size, with: "<open-size>4294967296</open-size>").utf8).write(to: index)
        let result = audit(repositories: [repository.path])
        #expect(result.builds.isEmpty)
        #expect(
            result.errors == [
                InputError(
                    .tooLarge, input: primary.path,
                    message:
                        "repomd.xml declares it decompresses to 4096 MiB; the limit for repository metadata is 1024 MiB"
                )
            ])
    }

    @Test(
        "A symbolic link in the repository is resolved inside it: one to a package in it is read, one leading out of it is missing"
    )
    func symbolicLinks() throws {
        let repository = try FixtureRepositories.make(["builds/el7-rhev"])
        defer { FixtureRepositories.remove(repository) }
        let package = repository.appendingPathComponent(rhevPackage)
        let kept = repository.appendingPathComponent("pool/kept.rpm")
        try FileManager.default.createDirectory(at: kept.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: package, to: kept)
        try FileManager.default.createSymbolicLink(atPath: package.path, withDestinationPath: "../../pool/kept.rpm")
        let inside = audit(repositories: [repository.path])
        #expect(inside.errors.isEmpty, "\(inside.errors)")
        #expect(inside.builds.map(\.verdict) == [.enabled])

        // The same file by its absolute host path: resolved inside the repository, where nothing is.
        try FileManager.default.removeItem(at: package)
        try FileManager.default.createSymbolicLink(atPath: package.path, withDestinationPath: kept.path)
        let result = audit(repositories: [repository.path])
        #expect(result.errors.map(\.input) == [package.path])
        #expect(
            result.errors.first?.message.hasPrefix("listed in ") == true
                && result.errors.first?.message.hasSuffix(" but missing") == true)
    }

    @Test(
        "A repository that lists no QEMU package is an error naming it and how many packages it lists",
        arguments: [([String](), "(0 packages)"), (["builds/nonqemu"], "(2 packages)")])
    func noQEMUPackage(_ sources: [String], _ count: String) throws {
        let repository = try FixtureRepositories.make(sources)
        defer { FixtureRepositories.remove(repository) }
        let result = audit(repositories: [repository.path])
        #expect(result.builds.isEmpty)
        #expect(
            result.errors == [
                InputError(.noBuilds, input: repository.path, message: "the repository lists no QEMU package \(count)")
            ])
        #expect(result.exitStatus == .inputError)
    }

    @Test("Metadata compressed with gzip, xz or bzip2 audits the same", arguments: ["gz", "xz", "bz2"])
    func compressedMetadata(_ compression: String) throws {
        let repository = try FixtureRepositories.make(
            ["builds/ev-212"], arguments: ["--general-compress-type=\(compression)"])
        defer { FixtureRepositories.remove(repository) }
        #expect(try FixtureRepositories.metadataFile("filelists", in: repository).pathExtension == compression)
        let result = audit(repositories: [repository.path])
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.builds == audit([repository.path]).builds)
        #expect(result.builds.map(\.arch) == ["ppc64le", "x86_64"])
    }

    @Test(
        "zstd-compressed primary.xml audits the same where libcreaterepo_c reads zstd, and is one error naming it where it does not"
    )
    func zstdMetadata() throws {
        let repository = try FixtureRepositories.make(["builds/el7-rhev"])
        defer { FixtureRepositories.remove(repository) }
        let xml = repository.appendingPathComponent("repodata/primary.xml")
        try Data(try FixtureRepositories.metadataText("primary", in: repository).utf8).write(to: xml)
        let zst = repository.appendingPathComponent("repodata/primary.xml.zst")
        #expect(try Command.run("/usr/bin/zstd", ["-q", "--rm", xml.path, "-o", zst.path]).status == 0)
        try FixtureRepositories.pointRecord("primary", in: repository, at: zst)
        let result = audit(repositories: [repository.path])
        if CreaterepoLibrary.version.major >= 1 {
            #expect(result.errors.isEmpty)
            #expect(result.builds == audit([repository.path]).builds)
        } else {
            #expect(result.builds.isEmpty)
            #expect(result.errors.map(\.input) == [zst.path])
            #expect(
                result.errors.first?.message.hasPrefix("compressed with zstd, which libcreaterepo_c reads from 1.0 on")
                    == true)
        }
    }

    @Test("A metadata file that is not what repomd.xml's checksum says is refused before it is parsed")
    func metadataChecksum() throws {
        let repository = try FixtureRepositories.make(["builds/el7-rhev"])
        defer { FixtureRepositories.remove(repository) }
        let primary = try FixtureRepositories.metadataFile("primary", in: repository)
        let record = try FixtureRepositories.record("primary", in: repository)
        let expected = try #require(record.firstMatch(of: /<checksum type="sha256">([0-9a-f]{64})</)?.1)
        // The same packages, one href changed, written over the file repomd.xml vouches for.
        let text = try FixtureRepositories.metadataText("primary", in: repository).replacingOccurrences(
            of: rhevPackage, with: "elsewhere.rpm")
        try Data(text.utf8).write(to: repository.appendingPathComponent("edited.xml"))
        #expect(
            try Command.run(
                "/bin/sh",
                [
                    "-c", "gzip -nc \"$1\" > \"$2\"", "sh", repository.appendingPathComponent("edited.xml").path,
                    primary.path,
                ]
            ).status == 0)
        let result = audit(repositories: [repository.path])
        #expect(result.builds.isEmpty)
        #expect(result.errors.count == 1)
        #expect(result.errors.first?.input == primary.path)
        #expect(
            result.errors.first?.message
                == "checksum mismatch: repomd.xml gives sha256 \(expected), the file has \(try FileDigest.sha256(path: primary.path))"
        )
    }

    @Test("A package the metadata lists but the directory lacks is an error naming it")
    func missingPackage() throws {
        let repository = try FixtureRepositories.make(["builds/el7-rhev"])
        defer { FixtureRepositories.remove(repository) }
        try FileManager.default.removeItem(at: repository.appendingPathComponent(rhevPackage))
        let result = audit(repositories: [repository.path])
        let primary = try FixtureRepositories.metadataFile("primary", in: repository).path
        #expect(
            result.errors == [
                InputError(
                    .missing, input: repository.path + "/" + rhevPackage, message: "listed in \(primary) but missing")
            ])
        #expect(result.builds.count == 1)
    }

    @Test(
        "The file list decides what is read, and must agree with the header: an emulator it leaves out is an error, not a header-only reading"
    )
    func fileListDisagrees() throws {
        let repository = try FixtureRepositories.make(["builds/el7-rhev"])
        defer { FixtureRepositories.remove(repository) }
        let fileLists = try FixtureRepositories.metadataText("filelists", in: repository)
        #expect(fileLists.contains("<file>/usr/libexec/qemu-kvm</file>"))
        try FixtureRepositories.replaceMetadata(
            "filelists", in: repository,
            with: fileLists.replacingOccurrences(of: "<file>/usr/libexec/qemu-kvm</file>", with: ""))
        let result = audit(repositories: [repository.path])
        #expect(
            result.errors == [
                InputError(
                    .corrupt, input: repository.path + "/" + rhevPackage,
                    message:
                        "the repository's file list names no emulator, the package header /usr/libexec/qemu-kvm: not the package the metadata describes"
                )
            ])
        let build = try #require(result.builds.first)
        #expect(!build.evidence.contains { $0.layer == .executable })
    }

    @Test("Without a file list every QEMU package is read as its header says, as in a directory audit")
    func noFileList() throws {
        let repository = try FixtureRepositories.make(["builds/el7-rhev"])
        defer { FixtureRepositories.remove(repository) }
        let index = repository.appendingPathComponent("repodata/repomd.xml")
        let record = try FixtureRepositories.record("filelists", in: repository)
        try Data(try String(contentsOf: index, encoding: .utf8).replacingOccurrences(of: record, with: "").utf8).write(
            to: index)
        let result = audit(repositories: [repository.path])
        #expect(result.errors.isEmpty)
        #expect(result.builds == audit([repository.path]).builds)
    }

    @Test("Packages relative to another xml:base are not read: one error for each, naming the base")
    func locationBase() throws {
        let repository = try FixtureRepositories.make(
            ["builds/el7-rhev"], arguments: ["--baseurl=http://mirror.example/el7/"])
        defer { FixtureRepositories.remove(repository) }
        let result = audit(repositories: [repository.path])
        #expect(result.builds.isEmpty)
        #expect(result.errors.count == 5)
        #expect(
            result.errors.allSatisfy {
                $0.message.hasSuffix(
                    "is relative to xml:base http://mirror.example/el7/, not to the repository directory: packages elsewhere are not read"
                )
            })
    }

    @Test(
        "What is not a repository is one error naming it",
        arguments: [
            ("missing", "no such directory"), ("file", "not a directory: --repo names a repository's top directory"),
            ("empty", "not a yum repository: no repodata/repomd.xml"),
        ])
    func notARepository(_ kind: String, _ message: String) throws {
        let base = URL(fileURLWithPath: temporaryPath("notrepo-\(kind)"))
        defer { try? FileManager.default.removeItem(at: base) }
        switch kind {
        case "file": try Data("x".utf8).write(to: base)
        case "empty": try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        default: break
        }
        let result = audit(repositories: [base.path])
        #expect(
            result.errors == [
                InputError(kind == "missing" ? .missing : .unsupported, input: base.path, message: message)
            ])
    }

    @Test("A repository and inputs are audited together, and a repository named twice is read once")
    func withInputs() throws {
        let repository = try FixtureRepositories.make(["builds/el7-rhev/x86_64"])
        defer { FixtureRepositories.remove(repository) }
        let srpm = try Fixtures.path("builds/el7-rhev/src/qemu-kvm-rhev-1.5.3-175.el7.src.rpm")
        let result = audit([srpm], repositories: [repository.path, repository.path + "/"])
        #expect(result.errors.isEmpty)
        let build = try #require(result.builds.first)
        #expect(result.builds.count == 1)
        #expect(build.inputs.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [.rpm, .rpm, .rpm, .rpm, .srpm])
        #expect(build.evidence.contains { $0.layer == .spec && $0.source.hasPrefix(srpm + ":") })
    }
}
