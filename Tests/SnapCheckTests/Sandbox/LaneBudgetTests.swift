import Foundation
import TestSupport
import Testing

@testable import SnapCheck

/// A warm worker parses one spec for several arches with their CPU summed
/// (`RLIMIT_CPU`); each parse still gets only what a worker of its own would,
/// so an arch's answer never depends on which arches share its worker, and
/// so on `--jobs` (adversarial pass 5).
@Suite("Warm workers: each parse within its own CPU budget")
struct LaneBudgetTests {
    /// An EL7 spec whose aarch64 branch adds the disable flag after about two
    /// seconds of macro expansion (2^23 empty expansions), more than the one
    /// CPU second each parse gets here, less than a lane's three.
    private func spec() throws -> String {
        let chain = (1...23).map { "%define e\($0) %{e\($0 - 1)}%{e\($0 - 1)}" }.joined(separator: "\n")
        let text = """
            Name: qemu-kvm
            Version: 1.5.3
            Release: 175.el7
            Epoch: 10
            Summary: lane budget test
            License: GPLv2
            ExclusiveArch: x86_64 aarch64 ppc64le s390x

            %description
            Written for snapcheck's lane budget test.

            %prep

            %build
            %define e0 %{nil}
            \(chain)
            %ifarch aarch64
            ./configure --target-list=aarch64-softmmu %{e23}--disable-live-block-ops
            %else
            ./configure --target-list=x86_64-softmmu --enable-live-block-ops
            %endif

            %files

            %changelog
            """
        let dir = try temporaryDirectory("lane-budget")
        let path = dir + "/qemu-kvm.spec"
        try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(
        "A parse over its CPU fails alone, with the same report whether its arch shares a worker (--jobs 1) or not (--jobs 4)"
    )
    func sameAnswerWithAnyJobs() throws {
        let path = try spec()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let results = [1, 4].map { jobs in
            audit([path]) {
                $0.jobs = jobs
                $0.remedySearch.isEnabled = false
                $0.specEvaluation = .sandboxed(.forTests(cpuSeconds: 1))
            }
        }
        let builds = try results.map { try #require($0.builds.only) }
        #expect(builds.map(\.verdict) == [.unknown, .unknown])
        #expect(builds[0].evidence == builds[1].evidence)
        let note = try #require(builds[0].observed("spec-source-arches").first)
        #expect(note.contains("the spec decides nothing for aarch64"), "\(note)")
    }
}
