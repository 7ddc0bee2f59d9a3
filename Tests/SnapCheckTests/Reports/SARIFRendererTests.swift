import Foundation
import TestSupport
import Testing

@_spi(Fuzzing) @testable import SnapCheck

/// Validates a SARIF file against sarif-pydantic's SARIF 2.1.0 object model.
/// Its models accept unknown keys, so the script also fails on any key the
/// model does not know (a misspelt `startline` would otherwise pass), and
/// prints what a consumer sees.
private let sarifConsumer = #"""
    import json, sys
    try:
        import sarif_pydantic
        from pydantic import BaseModel
    except ImportError:
        sys.exit("sarif-pydantic is not importable: pip install sarif-pydantic")
    log = sarif_pydantic.Sarif.model_validate_json(open(sys.argv[1], "rb").read())
    # SARIF 2.1.0 properties sarif-pydantic does not model, with the values §3.27.24 allows.
    MISSING = {"Result": {"baselineState": {"new", "unchanged", "updated", "absent"}}}
    def unknown_keys(model, path):
        found = []
        for k, v in (model.model_extra or {}).items():
            allowed = MISSING.get(type(model).__name__, {}).get(k)
            if allowed is None or v not in allowed:
                found.append(f"{path}.{k}={v!r}")
        for name, value in model:
            if name == "properties":
                continue  # property bags hold anything
            for i, item in enumerate(value if isinstance(value, list) else [value]):
                if isinstance(item, BaseModel):
                    found += unknown_keys(item, f"{path}.{name}[{i}]")
        return found
    extra = unknown_keys(log, "log")
    if extra:
        sys.exit("keys outside the SARIF object model: " + ", ".join(extra))
    run = log.runs[0]
    def loc(l):
        p = l.physical_location
        return {"uri": p.artifact_location.uri if p else None,
                "startLine": p.region.start_line if p and p.region else None,
                "logical": [x.name for x in (l.logical_locations or [])],
                "message": l.message.text if l.message else None}
    print(json.dumps({
        "version": log.version, "schema": log.schema_uri, "runs": len(log.runs),
        "driver": run.tool.driver.name, "driverVersion": run.tool.driver.version,
        "rules": [[r.id, r.short_description.text] for r in run.tool.driver.rules],
        "results": [{"ruleId": r.rule_id, "ruleIndex": r.rule_index, "level": r.level.value if r.level else None,
                     "kind": r.kind, "message": r.message.text, "baselineState": (r.model_extra or {}).get("baselineState"),
                     "locations": [loc(l) for l in (r.locations or [])],
                     "related": [loc(l) for l in (r.related_locations or [])]} for r in run.results],
    }))
    """#

func sarif(_ bytes: [UInt8]) throws -> [String: Any] {
    try ReportConsumer.run(sarifConsumer, on: bytes, suffix: "sarif")
}

private func results(_ report: [String: Any]) -> [[String: Any]] { report["results"] as? [[String: Any]] ?? [] }
private func firstLocation(_ result: [String: Any]) -> [String: Any] {
    (result["locations"] as? [[String: Any]])?.first ?? [:]
}

/// Characters RFC 3986 allows unencoded in a URI (plus `%` for escapes).
private func isURIReference(_ s: String) -> Bool {
    let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%")
    return s.allSatisfy { allowed.contains($0) }
}

@Suite("SARIF report")
struct SARIFRendererTests {
    @Test("A fixture audit validates against the SARIF 2.1.0 model, with every rule and a result per build and error")
    func fixtureReport() throws {
        let result = audit([
            try fixtureDirectory("ma-212"), try fixtureDirectory("el7-rhev"),
            try Fixtures.path("corrupt/truncated-header.rpm"),
        ])
        let report = try sarif(SARIFRenderer().render(result))
        #expect(report["version"] as? String == "2.1.0")
        #expect(report["schema"] as? String == "https://json.schemastore.org/sarif-2.1.0.json")
        #expect(report["runs"] as? Int == 1)
        #expect(report["driver"] as? String == "snapcheck")
        #expect(report["driverVersion"] as? String == Tool.version)

        let rules = report["rules"] as? [[String]] ?? []
        let ruleIds = rules.map { $0[0] }
        #expect(Array(ruleIds.prefix(Rules.all.count)) == Rules.all.map(\.id))
        #expect(Array(rules.prefix(Rules.all.count)).map { $0[1] } == Rules.all.map(\.summary))
        #expect(ruleIds.contains("input-error"))
        #expect(Set(ruleIds).count == ruleIds.count)

        let all = results(report)
        #expect(all.count == result.builds.count + result.errors.count)
        for r in all {
            let index = try #require(r["ruleIndex"] as? Int)
            #expect(ruleIds[index] == r["ruleId"] as? String, "ruleIndex points at another rule")
            let uri = firstLocation(r)["uri"] as? String ?? ""
            #expect(isURIReference(uri), "\(uri)")
        }

        let ma = try #require(all.first { ($0["message"] as? String)?.hasPrefix("qemu-kvm-ma-") == true })
        let build = try #require(result.builds.first { $0.name == "qemu-kvm-ma" })
        let deciding = try #require(build.evidence.first { $0.role == .deciding })
        #expect(ma["ruleId"] as? String == deciding.rule.id)
        #expect(ma["level"] as? String == "error")
        #expect(ma["kind"] as? String == "fail")
        // The executable decides: located at the RPM, the path inside as a logical location.
        #expect(firstLocation(ma)["uri"] as? String == SARIFRenderer.uri(String(deciding.source.prefix { $0 != ":" })))
        #expect(firstLocation(ma)["logical"] as? [String] == ["/usr/libexec/qemu-kvm"])

        let rhev = try #require(all.first { ($0["message"] as? String)?.hasPrefix("qemu-kvm-rhev-") == true })
        #expect(rhev["kind"] as? String == "pass")
        #expect(rhev["level"] as? String == "none")

        let error = try #require(all.first { $0["ruleId"] as? String == "input-error" })
        #expect(error["level"] as? String == "error")
        #expect((firstLocation(error)["uri"] as? String)?.hasSuffix("truncated-header.rpm") == true)
    }

    @Test("A bare spec file's result is located at the spec and the line of its deciding evidence")
    func specLocation() throws {
        _ = try Fixtures.built()
        let path = Fixtures.source("specs/el7-stock.spec")
        let result = audit([path])
        let build = try #require(result.builds.first)
        let deciding = try #require(build.evidence.first { $0.role == .deciding && $0.line != nil })
        let report = try sarif(SARIFRenderer().render(result))
        let r = try #require(results(report).first)
        #expect(r["ruleId"] as? String == deciding.rule.id)
        #expect(firstLocation(r)["uri"] as? String == SARIFRenderer.uri(deciding.source))
        #expect(firstLocation(r)["startLine"] as? Int == deciding.line)
        #expect(r["level"] as? String == "error")  // el7-stock is disabled, expected enabled
    }

    @Test(
        "Levels: contradiction and regression error, inconsistent and unknown warning, met passes; line 0 gets no region"
    )
    func levels() throws {
        var result = AuditResult(
            expectation: .disabled,
            builds: [
                handBuild(name: "a-unknown", verdict: .unknown, expectation: .disabled),
                handBuild(name: "b-inconsistent", verdict: .inconsistent, expectation: .disabled),
                handBuild(name: "c-enabled", verdict: .enabled, expectation: .disabled),
                handBuild(name: "d-disabled", verdict: .disabled, expectation: .disabled),
                handBuild(name: "e-disabled", verdict: .disabled, expectation: .disabled, line: 0),
            ], skipped: 0, errors: [], baseline: nil)
        result.baseline = Baseline(entries: [lastNight("d-disabled", .enabled), lastNight("e-disabled", .disabled)])
            .compare(with: result.builds)
        let report = try sarif(SARIFRenderer().render(result))
        let byName = Dictionary(
            uniqueKeysWithValues: results(report).map { r in
                ((r["message"] as? String ?? "").components(separatedBy: "-2.12.0").first ?? "", r)
            })
        func level(_ key: String) -> String? { byName[key]?["level"] as? String }
        #expect(level("a-unknown") == "warning")
        #expect(level("b-inconsistent") == "warning")
        #expect(level("c-enabled") == "error")
        #expect(level("d-disabled") == "error")
        #expect(
            (byName["d-disabled"]?["message"] as? String)?.contains("regression: enabled → disabled since baseline")
                == true)
        #expect(byName["d-disabled"]?["baselineState"] as? String == "updated")
        #expect(level("e-disabled") == "none")
        #expect(byName["e-disabled"]?["kind"] as? String == "pass")
        #expect(byName["e-disabled"]?["baselineState"] as? String == "unchanged")
        #expect(byName["c-enabled"]?["baselineState"] as? String == "new")
        #expect(!(firstLocation(byName["e-disabled"] ?? [:])["startLine"] is Int))
        #expect(firstLocation(byName["d-disabled"] ?? [:])["startLine"] as? Int == 42)

        let failing = SARIFRenderer(includePassing: false).render(result)
        #expect(results(try sarif(failing)).count == 4)
    }

    @Test("Rendering the same result twice gives the same bytes, keys sorted, ending in a newline")
    func deterministic() throws {
        let result = audit([try fixtureDirectory("ma-212"), try fixtureDirectory("el7-rhev")])
        let first = SARIFRenderer().render(result)
        #expect(first == SARIFRenderer().render(result))
        #expect(first.last == 0x0A)
        let text = String(decoding: first, as: UTF8.self)
        let schema = try #require(text.range(of: "\"$schema\""))
        let runs = try #require(text.range(of: "\"runs\""))
        let version = try #require(text.range(of: "\"version\" : \"2.1.0\""))
        #expect(schema.lowerBound < runs.lowerBound && runs.lowerBound < version.lowerBound)
    }

    @Test("URIs percent-encode spaces, colons, % and non-ASCII; absolute paths become file URIs")
    func uris() {
        #expect(SARIFRenderer.uri("dir with space/x.spec") == "dir%20with%20space/x.spec")
        #expect(SARIFRenderer.uri("a:b/c%d.rpm") == "a%3Ab/c%25d.rpm")
        #expect(SARIFRenderer.uri("/srv/é/\u{FFFD}.rpm") == "file:///srv/%C3%A9/%EF%BF%BD.rpm")
        #expect(SARIFRenderer.uri("q\"<&'>") == "q%22%3C%26%27%3E")
    }

    @Test("Evidence inside a package splits at the package path: spec lines of an SRPM go to words, not a region")
    func insidePackage() {
        let inputs = [AuditedInput(path: "b:c/x.src.rpm", kind: .srpm, sha256: "")]
        #expect(SARIFRenderer.split("b:c/x.src.rpm:x.spec", inputs: inputs) == ("b:c/x.src.rpm", "x.spec"))
        #expect(SARIFRenderer.split("p.rpm:/usr/libexec/qemu-kvm", inputs: []) == ("p.rpm", "/usr/libexec/qemu-kvm"))
        #expect(SARIFRenderer.split("dir/x.spec", inputs: inputs) == ("dir/x.spec", nil))
    }

    @Test("Hostile strings and U+FFFD in names, paths and messages give valid JSON that validates")
    func hostileStrings() throws {
        let build = handBuild(
            name: "pkg" + hostileText, release: "1" + hostileText, verdict: .disabled,
            source: "dir " + hostileText + "/x.spec", observed: "observed " + hostileText)
        let result = AuditResult(
            expectation: .enabled, builds: [build], skipped: 0,
            errors: [InputError(.corrupt, input: "in" + hostileText + ".rpm", message: "bad " + hostileText)],
            baseline: nil)
        let report = try sarif(SARIFRenderer().render(result))
        let all = results(report)
        #expect(all.count == 2)
        #expect((all.first?["message"] as? String)?.contains(build.evidence[0].observed) == true)
        for r in all {
            let uri = try #require(firstLocation(r)["uri"] as? String)
            #expect(isURIReference(uri), "\(uri)")
            #expect(uri.removingPercentEncoding?.contains(hostileText) == true)
        }
    }

    @Test("Paths with markup, control characters and a non-UTF-8 byte flow through an audit into valid SARIF")
    func nonUTF8FileName() throws {
        let (top, inputs) = try hostileDirectory(
            copying: try Fixtures.path("builds/el7-rhev/x86_64/qemu-kvm-rhev-1.5.3-175.el7.x86_64.rpm"))
        defer { try? FileManager.default.removeItem(atPath: top) }
        let result = audit(inputs)
        let report = try sarif(SARIFRenderer().render(result))
        let all = results(report)
        #expect(all.count == result.builds.count + result.errors.count)
        #expect(all.contains { (firstLocation($0)["uri"] as? String)?.contains("%EF%BF%BD") == true })
        #expect(all.contains { (firstLocation($0)["uri"] as? String)?.contains("%5D%5D%3E%01%1B") == true })
        #expect(all.allSatisfy { isURIReference(firstLocation($0)["uri"] as? String ?? "") })
    }
}
