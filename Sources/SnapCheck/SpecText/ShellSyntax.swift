// The structure of shell text: simple commands inside lists, `&&`/`||`,
// pipelines, `if`, loops, `case`, groups and function definitions. Parsed
// from `ShellLexer` tokens by recursive descent; anything unexpected is
// skipped, never an error, and nesting is bounded.

/// A simple command: leading `NAME=value` assignments, then its words, and
/// its redirections apart.
struct ShellCommand: Sendable {
    var assignments: [ShellAssignment]
    var words: [ShellWord]
    var line: Int
    /// `> FILE`, `>> FILE`, `<<< WORD`, ... in order (a here-document's delimiter too).
    var redirections: [ShellRedirection] = []
}

/// One redirection: its operator and the word after it.
struct ShellRedirection: Sendable {
    var op: String
    var target: ShellWord

    /// True when the shell opens the target for writing (`>`, `>>`, `>|`, `<>`, `&>`; `>&` with a file).
    var writes: Bool {
        switch op {
        case ">", ">>", ">|", "<>", "&>": return true
        case ">&": return target.plainText.map { !($0 == "-" || $0.allSatisfy(\.isNumber)) } ?? true
        default: return false
        }
    }
}

/// A parsed piece of shell text.
indirect enum ShellNode: Sendable {
    case command(ShellCommand)
    /// Runs each in order (`;`, `&`, newline).
    case list([ShellNode])
    /// `a && b`: `b` runs when `a` succeeds.
    case and(ShellNode, ShellNode)
    /// `a || b`: `b` runs when `a` fails.
    case or(ShellNode, ShellNode)
    /// `a | b`: both run.
    case pipeline([ShellNode])
    /// `! a`.
    case not(ShellNode)
    /// `if c1; then b1; elif c2; then b2; else b3; fi`.
    case ifClause(branches: [(condition: ShellNode, body: ShellNode)], otherwise: ShellNode?)
    /// `while`/`until` loops: the body may run any number of times.
    case loop(condition: ShellNode, body: ShellNode)
    /// `for NAME in WORDS; do BODY; done`; `items` nil for `for NAME; do` (the positional parameters).
    case forLoop(variable: String, items: [ShellWord]?, body: ShellNode)
    /// `case WORD in PATTERNS) BODY;; esac`; `fallsThrough` when an item ends
    /// with `;&` or `;;&` (bash), so more than one body may run.
    case caseClause(subject: ShellWord, items: [(patterns: [ShellWord], body: ShellNode)], fallsThrough: Bool)
    /// `{ ...; }`: runs in this shell.
    case group(ShellNode)
    /// `( ... )`: runs in a subshell; its variables do not come back.
    case subshell(ShellNode)
    /// Text past the nesting limit, not parsed (hostile input): what it does is not known.
    case unparsed(line: Int)
    /// `NAME() BODY` and `function NAME BODY`: defines, does not run.
    case function(name: String, body: ShellNode)
}

/// Parses tokens into a `ShellNode`.
struct ShellParser {
    private let tokens: [ShellToken]
    private var k = 0
    private var depth = 0
    /// Deeper nesting than this is not parsed further (hostile input).
    static let maximumDepth = 64

    /// The whole of `text` as one list.
    static func parse(_ text: String) -> ShellNode {
        var parser = ShellParser(tokens: ShellLexer.tokens(text))
        var items: [ShellNode] = []
        while !parser.atEnd {
            let before = parser.k
            items.append(parser.list(until: []))
            // A stray terminator (`fi`, `}`, `)`, `;;`) at the top level: skip it.
            if parser.k == before { parser.k += 1 }
        }
        return .list(items)
    }

    private init(tokens: [ShellToken]) {
        self.tokens = tokens
    }

    private var atEnd: Bool { k >= tokens.count }

    private var current: ShellToken? { atEnd ? nil : tokens[k] }

    /// The current token as a reserved word candidate (an unquoted plain word).
    private var currentWord: String? {
        guard case .word(let word)? = current else { return nil }
        return word.plainText
    }

    private func isOperator(_ op: String) -> Bool {
        if case .op(let o, _)? = current { return o == op }
        return false
    }

    private mutating func skipNewlines() {
        while case .newline? = current { k += 1 }
    }

    /// Words that end a list when they stand where a command would start.
    private static let terminators: Set<String> = ["then", "elif", "else", "fi", "do", "done", "esac", "}"]

    /// Commands separated by `;`, `&` or newlines, up to a terminator word or `)`/`;;`.
    private mutating func list(until words: Set<String>) -> ShellNode {
        var items: [ShellNode] = []
        while !atEnd {
            skipNewlines()
            guard !atEnd else { break }
            if let word = currentWord, Self.terminators.contains(word) || words.contains(word) { break }
            if isOperator(")") || isOperator(";;") || isOperator(";&") || isOperator(";;&") { break }
            if isOperator(";") || isOperator("&") {
                k += 1
                continue
            }
            let before = k
            items.append(andOr())
            if k == before { k += 1 }  // never stall on an unexpected token
            if isOperator(";") || isOperator("&") { k += 1 }
        }
        return items.count == 1 ? items[0] : .list(items)
    }

