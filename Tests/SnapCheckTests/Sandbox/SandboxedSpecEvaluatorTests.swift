import Foundation
import RPM
import TestSupport
import Testing

@_spi(Fuzzing) @testable import SnapCheck

/// Options that read back what the verdict rules read, plus the macros the
/// worker redefines without a shell. `_topdir` is fixed because it comes from
/// `$HOME`, which the worker does not inherit (the paths in `%prep` and
/// `%install` would otherwise name `/nonexistent/rpmbuild`).
let comparisonOptions = SpecOptions(
    defines: [MacroDefinition(name: "_topdir", value: "/snapcheck-topdir")],
    macrosToRead: ["rhev", "have_live_block_ops", "pkgsuffix", "disable_rhev_features_arg", "_smp_mflags"],
    expressions: ["%{with rhev_features}", "%{?_smp_mflags}", "%{_smp_build_ncpus}", "%{_make_output_sync}"])

/// Processes whose command line mentions `text` (a marker path), other than tests.
func processesMentioning(_ text: String) -> [String] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.filter { $0.allSatisfy(\.isNumber) && $0 != "\(getpid())" }.compactMap { pid in
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
        let line = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
        return line.contains(text) ? "\(pid): \(line)" : nil
    }
}

@Suite("Sandboxed spec evaluation: hostile specs parsed directly by the worker")
struct SandboxedSpecEvaluatorTests {
    let sandbox = SandboxedSpecEvaluator.forTests(timeout: .seconds(5), cpuSeconds: 4)

    @Test(
        "A hostile spec, with no neutralising in front, creates no file and leaves no process",
        arguments: HostileSpec.all)
    func hostileSpecActsOnNothing(_ spec: HostileSpec) throws {
        let copy = try spec.materialise()
        defer { copy.remove() }
        do {
            let parsed = try sandbox.parse(
                contents: Array(copy.text.utf8), displayName: copy.specPath, options: comparisonOptions)
            #expect(parsed.sourcePackage.name == "qemu-kvm-rhev")
        } catch let error as RPMError {
            #expect([RPMError.Kind.specParse, .specRefused, .specWorker].contains(error.kind), "\(error)")
            #expect(error.path == copy.specPath)
        }
        #expect(!copy.markerExists)
        #expect(processesMentioning(copy.marker).isEmpty)
    }

