import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The corrupt-input corpus (`Fixtures/corrupt-corpus.py`): damaged packages, archives,
/// specs and captures. Each must be refused with exit 2 and one line naming it; in a batch
/// the good inputs next to them must still be audited (nothing lost).
enum CorruptCorpus {
    /// Past this a run is killed and counted as a hang. A hang guard, not a
    /// speed goal (those are benchmarks): far above a run's cost (under a second)
    /// so a loaded machine never fails it.
    static let timeout: TimeInterval = 120

    /// `DIR/corrupt-corpus`, generated once per test process after the fixtures.
    static func directory() throws -> URL {
        try generated.get()
    }

    /// Case names from `CASES`, sorted.
    static func cases() throws -> [String] {
        let listing = try String(contentsOf: directory().appendingPathComponent("CASES"), encoding: .utf8)
        return listing.split(separator: "\n").map { String($0.split(separator: "\t")[0]) }
    }

    private static let generated: Result<URL, any Error> = Result {
        let out = try Fixtures.built()
        let script = Fixtures.sourceDirectory.appendingPathComponent("corrupt-corpus.py").path
        let result = try Command.run("/usr/bin/env", ["python3", script, out.path])
        guard result.status == 0 else {
            throw FixtureError.buildFailed(status: result.status, output: result.errorOutput)
        }
        return out.appendingPathComponent("corrupt-corpus")
    }
}

/// One snapcheck run, killed after `CorruptCorpus.timeout`.
struct TimedRun {
    var status: Int32
    var stdout: [UInt8]
    var stderr: String
    var seconds: Double
    var timedOut: Bool

    static func snapcheck(_ arguments: [String], directory: String? = nil) throws -> TimedRun {
        let scratch = URL(fileURLWithPath: try temporaryDirectory("corpus"))
        defer { try? FileManager.default.removeItem(at: scratch) }
        // Output to files, not pipes: a killed child must not leave a reader blocked.
        let outURL = scratch.appendingPathComponent("out")
        let errURL = scratch.appendingPathComponent("err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = SnapCheckBinary.url
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        let start = DispatchTime.now()
        try process.run()
        var timedOut = false
        if done.wait(timeout: .now() + CorruptCorpus.timeout) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            done.wait()
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        try out.close()
        try err.close()
        return TimedRun(
            status: process.terminationStatus, stdout: Array(try Data(contentsOf: outURL)),
            stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self),
            seconds: seconds, timedOut: timedOut)
    }

    /// The JSON report on standard output.
    func report() throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(stdout)) as? [String: Any])
    }
}

@Suite("Corrupt-input corpus", .serialized)
struct CorruptCorpusTests {
    @Test("The corpus has every kind of damage the issue lists")
    func corpusCoversEveryKind() throws {
        let names = try CorruptCorpus.cases()
        for prefix in ["rpm-truncated-", "rpm-flip-", "rpm-compressor-", "cpio-", "srpm-spec-", "qmp-", "spec-"] {
            #expect(names.contains { $0.hasPrefix(prefix) }, "no case named \(prefix)*")
        }
        #expect(names.count >= 70, "only \(names.count) cases")
    }

