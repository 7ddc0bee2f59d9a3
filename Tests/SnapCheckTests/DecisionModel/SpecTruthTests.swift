import Foundation
import RPM
import TestSupport
import Testing

@_spi(Fuzzing) @testable import SnapCheck

// The value snapcheck reasons with must be the value rpm used at that point:
// what the sandbox refused, left undefined or took from the auditing host, on
// the deciding path, makes the spec say nothing. Each shape is our own spec;
// the expected answers are what `rpmspec -P` builds.

/// An EL7 1.5.3-175 rhev spec whose %build picks the flag by `%if %{rhev}`; `head` sets rhev.
private func gated(_ head: String, release: String = "175.el7") -> ShapeSpec {
    ShapeSpec(
        name: "qemu-kvm-rhev", release: release, preamble: head,
        build: """
            ./configure --target-list=x86_64-softmmu \\
            %if %{rhev}
                --enable-live-block-ops \\
            %else
                --disable-live-block-ops \\
            %endif
                --disable-werror
            """)
}

/// rhev is 0 when `condition` holds, else 1: a real build of the stock flavour is disabled.
private func chosenBy(_ condition: String, before: String = "") -> ShapeSpec {
    gated("\(before)\n%if \(condition)\n%global rhev 0\n%else\n%global rhev 1\n%endif")
}

@Suite("A refused expansion that reaches a condition, by any route, decides nothing")
struct RefusedExpansionRouteTests {
    @Test(
        "Through a parametric macro or %{expand:%%global}: unknown, not the other branch",
        arguments: [
            "%global a %(echo 0)\n%define setb() %global b x%1\n%setb %{a}",
            "%global a %(echo 0)\n%{expand:%%global b x%{a}}",
        ])
    func indirect(_ before: String) throws {
        let (build, _) = try chosenBy("\"%{b}\" == \"x0\"", before: before).audit()
        #expect(build.verdict == .unknown, "\(build.evidence.map(\.observed))")
        #expect(
            build.evidence.contains {
                $0.observed.contains("%(echo 0)") && $0.observed.contains("which was not run")
                    && $0.rule.id == "el7-live-block-ops"
            })
    }

    @Test("A numeric %if on a refused expansion is unknown naming it, not a parse error")
    func numericCondition() throws {
        let (build, _) = try chosenBy("%{rhel_ver} >= 7", before: "%global rhel_ver %(echo 7)").audit()
        #expect(build.verdict == .unknown)
        #expect(build.evidence.contains { $0.observed.contains("%(echo 7)") && $0.rule.id == "el7-live-block-ops" })
    }

    @Test("A release computed by a refused expansion supports no version fact and is never shown as a marker")
    func release() throws {
        let spec = ShapeSpec(
            name: "qemu-kvm-rhev", release: "%(echo 175).el7",
            build: "./configure --target-list=x86_64-softmmu --disable-werror")
        let (build, _) = try spec.audit()
        #expect(build.verdict == .unknown)
        #expect(build.release == "%(echo 175).el7")
        #expect(!build.evidence.contains { $0.observed.contains(RefusedExpansion.markerPrefix) })
        #expect(!build.evidence.contains { $0.rule.id == "el7-before-option" || $0.rule.id == "version-fact" })
    }

    @Test("A refused expansion on a line of its own: rpm reads its output, so the spec says nothing")
    func lineOfItsOwn() throws {
        let (build, _) = try chosenBy("\"%{?b}\" == \"x0\"", before: "%{lua: print(\"%global b x0\")}").audit()
        #expect(build.verdict == .unknown)
    }
}

@Suite("Conditions on the auditing host decide nothing")
struct HostMacroConditionTests {
    @Test(
        "A condition on a host macro is unknown, naming it",
        arguments: [
            ("0%{?rhel} >= 7", "rhel"), ("\"%{_vendor}\" == \"redhat\"", "_vendor"), ("0%{?el7}", "el7"),
            ("\"%{?dist}\" == \".el7\"", "dist"), ("\"%{getenv:HOME}\" == \"/root\"", "getenv"),
            ("\"%{_host_os}\" == \"linux\"", "_host_os"),
            // Read without their text reaching the result: definedness tests.
            ("%{defined:rhel}", "rhel"), ("%{undefined:rhel}", "rhel"),
            // Macros no list names that nothing defined here: a builder's configuration may.
            ("0%{?_unitdir:1}", "_unitdir"), ("0%{?amzn} || 0%{?rhel_version}", "amzn"),
        ])
    func hostCondition(_ condition: String, _ macro: String) throws {
        let (build, _) = try chosenBy(condition).audit()
        #expect(build.verdict == .unknown, "\(build.evidence.map(\.observed))")
        #expect(build.evidence.contains { $0.observed.contains("%{\(macro)}") })
    }

