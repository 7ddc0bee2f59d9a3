import Foundation
import Testing

@_spi(Fuzzing) @testable import SnapCheck

// The shell of %build and of the helper script followed as bash runs it: code
// that runs inside expansions, variables assigned through builtins, files
// rewritten between the call read and the build. Each shape gave a false
// `enabled` before; the build really runs configure with live block ops off
// (or with what the text does not show).

private let enable = "./configure --target-list=x86_64-softmmu --enable-live-block-ops"
private let disable = "./configure --target-list=x86_64-softmmu --disable-live-block-ops"

@Suite("Code inside expansions runs")
struct ExpansionCodeTests {
    @Test(
        "A configure call inside $(...), backticks or an unquoted here-document counts",
        arguments: [
            ": $(\(disable))",
            "echo \"$(\(disable))\"",
            "x=`\(disable)`",
            "y=${x:-$(\(disable))}",
            "cat <<EOF\n$(\(disable))\nEOF",
        ])
    func substitution(_ second: String) throws {
        let (build, _) = try ShapeSpec(name: "qemu-kvm-rhev", build: "\(enable)\n\(second)").audit()
        #expect(build.verdict == .unknown, "\(build.evidence.map(\.observed))")
        #expect(build.evidence.contains { $0.rule.id == "spec-ambiguous-calls" })
    }

    @Test(
        "A configure script handed to a wrapper or an interpreter may run: the text does not decide",
        arguments: [
            "setsid \(disable)", "eatmydata \(disable)", "numactl --interleave=all \(disable)",
            "prlimit --nofile=1024 \(disable)",
            "scl enable devtoolset-7 -- \(disable)", "su root -c '\(disable)'", "chroot / \(disable)",
            "python3 -c \"import os; os.system('\(disable)')\"", "perl -e 'system q{\(disable)}'",
            "make -f /dev/stdin <<EOF\nall:\n\t\(disable)\nEOF", "make -f - <<'EOF'\nall:\n\t\(disable)\nEOF",
        ])
    func handedToAnotherProgram(_ second: String) throws {
        let (build, _) = try ShapeSpec(name: "qemu-kvm-rhev", build: "\(enable)\n\(second)").audit()
        #expect(build.verdict == .unknown, "\(build.evidence.map(\.observed))")
    }

    @Test("A quoted here-document is text: a call spelled in it does not run")
    func quotedHeredoc() throws {
        let (build, _) = try ShapeSpec(name: "qemu-kvm-rhev", build: "\(enable)\ncat <<'EOF'\n$(\(disable))\nEOF")
            .audit()
        #expect(build.verdict == .enabled)
    }

    @Test("A call inside multi-line backticks in a here-document is counted at its own line")
    func heredocLines() {
        let calls = ConfigureCalls.find(in: "cat <<EOF\n`true\n./configure --x`\nEOF")
        #expect(calls.map(\.lineInSection) == [3])
    }

    @Test("A trap's text runs later as shell commands: opaque")
    func trap() throws {
        let (build, _) = try ShapeSpec(name: "qemu-kvm-rhev", build: "\(enable)\ntrap '\(disable)' EXIT").audit()
        #expect(build.verdict == .unknown)
        #expect(build.observed("spec-opaque-command").contains { $0.contains("trap") })
    }

    @Test("Substitutions that run harmless programs change nothing")
    func harmless() throws {
        let (build, _) = try ShapeSpec(
            name: "qemu-kvm-rhev", build: "n=$(nproc)\nd=`pwd`\n\(enable) --prefix=\"$(pwd)/x\""
        ).audit()
        #expect(build.verdict == .enabled)
    }
}

