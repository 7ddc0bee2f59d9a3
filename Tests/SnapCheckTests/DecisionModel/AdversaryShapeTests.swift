import Foundation
import RPM
import TestSupport
import Testing

@_spi(Fuzzing) @testable import SnapCheck

// Shapes an adversarial pass found snapcheck answering `enabled` for (or
// crashing on), each reduced to our own minimal spec. The expected answers are
// what rpm's expansion of %build does under bash.

@Suite("Every configure call that may build the emulator counts")
struct EveryEmulatorCallTests {
    @Test("A later call without --target-list builds every target: it is an emulator call too")
    func callWithoutTargetList() throws {
        let (build, _) = try ShapeSpec(
            build: """
                ./configure --target-list=x86_64-softmmu --enable-live-block-ops
                ./configure --disable-live-block-ops
                """
        ).audit()
        #expect(build.verdict == .unknown)
        #expect(build.evidence.contains { $0.rule.id == "spec-ambiguous-calls" })
    }
}

@Suite("The helper script is run, not pattern-matched")
struct HelperScriptRunTests {
    static func spec(helper: String, word: String = "enable", trailing: String = "") -> ShapeSpec {
        ShapeSpec(
            name: "qemu-kvm-ev", version: "2.12.0", release: "44.1.el7", preamble: "Source24: build_configure.sh",
            build: "./build_configure.sh /usr \(word) --target-list=x86_64-softmmu \(trailing)",
            files: ["build_configure.sh": helper])
    }

    @Test(
        "What the script really gives configure decides",
        arguments: [
            // A flag hard-coded after "$@".
            (
                "prefix=$1; shift\nlbo=$1; shift\n./configure --prefix=$prefix --${lbo}-live-block-ops \"$@\" --disable-live-block-ops",
                "", Verdict.disabled
            ),
            // The variable assigned again after the positional block.
            ("prefix=$1; shift\nlbo=$1; shift\nlbo=disable\n./configure --${lbo}-live-block-ops \"$@\"", "", .disabled),
            // "$@" before the word: the word comes last and wins over the call's trailing flag.
            (
                "prefix=$1; shift\nlbo=$1; shift\n./configure \"$@\" --${lbo}-live-block-ops",
                "--enable-live-block-ops", .enabled
            ),
            // The first --${X}-live-block-ops is only echoed; configure gets another variable.
            (
                "prefix=$1; shift\nlbo=$1; shift\nother=disable\necho --${lbo}-live-block-ops\n./configure --${other}-live-block-ops \"$@\"",
                "", .disabled
            ),
        ])
    func followed(_ helper: String, _ trailing: String, _ verdict: Verdict) throws {
        let (build, _) = try Self.spec(helper: "#!/bin/sh\n" + helper + "\n", trailing: trailing).audit()
        #expect(build.verdict == verdict, "\(build.evidence.map(\.observed))")
    }

    @Test("A word the script passes through \"$@\" after its own reaches configure last")
    func passedThrough() throws {
        let helper = "#!/bin/sh\nprefix=$1; shift\nlbo=$1; shift\n./configure --${lbo}-live-block-ops \"$@\"\n"
        let (build, _) = try Self.spec(helper: helper, trailing: "--disable-live-block-ops").audit()
        #expect(build.verdict == .disabled)
    }

    @Test("The script is the Source %prep copies to the program's name, not a stale file of that name")
    func copiedSource() throws {
        let stale = "#!/bin/sh\n./configure --enable-live-block-ops \"$@\"\n"
        let real = "#!/bin/sh\n./configure --disable-live-block-ops \"$@\"\n"
        var spec = ShapeSpec(
            name: "qemu-kvm-ev", version: "2.12.0", release: "44.1.el7", preamble: "Source10: build_configure-v2.sh",
            build: "cp -p %{SOURCE10} build_configure.sh\n./build_configure.sh --target-list=x86_64-softmmu",
            files: ["build_configure.sh": stale, "build_configure-v2.sh": real])
        var (build, _) = try spec.audit()
        #expect(build.verdict == .disabled)
        // A script of that name that is no Source of the spec is never read.
        spec.preamble = ""
        spec.build = "./build_configure.sh --target-list=x86_64-softmmu"
        (build, _) = try spec.audit()
        #expect(build.verdict == .unknown)
        #expect(build.observed("el7-positional-live-block-ops").contains { $0.contains("is no Source of the spec") })
    }
}

