/*
 * fcgi/router.c against the real table (fcgi/routes.c) and against small
 * local tables: prefixes, cloud ids, literal-beats-parameter, 405 + Allow.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi/parse.h"
#include "fcgi/router.h"
#include "handlers/page_directory.h"
#include "handlers/page_lifecycle.h"
#include "handlers/pages.h"
#include "suites.h"

#define UUID "123e4567-e89b-12d3-a456-426614174000"
#define JSM "/jsm/ops/api/cloud-1"
#define SHC "/stakeholder-comms/cloudId/cloud-1/api"

static struct arena *arena;
static struct request req;
static const struct route *found;
static char allow[64];

static void
setup(void)
{
	arena = arena_new(4096);
	ck_assert_ptr_nonnull(arena);
}

static void
teardown(void)
{
	arena_free(arena);
}

/* Parses uri into a fresh request and routes it through table. */
static enum route_result
route_in(
    const struct route *table, size_t n, enum http_method m, const char *uri)
{
	struct sd_error err;

	memset(&req, 0, sizeof(req));
	req.arena = arena;
	req.method = m;
	ck_assert_msg(parse_target(&req, uri, &err) == SD_OK, "parse %s: %s",
	    uri, err.message);
	memset(allow, 'Z', sizeof(allow));
	return router_match(table, n, &req, &found, allow, sizeof(allow));
}

static enum route_result
route(enum http_method m, const char *uri)
{
	return route_in(statusd_routes, statusd_nroutes, m, uri);
}

/* --- the real table ------------------------------------------------------- */

START_TEST(test_real_get_page)
{
	ck_assert_int_eq(route(HTTP_GET, JSM "/pages/" UUID), ROUTE_MATCHED);
	ck_assert_ptr_nonnull(found);
	ck_assert_ptr_eq(found->handler, page_get);
	ck_assert_int_eq(found->scope, SCOPE_READ_PAGE);
	ck_assert_str_eq(req.cloud_id, "cloud-1");
	ck_assert_str_eq(req.params[0], UUID);
	ck_assert_str_eq(req.route_pattern, "/pages/{pageId}");
}
END_TEST

START_TEST(test_real_both_prefixes)
{
	static const char *const prefixes[] = { JSM, SHC };
	const char *uri;
	int i;

	for (i = 0; i < 2; i++) {
		uri = arena_printf(arena, "%s/pages", prefixes[i]);
		ck_assert_int_eq(route(HTTP_POST, uri), ROUTE_MATCHED);
		ck_assert_ptr_eq(found->handler, page_create);
		ck_assert_int_eq(found->scope, SCOPE_WRITE_PAGE);
		ck_assert(found->flags & ROUTE_BODY);
		ck_assert_str_eq(req.cloud_id, "cloud-1");

		uri = arena_printf(arena, "%s/pages/%s", prefixes[i], UUID);
		ck_assert_int_eq(route(HTTP_PUT, uri), ROUTE_MATCHED);
		ck_assert_ptr_eq(found->handler, page_update);
		ck_assert_int_eq(found->scope, SCOPE_WRITE_PAGE);
		ck_assert_str_eq(req.params[0], UUID);

		uri = arena_printf(
		    arena, "%s/pages/by_name/My%%20Page", prefixes[i]);
		ck_assert_int_eq(route(HTTP_GET, uri), ROUTE_MATCHED);
		ck_assert_ptr_eq(found->handler, page_get_by_name);
		ck_assert_str_eq(req.params[0], "My Page");
	}
	/* The second prefix takes the cloud id from its third segment. */
	ck_assert_int_eq(route(HTTP_GET,
	                     "/stakeholder-comms/cloudId/"
	                     "0a1b2c3d-0000-4000-8000-000000000001"
	                     "/api/pages/" UUID),
	    ROUTE_MATCHED);
	ck_assert_str_eq(req.cloud_id, "0a1b2c3d-0000-4000-8000-000000000001");
}
END_TEST

