import Foundation
import TestSupport
import Testing

@_spi(Fuzzing) @testable import SnapCheck

@Suite("The configure call as the shell runs it")
struct ConfigureSemanticsTests {
    @Test("The last of --enable and --disable wins, as configure takes it")
    func lastFlagWins() throws {
        let spec = ShapeSpec(
            build:
                "./configure --target-list=x86_64-softmmu \\\n  --enable-live-block-ops \\\n  --disable-live-block-ops")
        let (build, _) = try spec.audit()
        #expect(build.verdict == .disabled)
        #expect(build.deciding == ["el7-live-block-ops@\(spec.buildLine + 2)"])
    }

    @Test("A configure call inside a here-document is text, not a call")
    func heredocIsNoCall() throws {
        let spec = ShapeSpec(
            build: """
                cat > NOTES <<'EOF'
                ./configure --target-list=x86_64-softmmu --enable-live-block-ops
                EOF
                ./configure --target-list=x86_64-softmmu --disable-live-block-ops
                """)
        let (build, _) = try spec.audit()
        #expect(build.verdict == .disabled)
        #expect(build.deciding == ["el7-live-block-ops@\(spec.buildLine + 3)"])
    }

    @Test("A function that is never called and a branch that cannot run do not count")
    func deadCodeDoesNotCount() throws {
        let spec = ShapeSpec(
            build: """
                unused() {
                    ./configure --target-list=x86_64-softmmu --enable-live-block-ops
                }
                if [ "x86_64" = "ppc64" ]; then
                    ./configure --target-list=x86_64-softmmu --enable-live-block-ops
                fi
                false && ./configure --target-list=x86_64-softmmu --enable-live-block-ops
                ./configure --target-list=x86_64-softmmu --disable-live-block-ops
                """)
        let (build, _) = try spec.audit()
        #expect(build.verdict == .disabled)
        #expect(build.deciding == ["el7-live-block-ops@\(spec.buildLine + 7)"])
    }

    @Test("dobuild() { ./configure … \"$@\"; } is followed to its call, beside a guest-agent configure")
    func dobuildFunction() throws {
        let spec = ShapeSpec(
            build: """
                buildarch="x86_64-softmmu"
                dobuild() {
                    ./configure --prefix=/usr \\
                        --disable-live-block-ops \\
                        "$@"
                    make V=1
                }
                dobuild --target-list="$buildarch"
                cd qga && ./configure --disable-system --enable-guest-agent && cd ..
                """)
        let (build, _) = try spec.audit()
        #expect(build.verdict == .disabled)
        #expect(build.deciding == ["el7-live-block-ops@\(spec.buildLine + 3)"])
        #expect(
            build.observed("el7-live-block-ops") == [
                "--disable-live-block-ops in the x86_64-softmmu configure call (through dobuild)"
            ])
    }

    @Test("An argument the function's caller passes after the flag, unknown to the spec, leaves the flag undecided")
    func unresolvedAfterTheFlag() throws {
        let spec = ShapeSpec(
            build: """
                dobuild() {
                    ./configure --disable-live-block-ops "$@"
                }
                dobuild --target-list=x86_64-softmmu $EXTRA_CONFIGURE_FLAGS
                """)
        let (build, _) = try spec.audit()
        #expect(build.verdict == .unknown)
        let note = try #require(build.observed("spec-unresolved-argument").first)
        #expect(note.contains("after --disable-live-block-ops"))
        #expect(note.contains("`$EXTRA_CONFIGURE_FLAGS` ($EXTRA_CONFIGURE_FLAGS, not set in %build)"))
    }

    @Test("Several emulator configure calls that disagree decide nothing")
    func ambiguousCalls() throws {
        let spec = ShapeSpec(
            build: """
                if [ -f .rhev ]; then
                    ./configure --target-list=x86_64-softmmu --enable-live-block-ops
                else
                    ./configure --target-list=x86_64-softmmu --disable-live-block-ops
                fi
                """)
        let (build, _) = try spec.audit()
        #expect(build.verdict == .unknown)
        #expect(
            build.evidence.contains {
                $0.rule.id == "spec-ambiguous-calls"
                    && $0.observed.hasPrefix("2 configure calls build the emulator and disagree")
            })
    }
}

@Suite("No flag found is not enabled")
struct AbsenceNeedsResolutionTests {
    static func el6(_ call: String) -> ShapeSpec {
        ShapeSpec(version: "0.12.1.2", release: "2.415.el6", epoch: "2", build: call)
    }

