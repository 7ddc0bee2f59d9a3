import ArgumentParser
import Foundation

/// Writes reports so a reader never sees half a file: a temp file in the
/// same directory, then rename.
enum Output {
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).snapcheck-\(getpid())")
        do {
            try Data(bytes).write(to: temp)
            if FileManager.default.fileExists(atPath: path) {
                _ = try FileManager.default.replaceItemAt(url, withItemAt: temp)
            } else {
                try FileManager.default.moveItem(at: temp, to: url)
            }
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw ValidationError("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
