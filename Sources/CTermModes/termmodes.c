#include "termmodes.h"
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* Bracketed paste, and focus reporting (CSI I / CSI O) for notifications. */
#define PASTE_ON "\033[?2004h\033[?1004h"
#define KEYS_ON "\033[>1u\033[>4;1m"
#define MOUSE_ON "\033[?1000h\033[?1002h\033[?1006h"
#define MOUSE_OFF "\033[?1006l\033[?1002l\033[?1000l"
#define MODES_OFF "\033[?1004l\033[?2004l\033[<u\033[>4;0m" MOUSE_OFF

void tl_write(const char *s) {
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(1, s, n);
        if (w <= 0) break;
        s += w;
        n -= (size_t)w;
    }
}

void tl_modes_on(int mouse) {
    tl_write(PASTE_ON KEYS_ON);
    if (mouse) tl_write(MOUSE_ON);
}

void tl_modes_off(void) { tl_write(MODES_OFF); }
void tl_mouse(int on) { tl_write(on ? MOUSE_ON : MOUSE_OFF); }

static struct termios saved_tty;
static int saved_tty_ok = 0;

static void fatal_handler(int sig) {
    static const char reset[] = MODES_OFF "\033[?1049l\033[?25h\033[0m\r\n";
    (void)!write(1, reset, sizeof reset - 1);
    if (saved_tty_ok) tcsetattr(0, TCSAFLUSH, &saved_tty);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install(const int *sigs, unsigned n, void (*handler)(int), int flags) {
    for (unsigned i = 0; i < n; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = handler;
        sa.sa_flags = flags;
        sigaction(sigs[i], &sa, NULL);
    }
}

void tl_install_fatal_restore(void) {
    saved_tty_ok = tcgetattr(0, &saved_tty) == 0;
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGQUIT};
    install(sigs, sizeof sigs / sizeof sigs[0], fatal_handler, SA_RESETHAND);
}

static int quit_fd = -1;
static void quit_handler(int sig) {
    char b = (char)sig;
    if (quit_fd >= 0) (void)!write(quit_fd, &b, 1);
}

void tl_install_quit_signals(int write_fd) {
    quit_fd = write_fd;
    static const int sigs[] = {SIGTERM, SIGHUP, SIGINT};
    install(sigs, sizeof sigs / sizeof sigs[0], quit_handler, SA_RESTART);
}
