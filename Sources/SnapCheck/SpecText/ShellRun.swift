// Following shell text the way the shell would run it, without running
// anything: which configure calls run, through which functions, under which
// conditions, and with which arguments once variables and "$@" are
// substituted. What the text cannot tell (an environment variable, a command
// substitution) stays marked as unknown, never guessed.

import Foundation

/// One argument of a command after expansion.
@_spi(Fuzzing) public struct ShellArgument: Sendable, Hashable, CustomStringConvertible {
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

/// What following a piece of shell text found.
struct ShellAnalysis: Sendable {
    /// The configure calls that can run, in the order they would.
    var calls: [ConfigureCall] = []
    /// Commands that may run configure in a way the text does not show (`eval`,
    /// `sh -c`, a shell reading a here-document, `xargs`, `find -exec`, `.`, an
    /// unknown program), with their line and why.
    var opaque: [(line: Int, command: String, why: String)] = []
    /// Set when a limit stopped the run (nesting, steps, function depth, a value's
    /// size): what the text does past it is not known.
    var incomplete: String?

    /// Why the calls found are not all the calls that run, if they are not.
    var gap: String? {
        if let incomplete { return incomplete }
        guard let first = opaque.first else { return nil }
        return "runs `\(first.command)`, which \(first.why)"
    }
}

/// Runs a `ShellNode` in the mind: tracks variables, functions and the
/// positional parameters, takes the branch a condition decides when its
/// words are known, and records every configure call that can run, and every
/// command that could run one unseen.
struct ShellRun {
    private var variables: [String: ShellArgument] = [:]
    /// Variables `unset` in this run: they expand to nothing, not to an unknown value.
    private var unset: Set<String> = []
    private var functions: [String: ShellNode] = [:]
    /// The positional parameters; nil where they are not known (the top level of `%build`).
    private var positional: [ShellArgument]?
    /// Conditions the current command depends on whose outcome is not known.
    private var conditions: [String] = []
    private var functionStack: [String] = []
    /// Per running function, the variables it made `local`, with the value each had before.
    private var locals: [[String: ShellArgument?]] = []
    /// Set once `IFS` was assigned: unquoted expansions then split in ways not followed.
    private var fieldSeparatorChanged = false
    /// The working directory as path components below the top of the source tree
    /// (`%build` starts there); nil once it is not known (`cd $X`, an absolute path).
    private var directory: [String]? = []
    private var directoryStack: [[String]?] = []
    private var steps = 0
    private var analysis = ShellAnalysis()

    /// Bounds the work on hostile input: commands visited, function depth, loop items, a value's size.
    static let maximumSteps = 200_000
    static let maximumFunctionDepth = 16
    static let maximumLoopItems = 64
    static let maximumValueLength = 64 << 10

    /// The configure calls that can run in `text`, in the order they would run.
    static func configureCalls(in text: String) -> [ConfigureCall] {
        analyze(text).calls
    }

    /// Follows `text`; `arguments` are its positional parameters when they are
    /// known (a helper script run with a call's arguments).
    static func analyze(_ text: String, arguments: [ShellArgument]? = nil) -> ShellAnalysis {
        var run = ShellRun()
        run.positional = arguments
        run.run(ShellParser.parse(text))
        return run.analysis
    }

    private mutating func stop(_ why: String) {
        if analysis.incomplete == nil { analysis.incomplete = why }
    }

