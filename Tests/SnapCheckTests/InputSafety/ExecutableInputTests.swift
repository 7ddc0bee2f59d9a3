import Foundation
@_spi(Fuzzing) import SnapCheck
import TestSupport
import Testing

/// An ELF given as an input: scanned like an emulator in a payload, never run,
/// and read only by what holds in every era (`exe-no-package`).
@Suite("Executables given as inputs")
struct ExecutableInputTests {
    @Test(
        "The era-free reading of each fixture emulator: enabled only with both names, never where its package's executable evidence says otherwise",
        arguments: [
            ("builds/el6-stock/x86_64/qemu-kvm-0.12.1.2-2.415.el6.x86_64.rpm", Verdict.unknown),
            ("builds/el6-rhev/x86_64/qemu-kvm-rhev-0.12.1.2-2.415.el6.x86_64.rpm", .enabled),
            ("builds/el6-stock-with-rhev-features/x86_64/qemu-kvm-0.12.1.2-2.415.el6.x86_64.rpm", .enabled),
            ("builds/el6-gap/x86_64/qemu-kvm-0.12.1.2-2.210.el6.x86_64.rpm", .unknown),
            ("builds/el7-old/x86_64/qemu-kvm-1.5.3-10.el7.x86_64.rpm", .enabled),
            ("builds/el7-stock/x86_64/qemu-kvm-1.5.3-175.el7.x86_64.rpm", .unknown),
            ("builds/el7-rhev/x86_64/qemu-kvm-rhev-1.5.3-175.el7.x86_64.rpm", .enabled),
            ("builds/rhev-disabled/x86_64/qemu-kvm-rhev-1.5.3-183.el7.x86_64.rpm", .unknown),
            ("builds/rhev-212/x86_64/qemu-kvm-rhev-2.1.2-23.el7.x86_64.rpm", .enabled),
            ("builds/ev-26/x86_64/qemu-kvm-ev-2.6.0-28.el7.10.1.x86_64.rpm", .enabled),
            ("builds/ev-210/x86_64/qemu-kvm-ev-2.10.0-21.el7_5.7.1.x86_64.rpm", .enabled),
            ("builds/ma-210/x86_64/qemu-kvm-ma-2.10.0-21.el7_5.7.x86_64.rpm", .unknown),
            ("builds/ev-212/x86_64/qemu-kvm-ev-2.12.0-44.1.el7_8.1.x86_64.rpm", .enabled),
            ("builds/ma-212/x86_64/qemu-kvm-ma-2.12.0-44.el7_8.x86_64.rpm", .unknown),
            ("builds/el8/x86_64/qemu-kvm-core-4.2.0-29.el8.x86_64.rpm", .enabled),
            ("builds/fedora/x86_64/qemu-system-x86-core-7.2.0-1.fc38.x86_64.rpm", .enabled),
            ("builds/fedora-013/x86_64/qemu-system-x86-0.13.0-1.fc14.x86_64.rpm", .unknown),
        ])
    func fixtureEmulators(_ package: String, _ expected: Verdict) throws {
        let dir = try temporaryDirectory("bare")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let emulator = try extractedEmulator(package, into: dir)

        let bare = Auditor().audit([emulator])
        #expect(bare.errors.isEmpty, "\(bare.errors)")
        let build = try #require(bare.builds.first)
        #expect(build.verdict == expected)
        #expect(build.era == nil)
        #expect(build.evidence.filter { $0.supports != nil }.map(\.rule).allSatisfy { $0 == Rules.exeNoPackage })

        // The same file inside its package, read with its era: the bare reading never says
        // enabled where the era's own executable rule says disabled or absent.
        let packaged = Auditor().audit([try Fixtures.path(package)])
        let eraVotes = Set(
            packaged.builds.flatMap(\.evidence).filter { $0.layer == .executable }.compactMap(\.supports))
        if eraVotes.contains(.disabled) || eraVotes.contains(.absent) {
            #expect(build.verdict != .enabled)
        }
        if eraVotes == [.enabled] {
            #expect(build.verdict == .enabled, "both names are in every enabled fixture emulator")
        }
    }

    @Test(
        "Debian's QEMU named as an input is enabled from its names, with its version banner as a note, and nothing runs"
    )
    func debiansQEMU() throws {
        try #require(FileManager.default.isExecutableFile(atPath: debianQEMU))
        let result = Auditor().audit([debianQEMU])
        let build = try #require(result.builds.first)
        #expect(build.verdict == .enabled)
        #expect(build.name == "qemu")
        #expect(build.version.hasPrefix("7.2."))
        #expect(build.inputs.map(\.kind) == [.executable])
        #expect(build.evidence.map(\.layer).allSatisfy { $0 == .executable }, "no runtime evidence: it was not run")
        let banner = try #require(build.evidence.first { $0.rule.id == "exe-version-string" })
        #expect(banner.supports == nil)
        #expect(banner.observed.contains("(Debian 1:7.2"), "\(banner.observed)")
    }

