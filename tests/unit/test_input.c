/*
 * handlers/input.c: the routes' declared input, checked as the dispatcher
 * checks it (router_match, then input_check) on requests built from a
 * target; handlers never see what this refuses.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi/parse.h"
#include "fcgi/router.h"
#include "handlers/input.h"
#include "handlers/settings.h"
#include "suites.h"

#define PREFIX "/jsm/ops/api/cloud-1"
#define PAGE "123e4567-e89b-42d3-a456-426614174000"

static struct arena *arena;
static struct request req;
static struct sd_error err;
static struct handler_settings settings;

static void
setup(void)
{
	arena = arena_new(4096);
	ck_assert_ptr_nonnull(arena);
	ck_assert_int_eq(
	    cursor_key_init(&settings.cursor_key, "unit-test-secret", NULL), 0);
	handlers_configure(&settings);
}

static void
teardown(void)
{
	arena_free(arena);
}

/* Routes GET uri (after the API prefix) and checks it as dispatch does. */
static enum sd_status
check(const char *uri)
{
	const struct route *route;
	char target[512], allow[64];

	memset(&req, 0, sizeof(req));
	sd_error_clear(&err);
	req.arena = arena;
	req.method = HTTP_GET;
	snprintf(target, sizeof(target), "%s%s", PREFIX, uri);
	ck_assert_int_eq(parse_target(&req, target, &err), SD_OK);
	ck_assert_int_eq(router_match(statusd_routes, statusd_nroutes, &req,
	                     &route, allow, sizeof(allow)),
	    ROUTE_MATCHED);
	return input_check(&route->input, &req, &err);
}

#define BAD(uri, want)                                                         \
	do {                                                                   \
		ck_assert_int_eq(check(uri), SD_BAD_REQUEST);                  \
		ck_assert_str_eq(err.detail, want);                            \
	} while (0)

START_TEST(test_repeated_once)
{
	/* One definition of "given more than once" serves every route. */
	BAD("/pages/summary?filter=ALL&filter=DRAFT",
	    "filter: given more than once");
	BAD("/incidents/templates/list?pageId=" PAGE "&pageId=" PAGE,
	    "pageId: given more than once");
	BAD("/incidents/list?limit=3&limit=4", "limit: given more than once");
	BAD("/incidents/get?incidentCode=a&incidentCode=b",
	    "incidentCode: given more than once");
	BAD("/pages/" PAGE "/uptime_percentage?from=2026-01-01&from=2026-01-02",
	    "from: given more than once");
	/* searchTerm keeps its old rule: the first one wins. */
	ck_assert_int_eq(check("/pages/" PAGE "/components/uptime/v2"
	                       "?searchTerm=a&searchTerm=b"),
	    SD_OK);
	ck_assert_str_eq(req.input->query[QK_SEARCH_TERM].text, "a");
}
END_TEST

START_TEST(test_typed_values)
{
	const struct input *in;

	ck_assert_int_eq(
	    check("/incidents/list/v2?pageId=" PAGE "&showActive=true&last=7"),
	    SD_OK);
	in = req.input;
	ck_assert_str_eq(in->query[QK_PAGE_ID].text, PAGE);
	ck_assert_int_eq(in->query[QK_SHOW_ACTIVE].number, 1);
	ck_assert_int_eq(in->paging.limit, 7);
	ck_assert_int_eq(in->paging.backward, 1);
	ck_assert_str_eq(in->cursor_scope, "incidents-v2:cloud-1:" PAGE ":1");
	ck_assert_int_eq(check("/pages/summary/v2?filter="), SD_OK);
	ck_assert_str_eq(req.input->query[QK_FILTER].text, "ALL");
	ck_assert_int_eq(req.input->paging.limit, PAGE_SIZE_DEFAULT);
	ck_assert_str_eq(req.input->cursor_scope, "pages-summary:cloud-1:ALL");
	ck_assert_int_eq(check("/pages/" PAGE "/components/uptime/v2"
	                       "?statusFilter=MAJOR_OUTAGE,,PARTIAL_OUTAGE"
	                       "&statusFilter=DEGRADED_PERFORMANCE"),
	    SD_OK);
	ck_assert_uint_eq(req.input->query[QK_STATUS_FILTER].nlist, 3);
	ck_assert_str_eq(
	    req.input->query[QK_STATUS_FILTER].list[2], "DEGRADED_PERFORMANCE");
	ck_assert_str_eq(
	    req.input->cursor_scope, "components-uptime:cloud-1:" PAGE);
	ck_assert_int_eq(check("/components/" PAGE "/uptime?startDate="
	                       "2026-01-02&endDate=2026-01-03T10:00:00Z"),
	    SD_OK);
	ck_assert_int_eq(req.input->query[QK_START_DATE].date_only, 1);
	ck_assert_int_eq(req.input->query[QK_END_DATE].number, 1767434400LL);
}
END_TEST

