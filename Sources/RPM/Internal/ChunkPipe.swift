import Dispatch
import Synchronization

/// A bounded queue of decode buffers between the two threads of a pipelined
/// payload stream. The decoding thread takes a free buffer (`acquire`),
/// decodes into it and posts it; the consuming thread takes steps in order
/// (`next`) and gives each buffer back, in the same order, when done with it
/// (`release`). Nothing is copied: a buffer belongs to one side at a time,
/// and at most `slotCount` are in flight, so the decoder runs at most that
/// far ahead.
final class ChunkPipe: Sendable {
    /// What the decoding side says, in stream order.
    enum Step: Sendable {
        /// A selected file's content starts; `digest` is what its header records.
        case begin(FileEntry, digest: (algorithm: Int32, bytes: [UInt8])?)
        /// The first `count` bytes of buffer `slot` are the file's next bytes.
        case data(slot: Int, count: Int)
        /// The file's content is complete.
        case end
        /// The stream is over (every selected file delivered, or the consumer stopped).
        case finished
        /// The decoding side failed; nothing follows.
        case failed(any Error)
    }

    /// Bytes per buffer: the size of one `.data` step.
    let slotSize: Int
    let slotCount: Int
    /// `slotCount` buffers of `slotSize` bytes, back to back. Buffer `i` is
    /// written only by the decoder between `acquire` and posting `.data(i)`,
    /// and read only by the consumer between `next` and `release`; the
    /// semaphores order those hand-overs, so the memory needs no lock.
    nonisolated(unsafe) private let memory: UnsafeMutableRawPointer
    /// Steps posted and not yet taken, in order; read and written only under `lock`.
    nonisolated(unsafe) private var steps: [Step] = []
    /// A pthread lock, which ThreadSanitizer sees (it does not see `Synchronization.Mutex` on Linux).
    private let lock = ReadWriteLock()
    /// Steps posted and not yet taken.
    private let posted = DispatchSemaphore(value: 0)
    /// Buffers the decoder may fill. Created at 0 and signalled up to
    /// `slotCount`: libdispatch aborts when a semaphore is freed below the
    /// value it was created with, and a stopped stream leaves buffers taken.
    private let free = DispatchSemaphore(value: 0)
    private let stopped = Atomic<Bool>(false)
    /// Buffers handed out so far (decoding side only): the next is `acquired % slotCount`.
    private let acquired = Atomic<Int>(0)

    init(slotSize: Int, slotCount: Int) {
        self.slotSize = slotSize
        self.slotCount = slotCount
        memory = .allocate(byteCount: slotSize * slotCount, alignment: 64)
        for _ in 0..<slotCount { free.signal() }
    }

    deinit { memory.deallocate() }

    // MARK: Decoding side

    /// False once the consumer has stopped.
    var isOpen: Bool { !stopped.load(ordering: .acquiring) }

    /// The next free buffer, in ring order, waiting for the consumer to give
    /// one back if needed; nil once the consumer has stopped.
    func acquire() -> (slot: Int, buffer: UnsafeMutableRawBufferPointer)? {
        free.wait()
        guard isOpen else { return nil }
        let slot = acquired.add(1, ordering: .relaxed).oldValue % slotCount
        return (slot, UnsafeMutableRawBufferPointer(start: memory + slot * slotSize, count: slotSize))
    }

    func post(_ step: Step) {
        lock.withWriteLock { steps.append(step) }
        posted.signal()
    }

    // MARK: Consuming side

    /// The next step, waiting for it if needed.
    func next() -> Step {
        posted.wait()
        return lock.withWriteLock { steps.removeFirst() }
    }

    /// The bytes of a `.data` step, valid until `release()`.
    func bytes(slot: Int, count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: memory + slot * slotSize, count: count)
    }

    /// Gives the oldest buffer taken with `next` back to the decoder.
    func release() {
        free.signal()
    }

    /// Tells the decoder to stop at its next buffer or archive entry.
    func stop() {
        stopped.store(true, ordering: .releasing)
        free.signal()  // wakes a decoder waiting in `acquire`
    }
}
