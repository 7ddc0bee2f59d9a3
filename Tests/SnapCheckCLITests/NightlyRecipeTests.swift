import Foundation
import TestSupport
import Testing

/// The recipes of Docs/nightly.md, run as printed over two nights of fixture
/// trees: the first without a baseline, the second with a regression
/// (`qemu-kvm-rhev` 1.5.3-175, enabled, replaced by 1.5.3-183, disabled).
enum Recipes {
    static let document = Fixtures.repositoryRoot.appendingPathComponent("Docs/nightly.md").path

    /// The first fenced block after the heading that starts with `heading`
    /// (or, for nil, the first block of the document).
    static func block(after heading: String?) throws -> String {
        let lines = try String(contentsOfFile: document, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false)
        var index = 0
        if let heading {
            index = try #require(
                lines.firstIndex { $0.hasPrefix("## " + heading) }, "no heading \(heading) in Docs/nightly.md")
        }
        let start = try #require(lines[index...].firstIndex { $0.hasPrefix("```") }) + 1
        let end = try #require(lines[start...].firstIndex { $0.hasPrefix("```") })
        return lines[start..<end].joined(separator: "\n") + "\n"
    }

    /// A night's tree, laid out as Koji publishes builds (`NVR/ARCH/*.rpm`),
    /// with another package's build and Koji's metadata.json beside them.
    static func tree(night: Int, at root: String) throws {
        let rhev =
            night == 1 ? ("el7-rhev", "qemu-kvm-rhev-1.5.3-175.el7") : ("rhev-disabled", "qemu-kvm-rhev-1.5.3-183.el7")
        let layout = [
            (rhev.0, rhev.1, ["src", "x86_64"]),
            ("ev-212", "qemu-kvm-ev-2.12.0-44.1.el7_8.1", ["src", "x86_64", "ppc64le"]),
            ("nonqemu", "hello-1.0-1", ["x86_64"]),
        ]
        for (id, nvr, arches) in layout {
            for arch in arches {
                try FileManager.default.createDirectory(atPath: "\(root)/\(nvr)", withIntermediateDirectories: true)
                try FileManager.default.copyItem(
                    atPath: try Fixtures.path("builds/\(id)/\(arch)"), toPath: "\(root)/\(nvr)/\(arch)")
            }
        }
        try Data(#"{"metadata_version": 0, "build": {"name": "qemu-kvm-rhev"}, "output": []}"#.utf8)
            .write(to: URL(fileURLWithPath: root + "/metadata.json"))
    }

    /// The environment of a job: `snapcheck` on PATH.
    static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] =
            SnapCheckBinary.url.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        return environment
    }

    static func shell(
        _ script: String, _ arguments: [String] = [], options: [String] = [], in directory: String,
        environment extra: [String: String] = [:]
    ) throws -> CommandResult {
        try Command.run(
            "/bin/sh", options + ["-c", script, "recipe"] + arguments,
            environment: environment.merging(extra) { $1 }, directory: directory)
    }

    static func json(_ path: String) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    /// `name arch verdict` of every build of a JSON report.
    static func builds(_ report: [String: Any]) -> [String] {
        (report["builds"] as? [[String: Any]] ?? []).map {
            "\($0["name"]!) \($0["release"]!) \($0["arch"]!) \($0["verdict"]!)"
        }
    }
}

@Suite("Docs/nightly.md recipes over two nights")
struct NightlyRecipeTests {
    @Test("The opening command: night one writes out/ without a baseline; night two compares with it and exits 1")
    func opening() throws {
        let scratch = try Scratch("recipe-opening")
        let script = try Recipes.block(after: nil)
        #expect(script.hasPrefix("mkdir -p out\n"))
        try Recipes.tree(night: 1, at: scratch.file("builds"))
        let first = try Recipes.shell(script, in: scratch.path)
        #expect(first.status == 0, "\(first.errorOutput)")
        #expect(first.errorOutput.contains("baseline last/snapcheck.json does not exist yet"))
        for report in ["snapcheck.json", "snapcheck.xml", "snapcheck.sarif"] {
            #expect(FileManager.default.fileExists(atPath: scratch.file("out/" + report)))
        }
        // The job keeps a clean night's JSON as the next baseline.
        try FileManager.default.createDirectory(atPath: scratch.file("last"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: scratch.file("out/snapcheck.json"), toPath: scratch.file("last/snapcheck.json"))

        try FileManager.default.removeItem(atPath: scratch.file("builds"))
        try Recipes.tree(night: 2, at: scratch.file("builds"))
        let second = try Recipes.shell(script, in: scratch.path)
        #expect(second.status == 1)
        let baseline = try #require(try Recipes.json(scratch.file("out/snapcheck.json"))["baseline"] as? [String: Any])
        #expect(
            (baseline["regressions"] as? [[String: Any]])?.map { "\($0["name"]!) \($0["baseline_nevr"]!)" } == [
                "qemu-kvm-rhev qemu-kvm-rhev-10:1.5.3-175.el7"
            ])
        #expect((baseline["unchanged"] as? [Any])?.count == 2)
        #expect(try Recipes.json(scratch.file("out/snapcheck.json"))["skipped_files"] as? Int == 1)
    }

