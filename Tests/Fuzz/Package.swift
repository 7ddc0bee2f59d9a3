// swift-tools-version: 6.0
// libFuzzer targets over snapcheck's parsers. A separate package, so the main build
// never needs `-sanitize=fuzzer`. Build and run with `Tests/Fuzz/run.sh [SECONDS]`.
import PackageDescription

let targets = [
    "FuzzQMPCapture", "FuzzExecutableStrings", "FuzzConfigureCalls", "FuzzHelperScript",
    "FuzzSpecNeutralize", "FuzzBaseline", "FuzzRPMPackage", "FuzzPolicyFile",
]

let package = Package(
    name: "snapcheck-fuzz",
    dependencies: [.package(name: "snapcheck", path: "../..")],
    targets: [.target(name: "FuzzSupport")]
        + targets.map { name in
            .executableTarget(
                name: name,
                dependencies: [
                    "FuzzSupport",
                    .product(name: "SnapCheck", package: "snapcheck"),
                    .product(name: "RPM", package: "snapcheck"),
                ]
            )
        }
)
