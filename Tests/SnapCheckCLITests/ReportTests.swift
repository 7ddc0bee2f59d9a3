import Foundation
import TestSupport
import Testing

/// Inputs of the golden reports: relative paths, so the bytes do not depend on
/// where the repository is checked out.
let goldenInputs = [
    "Fixtures/.out/builds/el7-rhev", "Fixtures/.out/builds/ma-212", "Fixtures/.out/builds/rhev-disabled",
    "Fixtures/.out/builds/nonqemu", "Fixtures/.out/corrupt/truncated-payload.rpm",
    "Fixtures/qmp/el7-2.12-enabled-session.jsonl",
]

/// Golden files are compared byte for byte. They are re-recorded only when
/// `SNAPCHECK_RECORD_GOLDEN=1` is set, and a recording run fails on purpose,
/// so a changed report can never pass unnoticed.
@Suite("Reports against golden files")
struct GoldenReportTests {
    static let directory = Fixtures.repositoryRoot.appendingPathComponent("Tests/SnapCheckCLITests/Golden")

    @Test(
        "Every format renders the fixture set to its golden bytes",
        arguments: [
            ("text", "fixtures.txt"), ("json", "fixtures.json"), ("junit", "fixtures.junit.xml"),
            ("sarif", "fixtures.sarif"),
            ("html", "fixtures.html"),
        ])
    func golden(_ format: String, _ file: String) throws {
        _ = try Fixtures.built()
        let result = try SnapCheckBinary.run(
            ["--format", format, "--color", "never", "--jobs", "2"] + goldenInputs,
            directory: Fixtures.repositoryRoot.path)
        #expect(result.status == 2, "an input error is in the set: \(result.errorOutput)")
        let golden = Self.directory.appendingPathComponent(file)
        if ProcessInfo.processInfo.environment["SNAPCHECK_RECORD_GOLDEN"] == "1" {
            try Data(result.stdout).write(to: golden)
            Issue.record("recorded \(file); run again without SNAPCHECK_RECORD_GOLDEN to compare")
            return
        }
        let expected = try Array(Data(contentsOf: golden))
        #expect(
            result.stdout == expected,
            "\(file) differs; diff it, and re-record with SNAPCHECK_RECORD_GOLDEN=1 if the change is right")
    }
}

@Suite("Validators and consumers")
struct ReportValidationTests {
    @Test("The JSON report validates against Docs/report.schema.json with check-jsonschema")
    func jsonSchema() throws {
        let directory = try temporaryDirectory("schema")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let baseline = directory + "/baseline.json"
        _ = try SnapCheckBinary.run(["--format", "json", "-o", baseline, try Fixtures.path("builds/el7-rhev")])
        let report = directory + "/report.json"
        _ = try SnapCheckBinary.run(
            ["--format", "json", "-o", report, "--baseline", baseline]
                + goldenInputs.map { Fixtures.repositoryRoot.appendingPathComponent($0).path })
        let check = try Command.run(
            "/usr/bin/env",
            [
                "check-jsonschema", "--schemafile",
                Fixtures.repositoryRoot.appendingPathComponent("Docs/report.schema.json").path, report, baseline,
            ])
        #expect(check.status == 0, "check-jsonschema: \(check.output) \(check.errorOutput)")
    }
}

@Suite("Baselines")
struct BaselineTests {
    @Test("Yesterday enabled, today disabled: exit 1 and a regression in text, JSON, JUnit and SARIF")
    func regression() throws {
        let directory = try temporaryDirectory("baseline")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let yesterday = directory + "/yesterday.json"
        let first = try SnapCheckBinary.run([
            "--format", "json", "-o", yesterday, try Fixtures.path("builds/el7-rhev/x86_64"),
        ])
        #expect(first.status == 0)

        // Tonight's rebuild of qemu-kvm-rhev lost its switch.
        let today = try Fixtures.path("builds/rhev-disabled/x86_64")
        let run = try SnapCheckBinary.run([
            "--baseline", yesterday, "--color", "never",
            "--report", "json=\(directory)/today.json",
            "--report", "junit=\(directory)/today.xml",
            "--report", "sarif=\(directory)/today.sarif", today,
        ])
        #expect(run.status == 1, "\(run.errorOutput)")
        #expect(run.output.contains("REGRESSION (was enabled)"))
        #expect(run.output.contains("baseline: 1 regression, 0 changed, 0 new, 0 vanished, 0 unchanged"))

        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/today.json")))
            as? [String: Any]
        let baseline = json?["baseline"] as? [String: Any]
        let regressions = baseline?["regressions"] as? [[String: Any]]
        #expect(regressions?.count == 1)
        #expect(regressions?.first?["name"] as? String == "qemu-kvm-rhev")
        #expect(regressions?.first?["before"] as? String == "enabled")
        #expect(regressions?.first?["after"] as? String == "disabled")
        #expect((json?["builds"] as? [[String: Any]])?.first?["regression"] as? Bool == true)

        let junit = try String(contentsOfFile: directory + "/today.xml", encoding: .utf8)
        #expect(junit.contains("<failure") && junit.contains("regression"))
        let sarif = try String(contentsOfFile: directory + "/today.sarif", encoding: .utf8)
        #expect(sarif.contains("regression") && sarif.contains("\"level\" : \"error\""))
    }

