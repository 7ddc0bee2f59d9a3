// Macro definitions and references in the original spec text.

import Foundation

extension SpecSource {
    // MARK: Macros

    /// Definitions of `name`: `%define`/`%global` (also parametric, also inside `%{!?x:...}`)
    /// with the value (continuation lines joined by newlines, `\` removed), and
    /// `%bcond_with`/`%bcond_without` (value empty). In line order.
    @_spi(Fuzzing) public func definitions(of name: String) -> [MacroDefinitionSite] {
        definitionSites(named: name)
    }

    /// Every `%define`/`%global` definition in the text, in line order (bconds left out).
    func allDefinitions() -> [MacroDefinitionSite] {
        SpecSourceMemo.value(memo.allDefinitions) { definitionSites(named: nil) }
    }

    /// Macros defined on one of `lines` (a definition's whole body counts), and
    /// every macro whose definition uses one of those, transitively.
    @_spi(Fuzzing) public func macros(dependingOnLines lines: Set<Int>) -> Set<String> {
        guard !lines.isEmpty else { return [] }
        let defined = allDefinitions().filter { site in (site.line...site.lastLine).contains(where: lines.contains) }
            .map(\.name)
        return defined.isEmpty ? [] : macros(dependingOnNames: Set(defined))
    }

    /// `names`, and every macro whose definition uses one of them, transitively.
    /// The macros whose expansion defines, undefines or runs something (a body
    /// holding `%global`, `%define`, `%undefine`, `%{expand:`, `%{lua`, `%(`,
    /// `%{load`), and every macro that uses one: expanding one twice is not
    /// what rpm does once.
    func macrosWithSideEffects() -> Set<String> {
        let effects = [
            "%global", "%define", "%undefine", "%{global", "%{define", "%{undefine", "%{expand", "%{lua", "%(",
            "%{load", "%{?load",
        ]
        let seeds = Set(allDefinitions().filter { site in effects.contains { site.value.contains($0) } }.map(\.name))
        return seeds.isEmpty ? [] : macros(dependingOnNames: seeds)
    }

    func macros(dependingOnNames names: Set<String>) -> Set<String> {
        var names = names
        let sites = allDefinitions()
        var grew = true
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
        // Byte-wise first: most lines hold neither keyword, and the walk below goes by Character.
        guard contains(line, "%define") || contains(line, "%global") else { return nil }
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
        guard Self.contains(line, "%bcond_with") else { return nil }
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.count >= 2, words[1] == name else { return nil }
        switch words[0] {
        case "%bcond_with": return MacroDefinitionSite(line: index + 1, kind: .bcondWith, name: name, value: "")
        case "%bcond_without": return MacroDefinitionSite(line: index + 1, kind: .bcondWithout, name: name, value: "")
        default: return nil
        }
    }

    private func defineSite(_ line: Substring, at found: Range<Substring.Index>, index: Int, name wanted: String?)
        -> MacroDefinitionSite?
    {
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
            value.filter({ $0 == "}" }).count > value.filter({ $0 == "{" }).count
        {
            value = String(value.dropLast()).trimmingCharacters(in: .whitespaces)
        }
        let kind: MacroDefinitionSite.Kind = line[found] == "%global" ? .global : .define
        return MacroDefinitionSite(line: index + 1, kind: kind, name: name, value: value, lastLine: last + 1)
    }

    /// 1-based lines referencing `name`: `%NAME`, `%{NAME}`, `%{?NAME}`, `%{!?NAME:...}`,
    /// `0%{?NAME}`, and for a bcond `%{with NAME}`, `%{without NAME}`, `%{?with_NAME}`.
    @_spi(Fuzzing) public func lines(referencing name: String) -> [Int] {
        var result: [Int] = []
        // A reference names `name` (or a macro holding it, `with_NAME`): a line without its bytes has none.
        let needle = Array(name.utf8)
        for (index, line) in lines.enumerated() where Self.contains(line, "%") && Self.contains(line, needle) {
            if Self.macroReferences(in: line).contains(where: { $0.name == name || $0.raw == name }) {
                result.append(index + 1)
            }
        }
        return result
    }

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
            if braced, ["with", "without", "defined", "undefined"].contains(id), after < n,
                s[after] == " " || s[after] == "\t"
            {
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
}
