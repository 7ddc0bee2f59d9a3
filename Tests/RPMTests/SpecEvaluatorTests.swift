import Foundation
import RPM
import TestSupport
import Testing

@Suite("Spec evaluation")
struct SpecEvaluatorTests {
    let evaluator = InProcessSpecEvaluator()

    private func spec(_ name: String) -> String { Fixtures.source("specs/\(name).spec") }

    @Test("el7-stock parses with rhev 0 and the stock package names")
    func el7Stock() throws {
        let parsed = try evaluator.parse(
            path: spec("el7-stock"), options: SpecOptions(macrosToRead: ["rhev", "undefined_macro_xyz"]))
        #expect(parsed.macros == ["rhev": "0"])
        #expect(parsed.sourcePackage.name == "qemu-kvm")
        #expect(parsed.sourcePackage.epoch == 10)
        #expect(parsed.sourcePackage.version == "1.5.3")
        #expect(parsed.sourcePackage.release == "175.el7")
        #expect(parsed.sourcePackage.isSource)
        #expect(parsed.packages.first?.name == "qemu-kvm")
        #expect(parsed.packages.allSatisfy { !$0.isSource && !$0.name.hasSuffix("-rhev") })
        #expect(parsed.build?.isEmpty == false)
    }

    @Test("el7-rhev parses with rhev 1 and -rhev package names")
    func el7Rhev() throws {
        let parsed = try evaluator.parse(path: spec("el7-rhev"), options: SpecOptions(macrosToRead: ["rhev"]))
        #expect(parsed.macros["rhev"] == "1")
        #expect(parsed.sourcePackage.name == "qemu-kvm-rhev")
        #expect(parsed.packages.first?.name == "qemu-kvm-rhev")
        #expect(parsed.packages.first?.epoch == 10)
        #expect(parsed.packages.allSatisfy { $0.name.hasSuffix("-rhev") })
    }

    @Test("--with flips a bcond; the default is off")
    func bcondWith() throws {
        let off = try evaluator.parse(
            path: spec("el6-stock"), options: SpecOptions(expressions: ["%{with rhev_features}"]))
        let on = try evaluator.parse(
            path: spec("el6-stock"),
            options: SpecOptions(with: ["rhev_features"], expressions: ["%{with rhev_features}"]))
        let offAgain = try evaluator.parse(
            path: spec("el6-stock"), options: SpecOptions(expressions: ["%{with rhev_features}"]))
        #expect(off.expansions["%{with rhev_features}"] == "0")
        #expect(on.expansions["%{with rhev_features}"] == "1")
        #expect(offAgain == off)
        #expect(on.build != off.build)
    }

    @Test("--define sets an overridable macro, and an in-spec %define still wins")
    func defines() throws {
        let text = """
            %{!?flavor:%global flavor plain}
            %define fixed 0
            Name: probe-%{flavor}
            Version: 1
            Release: 1
            Summary: s
            License: MIT
            %description
            d
            %build
            echo %{flavor} %{fixed}
            %files
            """
        let options = SpecOptions(
            defines: [MacroDefinition(name: "flavor", value: "rich"), MacroDefinition(name: "fixed", value: "1")],
            macrosToRead: ["flavor", "fixed"])
        let defined = try evaluator.parse(contents: Array(text.utf8), displayName: "probe.spec", options: options)
        #expect(defined.sourcePackage.name == "probe-rich")
        #expect(defined.macros == ["flavor": "rich", "fixed": "0"])
        let plain = try evaluator.parse(
            contents: Array(text.utf8), displayName: "probe.spec", options: SpecOptions(macrosToRead: ["flavor"]))
        #expect(plain.sourcePackage.name == "probe-plain")
        #expect(plain.build?.contains("echo plain 0") == true)
    }

    @Test("--target changes the target arch for the parse only")
    func target() throws {
        let ppc = try evaluator.parse(
            path: spec("el6-stock"), options: SpecOptions(targetArch: "ppc64le", expressions: ["%{_target_cpu}"]))
        let host = try evaluator.parse(path: spec("el6-stock"), options: SpecOptions(expressions: ["%{_target_cpu}"]))
        #expect(ppc.expansions["%{_target_cpu}"] == "ppc64le")
        #expect(host.expansions["%{_target_cpu}"] != "ppc64le")
    }

