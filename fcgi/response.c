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
	if (copy == NULL) {
		*len = sizeof(fallback) - 1;
		return fallback;
	}
	*len = strlen(copy);
	return copy;
}

const char *
response_headers(struct arena *a, const struct response *res,
    const char *request_id, size_t *len)
{
	char extra[768] = "";
	size_t used = 0;
	const char *h;
	int status = sd_status_http(res->status);

	if (res->allow != NULL)
		used += (size_t)snprintf(extra + used, sizeof(extra) - used,
		    "Allow: %s\r\n", res->allow);
	if (status == 401 || res->www_authenticate != NULL)
		used += (size_t)snprintf(extra + used, sizeof(extra) - used,
		    "WWW-Authenticate: %s\r\n",
		    res->www_authenticate
		        ? res->www_authenticate
		        : "Basic realm=\"statusd\", Bearer realm=\"statusd\"");
	if (res->replayed && used < sizeof(extra))
		used += (size_t)snprintf(extra + used, sizeof(extra) - used,
		    "Idempotency-Replayed: true\r\n");
	if (res->retry_after > 0 && used < sizeof(extra))
		snprintf(extra + used, sizeof(extra) - used,
		    "Retry-After: %d\r\n", res->retry_after);
	h = arena_printf(a,
	    "Status: %d %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "X-Request-Id: %s\r\n"
	    "%s\r\n",
	    status, sd_status_reason(res->status), res->body_len, request_id,
	    extra);
	*len = h ? strlen(h) : 0;
	return h;
}