    @Test("Through a macro defined from the host's: unknown")
    func derived() throws {
        let (build, _) = try chosenBy("%{isrhel}", before: "%global isrhel 0%{?rhel}").audit()
        #expect(build.verdict == .unknown)
    }

    @Test("--define gives the builder's value: then it decides, as on that builder")
    func givenByTheUser() throws {
        let (build, _) = try chosenBy("0%{?rhel} >= 7").audit {
            $0.defines = [MacroDefinition(name: "rhel", value: "7")]
        }
        #expect(build.verdict == .disabled)
    }
}

@Suite("Conditions rpm accepts stay accepted")
struct ConditionRecorderSyntaxTests {
    @Test(
        "Braces that do not nest in a condition keep rpm's own evaluation: the spec still parses, as rpm decides",
        arguments: [
            "\"}\" == \"{\"", "\"{\" == \"x\"",
        ])
    func unnestedBraces(_ condition: String) throws {
        let (build, _) = try chosenBy(condition).audit()
        #expect(build.verdict == .enabled, "\(build.evidence.map(\.observed))")
    }
}

@Suite("Values are read as of where rpm used them")
struct ValueAtUseTests {
    @Test("%have_live_block_ops redefined after %build: the word %build got decides")
    func haveLiveBlockOpsRedefinedLater() throws {
        var spec = ShapeSpec(
            name: "qemu-kvm-ma", version: "2.12.0", release: "44.el7",
            preamble: "%global have_live_block_ops 0\nSource10: build_configure.sh",
            build:
                "./build_configure.sh /usr \\\n%if 0%{have_live_block_ops}\n  enable \\\n%else\n  disable \\\n%endif\n  --target-list=x86_64-softmmu"
        )
        spec.build += "\n\n%install\n%global have_live_block_ops 1"
        let (build, _) = try spec.audit()
        #expect(build.verdict == .disabled, "\(build.evidence.map(\.observed))")
    }

    @Test("A definition whose value is not the one rpm read is never cited")
    func notTheDecidingDefinition() throws {
        let (build, path) = try gated("%define rhev 0\n%global notes built with \\\n%define rhev 1").audit()
        #expect(build.verdict == .enabled)
        let text = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        let line = try #require(text.firstIndex(of: "%define rhev 0")) + 1
        #expect(!build.evidence.contains { $0.line == line && $0.role == .deciding }, "\(build.deciding)")
    }
}

@Suite("rpm is given the spec's bytes")
struct SpecBytesTests {
    @Test("A byte that is not UTF-8 is not U+FFFD: compared as rpm compares it, shown as \\xff")
    func invalidByte() throws {
        let directory = URL(fileURLWithPath: try temporaryDirectory("bytes"))
        let text = chosenBy("\"%{m}\" == \"\u{1}\"", before: "%global m \u{FFFD}").text
        var bytes = Array(text.utf8)
        let one = try #require(bytes.firstIndex(of: 1))
        bytes[one] = 0xFF
        let path = directory.appendingPathComponent("bytes.spec").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let result = audit([path])
        let build = try #require(result.builds.first)
        // rpm: the bytes differ, rhev is 1.
        #expect(build.verdict == .enabled, "\(build.evidence.map(\.observed))")
        #expect(build.evidence.contains { $0.observed.contains("\\xff") })
    }

    @Test("Bytes round-trip through the text: stand-ins back to their bytes")
    func roundTrip() {
        let bytes: [UInt8] = [0x41, 0xFF, 0xEF, 0xBF, 0xBD, 0xC3, 0x28, 0x0A]
        #expect(SpecBytes.bytes(of: SpecBytes.text(bytes)) == bytes)
        #expect(SpecBytes.shown(SpecBytes.text([0x61, 0xFF])) == "a\\xff")
    }

    @Test("A real scalar of the stand-in range keeps its four bytes: it never passes for the byte it would stand for")
    func standInRangeInTheFile() {
        let scalar: [UInt8] = Array("\u{10FE31}".utf8)  // would stand for "1"
        let bytes: [UInt8] = [0x22] + scalar + [0x22]
        #expect(SpecBytes.bytes(of: SpecBytes.text(bytes)) == bytes)
        #expect(!SpecBytes.text(bytes).contains("1"))
        #expect(SpecBytes.shown(SpecBytes.text(bytes)) == "\"\\xf4\\x8f\\xb8\\xb1\"")
    }

    @Test("CRLF line ends reach rpm: a \\ before \\r is no continuation, and rpm refuses the spec")
    func crlf() throws {
        let directory = URL(fileURLWithPath: try temporaryDirectory("crlf"))
        let text = gated("%define rhev 1\n%global deps \\\nRequires: x").text.replacingOccurrences(
            of: "\n", with: "\r\n")
        let path = directory.appendingPathComponent("crlf.spec").path
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        let result = audit([path])
        #expect(result.builds.isEmpty)
        #expect(result.errors.count == 1)
    }
}
