internal import CCreaterepo
import Foundation

/// Process-wide libcreaterepo_c state: the library, loaded on first use; one
/// parse at a time; nothing printed.
enum Createrepo {
    /// Serialises the parsers.
    private static let lock = NSLock()

    /// The library's functions, or why it cannot be loaded. Loaded once per
    /// process, on the first call that needs it (shim.h says why it is not
    /// linked). createrepo_c logs through GLib (`g_critical` on parse errors,
    /// printed on stderr by default) besides returning a `GError`: its domain
    /// gets a handler that drops them before any other call.
    private static let loaded: Result<CreaterepoCalls, RepodataError> = {
        var calls = CreaterepoCalls()
        var why: UnsafePointer<CChar>?
        switch createrepo_calls_load(&calls, &why) {
        case CREATEREPO_LOADED: break
        case CREATEREPO_SYMBOL_MISSING:
            return .failure(
                RepodataError(
                    .libraryUnavailable, operation: "dlsym", path: CREATEREPO_SONAME,
                    message:
                        "has no function \(why.map { String(cString: $0) } ?? "?"): not a libcreaterepo_c --repo can use"
                ))
        default:
            return .failure(
                RepodataError(
                    .libraryUnavailable, operation: "dlopen", path: CREATEREPO_SONAME,
                    message:
                        "cannot be loaded (\(why.map { String(cString: $0) } ?? "dlopen failed")); --repo needs libcreaterepo_c"
                ))
        }
        let everyLevel = GLogLevelFlags(rawValue: ~0)
        _ = calls.g_log_set_handler("C_CREATEREPOLIB", everyLevel, { _, _, _, _ in }, nil)
        return .success(calls)
    }()

    /// The library's functions; throws when it cannot be loaded.
    static func library() throws(RepodataError) -> CreaterepoCalls { try loaded.get() }

    /// The library version this module was built against (`0.17.3`).
    static let version = "\(CR_VERSION_MAJOR).\(CR_VERSION_MINOR).\(CR_VERSION_PATCH)"

    /// Runs `body` alone: for the XML parsers (libxml2 keeps per-thread state, and
    /// createrepo_c's parsers are not documented as reentrant). Checksums need no lock.
    static func exclusive<T>(_ body: () throws(RepodataError) -> T) throws(RepodataError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Calls `body` with a `GError` out-parameter. A set error becomes a
    /// `RepodataError` naming `operation` and the input `path`; the library's
    /// message names the file by `openedAs`, which is replaced by `path`.
    static func call<T>(
        _ operation: String, path: String, openedAs: String, kind: RepodataError.Kind,
        _ body: (CreaterepoCalls, UnsafeMutablePointer<UnsafeMutablePointer<GError>?>) -> T
    ) throws(RepodataError) -> T {
        let library = try library()
        var error: UnsafeMutablePointer<GError>?
        let result = body(library, &error)
        if let error {
            defer { library.g_error_free(error) }
            throw RepodataError(
                kind, operation: operation, path: path, code: error.pointee.code,
                message: message(error, openedAs: openedAs, path: path))
        }
        return result
    }

    /// The message of a `GError`, naming the file as the caller does.
    static func message(_ error: UnsafeMutablePointer<GError>, openedAs: String, path: String) -> String {
        let text = error.pointee.message.map { String(cString: $0) } ?? "error \(error.pointee.code)"
        return openedAs == path ? text : text.replacing(openedAs, with: path)
    }

    /// `CRE_UNKNOWNCOMPRESSION`, the code of a file whose compression the library cannot tell or read.
    static let unknownCompression = Int32(CRE_UNKNOWNCOMPRESSION.rawValue)

    /// What a file's first bytes say about a compression this library version
    /// may not read, for a clearer error than "cannot detect compression type".
    static func compressionNote(ofFile path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let magic = [UInt8]((try? handle.read(upToCount: 4)) ?? Data())
        if magic.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) {
            return "compressed with zstd, which libcreaterepo_c reads from 1.0 on (this one is \(version))"
        }
        return nil
    }
}
