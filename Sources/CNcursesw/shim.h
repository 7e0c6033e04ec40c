#ifndef TALARIA_CNCURSESW_SHIM_H
#define TALARIA_CNCURSESW_SHIM_H
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>
#include <ncursesw/ncurses.h>

/* Swift 6 cannot touch ncurses' mutable globals (stdscr, LINES, COLS, COLORS, COLOR_PAIRS)
   or its macros: these wrappers are the only way in. */
static inline WINDOW *tl_stdscr(void) { return stdscr; }
static inline int tl_lines(void) { return LINES; }
static inline int tl_cols(void) { return COLS; }
static inline int tl_colors(void) { return COLORS; }
static inline int tl_color_pairs(void) { return COLOR_PAIRS; }
static inline attr_t tl_a_bold(void) { return A_BOLD; }
static inline attr_t tl_a_dim(void) { return A_DIM; }
static inline attr_t tl_a_italic(void) { return A_ITALIC; }
static inline attr_t tl_a_underline(void) { return A_UNDERLINE; }
static inline attr_t tl_a_reverse(void) { return A_REVERSE; }
static inline void tl_setlocale(void) { setlocale(LC_ALL, ""); }

/* Draws one grapheme (up to 5 code points) with attributes and a colour pair. */
static inline int tl_put(int y, int x, const wchar_t *wch, attr_t attrs, short pair) {
    cchar_t cc;
    if (setcchar(&cc, wch, attrs, pair, NULL) != OK) return ERR;
    return mvwadd_wch(stdscr, y, x, &cc);
}

/* Where the physical cursor goes at the next refresh (when it is shown). */
static inline int tl_move(int y, int x) { return wmove(stdscr, y, x); }


/* SIGWINCH through a self-pipe: the handler only writes a byte (async-signal-safe), the
   event loop polls the pipe, so a resize can never be missed between two polls. Installed
   before initscr, which then leaves SIGWINCH alone. Call tl_install_winch from one place. */
static int tl_winch_fd = -1;
static void tl_winch_handler(int sig) {
    (void)sig;
    if (tl_winch_fd >= 0) { char b = 'w'; (void)!write(tl_winch_fd, &b, 1); }
}
static inline void tl_install_winch(int write_fd) {
    tl_winch_fd = write_fd;
    struct sigaction sa;
    sa.sa_handler = tl_winch_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGWINCH, &sa, NULL);
}
/* Reads the terminal's size and resizes curses to it. */
static inline int tl_resize_from_tty(void) {
    struct winsize ws;
    if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) return resizeterm(ws.ws_row, ws.ws_col);
    return ERR;
}

#endif
