// The original spec file as text, with line-level queries: librpmbuild's parse
// loses line numbers. Each concern is a file: SpecSource+Neutraliser (no shell,
// no Lua reaches rpm), +Macros, +Conditions, +ConfigureRegions, +ParseTrimming;
// the values it hands out are in SpecSourceValues.swift.

import Foundation

/// The original text of a spec file, with line-level queries. Lines are 1-based.
@_spi(Fuzzing) public struct SpecSource: Sendable {
    /// The spec text as given.
    public let text: String
    /// The physical lines (without their `\n` / `\r\n`).
    public let lines: [Substring]
    /// 0-based first and last line of the logical line each line belongs to.
    let logicalBounds: [(start: Int, end: Int)]
    /// 0-based last line of the plain `\`-continuation chain starting at each line.
    let continuationEnd: [Int]
    /// `%if` conditions as a tree (each node links to its enclosing one) ...
    let conditionNodes: [(condition: SpecCondition, parent: Int)]
    /// ... and the innermost node open before each line (index `lines.count`: at the end); -1: none.
    let conditionAtLine: [Int]
    /// Answers computed once (`SpecSource+Memo`).
    let memo = SpecSourceMemo()

    public init(text: String) {
        self.text = text
        let lines = Self.physicalLines(text)
        self.lines = lines
        let count = lines.count

        var plainEnd = Array(0..<count)
        if count > 0 {
            for index in stride(from: count - 2, through: 0, by: -1) where Self.endsWithContinuation(lines[index]) {
                plainEnd[index] = plainEnd[index + 1]
            }
        }
        continuationEnd = plainEnd

        var bounds = [(start: Int, end: Int)](repeating: (0, 0), count: count)
        var start = 0
        while start < count {
            var end = start
            while end + 1 < count, Self.endsWithContinuation(lines[end]) {
                end += 1
                // A `%if`/`%else`/`%endif` line inside a continued command does not end it.
                while end + 1 < count, Self.directive(of: lines[end]) != nil { end += 1 }
            }
            for index in start...end { bounds[index] = (start, end) }
            start = end + 1
        }
        logicalBounds = bounds
        (conditionNodes, conditionAtLine) = Self.conditionTree(lines)
    }

    // MARK: Lines

    /// 1-based numbers of the lines containing `literal`. Where the literal begins or ends
    /// with a word character (`[A-Za-z0-9_-]`), the neighbouring character must not be one,
    /// so `--disable-live-block-ops` does not match `--disable-live-block-ops-x`.
    public func lines(containingWord literal: String) -> [Int] {
        let needle = Array(literal.utf8)
        guard let first = needle.first, let last = needle.last else { return [] }
        let checkBefore = Self.isWordByte(first)
        let checkAfter = Self.isWordByte(last)
        var result: [Int] = []
        for (index, line) in lines.enumerated() where Self.contains(line, needle) {
            let bytes = Array(line.utf8)
            var found = false
            var p = 0
            while !found, p + needle.count <= bytes.count {
                if bytes[p] == first, bytes[p..<(p + needle.count)].elementsEqual(needle) {
                    let beforeOK = !checkBefore || p == 0 || !Self.isWordByte(bytes[p - 1])
                    let afterIndex = p + needle.count
                    let afterOK = !checkAfter || afterIndex == bytes.count || !Self.isWordByte(bytes[afterIndex])
                    found = beforeOK && afterOK
                }
                p += 1
            }
            if found { result.append(index + 1) }
        }
        return result
    }

