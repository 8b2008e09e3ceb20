/* One structured key=value line per event, on stderr (journald or a file). */
#ifndef STATUSD_LOG_H
#define STATUSD_LOG_H

#include <stddef.h>

/* Call in each new process (after fork) before logging. */
void log_process_started(void);
/* Command-line tools print what matters themselves: no info lines. */
void log_info_off(void);
/*
 * Workers: info lines wait in a buffer of whole lines (at most PIPE_BUF
 * bytes, so one write(2) stays whole on a pipe too) until log_flush(), a
 * full buffer, or an error line, which goes out at once after them. A
 * request's line, formatted and written on its own, was about 4 % of a
 * page read's CPU (bench/RESULTS.md, session 5). The worker flushes
 * whenever it is about to wait for a connection, so lines are late only
 * while requests keep coming; a worker killed meanwhile loses at most
 * that buffer (exit() flushes it). on = 0 flushes and stops buffering.
 */
void log_buffer_info_lines(int on);
void log_flush(void);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Room for log_quote of n bytes: each as \xHH, quotes, ..., NUL. */
#define LOG_QUOTED_MAX(n) (4 * (n) + 6)

/*
 * Any value a client can influence goes into a line through this, so that
 * it can never add a field or a line: s as a logfmt value, written to buf
 * (caller-owned, cap bytes, cap >= 16; returns buf). Bare when s is
 * non-empty and only of [A-Za-z0-9._:/@+-] (and not "-"); otherwise in
 * double quotes, with \" \\ \n \r \t, \xHH for other control bytes and
 * bytes that are not well-formed UTF-8, and \u0080-\u009f, \u2028 and
 * \u2029 for the C1 controls and the Unicode line breaks. NULL gives -
 * (absent). A value longer than cap allows is cut at a character boundary
 * and ends in ... inside the quotes.
 */
const char *log_quote(char *buf, size_t cap, const char *s);

#endif