    @Test("Macros a spec defines do not leak into the next parse")
    func noLeak() throws {
        let leaky =
            "%global leak_probe 42\nName: a\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n%description\nd\n%files\n"
        let first = try evaluator.parse(
            contents: Array(leaky.utf8), displayName: "leaky.spec", options: SpecOptions(macrosToRead: ["leak_probe"]))
        #expect(first.macros["leak_probe"] == "42")
        let next = try evaluator.parse(path: spec("el7-stock"), options: SpecOptions(macrosToRead: ["leak_probe"]))
        #expect(next.macros["leak_probe"] == nil)
    }

    @Test("A spec path with % in it is not macro-expanded")
    func percentInSpecPath() throws {
        let dir = URL(fileURLWithPath: try temporaryDirectory("spec %{_arch}"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("el6%%.spec").path
        try FileManager.default.copyItem(atPath: spec("el6-stock"), toPath: copy)
        let parsed = try evaluator.parse(
            path: copy, options: SpecOptions(with: ["rhev_features"], expressions: ["%{with rhev_features}"]))
        #expect(parsed.expansions["%{with rhev_features}"] == "1")
        #expect(
            parsed
                == (try evaluator.parse(
                    path: spec("el6-stock"),
                    options: SpecOptions(with: ["rhev_features"], expressions: ["%{with rhev_features}"]))))
    }

    @Test("The spec inside a source package parses through a memfd like the file does")
    func specFromSourcePackage() throws {
        let srpm = try PackageFile(path: try #require(try RPMFixtures.rpms(in: "builds/el7-rhev/src").first))
        let specPath = try #require(srpm.header.files.first { $0.path.hasSuffix(".spec") }?.path)
        let bytes = try #require(try srpm.readFiles([specPath])[specPath])
        let parsed = try evaluator.parse(
            contents: bytes, displayName: "\(srpm.path):\(specPath)", options: SpecOptions(macrosToRead: ["rhev"]))
        #expect(parsed.sourcePackage.name == srpm.header.name)
        #expect(parsed.sourcePackage.version == srpm.header.version)
        #expect(parsed.sourcePackage.release == srpm.header.release)
    }

    @Test("Parse errors are .specParse and name the spec")
    func errors() throws {
        let bad = #expect(throws: RPMError.self) {
            _ = try evaluator.parse(
                contents: Array("Name: x\n%if\n".utf8), displayName: "broken.spec", options: SpecOptions())
        }
        #expect(bad?.kind == .specParse)
        #expect(bad?.description.contains("broken.spec") == true)
        #expect(bad?.message.contains("/proc/self/fd") == false)

        let missing = "/nonexistent/\(UUID().uuidString).spec"
        let notFound = #expect(throws: RPMError.self) { _ = try evaluator.parse(path: missing, options: SpecOptions()) }
        #expect(notFound?.kind == .notFound)
        #expect(notFound?.description.contains(missing) == true)

        // After a failure the next parse is still clean.
        #expect(
            try evaluator.parse(path: spec("el7-stock"), options: SpecOptions(macrosToRead: ["rhev"])).macros["rhev"]
                == "0")
    }

    @Test("Two specs parsed alternately and concurrently give independent results")
    func concurrentParses() async throws {
        let options = SpecOptions(macrosToRead: ["rhev"], expressions: ["%{?rhev}"])
        let stock = try evaluator.parse(path: spec("el7-stock"), options: options)
        let rhev = try evaluator.parse(path: spec("el7-rhev"), options: options)
        #expect(stock != rhev)
        // Alternating, one after another.
        for _ in 0..<3 {
            #expect(try evaluator.parse(path: spec("el7-rhev"), options: options) == rhev)
            #expect(try evaluator.parse(path: spec("el7-stock"), options: options) == stock)
        }
        // 8 tasks x 20 parses, with header reads running alongside.
        let rpm = try RPMFixtures.binary("gzip")
        let header = try PackageFile(path: rpm).header
        let evaluator = evaluator
        let stockPath = spec("el7-stock")
        let rhevPath = spec("el7-rhev")
        try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var wrong = 0
                    for i in 0..<20 {
                        let useRhev = (task + i) % 2 == 0
                        let parsed = try evaluator.parse(path: useRhev ? rhevPath : stockPath, options: options)
                        if parsed != (useRhev ? rhev : stock) { wrong += 1 }
                        if try PackageFile(path: rpm).header != header { wrong += 1 }
                    }
                    return wrong
                }
            }
            for try await wrong in group { #expect(wrong == 0) }
        }
    }
}
