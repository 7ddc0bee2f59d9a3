import Foundation
import TestSupport
import Testing

private func write(_ text: String, to path: String) throws {
    try text.write(toFile: path, atomically: false, encoding: .utf8)
}

@Suite("Policy files on the command line")
struct PolicyCLITests {
    static let mixedTag = """
        expect:
          qemu-kvm-ev: enabled
          qemu-kvm-ma: disabled
        """

    @Test("A mixed tag in one run: snapcheck.yaml beside the inputs expects -ev enabled and -ma disabled; exit 0")
    func besideInputs() throws {
        let scratch = try Scratch("policy-beside")
        let tag = scratch.file("tag")
        try FileManager.default.createDirectory(atPath: tag, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: try Fixtures.path("builds/ev-212/x86_64"), toPath: tag + "/ev")
        try FileManager.default.copyItem(atPath: try Fixtures.path("builds/ma-212/x86_64"), toPath: tag + "/ma")
        try write(Self.mixedTag, to: tag + "/snapcheck.yaml")
        let run = try SnapCheckBinary.run(["--format", "json", tag])
        #expect(run.status == 0, "\(run.errorOutput)")
        let json = try jsonReport(run)
        let builds = json["builds"] as? [[String: Any]] ?? []
        #expect(
            builds.map { "\($0["name"]!) \($0["expectation"]!) \($0["meets_expectation"]!)" } == [
                "qemu-kvm-ev enabled 1", "qemu-kvm-ma disabled 1",
            ])
        #expect((json["policy"] as? [String: Any])?["source"] as? String == tag + "/snapcheck.yaml")

        // --no-config: the file is not read, --expect (enabled) applies to both.
        #expect(try SnapCheckBinary.run(["--no-config", tag]).status == 1)
    }

    @Test("The working directory's snapcheck.yaml applies when none is beside the inputs; --config names another")
    func workingDirectoryAndConfig() throws {
        let scratch = try Scratch("policy-cwd")
        try write(Self.mixedTag, to: scratch.file("snapcheck.yaml"))
        let ma = try Fixtures.path("builds/ma-212/x86_64")
        #expect(try SnapCheckBinary.run([ma], directory: scratch.path).status == 0)
        try write("expect:\n  qemu-kvm-ma: enabled\n", to: scratch.file("strict.yaml"))
        let strict = try SnapCheckBinary.run(
            ["--config", "strict.yaml", "--color", "never", ma], directory: scratch.path)
        #expect(strict.status == 1)
        #expect(strict.output.contains("x86_64  [expected enabled]\n"))
    }

    @Test("Two policy files that apply to one run are a usage error naming both")
    func twoPolicies() throws {
        let scratch = try Scratch("policy-two")
        for name in ["a", "b"] {
            try FileManager.default.copyItem(
                atPath: try Fixtures.path("builds/ma-212/x86_64"), toPath: scratch.file(name))
            try write(Self.mixedTag, to: scratch.file(name + "/snapcheck.yaml"))
        }
        let run = try SnapCheckBinary.run([scratch.file("a"), scratch.file("b")])
        #expect(run.status == 64)
        #expect(
            stderrLines(run) == [
                "snapcheck: 2 policy files apply to these inputs (\(scratch.file("a/snapcheck.yaml")), \(scratch.file("b/snapcheck.yaml"))); name one with --config"
            ])
    }

    @Test("An unknown key is exit 2 before any audit, one line with file:line")
    func unknownKey() throws {
        let scratch = try Scratch("policy-bad")
        try write(
            "expect:\n  qemu-kvm-ev: enabled\nwaiver:\n  - package: qemu-kvm-ma\n", to: scratch.file("snapcheck.yaml"))
        let run = try SnapCheckBinary.run([
            "--config", scratch.file("snapcheck.yaml"), try Fixtures.path("builds/ma-212/x86_64"),
        ])
        #expect(run.status == 2)
        #expect(
            stderrLines(run) == [
                "snapcheck: policy \(scratch.file("snapcheck.yaml")):3: unknown key 'waiver' in the policy (known: expect, arch, waivers, fail-on)"
            ])
        #expect(run.stdout.isEmpty)
        let missing = try SnapCheckBinary.run([
            "--config", scratch.file("none.yaml"), try Fixtures.path("builds/ma-212/x86_64"),
        ])
        #expect(
            missing.status == 2
                && missing.errorOutput == "snapcheck: policy \(scratch.file("none.yaml")): no such file or directory\n")
    }

    @Test(
        "--today decides a waiver: through its date the build is WAIVED (exit 0), after it WAIVER EXPIRED (exit 1); same bytes each time"
    )
    func waiverDates() throws {
        let scratch = try Scratch("policy-waiver")
        try write(
            "waivers:\n  - package: qemu-kvm-ma\n    reason: CBS-77 rebuild pending\n    expires: 2027-01-31\n",
            to: scratch.file("p.yaml"))
        let ma = try Fixtures.path("builds/ma-212/x86_64")
        func run(_ day: String) throws -> CommandResult {
            try SnapCheckBinary.run(["--config", scratch.file("p.yaml"), "--today", day, "--color", "never", ma])
        }
        let held = try run("2027-01-31")
        #expect(held.status == 0)
        #expect(
            held.output.contains(
                "[expected enabled]  WAIVED\n  waived until 2027-01-31 (\(scratch.file("p.yaml")):2): CBS-77 rebuild pending\n"
            ))
        #expect(try run("2027-01-31").stdout == held.stdout)
        let expired = try run("2027-02-01")
        #expect(expired.status == 1)
        #expect(expired.output.contains("WAIVER EXPIRED\n  waiver expired on 2027-01-31"))
        #expect(try SnapCheckBinary.run(["--today", "2027-02-30", ma]).status == 64)
    }
}