    private mutating func run(_ node: ShellNode) {
        steps += 1
        guard steps < Self.maximumSteps else {
            stop("the shell text takes more than \(Self.maximumSteps) steps to follow")
            return
        }
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
                    assign(variable, value)
                    run(body)
                }
            } else {
                assign(variable, ShellArgument(text: "$\(variable)", unresolved: ["$\(variable)"], knownPrefix: "", mayBeSplit: false))
                conditionally("in a loop over \(variable)") { $0.run(body) }
            }
        case .caseClause(let subject, let items, let fallsThrough):
            let value = expandJoined(subject)
            for (patterns, body) in items {
                let matches = patterns.map { pattern -> Bool? in
                    guard value.isKnown, let glob = casePattern(pattern) else { return nil }
                    return fnmatch(glob, value.text, 0) == 0
                }
                if matches.contains(true), !fallsThrough {
                    run(body)
                    return
                }
                if matches.contains(true) || matches.contains(where: { $0 == nil }) || fallsThrough {
                    conditionally("in `case \(subject.text)` branch \(patterns.map(\.text).joined(separator: "|"))") { $0.run(body) }
                }
            }
        case .group(let body):
            run(body)
        case .subshell(let body):
            let saved = (variables, unset, functions, positional, fieldSeparatorChanged, locals, directory, directoryStack)
            run(body)
            (variables, unset, functions, positional, fieldSeparatorChanged, locals, directory, directoryStack) = saved
        case .function(let name, let body):
            functions[name] = body
        case .unparsed(let line):
            stop("the shell text nests deeper than \(ShellParser.maximumDepth) levels from line \(line)")
        }
    }

    private mutating func conditionally(_ added: String, _ body: (inout ShellRun) -> Void) {
        conditionally([added], body)
    }

    /// Runs `body` as something that may or may not run: a variable it sets or
    /// unsets has, afterwards, a value the text does not decide.
    private mutating func conditionally(_ added: [String], _ body: (inout ShellRun) -> Void) {
        let saved = conditions
        let before = variables
        let beforeUnset = unset
        let beforeDirectory = directory
        conditions += added
        body(&self)
        conditions = saved
        guard !added.isEmpty else { return }
        if directory != beforeDirectory { directory = nil }
        for name in Set(before.keys).union(variables.keys) where before[name] != variables[name] || beforeUnset.contains(name) != unset.contains(name) {
            variables[name] = ShellArgument(text: "$\(name)", unresolved: ["$\(name) (set only if \(added.joined(separator: ", ")))"],
                                            knownPrefix: "", mayBeSplit: true)
            unset.remove(name)
        }
        for name in beforeUnset.symmetricDifference(unset) {
            variables[name] = ShellArgument(text: "$\(name)", unresolved: ["$\(name) (unset only if \(added.joined(separator: ", ")))"],
                                            knownPrefix: "", mayBeSplit: true)
            unset.remove(name)
        }
    }

    /// Sets a variable (`NAME=value`, `for`, `read` …); a value too long to
    /// follow becomes unknown.
    private mutating func assign(_ name: String, _ value: ShellArgument, appending: Bool = false) {
        var value = value
        if appending {
            var joined = variables[name] ?? (unset.contains(name) ? ShellArgument("") : ShellArgument(text: "$\(name)", unresolved: ["$\(name)"], knownPrefix: "", mayBeSplit: false))
            joined.append(value)
            value = joined
        }
        if value.text.utf8.count > Self.maximumValueLength {
            value = ShellArgument(text: "$\(name)", unresolved: ["$\(name) (longer than \(Self.maximumValueLength >> 10) KiB)"], knownPrefix: "", mayBeSplit: true)
        }
        if name == "IFS" { fieldSeparatorChanged = true }
        variables[name] = value
        unset.remove(name)
    }

    private mutating func declareLocal(_ name: String) {
        guard !locals.isEmpty, locals[locals.count - 1][name] == nil else { return }
        locals[locals.count - 1][name] = .some(variables[name])
    }

    /// Words that stand before a program without being it.
    private static let prefixWords: Set<String> = ["exec", "command", "env", "nohup", "time", "builtin"]
    /// Programs that run the command their arguments name, after their own options.
    private static let wrappers: Set<String> = [
        "nice", "timeout", "stdbuf", "ionice", "chrt", "taskset", "setarch", "linux32", "linux64", "sudo",
        "fakeroot", "strace", "ltrace", "valgrind", "unshare", "flock", "chronic", "catchsegv",
    ]
    /// Programs that run commands the text of their arguments does not show as a command.
    private static let opaquePrograms: [String: String] = [
        "eval": "runs text as shell commands", "xargs": "runs commands built from its input",
        "source": "runs another file's commands", ".": "runs another file's commands",
        "alias": "renames commands", "parallel": "runs commands built from its input",
    ]
    private static let shells: Set<String> = ["sh", "bash", "dash", "ksh", "zsh"]
    private static let declarations: Set<String> = ["export", "local", "readonly", "declare", "typeset"]

    private mutating func runCommand(_ command: ShellCommand) {
        if let first = command.words.first?.plainText, Self.declarations.contains(first) {
            for word in command.words.dropFirst() {
                if first == "local" || first == "declare" || first == "typeset",
                   let name = word.assignment?.name ?? word.plainText {
                    declareLocal(name)
                }
                if let assignment = word.assignment { assign(assignment.name, expandJoined(assignment.value), appending: assignment.appends) }
            }
            return
        }
        let arguments = command.words.flatMap(expand)
        guard !arguments.isEmpty else {
            for assignment in command.assignments { assign(assignment.name, expandJoined(assignment.value), appending: assignment.appends) }
            return
        }
        let line = command.line
        let text = command.words.map(\.text).joined(separator: " ")
        guard let p = Self.programIndex(in: arguments.map { $0.isKnown ? $0.text : nil }) else {
            // A shell with only options (`sh`, `bash -s`) reads its commands from
            // its input, a here-document: not followed.
            if let shell = arguments.first(where: { $0.isKnown && Self.shells.contains(String(ShellLexer.basename($0.text))) }) {
                analysis.opaque.append((line, text, "runs \(shell.text) on commands the text does not show"))
            }
            return
        }
        let program = arguments[p]
        let rest = Array(arguments[(p + 1)...])
        if program.isKnown {
            if p > 0, arguments[..<p].contains(where: { $0.isKnown && Self.shells.contains(String(ShellLexer.basename($0.text))) }),
               arguments[..<p].contains(where: { $0.isKnown && $0.text.hasPrefix("-") && $0.text.contains("c") && !$0.text.hasPrefix("--") }) {
                analysis.opaque.append((line, text, "runs a command string the text does not follow"))
                return
            }
            switch program.text {
            case "set" where rest.first?.text == "--":
                positional = Array(rest.dropFirst())
                return
            case "shift":
                let count = rest.first.flatMap { Int($0.text) } ?? 1
                if let current = positional { positional = Array(current.dropFirst(min(count, current.count))) }
                return
            case "cd", "pushd":
                if program.text == "pushd" { directoryStack.append(directory) }
                let target = rest.first { !$0.text.hasPrefix("-") }
                directory = target.flatMap { $0.isKnown ? Self.resolve($0.text, in: directory) : nil }
                return
            case "popd":
                directory = directoryStack.popLast() ?? nil
                return
            case "unset":
                let names = rest.filter { $0.isKnown && !$0.text.hasPrefix("-") }.map(\.text)
                if rest.contains(where: { $0.text == "-f" }) {
                    for name in names { functions[name] = nil }
                } else {
                    for name in names {
                        variables[name] = nil
                        unset.insert(name)
                    }
                }
                return
            case "find" where rest.contains(where: { $0.text.hasPrefix("-exec") || $0.text.hasPrefix("-ok") }):
                analysis.opaque.append((line, text, "runs commands for the files it finds"))
                return
            case let word where Self.opaquePrograms[word].map({ !$0.isEmpty }) == true:
                analysis.opaque.append((line, text, Self.opaquePrograms[word]!))
                return
            default:
                if let body = functions[program.text] {
                    invoke(program.text, body, arguments: rest)
                    return
                }
            }
        }
        if ConfigureCall.isConfigureProgram(program.text) {
            var call = ConfigureCall(program: program.text, arguments: rest, lineInSection: line,
                                     conditions: conditions, functions: functionStack)
            call.location = program.isKnown ? Self.resolve(program.text, in: directory) : nil
            analysis.calls.append(call)
        } else if !program.isKnown, program.knownPrefix.isEmpty || program.text.contains("configure") {
            analysis.opaque.append((line, text, "runs a program the text does not name (\(program.text))"))
        }
    }

    /// `path` from `directory` (components below the top of the tree), `.` and
    /// `..` resolved; nil for an absolute path, a path above the top, or an
    /// unknown directory.
    static func resolve(_ path: String, in directory: [String]?) -> [String]? {
        guard var components = directory, !path.hasPrefix("/"), !path.hasPrefix("~"), path != "-" else { return nil }
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..":
                guard !components.isEmpty else { return nil }
                components.removeLast()
            default: components.append(String(part))
            }
        }
        return components
    }

    /// The index of the program among a command's words (nil: unknown): skips
    /// `exec`/`env`-style prefixes, wrappers that run their arguments (`nice -n
    /// 5`, `timeout 60`) and a `sh`/`bash` interpreter with its options.
    static func programIndex(in words: [String?]) -> Int? {
        var p = 0
        while p < words.count, let word = words[p] {
            let name = String(ShellLexer.basename(word))
            if prefixWords.contains(word) || (p > 0 && words[p - 1] == "env" && word.contains("=")) {
                p += 1
            } else if wrappers.contains(name) {
                p += 1
                // Their options and the values that follow them (`-n 5`, a duration, a lock file).
                while p < words.count, let next = words[p], next.hasPrefix("-") || next.first?.isNumber == true {
                    p += 1
                    if p < words.count, let value = words[p], value.first?.isNumber == true { p += 1 }
                }
            } else if shells.contains(name) {
                p += 1
                while p < words.count, words[p]?.hasPrefix("-") == true { p += 1 }
            } else {
                break
            }
        }
        return p < words.count ? p : nil
    }

    private mutating func invoke(_ name: String, _ body: ShellNode, arguments: [ShellArgument]) {
        guard functionStack.count < Self.maximumFunctionDepth else {
            stop("shell functions call each other more than \(Self.maximumFunctionDepth) deep (\(name))")
            return
        }
        let saved = positional
        positional = arguments
        functionStack.append(name)
        locals.append([:])
        run(body)
        for (name, previous) in locals.removeLast() {
            if let previous { variables[name] = previous } else { variables[name] = nil }
        }
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
            // With IFS changed the split is not followed: the value stays whole but unknown.
            if fieldSeparatorChanged {
                current.appendUnknown(value.text, mayBeSplit: true)
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
                if !quoted, Self.expandsAsPattern(text) {
                    // Brace expansion and pathname expansion (`--{a,b}`, `*`, `?`, `[x]`):
                    // the words they give depend on the shell and the files there.
                    current.appendUnknown(text, mayBeSplit: true)
                } else {
                    Self.appendLiteral(text, quoted: quoted, to: &current)
                }
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
                    } else if unset.contains(name) {
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

    /// True when unquoted text would go through brace or pathname expansion.
    static func expandsAsPattern(_ text: String) -> Bool {
        if text.contains(where: { $0 == "*" || $0 == "?" }) { return true }
        if let open = text.firstIndex(of: "["), text[text.index(after: open)...].contains("]") { return true }
        guard let open = text.firstIndex(of: "{"), let close = text[open...].firstIndex(of: "}") else { return false }
        let inside = text[text.index(after: open)..<close]
        return inside.contains(",") || inside.contains("..")
    }

    /// A `case` pattern for fnmatch: quoted parts match literally; nil when a part is not known.
    private func casePattern(_ word: ShellWord) -> String? {
        var pattern = ""
        for part in word.parts {
            switch part {
            case .literal(let text, let quoted):
                pattern += quoted ? Self.escapedForPattern(text) : text
            case .parameter(let name, let quoted, _):
                guard let value = variables[name], value.isKnown else { return nil }
                pattern += quoted ? Self.escapedForPattern(value.text) : value.text
            case .opaque:
                return nil
            }
        }
        return pattern
    }

    private static func escapedForPattern(_ text: String) -> String {
        var out = ""
        for c in text {
            if "*?[]\\".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
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
