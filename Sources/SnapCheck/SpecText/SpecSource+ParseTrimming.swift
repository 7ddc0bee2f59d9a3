// What an untrusted parse can do without: lines that cannot change a verdict.

import Foundation

extension SpecSource {
    // MARK: Parse preparation

    /// `text` with the lines that cannot change a verdict emptied, line count
    /// kept: the body of `%changelog` and `%patch` applications in `%prep`.
    /// Real EL specs carry thousands of each; librpmbuild spends most of a
    /// parse on them (measured: 0.64 G → 0.20 G instructions on a 1 MB spec).
    /// rpm expands macros there too, so a changelog holding a line that can
    /// define a macro (`%global`, `%{expand:…}`) is kept whole, and so is a
    /// `%patch` line with any other macro on it.
    @_spi(Fuzzing) public static func trimmedForParse(_ text: String) -> String {
        let lines = physicalLines(text)
        // Each changelog body: its lines, and whether one of them may define a macro.
        var inChangelog = false
        var changelogLines = [Bool](repeating: false, count: lines.count)
        var bodies: [(lines: [Int], keep: Bool)] = []
        for (index, line) in lines.enumerated() {
            if startsWithPercent(line), case let trimmed = line.drop(while: { $0 == " " || $0 == "\t" }),
                trimmed.hasPrefix("%")
            {
                let word = trimmed.prefix { !$0.isWhitespace }
                if word == "%changelog" {
                    inChangelog = true
                    bodies.append(([], false))
                    continue
                } else if sectionNames.contains(String(word.dropFirst())) {
                    inChangelog = false
                }
            }
            guard inChangelog else { continue }
            changelogLines[index] = true
            bodies[bodies.count - 1].lines.append(index)
            if mayDefineMacros(line) { bodies[bodies.count - 1].keep = true }
        }
        for body in bodies where body.keep {
            for index in body.lines { changelogLines[index] = false }
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 1)
        // The bytes again, line by line, keeping each line's `\r`: rpm reads `\`+`\r` as no continuation,
        // so neither may the text it gets.
        forEachLine(of: text) { index, raw in
            if index > 0 { out.append(0x0A) }
            let blank =
                changelogLines[index]
                || (startsWithPercent(lines[index])
                    && {
                        let trimmed = lines[index].drop(while: { $0 == " " || $0 == "\t" })
                        return isPatchApplication(trimmed) && !trimmed.dropFirst().contains("%")
                    }())
            if !blank { out.append(contentsOf: raw) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// True when rpm's expansion of the line could define or load macros.
    static func mayDefineMacros(_ line: Substring) -> Bool {
        guard contains(line, "%") else { return false }
        return ["%define", "%global", "%undefine", "%{expand", "%{load", "%{uncompress", "%include", "%{lua", "%("]
            .contains { line.contains($0) }
    }

    /// `%patch`, `%patch0`, `%patch -P 1`, `%{patch1}`: an application, not a `Patch:` tag.
    static func isPatchApplication(_ line: Substring) -> Bool {
        var rest = line
        if rest.hasPrefix("%{") {
            rest = rest.dropFirst(2)
        } else if rest.hasPrefix("%") {
            rest = rest.dropFirst()
        } else {
            return false
        }
        guard rest.hasPrefix("patch") else { return false }
        let after = rest.dropFirst(5).drop { $0.isASCII && $0.isNumber }
        return after.isEmpty || after.first == " " || after.first == "\t" || after.first == "}"
    }

    /// Section names that end a `%changelog` (every section rpm 4.18 knows but
    /// `%changelog` itself, the file triggers included).
    static let sectionNames: Set<String> = [
        "package", "description", "prep", "build", "install", "check", "clean", "files", "pre", "post",
        "preun", "postun", "pretrans", "posttrans", "preuntrans", "postuntrans", "triggerin", "triggerun",
        "triggerpostun", "triggerprein", "filetriggerin", "filetriggerun", "filetriggerpostun", "transfiletriggerin",
        "transfiletriggerun", "transfiletriggerpostun", "verifyscript", "generate_buildrequires", "conf",
        "sourcelist", "patchlist",
    ]
}
