import Foundation
import RPM
import TestSupport
import Testing

@testable import SnapCheck

/// An error's message is built from its fields: the report names the input
/// first, so an `RPMError` on that input is worded without its path, and one
/// on another file (the spec inside a source package) keeps it.
@Suite("Input error wording")
struct InputErrorWordingTests {
    private let parseError = RPMError(
        .specParse, operation: "rpmSpecParse", path: "qemu-kvm.src.rpm:qemu-kvm.spec",
        message: "error: line 6: Unknown tag: Bogus: y")

    @Test("An RPM error on the input itself names it once: the report's input, then the reason")
    func sameInput() {
        let error = InputError(parseError, input: "qemu-kvm.src.rpm:qemu-kvm.spec")
        #expect(error.kind == .corrupt)
        #expect(
            error.description
                == "qemu-kvm.src.rpm:qemu-kvm.spec: the spec does not parse: line 6: Unknown tag: Bogus: y")
    }

    @Test("An RPM error on another file than the input keeps that file's name")
    func otherFile() {
        let error = InputError(parseError, input: "qemu-kvm.src.rpm")
        #expect(error.inputName == "qemu-kvm.src.rpm")
        #expect(
            error.message == "qemu-kvm.src.rpm:qemu-kvm.spec: the spec does not parse: line 6: Unknown tag: Bogus: y")
    }

    @Test("An RPM error naming no file, or met on no known input, is worded as it describes itself")
    func noPath() {
        let unnamed = RPMError(.unreadable, operation: "rpmtsCreate", path: nil, message: "out of memory")
        #expect(InputError(unnamed, input: "a.rpm").description == "a.rpm: out of memory")
        #expect(InputError(parseError, input: nil).description == "?: \(parseError)")
    }

    @Test("An input error stays as it is; any other error is kind other, as it describes itself")
    func otherErrors() {
        let missing = InputError(.missing, input: "a.rpm", message: "no such file")
        #expect(InputError(missing, input: "b.rpm") == missing)
        let other = InputError(CocoaError(.fileReadUnknown), input: "b.rpm")
        #expect(other.kind == .other && other.message == "\(CocoaError(.fileReadUnknown))")
    }

    @Test("A bare spec that does not parse is an error naming the spec once, with rpm's reason")
    func brokenSpec() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "snapcheck-wording-\(getpid())-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spec = directory + "/qemu-kvm.spec"
        try Data(
            "Name: qemu-kvm\nVersion: 1.5.3\nRelease: 1\nSummary: x\nLicense: GPL\nBogus: y\n%description\nx\n".utf8
        )
        .write(to: URL(fileURLWithPath: spec))

        let result = audit([spec])
        let error = try #require(result.errors.first)
        #expect(result.errors.count == 1 && error.kind == .corrupt)
        #expect(error.inputName == spec)
        #expect(error.message.hasPrefix("the spec does not parse: "), "\(error.message)")
        #expect(error.message.contains("Unknown tag: Bogus: y"), "\(error.message)")
        #expect(!error.message.contains(spec), "the path is said once, as the input: \(error.message)")
    }
}
