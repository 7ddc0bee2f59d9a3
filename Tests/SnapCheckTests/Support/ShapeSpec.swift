// Specs of our own, made in tests for one decision-model shape each. Not API.
import Foundation
@_spi(Fuzzing) import SnapCheck
import TestSupport
import Testing

/// A spec of our own with `build` as its `%build` section, audited in the sandbox.
struct ShapeSpec {
    var name = "qemu-kvm"
    var version = "1.5.3"
    var release = "175.el7"
    var epoch = "10"
    /// Lines between the preamble tags and `%description`.
    var preamble = ""
    /// The text of `%prep`.
    var prep = ""
    var build: String
    /// Extra files next to the spec, by name.
    var files: [String: String] = [:]
    /// Put the spec in `SPECS/` and the files in `SOURCES/` (dist-git).
    var distGit = false

    var text: String {
        """
        Name: \(name)
        Version: \(version)
        Release: \(release)
        Epoch: \(epoch)
        Summary: snapcheck decision-model shape
        License: GPLv2
        \(preamble)
        %description
        A spec shape of our own.

        %prep
        \(prep)
        %build
        \(build)

        %files
        """
    }

    /// 1-based line of the first line of `build` in `text`.
    var buildLine: Int { text.components(separatedBy: "\n").firstIndex(of: "%build")! + 2 }

    /// Audits the spec (written to a fresh directory) and returns the one build.
    func audit(sourceLocation: SourceLocation = #_sourceLocation, _ configure: (inout AuditOptions) -> Void = { _ in })
        throws -> (build: Build, path: String)
    {
        let directory = temporaryPath("shape")
        let specDirectory = distGit ? directory + "/SPECS" : directory
        let filesDirectory = distGit ? directory + "/SOURCES" : directory
        try FileManager.default.createDirectory(atPath: specDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: filesDirectory, withIntermediateDirectories: true)
        let path = specDirectory + "/shape.spec"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        for (name, content) in files {
            try content.write(toFile: filesDirectory + "/" + name, atomically: false, encoding: .utf8)
        }
        let result = SnapCheckTests.audit([path], configure: configure)
        #expect(result.errors.isEmpty, "\(result.errors)", sourceLocation: sourceLocation)
        let build = try #require(result.builds.first, sourceLocation: sourceLocation)
        return (build, path)
    }
}
