// Helpers for the RPM tests: fixture listing and the rpm command-line tools
// used as an independent oracle (run with TestSupport's `Command`). Not API.
import Foundation
import TestSupport

enum RPMFixtures {
    /// The `.rpm` files directly in a fixture directory, sorted by name.
    static func rpms(in relativeDirectory: String) throws -> [String] {
        let dir = try Fixtures.path(relativeDirectory)
        return try FileManager.default.contentsOfDirectory(atPath: dir)
            .filter { $0.hasSuffix(".rpm") }
            .sorted()
            .map { dir + "/" + $0 }
    }

    /// Every built package of the fixtures: builds and compressor variants.
    static func allPackages() throws -> [String] {
        var out: [String] = []
        for compressor in ["gzip", "xz", "zstd"] {
            out += try rpms(in: "compressors/\(compressor)/src")
            out += try rpms(in: "compressors/\(compressor)/x86_64")
        }
        let builds = try Fixtures.path("builds")
        for id in try FileManager.default.contentsOfDirectory(atPath: builds).sorted() {
            for sub in try FileManager.default.contentsOfDirectory(atPath: builds + "/" + id).sorted() {
                out += try rpms(in: "builds/\(id)/\(sub)")
            }
        }
        return out
    }

    /// The binary package of a compressor variant.
    static func binary(_ compressor: String) throws -> String {
        let all = try rpms(in: "compressors/\(compressor)/x86_64")
        guard let first = all.first(where: { $0.contains("/qemu-kvm-rhev-1.5.3") }) ?? all.first else {
            throw FixtureError.missing("compressors/\(compressor)/x86_64/*.rpm")
        }
        return first
    }
}

/// What `rpm -qp --queryformat` says about a package, as lines of `KEY<TAB>value`.
enum RPMQuery {
    static let format = [
        "NAME\\t%{NAME}\\n",
        "EPOCH\\t%|EPOCH?{%{EPOCH}}:{(none)}|\\n",
        "VERSION\\t%{VERSION}\\n",
        "RELEASE\\t%{RELEASE}\\n",
        "ARCH\\t%{ARCH}\\n",
        "SOURCERPM\\t%|SOURCERPM?{%{SOURCERPM}}:{(none)}|\\n",
        "BUILDHOST\\t%{BUILDHOST}\\n",
        "BUILDTIME\\t%{BUILDTIME}\\n",
        "COMPRESSOR\\t%|PAYLOADCOMPRESSOR?{%{PAYLOADCOMPRESSOR}}:{gzip}|\\n",
        "[PROVIDES\\t%{PROVIDENEVRS}\\n]",
        "[REQUIRES\\t%{REQUIRENEVRS}\\n]",
        "[CONFLICTS\\t%{CONFLICTNEVRS}\\n]",
        "[OBSOLETES\\t%{OBSOLETENEVRS}\\n]",
        "[EXCLUSIVEARCH\\t%{EXCLUSIVEARCH}\\n]",
        "[FILE\\t%{FILEMODES:octal}\\t%{FILESIZES}\\t%{FILENAMES}\\n]",
        "[CHANGELOG\\t%{CHANGELOGTIME}\\t%{CHANGELOGNAME}\\n]",
    ].joined()

    static func lines(_ path: String) throws -> [String] {
        let out = try Command.run("/usr/bin/env", ["rpm", "-qp", "--nosignature", "--queryformat", format, path])
        guard out.status == 0 else { throw FixtureError.missing("rpm -qp failed on \(path)") }
        return out.output.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// CHANGELOGTEXT entries, split on a separator line.
    static func changelogTexts(_ path: String) throws -> [String] {
        let out = try Command.run(
            "/usr/bin/env", ["rpm", "-qp", "--nosignature", "--queryformat", "[%{CHANGELOGTEXT}\\n@@@\\n]", path])
        var parts = out.output.components(separatedBy: "\n@@@\n")
        if parts.last == "" { parts.removeLast() }
        return parts
    }
}
