import Foundation
import TestSupport
import Testing

@_spi(Fuzzing) @testable import SnapCheck

/// A spec or SRPM audited alone (a `src` build) speaks for every arch it
/// builds for, not only for the host that runs the audit.
@Suite("Source builds: every arch the spec builds for")
struct SourceBuildArchTests {
    /// EL7 1.5.3 rhev, built for two arches, one of them without live block ops.
    static let archDependent = ShapeSpec(
        name: "qemu-kvm-rhev", preamble: "ExclusiveArch: x86_64 ppc64le",
        build: """
            %ifarch ppc64le
            ./configure --target-list=ppc64-softmmu --disable-live-block-ops
            %else
            ./configure --target-list=x86_64-softmmu --enable-live-block-ops
            %endif
            """)

    @Test("A spec whose ExclusiveArch arches disagree is unknown as a src build, one warning per arch")
    func exclusiveArchesDisagree() throws {
        let (build, _) = try Self.archDependent.audit()
        #expect(build.arch == "src")
        #expect(build.verdict == .unknown)
        #expect(!build.evidence.contains { $0.role == .deciding })
        let warnings = build.evidence.filter { $0.rule.id == "spec-arches-disagree" }
        #expect(warnings.allSatisfy { $0.role == .warning })
        #expect(warnings.map { $0.observed.prefix { $0 != "(" } } == ["ppc64le: disabled ", "x86_64: enabled "])
        #expect(warnings.map(\.line) == [Self.archDependent.buildLine + 1, Self.archDependent.buildLine + 3])
    }

    @Test(
        "--target still gives each arch its own verdict",
        arguments: [("ppc64le", Verdict.disabled), ("x86_64", .enabled)])
    func targetGivesOneArch(_ arch: String, _ verdict: Verdict) throws {
        let (build, _) = try Self.archDependent.audit { $0.targetArch = arch }
        #expect(build.arch == arch)
        #expect(build.verdict == verdict)
        #expect(!build.evidence.contains { $0.rule.id == "spec-arches-disagree" || $0.rule.id == "spec-source-arches" })
    }

