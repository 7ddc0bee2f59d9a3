// Making a spec safe to parse: every %(...) shell and %{lua:} expansion replaced
// before rpm sees the text, and recorded.

import Foundation

extension SpecSource {
    // MARK: Neutralising

    /// A copy of the text with every shell expansion `%(...)` and Lua expansion `%{lua:...}`
    /// (behind any run of `%`, also `%{?lua:`) replaced, and what was replaced.
    ///
    /// Each expansion becomes a marker (`RefusedExpansion.marker`, plain letters and digits)
    /// that rpm carries through every macro that uses it, so the shell text of `%build` shows
    /// exactly where a value is missing; or `%{nil}` where a marker would break the parse
    /// (a continued `%if` line) or stands for whole lines (see `spansNeedingNil`).
    ///
    /// The result contains no `%(` and no `%{lua:` at all. A shell expansion ends where rpm
    /// ends it (parens counted, `\` escapes, quotes not special); a Lua one skips Lua strings
    /// and comments. Line count is kept: a multi-line expansion leaves its newlines (with
    /// their `\`). An unbalanced expansion is neutralised to the end of its line. Linear time.
    /// Not caught: `%(` built at expansion time from pieces (e.g. `%%%{empty}(`).
    @_spi(Fuzzing) public func neutralized() -> (text: String, refused: [RefusedExpansion]) {
        let s = Array(text.unicodeScalars)
        let spans = Self.expansionSpans(s)
        guard !spans.isEmpty else { return (text, []) }
        let usesNil = spansNeedingNil(spans)
        // UTF-8 bytes: appending to a [UInt8] is far cheaper than to a String's scalar view.
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 64)
        var refused: [RefusedExpansion] = []
        var i = 0
        for (number, span) in spans.enumerated() {
            for k in i..<span.start {
                let c = s[k]
                if c.isASCII { out.append(UInt8(c.value)) } else { out.append(contentsOf: String(c).utf8) }
            }
            let marker = usesNil.contains(number) ? nil : RefusedExpansion.marker(number + 1)
            out.append(contentsOf: (marker ?? "%{nil}").utf8)
            for k in span.start..<span.end where s[k] == "\n" {
                let cr = k > span.start && s[k - 1] == "\r"
                let backslashAt = cr ? k - 2 : k - 1
                if backslashAt >= span.start, s[backslashAt] == "\\" { out.append(0x5C) }
                if cr { out.append(0x0D) }
                out.append(0x0A)
            }
            if !span.closed, span.end > span.start, s[span.end - 1] == "\\" { out.append(0x5C) }
            let original = String(String.UnicodeScalarView(s[span.start..<min(span.end, span.start + 320)]))
            var expansion = RefusedExpansion(
                line: span.line, text: String(original.prefix(80)), kind: span.kind, marker: marker,
                mayDefineMacros: span.mayDefineMacros)
            expansion.standsAlone =
                span.startsLine && !(span.line >= 2 && Self.endsWithContinuation(lines[span.line - 2]))
            refused.append(expansion)
            i = span.end
        }
        for k in i..<s.count {
            let c = s[k]
            if c.isASCII { out.append(UInt8(c.value)) } else { out.append(contentsOf: String(c).utf8) }
        }
        return (String(decoding: out, as: UTF8.self), refused)
    }

    /// Where a refused expansion stands in the text (scalar offsets) and what it is.
    struct ExpansionSpan {
        var start: Int
        var end: Int
        var line: Int
        var kind: RefusedExpansion.Kind
        /// False when unbalanced (it runs to the end of its line).
        var closed: Bool
        /// True when only blanks stand before it on its line.
        var startsLine: Bool
        /// True when running it could define macros: Lua that names `define`,
        /// `macros`, `expand` or `load`, or any expansion inside `%{expand:`
        /// (whose output rpm expands again).
        var mayDefineMacros: Bool
    }

    /// Every `%(...)` and `%{lua:...}` in `s`, in order.
    static func expansionSpans(_ s: [Unicode.Scalar]) -> [ExpansionSpan] {
        let n = s.count
        var spans: [ExpansionSpan] = []
        // Bounds all bracket matching together, so many unbalanced openers stay linear.
        var budget = 8 * n + 4096
        var i = 0
        var line = 1
        var blankSoFar = true  // only blanks since the last newline
        var lineStart = 0
        while i < n {
            let c = s[i]
            guard c == "%" else {
                if c == "\n" {
                    line += 1
                    blankSoFar = true
                    lineStart = i + 1
                } else if c != " " && c != "\t" {
                    blankSoFar = false
                }
                i += 1
                continue
            }
            let startsLine = blankSoFar
            blankSoFar = false
            var j = i
            while j < n, s[j] == "%" { j += 1 }
            let kind: RefusedExpansion.Kind
            if j < n, s[j] == "(" {
                kind = .shell
            } else if j < n, s[j] == "{", opensLua(s, at: j) {
                kind = .lua
            } else {
                i = j
                continue
            }
            let matched =
                kind == .shell
                ? closingParen(s, from: j, budget: &budget) : closingLuaBrace(s, from: j, budget: &budget)
            var end: Int
            if let matched {
                end = matched
            } else {
                end = j
                while end < n, s[end] != "\n" { end += 1 }
                if end > j, s[end - 1] == "\r" { end -= 1 }
            }
            let before = String(String.UnicodeScalarView(s[lineStart..<i]))
            let body = kind == .lua ? String(String.UnicodeScalarView(s[i..<min(end, i + 64 << 10)])) : ""
            let defines =
                before.contains("%{expand") || ["define", "macros", "expand", "load"].contains { body.contains($0) }
            spans.append(
                ExpansionSpan(
                    start: i, end: end, line: line, kind: kind, closed: matched != nil, startsLine: startsLine,
                    mayDefineMacros: defines))
            for k in i..<end where s[k] == "\n" {
                line += 1
                lineStart = k + 1
            }
            i = end
        }
        return spans
    }

    /// Indices of the spans to replace by `%{nil}` rather than a marker: those
    /// on a condition line rpm is not given recorded (`recordsCondition`: a
    /// continued `%if`), where a marker would break the expression, and those that
    /// start a line of their own (their output would be whole lines: tags,
    /// commands), unless the line continues a command (`\` at the end of the one
    /// before). A marker that reaches a recorded condition, by whatever macro, is
    /// caught where rpm evaluates it.
    private func spansNeedingNil(_ spans: [ExpansionSpan]) -> Set<Int> {
        var result = Set<Int>()
        for (index, span) in spans.enumerated() {
            let continues = span.line >= 2 && Self.endsWithContinuation(lines[span.line - 2])
            let onCondition = Self.directive(of: lines[span.line - 1]).map { $0 == "if" || $0 == "elif" } ?? false
            if (onCondition && !recordsCondition(atLine: span.line)) || (span.startsLine && !continues) {
                result.insert(index)
            }
        }
        return result
    }

    /// True when `s[at]` is the `{` of `{lua:` (also `{?lua:`, `{!?lua:`, and
    /// `{lua ` with a blank for the colon, which rpm 4.18 runs as Lua too).
    static func opensLua(_ s: [Unicode.Scalar], at: Int) -> Bool {
        var k = at + 1
        while k < s.count, s[k] == "?" || s[k] == "!" { k += 1 }
        let word: [Unicode.Scalar] = ["l", "u", "a"]
        guard k + word.count < s.count, Array(s[k..<(k + word.count)]) == word else { return false }
        let next = s[k + word.count]
        return next == ":" || next == " " || next == "\t"
    }

    /// One past the `)` matching the `(` at `from`, counting parens and skipping `\`-escaped
    /// characters as rpm does; nil when unbalanced or out of budget.
    static func closingParen(_ s: [Unicode.Scalar], from: Int, budget: inout Int) -> Int? {
        var depth = 0
        var k = from
        while k < s.count {
            budget -= 1
            if budget <= 0 { return nil }
            switch s[k] {
            case "\\":
                k += 2
                continue
            case "(":
                depth += 1
            case ")":
                depth -= 1
                if depth == 0 { return k + 1 }
            default:
                break
            }
            k += 1
        }
        return nil
    }

    /// One past the `}` matching the `{` at `from`, skipping Lua strings (`"..."`, `'...'`,
    /// `[[...]]`) and comments; nil when unbalanced or out of budget.
    static func closingLuaBrace(_ s: [Unicode.Scalar], from: Int, budget: inout Int) -> Int? {
        let n = s.count
        var depth = 0
        var k = from
        while k < n {
            budget -= 1
            if budget <= 0 { return nil }
            let c = s[k]
            switch c {
            case "\\":
                k += 2
                continue
            case "{":
                depth += 1
            case "}":
                depth -= 1
                if depth == 0 { return k + 1 }
            case "\"", "'":
                k += 1
                while k < n, s[k] != c, s[k] != "\n" {
                    budget -= 1
                    if budget <= 0 { return nil }
                    k += s[k] == "\\" ? 2 : 1
                }
                if k < n, s[k] == c { k += 1 }
                continue
            case "[":
                if let end = longBracketEnd(s, from: k, budget: &budget) {
                    k = end
                    continue
                }
            case "-" where k + 1 < n && s[k + 1] == "-":
                k += 2
                if let end = longBracketEnd(s, from: k, budget: &budget) {
                    k = end
                    continue
                }
                while k < n, s[k] != "\n" {
                    budget -= 1
                    k += 1
                }
                continue
            default:
                break
            }
            k += 1
        }
        return nil
    }

    /// For a Lua long bracket `[[` / `[==[` at `from`, one past its closing bracket (or the
    /// end of the text when unclosed); nil when `from` opens no long bracket.
    static func longBracketEnd(_ s: [Unicode.Scalar], from: Int, budget: inout Int) -> Int? {
        let n = s.count
        guard from < n, s[from] == "[" else { return nil }
        var k = from + 1
        var level = 0
        while k < n, s[k] == "=" {
            level += 1
            k += 1
        }
        guard k < n, s[k] == "[" else { return nil }
        k += 1
        while k < n {
            budget -= 1
            if budget <= 0 { return n }
            if s[k] == "]" {
                var m = k + 1
                var closing = 0
                while m < n, s[m] == "=", closing < level {
                    closing += 1
                    m += 1
                }
                if closing == level, m < n, s[m] == "]" { return m + 1 }
            }
            k += 1
        }
        return n
    }
}