@Suite("Nights: baselines, first night, empty runs")
struct NightsCLITests {
    @Test(
        "Night one: a missing baseline is exit 2 by default; --baseline-missing=ok audits, notes it and compares nothing"
    )
    func firstNight() throws {
        let scratch = try Scratch("night-one")
        let builds = try Fixtures.path("builds/el7-rhev/x86_64")
        let refused = try SnapCheckBinary.run(["--baseline", scratch.file("last.json"), builds])
        #expect(refused.status == 2)
        #expect(
            refused.errorOutput
                == "snapcheck: baseline \(scratch.file("last.json")): no such file (on the first night, --baseline-missing=ok runs without one)\n"
        )
        #expect(refused.stdout.isEmpty)

        let started = try SnapCheckBinary.run([
            "--baseline", scratch.file("last.json"), "--baseline-missing=ok",
            "--report", "json=\(scratch.file("last.json"))", "--color", "never", builds,
        ])
        #expect(started.status == 0)
        #expect(
            started.errorOutput
                == "snapcheck: baseline \(scratch.file("last.json")) does not exist yet: nothing compared (--baseline-missing=ok)\n"
        )
        #expect(started.output.hasSuffix("1 build: 1 enabled\n"))

        // Night two compares with what night one wrote.
        let second = try SnapCheckBinary.run([
            "--baseline", scratch.file("last.json"), "--baseline-missing=ok", "--color", "never", builds,
        ])
        #expect(second.status == 0 && second.errorOutput.isEmpty)
        #expect(second.output.hasSuffix("baseline: 0 regressions, 0 changed, 0 new, 0 vanished, 1 unchanged\n"))
    }

    @Test(
        "Night two with a regression and a vanished arch: exit 1, both named in text and JUnit under last night's testcase names"
    )
    func regressionAndVanished() throws {
        let scratch = try Scratch("night-two")
        let night1 = try SnapCheckBinary.run([
            "--format", "junit", "--report", "json=\(scratch.file("n1.json"))",
            try Fixtures.path("builds/el7-rhev/x86_64"), try Fixtures.path("builds/ev-212"),
        ])
        #expect(night1.status == 0, "\(night1.errorOutput)")
        let night2 = try SnapCheckBinary.run([
            "--baseline", scratch.file("n1.json"), "--format", "junit", "--report", "text=\(scratch.file("n2.txt"))",
            try Fixtures.path("builds/rhev-disabled/x86_64"), try Fixtures.path("builds/ev-212/x86_64"),
            try Fixtures.path("builds/ev-212/src"),
        ])
        #expect(night2.status == 1)
        let names1 = try testcaseNames(night1.stdout)
        let names2 = try testcaseNames(night2.stdout)
        #expect(names1 == ["qemu-kvm-ev ppc64le", "qemu-kvm-ev x86_64", "qemu-kvm-rhev x86_64"])
        #expect(
            names2 == ["qemu-kvm-ev x86_64", "qemu-kvm-rhev x86_64", "qemu-kvm-ev ppc64le"],
            "the same names, the vanished one included")
        let text = try String(contentsOfFile: scratch.file("n2.txt"), encoding: .utf8)
        #expect(text.contains("qemu-kvm-rhev-10:1.5.3-183.el7 x86_64  REGRESSION (was enabled)\n"))
        #expect(text.contains("\n  VANISHED  qemu-kvm-ev-10:2.12.0-44.1.el7_8.1 ppc64le (was enabled)"))
        #expect(
            night2.output.contains(
                #"<failure message="vanished: no qemu-kvm-ev ppc64le build in this run; the baseline had qemu-kvm-ev-10:2.12.0-44.1.el7_8.1, enabled" type="vanished">"#
            ))
        #expect(night2.output.contains(#"<property name="release" value="183.el7"/>"#))
    }

    /// The `name` attributes of a JUnit report's testcases, in order (strict expat parse).
    private func testcaseNames(_ xml: [UInt8]) throws -> [String] {
        let script =
            "import sys, json, xml.etree.ElementTree as ET\nprint(json.dumps([c.get('name') for c in ET.parse(sys.argv[1]).iter('testcase')]))"
        let file = URL(fileURLWithPath: temporaryPath("names") + ".xml")
        try Data(xml).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try Command.run("/usr/bin/env", ["python3", "-c", script, file.path])
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout)) as? [String])
    }

    @Test("An empty directory is no longer green: exit 2, one line, and a JUnit report with one erroring testcase")
    func emptyDirectory() throws {
        let scratch = try Scratch("night-empty")
        try FileManager.default.createDirectory(atPath: scratch.file("builds"), withIntermediateDirectories: true)
        let run = try SnapCheckBinary.run(["--format", "junit", scratch.file("builds")])
        #expect(run.status == 2)
        #expect(
            run.errorOutput
                == "snapcheck: \(scratch.file("builds")): no QEMU build found (no package, spec or capture in the inputs)\n"
        )
        #expect(
            run.output.contains(
                #"<testsuites name="snapcheck" tests="1" failures="0" errors="1" skipped="0" time="0">"#))
        try write("fail-on:\n  no-builds: false\n", to: scratch.file("p.yaml"))
        #expect(try SnapCheckBinary.run(["--config", scratch.file("p.yaml"), scratch.file("builds")]).status == 0)
    }

    @Test("Last night's report and Koji's metadata.json in the tree are skipped and counted, not errors")
    func strayFilesInTree() throws {
        let scratch = try Scratch("night-stray")
        try FileManager.default.copyItem(atPath: try Fixtures.path("builds/el7-rhev"), toPath: scratch.file("tree"))
        try write(
            #"{"build": {"name": "qemu-kvm-rhev"}, "buildroots": [], "output": []}"#,
            to: scratch.file("tree/metadata.json"))
        #expect(
            try SnapCheckBinary.run(["--report", "json=\(scratch.file("tree/snapcheck.json"))", scratch.file("tree")])
                .status == 0)
        let run = try SnapCheckBinary.run(["--color", "never", scratch.file("tree")])
        #expect(run.status == 0, "\(run.errorOutput)")
        #expect(run.output.hasSuffix("1 build: 1 enabled; 2 other files skipped\n"))
        #expect(run.errorOutput.isEmpty)
    }
}

