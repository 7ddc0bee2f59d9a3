import Foundation
import RPM
import TestSupport
import Testing

@_spi(Fuzzing) @testable import SnapCheck

@Suite("Emulators and specs where packages really keep them")
struct PackageShapeTests {
    static func rpm(_ id: String) throws -> String {
        let directory = try fixtureDirectory(id, "x86_64")
        let name = try #require(
            try FileManager.default.contentsOfDirectory(atPath: directory).first { $0.hasPrefix("qemu-kvm-rhev-1.5.3") }
        )
        return directory + "/" + name
    }

    @Test("An emulator path that is a hard link whose bytes the archive stores with another member is still scanned")
    func hardLinkedEmulator() throws {
        let path = try Self.rpm("emulator-hardlink")
        let build = try #require(audit([path]).builds.first)
        #expect(build.verdict == .enabled)
        #expect(build.deciding == ["exe-qmp-names@-"])
        #expect(build.evidence.first { $0.role == .deciding }?.source == path + ":/usr/libexec/qemu-kvm")
    }

    @Test("An emulator path that is a symbolic link is followed to the file it names in the package")
    func symlinkedEmulator() throws {
        let path = try Self.rpm("emulator-symlink")
        let build = try #require(audit([path]).builds.first)
        #expect(build.verdict == .enabled)
        #expect(
            build.evidence.first { $0.role == .deciding }?.source == path
                + ":/usr/libexec/qemu-kvm -> /usr/share/qemu-kvm/emulator")
    }

    @Test("A link to an emulator the package does not hold is a note, and no executable vote")
    func danglingEmulator() throws {
        let path = try Self.rpm("emulator-dangling")
        let build = try #require(audit([path]).builds.first)
        #expect(build.verdict == .unknown)
        let note = try #require(build.evidence.first { $0.rule.id == "exe-content-missing" })
        #expect(
            note.observed
                == "/usr/libexec/qemu-kvm is a link to /usr/bin/qemu-system-x86_64, which this package does not hold")
        #expect(note.supports == nil)
        #expect(!build.evidence.contains { $0.layer == .executable && $0.supports != nil })
    }

    @Test("An SRPM's spec is the file rpm flags as its spec, not another .spec shipped as a source")
    func flaggedSpecOnly() throws {
        let srpm = try #require(
            try FileManager.default.contentsOfDirectory(atPath: try fixtureDirectory("srpm-decoy-spec", "src")).first)
        let path = try fixtureDirectory("srpm-decoy-spec", "src") + "/" + srpm
        let build = try #require(audit([path]).builds.first)
        #expect(build.verdict == .disabled)
        let deciding = try #require(build.evidence.first { $0.role == .deciding })
        #expect(deciding.source == path + ":srpm-decoy-spec.spec")
        #expect(deciding.rule.id == "el7-live-block-ops")
    }

    @Test(
        "Links inside a package resolve like paths",
        arguments: [
            ("../share/qemu-kvm/emulator", "/usr/libexec/qemu-kvm", "/usr/share/qemu-kvm/emulator"),
            ("/usr/bin/x", "/usr/libexec/qemu-kvm", "/usr/bin/x"),
            ("./x/../../bin/y", "/usr/libexec/qemu-kvm", "/usr/bin/y"),
            ("../../../../../etc/passwd", "/usr/libexec/qemu-kvm", "/etc/passwd"),
        ])
    func linkResolution(_ target: String, _ link: String, _ resolved: String) {
        #expect(EmulatorFiles.resolve(target, from: link) == resolved)
    }

    @Test("A chain of links that loops names no emulator and says why")
    func linkLoop() {
        let files = [
            FileEntry(path: "/usr/libexec/qemu-kvm", mode: 0o120777, size: 3, linkTarget: "a"),
            FileEntry(path: "/usr/libexec/a", mode: 0o120777, size: 9, linkTarget: "qemu-kvm"),
        ]
        let emulators = EmulatorFiles(files)
        #expect(emulators.read.isEmpty)
        #expect(emulators.missing.map(\.why) == ["/usr/libexec/qemu-kvm is a chain of more than 8 links"])
    }
}
