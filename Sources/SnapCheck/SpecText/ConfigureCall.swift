// Configure invocations in an expanded `%build` section: which calls build the
// emulator, and what their arguments say about a switch.

/// One `configure` (or `*configure.sh` helper) invocation that can run.
public struct ConfigureCall: Sendable, Hashable {
    /// The program as written, e.g. `../configure` or `/x/SOURCES/build_configure.sh`.
    public var program: String
    /// The arguments after the program as the shell would pass them: variables set
    /// earlier substituted, `"$@"` of the calling function expanded; redirections left out.
    public var arguments: [ShellArgument]
    /// 1-based line of the program word in the text searched.
    public var lineInSection: Int
    /// Shell conditions whose outcome the text does not show and that the call depends on.
    public var conditions: [String]
    /// The shell functions the call was reached through, outermost first (`dobuild`).
    public var functions: [String]
    /// True when the program's basename is not `configure` (e.g. `build_configure.sh`).
    public var isHelperScript: Bool
    /// The targets of the last `--target-list=a,b` argument; empty if none.
    public var targetList: [String]
    /// True when this call builds the system emulator: a `-softmmu` target, or a helper script.
    public var buildsSystemEmulator: Bool

    public init(program: String, arguments: [ShellArgument], lineInSection: Int, conditions: [String] = [], functions: [String] = []) {
        self.program = program
        self.arguments = arguments
        self.lineInSection = lineInSection
        self.conditions = conditions
        self.functions = functions
        self.isHelperScript = ShellLexer.basename(program) != "configure"
        var targets: [String] = []
        for argument in arguments where argument.text.hasPrefix("--target-list=") {
            targets = argument.text.dropFirst("--target-list=".count)
                .split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" || $0 == "\n" })
                .map(String.init)
        }
        self.targetList = targets
        self.buildsSystemEmulator = isHelperScript || targets.contains { $0.hasSuffix("-softmmu") }
    }

    /// The arguments' texts.
    public var words: [String] { arguments.map(\.text) }

    /// The program's file name (`build_configure.sh`).
    public var programName: String { String(ShellLexer.basename(program)) }

    /// True when the call says it builds no system emulator: `--disable-system`,
    /// or a target list without any `-softmmu` target (tools, guest agent).
    public var excludesSystemEmulator: Bool {
        hasFlag("--disable-system") || (!targetList.isEmpty && !buildsSystemEmulator)
    }

    /// True when some argument is exactly `flag` (so `--disable-live-block-ops` never
    /// matches `--disable-live-block-migration`).
    public func hasFlag(_ flag: String) -> Bool {
        arguments.contains { $0.isKnown && $0.text == flag }
    }

    /// What the call says about a switch spelled by `flags`: the last of them
    /// among its arguments (configure takes the last), and the unknown
    /// arguments that could stand for one of them after it (or anywhere, when
    /// none is spelled out).
    public func reading(of flags: [String]) -> SwitchReading {
        let last = arguments.lastIndex { $0.isKnown && flags.contains($0.text) }
        let searched = last.map { arguments[(arguments.index(after: $0))...] } ?? arguments[...]
        let hidden = searched.filter { Self.mayStandFor(flags, $0) }
        return SwitchReading(flag: last.map { arguments[$0].text }, position: last, hidden: Array(hidden))
    }

    /// Whether an unknown argument could turn out to be one of `flags`: it may
    /// split into several words, or its known start is not an option's `NAME=`
    /// and could begin one of them.
    static func mayStandFor(_ flags: [String], _ argument: ShellArgument) -> Bool {
        guard !argument.isKnown else { return false }
        if argument.mayBeSplit { return true }
        if argument.knownPrefix.contains("=") { return false }
        return flags.contains { $0.hasPrefix(argument.knownPrefix) }
    }

    /// True when the basename ends with `configure` or `configure.sh`.
    static func isConfigureProgram(_ text: String) -> Bool {
        let base = ShellLexer.basename(text)
        return base.hasSuffix("configure") || base.hasSuffix("configure.sh")
    }
}

/// What one configure call says about a switch (`--enable/--disable-live-block-ops`).
public struct SwitchReading: Sendable, Hashable {
    /// The last flag of the switch among the known arguments, if any.
    public var flag: String?
    /// Its index among the call's arguments.
    public var position: Int?
    /// Unknown arguments after it (or anywhere, without one) that could be a flag of the switch.
    public var hidden: [ShellArgument]
}

/// Finding configure calls in expanded shell text and picking those that build the emulator.
public enum ConfigureCalls {
    /// Every configure call in `expandedShell` that can run, in the order it would.
    ///
    /// The text is followed as the shell would run it (`ShellRun`): calls inside
    /// here-documents, in functions never called or in branches a known condition
    /// rules out do not count; a call inside a function counts where the function
    /// is called, with that call's arguments for `"$@"`; variables set earlier are
    /// substituted.
    public static func find(in expandedShell: String) -> [ConfigureCall] {
        ShellRun.configureCalls(in: expandedShell)
    }

    /// The calls that build the system emulator: those with a `-softmmu` target
    /// or a helper script; without any, the one call that does not exclude the
    /// emulator (`--disable-system`, tools-only target list), if there is exactly one.
    public static func emulatorCalls(in calls: [ConfigureCall]) -> [ConfigureCall] {
        let building = calls.filter(\.buildsSystemEmulator)
        if !building.isEmpty { return building }
        let possible = calls.filter { !$0.excludesSystemEmulator }
        return possible.count == 1 ? possible : []
    }
}

extension ShellLexer {
    /// The last `/`-separated component of a path.
    static func basename(_ path: String) -> Substring {
        if let slash = path.lastIndex(of: "/") {
            return path[path.index(after: slash)...]
        }
        return Substring(path)
    }
}
