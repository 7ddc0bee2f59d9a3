/// How far the search for a build's remedy may go (Docs/rules.md, "Remedies").
///
/// Each change tried is a full evaluation of the spec, as costly as the
/// audit's own: the search has a budget per build, and stops, saying so,
/// when it runs out.
public struct RemedySearch: Sendable {
    /// Whether a build that misses its expectation gets a remedy searched
    /// (`--no-remedy` turns it off: no remedy, and no spec evaluated again).
    public var isEnabled = true
    /// Most evaluations of a changed spec (or of the spec with an `rpmbuild`
    /// option) for one build; a src build's spec evaluated on every arch it
    /// builds for is one.
    public var evaluations = 12
    /// Wall-clock time all of one build's evaluations may take together; each
    /// sandboxed evaluation gets no more than what is left (as its timeout and
    /// CPU seconds).
    public var time: Duration = .seconds(20)
    /// The sandbox that evaluates changed specs when the audit evaluates specs
    /// in-process (`--trust-spec`): a changed spec is text snapcheck made up,
    /// which nobody trusted, so it never runs in-process.
    public var sandbox = SandboxedSpecEvaluator()

    public init() {}
}