@Suite("A macro decides only what it feeds")
struct MacroFeedsTests {
    @Test("%have_live_block_ops set but never read by the configure call decides nothing")
    func unusedMacro() throws {
        let (build, _) = try ShapeSpec(
            name: "qemu-kvm-ma", version: "2.12.0", release: "44.el7", preamble: "%global have_live_block_ops 1",
            build: "./configure --target-list=x86_64-softmmu"
        ).audit()
        #expect(build.verdict == .unknown)
    }

    @Test("Lua that can define macros, not run, leaves every spec reading unknown")
    func luaDefiner() throws {
        let (build, _) = try ShapeSpec(
            preamble: "%{lua: rpm.define(\"lbo --disable-live-block-ops\")}",
            build: "./configure --target-list=x86_64-softmmu --enable-live-block-ops %{?lbo}"
        ).audit()
        #expect(build.verdict == .unknown)
        #expect(
            build.evidence.contains {
                $0.observed.contains("the spec runs code at line 7 that can define macros, and it was not run")
            })
    }

    @Test(
        "A %changelog rpm reads before %build: the sandbox parses without the changelog, so the spec decides nothing")
    func changelogDefinition() throws {
        let (build, _) = try ShapeSpec(
            preamble: """
                %changelog
                * Mon Jan 06 2014 someone <a@example.invalid> - 1.5.3-175
                - %global lbo --disable-live-block-ops
                """, build: "./configure --target-list=x86_64-softmmu --enable-live-block-ops %{?lbo}"
        ).audit()
        // A macro the changelog calls could have set anything (adversarial pass 9): never enabled.
        #expect(build.verdict == .unknown)
        #expect(build.evidence.contains { $0.observed.hasPrefix("a section after %changelog") })
    }
}

@Suite("Commands the text does not show as configure calls")
struct OpaqueCommandTests {
    @Test(
        "A command that may run configure unseen makes the calls seen not enough",
        arguments: [
            "eval \"./configure --target-list=x86_64-softmmu --disable-live-block-ops\"",
            "sh -c './configure --target-list=x86_64-softmmu --disable-live-block-ops'",
            "sh <<EOF\n./configure --target-list=x86_64-softmmu --disable-live-block-ops\nEOF",
            "echo --disable-live-block-ops | xargs ./configure --target-list=x86_64-softmmu",
            ". ./conf.sh",
            "${CONF:-./configure} --target-list=x86_64-softmmu --disable-live-block-ops",
            "find . -name configure -exec {} --disable-live-block-ops \\;",
        ])
    func opaque(_ command: String) throws {
        let (build, _) = try ShapeSpec(
            build: "./configure --target-list=x86_64-softmmu --enable-live-block-ops\n\(command)"
        ).audit()
        #expect(build.verdict == .unknown)
        #expect(build.evidence.contains { $0.rule.id == "spec-opaque-command" })
    }

    @Test("A wrapper that runs its arguments (nice, timeout) is followed to configure")
    func wrapper() throws {
        let (build, _) = try ShapeSpec(
            build: "nice -n 5 timeout 600 ./configure --target-list=x86_64-softmmu --disable-live-block-ops"
        ).audit()
        #expect(build.verdict == .disabled)
    }
}

