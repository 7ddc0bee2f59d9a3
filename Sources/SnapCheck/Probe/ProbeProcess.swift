import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child started with `posix_spawn` in a process group of its own, with
/// non-blocking pipes on stdin, stdout and stderr.
///
/// `finish` kills the whole group and reaps the child; `deinit` does the same,
/// so no path out of a probe leaves a process behind.
final class ProbeProcess {
    let pid: pid_t
    /// Our ends: write to the child's stdin, read its stdout and stderr. -1 once closed.
    private(set) var stdin: Int32
    private(set) var stdout: Int32
    private(set) var stderr: Int32
    /// The `waitpid` status once reaped.
    private(set) var status: Int32?

    /// Starts `path` with `arguments` (argv[0] is `path`) and exactly `environment`, in `/`.
    init(path: String, arguments: [String], environment: [String]) throws(QMPProbeError) {
        var toChild: [Int32] = [-1, -1], fromChild: [Int32] = [-1, -1], errors: [Int32] = [-1, -1]
        // O_CLOEXEC: concurrent spawns must not inherit each other's pipe ends (no EOF otherwise).
        guard GNU.pipe2(&toChild) == 0 else { throw QMPProbeError(.spawn, path, "pipe: \(Self.errnoText())") }
        guard GNU.pipe2(&fromChild) == 0 else {
            Self.closeAll(toChild)
            throw QMPProbeError(.spawn, path, "pipe: \(Self.errnoText())")
        }
        guard GNU.pipe2(&errors) == 0 else {
            Self.closeAll(toChild + fromChild)
            throw QMPProbeError(.spawn, path, "pipe: \(Self.errnoText())")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the targets; everything else closes at exec.
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        if let closeFrom = GNU.addCloseFrom { _ = closeFrom(&actions, 3) }
        if let changeDirectory = GNU.addChangeDirectory { _ = changeDirectory(&actions, "/") }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM, SIGTTIN, SIGTTOU] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)  // a new group led by the child
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, path, &actions, &attributes, argv, envp)
        Self.closeAll([toChild[0], fromChild[1], errors[1]])
        guard rc == 0 else {
            Self.closeAll([toChild[1], fromChild[0], errors[0]])
            throw QMPProbeError(.spawn, path, "cannot be started: \(String(cString: strerror(rc)))")
        }
        pid = child
        stdin = toChild[1]
        stdout = fromChild[0]
        stderr = errors[0]
        for fd in [stdin, stdout, stderr] {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
    }

    deinit {
        finish(grace: .zero)
    }

    /// True once the child has exited (it stays a zombie, so its group id stays ours).
    func hasExited() -> Bool {
        if status != nil { return true }
        var info = siginfo_t()
        let rc = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
        return rc == 0 && info._sifields._sigchld.si_pid == pid
    }

    /// Waits up to `grace` for the child to exit, then kills its whole group
    /// (before reaping, so the group id cannot be reused meanwhile) and reaps it.
    func finish(grace: Duration) {
        if status == nil {
            let deadline = ContinuousClock.now + grace
            while !hasExited(), ContinuousClock.now < deadline {
                usleep(2_000)
            }
            _ = kill(-pid, SIGKILL)
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) == -1, errno == EINTR {}
            status = raw
        }
        closeStdin()
        for fd in [stdout, stderr] where fd >= 0 { close(fd) }
        stdout = -1
        stderr = -1
    }

    func closeStdin() {
        if stdin >= 0 { close(stdin) }
        stdin = -1
    }

    func closeStdout() {
        if stdout >= 0 { close(stdout) }
        stdout = -1
    }

    func closeStderr() {
        if stderr >= 0 { close(stderr) }
        stderr = -1
    }

    /// "exited with status N" / "killed by signal N" / "still running".
    var statusText: String {
        guard let status else { return "still running" }
        let signal = status & 0x7F
        if signal == 0 { return "exited with status \((status >> 8) & 0xFF)" }
        return "killed by signal \(signal)"
    }

    static func closeAll(_ fds: [Int32]) {
        for fd in fds where fd >= 0 { close(fd) }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// glibc extensions Swift's Glibc module does not show (no `_GNU_SOURCE`), looked up once.
private enum GNU {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias AddChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        guard let address = dlsym(nil, name) else { return nil }
        return unsafeBitCast(address, to: type)
    }

    static let pipe2Function = symbol("pipe2", as: Pipe2.self)
    /// glibc 2.34+: close every descriptor from N up in the child.
    static let addCloseFrom = symbol("posix_spawn_file_actions_addclosefrom_np", as: AddCloseFrom.self)
    /// glibc 2.29+: change directory in the child before exec.
    static let addChangeDirectory = symbol("posix_spawn_file_actions_addchdir_np", as: AddChangeDirectory.self)

    /// A pipe whose both ends close on exec, atomically where `pipe2` exists.
    static func pipe2(_ fds: UnsafeMutablePointer<Int32>) -> Int32 {
        if let pipe2Function { return pipe2Function(fds, O_CLOEXEC) }
        guard pipe(fds) == 0 else { return -1 }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return 0
    }
}
