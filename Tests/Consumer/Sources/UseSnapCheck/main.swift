import Foundation
import SnapCheck

// The first statement of main: when SnapCheck's sandbox starts this program
// again as its spec worker, the call serves one spec and exits.
SpecWorker.serveIfRequested()

let arguments = Array(CommandLine.arguments.dropFirst())

if arguments.first == "--read-report", arguments.count == 2 {
    // Last night's `snapcheck --format json` report, read with the library's own types.
    let data = try Data(contentsOf: URL(fileURLWithPath: arguments[1]))
    let lastNight = try JSONDecoder().decode(AuditResult.self, from: data)
    for build in lastNight.builds {
        print("last night: \(build.displayName) \(build.arch ?? "-") \(build.verdict)")
    }
    exit(0)
}

// Audit the files and directories named, expecting live snapshots enabled.
var options = AuditOptions()
options.expectation = .enabled
options.defines = [MacroDefinition(name: "dist", value: ".el7")]
let result = Auditor(options: options).audit(arguments)

for build in result.builds {
    print("\(build.displayName) \(build.arch ?? "-") \(build.verdict)")
    for evidence in build.evidence where evidence.role == .deciding {
        // Each piece of evidence names its rule: an id, a layer and what it concludes.
        print("  \(evidence.rule.id) (\(evidence.rule.layer)): \(evidence.observed)")
    }
    if build.evidence.contains(where: { $0.rule == Rules.nameContradicts }) {
        print("  the package name says otherwise")
    }
}

for error in result.errors {
    switch error.kind {
    case .missing: print("missing: \(error.input)")
    case .corrupt, .tooLarge: print("damaged: \(error.input): \(error.message)")
    case .notQEMU: print("not a QEMU build: \(error.input)")
    default: print("error (\(error.kind)): \(error)")
    }
}

// Any report format snapcheck writes, as bytes.
let report = ReportFormat.json.renderer().render(result)
try Data(report).write(to: URL(fileURLWithPath: "snapcheck.json"))
