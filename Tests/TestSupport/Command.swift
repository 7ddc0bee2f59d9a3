// Running the built `snapcheck` executable from tests. Not API.
public import Foundation

/// What a finished command printed and returned.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: [UInt8]
    public var stderr: [UInt8]

    public var output: String { String(decoding: stdout, as: UTF8.self) }
    public var errorOutput: String { String(decoding: stderr, as: UTF8.self) }
}

public enum SnapCheckBinary: Sendable {
    /// The `snapcheck` built next to the running test bundle (same scratch path and configuration).
    public static let url: URL = {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("snapcheck")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return Fixtures.repositoryRoot.appendingPathComponent(".build/debug/snapcheck")
    }()

    /// Runs snapcheck with `arguments`, an optional environment and working directory.
    public static func run(_ arguments: [String], environment: [String: String]? = nil, directory: String? = nil) throws
        -> CommandResult
    {
        try Command.run(url.path, arguments, environment: environment, directory: directory)
    }
}

public enum Command: Sendable {
    /// Runs a program to completion, collecting both output streams.
    public static func run(
        _ program: String, _ arguments: [String], environment: [String: String]? = nil,
        directory: String? = nil, stdin: [UInt8]? = nil
    ) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin)) }
        try? input.fileHandleForWriting.close()
        // Read both pipes concurrently so neither fills up and blocks the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: Array(outData), stderr: Array(errData))
    }

    /// Runs a program to completion and returns its stdout; throws, naming the
    /// command line, its status and its stderr, when it does not exit 0.
    @discardableResult
    public static func output(_ program: String, _ arguments: [String]) throws -> String {
        let result = try run(program, arguments)
        guard result.status == 0 else {
            throw ProgramFailure(
                description:
                    "\(program) \(arguments.joined(separator: " ")) exited \(result.status): \(result.errorOutput)")
        }
        return result.output
    }
}

/// A program run by `Command.output` that did not exit 0.
public struct ProgramFailure: Error, CustomStringConvertible {
    public var description: String
}
