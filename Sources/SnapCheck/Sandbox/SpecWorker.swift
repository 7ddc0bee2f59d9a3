import Foundation
internal import RPM
import Synchronization
internal import WorkerConfinement

/// The spec worker is a mode of the program that uses this library, not a
/// second executable: `SandboxedSpecEvaluator` starts the running program
/// again (`/proc/self/exe`) with a private argument, and that process, once it
/// reaches `serveIfRequested()`, confines itself, parses one spec (once per arch
/// asked) and exits.
///
/// Every program that audits specs or SRPMs with the default, sandboxed
/// evaluation calls it first thing in its `main`, as Docker's `reexec.Init()`:
///
/// ```swift
/// SpecWorker.serveIfRequested()   // first line of main: serves, and exits, when started as a spec worker
/// ```
///
/// A program that does not gets an error naming this line on every spec, never
/// an in-process parse.
public enum SpecWorker: Sendable {
    /// Started as a spec worker: confines itself, parses the spec it is sent,
    /// answers and exits (never returns). Otherwise returns at once, and
    /// records that this program can serve as its own spec worker.
    public static func serveIfRequested() {
        let arguments = CommandLine.arguments
        guard arguments.count == 2, arguments[1] == SpecWorkerChannel.marker else {
            installed.store(true, ordering: .releasing)
            return
        }
        serve()
    }

    /// Whether this program called `serveIfRequested()`: then it can start
    /// itself as the worker.
    static var isInstalled: Bool { installed.load(ordering: .acquiring) }

    private static let installed = Atomic<Bool>(false)

    // MARK: The worker's side

