import Foundation
import RPM
import TestSupport
import Testing

@_spi(Fuzzing) @testable import SnapCheck

/// A spec that sets, for x86_64 only, a macro and a Lua global a later parse
/// would see if rpm's state carried over; its ppc64le and s390x builds differ
/// from the x86_64 one in what they configure.
private let perArchSpec = """
    Name: qemu-kvm-rhev
    Version: 2.12.0
    Release: 1
    Summary: warm worker test
    License: GPLv2
    %ifarch x86_64
    %global leaked_macro from-x86_64
    %{lua: LEAKED_GLOBAL = "from-x86_64"}
    %global live_arg --enable-live-block-ops
    %else
    %global live_arg --disable-live-block-ops
    %endif
    %description
    test
    %build
    ./configure %{live_arg}
    """

private func options(_ arch: String) -> SpecOptions {
    var options = comparisonOptions
    options.targetArch = arch
    options.macrosToRead.append("leaked_macro")
    options.expressions.append("%{lua: print(LEAKED_GLOBAL or 'none')}")
    return options
}

@Suite("One sandboxed worker evaluating one spec for several arches")
struct WarmWorkerTests {
    let sandbox = SandboxedSpecEvaluator.forTests(timeout: .seconds(10), cpuSeconds: 4)
    let arches = ["x86_64", "ppc64le", "s390x"]

    @Test("each arch's parse in one worker equals that arch parsed in a worker of its own")
    func warmParsesEqualFreshOnes() throws {
        let bytes = Array(perArchSpec.utf8)
        let warm = sandbox.parse(contents: bytes, displayName: "warm.spec", each: arches.map(options))
        #expect(warm.count == arches.count)
        for (arch, result) in zip(arches, warm) {
            let fresh = try sandbox.parse(contents: bytes, displayName: "warm.spec", options: options(arch))
            #expect(try result.get() == fresh, "\(arch)")
        }
        let builds = try warm.map { try #require($0.get().build) }
        #expect(builds[0].contains("--enable-live-block-ops"))
        #expect(builds[1].contains("--disable-live-block-ops") && builds[2].contains("--disable-live-block-ops"))
    }

    @Test("a macro and a Lua global one arch's parse sets are gone in the next arch's parse")
    func nothingCarriesOverBetweenArches() throws {
        let warm = sandbox.parse(contents: Array(perArchSpec.utf8), displayName: "warm.spec", each: arches.map(options))
        let parsed = try warm.map { try $0.get() }
        #expect(parsed[0].macros["leaked_macro"] == "from-x86_64")
        #expect(parsed[0].expansions["%{lua: print(LEAKED_GLOBAL or 'none')}"] == "from-x86_64")
        for later in parsed.dropFirst() {
            #expect(later.macros["leaked_macro"] == nil)
            #expect(later.expansions["%{lua: print(LEAKED_GLOBAL or 'none')}"] == "none")
        }
    }

    @Test("an arch whose parse fails fails alone; the others are parsed")
    func oneArchFailing() throws {
        let spec = perArchSpec.replacingOccurrences(
            of: "%description", with: "%ifarch ppc64le\n%{error:no ppc64le build}\n%endif\n%description")
        let warm = sandbox.parse(contents: Array(spec.utf8), displayName: "failing.spec", each: arches.map(options))
        #expect(try warm[0].get().sourcePackage.name == "qemu-kvm-rhev")
        #expect(throws: RPMError.self) { try warm[1].get() }
        #expect(try warm[2].get().sourcePackage.name == "qemu-kvm-rhev")
    }

    @Test("a worker killed while parsing one arch costs the others nothing: each arch is parsed again on its own")
    func workerKilledOnOneArch() throws {
        // Endless Lua on ppc64le only: the shared worker hits its CPU limit (SIGXCPU).
        let spec = perArchSpec.replacingOccurrences(
            of: "%description", with: "%ifarch ppc64le\n%{lua: while true do end}\n%endif\n%description")
        let sandbox = SandboxedSpecEvaluator.forTests(timeout: .seconds(20), cpuSeconds: 1)
        let warm = sandbox.parse(contents: Array(spec.utf8), displayName: "endless.spec", each: arches.map(options))
        #expect(try warm[0].get().build?.contains("--enable-live-block-ops") == true)
        let error = #expect(throws: RPMError.self) { try warm[1].get() }
        #expect(error?.kind == .specWorker)
        #expect(try warm[2].get().build?.contains("--disable-live-block-ops") == true)
    }
}

@Suite("A warm worker that fails keeps what it answered")
struct WarmWorkerRetryTests {
    @Test("the arches a killed worker answered are kept; only the arch it died on and those after it are parsed again")
    func answeredArchesAreNotParsedAgain() throws {
        let directory = try temporaryDirectory("retry-worker")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The real worker, behind a tee that keeps every request it is sent.
        let worker = directory + "/worker"
        try TestFiles.writeExecutable(
            Array(
                """
                #!/bin/sh
                tee "\(directory)/request.$$" | "\(SnapCheckBinary.url.path)" \(SpecWorkerChannel.marker)

                """.utf8), to: worker)
        let spec = perArchSpec.replacingOccurrences(
            of: "%description", with: "%ifarch ppc64le\n%{lua: while true do end}\n%endif\n%description")
        let sandbox = SandboxedSpecEvaluator(workerPath: worker, timeout: .seconds(20), cpuSeconds: 1)
        let arches = ["x86_64", "ppc64le", "s390x"]
        let warm = sandbox.parse(contents: Array(spec.utf8), displayName: "endless.spec", each: arches.map(options))
        #expect(try warm[0].get().build?.contains("--enable-live-block-ops") == true)
        #expect(throws: RPMError.self) { try warm[1].get() }
        #expect(try warm[2].get().build?.contains("--disable-live-block-ops") == true)

        let requests = try FileManager.default.contentsOfDirectory(atPath: directory).filter {
            $0.hasPrefix("request.")
        }.map { name -> [String] in
            let bytes = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
            let line = bytes.prefix { $0 != 0x0A }
            return try JSONDecoder().decode(SpecWorkerRequest.self, from: line).parses.map { $0.targetArch ?? "" }
        }
        #expect(
            requests.sorted { $0.count > $1.count || ($0.count == $1.count && $0.lexicographicallyPrecedes($1)) } == [
                arches, ["ppc64le"], ["s390x"],
            ])
    }
}
