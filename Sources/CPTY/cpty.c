#define _GNU_SOURCE
#include "cpty.h"
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static void reset_child(const char *cwd) {
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    for (int s = 1; s < NSIG; s++) {
        if (s == SIGKILL || s == SIGSTOP) continue;
        signal(s, SIG_DFL);
    }
    if (cwd && *cwd && chdir(cwd) != 0) {
        const char msg[] = "talaria: cannot enter working directory\n";
        (void)!write(2, msg, sizeof msg - 1);
        _exit(126);
    }
}

static void close_extra_fds(void) {
#ifdef SYS_close_range
    /* One syscall instead of one per possible descriptor (20k+ with a raised ulimit). */
    if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0) return;
#endif
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536) max = 65536;
    for (int fd = 3; fd < max; fd++) close(fd);
}

static void exec_child(const char *const argv[], const char *const envp[]) {
    close_extra_fds();
    execvpe(argv[0], (char *const *)argv, (char *const *)envp);
    const char msg[] = "talaria: cannot execute command\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(127);
}

pid_t tl_pty_spawn(const char *const argv[], const char *const envp[], const char *cwd,
                   unsigned short rows, unsigned short cols, int *master_fd) {
    struct winsize ws = {.ws_row = rows, .ws_col = cols};
    int master = -1;
    pid_t pid = forkpty(&master, NULL, NULL, &ws);
    if (pid < 0) return -1;
    if (pid == 0) {
        /* forkpty already made us a session leader with the pty as controlling tty. */
        reset_child(cwd);
        exec_child(argv, envp);
    }
    fcntl(master, F_SETFD, FD_CLOEXEC);
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    *master_fd = master;
    return pid;
}

pid_t tl_pipe_spawn(const char *const argv[], const char *const envp[], const char *cwd, int *out_fd) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) { int e = errno; close(fds[0]); close(fds[1]); errno = e; return -1; }
    if (pid == 0) {
        setsid();
        reset_child(cwd);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) { dup2(devnull, 0); close(devnull); }
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        exec_child(argv, envp);
    }
    close(fds[1]);
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    *out_fd = fds[0];
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
