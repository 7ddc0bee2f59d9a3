// The tokens of the POSIX shell text in a spec's expanded `%build` (and of
// helper scripts): words with their quoting, operators, newlines. Here-document
// bodies are read and dropped, so a configure call inside one is never a call.
// Not a shell: enough of one to find commands, never an error on odd input.

import Foundation

/// One shell word as written: its parts, in order, with their quoting.
struct ShellWord: Sendable, Hashable {
    enum Part: Sendable, Hashable {
        /// Text the shell takes as it is (quote characters and `\` escapes removed).
        /// `quoted` when it stood inside quotes or behind a `\`.
        case literal(String, quoted: Bool)
        /// `$NAME`, `${NAME}`, `$1`, `$@`, `$*`, `$#`, ...: a parameter by name.
        case parameter(String, quoted: Bool, braced: Bool = false)
        /// Any other expansion whose value the text does not show: `$(...)`, a
        /// backtick command, `$((...))`, `${NAME:-x}` and other `${...}` forms,
        /// an array's `(...)`. `text` is as written; `line` is where it starts.
        /// What such text runs or assigns is followed by `ShellRun`.
        case opaque(String, quoted: Bool, canBeSplit: Bool, line: Int = 0)
    }

    var parts: [Part]
    /// 1-based line of the word's first character.
    var line: Int

    /// The word as the shell would read it with every expansion left as written,
    /// quote characters removed: `--target-list=$buildarch`.
    var text: String {
        parts.map { part -> String in
            switch part {
            case .literal(let text, _): text
            case .parameter(let name, _, let braced): braced ? "${\(name)}" : "$\(name)"
            case .opaque(let text, _, _, _): text
            }
        }.joined()
    }

    /// True when the word is one unquoted literal: the only form that can be a
    /// reserved word (`if`, `{`), an assignment name or a function name.
    var plainText: String? {
        guard parts.count == 1, case .literal(let text, quoted: false) = parts[0] else { return nil }
        return text
    }

    /// `NAME=value` (or `NAME+=value`, which appends) with an unquoted, valid
    /// name: the name, the value's parts, and whether it appends.
    var assignment: ShellAssignment? {
        if let name = elementAssignmentName {
            // `NAME[i]=v` sets an element of the array `$NAME` reads: not followed.
            return ShellAssignment(
                name: name,
                value: ShellWord(parts: [.opaque(text, quoted: true, canBeSplit: true, line: line)], line: line),
                appends: false)
        }
        guard case .literal(let first, quoted: false)? = parts.first,
            let eq = first.firstIndex(of: "=")
        else { return nil }
        var name = first[..<eq]
        let appends = name.hasSuffix("+")
        if appends { name = name.dropLast() }
        guard let head = name.unicodeScalars.first, ShellLexer.isIdentifierStart(head),
            name.unicodeScalars.allSatisfy(ShellLexer.isIdentifierChar)
        else { return nil }
        var rest = parts.dropFirst().map { $0 }
        let after = String(first[first.index(after: eq)...])
        if !after.isEmpty { rest.insert(.literal(after, quoted: false), at: 0) }
        return ShellAssignment(name: String(name), value: ShellWord(parts: rest, line: line), appends: appends)
    }
}

extension ShellWord {
    /// NAME in `NAME[subscript]=value` (or `+=`), the subscript unquoted or not.
    var elementAssignmentName: String? {
        guard case .literal(let first, quoted: false)? = parts.first, let open = first.firstIndex(of: "["),
            !first[..<open].contains("=")
        else { return nil }
        let name = first[..<open]
        guard let head = name.unicodeScalars.first, ShellLexer.isIdentifierStart(head),
            name.unicodeScalars.allSatisfy(ShellLexer.isIdentifierChar)
        else { return nil }
        let written = text
        guard let close = written.range(of: "]=") ?? written.range(of: "]+=") else { return nil }
        return close.lowerBound > written.index(written.startIndex, offsetBy: name.count) ? String(name) : nil
    }
}

/// `NAME=value`, `NAME+=value`.
struct ShellAssignment: Sendable {
    var name: String
    var value: ShellWord
    var appends: Bool
}