    /// Reads a `SpecWorkerRequest` line (and the spec's bytes) from fd 0,
    /// confines itself, parses with librpmbuild with rpm's dangerous Lua
    /// removed (once per requested options), writes a `SpecWorkerAnswer` line on
    /// fd 3 after each parse and exits 0. Any other exit, or a signal, means the
    /// worker failed; the parent keeps the parses answered and reports the rest.
    private static func serve() -> Never {
        // Read first: once re-parented, the death signal could never come.
        let parent = getppid()
        var info = stat()
        guard fstat(SpecWorkerChannel.replyFD, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK else {
            // Started by hand: there is no parent to answer.
            let message = "snapcheck: \(SpecWorkerChannel.marker) is internal to snapcheck's spec sandbox\n"
            _ = message.withCString { write(STDERR_FILENO, $0, strlen($0)) }
            exit(64)
        }
        // Nothing inherited beyond fds 0-3 stays open.
        Confinement.closeDescriptors(from: SpecWorkerChannel.replyFD + 1)

        // The request: one JSON line, then the spec's bytes.
        var input: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let inputLimit = SandboxedSpecEvaluator.specLimit + (1 << 20)
        while true {
            let n = read(SpecWorkerChannel.requestFD, &chunk, chunk.count)
            if n < 0 {
                if errno == EINTR { continue }
                failure("read", nil, "cannot read the request: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            input += chunk[..<n]
            if input.count > inputLimit {
                failure("read", nil, "the request exceeds \(inputLimit >> 20) MiB", kind: .limitExceeded)
            }
        }
        guard let newline = input.firstIndex(of: 0x0A) else {
            failure("read", nil, "the request is not a SpecWorkerRequest line")
        }
        let theirs = (try? JSONDecoder().decode(SpecWorkerHandshake.self, from: Data(input[..<newline])))
            .map { $0.protocolVersion ?? 1 }
        if let theirs, theirs != SpecWorkerChannel.protocolVersion {
            failure(
                "read", nil,
                """
                the spec worker speaks protocol \(SpecWorkerChannel.protocolVersion) and the request protocol \(theirs): \
                the worker is another snapcheck version than its parent
                """)
        }
        guard let request = try? JSONDecoder().decode(SpecWorkerRequest.self, from: Data(input[..<newline])) else {
            failure("read", nil, "the request is not a SpecWorkerRequest line")
        }

        // The spec goes into a memfd before the limits forbid writing files (RLIMIT_FSIZE 0).
        var specPath = request.path ?? ""
        if request.path == nil {
            let fd = Confinement.memoryFile(named: "snapcheck-spec")
            guard fd >= 0 else { failure("memfd_create", request.displayName, String(cString: strerror(errno))) }
            input[(newline + 1)...].withUnsafeBytes { bytes in
                var written = 0
                while written < bytes.count {
                    let n = write(fd, bytes.baseAddress! + written, bytes.count - written)
                    if n < 0 {
                        if errno == EINTR { continue }
                        failure("write", request.displayName, String(cString: strerror(errno)))
                    }
                    written += n
                }
            }
            specPath = "/proc/self/fd/\(fd)"
        }
        input = []

        do {
            try Confinement.apply(
                cpuSeconds: request.limits.cpuSeconds, memoryBytes: request.limits.memoryBytes, parent: parent)
        } catch {
            failure("confine", request.displayName, "\(error)")
        }

        // One parse per requested options, the same spec each time: the evaluator resets rpm's macros,
        // its configuration and its Lua interpreter after every parse (Docs/security.md, "One worker, one spec").
        let evaluator = InProcessSpecEvaluator(
            preludeLua: Confinement.luaLockdown, refusalMarker: Confinement.refusalMarker)
        // Each parse gets the CPU a worker of its own would (the lane's RLIMIT_CPU is their sum). One
        // that takes more ends the worker as that limit would, with SIGXCPU, unanswered, and the parent
        // parses it and those after it again, each alone: whether an arch's parse fits never depends on
        // how arches share a lane.
        let perParse = Double(request.limits.cpuSeconds) / Double(max(request.parses.count, 1))
        for (index, requested) in request.parses.enumerated() {
            let started = Self.cpuSeconds()
            let reply = parse(requested, path: specPath, request: request, evaluator: evaluator)
            // Over its share, the parse is not answered: alone, the limit would have ended it.
            if Self.cpuSeconds() - started > perParse { raise(SIGXCPU) }
            answer(SpecWorkerAnswer(parse: index, reply: reply))
        }
        exit(0)
    }

    /// One parse of the spec at `path` (the memfd's path when the bytes came with the request).
    private static func parse(
        _ requested: SpecOptions, path specPath: String, request: SpecWorkerRequest, evaluator: InProcessSpecEvaluator
    ) -> SpecWorkerReply {
        var options = requested
        // rpm's own definitions go first: a spec's %undefine must leave nothing, as in a build.
        options.undefines += Confinement.shellFreeSystemMacros.map(\.name)
        options.defines = Confinement.shellFreeSystemMacros + options.defines
        do {
            return .parsed(try evaluator.parse(path: specPath, options: options))
        } catch var error as RPMError {
            // The memfd's /proc path stands for the spec's name.
            if request.path == nil {
                error.path = request.displayName
                error.message = error.message.replacing(specPath, with: request.displayName)
            }
            return .failed(error)
        } catch {
            return .failed(
                RPMError(.specWorker, operation: "rpmSpecParse", path: request.displayName, message: "\(error)"))
        }
    }

    /// CPU seconds this process has used (user and system).
    private static func cpuSeconds() -> Double {
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Writes one answer, a line of JSON, on the reply fd (exit 3 when it cannot).
    private static func answer(_ answer: SpecWorkerAnswer) {
        var data = (try? JSONEncoder().encode(answer)) ?? Data()
        data.append(0x0A)
        var offset = 0
        data.withUnsafeBytes { bytes in
            while offset < bytes.count {
                let n = write(SpecWorkerChannel.replyFD, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    exit(3)
                }
                offset += n
            }
        }
    }

    /// The answer for the whole request, then exit 0.
    private static func failure(
        _ operation: String, _ path: String?, _ message: String, kind: RPMError.Kind = .specWorker
    ) -> Never {
        answer(
            SpecWorkerAnswer(
                parse: nil, reply: .failed(RPMError(kind, operation: operation, path: path, message: message))))
        exit(0)
    }
}
