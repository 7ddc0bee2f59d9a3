// The process tree walk and the registry of live children (see process_tree.h).
// Everything reachable from snapcheck_kill_all_trees is async-signal-safe: no
// allocation, no locks, no stdio; fixed buffers on the stack; only the system
// calls open, getdents64, read, close, kill, getpid and getsid.
#define _GNU_SOURCE
#include "process_tree.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <pthread.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// MARK: The registry

#define ROOT_SLOTS 256
static _Atomic pid_t roots[ROOT_SLOTS];

int snapcheck_register_root(pid_t root) {
    for (int i = 0; i < ROOT_SLOTS; i++) {
        pid_t empty = 0;
        if (atomic_compare_exchange_strong(&roots[i], &empty, root)) return 0;
    }
    return -1;
}

void snapcheck_unregister_root(pid_t root) {
    for (int i = 0; i < ROOT_SLOTS; i++) {
        pid_t expected = root;
        if (atomic_compare_exchange_strong(&roots[i], &expected, 0)) return;
    }
}

/// Set once this process is a child subreaper (`snapcheck_become_subreaper`):
/// its children outside its session are then re-parented descendants.
static volatile sig_atomic_t adopting = 0;

static int is_registered_root(pid_t pid) {
    for (int i = 0; i < ROOT_SLOTS; i++) {
        if (atomic_load(&roots[i]) == pid) return 1;
    }
    return 0;
}

// MARK: Reading /proc without libc's allocating helpers

/// One line of /proc/PID/stat, the fields the walk needs.
typedef struct {
    pid_t pid, ppid, pgrp, session;
    char state;
    unsigned long long start_time;
} stat_line;

static int parse_pid(const char *name, pid_t *out) {
    pid_t value = 0;
    if (*name == '\0') return 0;
    for (; *name; name++) {
        if (*name < '0' || *name > '9') return 0;
        value = value * 10 + (*name - '0');
    }
    *out = value;
    return 1;
}

/// Reads /proc/PID/stat. 0 when the process is gone or the line is unreadable.
static int read_stat(pid_t pid, stat_line *out) {
    char path[32] = "/proc/";
    char digits[16];
    int n = 0;
    for (pid_t v = pid; v > 0 && n < (int)sizeof digits; v /= 10) digits[n++] = (char)('0' + v % 10);
    int at = 6;
    while (n > 0) path[at++] = digits[--n];
    const char *tail = "/stat";
    while (*tail) path[at++] = *tail++;
    path[at] = '\0';

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char buffer[1024];
    ssize_t length = 0;
    while (length < (ssize_t)sizeof buffer - 1) {
        ssize_t got = read(fd, buffer + length, sizeof buffer - 1 - (size_t)length);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        length += got;
    }
    close(fd);
    if (length <= 0) return 0;
    buffer[length] = '\0';

    // "pid (comm) state ppid pgrp session ...": comm may hold anything, ')' included.
    char *close_paren = NULL;
    for (char *c = buffer; *c; c++) if (*c == ')') close_paren = c;
    if (!close_paren || close_paren[1] != ' ') return 0;
    char *field = close_paren + 2;
    out->pid = pid;
    out->state = *field;
    // Fields after the state, numbered from 4 (ppid); start time is field 22.
    unsigned long long values[19] = {0};
    int index = 0;
    char *c = field + 1;
    while (*c && index < 19) {
        while (*c == ' ') c++;
        unsigned long long value = 0;
        int negative = 0;
        if (*c == '-') { negative = 1; c++; }
        while (*c >= '0' && *c <= '9') value = value * 10 + (unsigned long long)(*c++ - '0');
        values[index++] = negative ? 0 : value;
        while (*c && *c != ' ') c++;
    }
    if (index < 19) return 0;
    out->ppid = (pid_t)values[0];
    out->pgrp = (pid_t)values[1];
    out->session = (pid_t)values[2];
    out->start_time = values[18];
    return 1;
}

