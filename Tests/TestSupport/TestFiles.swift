// Scratch files and directories of tests. Not API.
import Foundation

/// A path under the system temp directory that nothing is at yet,
/// `snapcheck-<label>-<pid>-<UUID>`: unique per test, so parallel tests never share one.
public func temporaryPath(_ label: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("snapcheck-\(label)-\(getpid())-\(UUID().uuidString)")
        .path
}

/// A new, empty directory at `temporaryPath(label)`; the caller removes it (or uses `Scratch`).
public func temporaryDirectory(_ label: String) throws -> String {
    let path = temporaryPath(label)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A scratch directory of one test, removed with everything in it when the
/// value goes (even when a test made it read-only or sticky).
public final class Scratch {
    public let path: String

    public init(_ label: String) throws {
        path = try temporaryDirectory(label)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    public func file(_ name: String) -> String { path + "/" + name }

    /// Every entry, hidden ones included, sorted: a leftover temp file shows up here.
    public var entries: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }
}

public enum TestFiles: Sendable {
    /// Writes an executable file through a close-on-exec descriptor. Tests run
    /// in parallel: a process another test spawns meanwhile must not inherit
    /// the write descriptor, or executing this file fails with ETXTBSY.
    public static func writeExecutable(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        fchmod(fd, 0o755)
    }

    /// Copies an executable file the same way.
    public static func copyExecutable(from source: String, to target: String) throws {
        try writeExecutable(Array(try Data(contentsOf: URL(fileURLWithPath: source))), to: target)
    }
}
