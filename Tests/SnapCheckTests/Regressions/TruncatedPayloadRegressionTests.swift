import Foundation
import RPM
import TestSupport
import Testing

/// `Fixtures/corrupt-corpus.py`'s output, generated once per test process.
enum RegressionCorpus {
    static func path(_ name: String) throws -> String {
        let url = try generated.get().appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw FixtureError.missing(url.path) }
        return url.path
    }

    private static let generated: Result<URL, any Error> = Result {
        let out = try Fixtures.built()
        let script = Fixtures.sourceDirectory.appendingPathComponent("corrupt-corpus.py").path
        let result = try Command.run("/usr/bin/env", ["python3", script, out.path])
        guard result.status == 0 else {
            throw FixtureError.buildFailed(status: result.status, output: result.errorOutput)
        }
        return out.appendingPathComponent("corrupt-corpus")
    }
}

/// Found by the corrupt-input corpus: a package damaged only in parts snapcheck does not read.
@Suite("Regressions: truncated payloads")
struct PayloadArchiveRegressionTests {
    /// An SRPM cut after its spec: the spec was read whole and verified, so the cut went
    /// unnoticed and the audit passed (exit 0) on a truncated package.
    @Test("A package cut after the files read is still a truncated payload")
    func cutAfterTheFilesRead() throws {
        let package = try PackageFile(path: RegressionCorpus.path("srpm-truncated-payload-half.src.rpm"))
        let spec = try #require(package.header.files.first { $0.path.hasSuffix(".spec") })
        let error = try #require(throws: RPMError.self) { try package.readFiles([spec.path]) }
        #expect(error.kind == .truncatedPayload)
    }

    @Test(
        "Intact packages still stream whole: the size check rejects nothing good",
        arguments: [
            "compressors/gzip/x86_64/qemu-kvm-rhev-1.5.3-175.el7.x86_64.rpm",
            "compressors/gzip/src/qemu-kvm-rhev-1.5.3-175.el7.src.rpm",
            "builds/fedora/x86_64/qemu-system-x86-core-7.2.0-1.fc38.x86_64.rpm",
        ])
    func intactPackagesStream(_ relative: String) throws {
        let package = try PackageFile(path: Fixtures.path(relative))
        var ended = 0
        try package.streamPayload(select: { _ in true }) { _, event in
            if case .end = event { ended += 1 }
            return .continue
        }
        #expect(ended == package.header.files.filter(\.isRegularFile).count)
    }
}
