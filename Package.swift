// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "snapcheck",
    products: [
        .library(name: "SnapCheck", targets: ["SnapCheck"]),
        .library(name: "RPM", targets: ["RPM"]),
        .library(name: "Repodata", targets: ["Repodata"]),
        .library(name: "SnapCheckRepository", targets: ["SnapCheckRepository"]),
        .executable(name: "snapcheck", targets: ["SnapCheckCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The policy file (snapcheck.yaml): libyaml's parser, with the line of every node.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // `swift package generate-documentation --target SnapCheck` (`make docs`): a plugin, linked by nobody.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // librpm and librpmbuild, seen through a module map. Only `RPM` imports it.
        .systemLibrary(
            name: "CRPM",
            pkgConfig: "rpm",
            providers: [.apt(["librpm-dev"]), .yum(["rpm-devel"])]
        ),
        // libseccomp, seen through a module map, plus syscalls Swift's Glibc hides. Only `WorkerConfinement` imports it.
        .systemLibrary(
            name: "CSeccomp",
            pkgConfig: "libseccomp",
            providers: [.apt(["libseccomp-dev"]), .yum(["libseccomp-devel"])]
        ),
        // The process tree walk and child registry (async-signal-safe C) and the spawn calls Swift's Glibc hides.
        // Only `SnapCheck` imports it.
        .target(name: "CProcessTree"),
        // libcreaterepo_c (yum repository metadata), seen through a module map. Only `Repodata` imports it.
        // Its headers only: the library is loaded with dlopen when --repo needs it (shim.h says
        // why), so pkg-config is asked for GLib, whose headers createrepo_c's include, not for
        // createrepo_c, whose link flags would add libcurl and sqlite to every start of snapcheck.
        .systemLibrary(
            name: "CCreaterepo",
            pkgConfig: "glib-2.0",
            providers: [.apt(["libcreaterepo-c-dev"]), .yum(["createrepo_c-devel"])]
        ),
        // Swift values over librpm: package files, payload streams, spec parses, the rpmdb.
        .target(name: "RPM", dependencies: ["CRPM"]),
        // What the spec worker does to itself before it parses: rlimits, privilege drop, seccomp, rpm's Lua lock-down.
        .target(name: "WorkerConfinement", dependencies: ["RPM", "CSeccomp"]),
        // The domain: inputs, eras, rules, builds, verdicts, evidence, reports; the spec worker mode. Swift only.
        .target(name: "SnapCheck", dependencies: ["RPM", "WorkerConfinement", "CProcessTree", .product(name: "Yams", package: "Yams")]),
        // Swift values over libcreaterepo_c: repomd.xml records, primary.xml packages, filelists.xml file lists.
        .target(name: "Repodata", dependencies: ["CCreaterepo"]),
        // Auditing a yum repository from its metadata (`--repo`); a library of its own so that
        // `SnapCheck` users do not need libcreaterepo_c.
        .target(name: "SnapCheckRepository", dependencies: ["SnapCheck", "Repodata"]),
        // The `snapcheck` command: argument parsing and exit codes over `SnapCheck`.
        .executableTarget(
            name: "SnapCheckCLI",
            dependencies: [
                "SnapCheck",
                "SnapCheckRepository",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Test helpers (fixture location and building). Not API.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "RepodataTests", dependencies: ["Repodata", "RPM", "TestSupport"]),
        .testTarget(name: "RPMTests", dependencies: ["RPM", "TestSupport"]),
        .testTarget(name: "SnapCheckTests", dependencies: ["SnapCheck", "SnapCheckRepository", "Repodata", "RPM", "WorkerConfinement", "TestSupport"]),
        .testTarget(name: "SnapCheckCLITests", dependencies: ["TestSupport", "SnapCheckCLI"], exclude: ["Golden"]),
    ]
)

// Strict settings for every Swift target, sources and tests alike (as swift-log does).
// Explicit Sendable is not a setting here: its flag is unsafe, and an unsafe flag would keep other
// packages from depending on this one; `make lint` builds with it instead.
for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.swiftLanguageMode(.v6))
    // SE-0335: `any` on every existential.
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    // SE-0444: a file sees the members of a module only if it imports that module itself.
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    // SE-0409: `import X` is internal; a file whose public API shows X's types says `public import X`.
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