extension SpecSource {
    // MARK: Text snapcheck does not read

    /// Lines whose text rpm would take from somewhere snapcheck does not read,
    /// with what it is: a file (`%include`, `%{load:}`), or a macro name or
    /// body made at expansion time (`%{%{L}:...}`, `%{expand:...%%...}`),
    /// where a shell or Lua expansion the neutraliser never saw can run; or a
    /// value of the auditing host (`%{getenv:}`, `%{exists:}`) used outside a
    /// condition or a definition (those the taint follows). A spec with one
    /// decides nothing: that text could set the configure call, or the version
    /// (the first rule). Real specs of the corpus have none.
    func textNotRead() -> [(line: Int, what: String)] {
        var found: [(line: Int, what: String)] = []
        // Every line: sections may come in any order, so no section ends the search.
        var afterChangelog = false
        for (index, line) in lines.enumerated() where line.utf8.contains(UInt8(ascii: "%")) {
            let text = line.trimmingWhitespace
            let what: String
            let section = Self.sectionName(of: text)
            if section == "changelog" {
                afterChangelog = true
                continue
            }
            if afterChangelog, section != nil {
                // The sandbox parses without the changelog's lines; before a section they may have run macros.
                what = "a section after %changelog (the sandbox parses without the changelog)"
            } else if Self.uses(["expr"], in: line) || line.contains("%[") {
                what = "an expression evaluated outside %if, which snapcheck does not record"
            } else if line.contains("%%{lua") || line.contains("%%{?lua") || Self.usesConditionalLua(line)
                || (line.contains("%{lua") && line.contains("--"))
            {
                what = "Lua rpm reads otherwise than the neutraliser (%%, ?lua, a Lua comment)"
            } else if let name = Self.definedName(text),
                name.hasPrefix("patch"), name.dropFirst(5).allSatisfy({ $0.isNumber })
            {
                what = "a macro named like %patch, whose lines the sandbox parses without"
            } else if text.hasPrefix("%include ") || text.hasPrefix("%include\t") || text.hasPrefix("%load ")
                || Self.uses(["load"], in: line)
            {
                what = "a file it loads"
            } else if Self.uses(["macrobody", "__file_name"], in: line) {
                what = "a value of this parse, not of a build (a macro's body as snapcheck sets it, the spec's path)"
            } else if Self.namesMacroAtExpansion(line) {
                what = "a macro name made at expansion time"
            } else if Self.completesLuaAtExpansion(line) {
                what = "Lua whose % a macro gives at expansion time"
            } else if let expand = line.range(of: "%{expand:"), line[expand.upperBound...].contains("%%") {
                what = "text %{expand:} builds and expands again"
            } else if Self.readsHostDirectly(line), Self.firstDefinitionKeyword(in: line) == nil,
                Self.directive(of: line).map({ !["if", "elif"].contains($0) }) ?? true
            {
                // In a condition or a definition the taint follows it; anywhere else it is the line's value.
                what = "a value of the auditing host (its environment or files), not the builder's"
            } else {
                continue
            }
            found.append((index + 1, "\(what): \(String(text.prefix(80)))"))
        }
        return found
    }

