// What `ChildProcess` (Sources/SnapCheck/Process) needs from C: the process
// tree walk and the registry of live children, which must be async-signal-safe
// (a signal handler calls them), and the glibc/Linux calls Swift's Glibc module
// hides (variadic, or behind _GNU_SOURCE). Only `SnapCheck` imports this module.
#ifndef SNAPCHECK_PROCESS_TREE_H
#define SNAPCHECK_PROCESS_TREE_H

#include <sys/types.h>

/// A process found in a tree: its id and its start time (clock ticks after
/// boot, /proc/PID/stat field 22), which tells it from a later process that
/// reuses the id.
typedef struct {
    pid_t pid;
    unsigned long long start_time;
} snapcheck_process;

/// Records `root`, a child this process just started, as live: the tree it
/// leads is killed by `snapcheck_kill_all_trees`. 0, or -1 when the registry
/// (256 entries) is full. Lock-free.
int snapcheck_register_root(pid_t root);

/// Forgets `root`. Call it after its tree is killed and before it is reaped,
/// so the id cannot be reused while it is registered.
void snapcheck_unregister_root(pid_t root);

/// Kills (SIGKILL) the tree `root` leads: `root` itself; every process whose
/// parent, process group or session is a member (so children that called
/// setpgid() or setsid() stay members while their parent lives); and every
/// child of this process outside this process's session that is not a
/// registered root, once this process adopts orphans (a descendant
/// re-parented here, see `snapcheck_become_subreaper`). Members are stopped
/// (SIGSTOP) as the /proc walk finds them, so none exits and re-parents its
/// children out of reach; the walk repeats until a round finds nothing new,
/// then every member is killed. `members` (capacity `capacity`) receives the members found,
/// for reaping; returns how many (at most `capacity`; members past it are
/// still killed). Async-signal-safe: only open, getdents64, read, close, kill.
int snapcheck_kill_tree(pid_t root, snapcheck_process *members, int capacity);

/// `snapcheck_kill_tree` for every registered root at once. Async-signal-safe;
/// for a SIGINT/SIGTERM handler. Returns the number of processes killed.
int snapcheck_kill_all_trees(void);

/// Reaps each member that is now a zombie child of this process (waitpid with
/// WNOHANG). Returns how many are still to go: alive, or a zombie another
/// process has yet to reap or hand over. A member that is gone, or whose id
/// now names another process, counts as done. `skip` is not touched (the
/// root, which its owner reaps to read its status).
int snapcheck_reap_members(const snapcheck_process *members, int count, pid_t skip);

/// prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants of this process's
/// children are re-parented to this process instead of init, so they can be
/// found and reaped; from then on, kills take such children for members. A
/// program that owns its process (snapcheck's CLI) calls it; a library must
/// not (its host's other orphans would come back to it). 0 or -1 with errno.
int snapcheck_become_subreaper(void);

/// pidfd_open(pid, 0) (Linux 5.3+): a descriptor that polls readable when
/// `pid` exits. -1 with errno (ENOSYS on older kernels).
int snapcheck_pidfd_open(pid_t pid);

/// Starts `path` with `argv` and exactly `envp` as the leader of a new
/// session: every signal at its default and none blocked; `sources[i]`
/// installed as descriptor `targets[i]` (each source above every target);
/// every other descriptor from `close_from` up closed (close-on-exec covers
/// ours where the kernel lacks close_range); in `directory` unless NULL; and
/// with PR_SET_PDEATHSIG(SIGKILL), so it dies with the thread that started it
/// even when this process is killed with SIGKILL (posix_spawn cannot set it:
/// this forks and execs). The death signal is cleared by an exec of a
/// set-user-ID or capability-granting program, and reaches the child only,
/// not what it starts. 0 and `*pid`, or the errno of the call that failed
/// (in the child: setsid, prctl, dup2, chdir, execve; the child is reaped).
int snapcheck_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[],
                    const int *sources, const int *targets, int count, int close_from, const char *directory);

#endif
