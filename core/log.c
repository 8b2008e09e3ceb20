#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* getpid() is a system call on every line otherwise; forked children
 * call log_process_started(). */
static pid_t log_pid;

void
log_process_started(void)
{
	log_pid = getpid();
}

static void
log_line(const char *level, const char *fmt, va_list ap)
{
	char buf[2048], ts[32];
	struct timeval tv;
	struct tm tm;
	size_t len;
	int n;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(buf, sizeof(buf), "ts=%s.%03ldZ level=%s pid=%d ", ts,
	    (long)tv.tv_usec / 1000, level,
	    (int)(log_pid ? log_pid : getpid()));
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	len = strlen(buf);
	buf[len++] = '\n';
	/* One write(2) per line keeps lines from different workers whole. */
	if (write(STDERR_FILENO, buf, len) < 0)
		return;
}

static int info_off;

void
log_info_off(void)
{
	info_off = 1;
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (info_off)
		return;
	va_start(ap, fmt);
	log_line("info", fmt, ap);
	va_end(ap);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("error", fmt, ap);
	va_end(ap);
}
