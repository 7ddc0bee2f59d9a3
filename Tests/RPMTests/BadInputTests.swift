import Foundation
import RPM
import TestSupport
import Testing

@Suite("Bad inputs")
struct BadInputTests {
    /// Reads the header and then every file of the payload.
    private func readFully(_ path: String) throws {
        let package = try PackageFile(path: path)
        try package.streamPayload(select: { _ in true }) { _, _ in .continue }
    }

    @Test(
        "Each corrupt fixture gives its error kind and a message naming the file",
        arguments: [
            ("empty", RPMError.Kind.notAnRPM),
            ("text", .notAnRPM),
            ("truncated-signature", .truncatedHeader),
            ("truncated-header", .truncatedHeader),
            ("bad-header-magic", .corruptHeader),
            ("flipped-header-data", .corruptHeader),
            ("truncated-payload", .truncatedPayload),
            ("corrupt-payload", .corruptPayload),
            ("tampered-content", .digestMismatch),
            ("bad-compressor", .unsupportedCompressor),
        ])
    func corruptFixture(name: String, kind: RPMError.Kind) throws {
        let path = try Fixtures.path("corrupt/\(name).rpm")
        let error = #expect(throws: RPMError.self) { try readFully(path) }
        #expect(error?.kind == kind, "\(name): \(error.map { "\($0.kind): \($0)" } ?? "no error")")
        #expect(error?.path == path)
        #expect(error?.description.contains(path) == true)
        #expect(error?.message.isEmpty == false)
        // One line for people: no librpm call, result code, log prefix or descriptor name.
        let line = error?.description ?? ""
        for word in [
            "returned", "rpmReadPackageFile", "rpmfi", "Fdopen", "rpmDigest", "<fd:", "/proc/self/fd", "error: ",
            "hdr blob",
        ] {
            #expect(!line.contains(word), "\(name): \(line)")
        }
        #expect(error?.operation.isEmpty == false, "the call stays in the error for programs")
    }

    @Test("An error line drops librpm's prefixes and descriptor names and keeps everything else, parentheses included")
    func plainLine() {
        let error = RPMError(
            .corruptPayload, operation: "rpmfiNext", path: "p.rpm", code: -2,
            message: "error: cannot read (<fd:12>: invalid distance); call `f()` first\nwarning: /proc/self/fd/7: twice"
        )
        #expect(error.description == "p.rpm: cannot read (invalid distance); call `f()` first; twice")
    }

    @Test("A nonexistent path is .notFound, a directory is .isDirectory")
    func pathChecks() throws {
        let missing = "/nonexistent/snapcheck/\(UUID().uuidString).rpm"
        let e1 = #expect(throws: RPMError.self) { _ = try PackageFile(path: missing) }
        #expect(e1?.kind == .notFound)
        #expect(e1?.description.contains(missing) == true)

        let dir = FileManager.default.temporaryDirectory.path
        let e2 = #expect(throws: RPMError.self) { _ = try PackageFile(path: dir) }
        #expect(e2?.kind == .isDirectory)
        #expect(e2?.description.contains(dir) == true)
    }

    @Test("A path with % and spaces is read as given, not macro-expanded")
    func percentInPath() throws {
        let dir = URL(fileURLWithPath: try temporaryDirectory("rpm %{_arch}"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("p%%.rpm").path
        try FileManager.default.copyItem(atPath: try RPMFixtures.binary("gzip"), toPath: copy)
        let package = try PackageFile(path: copy)
        #expect(package.header.name == "qemu-kvm-rhev")
        #expect(try package.readFiles(["/usr/libexec/qemu-kvm"]).count == 1)
    }

    @Test("A header cut off anywhere in its first 8 KiB gives an error, never a crash")
    func truncationSweep() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: try RPMFixtures.binary("xz")))
        let dir = URL(fileURLWithPath: try temporaryDirectory("rpm-cut"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("cut.rpm").path
        var kinds = Set<RPMError.Kind>()
        for length in stride(from: 0, to: min(8192, bytes.count), by: 97) {
            try bytes.prefix(length).write(to: URL(fileURLWithPath: path))
            do {
                try readFully(path)
                Issue.record("a package cut at \(length) bytes read without error")
            } catch let error as RPMError {
                kinds.insert(error.kind)
            }
        }
        #expect(kinds.isSubset(of: [.notAnRPM, .truncatedHeader, .truncatedPayload, .corruptPayload]))
        #expect(kinds.contains(.truncatedHeader))
    }
}
