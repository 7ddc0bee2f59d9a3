import Foundation
import RPM
@_spi(Fuzzing) import SnapCheck
import TestSupport
import Testing

@Suite("Verdicts of every fixture build")
struct VerdictTests {
    @Test(
        "SRPM and binary RPMs together give one build per arch with the fixture's verdict",
        arguments: FixtureExpectation.all)
    func wholeBuild(_ fixture: FixtureExpectation) throws {
        let result = audit([try fixtureDirectory(fixture.id)])
        #expect(result.errors.isEmpty)
        #expect(!result.builds.isEmpty)
        for build in result.builds {
            #expect(build.verdict.rawValue == fixture.verdict, "\(build.displayName) \(build.arch ?? "")")
            #expect(build.inputs.contains { $0.kind == .srpm })
            #expect(build.inputs.contains { $0.kind == .rpm })
            #expect(build.evidence.contains { $0.role == .deciding })
        }
    }

    @Test(
        "The SRPM alone decides from its spec, naming the flag's line and its macro chain",
        arguments: FixtureExpectation.all)
    func sourcePackageAlone(_ fixture: FixtureExpectation) throws {
        let result = audit([try fixtureDirectory(fixture.id, "src")])
        let build = try #require(result.builds.first)
        #expect(result.builds.count == 1)
        #expect(build.verdict.rawValue == fixture.verdict)
        #expect(build.arch == "src")
        let deciding = build.evidence.filter { $0.layer == .spec && $0.role == .deciding }
        #expect(deciding.allSatisfy { $0.rule.id == fixture.specRule }, "\(deciding.map(\.rule))")
        let lines = Set(deciding.filter { $0.source.hasSuffix("\(fixture.id).spec") }.compactMap(\.line))
        #expect(Set(fixture.specLines) == lines, "deciding lines \(lines.sorted())")
    }

    @Test("The bare spec file gives the same verdict and lines as the SRPM", arguments: FixtureExpectation.all)
    func bareSpec(_ fixture: FixtureExpectation) throws {
        _ = try Fixtures.built()
        let spec = Fixtures.source("specs/\(fixture.id).spec")
        let sources = try helperScriptDirectory(for: fixture.id)
        let result = audit([spec]) { $0.sourcesDirectory = sources }
        let build = try #require(result.builds.first)
        #expect(result.errors.isEmpty)
        #expect(build.verdict.rawValue == fixture.verdict)
        #expect(build.inputs.map(\.kind) == [.spec])
        let lines = Set(build.evidence.filter { $0.source == spec && $0.role == .deciding }.compactMap(\.line))
        #expect(Set(fixture.specLines) == lines, "deciding lines \(lines.sorted())")
    }

    @Test(
        "Without its helper script a 2.9+ spec falls back to %have_live_block_ops",
        arguments: [("ev-212", Verdict.enabled, 25), ("ma-210", .disabled, 30)])
    func helperScriptMissing(_ id: String, _ verdict: Verdict, _ line: Int) throws {
        _ = try Fixtures.built()
        let result = audit([Fixtures.source("specs/\(id).spec")])
        let build = try #require(result.builds.first)
        #expect(build.verdict == verdict)
        let deciding = build.evidence.filter { $0.layer == .spec && $0.role == .deciding }
        #expect(deciding.allSatisfy { $0.rule.id == "el7-have-live-block-ops-macro" })
        let value = try #require(deciding.first { $0.observed.hasPrefix("%have_live_block_ops is") })
        #expect(value.line == line)
        #expect(value.observed.contains("build_configure.sh not found"))
    }

    @Test("Binary RPMs alone decide from the executable")
    func binaryPackagesAlone() throws {
        for (id, verdict, rule) in [
            ("el7-stock", Verdict.disabled, "exe-qmp-names"), ("el6-rhev", .enabled, "exe-qmp-names"),
            ("ma-212", .disabled, "exe-hmp-names"), ("ev-210", .enabled, "exe-hmp-names"),
        ] {
            let build = try #require(audit([try fixtureDirectory(id, "x86_64")]).builds.first)
            #expect(build.verdict == verdict, "\(id)")
            let deciding = build.evidence.filter { $0.role == .deciding }
            #expect(deciding.map(\.rule.id) == [rule], "\(id)")
            #expect(deciding.first?.source.hasSuffix(":/usr/libexec/qemu-kvm") == true)
        }
    }
}

