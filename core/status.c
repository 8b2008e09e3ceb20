#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
	int http;
	const char *reason;
	const char *default_message;
} status_table[SD_STATUS__MAX] = {
	[SD_OK] = { 200, "OK", "ok" },
	[SD_CREATED] = { 201, "Created", "created" },
	[SD_BAD_REQUEST] = { 400, "Bad Request", "bad request" },
	[SD_UNAUTHORIZED] = { 401, "Unauthorized", "authentication required" },
	[SD_FORBIDDEN] = { 403, "Forbidden", "forbidden" },
	[SD_NOT_FOUND] = { 404, "Not Found", "not found" },
	[SD_METHOD_NOT_ALLOWED] = { 405, "Method Not Allowed",
	    "method not allowed" },
	[SD_CONFLICT] = { 409, "Conflict", "conflict" },
	[SD_TOO_LARGE] = { 413, "Payload Too Large", "request body too large" },
	[SD_UNSUPPORTED_MEDIA] = { 415, "Unsupported Media Type",
	    "request body must be application/json" },
	[SD_UNPROCESSABLE] = { 422, "Unprocessable Content",
	    "unprocessable request" },
	[SD_UNAVAILABLE] = { 503, "Service Unavailable",
	    "service temporarily unavailable" },
	[SD_TOO_SLOW] = { 503, "Service Unavailable",
	    "the request took too long" },
	[SD_OUTCOME_UNKNOWN] = { 503, "Service Unavailable",
	    "the outcome of this request is unknown" },
	[SD_INTERNAL] = { 500, "Internal Server Error", "internal error" },
};

/* snprintf may cut a multi-byte character in two; drop the piece so the
 * text stays valid UTF-8 (it goes into JSON). */
static void
trim_partial_utf8(char *s)
{
	size_t n = strlen(s), start, need;
	unsigned char lead;

	if (n == 0)
		return;
	start = n;
	while (start > 0 && ((unsigned char)s[start - 1] & 0xc0) == 0x80 &&
	    n - start < 3)
		start--;
	if (start == 0)
		return;
	lead = (unsigned char)s[start - 1];
	if (lead < 0x80)
		return;
	need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : 1;
	if (n - start < need)
		s[start - 1] = '\0';
}

enum sd_status
sd_fail(struct sd_error *err, enum sd_status status, const char *message,
    const char *detail_fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return status;
	err->status = status;
	if (message == NULL && status < SD_STATUS__MAX)
		message = status_table[status].default_message;
	snprintf(err->message, sizeof(err->message), "%s",
	    message ? message : "error");
	trim_partial_utf8(err->message);
	err->detail[0] = '\0';
	if (detail_fmt != NULL) {
		va_start(ap, detail_fmt);
		vsnprintf(err->detail, sizeof(err->detail), detail_fmt, ap);
		va_end(ap);
		trim_partial_utf8(err->detail);
	}
	return status;
}

void
sd_error_clear(struct sd_error *err)
{
	memset(err, 0, sizeof(*err));
}

int
sd_status_http(enum sd_status s)
{
	return s < SD_STATUS__MAX ? status_table[s].http : 500;
}

const char *
sd_status_reason(enum sd_status s)
{
	return s < SD_STATUS__MAX ? status_table[s].reason
	                          : "Internal Server Error";
}
