import Foundation
import RPM
import TestSupport
import Testing

/// What a consumer sees of a stream: per file in order, its bytes and whether `.end` came.
private struct Delivered: Equatable {
    var files: [String] = []
    var bytes: [String: [UInt8]] = [:]
    var ended: [String] = []
    var largestChunk = 0
}

private func deliver(
    _ package: PackageFile, _ concurrency: PayloadConcurrency,
    select: (FileEntry) -> Bool = { _ in true }
) throws -> Delivered {
    var seen = Delivered()
    try package.streamPayload(select: select, concurrency: concurrency) { entry, event in
        if seen.files.last != entry.path { seen.files.append(entry.path) }
        switch event {
        case .data(let chunk):
            #expect(!seen.ended.contains(entry.path), "data after .end of \(entry.path)")
            seen.bytes[entry.path, default: []] += chunk
            seen.largestChunk = max(seen.largestChunk, chunk.count)
        case .end:
            seen.ended.append(entry.path)
        }
        return .continue
    }
    return seen
}

/// Deterministic pseudo-random bytes (SplitMix64), about half of them zero like a binary.
private func binaryLike(count: Int, seed: UInt64) -> [UInt8] {
    var random = SplitMix64(state: seed)
    return (0..<count).map { _ in
        let z = random.next()
        return z & 1 == 0 ? 0 : UInt8(truncatingIfNeeded: z >> 8)
    }
}

/// A binary RPM (rpmbuild, zstd) whose files are many decode buffers long: a pipelined
/// stream then fills its ring, waits for the consumer and hands buffers over many times.
/// Files in payload order: 3 MiB, an empty file, 1 MiB plus a hard link to it, 5 MiB.
private enum LargePackage {
    static let files: [(path: String, bytes: [UInt8])] = [
        ("/usr/bin/aaa-tool", binaryLike(count: 3 << 20, seed: 1)),
        ("/usr/bin/bbb-empty", []),
        ("/usr/lib64/ccc-module.so", binaryLike(count: 1 << 20, seed: 2)),
        ("/usr/libexec/qemu-kvm", binaryLike(count: 5 << 20 | 12345, seed: 3)),
    ]
    static let hardLink = "/usr/lib64/ccc-module-link.so"

    static let path: Result<String, any Error> = Result {
        let dir = temporaryPath("large")
        let stage = dir + "/stage"
        var install = "mkdir -p %{buildroot}\n"
        for file in files {
            let target = stage + file.path
            try FileManager.default.createDirectory(
                atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(file.bytes).write(to: URL(fileURLWithPath: target))
        }
        install += "cp -a \(stage)/. %{buildroot}/\nln %{buildroot}/usr/lib64/ccc-module.so %{buildroot}\(hardLink)\n"
        let spec = """
            Name: large-payload
            Version: 1
            Release: 1
            Summary: files many decode buffers long
            License: GPLv2
            %description
            Files many decode buffers long.
            %install
            \(install)
            %files
            \((files.map(\.path) + [hardLink]).joined(separator: "\n"))
            """
        try spec.write(toFile: dir + "/large.spec", atomically: false, encoding: .utf8)
        let build = try RPMBuild.binary(spec: dir + "/large.spec", in: dir)
        guard build.status == 0 else { throw FixtureError.missing("rpmbuild of large-payload failed") }
        let rpms = try FileManager.default.contentsOfDirectory(atPath: dir + "/top/RPMS/x86_64")
        guard let rpm = rpms.first(where: { $0.hasSuffix(".rpm") }) else {
            throw FixtureError.missing("large-payload rpm")
        }
        return dir + "/top/RPMS/x86_64/" + rpm
    }
}

/// `.pipelined` payload streams (decoding on a thread of its own) against the
/// sequential ones: the consumer must not be able to tell them apart, except
/// by the size of the chunks.
@Suite("Pipelined payload streams")
struct PipelinedPayloadTests {
    @Test("Every fixture package streams the same files, bytes and ends pipelined as sequentially")
    func sameDeliveryForEveryPackage() throws {
        let packages = try RPMFixtures.allPackages()
        try #require(packages.count > 10)
        for path in packages {
            let package = try PackageFile(path: path)
            let sequential = try deliver(package, .sequential)
            let pipelined = try deliver(package, .pipelined)
            #expect(pipelined.files == sequential.files, "\(path)")
            #expect(pipelined.bytes == sequential.bytes, "\(path)")
            #expect(pipelined.ended == sequential.ended, "\(path)")
            #expect(sequential.largestChunk <= 64 << 10)
            #expect(pipelined.largestChunk <= 256 << 10)
        }
    }

