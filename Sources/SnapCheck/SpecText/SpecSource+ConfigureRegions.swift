// Where configure commands are written in the original spec text.

import Foundation

extension SpecSource {
    // MARK: Configure regions

    /// Logical lines holding a configure command (program `configure`, `./configure`,
    /// `../configure`, `*configure.sh`, `%{SOURCEn}`, `%{_sourcedir}/…configure.sh`, `%configure`),
    /// also inside a `%define NAME()` body. `text` is the logical line without `%if`-family
    /// lines and `\`, whitespace collapsed. One region per logical line.
    @_spi(Fuzzing) public func configureRegions() -> [SpecRegion] {
        SpecSourceMemo.value(memo.configureRegions, findConfigureRegions)
    }

    private func findConfigureRegions() -> [SpecRegion] {
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
}
