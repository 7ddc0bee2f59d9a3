// The 2.9+ `build_configure.sh` helper: which positional argument becomes
// `--${have_live_block_ops}-live-block-ops`.

import Foundation

/// The positional parameters of a configure helper script and where live block ops is used.
@_spi(Fuzzing) public struct HelperScriptMap: Sendable, Hashable {
    /// Positional names in order: index 0 is the first argument. A position shifted away
    /// without an assignment is named "".
    public var parameterNames: [String]
    /// The name used in `--${NAME}-live-block-ops`, if any.
    public var liveBlockOpsParameter: String?
    /// 1-based line of that use in the script.
    public var liveBlockOpsLine: Int?

    private var assignments: [String: (line: Int, position: Int)]

    public static func == (lhs: HelperScriptMap, rhs: HelperScriptMap) -> Bool {
        lhs.parameterNames == rhs.parameterNames
            && lhs.liveBlockOpsParameter == rhs.liveBlockOpsParameter
            && lhs.liveBlockOpsLine == rhs.liveBlockOpsLine
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(parameterNames)
        hasher.combine(liveBlockOpsParameter)
        hasher.combine(liveBlockOpsLine)
    }

    /// 1-based line of the first `name=$1` assignment.
    public func assignmentLine(of name: String) -> Int? {
        assignments[name]?.line
    }

    /// Index (0-based) of `liveBlockOpsParameter` among the positional arguments.
    public var liveBlockOpsPosition: Int? {
        liveBlockOpsParameter.flatMap { assignments[$0]?.position }
    }

    /// Why a call's words do not fit the script (nil when they do): the rule
    /// reads the word at a position only when the call passes exactly the words
    /// the script assigns, then `--options` it passes on to configure. A word
    /// missing, an extra word that is no option (configure rejects it), one not
    /// known, or one that spells the switch in another way leaves what
    /// configure gets unread.
    func wordCountMismatch(in arguments: [ShellArgument]) -> String? {
        let assigned = parameterNames.count
        guard assigned > 0 else { return nil }
        guard arguments.count >= assigned else { return "a word the script reads is missing" }
        for extra in arguments[assigned...] {
            guard extra.isKnown else {
                return
                    "the extra word `\(extra.text)` reaches configure through \"$@\" and the spec does not show its value"
            }
            let text = extra.text
            let mentionsSwitch = ConfigureSwitch.allFlags.contains { flag in
                text.contains(
                    flag.replacingOccurrences(of: "--enable-", with: "").replacingOccurrences(
                        of: "--disable-", with: ""))
            }
            if !text.hasPrefix("--") || text.contains(where: \.isWhitespace)
                || (mentionsSwitch && !ConfigureSwitch.allFlags.contains(text))
            {
                return
                    "the extra word `\(text)` reaches configure through \"$@\", which does not take it as an option it reads"
            }
        }
        return nil
    }

    /// Reads `name=$1` / `shift` pairs (also `"$1"`, `${1}`, `shift 1`, several per line)
    /// and the first `--${NAME}-live-block-ops`. Comments are ignored.
    public init(script: String) {
        var names: [String] = []
        var assignments: [String: (line: Int, position: Int)] = [:]
        var position = 0
        var liveName: String?
        var liveLine: Int?
        var lineNumber = 0
        for rawLine in SpecSource.physicalLines(script) {
            lineNumber += 1
            let code = Self.stripComment(rawLine)
            for statement in Self.statements(code) {
                if let count = Self.shiftCount(statement) {
                    position += count
                } else if position < Self.maximumPositions, let name = Self.positionalAssignment(statement) {
                    if assignments[name] == nil {
                        assignments[name] = (lineNumber, position)
                    }
                    if names.count <= position {
                        names.append(contentsOf: repeatElement("", count: position + 1 - names.count))
                    }
                    if names[position].isEmpty { names[position] = name }
                }
            }
            if liveName == nil, let name = Self.liveBlockOpsVariable(in: code) {
                liveName = name
                liveLine = lineNumber
            }
        }
        self.parameterNames = names
        self.assignments = assignments
        self.liveBlockOpsParameter = liveName
        self.liveBlockOpsLine = liveLine
    }

    /// The line without a `#` comment (a `#` at word start, outside quotes).
    static func stripComment(_ line: Substring) -> Substring {
        var quote: Character?
        var previous: Character = " "
        var escaped = false
        for index in line.indices {
            let c = line[index]
            defer { previous = c }
            if escaped {
                escaped = false
                continue
            }
            if c == "\\", quote != "'" {
                escaped = true
                continue
            }
            if let q = quote {
                if c == q { quote = nil }
                continue
            }
            if c == "'" || c == "\"" {
                quote = c
            } else if c == "#", previous == " " || previous == "\t" || previous == ";" || index == line.startIndex {
                return line[..<index]
            }
        }
        return line
    }

