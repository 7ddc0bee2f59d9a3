import Foundation
import TestSupport
import Testing

/// `snapcheck rules [ID] [--format json]`, the rule book at the prompt (Docs/cli.md, "The rule catalogue").
@Suite("The rules command")
struct RulesCommandTests {
    @Test("`snapcheck rules ID` explains one rule: meaning, eras, what it reads, what it concludes, an example")
    func explainOne() throws {
        let result = try SnapCheckBinary.run(["rules", "el7-before-option"])
        #expect(result.status == 0)
        #expect(result.errorOutput.isEmpty)
        #expect(
            result.output == """
                el7-before-option (spec layer)
                  EL7 1.5.3 before release 15: the option does not exist and the commands are
                  built.

                Eras:
                  el7-1.5.3: RHEL/CentOS 7 qemu-kvm and qemu-kvm-rhev 1.5.3

                Reads:
                  The source package's Release and the configure call that builds the system
                  emulator (a --target-list with a -softmmu target, or the build_configure.sh
                  helper call) in the evaluated %build, followed as the shell runs it.

                Concludes:
                  Before release 15 the option does not exist and the commands are built: no
                  live-block-ops option in the call and every argument resolved (or no emulator
                  call to read) → enabled.

                Example:
                  qemu-kvm.spec:120: no live-block-ops option in the x86_64-softmmu configure
                  call; release 14.el7 is before 15 → enabled

                """)
    }

    @Test(
        "An unknown id is exit 64 with one line on stderr naming the closest ids, and nothing on stdout",
        arguments: [
            ("el7-live-block-op", "snapcheck: no rule 'el7-live-block-op'; did you mean el7-live-block-ops?\n"),
            ("no-such-thing", "snapcheck: no rule 'no-such-thing'; `snapcheck rules` lists them all\n"),
            ("bad\u{1B}[2Kid", "snapcheck: no rule 'bad\\x1b[2Kid'; `snapcheck rules` lists them all\n"),
        ])
    func unknownId(_ id: String, _ line: String) throws {
        for format in ["text", "json"] {
            let result = try SnapCheckBinary.run(["rules", id, "--format", format])
            #expect(result.status == 64)
            #expect(result.errorOutput == line)
            #expect(result.stdout.isEmpty)
        }
    }

    @Test(
        "`snapcheck rules --format json` is the catalogue: valid against Docs/rules.schema.json, the documented keys, sorted by id"
    )
    func catalogue() throws {
        let result = try SnapCheckBinary.run(["rules", "--format", "json"])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any])
        #expect(Set(object.keys) == ["schema_version", "tool", "rules"])
        #expect(object["schema_version"] as? Int == 1)
        let rules = try #require(object["rules"] as? [[String: Any]])
        let ids = rules.compactMap { $0["id"] as? String }
        #expect(ids == ids.sorted() && Set(ids).count == ids.count)
        let listed = try SnapCheckBinary.run(["rules"]).output.split(separator: "\n").map {
            String($0.prefix { $0 != " " })
        }
        #expect(Set(ids) == Set(listed), "the catalogue and the list hold the same rules")
        for rule in rules {
            #expect(
                Set(rule.keys) == ["id", "layer", "summary", "eras", "without_era", "reads", "concludes", "example"],
                "\(rule["id"] ?? "?")")
        }
        let positional = try #require(rules.first { $0["id"] as? String == "el7-positional-live-block-ops" })
        #expect(positional["eras"] as? [String] == ["el7-2.10-2.12"])
        #expect(positional["without_era"] as? Bool == false)
        #expect(positional["layer"] as? String == "spec")

        let directory = try Scratch("rules-json")
        try Data(result.stdout).write(to: URL(fileURLWithPath: directory.file("rules.json")))
        let check = try Command.run(
            "/usr/bin/env",
            [
                "check-jsonschema", "--schemafile",
                Fixtures.repositoryRoot.appendingPathComponent("Docs/rules.schema.json").path,
                directory.file("rules.json"),
            ])
        #expect(check.status == 0, "check-jsonschema: \(check.output) \(check.errorOutput)")
        #expect(
            try SnapCheckBinary.run(["rules", "--format", "json"]).stdout == result.stdout, "the same bytes every time")
    }

    @Test("`snapcheck rules ID --format json` is the catalogue of that one rule")
    func catalogueOfOne() throws {
        let result = try SnapCheckBinary.run(["rules", "qmp-query-commands", "--format", "json"])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any])
        let rules = try #require(object["rules"] as? [[String: Any]])
        #expect(rules.map { $0["id"] as? String } == ["qmp-query-commands"])
        #expect(rules.first?["without_era"] as? Bool == true)
        #expect((rules.first?["eras"] as? [String])?.count == 7)
    }
}
