import Foundation
import TestSupport
import Testing

/// A spec from `Fixtures/hostile/`, written to a fresh directory with its
/// `@MARKER@` replaced by a path in that directory that must never appear.
struct HostileSpec: CustomTestStringConvertible, Sendable {
    var name: String
    /// True when running the spec with full rpm semantics does create the marker
    /// (the control that shows the spec really is hostile).
    var actsWhenTrusted: Bool
    var testDescription: String { name }

    static let acting: [HostileSpec] = [
        "shell-preamble", "shell-description", "shell-build", "shell-changelog", "shell-expand", "shell-macro",
        "shell-assembled", "lua-os-execute", "lua-io-popen", "lua-io-open-write", "lua-rpm-execute", "lua-posix",
        "lua-expanded", "lua-posix-standin", "lua-debug-upvalue", "lua-binary-chunk", "lua-rpm-open-write",
    ].map { HostileSpec(name: $0, actsWhenTrusted: true) }

    static let exhausting: [HostileSpec] = ["recursion-bomb", "exponential"].map {
        HostileSpec(name: $0, actsWhenTrusted: false)
    }
    static let reading: [HostileSpec] = ["include-shadow", "load-shadow"].map {
        HostileSpec(name: $0, actsWhenTrusted: false)
    }
    static let all = acting + exhausting + reading

    /// A materialised copy: the spec file and the marker it targets.
    struct Copy {
        var directory: String
        var specPath: String
        var marker: String
        var text: String

        var markerExists: Bool { FileManager.default.fileExists(atPath: marker) }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    func materialise(fileName: String? = nil) throws -> Copy {
        let directory = try temporaryDirectory("hostile-\(name)")
        // The worker may run as nobody: the directory and spec must be readable, never writable, by it.
        chmod(directory, 0o755)
        let marker = (directory as NSString).appendingPathComponent("MARKER")
        let template = try String(contentsOfFile: Fixtures.source("hostile/\(name).spec"), encoding: .utf8)
        let text = template.replacing("@MARKER@", with: marker)
        let specPath = (directory as NSString).appendingPathComponent(fileName ?? "\(name).spec")
        try text.write(toFile: specPath, atomically: false, encoding: .utf8)
        return Copy(directory: directory, specPath: specPath, marker: marker, text: text)
    }
}
