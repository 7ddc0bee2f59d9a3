import Dispatch
import Synchronization

/// Order-preserving parallel map over a fixed number of threads.
///
/// Threads, not a `TaskGroup`: the work is librpm and file reads, which block
/// their thread for the whole input (decompressing a payload, waiting for the
/// spec worker). On Swift's cooperative pool that would starve every other
/// task; `DispatchQueue.concurrentPerform` gives exactly `jobs` threads that
/// may block.
enum ParallelMap {
    /// `order` is the order items are handed out in (default: as given); the
    /// results are always in the items' order. `progress` gets (done, total)
    /// after each item, from the thread that finished it.
    static func map<T: Sendable, R: Sendable>(
        _ items: [T], jobs: Int, order: [Int]? = nil,
        progress: (@Sendable (Int, Int) -> Void)? = nil,
        _ transform: @Sendable @escaping (T) -> R
    ) -> [R] {
        let count = items.count
        guard count > 0 else { return [] }
        let order = order ?? Array(items.indices)
        let results = Mutex<[R?]>(Array(repeating: nil, count: count))
        let handedOut = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, count))) { _ in
            while true {
                let position = handedOut.add(1, ordering: .relaxed).oldValue
                guard position < count else { return }
                let index = order[position]
                let result = transform(items[index])
                results.withLock { $0[index] = result }
                let done = finished.add(1, ordering: .relaxed).newValue
                progress?(done, count)
            }
        }
        return results.withLock { $0.map { $0! } }
    }
}
