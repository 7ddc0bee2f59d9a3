import Foundation
import TestSupport
import Testing

@Suite("snapcheck --repo, through the CLI")
struct RepositoryCLITests {
    @Test(
        "--repo over a repository of every fixture build prints the bytes and exits as the directory audit of it does",
        arguments: ["json", "text"])
    func sameReportAsDirectory(_ format: String) throws {
        let repository = try FixtureRepositories.make(try FixtureRepositories.allBuilds())
        defer { FixtureRepositories.remove(repository) }
        let listed = try SnapCheckBinary.run(["--format", format, "--repo", repository.path])
        let walked = try SnapCheckBinary.run(["--format", format, repository.path])
        #expect(listed.status == 1)
        #expect(listed.status == walked.status)
        #expect(listed.stdout == walked.stdout)
        #expect(listed.errorOutput.isEmpty && walked.errorOutput.isEmpty)
    }

    @Test("A traversal href and a package that fails its checksum are one line each on stderr, exit 2")
    func hostileRepository() throws {
        let repository = try FixtureRepositories.make(["builds/el7-rhev", "builds/el7-stock"])
        defer { FixtureRepositories.remove(repository) }
        let stockImg = "el7-stock/x86_64/qemu-img-1.5.3-175.el7.x86_64.rpm"
        let primary = try FixtureRepositories.metadataText("primary", in: repository)
        try FixtureRepositories.replaceMetadata(
            "primary", in: repository,
            with: primary.replacingOccurrences(
                of: "href=\"el7-rhev/x86_64/qemu-kvm-rhev-1.5.3-175.el7.x86_64.rpm\"",
                with: "href=\"../../../../etc/passwd\""))
        let replaced = repository.appendingPathComponent(stockImg)
        try FileManager.default.removeItem(at: replaced)
        try FileManager.default.copyItem(
            atPath: try Fixtures.path("builds/el7-rhev/x86_64/qemu-img-rhev-1.5.3-175.el7.x86_64.rpm"),
            toPath: replaced.path)

        let result = try SnapCheckBinary.run(["-q", "--repo", repository.path])
        #expect(result.status == 2)
        let lines = result.errorOutput.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 2, "\(result.errorOutput)")
        #expect(
            lines.first?.hasPrefix(
                "snapcheck: \(repository.path)/../../../../etc/passwd: qemu-kvm-rhev-10:1.5.3-175.el7.x86_64 in ")
                == true)
        #expect(lines.first?.hasSuffix(" leads out of the repository directory (a '..' component)") == true)
        #expect(lines.last?.hasPrefix("snapcheck: \(replaced.path): checksum mismatch: ") == true)
        #expect(lines.last?.contains(" gives sha256 ") == true && lines.last?.contains(", the file has ") == true)
    }

    @Test("Metadata that is not XML is one line on stderr naming the file: the library prints nothing of its own")
    func brokenMetadata() throws {
        let repository = try FixtureRepositories.make(["builds/el7-rhev"])
        defer { FixtureRepositories.remove(repository) }
        try FixtureRepositories.replaceMetadata(
            "primary", in: repository, with: "<?xml version=\"1.0\"?>\n<metadata><package type=\"rpm\"><name>x</nom>")
        let primary = try FixtureRepositories.metadataFile("primary", in: repository).path
        let result = try SnapCheckBinary.run(["--repo", repository.path])
        #expect(result.status == 2)
        let lines = result.errorOutput.split(separator: "\n")
        #expect(lines.count == 1, "\(result.errorOutput)")
        #expect(lines.first?.hasPrefix("snapcheck: \(primary): Parse error ") == true)
        #expect(lines.first?.hasSuffix("(cr_xml_parse_primary returned 12)") == true)
    }

    @Test("An empty repository is exit 2 with one line: a nightly pointed at a repository expects QEMU builds in it")
    func emptyRepository() throws {
        let repository = try FixtureRepositories.make([])
        defer { FixtureRepositories.remove(repository) }
        let result = try SnapCheckBinary.run(["--repo", repository.path])
        #expect(result.status == 2)
        #expect(
            result.errorOutput == "snapcheck: \(repository.path): the repository lists no QEMU package (0 packages)\n")
    }

    @Test(
        "--repo with --installed is a usage error",
        arguments: [["--installed", "--repo", "/tmp"], ["--probe-installed", "--repo", "/tmp"]])
    func usage(_ arguments: [String]) throws {
        let result = try SnapCheckBinary.run(arguments)
        #expect(result.status == 64)
        #expect(result.errorOutput.contains("--installed audits the rpmdb: give no --repo with it."))
    }

    @Test("--help names --repo in its own group")
    func help() throws {
        let result = try SnapCheckBinary.run(["audit", "--help"])
        #expect(result.output.contains("REPOSITORIES:"))
        #expect(result.output.contains("--repo <dir>"))
        #expect(try SnapCheckBinary.run([]).errorOutput.contains("or a --repo."))
    }
}
