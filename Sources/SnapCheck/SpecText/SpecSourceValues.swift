internal import RPM

// The values SpecSource hands out: refused expansions, definition sites,
// conditions and regions.

/// A `%(...)` or `%{lua:...}` expansion that was replaced rather than run.
@_spi(Fuzzing) public struct RefusedExpansion: Sendable, Hashable {
    /// 1-based line where the expansion starts.
    public var line: Int
    /// The original expansion, truncated to 80 characters.
    public var text: String
    public var kind: Kind
    /// The text that stands for it in what rpm parses, carried through every macro
    /// that uses it; nil where it was replaced by `%{nil}` (conditions and their macros).
    public var marker: String?
    /// True when running it could have defined macros (Lua naming `define`, `macros`,
    /// `expand` or `load`; anything inside `%{expand:}`): then no macro the spec
    /// reads can be trusted to have the value the parse saw.
    public var mayDefineMacros: Bool
    /// True when it stands on a line of its own (not continuing a command): its
    /// output would be whole lines rpm reads (tags, definitions, commands).
    public var standsAlone: Bool = false

    public enum Kind: String, Sendable {
        case shell, lua
    }

    public init(line: Int, text: String, kind: Kind, marker: String? = nil, mayDefineMacros: Bool = false) {
        self.line = line
        self.text = text
        self.kind = kind
        self.marker = marker
        self.mayDefineMacros = mayDefineMacros
    }

    /// Markers are `SNAPCHECKREFUSED<n>Z`: letters and digits, valid in any tag and
    /// shell word, and no prefix of one another.
    static let markerPrefix = "SNAPCHECKREFUSED"

    static func marker(_ number: Int) -> String { "\(markerPrefix)\(number)Z" }

    /// True when the package's name, version or release holds a marker: a value
    /// computed by an expansion that was not run, so not known.
    static func holdsMarker(_ header: PackageHeader) -> Bool {
        [header.name, header.version, header.release].contains { $0.contains(markerPrefix) }
    }

    /// The header with every marker in its name, version and release replaced by
    /// the expansion as the spec spells it (`%(echo 175).el7`): a marker is never shown.
    static func restored(_ header: PackageHeader, _ refused: [RefusedExpansion]) -> PackageHeader {
        guard holdsMarker(header) else { return header }
        var header = header
        for expansion in refused.reversed() {
            guard let marker = expansion.marker else { continue }
            header.name = header.name.replacing(marker, with: expansion.text)
            header.version = header.version.replacing(marker, with: expansion.text)
            header.release = header.release.replacing(marker, with: expansion.text)
        }
        return header
    }
}

/// Where a macro is defined in the original spec.
@_spi(Fuzzing) public struct MacroDefinitionSite: Sendable, Hashable {
    /// 1-based line of the definition.
    public var line: Int
    /// 1-based last line of its body (continuation lines included).
    public var lastLine: Int
    public var kind: Kind
    public var name: String
    /// The raw value text (continuation lines joined with newlines); empty for bconds.
    public var value: String

    public enum Kind: String, Sendable {
        case define, global, bcondWith, bcondWithout
    }

    public init(line: Int, kind: Kind, name: String, value: String, lastLine: Int? = nil) {
        self.line = line
        self.lastLine = lastLine ?? line
        self.kind = kind
        self.name = name
        self.value = value
    }
}

/// One `%if`-family condition enclosing a line.
@_spi(Fuzzing) public struct SpecCondition: Sendable, Hashable {
    /// 1-based line of the `%if`/`%elif` directive.
    public var line: Int
    /// The directive line as written, trimmed (e.g. `%if 0%{?rhev}`, `%ifarch x86_64`).
    public var text: String
    /// True when the line lies after this condition's `%else` (or a following `%elif`).
    public var inElseBranch: Bool
    /// Macro names the condition mentions, in order (bcond names for `%{with X}`).
    public var macroNames: [String]
    /// The subset of `macroNames` that are bconds (`%{with X}`, `%{without X}`, `%{?with_X}`).
    public var bcondNames: [String]
    /// The directive without its `%`: `if`, `elif`, `ifarch`, `ifnarch`, `elifarch`, `ifos`, `ifnos`, `elifos`.
    public var keyword: String
    /// What follows the keyword: an expression, or a list of arches or systems.
    public var expression: String

    public init(
        line: Int, text: String, inElseBranch: Bool, macroNames: [String], bcondNames: [String] = [],
        keyword: String = "if", expression: String = ""
    ) {
        self.line = line
        self.text = text
        self.inElseBranch = inElseBranch
        self.macroNames = macroNames
        self.bcondNames = bcondNames
        self.keyword = keyword
        self.expression = expression
    }

    /// True for `%ifarch`-family and `%ifos`-family conditions (a list, not an expression).
    public var isArchCondition: Bool { keyword.hasSuffix("arch") || keyword.hasSuffix("os") }
}

/// A range of physical lines (1-based) in the original spec, with its text.
@_spi(Fuzzing) public struct SpecRegion: Sendable, Hashable {
    public var lines: ClosedRange<Int>
    public var text: String

    public init(lines: ClosedRange<Int>, text: String) {
        self.lines = lines
        self.text = text
    }
}
