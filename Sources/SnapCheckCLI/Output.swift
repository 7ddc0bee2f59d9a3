import ArgumentParser
import Foundation

/// Writing results: atomically to files, and cleanly when interrupted.
enum Output {
    /// The temp file being written, for the SIGINT handler to remove.
    nonisolated(unsafe) private static var inFlight: UnsafeMutablePointer<CChar>?

    /// Ctrl-C stops at once with exit 130 and leaves no partial report: the
    /// only file that can be half-written is a temp file, removed here.
    static func installInterruptHandler() {
        signal(SIGINT) { _ in
            if let path = Output.inFlight { unlink(path) }
            _exit(130)
        }
    }

    /// Writes through a temp file in the same directory, then renames it over
    /// `path`, so a reader never sees half a report. A failure is one line on
    /// stderr and exit 2.
    static func writeAtomically(_ bytes: [UInt8], to path: String) {
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).snapcheck-\(getpid())")
        let cPath = strdup(temp.path)
        inFlight = cPath
        defer {
            inFlight = nil
            free(cPath)
        }
        do {
            try Data(bytes).write(to: temp)
            guard rename(temp.path, path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(errno))])
            }
        } catch {
            unlink(temp.path)
            fail("cannot write \(path): \(error.localizedDescription)")
        }
    }

    static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// One line on stderr and exit 2: an input or output could not be used.
    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("snapcheck: \(message)\n".utf8))
        Foundation.exit(2)
    }
}
