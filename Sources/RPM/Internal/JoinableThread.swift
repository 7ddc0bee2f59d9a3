#if canImport(Glibc)
    import Glibc
#endif

/// A thread of its own that runs one closure, joined by its creator.
///
/// A dedicated thread, not a dispatch queue or a task: its creator may be one
/// of `ParallelMap`'s workers and blocks until this thread has done its part
/// (a global queue may not start the work while every worker waits). The
/// closure is `sending`: what it captures (librpm handles) belongs to the new
/// thread alone.
final class JoinableThread {
    private var thread = pthread_t()
    private var joined = false

    /// Starts `body` on a new thread; nil when the system cannot create one
    /// (then `body` never runs).
    init?(_ body: sending @escaping () -> Void) {
        final class Body {
            let run: () -> Void
            init(_ run: @escaping () -> Void) { self.run = run }
        }
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().run()
                return nil
            }, context)
        guard rc == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            joined = true  // nothing to join in deinit
            return nil
        }
    }

    /// Waits for the closure to return.
    func join() {
        guard !joined else { return }
        joined = true
        pthread_join(thread, nil)
    }

    deinit { join() }
}

@available(*, unavailable, message: "join from the thread that created it")
extension JoinableThread: Sendable {}
