#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "text.h"

/* getpid() is a system call on every line otherwise; forked children
 * call log_process_started(). */
static pid_t log_pid;

void
log_process_started(void)
{
	log_pid = getpid();
}

/* log_buffer_info_lines(): info lines held for one write(2). */
static int buffering;
static char pending[4096]; /* PIPE_BUF: one write stays whole on a pipe */
static size_t pending_len;

static void
write_all(const char *buf, size_t len)
{
	/* One write(2) per line (or buffer of lines) keeps lines from
	 * different workers whole. */
	if (write(STDERR_FILENO, buf, len) < 0)
		return;
}

void
log_flush(void)
{
	if (pending_len > 0)
		write_all(pending, pending_len);
	pending_len = 0;
}

void
log_buffer_info_lines(int on)
{
	static int at_exit;

	if (on && !at_exit && atexit(log_flush) == 0)
		at_exit = 1;
	if (!on)
		log_flush();
	buffering = on;
}

/* The line's time to the second, formatted again only when the second
 * changes (gmtime_r and strftime on every request line). */
static const char *
log_second(time_t sec)
{
	static time_t formatted = (time_t)-1;
	static char text[32];
	struct tm tm;

	if (sec != formatted) {
		gmtime_r(&sec, &tm);
		strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &tm);
		formatted = sec;
	}
	return text;
}

static void
log_line(const char *level, int may_wait, const char *fmt, va_list ap)
{
	char buf[4096];
	struct timeval tv;
	size_t len;
	int n;

	gettimeofday(&tv, NULL);
	n = snprintf(buf, sizeof(buf), "ts=%s.%03ldZ level=%s pid=%d ",
	    log_second(tv.tv_sec), (long)tv.tv_usec / 1000, level,
	    (int)(log_pid ? log_pid : getpid()));
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	len = strlen(buf);
	buf[len++] = '\n';
	if (pending_len + len > sizeof(pending) || !(buffering && may_wait))
		log_flush();
	if (buffering && may_wait && len <= sizeof(pending)) {
		memcpy(pending + pending_len, buf, len);
		pending_len += len;
		return;
	}
	write_all(buf, len);
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
	log_line("info", 1, fmt, ap);
	va_end(ap);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("error", 0, fmt, ap);
	va_end(ap);
}

static int
log_bare_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("._:/@+-", c) != NULL;
}

static int
log_bare(const char *s)
{
	const char *p;

	if (*s == '\0' || strcmp(s, "-") == 0)
		return 0;
	for (p = s; *p != '\0'; p++)
		if (!log_bare_char((unsigned char)*p))
			return 0;
	return 1;
}

/* Length of the well-formed UTF-8 sequence at p (a byte >= 0x80), or 0. */
static size_t
utf8_sequence(const unsigned char *p)
{
	size_t n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2, i;

	for (i = 1; i < n; i++)
		if (p[i] == '\0')
			return 0;
	return utf8_valid((const char *)p, n) ? n : 0;
}

/* The escape for the character at p (writes esc, returns its length and
 * the bytes it stands for in *used); 0 when the bytes go out as they are. */
static size_t
log_escape(const unsigned char *p, char esc[8], size_t *used)
{
	static const char hex[] = "0123456789abcdef";
	size_t seq;

	*used = 1;
	switch (*p) {
	case '"': return (size_t)snprintf(esc, 8, "\\\"");
	case '\\': return (size_t)snprintf(esc, 8, "\\\\");
	case '\n': return (size_t)snprintf(esc, 8, "\\n");
	case '\r': return (size_t)snprintf(esc, 8, "\\r");
	case '\t': return (size_t)snprintf(esc, 8, "\\t");
	}
	if (*p >= 0x20 && *p < 0x7f)
		return 0;
	if (*p >= 0x80 && (seq = utf8_sequence(p)) != 0) {
		*used = seq;
		/* C1 controls (terminals act on some) and line breaks. */
		if (p[0] == 0xc2 && p[1] < 0xa0)
			return (size_t)snprintf(esc, 8, "\\u00%02x", p[1]);
		if (p[0] == 0xe2 && p[1] == 0x80 &&
		    (p[2] == 0xa8 || p[2] == 0xa9))
			return (size_t)snprintf(
			    esc, 8, "\\u202%c", hex[p[2] & 0xf]);
		return 0;
	}
	esc[0] = '\\', esc[1] = 'x', esc[2] = hex[*p >> 4];
	esc[3] = hex[*p & 0xf], esc[4] = '\0';
	return 4;
}

const char *
log_quote(char *buf, size_t cap, const char *s)
{
	const unsigned char *p;
	size_t len = 0, n, used;
	char esc[8];

	if (s == NULL || log_bare(s)) {
		snprintf(buf, cap, "%s", s == NULL ? "-" : s);
		if (s == NULL || strlen(s) < cap)
			return buf;
	}
	buf[len++] = '"';
	for (p = (const unsigned char *)s; *p != '\0'; p += used) {
		n = log_escape(p, esc, &used);
		/* Room for this, and for ..." and the NUL after it. */
		if (len + (n ? n : used) + 5 > cap) {
			memcpy(buf + len, "...", 3);
			len += 3;
			break;
		}
		memcpy(buf + len, n ? esc : (const char *)p, n ? n : used);
		len += n ? n : used;
	}
	buf[len++] = '"';
	buf[len] = '\0';
	return buf;
}
