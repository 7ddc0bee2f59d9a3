import Foundation
@_spi(Fuzzing) import SnapCheck
import TestSupport
import Testing

/// A root with a real rpmdb holding the stock (disabled) EL7 build `--justdb`,
/// and no emulator file yet.
private func stockRoot() throws -> String {
    let root = try temporaryDirectory("in-root")
    try Command.output("/usr/bin/rpm", ["--initdb", "--root", root])
    try Command.output(
        "/usr/bin/rpm",
        [
            "-i", "--justdb", "--nodeps", "--noscripts", "--notriggers", "--root", root,
            try Fixtures.path("builds/el7-stock/x86_64/qemu-kvm-1.5.3-175.el7.x86_64.rpm"),
        ])
    return root
}

/// Puts the stock build's (disabled) emulator at `path` inside `root`.
private func placeStockEmulator(at path: String, in root: String) throws {
    let scratch = try temporaryDirectory("emulator")
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let emulator = try extractedEmulator("builds/el7-stock/x86_64/qemu-kvm-1.5.3-175.el7.x86_64.rpm", into: scratch)
    try FileManager.default.createDirectory(
        atPath: root + (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: emulator, toPath: root + path)
}

private func link(_ path: String, to target: String, in root: String) throws {
    try FileManager.default.createDirectory(
        atPath: root + (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: root + path, withDestinationPath: target)
}

/// `--installed --root DIR` reads the emulator files the rpmdb lists as that
/// system would: symbolic links, in the file and its parents, resolve inside
/// DIR. The host's own `/usr/bin/qemu-system-x86_64` is Debian's enabled QEMU,
/// so following a link on the host would show up as enabled evidence.
@Suite("Installed roots: links resolve inside the root")
struct InstalledRootTests {
    @Test(
        "An absolute link at the emulator path, or one climbing with .., resolves inside the root",
        arguments: [
            "/usr/bin/qemu-system-x86_64", "../../../../../../../../../usr/bin/qemu-system-x86_64",
            "../bin/./qemu-system-x86_64",
        ])
    func linkedEmulator(_ target: String) throws {
        let root = try stockRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try placeStockEmulator(at: "/usr/bin/qemu-system-x86_64", in: root)
        try link("/usr/libexec/qemu-kvm", to: target, in: root)

        let result = try Auditor().auditInstalled(root: root)
        #expect(result.errors.isEmpty, "\(result.errors)")
        let build = try #require(result.builds.first)
        #expect(build.verdict == .disabled, "the root's own emulator, not the host's")
        let executable = try #require(build.evidence.first { $0.layer == .executable })
        #expect(executable.supports == .disabled)
        #expect(executable.source == root + "/usr/libexec/qemu-kvm", "named as the rpmdb lists it")
        let digest = try Command.output("/usr/bin/sha256sum", [root + "/usr/bin/qemu-system-x86_64"]).prefix(64)
        #expect(build.inputs.first { $0.kind == .executable }?.sha256 == String(digest))
    }

    @Test("A link in a parent directory resolves inside the root too")
    func linkedParent() throws {
        let root = try stockRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try placeStockEmulator(at: "/opt/qemu/qemu-kvm", in: root)
        try link("/usr/libexec", to: "/opt/qemu", in: root)
        let result = try Auditor().auditInstalled(root: root)
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.builds.first?.evidence.first { $0.layer == .executable }?.supports == .disabled)
    }

    @Test("A link to a host file that the root does not have is missing; the host file is never read")
    func linkOutOfTheRoot() throws {
        let root = try stockRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try link("/usr/libexec/qemu-kvm", to: "/etc/passwd", in: root)
        let result = try Auditor().auditInstalled(root: root)
        #expect(result.errors.map(\.input) == [root + "/usr/libexec/qemu-kvm"])
        #expect(result.errors.map(\.message) == ["listed in the rpmdb but missing"])
        #expect(result.builds.first.map { Set($0.evidence.map(\.layer)) } == [.header])
    }

    @Test("A link loop is one error, not a hang")
    func linkLoop() throws {
        let root = try stockRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try link("/usr/libexec/qemu-kvm", to: "/usr/libexec/other", in: root)
        try link("/usr/libexec/other", to: "qemu-kvm", in: root)
        let result = try Auditor().auditInstalled(root: root)
        #expect(result.errors.map(\.message) == ["cannot be opened for reading: Too many levels of symbolic links"])
    }

    @Test("--probe-installed runs the file the link resolves to inside the root, not the host's")
    func probeFollowsTheRootsLink() throws {
        let root = try stockRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/usr/bin", withIntermediateDirectories: true)
        for name in ["no-snapshot", "qmp-lib.sh"] {
            let target = root + "/usr/bin/" + (name == "no-snapshot" ? "qemu-system-x86_64" : name)
            try TestFiles.copyExecutable(from: Fixtures.source("qmp-fakes/" + name), to: target)
        }
        try link("/usr/libexec/qemu-kvm", to: "/usr/bin/qemu-system-x86_64", in: root)

        let result = try Auditor().auditInstalled(root: root, probe: true)
        #expect(result.errors.isEmpty, "\(result.errors)")
        let build = try #require(result.builds.first)
        let runtime = try #require(build.evidence.first { $0.layer == .runtime && $0.supports != nil })
        #expect(runtime.supports == .disabled, "the root's fake lists no snapshot command; the host's QEMU would")
        #expect(build.verdict == .disabled)
    }
}
