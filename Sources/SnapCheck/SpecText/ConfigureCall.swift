// Configure invocations in an expanded `%build` section: which calls build the
// emulator, and what their arguments say about a switch.

/// One `configure` (or `*configure.sh` helper) invocation that can run.
@_spi(Fuzzing) public struct ConfigureCall: Sendable, Hashable {
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
    /// The targets of the last `--target-list=a,b` argument; empty if none, or when its value is not known.
    public var targetList: [String]
    /// True when this call builds the system emulator: a `-softmmu` target, or a helper script.
    public var buildsSystemEmulator: Bool
    /// Where the script runs from, as path components below the top of the source
    /// tree (`["configure"]` for QEMU's own); nil when the text does not show it.
    public var location: [String]?

    /// True when the script runs in a subdirectory of the tree and names no
    /// target list (`cd kvm-unit-tests && ./configure`, a bundled library's):
    /// another project's, if QEMU's own call is in the text too (see
    /// ``ConfigureCalls/emulatorCalls(in:)``).
    public var mayBeOtherProject: Bool {
        guard !isHelperScript, let location, location != ["configure"] else { return false }
        return !arguments.contains { $0.knownPrefix.hasPrefix("--target-list") }
    }

    /// True when the call may build the system emulator: QEMU's configure (or its
    /// helper script) with a `-softmmu` target, with a target list the text does
    /// not show, or with none at all (configure then builds every target), and no
    /// `--disable-system`.
    public var mayBuildSystemEmulator: Bool

    public init(
        program: String, arguments: [ShellArgument], lineInSection: Int, conditions: [String] = [],
        functions: [String] = []
    ) {
        self.program = program
        self.arguments = arguments
        self.lineInSection = lineInSection
        self.conditions = conditions
        self.functions = functions
        self.isHelperScript = ShellLexer.basename(program) != "configure"
        let targetArgument = arguments.last { $0.knownPrefix.hasPrefix("--target-list=") }
        let targets = targetArgument.flatMap { argument in
            argument.isKnown
                ? argument.text.dropFirst("--target-list=".count)
                    .split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" || $0 == "\n" })
                    .map(String.init) : nil
        }
        self.targetList = targets ?? []
        let softmmu = self.targetList.contains { $0.hasSuffix("-softmmu") }
        self.buildsSystemEmulator = isHelperScript || softmmu
        let disablesSystem = arguments.contains { $0.isKnown && $0.text == "--disable-system" }
        self.mayBuildSystemEmulator =
            isHelperScript || softmmu
            || (!disablesSystem && (targetArgument == nil || targets == nil))
    }

    /// The arguments' texts.
    public var words: [String] { arguments.map(\.text) }

    /// The program's file name (`build_configure.sh`).
    public var programName: String { String(ShellLexer.basename(program)) }

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

    /// The files QEMU's configure writes that the build reads its choices
    /// from: a command that writes one after the call may change them.
    static let outputFiles: Set<String> = [
        "config-host.mak", "config-host.h", "config-target.mak", "config-target.h", "config-devices.mak",
        "config-all-devices.mak", "config-all-disas.mak", "config.status",
    ]

    /// The make variables configure sets that gate live block operations
    /// (facts: "Commands each gate removes"): `make NAME=…` overrides them.
    static let gateVariables: Set<String> = ["CONFIG_LIVE_BLOCK_OPS", "CONFIG_LIVE_SNAPSHOTS", "CONFIG_BLOCK_STREAM"]

    /// True when the basename ends with `configure` or `configure.sh`.
    static func isConfigureProgram(_ text: String) -> Bool {
        let base = ShellLexer.basename(text)
        return base.hasSuffix("configure") || base.hasSuffix("configure.sh")
    }
}

/// What one configure call says about a switch (`--enable/--disable-live-block-ops`).
@_spi(Fuzzing) public struct SwitchReading: Sendable, Hashable {
    /// The last flag of the switch among the known arguments, if any.
    public var flag: String?
    /// Its index among the call's arguments.
    public var position: Int?
    /// Unknown arguments after it (or anywhere, without one) that could be a flag of the switch.
    public var hidden: [ShellArgument]
}

/// Finding configure calls in expanded shell text and picking those that build the emulator.
@_spi(Fuzzing) public enum ConfigureCalls: Sendable {
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

    /// The calls that may build the system emulator: a `-softmmu` target, a
    /// helper script, a target list the text does not show, or none at all
    /// (configure's default is every target); not `--disable-system` or a
    /// target list without a `-softmmu` target (tools, guest agent).
    ///
    /// A call that may be another project's (``ConfigureCall/mayBeOtherProject``)
    /// is left out only when a call at the top of the tree, or a helper script,
    /// may build the emulator too: when every candidate runs in a subdirectory
    /// (`cd qemu-2.0.0 && ./configure`), none is dropped.
    public static func emulatorCalls(in calls: [ConfigureCall]) -> [ConfigureCall] {
        let candidates = calls.filter(\.mayBuildSystemEmulator)
        guard candidates.contains(where: { !$0.mayBeOtherProject }) else { return candidates }
        return candidates.filter { !$0.mayBeOtherProject }
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
