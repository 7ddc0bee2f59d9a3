/// A `location href` of repository metadata, checked to name a file inside
/// the repository's directory.
///
/// Metadata is input like any other: an href such as `../../etc/passwd` or
/// `/etc/shadow` is refused, never followed, and so is a URL. What passes is
/// opened inside the directory as if it were the root (`InputFile(_:inRoot:)`):
/// symbolic links are resolved there too and can never lead out of it.
struct RepositoryHref {
    /// The relative path, as the metadata gives it.
    let path: String

    /// Why an href is refused, in words for an error line.
    enum Refusal: Error, Equatable {
        case empty, absolute, parent, url
        case base(String)

        var message: String {
            switch self {
            case .empty: "has an empty location href"
            case .absolute: "is an absolute path, not a path inside the repository"
            case .parent: "leads out of the repository directory (a '..' component)"
            case .url: "is a URL: only packages inside the repository directory are read"
            case .base(let base):
                "is relative to xml:base \(base), not to the repository directory: packages elsewhere are not read"
            }
        }
    }

    init(_ href: String, base: String?) throws(Refusal) {
        if let base { throw .base(base) }
        guard !href.isEmpty else { throw .empty }
        guard !href.hasPrefix("/") else { throw .absolute }
        if let colon = href.firstIndex(of: ":"), href[href.index(after: colon)...].hasPrefix("//"),
            !href[..<colon].contains("/")
        {
            throw .url
        }
        guard !href.split(separator: "/").contains("..") else { throw .parent }
        path = href
    }

    /// How reports name the file: the directory as the user gave it, then the href.
    func shown(in directory: String) -> String { Self.shown(path, in: directory) }

    /// How reports name a file of the repository by an href, valid or not.
    static func shown(_ href: String, in directory: String) -> String {
        directory.hasSuffix("/") ? directory + href : directory + "/" + href
    }
}
