#include "mailmsg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "contact.h"
#include "crypto.h"
#include "text.h"

/* RFC 5322: a line SHOULD stay within 78 characters, MUST within 998. */
#define LINE_SOFT 78
#define LINE_HARD 998
/* Bytes of UTF-8 per encoded-word: 52 base64 characters, 64 in all. */
#define WORD_BYTES 39
/* Quoted-printable lines: 76 characters, the soft break's '=' included. */
#define QP_LINE 76

static int
grow(struct textbuf *b, size_t more)
{
	size_t cap;
	char *s;

	if (b->failed)
		return -1;
	if (b->len + more + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1) {
		if (cap > ((size_t)-1) / 2) {
			b->failed = 1;
			return -1;
		}
		cap *= 2;
	}
	s = realloc(b->s, cap);
	if (s == NULL) {
		b->failed = 1;
		return -1;
	}
	b->s = s;
	b->cap = cap;
	return 0;
}

void
textbuf_add(struct textbuf *b, const char *s, size_t n)
{
	if (grow(b, n) != 0)
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
textbuf_puts(struct textbuf *b, const char *s)
{
	textbuf_add(b, s, strlen(s));
}

void
textbuf_printf(struct textbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(b, (size_t)n) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
textbuf_html(struct textbuf *b, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *ref = NULL;

		switch (*s) {
		case '&': ref = "&amp;"; break;
		case '<': ref = "&lt;"; break;
		case '>': ref = "&gt;"; break;
		case '"': ref = "&quot;"; break;
		case '\'': ref = "&#39;"; break;
		default: continue;
		}
		textbuf_add(b, run, (size_t)(s - run));
		textbuf_puts(b, ref);
		run = s + 1;
	}
	textbuf_add(b, run, (size_t)(s - run));
}

void
textbuf_free(struct textbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

/* Length of the well-formed UTF-8 character at s (n bytes left), or 0. */
static size_t
utf8_char(const unsigned char *s, size_t n)
{
	size_t k = *s < 0x80 ? 1
	    : *s >= 0xf0     ? 4
	    : *s >= 0xe0     ? 3
	    : *s >= 0xc0     ? 2
	                     : 0;

	if (k == 0 || k > n || !utf8_valid((const char *)s, k))
		return 0;
	return k;
}

#define REPLACEMENT "\xef\xbf\xbd"

/* s as well-formed UTF-8 (U+FFFD for each bad byte) with CR dropped and,
 * for a header, every control character (LF and TAB too) a space. */
static void
clean(struct textbuf *out, const char *str, int header)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), k;

	while (n > 0) {
		k = utf8_char(s, n);
		if (k == 0) {
			textbuf_puts(out, REPLACEMENT);
			k = 1;
		} else if (*s == '\r') {
			if (header)
				textbuf_puts(out, " ");
		} else if (k == 1 && (*s < 0x20 || *s == 0x7f) &&
		    (header || (*s != '\n' && *s != '\t'))) {
			textbuf_puts(out, " ");
		} else {
			textbuf_add(out, (const char *)s, k);
		}
		s += k;
		n -= k;
	}
}

void
textbuf_oneline(struct textbuf *b, const char *s)
{
	clean(b, s, 1);
}

static int
all_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* Clean UTF-8 s as encoded-words of whole characters, each on a line of
 * its own after the first (RFC 2047 section 2: at most 75 characters). */
static void
encoded_words(struct textbuf *b, const char *s)
{
	char b64[WORD_BYTES * 2];
	size_t n = strlen(s), take, k;

	while (n > 0) {
		take = 0;
		while (take < n) {
			k = utf8_char(
			    (const unsigned char *)s + take, n - take);
			if (k == 0)
				k = 1; /* cannot happen on clean text */
			if (take + k > WORD_BYTES)
				break;
			take += k;
		}
		base64_encode((const unsigned char *)s, take, b64);
		textbuf_printf(b, "=?UTF-8?B?%s?=", b64);
		s += take;
		n -= take;
		if (n > 0)
			textbuf_puts(b, "\r\n ");
	}
}

/* Whether an ASCII value can stand as it is: short enough, and nothing a
 * reader would decode as an encoded-word. */
static int
plain_fits(const char *name, const char *v)
{
	return all_ascii(v) && strstr(v, "=?") == NULL &&
	    strlen(name) + 2 + strlen(v) <= LINE_SOFT;
}

void
mail_header(struct textbuf *b, const char *name, const char *value)
{
	struct textbuf v = { 0 };

	clean(&v, value, 1);
	textbuf_printf(b, "%s: ", name);
	if (v.failed)
		b->failed = 1;
	else if (v.len == 0)
		;
	else if (plain_fits(name, v.s))
		textbuf_puts(b, v.s);
	else
		encoded_words(b, v.s);
	textbuf_puts(b, "\r\n");
	textbuf_free(&v);
}

/* A quoted-string display name when it is plain ASCII; encoded-words
 * otherwise (RFC 2047 section 5(3): allowed in a phrase). */
