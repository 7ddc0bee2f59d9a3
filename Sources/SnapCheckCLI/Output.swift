import ArgumentParser
import Foundation
import SnapCheck

/// The CLI's side of output: standard streams made safe before anything is
/// opened, its own lines on stderr, and failures turned into exit codes.
///
/// Helpers throw (`CommandFailure`, `OutputError`); only `run(_:)`, at the
/// top of a command's `run()`, turns a failure into its line and `ExitCode`.
enum Output {
    /// Called first in every command's `run()`:
    /// - SIGPIPE is ignored, so a reader that went away is EPIPE, reported,
    ///   not a silent death halfway through a report;
    /// - a closed descriptor 0, 1 or 2 (`>&-`) is taken by /dev/null opened
    ///   read-only, so no file snapcheck opens later lands on it (a report
    ///   would go into an input or a temp file otherwise) and writing to it
    ///   fails with EBADF, reported like any failed write;
    /// - SIGINT, SIGTERM and SIGHUP remove temp files and exit 128 + the
    ///   signal (`SignalCleanup`).
    static func prepare() {
        signal(SIGPIPE, SIG_IGN)
        for fd in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(fd, F_GETFD) == -1 {
            let placeholder = open("/dev/null", O_RDONLY)
            if placeholder >= 0, placeholder != fd {
                dup2(placeholder, fd)
                close(placeholder)
            }
        }
        SignalCleanup.install()
    }

    /// Runs a command's body: a `CommandFailure` or `OutputError` becomes one
    /// line on stderr and its exit status; `ExitCode` passes through.
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let failure as CommandFailure {
            printError(failure.message)
            throw ExitCode(failure.status.rawValue)
        } catch let error as OutputError {
            printError(error.description)
            throw ExitCode(ExitStatus.inputError.rawValue)
        }
    }

    /// `snapcheck: MESSAGE` on stderr, one line whatever the message holds
    /// (`VisibleText`). If stderr itself cannot be written there is nowhere
    /// left to say so; the exit status still tells.
    static func printError(_ message: String) {
        try? StandardStream.error.write(Array("snapcheck: \(VisibleText.escape(message))\n".utf8))
    }

    static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }
}

/// A run that cannot go on: one line for stderr and the exit status (2 unless said).
struct CommandFailure: Error {
    var message: String
    var status: ExitStatus = .inputError

    init(_ message: String, status: ExitStatus = .inputError) {
        self.message = message
        self.status = status
    }
}
