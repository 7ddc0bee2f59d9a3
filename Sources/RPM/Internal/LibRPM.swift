internal import CRPM

#if canImport(Glibc)
    import Glibc
#endif

/// Process-wide librpm state: configuration, the lock around global macro
/// state, and the capture of librpm's log messages.
enum LibRPM {
    /// Guards librpm's global state (macro context, rpmrc tables).
    ///
    /// Reads of packages and the rpmdb hold it shared while they set up (those
    /// steps expand macros); spec parses hold it exclusively, because they
    /// define macros and reset the whole context afterwards.
    static let stateLock = ReadWriteLock()

    /// True once `rpmReadConfigFiles` succeeded. Computed once per process.
    private static let configured: Bool = {
        _ = rpmlogSetCallback(captureLogRecord, nil)
        return stateLock.withWriteLock { rpmReadConfigFiles(nil, nil) == 0 }
    }()

    /// Reads librpm's configuration once per process and installs the log capture.
    static func configure(operation: String, path: String?) throws {
        if !configured {
            throw RPMError(
                .unreadable, operation: "rpmReadConfigFiles", path: path,
                message: "librpm configuration could not be read (\(operation))")
        }
    }

    /// Runs `body` holding the state lock shared, after configuring librpm.
    static func shared<T>(operation: String, path: String?, _ body: () throws -> T) throws -> T {
        try configure(operation: operation, path: path)
        return try stateLock.withReadLock(body)
    }

    /// Runs `body` holding the state lock exclusively, after configuring librpm.
    static func exclusive<T>(operation: String, path: String?, _ body: () throws -> T) throws -> T {
        try configure(operation: operation, path: path)
        return try stateLock.withWriteLock(body)
    }

    /// Escapes `%` so a path handed to librpm is not macro-expanded.
    static func escapeMacros(_ s: String) -> String {
        s.replacing("%", with: "%%")
    }

    /// Copies and frees a string that librpm allocated.
    static func takeString(_ p: UnsafeMutablePointer<CChar>?) -> String? {
        guard let p else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}

// MARK: - Log capture

/// The messages librpm logged on this thread since the last `LogCapture.begin()`.
///
/// librpm has one global log callback; ours appends each record to a buffer
/// owned by the calling thread and returns 0, so librpm prints nothing.
enum LogCapture {
    private final class Buffer {
        var messages: [String] = []
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let rc = pthread_key_create(&key) { raw in
            if let raw { Unmanaged<AnyObject>.fromOpaque(raw).release() }
        }
        precondition(rc == 0, "pthread_key_create failed")
        return key
    }()

    private static var buffer: Buffer {
        if let raw = pthread_getspecific(key) {
            return Unmanaged<Buffer>.fromOpaque(raw).takeUnretainedValue()
        }
        let b = Buffer()
        pthread_setspecific(key, Unmanaged.passRetained(b as AnyObject).toOpaque())
        return b
    }

    static func append(_ message: String) {
        buffer.messages.append(message)
    }

    /// Forgets earlier messages of this thread.
    static func begin() {
        buffer.messages.removeAll()
    }

    /// The messages logged since `begin()`, one per line, and forgets them.
    static func take() -> String {
        let b = buffer
        let text = b.messages
            .map { $0.trimmingTrailingNewlines() }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
        if !b.messages.isEmpty {
            // librpm also keeps every warning and error in a global list that
            // only grows; we already have ours, so drop it.
            rpmlogClose()
        }
        b.messages.removeAll()
        return text
    }
}

/// The one rpmlog callback: captures into the calling thread's buffer.
private let captureLogRecord: rpmlogCallback = { record, _ in
    guard let record, let text = rpmlogRecMessage(record) else { return 0 }
    let priority = rpmlogRecPriority(record)
    var message = String(cString: text)
    if priority.rawValue <= RPMLOG_WARNING.rawValue {
        message = (priority.rawValue <= RPMLOG_ERR.rawValue ? "error: " : "warning: ") + message
    }
    LogCapture.append(message)
    return 0
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var s = self[...]
        while let last = s.last, last.isNewline || last == " " { s = s.dropLast() }
        return String(s)
    }
}

// MARK: - Lock

/// A `pthread_rwlock_t` at a stable address.
final class ReadWriteLock: @unchecked Sendable {
    // @unchecked: the pthread lock is the synchronization; the pointer never changes.
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    init() {
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        pthread_rwlock_init(lock, nil)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    func withReadLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }

    func withWriteLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
}
