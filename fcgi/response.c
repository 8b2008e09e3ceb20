#include "response.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

const char *
response_error_body(struct arena *a, const struct sd_error *err, size_t *len)
{
	static const char fallback[] = "{\"error\":\"internal error\"}";
	json_t *o;
	char *text, *copy = NULL;

	o = json_pack(
	    "{s:s}", "error", err->message[0] ? err->message : "error");
	if (o != NULL && err->detail[0] != '\0')
		json_object_set_new(o, "details", json_string(err->detail));
	text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (text != NULL) {
		copy = arena_strdup(a, text);
		free(text);
	}
	/* A failed allocation may have cost the text a byte (arena.h). */
	if (copy == NULL || arena_memory_failed()) {
		*len = sizeof(fallback) - 1;
		return fallback;
	}
	*len = strlen(copy);
	return copy;
}

/* Appends to a fixed buffer; what does not fit is left out whole (the
 * callers' values are short: this only keeps a bug from overflowing). */
static void
append_header(
    char *buf, size_t cap, size_t *used, const char *name, const char *value)
{
	size_t need = strlen(name) + 2 + strlen(value) + 2;

	if (*used + need >= cap)
		return;
	*used += (size_t)snprintf(
	    buf + *used, cap - *used, "%s: %s\r\n", name, value);
}

size_t
response_headers(const struct response *res, const char *request_id,
    char buf[RESPONSE_HEADERS_MAX])
{
	char extra[768] = "", retry[16];
	size_t used = 0;
	int status = sd_status_http(res->status), n;

	if (res->allow != NULL)
		append_header(extra, sizeof(extra), &used, "Allow", res->allow);
	if (status == 401 || res->www_authenticate != NULL)
		append_header(extra, sizeof(extra), &used, "WWW-Authenticate",
		    res->www_authenticate ? res->www_authenticate
		                          : "Basic realm=\"statusd\", "
		                            "Bearer realm=\"statusd\"");
	if (res->replayed)
		append_header(extra, sizeof(extra), &used,
		    "Idempotency-Replayed", "true");
	if (res->content_type != NULL) {
		/* No script, style, frame or outside form target: the page is
		 * one form posting back to itself, and its URL (a token) is
		 * never sent on as a Referer. */
		append_header(extra, sizeof(extra), &used,
		    "Content-Security-Policy",
		    "default-src 'none'; form-action 'self'; "
		    "frame-ancestors 'none'; base-uri 'none'");
		append_header(extra, sizeof(extra), &used, "Referrer-Policy",
		    "no-referrer");
	}
	if (res->retry_after > 0) {
		snprintf(retry, sizeof(retry), "%d", res->retry_after);
		append_header(
		    extra, sizeof(extra), &used, "Retry-After", retry);
	}
	n = snprintf(buf, RESPONSE_HEADERS_MAX,
	    "Status: %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "X-Request-Id: %s\r\n"
	    "%s\r\n",
	    status, sd_status_reason(res->status),
	    res->content_type ? res->content_type : "application/json",
	    res->body_len, request_id, extra);
	/* REQUEST_ID_MAX and extra bound it: never cut short. */
	return n < 0 ? 0 : (size_t)n;
}
