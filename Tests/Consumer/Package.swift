// swift-tools-version: 6.0
// A program of someone else's that uses the SnapCheck library, as a consumer
// would: a path dependency, `import SnapCheck` only. Built and run by
// Tests/Packaging/run.sh (`make test`), not part of the main package.
import PackageDescription

let package = Package(
    name: "snapcheck-consumer",
    dependencies: [.package(name: "snapcheck", path: "../..")],
    targets: [
        // Calls `SpecWorker.serveIfRequested()` first, as documented: audits in the sandbox.
        .executableTarget(name: "AuditSRPM", dependencies: [.product(name: "SnapCheck", package: "snapcheck")]),
        // Leaves the line out: every spec must fail loudly, naming the line.
        .executableTarget(name: "ForgotTheLine", dependencies: [.product(name: "SnapCheck", package: "snapcheck")]),
        // The program of SnapCheck's article "Use snapcheck from your own tool" (the article shows this file):
        // audits, reads verdicts and evidence, switches on error kinds, writes and reads a JSON report.
        .executableTarget(name: "UseSnapCheck", dependencies: [.product(name: "SnapCheck", package: "snapcheck")]),
    ]
)