    /// Statements of one line, split at `;`, `&&` and `||` outside quotes, trimmed.
    static func statements(_ line: Substring) -> [Substring] {
        var result: [Substring] = []
        var quote: Character?
        var start = line.startIndex
        var index = line.startIndex
        while index < line.endIndex {
            let c = line[index]
            let next = line.index(after: index)
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == ";" || ((c == "&" || c == "|") && next < line.endIndex && line[next] == c) {
                result.append(trim(line[start..<index]))
                start = c == ";" ? next : line.index(after: next)
                index = start
                continue
            }
            index = next
        }
        result.append(trim(line[start...]))
        return result.filter { !$0.isEmpty }
    }

    /// Positions beyond this are not a configure helper's; assignments there are ignored.
    static let maximumPositions = 4096

    /// 1 for `shift`, N (at most 64) for `shift N`; nil otherwise.
    static func shiftCount(_ statement: Substring) -> Int? {
        let words = statement.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.first == "shift" else { return nil }
        if words.count == 1 { return 1 }
        if words.count == 2, let n = Int(words[1]), n >= 0, n <= 64 { return n }
        return nil
    }

    /// The name in `NAME=$1`, `NAME="$1"`, `NAME=${1}`, `NAME="${1:-x}"` (optionally after
    /// `local`, `export`, `readonly`, `declare`, `typeset`).
    static func positionalAssignment(_ statement: Substring) -> String? {
        var s = statement
        for keyword in ["local ", "export ", "readonly ", "declare ", "typeset "] where s.hasPrefix(keyword) {
            s = trim(s.dropFirst(keyword.count))
        }
        guard let eq = s.firstIndex(of: "=") else { return nil }
        let name = s[..<eq]
        guard let first = name.unicodeScalars.first, ShellLexer.isIdentifierStart(first),
            name.unicodeScalars.allSatisfy(ShellLexer.isIdentifierChar)
        else { return nil }
        var value = s[s.index(after: eq)...]
        if value.count >= 2, value.first == "\"", value.last == "\"" {
            value = value.dropFirst().dropLast()
        }
        if value == "$1" { return String(name) }
        if value.hasPrefix("${1"), value.hasSuffix("}") {
            let after = value.dropFirst(3)
            if after == "}" || after.hasPrefix(":") { return String(name) }
        }
        return nil
    }

    /// NAME in `--${NAME}-live-block-ops`, `--$NAME-live-block-ops`, `--"$NAME"-live-block-ops`.
    static func liveBlockOpsVariable(in line: Substring) -> String? {
        let bytes = Array(line.utf8)
        let needle = Array("-live-block-ops".utf8)
        guard bytes.count >= needle.count else { return nil }
        let isIdentifierByte: (UInt8) -> Bool = { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F
        }
        var p = 0
        while p + needle.count <= bytes.count {
            defer { p += 1 }
            guard bytes[p] == needle[0], bytes[p..<(p + needle.count)].elementsEqual(needle) else { continue }
            // Walk back from the match: optional `"`, then `}` + NAME + `${` or NAME + `$`,
            // then optional `"`, then `--`. Names are short, so the walk is bounded.
            var k = p - 1
            if k >= 0, bytes[k] == UInt8(ascii: "\"") { k -= 1 }
            let braced = k >= 0 && bytes[k] == UInt8(ascii: "}")
            if braced { k -= 1 }
            let nameEnd = k + 1
            var length = 0
            while k >= 0, length < 256, isIdentifierByte(bytes[k]) {
                k -= 1
                length += 1
            }
            let nameStart = k + 1
            guard nameStart < nameEnd, !(bytes[nameStart] >= 0x30 && bytes[nameStart] <= 0x39) else { continue }
            if braced {
                guard k >= 1, bytes[k] == UInt8(ascii: "{"), bytes[k - 1] == UInt8(ascii: "$") else { continue }
                k -= 2
            } else {
                guard k >= 0, bytes[k] == UInt8(ascii: "$") else { continue }
                k -= 1
            }
            if k >= 0, bytes[k] == UInt8(ascii: "\"") { k -= 1 }
            guard k >= 1, bytes[k] == UInt8(ascii: "-"), bytes[k - 1] == UInt8(ascii: "-") else { continue }
            return String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self)
        }
        return nil
    }

    /// 1-based lines of `script` that spell `literal` outside `#` comments.
    static func lines(of script: String, containing literal: String) -> [Int] {
        SpecSource.physicalLines(script).enumerated()
            .filter { stripComment($0.element).contains(literal) }
            .map { $0.offset + 1 }
    }

    static func trim(_ s: Substring) -> Substring {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        var start = s.startIndex
        var end = s.endIndex
        while start < end, blank(s[start]) { start = s.index(after: start) }
        while start < end, blank(s[s.index(before: end)]) { end = s.index(before: end) }
        return s[start..<end]
    }

    static func isIdentifierChar(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "_")
    }
}
