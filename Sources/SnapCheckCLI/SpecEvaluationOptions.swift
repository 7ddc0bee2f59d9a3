import ArgumentParser
import Foundation
import RPM
import SnapCheck

/// How spec files are evaluated: rpmbuild's `--define`, `--with`, `--without`, `--target`.
struct SpecEvaluationOptions: ParsableArguments {
    @Option(
        name: [.customShort("D"), .long],
        help: "Define a macro for spec evaluation: NAME=VALUE or 'NAME VALUE'. Repeatable.")
    var define: [String] = []

    @Option(help: "Enable a %bcond for spec evaluation, like rpmbuild --with. Repeatable.")
    var with: [String] = []

    @Option(help: "Disable a %bcond for spec evaluation, like rpmbuild --without. Repeatable.")
    var without: [String] = []

    @Option(help: "Evaluate spec files for this target arch, like rpmbuild --target.")
    var target: String?

    @Option(
        help: "Another directory to look for a spec's helper scripts in (besides the spec's own).",
        completion: .directory)
    var sources: String?

    @Flag(
        help:
            "Parse specs in-process with full rpm semantics: their %(...) shell and Lua run with your rights. Only for specs you trust."
    )
    var trustSpec = false

    func validate() throws {
        for d in define where Self.macro(d) == nil {
            throw ValidationError("--define '\(d)': expected NAME=VALUE or 'NAME VALUE'.")
        }
        if let target, !RPMArch.isKnown(target) {
            throw ValidationError(
                "--target '\(target)': not an arch rpm knows (x86_64, ppc64le, aarch64, s390x, i686, ...).")
        }
        var isDirectory: ObjCBool = false
        if let sources,
            !(FileManager.default.fileExists(atPath: sources, isDirectory: &isDirectory) && isDirectory.boolValue)
        {
            throw ValidationError("--sources '\(sources)': no such directory.")
        }
    }

    /// `NAME=VALUE` or `NAME VALUE`, as rpmbuild takes it.
    static func macro(_ text: String) -> SnapCheck.MacroDefinition? {
        guard let separator = text.firstIndex(where: { $0 == "=" || $0 == " " }) else { return nil }
        let name = text[..<separator]
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        return SnapCheck.MacroDefinition(name: String(name), value: String(text[text.index(after: separator)...]))
    }

    func apply(to options: inout AuditOptions) {
        options.defines = define.compactMap(Self.macro)
        options.with = with
        options.without = without
        options.targetArch = target
        options.sourcesDirectory = sources
        if trustSpec { options.specEvaluation = .inProcess }
    }
}