@Suite("Variables assigned through builtins are not taken as unchanged")
struct BuiltinAssignmentTests {
    @Test(
        "A flag variable reassigned by a builtin, arithmetic or an array is unknown",
        arguments: [
            "read F < flags.txt",
            "read -r F <<< --disable-live-block-ops",
            "printf -v F %s --disable-live-block-ops",
            "mapfile -t F <<< --disable-live-block-ops",
            "readarray F < flags.txt",
            "declare -n R=F; R=--disable-live-block-ops",
            "getopts ab F",
            ": ${F:=x}; unset F; : ${F:=--disable-live-block-ops}",
            "F=(--disable-live-block-ops)",
            "F[0]=--disable-live-block-ops",
            "declare -u F; F=--enable-live-block-ops",
            "read X < f; (( X ))",
        ])
    func reassigned(_ step: String) throws {
        let build = "F=--enable-live-block-ops\n\(step)\n./configure --target-list=x86_64-softmmu $F"
        let (result, _) = try ShapeSpec(name: "qemu-kvm-rhev", build: build).audit()
        #expect(result.verdict == .unknown, "\(result.evidence.map(\.observed))")
    }

    @Test(
        "Arithmetic that assigns makes its names unknown",
        arguments: ["let F=1", "(( F = 1 ))", ": $((F=1))", "for ((F=0; F<1; F++)); do :; done"])
    func arithmetic(_ step: String) {
        let calls = ConfigureCalls.find(in: "F=--enable-live-block-ops\n\(step)\n./configure $F")
        #expect(calls.first?.arguments.first?.isKnown == false)
    }

    @Test("\"$*\" is one word, not the parameters one by one")
    func quotedStar() throws {
        let build =
            "dobuild() { ./configure --target-list=x86_64-softmmu \"$*\"; }\ndobuild --disable-live-block-ops --enable-live-block-ops"
        let (result, _) = try ShapeSpec(name: "qemu-kvm-rhev", build: build).audit()
        #expect(result.verdict != .enabled)
        let call = try #require(ConfigureCalls.find(in: build).first)
        #expect(call.words.last == "--disable-live-block-ops --enable-live-block-ops")
    }

    @Test("A shift past the parameters shifts nothing; an unknown count leaves them unknown")
    func shift() {
        let past = ConfigureCalls.find(in: "f() { shift 3; ./configure \"$@\"; }\nf --enable-live-block-ops")
        #expect(past.first?.words == ["--enable-live-block-ops"])
        let unknown = ConfigureCalls.find(
            in: "f() { shift $N; ./configure \"$@\"; }\nf --disable-live-block-ops --enable-live-block-ops")
        #expect(unknown.first?.arguments.allSatisfy(\.isKnown) == false)
    }

    @Test(
        "The helper script's variable reassigned by read or printf -v is unknown",
        arguments: [
            "read lbo < lbo.txt", "printf -v lbo %s disable",
        ])
    func helper(_ step: String) throws {
        let helper =
            "#!/bin/sh\nprefix=$1; shift\nlbo=$1; shift\n\(step)\n./configure --prefix=$prefix --${lbo}-live-block-ops \"$@\"\n"
        let (build, _) = try HelperScriptRunTests.spec(helper: helper).audit()
        #expect(build.verdict == .unknown, "\(build.evidence.map(\.observed))")
    }
}

@Suite("What runs between the call read and the build")
struct EditedBeforeBuildTests {
    static let helper =
        "#!/bin/sh\nprefix=$1; shift\nlbo=$1; shift\n./configure --prefix=$prefix --${lbo}-live-block-ops \"$@\"\n"

    static func spec(prep: String = "", before: String = "") -> ShapeSpec {
        var spec = ShapeSpec(
            name: "qemu-kvm-ev", version: "2.12.0", release: "44.1.el7",
            preamble: "Source10: build_configure-v2.sh\nPatch1: fix.patch",
            build: "\(before)\n./build_configure.sh /usr enable --target-list=x86_64-softmmu",
            files: ["build_configure-v2.sh": helper, "fix.patch": ""])
        spec.prep = "cp -p %{SOURCE10} build_configure.sh\nchmod +x build_configure.sh\n" + prep
        return spec
    }

    @Test("The helper as shipped decides when nothing rewrites it")
    func untouched() throws {
        let (build, _) = try Self.spec().audit()
        #expect(build.verdict == .enabled)
    }

