import Foundation
import TestSupport
import Testing

@Suite("snapcheck --probe and --installed, through the CLI")
struct ProbeCLITests {
    @Test("--probe runs Debian's QEMU; --save-qmp writes a capture that audits to the same report")
    func probeAndReplay() throws {
        try #require(FileManager.default.isExecutableFile(atPath: debianQEMU))
        let dir = try temporaryDirectory("save")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let saved = dir + "/host.qmp"
        let probed = try SnapCheckBinary.run(["--format", "json", "--probe", debianQEMU, "--save-qmp", saved])
        #expect(probed.status == 0, "\(probed.errorOutput)")
        let build = try #require(builds(try jsonReport(probed)).first)
        #expect(build["verdict"] as? String == "enabled")
        #expect((build["inputs"] as? [[String: Any]])?.first?["kind"] as? String == "executable")

        let replayed = try SnapCheckBinary.run(["--format", "json", saved])
        #expect(replayed.status == 0)
        let again = try #require(builds(try jsonReport(replayed)).first)
        #expect(again["verdict"] as? String == "enabled")
        #expect(again["version"] as? String == build["version"] as? String)
        let rules = { (b: [String: Any]) in
            ((b["evidence"] as? [[String: Any]]) ?? []).compactMap { $0["rule"] as? String }
        }
        #expect(rules(again) == rules(build))
    }

    @Test("A fake that lists no snapshot command exits 1 (expected enabled) and 0 with --expect disabled")
    func disabledFake() throws {
        let dir = try temporaryDirectory("fake")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try fakeEmulator("no-snapshot", in: dir)
        #expect(try SnapCheckBinary.run(["--probe", path]).status == 1)
        #expect(try SnapCheckBinary.run(["--expect", "disabled", "--probe", path]).status == 0)
    }

    @Test("A probe that times out is an input error: exit 2, one line naming the executable")
    func timeout() throws {
        let dir = try temporaryDirectory("silent")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try fakeEmulator("silent", in: dir)
        let result = try SnapCheckBinary.run(["--quiet", "--probe", path, "--probe-timeout", "0.3"])
        #expect(result.status == 2)
        #expect(
            result.errorOutput.contains("\(path): probe failed: no answer within the timeout"), "\(result.errorOutput)")
    }

    @Test("--installed on a root without an rpmdb: exit 2 and one clear line")
    func installedWithoutRPMDB() throws {
        let root = try temporaryDirectory("root")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let result = try SnapCheckBinary.run(["--installed", "--root", root])
        #expect(result.status == 2)
        #expect(result.output.isEmpty)
        let lines = result.errorOutput.split(separator: "\n")
        #expect(lines.count == 1, "\(result.errorOutput)")
        #expect(
            lines.first?.hasPrefix("snapcheck: --installed: cannot read the rpmdb of \(root)") == true,
            "\(result.errorOutput)")
        #expect(lines.first?.contains("no rpmdb") == true)
    }

    @Test("--installed audits a real rpmdb with --justdb packages and the installed emulator file")
    func installed() throws {
        let root = try temporaryDirectory("installed")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = try Fixtures.path("builds/el7-rhev/x86_64")
        let rpms = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".rpm") }.sorted().map
        { dir + "/" + $0 }
        #expect(try Command.run("/usr/bin/rpm", ["--initdb", "--root", root]).status == 0)
        let install = try Command.run(
            "/usr/bin/rpm", ["-i", "--justdb", "--nodeps", "--noscripts", "--root", root] + rpms)
        #expect(install.status == 0, "\(install.errorOutput)")
        let extract = try Command.run(
            "/bin/sh",
            [
                "-c", "cd \"$1\" && rpm2cpio \"$2\" | cpio -idm --quiet ./usr/libexec/qemu-kvm",
                "sh", root, dir + "/qemu-kvm-rhev-1.5.3-175.el7.x86_64.rpm",
            ])
        #expect(extract.status == 0, "\(extract.errorOutput)")

        let result = try SnapCheckBinary.run(["--format", "json", "--installed", "--root", root])
        #expect(result.status == 0, "\(result.errorOutput)")
        let build = try #require(builds(try jsonReport(result)).first)
        #expect(build["name"] as? String == "qemu-kvm-rhev")
        #expect(build["verdict"] as? String == "enabled")
        let layers = Set(((build["evidence"] as? [[String: Any]]) ?? []).compactMap { $0["layer"] as? String })
        #expect(layers == ["header", "executable"])
        let kinds = ((build["inputs"] as? [[String: Any]]) ?? []).compactMap { $0["kind"] as? String }
        #expect(Set(kinds) == ["installed", "executable"])
    }

    @Test("--installed refuses inputs; --root needs --installed")
    func usage() throws {
        let withInput = try SnapCheckBinary.run(["--installed", "/tmp"])
        #expect(withInput.status == 64)
        #expect(withInput.errorOutput.contains("--installed audits the rpmdb"), "\(withInput.errorOutput)")
        let rootAlone = try SnapCheckBinary.run(["--root", "/tmp", "/tmp"])
        #expect(rootAlone.status == 64)
    }
}
