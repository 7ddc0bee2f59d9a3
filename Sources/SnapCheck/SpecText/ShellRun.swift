// Following shell text the way the shell would run it, without running
// anything: which configure calls run, through which functions, under which
// conditions, and with which arguments once variables and "$@" are
// substituted. What the text cannot tell (an environment variable, a command
// substitution) stays marked as unknown, never guessed.

import Foundation

/// One argument of a command after expansion.
public struct ShellArgument: Sendable, Hashable, CustomStringConvertible {
    /// The argument as the shell gives it; unknown pieces as written (`$RPM_OPT_FLAGS`).
    public var text: String
    /// The pieces whose value the text does not show, as written; empty when the whole argument is known.
    public var unresolved: [String]
    /// The known text before the first unknown piece (`--extra-cflags=`).
    public var knownPrefix: String
    /// True when an unknown piece is unquoted, so the shell may split it into
    /// several arguments, or none.
    public var mayBeSplit: Bool

    public var isKnown: Bool { unresolved.isEmpty }
    public var description: String { text }

    /// A known argument.
    public init(_ text: String) {
        self.text = text
        self.unresolved = []
        self.knownPrefix = text
        self.mayBeSplit = false
    }

    init(text: String, unresolved: [String], knownPrefix: String, mayBeSplit: Bool) {
        self.text = text
        self.unresolved = unresolved
        self.knownPrefix = knownPrefix
        self.mayBeSplit = mayBeSplit
    }

    /// Appends known text.
    mutating func append(_ known: String) {
        text += known
        if unresolved.isEmpty { knownPrefix += known }
    }

    /// Appends a piece whose value is not known.
    mutating func appendUnknown(_ written: String, mayBeSplit split: Bool) {
        text += written
        unresolved.append(written)
        mayBeSplit = mayBeSplit || split
    }

    /// Appends another argument's text, known or not.
    mutating func append(_ other: ShellArgument) {
        if other.isKnown {
            append(other.text)
            return
        }
        if unresolved.isEmpty { knownPrefix += other.knownPrefix }
        text += other.text
        unresolved += other.unresolved
        mayBeSplit = mayBeSplit || other.mayBeSplit
    }
}

/// Runs a `ShellNode` in the mind: tracks variables, functions and the
/// positional parameters, takes the branch a condition decides when its
/// words are known, and records every configure call that can run.
struct ShellRun {
    private var variables: [String: ShellArgument] = [:]
    private var functions: [String: ShellNode] = [:]
    /// The positional parameters; nil where they are not known (the top level of `%build`).
    private var positional: [ShellArgument]?
    /// Conditions the current command depends on whose outcome is not known.
    private var conditions: [String] = []
    private var functionStack: [String] = []
    private var steps = 0
    private(set) var calls: [ConfigureCall] = []

    /// Bounds the work on hostile input: commands visited, function depth, loop items.
    static let maximumSteps = 200_000
    static let maximumFunctionDepth = 16
    static let maximumLoopItems = 64

    /// The configure calls that can run in `text`, in the order they would run.
    static func configureCalls(in text: String) -> [ConfigureCall] {
        var run = ShellRun()
        run.run(ShellParser.parse(text))
        return run.calls
    }

