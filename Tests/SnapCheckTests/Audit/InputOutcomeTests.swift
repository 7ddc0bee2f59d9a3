import Foundation
import TestSupport
import Testing

@testable import SnapCheck

/// Reading one input gives what it contributes (`observed`), why it
/// contributes nothing (`skipped`, counted), or an `InputError`: a skip is an
/// outcome, never an error.
@Suite("Input outcomes: observed, skipped or an error")
struct InputOutcomeTests {
    private let reader: InputReader = {
        var options = AuditOptions()
        options.specEvaluation = .sandboxed(.forTests())
        return InputReader(options: options)
    }()

    /// A fresh directory, removed when `body` returns.
    private func inTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "snapcheck-outcome-\(getpid())-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        return try body(root)
    }

    @Test("A walked package that is not a QEMU build is skipped as a package, naming it; named, it is a not-qemu error")
    func nonQEMUPackage() throws {
        let directory = try fixtureDirectory("nonqemu", "x86_64")
        let rpm =
            directory + "/" + (try #require(FileManager.default.contentsOfDirectory(atPath: directory).sorted().first))

        guard case .skipped(let skip) = try reader.read(path: rpm, named: false) else {
            Issue.record("a walked non-QEMU package was not skipped")
            return
        }
        #expect(skip.isPackage)
        #expect(skip.path == rpm)
        #expect(skip.reason.hasSuffix("(source package hello)"), "\(skip.reason)")

        let error = try #require(throws: InputError.self) { try reader.read(path: rpm, named: true) }
        #expect(error.kind == .notQEMU)
        #expect(error.input == rpm)
        #expect(error.message == "not a QEMU build: \(skip.reason)")
    }

    @Test("A walked spec of another package is skipped as a package; named, it is a not-qemu error")
    func nonQEMUSpec() throws {
        let spec = Fixtures.source("specs/nonqemu.spec")
        guard case .skipped(let skip) = try reader.read(path: spec, named: false) else {
            Issue.record("a walked non-QEMU spec was not skipped")
            return
        }
        #expect(skip.isPackage && skip.reason == "hello")

        let error = try #require(throws: InputError.self) { try reader.read(path: spec, named: true) }
        #expect(error.kind == .notQEMU && error.message == "not a QEMU build: hello")
    }

    @Test("A walked stray file is skipped as a file; a walked .rpm that is no package is still an error")
    func strayFile() throws {
        try inTemporaryDirectory { root in
            let stray = root + "/metadata.json"
            try Data(#"{"build": {"name": "qemu-kvm-ev"}}"#.utf8).write(to: URL(fileURLWithPath: stray))
            guard case .skipped(let skip) = try reader.read(path: stray, named: false) else {
                Issue.record("a walked stray file was not skipped")
                return
            }
            #expect(!skip.isPackage)
            #expect(skip.reason == "not a spec file, RPM package, QMP capture or ELF executable")

            let broken = root + "/qemu-kvm-ev.rpm"
            try Data("<html>503</html>\n".utf8).write(to: URL(fileURLWithPath: broken))
            let error = try #require(throws: InputError.self) { try reader.read(path: broken, named: false) }
            #expect(error.kind == .unsupported && error.input == broken)
        }
    }

    @Test("An audit counts skipped packages and files apart and reports neither as an error")
    func skipsAreCounted() throws {
        try inTemporaryDirectory { root in
            try FileManager.default.copyItem(atPath: try fixtureDirectory("nonqemu"), toPath: root + "/nonqemu")
            try FileManager.default.copyItem(atPath: try fixtureDirectory("ev-212", "x86_64"), toPath: root + "/x86_64")
            try Data().write(to: URL(fileURLWithPath: root + "/empty.qmp"))

            let result = audit([root])
            #expect(result.builds.map(\.verdict) == [.enabled])
            #expect(result.skipped == 2 && result.skippedFiles == 1)
            #expect(result.errors.isEmpty, "\(result.errors)")
        }
    }
}