    @Test("EL6 from 2.222 with every argument resolved defaults to on")
    func resolvedDefaultsOn() throws {
        let spec = Self.el6(
            "../configure --target-list=x86_64-softmmu --extra-cflags=\"$RPM_OPT_FLAGS\" --prefix=%{_prefix}")
        let (build, _) = try spec.audit()
        #expect(build.verdict == .enabled)
        #expect(build.deciding == ["el6-default-on@\(spec.buildLine)"])
    }

    @Test(
        "EL6 from 2.222 with an unresolved argument is unknown, naming it",
        arguments: [
            ("%{undefined_configure_args}", "%{undefined_configure_args}, a macro rpm left undefined"),
            ("$(cat extra-flags)", "$(cat extra-flags), a command's output"),
            ("$EXTRA", "$EXTRA, not set in %build"),
            ("\"$@\"", "\"$@\", arguments the spec does not show"),
            ("\"$UNSET_FLAG\"", "$UNSET_FLAG, not set in %build"),
        ])
    func unresolvedIsUnknown(_ argument: String, _ named: String) throws {
        let (build, _) = try Self.el6("../configure --target-list=x86_64-softmmu \(argument)").audit()
        #expect(build.verdict == .unknown)
        let note = try #require(build.observed("spec-unresolved-argument").first)
        #expect(note.contains(named), "\(note)")
        #expect(note.contains("el6-default-on"))
    }

    @Test("A split variable known in %build is followed into its words")
    func knownSplitVariable() throws {
        let spec = Self.el6(
            "flags=\"--prefix=/usr --disable-live-snapshots\"\n../configure --target-list=x86_64-softmmu $flags")
        let (build, _) = try spec.audit()
        #expect(build.verdict == .disabled)
        #expect(build.deciding.first?.hasPrefix("el6-disable-flag@") == true)
    }
}

@Suite("Expansions that were not run taint what they feed")
struct RefusedExpansionTaintTests {
    @Test("A %(...) value that reaches the configure call after the flag, unquoted, makes it unknown")
    func markerAfterTheFlag() throws {
        let spec = ShapeSpec(
            preamble: "%global extra_flags %(cat /etc/qemu-extra-flags)",
            build: "./configure --target-list=x86_64-softmmu --enable-live-block-ops %{extra_flags}")
        let (build, _) = try spec.audit()
        #expect(build.verdict == .unknown)
        let note = try #require(build.observed("spec-unresolved-argument").first)
        #expect(note.contains("the value of %(cat /etc/qemu-extra-flags) at line 7, which was not run"), "\(note)")
    }

    @Test("A %(...) value inside an option's quoted value cannot be the flag")
    func markerInsideAValue() throws {
        let spec = ShapeSpec(
            preamble: "%global qemuoptflags %(echo %{optflags} | sed 's/-g//')",
            build:
                "./configure --target-list=x86_64-softmmu --extra-cflags=\"%{qemuoptflags} -fPIE\" --enable-live-block-ops"
        )
        let (build, _) = try spec.audit()
        #expect(build.verdict == .enabled)
        #expect(build.deciding == ["el7-live-block-ops@\(spec.buildLine)"])
    }

    @Test("A %(...) behind the macro a deciding condition reads makes the verdict unknown")
    func conditionOnAnEmptiedMacro() throws {
        let spec = ShapeSpec(
            preamble: "%global rhev %(test -e /etc/rhev && echo 1 || echo 0)",
            build: """
                ./configure --target-list=x86_64-softmmu \\
                %if 0%{rhev}
                    --enable-live-block-ops
                %else
                    --disable-live-block-ops
                %endif
                """)
        let (build, _) = try spec.audit()
        #expect(build.verdict == .unknown)
        let flag = try #require(
            build.evidence.first { $0.rule.id == "el7-live-block-ops" && $0.line == spec.buildLine + 4 })
        #expect(flag.supports == nil)
        // Named where rpm evaluated the condition: the value it read came from line 7's expansion.
        #expect(
            flag.observed.hasSuffix(
                "at line \(spec.buildLine + 1) reads the value of %(test -e /etc/rhev && echo 1 || echo 0) (line 7), which was not run)"
            ))
    }
}

