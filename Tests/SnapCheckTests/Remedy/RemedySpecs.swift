import Foundation
@_spi(Fuzzing) import SnapCheck
import TestSupport
import Testing

/// Small EL7 1.5.3 specs written for the remedy tests, and the file
/// operations the tests apply to them. Not API.
enum RemedySpecs {
    /// The spec's lines: `%define rhev 0` (line 1) names the package and
    /// picks the live-block-ops flag of the configure call (lines 18-23);
    /// `head` lines go before line 1, `build` replaces the configure call.
    static func el7(head: [String] = [], build: [String]? = nil) -> [String] {
        head + [
            "%define rhev 0",
            "%if %{rhev}",
            "%global pkgsuffix -rhev",
            "%endif",
            "Summary: remedy test",
            "Name: qemu-kvm%{?pkgsuffix}",
            "Version: 1.5.3",
            "Release: 175.el7",
            "Epoch: 10",
            "License: GPLv2",
            "",
            "%description",
            "Written for snapcheck's remedy tests.",
            "",
            "%prep",
            "",
            "%build",
        ]
            + (build ?? [
                "./configure --target-list=x86_64-softmmu \\",
                "%if %{rhev}",
                "    --enable-live-block-ops",
                "%else",
                "    --disable-live-block-ops",
                "%endif",
            ]) + [
                "",
                "%install",
                "",
                "%files",
                "",
                "%changelog",
                "* Tue Nov 14 2023 Snapcheck Tests <tests@example.invalid> - 1.5.3-175.el7",
                "- remedy test",
            ]
    }

    /// Writes `lines` joined by `ending` to a fresh directory; returns the spec's path.
    static func write(_ lines: [String], ending: String = "\n", name: String = "qemu-kvm.spec") throws -> String {
        let directory = try temporaryDirectory("remedy")
        let path = (directory as NSString).appendingPathComponent(name)
        try Data((lines.joined(separator: ending) + ending).utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func remove(_ spec: String) {
        try? FileManager.default.removeItem(atPath: (spec as NSString).deletingLastPathComponent)
    }

    /// Applies an edit to the file's bytes as an editor or a SARIF consumer
    /// would: the line is counted in `\n` bytes, the column in UTF-16 code
    /// units of that line, and `replace` must be there.
    static func apply(_ edit: Remedy.Edit, to path: String) throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        var start = bytes.startIndex
        for _ in 1..<edit.line { start = try #require(bytes[start...].firstIndex(of: 0x0A)) + 1 }
        let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.endIndex
        let line = String(decoding: bytes[start..<end], as: UTF8.self)
        let before = String(decoding: Array(line.utf16.prefix(edit.column - 1)), as: UTF16.self)
        let offset = start + before.utf8.count
        let replace = Array(edit.replace.utf8)
        try #require(
            bytes[offset...].starts(with: replace),
            "line \(edit.line) column \(edit.column) is `\(String(decoding: bytes[offset..<end], as: UTF8.self))`, not `\(edit.replace)`"
        )
        bytes.replaceSubrange(offset..<(offset + replace.count), with: Array(edit.with.utf8))
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