    @Test(
        "Shell and Lua that rpm would run fail inside the worker, saying what was refused",
        arguments: [
            "shell-preamble", "shell-build", "shell-assembled", "lua-os-execute", "lua-io-popen", "lua-rpm-execute",
            "lua-posix",
            "lua-posix-standin", "lua-debug-upvalue", "lua-binary-chunk",
        ])
    func refusedCodeFailsTheRawParse(_ name: String) throws {
        let copy = try HostileSpec(name: name, actsWhenTrusted: true).materialise()
        defer { copy.remove() }
        let error = #expect(throws: RPMError.self) {
            try sandbox.parse(contents: Array(copy.text.utf8), displayName: copy.specPath, options: SpecOptions())
        }
        #expect(error?.kind == .specRefused)
        #expect(
            error?.message.contains("the spec reached a shell expansion at run time, which the sandbox does not run")
                == true
                || error?.message.contains("which the sandbox refuses") == true,
            "\(error.map(String.init(describing:)) ?? "")")
    }

    @Test(
        "Lua io.open and rpm.open read the spec's own sources only; opening for writing fails the parse",
        arguments: ["lua-io-open-write", "lua-rpm-open-write"])
    func luaOpenIsReadOnly(_ name: String) throws {
        let copy = try HostileSpec(name: name, actsWhenTrusted: true).materialise()
        defer { copy.remove() }
        let writing = #expect(throws: RPMError.self) {
            try sandbox.parse(contents: Array(copy.text.utf8), displayName: copy.specPath, options: SpecOptions())
        }
        #expect(writing?.message.contains("for writing") == true, "\(String(describing: writing))")
        #expect(!copy.markerExists)
        let open = name == "lua-rpm-open-write" ? "rpm.open" : "io.open"
        func reading(_ file: String) -> [UInt8] {
            Array(
                ("Name: qemu-kvm\nVersion: %{lua: local f = \(open)(\(file), \"r\") print(f and \"1\" or \"0\") if f then f:close() end}\n"
                    + "Release: 1\nSummary: s\nLicense: GPLv2+\n%description\nd\n").utf8)
        }
        let sources = try Scratch("lua-sources")
        try Data("own source\n".utf8).write(to: URL(fileURLWithPath: sources.file("patch.txt")))
        let own = try sandbox.parse(
            contents: reading(#"rpm.expand("%{_sourcedir}") .. "/patch.txt""#), displayName: "reading.spec",
            options: SpecOptions(sourceDirectory: sources.path))
        #expect(own.sourcePackage.version == "1")
        // The auditing host's files are not the build host's: asking for one fails the parse.
        let error = #expect(throws: RPMError.self) {
            try sandbox.parse(
                contents: reading(#""/etc/os-release""#), displayName: "reading.spec",
                options: SpecOptions(sourceDirectory: sources.path))
        }
        #expect(
            error?.message.contains("the spec's Lua asked for \(open) /etc/os-release, which the sandbox refuses")
                == true,
            "\(error.map(String.init(describing:)) ?? "")")
    }

    @Test(
        "Lua that asks the auditing host (a file, the environment, the clock) through an indirect %{lua:} fails the parse"
    )
    func luaHostReadsFail() throws {
        for probe in [
            #"io.open('/etc/os-release')"#, #"os.getenv('HOME')"#, "os.time()", #"posix.access('/etc/os-release')"#,
        ] {
            let spec =
                "Name: qemu-kvm\nVersion: 1\nRelease: 1\nSummary: s\nLicense: GPLv2+\n%description\nd\n%build\n"
                + "%global L lua\n%{expand:%%{%{L}:if \(probe) then rpm.define('flag --disable-live-block-ops') end}}\n"
                + "./configure --target-list=x86_64-softmmu %{?flag}\n"
            let error = #expect(throws: RPMError.self, "\(probe)") {
                try sandbox.parse(contents: Array(spec.utf8), displayName: "host.spec", options: SpecOptions())
            }
            #expect(error?.kind == .specRefused, "\(probe)")
        }
    }

    @Test(
        "Lua that catches the sandbox's refusal, or looks for what the sandbox replaced, cannot tell it from a build: the parse fails or sees a build",
        arguments: [
            ("pcall(os.time)", true), ("pcall(os.getenv, 'HOME')", true), ("pcall(io.open, '/etc/os-release')", true),
            ("pcall(string.dump, print)", true), ("pcall(posix.getcwd)", true), ("pcall(debug.getinfo, 1)", true),
            ("pcall(load, string.char(27) .. 'Lua')", true), ("collectgarbage('count') > 0", true),
            ("io.popen == nil", false), ("posix.stat == nil", false), ("debug == nil", false),
            ("getmetatable(io.open) ~= nil", false),
            ("string.find(tostring(io.open), tostring(print):sub(1, 13), 1, true) == nil", false),
        ])
    func luaCannotTellTheSandbox(_ probe: String, refused: Bool) throws {
        // The false `enabled` a spec could aim for: the enabling flag only where it sees the sandbox.
        let spec =
            "Name: qemu-kvm\nVersion: 1\nRelease: 1\nSummary: s\nLicense: GPLv2+\n%description\nd\n%build\n"
            + "%global L lua\n%{expand:%%{%{L}:if \(probe) then rpm.define('flag --enable-live-block-ops') else rpm.define('flag --disable-live-block-ops') end}}\n"
            + "./configure --target-list=x86_64-softmmu %{?flag}\n"
        if refused {
            let error = #expect(throws: RPMError.self, "\(probe)") {
                try sandbox.parse(contents: Array(spec.utf8), displayName: "oracle.spec", options: SpecOptions())
            }
            #expect(error?.message.contains("which the sandbox refuses") == true, "\(String(describing: error))")
        } else {
            let parsed = try sandbox.parse(
                contents: Array(spec.utf8), displayName: "oracle.spec", options: SpecOptions())
            #expect(parsed.build?.contains("--disable-live-block-ops") == true, "\(probe): \(parsed.build ?? "")")
        }
    }

    @Test(
        "A macro recursion bomb and an exponential expansion end in an error, not a hang",
        arguments: HostileSpec.exhausting)
    func exhaustionEndsCleanly(_ spec: HostileSpec) throws {
        let copy = try spec.materialise()
        defer { copy.remove() }
        let start = ContinuousClock.now
        let error = #expect(throws: RPMError.self) {
            try sandbox.parse(contents: Array(copy.text.utf8), displayName: copy.specPath, options: SpecOptions())
        }
        #expect(ContinuousClock.now - start < .seconds(15))
        #expect(error?.path == copy.specPath)
    }

    @Test("/etc/shadow read by %include or %{load:} does not reach the result", arguments: HostileSpec.reading)
    func shadowStaysOut(_ spec: HostileSpec) throws {
        let copy = try spec.materialise()
        defer { copy.remove() }
        let shadowLines = ((try? String(contentsOfFile: "/etc/shadow", encoding: .utf8)) ?? "")
            .split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
        do {
            let parsed = try sandbox.parse(
                contents: Array(copy.text.utf8), displayName: copy.specPath, options: comparisonOptions)
            let dump = "\(parsed)"
            #expect(!shadowLines.contains { dump.contains($0) })
        } catch let error as RPMError {
            let text = "\(error)"
            #expect(!shadowLines.contains { text.contains($0) })
            if getuid() == 0 { #expect(text.contains("/etc/shadow")) }
        }
    }

    @Test(
        "Every benign fixture spec parses to the same value in the worker as in-process",
        arguments: ((try? FileManager.default.contentsOfDirectory(atPath: Fixtures.source("specs"))) ?? [])
            .filter { $0.hasSuffix(".spec") }.sorted())
    func sameParseAsInProcess(_ name: String) throws {
        let path = Fixtures.source("specs/\(name)")
        // The text rpm sees in an audit: shell and Lua expansions neutralised.
        let text = SpecSource(text: try String(contentsOfFile: path, encoding: .utf8)).neutralized().text
        let inProcess = Result {
            try InProcessSpecEvaluator().parse(
                contents: Array(text.utf8), displayName: path, options: comparisonOptions)
        }
        let sandboxed = Result {
            try sandbox.parse(contents: Array(text.utf8), displayName: path, options: comparisonOptions)
        }
        switch (inProcess, sandboxed) {
        case (.success(let a), .success(let b)):
            #expect(a == b, "differs in: \(Self.differences(a, b))")
        case (.failure(let a), .failure(let b)):
            #expect("\(a)" == "\(b)")
        default:
            Issue.record("in-process \(inProcess), sandboxed \(sandboxed)")
        }
    }

    /// The fields of two parses that differ, with both values, for failure messages.
    static func differences(_ a: ParsedSpec, _ b: ParsedSpec) -> [String] {
        let left = Mirror(reflecting: a).children
        let right = Mirror(reflecting: b).children
        return zip(left, right).compactMap { l, r in
            let x = String(describing: l.value)
            let y = String(describing: r.value)
            return x == y ? nil : "\(l.label ?? "?"): \(x.suffix(400)) vs \(y.suffix(400))"
        }
    }

    @Test("parse(path:) in the worker matches in-process, and a % in the path is never expanded")
    func parseByPath() throws {
        let copy = try HostileSpec(name: "percent-in-name", actsWhenTrusted: false).materialise(
            fileName: "qemu-%(touch MARKER).spec")
        defer { copy.remove() }
        let sandboxed = try sandbox.parse(path: copy.specPath, options: comparisonOptions)
        let inProcess = try InProcessSpecEvaluator().parse(path: copy.specPath, options: comparisonOptions)
        #expect(sandboxed == inProcess)
        #expect(!copy.markerExists)
        #expect(!FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/MARKER"))
        #expect(!FileManager.default.fileExists(atPath: "/MARKER"))
    }
}