    private mutating func run(_ node: ShellNode) {
        steps += 1
        guard steps < Self.maximumSteps else { return }
        switch node {
        case .command(let command):
            runCommand(command)
        case .list(let items):
            for item in items { run(item) }
        case .and(let left, let right):
            run(left)
            if truth(of: left) != false { run(right) }
        case .or(let left, let right):
            run(left)
            switch truth(of: left) {
            case true?: break
            case false?: run(right)
            case nil: conditionally("when `\(describe(left))` fails") { $0.run(right) }
            }
        case .pipeline(let stages):
            for stage in stages { run(stage) }
        case .not(let inner):
            run(inner)
        case .ifClause(let branches, let otherwise):
            var unknown: [String] = []
            for (condition, body) in branches {
                run(condition)
                switch truth(of: condition) {
                case true?:
                    conditionally(unknown) { $0.run(body) }
                    return
                case false?:
                    continue
                case nil:
                    let text = describe(condition)
                    conditionally(unknown + ["if `\(text)`"]) { $0.run(body) }
                    unknown.append("unless `\(text)`")
                }
            }
            if let otherwise { conditionally(unknown) { $0.run(otherwise) } }
        case .loop(let condition, let body):
            run(condition)
            conditionally("in a loop on `\(describe(condition))`") { $0.run(body) }
        case .forLoop(let variable, let items, let body):
            let values = items.map { $0.flatMap(expand) } ?? positional
            if let values, values.count <= Self.maximumLoopItems, values.allSatisfy({ !$0.mayBeSplit }) {
                for value in values {
                    variables[variable] = value
                    run(body)
                }
            } else {
                variables[variable] = ShellArgument(text: "$\(variable)", unresolved: ["$\(variable)"], knownPrefix: "", mayBeSplit: false)
                conditionally("in a loop over \(variable)") { $0.run(body) }
            }
        case .caseClause(let subject, let items):
            let value = expandJoined(subject)
            for (patterns, body) in items {
                let matches = patterns.map { pattern -> Bool? in
                    let p = expandJoined(pattern)
                    guard value.isKnown, p.isKnown else { return nil }
                    return fnmatch(p.text, value.text, 0) == 0
                }
                if matches.contains(true) {
                    run(body)
                    return
                }
                if matches.contains(where: { $0 == nil }) {
                    conditionally("in `case \(subject.text)` branch \(patterns.map(\.text).joined(separator: "|"))") { $0.run(body) }
                }
            }
        case .group(let body):
            run(body)
        case .function(let name, let body):
            functions[name] = body
        }
    }

    private mutating func conditionally(_ added: String, _ body: (inout ShellRun) -> Void) {
        conditionally([added], body)
    }

    private mutating func conditionally(_ added: [String], _ body: (inout ShellRun) -> Void) {
        let saved = conditions
        conditions += added
        body(&self)
        conditions = saved
    }

    /// Words that stand before a program without being it.
    private static let prefixWords: Set<String> = ["exec", "command", "env", "nohup", "time", "builtin"]
    private static let shells: Set<String> = ["sh", "bash", "dash", "ksh"]
    private static let declarations: Set<String> = ["export", "local", "readonly", "declare", "typeset"]

    private mutating func runCommand(_ command: ShellCommand) {
        if let first = command.words.first?.plainText, Self.declarations.contains(first) {
            for word in command.words.dropFirst() {
                if let (name, value) = word.assignment { variables[name] = expandJoined(value) }
            }
            return
        }
        let arguments = command.words.flatMap(expand)
        guard !arguments.isEmpty else {
            for (name, value) in command.assignments { variables[name] = expandJoined(value) }
            return
        }
        guard let p = Self.programIndex(in: arguments.map { $0.isKnown ? $0.text : nil }) else { return }
        let program = arguments[p]
        let rest = Array(arguments[(p + 1)...])
        if program.isKnown {
            switch program.text {
            case "set" where rest.first?.text == "--":
                positional = Array(rest.dropFirst())
                return
            case "shift":
                let count = rest.first.flatMap { Int($0.text) } ?? 1
                if let current = positional { positional = Array(current.dropFirst(min(count, current.count))) }
                return
            default:
                if let body = functions[program.text] {
                    invoke(program.text, body, arguments: rest)
                    return
                }
            }
        }
        if ConfigureCall.isConfigureProgram(program.text) {
            calls.append(ConfigureCall(program: program.text, arguments: rest, lineInSection: command.line,
                                       conditions: conditions, functions: functionStack))
        }
    }

    /// The index of the program among a command's words (nil: unknown): skips
    /// `exec`/`env`-style prefixes and a `sh`/`bash` interpreter with its options.
    static func programIndex(in words: [String?]) -> Int? {
        var p = 0
        while p < words.count, let word = words[p] {
            if prefixWords.contains(word) || (p > 0 && words[p - 1] == "env" && word.contains("=")) {
                p += 1
            } else if shells.contains(String(ShellLexer.basename(word))) {
                p += 1
                while p < words.count, words[p]?.hasPrefix("-") == true { p += 1 }
            } else {
                break
            }
        }
        return p < words.count ? p : nil
    }

    private mutating func invoke(_ name: String, _ body: ShellNode, arguments: [ShellArgument]) {
        guard functionStack.count < Self.maximumFunctionDepth else { return }
        let saved = positional
        positional = arguments
        functionStack.append(name)
        run(body)
        functionStack.removeLast()
        positional = saved
    }

