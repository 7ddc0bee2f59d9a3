// Binary RPMs of our own, built by rpmbuild in tests. Not API.
import Foundation

public enum RPMBuild {
    /// `rpmbuild -bb` of the spec at `spec`, with `directory/top` as its topdir and
    /// `directory` as HOME: no post-install processing, debug package or build-id
    /// links, and a zstd payload. The package lands in `directory/top/RPMS/<arch>/`.
    public static func binary(spec: String, in directory: String) throws -> CommandResult {
        try Command.run(
            "/usr/bin/env",
            [
                "rpmbuild", "-bb", "--nodeps", "--define", "_topdir \(directory)/top", "--define",
                "__os_install_post %{nil}",
                "--define", "debug_package %{nil}", "--define", "_build_id_links none", "--define",
                "_binary_payload w3.zstdio",
                spec,
            ], environment: ["PATH": "/usr/bin:/bin", "HOME": directory, "LC_ALL": "C"])
    }
}
