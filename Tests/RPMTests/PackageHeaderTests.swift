import Foundation
import RPM
import TestSupport
import Testing

@Suite("Package headers")
struct PackageHeaderTests {
    /// Renders our header in the same line format as `RPMQuery.format`.
    private func render(_ h: PackageHeader) -> [String] {
        var lines = [
            "NAME\t\(h.name)",
            "EPOCH\t\(h.epoch.map(String.init) ?? "(none)")",
            "VERSION\t\(h.version)",
            "RELEASE\t\(h.release)",
            "ARCH\t\(h.arch)",
            "SOURCERPM\t\(h.sourceRPM ?? "(none)")",
            "BUILDHOST\t\(h.buildHost ?? "")",
            "BUILDTIME\t\(h.buildTime.map(String.init) ?? "")",
            "COMPRESSOR\t\(h.payloadCompressor)",
        ]
        lines += h.provides.map { "PROVIDES\t\($0)" }
        lines += h.requires.map { "REQUIRES\t\($0)" }
        lines += h.conflicts.map { "CONFLICTS\t\($0)" }
        lines += h.obsoletes.map { "OBSOLETES\t\($0)" }
        lines += h.exclusiveArch.map { "EXCLUSIVEARCH\t\($0)" }
        lines += h.files.map { "FILE\t\(String($0.mode, radix: 8))\t\($0.size)\t\($0.path)" }
        lines += h.changelog.map { "CHANGELOG\t\($0.time)\t\($0.author)" }
        return lines
    }

    @Test("Every header field matches rpm -qp, for binary and source packages of every fixture")
    func everyFieldMatchesRPMQuery() throws {
        let packages = try RPMFixtures.allPackages()
        #expect(packages.count >= 6)
        for path in packages {
            let header = try PackageFile(path: path).header
            #expect(render(header) == (try RPMQuery.lines(path)), "\(path)")
            #expect(header.changelog.map(\.text) == (try RPMQuery.changelogTexts(path)), "\(path)")
            #expect(header.isSource == path.hasSuffix(".src.rpm"), "\(path)")
            #expect(header.isSource == (header.sourceRPM == nil), "\(path)")
        }
    }

    @Test(
        "The el7-rhev binary package is qemu-kvm-rhev 10:1.5.3-175.el7 with its emulator",
        arguments: ["gzip", "xz", "zstd"])
    func rhevBinaryIdentity(compressor: String) throws {
        let header = try PackageFile(path: try RPMFixtures.binary(compressor)).header
        #expect(header.name == "qemu-kvm-rhev")
        #expect(header.epoch == 10)
        #expect(header.version == "1.5.3")
        #expect(header.release == "175.el7")
        #expect(header.arch == "x86_64")
        #expect(!header.isSource)
        #expect(header.payloadCompressor == compressor)
        #expect(header.nevra == "qemu-kvm-rhev-10:1.5.3-175.el7.x86_64")
        let emulator = header.files.first { $0.path == "/usr/libexec/qemu-kvm" }
        #expect(emulator?.isRegularFile == true)
        #expect(
            header.provides.contains {
                $0.name == "qemu-kvm-rhev" && $0.comparison == .equal && $0.evr == "10:1.5.3-175.el7"
            })
    }

    @Test("Source packages are marked as such and list relative payload paths", arguments: ["gzip", "xz", "zstd"])
    func sourcePackage(compressor: String) throws {
        for path in try RPMFixtures.rpms(in: "compressors/\(compressor)/src") {
            let header = try PackageFile(path: path).header
            #expect(header.isSource)
            #expect(header.sourceRPM == nil)
            #expect(header.nevra.hasSuffix(".src"))
            #expect(header.payloadCompressor == compressor)
            #expect(header.files.contains { $0.path.hasSuffix(".spec") && !$0.path.hasPrefix("/") })
        }
    }

    @Test("Dependency comparisons map rpm's sense flags")
    func dependencyComparisons() throws {
        for path in try RPMFixtures.allPackages() {
            for dep in try PackageFile(path: path).header.requires where dep.evr != nil {
                #expect(!dep.comparison.isEmpty)
                #expect(!(dep.comparison.contains(.less) && dep.comparison.contains(.greater)))
            }
        }
        #expect(Dependency(name: "a", comparison: [.less, .equal], evr: "1").description == "a <= 1")
    }

    @Test("Headers read from many threads at once are identical to a single read")
    func concurrentReads() async throws {
        let paths = try RPMFixtures.allPackages()
        let expected = try paths.map { try PackageFile(path: $0).header }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for i in 0..<50 {
                        let ix = (task + i) % paths.count
                        if try PackageFile(path: paths[ix]).header != expected[ix] { return false }
                    }
                    return true
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}
