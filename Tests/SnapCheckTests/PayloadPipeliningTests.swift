import Foundation
import RPM
import TestSupport
import Testing

@testable import SnapCheck

/// What reading one input gives, in a form two reads can be compared by.
private func outcome(_ path: String, _ concurrency: PayloadConcurrency) -> String {
    let reader = InputReader(options: AuditOptions(), payloadConcurrency: concurrency)
    do {
        switch try reader.read(path: path, named: true) {
        case .observed(let observation):
            return
                "\(observation.input) \(observation.sourceNVR ?? "-") \(observation.arch ?? "-") \(observation.evidence)"
        case .skipped(let skipped):
            return "skipped: \(skipped.reason)"
        }
    } catch let error as InputError {
        return "error: \(error)"
    } catch {
        return "other: \(error)"
    }
}

/// Emulator payloads read pipelined (decoding on a second thread) when a run
/// has a core to spare per reader, sequentially otherwise; either way with the
/// same result.
@Suite("Payload pipelining")
struct PayloadPipeliningTests {
    @Test(
        "Pipelined only when both the cores and --jobs allow two per reader",
        arguments: [
            // jobs, inputs, cores, pipelined
            (2, 1, 2, true),  // one package, default --jobs on two cores
            (8, 1, 2, true),
            (2, 8, 2, false),  // a --jobs 2 batch on two cores: every core has a reader
            (2, 2, 2, false),
            (1, 1, 2, false),  // --jobs 1: one busy core, as asked
            (1, 9, 8, false),
            (2, 1, 1, false),  // one core (taskset -c 0): never slower than sequential
            (8, 1, 1, false),
            (8, 3, 8, true),  // three readers, eight cores
            (8, 5, 8, false),
        ])
    func decision(jobs: Int, inputs: Int, cores: Int, pipelined: Bool) {
        let chosen = PayloadPipelining.concurrency(jobs: jobs, inputs: inputs, cores: cores)
        #expect(chosen == (pipelined ? .pipelined : .sequential))
    }

    @Test("The cores counted are at least one and at most what ProcessInfo reports")
    func availableCores() {
        #expect(PayloadPipelining.availableCores >= 1)
        #expect(PayloadPipelining.availableCores <= ProcessInfo.processInfo.activeProcessorCount)
    }

    @Test("Every binary package, intact or damaged, gives the same evidence, digest or error pipelined as sequentially")
    func sameOutcome() throws {
        var packages: [String] = []
        let builds = try Fixtures.path("builds")
        for id in try FileManager.default.contentsOfDirectory(atPath: builds).sorted() {
            for sub in try FileManager.default.contentsOfDirectory(atPath: "\(builds)/\(id)").sorted()
            where sub != "src" {
                let dir = "\(builds)/\(id)/\(sub)"
                packages += try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".rpm") }
                    .sorted().map { "\(dir)/\($0)" }
            }
        }
        let damaged = (try RegressionCorpus.path("CASES") as NSString).deletingLastPathComponent
        packages += try FileManager.default.contentsOfDirectory(atPath: damaged)
            .filter { $0.hasSuffix(".rpm") && !$0.hasSuffix(".src.rpm") }.sorted().map { "\(damaged)/\($0)" }
        try #require(packages.count > 30)
        var errors = 0
        for path in packages {
            let sequential = outcome(path, .sequential)
            #expect(outcome(path, .pipelined) == sequential, "\(path)")
            if sequential.hasPrefix("error: ") { errors += 1 }
        }
        #expect(errors > 10, "the damaged packages are refused")
    }
}