    // MARK: Conditions

    /// Whether a condition succeeds, when its words are known and it is a
    /// `test`/`[`, `true`, `false` or `:`; nil otherwise.
    private func truth(of node: ShellNode) -> Bool? {
        switch node {
        case .list(let items): return items.last.flatMap(truth(of:))
        case .not(let inner): return truth(of: inner).map(!)
        case .group(let inner): return truth(of: inner)
        case .and(let a, let b):
            switch (truth(of: a), truth(of: b)) {
            case (false?, _), (_, false?): return false
            case (true?, true?): return true
            default: return nil
            }
        case .or(let a, let b):
            switch (truth(of: a), truth(of: b)) {
            case (true?, _), (_, true?): return true
            case (false?, false?): return false
            default: return nil
            }
        case .command(let command):
            guard command.assignments.isEmpty || !command.words.isEmpty else { return true }
            let words = command.words.flatMap(expand)
            guard let first = words.first, first.isKnown, words.allSatisfy({ $0.isKnown && !$0.mayBeSplit }) else { return nil }
            var args = words.dropFirst().map(\.text)
            switch first.text {
            case "true", ":": return true
            case "false": return false
            case "[":
                guard args.last == "]" else { return nil }
                args.removeLast()
                return Self.test(args)
            case "test": return Self.test(args)
            default: return nil
            }
        default:
            return nil
        }
    }

    /// `test` on known words: `!`, `-z`, `-n`, one word, `=`, `==`, `!=` and the integer comparisons.
    static func test(_ args: [String]) -> Bool? {
        if args.first == "!" { return test(Array(args.dropFirst())).map(!) }
        switch args.count {
        case 0: return false
        case 1: return !args[0].isEmpty
        case 2:
            switch args[0] {
            case "-z": return args[1].isEmpty
            case "-n": return !args[1].isEmpty
            default: return nil
            }
        case 3:
            let (a, op, b) = (args[0], args[1], args[2])
            switch op {
            case "=", "==": return a == b
            case "!=": return a != b
            default:
                guard let x = Int(a), let y = Int(b) else { return nil }
                switch op {
                case "-eq": return x == y
                case "-ne": return x != y
                case "-lt": return x < y
                case "-le": return x <= y
                case "-gt": return x > y
                case "-ge": return x >= y
                default: return nil
                }
            }
        default:
            return nil
        }
    }

    private func describe(_ node: ShellNode) -> String {
        switch node {
        case .command(let command): return command.words.map(\.text).joined(separator: " ")
        case .list(let items): return items.map(describe).joined(separator: "; ")
        case .not(let inner): return "! " + describe(inner)
        case .and(let a, let b): return "\(describe(a)) && \(describe(b))"
        case .or(let a, let b): return "\(describe(a)) || \(describe(b))"
        case .group(let inner): return describe(inner)
        default: return "…"
        }
    }

    // MARK: Expansion

    /// A word as the shell would expand it: variables and positional
    /// parameters substituted where known, unquoted values split at blanks,
    /// `"$@"` one argument per parameter. Unknown pieces stay unknown.
    private func expand(_ word: ShellWord) -> [ShellArgument] {
        var fields: [ShellArgument] = []
        var current = ShellArgument("")
        var started = false
        func startNew() {
            if started { fields.append(current) }
            current = ShellArgument("")
            started = false
        }
        /// Adds text that the shell splits at blanks when `split` (an unquoted expansion).
        func addSplitting(_ value: ShellArgument, split: Bool) {
            guard split, value.isKnown else {
                current.append(value)
                started = true
                return
            }
            let pieces = value.text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            for (index, piece) in pieces.enumerated() {
                if index > 0 { startNew() }
                if !piece.isEmpty {
                    current.append(String(piece))
                    started = true
                }
            }
        }
        for part in word.parts {
            switch part {
            case .literal(let text, let quoted):
                if quoted { started = true }
                Self.appendLiteral(text, quoted: quoted, to: &current)
                if !text.isEmpty { started = true }
            case .parameter(let name, let quoted, _):
                switch name {
                case "@", "*":
                    guard let positional else {
                        current.appendUnknown(quoted ? "\"$\(name)\"" : "$\(name)", mayBeSplit: true)
                        started = true
                        continue
                    }
                    for (index, argument) in positional.enumerated() {
                        if index > 0 { startNew() }
                        addSplitting(argument, split: !quoted)
                        if quoted { started = true }
                    }
                case "#":
                    if let positional { current.append(String(positional.count)) } else { current.appendUnknown("$#", mayBeSplit: false) }
                    started = true
                default:
                    if let n = Int(name) {
                        if let positional {
                            if n >= 1, n <= positional.count { addSplitting(positional[n - 1], split: !quoted) }
                        } else {
                            current.appendUnknown("$\(name)", mayBeSplit: !quoted)
                        }
                        if quoted { started = true }
                    } else if let value = variables[name] {
                        addSplitting(value, split: !quoted)
                        if quoted { started = true }
                    } else {
                        current.appendUnknown(ShellWord(parts: [part], line: word.line).text, mayBeSplit: !quoted)
                        started = true
                    }
                }
            case .opaque(let text, _, let canBeSplit):
                current.appendUnknown(text, mayBeSplit: canBeSplit)
                started = true
            }
        }
        if started { fields.append(current) }
        return fields
    }