START_TEST(test_real_literal_beats_parameter)
{
	/* "by_name" with a name is the by-name route, never a page id. */
	ck_assert_int_eq(
	    route(HTTP_GET, JSM "/pages/by_name/x"), ROUTE_MATCHED);
	ck_assert_ptr_eq(found->handler, page_get_by_name);
	/* Another method on it is 405 with GET only, not a fall back to a
	 * parameter route. */
	ck_assert_int_eq(
	    route(HTTP_PUT, JSM "/pages/by_name/x"), ROUTE_NO_METHOD);
	ck_assert_str_eq(allow, "GET");
	ck_assert_ptr_null(found);
}
END_TEST

START_TEST(test_real_405_allow)
{
	ck_assert_int_eq(
	    route(HTTP_DELETE, JSM "/pages/" UUID), ROUTE_NO_METHOD);
	ck_assert_str_eq(allow, "GET, PUT");
	ck_assert_ptr_null(found);
	ck_assert_int_eq(route(HTTP_POST, JSM "/pages/" UUID), ROUTE_NO_METHOD);
	ck_assert_str_eq(allow, "GET, PUT");
	ck_assert_int_eq(route(HTTP_GET, JSM "/pages"), ROUTE_NO_METHOD);
	ck_assert_str_eq(allow, "POST");
	ck_assert_int_eq(route(HTTP_PATCH, SHC "/pages"), ROUTE_NO_METHOD);
	ck_assert_str_eq(allow, "POST");
	/* An unknown method is refused the same way. */
	ck_assert_int_eq(
	    route(HTTP_METHOD__MAX, JSM "/pages/" UUID), ROUTE_NO_METHOD);
	ck_assert_str_eq(allow, "GET, PUT");
}
END_TEST

START_TEST(test_real_unknown_paths)
{
	static const char *const paths[] = {
		"/",
		"/pages",
		"/jsm/ops/api",
		"/jsm/ops/api/cloud-1",
		"/jsm/ops/api/cloud-1/",
		JSM "/nothing",
		JSM "/pages/" UUID "/nothing",
		JSM "/pages/by_name/",
		JSM "/Pages",
		"/jsm/ops/API/cloud-1/pages",
		"/jsm/ops/cloud-1/pages",
		"/stakeholder-comms/cloudId/cloud-1/pages",
		"/stakeholder-comms/cloudid/cloud-1/api/pages",
		"/stakeholder-comms/cloudId/cloud-1/API/pages",
		"/api/cloud-1/pages",
		"/x/jsm/ops/api/cloud-1/pages",
		JSM "/jsm/ops/api/cloud-2/pages",
		NULL,
	};
	int i;

	for (i = 0; paths[i] != NULL; i++) {
		ck_assert_msg(route(HTTP_GET, paths[i]) == ROUTE_NO_PATH,
		    "%s routed", paths[i]);
		ck_assert_ptr_null(found);
		ck_assert_str_eq(allow, "");
	}
	/* Without a name, "by_name" is just a (non-UUID) page id for the
	 * handler to answer 404 to. */
	ck_assert_int_eq(route(HTTP_GET, JSM "/pages/by_name"), ROUTE_MATCHED);
	ck_assert_ptr_eq(found->handler, page_get);
	ck_assert_str_eq(req.params[0], "by_name");
}
END_TEST

START_TEST(test_real_trailing_slash)
{
	ck_assert_int_eq(route(HTTP_POST, JSM "/pages/"), ROUTE_NO_PATH);
	ck_assert_int_eq(
	    route(HTTP_GET, JSM "/pages/" UUID "/"), ROUTE_NO_PATH);
	ck_assert_int_eq(route(HTTP_GET, JSM "/pages//"), ROUTE_NO_PATH);
	/* An empty parameter is not a parameter. */
	ck_assert_int_eq(
	    route(HTTP_GET, JSM "/pages/by_name//"), ROUTE_NO_PATH);
	ck_assert_int_eq(route(HTTP_GET, JSM "//pages"), ROUTE_NO_PATH);
}
END_TEST

