import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Debian's emulator, installed by `.ci/install-deps` (qemu-system-x86).
let debianQEMU = "/usr/bin/qemu-system-x86_64"

/// A fresh directory under the system temp directory, removed by the caller.
func makeTemporaryDirectory(_ label: String) throws -> String {
    let path = NSTemporaryDirectory() + "snapcheck-\(label)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A private copy of `Fixtures/qmp-fakes` (the silent fake writes pid files next to itself).
func copyOfFakes() throws -> String {
    let dir = try makeTemporaryDirectory("fakes")
    let source = Fixtures.source("qmp-fakes")
    for name in try FileManager.default.contentsOfDirectory(atPath: source) {
        let target = dir + "/" + name
        try TestFiles.copyExecutable(from: source + "/" + name, to: target)
    }
    return dir
}

/// Processes still alive (not zombies) in process group `group`, read from /proc.
func livingMembers(ofGroup group: pid_t) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { name -> pid_t? in
        guard let pid = pid_t(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // After "comm)": state ppid pgrp ...
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 2, fields[0] != "Z", pid_t(fields[2]) == group else { return nil }
        return pid
    }
}

/// Whether a process is gone or only a zombie awaiting its (new) parent.
func isGoneOrZombie(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")")
    else { return true }
    return stat[stat.index(after: close)...].split(separator: " ").first == "Z"
}

/// Runs a program and returns its stdout; throws when it fails.
@discardableResult
func runTool(_ program: String, _ arguments: [String]) throws -> String {
    let result = try Command.run(program, arguments)
    guard result.status == 0 else {
        throw FixtureError.buildFailed(status: result.status, output: "\(program) \(arguments.joined(separator: " ")): \(result.errorOutput)")
    }
    return result.output
}