START_TEST(test_refused_values)
{
	BAD("/incidents/templates/list?pageId=x", "pageId: must be a UUID");
	BAD("/incidents/list/v2?showActive=yes",
	    "showActive: must be true or false");
	BAD("/pages/summary?filter=LIVE",
	    "filter: must be one of ALL, DRAFT, PUBLISHED");
	BAD("/incidents/list?limit=101",
	    "limit: must be an integer from 1 to 100");
	BAD("/incidents/list/v2?first=",
	    "first: must be an integer from 1 to 100");
	BAD("/pages/summary/v2?last=3",
	    "this list pages forwards only: use first and after");
	BAD("/incidents/list/v2?first=3&before=x",
	    "use first/after or last/before, not both");
	BAD("/pages/" PAGE "/components/uptime?endDate=1999-12-31",
	    "endDate: must be between 2000 and 2100");
	BAD("/pages/" PAGE "/components/uptime?startDate=soon",
	    "startDate: must be an RFC 3339 date or date-time");
	BAD("/pages/" PAGE "/components/uptime/v2?statusFilter=OPERATIONAL,UP",
	    "statusFilter: unknown status");
	BAD("/pages/summary/v2?after=abc", "after: not a cursor of this list");
	ck_assert_str_eq(err.message, "invalid cursor");
	BAD("/incidents/list?cursor=abc", "cursor: not a cursor of this list");
}
END_TEST

/* A cursor is bound to its list, cloud, page and filter. */
START_TEST(test_cursor_scope)
{
	const char *cur = cursor_encode(arena, &settings.cursor_key,
	    "pages-summary:cloud-1:DRAFT", "Acme", PAGE);
	char uri[512];

	ck_assert_ptr_nonnull(cur);
	snprintf(
	    uri, sizeof(uri), "/pages/summary/v2?filter=DRAFT&after=%s", cur);
	ck_assert_int_eq(check(uri), SD_OK);
	ck_assert_str_eq(req.input->cursor_key, "Acme");
	ck_assert_str_eq(req.input->cursor_id, PAGE);
	snprintf(
	    uri, sizeof(uri), "/pages/summary/v2?filter=ALL&after=%s", cur);
	BAD(uri, "after: not a cursor of this list");
	/* Components' keys are positions: a name is not one. */
	cur = cursor_encode(arena, &settings.cursor_key,
	    "components-draft:cloud-1:" PAGE, "Acme", PAGE);
	snprintf(uri, sizeof(uri), "/pages/%s/components/draft/v2?after=%s",
	    PAGE, cur);
	BAD(uri, "after: not a cursor of this list");
}
END_TEST

/* The subscriber lists and stats: item types in either spelling and any
 * case, read as the subscriber type; limit/cursor or last/before; cursors
 * bound to the list, cloud, item type and item as they always were. */
