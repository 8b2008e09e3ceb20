/*
 * fcgi/response.c: the error body and the CGI header block.
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi/response.h"
#include "handlers/common.h"
#include "suites.h"

static struct arena *arena;

static void
setup(void)
{
	arena = arena_new(1024);
	ck_assert_ptr_nonnull(arena);
}

static void
teardown(void)
{
	arena_free(arena);
}

/* The error body for (message, detail), parsed back; checks *len. */
static json_t *
error_body(const char *message, const char *detail, const char **text)
{
	struct sd_error err;
	json_error_t jerr;
	const char *body;
	size_t len = 12345;
	json_t *v;

	sd_error_clear(&err);
	snprintf(err.message, sizeof(err.message), "%s", message);
	snprintf(err.detail, sizeof(err.detail), "%s", detail);
	body = response_error_body(arena, &err, &len);
	ck_assert_ptr_nonnull(body);
	ck_assert_uint_eq(len, strlen(body));
	v = json_loads(body, JSON_REJECT_DUPLICATES, &jerr);
	ck_assert_msg(v != NULL, "not JSON: %s (%s)", body, jerr.text);
	ck_assert(json_is_object(v));
	ck_assert(json_is_string(json_object_get(v, "error")));
	if (text != NULL)
		*text = body;
	return v;
}

START_TEST(test_error_body_plain)
{
	const char *text;
	json_t *v = error_body("no such route", "", &text);

	ck_assert_str_eq(text, "{\"error\":\"no such route\"}");
	ck_assert_uint_eq(json_object_size(v), 1);
	ck_assert_ptr_null(json_object_get(v, "details"));
	json_decref(v);
}
END_TEST

START_TEST(test_error_body_details)
{
	const char *text;
	json_t *v = error_body(
	    "invalid request body", "body.page.name: is required", &text);

	ck_assert_uint_eq(json_object_size(v), 2);
	ck_assert_str_eq(json_string_value(json_object_get(v, "error")),
	    "invalid request body");
	ck_assert_str_eq(json_string_value(json_object_get(v, "details")),
	    "body.page.name: is required");
	ck_assert_str_eq(text,
	    "{\"error\":\"invalid request body\","
	    "\"details\":\"body.page.name: is required\"}");
	json_decref(v);
}
END_TEST

START_TEST(test_error_body_escapes)
{
	const char *text;
	json_t *v;

	v = error_body(
	    "say \"hi\"\\now", "line1\nline2\t\x01\x1f\x7f</script>", &text);
	/* Round trip: the exact strings come back. */
	ck_assert_str_eq(
	    json_string_value(json_object_get(v, "error")), "say \"hi\"\\now");
	ck_assert_str_eq(json_string_value(json_object_get(v, "details")),
	    "line1\nline2\t\x01\x1f\x7f</script>");
	/* And no raw control character is in the text. */
	ck_assert_ptr_null(strchr(text, '\n'));
	ck_assert_ptr_null(strchr(text, '\t'));
	ck_assert_ptr_null(strchr(text, '\x01'));
	ck_assert_ptr_null(strchr(text, '\x1f'));
	ck_assert_ptr_nonnull(strstr(text, "\\\"hi\\\""));
	ck_assert_ptr_nonnull(strstr(text, "\\\\now"));
	ck_assert_ptr_nonnull(strstr(text, "\\n"));
	ck_assert_ptr_nonnull(strstr(text, "\\u0001"));
	json_decref(v);
}
END_TEST

START_TEST(test_error_body_unicode_and_empty)
{
	json_t *v;

	v = error_body("page not found",
	    "name \xe2\x80\x9c"
	    "caf\xc3\xa9\xe2\x80\x9d",
	    NULL);
	ck_assert_str_eq(json_string_value(json_object_get(v, "details")),
	    "name \xe2\x80\x9c"
	    "caf\xc3\xa9\xe2\x80\x9d");
	json_decref(v);
	/* An empty message still gives a non-empty error. */
	v = error_body("", "", NULL);
	ck_assert_uint_gt(
	    strlen(json_string_value(json_object_get(v, "error"))), 0);
	json_decref(v);
}
END_TEST

START_TEST(test_error_body_bad_utf8_detail)
{
	/* A detail that is not UTF-8 (it should not happen) never breaks the
	 * body: it stays JSON with the primary message. */
	json_t *v = error_body("invalid request body", "cut \xc3", NULL);

	ck_assert_str_eq(json_string_value(json_object_get(v, "error")),
	    "invalid request body");
	json_decref(v);
}
END_TEST

