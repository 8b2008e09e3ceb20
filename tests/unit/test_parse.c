/*
 * fcgi/parse.c: the request target (path segments, percent-decoding, query),
 * the Content-Type test and the X-Request-Id filter.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi/parse.h"
#include "suites.h"

static struct arena *arena;
static struct request req;
static struct sd_error err;

static void
setup(void)
{
	arena = arena_new(4096);
	ck_assert_ptr_nonnull(arena);
	memset(&req, 0, sizeof(req));
	req.arena = arena;
	sd_error_clear(&err);
}

static void
teardown(void)
{
	arena_free(arena);
}

static enum sd_status
target(const char *uri)
{
	sd_error_clear(&err);
	return parse_target(&req, uri, &err);
}

/* A string of n copies of c, from the arena. */
static char *
repeat(const char *unit, size_t n)
{
	size_t len = strlen(unit), i;
	char *s = arena_alloc(arena, len * n + 1);

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < n; i++)
		memcpy(s + i * len, unit, len);
	s[len * n] = '\0';
	return s;
}

#define ASSERT_BAD(uri, msg)                                                   \
	do {                                                                   \
		ck_assert_int_eq(target(uri), SD_BAD_REQUEST);                 \
		ck_assert_int_eq(err.status, SD_BAD_REQUEST);                  \
		ck_assert_str_eq(err.message, msg);                            \
	} while (0)

/* --- path ----------------------------------------------------------------- */

START_TEST(test_segments)
{
	ck_assert_int_eq(target("/jsm/ops/api/cloud-1/pages/by_name/x"), SD_OK);
	ck_assert_uint_eq(req.nsegments, 7);
	ck_assert_str_eq(req.segments[0], "jsm");
	ck_assert_str_eq(req.segments[3], "cloud-1");
	ck_assert_str_eq(req.segments[6], "x");
	ck_assert_uint_eq(req.nquery, 0);
}
END_TEST

START_TEST(test_percent_decoding)
{
	ck_assert_int_eq(
	    target("/a%20b/c%2Fd/%41%4a%4A/%7e/caf%C3%A9/%25"), SD_OK);
	ck_assert_uint_eq(req.nsegments, 6);
	ck_assert_str_eq(req.segments[0], "a b");
	/* An escaped slash is data inside one segment, not a separator. */
	ck_assert_str_eq(req.segments[1], "c/d");
	ck_assert_str_eq(req.segments[2], "AJJ");
	ck_assert_str_eq(req.segments[3], "~");
	ck_assert_str_eq(req.segments[4], "caf\xc3\xa9");
	/* Decoded once: %25 is a literal percent, not a new escape. */
	ck_assert_str_eq(req.segments[5], "%");
	/* '+' is only a space in the query. */
	ck_assert_int_eq(target("/a+b"), SD_OK);
	ck_assert_str_eq(req.segments[0], "a+b");
	/* Raw UTF-8 passes as it is. */
	ck_assert_int_eq(target("/\xe2\x82\xac"), SD_OK);
	ck_assert_str_eq(req.segments[0], "\xe2\x82\xac");
}
END_TEST

START_TEST(test_bad_escapes)
{
	static const char *const bad[] = { "/%", "/a%", "/a%4", "/%4/x", "/%zz",
		"/%g0", "/%0g", "/%-1", "/% 1", "/%%41", NULL };
	int i;

	for (i = 0; bad[i] != NULL; i++) {
		ck_assert_msg(
		    target(bad[i]) == SD_BAD_REQUEST, "%s accepted", bad[i]);
		ck_assert_str_eq(
		    err.message, "invalid encoding in request path");
	}
}
END_TEST

START_TEST(test_nul_refused)
{
	ASSERT_BAD("/pages/%00", "invalid encoding in request path");
	ASSERT_BAD("/pages/abc%00def", "invalid encoding in request path");
	ASSERT_BAD("/x?a=%00", "invalid encoding in query string");
	ASSERT_BAD("/x?a%00=1", "invalid encoding in query string");
	ASSERT_BAD("/x?a=1&b=x%00", "invalid encoding in query string");
}
END_TEST

