/*
 * libFuzzer harness for the request target: parse_target on the input (as
 * REQUEST_URI, NUL-terminated), then router_match against the real table
 * for every method, then parse_request_id and parse_is_json_type on the same
 * bytes. Besides crashes and sanitizer reports it checks the contracts the
 * rest of statusd relies on, and aborts when one is broken.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi/parse.h"
#include "fcgi/router.h"
#include "text.h"
#include "fuzz_check.h"

static int
is_text(const char *s)
{
	return s != NULL && utf8_valid(s, strlen(s));
}

static size_t
count_params(const char *pattern)
{
	size_t n = 0;

	for (; *pattern != '\0'; pattern++)
		n += *pattern == '{';
	return n;
}

static void
check_route(struct request *req)
{
	const struct route *found;
	char allow[64];
	enum route_result r;
	size_t i, n;
	int m;

	for (m = 0; m <= HTTP_METHOD__MAX; m++) {
		req->method = (enum http_method)m;
		req->cloud_id = NULL;
		req->route_pattern = NULL;
		memset(req->params, 0, sizeof(req->params));
		r = router_match(statusd_routes, statusd_nroutes, req, &found,
		    allow, sizeof(allow));
		CHECK(strlen(allow) < sizeof(allow));
		switch (r) {
		case ROUTE_MATCHED:
			CHECK(found != NULL);
			CHECK(found->method == req->method);
			CHECK(req->route_pattern == found->pattern);
			CHECK(
			    req->cloud_id != NULL && req->cloud_id[0] != '\0');
			CHECK(strlen(req->cloud_id) <= 128);
			n = count_params(found->pattern);
			CHECK(n <= REQ_MAX_PARAMS);
			for (i = 0; i < n; i++)
				CHECK(req->params[i] != NULL &&
				    req->params[i][0] != '\0');
			break;
		case ROUTE_NO_METHOD:
			CHECK(found == NULL);
			CHECK(allow[0] != '\0');
			CHECK(strstr(allow, http_method_name(req->method)) ==
			        NULL ||
			    req->method == HTTP_METHOD__MAX);
			break;
		case ROUTE_NO_PATH: CHECK(found == NULL); break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *arena;
	struct request req;
	struct sd_error err;
	enum sd_status st;
	char *uri, rid[REQUEST_ID_MAX + 1];
	size_t i;

	uri = malloc(size + 1);
	if (uri == NULL)
		return 0;
	memcpy(uri, data, size);
	uri[size] = '\0';

	arena = arena_new(1024);
	if (arena == NULL) {
		free(uri);
		return 0;
	}
	memset(&req, 0, sizeof(req));
	req.arena = arena;
	sd_error_clear(&err);
	st = parse_target(&req, uri, &err);
	if (st == SD_OK) {
		CHECK(strlen(uri) <= REQ_MAX_URI);
		CHECK(req.nsegments >= 1 && req.nsegments <= REQ_MAX_SEGMENTS);
		for (i = 0; i < req.nsegments; i++) {
			CHECK(is_text(req.segments[i]));
			CHECK(strlen(req.segments[i]) <= REQ_MAX_SEGMENT);
		}
		CHECK(req.nquery <= REQ_MAX_QUERY);
		for (i = 0; i < req.nquery; i++) {
			CHECK(is_text(req.query[i].name));
			CHECK(is_text(req.query[i].value));
		}
		check_route(&req);
	} else {
		CHECK(st == SD_BAD_REQUEST || st == SD_NOT_FOUND);
		CHECK(err.status == st && err.message[0] != '\0');
	}

	memset(rid, 'Z', sizeof(rid));
	parse_request_id(uri, rid);
	CHECK(strlen(rid) <= REQUEST_ID_MAX);
	if (rid[0] != '\0') {
		CHECK(strcmp(rid, uri) == 0);
		CHECK(strspn(rid,
		          "abcdefghijklmnopqrstuvwxyz"
		          "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:@+=/") ==
		    strlen(rid));
	}
	if (parse_is_json_type(uri))
		CHECK(strcasestr(uri, "application/json") != NULL);

	arena_free(arena);
	free(uri);
	return 0;
}
