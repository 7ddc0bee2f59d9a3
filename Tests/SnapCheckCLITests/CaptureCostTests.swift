import Foundation
import TestSupport
import Testing

@Suite("What one capture may cost")
struct CaptureCostTests {
    /// Issue 13 item 9: a 60 MiB capture of one-line events took gigabytes and, under a
    /// memory limit, aborted the whole run, losing the package audited with it.
    @Test("Under a 1 GiB data limit, a 60 MiB event capture and a package in one run are both reported")
    func eventFloodUnderAMemoryLimit() throws {
        let directory = try temporaryDirectory("flood")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let flood = directory + "/flood.jsonl"
        #expect(FileManager.default.createFile(atPath: flood, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: flood))
        try handle.write(
            contentsOf: Data(
                contentsOf: Fixtures.sourceDirectory.appendingPathComponent("qmp/el7-2.12-disabled-session.jsonl")))
        let event =
            #"{"timestamp": {"seconds": 1700000000, "microseconds": 1}, "event": "RTC_CHANGE", "data": {"offset": 0}}"#
            + "\n"
        let chunk = Data(String(repeating: event, count: (1 << 20) / event.utf8.count).utf8)
        for _ in 0..<60 { try handle.write(contentsOf: chunk) }
        try handle.close()

        let package = try Fixtures.path("builds/el7-rhev/src")
        let run = try Command.run(
            "/bin/bash",
            [
                "-c", #"ulimit -d 1048576 && exec "$0" "$@""#, SnapCheckBinary.url.path,
                "--format", "json", "--jobs", "2", flood, package,
            ])
        #expect(run.status == 1, "disabled against the default expectation: \(run.errorOutput)")
        let report = try jsonReport(run)
        #expect((report["errors"] as? [Any])?.isEmpty == true)
        let found = builds(report).map { "\($0["name"] as? String ?? "?") \($0["verdict"] as? String ?? "?")" }
        #expect(found == ["qemu-kvm-ma disabled", "qemu-kvm-rhev enabled"])
    }

    @Test("A capture over a limit is one line naming it; the other inputs are still reported")
    func overALimit() throws {
        let directory = try temporaryDirectory("sessions")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let capture = directory + "/sessions.jsonl"
        let greeting =
            #"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 12, "major": 2}, "package": ""}, "capabilities": []}}"#
        try String(repeating: greeting + "\n", count: 65).write(toFile: capture, atomically: false, encoding: .utf8)
        let run = try SnapCheckBinary.run([
            "--format", "json", capture, Fixtures.source("qmp/el7-2.12-enabled-session.jsonl"),
        ])
        #expect(run.status == 2)
        #expect(
            run.errorOutput
                == "snapcheck: \(capture): QMP capture over a limit: more than 64 QMP sessions (the next starts at line 65)\n"
        )
        #expect(builds(try jsonReport(run)).map { $0["verdict"] as? String } == ["enabled"])
    }
}