@Suite("The shell as bash runs it")
struct ShellModelTests {
    @Test(
        "Variables, splitting, patterns and quoting",
        arguments: [
            // A subshell's variables do not come back.
            (
                "f=--disable-live-block-ops\n(f=--enable-live-block-ops)\n./configure --target-list=x86_64-softmmu $f",
                Verdict.disabled
            ),
            // local ends with its function.
            (
                "f=--disable-live-block-ops\nset_it() { local f=--enable-live-block-ops; }\nset_it\n./configure --target-list=x86_64-softmmu $f",
                .disabled
            ),
            // unset: the flag is gone, configure gets none.
            ("f=--enable-live-block-ops\nunset f\n./configure --target-list=x86_64-softmmu $f", .unknown),
            // IFS changed: the split is not followed.
            (
                "IFS=,\nf=--enable-live-block-ops,--disable-live-block-ops\n./configure --target-list=x86_64-softmmu --enable-live-block-ops $f",
                .unknown
            ),
            // Brace and pathname expansion give words the text does not spell.
            (
                "./configure --target-list=x86_64-softmmu --enable-live-block-ops --{disable,disable}-live-block-ops",
                .unknown
            ),
            ("./configure --target-list=x86_64-softmmu --enable-live-block-ops --disable-live-block-op?", .unknown),
            // A quoted case pattern matches literally.
            (
                "case x86_64 in \"*\") f=--enable-live-block-ops;; *) f=--disable-live-block-ops;; esac\n./configure --target-list=x86_64-softmmu $f",
                .disabled
            ),
            // $'...' is not followed.
            ("./configure --target-list=x86_64-softmmu --enable-live-block-ops $'--disable-live-block-ops'", .unknown),
            // ;& falls through: more than one branch may run.
            (
                "case a in a) f=--enable-live-block-ops;& b) f=--disable-live-block-ops;; esac\n./configure --target-list=x86_64-softmmu $f",
                .unknown
            ),
            // Set in a branch whose condition is not known: the value is not known either.
            (
                "if [ -f .rhev ]; then f=--enable-live-block-ops; else f=--disable-live-block-ops; fi\n./configure --target-list=x86_64-softmmu $f",
                .unknown
            ),
            // += appends.
            (
                "f=--enable-live-block-ops\nf+=\" --disable-live-block-ops\"\n./configure --target-list=x86_64-softmmu $f",
                .disabled
            ),
        ])
    func shell(_ build: String, _ verdict: Verdict) throws {
        let (result, _) = try ShapeSpec(build: build).audit()
        #expect(result.verdict == verdict, "\(result.evidence.map(\.observed))")
    }

    @Test(
        "Past the limits the text is followed to, nothing is concluded",
        arguments: [
            String(repeating: "{ ", count: 70) + "true" + String(repeating: "; }", count: 70)
                + "\n./configure --target-list=x86_64-softmmu --enable-live-block-ops",
            (0..<18).map { "f\($0)() { f\($0 + 1); }" }.joined(separator: "\n")
                + "\nf18() { ./configure --target-list=x86_64-softmmu --enable-live-block-ops; }\nf0",
        ])
    func limits(_ build: String) throws {
        let (result, _) = try ShapeSpec(build: build).audit()
        #expect(result.verdict == .unknown)
        #expect(result.evidence.contains { $0.rule.id == "spec-opaque-command" })
    }

    @Test("A value doubled past any size stays bounded and the audit answers")
    func doubling() throws {
        let build =
            "X=a\n" + String(repeating: "X=\"$X$X\"\n", count: 34)
            + "./configure --target-list=x86_64-softmmu --enable-live-block-ops $X"
        let (result, _) = try ShapeSpec(build: build).audit()
        #expect(result.verdict == .unknown)
    }
}

