// Yum repositories made in tests with the real createrepo_c over the built fixture RPMs. Not API.
public import Foundation

public enum FixtureRepositories: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// A new directory holding copies of built fixture directories (`builds/el7-rhev`
    /// is copied to `el7-rhev/`, with its `src/` and `x86_64/`), and the
    /// `repodata/` createrepo_c makes over them with `arguments` (e.g.
    /// `--general-compress-type=xz`, `--checksum=sha512`). Remove it with `remove`.
    public static func make(_ sources: [String], arguments: [String] = []) throws -> URL {
        let built = try Fixtures.built()
        let directory = URL(fileURLWithPath: try temporaryDirectory("repo"))
        for source in sources {
            let from = built.appendingPathComponent(source)
            try FileManager.default.copyItem(at: from, to: directory.appendingPathComponent(from.lastPathComponent))
        }
        try Command.output("/usr/bin/createrepo_c", ["--quiet"] + arguments + [directory.path])
        return directory
    }

    /// Every built fixture build directory (`builds/*`), for a repository of them all.
    public static func allBuilds() throws -> [String] {
        let builds = try Fixtures.built().appendingPathComponent("builds")
        return try FileManager.default.contentsOfDirectory(atPath: builds.path).sorted().map { "builds/\($0)" }
    }

    public static func remove(_ directory: URL) {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The record of `type` in repomd.xml: its `<data>` element's text.
    public static func record(_ type: String, in repository: URL) throws -> String {
        let index = try String(contentsOf: repository.appendingPathComponent("repodata/repomd.xml"), encoding: .utf8)
        guard let start = index.range(of: "<data type=\"\(type)\">"),
            let end = index.range(of: "</data>", range: start.upperBound..<index.endIndex)
        else {
            throw Failure(description: "repomd.xml has no \(type) record")
        }
        return String(index[start.lowerBound..<end.upperBound])
    }

    /// The metadata file of `type` as repomd.xml locates it.
    public static func metadataFile(_ type: String, in repository: URL) throws -> URL {
        let record = try record(type, in: repository)
        guard let href = record.firstMatch(of: /<location href="([^"]+)"/)?.1 else {
            throw Failure(description: "the \(type) record has no location")
        }
        return repository.appendingPathComponent(String(href))
    }

    /// The decompressed text of the metadata of `type` (through gzip, xz, bzip2 or zstd).
    public static func metadataText(_ type: String, in repository: URL) throws -> String {
        let file = try metadataFile(type, in: repository)
        let tool = ["gz": "/bin/gzip", "xz": "/usr/bin/xz", "bz2": "/bin/bzip2", "zst": "/usr/bin/zstd"][
            file.pathExtension]
        guard let tool else { return try String(contentsOf: file, encoding: .utf8) }
        return try Command.output(tool, ["-dc", file.path])
    }

    /// Replaces the metadata of `type` with `text` the way a repository tool
    /// does: modifyrepo_c writes it (compressed with `compression`) and
    /// records its checksums in repomd.xml.
    public static func replaceMetadata(
        _ type: String, in repository: URL, with text: String, compression: String = "gz"
    ) throws {
        let staging = repository.appendingPathComponent(".staging-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: staging) }
        let file = staging.appendingPathComponent("\(type).xml")
        try Data(text.utf8).write(to: file)
        try Command.output(
            "/usr/bin/modifyrepo_c",
            [
                "--mdtype=\(type)", "--compress-type=\(compression)", file.path,
                repository.appendingPathComponent("repodata").path,
            ])
    }

    /// Points the record of `type` at `file` (a file inside `repodata/`) by
    /// hand, with its SHA-256 and size: for what no tool of Debian 12 writes
    /// (zstd-compressed metadata, which createrepo_c writes from 1.0 on).
    public static func pointRecord(_ type: String, in repository: URL, at file: URL) throws {
        let indexFile = repository.appendingPathComponent("repodata/repomd.xml")
        let index = try String(contentsOf: indexFile, encoding: .utf8)
        let old = try record(type, in: repository)
        let sum = try Command.run("/usr/bin/sha256sum", [file.path])
        let digest = String(sum.output.prefix(64))
        let size = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int ?? 0
        let new = """
            <data type="\(type)">
                <checksum type="sha256">\(digest)</checksum>
                <location href="repodata/\(file.lastPathComponent)"/>
                <size>\(size)</size>
              </data>
            """
        try Data(index.replacingOccurrences(of: old, with: new).utf8).write(to: indexFile)
    }
}