    @Test(
        "A command that may rewrite the helper after the copy leaves it unread",
        arguments: [
            ("sed -i 's/--${lbo}-live-block-ops/--disable-live-block-ops/' build_configure.sh", ""),
            ("", "sed -i 's/--${lbo}-live-block-ops/--disable-live-block-ops/' build_configure.sh"),
            ("patch -p1 < %{PATCH1}", ""),
            ("echo 'lbo=disable' >> build_configure.sh", ""),
            ("", "perl -pi -e 's/lbo/x/' build_configure.sh"),
            ("", "cat other.sh > build_configure.sh"),
            ("", "cp other.sh build_configure.sh"),
        ])
    func rewritten(_ prep: String, _ before: String) throws {
        let (build, _) = try Self.spec(prep: prep, before: before).audit()
        #expect(build.verdict == .unknown, "\(build.evidence.map(\.observed))")
        #expect(build.observed("spec-opaque-command").contains { $0.contains("may be rewritten before it runs") })
    }

    @Test(
        "A program no list names may write what it is given: the helper it names is not read as shipped",
        arguments: [
            "cmake -E copy other.sh build_configure.sh", "busybox cp other.sh build_configure.sh",
            "python3 -c \"open('build_configure.sh','w').write('')\"",
        ])
    func rewrittenByAnyProgram(_ before: String) throws {
        let (build, _) = try Self.spec(before: before).audit()
        #expect(build.verdict == .unknown, "\(build.evidence.map(\.observed))")
        #expect(build.evidence.contains { $0.rule.id == "spec-opaque-command" })
    }

    @Test(
        "Configure's outputs edited, or its gate overridden on the make line, after the call",
        arguments: [
            "sed -i 's/CONFIG_LIVE_BLOCK_OPS=y/CONFIG_LIVE_BLOCK_OPS=n/' config-host.mak",
            "echo CONFIG_LIVE_BLOCK_OPS=n >> config-host.mak",
            "make V=1 CONFIG_LIVE_BLOCK_OPS=",
            "sed -i 1d x86_64-softmmu/config-target.mak",
        ])
    func outputsEdited(_ after: String) throws {
        let (build, _) = try ShapeSpec(name: "qemu-kvm-rhev", build: "\(enable)\n\(after)").audit()
        #expect(build.verdict == .unknown, "\(build.evidence.map(\.observed))")
        #expect(
            build.observed("spec-opaque-command").contains { $0.contains("after the x86_64-softmmu configure call") })
    }

    @Test("What a build usually does after configure changes nothing")
    func usualBuild() throws {
        let after =
            "cat config-host.mak\nB=\"VL_LDFLAGS=-Wl,--build-id\"\nmake V=1 -j2 $B\ncp -a x86_64-softmmu/qemu-system-x86_64 qemu-kvm\n./scripts/tracetool.py < trace-events > qemu-kvm.stp"
        let (build, _) = try ShapeSpec(name: "qemu-kvm-rhev", build: "\(enable)\n\(after)").audit()
        #expect(build.verdict == .enabled)
    }

    @Test("configure rewritten by name before it runs")
    func configureRewritten() throws {
        let (build, _) = try ShapeSpec(
            name: "qemu-kvm-rhev", build: "sed -i 's/live_block_ops=yes/live_block_ops=no/' configure\n\(enable)"
        ).audit()
        #expect(build.verdict == .unknown)
    }
}

@Suite("The positional word decides only for the words the script assigns")
struct PositionalWordCountTests {
    @Test(
        "Extra words after the assigned ones must be options configure reads",
        arguments: [
            ("disable", Verdict.unknown),
            ("\"--disable-live-block-ops --x\"", .unknown),
            ("--disable-live-block-ops=yes", .unknown),
            ("--disable-live-block-ops", .disabled),
            ("--prefix=/opt", .enabled),
        ])
    func extraWords(_ extra: String, _ verdict: Verdict) throws {
        let (build, _) = try HelperScriptRunTests.spec(helper: EditedBeforeBuildTests.helper, trailing: extra).audit()
        #expect(build.verdict == verdict, "\(build.evidence.map(\.observed))")
    }

    @Test("A word the script reads missing from the call")
    func missingWord() throws {
        var spec = HelperScriptRunTests.spec(
            helper:
                "#!/bin/sh\nprefix=$1; shift\nlbo=$1; shift\nx=$1; shift\n./configure --${lbo}-live-block-ops \"$@\"\n")
        spec.build = "./build_configure.sh /usr enable"
        let (build, _) = try spec.audit()
        #expect(build.verdict == .unknown)
    }
}