@Suite("The release string never overrides evidence")
struct ExplicitSwitchTests {
    @Test(
        "An explicit --disable-live-block-ops decides in an EL8+ or Fedora-looking build",
        arguments: [
            ("qemu-kvm", "15", "6.2.0", "31.module+el8.8.0"),
            ("qemu", "2", "2.12.0", "1.fc30"),
            ("qemu-kvm-ev", "10", "2.6.0", "28.el7"),
        ])
    func explicitFlag(_ name: String, _ epoch: String, _ version: String, _ release: String) throws {
        let spec = ShapeSpec(
            name: name, version: version, release: release, epoch: epoch,
            build: "./configure --target-list=x86_64-softmmu --disable-live-block-ops")
        let (build, _) = try spec.audit()
        #expect(build.verdict == .disabled)
        #expect(build.deciding == ["explicit-switch@\(spec.buildLine)"])
        // The version fact that the build breaks is shown, and outvotes nothing.
        #expect(
            build.evidence.contains { $0.rule.id == "version-fact" && $0.supports == .enabled && $0.role == .warning })
    }

    @Test("Without a flag the era fact decides: 2.9 has no option")
    func ev29HasNoOption() throws {
        let spec = ShapeSpec(
            name: "qemu-kvm-ev", version: "2.9.0", release: "16.el7_4.14.1",
            build: "./build_configure.sh /usr /usr/lib64 --target-list=x86_64-softmmu")
        let (build, _) = try spec.audit()
        #expect(build.era == .ev23)
        #expect(build.verdict == .enabled)
        #expect(build.deciding == ["el7-ev-no-option@2"])
        #expect(build.evidence.contains { $0.rule.id == "version-fact" && $0.role == .supporting })
    }
}

@Suite("2.10-2.12: the helper script's positional word")
struct PositionalWordTests {
    static let helper = """
        #!/bin/sh
        prefix=$1; shift
        have_fdt=$1; shift
        have_live_block_ops=$1; shift
        ./configure --prefix=$prefix --${have_fdt}-fdt --${have_live_block_ops}-live-block-ops "$@"
        """

    static func spec(word: String, macro: String = "1", arguments: String? = nil, distGit: Bool = false) -> ShapeSpec {
        ShapeSpec(
            name: "qemu-kvm-ev", version: "2.12.0", release: "44.1.el7",
            preamble: "Source24: build_configure.sh\n%global have_live_block_ops \(macro)",
            build: "./build_configure.sh \(arguments ?? "/usr enable \(word)") --target-list=x86_64-softmmu",
            files: ["build_configure.sh": helper], distGit: distGit)
    }

    @Test("Found in the dist-git layout (SPECS/ beside SOURCES/) without flags")
    func distGitLayout() throws {
        let spec = Self.spec(word: "disable", macro: "0", distGit: true)
        let (build, path) = try spec.audit()
        #expect(build.verdict == .disabled)
        let helperPath =
            ((path as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
            + "/SOURCES/build_configure.sh"
        #expect(build.evidence.contains { $0.role == .deciding && $0.source == helperPath && $0.line == 4 })
    }

    @Test("A call with fewer arguments than the script assigns places no word")
    func countMismatch() throws {
        let (build, _) = try Self.spec(word: "", arguments: "/usr enable").audit()
        #expect(build.verdict == .unknown)
        #expect(
            build.observed("el7-positional-live-block-ops") == [
                "build_configure.sh, run with the call's arguments, gives configure no live-block-ops flag"
            ])
    }

    @Test("The word and %have_live_block_ops disagreeing is inconsistent")
    func wordAgainstMacro() throws {
        // A packaging slip: both branches of the %if on the macro pass `enable`.
        var spec = Self.spec(word: "enable", macro: "0")
        spec.build = """
            ./build_configure.sh /usr enable \\
            %if 0%{have_live_block_ops}
              enable \\
            %else
              enable \\
            %endif
              --target-list=x86_64-softmmu
            """
        let (build, _) = try spec.audit()
        #expect(build.verdict == .inconsistent)
        #expect(build.evidence.contains { $0.rule.id == "el7-positional-live-block-ops" && $0.supports == .enabled })
        #expect(build.evidence.contains { $0.rule.id == "el7-have-live-block-ops-macro" && $0.supports == .disabled })
    }

    @Test("An explicit flag passed through after the word overrides it")
    func passedThroughFlag() throws {
        let spec = Self.spec(word: "enable", arguments: "/usr enable enable --disable-live-block-ops")
        let (build, _) = try spec.audit()
        #expect(build.verdict == .disabled)
        #expect(build.deciding.first?.hasPrefix("el7-live-block-ops@") == true)
    }
}

@Suite("Evidence chains are what rpm did")
struct EvidenceChainTests {
    /// The helper script is a Source but not at hand: `%have_live_block_ops` decides the word it chooses.
    static let spec = ShapeSpec(
        name: "qemu-kvm-ev", version: "2.12.0", release: "44.1.el7",
        preamble: """
            %global have_live_block_ops 1
            %ifnarch x86_64
            %global have_live_block_ops 0
            %endif
            Source24: build_configure.sh
            """,
        build: """
            ./build_configure.sh /usr \\
            %if 0%{have_live_block_ops}
              enable \\
            %else
              disable \\
            %endif
              --target-list=x86_64-softmmu
            """)

