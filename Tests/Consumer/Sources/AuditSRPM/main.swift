import SnapCheck

SpecWorker.serveIfRequested()

// Prints one line per build (name, arch, verdict, deciding rules), then one per error.
let result = Auditor().audit(Array(CommandLine.arguments.dropFirst()))
for build in result.builds {
    let rules = Set(build.evidence.filter { $0.role == .deciding }.map(\.rule.id)).sorted()
    print("\(build.displayName) \(build.arch ?? "-") \(build.verdict) \(rules.joined(separator: ","))")
}
for error in result.errors { print("error: \(error)") }
