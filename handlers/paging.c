#include "paging.h"

#include <errno.h>
#include <stdlib.h>

enum sd_status
query_int(const struct request *req, const char *name, long min, long max,
    long def, long *out, struct sd_error *err)
{
	const char *v = request_query(req, name);
	char *end;
	long n;

	if (request_query_count(req, name) > 1)
		return sd_fail(err, SD_BAD_REQUEST, "invalid query parameter",
		    "%s: given more than once", name);
	if (v == NULL) {
		*out = def;
		return SD_OK;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < min || n > max)
		return sd_fail(err, SD_BAD_REQUEST, "invalid query parameter",
		    "%s: must be an integer from %ld to %ld", name, min, max);
	*out = n;
	return SD_OK;
}

static enum sd_status
single(const struct request *req, const char *name, const char **out,
    struct sd_error *err)
{
	if (request_query_count(req, name) > 1)
		return sd_fail(err, SD_BAD_REQUEST, "invalid query parameter",
		    "%s: given more than once", name);
	*out = request_query(req, name);
	return SD_OK;
}

enum sd_status
paging_parse(const struct request *req, int allow_backward, struct paging *out,
    struct sd_error *err)
{
	const char *first = NULL, *last = NULL, *after = NULL, *before = NULL;
	long n;
	enum sd_status st;

	if ((st = single(req, "first", &first, err)) != SD_OK ||
	    (st = single(req, "last", &last, err)) != SD_OK ||
	    (st = single(req, "after", &after, err)) != SD_OK ||
	    (st = single(req, "before", &before, err)) != SD_OK)
		return st;
	if (!allow_backward && (last != NULL || before != NULL))
		return sd_fail(err, SD_BAD_REQUEST, "invalid query parameter",
		    "this list pages forwards only: use first and after");
	if ((first != NULL || after != NULL) &&
	    (last != NULL || before != NULL))
		return sd_fail(err, SD_BAD_REQUEST, "invalid query parameter",
		    "use first/after or last/before, not both");
	out->backward = last != NULL || before != NULL;
	st = query_int(req, out->backward ? "last" : "first", 1, PAGE_SIZE_MAX,
	    PAGE_SIZE_DEFAULT, &n, err);
	if (st != SD_OK)
		return st;
	out->limit = (int)n;
	out->cursor = out->backward ? before : after;
	if (out->cursor != NULL && *out->cursor == '\0')
		out->cursor = NULL;
	return SD_OK;
}
