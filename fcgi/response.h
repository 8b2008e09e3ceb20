/* Turns a struct response into the bytes nginx receives. */
#ifndef STATUSD_RESPONSE_H
#define STATUSD_RESPONSE_H

#include <stddef.h>

#include "http.h"

/* The {"error": ..., "details": ...} body for res->err, in the arena. */
const char *response_error_body(
    struct arena *a, const struct sd_error *err, size_t *len);

/* Room for any header block: the fixed lines, a request id and the
 * optional headers (at most 768 bytes together). */
#define RESPONSE_HEADERS_MAX 1280

/* Writes the CGI-style header block ("Status: ...\r\n...\r\n\r\n") for res
 * into buf and returns its length; the body must already be final
 * (res->body set). Allocates nothing, so an answer whose body exists can
 * always be sent, out of memory or not. */
size_t response_headers(const struct response *res, const char *request_id,
    char buf[RESPONSE_HEADERS_MAX]);

#endif