    @Test(
        "Jenkins: the sh step passes verdicts to the JUnit publisher (same test names both nights) and fails on errors")
    func jenkins() throws {
        let scratch = try Scratch("recipe-jenkins")
        let pipeline = try Recipes.block(after: "Jenkins")
        let start = try #require(pipeline.range(of: "sh '''\n"))
        let end = try #require(pipeline.range(of: "'''", range: start.upperBound..<pipeline.endIndex))
        let script = String(pipeline[start.upperBound..<end.lowerBound])
        let artifacts = scratch.file("artifacts")
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)

        /// One build of the job: copyArtifacts, the sh step (`sh -e`, as Jenkins runs it), then the JUnit result.
        func build(_ night: Int, corrupt: Bool = false) throws -> (step: Int32, junit: String) {
            let workspace = scratch.file("workspace-\(night)")
            try Recipes.tree(night: min(night, 2), at: workspace + "/build")
            if corrupt {
                try Data("not a package".utf8).write(to: URL(fileURLWithPath: workspace + "/build/broken.rpm"))
            }
            if FileManager.default.fileExists(atPath: artifacts + "/snapcheck.json") {
                try FileManager.default.createDirectory(
                    atPath: workspace + "/baseline", withIntermediateDirectories: true)
                try FileManager.default.copyItem(
                    atPath: artifacts + "/snapcheck.json", toPath: workspace + "/baseline/snapcheck.json")
            }
            let step = try Recipes.shell(script, options: ["-e"], in: workspace)
            let junit = (try? String(contentsOfFile: workspace + "/snapcheck.xml", encoding: .utf8)) ?? ""
            // lastSuccessful(stable: true): only a build whose step passed and whose tests all passed is archived for tomorrow.
            if step.status == 0, junit.contains(#"failures="0" errors="0""#) {
                try? FileManager.default.removeItem(atPath: artifacts + "/snapcheck.json")
                try FileManager.default.copyItem(
                    atPath: workspace + "/snapcheck.json", toPath: artifacts + "/snapcheck.json")
            }
            return (step.status, junit)
        }