    @Test("The version string, even a Virt SIG one, only annotates: the build stays on its own, with no era")
    func bannerIsNoEvidence() throws {
        let dir = try temporaryDirectory("banner")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let package = "builds/ma-212/x86_64/qemu-kvm-ma-2.12.0-44.el7_8.x86_64.rpm"
        let emulator = try extractedEmulator(package, into: dir)
        let result = Auditor().audit([emulator, try Fixtures.path(package)])
        #expect(result.builds.count == 2, "the bare executable joins no package build")
        let bare = try #require(result.builds.first { $0.inputs.map(\.kind) == [.executable] })
        #expect(bare.verdict == .unknown)
        #expect(bare.era == nil)
        #expect(bare.version == "2.12.0")
        #expect(
            bare.evidence.first { $0.rule.id == "exe-version-string" }?.observed
                == "version string: 2.12.0 (qemu-kvm-ma-2.12.0-44.el7_8)")
        let reading = try #require(bare.evidence.first { $0.rule.id == "exe-no-package" })
        #expect(reading.supports == nil)
        #expect(reading.observed.hasPrefix("QMP blockdev-snapshot-sync found, HMP snapshot_blkdev missing"))
    }

    @Test("An ELF met walking a directory is scanned the same way, never run")
    func walkedELF() throws {
        try #require(FileManager.default.isExecutableFile(atPath: debianQEMU))
        let dir = try temporaryDirectory("walk-elf")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: debianQEMU, toPath: dir + "/qemu.rpm")
        let walked = Auditor().audit([dir])
        #expect(walked.errors.isEmpty, "\(walked.errors)")
        #expect(walked.builds.map(\.verdict) == [.enabled])
        #expect(walked.builds.flatMap(\.evidence).map(\.rule).contains(Rules.exeNoPackage))
    }

    @Test("An ELF input over the emulator size limit is refused from its size, before it is read")
    func sizeLimit() throws {
        let dir = try temporaryDirectory("large-elf")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let emulator = try extractedEmulator("builds/el7-rhev/x86_64/qemu-kvm-rhev-1.5.3-175.el7.x86_64.rpm", into: dir)
        var options = AuditOptions()
        options.limits.emulatorBytes = 1 << 10
        let result = Auditor(options: options).audit([emulator])
        #expect(result.builds.isEmpty)
        #expect(result.errors.map(\.message) == ["is 16192 bytes; the limit for an emulator is 1 KiB"])
    }
}

@Suite("QEMU version banners")
struct QEMUVersionBannerTests {
    private func find(_ text: [UInt8], chunk: Int) -> QEMUVersionBanner? {
        var finder = QEMUVersionBannerFinder()
        var offset = 0
        while offset < text.count {
            let end = min(text.count, offset + chunk)
            text[offset..<end].withUnsafeBytes { finder.feed($0) }
            offset = end
        }
        return finder.banner
    }

    @Test("The banner is found whatever the chunk boundaries", arguments: [1, 2, 7, 23, 64, 4096])
    func chunked(_ chunk: Int) {
        let text = Array(
            "\0QEMU emulator version %s\0junk\0QEMU emulator version 2.12.0 (qemu-kvm-ev-2.12.0-44.1.el7_8.1)\nCopyright\0"
                .utf8)
        let banner = find(text, chunk: chunk)
        #expect(banner?.version == "2.12.0", "a %s format is not a version")
        #expect(banner?.package == "qemu-kvm-ev-2.12.0-44.1.el7_8.1")
    }

    @Test("EL6's banner, one without a package string, and none at all")
    func shapes() {
        #expect(
            find(
                Array("QEMU PC emulator version 0.12.1 (qemu-kvm-0.12.1.2-2.415.el6), Copyright (c)\0".utf8), chunk: 5)?
                .text
                == "0.12.1 (qemu-kvm-0.12.1.2-2.415.el6)")
        #expect(
            find(Array("\0QEMU emulator version 2.10.0\nCopyright (c) 2003-2017\0".utf8), chunk: 9)?.text == "2.10.0")
        #expect(find(Array("\0QEMU emulator version \u{1}\u{2}\0".utf8), chunk: 3) == nil)
        #expect(find(Array(repeating: 0, count: 10_000), chunk: 1000) == nil)
    }
}
