import Foundation
import RPM
@_spi(Fuzzing) import SnapCheck
import TestSupport
import Testing

@Suite("Spec evaluation options")
struct SpecOptionsTests {
    /// el7-stock.spec with its `%define rhev 0` replaced by `replacement`, in a temp file.
    func stockSpec(replacingDefineWith replacement: String) throws -> (path: String, directory: String) {
        _ = try Fixtures.built()
        let text = try String(contentsOfFile: Fixtures.source("specs/el7-stock.spec"), encoding: .utf8)
        #expect(text.contains("\n%define rhev 0\n"))
        let directory = try temporaryDirectory("spec-options")
        let path = directory + "/qemu-kvm.spec"
        try text.replacingOccurrences(of: "\n%define rhev 0\n", with: "\n\(replacement)\n").write(
            toFile: path, atomically: false, encoding: .utf8)
        return (path, directory)
    }

    @Test("--define rhev 1 overrides a %{!?rhev:...} default")
    func defineOverridesConditionalDefault() throws {
        let spec = try stockSpec(replacingDefineWith: "%{!?rhev:%global rhev 0}")
        defer { try? FileManager.default.removeItem(atPath: spec.directory) }
        let plain = try #require(audit([spec.path]).builds.first)
        #expect(plain.verdict == .disabled)
        let defined = try #require(
            audit([spec.path]) { $0.defines = [MacroDefinition(name: "rhev", value: "1")] }.builds.first)
        // rhev 1 renames the package too (pkgsuffix -rhev): spec and header agree.
        #expect(defined.verdict == .enabled)
        #expect(defined.name == "qemu-kvm-rhev")
        #expect(defined.evidence.contains { $0.role == .deciding && $0.observed.hasPrefix("--enable-live-block-ops") })
    }

    @Test("--define rhev 1 does not override the spec's own %define rhev 0, as in rpmbuild")
    func defineDoesNotOverrideSpecDefine() throws {
        _ = try Fixtures.built()
        let build = try #require(
            audit([Fixtures.source("specs/el7-stock.spec")]) {
                $0.defines = [MacroDefinition(name: "rhev", value: "1")]
            }.builds.first)
        #expect(build.verdict == .disabled)
    }

    @Test("--target ppc64le evaluates the non-x86_64 branch, which builds no emulator")
    func targetArch() throws {
        _ = try Fixtures.built()
        let build = try #require(
            audit([Fixtures.source("specs/el7-rhev.spec")]) { $0.targetArch = "ppc64le" }.builds.first)
        #expect(build.arch == "ppc64le")
        #expect(build.evidence.contains { $0.rule.id == "spec-no-emulator-configure" })
        // Only the name is left, and a name is a prior, never a vote.
        #expect(build.verdict == .unknown)
        #expect(
            build.evidence.contains { $0.rule.id == "header-rhev-name" && $0.prior == .enabled && $0.supports == nil })
        #expect(!build.evidence.contains { $0.role == .deciding })
    }
}
