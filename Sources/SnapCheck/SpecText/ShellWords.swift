// A small shell word splitter for configure-call discovery. Not a shell: enough
// quoting, substitution and separator handling to find commands and their words.

/// One shell word: its text with quotes and `\`-newlines removed, and where it starts.
struct ShellWord: Sendable, Hashable {
    var text: String
    /// 1-based line of the word's first character.
    var line: Int
    /// True when the word's first character was quoted or escaped (so it is no keyword,
    /// assignment or redirection).
    var startsQuoted: Bool
}

enum ShellWords {
    /// Splits `text` into simple commands (lists of words), in order.
    ///
    /// Separators: newline, `;`, `&&`, `||`, `|`, `&`, `(`, `)`. Comments (`#` at word start)
    /// run to the end of the line. `$(...)`, `${...}` and backticks stay inside one word.
    /// Every character is visited once; unbalanced quotes or substitutions run to the end.
    static func commands(in text: String) -> [[ShellWord]] {
        let s = Array(text.unicodeScalars)
        let n = s.count
        var i = 0
        var line = 1
        var commands: [[ShellWord]] = []
        var current: [ShellWord] = []
        var word = String.UnicodeScalarView()
        var inWord = false
        var wordLine = 1
        var quoted = false

        func startWord(quoting: Bool = false) {
            if !inWord {
                inWord = true
                wordLine = line
                quoted = quoting
            }
        }
        func endWord() {
            if inWord {
                current.append(ShellWord(text: String(word), line: wordLine, startsQuoted: quoted))
                word = String.UnicodeScalarView()
                inWord = false
            }
        }
        func endCommand() {
            endWord()
            if !current.isEmpty {
                commands.append(current)
                current = []
            }
        }
        /// Copies a quoted run starting at `s[i]` (its opening quote or backtick)
        /// through the matching closer into the word; with `escapes`, `\` keeps
        /// the next character from closing it.
        func copyDelimited(escapes: Bool) {
            let delimiter = s[i]
            word.append(delimiter)
            i += 1
            while i < n, s[i] != delimiter {
                if escapes, s[i] == "\\", i + 1 < n {
                    word.append(s[i])
                    i += 1
                }
                if s[i] == "\n" { line += 1 }
                word.append(s[i])
                i += 1
            }
            if i < n {
                word.append(s[i])
                i += 1
            }
        }
        /// Copies a bracketed substitution (`$(`...`)` or `${`...`}`) starting at `s[i]`
        /// (the opening bracket) into the word, balancing brackets and skipping quotes.
        func copyBalanced(open: Unicode.Scalar, close: Unicode.Scalar) {
            var depth = 0
            while i < n {
                let d = s[i]
                if d == "\\", i + 1 < n {
                    if s[i + 1] == "\n" {
                        line += 1
                    } else {
                        word.append(d)
                        word.append(s[i + 1])
                    }
                    i += 2
                    continue
                }
                if d == "'" || d == "\"", open == "(" {
                    copyDelimited(escapes: d == "\"")
                    continue
                }
                if d == "\n" { line += 1 }
                word.append(d)
                i += 1
                if d == open {
                    depth += 1
                } else if d == close {
                    depth -= 1
                    if depth <= 0 { return }
                }
            }
        }

        while i < n {
            let c = s[i]
            switch c {
            case "\n":
                endCommand()
                line += 1
                i += 1
            case " ", "\t", "\r":
                endWord()
                i += 1
            case "\\":
                if i + 1 < n, s[i + 1] == "\n" {
                    line += 1
                    i += 2
                } else if i + 1 < n {
                    startWord(quoting: true)
                    word.append(s[i + 1])
                    i += 2
                } else {
                    i += 1
                }
            case "'":
                startWord(quoting: true)
                i += 1
                while i < n, s[i] != "'" {
                    if s[i] == "\n" { line += 1 }
                    word.append(s[i])
                    i += 1
                }
                i += 1
            case "\"":
                startWord(quoting: true)
                i += 1
                while i < n {
                    let d = s[i]
                    if d == "\"" {
                        i += 1
                        break
                    }
                    if d == "\\", i + 1 < n {
                        let e = s[i + 1]
                        if e == "\n" {
                            line += 1
                            i += 2
                        } else if e == "$" || e == "`" || e == "\"" || e == "\\" {
                            word.append(e)
                            i += 2
                        } else {
                            word.append(d)
                            i += 1
                        }
                        continue
                    }
                    if d == "$", i + 1 < n, s[i + 1] == "(" || s[i + 1] == "{" {
                        word.append(d)
                        i += 1
                        copyBalanced(open: s[i], close: s[i] == "(" ? ")" : "}")
                        continue
                    }
                    if d == "`" {
                        copyDelimited(escapes: true)
                        continue
                    }
                    if d == "\n" { line += 1 }
                    word.append(d)
                    i += 1
                }
            case "#" where !inWord:
                while i < n, s[i] != "\n" { i += 1 }
            case "$":
                startWord()
                word.append(c)
                i += 1
                if i < n, s[i] == "(" || s[i] == "{" {
                    copyBalanced(open: s[i], close: s[i] == "(" ? ")" : "}")
                }
            case "`":
                startWord()
                copyDelimited(escapes: true)
            case ";", "|", "(", ")":
                endCommand()
                i += 1
            case "&":
                let afterRedirect = inWord && (word.last == ">" || word.last == "<")
                if afterRedirect || (i + 1 < n && s[i + 1] == ">") {
                    startWord()
                    word.append(c)
                } else {
                    endCommand()
                }
                i += 1
            default:
                startWord()
                word.append(c)
                i += 1
            }
        }
        endCommand()
        return commands
    }