START_TEST(test_invalid_utf8_refused)
{
	static const char *const bad[] = {
		"/%C3", /* truncated */
		"/%C3%28", /* bad continuation */
		"/%C0%80", /* overlong NUL */
		"/%C1%BF", /* overlong */
		"/%E0%80%AF", /* overlong slash */
		"/%ED%A0%80", /* surrogate */
		"/%F4%90%80%80", /* above U+10FFFF */
		"/%FF",
		"/%80",
		"/\xff", /* raw bytes */
		"/caf\xc3",
		"/\xc0\xaf",
		NULL,
	};
	int i;

	for (i = 0; bad[i] != NULL; i++) {
		ck_assert_msg(
		    target(bad[i]) == SD_BAD_REQUEST, "%s accepted", bad[i]);
		ck_assert_str_eq(
		    err.message, "invalid encoding in request path");
	}
	ASSERT_BAD("/x?q=%C3%28", "invalid encoding in query string");
	ASSERT_BAD("/x?%ED%A0%80=1", "invalid encoding in query string");
	ASSERT_BAD("/x?q=\xfe", "invalid encoding in query string");
}
END_TEST

START_TEST(test_not_a_path)
{
	ASSERT_BAD("", "invalid request path");
	ASSERT_BAD("pages", "invalid request path");
	ASSERT_BAD("?a=1", "invalid request path");
	ASSERT_BAD("*", "invalid request path");
	ASSERT_BAD("http://example.com/x", "invalid request path");
	ck_assert_int_eq(target(NULL), SD_BAD_REQUEST);
	ck_assert_str_eq(err.message, "missing request path");
}
END_TEST

START_TEST(test_empty_segments)
{
	ck_assert_int_eq(target("/"), SD_OK);
	ck_assert_uint_eq(req.nsegments, 1);
	ck_assert_str_eq(req.segments[0], "");

	ck_assert_int_eq(target("/a//b"), SD_OK);
	ck_assert_uint_eq(req.nsegments, 3);
	ck_assert_str_eq(req.segments[0], "a");
	ck_assert_str_eq(req.segments[1], "");
	ck_assert_str_eq(req.segments[2], "b");

	/* A trailing slash is a trailing empty segment. */
	ck_assert_int_eq(target("/a/b/"), SD_OK);
	ck_assert_uint_eq(req.nsegments, 3);
	ck_assert_str_eq(req.segments[2], "");

	ck_assert_int_eq(target("//"), SD_OK);
	ck_assert_uint_eq(req.nsegments, 2);
	ck_assert_int_eq(target("/?a=1"), SD_OK);
	ck_assert_uint_eq(req.nsegments, 1);
	ck_assert_uint_eq(req.nquery, 1);
}
END_TEST

START_TEST(test_segment_count)
{
	ck_assert_int_eq(target(repeat("/s", REQ_MAX_SEGMENTS)), SD_OK);
	ck_assert_uint_eq(req.nsegments, REQ_MAX_SEGMENTS);
	/* One more cannot be a route: 404, not 400, and no overflow. */
	ck_assert_int_eq(
	    target(repeat("/s", REQ_MAX_SEGMENTS + 1)), SD_NOT_FOUND);
	ck_assert_int_eq(
	    target(repeat("/", REQ_MAX_SEGMENTS + 1)), SD_NOT_FOUND);
	ck_assert_int_eq(target(repeat("/", 2000)), SD_NOT_FOUND);
	ck_assert_uint_le(req.nsegments, REQ_MAX_SEGMENTS);
}
END_TEST

