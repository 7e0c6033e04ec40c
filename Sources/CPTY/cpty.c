#define _GNU_SOURCE
#include "cpty.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* Children are started with posix_spawn, which glibc implements with CLONE_VFORK: the
   parent's page tables are not copied, so starting a command costs ~0.1 ms instead of a
   full fork of a large process. The child gets a new session (SETSID), an empty signal
   mask and default dispositions (Swift concurrency blocks signals in its threads, and a
   child must not inherit that), the working directory, and no descriptor above 2. */

static int make_attr(posix_spawnattr_t *attr) {
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    if (posix_spawnattr_init(attr) != 0) return -1;
    posix_spawnattr_setsigmask(attr, &none);
    posix_spawnattr_setsigdefault(attr, &all);
    return posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
}

static pid_t spawn(const char *const argv[], const char *const envp[], const char *cwd,
                   posix_spawn_file_actions_t *fa) {
    posix_spawnattr_t attr;
    pid_t pid = -1;
    if (make_attr(&attr) != 0) return -1;
    if (cwd && *cwd) posix_spawn_file_actions_addchdir_np(fa, cwd);
    posix_spawn_file_actions_addclosefrom_np(fa, 3);
    int rc = posix_spawnp(&pid, argv[0], fa, &attr, (char *const *)argv, (char *const *)envp);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) { errno = rc; return -1; }
    return pid;
}

/* The guardian: a small shell started with the first command, in a session of its own, that
   reads "+ PGID" and "- PGID" lines from a socket only this process holds. When the socket
   closes — this process ended, however (kill -9 too) — it kills every group still listed, so
   no command outlives the agent that started it. Groups are listed at spawn and struck off
   when tl_wait reaps them. */
static const char guard_script[] =
    "trap '' HUP INT TERM QUIT PIPE\n"
    "g=' '\n"
    "while read -r op p; do\n"
    "  case $op in\n"
    "    +) g=\"$g$p \" ;;\n"
    "    -) case $g in *\" $p \"*) g=\"${g%% $p *} ${g#* $p }\" ;; esac ;;\n"
    "  esac\n"
    "done\n"
    "for p in $g; do kill -HUP -$p; kill -KILL -$p; done 2>/dev/null\n";

static int guard_fd = -1;
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t guard_pid = -1;

static pid_t spawn(const char *const argv[], const char *const envp[], const char *cwd,
                   posix_spawn_file_actions_t *fa);

static void guard_start(void) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    const char *argv[] = {"/bin/sh", "-c", guard_script, "talaria-guard", NULL};
    const char *envp[] = {"PATH=/usr/bin:/bin", NULL};
    guard_pid = spawn(argv, envp, "/", &fa);
    posix_spawn_file_actions_destroy(&fa);
    close(sv[1]);
    if (guard_pid < 0) { close(sv[0]); return; }
    guard_fd = sv[0];
}

static void guard_note(char op, pid_t pgid) {
    if (pgid <= 0) return;
    if (op == '+') pthread_once(&guard_once, guard_start);
    if (guard_fd < 0) return;
    char line[32];
    int n = snprintf(line, sizeof line, "%c %d\n", op, (int)pgid);
    pthread_mutex_lock(&guard_lock);
    (void)send(guard_fd, line, (size_t)n, MSG_NOSIGNAL);
    pthread_mutex_unlock(&guard_lock);
}

pid_t tl_guardian_pid(void) { return guard_pid; }

pid_t tl_pty_spawn(const char *const argv[], const char *const envp[], const char *cwd,
                   unsigned short rows, unsigned short cols, int *master_fd) {
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) return -1;
    char slave[128];
    if (grantpt(master) != 0 || unlockpt(master) != 0 || ptsname_r(master, slave, sizeof slave) != 0) {
        int e = errno; close(master); errno = e; return -1;
    }
    struct winsize ws = {.ws_row = rows, .ws_col = cols};
    ioctl(master, TIOCSWINSZ, &ws);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    /* Opened after setsid, without O_NOCTTY: it becomes the controlling terminal. */
    posix_spawn_file_actions_addopen(&fa, 0, slave, O_RDWR, 0);
    posix_spawn_file_actions_adddup2(&fa, 0, 1);
    posix_spawn_file_actions_adddup2(&fa, 0, 2);
    pid_t pid = spawn(argv, envp, cwd, &fa);
    posix_spawn_file_actions_destroy(&fa);
    if (pid < 0) { int e = errno; close(master); errno = e; return -1; }
    guard_note('+', pid);
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    *master_fd = master;
    return pid;
}

pid_t tl_pipe_spawn(const char *const argv[], const char *const envp[], const char *cwd, int *out_fd) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    pid_t pid = spawn(argv, envp, cwd, &fa);
    posix_spawn_file_actions_destroy(&fa);
    int e = errno;
    close(fds[1]);
    if (pid < 0) { close(fds[0]); errno = e; return -1; }
    guard_note('+', pid);
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    *out_fd = fds[0];
    return pid;
}

pid_t tl_stdio_spawn(const char *const argv[], const char *const envp[], const char *cwd,
                     int *in_fd, int *out_fd, int *err_fd) {
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) != 0) return -1;
    if (pipe2(out, O_CLOEXEC) != 0) { close(in[0]); close(in[1]); return -1; }
    if (pipe2(err, O_CLOEXEC) != 0) { close(in[0]); close(in[1]); close(out[0]); close(out[1]); return -1; }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    pid_t pid = spawn(argv, envp, cwd, &fa);
    posix_spawn_file_actions_destroy(&fa);
    int e = errno;
    close(in[0]); close(out[1]); close(err[1]);
    if (pid < 0) { close(in[1]); close(out[0]); close(err[0]); errno = e; return -1; }
    guard_note('+', pid);
    *in_fd = in[1];
    *out_fd = out[0];
    *err_fd = err[0];
    return pid;
}

int tl_pty_resize(int master_fd, unsigned short rows, unsigned short cols) {
    struct winsize ws = {.ws_row = rows, .ws_col = cols};
    return ioctl(master_fd, TIOCSWINSZ, &ws);
}

int tl_killpg(pid_t pgid, int sig) { return killpg(pgid, sig); }

pid_t tl_wait(pid_t pid, int *status, int nohang) {
    int st = 0;
    pid_t r;
    do { r = waitpid(pid, &st, nohang ? WNOHANG : 0); } while (r < 0 && errno == EINTR);
    if (r > 0) {
        guard_note('-', r);
        if (WIFEXITED(st)) *status = WEXITSTATUS(st);
        else if (WIFSIGNALED(st)) *status = 128 + WTERMSIG(st);
        else *status = -1;
    }
    return r;
}

int tl_pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0) fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

pid_t tl_spawn_detached(const char *const argv[], const char *const envp[], const char *cwd, const char *log_path) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid = spawn(argv, envp, cwd, &fa);
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

int tl_run_foreground(const char *const argv[]) {
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    posix_spawnattr_t attr;
    if (posix_spawnattr_init(&attr) != 0) return -1;
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    pid_t pid = -1;
    extern char **environ;
    int rc = posix_spawnp(&pid, argv[0], &fa, &attr, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) { errno = rc; return -1; }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) { if (errno != EINTR) return -1; }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
