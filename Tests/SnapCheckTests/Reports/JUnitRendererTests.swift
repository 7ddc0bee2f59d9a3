import Foundation
import TestSupport
import Testing

@_spi(Fuzzing) @testable import SnapCheck

/// Reads a JUnit file with xml.etree (strict expat) and with junitparser.
private let junitConsumer = #"""
    import json, sys
    try:
        import junitparser
    except ImportError:
        sys.exit("junitparser is not importable: pip install junitparser")
    import xml.etree.ElementTree as ET
    ET.parse(sys.argv[1])
    xml = junitparser.JUnitXml.fromfile(sys.argv[1])
    def counts(x):
        return {"tests": x.tests, "failures": x.failures, "errors": x.errors, "skipped": x.skipped, "time": x.time}
    out = {"declared": counts(xml), "suites": [], "cases": [], "recount": {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}}
    for suite in xml:
        out["suites"].append(dict(counts(suite), name=suite.name,
                                  properties=[[p.name, p.value] for p in suite.properties()]))
        for case in suite:
            results = [{"tag": type(r).__name__.lower(), "message": r.message, "type": r.type, "text": r.text}
                       for r in case.result]
            out["recount"]["tests"] += 1
            for r in results:
                key = {"failure": "failures", "error": "errors", "skipped": "skipped"}[r["tag"]]
                out["recount"][key] += 1
            out["cases"].append({"classname": case.classname, "name": case.name, "time": case.time,
                                 "results": results, "out": case.system_out})
    print(json.dumps(out))
    """#

func junit(_ bytes: [UInt8]) throws -> [String: Any] {
    try ReportConsumer.run(junitConsumer, on: bytes, suffix: "xml")
}

private func cases(_ report: [String: Any]) -> [[String: Any]] { report["cases"] as? [[String: Any]] ?? [] }
private func tags(_ testcase: [String: Any]) -> [String] {
    (testcase["results"] as? [[String: Any]] ?? []).compactMap { $0["tag"] as? String }
}
private func counts(_ object: Any?) -> [String: Int] {
    let dict = object as? [String: Any] ?? [:]
    return ["tests", "failures", "errors", "skipped"].reduce(into: [:]) { $0[$1] = dict[$1] as? Int ?? -1 }
}

@Suite("JUnit report")
struct JUnitRendererTests {
    @Test("A fixture audit gives one testcase per build and input error, with counts junitparser agrees with")
    func fixtureCounts() throws {
        let result = audit([
            try fixtureDirectory("ma-212"), try fixtureDirectory("el7-rhev"),
            try Fixtures.path("corrupt/truncated-header.rpm"),
        ])
        #expect(result.builds.count == 2)
        #expect(result.errors.count == 1)
        let report = try junit(JUnitRenderer().render(result))

        let expected = ["tests": 3, "failures": 1, "errors": 1, "skipped": 0]
        #expect(counts(report["declared"]) == expected)
        let suites = report["suites"] as? [[String: Any]] ?? []
        #expect(suites.count == 1)
        #expect(suites.first?["name"] as? String == "snapcheck")
        #expect(counts(suites.first) == expected)
        #expect(counts(report["recount"]) == expected, "declared counts differ from the testcases")

        let byClass = Dictionary(grouping: cases(report)) { $0["classname"] as? String ?? "" }
        let ma = try #require(byClass["qemu-kvm-ma"]?.first)
        // Named for what stays the same night after night; the version is a property.
        #expect(ma["name"] as? String == "qemu-kvm-ma x86_64")
        #expect(tags(ma) == ["failure"])
        #expect(tags(try #require(byClass["qemu-kvm-rhev"]?.first)) == [])
        let error = try #require(byClass["snapcheck.input"]?.first)
        #expect(tags(error) == ["error"])
        #expect((error["name"] as? String)?.hasSuffix("truncated-header.rpm") == true)

        // Every piece of evidence is in system-out, deciding first.
        let out = try #require(ma["out"] as? String)
        let build = try #require(result.builds.first { $0.name == "qemu-kvm-ma" })
        for e in build.evidence { #expect(out.contains(e.observed), "\(e.rule) missing from system-out") }
        let firstEvidence = out.split(separator: "\n").first { !$0.hasPrefix("verdict:") && !$0.hasPrefix("input:") }
        #expect(firstEvidence?.hasPrefix("deciding ") == true)

        let properties = Dictionary((suites.first?["properties"] as? [[String]] ?? []).map { ($0[0], $0[1]) }) { a, _ in
            a
        }
        #expect(properties["tool.version"] == Tool.version)
        #expect(properties["expectation"] == "enabled")
        #expect(properties["baseline"] == "none")
    }

    @Test("Rendering the same result twice gives the same bytes, ending in a newline")
    func deterministic() throws {
        let result = audit([try fixtureDirectory("ma-212"), try fixtureDirectory("el7-rhev")])
        let first = JUnitRenderer().render(result)
        #expect(first == JUnitRenderer().render(result))
        #expect(first.last == 0x0A)
        #expect(first.starts(with: Array(#"<?xml version="1.0" encoding="UTF-8"?>"#.utf8)))
    }

    @Test("unknown is skipped, inconsistent and contradictions fail, a baseline regression fails even when expected")
    func outcomes() throws {
        var result = AuditResult(
            expectation: .disabled,
            builds: [
                handBuild(name: "a-unknown", verdict: .unknown, expectation: .disabled),
                handBuild(name: "b-inconsistent", verdict: .inconsistent, expectation: .disabled),
                handBuild(name: "c-enabled", verdict: .enabled, expectation: .disabled),
                handBuild(name: "d-disabled", verdict: .disabled, expectation: .disabled),
                handBuild(name: "e-absent", verdict: .absent, expectation: .disabled),
            ], skipped: 2, errors: [], baseline: nil)
        result.baseline = Baseline(entries: [
            lastNight("d-disabled", .enabled),
            lastNight("c-enabled", .enabled),
        ]).compare(with: result.builds)
        let report = try junit(JUnitRenderer().render(result))
        let byClass = Dictionary(uniqueKeysWithValues: cases(report).map { ($0["classname"] as? String ?? "", $0) })
        #expect(tags(byClass["a-unknown"] ?? [:]) == ["skipped"])
        #expect(tags(byClass["b-inconsistent"] ?? [:]) == ["failure"])
        #expect(tags(byClass["c-enabled"] ?? [:]) == ["failure"])
        #expect(tags(byClass["e-absent"] ?? [:]) == ["failure"])
        let regression = try #require((byClass["d-disabled"]?["results"] as? [[String: Any]])?.first)
        #expect(regression["type"] as? String == "regression")
        #expect(
            regression["message"] as? String
                == "regression: enabled → disabled since baseline (d-disabled-2.12.0-44.el7_8)")
        #expect(counts(report["declared"]) == ["tests": 5, "failures": 4, "errors": 0, "skipped": 1])
        #expect(counts(report["recount"]) == counts(report["declared"]))
        let properties = Dictionary(
            ((report["suites"] as? [[String: Any]])?.first?["properties"] as? [[String]] ?? []).map { ($0[0], $0[1]) }
        ) { a, _ in a }
        #expect(properties["baseline.regressions"] == "1")
        #expect(properties["packages.skipped"] == "2")
    }

    @Test("Quotes, markup, ]]>, control characters and U+FFFD in names, paths and messages survive as parseable XML")
    func hostileStrings() throws {
        let build = handBuild(
            name: "pkg" + hostileText, release: "1" + hostileText, arch: "x86_64" + hostileText, verdict: .disabled,
            source: "dir " + hostileText + "/x.spec", observed: "observed " + hostileText)
        let result = AuditResult(
            expectation: .enabled, builds: [build], skipped: 0,
            errors: [InputError(.corrupt, input: "in" + hostileText + ".rpm", message: "bad " + hostileText)],
            baseline: nil)
        let bytes = JUnitRenderer().render(result)
        let report = try junit(bytes)
        #expect(counts(report["declared"]) == ["tests": 2, "failures": 1, "errors": 1, "skipped": 0])

        // What XML can hold comes back exactly; the two characters it cannot (U+0001, U+001B, U+FFFE) as U+FFFD.
        func xmlSafe(_ s: String) -> String {
            String(
                String.UnicodeScalarView(
                    s.unicodeScalars.map { [0x01, 0x1B, 0xFFFE].contains($0.value) ? "\u{FFFD}" : $0 }))
        }
        let byClass = Dictionary(uniqueKeysWithValues: cases(report).map { ($0["classname"] as? String ?? "", $0) })
        let testcase = try #require(byClass[xmlSafe(build.name)], "classnames: \(byClass.keys.sorted())")
        #expect(testcase["name"] as? String == xmlSafe(build.name + " " + build.arch!))
        #expect((testcase["out"] as? String)?.contains(xmlSafe(build.evidence[0].observed)) == true)
        let error = try #require(byClass["snapcheck.input"])
        #expect(error["name"] as? String == xmlSafe(result.errors[0].input))
        #expect(
            (error["results"] as? [[String: Any]])?.first?["message"] as? String == xmlSafe(result.errors[0].message))
        // No raw control character reaches the file.
        #expect(!bytes.contains { $0 < 0x20 && $0 != 0x0A && $0 != 0x09 })
    }

    @Test("Paths with markup, control characters and a non-UTF-8 byte flow through an audit into parseable XML")
    func nonUTF8FileName() throws {
        let (top, inputs) = try hostileDirectory(
            copying: try Fixtures.path("builds/el7-rhev/x86_64/qemu-kvm-rhev-1.5.3-175.el7.x86_64.rpm"))
        defer { try? FileManager.default.removeItem(atPath: top) }
        let result = audit(inputs)
        let mentioned = result.builds.flatMap { $0.inputs.map(\.path) } + result.errors.map(\.input)
        #expect(
            mentioned.contains { $0.hasPrefix(top) && $0.contains("\u{FFFD}") },
            "the non-UTF-8 name did not reach the result: \(mentioned)")
        #expect(
            mentioned.contains { $0.hasPrefix(top) && $0.contains("]]>\u{01}\u{1B}") },
            "the hostileText directory did not reach the result: \(mentioned)")
        let report = try junit(JUnitRenderer().render(result))
        #expect(counts(report["recount"]) == counts(report["declared"]))
        #expect(counts(report["declared"])["tests"] == result.builds.count + result.errors.count)
    }
}
