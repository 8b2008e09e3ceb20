#include "router.h"

#include <stdio.h>
#include <string.h>

#define CLOUD_ID_MAX 128

/* Cloud ids are opaque to us but end up in logs and SQL parameters: allow
 * only what Atlassian cloud ids (UUIDs) and sane test ids are made of. */
static int
cloud_id_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i == CLOUD_ID_MAX)
			return 0;
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		        (s[i] >= 'A' && s[i] <= 'Z') ||
		        (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		        s[i] == '_' || s[i] == '.'))
			return 0;
	}
	return i > 0;
}

/* Returns the index of the first segment after the API prefix, or -1.
 * req->cloud_id is set only to a valid id: it ends up in log lines. */
static int
strip_prefix(struct request *req)
{
	char **s = req->segments;
	size_t n = req->nsegments;
	const char *cloud = NULL;

	if (n >= 4 && strcmp(s[0], "jsm") == 0 && strcmp(s[1], "ops") == 0 &&
	    strcmp(s[2], "api") == 0)
		cloud = s[3];
	else if (n >= 4 && strcmp(s[0], "stakeholder-comms") == 0 &&
	    strcmp(s[1], "cloudId") == 0 && strcmp(s[3], "api") == 0)
		cloud = s[2];
	if (cloud == NULL || !cloud_id_valid(cloud))
		return -1;
	req->cloud_id = cloud;
	return 4;
}

/*
 * Matches pattern against segs[0..n). Returns -1 for no match, else a score
 * in which a literal segment at position i is worth more than any literal
 * after it: the most specific pattern wins.
 */
static long
pattern_match(const char *pattern, char *const *segs, size_t n,
    const char **params, size_t *nparams)
{
	const char *p = pattern, *end;
	size_t i = 0, len;
	long score = 0;

	*nparams = 0;
	while (*p == '/') {
		p++;
		end = strchr(p, '/');
		len = end ? (size_t)(end - p) : strlen(p);
		if (i == n)
			return -1;
		if (len > 1 && p[0] == '{' && p[len - 1] == '}') {
			if (segs[i][0] == '\0' || *nparams == REQ_MAX_PARAMS)
				return -1;
			params[(*nparams)++] = segs[i];
		} else if (strlen(segs[i]) == len &&
		    memcmp(p, segs[i], len) == 0) {
			score |= 1L << (REQ_MAX_SEGMENTS - i);
		} else {
			return -1;
		}
		i++;
		p += len;
	}
	return i == n ? score : -1;
}

static void
append_allow(char *allow, size_t allowlen, const char *method)
{
	size_t used = strlen(allow);

	if (strstr(allow, method) != NULL)
		return;
	snprintf(
	    allow + used, allowlen - used, "%s%s", used ? ", " : "", method);
}

/* Two patterns name the same paths when they differ only in the names of
 * their parameters ("/pages/draft/{pageId}" and "/pages/draft/{id}"). */
static int
same_shape(const char *a, const char *b)
{
	while (*a != '\0' && *b != '\0') {
		if (*a == '{' && *b == '{') {
			a = strchr(a, '}');
			b = strchr(b, '}');
			if (a == NULL || b == NULL)
				return 0;
		} else if (*a != *b) {
			return 0;
		}
		a++;
		b++;
	}
	return *a == *b;
}

enum route_result
router_match(const struct route *routes, size_t nroutes, struct request *req,
    const struct route **found, char *allow, size_t allowlen)
{
	const char *params[REQ_MAX_PARAMS];
	const char *best_pattern = NULL;
	size_t i, nparams, first;
	long score, best = -1;
	int start;

	*found = NULL;
	if (allowlen > 0)
		allow[0] = '\0';
	start = strip_prefix(req);
	if (start < 0)
		return ROUTE_NO_PATH;
	first = (size_t)start;
	for (i = 0; i < nroutes; i++) {
		score = pattern_match(routes[i].pattern, req->segments + first,
		    req->nsegments - first, params, &nparams);
		if (score > best) {
			best = score;
			best_pattern = routes[i].pattern;
		}
	}
	if (best_pattern == NULL)
		return ROUTE_NO_PATH;
	for (i = 0; i < nroutes; i++) {
		if (!same_shape(routes[i].pattern, best_pattern))
			continue;
		if (routes[i].method != req->method) {
			append_allow(allow, allowlen,
			    http_method_name(routes[i].method));
			continue;
		}
		pattern_match(routes[i].pattern, req->segments + first,
		    req->nsegments - first, params, &nparams);
		memcpy(req->params, params, nparams * sizeof(params[0]));
		req->route_pattern = routes[i].pattern;
		req->route_index = (int)i;
		*found = &routes[i];
		return ROUTE_MATCHED;
	}
	return ROUTE_NO_METHOD;
}

enum sd_status
route_run(const struct route *route, struct request *req,
    const struct principal *who, struct response *res)
{
	enum sd_status st = input_check(&route->input, req, &res->err);

	return st != SD_OK ? st : route->handler(req, who, res);
}
