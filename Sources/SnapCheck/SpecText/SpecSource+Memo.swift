// Answers of SpecSource that depend on the text alone, computed once: a src build
// reads one spec for every arch it builds for, and the rules ask some of them
// several times per evaluation.

import Synchronization

/// What a `SpecSource` has worked out, shared by its copies.
final class SpecSourceMemo: Sendable {
    let configureRegions = Mutex<[SpecRegion]?>(nil)
    let allDefinitions = Mutex<[MacroDefinitionSite]?>(nil)

    init() {}

    /// The value kept in `slot`, or `compute()`'s, kept for the next call.
    static func value<T: Sendable>(_ slot: borrowing Mutex<T?>, _ compute: () -> T) -> T {
        if let known = slot.withLock({ $0 }) { return known }
        let value = compute()
        slot.withLock { $0 = value }
        return value
    }
}
