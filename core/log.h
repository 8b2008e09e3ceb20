/* One structured key=value line per event, on stderr (journald or a file). */
#ifndef STATUSD_LOG_H
#define STATUSD_LOG_H

/* Call in each new process (after fork) before logging. */
void log_process_started(void);
/* Command-line tools print what matters themselves: no info lines. */
void log_info_off(void);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