@Suite("What the version alone cannot say")
struct EraDetectionTests {
    @Test(
        "Flavoured and EL7 versions stay in their EL7 era whatever an Epoch or a release says",
        arguments: [
            ("qemu-kvm", UInt32(10), "1.5.3", "175.el7.fc1", Era.el7),
            ("qemu-kvm-ma", 15, "2.12.0", "44.el7", .ev210),
            ("qemu-kvm-ev", 10, "2.12.0", "44.1.el8", .ev210),
            ("qemu-kvm", 15, "2.12.0", "10.module+el8", .ev210),
            ("qemu-kvm", 15, "2.12.0", "14.module+el8", .el8),
            ("qemu-kvm", 17, "7.2.0", "14.el9", .el8),
            ("qemu", 2, "8.2.0", "1.fc39", .upstream),
        ])
    func era(_ name: String, _ epoch: UInt32, _ version: String, _ release: String, _ era: Era) {
        #expect(Era.detect(name: name, epoch: epoch, version: version, release: release) == era)
    }

    @Test("A spec that does not build for the arch evaluated says so, and nothing else")
    func exclusiveArch() throws {
        let (build, _) = try ShapeSpec(
            preamble: "ExclusiveArch: ppc64le",
            build: "./configure --target-list=ppc64-softmmu --enable-live-block-ops"
        ).audit { $0.targetArch = "x86_64" }
        #expect(build.verdict == .unknown)
        #expect(
            build.observed("spec-not-built-for-arch") == [
                "not built for x86_64: ExclusiveArch: ppc64le (rpmbuild would refuse it; --target names another arch)"
            ])
    }

    @Test("A host's distribution macros are removed before a parse: the spec means the same anywhere")
    func hostMacros() throws {
        let evaluator = InProcessSpecEvaluator()
        let spec = Array("Name: x\nVersion: 1\nRelease: 1%{?dist}\nSummary: x\nLicense: x\n%description\nx\n".utf8)
        let defined = try evaluator.parse(
            contents: spec, displayName: "x.spec",
            options: SpecOptions(defines: [MacroDefinition(name: "dist", value: ".el9")]))
        #expect(defined.sourcePackage.release == "1.el9")
        // `undefines` drops a macro however it was defined (here rpm's own `_vendor`); `defines` still win.
        let options = SpecOptions(undefines: ["_vendor"], expressions: ["%{?_vendor}"])
        #expect(
            try evaluator.parse(contents: spec, displayName: "x.spec", options: options).expansions["%{?_vendor}"] == ""
        )
        #expect(SpecRules.hostDistributionMacros.contains("dist") && SpecRules.hostDistributionMacros.contains("rhel"))
    }
}

@Suite("Conditions evaluated after the parse")
struct LateDefinitionTests {
    @Test(
        "A condition on a macro the spec defines again later is read as rpm evaluated it: the definition before it is cited"
    )
    func redefinedLater() throws {
        let spec = ShapeSpec(
            preamble: "%define rhev 0",
            build: """
                ./configure --target-list=x86_64-softmmu \\
                %if %{rhev}
                    --enable-live-block-ops
                %else
                    --disable-live-block-ops
                %endif
                %define rhev 1
                """)
        let (build, _) = try spec.audit()
        #expect(build.verdict == .disabled)
        // Line 7 is `%define rhev 0`; the later `%define rhev 1` did not decide.
        #expect(build.deciding == ["el7-live-block-ops@7", "el7-live-block-ops@\(spec.buildLine + 4)"])
    }
}

@Suite("Upstream trees by their package string")
struct UpstreamTagTests {
    @Test(
        "A QEMU tree is upstream only as a release, a candidate or a development tree after a tag",
        arguments: [
            ("v5.0.0", [5, 0, 0], true),
            ("v10.2.0-476-gcf3e71d8fc", [10, 2, 50], true),
            ("v3.1.0-rc2-48-g039d4e3df0", [3, 0, 92], true),
            ("v2.12.0-3000-g0123abcd", [2, 12, 0], false),
            ("v2.12.0-dirty", [2, 12, 0], false),
            ("v2.12.0-12-g0123abcd-dirty", [2, 12, 50], false),
        ])
    func tag(_ package: String, _ version: [Int], _ upstream: Bool) {
        let qemu = QMPVersion(major: version[0], minor: version[1], micro: version[2], package: package)
        #expect((UpstreamTag(package)?.matches(qemu) ?? false) == upstream)
    }
}
