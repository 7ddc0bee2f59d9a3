import Foundation
import Testing
import TestSupport

/// The emulator file of a fixture package, extracted with `rpm2cpio | cpio` into `dir`.
func extractedEmulator(_ relativePackage: String, into dir: String) throws -> String {
    let package = try Fixtures.path(relativePackage)
    let listed = try runTool("/usr/bin/rpm", ["-qlp", package]).split(separator: "\n").map(String.init)
    let emulator = try #require(listed.first { $0 == "/usr/libexec/qemu-kvm" || $0.hasSuffix("/qemu-system-x86_64") })
    try runTool("/bin/sh", ["-c", "cd \"$1\" && rpm2cpio \"$2\" | cpio -idm --quiet \".$3\"", "sh", dir, package, emulator])
    return dir + emulator
}
