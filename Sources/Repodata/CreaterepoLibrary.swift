internal import CCreaterepo

/// The libcreaterepo_c this module was built against.
public enum CreaterepoLibrary: Sendable {
    /// Its version (`0.17.3` on Debian 12): what it can read depends on it
    /// (zstd-compressed metadata from 1.0 on).
    public static let version = (
        major: Int(CR_VERSION_MAJOR), minor: Int(CR_VERSION_MINOR), patch: Int(CR_VERSION_PATCH)
    )
}