    private mutating func andOr() -> ShellNode {
        var node = pipeline()
        while isOperator("&&") || isOperator("||") {
            let isAnd = isOperator("&&")
            k += 1
            skipNewlines()
            let right = pipeline()
            node = isAnd ? .and(node, right) : .or(node, right)
        }
        return node
    }

    private mutating func pipeline() -> ShellNode {
        var negated = false
        if currentWord == "!" {
            negated = true
            k += 1
        }
        var stages = [command()]
        while isOperator("|") {
            k += 1
            skipNewlines()
            stages.append(command())
        }
        let node = stages.count == 1 ? stages[0] : .pipeline(stages)
        return negated ? .not(node) : node
    }

    private mutating func command() -> ShellNode {
        guard depth < Self.maximumDepth else {
            let line = current.map(Self.line(of:)) ?? 0
            k = tokens.count
            return .unparsed(line: line)
        }
        depth += 1
        defer { depth -= 1 }
        if isOperator("(") {
            k += 1
            let body = list(until: [])
            if isOperator(")") { k += 1 }
            return redirected(.subshell(body))
        }
        if case .arithmetic(let text, let line)? = current {
            // `(( EXPR ))`: a command named `((` whose word is the expression.
            k += 1
            return redirected(.command(Self.arithmeticCommand(text, line: line)))
        }
        switch currentWord {
        case "if"?: return ifClause()
        case "while"?, "until"?:
            k += 1
            let condition = list(until: ["do"])
            let body = doGroup()
            return .loop(condition: condition, body: body)
        case "for"?: return forLoop()
        case "select"?: return selectLoop()
        case "case"?: return caseClause()
        case "{"?:
            k += 1
            let body = list(until: ["}"])
            if currentWord == "}" { k += 1 }
            return redirected(.group(body))
        case "function"?:
            k += 1
            guard case .word(let name)? = current else { return .list([]) }
            k += 1
            if isOperator("("), k + 1 < tokens.count, case .op(")", _) = tokens[k + 1] { k += 2 }
            skipNewlines()
            return .function(name: name.text, body: command())
        default:
            break
        }
        // `NAME ( ) BODY`
        if let name = currentWord, k + 2 < tokens.count, case .op("(", _) = tokens[k + 1],
            case .op(")", _) = tokens[k + 2]
        {
            k += 3
            skipNewlines()
            return .function(name: name, body: command())
        }
        return .command(simpleCommand())
    }

    private mutating func ifClause() -> ShellNode {
        k += 1  // if
        var branches: [(ShellNode, ShellNode)] = []
        var otherwise: ShellNode?
        var condition = list(until: [])
        while !atEnd {
            if currentWord == "then" { k += 1 }
            let body = list(until: [])
            branches.append((condition, body))
            if currentWord == "elif" {
                k += 1
                condition = list(until: [])
                continue
            }
            if currentWord == "else" {
                k += 1
                otherwise = list(until: [])
            }
            break
        }
        if branches.isEmpty { branches.append((condition, .list([]))) }
        if currentWord == "fi" { k += 1 }
        return redirected(.ifClause(branches: branches, otherwise: otherwise))
    }

    private mutating func doGroup() -> ShellNode {
        skipNewlines()
        if currentWord == "do" { k += 1 }
        let body = list(until: [])
        if currentWord == "done" { k += 1 }
        return redirected(body)
    }

    /// `select NAME in WORDS; do BODY; done`: NAME is read from the input, the
    /// body runs any number of times.
    private mutating func selectLoop() -> ShellNode {
        let line = current.map(Self.line(of:)) ?? 0
        k += 1  // select
        guard case .word(let variable)? = current else { return .list([]) }
        k += 1
        skipNewlines()
        if currentWord == "in" {
            k += 1
            while case .word? = current { k += 1 }
        }
        if isOperator(";") { k += 1 }
        let read = ShellCommand(assignments: [], words: [Self.plain("read", line: line), variable], line: line)
        return .loop(condition: .command(read), body: doGroup())
    }

    private static func plain(_ text: String, line: Int) -> ShellWord {
        ShellWord(parts: [.literal(text, quoted: false)], line: line)
    }

    private static func arithmeticCommand(_ text: String, line: Int) -> ShellCommand {
        ShellCommand(
            assignments: [],
            words: [
                plain("((", line: line),
                ShellWord(parts: [.opaque(text, quoted: true, canBeSplit: false, line: line)], line: line),
            ],
            line: line)
    }

    /// A compound command with the redirections after it: they are opened first.
    private mutating func redirected(_ node: ShellNode) -> ShellNode {
        let redirections = readRedirections()
        guard let first = redirections.first else { return node }
        return .list([
            .command(ShellCommand(assignments: [], words: [], line: first.target.line, redirections: redirections)),
            node,
        ])
    }

