/*
 * The HTTP request and response as handlers see them: no FastCGI here, so a
 * handler is a plain function of (request, principal, response) and can be
 * called from a unit test without a socket.
 */
#ifndef STATUSD_HTTP_H
#define STATUSD_HTTP_H

#include <stddef.h>

#include "arena.h"
#include "scope.h"
#include "status.h"

enum http_method {
	HTTP_GET,
	HTTP_HEAD,
	HTTP_POST,
	HTTP_PUT,
	HTTP_DELETE,
	HTTP_PATCH,
	HTTP_OPTIONS,
	HTTP_METHOD__MAX
};

#define REQ_MAX_URI 4096 /* nginx answers 414 before this */
#define REQ_MAX_SEGMENT 1024 /* decoded bytes in one path segment */
#define REQ_MAX_SEGMENTS 16
#define REQ_MAX_QUERY 32
#define REQ_MAX_PARAMS 4
#define REQUEST_ID_MAX 128

struct input; /* handlers/input.h */

struct query_param {
	const char *name; /* decoded, NUL-free, valid UTF-8 */
	const char *value;
};

struct request {
	struct arena *arena; /* borrowed: everything below lives in it */
	enum http_method method;
	char *segments[REQ_MAX_SEGMENTS]; /* decoded path segments */
	size_t nsegments;
	struct query_param query[REQ_MAX_QUERY];
	size_t nquery;
	const char *authorization; /* NULL when absent */
	const char *content_type;
	const char *if_match;
	const char *idempotency_key;
	char request_id[REQUEST_ID_MAX + 1];
	const char *body; /* NUL-terminated copy; body_len excludes the NUL */
	size_t body_len;

	/* Set by the router. */
	const char *cloud_id;
	const char *params[REQ_MAX_PARAMS]; /* path parameters, pattern order */
	const char *route_pattern;
	int route_index; /* in the routing table; -1 (set by the worker) when
	                    nothing matched */
	/* Set by the dispatcher: the query and body as the route declares
	 * them, checked (handlers/input.h). */
	struct input *input;
};

struct response {
	enum sd_status status;
	const char *body; /* JSON text, arena-owned; NULL = build from err */
	size_t body_len;
	/* NULL: application/json. An HTML page (the public subscription
	 * links) also gets a strict Content-Security-Policy. */
	const char *content_type;
	struct sd_error err;
	const char *allow; /* 405 */
	const char *www_authenticate; /* 401/403 */
	const char *auth_failure; /* 401: why, static, for the log only */
	int retry_after; /* seconds; 0 = none */
	int replayed; /* answered from a stored idempotent response */
};

/* The value of query parameter name, or NULL. First one wins. */
const char *request_query(const struct request *req, const char *name);
/* Number of occurrences of name (repeated parameters). */
size_t request_query_count(const struct request *req, const char *name);

const char *http_method_name(enum http_method m);
/* HTTP_METHOD__MAX when unknown. */
enum http_method http_method_parse(const char *s);

#endif