START_TEST(test_error_body_longest)
{
	char msg[SD_ERR_MSG], detail[SD_ERR_DETAIL];
	json_t *v;

	memset(msg, 'm', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	memset(detail, '"', sizeof(detail) - 1);
	detail[sizeof(detail) - 1] = '\0';
	v = error_body(msg, detail, NULL);
	ck_assert_uint_eq(
	    strlen(json_string_value(json_object_get(v, "details"))),
	    SD_ERR_DETAIL - 1);
	json_decref(v);
}
END_TEST

/* --- headers -------------------------------------------------------------- */

static const char *
headers(const struct response *res, const char *rid)
{
	char *h = arena_alloc(arena, RESPONSE_HEADERS_MAX);
	size_t len;

	ck_assert_ptr_nonnull(h);
	len = response_headers(res, rid, h);
	ck_assert_uint_eq(len, strlen(h));
	/* One block, ended by an empty line, nothing after it. */
	ck_assert_uint_ge(len, 4);
	ck_assert_str_eq(h + len - 4, "\r\n\r\n");
	ck_assert_ptr_eq(strstr(h, "\r\n\r\n"), h + len - 4);
	return h;
}

/* 1 when the block has exactly this header line. */
static int
has_line(const char *h, const char *line)
{
	const char *p = h;
	size_t n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == h || p[-1] == '\n') && strncmp(p + n, "\r\n", 2) == 0)
			return 1;
		p++;
	}
	return 0;
}

#define HAS(h, line)                                                           \
	ck_assert_msg(has_line(h, line), "no '%s' in:\n%s", line, h)
#define LACKS(h, name)                                                         \
	ck_assert_msg(strstr(h, name) == NULL, "'%s' in:\n%s", name, h)

/* A handler answering with a text whose allocation failed (arena_printf
 * returned NULL) gets a 500, not strlen(NULL). */
START_TEST(test_respond_text_null)
{
	struct response res;

	memset(&res, 0, sizeof(res));
	ck_assert_int_eq(handler_respond_text(&res, SD_OK, NULL), SD_INTERNAL);
	ck_assert_int_eq(res.err.status, SD_INTERNAL);
	ck_assert_ptr_null(res.body);
	ck_assert_int_eq(handler_respond_text(&res, SD_OK, "{}"), SD_OK);
	ck_assert_str_eq(res.body, "{}");
	ck_assert_uint_eq(res.body_len, 2);
}
END_TEST

START_TEST(test_headers_ok)
{
	struct response res;
	const char *h;

	memset(&res, 0, sizeof(res));
	res.status = SD_OK;
	res.body = "{\"page\":{}}";
	res.body_len = strlen(res.body);
	h = headers(&res, "rid-1");
	ck_assert_int_eq(strncmp(h, "Status: 200 OK\r\n", 16), 0);
	HAS(h, "Content-Type: application/json");
	HAS(h, "Content-Length: 11");
	HAS(h, "Cache-Control: no-store");
	HAS(h, "X-Content-Type-Options: nosniff");
	HAS(h, "X-Request-Id: rid-1");
	LACKS(h, "Allow");
	LACKS(h, "WWW-Authenticate");
	LACKS(h, "Retry-After");
}
END_TEST

START_TEST(test_headers_statuses)
{
	static const struct {
		enum sd_status st;
		const char *line;
	} v[] = {
		{ SD_CREATED, "Status: 201 Created" },
		{ SD_BAD_REQUEST, "Status: 400 Bad Request" },
		{ SD_FORBIDDEN, "Status: 403 Forbidden" },
		{ SD_NOT_FOUND, "Status: 404 Not Found" },
		{ SD_CONFLICT, "Status: 409 Conflict" },
		{ SD_TOO_LARGE, "Status: 413 Payload Too Large" },
		{ SD_UNSUPPORTED_MEDIA, "Status: 415 Unsupported Media Type" },
		{ SD_UNPROCESSABLE, "Status: 422 Unprocessable Content" },
		{ SD_TOO_SLOW, "Status: 503 Service Unavailable" },
		{ SD_INTERNAL, "Status: 500 Internal Server Error" },
		{ (enum sd_status)99, "Status: 500 Internal Server Error" },
	};
	struct response res;
	const char *h;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(&res, 0, sizeof(res));
		res.status = v[i].st;
		h = headers(&res, "r");
		ck_assert_msg(
		    strncmp(h, v[i].line, strlen(v[i].line)) == 0, "%s", h);
		HAS(h, "Content-Length: 0");
		HAS(h, "X-Content-Type-Options: nosniff");
		LACKS(h, "WWW-Authenticate");
	}
}
END_TEST

START_TEST(test_headers_405_allow)
{
	struct response res;
	const char *h;

	memset(&res, 0, sizeof(res));
	res.status = SD_METHOD_NOT_ALLOWED;
	res.allow = "GET, PUT";
	h = headers(&res, "r");
	ck_assert_int_eq(
	    strncmp(h, "Status: 405 Method Not Allowed\r\n", 32), 0);
	HAS(h, "Allow: GET, PUT");
	LACKS(h, "WWW-Authenticate");
}
END_TEST