START_TEST(test_overlong_uri)
{
	char *uri;

	/* Four segments of 1023 bytes: exactly REQ_MAX_URI. */
	uri = repeat("/", 1);
	uri = arena_printf(arena, "/%s/%s/%s/%s", repeat("a", 1023),
	    repeat("b", 1023), repeat("c", 1023), repeat("d", 1023));
	ck_assert_uint_eq(strlen(uri), REQ_MAX_URI);
	ck_assert_int_eq(target(uri), SD_OK);
	ck_assert_uint_eq(req.nsegments, 4);
	uri = arena_printf(arena, "%sd", uri);
	ASSERT_BAD(uri, "request path too long");
	/* The query counts too. */
	uri = arena_printf(arena, "/x?q=%s", repeat("v", REQ_MAX_URI));
	ASSERT_BAD(uri, "request path too long");
	uri = arena_printf(arena, "/x?q=%s", repeat("v", REQ_MAX_URI - 5));
	ck_assert_int_eq(target(uri), SD_OK);
	ck_assert_uint_eq(strlen(request_query(&req, "q")), REQ_MAX_URI - 5);
	/* Far beyond the cap: refused without reading it all. */
	uri = repeat("/zzzzzzzz", 100000);
	ASSERT_BAD(uri, "request path too long");
}
END_TEST

START_TEST(test_overlong_segment)
{
	char *uri;

	uri = arena_printf(arena, "/%s", repeat("a", REQ_MAX_SEGMENT));
	ck_assert_int_eq(target(uri), SD_OK);
	ck_assert_uint_eq(strlen(req.segments[0]), REQ_MAX_SEGMENT);
	uri = arena_printf(arena, "/x/%s", repeat("a", REQ_MAX_SEGMENT + 1));
	ASSERT_BAD(uri, "path segment too long");
	/* Counted after decoding: 1024 escapes decode to 1024 bytes. */
	uri = arena_printf(arena, "/%s", repeat("%41", REQ_MAX_SEGMENT));
	ck_assert_int_eq(target(uri), SD_OK);
	ck_assert_uint_eq(strlen(req.segments[0]), REQ_MAX_SEGMENT);
	uri = arena_printf(arena, "/%s", repeat("%41", REQ_MAX_SEGMENT + 1));
	ASSERT_BAD(uri, "path segment too long");
	/* Multi-byte characters: 341 euro signs = 1023 bytes is fine,
	 * 342 = 1026 bytes is not. */
	uri = arena_printf(arena, "/%s", repeat("\xe2\x82\xac", 341));
	ck_assert_int_eq(target(uri), SD_OK);
	uri = arena_printf(arena, "/%s", repeat("\xe2\x82\xac", 342));
	ASSERT_BAD(uri, "path segment too long");
}
END_TEST

/* --- query ---------------------------------------------------------------- */

START_TEST(test_query_split)
{
	ck_assert_int_eq(
	    target("/pages?limit=10&filter=ALL&q=a+b%2Bc&flag"), SD_OK);
	ck_assert_uint_eq(req.nsegments, 1);
	ck_assert_str_eq(req.segments[0], "pages");
	ck_assert_uint_eq(req.nquery, 4);
	ck_assert_str_eq(req.query[0].name, "limit");
	ck_assert_str_eq(req.query[0].value, "10");
	ck_assert_str_eq(request_query(&req, "filter"), "ALL");
	/* '+' is a space, %2B a plus. */
	ck_assert_str_eq(request_query(&req, "q"), "a b+c");
	/* A name without '=' has an empty value. */
	ck_assert_str_eq(request_query(&req, "flag"), "");
	ck_assert_ptr_null(request_query(&req, "missing"));
	ck_assert_ptr_null(request_query(&req, "Limit"));
}
END_TEST

