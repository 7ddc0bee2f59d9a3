import Foundation
import TestSupport
import Testing

@testable import SnapCheck

/// A src build speaks for every arch its spec builds for, so a changed spec is
/// judged as the audit judges that build: on every arch it then builds for,
/// an arch that builds no emulator dropping out, the arches that decide agreeing.
@Suite("Remedies of source builds")
struct SourceBuildRemedyTests {
    /// EL7 1.5.3 rhev-switched for every arch; `aarch64` is what aarch64 configures instead, and
    /// `preamble` follows the switch's definition.
    static func spec(aarch64: (rhev0: String, rhev1: String)? = nil, preamble: String = "") -> ShapeSpec {
        let arm = aarch64.map { arm in
            """
            %ifarch aarch64
            %if %{rhev}
            ./configure \(arm.rhev1)
            %else
            ./configure \(arm.rhev0)
            %endif
            %else
            ./configure --target-list=x86_64-softmmu %{live_ops}
            %endif
            """
        }
        return ShapeSpec(
            preamble: "%define rhev 0\n" + preamble,
            build: """
                %if %{rhev}
                %define live_ops --enable-live-block-ops
                %else
                %define live_ops --disable-live-block-ops
                %endif
                \(arm ?? "./configure --target-list=x86_64-softmmu %{live_ops}")
                """)
    }

    static let aarch64Disabled = "--target-list=aarch64-softmmu --disable-live-block-ops"
    static let noEmulator = "--disable-system --enable-tools"

    /// The remedy of `shape`'s src build, applied to a copy of the spec and audited again.
    func applied(_ shape: ShapeSpec) throws -> (remedy: Remedy, after: Build?) {
        let (build, path) = try shape.audit()
        #expect(build.arch == "src")
        #expect(build.verdict == .disabled)
        let remedy = try #require(build.remedy)
        guard let edit = remedy.edit else { return (remedy, nil) }
        var lines = shape.text.components(separatedBy: "\n")
        lines[edit.line - 1] = lines[edit.line - 1].replacingOccurrences(of: edit.replace, with: edit.with)
        let copy = path + ".applied.spec"
        try lines.joined(separator: "\n").write(toFile: copy, atomically: false, encoding: .utf8)
        return (remedy, try #require(audit([copy]).builds.only))
    }

    @Test("A switch that enables every arch is the remedy, and the reason says it held on every arch")
    func switchForEveryArch() throws {
        let (remedy, after) = try applied(Self.spec())
        #expect(remedy.edit?.replace == "%define rhev 0")
        #expect(remedy.edit?.with == "%define rhev 1")
        #expect(
            remedy.reason
                == "the spec, evaluated again with this change, gives enabled as a src build, on every arch it builds for"
        )
        #expect(after?.verdict == .enabled)
    }

    @Test("A switch that leaves an arch its own disable flag is no remedy; the reason says what each arch gives")
    func switchLeavesOneArch() throws {
        let (remedy, after) = try applied(
            Self.spec(aarch64: (rhev0: Self.aarch64Disabled, rhev1: Self.aarch64Disabled)))
        #expect(remedy.edit == nil)
        #expect(after == nil)
        #expect(remedy.option == nil)
        #expect(
            remedy.reason.contains(
                "left the src build's arches disagreeing: `%define rhev 0` → `%define rhev 1` gives aarch64: disabled; ppc64le: enabled; s390x: enabled; x86_64: enabled"
            ), "\(remedy.reason)")
        #expect(remedy.reason.hasSuffix("(--target ARCH gives each arch's own remedy)"), "\(remedy.reason)")
    }

    @Test("A switch after which an arch builds no emulator is a remedy: that arch drops out, as in the audit")
    func archStopsBuildingTheEmulator() throws {
        let (remedy, after) = try applied(Self.spec(aarch64: (rhev0: Self.aarch64Disabled, rhev1: Self.noEmulator)))
        #expect(remedy.edit?.with == "%define rhev 1")
        #expect(after?.verdict == .enabled)
        #expect(after?.meetsExpectation == true)
    }

    @Test(
        "A switch that makes an arch build its emulator disabled, or adds one to ExclusiveArch, is passed over for the flag that leaves it",
        arguments: [
            ("", (rhev0: noEmulator, rhev1: aarch64Disabled)),
            (
                "%if %{rhev}\nExclusiveArch: x86_64 aarch64\n%else\nExclusiveArch: x86_64\n%endif",
                (rhev0: aarch64Disabled, rhev1: aarch64Disabled)
            ),
        ])
    func switchAddsAnArch(_ preamble: String, _ aarch64: (rhev0: String, rhev1: String)) throws {
        let (remedy, after) = try applied(Self.spec(aarch64: aarch64, preamble: preamble))
        // `%define rhev 1` would give aarch64 a disabled emulator: the x86_64 flag is the change.
        #expect(remedy.edit?.replace == "--disable-live-block-ops", "\(remedy.reason)")
        #expect(remedy.edit?.line == Self.spec(preamble: preamble).buildLine + 3)
        #expect(after?.verdict == .enabled)
        #expect(after?.meetsExpectation == true)
    }

    @Test("Each change costs one evaluation of the budget, however many arches it builds for")
    func manyArchesOneEvaluation() throws {
        let arches = "x86_64 aarch64 ppc64le s390x i686 armv7hl ppc64 riscv64 s390 ppc i586 armv7l loongarch64"
        let (remedy, after) = try applied(Self.spec(preamble: "ExclusiveArch: \(arches)"))
        #expect(remedy.edit?.with == "%define rhev 1", "\(remedy.reason)")
        #expect(after?.verdict == .enabled)
    }

    @Test("A spec audited with its SRPM: the remedy says the SRPM's spec must change too")
    func specWithItsSourcePackage() throws {
        let shape = Self.spec()
        let (_, path) = try shape.audit()
        let srpm = try shape.sourcePackage()
        let build = try #require(audit([path, srpm]).builds.only)
        #expect(build.verdict == .disabled)
        let remedy = try #require(build.remedy)
        #expect(remedy.edit?.file == path)
        #expect(
            remedy.reason.hasSuffix(
                "; the build's other spec (\(srpm):shape.spec) must change the same way (an SRPM: rebuilt from the changed spec)"
            ), "\(remedy.reason)")
    }

    @Test("With --target the remedy is the one arch's own")
    func targetArchHasItsOwnRemedy() throws {
        let shape = Self.spec(aarch64: (rhev0: Self.aarch64Disabled, rhev1: Self.aarch64Disabled))
        let (build, _) = try shape.audit { $0.targetArch = "x86_64" }
        #expect(build.arch == "x86_64")
        #expect(build.remedy?.edit?.with == "%define rhev 1")
        #expect(build.remedy?.reason == "the spec, evaluated again with this change, gives enabled")
    }
}
