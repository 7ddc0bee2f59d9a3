import Foundation
import Synchronization

/// What to undo when the process is stopped by SIGINT, SIGTERM or SIGHUP, so
/// that a stopped snapcheck leaves nothing half-done behind: today the temp
/// files of outputs being written (``OutputFile``) and child processes.
///
/// The handler runs in signal context, so it only makes async-signal-safe
/// calls (`unlinkat`, `_exit`) on memory prepared before the signal: each
/// registered action is a C struct with a C string, allocated and filled in
/// before it is published into a fixed table of atomic slots. It then exits
/// with 128 + the signal number (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP).
///
/// Publishing and withdrawing are lock-free (a compare-and-swap into a slot,
/// an exchange out of it). A withdrawn action is freed only when the handler
/// has not started: the withdrawer empties the slot, then checks `exiting`;
/// the handler sets `exiting`, then reads the slots. With sequentially
/// consistent order one of the two sees the other, so the handler never reads
/// freed memory (an action withdrawn while the handler runs is left allocated:
/// the process is about to exit).
///
/// Before the files, the handler kills every child process tree snapcheck
/// started (probed emulators, spec workers, and whatever they started:
/// ``ChildProcesses/terminateAll()``, async-signal-safe too), so a stopped
/// snapcheck leaves no process behind either.
public enum SignalCleanup: Sendable {
    /// A published action, to withdraw with ``withdraw(_:)``.
    public struct Registration: Sendable {
        fileprivate let slot: Int
    }

    /// The signals whose default action (terminate) the handler replaces.
    public static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// Installs the handler for ``signals``, except those the process
    /// inherited as ignored (`nohup`, a background job's SIGINT), which stay
    /// ignored, and unblocks them on the calling thread: a blocked mask is
    /// inherited too (Foundation's `Process` passes its thread's on), and a
    /// blocked SIGTERM would wait forever. Call it from the main thread
    /// before starting others, so they inherit the mask.
    public static func install() {
        _ = exiting.load(ordering: .relaxed)  // static storage is initialised lazily: not in the handler
        _ = slots
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        sigemptyset(&action.sa_mask)
        for signal in signals { sigaddset(&action.sa_mask, signal) }
        for signal in signals {
            var current = sigaction()
            guard sigaction(signal, nil, &current) == 0,
                unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self)
                    != unsafeBitCast(SIG_IGN, to: Int.self)
            else { continue }
            sigaction(signal, &action, nil)
            var unblock = sigset_t()
            sigemptyset(&unblock)
            sigaddset(&unblock, signal)
            pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        }
    }

    /// Publishes "unlink `name` in the directory `directory`" (a descriptor
    /// that stays open until the action is withdrawn). Nil when every slot is
    /// taken: the file is then not removed on a signal, nothing else changes.
    public static func register(unlinking name: String, in directory: Int32) -> Registration? {
        publish(Action(kind: .unlinkAt, number: directory, name: strdup(name)))
    }

    /// Withdraws an action once what it undoes is done (the temp file renamed or removed).
    public static func withdraw(_ registration: Registration) {
        guard let action = slots[registration.slot].exchange(nil, ordering: .sequentiallyConsistent) else { return }
        guard !exiting.load(ordering: .sequentiallyConsistent) else { return }
        free(action.pointee.name)
        action.deallocate()
    }

    /// One thing to undo. Filled in before it is published, never changed after.
    struct Action {
        enum Kind {
            /// `unlinkat(number, name, 0)`: a temp file in the directory open as `number`.
            case unlinkAt
        }
        var kind: Kind
        var number: Int32
        var name: UnsafeMutablePointer<CChar>?
    }

    /// Enough for every output and child of one run; more is refused, not grown
    /// (growing would move the table under the handler).
    static let capacity = 256

    nonisolated(unsafe) private static let slots: UnsafeMutablePointer<Atomic<UnsafeMutablePointer<Action>?>> = {
        let table = UnsafeMutablePointer<Atomic<UnsafeMutablePointer<Action>?>>.allocate(capacity: capacity)
        for index in 0..<capacity { (table + index).initialize(to: Atomic(nil)) }
        return table
    }()

    /// Set by the handler before it reads a slot; withdrawers then leave actions allocated.
    private static let exiting = Atomic<Bool>(false)

    private static func publish(_ action: Action) -> Registration? {
        let pointer = UnsafeMutablePointer<Action>.allocate(capacity: 1)
        pointer.initialize(to: action)
        for slot in 0..<capacity
        where slots[slot].compareExchange(expected: nil, desired: pointer, ordering: .sequentiallyConsistent).exchanged
        {
            return Registration(slot: slot)
        }
        free(action.name)
        pointer.deallocate()
        return nil
    }

    private static let handler: @convention(c) (Int32) -> Void = { signal in
        SignalCleanup.exiting.store(true, ordering: .sequentiallyConsistent)
        ChildProcesses.terminateAll()
        for slot in 0..<SignalCleanup.capacity {
            if let action = SignalCleanup.slots[slot].load(ordering: .sequentiallyConsistent) {
                SignalCleanup.perform(action.pointee)
            }
        }
        _exit(128 + signal)
    }

    /// Async-signal-safe calls only.
    private static func perform(_ action: Action) {
        switch action.kind {
        case .unlinkAt:
            if let name = action.name { unlinkat(action.number, name, 0) }
        }
    }
}