/// A token: a word, an operator (`&&`, `;`, `(`, `<<`, ...), an arithmetic
/// command `(( ... ))` (its text as written) or a newline.
enum ShellToken: Sendable, Hashable {
    case word(ShellWord)
    case op(String, line: Int)
    case arithmetic(String, line: Int)
    case newline(line: Int)
}

/// Splits shell text into tokens in one pass. Unbalanced quotes and
/// substitutions run to the end of the text; nothing is an error.
struct ShellLexer {
    private let s: [Unicode.Scalar]
    private var i = 0
    private var line = 1
    private var tokens: [ShellToken] = []
    /// Here-documents whose bodies start after the next newline: (delimiter, strip tabs,
    /// delimiter quoted: the body is then text, else its expansions run).
    private var pendingHeredocs: [(String, Bool, Bool)] = []

    /// The tokens of `text`.
    static func tokens(_ text: String) -> [ShellToken] {
        var lexer = ShellLexer(s: Array(text.unicodeScalars))
        lexer.run()
        return lexer.tokens
    }

    private init(s: [Unicode.Scalar]) {
        self.s = s
    }

    static let operators: [String] = [
        "<<-", "<<<", ";;&", "&&", "||", ";;", ";&", "<<", ">>", ">&", "<&", "&>", ">|", "<>", ";", "&", "|", "(", ")",
        "<", ">",
    ]

    private mutating func run() {
        let n = s.count
        while i < n {
            let c = s[i]
            switch c {
            case "\n":
                tokens.append(.newline(line: line))
                line += 1
                i += 1
                readHeredocBodies()
            case " ", "\t", "\r":
                i += 1
            case "\\" where i + 1 < n && s[i + 1] == "\n":
                i += 2
                line += 1
            case "#":
                while i < n, s[i] != "\n" { i += 1 }
            case "(" where i + 1 < n && s[i + 1] == "(":
                if let end = arithmeticCommandEnd() {
                    let start = line
                    let text = String(String.UnicodeScalarView(s[i..<end]))
                    line += text.unicodeScalars.filter { $0 == "\n" }.count
                    i = end
                    tokens.append(.arithmetic(text, line: start))
                } else {
                    tokens.append(.op("(", line: line))
                    i += 1
                }
            default:
                if let op = operatorAt(i) {
                    let start = line
                    i += op.unicodeScalars.count
                    tokens.append(.op(op, line: start))
                    if op == "<<" || op == "<<-" { readHeredocDelimiter(stripTabs: op == "<<-") }
                } else {
                    let word = readWord()
                    // `2>&1`: a number right before a redirection is its descriptor, not a word.
                    let isDescriptor =
                        i < n && (s[i] == "<" || s[i] == ">")
                        && word.plainText.map { !$0.isEmpty && $0.allSatisfy(\.isNumber) } == true
                    if !isDescriptor { tokens.append(.word(word)) }
                }
            }
        }
    }

    private func operatorAt(_ k: Int) -> String? {
        // Asked at every character of a word: compared in place, nothing allocated.
        for (op, scalars) in Self.operatorScalars where k + scalars.count <= s.count {
            var m = 0
            while m < scalars.count, s[k + m] == scalars[m] { m += 1 }
            if m == scalars.count { return op }
        }
        return nil
    }

    /// `operators` with their scalars, in the same order.
    private static let operatorScalars: [(String, [Unicode.Scalar])] = operators.map { ($0, Array($0.unicodeScalars)) }

    /// The word after `<<`: its quotes removed; the body follows the next newline.
    private mutating func readHeredocDelimiter(stripTabs: Bool) {
        while i < s.count, s[i] == " " || s[i] == "\t" { i += 1 }
        guard i < s.count, s[i] != "\n" else { return }
        let word = readWord()
        tokens.append(.word(word))
        let delimiter = word.parts.map { part -> String in
            switch part {
            case .literal(let text, _): text
            case .parameter, .opaque: ShellWord(parts: [part], line: word.line).text
            }
        }.joined()
        let quoted = word.parts.contains { if case .literal(_, quoted: true) = $0 { true } else { false } }
        pendingHeredocs.append((delimiter, stripTabs, quoted))
    }