START_TEST(test_query_edge_forms)
{
	ck_assert_int_eq(target("/x?a=b=c&=v&e=&+n+=%20"), SD_OK);
	ck_assert_uint_eq(req.nquery, 4);
	/* Split on the first '=' only. */
	ck_assert_str_eq(request_query(&req, "a"), "b=c");
	ck_assert_str_eq(request_query(&req, ""), "v");
	ck_assert_str_eq(request_query(&req, "e"), "");
	/* Names are decoded too. */
	ck_assert_str_eq(request_query(&req, " n "), " ");
	/* Empty pieces between separators are skipped. */
	ck_assert_int_eq(target("/x?&&a=1&&&b=2&"), SD_OK);
	ck_assert_uint_eq(req.nquery, 2);
	ck_assert_int_eq(target("/x?"), SD_OK);
	ck_assert_uint_eq(req.nquery, 0);
	/* Only the first '?' starts the query. */
	ck_assert_int_eq(target("/x?a=?b"), SD_OK);
	ck_assert_str_eq(request_query(&req, "a"), "?b");
	/* A bad escape in the query. */
	ASSERT_BAD("/x?a=%", "invalid encoding in query string");
	ASSERT_BAD("/x?a=%2", "invalid encoding in query string");
	ASSERT_BAD("/x?a%=1", "invalid encoding in query string");
}
END_TEST

START_TEST(test_query_repeated_keys)
{
	ck_assert_int_eq(target("/x?id=1&other=z&id=2&id=3"), SD_OK);
	ck_assert_uint_eq(req.nquery, 4);
	/* First one wins; all are counted. */
	ck_assert_str_eq(request_query(&req, "id"), "1");
	ck_assert_uint_eq(request_query_count(&req, "id"), 3);
	ck_assert_uint_eq(request_query_count(&req, "other"), 1);
	ck_assert_uint_eq(request_query_count(&req, "none"), 0);
	ck_assert_str_eq(req.query[2].value, "2");
	ck_assert_str_eq(req.query[3].value, "3");
}
END_TEST

START_TEST(test_too_many_params)
{
	char *uri;

	uri = arena_printf(arena, "/x?%s", repeat("k=v&", REQ_MAX_QUERY));
	ck_assert_int_eq(target(uri), SD_OK);
	ck_assert_uint_eq(req.nquery, REQ_MAX_QUERY);
	uri = arena_printf(arena, "/x?%sk=v", repeat("k=v&", REQ_MAX_QUERY));
	ASSERT_BAD(uri, "too many query parameters");
	/* Empty pieces do not count. */
	uri = arena_printf(
	    arena, "/x?%s%s", repeat("&", 100), repeat("k=v&", REQ_MAX_QUERY));
	ck_assert_int_eq(target(uri), SD_OK);
}
END_TEST

START_TEST(test_reparse_resets)
{
	/* A request reused after reset must not keep the old query. */
	ck_assert_int_eq(target("/a/b/c?x=1&y=2"), SD_OK);
	ck_assert_uint_eq(req.nquery, 2);
	ck_assert_int_eq(target("/d"), SD_OK);
	ck_assert_uint_eq(req.nsegments, 1);
	ck_assert_uint_eq(req.nquery, 0);
	ck_assert_ptr_null(request_query(&req, "x"));
}
END_TEST

/* --- Content-Type --------------------------------------------------------- */

START_TEST(test_json_type)
{
	static const char *const yes[] = { "application/json",
		"application/json; charset=utf-8",
		"application/json;charset=UTF-8", "Application/JSON",
		"APPLICATION/JSON", " application/json", "application/json ",
		"application/json ; charset=utf-8", "\tapplication/json",
		"application/json\t;charset=utf-8", NULL };
	static const char *const no[] = { "", " ", "text/plain",
		"application/jsonp", "application/json-patch+json",
		"application/jsonx; charset=utf-8", "application/js",
		"application/", "text/json", "application/xml",
		"application/x-www-form-urlencoded", "multipart/form-data",
		"application/json,text/plain", "application/json\r\nX-A: b",
		"xapplication/json", "json", NULL };
	int i;

	for (i = 0; yes[i] != NULL; i++)
		ck_assert_msg(
		    parse_is_json_type(yes[i]), "refused '%s'", yes[i]);
	for (i = 0; no[i] != NULL; i++)
		ck_assert_msg(
		    !parse_is_json_type(no[i]), "accepted '%s'", no[i]);
	ck_assert(!parse_is_json_type(NULL));
}
END_TEST

