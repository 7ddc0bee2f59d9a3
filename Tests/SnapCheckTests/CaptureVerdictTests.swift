import Foundation
import SnapCheck
import Testing
import TestSupport

@Suite("QMP captures as runtime evidence")
struct CaptureVerdictTests {
    @Test("Each capture alone gets the verdict query-commands gives", arguments: [
        ("debian-7.2-query-commands.json", Verdict.enabled, "qmp-query-commands"),
        ("debian-7.2-session.jsonl", .enabled, "qmp-query-commands"),
        ("debian-7.2-libvirt.replies", .enabled, "qmp-query-commands"),
        ("el7-1.5.3-disabled-session.jsonl", .disabled, "qmp-query-commands"),
        ("el7-2.12-disabled-session.jsonl", .disabled, "qmp-query-commands"),
        ("el7-2.12-enabled-session.jsonl", .enabled, "qmp-query-commands"),
        ("transaction-only-session.jsonl", .disabled, "qmp-query-commands"),
    ])
    func captureAlone(_ file: String, _ verdict: Verdict, _ rule: String) throws {
        let result = audit([Fixtures.source("qmp/\(file)")])
        #expect(result.errors.isEmpty, "\(result.errors)")
        let build = try #require(result.builds.first)
        #expect(result.builds.count == 1)
        #expect(build.verdict == verdict)
        #expect(build.inputs.map(\.kind) == [.qmp])
        #expect(build.evidence.filter { $0.role == .deciding }.map(\.rule).contains(rule))
        // A bare query-commands reply carries no version; every session does.
        let hasVersion = build.evidence.contains { $0.rule == "qmp-version" && $0.role == .note }
        #expect(hasVersion == !file.hasSuffix("query-commands.json"))
    }

    @Test("A disabled 2.9+ capture notes that transaction alone proves nothing")
    func transactionAlone() throws {
        let build = try #require(audit([Fixtures.source("qmp/el7-2.12-disabled-session.jsonl")]).builds.first)
        #expect(build.name == "qemu-kvm-ma")
        #expect(build.evidence.contains { $0.rule == "qmp-transaction-alone" && $0.supports == nil })
    }

    @Test("A capture whose package string is a build's NVR joins that build's every arch and decides as the running binary")
    func joinsBuild() throws {
        let result = audit([try fixtureDirectory("ev-212"), Fixtures.source("qmp/el7-2.12-enabled-session.jsonl")])
        #expect(result.builds.count == 2)
        for build in result.builds {
            #expect(build.inputs.contains { $0.kind == .qmp })
            #expect(build.verdict == .enabled)
            #expect(build.evidence.first { $0.role == .deciding }?.layer == .runtime)
        }
    }

    @Test("A running binary that disagrees with the package makes the build inconsistent, trusting the runtime")
    func runtimeDisagrees() throws {
        let directory = try tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The disabled 1.5.3 capture, but reporting the rhev build's NVR.
        let text = try String(contentsOfFile: Fixtures.source("qmp/el7-1.5.3-disabled-session.jsonl"), encoding: .utf8)
            .replacingOccurrences(of: "qemu-kvm-1.5.3-175.el7", with: "qemu-kvm-rhev-1.5.3-175.el7")
        let capture = directory + "/probe.jsonl"
        try text.write(toFile: capture, atomically: true, encoding: .utf8)
        let build = try #require(audit([try fixtureDirectory("el7-rhev"), capture]).builds.first)
        #expect(build.verdict == .inconsistent)
        #expect(build.trustedLayer == .runtime)
        #expect(build.trustedVerdict == .disabled)
    }

    @Test("query-qmp-schema alone proves enabled for upstream but nothing for a downstream build")
    func schemaOnly() throws {
        let upstream = try #require(audit([Fixtures.source("qmp/debian-7.2-schema-only.jsonl")]).builds.first)
        #expect(upstream.verdict == .enabled)
        #expect(upstream.evidence.contains { $0.rule == "qmp-schema-only" && $0.role == .deciding })

        let directory = try tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = try String(contentsOfFile: Fixtures.source("qmp/debian-7.2-schema-only.jsonl"), encoding: .utf8)
            .replacingOccurrences(of: "Debian 1:7.2+dfsg-7+deb12u18+b3", with: "qemu-kvm-ma-2.12.0-44.el7_8")
        let capture = directory + "/schema.jsonl"
        try text.write(toFile: capture, atomically: true, encoding: .utf8)
        let downstream = try #require(audit([capture]).builds.first)
        #expect(downstream.verdict == .unknown)
        #expect(downstream.evidence.contains { $0.rule == "qmp-schema-only" && $0.supports == nil })
    }
}

func tempDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("snapcheck-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
