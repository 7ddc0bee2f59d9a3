import Foundation
import TestSupport
import Testing

@_spi(Fuzzing) @testable import SnapCheck

/// A build with its own evidence list, for cells with warnings and notes.
private func build(
    _ name: String, arch: String?, verdict: Verdict, evidence: [(Evidence.Role, String)] = [],
    inputs: [AuditedInput] = []
) -> Build {
    var b = handBuild(name: name, arch: arch, verdict: verdict)
    b.evidence += evidence.map { role, observed in
        var e = Evidence(
            layer: role == .warning ? .header : .spec, source: "\(name).spec", line: 7, observed: observed,
            rule: role == .warning ? Rules.nameContradicts : Rules.refusedExpansion, supports: nil)
        e.role = role
        return e
    }
    if !inputs.isEmpty { b.inputs = inputs }
    return b
}

@Suite("HTML report")
struct HTMLRendererTests {
    @Test("Each build's verdict and marks are in its package's row and its arch's column")
    func matrixPlacesVerdicts() throws {
        var result = AuditResult(
            expectation: .enabled,
            builds: [
                build("a-pkg", arch: "ppc64le", verdict: .disabled),
                build("a-pkg", arch: "x86_64", verdict: .enabled),
                build("b-pkg", arch: "src", verdict: .unknown),
                build("c-pkg", arch: nil, verdict: .inconsistent),
                build("d-pkg", arch: "aarch64", verdict: .absent),
            ], skipped: 0, errors: [], baseline: nil)
        func lastNight(_ name: String, _ arch: String?, _ verdict: Verdict) -> Baseline.Entry {
            Baseline.Entry(name: name, epoch: nil, version: "2.12.0", release: "44.el7_8", arch: arch, verdict: verdict)
        }
        result.baseline = Baseline(entries: [
            lastNight("a-pkg", "ppc64le", .enabled),
            lastNight("b-pkg", "src", .disabled),
            lastNight("c-pkg", nil, .inconsistent),
            lastNight("d-pkg", "aarch64", .absent),
            lastNight("gone", "s390x", .enabled),
        ]).compare(with: result.builds)
        let page = try HTMLPage.read(HTMLRenderer().render(result))

        #expect(page.columns == ["aarch64", "ppc64le", "x86_64", "src", "(any arch)"])
        #expect(
            page.rows.map(\.nevr) == [
                "a-pkg-2.12.0-44.1.el7_8.1", "b-pkg-2.12.0-44.1.el7_8.1", "c-pkg-2.12.0-44.1.el7_8.1",
                "d-pkg-2.12.0-44.1.el7_8.1",
            ])
        let outcomes = page.rows.map { $0.cells.map { $0?.outcome } }
        #expect(
            outcomes == [
                [
                    nil, "DISABLED ✗ expected enabled REGRESSION (was enabled)",
                    "ENABLED ✓ as expected new since the baseline", nil, nil,
                ],
                [nil, nil, nil, "UNKNOWN ✗ expected enabled changed (was disabled)", nil],
                [nil, nil, nil, nil, "INCONSISTENT ✗ expected enabled"],
                ["ABSENT ✗ expected enabled", nil, nil, nil, nil],
            ])
        let classes = page.rows.flatMap { $0.cells.compactMap { $0?.classes } }
        #expect(
            classes == [
                ["cell", "v-disabled"], ["cell", "v-enabled"], ["cell", "v-unknown"], ["cell", "v-inconsistent"],
                ["cell", "v-absent"],
            ])
        #expect(page.heading == "Live snapshot support: INCONSISTENT")
        #expect(
            page.baseline == [
                "regression a-pkg ppc64le: enabled → disabled", "changed b-pkg src: disabled → unknown",
                "new a-pkg-2.12.0-44.1.el7_8.1 x86_64", "vanished gone s390x",
            ])
    }

    @Test("One row per source package, even when another epoch's build sorts between its arches")
    func rowPerPackage() throws {
        func epoch(_ e: UInt32, _ arch: String, _ verdict: Verdict) -> Build {
            var b = build("p", arch: arch, verdict: verdict)
            b.epoch = e
            return b
        }
        let result = AuditResult(
            expectation: .enabled,
            builds: [epoch(1, "ppc64le", .enabled), epoch(2, "ppc64le", .disabled), epoch(1, "x86_64", .unknown)],
            skipped: 0, errors: [], baseline: nil)
        let page = try HTMLPage.read(HTMLRenderer().render(result))
        #expect(page.rows.map(\.nevr) == ["p-1:2.12.0-44.1.el7_8.1", "p-2:2.12.0-44.1.el7_8.1"])
        #expect(
            page.rows.map { $0.cells.map { $0?.outcome.split(separator: " ").first.map(String.init) } }
                == [["ENABLED", "UNKNOWN"], ["DISABLED", nil]])
        #expect(page.rows.map { $0.cells.map { $0?.id } } == [["build-1", "build-3"], ["build-2", nil]])
    }

    @Test("Verdict, marks, warnings and how it was decided show on the closed cell; the chain and notes only inside it")
    func warningsOutsideDetails() throws {
        let b = build(
            "qemu-kvm-ev", arch: "x86_64", verdict: .disabled,
            evidence: [(.warning, "qemu-kvm-ev: name ends in -ev suggests enabled"), (.note, "a refused expansion")])
        let page = try HTMLPage.read(
            HTMLRenderer().render(
                AuditResult(expectation: .enabled, builds: [b], skipped: 0, errors: [], baseline: nil)))
        let cell = try #require(page.rows.first?.cells.first ?? nil)
        #expect(cell.outcome == "DISABLED ✗ expected enabled")
        #expect(
            cell.warnings
                == "warning header name-contradicts-evidence qemu-kvm-ev.spec:7 qemu-kvm-ev: name ends in -ev suggests enabled"
        )
        #expect(cell.summary == "Decided by the spec layer (el7-live-block-ops).")
        #expect(!cell.details.contains("suggests enabled"))
        #expect(
            cell.details.hasPrefix(
                "Deciding chain deciding spec el7-live-block-ops qemu-kvm-ev.spec:42 --enable-live-block-ops"))
        #expect(cell.details.hasSuffix("Notes note spec spec-expansion-not-run qemu-kvm-ev.spec:7 a refused expansion"))
    }

    @Test("The header counts builds per verdict and lists each input once, by path, with its SHA-256")
    func header() throws {
        let digest = String(repeating: "ab", count: 32)
        let shared = AuditedInput(path: "b/x.src.rpm", kind: .srpm, sha256: digest)
        let result = AuditResult(
            expectation: .disabled,
            builds: [
                build(
                    "p", arch: "ppc64le", verdict: .disabled,
                    inputs: [shared, AuditedInput(path: "b/p.ppc64le.rpm", kind: .rpm, sha256: digest)]),
                build(
                    "p", arch: "x86_64", verdict: .disabled,
                    inputs: [shared, AuditedInput(path: "a/q", kind: .installed, sha256: "")]),
                build("q", arch: "x86_64", verdict: .enabled, inputs: [shared]),
            ], skipped: 3, errors: [InputError(.unsupported, input: "z.rpm", message: "not an RPM")], baseline: nil)
        let page = try HTMLPage.read(HTMLRenderer().render(result))
        #expect(page.counts == ["enabled": "1", "disabled": "2", "absent": "0", "unknown": "0", "inconsistent": "0"])
        #expect(
            page.facts
                == "snapcheck \(Tool.version) · expected disabled · 3 builds · 3 packages skipped (not QEMU builds) · 1 input error · no timestamp: the same inputs give the same page"
        )
        #expect(
            page.inputs.map { "\($0.path) \($0.kind) \($0.sha256)" } == [
                "a/q installed none (read from the rpmdb)", "b/p.ppc64le.rpm rpm \(digest)",
                "b/x.src.rpm srpm \(digest)",
            ])
        #expect(page.errors == ["z.rpm: not an RPM"])
        #expect(page.baseline.isEmpty)
    }

    @Test("Text from inputs is shown as the text report shows it and adds no markup; the page validates")
    func hostileStrings() throws {
        let b = handBuild(
            name: "pkg" + hostileText, release: "1" + hostileText, arch: "x86_64" + hostileText, verdict: .disabled,
            source: "dir " + hostileText + "/x.spec", observed: "observed " + hostileText)
        let result = AuditResult(
            expectation: .enabled, builds: [b], skipped: 0,
            errors: [InputError(.corrupt, input: "in" + hostileText + ".rpm", message: "bad " + hostileText)],
            baseline: nil)
        let bytes = HTMLRenderer().render(result)
        let page = try HTMLPage.read(bytes)

        // Control characters written out as in the text report; the noncharacter U+FFFE too.
        let shown = #"q"u<o>t&e's ]]> \x01ctl\x1b[31m "# + "\u{FFFD}" + #"bad-utf8 tab\there\nnew\rline \u{fffe}"#
        #expect(page.columns == ["x86_64" + shown])
        #expect(page.rows.map(\.nevr) == ["pkg\(shown)-2.12.0-1\(shown)"])
        let cell = try #require(page.rows.first?.cells.first ?? nil)
        #expect(cell.details.contains("dir \(shown)/x.spec:42 observed \(shown)"), "\(cell.details)")
        #expect(page.errors == ["in\(shown).rpm: bad \(shown)"])
        #expect(page.inputs.map(\.path) == ["dir \(shown)/x.spec"])
        #expect(page.title == "snapcheck: disabled, 1 build")

        // Only the renderer's own elements and attributes: nothing came in from the strings.
        let elements: Set<String> = [
            "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "p", "table", "caption",
            "tr", "th", "td", "thead", "tbody", "section", "ul", "ol", "li", "code", "span", "div",
            "main", "details", "summary", "br",
        ]
        #expect(Set(page.tags).isSubset(of: elements), "\(Set(page.tags).subtracting(elements))")
        #expect(
            Set(page.attributes).isSubset(of: ["lang", "charset", "name", "content", "class", "scope", "id"]),
            "\(page.attributes)")
        #expect(!bytes.contains { $0 < 0x20 && $0 != 0x0A })
        let check = try HTMLValidator.validate(bytes)
        #expect(check.status == 0, "vnu: \(check.output) \(check.errorOutput)")
    }

    @Test("The page is self-contained, the same bytes every time, and ends in a newline")
    func selfContained() throws {
        let result = audit([try fixtureDirectory("rhev-disabled"), try fixtureDirectory("el6-gap")])
        let bytes = HTMLRenderer().render(result)
        #expect(bytes == HTMLRenderer().render(result))
        #expect(bytes.last == 0x0A)
        #expect(bytes.starts(with: Array("<!DOCTYPE html>\n".utf8)))
        let page = try HTMLPage.read(bytes)
        #expect(page.references.isEmpty, "a script, link, image source or style attribute: \(page.references)")
        #expect(!page.tags.contains { ["script", "link", "img", "iframe", "object", "embed", "svg"].contains($0) })
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.contains("url(") && !text.contains("@import") && !text.contains("://"))
        #expect(page.rows.flatMap(\.cells).compactMap { $0 }.count == result.builds.count)
        let check = try HTMLValidator.validate(bytes)
        #expect(check.status == 0, "vnu: \(check.output) \(check.errorOutput)")
    }

    @Test("HTML escaping: markup characters as entities, noncharacters written out")
    func escaping() {
        #expect(HTMLRenderer.escape(#"<a href="x">&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;")
        let noncharacters = String(
            String.UnicodeScalarView(
                [0x61, 0xFDD0, 0x62, 0xFFFF, 0x63, 0x1FFFE, 0x64, 0x10FFFF].map { Unicode.Scalar($0)! }))
        #expect(HTMLRenderer.escape(noncharacters) == #"a\u{fdd0}b\u{ffff}c\u{1fffe}d\u{10ffff}"#)
        #expect(HTMLRenderer.escape("ünï \u{FFFD} ✓") == "ünï \u{FFFD} ✓")
    }
}
