import Foundation
import RPM
@_spi(Fuzzing) import SnapCheck
import TestSupport
import Testing

@Suite("Sandboxed spec evaluation: auditing hostile specs")
struct HostileAuditTests {
    @Test("The audit still answers (a verdict or a per-input error) and nothing is created", arguments: HostileSpec.all)
    func auditAnswers(_ spec: HostileSpec) throws {
        let copy = try spec.materialise()
        defer { copy.remove() }
        let result = audit([copy.specPath])
        #expect(result.builds.count + result.errors.count == 1)
        for error in result.errors {
            #expect(error.input == copy.specPath)
            #expect(!error.message.contains("\n"))
        }
        for build in result.builds {
            #expect(build.name == "qemu-kvm-rhev")
            #expect(
                build.evidence.contains { $0.rule == Rules.specEvaluationMode && $0.observed.contains("sandboxed") })
        }
        #expect(!copy.markerExists)
        #expect(processesMentioning(copy.marker).isEmpty)
    }

    @Test(
        "Shell expansions the neutraliser sees are reported as not run, and the verdict still comes",
        arguments: [
            "shell-preamble", "shell-description", "shell-build", "shell-changelog", "lua-os-execute", "lua-io-popen",
        ])
    func refusedExpansionsAreEvidence(_ name: String) throws {
        let copy = try HostileSpec(name: name, actsWhenTrusted: true).materialise()
        defer { copy.remove() }
        let result = audit([copy.specPath])
        #expect(result.errors.isEmpty, "\(result.errors)")
        let build = try #require(result.builds.first)
        #expect(build.evidence.contains { $0.rule == Rules.refusedExpansion })
        #expect(build.verdict != .disabled)
        #expect(!copy.markerExists)
    }

    @Test(
        "The hostile spec does act when trusted: snapcheck --trust-spec creates the marker",
        arguments: HostileSpec.acting)
    func trustedParseActs(_ spec: HostileSpec) throws {
        let copy = try spec.materialise()
        defer { copy.remove() }
        _ = try SnapCheckBinary.run(["--trust-spec", copy.specPath])
        #expect(copy.markerExists)
    }

    @Test("A spec whose file name holds %(...) is audited under that name and the name never runs")
    func percentInFileName() throws {
        let markerName = "snapcheck-percent-\(getpid())-\(UUID().uuidString.prefix(8))"
        let copy = try HostileSpec(name: "percent-in-name", actsWhenTrusted: false)
            .materialise(fileName: "qemu-%(touch \(markerName)).spec")
        defer { copy.remove() }
        let result = audit([copy.specPath])
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.builds.first?.inputs.first?.path == copy.specPath)
        #expect(result.builds.first?.verdict == .enabled)
        for directory in [FileManager.default.currentDirectoryPath, copy.directory, "/"] {
            #expect(!FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(markerName)))
        }
    }

    @Test("The report records which mode parsed the spec")
    func modeIsRecorded() throws {
        let spec = Fixtures.source("specs/el7-rhev.spec")
        let sandboxed = audit([spec])
        let trusted = audit([spec]) { $0.specEvaluation = .inProcess }
        func mode(_ result: AuditResult) -> String? {
            result.builds.first?.evidence.first { $0.rule == Rules.specEvaluationMode }?.observed
        }
        #expect(mode(sandboxed)?.contains("sandboxed") == true)
        #expect(mode(trusted)?.contains("in-process") == true)
        #expect(sandboxed.builds.map(\.verdict) == trusted.builds.map(\.verdict))
    }

    @Test("A missing worker makes every spec a per-input error, never an in-process parse")
    func missingWorkerIsAnInputError() throws {
        let copy = try HostileSpec(name: "shell-build", actsWhenTrusted: true).materialise()
        defer { copy.remove() }
        let result = audit([copy.specPath]) {
            $0.specEvaluation = .sandboxed(SandboxedSpecEvaluator(workerPath: "/nonexistent/worker"))
        }
        #expect(result.builds.isEmpty)
        #expect(
            result.errors.first?.message.contains("spec worker /nonexistent/worker is not an executable file") == true)
        #expect(!copy.markerExists)
    }

    @Test(
        "Audit verdicts in the worker match in-process parsing on every benign fixture spec",
        arguments: ((try? FileManager.default.contentsOfDirectory(atPath: Fixtures.source("specs"))) ?? [])
            .filter { $0.hasSuffix(".spec") }.sorted())
    func sameVerdicts(_ name: String) throws {
        let spec = Fixtures.source("specs/\(name)")
        let sandboxed = audit([spec])
        let inProcess = audit([spec]) { $0.specEvaluation = .custom(InProcessSpecEvaluator()) }
        func strip(_ result: AuditResult) -> [Build] {
            result.builds.map { build in
                var build = build
                build.evidence.removeAll { $0.rule == Rules.specEvaluationMode }
                return build
            }
        }
        #expect(strip(sandboxed) == strip(inProcess))
        #expect(sandboxed.errors == inProcess.errors)
    }
}

/// Measures the worker's cost per spec. Not a timed test: run it by hand with
/// `SNAPCHECK_BENCHMARK=1 swift test --filter SpecWorkerBenchmark`.
@Suite(
    "Sandboxed spec evaluation: benchmark",
    .enabled(if: ProcessInfo.processInfo.environment["SNAPCHECK_BENCHMARK"] == "1"))
struct SpecWorkerBenchmark {
    @Test("Time per parse, sandboxed and in-process")
    func measure() throws {
        let path = Fixtures.source("specs/ev-212.spec")
        let text = SpecSource(text: try String(contentsOfFile: path, encoding: .utf8)).neutralized().text
        let bytes = Array(text.utf8)
        let rounds = 50
        func time(_ evaluator: any SpecEvaluator) throws -> Duration {
            _ = try evaluator.parse(contents: bytes, displayName: path, options: comparisonOptions)
            let start = ContinuousClock.now
            for _ in 0..<rounds {
                _ = try evaluator.parse(contents: bytes, displayName: path, options: comparisonOptions)
            }
            return (ContinuousClock.now - start) / rounds
        }
        let sandboxed = try time(SpecEvaluation.sandboxed(.forTests()).evaluator)
        let inProcess = try time(InProcessSpecEvaluator())
        print(
            "spec worker benchmark (ev-212.spec, \(rounds) rounds): sandboxed \(sandboxed) per parse, in-process \(inProcess)"
        )
    }
}
