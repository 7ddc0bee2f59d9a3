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
    /// `_make_output_sync` is `-O` when `%{__make}` exists (looked up once, before the worker confines itself); `_dbpath` is
    /// `~/.rpmdb` of the worker's `HOME`.
    public static let shellFreeSystemMacros: [MacroDefinition] = [
        MacroDefinition(
            name: "_smp_build_ncpus",
            value: """
                %{lua: local n = tonumber(rpm.expand("%{getncpus}")) local m = tonumber(rpm.expand("%{?_smp_ncpus_max}"))             if m and m > 0 and n > m then n = m end print(n)}
                """),
        // `-O` where `%{__make}` (Debian's and RHEL's /usr/bin/make) exists, as the shell gives.
        MacroDefinition(name: "_make_output_sync", value: access("/usr/bin/make", X_OK) == 0 ? "-O" : "%{nil}"),
        MacroDefinition(name: "_dbpath", value: "%{getenv:HOME}/.rpmdb"),
    ]

    // MARK: rpm's Lua

    /// What the lockdown logs (as an rpm warning) when a spec's Lua asks for
    /// something the sandbox refuses; a parse whose log holds it fails
    /// (`InProcessSpecEvaluator.refusalMarker`), even when the spec's Lua caught
    /// the error (`pcall`).
    public static let refusalMarker = "snapcheck-sandbox-refused: "

    /// Run in rpm's interpreter right before the parse. Every function that
    /// runs a program, writes a file or reads the auditing host is replaced
    /// by a stand-in that refuses (the filter denies the calls too; this makes
    /// them fail as Lua errors, not half-done system calls): `io.open` and
    /// `rpm.open` open for reading only, and only the spec's own sources
    /// (`%_sourcedir` as snapcheck set it, read once before the spec is, so a
    /// spec's `%define _sourcedir /etc` moves nothing; no `..` and no symbolic
    /// link on the way below it); `posix` keeps only the read-only
    /// `posix.access` rpm's own `%__apply_patch` (behind `%autopatch` and
    /// `%autosetup`) calls; the environment, the clock, binary chunks,
    /// `debug`, `string.dump` and module loading refuse.
    ///
    /// Why refusal fails the whole parse: the auditing host need not be the
    /// build host, and a spec's Lua must not be able to tell the sandbox from
    /// a build and print another configure flag here than there (a false
    /// `enabled`). A refusal is logged before the Lua error is raised, so
    /// catching it (`pcall(os.time)`) changes nothing: the parse fails. For
    /// the same reason nothing is removed, only replaced in place (`if
    /// io.popen then` sees a function, as in a build), and a stand-in shows as
    /// the function it replaced (`tostring`, `getmetatable`). No `%` and
    /// balanced braces: it is the body of a `%{lua:...}` macro.
    public static let luaLockdown = """
        local pct = string.char(37)
        local rpm_expand, lua_error, lua_type, gsub, sub, find = rpm.expand, error, type, string.gsub, string.sub, string.find
        local raw_tostring, raw_getmetatable, gmatch = tostring, getmetatable, string.gmatch
        local original = {open = io.open, load = load, loadfile = loadfile, lines = io.lines, input = io.input,
          collectgarbage = collectgarbage, rpm_open = rpm.open, rpm_load = rpm.load, access = posix and posix.access}
        local read_only_open = io.open
        local concat = table.concat
        local readlink = posix and posix.readlink
        local dbg_setmetatable = debug and debug.setmetatable
        local sources = rpm_expand(pct .. "{?_sourcedir}")
        local shown = setmetatable({}, {__mode = "k"})
        local function refuse(what, name)
          local named = sub((gsub(raw_tostring(name or ""), "[^" .. pct .. "w._/-]", "?")), 1, 120)
          rpm_expand(pct .. "{warn:snapcheck-sandbox-refused: " .. what .. " " .. named .. "}")
          lua_error(what .. " " .. raw_tostring(name) .. ": the spec sandbox lets a spec read its own sources only, nothing of the auditing host, which need not be the build host (--trust-spec reads it)", 2)
        end
        local function stand_in(original, replacement)
          if original ~= nil then shown[replacement] = raw_tostring(original) end
          return replacement
        end
        -- One stand-in per function: rpm.redirect2null is posix.redirect2null, and stays so.
        local stand_ins = {}
        local function deny(t, key, what)
          local f = t ~= nil and t[key]
          if not f then return end
          if not stand_ins[f] then stand_ins[f] = stand_in(f, function() refuse(what, "") end) end
          t[key] = stand_ins[f]
        end
        local function writes(mode) return lua_type(mode) == "string" and find(mode, "[wa+]") ~= nil end
        local function inside_sources(name)
          if lua_type(name) ~= "string" or find(name, "..", 1, true) or sources == "" or not readlink then return false end
          if sub(name, 1, #sources + 1) ~= sources .. "/" then return false end
          local path = sources
          for part in gmatch(sub(name, #sources + 2), "[^/]+") do
            path = path .. "/" .. part
            if readlink(path) then return false end
          end
          return true
        end
        local escape = string.char(27)

        local function binary(chunk) return lua_type(chunk) == "string" and sub(chunk, 1, 1) == escape end
        io.open = stand_in(io.open, function(name, mode)
          if writes(mode) then refuse("io.open for writing", name) end
          if not inside_sources(name) then refuse("io.open", name) end
          return original.open(name, mode)
        end)
        if original.rpm_open then
          rpm.open = stand_in(rpm.open, function(name, mode)
            if writes(mode) then refuse("rpm.open for writing", name) end
            if not inside_sources(name) then refuse("rpm.open", name) end
            return original.rpm_open(name, mode)
          end)
        end
        if original.rpm_load then
          rpm.load = stand_in(rpm.load, function(name, ...)
            if not inside_sources(name) then refuse("rpm.load", name) end
            return original.rpm_load(name, ...)
          end)
        end
        io.lines = stand_in(io.lines, function(name, ...)
          if name ~= nil and not inside_sources(name) then refuse("io.lines", name) end
          return original.lines(name, ...)
        end)
        io.input = stand_in(io.input, function(file)
          if lua_type(file) == "string" and not inside_sources(file) then refuse("io.input", file) end
          return original.input(file)
        end)
        -- A reader function's pieces are read first, as load would, to see whether they are binary.
        local function text_of(chunk)
          if lua_type(chunk) ~= "function" then return chunk end
          local pieces = {}
          while true do
            local piece = chunk()
            if piece == nil or piece == "" then break end
            pieces[#pieces + 1] = piece
          end
          return concat(pieces)
        end
        load = stand_in(load, function(chunk, ...)
          chunk = text_of(chunk)
          if binary(chunk) then refuse("load", "a binary chunk") end
          return original.load(chunk, ...)
        end)
        -- A file of the sources, checked as `load` checks a chunk.
        local function check_file(what, name)
          if not inside_sources(name) then refuse(what, name) end
          local f = original.open(name, "rb")
          if f then
            local head = f:read(1)
            f:close()
            if head == escape then refuse(what, "a binary chunk") end
          end
        end
        loadfile = stand_in(loadfile, function(name, ...)
          check_file("loadfile", name)
          return original.loadfile(name, ...)
        end)
        dofile = stand_in(dofile, function(name)
          check_file("dofile", name)
          local chunk, message = original.loadfile(name)
          if not chunk then lua_error(message, 2) end
          return chunk()
        end)
        collectgarbage = stand_in(collectgarbage, function(option, ...)
          if option == "count" then refuse("collectgarbage", option) end
          return original.collectgarbage(option, ...)
        end)
        for _, key in ipairs({"popen", "output", "tmpfile"}) do deny(io, key, "io." .. key) end
        for _, key in ipairs({"execute", "remove", "rename", "tmpname", "exit", "setlocale", "getenv", "time", "date", "clock"}) do deny(os, key, "os." .. key) end
        for _, key in ipairs({"execute", "redirect2null", "spawn", "interactive"}) do deny(rpm, key, "rpm." .. key) end
        deny(string, "dump", "string.dump")
        deny(_G, "require", "require")
        deny(package, "loadlib", "package.loadlib")
        for _, list in ipairs({package.searchers or {}, package.loaders or {}}) do
          for i = 1, #list do deny(list, i, "package.searchers") end
        end
        if posix then
          for key in pairs(posix) do if key ~= "access" then deny(posix, key, "posix." .. key) end end
          posix.access = stand_in(original.access, function(name, mode)
            if mode ~= nil and (lua_type(mode) ~= "string" or find(mode, "[^rf]")) then refuse("posix.access for " .. raw_tostring(mode), name) end
            if not inside_sources(name) then refuse("posix.access", name) end
            return original.access(name, mode)
          end)
        end
        if debug then for key in pairs(debug) do deny(debug, key, "debug." .. key) end end
        if dbg_setmetatable then
          local functions = {}
          functions.__tostring = function(f)
            local text = shown[f]
            if text then return text end
            dbg_setmetatable(f, nil)
            text = raw_tostring(f)
            dbg_setmetatable(f, functions)
            return text
          end
          dbg_setmetatable(raw_tostring, functions)
          getmetatable = stand_in(getmetatable, function(value)
            if lua_type(value) == "function" then return nil end
            return raw_getmetatable(value)
          end)
        end
        if not dbg_setmetatable then lua_error("rpm Lua lockdown failed: no debug library to hide its stand-ins") end
        if os.execute == nil or shown[os.execute] == nil or shown[io.open] == nil or (posix and shown[posix.access] == nil) then lua_error("rpm Lua lockdown failed") end
        """
}
