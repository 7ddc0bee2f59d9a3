import RPM

/// Which kind of evaluator parsed a spec, in the words the report records
/// (`spec-evaluation-mode` note evidence).
public enum SpecEvaluationMode: Sendable, Hashable, CustomStringConvertible {
    /// `SandboxedSpecEvaluator`: a confined worker process; shell and Lua were not run.
    case sandboxed
    /// `InProcessSpecEvaluator` (`--trust-spec`): full rpm semantics in this process.
    case inProcess
    /// Another `SpecEvaluator` given through the library.
    case custom(String)

    public init(_ evaluator: any SpecEvaluator) {
        switch evaluator {
        case is SandboxedSpecEvaluator: self = .sandboxed
        case is InProcessSpecEvaluator: self = .inProcess
        default: self = .custom(String(describing: type(of: evaluator)))
        }
    }

    public var description: String {
        switch self {
        case .sandboxed: "parsed in a sandboxed worker process (seccomp: no programs, sockets or file writes; rpm Lua locked down)"
        case .inProcess: "parsed in-process with full rpm semantics (--trust-spec): shell and Lua expansions ran with snapcheck's rights"
        case .custom(let name): "parsed by a custom evaluator (\(name))"
        }
    }
}
