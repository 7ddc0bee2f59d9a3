import TestSupport
import Testing

@testable import SnapCheck

/// A src build speaks for every arch its spec builds for, so its remedy must
/// give the expected verdict on each arch that decides, not only on the arch
/// whose chain named the change.
@Suite("Remedies of source builds")
struct SourceBuildRemedyTests {
    /// EL7 1.5.3 without ExclusiveArch (four arches), every one disabled: by
    /// `%define rhev 0`, and on aarch64 also by a flag of its own when `own` is set.
    static func spec(aarch64DisablesOnItsOwn own: Bool) -> ShapeSpec {
        ShapeSpec(
            preamble: "%define rhev 0",
            build: """
                %if %{rhev}
                %define live_ops --enable-live-block-ops
                %else
                %define live_ops --disable-live-block-ops
                %endif
                %ifarch aarch64
                ./configure --target-list=aarch64-softmmu \(own ? "--disable-live-block-ops" : "%{live_ops}")
                %else
                ./configure --target-list=x86_64-softmmu %{live_ops}
                %endif
                """)
    }

    @Test("A switch that enables every arch is the remedy, and the reason says every arch was evaluated again")
    func switchForEveryArch() throws {
        let (build, path) = try Self.spec(aarch64DisablesOnItsOwn: false).audit()
        #expect(build.arch == "src")
        #expect(build.verdict == .disabled)
        let remedy = try #require(build.remedy)
        #expect(remedy.edit?.file == path)
        #expect(remedy.edit?.replace == "%define rhev 0")
        #expect(remedy.edit?.with == "%define rhev 1")
        #expect(
            remedy.reason
                == "the spec, evaluated again with this change, gives enabled on every arch that decides (x86_64, aarch64, ppc64le, s390x)"
        )
    }

    @Test("A switch that leaves one arch disabled is no remedy, and the reason names that arch")
    func switchLeavesOneArch() throws {
        let (build, _) = try Self.spec(aarch64DisablesOnItsOwn: true).audit()
        #expect(build.verdict == .disabled)
        let remedy = try #require(build.remedy)
        #expect(remedy.edit == nil)
        #expect(remedy.option == nil)
        #expect(
            remedy.reason.contains("`%define rhev 0` → `%define rhev 1` leaves aarch64 disabled"), "\(remedy.reason)")
        #expect(remedy.reason.contains("(x86_64, aarch64, ppc64le, s390x)"), "\(remedy.reason)")
        #expect(remedy.reason.hasSuffix("(--target ARCH gives each arch's own remedy)"), "\(remedy.reason)")
    }

    @Test("With --target the remedy is the one arch's own")
    func targetArchHasItsOwnRemedy() throws {
        let (build, _) = try Self.spec(aarch64DisablesOnItsOwn: true).audit { $0.targetArch = "x86_64" }
        #expect(build.arch == "x86_64")
        #expect(build.remedy?.edit?.with == "%define rhev 1")
        #expect(build.remedy?.reason == "the spec, evaluated again with this change, gives enabled")
    }
}