struct linux_dirent64 {
    unsigned long long d_ino;
    long long d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

// MARK: The walk

typedef struct {
    const pid_t *roots;   // the trees' leaders
    int root_count;
    pid_t self, self_session;
    snapcheck_process *members;
    int count, capacity;
    int killed;
} walk;

static int is_member(const walk *w, pid_t pid) {
    if (pid <= 0) return 0;
    for (int i = 0; i < w->count; i++) if (w->members[i].pid == pid) return 1;
    return 0;
}

static int is_root(const walk *w, pid_t pid) {
    for (int i = 0; i < w->root_count; i++) if (w->roots[i] == pid) return 1;
    return 0;
}

/// Whether `p` belongs to the trees being killed.
static int belongs(const walk *w, const stat_line *p) {
    if (is_root(w, p->pid)) return 1;
    if (is_member(w, p->ppid) || is_member(w, p->pgrp) || is_member(w, p->session)) return 1;
    // Re-parented here (this process is a subreaper) from a session of its own:
    // a descendant that left its tree's session. This process's own other
    // children share its session; other live roots have trees of their own.
    // Only when this process adopts orphans: otherwise a child of another
    // part of the program in a session of its own would be taken for one.
    return adopting && p->ppid == w->self && p->session != w->self_session && !is_registered_root(p->pid);
}

/// One pass over /proc: adds the processes that belong and stops them
/// (SIGSTOP), so none exits during the walk and re-parents its children
/// out of reach; a member past `capacity` is killed at once. Returns how
/// many were new.
static int walk_once(walk *w) {
    int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return 0;
    int found = 0;
    char buffer[4096] __attribute__((aligned(8)));
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        for (long offset = 0; offset < n;) {
            struct linux_dirent64 *entry = (struct linux_dirent64 *)(buffer + offset);
            offset += entry->d_reclen;
            pid_t pid;
            if (!parse_pid(entry->d_name, &pid) || pid == w->self) continue;
            stat_line line;
            if (!read_stat(pid, &line)) continue;
            int known = -1;
            for (int i = 0; i < w->count; i++) if (w->members[i].pid == pid) { known = i; break; }
            if (known >= 0) {
                // The same id, another process: the member is gone.
                if (w->members[known].start_time != line.start_time) w->members[known].pid = -1;
                continue;
            }
            if (!belongs(w, &line)) continue;
            found++;
            int alive = line.state != 'Z' && line.state != 'X';
            if (w->count < w->capacity) {
                if (alive) kill(pid, SIGSTOP);
                w->members[w->count].pid = pid;
                w->members[w->count].start_time = line.start_time;
                w->count++;
            } else if (alive && kill(pid, SIGKILL) == 0) {
                w->killed++;
            }
        }
    }
    close(fd);
    return found;
}

/// Walks until a pass finds nothing new, then kills every member. A stopped
/// process cannot fork, and a child it made before it stopped is visible to
/// the next pass through its parent, who is stopped, not gone. Bounded, in
/// case a tree keeps growing.
static void walk_to_the_end(walk *w) {
    for (int round = 0; round < 64 && walk_once(w) > 0; round++) {}
    // Every member found and stopped: now kill them all (a stopped process
    // takes SIGKILL), each checked to be the process that was found.
    for (int i = 0; i < w->count; i++) {
        stat_line line;
        pid_t pid = w->members[i].pid;
        if (pid <= 0 || !read_stat(pid, &line) || line.start_time != w->members[i].start_time) continue;
        if (line.state != 'Z' && line.state != 'X' && kill(pid, SIGKILL) == 0) w->killed++;
    }
}

int snapcheck_kill_tree(pid_t root, snapcheck_process *members, int capacity) {
    int saved = errno;
    walk w = {.roots = &root, .root_count = 1, .self = getpid(), .self_session = getsid(0),
              .members = members, .count = 0, .capacity = capacity, .killed = 0};
    walk_to_the_end(&w);
    errno = saved;
    return w.count;
}

