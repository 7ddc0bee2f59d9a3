internal import CSeccomp
import Foundation
public import RPM

/// What the spec worker does to itself before it parses a spec. Order matters:
/// the spec is already in a memfd and the request read; privileges drop
/// before the filter (which then denies changing them back); the filter is last.
///
/// The only module that imports libseccomp; `SnapCheck`'s spec worker calls it.
public enum Confinement: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The user and group an unprivileged worker runs as when started by root.
    static let nobody: UInt32 = 65534

    /// Closes every descriptor from `first` on (`close_range`): nothing
    /// inherited beyond the worker's channel stays open.
    public static func closeDescriptors(from first: Int32) {
        _ = CSeccomp_close_from(UInt32(first))
    }

    /// A new anonymous memory file (`memfd_create`), or -1 with `errno` set.
    public static func memoryFile(named name: String) -> Int32 {
        CSeccomp_memfd_create(name, 0)
    }

    /// Confines the calling process: limits, privileges, the seccomp filter.
    /// `parent` is the process id of the parent that started this one (read
    /// with `getppid()` before anything else): the process dies with it.
    public static func apply(cpuSeconds: Int, memoryBytes: Int, parent: Int32) throws {
        // No core file (a kernel-written file) on a crash.
        _ = CSeccomp_prctl(PR_SET_DUMPABLE, 0)
        try setLimit(RLIMIT_CORE, soft: 0)
        try setLimit(RLIMIT_FSIZE, soft: 0)
        try setLimit(RLIMIT_CPU, soft: cpuSeconds, hard: cpuSeconds + 1)
        try setLimit(RLIMIT_AS, soft: memoryBytes)
        try dropPrivileges()
        // Die with the parent. After the drop: the kernel clears the death
        // signal when credentials change. Then check the parent is still the
        // one that started us: had it died before the prctl, we were
        // re-parented and no signal would ever come.
        guard CSeccomp_prctl(PR_SET_PDEATHSIG, UInt(SIGKILL)) == 0 else {
            throw Failure(description: "prctl(PR_SET_PDEATHSIG) failed: \(String(cString: strerror(errno)))")
        }
        guard getppid() == parent else { throw Failure(description: "the parent process \(parent) is gone") }
        // Counted per real user at fork/clone; the filter already denies new processes.
        try setLimit(__RLIMIT_NPROC, soft: 0)
        try installFilter()
    }

    private static func setLimit(_ resource: __rlimit_resource, soft: Int, hard: Int? = nil) throws {
        var limit = rlimit(rlim_cur: rlim_t(soft), rlim_max: rlim_t(hard ?? soft))
        guard setrlimit(__rlimit_resource_t(resource.rawValue), &limit) == 0 else {
            throw Failure(description: "setrlimit(\(resource.rawValue)) failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Root (which reads `/etc/shadow` and ignores rlimits) becomes nobody:nogroup.
    /// Fails closed: a worker that stays root does not parse.
    private static func dropPrivileges() throws {
        guard getuid() == 0 || geteuid() == 0 else { return }
        guard setgroups(0, nil) == 0, setgid(nobody) == 0, setuid(nobody) == 0,
            getuid() != 0, geteuid() != 0, setuid(0) != 0
        else {
            throw Failure(description: "cannot drop root privileges to \(nobody): \(String(cString: strerror(errno)))")
        }
    }

    // MARK: seccomp

    /// Denied outright with EPERM: running programs, new processes, debugging
    /// others, networking and IPC, every way of changing the file system, and
    /// changing credentials or limits back.
    static let deniedSyscalls = [
        "execve", "execveat", "fork", "vfork", "ptrace", "process_vm_readv", "process_vm_writev",
        "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
        "shmget", "shmat", "msgget", "msgsnd", "semget", "mq_open",
        "creat", "unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir", "mkdirat", "rmdir",
        "chmod", "fchmod", "fchmodat", "chown", "fchown", "lchown", "fchownat",
        "link", "linkat", "symlink", "symlinkat", "truncate", "ftruncate", "fallocate", "mknod", "mknodat",
        "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
        "utime", "utimes", "utimensat", "futimesat", "memfd_create",
        "open_by_handle_at", "name_to_handle_at", "io_uring_setup", "io_uring_enter", "io_uring_register",
        "mount", "umount2", "pivot_root", "chroot", "setns", "unshare", "bpf", "perf_event_open", "userfaultfd",
        "keyctl", "add_key", "request_key", "init_module", "finit_module", "delete_module",
        "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "acct", "quotactl",
        "settimeofday", "clock_settime", "sethostname", "setdomainname",
        "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups", "setfsuid", "setfsgid",
        "setrlimit", "tkill",
    ]

    /// `TIOCSTI` and `TIOCLINUX` (<asm-generic/ioctls.h>): ioctl requests that push input into a terminal.
    static let terminalInjection: [UInt64] = [0x5412, 0x541C]

    /// `CLONE_THREAD` (<linux/sched.h>, hidden from Swift's Glibc module).
    static let cloneThread: UInt64 = 0x0001_0000

    /// Open flags that make an `open` a write.
    static let writeFlags: [Int32] = [O_WRONLY, O_RDWR, O_CREAT, O_TRUNC]

    static func installFilter() throws {
        guard let filter = seccomp_init(SCMP_ACT_ALLOW) else { throw Failure(description: "seccomp_init failed") }
        defer { seccomp_release(filter) }
        let eperm = CSeccomp_act_errno(UInt16(EPERM))

        func number(_ name: String) -> Int32? {
            let nr = seccomp_syscall_resolve_name(name)
            return nr < 0 ? nil : nr  // not a syscall of this architecture
        }
        func deny(_ name: String, _ action: UInt32 = eperm, when comparison: scmp_arg_cmp? = nil) throws {
            guard let nr = number(name) else { return }
            let rc =
                comparison.map { CSeccomp_rule_add1(filter, action, nr, $0) } ?? CSeccomp_rule_add0(filter, action, nr)
            guard rc == 0 else { throw Failure(description: "seccomp rule for \(name) failed: \(-rc)") }
        }
        func masked(_ arg: UInt32, _ bits: UInt64) -> scmp_arg_cmp {
            scmp_arg_cmp(arg: arg, op: SCMP_CMP_MASKED_EQ, datum_a: bits, datum_b: bits)
        }
        func compare(_ arg: UInt32, _ op: scmp_compare, _ value: UInt64) -> scmp_arg_cmp {
            scmp_arg_cmp(arg: arg, op: op, datum_a: value, datum_b: 0)
        }

        for name in deniedSyscalls { try deny(name) }
        // Threads stay possible (clone with CLONE_THREAD); processes do not.
        try deny("clone", when: scmp_arg_cmp(arg: 0, op: SCMP_CMP_MASKED_EQ, datum_a: cloneThread, datum_b: 0))
        // clone3 and openat2 pass their flags in a struct the filter cannot read:
        // ENOSYS makes glibc fall back to clone and openat, which it can.
        try deny("clone3", CSeccomp_act_errno(UInt16(ENOSYS)))
        try deny("openat2", CSeccomp_act_errno(UInt16(ENOSYS)))
        for flag in writeFlags {
            try deny("open", when: masked(1, UInt64(flag)))
            try deny("openat", when: masked(2, UInt64(flag)))
        }
        // Signals only to itself; limits may be read (prlimit64 without a new limit) but not set.
        let me = UInt64(getpid())
        try deny("kill", when: compare(0, SCMP_CMP_NE, me))
        try deny("tgkill", when: compare(0, SCMP_CMP_NE, me))
        try deny("prlimit64", when: compare(2, SCMP_CMP_NE, 0))
        // Typing into a terminal's input (TIOCSTI) or the console (TIOCLINUX):
        // the kernel reads the request as 32 bits, so only those are compared.
        for request in terminalInjection {
            try deny(
                "ioctl", when: scmp_arg_cmp(arg: 1, op: SCMP_CMP_MASKED_EQ, datum_a: 0xFFFF_FFFF, datum_b: request))
        }

        // libseccomp sets no_new_privs (SCMP_FLTATR_CTL_NNP) before loading.
        let rc = seccomp_load(filter)
        guard rc == 0 else { throw Failure(description: "seccomp_load failed: \(String(cString: strerror(-rc)))") }
    }

    // MARK: rpm's configuration

    /// rpm's own macro files shell out for these; with `execve` denied every
    /// spec using `%make_build` or `%{?_smp_mflags}` would fail to parse. The
    /// worker defines them first (a user's `--define` still wins) with the
    /// values the shell would give, computed without a program:
    /// `_smp_build_ncpus` is `%{getncpus}` capped by `%{?_smp_ncpus_max}`
    /// (`$RPM_BUILD_NCPUS` is never set in the worker's environment);
    /// `_make_output_sync` is `-O` when `%{__make}` exists (the lockdown looks, before any spec Lua runs); `_dbpath` is
    /// `~/.rpmdb` of the worker's `HOME`.
    public static let shellFreeSystemMacros: [MacroDefinition] = [
        MacroDefinition(
            name: "_smp_build_ncpus",
            value: """
                %{lua: local n = tonumber(rpm.expand("%{getncpus}")) local m = tonumber(rpm.expand("%{?_smp_ncpus_max}"))             if m and m > 0 and n > m then n = m end print(n)}
                """),
        MacroDefinition(
            name: "_make_output_sync",
            value: """
                %{lua: if snapcheck_make_found then print("-O") end}
                """),
        MacroDefinition(name: "_dbpath", value: "%{getenv:HOME}/.rpmdb"),
    ]

    // MARK: rpm's Lua

    /// Run in rpm's Lua interpreter right before the parse. Removes every
    /// function that runs a program or writes a file (the filter denies them
    /// too; this makes them fail as Lua errors, not half-done system calls):
    /// `io.open` and `rpm.open` open for reading only; `posix` is replaced by a
    /// stand-in with only the read-only `posix.access` rpm's own `%__apply_patch`
    /// (behind `%autopatch` and `%autosetup`) calls. Reading is for the spec's own
    /// sources (`%_sourcedir`): a file elsewhere, the environment or the clock
    /// is the auditing host's, which need not be the build host's, so asking for
    /// them is a Lua error and the parse fails rather than answer for another
    /// machine (a spec that enables the flag unless `/etc/redhat-release` exists).
    /// The sources directory is read once, before the spec is (a spec's own
    /// `%define _sourcedir /etc` would move it), and a path through a symbolic
    /// link below it is not inside (a link in the sources can point anywhere). Removes what could undo
    /// that from inside Lua: the `debug` library (it reads a wrapper's upvalue,
    /// the original function), binary chunks (`string.dump`; `load`,
    /// `loadfile` and `dofile` take text only) and module loading. Then checks
    /// that it worked. No `%` and balanced braces: it is the body of a
    /// `%{lua:...}` macro.
    public static let luaLockdown = """
        local read_only_open, rpm_open, text_load, text_loadfile = io.open, rpm.open, load, loadfile
        local io_lines, io_input = io.lines, io.input
        local pct = string.char(37)
        local sources = rpm.expand(pct .. "{?_sourcedir}")
        local readlink = posix and posix.readlink
        local function writes(mode) return mode ~= nil and string.find(mode, "[wa+]") ~= nil end
        local function inside_sources(name)
          if type(name) ~= "string" or string.find(name, "..", 1, true) or sources == "" or not readlink then return false end
          if string.sub(name, 1, string.len(sources) + 1) ~= sources .. "/" then return false end
          local path = sources
          for part in string.gmatch(string.sub(name, string.len(sources) + 2), "[^/]+") do
            path = path .. "/" .. part
            if readlink(path) then return false end
          end
          return true
        end
        do
          local make = read_only_open(rpm.expand(pct .. "{__make}"), "r")
          if make then make:close() snapcheck_make_found = true end
        end
        local function host_read(what, name)
          error(what .. " " .. tostring(name) .. ": the spec sandbox lets a spec read its own sources only, nothing of the auditing host, which need not be the build host (--trust-spec reads it)", 2)
        end
        io.open = function(name, mode)
          if writes(mode) then return nil, "writing files is denied" end
          if not inside_sources(name) then host_read("io.open", name) end
          return read_only_open(name, mode)
        end
        if rpm_open then
          rpm.open = function(name, mode)
            if writes(mode) then return nil, "writing files is denied" end
            if not inside_sources(name) then host_read("rpm.open", name) end
            return rpm_open(name, mode)
          end
        end
        io.lines = function(name, ...)
          if name ~= nil and not inside_sources(name) then host_read("io.lines", name) end
          return io_lines(name, ...)
        end
        io.input = function(file)
          if type(file) == "string" and not inside_sources(file) then host_read("io.input", file) end
          return io_input(file)
        end
        os.getenv = function(name) host_read("os.getenv", name) end
        os.time = function() host_read("os.time", "") end
        os.date = function() host_read("os.date", "") end
        os.clock = function() host_read("os.clock", "") end
        io.popen = nil io.output = nil io.tmpfile = nil
        os.execute = nil os.remove = nil os.rename = nil os.tmpname = nil os.exit = nil os.setlocale = nil
        rpm.execute = nil rpm.redirect2null = nil rpm.spawn = nil rpm.interactive = nil
        if posix then for k in pairs(posix) do posix[k] = nil end end
        posix = {
          access = function(name, mode)
            if mode ~= nil and string.find(mode, "[^rf]") then return nil, "posix.access: only r and f checks in the spec sandbox" end
            if not inside_sources(name) then host_read("posix.access", name) end
            local f = read_only_open(name, "r")
            if f then f:close() return 0 end
            return nil, tostring(name) .. ": cannot be read"
          end,
        }
        package.loaded.posix = nil package.preload.posix = nil
        package.loadlib = nil package.cpath = "" package.searchers = nil package.loaders = nil
        require = nil
        debug = nil package.loaded.debug = nil
        string.dump = nil
        load = function(chunk, name, mode, ...) return text_load(chunk, name, "t", ...) end
        loadfile = function(name, mode, ...)
          if not inside_sources(name) then host_read("loadfile", name) end
          return text_loadfile(name, "t", ...)
        end
        dofile = function(name)
          if not inside_sources(name) then host_read("dofile", name) end
          local chunk = assert(text_loadfile(name, "t")) return chunk()
        end
        if os.execute or io.popen or rpm.execute or require or debug or string.dump then error("rpm Lua lockdown failed") end
        for k in pairs(posix) do if k ~= "access" then error("rpm Lua lockdown failed") end end
        """
}