@Suite("Spec evaluation options on the command line")
struct SpecOptionsCLITests {
    @Test("--target for an arch the spec's ExclusiveArch leaves out: unknown, and the report says not built for it")
    func notBuiltForArch() throws {
        let run = try SnapCheckBinary.run([
            "--target", "ppc64le", "--color", "never", Fixtures.source("specs/el6-stock.spec"),
        ])
        #expect(run.status == 3)
        #expect(
            run.output.contains(
                "spec-not-built-for-arch\n      \(Fixtures.source("specs/el6-stock.spec")):42\n      not built for ppc64le: ExclusiveArch: x86_64"
            ))
    }

    @Test(
        "An unknown --target or a missing --sources directory is a usage error before any audit",
        arguments: [
            (
                ["--target", "ppc64el"],
                "Error: --target 'ppc64el': not an arch rpm knows (x86_64, ppc64le, aarch64, s390x, i686, ...)."
            ),
            (
                ["--target", "x86-64"],
                "Error: --target 'x86-64': not an arch rpm knows (x86_64, ppc64le, aarch64, s390x, i686, ...)."
            ),
            (["--sources", "/nonexistent/SOURCES"], "Error: --sources '/nonexistent/SOURCES': no such directory."),
        ])
    func usage(arguments: [String], line: String) throws {
        let run = try SnapCheckBinary.run(arguments + [Fixtures.source("specs/el7-stock.spec")])
        #expect(run.status == 64)
        #expect(run.errorOutput.hasPrefix(line + "\n"), "\(run.errorOutput)")
        #expect(run.stdout.isEmpty)
    }

    @Test("A --define the spec's own %define overrides is a warning naming both the flag and the spec line")
    func overriddenDefine() throws {
        let spec = Fixtures.source("specs/el7-stock.spec")
        let run = try SnapCheckBinary.run(["--define", "rhev 1", "--color", "never", spec])
        #expect(run.status == 1)
        #expect(
            run.output.contains(
                """
                  warning      spec       spec-define-overridden
                      \(spec):7
                      --define 'rhev 1' is overridden by the spec's %define rhev 0 (line 7): rpm lets the spec's own definition win; use --with/--without for a %bcond, or change the spec

                """))
        // A define the spec does not override, or one it only defaults (%{!?x:...}), gives no warning.
        let agreeing = try SnapCheckBinary.run([
            "--define", "rhev 0", "--define", "dist .el7", "--color", "never", spec,
        ])
        #expect(!agreeing.output.contains("spec-define-overridden"))
    }
}