START_TEST(test_real_invalid_cloud_ids)
{
	static const char *const bad[] = {
		"/jsm/ops/api//pages",
		"/jsm/ops/api/a%20b/pages",
		"/jsm/ops/api/a%2Fb/pages",
		"/jsm/ops/api/caf%C3%A9/pages",
		"/jsm/ops/api/a%22b/pages",
		"/jsm/ops/api/a'b/pages",
		"/jsm/ops/api/a;b/pages",
		"/jsm/ops/api/a%0Ab/pages",
		"/jsm/ops/api/%7Bx%7D/pages",
		"/stakeholder-comms/cloudId//api/pages",
		"/stakeholder-comms/cloudId/a%25b/api/pages",
		NULL,
	};
	char *uri, *id;
	int i;

	for (i = 0; bad[i] != NULL; i++)
		ck_assert_msg(route(HTTP_POST, bad[i]) == ROUTE_NO_PATH,
		    "%s routed", bad[i]);
	/* 128 characters is the most a cloud id may have. */
	id = arena_alloc(arena, 130);
	memset(id, 'c', 129);
	id[128] = '\0';
	uri = arena_printf(arena, "/jsm/ops/api/%s/pages", id);
	ck_assert_int_eq(route(HTTP_POST, uri), ROUTE_MATCHED);
	ck_assert_uint_eq(strlen(req.cloud_id), 128);
	id[128] = 'c';
	id[129] = '\0';
	uri = arena_printf(arena, "/jsm/ops/api/%s/pages", id);
	ck_assert_int_eq(route(HTTP_POST, uri), ROUTE_NO_PATH);
	/* Letters of both cases, digits, '-', '_' and '.' are fine. */
	ck_assert_int_eq(
	    route(HTTP_POST, "/jsm/ops/api/Ab_9-x.y/pages"), ROUTE_MATCHED);
	ck_assert_str_eq(req.cloud_id, "Ab_9-x.y");
}
END_TEST

START_TEST(test_real_too_many_segments)
{
	char *uri;

	/* The most segments parse_target allows: still no route. */
	uri = arena_printf(arena, JSM "/pages/%s", "a/b/c/d/e/f/g/h/i/j/k");
	ck_assert_int_eq(route(HTTP_GET, uri), ROUTE_NO_PATH);
	ck_assert_uint_eq(req.nsegments, REQ_MAX_SEGMENTS);
}
END_TEST

START_TEST(test_real_table_sane)
{
	size_t i, j;

	ck_assert_uint_ge(statusd_nroutes, 4);
	for (i = 0; i < statusd_nroutes; i++) {
		const struct route *r = &statusd_routes[i];

		ck_assert_int_lt(r->method, HTTP_METHOD__MAX);
		ck_assert_int_lt(r->scope, SCOPE__MAX);
		ck_assert_ptr_nonnull(r->handler);
		ck_assert_int_eq(r->pattern[0], '/');
		ck_assert_msg(r->pattern[strlen(r->pattern) - 1] != '/',
		    "%s ends in /", r->pattern);
		/* Read routes take no body and need a read scope; the
		 * captcha challenge is the first step of a subscription, so
		 * it needs what the subscription does (issue 14). */
		if (r->method == HTTP_GET) {
			ck_assert(!(r->flags & ROUTE_BODY));
			ck_assert_msg(
			    strncmp(scope_name(r->scope), "read:", 5) == 0 ||
			        strcmp(r->pattern,
			            "/subscribers/captcha/challenge") == 0,
			    "GET %s needs %s", r->pattern,
			    scope_name(r->scope));
		}
		for (j = 0; j < i; j++)
			ck_assert_msg(statusd_routes[j].method != r->method ||
			        strcmp(statusd_routes[j].pattern, r->pattern) !=
			            0,
			    "duplicate route %s", r->pattern);
	}
}
END_TEST