    /// The 1-based line of the first preamble tag `tag` (`Name`, `Version`, ...),
    /// matched case-insensitively at the start of a line, as rpm reads tags.
    public func line(ofTag tag: String) -> Int? {
        let prefix = tag.lowercased() + ":"
        return lines.firstIndex { $0.prefix(prefix.count).lowercased() == prefix }.map { $0 + 1 }
    }

    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
    }

    /// The physical line range (1-based) of the logical line containing `line`: following
    /// `\` continuations, also across `%if`/`%else`/`%endif` lines inside a continued command.
    /// A line outside the file gives `line...line`.
    public func logicalLineRange(containing line: Int) -> ClosedRange<Int> {
        guard line >= 1, line <= lines.count else { return line...line }
        let bounds = logicalBounds[line - 1]
        return (bounds.start + 1)...(bounds.end + 1)
    }

    /// Byte-wise substring test (Foundation's `contains` dominated profiles of big specs).
    static func contains(_ line: Substring, _ needle: StaticString) -> Bool {
        contains(line, UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount))
    }

    /// Byte-wise substring test of a needle known only at run time.
    static func contains(_ line: Substring, _ needle: [UInt8]) -> Bool {
        needle.withUnsafeBufferPointer { contains(line, $0) }
    }

    private static func contains(_ line: Substring, _ pattern: UnsafeBufferPointer<UInt8>) -> Bool {
        line.utf8.withContiguousStorageIfAvailable { search($0, pattern) }
            ?? Array(line.utf8).withUnsafeBufferPointer { search($0, pattern) }
    }

    private static func search(_ haystack: UnsafeBufferPointer<UInt8>, _ pattern: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = pattern.first else { return true }
        guard haystack.count >= pattern.count else { return false }
        for start in 0...(haystack.count - pattern.count) where haystack[start] == first {
            var k = 1
            while k < pattern.count, haystack[start + k] == pattern[k] { k += 1 }
            if k == pattern.count { return true }
        }
        return false
    }

    // MARK: Line shapes

    /// The lines of `text`, split at `\n` (a `\r` before it is dropped); byte-wise, for speed.
    static func physicalLines(_ text: String) -> [Substring] {
        var result: [Substring] = []
        let utf8 = text.utf8
        var start = utf8.startIndex
        var index = start
        while index < utf8.endIndex {
            if utf8[index] == 10 {
                var end = index
                if end > start, utf8[utf8.index(before: end)] == 13 { end = utf8.index(before: end) }
                result.append(text[start..<end])
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        result.append(text[start..<utf8.endIndex])
        return result
    }

    /// Calls `body` with each line of `text` split at `\n` (0-based index, bytes with any `\r`),
    /// as `text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false)` gives them, without its cost.
    static func forEachLine(of text: String, _ body: (Int, UnsafeBufferPointer<UInt8>) -> Void) {
        var text = text
        text.withUTF8 { bytes in
            var index = 0
            var start = 0
            for end in 0...bytes.count where end == bytes.count || bytes[end] == 0x0A {
                body(index, UnsafeBufferPointer(rebasing: bytes[start..<end]))
                index += 1
                start = end + 1
            }
        }
    }

    /// Whether the first byte after the line's blanks is `%`. True for every line whose
    /// blank-trimmed characters start with `%` (each blank dropped is one byte), so a
    /// byte-wise filter before character-wise checks: most lines of a spec fail it.
    static func startsWithPercent(_ line: Substring) -> Bool {
        for byte in line.utf8 where byte != 0x20 && byte != 0x09 { return byte == 0x25 }
        return false
    }

    static func startsWithPercent(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in line where byte != 0x20 && byte != 0x09 { return byte == 0x25 }
        return false
    }

    static let directives: Set<Substring> = [
        "if", "ifarch", "ifnarch", "ifos", "ifnos", "elif", "elifarch", "elifos", "else", "endif",
    ]

    /// The keyword of a conditional directive line (`if`, `ifarch`, `else`, `endif`, …), or nil.
    static func directive(of line: Substring) -> String? {
        guard startsWithPercent(line) else { return nil }
        let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
        guard trimmed.first == "%" else { return nil }
        let word = trimmed.dropFirst().prefix(while: { $0.isASCII && $0.isLetter })
        guard directives.contains(word) else { return nil }
        let after = trimmed.dropFirst(1 + word.count).first
        guard after == nil || after == " " || after == "\t" || after == "\r" else { return nil }
        return String(word)
    }

    /// True when the line ends with an odd number of backslashes.
    static func endsWithContinuation(_ line: Substring) -> Bool {
        // A last Character `\` ends in the byte 0x5C: most lines end otherwise, decided without Characters.
        guard line.utf8.last == 0x5C else { return false }
        var count = 0
        var index = line.endIndex
        while index > line.startIndex {
            index = line.index(before: index)
            guard line[index] == "\\" else { break }
            count += 1
        }
        return count % 2 == 1
    }
}
