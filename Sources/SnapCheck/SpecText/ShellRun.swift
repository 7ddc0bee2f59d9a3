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
    /// Commands that write files or override make variables, in the order they run.
    var effects: [ShellEffect] = []

    /// Why the calls found are not all the calls that run, if they are not.
    var gap: String? {
        if let incomplete { return incomplete }
        guard let first = opaque.first else { return nil }
        return "runs `\(first.command)`, which \(first.why)"
    }
}

/// A command that writes a file, files under a directory, or overrides a
/// make variable: what could change a helper script before it runs, or what
/// configure wrote before the build reads it.
struct ShellEffect: Sendable {
    enum Kind: Sendable, Equatable {
        /// Writes one file (`sed -i`, `> FILE`, `cp … DEST`, `tee`).
        case file
        /// May write any file under a directory (`patch -p1`, `tar -x`, `git apply`, `cp -r`).
        case tree
        /// A `make NAME=value` argument that overrides a variable configure set.
        case makeVariable
    }

    var kind: Kind
    /// 1-based line of the command in the text followed.
    var line: Int
    /// The command as written.
    var command: String
    /// The file, directory or make variable as the shell gives it; nil when the text does not show it.
    var target: String?
    /// Where the target is, as path components below the top of the source tree; nil when not known.
    var location: [String]?
    /// For a copy, the file names of what it copies.
    var copiedFrom: [String] = []
    /// How many configure calls ran before it.
    var afterCalls: Int

    /// True when the command may write a file named `name` at `location`
    /// (components below the top of the tree; nil when not known).
    func mayWrite(name: String, at location: [String]?) -> Bool {
        switch kind {
        case .makeVariable:
            return false
        case .file:
            guard let target else { return true }
            guard ShellLexer.basename(target) == name || ShellRun.expandsAsPattern(target) else { return false }
            if let own = self.location, let location { return own == location || ShellRun.expandsAsPattern(target) }
            return true
        case .tree:
            guard let root = self.location, let location else { return true }
            return location.starts(with: root)
        }
    }

    /// True when the command may write a file with one of `names` somewhere
    /// under `directory` (nil when not known).
    func mayWrite(oneOf names: Set<String>, under directory: [String]?) -> Bool {
        switch kind {
        case .makeVariable:
            return false
        case .file:
            guard let target else { return true }
            guard names.contains(String(ShellLexer.basename(target))) || ShellRun.expandsAsPattern(target) else {
                return false
            }
            guard let own = location, let directory else { return true }
            return own.starts(with: directory)
        case .tree:
            // The outputs are in `directory` and its target directories (`x86_64-softmmu/`).
            guard let root = location, let directory else { return true }
            return directory.starts(with: root)
                || (root.count == directory.count + 1 && root.starts(with: directory)
                    && root.last?.hasSuffix("-softmmu") == true)
        }
    }

    /// The command and its line, for a report.
    var described: String { "`\(command)` (line \(line))" }
}

extension ShellAnalysis {
    /// The first command after `call` that may change what configure set up for
    /// the build: a write to one of configure's output files in the directory it
    /// ran in (`ConfigureCall.outputFiles`), or a make override of a variable
    /// that gates live block operations (`ConfigureCall.gateVariables`).
    func outputEdit(after call: ConfigureCall) -> ShellEffect? {
        guard let index = calls.firstIndex(of: call) else { return nil }
        let directory = call.location.map { Array($0.dropLast()) }
        return effects.first { effect in
            guard effect.afterCalls > index else { return false }
            if effect.kind == .makeVariable { return true }
            return effect.mayWrite(oneOf: ConfigureCall.outputFiles, under: directory)
        }
    }

    /// The commands before `call` (the `calls` index it has, or all when nil)
    /// that may write the file `name` at `location`.
    func writes(of name: String, at location: [String]?, before call: ConfigureCall?) -> [ShellEffect] {
        let end = call.flatMap { calls.firstIndex(of: $0) } ?? Int.max
        return effects.filter { $0.afterCalls <= end && $0.mayWrite(name: name, at: location) }
    }
}

extension ShellAnalysis {
    /// The first command in `%prep` (`prep`) or in `%build` (`build`) before
    /// `call` that may rewrite the script `call` runs once `%prep`/`%build`
    /// copied it from the Source `source` (or at all, when nothing copies it):
    /// the script that runs is then not the Source read.
    static func scriptEdit(
        before call: ConfigureCall, copiedFrom source: String, prep: ShellAnalysis, build: ShellAnalysis
    ) -> ShellEffect? {
        let name = call.programName
        let writes =
            prep.writes(of: name, at: nil, before: nil) + build.writes(of: name, at: call.location, before: call)
        let copy = writes.lastIndex { $0.kind == .file && $0.copiedFrom.contains(source) }
        return copy.map { writes[(writes.index(after: $0))...].first } ?? writes.first
    }