    /// Words that may precede the program of a simple command without being it.
    static let prefixKeywords: Set<String> = [
        "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}",
        "time", "exec", "nohup", "command", "env",
    ]
    static let shells: Set<String> = ["sh", "bash", "dash", "ksh"]

    /// True for `NAME=value` written without quotes around the name.
    static func isAssignment(_ word: ShellWord) -> Bool {
        guard let eq = word.text.unicodeScalars.firstIndex(of: "=") else { return false }
        let name = word.text.unicodeScalars[..<eq]
        guard let first = name.first, isIdentifierStart(first) else { return false }
        return name.allSatisfy(isIdentifierChar)
    }

    /// The index of the program word in a simple command: skips keywords, `NAME=value`
    /// assignments and a `sh`/`bash` interpreter with its options.
    static func programIndex(in command: [ShellWord]) -> Int? {
        var k = 0
        while k < command.count {
            let w = command[k]
            if !w.startsQuoted, prefixKeywords.contains(w.text) || isAssignment(w) {
                k += 1
                continue
            }
            if shells.contains(String(basename(w.text))) {
                k += 1
                while k < command.count, command[k].text.hasPrefix("-") { k += 1 }
                continue
            }
            return k
        }
        return nil
    }

    /// The arguments after the program, without redirections (`> log`, `2>&1`).
    static func arguments(of command: [ShellWord], after program: Int) -> [ShellWord] {
        var result: [ShellWord] = []
        var k = program + 1
        while k < command.count {
            let w = command[k]
            if !w.startsQuoted, let rest = redirectionRest(w.text) {
                k += rest.isEmpty ? 2 : 1
                continue
            }
            result.append(w)
            k += 1
        }
        return result
    }

    /// For a redirection word (`>`, `2>>`, `<`, `&>`, `>&2`), the text after the operator.
    static func redirectionRest(_ text: String) -> Substring? {
        var rest = Substring(text)
        while let f = rest.first, f.isASCII, f.isNumber { rest = rest.dropFirst() }
        if rest.hasPrefix("&>") { return rest.dropFirst(2).drop { $0 == ">" } }
        guard let op = rest.first, op == ">" || op == "<" else { return nil }
        rest = rest.dropFirst()
        while let f = rest.first, f == ">" || f == "<" || f == "&" || f == "|" { rest = rest.dropFirst() }
        return rest
    }

    static func basename(_ path: String) -> Substring {
        if let slash = path.lastIndex(of: "/") {
            return path[path.index(after: slash)...]
        }
        return Substring(path)
    }

    static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || c == "_"
    }
    static func isIdentifierChar(_ c: Unicode.Scalar) -> Bool {
        isIdentifierStart(c) || (c >= "0" && c <= "9")
    }
}