    /// A use of a built-in macro that reads the auditing host (`SpecRules.hostBuiltins`).
    private static func readsHostDirectly(_ line: Substring) -> Bool {
        uses(SpecRules.hostBuiltins, in: line)
    }

    /// `%{NAME}`, `%{NAME:…}` or `%{NAME …}` (a blank for the colon, as rpm 4.18
    /// takes it), also behind `?`/`!`, for one of `names`.
    static func uses(_ names: [String], in line: Substring) -> Bool {
        let bytes = Array(line.utf8)
        var index = 0
        while index + 1 < bytes.count {
            defer { index += 1 }
            guard bytes[index] == UInt8(ascii: "%"), bytes[index + 1] == UInt8(ascii: "{") else { continue }
            var k = index + 2
            while k < bytes.count, bytes[k] == UInt8(ascii: "?") || bytes[k] == UInt8(ascii: "!") { k += 1 }
            for name in names where bytes[k...].starts(with: name.utf8) {
                let end = k + name.utf8.count
                if end < bytes.count, [UInt8(ascii: "}"), UInt8(ascii: ":"), 0x20, 0x09].contains(bytes[end]) {
                    return true
                }
            }
        }
        return false
    }

    /// `{lua:` (also `{?lua:`, `{!?lua:`) with no `%` before it: a macro that
    /// expands to `%` (`%define pct %%`, then `%{pct}{lua:...}`) makes it Lua
    /// the neutraliser, which looks for `%{lua:`, never sees.
    private static func completesLuaAtExpansion(_ line: Substring) -> Bool {
        let bytes = Array(line.utf8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "{"), index == 0 || bytes[index - 1] != UInt8(ascii: "%") {
                var k = index + 1
                while k < bytes.count, bytes[k] == UInt8(ascii: "?") || bytes[k] == UInt8(ascii: "!") { k += 1 }
                if bytes[k...].starts(with: "lua:".utf8) || bytes[k...].starts(with: "lua ".utf8) { return true }
            }
            index += 1
        }
        return false
    }

    /// `%{?lua`, `%{!lua`, `%{!?lua`: rpm tests a macro named lua there, which is not Lua.
    private static func usesConditionalLua(_ line: Substring) -> Bool {
        ["%{?lua", "%{!lua", "%{!?lua"].contains { line.contains($0) }
    }

    /// The section a line opens (`%build` gives `build`), or nil.
    private static func sectionName(of text: String) -> String? {
        guard text.hasPrefix("%") else { return nil }
        let word = String(text.dropFirst().prefix { $0.isLetter || $0 == "_" })
        return word == "changelog" || sectionNames.contains(word) ? word : nil
    }

    /// The name a `%define`/`%global` line (trimmed) defines, or nil.
    static func definedName(_ text: String) -> String? {
        for keyword in ["%define", "%global"] where text.hasPrefix(keyword) {
            let name = text.dropFirst(keyword.count).trimmingWhitespace.prefix {
                $0.isLetter || $0.isNumber || $0 == "_"
            }
            return name.isEmpty ? nil : String(name)
        }
        return nil
    }

    /// `%{` followed (after `?`/`!`) by `%`: the name of the macro is itself expanded.
    private static func namesMacroAtExpansion(_ line: Substring) -> Bool {
        let bytes = Array(line.utf8)
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), bytes[index + 1] == UInt8(ascii: "{") {
                var k = index + 2
                while k < bytes.count, bytes[k] == UInt8(ascii: "?") || bytes[k] == UInt8(ascii: "!") { k += 1 }
                if k < bytes.count, bytes[k] == UInt8(ascii: "%") { return true }
            }
            index += 1
        }
        return false
    }
}
