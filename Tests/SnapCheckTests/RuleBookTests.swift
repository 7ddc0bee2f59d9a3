import Foundation
import TestSupport
import Testing

@_spi(Fuzzing) @testable import SnapCheck

@Suite("Rule book")
struct RuleBookTests {
    @Test("Every rule of Rules.all has an entry with its eras, what it reads, concludes and an example, in order")
    func everyRuleDescribed() {
        #expect(
            RuleBook.entries.map(\.rule.id) == Rules.all.map(\.id) + [
                "input-error", "no-evidence", "baseline-vanished",
            ])
        for entry in RuleBook.entries {
            #expect(!entry.rule.summary.isEmpty, "\(entry.rule.id): summary")
            #expect(!entry.reads.isEmpty, "\(entry.rule.id): reads")
            #expect(!entry.concludes.isEmpty, "\(entry.rule.id): concludes")
            #expect(!entry.example.isEmpty, "\(entry.rule.id): example")
            #expect(!entry.eras.lines.isEmpty, "\(entry.rule.id): eras")
        }
        // No text for a rule that no longer exists.
        #expect(Set(RuleBook.details.keys) == Set(RuleBook.entries.map(\.rule.id)))
    }

    @Test("Every rule id in the golden JSON and SARIF reports resolves in the catalogue")
    func goldenRuleIdsResolve() throws {
        let golden = Fixtures.repositoryRoot.appendingPathComponent("Tests/SnapCheckCLITests/Golden")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: golden.appendingPathComponent("fixtures.json")))
                as? [String: Any])
        var ids = Set(
            (json["builds"] as? [[String: Any]] ?? []).flatMap {
                ($0["evidence"] as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String }
            })
        let sarif = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: golden.appendingPathComponent("fixtures.sarif")))
                as? [String: Any])
        for run in sarif["runs"] as? [[String: Any]] ?? [] {
            ids.formUnion((run["results"] as? [[String: Any]] ?? []).compactMap { $0["ruleId"] as? String })
            let driver = (run["tool"] as? [String: Any])?["driver"] as? [String: Any]
            ids.formUnion((driver?["rules"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
        }
        #expect(ids.count > 40, "the golden reports name the rules: \(ids.sorted())")
        #expect(ids.contains("input-error") && ids.contains("name-contradicts-evidence"))
        for id in ids.sorted() {
            #expect(RuleBook.entry(id: id) != nil, "\(id) is in a golden report but not in the rule book")
        }
    }

    @Test("Docs/rules.md documents every rule of Rules.all")
    func documented() throws {
        let text = try String(
            contentsOf: Fixtures.repositoryRoot.appendingPathComponent("Docs/rules.md"), encoding: .utf8)
        for rule in Rules.all { #expect(text.contains("`\(rule.id)`"), "\(rule.id) is not in Docs/rules.md") }
    }

    @Test("Eras are written from Era: id and packages, one line each")
    func eraLines() throws {
        let entry = try #require(RuleBook.entry(id: "el7-live-block-ops"))
        #expect(
            entry.eras.lines == [
                "el7-1.5.3: RHEL/CentOS 7 qemu-kvm and qemu-kvm-rhev 1.5.3",
                "el7-rhev-2.1.2: qemu-kvm-rhev 2.1.2",
                "el7-2.10-2.12: qemu-kvm-rhev, qemu-kvm-ev and qemu-kvm-ma 2.10 to 2.12",
            ])
        #expect(RuleBook.entry(id: "qmp-query-commands")?.eras.lines == ["every era, and builds with no era"])
        #expect(RuleBook.entry(id: "exe-no-package")?.eras == .noEra)
        #expect(RuleBook.entry(id: "explicit-switch")?.eras == EraScope([.upstream, .ev23, .el8], withoutEra: true))
        #expect(RuleBook.entry(id: "explicit-switch")?.eras.eras == [.ev23, .el8, .upstream], "kept in Era order")
    }

    @Test(
        "Unknown ids get the closest ids: a typo, a fragment, nothing alike",
        arguments: [
            ("el7-live-block-op", ["el7-live-block-ops"]),
            ("positional", ["el7-positional-live-block-ops"]),
            ("qmp-versoin", ["qmp-version"]),
            ("EXE-HMP-NAMES", ["exe-hmp-names", "exe-qmp-names"]),
            ("header", ["header-ma-name", "header-rhev-name", "header-stock-name"]),
            ("zzz", []),
        ])
    func suggestions(_ id: String, _ expected: [String]) {
        #expect(RuleBook.suggestions(for: id) == expected)
    }

    @Test("An unknown id is one line naming the closest ids")
    func unknownRuleLine() {
        #expect(UnknownRule(id: "x", suggestions: []).description == "no rule 'x'; `snapcheck rules` lists them all")
        #expect(UnknownRule(id: "x", suggestions: ["a"]).description == "no rule 'x'; did you mean a?")
        #expect(
            UnknownRule(id: "x", suggestions: ["a", "b", "c"]).description == "no rule 'x'; did you mean a, b or c?")
        #expect(throws: UnknownRule(id: "nope-rule", suggestions: RuleBook.suggestions(for: "nope-rule"))) {
            try RuleBookRenderer.render(id: "nope-rule", format: .text)
        }
    }

    @Test("Explained rules wrap at 79 columns, except a word longer than a line")
    func wrapping() {
        for entry in RuleBook.entries {
            let text = String(decoding: RuleBookRenderer.explain(entry), as: UTF8.self)
            for line in text.split(separator: "\n") where line.count > RuleBookRenderer.width {
                #expect(!line.trimmingCharacters(in: .whitespaces).contains(" "), "\(entry.rule.id): \(line)")
            }
            #expect(text.hasSuffix("\n") && !text.hasSuffix("\n\n"))
            // Every word of every field is printed, in order.
            let words = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            for field in [entry.rule.summary, entry.reads, entry.concludes, entry.example] {
                #expect(
                    words.contains(field.split(whereSeparator: \.isWhitespace).joined(separator: " ")),
                    "\(entry.rule.id)")
            }
        }
        #expect(RuleBookRenderer.wrap("aa bb cc", indent: "  ") == "  aa bb cc\n")
        let long = String(repeating: "x", count: 90)
        #expect(RuleBookRenderer.wrap("a \(long) b", indent: "  ") == "  a\n  \(long)\n  b\n")
    }
}