    @Test("The emulator streamed pipelined is what rpm2cpio extracts", arguments: ["gzip", "xz", "zstd"])
    func emulatorMatchesCpio(compressor: String) throws {
        let rpm = try RPMFixtures.binary(compressor)
        let delivered = try deliver(PackageFile(path: rpm), .pipelined) { $0.path == "/usr/libexec/qemu-kvm" }
        let cpio = try Command.run(
            "/bin/bash",
            ["-o", "pipefail", "-c", "rpm2cpio '\(rpm)' | cpio -i --quiet --to-stdout ./usr/libexec/qemu-kvm"])
        #expect(cpio.status == 0)
        #expect(delivered.files == ["/usr/libexec/qemu-kvm"])
        #expect(delivered.bytes["/usr/libexec/qemu-kvm"] == Array(cpio.stdout))
        #expect(delivered.ended == ["/usr/libexec/qemu-kvm"])
    }

    @Test("A consumer's .stop ends a pipelined stream at once: no event follows it", arguments: ["gzip", "xz", "zstd"])
    func stopEndsTheStream(compressor: String) throws {
        let package = try PackageFile(path: try RPMFixtures.binary(compressor))
        // Stop in the middle of the first file's data, and at the first .end.
        for stopAtEnd in [false, true] {
            var events = 0
            var afterStop = 0
            var stopped = false
            try package.streamPayload(select: { _ in true }, concurrency: .pipelined) { _, event in
                if stopped { afterStop += 1 }
                events += 1
                switch event {
                case .data where !stopAtEnd, .end where stopAtEnd:
                    stopped = true
                    return .stop
                default:
                    return .continue
                }
            }
            #expect(stopped)
            #expect(afterStop == 0)
        }
    }

    @Test("A consumer's error ends a pipelined stream and comes back unchanged")
    func consumerErrorComesBack() throws {
        struct Refused: Error, Equatable { var path: String }
        let package = try PackageFile(path: try RPMFixtures.binary("xz"))
        for _ in 0..<20 {  // the decoding thread is stopped and joined every time, or this hangs
            let error = try #require(throws: Refused.self) {
                try package.streamPayload(select: { _ in true }, concurrency: .pipelined) { entry, _ in
                    throw Refused(path: entry.path)
                }
            }
            #expect(error.path.hasPrefix("/"))
        }
    }

    @Test("Damaged packages fail pipelined with the error they fail with sequentially")
    func sameErrors() throws {
        let names = ["truncated-payload", "corrupt-payload", "tampered-content", "bad-compressor"]
        for name in names {
            let package = try PackageFile(path: Fixtures.path("corrupt/\(name).rpm"))
            let sequential = try #require(throws: RPMError.self) { _ = try deliver(package, .sequential) }
            let pipelined = try #require(throws: RPMError.self) { _ = try deliver(package, .pipelined) }
            #expect(pipelined.kind == sequential.kind, "\(name)")
            #expect(pipelined.operation == sequential.operation, "\(name)")
            #expect(pipelined.message == sequential.message, "\(name)")
            // Nothing that differs from run to run: rpmio names the stream by its descriptor number.
            #expect(!sequential.message.contains("<fd:"), "\(sequential.message)")
        }
    }

