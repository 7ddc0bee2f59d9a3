// The original spec file as text: making it safe to parse (no shell, no Lua) and
// naming lines in it, since librpmbuild's parse loses line numbers.

import Foundation

/// The original text of a spec file, with line-level queries. Lines are 1-based.
public struct SpecSource: Sendable {
    /// The spec text as given.
    public let text: String
    /// The physical lines (without their `\n` / `\r\n`).
    public let lines: [Substring]
    /// 0-based first and last line of the logical line each line belongs to.
    private let logicalBounds: [(start: Int, end: Int)]
    /// 0-based last line of the plain `\`-continuation chain starting at each line.
    private let continuationEnd: [Int]
    /// `%if` conditions as a tree (each node links to its enclosing one) ...
    private let conditionNodes: [(condition: SpecCondition, parent: Int)]
    /// ... and the innermost node open before each line (index `lines.count`: at the end); -1: none.
    private let conditionAtLine: [Int]

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

    // MARK: Neutralising

    /// A copy of the text with every shell expansion `%(...)` and Lua expansion `%{lua:...}`
    /// (behind any run of `%`, also `%{?lua:`) replaced, and what was replaced.
    ///
    /// Each expansion becomes a marker (`RefusedExpansion.marker`, plain letters and digits)
    /// that rpm carries through every macro that uses it, so the shell text of `%build` shows
    /// exactly where a value is missing; or `%{nil}` where a marker would break the parse: on
    /// `%if`/`%elif` lines and in the definitions of macros such a condition uses.
    ///
    /// The result contains no `%(` and no `%{lua:` at all. A shell expansion ends where rpm
    /// ends it (parens counted, `\` escapes, quotes not special); a Lua one skips Lua strings
    /// and comments. Line count is kept: a multi-line expansion leaves its newlines (with
    /// their `\`). An unbalanced expansion is neutralised to the end of its line. Linear time.
    /// Not caught: `%(` built at expansion time from pieces (e.g. `%%%{empty}(`).
    public func neutralized() -> (text: String, refused: [RefusedExpansion]) {
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
            refused.append(RefusedExpansion(line: span.line, text: String(original.prefix(80)), kind: span.kind, marker: marker))
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
        while i < n {
            let c = s[i]
            guard c == "%" else {
                if c == "\n" {
                    line += 1
                    blankSoFar = true
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
            let matched = kind == .shell ? closingParen(s, from: j, budget: &budget) : closingLuaBrace(s, from: j, budget: &budget)
            var end: Int
            if let matched {
                end = matched
            } else {
                end = j
                while end < n, s[end] != "\n" { end += 1 }
                if end > j, s[end - 1] == "\r" { end -= 1 }
            }
            spans.append(ExpansionSpan(start: i, end: end, line: line, kind: kind, closed: matched != nil, startsLine: startsLine))
            for k in i..<end where s[k] == "\n" { line += 1 }
            i = end
        }
        return spans
    }

    /// Indices of the spans to replace by `%{nil}` rather than a marker: those on a
    /// `%if`/`%elif` line, those inside the definition of a macro that such a
    /// condition uses (directly or through other macros), and those that start a
    /// line of their own (their output would be whole lines: tags, commands),
    /// unless the line continues a command (`\` at the end of the one before).
    private func spansNeedingNil(_ spans: [ExpansionSpan]) -> Set<Int> {
        let conditionLines = Set(conditionNodes.map(\.condition).filter { !$0.isArchCondition }.map(\.line))
        var used = Set(conditionNodes.map(\.condition).filter { !$0.isArchCondition }.flatMap(\.macroNames))
        let sites = allDefinitions()
        var grew = true
        while grew {
            grew = false
            for site in sites where used.contains(site.name) {
                for reference in Self.macroReferences(in: Substring(site.value)) where used.insert(reference.name).inserted {
                    grew = true
                }
            }
        }
        var result = Set<Int>()
        for (index, span) in spans.enumerated() {
            let continues = span.line >= 2 && Self.endsWithContinuation(lines[span.line - 2])
            if conditionLines.contains(span.line) || (span.startsLine && !continues) {
                result.insert(index)
            } else if sites.contains(where: { used.contains($0.name) && ($0.line...$0.lastLine).contains(span.line) }) {
                result.insert(index)
            }
        }
        return result
    }

    /// True when `s[at]` is the `{` of `{lua:` (also `{?lua:`, `{!?lua:`).
    static func opensLua(_ s: [Unicode.Scalar], at: Int) -> Bool {
        var k = at + 1
        while k < s.count, s[k] == "?" || s[k] == "!" { k += 1 }
        let word: [Unicode.Scalar] = ["l", "u", "a", ":"]
        guard k + word.count <= s.count else { return false }
        return Array(s[k..<(k + word.count)]) == word
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
        while k < n, s[k] == "=" { level += 1; k += 1 }
        guard k < n, s[k] == "[" else { return nil }
        k += 1
        while k < n {
            budget -= 1
            if budget <= 0 { return n }
            if s[k] == "]" {
                var m = k + 1
                var closing = 0
                while m < n, s[m] == "=", closing < level { closing += 1; m += 1 }
                if closing == level, m < n, s[m] == "]" { return m + 1 }
            }
            k += 1
        }
        return n
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
        for (index, line) in lines.enumerated() {
            let bytes = Array(line.utf8)
            guard bytes.count >= needle.count else { continue }
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

    // MARK: Macros

    /// Definitions of `name`: `%define`/`%global` (also parametric, also inside `%{!?x:...}`)
    /// with the value (continuation lines joined by newlines, `\` removed), and
    /// `%bcond_with`/`%bcond_without` (value empty). In line order.
    public func definitions(of name: String) -> [MacroDefinitionSite] {
        definitionSites(named: name)
    }

    /// Every `%define`/`%global` definition in the text, in line order (bconds left out).
    func allDefinitions() -> [MacroDefinitionSite] {
        definitionSites(named: nil)
    }

    /// Macros defined on one of `lines` (a definition's whole body counts), and
    /// every macro whose definition uses one of those, transitively.
    public func macros(dependingOnLines lines: Set<Int>) -> Set<String> {
        guard !lines.isEmpty else { return [] }
        let sites = allDefinitions()
        var names = Set(sites.filter { site in (site.line...site.lastLine).contains(where: lines.contains) }.map(\.name))
        var grew = !names.isEmpty
        while grew {
            grew = false
            for site in sites where !names.contains(site.name) {
                if Self.macroReferences(in: Substring(site.value)).contains(where: { names.contains($0.name) }) {
                    names.insert(site.name)
                    grew = true
                }
            }
        }
        return names
    }

    private func definitionSites(named name: String?) -> [MacroDefinitionSite] {
        var sites: [MacroDefinitionSite] = []
        var bodyEnd = -1
        for index in lines.indices where index > bodyEnd {
            let line = lines[index]
            guard Self.contains(line, "%") else { continue }
            if let name, let site = bcondSite(line, index: index, name: name) {
                sites.append(site)
                continue
            }
            // Only the first definition on a line counts: it takes the rest of the line and its
            // continuation lines as its body, as rpm does.
            guard let found = Self.firstDefinitionKeyword(in: line) else { continue }
            bodyEnd = continuationEnd[index]
            if let site = defineSite(line, at: found, index: index, name: name) {
                sites.append(site)
            }
        }
        return sites
    }

    /// The first `%define` / `%global` in the line that starts a definition (at line start,
    /// after blanks, or after `{` / `:` as in `%{!?x:%global x 0}`), followed by a blank.
    static func firstDefinitionKeyword(in line: Substring) -> Range<Substring.Index>? {
        var index = line.startIndex
        var previous: Character = " "
        while index < line.endIndex {
            let c = line[index]
            if c == "%", previous == " " || previous == "\t" || previous == "{" || previous == ":" {
                let rest = line[index...]
                for keyword in ["%define", "%global"] where rest.hasPrefix(keyword) {
                    let end = line.index(index, offsetBy: keyword.count)
                    if end < line.endIndex, line[end] == " " || line[end] == "\t" {
                        return index..<end
                    }
                }
            }
            previous = c
            index = line.index(after: index)
        }
        return nil
    }

    private func bcondSite(_ line: Substring, index: Int, name: String) -> MacroDefinitionSite? {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.count >= 2, words[1] == name else { return nil }
        switch words[0] {
        case "%bcond_with": return MacroDefinitionSite(line: index + 1, kind: .bcondWith, name: name, value: "")
        case "%bcond_without": return MacroDefinitionSite(line: index + 1, kind: .bcondWithout, name: name, value: "")
        default: return nil
        }
    }

    private func defineSite(_ line: Substring, at found: Range<Substring.Index>, index: Int, name wanted: String?) -> MacroDefinitionSite? {
        let prefix = line[..<found.lowerBound]
        var rest = line[found.upperBound...].drop(while: { $0 == " " || $0 == "\t" })
        let macroName = rest.prefix(while: HelperScriptMap.isIdentifierChar)
        guard !macroName.isEmpty, wanted.map({ macroName == $0 }) ?? true else { return nil }
        let name = String(macroName)
        rest = rest[macroName.endIndex...]
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            rest = rest[rest.index(after: close)...]
        } else if let next = rest.first, next != " " && next != "\t" {
            return nil
        }
        var parts: [Substring] = [rest]
        let last = continuationEnd[index]
        if last > index {
            for more in (index + 1)...last { parts.append(lines[more]) }
        }
        for p in 0..<(parts.count - 1) where Self.endsWithContinuation(parts[p]) {
            parts[p] = parts[p].dropLast()
        }
        var value = parts.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        let embedded = !prefix.allSatisfy { $0 == " " || $0 == "\t" }
        if embedded, value.hasSuffix("}"),
           value.filter({ $0 == "}" }).count > value.filter({ $0 == "{" }).count {
            value = String(value.dropLast()).trimmingCharacters(in: .whitespaces)
        }
        let kind: MacroDefinitionSite.Kind = line[found] == "%global" ? .global : .define
        return MacroDefinitionSite(line: index + 1, kind: kind, name: name, value: value, lastLine: last + 1)
    }

    /// 1-based lines referencing `name`: `%NAME`, `%{NAME}`, `%{?NAME}`, `%{!?NAME:...}`,
    /// `0%{?NAME}`, and for a bcond `%{with NAME}`, `%{without NAME}`, `%{?with_NAME}`.
    public func lines(referencing name: String) -> [Int] {
        var result: [Int] = []
        for (index, line) in lines.enumerated() where Self.contains(line, "%") {
            if Self.macroReferences(in: line).contains(where: { $0.name == name || $0.raw == name }) {
                result.append(index + 1)
            }
        }
        return result
    }

    /// The `%if`/`%ifarch`/`%elif`… conditions enclosing `line`, outermost first; a line
    /// after the last gives the conditions still open at the end of the file.
    public func enclosingConditions(ofLine line: Int) -> [SpecCondition] {
        guard line >= 1 else { return [] }
        var result: [SpecCondition] = []
        var node = conditionAtLine[min(line, lines.count + 1) - 1]
        while node >= 0 {
            result.append(conditionNodes[node].condition)
            node = conditionNodes[node].parent
        }
        return result.reversed()
    }

    /// Every `%if`-family condition of the text, once each (its `%if` part), in line order.
    public var allConditions: [SpecCondition] {
        var seen = Set<Int>()
        return conditionNodes.map(\.condition).filter { !$0.inElseBranch && seen.insert($0.line).inserted }
    }

    /// Builds the condition tree: for each line (and one past the last), the innermost
    /// condition node open before it; nodes link to their enclosing node.
    static func conditionTree(_ lines: [Substring]) -> (nodes: [(condition: SpecCondition, parent: Int)], atLine: [Int]) {
        var nodes: [(condition: SpecCondition, parent: Int)] = []
        var atLine: [Int] = []
        atLine.reserveCapacity(lines.count + 1)
        var chain: [Int] = []
        var frameSizes: [Int] = []
        func markTopAsElse() {
            guard let top = chain.last else { return }
            var copy = nodes[top]
            copy.condition.inElseBranch = true
            nodes.append(copy)
            chain[chain.count - 1] = nodes.count - 1
        }
        for (index, line) in lines.enumerated() {
            atLine.append(chain.last ?? -1)
            guard let keyword = directive(of: line) else { continue }
            switch keyword {
            case "else":
                if !frameSizes.isEmpty { markTopAsElse() }
            case "endif":
                if let size = frameSizes.popLast() { chain.removeLast(size) }
            default:
                let text = line.trimmingCharacters(in: .whitespaces)
                let condition = Self.condition(line: index + 1, text: text, keyword: keyword)
                if keyword.hasPrefix("elif"), !frameSizes.isEmpty {
                    markTopAsElse()
                    frameSizes[frameSizes.count - 1] += 1
                } else {
                    frameSizes.append(1)
                }
                nodes.append((condition, chain.last ?? -1))
                chain.append(nodes.count - 1)
            }
        }
        atLine.append(chain.last ?? -1)
        return (nodes, atLine)
    }

    static func condition(line: Int, text: String, keyword: String) -> SpecCondition {
        let expression = text.dropFirst(keyword.count + 1)
        var names: [String] = []
        var bconds: [String] = []
        for reference in macroReferences(in: expression) where !builtinMacros.contains(reference.name) {
            if !names.contains(reference.name) { names.append(reference.name) }
            if reference.isBcond, !bconds.contains(reference.name) { bconds.append(reference.name) }
        }
        return SpecCondition(line: line, text: text, inElseBranch: false, macroNames: names, bcondNames: bconds,
                             keyword: keyword, expression: expression.trimmingWhitespace)
    }

    static let builtinMacros: Set<String> = ["expand", "nil", "lua", "quote", "shrink", "verbose", "getenv", "echo", "warn", "error"]

    /// A macro named in a line; for bconds, `name` is the bcond name and `raw` the macro.
    struct MacroReference: Hashable {
        var name: String
        var raw: String
        var isBcond: Bool
    }

    static func macroReferences(in line: Substring) -> [MacroReference] {
        let s = Array(line.unicodeScalars)
        let n = s.count
        var references: [MacroReference] = []
        var i = 0
        func identifier(at start: Int) -> (String, Int)? {
            guard start < n, ShellLexer.isIdentifierStart(s[start]) else { return nil }
            var k = start
            while k < n, ShellLexer.isIdentifierChar(s[k]) { k += 1 }
            return (String(String.UnicodeScalarView(s[start..<k])), k)
        }
        while i < n {
            guard s[i] == "%" else {
                i += 1
                continue
            }
            var k = i
            while k < n, s[k] == "%" { k += 1 }
            let braced = k < n && s[k] == "{"
            if braced { k += 1 }
            while k < n, s[k] == "?" || s[k] == "!" { k += 1 }
            guard let (id, after) = identifier(at: k) else {
                i = k
                continue
            }
            i = after
            if braced, ["with", "without", "defined", "undefined"].contains(id), after < n, s[after] == " " || s[after] == "\t" {
                var m = after
                while m < n, s[m] == " " || s[m] == "\t" { m += 1 }
                if let (target, end) = identifier(at: m) {
                    references.append(MacroReference(name: target, raw: target, isBcond: id.hasPrefix("with")))
                    i = end
                    continue
                }
            }
            if id.hasPrefix("with_"), id.count > 5 {
                references.append(MacroReference(name: String(id.dropFirst(5)), raw: id, isBcond: true))
            } else if id.hasPrefix("without_"), id.count > 8 {
                references.append(MacroReference(name: String(id.dropFirst(8)), raw: id, isBcond: true))
            } else {
                references.append(MacroReference(name: id, raw: id, isBcond: false))
            }
        }
        return references
    }

    // MARK: Configure regions

    /// Logical lines holding a configure command (program `configure`, `./configure`,
    /// `../configure`, `*configure.sh`, `%{SOURCEn}`, `%{_sourcedir}/…configure.sh`, `%configure`),
    /// also inside a `%define NAME()` body. `text` is the logical line without `%if`-family
    /// lines and `\`, whitespace collapsed. One region per logical line.
    public func configureRegions() -> [SpecRegion] {
        var regions: [SpecRegion] = []
        var start = 0
        while start < lines.count {
            let end = logicalBounds[start].end
            defer { start = end + 1 }
            let candidate = (start...end).contains { index in
                let line = lines[index]
                return Self.contains(line, "configure") || Self.contains(line, "SOURCE") || Self.contains(line, "%{S:")
            }
            guard candidate else { continue }
            var parts: [Substring] = []
            for index in start...end {
                let line = lines[index]
                if index > start, Self.directive(of: line) != nil { continue }
                parts.append(Self.endsWithContinuation(line) ? line.dropLast() : line)
            }
            var joined = parts.joined(separator: " ")
            if let body = Self.defineBody(joined) { joined = body }
            let hasCall = ShellParser.parse(joined).simpleCommands.contains { command in
                let words = command.words.map(\.text)
                guard let p = ShellRun.programIndex(in: words) else { return false }
                return Self.isOriginalConfigureProgram(words[p])
            }
            guard hasCall else { continue }
            let text = joined.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).joined(separator: " ")
            regions.append(SpecRegion(lines: (start + 1)...(end + 1), text: text))
        }
        return regions
    }

    /// The body after `%define NAME(opts)` / `%global NAME`, or nil when `text` is no definition.
    static func defineBody(_ text: String) -> String? {
        var rest = Substring(text).drop(while: { $0 == " " || $0 == "\t" })
        guard rest.hasPrefix("%define") || rest.hasPrefix("%global") else { return nil }
        rest = rest.dropFirst(7).drop(while: { $0 == " " || $0 == "\t" })
        rest = rest.drop(while: HelperScriptMap.isIdentifierChar)
        if rest.first == "(", let close = rest.firstIndex(of: ")") {
            rest = rest[rest.index(after: close)...]
        }
        return String(rest)
    }

    static func isOriginalConfigureProgram(_ word: String) -> Bool {
        if ConfigureCall.isConfigureProgram(word) { return true }
        if word == "%configure" || word == "%{configure}" { return true }
        for prefix in ["%{SOURCE", "%SOURCE", "%{S:"] where word.hasPrefix(prefix) {
            var digits = word.dropFirst(prefix.count)
            if prefix.hasPrefix("%{") {
                guard digits.hasSuffix("}") else { return false }
                digits = digits.dropLast()
            }
            return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
        }
        return false
    }

    // MARK: Parse preparation

    /// `text` with the lines that cannot change a verdict emptied, line count
    /// kept: the body of `%changelog` and `%patch` applications in `%prep`.
    /// Real EL specs carry thousands of each; librpmbuild spends most of a
    /// parse on them (measured: 0.64 G → 0.20 G instructions on a 1 MB spec).
    public static func trimmedForParse(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 1)
        var inChangelog = false
        for (index, line) in physicalLines(text).enumerated() {
            if index > 0 { out.append(0x0A) }
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.hasPrefix("%") {
                let word = trimmed.prefix { !$0.isWhitespace }
                if word == "%changelog" {
                    inChangelog = true
                } else if sectionNames.contains(String(word.dropFirst())) {
                    inChangelog = false
                }
            }
            let blank = (inChangelog && !trimmed.hasPrefix("%changelog")) || isPatchApplication(trimmed)
            if !blank { out.append(contentsOf: line.utf8) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `%patch`, `%patch0`, `%patch -P 1`, `%{patch1}`: an application, not a `Patch:` tag.
    static func isPatchApplication(_ line: Substring) -> Bool {
        var rest = line
        if rest.hasPrefix("%{") { rest = rest.dropFirst(2) } else if rest.hasPrefix("%") { rest = rest.dropFirst() } else { return false }
        guard rest.hasPrefix("patch") else { return false }
        let after = rest.dropFirst(5).drop { $0.isASCII && $0.isNumber }
        return after.isEmpty || after.first == " " || after.first == "\t" || after.first == "}"
    }

    /// Section names that end a `%changelog`.
    static let sectionNames: Set<String> = [
        "package", "description", "prep", "build", "install", "check", "clean", "files", "pre", "post",
        "preun", "postun", "pretrans", "posttrans", "triggerin", "triggerun", "triggerpostun", "verifyscript",
        "generate_buildrequires", "conf", "sourcelist", "patchlist",
    ]

    /// Byte-wise substring test (Foundation's `contains` dominated profiles of big specs).
    static func contains(_ line: Substring, _ needle: StaticString) -> Bool {
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard let first = pattern.first else { return true }
        let found = line.utf8.withContiguousStorageIfAvailable { haystack -> Bool in
            guard haystack.count >= pattern.count else { return false }
            for start in 0...(haystack.count - pattern.count) where haystack[start] == first {
                var k = 1
                while k < pattern.count, haystack[start + k] == pattern[k] { k += 1 }
                if k == pattern.count { return true }
            }
            return false
        }
        return found ?? line.contains(String(describing: needle))
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

    static let directives: Set<Substring> = ["if", "ifarch", "ifnarch", "ifos", "ifnos", "elif", "elifarch", "elifos", "else", "endif"]

    /// The keyword of a conditional directive line (`if`, `ifarch`, `else`, `endif`, …), or nil.
    static func directive(of line: Substring) -> String? {
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

/// A `%(...)` or `%{lua:...}` expansion that was replaced rather than run.
public struct RefusedExpansion: Sendable, Hashable {
    /// 1-based line where the expansion starts.
    public var line: Int
    /// The original expansion, truncated to 80 characters.
    public var text: String
    public var kind: Kind
    /// The text that stands for it in what rpm parses, carried through every macro
    /// that uses it; nil where it was replaced by `%{nil}` (conditions and their macros).
    public var marker: String?

    public enum Kind: String, Sendable {
        case shell, lua
    }

    public init(line: Int, text: String, kind: Kind, marker: String? = nil) {
        self.line = line
        self.text = text
        self.kind = kind
        self.marker = marker
    }

    /// Markers are `SNAPCHECKREFUSED<n>Z`: letters and digits, valid in any tag and
    /// shell word, and no prefix of one another.
    static let markerPrefix = "SNAPCHECKREFUSED"

    static func marker(_ number: Int) -> String { "\(markerPrefix)\(number)Z" }
}

/// Where a macro is defined in the original spec.
public struct MacroDefinitionSite: Sendable, Hashable {
    /// 1-based line of the definition.
    public var line: Int
    /// 1-based last line of its body (continuation lines included).
    public var lastLine: Int
    public var kind: Kind
    public var name: String
    /// The raw value text (continuation lines joined with newlines); empty for bconds.
    public var value: String

    public enum Kind: String, Sendable {
        case define, global, bcondWith, bcondWithout
    }

    public init(line: Int, kind: Kind, name: String, value: String, lastLine: Int? = nil) {
        self.line = line
        self.lastLine = lastLine ?? line
        self.kind = kind
        self.name = name
        self.value = value
    }
}

/// One `%if`-family condition enclosing a line.
public struct SpecCondition: Sendable, Hashable {
    /// 1-based line of the `%if`/`%elif` directive.
    public var line: Int
    /// The directive line as written, trimmed (e.g. `%if 0%{?rhev}`, `%ifarch x86_64`).
    public var text: String
    /// True when the line lies after this condition's `%else` (or a following `%elif`).
    public var inElseBranch: Bool
    /// Macro names the condition mentions, in order (bcond names for `%{with X}`).
    public var macroNames: [String]
    /// The subset of `macroNames` that are bconds (`%{with X}`, `%{without X}`, `%{?with_X}`).
    public var bcondNames: [String]
    /// The directive without its `%`: `if`, `elif`, `ifarch`, `ifnarch`, `elifarch`, `ifos`, `ifnos`, `elifos`.
    public var keyword: String
    /// What follows the keyword: an expression, or a list of arches or systems.
    public var expression: String

    public init(line: Int, text: String, inElseBranch: Bool, macroNames: [String], bcondNames: [String] = [],
                keyword: String = "if", expression: String = "") {
        self.line = line
        self.text = text
        self.inElseBranch = inElseBranch
        self.macroNames = macroNames
        self.bcondNames = bcondNames
        self.keyword = keyword
        self.expression = expression
    }

    /// True for `%ifarch`-family and `%ifos`-family conditions (a list, not an expression).
    public var isArchCondition: Bool { keyword.hasSuffix("arch") || keyword.hasSuffix("os") }
}

/// A range of physical lines (1-based) in the original spec, with its text.
public struct SpecRegion: Sendable, Hashable {
    public var lines: ClosedRange<Int>
    public var text: String

    public init(lines: ClosedRange<Int>, text: String) {
        self.lines = lines
        self.text = text
    }
}
