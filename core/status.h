/*
 * The closed set of outcomes every layer returns, and the error record the
 * caller owns (like jansson's json_error_t). The mapping to HTTP lives in one
 * place: core/status.c (sd_status_http); fcgi/response.c writes it.
 */
#ifndef STATUSD_STATUS_H
#define STATUSD_STATUS_H

#include <stddef.h>

enum sd_status {
	SD_OK,
	SD_CREATED,
	SD_BAD_REQUEST, /* 400: input refused */
	SD_UNAUTHORIZED, /* 401: no or bad credentials */
	SD_FORBIDDEN, /* 403: scope or tenant refused */
	SD_NOT_FOUND, /* 404: unknown or not yours */
	SD_METHOD_NOT_ALLOWED, /* 405 */
	SD_CONFLICT, /* 409: taken name, stale version */
	SD_TOO_LARGE, /* 413 */
	SD_UNSUPPORTED_MEDIA, /* 415 */
	SD_UNPROCESSABLE, /* 422: idempotency key reused for another request */
	SD_UNAVAILABLE, /* 503: database unreachable; nothing was written */
	SD_TOO_SLOW, /* 503: statement timeout; nothing was written */
	SD_OUTCOME_UNKNOWN, /* 503: connection lost while a write committed */
	SD_INTERNAL, /* 500: a bug */
	SD_STATUS__MAX
};

#define SD_ERR_MSG 160
#define SD_ERR_DETAIL 320

/* Primary message: lower case, no final period, safe to show clients.
 * Detail: optional, names the offending field or value. */
struct sd_error {
	enum sd_status status;
	char message[SD_ERR_MSG];
	char detail[SD_ERR_DETAIL];
};

/* Fills err (if not NULL) and returns status, so callers can write
 * `return sd_fail(err, SD_BAD_REQUEST, "...", ...);`. */
enum sd_status sd_fail(struct sd_error *err, enum sd_status status,
    const char *message, const char *detail_fmt, ...)
    __attribute__((format(printf, 4, 5)));

void sd_error_clear(struct sd_error *err);

int sd_status_http(enum sd_status s);
const char *sd_status_reason(enum sd_status s);

#endif