        let first = try build(1)
        #expect(first.step == 0)
        #expect(first.junit.contains(#"<property name="baseline" value="none"/>"#))
        let second = try build(2)
        #expect(second.step == 0, "a verdict leaves the step green: the JUnit publisher marks the build unstable")
        #expect(second.junit.contains(#"<testcase classname="qemu-kvm-rhev" name="qemu-kvm-rhev x86_64" time="0">"#))
        #expect(
            first.junit.contains(#"<testcase classname="qemu-kvm-rhev" name="qemu-kvm-rhev x86_64" time="0">"#),
            "the same test, so Jenkins keeps its history")
        #expect(second.junit.contains(#"type="regression""#))
        let third = try build(3)
        #expect(
            third.junit.contains(#"type="regression""#), "an unstable night is no baseline: the regression stays marked"
        )
        let broken = try build(4, corrupt: true)
        #expect(broken.step == 2, "an input that cannot be read fails the step")
    }

    @Test(
        "GitHub Actions: the run step writes SARIF; the night the spec loses its switch the result is an error at the spec line"
    )
    func githubActions() throws {
        let scratch = try Scratch("recipe-github")
        try (try Recipes.block(after: "GitHub Actions")).write(
            toFile: scratch.file("steps.yaml"), atomically: false, encoding: .utf8)
        // The workflow is YAML: read the step as GitHub would.
        let parse = try Command.run(
            "/usr/bin/env",
            [
                "python3", "-c", "import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))[0]['run'])",
                scratch.file("steps.yaml"),
            ])
        #expect(parse.status == 0, "\(parse.errorOutput)")
        let run = parse.output.trimmingCharacters(in: .newlines)
        try FileManager.default.createDirectory(atPath: scratch.file("SPECS"), withIntermediateDirectories: true)

        var levels: [String] = []
        for spec in ["el7-rhev", "rhev-disabled"] {
            try? FileManager.default.removeItem(atPath: scratch.file("SPECS/qemu-kvm.spec"))
            try FileManager.default.copyItem(
                atPath: Fixtures.source("specs/\(spec).spec"), toPath: scratch.file("SPECS/qemu-kvm.spec"))
            _ = try Recipes.shell(run, in: scratch.path)  // continue-on-error: the upload step runs whatever the status
            let sarif = try Recipes.json(scratch.file("snapcheck.sarif"))
            let result = try #require(
                ((sarif["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])?.first)
            levels.append(result["level"] as? String ?? "")
            let location = (result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]
            #expect((location?["artifactLocation"] as? [String: Any])?["uri"] as? String == "SPECS/qemu-kvm.spec")
        }
        #expect(levels == ["none", "error"])
    }

    @Test("tmt (real tmt from PyPI): night one passes and starts the baseline, night two fails and keeps it")
    func tmt() throws {
        let scratch = try Scratch("recipe-tmt")
        let plan = try Recipes.block(after: "tmt")
        #expect(plan.hasPrefix("# plans/snapcheck.fmf\n"))
        try FileManager.default.createDirectory(atPath: scratch.file("tree/.fmf"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch.file("tree/plans"), withIntermediateDirectories: true)
        try "1\n".write(toFile: scratch.file("tree/.fmf/version"), atomically: false, encoding: .utf8)
        try plan.write(toFile: scratch.file("tree/plans/snapcheck.fmf"), atomically: false, encoding: .utf8)
        let version = try Command.run("/usr/bin/env", ["tmt", "--version"], environment: Recipes.environment)
        #expect(version.status == 0, "tmt is not installed: pip install tmt (.ci/install-deps does)")
        guard version.status == 0 else { return }

        func night(_ number: Int) throws -> (status: Int32, result: String, data: String) {
            try Recipes.tree(night: number, at: scratch.file("build-\(number)"))
            // tmt gives the test a PATH of its own: this one stands for snapcheck installed on the guest.
            let installed = "PATH=\(SnapCheckBinary.url.deletingLastPathComponent().path):/usr/local/bin:/usr/bin:/bin"
            let run = try Command.run(
                "/usr/bin/env",
                [
                    "tmt", "--feeling-safe", "run", "--id", scratch.file("run-\(number)"), "--scratch", "-e", installed,
                    "-e", "BUILDS=" + scratch.file("build-\(number)"), "-e", "SNAPCHECK_STATE=" + scratch.file("state"),
                    "--all",
                ], environment: Recipes.environment, directory: scratch.file("tree"))
            let results =
                (try? String(
                    contentsOfFile: scratch.file("run-\(number)/plans/snapcheck/execute/results.yaml"), encoding: .utf8))
                ?? ""
            let result =
                results.split(separator: "\n").first { $0.hasPrefix("  result: ") }.map { String($0.dropFirst(10)) }
                ?? "none: \(run.output)"
            let data =
                FileManager.default.enumerator(atPath: scratch.file("run-\(number)"))?
                .compactMap { $0 as? String }.first { $0.hasSuffix("/data/snapcheck.xml") }.map {
                    scratch.file("run-\(number)/" + $0)
                } ?? ""
            return (run.status, result, data)
        }

        let first = try night(1)
        #expect(first.status == 0 && first.result == "pass", "\(first)")
        #expect(
            Recipes.builds(try Recipes.json(scratch.file("state/snapcheck.json"))).contains(
                "qemu-kvm-rhev 175.el7 x86_64 enabled"))
        let second = try night(2)
        #expect(second.status == 1 && second.result == "fail", "\(second)")
        #expect(try String(contentsOfFile: second.data, encoding: .utf8).contains(#"type="regression""#))
        #expect(
            Recipes.builds(try Recipes.json(scratch.file("state/snapcheck.json"))).contains(
                "qemu-kvm-rhev 175.el7 x86_64 enabled"),
            "a failed night does not become the baseline")
    }

    @Test(
        "Koji/CBS post-build script, as a script: night one starts the package's baseline, night two exits 1 and keeps it"
    )
    func kojiScript() throws {
        let scratch = try Scratch("recipe-koji")
        let script = scratch.file("snapcheck-post-build")
        try TestFiles.writeExecutable(Array(try Recipes.block(after: "Koji").utf8), to: script)
        let state = ["SNAPCHECK_STATE": scratch.file("state")]
        func publish(_ id: String, release: String) throws -> String {
            let directory = scratch.file("packages/qemu-kvm-rhev/1.5.3/\(release)")
            for arch in ["src", "x86_64"] {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try FileManager.default.copyItem(
                    atPath: try Fixtures.path("builds/\(id)/\(arch)"), toPath: directory + "/" + arch)
            }
            try Data(#"{"metadata_version": 0}"#.utf8).write(to: URL(fileURLWithPath: directory + "/metadata.json"))
            return directory
        }

        let night1 = try Command.run(
            script, [try publish("el7-rhev", release: "175.el7")],
            environment: Recipes.environment.merging(state) { $1 })
        #expect(night1.status == 0, "\(night1.errorOutput)")
        #expect(
            night1.errorOutput
                == "snapcheck: baseline \(scratch.file("state/qemu-kvm-rhev.json")) does not exist yet: nothing compared (--baseline-missing=ok)\n"
        )
        let baseline = scratch.file("state/qemu-kvm-rhev.json")
        #expect(Recipes.builds(try Recipes.json(baseline)) == ["qemu-kvm-rhev 175.el7 x86_64 enabled"])

        let release183 = try publish("rhev-disabled", release: "183.el7")
        for _ in 0..<2 {
            let night = try Command.run(script, [release183], environment: Recipes.environment.merging(state) { $1 })
            #expect(night.status == 1)
            #expect(night.errorOutput.isEmpty, "\(night.errorOutput)")
            let tonight = try Recipes.json(scratch.file("state/qemu-kvm-rhev.new.json"))
            #expect(
                ((tonight["baseline"] as? [String: Any])?["regressions"] as? [Any])?.count == 1,
                "the regression is reported every night until fixed")
            #expect(Recipes.builds(try Recipes.json(baseline)) == ["qemu-kvm-rhev 175.el7 x86_64 enabled"])
        }
    }
}