@Suite("Grouping inputs into builds")
struct GroupingTests {
    @Test("Two arches of one source package give two builds, each joined by the SRPM")
    func twoArches() throws {
        let result = audit([try fixtureDirectory("ev-212")])
        #expect(result.builds.map { $0.arch ?? "" } == ["ppc64le", "x86_64"])
        for build in result.builds {
            #expect(build.name == "qemu-kvm-ev")
            #expect(build.epoch == 10)
            #expect(build.version == "2.12.0")
            #expect(build.release == "44.1.el7_8.1")
            #expect(build.inputs.filter { $0.kind == .srpm }.count == 1)
        }
    }

    @Test("Builds of different source packages stay apart, sorted by name")
    func separateBuilds() throws {
        let result = audit([try fixtureDirectory("el7-stock"), try fixtureDirectory("el7-rhev")])
        #expect(result.builds.map(\.name) == ["qemu-kvm", "qemu-kvm-rhev"])
        #expect(result.builds.map(\.verdict) == [.disabled, .enabled])
        #expect(result.exitStatus == .contradictsExpectation)
    }

    @Test("A rhev-named build whose executable lacks the commands is disabled, and the name is a loud warning")
    func rhevNameWithoutCommands() throws {
        let build = try #require(audit([try fixtureDirectory("rhev-disabled")]).builds.first)
        #expect(build.verdict == .disabled)
        #expect(build.trustedLayer == nil)
        #expect(build.evidence.contains { $0.role == .deciding && $0.layer == .executable })
        #expect(!build.evidence.contains { $0.layer == .header && $0.supports != nil })
        let warning = try #require(build.evidence.first { $0.role == .warning })
        #expect(warning.rule.id == "name-contradicts-evidence")
        #expect(
            warning.observed.contains("suggests enabled (header-rhev-name), but the executable evidence shows disabled")
        )
        #expect(!build.meetsExpectation)
    }

    @Test("A stock-named build whose executable has the commands is enabled: the name never outvotes evidence")
    func stockNameWithCommands() throws {
        let build = try #require(audit([try fixtureDirectory("el6-stock-with-rhev-features")]).builds.first)
        #expect(build.verdict == .enabled)
        #expect(build.trustedLayer == nil)
        #expect(build.evidence.contains { $0.role == .deciding && $0.layer == .executable })
        #expect(
            build.evidence.contains {
                $0.role == .warning && $0.observed.contains("suggests disabled (header-stock-name)")
            })
    }

    @Test("--with rhev_features on the stock EL6 spec enables it and names the command line")
    func withRhevFeatures() throws {
        _ = try Fixtures.built()
        let result = audit([Fixtures.source("specs/el6-stock.spec")]) { $0.with = ["rhev_features"] }
        let build = try #require(result.builds.first)
        #expect(build.verdict == .enabled)
        #expect(
            build.evidence.contains {
                $0.role == .deciding && $0.observed.contains("--with rhev_features on the command line")
            })
        #expect(build.evidence.contains { $0.role == .warning && $0.rule.id == "name-contradicts-evidence" })
    }

    @Test(
        "Packages that are not QEMU builds are skipped in directories and refused when named; only such packages is no build at all"
    )
    func nonQEMU() throws {
        let directory = try fixtureDirectory("nonqemu")
        let walked = audit([directory])
        #expect(walked.builds.isEmpty)
        #expect(walked.skipped == 2)
        // By default an audit that finds no build fails (fail-on: no-builds); switched off, it is empty and clean.
        #expect(
            walked.errors.map(\.description) == [
                "\(directory): no QEMU build found (2 other packages and 0 other files skipped)"
            ])
        #expect(walked.exitStatus == .inputError)
        let allowed = audit([directory]) { $0.policy.switches.noBuilds = false }
        #expect(allowed.errors.isEmpty && allowed.skipped == 2 && allowed.exitStatus == .success)

        let rpm = try #require(FileManager.default.contentsOfDirectory(atPath: directory + "/x86_64").first)
        let named = audit([directory + "/x86_64/" + rpm])
        #expect(named.errors.count == 1)
        #expect(named.errors.first?.message.hasPrefix("not a QEMU build") == true)
        #expect(named.exitStatus == .inputError)
    }
}