int snapcheck_kill_all_trees(void) {
    int saved = errno;
    pid_t live[ROOT_SLOTS];
    int count = 0;
    for (int i = 0; i < ROOT_SLOTS; i++) {
        pid_t pid = atomic_load(&roots[i]);
        if (pid > 0) live[count++] = pid;
    }
    snapcheck_process members[1024];
    walk w = {.roots = live, .root_count = count, .self = getpid(), .self_session = getsid(0),
              .members = members, .count = 0, .capacity = 1024, .killed = 0};
    walk_to_the_end(&w);
    errno = saved;
    return w.killed;
}

int snapcheck_reap_members(const snapcheck_process *members, int count, pid_t skip) {
    pid_t self = getpid();
    int pending = 0;
    for (int i = 0; i < count; i++) {
        pid_t pid = members[i].pid;
        if (pid <= 0 || pid == skip) continue;
        stat_line line;
        if (!read_stat(pid, &line) || line.start_time != members[i].start_time) continue;
        if (line.state == 'Z' && line.ppid == self) {
            int status;
            if (waitpid(pid, &status, WNOHANG) == pid) continue;
        }
        pending++;
    }
    return pending;
}

// MARK: Calls Swift cannot make

int snapcheck_become_subreaper(void) {
    int rc = prctl(PR_SET_CHILD_SUBREAPER, 1UL, 0UL, 0UL, 0UL);
    if (rc == 0) adopting = 1;
    return rc;
}

int snapcheck_pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0U);
#else
    errno = ENOSYS;
    return -1;
#endif
}

// MARK: Spawning

/// The child's side of `snapcheck_spawn`: only async-signal-safe calls (it is
/// a fork of a multi-threaded process). A failure writes its errno on
/// `report` and exits; success closes `report` by exec (close-on-exec).
static void spawned_child(pid_t parent, int report, const char *path, char *const argv[], char *const envp[],
                          const int *sources, const int *targets, int count, int close_from, const char *directory) {
    int code = 0;
    // Every signal at its default: handlers and ignores of this process do not carry over.
    struct sigaction fallback;
    memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    for (int signal = 1; signal < _NSIG; signal++) {
        if (signal != SIGKILL && signal != SIGSTOP) (void)sigaction(signal, &fallback, NULL);  // glibc's reserved ones refuse: fine
    }
    if (setsid() < 0) goto fail;
    // Die with the thread that started us, even when it is killed with SIGKILL. Then check
    // the parent is still ours: had it died before the prctl, no signal would ever come.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0UL, 0UL, 0UL) != 0) goto fail;
    if (getppid() != parent) _exit(127);
    for (int i = 0; i < count; i++) {
        if (dup2(sources[i], targets[i]) < 0) goto fail;
    }
    if (directory != NULL && chdir(directory) != 0) goto fail;
#ifdef SYS_close_range
    // Everything from close_from up but the report pipe (ENOSYS before Linux 5.9: close-on-exec covers ours).
    if (report >= close_from) {
        if (report > close_from) (void)syscall(SYS_close_range, (unsigned)close_from, (unsigned)report - 1, 0U);
        (void)syscall(SYS_close_range, (unsigned)report + 1, ~0U, 0U);
    } else {
        (void)syscall(SYS_close_range, (unsigned)close_from, ~0U, 0U);
    }
#endif
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(path, argv, envp);
fail:
    code = errno;
    (void)!write(report, &code, sizeof code);
    _exit(127);
}

int snapcheck_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[],
                    const int *sources, const int *targets, int count, int close_from, const char *directory) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return errno;
    pid_t parent = getpid();
    // Blocked across the fork, so no handler of ours runs in the child before it resets them.
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    pid_t child = fork();
    if (child == 0) {
        close(report[0]);
        spawned_child(parent, report[1], path, argv, envp, sources, targets, count, close_from, directory);
    }
    int forkError = errno;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    close(report[1]);
    if (child < 0) {
        close(report[0]);
        return forkError;
    }
    int code = 0;
    ssize_t n;
    do n = read(report[0], &code, sizeof code); while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == (ssize_t)sizeof code) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        return code;
    }
    *pid = child;
    return 0;
}
