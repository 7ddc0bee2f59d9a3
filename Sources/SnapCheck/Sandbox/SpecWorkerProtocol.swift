import Foundation
package import RPM

/// What the parent sends the spec worker on its fd 0: this value as one line
/// of JSON, then (when `path` is nil) the spec's bytes up to end of stream.
package struct SpecWorkerRequest: Codable, Sendable {
    /// `SpecWorkerChannel.protocolVersion` of the parent; a worker that speaks another refuses the request.
    package var protocolVersion = SpecWorkerChannel.protocolVersion
    /// Names the spec in errors.
    package var displayName: String
    /// A spec file the worker opens itself; nil when the bytes follow the line.
    package var path: String?
    /// One parse of the spec per element, in order (one per arch of a src build):
    /// rpm's macros and Lua are reset between them, and it is always the same spec
    /// (Docs/security.md, "One worker, one spec").
    package var parses: [SpecOptions]
    /// For the whole request, every parse together.
    package var limits: SpecWorkerLimits

    package init(displayName: String, path: String?, parses: [SpecOptions], limits: SpecWorkerLimits) {
        self.displayName = displayName
        self.path = path
        self.parses = parses
        self.limits = limits
    }
}

/// The rlimits the worker sets on itself before it parses.
package struct SpecWorkerLimits: Codable, Sendable, Hashable {
    /// `RLIMIT_CPU`: CPU seconds before the kernel sends SIGXCPU.
    package var cpuSeconds: Int
    /// `RLIMIT_AS`: address space, bytes.
    package var memoryBytes: Int

    package init(cpuSeconds: Int, memoryBytes: Int) {
        self.cpuSeconds = cpuSeconds
        self.memoryBytes = memoryBytes
    }
}

/// What one parse gave: the parse or librpm's error.
package enum SpecWorkerReply: Codable, Sendable {
    case parsed(ParsedSpec)
    case failed(RPMError)
}

/// One line of JSON the worker writes on its fd 3 as soon as a parse is done, in
/// the request's order, so the parses that finished before a worker fails are
/// kept (only the others are parsed again). A request it cannot read or a
/// confinement that fails is one answer with no `parse`, for the whole request.
package struct SpecWorkerAnswer: Codable, Sendable {
    /// `SpecWorkerChannel.protocolVersion` of the worker; a parent that speaks another reads no answer.
    package var protocolVersion = SpecWorkerChannel.protocolVersion
    /// The index of the parse in the request; nil for the whole request.
    package var parse: Int?
    package var reply: SpecWorkerReply

    package init(parse: Int?, reply: SpecWorkerReply) {
        self.parse = parse
        self.reply = reply
    }
}

extension RPMError.Kind {
    /// The sandboxed spec worker could not be found, started, or did not answer
    /// (crash, timeout, a limit, unreadable reply).
    package static let specWorker = RPMError.Kind(rawValue: "spec-worker")
}

/// The spec worker's file descriptors, shared by both sides.
package enum SpecWorkerChannel {
    /// The worker reads the request here and writes the reply on `replyFD`
    /// (one socket, both ends); fds 1 and 2 go to a capped diagnostics stream,
    /// so nothing a spec prints (Lua `io.write`) can forge the reply.
    package static let requestFD: Int32 = 0
    package static let replyFD: Int32 = 3
    /// The worker's whole argument list after the program name: a program
    /// started with it serves as a spec worker (`SpecWorker.serveIfRequested()`).
    package static let marker = "--snapcheck-internal-spec-worker"
    /// The program name the worker runs under (`argv[0]`), as `ps` shows it.
    package static let processName = "snapcheck-spec-worker"
    /// The environment variable naming another program to run as the worker
    /// (a `snapcheck` executable), for tests and sanitizer runs.
    package static let environmentVariable = "SNAPCHECK_SPEC_WORKER"
    /// The request and reply formats above: raise it whenever either changes. A worker from another
    /// snapcheck (`SNAPCHECK_SPEC_WORKER`) then says so instead of answering what the parent cannot read.
    /// Requests without the field are version 1.
    package static let protocolVersion = 2
}

/// The one field each side reads before the rest of a request or an answer: the protocol it is written in.
package struct SpecWorkerHandshake: Decodable, Sendable {
    package var protocolVersion: Int?
}