    /// The first command in `%prep` or `%build` before `call` that rewrites
    /// QEMU's configure script by name (`sed -i … configure`, `> configure`);
    /// patches and archives, which make the tree, are not counted.
    static func configureEdit(before call: ConfigureCall, prep: ShellAnalysis, build: ShellAnalysis) -> ShellEffect? {
        (prep.writes(of: call.programName, at: nil, before: nil)
            + build.writes(of: call.programName, at: call.location, before: call))
            .first { $0.kind == .file }
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
    /// Variables declared as namerefs (`declare -n`): assigning one assigns another variable.
    private var namerefs: Set<String> = []
    /// Variables declared `-i`: what is assigned to them is evaluated as arithmetic.
    private var integerVariables: Set<String> = []
    /// Variables whose assignments the shell transforms (`declare -l`, `-u`, `-c`), with why.
    private var transformed: [String: String] = [:]
    /// Added to the lines of the text being followed: a command substitution's
    /// text starts at a line of the text around it.
    private var lineOffset = 0
    /// Command substitutions and arithmetic inside each other, now.
    private var embeddingDepth = 0
    private var steps = 0
    private var analysis = ShellAnalysis()

    /// Bounds the work on hostile input: commands visited, function depth, loop items, a value's size.
    static let maximumSteps = 200_000
    static let maximumFunctionDepth = 16
    static let maximumLoopItems = 64
    static let maximumValueLength = 64 << 10
    static let maximumEmbeddingDepth = 16

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
            for item in items ?? [] { expansionEffects(item) }
            let values = items.map { $0.flatMap(expand) } ?? positional
            if let values, values.count <= Self.maximumLoopItems, values.allSatisfy({ !$0.mayBeSplit }) {
                for value in values {
                    assign(variable, value)
                    run(body)
                }
            } else {
                assign(
                    variable,
                    ShellArgument(
                        text: "$\(variable)", unresolved: ["$\(variable)"], knownPrefix: "", mayBeSplit: false))
                conditionally("in a loop over \(variable)") { $0.run(body) }
            }
        case .caseClause(let subject, let items, let fallsThrough):
            expansionEffects(subject)
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
                    conditionally("in `case \(subject.text)` branch \(patterns.map(\.text).joined(separator: "|"))") {
                        $0.run(body)
                    }
                }
            }
        case .group(let body):
            run(body)
        case .subshell(let body):
            inSubshell { $0.run(body) }
        case .function(let name, let body):
            functions[name] = body
            if name == "command_not_found_handle" {
                record(opaque: 0, "command_not_found_handle", "runs for every command the build host does not have")
            }
        case .unparsed(let line):
            stop("the shell text nests deeper than \(ShellParser.maximumDepth) levels from line \(line)")
        }
    }

    /// Runs `body` in a subshell: what it sets does not come back.
    private mutating func inSubshell(_ body: (inout ShellRun) -> Void) {
        let saved = (variables, unset, functions, positional, fieldSeparatorChanged, locals, directory, directoryStack)
        let attributes = (namerefs, integerVariables, transformed)
        body(&self)
        (variables, unset, functions, positional, fieldSeparatorChanged, locals, directory, directoryStack) = saved
        (namerefs, integerVariables, transformed) = attributes
    }

    private mutating func record(opaque line: Int, _ command: String, _ why: String) {
        analysis.opaque.append((line + lineOffset, command, why))
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
        for name in Set(before.keys).union(variables.keys)
        where before[name] != variables[name] || beforeUnset.contains(name) != unset.contains(name) {
            variables[name] = ShellArgument(
                text: "$\(name)", unresolved: ["$\(name) (set only if \(added.joined(separator: ", ")))"],
                knownPrefix: "", mayBeSplit: true)
            unset.remove(name)
        }
        for name in beforeUnset.symmetricDifference(unset) {
            variables[name] = ShellArgument(
                text: "$\(name)", unresolved: ["$\(name) (unset only if \(added.joined(separator: ", ")))"],
                knownPrefix: "", mayBeSplit: true)
            unset.remove(name)
        }
    }

    /// Sets a variable (`NAME=value`, `for`, `read` …); a value too long to
    /// follow becomes unknown.
    private mutating func assign(_ name: String, _ value: ShellArgument, appending: Bool = false) {
        if namerefs.contains(name) {
            forgetAll("\(name) is a nameref: assigning it assigns the variable it names")
            return
        }
        if let why = transformed[name] {
            makeUnknown(name, why)
            return
        }
        if integerVariables.contains(name) {
            arithmetic(value.text, line: 0, runsEmbedded: false)
            makeUnknown(name, "declared -i: assignments are evaluated as arithmetic")
            return
        }
        var value = value
        if appending {
            var joined =
                variables[name]
                ?? (unset.contains(name)
                    ? ShellArgument("")
                    : ShellArgument(text: "$\(name)", unresolved: ["$\(name)"], knownPrefix: "", mayBeSplit: false))
            joined.append(value)
            value = joined
        }
        if value.text.utf8.count > Self.maximumValueLength {
            value = ShellArgument(
                text: "$\(name)", unresolved: ["$\(name) (longer than \(Self.maximumValueLength >> 10) KiB)"],
                knownPrefix: "", mayBeSplit: true)
        }
        if name == "IFS" { fieldSeparatorChanged = true }
        variables[name] = value
        unset.remove(name)
    }

    /// Makes `name` local to the running function; true when it was not local yet.
    @discardableResult
    private mutating func declareLocal(_ name: String) -> Bool {
        guard !locals.isEmpty, locals[locals.count - 1][name] == nil else { return false }
        locals[locals.count - 1][name] = .some(variables[name])
        return true
    }

    /// A variable assigned in a way not followed (`read`, `printf -v`, arithmetic …): its value is unknown.
    private mutating func makeUnknown(_ name: String, _ why: String) {
        if namerefs.contains(name) {
            forgetAll("\(name) is a nameref: assigning it assigns the variable it names")
            return
        }
        if name == "IFS" { fieldSeparatorChanged = true }
        variables[name] = ShellArgument(
            text: "$\(name)", unresolved: ["$\(name) (\(why))"], knownPrefix: "", mayBeSplit: true)
        unset.remove(name)
    }

    /// Something may have assigned any variable: every value known so far becomes unknown.
    private mutating func forgetAll(_ why: String) {
        for name in Set(variables.keys).union(unset) {
            if name == "IFS" { fieldSeparatorChanged = true }
            variables[name] = ShellArgument(
                text: "$\(name)", unresolved: ["$\(name) (\(why))"], knownPrefix: "", mayBeSplit: true)
        }
        unset.removeAll()
    }

    // MARK: What expansions run and assign

    /// Runs what expanding `word` runs or assigns: command substitutions and
    /// backticks are followed as a subshell (their configure calls count),
    /// `${NAME=x}`/`${NAME:=x}` and arithmetic make what they assign unknown.
    private mutating func expansionEffects(_ word: ShellWord) {
        for part in word.parts {
            guard case .opaque(let text, _, _, let line) = part else { continue }
            embeddedEffects(text, line: line == 0 ? word.line : line)
        }
    }

    private mutating func embeddedEffects(_ text: String, line: Int) {
        guard embeddingDepth < Self.maximumEmbeddingDepth else {
            stop(
                "command substitutions nest deeper than \(Self.maximumEmbeddingDepth) levels at line \(line + lineOffset)"
            )
            return
        }
        embeddingDepth += 1
        defer { embeddingDepth -= 1 }
        if text.hasPrefix("$((") || text.hasPrefix("((") {
            let inner = text.dropFirst(text.hasPrefix("$") ? 3 : 2).dropLast(text.hasSuffix("))") ? 2 : 0)
            arithmetic(String(inner), line: line, runsEmbedded: true)
        } else if text.hasPrefix("$(") {
            substitution(String(text.dropFirst(2).dropLast(text.hasSuffix(")") ? 1 : 0)), line: line)
        } else if text.hasPrefix("`") {
            var inner = ""
            var escaped = false
            for c in text.dropFirst().dropLast(text.count > 1 && text.hasSuffix("`") ? 1 : 0) {
                if escaped, c != "$", c != "`", c != "\\" { inner.append("\\") }
                if !escaped, c == "\\" {
                    escaped = true
                    continue
                }
                escaped = false
                inner.append(c)
            }
            substitution(inner, line: line)
        } else if text.hasPrefix("${") {
            let inner = text.dropFirst(2).dropLast(text.hasSuffix("}") ? 1 : 0)
            let name = inner.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            let rest = inner.dropFirst(name.count)
            if !name.isEmpty, name.first?.isNumber == false, rest.hasPrefix("=") || rest.hasPrefix(":=") {
                makeUnknown(String(name), "assigned by `\(text)` when unset")
            }
            if rest.hasPrefix("[") {
                arithmetic(String(rest.dropFirst().prefix { $0 != "]" }), line: line, runsEmbedded: false)
            }
            for part in ShellLexer.expansions(in: Array(inner.unicodeScalars), firstLine: line) {
                if case .opaque(let nested, _, _, let nestedLine) = part { embeddedEffects(nested, line: nestedLine) }
            }
        } else if text.hasPrefix("(") {
            for part in ShellLexer.expansions(in: Array(text.unicodeScalars), firstLine: line) {
                if case .opaque(let nested, _, _, let nestedLine) = part { embeddedEffects(nested, line: nestedLine) }
            }
        }
    }

    /// `$(TEXT)` or a backtick command at `line`: followed as a subshell.
    private mutating func substitution(_ text: String, line: Int) {
        let savedOffset = lineOffset
        lineOffset += max(line - 1, 0)
        inSubshell { $0.run(ShellParser.parse(text)) }
        lineOffset = savedOffset
    }

    /// An arithmetic expression (`$((…))`, `((…))`, `let`, a `-i` variable's
    /// value): the names it assigns (`=`, `+=`, `++` …) become unknown. A
    /// variable it reads is evaluated as an expression in turn: one set to a
    /// value not known may assign any variable.
    private mutating func arithmetic(_ text: String, line: Int, runsEmbedded: Bool) {
        if runsEmbedded {
            for part in ShellLexer.expansions(in: Array(text.unicodeScalars), firstLine: line) {
                if case .opaque(let nested, _, _, let nestedLine) = part { embeddedEffects(nested, line: nestedLine) }
            }
        }
        let (names, assigns) = Self.arithmeticNames(text)
        for name in names {
            guard let value = variables[name] else { continue }
            if !value.isKnown {
                forgetAll(
                    "arithmetic on line \(line + lineOffset) reads $\(name), whose value is not known and may assign")
                return
            }
            if Self.arithmeticNames(value.text).assigns, embeddingDepth < Self.maximumEmbeddingDepth {
                embeddingDepth += 1
                arithmetic(value.text, line: line, runsEmbedded: false)
                embeddingDepth -= 1
            }
        }
        if assigns {
            for name in names { makeUnknown(name, "assigned by arithmetic on line \(line + lineOffset)") }
        }
    }

    /// The variable names an arithmetic expression mentions (bare or `$NAME`),
    /// and whether it assigns (`=` other than a comparison, `op=`, `++`, `--`).
    static func arithmeticNames(_ text: String) -> (names: [String], assigns: Bool) {
        let c = Array(text.unicodeScalars)
        var names: [String] = []
        var assigns = false
        var k = 0
        while k < c.count {
            let ch = c[k]
            if ShellLexer.isIdentifierStart(ch), k == 0 || !(ShellLexer.isIdentifierChar(c[k - 1])) {
                var end = k
                while end < c.count, ShellLexer.isIdentifierChar(c[end]) { end += 1 }
                names.append(String(String.UnicodeScalarView(c[k..<end])))
                k = end
                continue
            }
            if ch == "=" {
                let before = k > 0 ? c[k - 1] : " "
                let after = k + 1 < c.count ? c[k + 1] : " "
                let comparison =
                    after == "=" || before == "=" || before == "!"
                    || ((before == "<" || before == ">") && !(k > 1 && c[k - 2] == before))
                if !comparison { assigns = true }
            }
            if ch == "+" || ch == "-", k + 1 < c.count, c[k + 1] == ch { assigns = true }
            k += 1
        }
        return (names, assigns)
    }

    /// Words that stand before a program without being it.
    private static let prefixWords: Set<String> = ["exec", "command", "env", "nohup", "time", "builtin", "coproc"]
    /// Programs that run the command their arguments name, after their own options.
    private static let wrappers: Set<String> = [
        "nice", "timeout", "stdbuf", "ionice", "chrt", "taskset", "setarch", "linux32", "linux64", "sudo",
        "fakeroot", "strace", "ltrace", "valgrind", "unshare", "flock", "chronic", "catchsegv",
        "setsid", "numactl", "eatmydata", "ccache", "xvfb-run", "prlimit",
    ]
    /// Programs that run commands the text of their arguments does not show as a command.
    private static let opaquePrograms: [String: String] = [
        "eval": "runs text as shell commands", "xargs": "runs commands built from its input",
        "source": "runs another file's commands", ".": "runs another file's commands",
        "alias": "renames commands", "parallel": "runs commands built from its input",
        "enable": "turns shell builtins on or off, or loads new ones",
    ]
    private static let shells: Set<String> = ["sh", "bash", "dash", "ksh", "zsh"]
    private static let declarations: Set<String> = ["export", "local", "readonly", "declare", "typeset"]

    private mutating func runCommand(_ command: ShellCommand) {
        for assignment in command.assignments { expansionEffects(assignment.value) }
        for word in command.words { expansionEffects(word) }
        for redirection in command.redirections where redirection.op != "<<" && redirection.op != "<<-" {
            expansionEffects(redirection.target)
        }
        let line = command.line
        let text = command.words.map(\.text).joined(separator: " ")
        for redirection in command.redirections where redirection.writes {
            let target = expandJoined(redirection.target)
            recordWrite(
                .file, target.isKnown ? target.text : nil, line: line,
                command: (text.isEmpty ? "" : text + " ") + redirection.op + " " + redirection.target.text)
        }
        if let first = command.words.first?.plainText, Self.declarations.contains(first) {
            declare(first, Array(command.words.dropFirst()), line: line)
            return
        }
        let arguments = command.words.flatMap(expand)
        guard !arguments.isEmpty else {
            for assignment in command.assignments {
                assign(assignment.name, expandJoined(assignment.value), appending: assignment.appends)
            }
            return
        }
        guard let p = Self.programIndex(in: arguments.map { $0.isKnown ? $0.text : nil }) else {
            // A shell with only options (`sh`, `bash -s`) reads its commands from
            // its input, a here-document: not followed.
            if let shell = arguments.first(where: {
                $0.isKnown && Self.shells.contains(String(ShellLexer.basename($0.text)))
            }) {
                record(opaque: line, text, "runs \(shell.text) on commands the text does not show")
            }
            return
        }
        let program = arguments[p]
        let rest = Array(arguments[(p + 1)...])
        if program.isKnown {
            if p > 0,
                arguments[..<p].contains(where: {
                    $0.isKnown && Self.shells.contains(String(ShellLexer.basename($0.text)))
                }),
                arguments[..<p].contains(where: {
                    $0.isKnown && $0.text.hasPrefix("-") && $0.text.contains("c") && !$0.text.hasPrefix("--")
                })
            {
                record(opaque: line, text, "runs a command string the text does not follow")
                return
            }
            // A function of the name runs, not the builtin, unless `builtin`/`command` said so.
            let bypassesFunctions = arguments[..<p].contains {
                $0.isKnown && ($0.text == "builtin" || $0.text == "command")
            }
            if !bypassesFunctions, let body = functions[program.text] {
                invoke(program.text, body, arguments: rest)
                return
            }
            if let why = assignsThroughArguments(program.text, rest, line: line) {
                if why.isEmpty { return }
                record(opaque: line, text, why)
                return
            }
            recordEffects(program: program.text, rest, line: line, command: text)
            switch program.text {
            case "set":
                setPositional(rest)
                return
            case "shift":
                guard let current = positional else { return }
                guard let count = rest.first.map({ $0.isKnown ? Int($0.text) : nil }) ?? 1 else {
                    positional = nil
                    return
                }
                // A count past the parameters there are fails and shifts nothing.
                if count >= 0, count <= current.count { positional = Array(current.dropFirst(count)) }
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
                if rest.contains(where: { !$0.isKnown }) {
                    forgetAll("`\(text)` on line \(line + lineOffset) unsets names the text does not show")
                } else if rest.contains(where: { $0.text == "-f" }) {
                    for name in names { functions[name] = nil }
                } else if rest.contains(where: { $0.text == "-n" }) {
                    for name in names {
                        namerefs.remove(name)
                        variables[name] = nil
                        unset.insert(name)
                    }
                } else {
                    for name in names {
                        if namerefs.contains(name) {
                            forgetAll("unsetting the nameref \(name) unsets the variable it names")
                            continue
                        }
                        variables[name] = nil
                        unset.insert(name)
                    }
                }
                return
            case "trap":
                // `trap`, `trap -p`, `trap -l`, `trap - SIG`, `trap '' SIG` run nothing later.
                guard let handler = rest.first,
                    !(handler.isKnown
                        && (handler.text == "-p" || handler.text == "-l" || handler.text == "-" || handler.text.isEmpty)),
                    rest.count > 1 || !handler.isKnown
                else { return }
                record(opaque: line, text, "runs its text as shell commands when the shell exits or gets a signal")
                return
            case "hash" where rest.contains(where: { $0.text.hasPrefix("-") && $0.text.contains("p") }):
                record(opaque: line, text, "makes a command name run another program")
                return
            case "find" where rest.contains(where: { $0.text.hasPrefix("-exec") || $0.text.hasPrefix("-ok") }):
                record(opaque: line, text, "runs commands for the files it finds")
                return
            case let make where (make == "make" || make == "gmake") && Self.makefileFromInput(rest):
                record(
                    opaque: line, text,
                    "runs the recipes of a makefile it reads from its input, which the text does not follow")
                return
            case let word where Self.opaquePrograms[word].map({ !$0.isEmpty }) == true:
                record(opaque: line, text, Self.opaquePrograms[word]!)
                return
            default:
                break
            }
        }
        if ConfigureCall.isConfigureProgram(program.text) {
            var call = ConfigureCall(
                program: program.text, arguments: rest, lineInSection: line + lineOffset,
                conditions: conditions, functions: functionStack)
            call.location = program.isKnown ? Self.resolve(program.text, in: directory) : nil
            analysis.calls.append(call)
        } else if !program.isKnown, program.knownPrefix.isEmpty || program.text.contains("configure") {
            record(opaque: line, text, "runs a program the text does not name (\(program.text))")
        } else if program.isKnown, !Self.readOnlyPrograms.contains(String(ShellLexer.basename(program.text))),
            !Self.fileTools(String(ShellLexer.basename(program.text)), rest),
            rest.contains(where: { argument in
                let text = argument.isKnown ? argument.text : argument.knownPrefix
                return text.split(whereSeparator: {
                    $0 == " " || $0 == "'" || $0 == "\"" || $0 == ";" || $0 == "(" || $0 == ")"
                })
                .contains { ConfigureCall.isConfigureProgram(String($0)) && !$0.hasSuffix(".ac") }
            })
        {
            // A program handed a configure script may run it (`scl enable X -- ./configure`, `su -c`,
            // `python3 -c "os.system('./configure ...')"`): a call the text does not show as one.
            record(opaque: line, text, "hands a configure script to \(program.text), which may run it")
        }
    }

    /// `export`, `local`, `readonly`, `declare`, `typeset` with their words:
    /// assignments, locals, and the attributes that change what an assignment
    /// does (`-n` nameref, `-i` arithmetic, `-l`/`-u`/`-c` case changes).
    private mutating func declare(_ builtin: String, _ words: [ShellWord], line: Int) {
        var attributes = Set<Character>()
        for word in words {
            if word.assignment == nil, let option = word.plainText, option.hasPrefix("-") || option.hasPrefix("+") {
                if option.hasPrefix("-") { attributes.formUnion(option.dropFirst()) }
                continue
            }
            expansionEffects(word)
            if !attributes.isDisjoint(with: ["f", "F", "p"]) { continue }
            var assignment = word.assignment
            var name = assignment?.name
            if assignment == nil {
                // A word that expands to `NAME=value` assigns too; one not known may assign anything.
                let fields = expand(word)
                guard fields.allSatisfy(\.isKnown) else {
                    forgetAll(
                        "`\(builtin) \(word.text)` on line \(line + lineOffset) declares names the text does not show")
                    continue
                }
                for field in fields where field.text.contains("=") {
                    assignment = ShellWord(parts: [.literal(field.text, quoted: false)], line: line).assignment
                }
                name = assignment?.name ?? fields.first?.text
            }
            guard let name, let head = name.unicodeScalars.first, ShellLexer.isIdentifierStart(head) else { continue }
            let inFunction = !functionStack.isEmpty && !attributes.contains("g")
            var newLocal = false
            if builtin == "local" || ((builtin == "declare" || builtin == "typeset") && inFunction) {
                newLocal = declareLocal(name)
            }
            if builtin != "export", builtin != "readonly", attributes.contains("n") {
                makeUnknown(name, "a nameref")
                namerefs.insert(name)
                continue
            }
            if attributes.contains("i") { integerVariables.insert(name) }
            for (flag, what) in [("l", "lowercases"), ("u", "uppercases"), ("c", "capitalises")]
            where attributes.contains(Character(flag)) {
                transformed[name] = "declared -\(flag): the shell \(what) what is assigned"
            }
            if let assignment {
                assign(assignment.name, expandJoined(assignment.value), appending: assignment.appends)
            } else if newLocal, attributes.isDisjoint(with: ["a", "A"]) {
                // A new local without a value is empty, whatever the caller's was.
                variables[name] = nil
                unset.insert(name)
            } else if transformed[name] != nil || integerVariables.contains(name) {
                makeUnknown(name, transformed[name] ?? "declared -i")
            }
        }
    }

    /// Builtins that assign variables named by their arguments (`read`,
    /// `printf -v`, `mapfile`/`readarray`, `getopts`, `wait -p`, `let`, `((`):
    /// those variables become unknown. nil when `program` is none of them; ""
    /// when handled; otherwise why the command is opaque.
    private mutating func assignsThroughArguments(_ program: String, _ rest: [ShellArgument], line: Int) -> String? {
        let why = "set by `\(program)` on line \(line + lineOffset)"
        func unknownNames(_ names: [ShellArgument]) -> String {
            for name in names {
                guard name.isKnown else {
                    forgetAll("`\(program)` on line \(line + lineOffset) assigns a variable the text does not name")
                    return ""
                }
                makeUnknown(String(name.text.prefix { $0 != "[" }), why)
            }
            return ""
        }
        /// Operands after the options, and the values of the options in `named` (which take one).
        func split(_ valued: Set<Character>, named: Set<Character>) -> (
            operands: [ShellArgument], named: [ShellArgument]
        ) {
            var operands: [ShellArgument] = []
            var namedValues: [ShellArgument] = []
            var k = 0
            var optionsDone = false
            while k < rest.count {
                let word = rest[k]
                k += 1
                guard !optionsDone, word.isKnown, word.text.hasPrefix("-"), word.text.count > 1 else {
                    operands.append(word)
                    continue
                }
                if word.text == "--" {
                    optionsDone = true
                    continue
                }
                let flags = Array(word.text.dropFirst())
                for (index, flag) in flags.enumerated() where valued.contains(flag) {
                    let attached = String(flags[(index + 1)...])
                    let value = attached.isEmpty ? (k < rest.count ? rest[k] : nil) : ShellArgument(attached)
                    if attached.isEmpty { k += 1 }
                    if named.contains(flag), let value { namedValues.append(value) }
                    break
                }
            }
            return (operands, namedValues)
        }
        switch program {
        case "read":
            let (operands, arrays) = split(["a", "d", "i", "n", "N", "p", "t", "u"], named: ["a"])
            return unknownNames(operands.isEmpty && arrays.isEmpty ? [ShellArgument("REPLY")] : operands + arrays)
        case "printf":
            let (_, names) = split(["v"], named: ["v"])
            return names.isEmpty ? nil : unknownNames(names)
        case "mapfile", "readarray":
            if rest.contains(where: { !$0.isKnown || ($0.text.hasPrefix("-") && $0.text.contains("C")) }) {
                return "runs a callback the text does not follow"
            }
            let (operands, _) = split(["d", "n", "O", "s", "u", "C", "c"], named: [])
            return unknownNames(operands.isEmpty ? [ShellArgument("MAPFILE")] : Array(operands.prefix(1)))
        case "getopts":
            return unknownNames(Array(rest.dropFirst().prefix(1)) + [ShellArgument("OPTARG"), ShellArgument("OPTIND")])
        case "wait":
            let (_, names) = split(["p"], named: ["p"])
            return names.isEmpty ? nil : unknownNames(names)
        case "let":
            for expression in rest { arithmetic(expression.text, line: line, runsEmbedded: false) }
            return ""
        case "((":
            return ""
        default:
            return nil
        }
    }

    /// `set`: its options, then the positional parameters when it names any (or says `--`).
    private mutating func setPositional(_ rest: [ShellArgument]) {
        var k = 0
        var explicit = false
        while k < rest.count {
            let word = rest[k]
            guard word.isKnown else {
                positional = nil
                return
            }
            if word.text == "--" || word.text == "-" {
                explicit = word.text == "--"
                k += 1
                break
            }
            guard word.text.hasPrefix("-") || word.text.hasPrefix("+") else { break }
            k += word.text == "-o" || word.text == "+o" ? 2 : 1
        }
        let parameters = Array(rest[min(k, rest.count)...])
        if explicit || !parameters.isEmpty { positional = parameters }
    }

    // MARK: Files written

    private mutating func recordWrite(
        _ kind: ShellEffect.Kind, _ target: String?, line: Int, command: String, copiedFrom: [String] = []
    ) {
        let location: [String]?
        switch kind {
        case .makeVariable: location = nil
        case .file, .tree: location = target.flatMap { Self.resolve($0, in: directory) }
        }
        analysis.effects.append(
            ShellEffect(
                kind: kind, line: line + lineOffset, command: command, target: target, location: location,
                copiedFrom: copiedFrom, afterCalls: analysis.calls.count))
    }

    /// Programs that edit files in place: the option that says so.
    private static func editsInPlace(_ program: String, _ rest: [ShellArgument]) -> Bool? {
        let shortOption = { (word: ShellArgument) in
            !word.text.hasPrefix("--") && word.text.hasPrefix("-") && word.text.contains("i")
        }
        switch program {
        case "sed": return rest.contains { !$0.isKnown || $0.text.hasPrefix("--in-place") || shortOption($0) }
        case "perl": return rest.contains { !$0.isKnown || shortOption($0) }
        case "awk", "gawk": return rest.contains { !$0.isKnown || $0.text == "inplace" }
        default: return nil
        }
    }
    /// Programs that write the files their operands name.
    private static let fileWriters: Set<String> = ["tee", "truncate", "shred", "sponge", "ed", "ex"]
    /// Programs that copy into their last operand (or `-t DIR`), with the short options that take a value.
    private static let copiers: [String: Set<Character>] = [
        "cp": ["t", "S"], "mv": ["t", "S"], "install": ["m", "o", "g", "t", "S"], "ln": ["t", "S"], "rsync": [],
    ]
    /// Subcommands of `git` and `quilt` that rewrite files of the tree.
    private static let treeSubcommands: Set<String> = [
        "apply", "am", "checkout", "reset", "cherry-pick", "merge", "pull", "restore", "stash", "revert", "rebase",
        "switch", "push", "pop", "import", "fold",
    ]

    /// The files a known program writes (`sed -i`, `cp`, `patch`, `tar -x` …) and the make variables it overrides.
    private mutating func recordEffects(program: String, _ rest: [ShellArgument], line: Int, command: String) {
        let name = String(ShellLexer.basename(program))
        let operands = rest.filter { !($0.isKnown && $0.text.hasPrefix("-")) }
        func write(_ kind: ShellEffect.Kind, _ argument: ShellArgument?, copiedFrom: [String] = []) {
            recordWrite(
                kind, argument.flatMap { $0.isKnown ? $0.text : nil }, line: line, command: command,
                copiedFrom: copiedFrom)
        }
        if let inPlace = Self.editsInPlace(name, rest) {
            guard inPlace else { return }
            for operand in operands { write(.file, operand) }
        } else if Self.fileWriters.contains(name) {
            for operand in operands { write(.file, operand) }
        } else if name == "dd" {
            for operand in rest where !operand.isKnown || operand.text.hasPrefix("of=") {
                write(.file, operand.isKnown ? ShellArgument(String(operand.text.dropFirst(3))) : operand)
            }
        } else if let valued = Self.copiers[name] {
            var destination: ShellArgument?
            var sources: [ShellArgument] = []
            var recursive = name == "rsync"
            var k = 0
            while k < rest.count {
                let word = rest[k]
                k += 1
                if word.isKnown, word.text.hasPrefix("--target-directory=") {
                    destination = ShellArgument(String(word.text.dropFirst("--target-directory=".count)))
                } else if word.isKnown, word.text.hasPrefix("--") {
                    recursive = recursive || word.text == "--recursive" || word.text == "--archive"
                } else if word.isKnown, word.text.hasPrefix("-"), word.text.count > 1 {
                    let flags = Array(word.text.dropFirst())
                    recursive = recursive || flags.contains { "rRa".contains($0) }
                    if let index = flags.firstIndex(where: valued.contains) {
                        let attached = String(flags[(index + 1)...])
                        let value = attached.isEmpty ? (k < rest.count ? rest[k] : nil) : ShellArgument(attached)
                        if attached.isEmpty { k += 1 }
                        if flags[index] == "t" { destination = value }
                    }
                } else {
                    sources.append(word)
                }
            }
            if destination == nil, sources.count >= 2 { destination = sources.removeLast() }
            guard let destination else { return }
            let names = sources.map { $0.isKnown ? String(ShellLexer.basename($0.text)) : "" }
            write(.file, destination, copiedFrom: names)
            for source in sources {
                write(
                    .file,
                    destination.isKnown && source.isKnown
                        ? ShellArgument(destination.text + "/" + ShellLexer.basename(source.text)) : nil,
                    copiedFrom: names)
            }
            if recursive { write(.tree, destination) }
        } else if name == "patch" {
            // A file operand names what it patches; without one, any file the patch names under -d DIR.
            var directory: ShellArgument?
            var files: [ShellArgument] = []
            var k = 0
            while k < rest.count {
                let word = rest[k]
                k += 1
                if word.isKnown, word.text.hasPrefix("--directory=") {
                    directory = ShellArgument(String(word.text.dropFirst("--directory=".count)))
                } else if word.isKnown, word.text.hasPrefix("--output=") {
                    files.append(ShellArgument(String(word.text.dropFirst("--output=".count))))
                } else if word.isKnown, word.text.hasPrefix("-"), word.text.count > 1 {
                    let flags = Array(word.text.dropFirst())
                    if let index = flags.firstIndex(where: { "pFiodrzBYVDg".contains($0) }), index == flags.count - 1,
                        !word.text.hasPrefix("--")
                    {
                        let value = k < rest.count ? rest[k] : nil
                        k += 1
                        if flags[index] == "d" { directory = value }
                        if flags[index] == "o", let value { files.append(value) }
                    }
                } else if files.isEmpty {
                    files.append(word)
                }
            }
            if files.isEmpty {
                write(.tree, directory ?? ShellArgument("."))
            } else {
                for file in files { write(.file, file) }
            }
        } else if name == "git" || name == "quilt" {
            if rest.contains(where: { !$0.isKnown || Self.treeSubcommands.contains($0.text) }) {
                write(.tree, ShellArgument("."))
            }
        } else if ["tar", "bsdtar", "unzip", "cpio", "7z", "7za", "rpmuncompress"].contains(name) {
            let extracts =
                name == "unzip"
                || rest.contains {
                    !$0.isKnown || $0.text == "--extract" || $0.text == "--get"
                        || (!$0.text.hasPrefix("--") && $0.text.contains("x")
                            && ($0.text.hasPrefix("-") || $0 == rest.first))
                        || (name == "cpio" && $0.text.hasPrefix("-") && !$0.text.hasPrefix("--")
                            && $0.text.contains("i"))
                }
            guard extracts else { return }
            let index = rest.firstIndex { $0.text == "-C" || $0.text == "--directory" || $0.text == "-d" }
            write(.tree, index.flatMap { $0 + 1 < rest.count ? rest[$0 + 1] : nil } ?? ShellArgument("."))
        } else if name == "make" || name == "gmake" {
            for argument in rest {
                if argument.isKnown {
                    let variable = argument.text.prefix { $0 != "=" && $0 != ":" && $0 != "+" && $0 != "?" }
                    if argument.text.contains("="), ConfigureCall.gateVariables.contains(String(variable)) {
                        write(.makeVariable, argument)
                    }
                } else if argument.knownPrefix.hasPrefix("CONFIG_")
                    || (argument.knownPrefix.isEmpty && argument.mayBeSplit && variablesSetInText(argument))
                {
                    write(.makeVariable, nil)
                }
            }
        } else if !Self.readOnlyPrograms.contains(name), !ConfigureCall.isConfigureProgram(program) {
            // Any other program may write a file its arguments name (`cmake -E copy`, `busybox cp`, an
            // interpreter's code string: `python3 -c "open('build_configure.sh','w')"`).
            for argument in rest {
                for token in Self.fileNames(in: argument.isKnown ? argument.text : argument.knownPrefix) {
                    write(.file, ShellArgument(token))
                }
            }
        }
    }

    /// Programs that never write a file their arguments name, nor run one: reading, printing, testing,
    /// changing modes and times.
    static let readOnlyPrograms: Set<String> = [
        "cat", "tac", "grep", "egrep", "fgrep", "zgrep", "head", "tail", "less", "more", "ls", "stat", "file", "wc",
        "md5sum", "sha1sum", "sha256sum", "sha512sum", "cksum", "cmp", "diff", "echo", "printf", "test", "[", "[[",
        "true", "false", ":", "chmod", "chown", "chgrp", "touch", "readlink", "realpath", "basename", "dirname",
        "mkdir", "rmdir", "rm", "pwd", "exit", "return", "wait", "sleep", "which", "type", "nproc", "uname", "date",
        "id",
        "rpm", "pkg-config", "getconf",
    ]

    /// Programs whose effect on the files they are given is followed as a write (copies, in-place edits,
    /// patches, archives, make): given a configure script, they change it, they do not run it.
    static func fileTools(_ name: String, _ rest: [ShellArgument]) -> Bool {
        fileWriters.contains(name) || copiers[name] != nil || editsInPlace(name, rest) == true
            || [
                "patch", "git", "quilt", "tar", "bsdtar", "unzip", "cpio", "7z", "7za", "rpmuncompress", "make",
                "gmake", "dd",
            ].contains(name)
    }

    /// Whether `make`'s arguments name its makefile as its input or a descriptor
    /// (`-f -`, `-f /dev/stdin`, `--file=/dev/fd/3`, an unknown word): recipes the text does not show.
    static func makefileFromInput(_ rest: [ShellArgument]) -> Bool {
        func fromInput(_ value: ShellArgument?) -> Bool {
            guard let value else { return false }
            return !value.isKnown || value.text == "-" || value.text.hasPrefix("/dev/")
                || value.text.hasPrefix("/proc/")
        }
        for (k, word) in rest.enumerated() where word.isKnown {
            if word.text == "-f" || word.text == "--file" || word.text == "--makefile" {
                if fromInput(k + 1 < rest.count ? rest[k + 1] : nil) { return true }
            } else if let value = ["--file=", "--makefile=", "-f"].first(where: {
                word.text.hasPrefix($0) && word.text.count > $0.count
            }) {
                if fromInput(ShellArgument(String(word.text.dropFirst(value.count)))) { return true }
            }
        }
        return false
    }

    /// The words of `text` that look like file names (a `.` or `/` in them), e.g. inside a code string.
    static func fileNames(in text: String) -> [String] {
        text.split { !($0.isLetter || $0.isNumber || "._/+-".contains($0)) }
            .map(String.init)
            .filter { ($0.contains(".") || $0.contains("/")) && $0.contains(where: { $0.isLetter }) }
    }

    /// True when an unknown argument's pieces are variables this text assigned
    /// (to something not followed), not the environment's.
    private func variablesSetInText(_ argument: ShellArgument) -> Bool {
        argument.unresolved.contains { piece in
            let name = piece.dropFirst().prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "{") }
                .filter { $0 != "{" }
            return piece.hasPrefix("$") && variables[String(name)] != nil
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
            guard let first = words.first, first.isKnown, words.allSatisfy({ $0.isKnown && !$0.mayBeSplit }) else {
                return nil
            }
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
            let pieces = value.text.split(
                omittingEmptySubsequences: false, whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
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
                case "*" where quoted:
                    // `"$*"` is one word: the parameters joined by IFS's first character.
                    guard let positional else {
                        current.appendUnknown("\"$*\"", mayBeSplit: false)
                        started = true
                        continue
                    }
                    for (index, argument) in positional.enumerated() {
                        if index > 0 {
                            if fieldSeparatorChanged {
                                current.appendUnknown("${IFS:0:1}", mayBeSplit: false)
                            } else {
                                current.append(" ")
                            }
                        }
                        current.append(argument)
                    }
                    started = true
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
                    if let positional {
                        current.append(String(positional.count))
                    } else {
                        current.appendUnknown("$#", mayBeSplit: false)
                    }
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
            case .opaque(let text, _, let canBeSplit, _):
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
        case .opaque(let text, _, _, let line): .opaque(text, quoted: true, canBeSplit: false, line: line)
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
                    if !known.isEmpty {
                        argument.append(String(known))
                        known = String.UnicodeScalarView()
                    }
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
                        if s[end] == "}" {
                            depth -= 1
                            if depth == 0 {
                                end += 1
                                break
                            }
                        }
                        end += 1
                    }
                } else {
                    while end < s.count, ShellLexer.isIdentifierChar(s[end]) { end += 1 }
                }
                if !known.isEmpty {
                    argument.append(String(known))
                    known = String.UnicodeScalarView()
                }
                argument.appendUnknown(
                    String(String.UnicodeScalarView(s[i..<end])), mayBeSplit: !quoted && argument.text.isEmpty)
                i = end
                continue
            }
            known.append(s[i])
            i += 1
        }
        if !known.isEmpty { argument.append(String(known)) }
    }
}