    /// The end of an arithmetic command `(( ... ))` starting at `s[i]`: past the
    /// `))` that closes it; nil when the parentheses close otherwise (`( (a) )`,
    /// nested subshells).
    private func arithmeticCommandEnd() -> Int? {
        var depth = 0
        var k = i + 2
        while k < s.count {
            switch s[k] {
            case "\\": k += 1
            case "'", "\"":
                let quote = s[k]
                k += 1
                while k < s.count, s[k] != quote { k += 1 }
            case "(": depth += 1
            case ")":
                if depth == 0 { return k + 1 < s.count && s[k + 1] == ")" ? k + 2 : nil }
                depth -= 1
            default: break
            }
            k += 1
        }
        return nil
    }

    /// Skips the bodies of the here-documents opened on the line just ended.
    private mutating func readHeredocBodies() {
        let pending = pendingHeredocs
        pendingHeredocs = []
        for (delimiter, stripTabs, quoted) in pending {
            let bodyStart = i
            let bodyLine = line
            var bodyEnd = i
            while i < s.count {
                var end = i
                while end < s.count, s[end] != "\n" { end += 1 }
                var text = String(String.UnicodeScalarView(s[i..<end]))
                if text.hasSuffix("\r") { text.removeLast() }
                if stripTabs { text = String(text.drop { $0 == "\t" }) }
                i = min(end + 1, s.count)
                line += 1
                if text == delimiter { break }
                bodyEnd = i
            }
            // An unquoted delimiter: the body's `$(...)`, backticks and `${...}`
            // run when the command does. They stand as a command of their own
            // (`: "$(...)"`), so what they run or assign is followed.
            guard !quoted, bodyEnd > bodyStart else { continue }
            let expansions = ShellLexer.expansions(in: Array(s[bodyStart..<bodyEnd]), firstLine: bodyLine)
            guard !expansions.isEmpty else { continue }
            tokens.append(.word(ShellWord(parts: [.literal(":", quoted: false)], line: bodyLine)))
            for part in expansions { tokens.append(.word(ShellWord(parts: [part], line: bodyLine))) }
            tokens.append(.newline(line: bodyLine))
        }
    }

    /// The expansions other than plain parameters in text read as inside
    /// double quotes (a here-document's body, `${...}` and `$((...))` insides):
    /// command substitutions, backticks, `${...}` forms, arithmetic.
    static func expansions(in scalars: [Unicode.Scalar], firstLine: Int) -> [ShellWord.Part] {
        var lexer = ShellLexer(s: scalars)
        lexer.line = firstLine
        var parts: [ShellWord.Part] = []
        while lexer.i < scalars.count {
            switch scalars[lexer.i] {
            case "\\":
                if lexer.i + 1 < scalars.count, scalars[lexer.i + 1] == "\n" { lexer.line += 1 }
                lexer.i += 2
            case "\n":
                lexer.line += 1
                lexer.i += 1
            case "$":
                if let part = lexer.readDollar(quoted: true) {
                    if case .opaque = part { parts.append(part) }
                } else {
                    lexer.i += 1
                }
            case "`":
                let startLine = lexer.line
                parts.append(.opaque(lexer.readBackticks(), quoted: true, canBeSplit: false, line: startLine))
            default: lexer.i += 1
            }
        }
        return parts
    }