static void
mailbox_header(
    struct textbuf *b, const char *name, const char *display, const char *addr)
{
	struct textbuf v = { 0 };
	const char *p;

	textbuf_printf(b, "%s: ", name);
	if (display != NULL && display[0] != '\0') {
		clean(&v, display, 1);
		if (v.failed) {
			b->failed = 1;
		} else if (all_ascii(v.s) && strstr(v.s, "=?") == NULL &&
		    v.len < LINE_SOFT - 10) {
			textbuf_puts(b, "\"");
			for (p = v.s; *p != '\0'; p++) {
				if (*p == '"' || *p == '\\')
					textbuf_puts(b, "\\");
				textbuf_add(b, p, 1);
			}
			textbuf_puts(b, "\"");
		} else {
			encoded_words(b, v.s);
		}
		textbuf_puts(b, "\r\n ");
		textbuf_free(&v);
	}
	textbuf_printf(b, "<%s>\r\n", addr);
}

static int
qp_literal(unsigned char c)
{
	return c >= 33 && c <= 126 && c != '=';
}

/* One line of text (no line break in it) as quoted-printable lines. */
static void
qp_line(struct textbuf *b, const unsigned char *s, size_t n)
{
	char tok[4];
	size_t i, col = 0, k;

	for (i = 0; i < n; i++) {
		/* Whitespace stays literal unless it ends the line, where
		 * transports may strip it; a leading '.' or "From " is left
		 * to the transport (curl dot-stuffs). */
		if (qp_literal(s[i]) ||
		    ((s[i] == ' ' || s[i] == '\t') && i + 1 < n)) {
			tok[0] = (char)s[i];
			k = 1;
		} else {
			snprintf(tok, sizeof(tok), "=%02X", s[i]);
			k = 3;
		}
		if (col + k > QP_LINE - 1) {
			textbuf_puts(b, "=\r\n");
			col = 0;
		}
		textbuf_add(b, tok, k);
		col += k;
	}
	textbuf_puts(b, "\r\n");
}

void
mail_quoted_printable(struct textbuf *b, const char *s)
{
	struct textbuf c = { 0 };
	const char *line, *nl;

	clean(&c, s, 0);
	if (c.failed) {
		b->failed = 1;
		return;
	}
	for (line = c.s ? c.s : ""; line != NULL; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		qp_line(b, (const unsigned char *)line,
		    nl ? (size_t)(nl - line) : strlen(line));
	}
	textbuf_free(&c);
}

void
mail_date(struct textbuf *b, long t)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu",
		"Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	textbuf_printf(b, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int
id_valid(const char *id)
{
	size_t n = strspn(id,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");

	return n > 0 && n <= 64 && id[n] == '\0';
}

/* An https URL that can stand inside <...> on one header line. */
static int
angle_url_valid(const char *u)
{
	const char *p;

	if (strncmp(u, "https://", 8) != 0 || strlen(u) > LINE_HARD - 40)
		return 0;
	for (p = u; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '<' || *p == '>')
			return 0;
	return 1;
}

static void
part(
    struct textbuf *b, const char *boundary, const char *type, const char *body)
{
	textbuf_printf(b,
	    "--%s\r\nContent-Type: %s; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
	    boundary, type);
	mail_quoted_printable(b, body);
}

int
mail_render(const struct mail_message *m, struct textbuf *out)
{
	char boundary[80];
	const char *domain;

	if (!contact_email_valid(m->from_addr) || !contact_email_valid(m->to) ||
	    !id_valid(m->id) ||
	    (m->unsubscribe_url != NULL &&
	        !angle_url_valid(m->unsubscribe_url)))
		return -1;
	domain = strchr(m->from_addr, '@') + 1;
	/* QP output never holds "=_" ('=' only starts a hex pair or a soft
	 * break), so this boundary cannot occur in a part. */
	snprintf(boundary, sizeof(boundary), "=_statusd_%s", m->id);
	textbuf_printf(out, "Message-ID: <%s@%s>\r\nDate: ", m->id, domain);
	mail_date(out, m->date);
	textbuf_puts(out, "\r\n");
	mailbox_header(out, "From", m->from_name, m->from_addr);
	mailbox_header(out, "To", NULL, m->to);
	mail_header(out, "Subject", m->subject);
	textbuf_puts(out,
	    "MIME-Version: 1.0\r\n"
	    "Auto-Submitted: auto-generated\r\n");
	if (m->unsubscribe_url != NULL)
		/* RFC 8058 one-click: the POST needs no further page. */
		textbuf_printf(out,
		    "List-Unsubscribe: <%s>\r\n"
		    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
		    m->unsubscribe_url);
	textbuf_printf(out,
	    "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n",
	    boundary);
	part(out, boundary, "text/plain", m->text);
	part(out, boundary, "text/html", m->html);
	textbuf_printf(out, "--%s--\r\n", boundary);
	return out->failed ? -1 : 0;
}
