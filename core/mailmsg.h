/*
 * Internet messages (RFC 5322, MIME) built from text that may come from
 * anyone: a subscriber's address, an operator's page and incident names
 * and update bodies. Pure (no I/O), for unit tests and fuzzing.
 *
 * What it guarantees whatever the input:
 * - a header value never ends its line early: CR, LF and every other
 *   control character become a space, so no header can be injected;
 *   non-ASCII or long values become RFC 2047 encoded-words, folded;
 * - every body line is quoted-printable (RFC 2045), at most 76 bytes,
 *   CRLF-terminated, so the MIME boundary (which holds "=_") can never
 *   appear in a part;
 * - invalid UTF-8 bytes become U+FFFD, so a reader never has to guess.
 */
#ifndef STATUSD_MAILMSG_H
#define STATUSD_MAILMSG_H

#include <stddef.h>

/* A growing text buffer on the heap. After a failed allocation failed
 * is set and every later append is ignored, so callers check once. */
struct textbuf {
	char *s; /* NUL-terminated once anything was added */
	size_t len, cap;
	int failed;
};

void textbuf_add(struct textbuf *b, const char *s, size_t n);
void textbuf_puts(struct textbuf *b, const char *s);
void textbuf_printf(struct textbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* s with & < > " ' as HTML character references (text and attributes). */
void textbuf_html(struct textbuf *b, const char *s);
/* s on one line: well-formed UTF-8 (U+FFFD for bad bytes), each control
 * character (CR, LF, TAB too) a space. */
void textbuf_oneline(struct textbuf *b, const char *s);
void textbuf_free(struct textbuf *b);

/* One message with a text and an HTML part (multipart/alternative). */
struct mail_message {
	const char *id; /* unique: Message-ID's left part, the boundary */
	const char *from_addr; /* addr-spec */
	const char *from_name; /* display name; NULL or "" for none */
	const char *to; /* addr-spec */
	const char *subject;
	const char *unsubscribe_url; /* NULL: no List-Unsubscribe headers */
	const char *text; /* the plain part, UTF-8 */
	const char *html; /* the HTML part, UTF-8, its text already escaped */
	long date; /* unix seconds */
};

/* Appends the whole message, CRLF line ends. -1 (nothing usable) when an
 * address is not a plain addr-spec, the id holds other than [A-Za-z0-9-],
 * or the unsubscribe URL is not https without spaces, '<' or '>'. */
int mail_render(const struct mail_message *m, struct textbuf *out);

/* A header "Name: value" CRLF, the value made safe as described above. */
void mail_header(struct textbuf *b, const char *name, const char *value);

/* s as quoted-printable lines (LF or CRLF in s are the line breaks). */
void mail_quoted_printable(struct textbuf *b, const char *s);

/* The RFC 5322 date of t (UTC). */
void mail_date(struct textbuf *b, long t);

#endif
