import Foundation
@_spi(Fuzzing) import SnapCheck
import TestSupport
import Testing

/// A binary RPM built by rpmbuild: each file copied from `source` (or empty)
/// and, with a `size`, extended with zeros to it (a sparse file: nothing is written), in a
/// package whose SOURCERPM names `name-version-release`. zstd payload.
private func buildPackage(
    in dir: String, name: String, version: String, release: String,
    files: [(path: String, source: String?, size: Int?)]
) throws -> String {
    var install = ""
    for file in files {
        install += "mkdir -p %{buildroot}\((file.path as NSString).deletingLastPathComponent)\n"
        install += file.source.map { "cp '\($0)' %{buildroot}\(file.path)\n" } ?? "touch %{buildroot}\(file.path)\n"
        if let size = file.size { install += "truncate -s \(size) %{buildroot}\(file.path)\n" }
    }
    let spec = """
        Name: \(name)
        Version: \(version)
        Release: \(release)
        Summary: padded files
        License: GPLv2
        %description
        Files padded with zeros.
        %install
        \(install)
        %files
        \(files.map(\.path).joined(separator: "\n"))
        """
    try spec.write(toFile: dir + "/padded.spec", atomically: false, encoding: .utf8)
    let build = try RPMBuild.binary(spec: dir + "/padded.spec", in: dir)
    try #require(build.status == 0, "rpmbuild: \(build.errorOutput)")
    let rpm = "\(dir)/top/RPMS/x86_64/\(name)-\(version)-\(release).x86_64.rpm"
    try #require(FileManager.default.fileExists(atPath: rpm))
    return rpm
}

/// What one input may cost (`InputLimits`): a crafted payload is refused with
/// one line naming the limit, and the other inputs of the batch still count.
@Suite("Bounded work per package")
struct PayloadCostTests {
    private static let good = "builds/ev-212/x86_64/qemu-kvm-ev-2.12.0-44.1.el7_8.1.x86_64.rpm"

    @Test(
        "An emulator padded with zeros to 1 GiB is refused from its header at the default limits; the batch keeps the other inputs"
    )
    func paddedEmulator() throws {
        let dir = try temporaryDirectory("bomb")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let emulator = try extractedEmulator(Self.good, into: dir)
        let bomb = try buildPackage(
            in: dir, name: "qemu-kvm-ev", version: "2.12.0", release: "45.el7",
            files: [("/usr/libexec/qemu-kvm", emulator, 1 << 30)])
        let result = Auditor().audit([bomb, try Fixtures.path(Self.good)])
        #expect(result.errors.map(\.input) == [bomb])
        #expect(
            result.errors.map(\.message) == [
                "/usr/libexec/qemu-kvm is declared as 1024 MiB; the limit for an emulator is 64 MiB"
            ])
        #expect(result.builds.map(\.displayName) == ["qemu-kvm-ev-10:2.12.0-44.1.el7_8.1"])
        #expect(result.builds.map(\.verdict) == [.enabled])
    }

    @Test("Files declared before the emulator beyond the payload limit are refused before anything is decoded")
    func paddedFilesBefore() throws {
        let dir = try temporaryDirectory("before")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let emulator = try extractedEmulator(Self.good, into: dir)
        let rpm = try buildPackage(
            in: dir, name: "qemu-kvm-ev", version: "2.12.0", release: "46.el7",
            files: [
                ("/usr/bin/aaa-filler", nil, 4 << 20), ("/usr/libexec/qemu-kvm", emulator, nil),
            ])
        var options = AuditOptions()
        options.limits.payloadBytes = 1 << 20
        let refused = Auditor(options: options).audit([rpm])
        #expect(refused.builds.isEmpty)
        let message = try #require(refused.errors.first?.message)
        #expect(
            message.hasPrefix("/usr/bin/aaa-filler is declared as 4 MiB; the payload archive limit is 1 MiB"),
            "\(message)")
        #expect(!message.contains("\n"))

        // At the default limits the same package is read, so the refusal came from the limit.
        #expect(Auditor().audit([rpm]).errors.isEmpty)
    }

    @Test(
        "A payload stream over its time limit is an input error naming the limit",
        arguments: [
            "builds/ev-212/x86_64/qemu-kvm-ev-2.12.0-44.1.el7_8.1.x86_64.rpm",
            "builds/ev-212/src/qemu-kvm-ev-2.12.0-44.1.el7_8.1.src.rpm",
        ])
    func timeLimit(_ package: String) throws {
        var options = AuditOptions()
        options.limits.payloadTime = .zero
        let path = try Fixtures.path(package)
        let result = Auditor(options: options).audit([path])
        #expect(result.errors.map(\.input) == [path])
        #expect(
            result.errors.first?.message.hasPrefix("reading the payload took longer than 0.0 seconds") == true,
            "\(result.errors)")
    }

    @Test("An SRPM whose payload archive is over the limit before its spec is refused")
    func sourcePackageLimit() throws {
        var options = AuditOptions()
        options.limits.payloadBytes = 1 << 10
        let path = try Fixtures.path("builds/ev-212/src/qemu-kvm-ev-2.12.0-44.1.el7_8.1.src.rpm")
        let result = Auditor(options: options).audit([path])
        #expect(result.builds.isEmpty)
        #expect(result.errors.first?.message.contains("the payload archive limit is 1 KiB") == true, "\(result.errors)")
    }
}