START_TEST(test_subscriber_keys)
{
	const char *cur = cursor_encode(arena, &settings.cursor_key,
	    "subscribers-item:cloud-1:INCIDENT_SUBSCRIBER:" PAGE, "k", PAGE);
	char uri[512];

	ck_assert_int_eq(
	    check("/subscribers/list?itemType=incident&itemId=" PAGE), SD_OK);
	ck_assert_str_eq(
	    req.input->query[QK_ITEM_TYPE].text, "INCIDENT_SUBSCRIBER");
	ck_assert_int_eq(req.input->paging.backward, 0);
	ck_assert_int_eq(check("/subscribers/stats?type=Component_Subscriber"
	                       "&itemId=" PAGE),
	    SD_OK);
	ck_assert_str_eq(
	    req.input->query[QK_TYPE].text, "COMPONENT_SUBSCRIBER");
	BAD("/subscribers/list?itemId=" PAGE, "itemType: is required");
	BAD("/subscribers/list?itemType=&itemId=" PAGE,
	    "itemType: is required");
	BAD("/subscribers/list?itemType=TEAM&itemId=" PAGE,
	    "itemType: must be PAGE, INCIDENT or COMPONENT");
	BAD("/subscribers/list?itemType=PAGE", "itemId: is required");
	BAD("/subscribers/stats?itemId=" PAGE, "type: is required");
	BAD("/subscribers/stats?type=PAGES&itemId=" PAGE,
	    "type: must be PAGE, INCIDENT or COMPONENT");
	BAD("/subscribers/captcha/challenge", "pageId: is required");
	BAD("/subscribers/list/connection?limit=2&last=2",
	    "use limit/cursor or last/before, not both");
	BAD("/subscribers/list/connection?cursor=x&before=y",
	    "use limit/cursor or last/before, not both");
	BAD("/subscribers/list/connection?last=101",
	    "last: must be an integer from 1 to 100");
	ck_assert_int_eq(check("/subscribers/list/connection?last=3"), SD_OK);
	ck_assert_int_eq(req.input->paging.backward, 1);
	ck_assert_int_eq(req.input->paging.limit, 3);
	ck_assert_str_eq(req.input->cursor_scope, "subscribers:cloud-1:*");
	snprintf(uri, sizeof(uri),
	    "/subscribers/list?itemType=INCIDENT&itemId=%s&before=%s", PAGE,
	    cur);
	ck_assert_int_eq(check(uri), SD_OK);
	ck_assert_str_eq(req.input->cursor_key, "k");
	snprintf(uri, sizeof(uri),
	    "/subscribers/list?itemType=PAGE&itemId=%s&cursor=%s", PAGE, cur);
	BAD(uri, "cursor: not a cursor of this list");
}
END_TEST

/* Ids in the path that are not UUIDs are 404 before anything else. */
START_TEST(test_path_ids)
{
	ck_assert_int_eq(
	    check("/pages/x/components/uptime?startDate=soon"), SD_NOT_FOUND);
	ck_assert_str_eq(err.message, "page not found");
	ck_assert_int_eq(check("/components/x/uptime"), SD_NOT_FOUND);
	ck_assert_str_eq(err.message, "component not found");
	ck_assert_int_eq(check("/incidents/templates/x"), SD_NOT_FOUND);
	ck_assert_str_eq(err.message, "incident template not found");
	/* Names are not ids. */
	ck_assert_int_eq(check("/pages/by_name/x"), SD_OK);
}
END_TEST

/* The table itself: every id in a path has its 404, every list a name. */
START_TEST(test_routes_declared)
{
	const struct route *r;
	size_t i;

	for (i = 0; i < statusd_nroutes; i++) {
		r = &statusd_routes[i];
		if (strstr(r->pattern, "Id}") != NULL)
			ck_assert_msg(
			    r->input.unknown_id != NULL, "%s", r->pattern);
		if (r->input.list.paging != PAGING_NONE)
			ck_assert_msg(
			    r->input.list.name != NULL, "%s", r->pattern);
		if (r->method == HTTP_POST || r->method == HTTP_PUT)
			ck_assert_msg(r->flags & ROUTE_BODY, "%s", r->pattern);
	}
}
END_TEST

Suite *
input_suite(void)
{
	Suite *s = suite_create("input");
	TCase *tc = tcase_create("declared");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_repeated_once);
	tcase_add_test(tc, test_typed_values);
	tcase_add_test(tc, test_refused_values);
	tcase_add_test(tc, test_cursor_scope);
	tcase_add_test(tc, test_subscriber_keys);
	tcase_add_test(tc, test_path_ids);
	tcase_add_test(tc, test_routes_declared);
	suite_add_tcase(s, tc);
	return s;
}