    @Test("On x86_64 the definition in force is cited, not the one in the %ifnarch branch rpm skipped")
    func hostArch() throws {
        // A src build of it is unknown (disabled on the other arches): --target x86_64 names the arch.
        let (build, _) = try Self.spec.audit { $0.targetArch = "x86_64" }
        #expect(build.verdict == .enabled)
        #expect(build.deciding == ["el7-have-live-block-ops-macro@7"])
    }

    @Test("On ppc64le the %ifnarch branch rpm took is cited with its definition")
    func otherArch() throws {
        let (build, _) = try Self.spec.audit { $0.targetArch = "ppc64le" }
        #expect(build.verdict == .disabled)
        #expect(build.deciding == ["el7-have-live-block-ops-macro@8", "el7-have-live-block-ops-macro@9"])
        #expect(
            build.observed("el7-have-live-block-ops-macro").contains(
                "target ppc64le selects the %if branch of `%ifnarch x86_64`"))
    }
}

@Suite("A package name is a prior")
struct NamePriorTests {
    @Test("A lone -ev subpackage is unknown, its name a note")
    func loneSubpackage() throws {
        let directory = try temporaryDirectory("lone")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = try fixtureDirectory("ev-212", "x86_64")
        let img = try #require(
            try FileManager.default.contentsOfDirectory(atPath: source).first { $0.hasPrefix("qemu-img-ev") })
        try FileManager.default.copyItem(atPath: source + "/" + img, toPath: directory + "/" + img)
        let build = try #require(audit([directory]).builds.first)
        #expect(build.verdict == .unknown)
        #expect(
            build.evidence.contains { $0.rule.id == "header-rhev-name" && $0.prior == .enabled && $0.role == .note })
        #expect(!build.meetsExpectation)
    }
}

@Suite("Specs are recognised wherever their tags are")
struct SpecDetectionTests {
    @Test(
        "A spec whose Name: sits past 10,000 bytes of comments and macros is a spec",
        arguments: [4_000, 12_000, 200_000])
    func longPreamble(_ bytes: Int) throws {
        var preamble = "# The packaging notes of a long-lived spec.\n"
        while preamble.utf8.count < bytes {
            preamble += "# \(String(repeating: "x", count: 70))\n%global have_opt_\(preamble.utf8.count) 1\n"
        }
        let spec = ShapeSpec(
            name: "qemu-kvm", version: "7.0.0", release: "13.el9", epoch: "17",
            build: "./configure --target-list=x86_64-softmmu")
        let directory = try temporaryDirectory("long-\(bytes)")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/qemu-kvm.spec"
        try (preamble + spec.text).write(toFile: path, atomically: false, encoding: .utf8)
        let result = audit([path])
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.builds.first?.verdict == .enabled)
        #expect(result.builds.first?.era == .el8)
    }

    @Test("A text with a NUL byte before its tags, or without them, is no spec")
    func notASpec() throws {
        let directory = try temporaryDirectory("nospec")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("# notes\n\0\nName: qemu-kvm\nVersion: 1\n".utf8).write(
            to: URL(fileURLWithPath: directory + "/a.spec"))
        try Data(String(repeating: "# only comments\n", count: 3000).utf8).write(
            to: URL(fileURLWithPath: directory + "/b.spec"))
        let result = audit([directory + "/a.spec", directory + "/b.spec"])
        #expect(
            result.errors.map(\.message)
                == Array(repeating: "not a spec file, RPM package, QMP capture or ELF executable", count: 2))
    }
}
