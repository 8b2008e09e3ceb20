/* Turns a struct response into the bytes nginx receives. */
#ifndef STATUSD_RESPONSE_H
#define STATUSD_RESPONSE_H

#include <stddef.h>

#include "http.h"

/* The {"error": ..., "details": ...} body for res->err, in the arena. */
const char *response_error_body(
    struct arena *a, const struct sd_error *err, size_t *len);

/* The CGI-style header block ("Status: ...\r\n...\r\n\r\n") for res; the
 * body must already be final (res->body set). Arena-allocated. */
const char *response_headers(struct arena *a, const struct response *res,
    const char *request_id, size_t *len);

#endif
