#ifndef TALARIA_TERMMODES_H
#define TALARIA_TERMMODES_H

/* Terminal modes beyond curses: bracketed paste, SGR mouse, the kitty keyboard protocol's
   "disambiguate" level and xterm's modifyOtherKeys (the two ways Shift+Enter can be told
   from Enter). Turning them off is harmless on terminals that never knew them. */
void tl_write(const char *s);
void tl_modes_on(int mouse);
void tl_modes_off(void);
void tl_mouse(int on);

/* A crash must not leave the terminal raw, in the alternate screen, or reporting the mouse:
   saves the terminal's settings now and, on a fatal signal, writes the resets and restores
   them (both async-signal-safe) before dying of the same signal. */
void tl_install_fatal_restore(void);

/* SIGTERM, SIGHUP and SIGINT through a self-pipe: the handler writes one byte to `write_fd`
   (async-signal-safe) and the event loop, which polls the other end, ends cleanly. No
   dispatch source, so no event thread that wakes while the app is idle. */
void tl_install_quit_signals(int write_fd);
#endif
