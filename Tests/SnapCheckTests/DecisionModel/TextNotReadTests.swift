import Foundation
import TestSupport
import Testing

@testable import SnapCheck

/// Text rpm takes from where snapcheck does not read (a file the spec loads,
/// a macro name or body made at expansion time) can carry code the
/// neutraliser never saw, and that code can tell an audit from a build (adversarial
/// pass 7): the spec then decides nothing.
@Suite("Specs that take text snapcheck does not read")
struct TextNotReadTests {
    /// An EL7 rhev spec whose configure call enables live block ops, with `line` before `%description`.
    static func shape(_ line: String) -> ShapeSpec {
        ShapeSpec(
            name: "qemu-kvm-rhev", preamble: line,
            build: "./configure --target-list=x86_64-softmmu --enable-live-block-ops %{?extra}")
    }

    @Test(
        "A file it loads, a macro name or a body made at expansion time: unknown, with the line and what it is",
        arguments: [
            ("%include %{_sourcedir}/opts.inc", "a file it loads"),
            ("%{load:%{_sourcedir}/macros.extra}", "a file it loads"),
            ("%global L lua\n%global extra %{expand:%%{%{L}: print('')}}", "a macro name made at expansion time"),
            ("%global extra %{expand:%%global inner 1}", "text %{expand:} builds and expands again"),
        ])
    func decidesNothing(_ line: String, _ what: String) throws {
        // The files rpm loads, in a sources directory of their own (`--sources`).
        let sources = try temporaryDirectory("sources")
        defer { try? FileManager.default.removeItem(atPath: sources) }
        for (name, text) in ["opts.inc": "%global extra %{nil}\n", "macros.extra": "%extra %{nil}\n"] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: sources + "/" + name))
        }
        let (build, _) = try Self.shape(line).audit { $0.sourcesDirectory = sources }
        #expect(build.verdict == .unknown)
        #expect(!build.evidence.contains { $0.layer == .spec && $0.supports != nil })
        let notes = build.evidence.filter {
            $0.rule.id == "spec-expansion-not-run" && $0.observed.hasPrefix(what + ": ")
        }
        #expect(notes.count == 1, "\(build.evidence.map(\.observed))")
        #expect(notes.first?.observed.hasSuffix("; the spec decides nothing") == true)
    }

    @Test(
        "A value of the auditing host (environment, files) through a definition, a condition or the call itself: unknown",
        arguments: [
            "%global h %{getenv:HOME}\n%if \"%{h}\" == \"/nonexistent\"\n%global extra %{nil}\n%endif",
            "%global h %{exists:/etc/redhat-release}\n%if ! %{h}\n%global extra %{nil}\n%endif",
            "%if %{getncpus} > 0\n%global extra %{nil}\n%endif",
            "%global extra %{nil} %{?getenv:EXTRA_FLAGS}",
        ])
    func hostValuesDecideNothing(_ line: String) throws {
        let (build, _) = try Self.shape(line).audit()
        #expect(build.verdict == .unknown, "\(build.evidence.map(\.observed))")
    }

    @Test("A host value used in the configure call itself is named as one")
    func hostValueInTheCall() throws {
        let (build, _) = try ShapeSpec(
            name: "qemu-kvm-rhev",
            build: "./configure --target-list=x86_64-softmmu --enable-live-block-ops %{getenv:EXTRA_FLAGS}"
        ).audit()
        #expect(build.verdict == .unknown)
        #expect(
            build.evidence.contains {
                $0.observed.hasPrefix(
                    "a value of the auditing host (its environment or files), not the builder's: ./configure")
            })
    }

    @Test("%{expand:} of plain macros and a %% in the changelog are read as before: the spec decides")
    func plainExpansionStillDecides() throws {
        let (build, _) = try Self.shape("%global extra %{expand:%{?nothing}}").audit()
        #expect(build.verdict == .enabled)
    }
}

/// Shapes where rpm reads the text otherwise than snapcheck's parse (adversarial pass 9): the spec decides nothing.
@Suite("Specs rpm reads otherwise than snapcheck's parse")
struct ReadOtherwiseTests {
    @Test(
        "Lua after %%, ?lua or a Lua comment, an expression outside %if, a %patch macro, the spec's path, a macro body: unknown",
        arguments: [
            "%define setoff %global extra %{nil}\n%global dummy %%{lua:%{setoff}}",
            "%global dummy %{?lua:%global extra %{nil}}",
            "%global dummy %{lua: -- }%global extra %{nil}\n%global x }",
            "%global extra %{expr:1 ? \"\" : \"\"}",
            "%define patch1 %global extra %{nil}",
            "%global extra %{nil}%{__file_name}",
            "%global extra %{macrobody:_make_output_sync}",
            "%global extra %{lua print('')}",
        ])
    func decidesNothing(_ line: String) throws {
        let (build, _) = try TextNotReadTests.shape(line).audit()
        #expect(build.verdict == .unknown, "\(build.evidence.map(\.observed))")
    }

    @Test("A condition reading a macro with a side effect is expanded once, as rpm does")
    func sideEffectExpandedOnce() throws {
        let (build, _) = try ShapeSpec(
            name: "qemu-kvm-rhev",
            preamble: """
                %define bump %global cnt %{?cnt}x
                %if 1%{bump}
                %endif
                %if "%{cnt}" == "xx"
                %global live --enable-live-block-ops
                %else
                %global live --disable-live-block-ops
                %endif
                """,
            build: "./configure --target-list=x86_64-softmmu %{live}"
        ).audit()
        #expect(build.verdict == .disabled)
    }
}
