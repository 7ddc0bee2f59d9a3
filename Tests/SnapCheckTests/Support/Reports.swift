// What the report renderer tests share: builds made by hand, hostile text, and the Python readers of reports.
import Foundation
import TestSupport
import Testing

@_spi(Fuzzing) @testable import SnapCheck

/// A build made by hand: for verdicts and strings no fixture has.
func handBuild(
    name: String = "qemu-kvm-ev", version: String = "2.12.0", release: String = "44.1.el7_8.1",
    arch: String? = "x86_64",
    verdict: Verdict, expectation: SnapCheck.Expectation = .enabled, source: String = "qemu-kvm-ev.spec",
    line: Int? = 42,
    observed: String = "--enable-live-block-ops in the x86_64-softmmu configure call"
) -> Build {
    var evidence = Evidence(
        layer: .spec, source: source, line: line, observed: observed, rule: Rules.el7LiveBlockOps,
        supports: verdict == .unknown ? nil : verdict)
    evidence.role = verdict == .unknown ? .note : .deciding
    return Build(
        name: name, epoch: nil, version: version, release: release, arch: arch, era: nil, verdict: verdict,
        trustedLayer: verdict == .inconsistent ? .spec : nil, trustedVerdict: nil,
        expectation: expectation, meetsExpectation: expectation.isMet(by: verdict),
        inputs: [AuditedInput(path: source, kind: .spec, sha256: String(repeating: "0", count: 64))],
        evidence: [evidence])
}

/// A build of last night's report: the release before `handBuild`'s, on x86_64.
func lastNight(_ name: String, _ verdict: Verdict) -> Baseline.Entry {
    Baseline.Entry(name: name, epoch: nil, version: "2.12.0", release: "44.el7_8", arch: "x86_64", verdict: verdict)
}

/// Every string a path or name may carry that XML must not take raw.
let hostileText = "q\"u<o>t&e's ]]> \u{01}ctl\u{1B}[31m \u{FFFD}bad-utf8 tab\there\nnew\rline \u{FFFE}"

/// A temporary directory holding two copies of `file`: one under a
/// sub-directory named with quotes, markup and control characters, one whose
/// name has the byte 0xFF (not UTF-8). Returns the top directory (ASCII) and
/// the inputs to audit: the directory, and the 0xFF file named as Swift
/// decodes it (U+FFFD), since a String cannot hold the raw byte.
func hostileDirectory(copying file: String) throws -> (top: String, inputs: [String]) {
    let top = try temporaryDirectory("hostileText")
    let contents = try Array(Data(contentsOf: URL(fileURLWithPath: file)))
    func cString(_ bytes: [UInt8]) -> [CChar] { bytes.map { CChar(bitPattern: $0) } + [0] }
    func create(_ raw: [UInt8]) throws {
        let fd = open(cString(raw), O_CREAT | O_WRONLY | O_TRUNC, 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        let written = contents.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == contents.count else { throw POSIXError(.EIO) }
    }
    let sub = Array(top.utf8) + Array("/d\"<&'>]]>".utf8) + [0x01, 0x1B, 0x20] + Array("x".utf8)
    guard mkdir(cString(sub), 0o755) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    try create(sub + Array("/qemu\u{01}'.rpm".utf8))
    try create(Array(top.utf8) + Array("/bad".utf8) + [0xFF, 0xFE] + Array(".rpm".utf8))
    return (top, [top, top + "/bad\u{FFFD}\u{FFFD}.rpm"])
}

/// Runs a Python consumer of a rendered report and decodes the JSON it prints.
/// A missing module fails the test with the pip command to fix it: the
/// validators are part of the test suite, never skipped.
enum ReportConsumer {
    static func run(_ script: String, on bytes: [UInt8], suffix: String) throws -> [String: Any] {
        let file = URL(fileURLWithPath: temporaryPath("report") + "." + suffix)
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try Command.run("/usr/bin/env", ["python3", "-c", script, file.path])
        #expect(result.status == 0, "python consumer failed (status \(result.status)): \(result.errorOutput)")
        guard result.status == 0 else { throw ConsumerFailed(description: result.errorOutput) }
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout))
        return try #require(object as? [String: Any], "consumer printed no JSON object: \(result.output)")
    }

    struct ConsumerFailed: Error, CustomStringConvertible { var description: String }
}
