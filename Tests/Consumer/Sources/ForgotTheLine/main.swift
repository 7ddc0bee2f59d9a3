import SnapCheck

// No `SpecWorker.serveIfRequested()` here: specs cannot be evaluated, and say why.
let result = Auditor().audit(Array(CommandLine.arguments.dropFirst()))
for build in result.builds { print("\(build.displayName) \(build.verdict)") }
for error in result.errors { print("error (\(error.kind)): \(error)") }
