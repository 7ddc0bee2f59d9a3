// A spec's text made ready for rpm once, however many arches it is evaluated for.

import Synchronization

/// What a spec evaluation hands rpm and reads the parse with, for one spec
/// text: the original text's line queries, the expansions refused, the bytes
/// rpm parses and the expressions read back after the parse. None of it
/// depends on the arch, so a `src` build's evaluations (one per arch, Docs/rules.md
/// "Source builds") share one preparation instead of repeating the text work.
struct PreparedSpec: Sendable {
    /// The original text, with line-level queries.
    let source: SpecSource
    /// The `%(...)` and `%{lua:}` expansions replaced before rpm sees the text (none when trusted).
    let refused: [RefusedExpansion]
    /// What rpm parses: neutralised and trimmed unless trusted, every condition recorded.
    let bytes: [UInt8]

    /// Prepares `text` as `InputReader.evaluate` hands it to rpm: trusted specs as
    /// written, untrusted ones neutralised and without their changelog and patch
    /// lines; either way every condition recorded as rpm evaluates it (`hostMacros`).
    init(text: String, trusted: Bool, hostMacros: [String]) {
        let source = SpecSource(text: text)
        let (neutral, refused) = trusted ? (text, []) : source.neutralized()
        let recorded = SpecSource.recordingConditions(
            trusted ? neutral : SpecSource.trimmedForParse(neutral), hostMacros: hostMacros,
            expandedOnce: source.macrosWithSideEffects())
        self.source = source
        self.refused = refused
        self.bytes = SpecBytes.bytes(of: recorded)
    }
}

/// One spec's preparation, kept for the evaluations that follow the first.
///
/// Keeps the first preparation only: a spec's own text is prepared first (when
/// it is read), and the changed copies a remedy tries are each evaluated once.
/// A copy of the spec whose text or settings differ is prepared afresh, never
/// given this one (the text is compared; the same storage compares at once).
final class SpecPreparations: Sendable {
    private struct Entry {
        var text: String
        var trusted: Bool
        var hostMacros: [String]
        var prepared: PreparedSpec
    }

    private let first = Mutex<Entry?>(nil)

    init() {}

    /// The preparation of `text` with these settings: the one kept when it matches, else a new one.
    func prepared(text: String, trusted: Bool, hostMacros: [String]) -> PreparedSpec {
        if let entry = first.withLock({ $0 }), entry.trusted == trusted, entry.hostMacros == hostMacros,
            entry.text == text
        {
            return entry.prepared
        }
        let prepared = PreparedSpec(text: text, trusted: trusted, hostMacros: hostMacros)
        first.withLock { entry in
            if entry == nil { entry = Entry(text: text, trusted: trusted, hostMacros: hostMacros, prepared: prepared) }
        }
        return prepared
    }
}
