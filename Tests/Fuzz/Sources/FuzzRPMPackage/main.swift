// Fuzz target: the RPM reading path. The bytes go to an unlinked file in /dev/shm (a memfd
// in all but name: Swift's Glibc module lacks `memfd_create`), read as `/proc/self/fd/N`
// with `PackageFile(path:)`, then every regular file's content is streamed through
// librpm's decompressor and our digest checks (`streamPayload`).
// Invariants: no crash or hang; every error is an `RPMError` whose message is one line.
import FuzzSupport
import RPM

/// Writes `bytes` to a fresh unlinked file in memory; the caller closes it.
func memfd(_ bytes: [UInt8]) -> CInt {
    var template = Array("/dev/shm/snapcheck-fuzz-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    precondition(fd >= 0, "mkstemp failed")
    _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
    var written = 0
    while written < bytes.count {
        let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        precondition(n > 0, "write to memfd failed")
        written += n
    }
    return fd
}

exit(runFuzzer { data, size in
    let fd = memfd(fuzzBytes(data, size))
    defer { close(fd) }
    let path = "/proc/self/fd/\(fd)"
    do {
        let package = try PackageFile(path: path)
        var delivered = 0
        try package.streamPayload(select: { _ in true }) { _, event in
            if case .data(let chunk) = event { delivered += chunk.count }
            return .continue
        }
    } catch let error as RPMError {
        requireOneLine(error.description)
    } catch {
        require(false, "unexpected error type \(type(of: error))")
    }
    return 0
})
