#ifndef TALARIA_CPTY_H
#define TALARIA_CPTY_H
#include <sys/types.h>

/// Starts `argv[0]` (searched in PATH) on a new pseudo-terminal of `rows`×`cols`.
///
/// The child gets a fresh session and process group (so the whole group can be
/// signalled), a default signal mask and default dispositions (a parent running Swift
/// concurrency blocks signals that the child would otherwise inherit), `cwd` as its
/// working directory and `envp` as its environment. Returns the child's pid and sets
/// `*master_fd` (close-on-exec, non-blocking), or returns -1 with errno set (ENOENT for
/// a missing program or working directory).
pid_t tl_pty_spawn(const char *const argv[], const char *const envp[], const char *cwd,
                   unsigned short rows, unsigned short cols, int *master_fd);

/// Like tl_pty_spawn but with plain pipes: stdin from /dev/null, stdout and stderr
/// merged into `*out_fd`. Used when no terminal is wanted.
pid_t tl_pipe_spawn(const char *const argv[], const char *const envp[], const char *cwd, int *out_fd);

/// Like tl_pipe_spawn but with three separate blocking pipes: the child's stdin (`*in_fd`,
/// for writing), stdout (`*out_fd`) and stderr (`*err_fd`). For line protocols (MCP stdio).
pid_t tl_stdio_spawn(const char *const argv[], const char *const envp[], const char *cwd,
                     int *in_fd, int *out_fd, int *err_fd);

/// The three spawners above list each child's process group with a guardian process (started
/// with the first child, in a session of its own) that kills every group still listed when this
/// process ends, however it ends: no command outlives the agent that started it. tl_wait strikes a
/// reaped child off. The guardian's pid, or -1 before the first child or if it could not start.
pid_t tl_guardian_pid(void);

/// Resizes the pseudo-terminal.
int tl_pty_resize(int master_fd, unsigned short rows, unsigned short cols);

/// Sends `sig` to the process group `pgid`.
int tl_killpg(pid_t pgid, int sig);

/// Non-blocking wait: returns 0 if still running, the pid when it exited, -1 on error.
/// `*status` receives the exit code, or 128+signal for a signalled child.
pid_t tl_wait(pid_t pid, int *status, int nohang);
/// Starts a daemon: a new session, stdin from /dev/null, stdout and stderr appended to
/// `log_path`. The caller does not wait for it. Returns its pid, or -1 with errno set.
pid_t tl_spawn_detached(const char *const argv[], const char *const envp[], const char *cwd, const char *log_path);

/// Runs a program in the foreground on this terminal (an editor): same session and process
/// group, default signal mask and dispositions, and waits for it. Returns its exit status
/// (128+signal if signalled), or -1 with errno set when it cannot start.
int tl_run_foreground(const char *const argv[]);

/// A descriptor that becomes readable when `pid` exits (Linux pidfd), or -1 where unsupported.
int tl_pidfd_open(pid_t pid);
#endif
