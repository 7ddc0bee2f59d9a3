import RPM

/// Who parses spec files, and how far their shell and Lua are trusted.
public enum SpecEvaluation: Sendable {
    /// The default: a confined worker process per parse (`SandboxedSpecEvaluator`).
    /// `%(...)` and `%{lua:}` are neutralised before rpm sees the text and
    /// recorded as `spec-expansion-not-run` notes.
    case sandboxed(SandboxedSpecEvaluator = SandboxedSpecEvaluator())
    /// `--trust-spec`: librpmbuild in this process with full rpm semantics;
    /// the spec's shell and Lua run with this process's rights.
    case inProcess
    /// Another evaluator, given through the library; specs are neutralised as
    /// for `sandboxed`.
    case custom(any SpecEvaluator)

    /// The evaluator that parses.
    var evaluator: any SpecEvaluator {
        switch self {
        case .sandboxed(let sandbox): sandbox
        case .inProcess: InProcessSpecEvaluator()
        case .custom(let evaluator): evaluator
        }
    }

    /// Whether specs reach rpm as written (shell and Lua run).
    var trustsSpecs: Bool {
        if case .inProcess = self { return true }
        return false
    }

    /// How the report describes the mode (`spec-evaluation-mode` note evidence).
    var description: String {
        switch self {
        case .sandboxed: "parsed in a sandboxed worker process (seccomp: no programs, sockets or file writes; rpm Lua locked down)"
        case .inProcess: "parsed in-process with full rpm semantics (--trust-spec): shell and Lua expansions ran with snapcheck's rights"
        case .custom(let evaluator): "parsed by a custom evaluator (\(String(describing: type(of: evaluator))))"
        }
    }
}