    @Test("The SRPM alone is evaluated for every arch too")
    func sourcePackageAlone() throws {
        let srpm = try Self.archDependent.sourcePackage()
        let result = audit([srpm])
        let build = try #require(result.builds.only)
        #expect(build.arch == "src")
        #expect(build.verdict == .unknown)
        #expect(
            build.evidence.filter { $0.rule.id == "spec-arches-disagree" }.map { $0.observed.prefix { $0 != ":" } } == [
                "ppc64le", "x86_64",
            ])
    }

    @Test(
        "Without ExclusiveArch the arches RHEL builds for are evaluated: one of them disabled makes the src build unknown"
    )
    func defaultArches() throws {
        let (build, _) = try ShapeSpec(
            build: """
                %ifarch s390x
                ./configure --target-list=s390x-softmmu --disable-live-block-ops
                %else
                ./configure --target-list=x86_64-softmmu --enable-live-block-ops
                %endif
                """
        ).audit()
        #expect(build.verdict == .unknown)
        #expect(
            build.evidence.filter { $0.rule.id == "spec-arches-disagree" }.map {
                String($0.observed.prefix { $0 != ":" })
            }.sorted()
                == ["aarch64", "ppc64le", "s390x", "x86_64"])
    }

    @Test("ExcludeArch takes its arches out: the others agree, and a note names them")
    func excludeArch() throws {
        let (build, _) = try ShapeSpec(
            preamble: "ExcludeArch: s390x",
            build: """
                %ifarch s390x
                ./configure --target-list=s390x-softmmu --disable-live-block-ops
                %else
                ./configure --target-list=x86_64-softmmu --enable-live-block-ops
                %endif
                """
        ).audit()
        #expect(build.verdict == .enabled)
        #expect(
            build.observed("spec-source-arches")
                == [
                    "src build evaluated for aarch64, ppc64le, x86_64 (no ExclusiveArch: the arches RHEL builds for; ExcludeArch: s390x): enabled on aarch64, ppc64le, x86_64"
                ])
    }

    @Test("An arch whose %build configures no emulator (qemu-img only) does not disagree")
    func toolsOnlyArches() throws {
        let (build, _) = try ShapeSpec(
            build: """
                %ifarch x86_64
                ./configure --target-list=x86_64-softmmu --enable-live-block-ops
                %else
                ./configure --disable-system --enable-tools
                %endif
                """
        ).audit()
        #expect(build.verdict == .enabled)
        #expect(build.deciding.contains("el7-live-block-ops@\(ShapeSpec(build: "").buildLine + 1)"))
        #expect(
            build.observed("spec-source-arches")
                == [
                    "src build evaluated for aarch64, ppc64le, s390x, x86_64 (no ExclusiveArch: the arches RHEL builds for): enabled on x86_64; aarch64, ppc64le, s390x build no emulator"
                ])
    }

    @Test("An arch the spec decides nothing for is named in the note; the arches that decide give the verdict")
    func unknownOnOneArch() throws {
        let (build, _) = try ShapeSpec(
            preamble: "ExclusiveArch: x86_64 aarch64",
            build: """
                %ifarch aarch64
                ./configure --target-list=aarch64-softmmu --enable-live-block-ops $EXTRA
                %else
                ./configure --target-list=x86_64-softmmu --enable-live-block-ops
                %endif
                """
        ).audit()
        #expect(build.verdict == .enabled)
        #expect(build.evidence.filter { $0.rule.id == "spec-arches-disagree" }.isEmpty)
        #expect(
            build.observed("spec-source-arches")
                == [
                    "src build evaluated for aarch64, x86_64 (ExclusiveArch: x86_64 aarch64): enabled on x86_64; the spec decides nothing for aarch64 (their own evaluation says why; --target ARCH shows it)"
                ])
    }

    @Test(
        "An arch the spec cannot be evaluated for (a parse rpm refuses) leaves the src build unknown: it could hide a disabled build"
    )
    func failedArchWithdrawsTheSpecVotes() throws {
        let (build, _) = try ShapeSpec(
            preamble: "ExclusiveArch: x86_64 aarch64",
            build: """
                %ifarch aarch64
                %{error:this arch does not parse}
                ./configure --target-list=aarch64-softmmu --disable-live-block-ops
                %else
                ./configure --target-list=x86_64-softmmu --enable-live-block-ops
                %endif
                """
        ).audit()
        #expect(build.verdict == .unknown)
        #expect(build.evidence.filter { $0.layer == .spec && $0.supports != nil }.isEmpty)
        let note = try #require(build.observed("spec-source-arches").first)
        #expect(note.hasSuffix("; aarch64 cannot be evaluated, so nothing is decided for the src build"), "\(note)")
    }

    @Test("An arch that decides otherwise still withdraws the spec's vote, whatever the undecided arches say")
    func undecidedArchDoesNotHideDisagreement() throws {
        let (build, _) = try ShapeSpec(
            preamble: "ExclusiveArch: x86_64 aarch64 ppc64le",
            build: """
                %ifarch aarch64
                ./configure --target-list=aarch64-softmmu --enable-live-block-ops $EXTRA
                %endif
                %ifarch ppc64le
                ./configure --target-list=ppc64-softmmu --disable-live-block-ops
                %endif
                %ifarch x86_64
                ./configure --target-list=x86_64-softmmu --enable-live-block-ops
                %endif
                """
        ).audit()
        #expect(build.verdict == .unknown)
        #expect(
            build.evidence.filter { $0.rule.id == "spec-arches-disagree" }.map { $0.observed.prefix { $0 != "(" } }
                == ["aarch64: unknown ", "ppc64le: disabled ", "x86_64: enabled "])
    }

    @Test(
        "An ExclusiveArch that depends on the arch: each arch's own parse says whether it builds, and a disabled one is heard"
    )
    func exclusiveArchByArch() throws {
        let (build, _) = try ShapeSpec(
            preamble: "%ifarch x86_64\nExclusiveArch: x86_64\n%else\nExclusiveArch: x86_64 ppc64le\n%endif",
            build: """
                %ifarch ppc64le
                ./configure --target-list=ppc64-softmmu --disable-live-block-ops
                %else
                ./configure --target-list=x86_64-softmmu --enable-live-block-ops
                %endif
                """
        ).audit()
        #expect(build.verdict == .unknown)
        #expect(
            build.evidence.filter { $0.rule.id == "spec-arches-disagree" }.map { $0.observed.prefix { $0 != "(" } }
                == ["ppc64le: disabled ", "x86_64: enabled "])
    }

    @Test(
        "An arch the spec does not list whose parse rpm refuses builds nothing: it does not veto the listed arches, and a listed one does",
        arguments: [("ExclusiveArch: x86_64", Verdict.enabled), ("ExclusiveArch: x86_64 s390x", .unknown)])
    func refusedParseOnAnUnlistedArch(_ preamble: String, _ verdict: Verdict) throws {
        let (build, _) = try ShapeSpec(
            name: "qemu-kvm-rhev", preamble: preamble,
            build: """
                %ifarch s390x
                %{error:s390x is not ready}
                %endif
                ./configure --target-list=x86_64-softmmu --enable-live-block-ops
                """
        ).audit()
        #expect(build.verdict == verdict)
        if verdict == .enabled {
            #expect(
                build.observed("spec-source-arches") == [
                    "src build evaluated for x86_64 (ExclusiveArch: x86_64): enabled on x86_64"
                ])
        }
    }

    @Test("The arches of a src build: ExclusiveArch's known arches, else the default ones; minus ExcludeArch")
    func archSet() {
        let known: (String) -> Bool = { ["x86_64", "ppc64le", "i686"].contains($0) }
        #expect(
            Auditor.sourceArches([SpecArches(exclusive: ["x86_64", "ppc64le", "bogus"], excluded: [])], isKnown: known)
                .arches == ["ppc64le", "x86_64"])
        #expect(
            Auditor.sourceArches([SpecArches(exclusive: [], excluded: ["s390x"])], isKnown: known).arches == [
                "aarch64", "ppc64le", "x86_64",
            ])
        #expect(
            Auditor.sourceArches([SpecArches(exclusive: ["i686"], excluded: ["i686"])], isKnown: known).arches.isEmpty)
    }
}

extension ShapeSpec {
    /// The spec built into an SRPM by `rpmbuild -bs`, in a fresh directory; its path.
    func sourcePackage() throws -> String {
        let directory = try temporaryDirectory("srpm")
        let spec = directory + "/shape.spec"
        try text.write(toFile: spec, atomically: false, encoding: .utf8)
        let build = try Command.run(
            "/usr/bin/rpmbuild",
            [
                "-bs", "--define", "_topdir \(directory)", "--define", "_sourcedir \(directory)",
                "--define", "_srcrpmdir \(directory)", spec,
            ])
        #expect(build.status == 0, "rpmbuild -bs: \(build.errorOutput)")
        let srpm = try #require(
            try FileManager.default.contentsOfDirectory(atPath: directory).first { $0.hasSuffix(".src.rpm") })
        return directory + "/" + srpm
    }
}
