import Foundation
import RPM
import TestSupport
import Testing

@testable import SnapCheck

/// An evaluator that breaks `SpecEvaluator`'s contract: it throws an error of
/// its own, not an `RPMError` naming the spec.
private struct ContractBreakingEvaluator: SpecEvaluator {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "the evaluator gave up" }
    }

    func parse(contents: [UInt8], displayName: String, options: SpecOptions) throws -> ParsedSpec { throw Failure() }
    func parse(path: String, options: SpecOptions) throws -> ParsedSpec { throw Failure() }
}

/// An error that names no input has an `inputName` of `nil`: the formats show
/// it as `?`, SARIF places it nowhere, and a JSON report gives it back as `nil`.
/// Reading an input no longer makes one (every read error names its input), so
/// the result is built as `Auditor` concludes it.
@Suite("Input errors on no known input")
struct UnknownInputErrorTests {
    /// One error on a path, one on no known input (errors sort by input as shown: `/…` before `?`).
    private func twoErrors() throws -> AuditResult {
        let result = Auditor().conclude(
            [], skipped: 0,
            errors: [
                InputError(.other, input: nil, message: "the evaluator gave up"),
                InputError(.missing, input: "/nonexistent/qemu-kvm.rpm", message: "no such file"),
            ])
        #expect(result.errors.map(\.inputName) == ["/nonexistent/qemu-kvm.rpm", nil])
        #expect(
            result.errors.map(\.description) == ["/nonexistent/qemu-kvm.rpm: no such file", "?: the evaluator gave up"])
        return result
    }

    @Test("An unexpected error from a spec's evaluator names the spec it was reading")
    func unexpectedErrorNamesItsInput() throws {
        _ = try Fixtures.built()
        let spec = Fixtures.source("specs/el7-stock.spec")
        let result = audit([spec, "/nonexistent/qemu-kvm.rpm"]) {
            $0.specEvaluation = .custom(ContractBreakingEvaluator())
        }
        // Errors sort by input name, so their order depends on where the checkout lives.
        #expect(result.errors.map(\.inputName) == ["/nonexistent/qemu-kvm.rpm", spec].sorted())
        let specError = try #require(result.errors.first { $0.inputName == spec })
        #expect(specError.kind == .other)
        #expect(specError.description == "\(spec): the evaluator gave up")
        #expect(result.errors.first { $0.inputName == "/nonexistent/qemu-kvm.rpm" }?.kind == .missing)
    }

    @Test("An unexpected error from reading has no input name; text and JUnit show it as ?")
    func shownAsQuestionMark() throws {
        let result = try twoErrors()
        #expect(result.errors.map(\.kind) == [.missing, .other])
        let text = String(decoding: TextRenderer().render(result), as: UTF8.self)
        #expect(text.contains("?: the evaluator gave up\n"), "\(text)")
        let junit = String(decoding: JUnitRenderer().render(result), as: UTF8.self)
        #expect(junit.contains(#"<testcase classname="snapcheck.input" name="?" time="0">"#), "\(junit)")
    }

    @Test("SARIF places an error on no known input nowhere, and one on a path at that path")
    func sarifLocations() throws {
        let bytes = SARIFRenderer().render(try twoErrors())
        let log = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let errors = (run["results"] as? [[String: Any]] ?? []).filter {
            $0["ruleId"] as? String == SARIFRenderer.inputErrorRule.id
        }
        let uris = errors.map { result in
            ((result["locations"] as? [[String: Any]]) ?? []).map { location in
                ((location["physicalLocation"] as? [String: Any])?["artifactLocation"] as? [String: Any])?["uri"]
                    as? String
            }
        }
        #expect(
            errors.map { ($0["message"] as? [String: Any])?["text"] as? String }
                == ["/nonexistent/qemu-kvm.rpm: no such file", "?: the evaluator gave up"])
        #expect(uris == [["file:///nonexistent/qemu-kvm.rpm"], []])
    }

    @Test("A JSON report writes no known input as ? and reads it back as none")
    func jsonRoundTrip() throws {
        let result = try twoErrors()
        let bytes = JSONRenderer().render(result)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect((report["errors"] as? [[String: String]])?.map { $0["input"] } == ["/nonexistent/qemu-kvm.rpm", "?"])

        let decoded = try JSONDecoder().decode(AuditResult.self, from: Data(bytes))
        #expect(decoded.errors.map(\.inputName) == ["/nonexistent/qemu-kvm.rpm", nil])
        #expect(decoded.errors.map(\.description) == result.errors.map(\.description))
        #expect(
            SARIFRenderer().render(decoded) == SARIFRenderer().render(result), "a decoded report renders the same SARIF"
        )
    }
}