START_TEST(test_real_page_routes)
{
	static const struct {
		enum http_method m;
		const char *path;
		handler_fn h;
		enum scope scope;
		const char *param;
	} cases[] = {
		{ HTTP_GET, "/pages/summary", pages_summary, SCOPE_READ_PAGE,
		    NULL },
		{ HTTP_GET, "/pages/summary/v2", pages_summary_v2,
		    SCOPE_READ_PAGE, NULL },
		{ HTTP_GET, "/pages/" UUID "/summary", page_summary_details,
		    SCOPE_READ_PAGE, UUID },
		{ HTTP_POST, "/pages/draft", page_draft_create,
		    SCOPE_WRITE_PAGE, NULL },
		{ HTTP_GET, "/pages/draft/" UUID, page_draft_get,
		    SCOPE_READ_PAGE, UUID },
		/* Same path, the parameter named differently in the table. */
		{ HTTP_PUT, "/pages/draft/" UUID, page_draft_update,
		    SCOPE_WRITE_PAGE, UUID },
		{ HTTP_GET, "/pages/draft/by_name/n", page_draft_get_by_name,
		    SCOPE_READ_PAGE, "n" },
		{ HTTP_POST, "/pages/draft/" UUID "/publish", page_publish,
		    SCOPE_WRITE_PAGE, UUID },
		{ HTTP_POST, "/pages/draft/" UUID "/delete", page_discard_draft,
		    SCOPE_DELETE_PAGE, UUID },
		{ HTTP_POST, "/pages/" UUID "/delete", page_soft_delete,
		    SCOPE_DELETE_PAGE, UUID },
		{ HTTP_POST, "/pages/" UUID "/soft_delete", page_soft_delete,
		    SCOPE_DELETE_PAGE, UUID },
		{ HTTP_POST, "/pages/" UUID "/permanent_delete",
		    page_permanent_delete, SCOPE_DELETE_PAGE, UUID },
		{ HTTP_POST, "/pages/" UUID "/delete_permanently",
		    page_permanent_delete, SCOPE_DELETE_PAGE, UUID },
		{ HTTP_POST, "/pages/" UUID "/recover", page_recover,
		    SCOPE_WRITE_PAGE, UUID },
		{ HTTP_POST, "/pages/" UUID "/recover_deleted",
		    page_recover_deleted, SCOPE_WRITE_PAGE, UUID },
		{ HTTP_POST, "/pages/" UUID "/unpublish", page_unpublish,
		    SCOPE_WRITE_PAGE, UUID },
		{ HTTP_GET, "/pages/validate/name/My%20Page",
		    page_validate_name, SCOPE_READ_PAGE, "My Page" },
		{ HTTP_GET, "/pages/subdomain/validate/acme",
		    page_validate_subdomain, SCOPE_READ_PAGE, "acme" },
		{ HTTP_GET, "/pages/subdomain/suggest/Acme%20Inc",
		    page_suggest_subdomain, SCOPE_READ_PAGE, "Acme Inc" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(route(cases[i].m,
		                  arena_printf(arena, "%s%s", SHC,
		                      cases[i].path)) == ROUTE_MATCHED,
		    "%s %s: not matched (Allow: %s)",
		    http_method_name(cases[i].m), cases[i].path, allow);
		ck_assert_msg(found->handler == cases[i].h,
		    "%s %s: wrong handler", http_method_name(cases[i].m),
		    cases[i].path);
		ck_assert_int_eq(found->scope, cases[i].scope);
		if (cases[i].param != NULL)
			ck_assert_str_eq(req.params[0], cases[i].param);
	}
	/* Literals are not page ids for other methods either. */
	ck_assert_int_eq(
	    route(HTTP_PUT, JSM "/pages/summary"), ROUTE_NO_METHOD);
	ck_assert_str_eq(allow, "GET");
	ck_assert_int_eq(route(HTTP_GET, JSM "/pages/draft"), ROUTE_NO_METHOD);
	ck_assert_str_eq(allow, "POST");
	ck_assert_int_eq(
	    route(HTTP_DELETE, JSM "/pages/draft/" UUID), ROUTE_NO_METHOD);
	ck_assert_str_eq(allow, "GET, PUT");
	ck_assert_int_eq(
	    route(HTTP_GET, JSM "/pages/" UUID "/delete"), ROUTE_NO_METHOD);
	ck_assert_str_eq(allow, "POST");
	ck_assert_int_eq(
	    route(HTTP_GET, JSM "/pages/" UUID "/unknown"), ROUTE_NO_PATH);
}
END_TEST

/* --- a local table -------------------------------------------------------- */

static enum sd_status
h_summary(struct request *r, const struct principal *w, struct response *s)
{
	(void)r, (void)w, (void)s;
	return SD_OK;
}
static enum sd_status
h_page(struct request *r, const struct principal *w, struct response *s)
{
	(void)r, (void)w, (void)s;
	return SD_OK;
}
static enum sd_status
h_put(struct request *r, const struct principal *w, struct response *s)
{
	(void)r, (void)w, (void)s;
	return SD_OK;
}
static enum sd_status
h_other(struct request *r, const struct principal *w, struct response *s)
{
	(void)r, (void)w, (void)s;
	return SD_OK;
}

#define R(m, p, h)                                                             \
	{                                                                      \
		.method = m, .pattern = p, .scope = SCOPE_READ_PAGE,           \
		.handler = h                                                   \
	}

static const struct route local[] = {
	R(HTTP_GET, "/pages/{pageId}", h_page),
	R(HTTP_PUT, "/pages/{pageId}", h_put),
	R(HTTP_DELETE, "/pages/{pageId}", h_other),
	R(HTTP_GET, "/pages/summary", h_summary),
	R(HTTP_GET, "/pages/summary/v2", h_other),
	R(HTTP_GET, "/pages/{pageId}/summary", h_other),
	R(HTTP_GET, "/pages/{pageId}/components/{componentId}", h_page),
	R(HTTP_POST, "/pages/{pageId}/components/{componentId}", h_put),
	R(HTTP_GET, "/a/{x}/c", h_page),
	R(HTTP_GET, "/{y}/b/c", h_other),
	R(HTTP_GET, "/p/{a}/{b}/{c}/{d}", h_page),
	R(HTTP_GET, "/q/{a}/{b}/{c}/{d}/{e}", h_other),
};
#define NLOCAL (sizeof(local) / sizeof(local[0]))

static enum route_result
lroute(enum http_method m, const char *path)
{
	return route_in(local, NLOCAL, m, arena_printf(arena, JSM "%s", path));
}

START_TEST(test_local_literal_beats_parameter)
{
	ck_assert_int_eq(lroute(HTTP_GET, "/pages/summary"), ROUTE_MATCHED);
	ck_assert_ptr_eq(found->handler, h_summary);
	ck_assert_str_eq(req.route_pattern, "/pages/summary");
	ck_assert_int_eq(lroute(HTTP_GET, "/pages/summary/v2"), ROUTE_MATCHED);
	ck_assert_str_eq(req.route_pattern, "/pages/summary/v2");
	/* /pages/{pageId}/summary with the id "x". */
	ck_assert_int_eq(lroute(HTTP_GET, "/pages/x/summary"), ROUTE_MATCHED);
	ck_assert_str_eq(req.route_pattern, "/pages/{pageId}/summary");
	ck_assert_str_eq(req.params[0], "x");
	/* An id that only looks like a literal elsewhere. */
	ck_assert_int_eq(lroute(HTTP_GET, "/pages/v2"), ROUTE_MATCHED);
	ck_assert_ptr_eq(found->handler, h_page);
	ck_assert_str_eq(req.params[0], "v2");
	/* "summary" is not a page id, whatever the method. */
	ck_assert_int_eq(
	    lroute(HTTP_DELETE, "/pages/summary"), ROUTE_NO_METHOD);
	ck_assert_str_eq(allow, "GET");
	/* The earlier literal wins: /a/{x}/c over /{y}/b/c. */
	ck_assert_int_eq(lroute(HTTP_GET, "/a/b/c"), ROUTE_MATCHED);
	ck_assert_str_eq(req.route_pattern, "/a/{x}/c");
	ck_assert_str_eq(req.params[0], "b");
	ck_assert_int_eq(lroute(HTTP_GET, "/z/b/c"), ROUTE_MATCHED);
	ck_assert_str_eq(req.route_pattern, "/{y}/b/c");
	ck_assert_str_eq(req.params[0], "z");
}
END_TEST

START_TEST(test_local_params_in_order)
{
	ck_assert_int_eq(
	    lroute(HTTP_POST, "/pages/P1/components/C2"), ROUTE_MATCHED);
	ck_assert_ptr_eq(found->handler, h_put);
	ck_assert_str_eq(req.params[0], "P1");
	ck_assert_str_eq(req.params[1], "C2");
	ck_assert_int_eq(lroute(HTTP_GET, "/p/1/2/3/4"), ROUTE_MATCHED);
	ck_assert_str_eq(req.params[0], "1");
	ck_assert_str_eq(req.params[3], "4");
	/* More parameters than REQ_MAX_PARAMS never match (and never
	 * write past req.params). */
	ck_assert_int_eq(lroute(HTTP_GET, "/q/1/2/3/4/5"), ROUTE_NO_PATH);
}
END_TEST

START_TEST(test_local_405_allow_list)
{
	ck_assert_int_eq(lroute(HTTP_POST, "/pages/abc"), ROUTE_NO_METHOD);
	/* Table order, each method once, comma and space. */
	ck_assert_str_eq(allow, "GET, PUT, DELETE");
	ck_assert_ptr_null(found);
	ck_assert_int_eq(
	    lroute(HTTP_PUT, "/pages/abc/components/d"), ROUTE_NO_METHOD);
	ck_assert_str_eq(allow, "GET, POST");
	ck_assert_int_eq(lroute(HTTP_DELETE, "/pages/abc"), ROUTE_MATCHED);
	ck_assert_ptr_eq(found->handler, h_other);
}
END_TEST

START_TEST(test_local_allow_small_buffer)
{
	/* A small Allow buffer truncates, NUL-terminated, never overruns
	 * (exact-size heap block for ASan). */
	struct sd_error err;
	char *small = malloc(8);

	memset(&req, 0, sizeof(req));
	req.arena = arena;
	req.method = HTTP_POST;
	ck_assert_int_eq(parse_target(&req, JSM "/pages/abc", &err), SD_OK);
	ck_assert_int_eq(router_match(local, NLOCAL, &req, &found, small, 8),
	    ROUTE_NO_METHOD);
	ck_assert_uint_lt(strlen(small), 8);
	ck_assert_int_eq(strncmp(small, "GET", 3), 0);
	free(small);
}
END_TEST

START_TEST(test_local_empty_table)
{
	ck_assert_int_eq(
	    route_in(local, 0, HTTP_GET, JSM "/pages/x"), ROUTE_NO_PATH);
	ck_assert_ptr_null(found);
}
END_TEST

/* Routes copied from endpoints.md name the same parameter differently:
 * #20 GET /pages/draft/{pageId}, #21 PUT /pages/draft/{draftPageId}. They
 * are one path; both methods must be served. */
static const struct route drafts[] = {
	R(HTTP_PUT, "/pages/draft/{draftPageId}", h_put),
	R(HTTP_GET, "/pages/draft/{pageId}", h_page),
	R(HTTP_POST, "/pages/draft", h_other),
};

START_TEST(test_param_names_differ)
{
	ck_assert_int_eq(route_in(drafts, 3, HTTP_PUT, JSM "/pages/draft/d1"),
	    ROUTE_MATCHED);
	ck_assert_ptr_eq(found->handler, h_put);
	ck_assert_msg(route_in(drafts, 3, HTTP_GET, JSM "/pages/draft/d1") ==
	        ROUTE_MATCHED,
	    "GET /pages/draft/{pageId} refused, Allow: %s", allow);
	ck_assert_ptr_eq(found->handler, h_page);
	ck_assert_str_eq(req.params[0], "d1");
	ck_assert_int_eq(
	    route_in(drafts, 3, HTTP_DELETE, JSM "/pages/draft/d1"),
	    ROUTE_NO_METHOD);
	ck_assert_str_eq(allow, "PUT, GET");
}
END_TEST

Suite *
router_suite(void)
{
	Suite *s = suite_create("router");
	TCase *tc;

	tc = tcase_create("real_table");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_real_get_page);
	tcase_add_test(tc, test_real_both_prefixes);
	tcase_add_test(tc, test_real_literal_beats_parameter);
	tcase_add_test(tc, test_real_405_allow);
	tcase_add_test(tc, test_real_unknown_paths);
	tcase_add_test(tc, test_real_trailing_slash);
	tcase_add_test(tc, test_real_invalid_cloud_ids);
	tcase_add_test(tc, test_real_too_many_segments);
	tcase_add_test(tc, test_real_table_sane);
	tcase_add_test(tc, test_real_page_routes);
	suite_add_tcase(s, tc);

	tc = tcase_create("local_table");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_local_literal_beats_parameter);
	tcase_add_test(tc, test_local_params_in_order);
	tcase_add_test(tc, test_local_405_allow_list);
	tcase_add_test(tc, test_local_allow_small_buffer);
	tcase_add_test(tc, test_local_empty_table);
	tcase_add_test(tc, test_param_names_differ);
	suite_add_tcase(s, tc);

	return s;
}