    /// One word starting at `s[i]` (not a blank, newline or operator).
    private mutating func readWord() -> ShellWord {
        let start = line
        var parts: [ShellWord.Part] = []
        var literal = String.UnicodeScalarView()
        var literalQuoted = false
        func flush() {
            if !literal.isEmpty { parts.append(.literal(String(literal), quoted: literalQuoted)) }
            literal = String.UnicodeScalarView()
            literalQuoted = false
        }
        func appendLiteral(_ c: Unicode.Scalar, quoted: Bool) {
            if literalQuoted != quoted, !literal.isEmpty { flush() }
            literalQuoted = quoted
            literal.append(c)
        }
        let n = s.count
        while i < n {
            let c = s[i]
            // Blanks and operators end a word (`2>&1`: the digit is a word of its own).
            if c == " " || c == "\t" || c == "\r" || c == "\n" { break }
            if operatorAt(i) != nil,
                !(c == "(" && parts.isEmpty && !literalQuoted && Self.isArrayAssignmentPrefix(String(literal)))
            {
                break
            }
            switch c {
            case "\\":
                if i + 1 < n, s[i + 1] == "\n" {
                    i += 2
                    line += 1
                } else if i + 1 < n {
                    appendLiteral(s[i + 1], quoted: true)
                    i += 2
                } else {
                    i += 1
                }
            case "'":
                i += 1
                var quoted = String.UnicodeScalarView()
                while i < n, s[i] != "'" {
                    if s[i] == "\n" { line += 1 }
                    quoted.append(s[i])
                    i += 1
                }
                i += 1
                flush()
                parts.append(.literal(String(quoted), quoted: true))
            case "\"":
                i += 1
                flush()
                readDoubleQuoted(into: &parts)
            case "$" where i + 1 < n && s[i + 1] == "'":
                // `$'...'` (bash): escapes decide its value; not followed, so unknown.
                flush()
                let start = i
                let startLine = line
                i += 2
                while i < n, s[i] != "'" {
                    if s[i] == "\\" { i += 1 }
                    if i < n, s[i] == "\n" { line += 1 }
                    i += 1
                }
                i = min(i + 1, n)
                parts.append(
                    .opaque(
                        String(String.UnicodeScalarView(s[start..<i])), quoted: true, canBeSplit: false, line: startLine
                    ))
            case "$":
                if let part = readDollar(quoted: false) {
                    flush()
                    parts.append(part)
                } else {
                    appendLiteral("$", quoted: false)
                    i += 1
                }
            case "`":
                flush()
                let startLine = line
                parts.append(.opaque(readBackticks(), quoted: false, canBeSplit: true, line: startLine))
            case "(":
                // `NAME=(a b)`, `NAME+=(c)`: an array; its value is not followed.
                flush()
                let startLine = line
                let open = i
                skipBalanced(open: "(", close: ")")
                parts.append(
                    .opaque(
                        String(String.UnicodeScalarView(s[open..<i])), quoted: false, canBeSplit: true, line: startLine)
                )
            default:
                appendLiteral(c, quoted: false)
                i += 1
            }
        }
        flush()
        return ShellWord(parts: parts, line: start)
    }

    /// The inside of `"..."` (the opening quote read), up to the closing quote.
    private mutating func readDoubleQuoted(into parts: inout [ShellWord.Part]) {
        var text = String.UnicodeScalarView()
        func flushText() {
            parts.append(.literal(String(text), quoted: true))
            text = String.UnicodeScalarView()
        }
        let n = s.count
        var emitted = false
        while i < n {
            let d = s[i]
            if d == "\"" {
                i += 1
                break
            }
            switch d {
            case "\\":
                if i + 1 < n {
                    let e = s[i + 1]
                    if e == "\n" {
                        line += 1
                    } else if e == "$" || e == "`" || e == "\"" || e == "\\" {
                        text.append(e)
                    } else {
                        text.append(d)
                        text.append(e)
                    }
                    i += 2
                } else {
                    i += 1
                }
            case "$":
                if let part = readDollar(quoted: true) {
                    if !text.isEmpty { flushText() }
                    parts.append(part)
                    emitted = true
                } else {
                    text.append(d)
                    i += 1
                }
            case "`":
                if !text.isEmpty { flushText() }
                let startLine = line
                parts.append(.opaque(readBackticks(), quoted: true, canBeSplit: false, line: startLine))
                emitted = true
            default:
                if d == "\n" { line += 1 }
                text.append(d)
                i += 1
            }
        }
        // `""` is an empty word, not nothing.
        if !text.isEmpty || !emitted { flushText() }
    }