START_TEST(test_headers_401_challenge)
{
	struct response res;
	const char *h;

	memset(&res, 0, sizeof(res));
	res.status = SD_UNAUTHORIZED;
	h = headers(&res, "r");
	ck_assert_int_eq(strncmp(h, "Status: 401 Unauthorized\r\n", 26), 0);
	/* A 401 always challenges, even when the caller set nothing. */
	ck_assert_ptr_nonnull(strstr(h, "\r\nWWW-Authenticate: "));
	ck_assert_ptr_nonnull(strstr(h, "Basic realm="));
	ck_assert_ptr_nonnull(strstr(h, "Bearer realm="));
	/* The caller's challenge wins. */
	res.www_authenticate =
	    "Bearer realm=\"statusd\", error=\"invalid_token\"";
	h = headers(&res, "r");
	HAS(h,
	    "WWW-Authenticate: Bearer realm=\"statusd\", "
	    "error=\"invalid_token\"");
	ck_assert_ptr_null(strstr(h, "Basic realm="));
}
END_TEST

START_TEST(test_headers_403_scope)
{
	struct response res;
	const char *h;

	memset(&res, 0, sizeof(res));
	res.status = SD_FORBIDDEN;
	res.www_authenticate = "Bearer error=\"insufficient_scope\", "
	                       "scope=\"write:stakeholder-comms.page:jira-"
	                       "service-management\"";
	h = headers(&res, "r");
	HAS(h,
	    "WWW-Authenticate: Bearer error=\"insufficient_scope\", "
	    "scope=\"write:stakeholder-comms.page:jira-service-management\"");
}
END_TEST

START_TEST(test_headers_503_retry_after)
{
	struct response res;
	const char *h;

	memset(&res, 0, sizeof(res));
	res.status = SD_UNAVAILABLE;
	res.retry_after = 5;
	h = headers(&res, "r");
	ck_assert_int_eq(
	    strncmp(h, "Status: 503 Service Unavailable\r\n", 33), 0);
	HAS(h, "Retry-After: 5");
	/* All three extras at once. */
	res.allow = "GET";
	res.www_authenticate = "Bearer";
	res.retry_after = 120;
	h = headers(&res, "r");
	HAS(h, "Allow: GET");
	HAS(h, "WWW-Authenticate: Bearer");
	HAS(h, "Retry-After: 120");
	/* No header for zero or negative. */
	res.allow = NULL;
	res.www_authenticate = NULL;
	res.retry_after = 0;
	LACKS(headers(&res, "r"), "Retry-After");
	res.retry_after = -1;
	LACKS(headers(&res, "r"), "Retry-After");
}
END_TEST

START_TEST(test_headers_replayed)
{
	struct response res;

	memset(&res, 0, sizeof(res));
	res.status = SD_CREATED;
	LACKS(headers(&res, "r"), "Idempotency-Replayed");
	res.replayed = 1;
	HAS(headers(&res, "r"), "Idempotency-Replayed: true");
}
END_TEST

START_TEST(test_headers_content_length)
{
	struct response res;
	char *body = malloc(70001);

	memset(body, 'x', 70000);
	body[70000] = '\0';
	memset(&res, 0, sizeof(res));
	res.status = SD_OK;
	res.body = body;
	res.body_len = 70000;
	HAS(headers(&res, "r"), "Content-Length: 70000");
	free(body);
}
END_TEST

START_TEST(test_headers_long_extras)
{
	/* Extras longer than response_headers' own buffer: the block must
	 * stay well formed and keep the challenge a 401 requires. */
	struct response res;
	char *allow = malloc(1001);
	const char *h;

	memset(allow, 'A', 1000);
	allow[1000] = '\0';
	memset(&res, 0, sizeof(res));
	res.status = SD_UNAUTHORIZED;
	res.allow = allow;
	res.retry_after = 3;
	h = headers(&res, "r");
	ck_assert_ptr_nonnull(strstr(h, "\r\nWWW-Authenticate: "));
	free(allow);
}
END_TEST

Suite *
response_suite(void)
{
	Suite *s = suite_create("response");
	TCase *tc;

	tc = tcase_create("error_body");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_error_body_plain);
	tcase_add_test(tc, test_error_body_details);
	tcase_add_test(tc, test_error_body_escapes);
	tcase_add_test(tc, test_error_body_unicode_and_empty);
	tcase_add_test(tc, test_error_body_bad_utf8_detail);
	tcase_add_test(tc, test_error_body_longest);
	suite_add_tcase(s, tc);

	tc = tcase_create("headers");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_headers_ok);
	tcase_add_test(tc, test_respond_text_null);
	tcase_add_test(tc, test_headers_statuses);
	tcase_add_test(tc, test_headers_405_allow);
	tcase_add_test(tc, test_headers_401_challenge);
	tcase_add_test(tc, test_headers_403_scope);
	tcase_add_test(tc, test_headers_503_retry_after);
	tcase_add_test(tc, test_headers_replayed);
	tcase_add_test(tc, test_headers_content_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("response_regressions");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_headers_long_extras);
	suite_add_tcase(s, tc);
	return s;
}