    @Test("A baseline that is not a snapcheck report is refused with exit 2 before any audit")
    func badBaseline() throws {
        let result = try SnapCheckBinary.run([
            "--baseline", Fixtures.source("qmp/debian-7.2-query-commands.json"), try Fixtures.path("builds/el7-rhev"),
        ])
        #expect(result.status == 2)
        #expect(result.errorOutput.hasPrefix("snapcheck: baseline "))
        #expect(result.stdout.isEmpty)
    }
}

@Suite("Batches")
struct BatchTests {
    @Test("A Koji-layout directory with several arches and non-QEMU packages")
    func kojiLayout() throws {
        let root = try temporaryDirectory("koji")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let layout: [(String, String, [String])] = [
            ("ev-212", "qemu-kvm-ev-2.12.0-44.1.el7_8.1", ["src", "x86_64", "ppc64le"]),
            ("ma-212", "qemu-kvm-ma-2.12.0-44.el7_8", ["src", "x86_64"]),
            ("nonqemu", "hello-1.0-1", ["src", "x86_64"]),
        ]
        for (id, nvr, arches) in layout {
            for arch in arches {
                let target = "\(root)/\(nvr)/\(arch)"
                try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
                let source = try Fixtures.path("builds/\(id)/\(arch)")
                for file in try FileManager.default.contentsOfDirectory(atPath: source) {
                    try FileManager.default.copyItem(atPath: "\(source)/\(file)", toPath: "\(target)/\(file)")
                }
            }
        }
        let result = try SnapCheckBinary.run(["--format", "json", "--jobs", "2", root])
        #expect(result.status == 1)  // the -ma build is disabled
        let report = try jsonReport(result)
        let builds = report["builds"] as? [[String: Any]] ?? []
        let summary = builds.map { "\($0["name"]!) \($0["arch"]!) \($0["verdict"]!)" }
        #expect(
            summary == ["qemu-kvm-ev ppc64le enabled", "qemu-kvm-ev x86_64 enabled", "qemu-kvm-ma x86_64 disabled"])
        #expect(report["skipped"] as? Int == 2)
        #expect((report["errors"] as? [Any])?.isEmpty == true)

        let text = try SnapCheckBinary.run(["--color", "never", "--jobs", "1", root])
        #expect(text.output.hasSuffix("3 builds: 2 enabled, 1 disabled; 2 packages skipped\n"))
    }
}

extension BatchTests {
    @Test("A file whose name is not UTF-8 is reported as an error, never dropped, and the rest is audited")
    func nonUTF8Name() throws {
        let root = try temporaryDirectory("names")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.copyItem(atPath: try Fixtures.path("builds/el7-rhev/x86_64"), toPath: root + "/x86_64")
        let raw: [UInt8] = Array((root + "/x86_64/").utf8) + [0xFF, 0x2E, 0x72, 0x70, 0x6D, 0]  // "\xFF.rpm"
        let fd = raw.withUnsafeBufferPointer {
            open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o644)
        }
        #expect(fd >= 0)
        close(fd)
        let result = try SnapCheckBinary.run(["--format", "json", root])
        #expect(result.status == 2)
        let report = try jsonReport(result)
        let errors = report["errors"] as? [[String: Any]] ?? []
        #expect(errors.count == 1)
        #expect((errors.first?["message"] as? String)?.contains("not valid UTF-8") == true)
        #expect((report["builds"] as? [[String: Any]])?.first?["verdict"] as? String == "enabled")
    }
}
