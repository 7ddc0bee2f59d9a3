import Foundation
import TestSupport
import Testing

@testable import SnapCheck

/// Two files whose names differ only in Unicode normalization are two files,
/// though Swift's `String` compares them equal.
@Suite("Names that differ only in Unicode normalization")
struct NormalizedNameTests {
    @Test("Each file keeps its own evidence: café.spec as NFC and as NFD give a note each")
    func evidenceOfEachFileIsKept() throws {
        let directory = try temporaryDirectory("normalized")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spec = ShapeSpec(build: "./configure --target-list=x86_64-softmmu --enable-live-block-ops").text
        let composed = directory + "/caf\u{E9}.spec"
        let decomposed = directory + "/cafe\u{301}.spec"
        #expect(composed == decomposed)  // what Swift says; the file system holds two names
        #expect(!composed.utf8.elementsEqual(decomposed.utf8))
        for path in [composed, decomposed] {
            try Data(spec.utf8).write(to: URL(fileURLWithPath: path))
        }
        let build = try #require(audit([directory]).builds.only)
        #expect(build.inputs.count == 2)
        let notes = build.evidence.filter { $0.rule.id == "spec-evaluation-mode" }.map { Array($0.source.utf8) }
        #expect(Set(notes) == [Array(composed.utf8), Array(decomposed.utf8)])
    }
}
