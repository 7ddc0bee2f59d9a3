import Foundation
import RPM
import TestSupport
import Testing
import WorkerConfinement

@_spi(Fuzzing) @testable import SnapCheck

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Sandboxed spec evaluation: rpm's own Lua macros work, the spec's Lua stays locked down")
struct WorkerLuaTests {
    let sandbox = SandboxedSpecEvaluator.forTests()

    /// Specs that apply patches with `%autosetup` / `%autopatch` (Fixtures/autopatch).
    static let autopatchSpecs = ["el8-autopatch", "el9-autosetup", "fedora-autosetup-ranges"]

    /// A spec with nothing but what rpm requires; `version` may be a macro.
    static func minimalSpec(version: String) -> [UInt8] {
        Array("Name: x\nVersion: \(version)\nRelease: 1\nSummary: s\nLicense: MIT\n%description\nd\n".utf8)
    }

    @Test(
        "A spec applying its patches with %autosetup or %autopatch parses in the worker to what in-process gives",
        arguments: autopatchSpecs, [true, false])
    func autopatchParsesAsInProcess(_ name: String, patchesFound: Bool) throws {
        let path = Fixtures.source("autopatch/\(name).spec")
        // The text rpm sees in an audit.
        let text = SpecSource.trimmedForParse(
            SpecSource(text: try String(contentsOfFile: path, encoding: .utf8)).neutralized().text)
        var options = comparisonOptions
        options.sourceDirectory = patchesFound ? Fixtures.source("autopatch") : "/nonexistent/snapcheck-sources"
        let inProcess = try InProcessSpecEvaluator().parse(
            contents: Array(text.utf8), displayName: path, options: options)
        let sandboxed = try sandbox.parse(contents: Array(text.utf8), displayName: path, options: options)
        #expect(sandboxed == inProcess, "differs in: \(SandboxedSpecEvaluatorTests.differences(inProcess, sandboxed))")
        // %__apply_patch's posix.access found the patches, or did not.
        let prep = try #require(sandboxed.prep)
        for patch in ["0001-fixture-change-1.patch", "0002-fixture-change-2.patch", "0003-fixture-change-3.patch"] {
            #expect(
                prep.contains(
                    patchesFound
                        ? "\(options.sourceDirectory!)/\(patch)" : "Cannot read \(options.sourceDirectory!)/\(patch)"))
        }
    }

    @Test(
        "Auditing a spec that uses %autosetup or %autopatch gives the in-process verdict",
        arguments: ["el8-autopatch", "fedora-autosetup-ranges"])
    func autopatchAudits(_ name: String) throws {
        let spec = Fixtures.source("autopatch/\(name).spec")
        let sandboxed = audit([spec])
        let inProcess = audit([spec]) { $0.specEvaluation = .custom(InProcessSpecEvaluator()) }
        #expect(sandboxed.errors.isEmpty, "\(sandboxed.errors)")
        #expect(sandboxed.builds.map(\.verdict) == [.enabled])
        #expect(sandboxed.builds.map(\.verdict) == inProcess.builds.map(\.verdict))
    }

    @Test(
        "The worker's Lua looks like rpm's (debug, string.dump, every posix function are there, as stand-ins), and posix.access answers for the spec's own sources"
    )
    func luaEnvironment() throws {
        let sources = try Scratch("lua-access")
        try Data("patch\n".utf8).write(to: URL(fileURLWithPath: sources.file("a.patch")))
        let probe =
            #"%{lua: local keys = {} for k in pairs(posix) do keys[#keys + 1] = k end table.sort(keys) print(type(debug) .. "/" .. type(string.dump) .. "/" .. type(package.loaded.debug) .. "/" .. type(io.popen) .. "/" .. tostring(getmetatable(print)) .. "/" .. table.concat(keys, ","))}"#
        let access =
            #"%{lua: local d = rpm.expand("%{_sourcedir}") print(tostring(posix.access(d .. "/a.patch", "r")) .. "/" .. tostring(posix.access(d .. "/a.patch")) .. "/" .. tostring(posix.access(d .. "/none", "r")))}"#
        let options = SpecOptions(sourceDirectory: sources.path, expressions: [probe, access])
        let parsed = try sandbox.parse(
            contents: Self.minimalSpec(version: "1"), displayName: "lua.spec", options: options)
        let trusted = try InProcessSpecEvaluator().parse(
            contents: Self.minimalSpec(version: "1"), displayName: "lua.spec", options: options)
        // What the spec can look at without calling anything is what in-process rpm shows.
        #expect(parsed.expansions[probe]?.hasPrefix("table/function/table/function/nil/access,") == true)
        #expect(parsed.expansions[probe] == trusted.expansions[probe])
        // rpm's own posix.access answers (a number, 0.0), as in-process.
        #expect(parsed.expansions[access] == "0.0/0.0/nil")
        #expect(parsed.expansions[access] == trusted.expansions[access])
    }

    @Test(
        "A spec that moves %_sourcedir, or a link in the sources that leads out, reads no host file",
        arguments: [
            "%define _sourcedir /etc", "%global _sourcedir /", "%undefine _sourcedir\n%define _sourcedir /etc", "",
        ])
    func sourcesCannotBeMoved(_ redefinition: String) throws {
        let sources = try Scratch("lua-sources")
        try Data("patch\n".utf8).write(to: URL(fileURLWithPath: sources.file("a.patch")))
        try FileManager.default.createSymbolicLink(atPath: sources.file("passwd"), withDestinationPath: "/etc/passwd")
        try FileManager.default.createSymbolicLink(atPath: sources.file("etc"), withDestinationPath: "/etc")
        // With the redefinition, /etc/passwd looks inside the sources; without it, the links do.
        let path = redefinition.isEmpty ? #"rpm.expand("%{_sourcedir}") .. "/passwd""# : #""/etc/passwd""#
        let spec = """
            Name: x
            Version: 1
            Release: 1
            Summary: s
            License: MIT
            \(redefinition)
            %{lua: local f = io.open(\(path), "r") if f then f:close() end}
            %{lua: io.open(rpm.expand("%{_sourcedir}") .. "/etc/passwd", "r")}
            %description
            d
            """
        let error = #expect(throws: RPMError.self) {
            try sandbox.parse(
                contents: Array(spec.utf8), displayName: "moved.spec",
                options: SpecOptions(sourceDirectory: sources.path))
        }
        #expect(
            error?.message.contains("which the sandbox refuses") == true,
            "\(String(describing: error))")
        // The spec's own file is still read.
        let own =
            #"%{lua: local f = io.open(rpm.expand("%{_sourcedir}") .. "/a.patch", "r") print(f:read("l")) f:close()}"#
        let parsed = try sandbox.parse(
            contents: Self.minimalSpec(version: "1"), displayName: "own.spec",
            options: SpecOptions(sourceDirectory: sources.path, expressions: [own]))
        #expect(parsed.expansions[own] == "patch")
    }

    @Test("A macro the worker sets without a shell leaves nothing behind a spec's %undefine, as in rpm")
    func undefineLeavesNothing() throws {
        let spec = Array(
            "Name: x\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n%undefine _smp_build_ncpus\n%description\nd\n"
                .utf8)
        let options = SpecOptions(expressions: ["[%{?_smp_build_ncpus}]"])
        let sandboxed = try sandbox.parse(contents: spec, displayName: "undefine.spec", options: options)
        let inProcess = try InProcessSpecEvaluator().parse(
            contents: spec, displayName: "undefine.spec", options: options)
        #expect(sandboxed.expansions["[%{?_smp_build_ncpus}]"] == "[]")
        #expect(sandboxed.expansions == inProcess.expansions)
    }

    @Test("Text chunks still load in the worker, and the environment argument of load still works")
    func textChunksLoad() throws {
        let version = #"%{lua: print(load("return 6 * 7")() .. "." .. load("return x", "c", "t", {x = 5})())}"#
        let parsed = try sandbox.parse(
            contents: Self.minimalSpec(version: version), displayName: "load.spec", options: SpecOptions())
        #expect(parsed.sourcePackage.version == "42.5")
    }

    @Test("A confined process cannot make or connect sockets, nor push input into a terminal")
    func confinedSystemCalls() async {
        await #expect(processExitsWith: .exitCode(0)) {
            // Made before the confinement, as an inherited descriptor would be.
            let inherited = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            let null = open("/dev/null", O_RDONLY)
            guard inherited >= 0, null >= 0 else { _exit(100) }
            do {
                try Confinement.apply(cpuSeconds: 10, memoryBytes: 1 << 40, parent: getppid())
            } catch {
                _exit(101)
            }
            func denied(_ result: Int32) -> Bool { result == -1 && errno == EPERM }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(9).bigEndian
            address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(inherited, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            var pair: [Int32] = [-1, -1]
            var character: CChar = 0x41
            // Without the filter these give ENOTTY (/dev/null is no terminal); the kernel reads only the low 32 bits.
            let checks = [
                denied(socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)),
                denied(socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)),
                denied(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair)),
                denied(connected),
                denied(ioctl(null, UInt(0x5412), &character)),  // TIOCSTI
                denied(ioctl(null, UInt(0xFFFF_FFFF_0000_5412), &character)),  // TIOCSTI with high bits set
                denied(ioctl(null, UInt(0x541C), &character)),  // TIOCLINUX
            ]
            // Each failed check is one bit of the exit status.
            _exit(Int32(checks.enumerated().reduce(0) { $0 | ($1.element ? 0 : 1 << $1.offset) }))
        }
    }
}
