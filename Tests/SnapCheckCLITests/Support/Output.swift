// Helpers of the output-safety tests: file-system state, devices, background runs, a waiting emulator. Not API.
import Foundation
import TestSupport
import Testing

/// What `lstat` says is at `path`: "regular", "directory", "link", "fifo", "char 1,3", ..., or "missing".
func nodeType(_ path: String) -> String {
    var info = stat()
    guard lstat(path, &info) == 0 else { return "missing" }
    switch info.st_mode & S_IFMT {
    case S_IFREG: return "regular"
    case S_IFDIR: return "directory"
    case S_IFLNK: return "link"
    case S_IFIFO: return "fifo"
    case S_IFCHR:
        let device = UInt64(info.st_rdev)  // glibc's encoding; major and minor are macros Swift does not import
        return "char \((device >> 8) & 0xFFF | (device >> 32) & ~0xFFF),\(device & 0xFF | (device >> 12) & ~0xFF)"
    default: return "other"
    }
}

/// Permission bits of the file at `path` (following links).
func permissions(_ path: String) -> mode_t {
    var info = stat()
    return stat(path, &info) == 0 ? info.st_mode & 0o7777 : 0
}

func contents(_ path: String) -> [UInt8] {
    (try? Array(Data(contentsOf: URL(fileURLWithPath: path)))) ?? []
}

/// A character device node like /dev/null (1,3) or /dev/full (1,7), made here so no test touches /dev.
func makeDevice(_ path: String, major: UInt32, minor: UInt32) throws {
    let device =
        UInt64(minor & 0xFF) | UInt64(major & 0xFFF) << 8 | UInt64(minor & ~0xFF) << 12 | UInt64(major & ~0xFFF) << 32
    guard mknod(path, S_IFCHR | 0o666, dev_t(device)) == 0 else {
        throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPERM)
    }
}

func makeFIFO(_ path: String) throws {
    guard mkfifo(path, 0o644) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPERM) }
}

/// The lines of stderr, without the final newline's empty one.
func stderrLines(_ result: CommandResult) -> [Substring] {
    result.errorOutput.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
}

/// An emulator stand-in that writes its pid next to itself, then waits until a
/// file `go` appears beside it (or its directory is gone) and exits 1 without
/// saying a word: snapcheck's audit lasts exactly until the test says so (the
/// probe then fails: exit 2). Call `release()` when done.
struct WaitingEmulator {
    let directory: Scratch
    var path: String { directory.file("waiting-emulator") }
    var started: String { directory.file("started") }

    init() throws {
        directory = try Scratch("emulator")
        try TestFiles.writeExecutable(
            Array(
                """
                #!/bin/sh
                dir=$(dirname "$0")
                echo $$ > "$dir/started"
                while [ -d "$dir" ] && [ ! -e "$dir/go" ]; do sleep 0.02; done
                exit 1

                """.utf8), to: path)
    }

    var hasStarted: Bool { FileManager.default.fileExists(atPath: started) }

    /// Lets the stand-in end (it outlives a snapcheck killed by a signal).
    func release() {
        _ = FileManager.default.createFile(atPath: directory.file("go"), contents: nil)
    }
}

/// Waits for `condition`, checking every 10 ms while `process` runs. Not a
/// timing assertion: the caller asserts on what happened; the 120 s cap only
/// keeps a broken build from hanging the suite.
func waitFor(_ process: Process, _ condition: () -> Bool) {
    let cap = ContinuousClock.now + .seconds(120)
    while !condition(), process.isRunning, ContinuousClock.now < cap { usleep(10_000) }
}

/// snapcheck started in the background, stdout discarded, stderr collected.
struct BackgroundRun {
    let process = Process()
    private let errors = Pipe()

    init(_ arguments: [String], directory: String? = nil) throws {
        process.executableURL = SnapCheckBinary.url
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
    }

    /// Waits for the end: the exit status, whether it was an exit (not a death
    /// by signal), and stderr. A run still going after 120 s is killed, so a
    /// broken build fails the test instead of hanging the suite.
    func finish() -> (status: Int32, exited: Bool, stderr: String) {
        let cap = ContinuousClock.now + .seconds(120)
        while process.isRunning, ContinuousClock.now < cap { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason == .exit, text)
    }
}

/// Runs snapcheck with its stdout and stderr given as open descriptors (a
/// device, a pipe whose reader is gone, ...) and collects nothing else.
func runWithStreams(_ arguments: [String], stdout: FileHandle, stderr: FileHandle) throws -> (
    status: Int32, exited: Bool
) {
    let process = Process()
    process.executableURL = SnapCheckBinary.url
    process.arguments = arguments
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    process.waitUntilExit()
    return (process.terminationStatus, process.terminationReason == .exit)
}