@Suite("Messages people read")
struct MessageCLITests {
    @Test("An unknown option says so, with or without inputs")
    func unknownOption() throws {
        for arguments in [["--bogus"], ["--bogus", "x.rpm"], ["--jobs", "2", "--bogus"]] {
            let run = try SnapCheckBinary.run(arguments)
            #expect(run.status == 64)
            #expect(run.errorOutput.hasPrefix("Error: Unknown option '--bogus'"), "\(arguments): \(run.errorOutput)")
        }
        #expect(try SnapCheckBinary.run([]).errorOutput.hasPrefix("Error: Name at least one input"))
    }

    @Test(
        "A mistyped subcommand is a usage error, not a missing file; a missing file named like one still is an input error"
    )
    func mistypedSubcommand() throws {
        let run = try SnapCheckBinary.run(["rulez"])
        #expect(run.status == 64)
        #expect(
            run.errorOutput.hasPrefix(
                "Error: 'rulez' is not a subcommand (audit, rules, header) and no file of that name exists.\n"))
        let file = try SnapCheckBinary.run(["missing.rpm"])
        #expect(file.status == 2 && file.errorOutput == "snapcheck: missing.rpm: no such file\n")
        let later = try SnapCheckBinary.run(["--jobs", "1", "rulez"])
        #expect(later.status == 2, "not the first word: an input")
    }

    @Test(
        "--report without FORMAT=PATH, or with an unknown format, lists the formats",
        arguments: ["junit", "pdf=r.pdf", "junit="])
    func reportFormats(value: String) throws {
        let run = try SnapCheckBinary.run(["--report", value, try Fixtures.path("builds/el7-rhev")])
        #expect(run.status == 64)
        #expect(
            run.errorOutput.contains("formats: text, json, junit, sarif, html")
                || run.errorOutput.contains("no PATH after 'junit='"), "\(run.errorOutput)")
    }

    @Test("-q with --format json still writes the JSON report")
    func quietJSON() throws {
        let run = try SnapCheckBinary.run(["-q", "--format", "json", try Fixtures.path("builds/el7-rhev")])
        #expect(run.status == 0)
        #expect((try jsonReport(run))["verdict"] as? String == "enabled")
    }

    @Test(
        "Corrupt packages: one plain line, the same in audit and header, no librpm call, code or descriptor",
        arguments: [
            ("bad-header-magic", "corrupt package header: bad header magic"),
            ("flipped-header-data", "corrupt package header: its SHA256 and SHA1 digests do not match"),
            ("truncated-header", "truncated package: the file ends inside its header"),
            ("truncated-signature", "truncated package: the file ends inside its signature header"),
            ("empty", "empty file"),
        ])
    func corruptWording(name: String, message: String) throws {
        let path = try Fixtures.path("corrupt/\(name).rpm")
        let audited = try SnapCheckBinary.run([path])
        let header = try SnapCheckBinary.run(["header", path])
        #expect(audited.status == 2 && header.status == 2)
        #expect(audited.errorOutput == "snapcheck: \(path): \(message)\n")
        #expect(header.errorOutput == audited.errorOutput)
    }

    @Test(
        "Payload problems name no librpm call either",
        arguments: ["corrupt-payload", "truncated-payload", "bad-compressor", "tampered-content"])
    func payloadWording(name: String) throws {
        let run = try SnapCheckBinary.run([try Fixtures.path("corrupt/\(name).rpm")])
        #expect(run.status == 2)
        for word in ["returned", "rpmfi", "Fdopen", "rpmDigest", "<fd:", "/proc/self/fd", "error: "] {
            #expect(!run.errorOutput.contains(word), "\(name): \(run.errorOutput)")
        }
    }

    @Test("--installed on a host without an rpmdb says what to do instead")
    func installedWithoutRPMDB() throws {
        let scratch = try Scratch("no-rpmdb")
        let run = try SnapCheckBinary.run(["--installed", "--root", scratch.path])
        #expect(run.status == 2)
        #expect(
            run.errorOutput.hasPrefix("snapcheck: --installed: cannot read the rpmdb of \(scratch.path): no rpmdb in "))
        #expect(
            run.errorOutput.hasSuffix(
                "; to audit an emulator no rpmdb lists, run it with --probe PATH, or give its file as an input (snapcheck /usr/bin/qemu-system-x86_64: scanned, never run)\n"
            ))
        #expect(!run.errorOutput.contains("rpmtsOpenDB"))
    }
}