/* --- X-Request-Id --------------------------------------------------------- */

START_TEST(test_request_id_accepted)
{
	char out[REQUEST_ID_MAX + 1];
	char id128[REQUEST_ID_MAX + 1];

	parse_request_id("abc-123_X.y", out);
	ck_assert_str_eq(out, "abc-123_X.y");
	parse_request_id("7f3c2a90b1e44d5f8e6a0b9c1d2e3f40", out);
	ck_assert_str_eq(out, "7f3c2a90b1e44d5f8e6a0b9c1d2e3f40");
	/* What nginx's map passes on (statusd-http.conf). */
	parse_request_id("trace:abc/1+x=y@z", out);
	ck_assert_str_eq(out, "trace:abc/1+x=y@z");
	memset(id128, 'a', REQUEST_ID_MAX);
	id128[REQUEST_ID_MAX] = '\0';
	parse_request_id(id128, out);
	ck_assert_str_eq(out, id128);
}
END_TEST

START_TEST(test_request_id_hostile)
{
	static const char *const bad[] = {
		"a b",
		"a\r\nX-Injected: 1",
		"a\nb",
		"a\tb",
		"a\"b",
		"a;b",
		"a,b",
		"a\\b",
		"<script>",
		"id%0d%0a",
		"caf\xc3\xa9",
		"\xff",
		"a\x7f",
		"\x1b[31m",
		"{x}",
		NULL,
	};
	char out[REQUEST_ID_MAX + 1], id129[REQUEST_ID_MAX + 2], *heap;
	int i;

	for (i = 0; bad[i] != NULL; i++) {
		memset(out, 'Z', sizeof(out));
		parse_request_id(bad[i], out);
		ck_assert_msg(out[0] == '\0', "kept hostile id '%s'", bad[i]);
	}
	memset(out, 'Z', sizeof(out));
	parse_request_id(NULL, out);
	ck_assert_str_eq(out, "");
	parse_request_id("", out);
	ck_assert_str_eq(out, "");
	/* 129 characters: too long, and out is never overrun. */
	memset(id129, 'a', REQUEST_ID_MAX + 1);
	id129[REQUEST_ID_MAX + 1] = '\0';
	parse_request_id(id129, out);
	ck_assert_str_eq(out, "");
	/* A very long value in an exact-size heap block. */
	heap = malloc(100001);
	memset(heap, 'b', 100000);
	heap[100000] = '\0';
	parse_request_id(heap, out);
	ck_assert_str_eq(out, "");
	free(heap);
}
END_TEST

Suite *
parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc;

	tc = tcase_create("path");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_segments);
	tcase_add_test(tc, test_percent_decoding);
	tcase_add_test(tc, test_bad_escapes);
	tcase_add_test(tc, test_nul_refused);
	tcase_add_test(tc, test_invalid_utf8_refused);
	tcase_add_test(tc, test_not_a_path);
	tcase_add_test(tc, test_empty_segments);
	tcase_add_test(tc, test_segment_count);
	tcase_add_test(tc, test_overlong_uri);
	tcase_add_test(tc, test_overlong_segment);
	suite_add_tcase(s, tc);

	tc = tcase_create("query");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_query_split);
	tcase_add_test(tc, test_query_edge_forms);
	tcase_add_test(tc, test_query_repeated_keys);
	tcase_add_test(tc, test_too_many_params);
	tcase_add_test(tc, test_reparse_resets);
	suite_add_tcase(s, tc);

	tc = tcase_create("headers");
	tcase_add_test(tc, test_json_type);
	tcase_add_test(tc, test_request_id_accepted);
	tcase_add_test(tc, test_request_id_hostile);
	suite_add_tcase(s, tc);
	return s;
}
