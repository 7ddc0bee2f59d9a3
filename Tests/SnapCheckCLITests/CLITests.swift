import Foundation
import TestSupport
import Testing

@Suite("snapcheck on every fixture, through the CLI")
struct CLIVerdictTests {
    @Test(
        "--format json gives the verdict, deciding rule and spec lines, and the exit code follows",
        arguments: FixtureExpectation.all)
    func sourcePackage(_ fixture: FixtureExpectation) throws {
        let result = try SnapCheckBinary.run(["--format", "json", try Fixtures.path("builds/\(fixture.id)/src")])
        #expect(result.status == fixture.exitStatus, "\(result.errorOutput)")
        let report = try jsonReport(result)
        #expect(report["schema_version"] as? Int == 1)
        #expect(report["verdict"] as? String == fixture.verdict)
        let build = try #require(builds(report).first)
        #expect(build["verdict"] as? String == fixture.verdict)
        #expect(build["meets_expectation"] as? Bool == (fixture.verdict == "enabled"))
        let evidence = build["evidence"] as? [[String: Any]] ?? []
        let deciding = evidence.filter { $0["role"] as? String == "deciding" && $0["layer"] as? String == "spec" }
        #expect(deciding.allSatisfy { $0["rule"] as? String == fixture.specRule })
        let lines = Set(
            deciding.filter { ($0["source"] as? String)?.hasSuffix(".spec") == true }.compactMap { $0["line"] as? Int })
        #expect(Set(fixture.specLines) == lines, "deciding lines \(lines.sorted())")
        let inputs = build["inputs"] as? [[String: Any]] ?? []
        #expect(inputs.count == 1)
        #expect(inputs.first?["kind"] as? String == "srpm")
        #expect((inputs.first?["sha256"] as? String)?.count == 64)
    }

    @Test("--expect disabled turns the exit code around")
    func expectDisabled() throws {
        let stock = try Fixtures.path("builds/el7-stock")
        #expect(try SnapCheckBinary.run([stock]).status == 1)
        #expect(try SnapCheckBinary.run(["--expect", "disabled", stock]).status == 0)
        #expect(try SnapCheckBinary.run(["--expect", "disabled", try Fixtures.path("builds/el7-rhev")]).status == 1)
    }

    @Test(
        "An inconsistent build (spec says disabled, the built emulator has the commands) exits 4 and names the trusted layer"
    )
    func inconsistent() throws {
        let result = try SnapCheckBinary.run(["--format", "json", try Fixtures.path("builds/spec-exe-disagree")])
        #expect(result.status == 4)
        let build = try #require(builds(try jsonReport(result)).first)
        #expect(build["verdict"] as? String == "inconsistent")
        #expect(build["trusted_layer"] as? String == "executable")
        #expect(build["trusted_verdict"] as? String == "enabled")
    }

    @Test("An input error wins over every verdict: exit 2, one line naming the input")
    func inputErrorWins() throws {
        let missing = "/nonexistent/snapcheck-\(getpid()).rpm"
        let result = try SnapCheckBinary.run(["--format", "json", try Fixtures.path("builds/el7-stock"), missing])
        #expect(result.status == 2)
        let errors = try jsonReport(result)["errors"] as? [[String: Any]] ?? []
        #expect(errors.count == 1)
        #expect(errors.first?["input"] as? String == missing)
        let lines = result.errorOutput.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains(missing) == true)
    }

    @Test(
        "Corrupt and non-package inputs exit 2 with the input named",
        arguments: [
            "corrupt/empty.rpm", "corrupt/truncated-header.rpm", "corrupt/corrupt-payload.rpm",
            "corrupt/tampered-content.rpm",
        ])
    func corruptInput(_ relative: String) throws {
        let path = try Fixtures.path(relative)
        let result = try SnapCheckBinary.run([path])
        #expect(result.status == 2)
        #expect(result.output.contains("ERROR") && result.output.contains(path))
    }

    @Test("A named package that is not a QEMU build is an error")
    func namedNonQEMU() throws {
        let result = try SnapCheckBinary.run([try Fixtures.path("builds/nonqemu/x86_64/hello-1.0-1.x86_64.rpm")])
        #expect(result.status == 2)
        #expect(result.output.contains("not a QEMU build"))
    }

    @Test("The same inputs give the same bytes")
    func deterministic() throws {
        let arguments = ["--format", "json", try Fixtures.path("builds/ev-212"), try Fixtures.path("builds/el6-stock")]
        let first = try SnapCheckBinary.run(arguments)
        let second = try SnapCheckBinary.run(arguments + ["--jobs", "1"])
        #expect(first.stdout == second.stdout)
        #expect(!first.stdout.isEmpty)
    }
}