    /// A word expanded without field splitting (an assignment's value, a `case` subject).
    private func expandJoined(_ word: ShellWord) -> ShellArgument {
        var joined = ShellArgument("")
        for (index, field) in expand(ShellWord(parts: word.parts.map(Self.quoting), line: word.line)).enumerated() {
            if index > 0 { joined.append(" ") }
            joined.append(field)
        }
        return joined
    }

    private static func quoting(_ part: ShellWord.Part) -> ShellWord.Part {
        switch part {
        case .literal(let text, _): .literal(text, quoted: true)
        case .parameter(let name, _, let braced): .parameter(name, quoted: true, braced: braced)
        case .opaque(let text, _, _): .opaque(text, quoted: true, canBeSplit: false)
        }
    }

    /// Literal text; a macro rpm left unexpanded (`%{name}`, `%name`: undefined
    /// here, but a build host's macro files may define it) is an unknown piece.
    /// It may split only where it starts an unquoted word: inside other text
    /// (`--interp-prefix=/usr/qemu-%M`, rpm's own `%%M`) it stays in that word.
    /// The marker of an expansion that was not run (`RefusedExpansion.marker`)
    /// is an unknown piece too: the shell would see that command's output.
    private static func appendLiteral(_ text: String, quoted: Bool, to argument: inout ShellArgument) {
        guard text.contains("%") || text.contains(RefusedExpansion.markerPrefix) else {
            argument.append(text)
            return
        }
        let s = Array(text.unicodeScalars)
        let prefix = Array(RefusedExpansion.markerPrefix.unicodeScalars)
        var known = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            if s[i] == prefix[0], i + prefix.count < s.count, Array(s[i..<(i + prefix.count)]) == prefix {
                var end = i + prefix.count
                while end < s.count, s[end] >= "0", s[end] <= "9" { end += 1 }
                if end < s.count, s[end] == "Z", end > i + prefix.count {
                    end += 1
                    if !known.isEmpty { argument.append(String(known)); known = String.UnicodeScalarView() }
                    argument.appendUnknown(String(String.UnicodeScalarView(s[i..<end])), mayBeSplit: !quoted)
                    i = end
                    continue
                }
            }
            if s[i] == "%", i + 1 < s.count, s[i + 1] == "{" || ShellLexer.isIdentifierStart(s[i + 1]) {
                var end = i + 1
                if s[end] == "{" {
                    var depth = 0
                    while end < s.count {
                        if s[end] == "{" { depth += 1 }
                        if s[end] == "}" { depth -= 1; if depth == 0 { end += 1; break } }
                        end += 1
                    }
                } else {
                    while end < s.count, ShellLexer.isIdentifierChar(s[end]) { end += 1 }
                }
                if !known.isEmpty { argument.append(String(known)); known = String.UnicodeScalarView() }
                argument.appendUnknown(String(String.UnicodeScalarView(s[i..<end])), mayBeSplit: !quoted && argument.text.isEmpty)
                i = end
                continue
            }
            known.append(s[i])
            i += 1
        }
        if !known.isEmpty { argument.append(String(known)) }
    }
}
