import Synchronization
import Testing

@_spi(Fuzzing) @testable import SnapCheck

@Suite("Parallel reading")
struct ParallelMapTests {
    @Test("Results keep the items' order whatever order they are handed out in", arguments: [1, 2, 8])
    func orderKept(_ jobs: Int) {
        let items = Array(0..<200)
        let order = items.reversed().map { $0 }
        let calls = Mutex(0)
        let results = ParallelMap.map(items, jobs: jobs, order: order) { item -> Int in
            calls.withLock { $0 += 1 }
            return item * 3
        }
        #expect(results == items.map { $0 * 3 })
        #expect(calls.withLock { $0 } == items.count)
    }

    @Test("Progress reports every item once, ending at the total")
    func progress() {
        let seen = Mutex<[Int]>([])
        _ = ParallelMap.map(
            Array(0..<50), jobs: 2,
            progress: { done, total in
                #expect(total == 50)
                seen.withLock { $0.append(done) }
            }
        ) { $0 }
        #expect(seen.withLock { $0.sorted() } == Array(1...50))
    }
}
