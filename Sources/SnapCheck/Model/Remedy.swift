/// The change that gives a build the verdict it is expected to have, in the
/// spec's own terms, or why no spec change is known.
///
/// An edit is offered only after the spec, changed by it, was evaluated
/// again (in the sandboxed worker) and gave the expected verdict: a remedy is
/// a tested change, never a guess from a rule's text. A search that ran out of
/// its budget (`RemedySearch`) says so in `reason`.
public struct Remedy: Sendable, Hashable {
    /// One replacement in one line of a file.
    public struct Edit: Sendable, Hashable {
        /// The spec as the report names it: a path, or `pkg.src.rpm:name.spec`.
        public var file: String
        /// 1-based line, counted in `\n` bytes of the file (a `\r` before one
        /// belongs to the line end; a lone `\r` ends no line), as evidence lines are.
        public var line: Int
        /// 1-based column of `replace` in the line, in UTF-16 code units of the
        /// line decoded as UTF-8 (SARIF's default `columnKind`): a tab is one,
        /// `é` one, `🐧` two.
        public var column: Int
        /// The text replaced, as the line spells it.
        public var replace: String
        /// The text it becomes.
        public var with: String

        public init(file: String, line: Int, column: Int, replace: String, with: String) {
            self.file = file
            self.line = line
            self.column = column
            self.replace = replace
            self.with = with
        }
    }

    /// The verdict the change gives.
    public var target: Verdict
    /// The edit; nil when no spec change is known.
    public var edit: Edit?
    /// An `rpmbuild` option that does the same without editing the spec
    /// (`--with rhev_features`, `--define 'rhev 1'`), when evaluating with it
    /// gave `target` too.
    public var option: String?
    /// How it was found, or why no spec change is known.
    public var reason: String

    public init(target: Verdict, edit: Edit?, option: String?, reason: String) {
        self.target = target
        self.edit = edit
        self.option = option
        self.reason = reason
    }

    /// `file:line:column`, or nil when no spec change is known.
    public var place: String? {
        edit.map { "\($0.file):\($0.line):\($0.column)" }
    }

    /// The remedy in one sentence, as the reports write it:
    /// "change `%define rhev 0` to `%define rhev 1` (or rpmbuild --define 'rhev 1'): …".
    public var sentence: String {
        guard let edit else { return "no spec change known: \(reason)" }
        let option = self.option.map { " (or rpmbuild \($0))" } ?? ""
        return "change `\(edit.replace)` to `\(edit.with)`\(option): \(reason)"
    }
}
