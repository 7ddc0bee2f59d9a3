import Foundation
import RPM
import TestSupport
import Testing

@Suite("Payload streams")
struct PayloadTests {
    /// A file's content as `rpm2cpio | cpio` extracts it (binary packages: `./` + absolute path).
    private func cpioContent(_ rpm: String, _ path: String) throws -> [UInt8] {
        let out = try Command.run(
            "/bin/bash", ["-o", "pipefail", "-c", "rpm2cpio '\(rpm)' | cpio -i --quiet --to-stdout '.\(path)'"])
        #expect(out.status == 0)
        return Array(out.stdout)
    }

    @Test("readFiles returns the emulator exactly as rpm2cpio extracts it", arguments: ["gzip", "xz", "zstd"])
    func readFilesMatchesCpio(compressor: String) throws {
        let rpm = try RPMFixtures.binary(compressor)
        let package = try PackageFile(path: rpm)
        let result = try package.readFiles(["/usr/libexec/qemu-kvm", "/no/such/file"])
        #expect(Set(result.keys) == ["/usr/libexec/qemu-kvm"])
        let content = try #require(result["/usr/libexec/qemu-kvm"])
        #expect(content == (try cpioContent(rpm, "/usr/libexec/qemu-kvm")))
        #expect(UInt64(content.count) == package.header.files.first { $0.path == "/usr/libexec/qemu-kvm" }?.size)
    }

    @Test("Every regular file streams in full, with .end after its data", arguments: ["gzip", "xz", "zstd"])
    func streamsEveryFile(compressor: String) throws {
        let package = try PackageFile(path: try RPMFixtures.binary(compressor))
        var sizes: [String: UInt64] = [:]
        var ended: [String] = []
        try package.streamPayload(select: { _ in true }) { entry, event in
            switch event {
            case .data(let chunk):
                #expect(!ended.contains(entry.path))
                #expect(chunk.count <= 64 << 10)
                sizes[entry.path, default: 0] += UInt64(chunk.count)
            case .end:
                ended.append(entry.path)
            }
            return .continue
        }
        let regular = package.header.files.filter(\.isRegularFile)
        #expect(Set(ended) == Set(regular.map(\.path)))
        for file in regular { #expect(sizes[file.path, default: 0] == file.size, "\(file.path)") }
    }

    @Test(
        "The stream stops right after the wanted file when the consumer says .stop", arguments: ["gzip", "xz", "zstd"])
    func stopsEarly(compressor: String) throws {
        let package = try PackageFile(path: try RPMFixtures.binary(compressor))
        // Archive order, from a full stream.
        var order: [String] = []
        try package.streamPayload(select: { _ in true }) { entry, event in
            if case .end = event { order.append(entry.path) }
            return .continue
        }
        try #require(order.count >= 2, "fixture needs two regular files")
        let wanted = order[0]
        var eventsAfterWanted = 0
        var gotWanted = false
        try package.streamPayload(select: { _ in true }) { entry, event in
            if gotWanted { eventsAfterWanted += 1 }
            if entry.path == wanted, case .end = event {
                gotWanted = true
                return .stop
            }
            return .continue
        }
        #expect(gotWanted)
        #expect(eventsAfterWanted == 0)

        // Selecting only the first file: no event for any other file, and the
        // stream returns by itself once that file is complete.
        var seen = Set<String>()
        try package.streamPayload(select: { $0.path == wanted }) { entry, _ in
            seen.insert(entry.path)
            return .continue
        }
        #expect(seen == [wanted])
    }

    @Test("readFiles rejects a file over the limit and skips missing paths")
    func readFilesLimit() throws {
        let package = try PackageFile(path: try RPMFixtures.binary("gzip"))
        let error = #expect(throws: RPMError.self) {
            _ = try package.readFiles(["/usr/libexec/qemu-kvm"], limit: 1)
        }
        #expect(error?.kind == .limitExceeded)
        #expect(error?.description.contains("/usr/libexec/qemu-kvm") == true)
        #expect(try package.readFiles(["/does/not/exist"]).isEmpty)
    }

    @Test("Source packages stream their relative spec file path")
    func sourcePayload() throws {
        for path in try RPMFixtures.rpms(in: "compressors/xz/src") {
            let package = try PackageFile(path: path)
            let specs = Set(package.header.files.map(\.path).filter { $0.hasSuffix(".spec") })
            let result = try package.readFiles(specs)
            #expect(Set(result.keys) == specs)
            for (_, bytes) in result { #expect(String(decoding: bytes, as: UTF8.self).contains("Name:")) }
        }
    }

    @Test("Payload streams from many threads at once give the same bytes")
    func concurrentStreams() async throws {
        let paths = try ["gzip", "xz", "zstd"].map { try RPMFixtures.binary($0) }
        let expected = try paths.map { try PackageFile(path: $0).readFiles(["/usr/libexec/qemu-kvm"]) }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for i in 0..<6 {
                        let ix = (task + i) % paths.count
                        if try PackageFile(path: paths[ix]).readFiles(["/usr/libexec/qemu-kvm"]) != expected[ix] {
                            return false
                        }
                    }
                    return true
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}
