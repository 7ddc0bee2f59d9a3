import Foundation
import RPM
import TestSupport
import Testing

@Suite("Installed packages")
struct RPMDatabaseTests {
    /// A fresh rpmdb in a temp dir with the given packages registered (`--justdb`).
    private func makeDatabase(with packages: [String]) throws -> URL {
        let dir = URL(fileURLWithPath: try temporaryDirectory("rpmdb"))
        #expect(try Command.run("/usr/bin/env", ["rpm", "--initdb", "--dbpath", dir.path]).status == 0)
        let install = try Command.run(
            "/usr/bin/env",
            [
                "rpm", "-i", "--justdb", "--nodeps", "--noscripts", "--nosignature",
                "--ignorearch", "--ignoreos", "--replacefiles", "--replacepkgs", "--dbpath", dir.path,
            ] + packages)
        #expect(install.status == 0)
        return dir
    }

    @Test("Packages registered in a test rpmdb come back with their headers, sorted by NEVRA")
    func listsPackages() throws {
        // Two builds whose packages differ in name (stock and -rhev) but share file paths.
        let rpms = try RPMFixtures.rpms(in: "builds/el7-stock/x86_64") + RPMFixtures.rpms(in: "builds/el7-rhev/x86_64")
        try #require(!rpms.isEmpty)
        let dir = try makeDatabase(with: rpms)
        defer { try? FileManager.default.removeItem(at: dir) }
        let installed = try RPMDatabase(dbPath: dir.path).packages()
        let expected = try rpms.map { try PackageFile(path: $0).header }
        #expect(Set(installed.map(\.nevra)) == Set(expected.map(\.nevra)))
        #expect(installed.map(\.name) == installed.map(\.name).sorted())
        for header in installed {
            let file = try #require(expected.first { $0.nevra == header.nevra })
            #expect(header.provides == file.provides)
            #expect(header.files.map(\.path) == file.files.map(\.path))
            #expect(!header.isSource)
        }
        let glob = try RPMDatabase(dbPath: dir.path).packages(matching: "qemu-kvm-rhev*")
        #expect(!glob.isEmpty)
        #expect(glob.allSatisfy { $0.name.hasPrefix("qemu-kvm-rhev") })
        #expect(try RPMDatabase(dbPath: dir.path).packages(matching: "no-such-package-*").isEmpty)
    }

    @Test("A directory without an rpmdb is .database, and is left untouched")
    func missingDatabase() throws {
        let dir = URL(fileURLWithPath: temporaryPath("nodb"))
        let error = #expect(throws: RPMError.self) { _ = try RPMDatabase(dbPath: dir.path).packages() }
        #expect(error?.kind == .database)
        #expect(error?.description.contains(dir.path) == true)
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }

    @Test("A relative dbPath is .database before librpm opens anything: rpm would read it inside the root")
    func relativeDBPathIsRefused() throws {
        let name = "snapcheck-relative-db-\(getpid())"
        var error: RPMError?
        do { _ = try RPMDatabase(dbPath: name).packages() } catch let caught as RPMError { error = caught }
        #expect(error?.kind == .database)
        #expect(error?.message.contains("must be an absolute path") == true)
        #expect(!FileManager.default.fileExists(atPath: "/" + name))
    }
}