@Suite("The command line itself")
struct CommandLineTests {
    @Test("--help describes inputs and exit codes and exits 0")
    func help() throws {
        let result = try SnapCheckBinary.run(["--help"])
        #expect(result.status == 0)
        #expect(result.output.contains("Exit codes: 0 every build meets its expectation"))
        let audit = try SnapCheckBinary.run(["audit", "--help"])
        #expect(audit.output.contains("--expect <expect>"))
        #expect(audit.output.contains("--format <format>"))
    }

    @Test(
        "Usage errors exit 64",
        arguments: [
            ["--expect", "maybe", "x.rpm"], ["--format", "yaml", "x.rpm"], ["--jobs", "0", "x.rpm"], [],
            ["--define", "=1", "x.spec"],
        ])
    func usage(_ arguments: [String]) throws {
        let result = try SnapCheckBinary.run(arguments)
        #expect(result.status == 64, "\(arguments): \(result.errorOutput)")
    }

    @Test("`snapcheck rules` lists every rule id the reports use")
    func rules() throws {
        let result = try SnapCheckBinary.run(["rules"])
        #expect(result.status == 0)
        for id in [
            "el6-disable-flag", "el7-live-block-ops", "el7-positional-live-block-ops", "exe-hmp-names",
            "qmp-query-commands", "header-rhev-name",
        ] {
            #expect(result.output.contains(id))
        }
    }

    @Test("`snapcheck header` prints what the RPM module reads")
    func header() throws {
        let rpm = try Fixtures.path("compressors/zstd/x86_64/qemu-kvm-rhev-1.5.3-175.el7.x86_64.rpm")
        let result = try SnapCheckBinary.run(["header", rpm])
        #expect(result.status == 0)
        #expect(result.output.contains("nevra        qemu-kvm-rhev-10:1.5.3-175.el7.x86_64"))
        #expect(result.output.contains("compressor   zstd"))
        #expect(result.output.contains("provides     qemu-kvm-rhev = 10:1.5.3-175.el7"))
    }

    @Test("Reading packages creates nothing in an empty, unwritable HOME (no ~/.rpmdb)")
    func noRpmdbInHome() throws {
        let home = URL(fileURLWithPath: try temporaryDirectory("home"))
        defer { try? FileManager.default.removeItem(at: home) }
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        let inputs = [try Fixtures.path("builds/el7-rhev"), Fixtures.source("specs/el7-stock.spec")]
        let writable = try SnapCheckBinary.run(inputs, environment: environment)
        #expect(writable.status == 1)  // el7-stock is disabled
        #expect(try FileManager.default.contentsOfDirectory(atPath: home.path).isEmpty)

        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: home.path)
        let readOnly = try SnapCheckBinary.run(inputs, environment: environment)
        #expect(readOnly.stdout == writable.stdout)
        #expect(try FileManager.default.contentsOfDirectory(atPath: home.path).isEmpty)
    }

    @Test("--output writes the report to the file and nothing to stdout")
    func outputFile() throws {
        let directory = URL(fileURLWithPath: try temporaryDirectory("out"))
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("report.json").path
        let input = try Fixtures.path("builds/el7-rhev")
        let written = try SnapCheckBinary.run(["--format", "json", "--output", file, input])
        #expect(written.status == 0)
        #expect(written.stdout.isEmpty)
        let printed = try SnapCheckBinary.run(["--format", "json", input])
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: file))) == printed.stdout)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["report.json"])
    }
}

extension CommandLineTests {
    @Test("An output file that cannot be written is exit 2 with one line naming it")
    func unwritableOutput() throws {
        let path = "/nonexistent-\(getpid())/report.json"
        let result = try SnapCheckBinary.run(["--format", "json", "-o", path, try Fixtures.path("builds/el7-rhev")])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        let lines = result.errorOutput.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("snapcheck: cannot write \(path)") == true)
    }
}

@Suite("Fixtures")
struct FixtureDeterminismTests {
    @Test("Building a fixture twice into different directories gives byte-identical RPMs and SRPMs")
    func byteIdentical() throws {
        let base = URL(fileURLWithPath: temporaryPath("fixtures"))
        defer { try? FileManager.default.removeItem(at: base) }
        for run in ["a", "b"] {
            try Fixtures.runBuildScript(arguments: [
                "--out", base.appendingPathComponent(run).path, "--only", "el7-stock", "compressors-zstd",
            ])
        }
        let manifestA = try String(contentsOf: base.appendingPathComponent("a/MANIFEST"), encoding: .utf8)
        let manifestB = try String(contentsOf: base.appendingPathComponent("b/MANIFEST"), encoding: .utf8)
        #expect(manifestA == manifestB)
        #expect(manifestA.contains(".src.rpm"))
        #expect(manifestA.contains("compressors/zstd/x86_64/qemu-kvm-rhev-1.5.3-175.el7.x86_64.rpm"))
        let files = manifestA.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
        #expect(files.count >= 4)
        for file in files {
            let a = try Data(contentsOf: base.appendingPathComponent("a/\(file)"))
            let b = try Data(contentsOf: base.appendingPathComponent("b/\(file)"))
            #expect(a == b, "\(file)")
        }
    }
}
