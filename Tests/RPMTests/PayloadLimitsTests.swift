import Foundation
import RPM
import TestSupport
import Testing

/// `PayloadLimits`: what one payload stream may cost, and reading a package
/// through a descriptor the caller holds.
@Suite("Payload limits and held descriptors")
struct PayloadLimitsTests {
    private static let emulator = "/usr/libexec/qemu-kvm"

    /// The bytes the header declares up to the end of the emulator, in header order.
    private func declaredThroughEmulator(_ package: PackageFile) throws -> UInt64 {
        let files = package.header.files
        let last = try #require(files.firstIndex { $0.path == Self.emulator })
        return files[...last].filter { $0.isRegularFile || $0.isSymbolicLink }.reduce(0) { $0 + $1.size }
    }

    private func streamEmulator(_ package: PackageFile, _ limits: PayloadLimits) throws -> UInt64 {
        var bytes: UInt64 = 0
        try package.streamPayload(select: { $0.path == Self.emulator }, limits: limits) { _, event in
            if case .data(let chunk) = event { bytes += UInt64(chunk.count) }
            return .continue
        }
        return bytes
    }

    @Test(
        "A header declaring more than the archive limit up to the wanted file is refused before decoding",
        arguments: ["gzip", "xz", "zstd"])
    func declaredSizeOverTheLimit(compressor: String) throws {
        let package = try PackageFile(path: try RPMFixtures.binary(compressor))
        let declared = try declaredThroughEmulator(package)
        var delivered = 0
        let error = try #require(throws: RPMError.self) {
            try package.streamPayload(
                select: { $0.path == Self.emulator }, limits: PayloadLimits(archiveBytes: declared - 1)
            ) { _, _ in
                delivered += 1
                return .continue
            }
        }
        #expect(error.kind == .limitExceeded)
        #expect(error.operation == "streamPayload")
        #expect(error.message.contains("up to the end of \(Self.emulator)"), "\(error)")
        #expect(delivered == 0, "nothing is decoded once the header says it is too much")
    }

    @Test("The archive actually decoded is counted too: cpio headers push a stream over a limit the header sizes meet")
    func decodedBytesOverTheLimit() throws {
        let package = try PackageFile(path: try RPMFixtures.binary("zstd"))
        let declared = try declaredThroughEmulator(package)
        let error = try #require(throws: RPMError.self) {
            try streamEmulator(package, PayloadLimits(archiveBytes: declared))
        }
        #expect(error.kind == .limitExceeded)
        #expect(error.operation == "rpmfiArchiveTell")
        #expect(error.message.contains("payload archive limit decoded reading \(Self.emulator)"), "\(error)")
        #expect(!error.description.contains("\n"))
    }

    @Test(
        "A file larger than the archive limit anywhere in the header is refused: an archive in another order could skip it whole"
    )
    func anySingleFileOverTheLimit() throws {
        let package = try PackageFile(path: try RPMFixtures.binary("zstd"))
        // The documentation after the emulator (683 bytes) is never decoded in header order; the emulator is 16 KiB.
        let error = try #require(throws: RPMError.self) {
            try package.streamPayload(
                select: { $0.path.hasSuffix("qmp-commands.txt") }, limits: PayloadLimits(archiveBytes: 1024)
            ) { _, _ in .continue }
        }
        #expect(error.kind == .limitExceeded)
        #expect(error.message.hasPrefix("\(Self.emulator) is declared as 16192 bytes"), "\(error)")
    }

    @Test("A stream past its time limit stops with limit-exceeded")
    func timeLimit() throws {
        let package = try PackageFile(path: try RPMFixtures.binary("xz"))
        let error = try #require(throws: RPMError.self) { try streamEmulator(package, PayloadLimits(time: .zero)) }
        #expect(error.kind == .limitExceeded)
        #expect(error.message.hasPrefix("reading the payload took longer than"), "\(error)")
    }

    @Test("Within the limits the stream is whole, and readFiles passes them on")
    func withinTheLimits() throws {
        let package = try PackageFile(path: try RPMFixtures.binary("gzip"))
        let limits = PayloadLimits(archiveBytes: 1 << 20, time: .seconds(600))
        let size = try #require(package.header.files.first { $0.path == Self.emulator }?.size)
        #expect(try streamEmulator(package, limits) == size)
        #expect(throws: RPMError.self) {
            try package.readFiles([Self.emulator], limits: PayloadLimits(archiveBytes: 100))
        }
        #expect(try package.readFiles([Self.emulator], limits: limits)[Self.emulator]?.count == Int(size))
    }

    @Test("A package read through a held descriptor stays that file when its path is replaced; errors name the path")
    func heldDescriptor() throws {
        let dir = try temporaryDirectory("held")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/package.rpm"
        try FileManager.default.copyItem(atPath: try RPMFixtures.binary("zstd"), toPath: path)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        try #require(descriptor >= 0)
        let package = try PackageFile(descriptor: descriptor, path: path)
        close(descriptor)  // the package keeps its own duplicate
        #expect(package.path == path)
        #expect(package.header.name == "qemu-kvm-rhev")

        // Replace the path with something else entirely: the open file is still what is streamed.
        try FileManager.default.removeItem(atPath: path)
        try Data("not a package".utf8).write(to: URL(fileURLWithPath: path))
        let size = try #require(package.header.files.first { $0.path == Self.emulator }?.size)
        #expect(try streamEmulator(package, PayloadLimits()) == size)

        let text = open(path, O_RDONLY | O_CLOEXEC)
        defer { close(text) }
        let error = try #require(throws: RPMError.self) { try PackageFile(descriptor: text, path: path) }
        #expect(error.kind == .notAnRPM)
        #expect(error.path == path)
        #expect(!error.description.contains("/proc/self/fd"), "\(error)")
    }
}
