/// Path arithmetic on the names users give, as `NSString`'s path methods do it
/// but without them: swift-corelibs-foundation traps (SIGILL) on a
/// one-character relative path (`snapcheck a`).
package enum PathName {
    /// `path` without its last component, as `NSString.deletingLastPathComponent`
    /// gives it: `a/b` → `a`, `/a` → `/`, `a` → `` (empty: the current directory), `a/b/` → `a`.
    package static func directory(of path: String) -> String {
        let trimmed = withoutTrailingSlashes(path)
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        let directory = withoutTrailingSlashes(String(trimmed[..<slash]))
        return directory.isEmpty ? "/" : directory
    }

    /// The last component of `path`: `a/b/` → `b`, `a` → `a`, `/` → `/`.
    package static func lastComponent(of path: String) -> String {
        let trimmed = withoutTrailingSlashes(path)
        guard let slash = trimmed.lastIndex(of: "/") else { return trimmed }
        return trimmed == "/" ? "/" : String(trimmed[trimmed.index(after: slash)...])
    }

    /// `path` with no `/` at its end, except a path of slashes only, which is `/`.
    private static func withoutTrailingSlashes(_ path: String) -> String {
        guard path.hasSuffix("/") else { return path }
        let trimmed = String(path.reversed().drop { $0 == "/" }.reversed())
        return trimmed.isEmpty && !path.isEmpty ? "/" : trimmed
    }
}