    private mutating func forLoop() -> ShellNode {
        k += 1  // for
        if case .arithmetic(let text, let line)? = current {
            // `for (( INIT; TEST; STEP ))`: arithmetic that assigns, a body run any number of times.
            k += 1
            skipNewlines()
            if isOperator(";") { k += 1 }
            return .loop(condition: .command(Self.arithmeticCommand(text, line: line)), body: doGroup())
        }
        guard case .word(let variable)? = current else { return .list([]) }
        k += 1
        var items: [ShellWord]?
        skipNewlines()
        if currentWord == "in" {
            k += 1
            var words: [ShellWord] = []
            while case .word(let word)? = current {
                words.append(word)
                k += 1
            }
            items = words
        }
        if isOperator(";") { k += 1 }
        return .forLoop(variable: variable.text, items: items, body: doGroup())
    }

    private mutating func caseClause() -> ShellNode {
        k += 1  // case
        guard case .word(let subject)? = current else { return .list([]) }
        k += 1
        skipNewlines()
        if currentWord == "in" { k += 1 }
        var items: [([ShellWord], ShellNode)] = []
        var fallsThrough = false
        while !atEnd {
            skipNewlines()
            if currentWord == "esac" {
                k += 1
                break
            }
            if isOperator("(") { k += 1 }
            var patterns: [ShellWord] = []
            while case .word(let word)? = current {
                patterns.append(word)
                k += 1
                if isOperator("|") { k += 1 } else { break }
            }
            guard isOperator(")") else {
                // Not a pattern list: skip the token and try again.
                if !atEnd { k += 1 }
                continue
            }
            k += 1
            let body = list(until: ["esac"])
            items.append((patterns, body))
            if isOperator(";&") || isOperator(";;&") { fallsThrough = true }
            if isOperator(";;") || isOperator(";&") || isOperator(";;&") { k += 1 }
        }
        return redirected(.caseClause(subject: subject, items: items, fallsThrough: fallsThrough))
    }

    private static func line(of token: ShellToken) -> Int {
        switch token {
        case .word(let word): word.line
        case .op(_, let line), .arithmetic(_, let line), .newline(let line): line
        }
    }

    private static let redirections: Set<String> = ["<", ">", ">>", "<<", "<<-", "<<<", ">&", "<&", "&>", ">|", "<>"]

    /// The redirections at the current token, consumed.
    private mutating func readRedirections() -> [ShellRedirection] {
        var result: [ShellRedirection] = []
        while case .op(let op, let line)? = current, Self.redirections.contains(op) {
            k += 1
            if case .word(let target)? = current {
                result.append(ShellRedirection(op: op, target: target))
                k += 1
            } else {
                result.append(ShellRedirection(op: op, target: ShellWord(parts: [], line: line)))
            }
        }
        return result
    }

    /// Assignments, words and redirections up to an operator other than a redirection, or a newline.
    private mutating func simpleCommand() -> ShellCommand {
        var assignments: [ShellAssignment] = []
        var words: [ShellWord] = []
        var redirections: [ShellRedirection] = []
        var line = 0
        while let token = current {
            switch token {
            case .newline, .arithmetic:
                return ShellCommand(assignments: assignments, words: words, line: line, redirections: redirections)
            case .op(let op, let opLine):
                guard Self.redirections.contains(op) else {
                    return ShellCommand(assignments: assignments, words: words, line: line, redirections: redirections)
                }
                if line == 0 { line = opLine }
                redirections += readRedirections()
            case .word(let word):
                if line == 0 { line = word.line }
                // Reserved words end a command only where a command would start.
                if words.isEmpty, assignments.isEmpty, let plain = word.plainText, Self.terminators.contains(plain) {
                    return ShellCommand(assignments: assignments, words: words, line: line, redirections: redirections)
                }
                if words.isEmpty, let assignment = word.assignment {
                    assignments.append(assignment)
                } else {
                    words.append(word)
                }
                k += 1
            }
        }
        return ShellCommand(assignments: assignments, words: words, line: line, redirections: redirections)
    }
}

extension ShellNode {
    /// Every simple command in the text, whether it would run or not, in order.
    var simpleCommands: [ShellCommand] {
        var result: [ShellCommand] = []
        var pending = [self]
        while let node = pending.popLast() {
            switch node {
            case .command(let command): result.append(command)
            case .list(let items), .pipeline(let items): pending += items.reversed()
            case .and(let a, let b), .or(let a, let b), .loop(let a, let b): pending += [b, a]
            case .not(let inner), .group(let inner), .subshell(let inner), .function(_, let inner),
                .forLoop(_, _, let inner):
                pending.append(inner)
            case .unparsed: break
            case .ifClause(let branches, let otherwise):
                pending += ([otherwise].compactMap { $0 } + branches.reversed().flatMap { [$0.body, $0.condition] })
            case .caseClause(_, let items, _): pending += items.reversed().map(\.body)
            }
        }
        return result
    }
}