    @Test("Limits stop a pipelined stream with the error of a sequential one")
    func sameLimitErrors() throws {
        let package = try PackageFile(path: try RPMFixtures.binary("zstd"))
        let emulator = try #require(package.header.files.first { $0.path == "/usr/libexec/qemu-kvm" })
        for limits in [
            PayloadLimits(archiveBytes: emulator.size), PayloadLimits(archiveBytes: 1024), PayloadLimits(time: .zero),
        ] {
            func stream(_ concurrency: PayloadConcurrency) throws {
                try package.streamPayload(
                    select: { $0.path == emulator.path }, limits: limits, concurrency: concurrency
                ) { _, _ in .continue }
            }
            let sequential = try #require(throws: RPMError.self) { try stream(.sequential) }
            let pipelined = try #require(throws: RPMError.self) { try stream(.pipelined) }
            #expect(sequential.kind == .limitExceeded)
            #expect(pipelined.kind == sequential.kind)
            #expect(pipelined.operation == sequential.operation)
            #expect(pipelined.message == sequential.message)
        }
    }

    @Test("Pipelined streams from many threads at once give the same bytes")
    func concurrentPipelinedStreams() async throws {
        let paths = try ["gzip", "xz", "zstd"].map { try RPMFixtures.binary($0) }
        let expected = try paths.map { try deliver(PackageFile(path: $0), .sequential).bytes }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for task in 0..<6 {
                group.addTask {
                    for i in 0..<4 {
                        let ix = (task + i) % paths.count
                        if try deliver(PackageFile(path: paths[ix]), .pipelined).bytes != expected[ix] { return false }
                    }
                    return true
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }

    @Test("Files many buffers long stream pipelined exactly as they were packaged, hard link and empty file included")
    func largeFiles() throws {
        let package = try PackageFile(path: LargePackage.path.get())
        let sequential = try deliver(package, .sequential)
        let pipelined = try deliver(package, .pipelined)
        #expect(
            pipelined
                == Delivered(
                    files: sequential.files, bytes: sequential.bytes, ended: sequential.ended,
                    largestChunk: 256 << 10))
        let (tool, empty, module, emulator) = (
            LargePackage.files[0], LargePackage.files[1], LargePackage.files[2], LargePackage.files[3]
        )
        #expect(pipelined.bytes[tool.path] == tool.bytes)
        #expect(pipelined.bytes[emulator.path] == emulator.bytes)
        // The hard-link set is delivered once, under its first name, where the archive holds
        // its content: after the other files.
        #expect(pipelined.bytes[LargePackage.hardLink] == module.bytes)
        #expect(pipelined.ended == [tool.path, empty.path, emulator.path, LargePackage.hardLink])
        // The other member of the hard-link set, selected alone, gets the set's content too.
        let member = try deliver(package, .pipelined) { $0.path == module.path }
        #expect(member.bytes[module.path] == module.bytes)
    }

    @Test(
        "A consumer that falls behind and then stops or fails ends a pipelined stream; the decoder waiting for a buffer is released"
    )
    func slowConsumerStops() throws {
        struct Refused: Error {}
        let package = try PackageFile(path: LargePackage.path.get())
        for fails in [false, true] {
            var chunks = 0
            var afterStop = 0
            let stream = {
                try package.streamPayload(select: { $0.path == "/usr/libexec/qemu-kvm" }, concurrency: .pipelined) {
                    _, _ in
                    chunks += 1
                    if chunks > 3 { afterStop += 1 }
                    guard chunks < 3 else {
                        if fails { throw Refused() }
                        return .stop
                    }
                    usleep(50_000)  // the decoder fills every buffer meanwhile and waits
                    return .continue
                }
            }
            if fails { #expect(throws: Refused.self) { try stream() } } else { try stream() }
            #expect(chunks == 3)
            #expect(afterStop == 0)
        }
    }
}
