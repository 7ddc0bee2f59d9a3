// Auditing as the tests do, and where the fixture builds are. Not API.
import Foundation
@_spi(Fuzzing) import SnapCheck
import SnapCheckRepository
import TestSupport
import Testing

/// The auditor of the tests: default options (expect enabled, host arch) with
/// specs evaluated in the sandbox (`SandboxedSpecEvaluator.forTests()`), then `configure`.
func auditor(_ configure: (inout AuditOptions) -> Void) -> Auditor {
    var options = AuditOptions()
    options.specEvaluation = .sandboxed(.forTests())
    configure(&options)
    return Auditor(options: options)
}

/// Audits paths as the tests' `auditor` does.
func audit(_ paths: [String], configure: (inout AuditOptions) -> Void = { _ in }) -> AuditResult {
    auditor(configure).audit(paths)
}

/// Audits yum repositories (`--repo`), and paths with them, as the tests' `auditor` does.
func audit(_ paths: [String] = [], repositories: [String], configure: (inout AuditOptions) -> Void = { _ in })
    -> AuditResult
{
    auditor(configure).audit(paths, repositories: repositories)
}

extension Build {
    /// (rule, line) of the deciding evidence, in report order.
    var deciding: [String] {
        evidence.filter { $0.role == .deciding }.map { "\($0.rule)@\($0.line.map(String.init) ?? "-")" }
    }

    /// What the evidence of `rule` observed, in report order.
    func observed(_ rule: String) -> [String] {
        evidence.filter { $0.rule.id == rule }.map(\.observed)
    }
}

/// A temporary directory holding the helper script a 2.9+ spec calls, under
/// the name the spec uses (`build_configure.sh`); `nil` for other eras.
func helperScriptDirectory(for id: String) throws -> String? {
    let version = id.hasSuffix("-210") ? "2.10" : id.hasSuffix("-212") ? "2.12" : nil
    guard let version else { return nil }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "snapcheck-helper-\(version)-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let target = directory.appendingPathComponent("build_configure.sh")
    if !FileManager.default.fileExists(atPath: target.path) {
        try? FileManager.default.copyItem(
            atPath: Fixtures.source("specs/build_configure-\(version).sh"), toPath: target.path)
    }
    return directory.path
}

/// A built fixture build's directory (`builds/ID`), or one of its `src`/`x86_64` directories.
func fixtureDirectory(_ id: String, _ sub: String? = nil) throws -> String {
    try Fixtures.path("builds/\(id)" + (sub.map { "/\($0)" } ?? ""))
}

/// The emulator file of a fixture package, extracted with `rpm2cpio | cpio` into `dir`.
func extractedEmulator(_ relativePackage: String, into dir: String) throws -> String {
    let package = try Fixtures.path(relativePackage)
    let listed = try Command.output("/usr/bin/rpm", ["-qlp", package]).split(separator: "\n").map(String.init)
    let emulator = try #require(listed.first { $0 == "/usr/libexec/qemu-kvm" || $0.hasSuffix("/qemu-system-x86_64") })
    try Command.output(
        "/bin/sh", ["-c", "cd \"$1\" && rpm2cpio \"$2\" | cpio -idm --quiet \".$3\"", "sh", dir, package, emulator])
    return dir + emulator
}
