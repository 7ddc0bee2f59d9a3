// The emulators probe tests run: Debian's QEMU and the fakes of Fixtures/qmp-fakes. Not API.
import Foundation

/// Debian's emulator, installed by `.ci/install-deps` (qemu-system-x86).
public let debianQEMU = "/usr/bin/qemu-system-x86_64"

/// A private, executable copy of one fake emulator of Fixtures/qmp-fakes and the library it sources.
public func fakeEmulator(_ name: String, in directory: String) throws -> String {
    for file in [name, "qmp-lib.sh"] {
        try TestFiles.copyExecutable(from: Fixtures.source("qmp-fakes/" + file), to: directory + "/" + file)
    }
    return directory + "/" + name
}

/// A private copy of all of Fixtures/qmp-fakes in a new temporary directory (the
/// silent fake writes pid files next to itself); the caller removes it.
public func copyOfFakes() throws -> String {
    let dir = try temporaryDirectory("fakes")
    let source = Fixtures.source("qmp-fakes")
    for name in try FileManager.default.contentsOfDirectory(atPath: source) {
        try TestFiles.copyExecutable(from: source + "/" + name, to: dir + "/" + name)
    }
    return dir
}
