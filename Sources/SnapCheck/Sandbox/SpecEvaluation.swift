package import RPM

/// Who parses spec files, and how far their shell and Lua are trusted.
public struct SpecEvaluation: Sendable {
    /// The default: a confined worker process per spec (`SandboxedSpecEvaluator`;
    /// one for all the arches a src build evaluates it for, never shared by two specs).
    /// `%(...)` and `%{lua:}` are neutralised before rpm sees the text and
    /// recorded as `spec-expansion-not-run` notes.
    public static func sandboxed(_ sandbox: SandboxedSpecEvaluator = SandboxedSpecEvaluator()) -> SpecEvaluation {
        SpecEvaluation(mode: .sandboxed(sandbox))
    }

    /// `--trust-spec`: librpmbuild in this process with full rpm semantics;
    /// the spec's shell and Lua run with this process's rights.
    public static let inProcess = SpecEvaluation(mode: .inProcess)

    /// Another evaluator (tests); specs are neutralised as for `sandboxed`.
    package static func custom(_ evaluator: any SpecEvaluator) -> SpecEvaluation {
        SpecEvaluation(mode: .custom(evaluator))
    }

    private enum Mode: Sendable {
        case sandboxed(SandboxedSpecEvaluator)
        case inProcess
        case custom(any SpecEvaluator)
    }

    private let mode: Mode

    /// The evaluator that parses.
    package var evaluator: any SpecEvaluator {
        switch mode {
        case .sandboxed(let sandbox): Sandboxed(sandbox: sandbox)
        case .inProcess: InProcessSpecEvaluator()
        case .custom(let evaluator): evaluator
        }
    }

    /// The worker's settings, when specs are parsed in the sandbox.
    var sandbox: SandboxedSpecEvaluator? {
        if case .sandboxed(let sandbox) = mode { return sandbox }
        return nil
    }

    /// Whether specs reach rpm as written (shell and Lua run).
    var trustsSpecs: Bool {
        if case .inProcess = mode { return true }
        return false
    }

    /// How the report describes the mode (`spec-evaluation-mode` note evidence).
    var description: String {
        switch mode {
        case .sandboxed:
            "parsed in a sandboxed worker process (seccomp: no programs, sockets or file writes; rpm Lua locked down)"
        case .inProcess:
            "parsed in-process with full rpm semantics (--trust-spec): shell and Lua expansions ran with snapcheck's rights"
        case .custom(let evaluator): "parsed by a custom evaluator (\(String(describing: type(of: evaluator))))"
        }
    }

    /// The sandbox as the `RPM` module's evaluator, kept out of the public API.
    private struct Sandboxed: SpecEvaluator {
        var sandbox: SandboxedSpecEvaluator

        func parse(contents: [UInt8], displayName: String, options: SpecOptions) throws -> ParsedSpec {
            try sandbox.parse(contents: contents, displayName: displayName, options: options)
        }

        func parse(path: String, options: SpecOptions) throws -> ParsedSpec {
            try sandbox.parse(path: path, options: options)
        }

        func parse(contents: [UInt8], displayName: String, each options: [SpecOptions]) -> [Result<
            ParsedSpec, any Error
        >] {
            sandbox.parse(contents: contents, displayName: displayName, each: options).map { $0.mapError { $0 } }
        }
    }
}
