import Foundation
@_spi(Fuzzing) import SnapCheck
import TestSupport
import Testing

/// A root with a real rpmdb: `rpm --initdb`, the fixture build's binary RPMs
/// installed `--justdb`, and the emulator file extracted from its package.
private func installedRoot(_ build: String, emulatorPackage: String) throws -> String {
    let root = try temporaryDirectory("root-\(build)")
    try Command.output("/usr/bin/rpm", ["--initdb", "--root", root])
    let dir = try Fixtures.path("builds/\(build)/x86_64")
    let rpms = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".rpm") }.sorted().map {
        dir + "/" + $0
    }
    try Command.output(
        "/usr/bin/rpm", ["-i", "--justdb", "--nodeps", "--noscripts", "--notriggers", "--root", root] + rpms)
    let package = dir + "/" + emulatorPackage
    try Command.output(
        "/bin/sh",
        ["-c", "cd \"$1\" && rpm2cpio \"$2\" | cpio -idm --quiet ./usr/libexec/qemu-kvm", "sh", root, package])
    return root
}

@Suite("Installed host")
struct InstalledTests {
    @Test("An installed disabled build is judged from its rpmdb headers and its emulator file")
    func installedDisabledBuildIsJudgedFromItsHeaderAndItsEmulatorFile() throws {
        let root = try installedRoot("el7-stock", emulatorPackage: "qemu-kvm-1.5.3-175.el7.x86_64.rpm")
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(FileManager.default.fileExists(atPath: root + "/usr/libexec/qemu-kvm"))

        let result = try Auditor().auditInstalled(root: root)
        #expect(result.errors.isEmpty, "\(result.errors)")
        let build = try #require(result.builds.first)
        #expect(result.builds.count == 1, "one SOURCERPM and arch: one build")
        #expect(build.displayName == "qemu-kvm-10:1.5.3-175.el7")
        #expect(build.arch == "x86_64")
        #expect(build.verdict == .disabled)
        #expect(Set(build.evidence.map(\.layer)) == [.header, .executable])
        let exe = try #require(build.evidence.first { $0.layer == .executable })
        #expect(exe.source == root + "/usr/libexec/qemu-kvm")
        #expect(exe.supports == .disabled)
        #expect(build.inputs.filter { $0.kind == .installed }.count == 4, "every installed package of the build")
        #expect(build.inputs.filter { $0.kind == .executable }.map(\.path) == [root + "/usr/libexec/qemu-kvm"])
    }

    @Test("An installed enabled build is enabled, its emulator file agreeing")
    func installedEnabledBuildIsEnabled() throws {
        let root = try installedRoot("el7-rhev", emulatorPackage: "qemu-kvm-rhev-1.5.3-175.el7.x86_64.rpm")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let result = try Auditor().auditInstalled(root: root)
        #expect(result.builds.map(\.verdict) == [.enabled])
        #expect(result.builds.first?.evidence.contains { $0.layer == .executable && $0.supports == .enabled } == true)
    }

    @Test(
        "Probing the installed emulator adds runtime evidence that decides over the package name, which becomes a warning"
    )
    func probingTheInstalledEmulatorAddsRuntimeEvidenceThatOutranksTheName() throws {
        try #require(FileManager.default.isExecutableFile(atPath: debianQEMU))
        let root = try installedRoot("el7-stock", emulatorPackage: "qemu-kvm-1.5.3-175.el7.x86_64.rpm")
        defer { try? FileManager.default.removeItem(atPath: root) }
        // The rpmdb says a disabled EL7 build; the file at its path is Debian's enabled QEMU.
        try FileManager.default.removeItem(atPath: root + "/usr/libexec/qemu-kvm")
        try TestFiles.copyExecutable(from: debianQEMU, to: root + "/usr/libexec/qemu-kvm")

        let result = try Auditor().auditInstalled(root: root, probe: true)
        #expect(result.errors.isEmpty, "\(result.errors)")
        let build = try #require(result.builds.first)
        // The name (stock, a prior) never votes: the running emulator decides, and the name is a warning.
        #expect(build.verdict == .enabled)
        #expect(
            build.evidence.contains {
                $0.layer == .runtime && $0.role == .deciding && $0.source == root + "/usr/libexec/qemu-kvm"
            })
        #expect(build.evidence.contains { $0.rule.id == "name-contradicts-evidence" && $0.role == .warning })
    }

    @Test("An installed emulator missing from the root is an error naming it, and the header still counts")
    func aMissingInstalledEmulatorIsAnErrorAndTheHeaderStillCounts() throws {
        let root = try installedRoot("el7-stock", emulatorPackage: "qemu-kvm-1.5.3-175.el7.x86_64.rpm")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.removeItem(atPath: root + "/usr/libexec/qemu-kvm")
        let result = try Auditor().auditInstalled(root: root)
        #expect(result.errors.map(\.message) == ["listed in the rpmdb but missing"])
        #expect(result.errors.map(\.input) == [root + "/usr/libexec/qemu-kvm"])
        #expect(result.builds.first.map { Set($0.evidence.map(\.layer)) } == [.header])
    }

    @Test("A root without an rpmdb is refused with one line, and none is created")
    func aRootWithoutAnRPMDBIsRefusedWithOneLine() throws {
        let root = try temporaryDirectory("empty-root")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let error = #expect(throws: InstalledAuditError.self) { try Auditor().auditInstalled(root: root) }
        #expect(error?.message.contains("no rpmdb") == true, "\(String(describing: error))")
        #expect(error?.message.contains("\n") == false)
        // librpm must not have created one while looking.
        #expect((try? FileManager.default.contentsOfDirectory(atPath: root)) == [])
    }

    @Test("An rpmdb without a QEMU package is refused with one line counting its packages")
    func anRPMDBWithoutQEMUIsRefusedWithOneLine() throws {
        let root = try temporaryDirectory("no-qemu-root")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Command.output("/usr/bin/rpm", ["--initdb", "--root", root])
        let nonqemu = try Fixtures.path("builds/nonqemu")
        let rpms = try Command.output("/usr/bin/find", [nonqemu, "-name", "*.rpm", "!", "-name", "*.src.rpm"]).split(
            separator: "\n"
        ).map(String.init)
        if !rpms.isEmpty {
            try Command.output(
                "/usr/bin/rpm", ["-i", "--justdb", "--nodeps", "--noscripts", "--ignorearch", "--root", root] + rpms)
        }
        let error = #expect(throws: InstalledAuditError.self) { try Auditor().auditInstalled(root: root) }
        #expect(error?.message.contains("no QEMU package installed") == true, "\(String(describing: error))")
        #expect(error?.message.contains("(\(rpms.count) packages)") == true, "\(String(describing: error))")
    }
}
