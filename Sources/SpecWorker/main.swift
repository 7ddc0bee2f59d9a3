// snapcheck-spec-worker: parses one spec for `SandboxedSpecEvaluator`.
//
// Reads a `SpecWorkerRequest` line (and the spec's bytes) from fd 0, confines
// itself (see Confinement.swift), parses with librpmbuild with rpm's dangerous
// Lua removed, writes a `SpecWorkerReply` as JSON on fd 3 and exits 0. Any
// other exit, or a signal, means the worker failed; the parent reports it.
import CSeccomp
import Foundation
import RPM
import SnapCheck

/// Writes the reply on the reply fd and exits 0.
func reply(_ reply: SpecWorkerReply) -> Never {
    let data = (try? JSONEncoder().encode(reply)) ?? Data()
    var offset = 0
    data.withUnsafeBytes { bytes in
        while offset < bytes.count {
            let n = write(SpecWorkerChannel.replyFD, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 { if errno == EINTR { continue }; exit(3) }
            offset += n
        }
    }
    exit(0)
}

func failure(_ operation: String, _ path: String?, _ message: String, kind: RPMError.Kind = .specWorker) -> Never {
    reply(.failed(RPMError(kind, operation: operation, path: path, message: message)))
}

// Nothing inherited beyond fds 0-3 stays open.
_ = CSeccomp_close_from(UInt32(SpecWorkerChannel.replyFD) + 1)

// The request: one JSON line, then the spec's bytes.
var input: [UInt8] = []
var chunk = [UInt8](repeating: 0, count: 64 << 10)
let inputLimit = (16 << 20) + (1 << 20)
while true {
    let n = read(SpecWorkerChannel.requestFD, &chunk, chunk.count)
    if n < 0 { if errno == EINTR { continue }; failure("read", nil, "cannot read the request: \(String(cString: strerror(errno)))") }
    if n == 0 { break }
    input += chunk[..<n]
    if input.count > inputLimit { failure("read", nil, "the request exceeds \(inputLimit >> 20) MiB", kind: .limitExceeded) }
}
guard let newline = input.firstIndex(of: 0x0A),
      let request = try? JSONDecoder().decode(SpecWorkerRequest.self, from: Data(input[..<newline])) else {
    failure("read", nil, "the request is not a SpecWorkerRequest line")
}

// The spec goes into a memfd before the limits forbid writing files (RLIMIT_FSIZE 0).
var specPath = request.path ?? ""
if request.path == nil {
    let fd = CSeccomp_memfd_create("snapcheck-spec", 0)
    guard fd >= 0 else { failure("memfd_create", request.displayName, String(cString: strerror(errno))) }
    input[(newline + 1)...].withUnsafeBytes { bytes in
        var written = 0
        while written < bytes.count {
            let n = write(fd, bytes.baseAddress! + written, bytes.count - written)
            if n < 0 { if errno == EINTR { continue }; failure("write", request.displayName, String(cString: strerror(errno))) }
            written += n
        }
    }
    specPath = "/proc/self/fd/\(fd)"
}
input = []

do {
    try Confinement.apply(request.limits)
} catch {
    failure("confine", request.displayName, "\(error)")
}

do {
    let evaluator = InProcessSpecEvaluator(preludeLua: Confinement.luaLockdown)
    var options = request.options
    options.defines = Confinement.shellFreeSystemMacros + options.defines
    let parsed = try evaluator.parse(path: specPath, options: options)
    reply(.parsed(parsed))
} catch var error as RPMError {
    // The memfd's /proc path stands for the spec's name.
    if request.path == nil {
        error.path = request.displayName
        error.message = error.message.replacing(specPath, with: request.displayName)
    }
    reply(.failed(error))
} catch {
    failure("rpmSpecParse", request.displayName, "\(error)")
}