    /// An expansion at `s[i] == "$"`, or nil when the `$` is literal.
    private mutating func readDollar(quoted: Bool) -> ShellWord.Part? {
        let n = s.count
        guard i + 1 < n else { return nil }
        let next = s[i + 1]
        let startLine = line
        if next == "(" {
            let start = i
            let arithmetic = i + 2 < n && s[i + 2] == "("
            i += 1
            skipBalanced(open: "(", close: ")")
            let text = String(String.UnicodeScalarView(s[start..<i]))
            // Arithmetic gives one number: it cannot become an option or several words.
            return .opaque(text, quoted: quoted, canBeSplit: !quoted && !arithmetic, line: startLine)
        }
        if next == "{" {
            let start = i
            i += 1
            skipBalanced(open: "{", close: "}")
            let text = String(String.UnicodeScalarView(s[start..<i]))
            let inner = text.dropFirst(2).dropLast(text.hasSuffix("}") ? 1 : 0)
            if let first = inner.unicodeScalars.first, Self.isIdentifierStart(first),
                inner.unicodeScalars.allSatisfy(Self.isIdentifierChar), text.hasSuffix("}")
            {
                return .parameter(String(inner), quoted: quoted, braced: true)
            }
            if !inner.isEmpty, text.hasSuffix("}"),
                inner.allSatisfy({ $0.isASCII && $0.isNumber }) || ["@", "*", "#"].contains(inner)
            {
                return .parameter(String(inner), quoted: quoted, braced: true)
            }
            return .opaque(text, quoted: quoted, canBeSplit: !quoted, line: startLine)
        }
        if Self.isIdentifierStart(next) {
            var k = i + 1
            while k < n, Self.isIdentifierChar(s[k]) { k += 1 }
            let name = String(String.UnicodeScalarView(s[(i + 1)..<k]))
            i = k
            return .parameter(name, quoted: quoted)
        }
        if (next >= "0" && next <= "9") || ["@", "*", "#", "?", "$", "!", "-"].contains(next) {
            i += 2
            return .parameter(String(next), quoted: quoted)
        }
        return nil
    }

    /// A backtick command from `s[i] == "`"` through its closing backtick, as written.
    private mutating func readBackticks() -> String {
        let start = i
        i += 1
        while i < s.count, s[i] != "`" {
            if s[i] == "\\", i + 1 < s.count { i += 1 }
            if s[i] == "\n" { line += 1 }
            i += 1
        }
        i = min(i + 1, s.count)
        return String(String.UnicodeScalarView(s[start..<i]))
    }

    /// From `s[i] == open` past its matching `close`, skipping quotes; to the end when unbalanced.
    private mutating func skipBalanced(open: Unicode.Scalar, close: Unicode.Scalar) {
        var depth = 0
        let n = s.count
        while i < n {
            let d = s[i]
            switch d {
            case "\\":
                if i + 1 < n, s[i + 1] == "\n" { line += 1 }
                i += 2
                continue
            case "'" where open == "(":
                i += 1
                while i < n, s[i] != "'" {
                    if s[i] == "\n" { line += 1 }
                    i += 1
                }
            case "\"":
                i += 1
                while i < n, s[i] != "\"" {
                    if s[i] == "\\" { i += 1 }
                    if i < n, s[i] == "\n" { line += 1 }
                    i += 1
                }
            case "\n":
                line += 1
            default:
                if d == open {
                    depth += 1
                } else if d == close {
                    depth -= 1
                    if depth == 0 {
                        i += 1
                        return
                    }
                }
            }
            i += 1
        }
        i = min(i, n)
    }

    /// True for `NAME=` and `NAME+=`: followed by `(`, an array assignment.
    static func isArrayAssignmentPrefix(_ text: String) -> Bool {
        guard text.hasSuffix("=") else { return false }
        var name = text.unicodeScalars.dropLast()
        if name.last == "+" { name = name.dropLast() }
        guard let first = name.first, isIdentifierStart(first) else { return false }
        return name.allSatisfy(isIdentifierChar)
    }

    static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || c == "_"
    }

    static func isIdentifierChar(_ c: Unicode.Scalar) -> Bool {
        isIdentifierStart(c) || (c >= "0" && c <= "9")
    }
}
