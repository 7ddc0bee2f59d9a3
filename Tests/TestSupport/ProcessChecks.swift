public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The fields of `/proc/PID/stat` the process tests read, or nil when the process is gone.
public struct ProcStat: Sendable {
    public var state: Character
    public var parent: pid_t
    public var group: pid_t
    public var session: pid_t

    public init?(_ pid: pid_t) {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 4, let state = fields[0].first, let parent = pid_t(fields[1]),
            let group = pid_t(fields[2]), let session = pid_t(fields[3])
        else { return nil }
        (self.state, self.parent, self.group, self.session) = (state, parent, group, session)
    }
}

/// A process's command line with its arguments joined by spaces, or nil when it is gone (or a zombie).
public func commandLine(of pid: pid_t) -> String? {
    guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
    return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
}

/// What is left of process `pid`, whose command line starts with `command`: nil when it is gone
/// (its id may name another process by now), a description otherwise. A
/// zombie child of this process counts as left over (it was not reaped)
/// unless `zombiesAllowed`; a zombie of anyone else is gone for good.
public func leftover(_ pid: pid_t, running command: String, zombiesAllowed: Bool = false) -> String? {
    guard let stat = ProcStat(pid) else { return nil }
    if stat.state == "Z" || stat.state == "X" {
        return !zombiesAllowed && stat.parent == getpid()
            ? "\(pid) is a zombie child of this process, never reaped" : nil
    }
    return commandLine(of: pid)?.hasPrefix(command) == true ? "\(pid) (\(command)) is still running" : nil
}

/// Whether process `pid` is gone, or only a zombie awaiting its (new) parent.
public func isGoneOrZombie(_ pid: pid_t) -> Bool {
    guard let stat = ProcStat(pid) else { return true }
    return stat.state == "Z"
}

/// Processes still alive (not zombies) in process group `group`, read from /proc.
public func livingMembers(ofGroup group: pid_t) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { name -> pid_t? in
        guard let pid = pid_t(name), let stat = ProcStat(pid), stat.state != "Z", stat.group == group else {
            return nil
        }
        return pid
    }
}

/// Checks `condition` until it holds or `limit` passes (a SIGKILL lands
/// asynchronously); returns whether it held. Not a timing assertion: the
/// limit only bounds the wait for something that should already be true.
public func eventually(within limit: Duration = .seconds(5), _ condition: () -> Bool) -> Bool {
    let until = ContinuousClock.now + limit
    while !condition() {
        if ContinuousClock.now >= until { return false }
        usleep(10_000)
    }
    return true
}

/// Pids written one per line (by a fake emulator or a child script).
public func pids(in text: String) -> [pid_t] {
    text.split(whereSeparator: \.isNewline).compactMap { pid_t($0.trimmingCharacters(in: .whitespaces)) }
}

/// SIGKILL to a process that a failed test left running `command`, so one failure does not leave sleepers behind.
public func killIfLeft(_ pid: pid_t, running command: String) {
    if let stat = ProcStat(pid), stat.state != "Z", commandLine(of: pid)?.hasPrefix(command) == true {
        kill(pid, SIGKILL)
    }
}
