// Test helpers: where the fixtures are, and building them on first use. Not API.
public import Foundation

public enum FixtureError: Error, CustomStringConvertible {
    case buildFailed(status: Int32, output: String)
    case missing(String)

    public var description: String {
        switch self {
        case .buildFailed(let status, let output):
            return "Fixtures/build-fixtures.sh exited \(status):\n\(output)"
        case .missing(let path):
            return "fixture not found: \(path)"
        }
    }
}

public enum Fixtures: Sendable {
    /// The repository's top directory, found from this file's own path.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    /// `Fixtures/` in the repository: fixture sources (specs, scripts, QMP captures).
    public static let sourceDirectory = repositoryRoot.appendingPathComponent("Fixtures")

    /// Where built fixtures go (`Fixtures/.out`, or `$SNAPCHECK_FIXTURES_OUT`).
    public static let outputDirectory: URL = {
        if let dir = ProcessInfo.processInfo.environment["SNAPCHECK_FIXTURES_OUT"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return sourceDirectory.appendingPathComponent(".out")
    }()

    /// Builds every fixture once per test process (the script itself skips
    /// what is up to date and serializes concurrent runs with a lock file).
    public static func built() throws -> URL {
        try buildOnce.get()
    }

    private static let buildOnce: Result<URL, any Error> = Result {
        try runBuildScript(arguments: ["--out", outputDirectory.path])
        return outputDirectory
    }

    /// Runs `Fixtures/build-fixtures.sh` with the given arguments.
    public static func runBuildScript(arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [sourceDirectory.appendingPathComponent("build-fixtures.sh").path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError.buildFailed(
                status: process.terminationStatus, output: String(decoding: output, as: UTF8.self))
        }
    }

    /// A built fixture by its path relative to the output directory,
    /// e.g. `builds/el7-rhev/x86_64/qemu-kvm-rhev-1.5.3-175.el7.x86_64.rpm`.
    public static func path(_ relative: String) throws -> String {
        let url = try built().appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FixtureError.missing(url.path)
        }
        return url.path
    }

    /// A fixture source file, e.g. `specs/el7-stock.spec` or `qmp/debian-7.2-session.jsonl`.
    public static func source(_ relative: String) -> String {
        sourceDirectory.appendingPathComponent(relative).path
    }
}
