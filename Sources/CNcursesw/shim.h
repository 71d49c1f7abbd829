// ncursesw with wide characters. SwiftPM drops -D_XOPEN_SOURCE from ncursesw.pc, so the wide API is
// switched on here, and the macros Swift cannot import are wrapped as static inline functions.
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

extern int wcwidth(wchar_t c);
static inline int sh_wcwidth(wchar_t c) { return wcwidth(c); }
static inline attr_t sh_A_NORMAL(void) { return A_NORMAL; }
static inline attr_t sh_A_BOLD(void) { return A_BOLD; }
static inline attr_t sh_A_REVERSE(void) { return A_REVERSE; }
static inline attr_t sh_A_DIM(void) { return A_DIM; }
static inline attr_t sh_A_UNDERLINE(void) { return A_UNDERLINE; }
static inline chtype sh_ACS_HLINE(void) { return ACS_HLINE; }
static inline chtype sh_ACS_VLINE(void) { return ACS_VLINE; }
static inline int sh_KEY_F(int n) { return KEY_F(n); }
static inline WINDOW *sh_stdscr(void) { return stdscr; }
static inline int sh_COLORS(void) { return COLORS; }
static inline int sh_COLOR_PAIRS(void) { return COLOR_PAIRS; }
static inline int sh_LINES(void) { return LINES; }
static inline int sh_COLS(void) { return COLS; }
