#include "parse.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "text.h"

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (unsigned char)tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes s[0..n) into out (n + 1 bytes). plus_is_space for queries.
 * The decoded length, or -1 for a bad escape. */
static long
percent_decode(const char *s, size_t n, int plus_is_space, char *out)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (n - i < 3)
				return -1;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '+' && plus_is_space) {
			out[o++] = ' ';
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return (long)o;
}

/* A decoded value must be text: no NUL (it would cut C strings short) and
 * valid UTF-8 (it is echoed into JSON and compared in PostgreSQL). *out is
 * a new arena string. SD_BAD_REQUEST when it is not text, SD_INTERNAL when
 * out of memory (what the 400 names is the caller's). */
static enum sd_status
decode_text(
    struct arena *a, const char *s, size_t n, int plus_is_space, char **out)
{
	char *text = arena_alloc(a, n + 1);
	long len;

	if (text == NULL)
		return SD_INTERNAL;
	len = percent_decode(s, n, plus_is_space, text);
	if (len < 0 || strlen(text) != (size_t)len ||
	    !utf8_valid(text, (size_t)len))
		return SD_BAD_REQUEST;
	*out = text;
	return SD_OK;
}

static enum sd_status
decode_failed(enum sd_status st, const char *what, struct sd_error *err)
{
	if (st == SD_INTERNAL)
		return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	return sd_fail(err, SD_BAD_REQUEST, what, NULL);
}

static enum sd_status
parse_path(
    struct request *req, const char *path, size_t n, struct sd_error *err)
{
	const char *p = path, *end = path + n, *slash;
	enum sd_status st;
	char *seg;

	if (n == 0 || path[0] != '/')
		return sd_fail(
		    err, SD_BAD_REQUEST, "invalid request path", NULL);
	req->nsegments = 0;
	while (p < end) {
		p++; /* skip '/' */
		slash = memchr(p, '/', (size_t)(end - p));
		if (slash == NULL)
			slash = end;
		if (req->nsegments == REQ_MAX_SEGMENTS)
			return sd_fail(
			    err, SD_NOT_FOUND, "no such route", NULL);
		if ((size_t)(slash - p) > 3 * REQ_MAX_SEGMENT)
			return sd_fail(
			    err, SD_BAD_REQUEST, "path segment too long", NULL);
		st = decode_text(req->arena, p, (size_t)(slash - p), 0, &seg);
		if (st != SD_OK)
			return decode_failed(
			    st, "invalid encoding in request path", err);
		if (strlen(seg) > REQ_MAX_SEGMENT)
			return sd_fail(
			    err, SD_BAD_REQUEST, "path segment too long", NULL);
		req->segments[req->nsegments++] = seg;
		p = slash;
	}
	return SD_OK;
}

static enum sd_status
parse_query(struct request *req, const char *q, size_t n, struct sd_error *err)
{
	const char *p = q, *end = q + n, *amp, *eq;
	struct query_param *qp;
	enum sd_status st;
	char *name, *value;

	req->nquery = 0;
	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		if (amp == p) {
			p++;
			continue;
		}
		if (req->nquery == REQ_MAX_QUERY)
			return sd_fail(err, SD_BAD_REQUEST,
			    "too many query parameters", NULL);
		eq = memchr(p, '=', (size_t)(amp - p));
		qp = &req->query[req->nquery];
		value = NULL;
		st = decode_text(
		    req->arena, p, (size_t)((eq ? eq : amp) - p), 1, &name);
		if (st == SD_OK && eq != NULL)
			st = decode_text(req->arena, eq + 1,
			    (size_t)(amp - eq - 1), 1, &value);
		if (st != SD_OK)
			return decode_failed(
			    st, "invalid encoding in query string", err);
		qp->name = name;
		qp->value = value != NULL ? value : "";
		req->nquery++;
		p = amp + 1;
	}
	return SD_OK;
}

enum sd_status
parse_target(struct request *req, const char *uri, struct sd_error *err)
{
	size_t n;
	const char *q;
	enum sd_status st;

	if (uri == NULL)
		return sd_fail(
		    err, SD_BAD_REQUEST, "missing request path", NULL);
	n = strnlen(uri, REQ_MAX_URI + 1);
	if (n > REQ_MAX_URI)
		return sd_fail(
		    err, SD_BAD_REQUEST, "request path too long", NULL);
	q = memchr(uri, '?', n);
	st = parse_path(req, uri, q ? (size_t)(q - uri) : n, err);
	if (st != SD_OK)
		return st;
	if (q == NULL) {
		req->nquery = 0;
		return SD_OK;
	}
	return parse_query(req, q + 1, n - (size_t)(q - uri) - 1, err);
}

int
parse_is_json_type(const char *ct)
{
	static const char json[] = "application/json";
	size_t n = sizeof(json) - 1;

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, json, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

void
parse_request_id(const char *h, char out[REQUEST_ID_MAX + 1])
{
	size_t i;

	out[0] = '\0';
	if (h == NULL)
		return;
	for (i = 0; h[i] != '\0'; i++) {
		if (i == REQUEST_ID_MAX)
			return;
		/* The set nginx's map passes on (statusd-http.conf): nothing
		 * that could break a log line or a header. */
		if (!isalnum((unsigned char)h[i]) &&
		    strchr("._:@+=/-", h[i]) == NULL)
			return;
	}
	memcpy(out, h, i + 1);
}
