// Configure invocations in an expanded `%build` section: which call builds the emulator,
// and with which words.

/// One `configure` (or `*configure.sh` helper) invocation found in expanded shell text.
public struct ConfigureCall: Sendable, Hashable {
    /// The program as written, e.g. `../configure` or `/x/SOURCES/build_configure.sh`.
    public var program: String
    /// The shell words after the program, quotes removed and `\`-newlines joined, in order.
    /// Redirections (`> log`, `2>&1`) are left out.
    public var arguments: [String]
    /// 1-based line of the program word in the text searched.
    public var lineInSection: Int
    /// True when the program's basename is not `configure` (e.g. `build_configure.sh`).
    public var isHelperScript: Bool
    /// The targets of the last `--target-list=a,b` argument; empty if none.
    public var targetList: [String]
    /// True when this call builds the system emulator: a `-softmmu` target, or a helper script.
    public var buildsSystemEmulator: Bool

    public init(program: String, arguments: [String], lineInSection: Int) {
        self.program = program
        self.arguments = arguments
        self.lineInSection = lineInSection
        self.isHelperScript = ShellWords.basename(program) != "configure"
        var targets: [String] = []
        for argument in arguments where argument.hasPrefix("--target-list=") {
            targets = argument.dropFirst("--target-list=".count)
                .split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" || $0 == "\n" })
                .map(String.init)
        }
        self.targetList = targets
        self.buildsSystemEmulator = isHelperScript || targets.contains { $0.hasSuffix("-softmmu") }
    }

    /// True when the call says it builds no system emulator: `--disable-system`,
    /// or a target list without any `-softmmu` target (tools, guest agent).
    public var excludesSystemEmulator: Bool {
        hasFlag("--disable-system") || (!targetList.isEmpty && !buildsSystemEmulator)
    }

    /// True when some argument is exactly `flag` (so `--disable-live-block-ops` never
    /// matches `--disable-live-block-migration`).
    public func hasFlag(_ flag: String) -> Bool {
        arguments.contains(flag)
    }
}

/// Finding configure calls in expanded shell text and picking the one that counts.
public enum ConfigureCalls {
    /// Every `configure` / `*configure.sh` invocation in `expandedShell`, in order.
    ///
    /// Calls are found after `&&`, `;`, `|`, inside `if` bodies, behind `NAME=value`
    /// assignments and `sh`/`bash`, and by absolute path (`/x/SOURCES/build_configure.sh`).
    ///
    /// Shell variables set by plain assignment commands earlier in the text
    /// (`buildarch="x86_64-softmmu"`) are substituted into the call's words
    /// (`--target-list="$buildarch"`), as the shell would.
    public static func find(in expandedShell: String) -> [ConfigureCall] {
        var calls: [ConfigureCall] = []
        var variables: [String: String] = [:]
        for command in ShellWords.commands(in: expandedShell) {
            if !command.isEmpty, command.allSatisfy(ShellWords.isAssignment) {
                for word in command {
                    let parts = word.text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    variables[String(parts[0])] = substitute(parts.count > 1 ? String(parts[1]) : "", variables)
                }
                continue
            }
            guard let p = ShellWords.programIndex(in: command) else { continue }
            let program = command[p]
            guard isConfigureProgram(program.text) else { continue }
            let arguments = ShellWords.arguments(of: command, after: p).map { substitute($0.text, variables) }
            calls.append(ConfigureCall(program: program.text, arguments: arguments, lineInSection: program.line))
        }
        return calls
    }

    /// Replaces `$NAME` and `${NAME}` of known variables; unknown ones stay as written.
    static func substitute(_ word: String, _ variables: [String: String]) -> String {
        guard word.contains("$"), !variables.isEmpty else { return word }
        var out = ""
        var rest = Substring(word)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            var after = rest[rest.index(after: dollar)...]
            let braced = after.first == "{"
            if braced { after = after.dropFirst() }
            let name = after.prefix { $0 == "_" || $0.isLetter || $0.isNumber }
            let end = name.endIndex
            if !name.isEmpty, let value = variables[String(name)], !braced || after[end...].first == "}" {
                out += value
                rest = braced ? after[after.index(after: end)...] : after[end...]
            } else {
                out += "$"
                rest = rest[rest.index(after: dollar)...]
            }
        }
        return out + rest
    }

    /// The call that builds the system emulator.
    ///
    /// Among calls with a `-softmmu` target (or helper scripts), the one with the most
    /// arguments (the first on a tie); if none qualifies and there is exactly one call
    /// that does not exclude the emulator (`--disable-system`), that call; otherwise nil.
    public static func mainEmulatorCall(in calls: [ConfigureCall]) -> ConfigureCall? {
        var best: ConfigureCall?
        for call in calls where call.buildsSystemEmulator {
            if let current = best, call.arguments.count <= current.arguments.count { continue }
            best = call
        }
        if let best { return best }
        guard calls.count == 1, !calls[0].excludesSystemEmulator else { return nil }
        return calls[0]
    }

    /// True when the basename ends with `configure` or `configure.sh`.
    static func isConfigureProgram(_ text: String) -> Bool {
        let base = ShellWords.basename(text)
        return base.hasSuffix("configure") || base.hasSuffix("configure.sh")
    }
}