    @Test("Every corrupt input exits 2 with one line naming it, and no run hangs")
    func everyCaseIsRefused() throws {
        let directory = try CorruptCorpus.directory()
        var durations: [(String, Double)] = []
        for name in try CorruptCorpus.cases() {
            let path = directory.appendingPathComponent(name).path
            let run = try TimedRun.snapcheck(["--format", "json", "--color", "never", "--jobs", "1", path])
            durations.append((name, run.seconds))
            if run.timedOut {
                Issue.record("\(name): hang (killed after \(Int(CorruptCorpus.timeout)) s)")
                continue
            }
            #expect(run.status == 2, "\(name): exit \(run.status), stderr: \(run.stderr)")
            let lines = run.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            #expect(
                lines.count == 1 && run.stderr.hasSuffix("\n"),
                "\(name): stderr is not one line: \(run.stderr.debugDescription)")
            #expect(lines.first?.contains(path) == true, "\(name): stderr does not name the input: \(run.stderr)")
            let errors = try run.report()["errors"] as? [[String: Any]] ?? []
            #expect(errors.count == 1 && errors.first?["input"] as? String == path, "\(name): errors \(errors)")
            if let message = errors.first?["message"] as? String {
                #expect(!message.isEmpty && !message.contains("\n"), "\(name): message \(message.debugDescription)")
            }
        }
        let total = durations.reduce(0) { $0 + $1.1 }
        let slowest = durations.sorted { $0.1 > $1.1 }.prefix(5).map { "\($0.0) \(String(format: "%.2f", $0.1)) s" }
        print(
            "corrupt corpus: \(durations.count) cases in \(String(format: "%.1f", total)) s; slowest: \(slowest.joined(separator: ", "))"
        )
    }

    @Test("In a batch with good fixtures, the good builds are still audited and every bad input is an error")
    func nothingLostInABatch() throws {
        let directory = try CorruptCorpus.directory()
        let bad = try CorruptCorpus.cases().map { directory.appendingPathComponent($0).path }
        let good = try [
            ("builds/el7-rhev/x86_64/qemu-kvm-rhev-1.5.3-175.el7.x86_64.rpm", "qemu-kvm-rhev", "x86_64", "enabled"),
            ("builds/el7-stock/x86_64/qemu-kvm-1.5.3-175.el7.x86_64.rpm", "qemu-kvm", "x86_64", "disabled"),
            ("builds/ma-212/src/qemu-kvm-ma-2.12.0-44.el7_8.src.rpm", "qemu-kvm-ma", "src", "disabled"),
            ("builds/fedora/x86_64/qemu-system-x86-core-7.2.0-1.fc38.x86_64.rpm", "qemu", "x86_64", "enabled"),
        ].map { (try Fixtures.path($0.0), $0.1, $0.2, $0.3) }
        // Good and bad interleaved, so a failure cannot take its neighbours down unnoticed.
        var inputs: [String] = []
        for (index, path) in bad.enumerated() {
            inputs.append(path)
            if index % 20 == 10 { inputs.append(good[(index / 20) % good.count].0) }
        }
        inputs += good.map(\.0)
        let run = try TimedRun.snapcheck(["--format", "json", "--color", "never", "--jobs", "2"] + inputs)
        #expect(!run.timedOut, "batch hang (killed after \(Int(CorruptCorpus.timeout)) s)")
        print("corrupt corpus batch: \(inputs.count) inputs in \(String(format: "%.2f", run.seconds)) s")
        #expect(run.status == 2)
        let report = try run.report()

        let errors = report["errors"] as? [[String: Any]] ?? []
        let errorInputs = errors.compactMap { $0["input"] as? String }
        #expect(
            errorInputs.sorted() == bad.sorted(),
            "errors: missing \(Set(bad).subtracting(errorInputs).sorted()), extra \(Set(errorInputs).subtracting(bad).sorted())"
        )
        #expect(Set(errorInputs).count == errorInputs.count, "an input reported twice")

        let builds = report["builds"] as? [[String: Any]] ?? []
        for (path, name, arch, verdict) in good {
            let build = builds.first { build in
                (build["inputs"] as? [[String: Any]] ?? []).contains { $0["path"] as? String == path }
            }
            #expect(
                build?["name"] as? String == name && build?["arch"] as? String == arch
                    && build?["verdict"] as? String == verdict,
                "\(path): build \(String(describing: build?["name"])) \(String(describing: build?["arch"])) \(String(describing: build?["verdict"]))"
            )
        }
        // No build holds a bad input.
        let audited = builds.flatMap { ($0["inputs"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String } }
        #expect(Set(audited).isDisjoint(with: bad), "a corrupt input was audited as a build")
    }
}