@Suite("Sandboxed spec evaluation: a worker that fails")
struct SpecWorkerFailureTests {
    /// A stand-in worker: a shell script in a fresh directory.
    func fakeWorker(_ body: String) throws -> (path: String, directory: String) {
        let directory = try temporaryDirectory("fake-worker")
        let path = (directory as NSString).appendingPathComponent("worker")
        try TestFiles.writeExecutable(Array("#!/bin/sh\n\(body.replacing("@DIR@", with: directory))\n".utf8), to: path)
        return (path, directory)
    }

    func parse(with worker: String, timeout: Duration = .seconds(5), replyLimit: Int = 64 << 20) -> RPMError? {
        let evaluator = SandboxedSpecEvaluator(workerPath: worker, timeout: timeout, replyLimit: replyLimit)
        return #expect(throws: RPMError.self) {
            try evaluator.parse(contents: Array("Name: x\n".utf8), displayName: "some.spec", options: SpecOptions())
        }
    }

    @Test("A worker that outlives the timeout is killed with its process group, and the error names the spec")
    func timeoutKillsTheGroup() throws {
        let worker = try fakeWorker("sleep 30 &\necho $! > @DIR@/child\nsleep 30")
        defer { try? FileManager.default.removeItem(atPath: worker.directory) }
        let start = ContinuousClock.now
        let error = parse(with: worker.path, timeout: .milliseconds(500))
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(error?.kind == .specWorker)
        #expect(error?.path == "some.spec")
        #expect(error?.message.contains("did not finish") == true)
        let child = try String(contentsOfFile: worker.directory + "/child", encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        // Killed (SIGKILL lands asynchronously): gone, or a zombie nobody reaped; never still sleeping.
        func state() -> Substring? {
            (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8))?.split(separator: " ").dropFirst(2)
                .first
        }
        for _ in 0..<100 where state() != nil && state() != "Z" { usleep(10_000) }
        #expect(state() == nil || state() == "Z", "\(state() ?? "")")
    }

    @Test("A worker's descendant that left its process group and session is killed at the timeout too")
    func timeoutKillsDescendantsThatLeft() throws {
        let worker = try fakeWorker("setsid sleep 300 &\necho $! > @DIR@/child\nsleep 300")
        defer { try? FileManager.default.removeItem(atPath: worker.directory) }
        let error = parse(with: worker.path, timeout: .seconds(2))
        #expect(error?.message.contains("did not finish") == true)
        let child = try #require(
            pid_t(
                try String(contentsOfFile: worker.directory + "/child", encoding: .utf8).trimmingCharacters(
                    in: .whitespacesAndNewlines)))
        defer { killIfLeft(child, running: "sleep 300") }
        #expect(leftover(child, running: "sleep 300") == nil)
    }

    @Test(
        "A worker that exits while its background child holds its streams is reported at once, and the child is killed")
    func exitEndsTheWorkersTree() throws {
        let worker = try fakeWorker("sleep 300 &\necho $! > @DIR@/child\nexit 7")
        defer { try? FileManager.default.removeItem(atPath: worker.directory) }
        // Long enough that waiting for the streams to close would show as a timeout instead.
        let error = parse(with: worker.path, timeout: .seconds(120))
        #expect(error?.message == "the spec worker exited with status 7")
        let child = try #require(
            pid_t(
                try String(contentsOfFile: worker.directory + "/child", encoding: .utf8).trimmingCharacters(
                    in: .whitespacesAndNewlines)))
        defer { killIfLeft(child, running: "sleep 300") }
        #expect(leftover(child, running: "sleep 300") == nil)
    }

    @Test("A worker that crashes gives an error naming the signal")
    func crash() throws {
        let worker = try fakeWorker("echo dying >&2\nkill -SEGV $$")
        defer { try? FileManager.default.removeItem(atPath: worker.directory) }
        let error = parse(with: worker.path)
        #expect(error?.kind == .specWorker)
        #expect(error?.message.contains("SIGSEGV") == true, "\(error.map(String.init(describing:)) ?? "")")
        #expect(error?.message.contains("dying") == true)
    }

    @Test("A worker that exits non-zero, answers garbage or too much gives an error")
    func badReplies() throws {
        let exits = try fakeWorker("exit 7")
        let garbage = try fakeWorker("cat >/dev/null; echo not-json >&3")
        let flood = try fakeWorker("head -c 3000000 /dev/zero >&3")
        defer { [exits, garbage, flood].forEach { try? FileManager.default.removeItem(atPath: $0.directory) } }
        #expect(parse(with: exits.path)?.message.contains("status 7") == true)
        #expect(
            parse(with: garbage.path)?.message
                == "the spec worker's reply is not readable (9 bytes); is \(garbage.path) the same snapcheck version as this one (protocol \(SpecWorkerChannel.protocolVersion))?"
        )
        #expect(parse(with: flood.path, replyLimit: 1 << 20)?.message.contains("exceeded") == true)
    }

    @Test("A worker of another protocol says so: the request of an older snapcheck is refused by name")
    func protocolMismatch() throws {
        // The real worker, handed the request as a snapcheck of protocol 1 wrote it (no version field).
        let worker = try fakeWorker(
            #"sed '1s/"protocolVersion":[0-9]*,\{0,1\}//' | "\#(SnapCheckBinary.url.path)" \#(SpecWorkerChannel.marker)"#
        )
        defer { try? FileManager.default.removeItem(atPath: worker.directory) }
        let error = parse(with: worker.path)
        #expect(error?.kind == .specWorker)
        #expect(
            error?.message
                == "the spec worker speaks protocol \(SpecWorkerChannel.protocolVersion) and the request protocol 1: the worker is another snapcheck version than its parent"
        )
    }

    @Test("A worker whose answers are of another protocol is refused by name, its parse never read")
    func answerOfAnotherProtocol() throws {
        let worker = try fakeWorker(#"cat >/dev/null; echo '{"protocolVersion":1,"parse":0}' >&3"#)
        defer { try? FileManager.default.removeItem(atPath: worker.directory) }
        #expect(
            parse(with: worker.path)?.message
                == "the spec worker \(worker.path) speaks protocol 1 and this snapcheck \(SpecWorkerChannel.protocolVersion): the worker is another snapcheck version"
        )
    }

    @Test("A missing worker is an error naming it, never an in-process parse")
    func missingWorker() throws {
        let error = parse(with: "/nonexistent/snapcheck")
        #expect(error?.kind == .specWorker)
        #expect(error?.message == "spec worker /nonexistent/snapcheck is not an executable file")
    }

    @Test("The worker is looked up: explicit path, then $SNAPCHECK_SPEC_WORKER, then this program if it serves")
    func lookupOrder() throws {
        let worker = try fakeWorker("exit 0")
        defer { try? FileManager.default.removeItem(atPath: worker.directory) }
        func located(_ explicit: String?, _ environment: [String: String], serves: Bool) -> String {
            switch SandboxedSpecEvaluator.locateWorker(
                explicitPath: explicit, environment: environment, selfServes: serves)
            {
            case .program(let path): "program \(path)"
            case .missing(let why): "missing: \(why)"
            }
        }
        let environment = ["SNAPCHECK_SPEC_WORKER": worker.path]
        #expect(located("/bin/true", environment, serves: true) == "program /bin/true")
        #expect(located(nil, environment, serves: true) == "program \(worker.path)")
        #expect(located(nil, ["SNAPCHECK_SPEC_WORKER": ""], serves: true) == "program /proc/self/exe")
        #expect(located(nil, [:], serves: true) == "program /proc/self/exe")
        #expect(
            located(nil, ["SNAPCHECK_SPEC_WORKER": "/nonexistent"], serves: true)
                == "missing: spec worker /nonexistent is not an executable file")
        #expect(
            located(nil, [:], serves: false) == """
                missing: this program cannot start its spec worker: call `SpecWorker.serveIfRequested()` as the first line \
                of its main (or set SNAPCHECK_SPEC_WORKER to a snapcheck executable)
                """)
    }

    @Test("A worker named in the environment is used when no path is given")
    func environmentNamesTheWorker() throws {
        let worker = try fakeWorker("exit 0")
        defer { try? FileManager.default.removeItem(atPath: worker.directory) }
        let result = try Command.run(
            SnapCheckBinary.url.path, ["Fixtures/specs/el7-rhev.spec", "--format", "json"],
            environment: ["SNAPCHECK_SPEC_WORKER": worker.path, "PATH": "/usr/bin:/bin"],
            directory: Fixtures.repositoryRoot.path)
        // The fake worker answers nothing: the spec is an input error that names the worker's failure.
        #expect(result.status == 2)
        #expect(result.output.contains("the spec worker answered 0 parses of 1"), "\(result.output)")
    }

    @Test("A worker named in the environment by bytes that are not UTF-8 is an error showing them, not another file")
    func environmentNameNotUTF8() throws {
        let result = try Command.run(
            "/bin/sh",
            [
                "-c", #"SNAPCHECK_SPEC_WORKER="$(printf '/nonexistent/w\377')" exec "$0" --no-remedy "$1""#,
                SnapCheckBinary.url.path, "Fixtures/specs/el7-rhev.spec",
            ], environment: ["PATH": "/usr/bin:/bin"], directory: Fixtures.repositoryRoot.path)
        #expect(result.status == 2)
        #expect(
            result.errorOutput.contains("SNAPCHECK_SPEC_WORKER is not valid UTF-8: /nonexistent/w\\xff"),
            "\(result.errorOutput)")
    }
}
