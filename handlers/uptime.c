#include "uptime.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "components.h"
#include "crypto.h"
#include "db/components.h"
#include "pages.h"
#include "input.h"
#include "paging.h"
#include "timeparse.h"
#include "validate.h"

#define DAY 86400LL
#define DEFAULT_RANGE (90 * DAY)
#define LONGEST_RANGE (10 * 366 * DAY)
/* A date as the end of a range means the whole of that day. */
static long long
bound(const struct input_value *v, int is_end)
{
	return v->number + (v->date_only && is_end ? DAY : 0);
}

enum sd_status
uptime_range(const struct input *in, enum query_key from_key,
    enum query_key to_key, long long now, struct time_range *r,
    struct sd_error *err)
{
	const struct input_value *from = &in->query[from_key];
	const struct input_value *to = &in->query[to_key];

	r->from = bound(from, 0);
	r->to = bound(to, 1);
	if (to->text == NULL)
		r->to =
		    from->text != NULL && r->from > now ? r->from + DAY : now;
	if (from->text == NULL)
		r->from = r->to - DEFAULT_RANGE;
	if (r->from >= r->to)
		return sd_fail(err, SD_BAD_REQUEST, "invalid query parameter",
		    "%s must be before %s", query_keys[from_key].name,
		    query_keys[to_key].name);
	if (r->to - r->from > LONGEST_RANGE)
		return sd_fail(err, SD_BAD_REQUEST, "invalid query parameter",
		    "the range must not exceed ten years");
	rfc3339_format(r->from, r->from_text, sizeof(r->from_text));
	rfc3339_format(r->to, r->to_text, sizeof(r->to_text));
	return SD_OK;
}

/* The uptime of the component named by the path over the range given by
 * the query parameters from and to. */
static enum sd_status
one_component(struct request *req, struct response *res, enum query_key from,
    enum query_key to, struct time_range *r, const char **json,
    const char **pct)
{
	enum sd_status st;

	st = uptime_range(req->input, from, to, time(NULL), r, &res->err);
	if (st == SD_OK)
		st = db_component_uptime(req->arena, req->cloud_id,
		    req->params[0], r->from_text, r->to_text, json, pct,
		    &res->err);
	return st;
}

enum sd_status
component_uptime(
    struct request *req, const struct principal *who, struct response *res)
{
	struct time_range r;
	const char *json, *pct;
	enum sd_status st;

	(void)who;
	st = one_component(
	    req, res, QK_START_DATE, QK_END_DATE, &r, &json, &pct);
	return st != SD_OK ? st : handler_respond_text(res, SD_OK, json);
}

/* {"<idkey>": id, "uptimePercentage": n, "from": ..., "to": ...}; the
 * percentage is PostgreSQL's numeric text, a JSON number as it is. */
static enum sd_status
percentage_answer(struct request *req, struct response *res, const char *idkey,
    const char *pct, const struct time_range *r)
{
	const char *json = arena_printf(req->arena,
	    "{\"%s\":\"%s\",\"uptimePercentage\":%s,\"from\":\"%s\","
	    "\"to\":\"%s\"}",
	    idkey, req->params[0], pct, r->from_text, r->to_text);

	return json ? handler_respond_text(res, SD_OK, json)
	            : sd_fail(&res->err, SD_INTERNAL, "out of memory", NULL);
}

enum sd_status
component_uptime_percentage(
    struct request *req, const struct principal *who, struct response *res)
{
	struct time_range r;
	const char *json, *pct;
	enum sd_status st;

	(void)who;
	st = one_component(req, res, QK_FROM, QK_TO, &r, &json, &pct);
	return st != SD_OK
	    ? st
	    : percentage_answer(req, res, "componentId", pct, &r);
}

enum sd_status
page_uptime_percentage(
    struct request *req, const struct principal *who, struct response *res)
{
	struct time_range r;
	const char *pct;
	enum sd_status st;

	(void)who;
	st =
	    uptime_range(req->input, QK_FROM, QK_TO, time(NULL), &r, &res->err);
	if (st == SD_OK)
		st = db_page_uptime(req->arena, req->cloud_id, req->params[0],
		    r.from_text, r.to_text, &pct, &res->err);
	return st != SD_OK ? st
	                   : percentage_answer(req, res, "pageId", pct, &r);
}

static enum sd_status
uptime_query(struct request *req, struct response *res, struct time_range *r,
    struct uptime_query *q)
{
	enum sd_status st;

	memset(q, 0, sizeof(*q));
	st = uptime_range(
	    req->input, QK_START_DATE, QK_END_DATE, time(NULL), r, &res->err);
	if (st != SD_OK)
		return st;
	q->cloud_id = req->cloud_id;
	q->page_id = req->params[0];
	q->from = r->from_text;
	q->to = r->to_text;
	return SD_OK;
}

enum sd_status
page_components_uptime(
    struct request *req, const struct principal *who, struct response *res)
{
	struct time_range r;
	struct uptime_query q;
	const char *json;
	enum sd_status st;

	(void)who;
	st = uptime_query(req, res, &r, &q);
	if (st != SD_OK)
		return st;
	/* The statement finds the page itself (no row: not found). */
	if (!crypto_uuid_valid(req->params[0]))
		return page_not_found(res);
	st = db_components_uptime_document(req->arena, &q, &json, &res->err);
	return st != SD_OK ? st : handler_respond_text(res, SD_OK, json);
}

enum sd_status
page_components_uptime_v2(
    struct request *req, const struct principal *who, struct response *res)
{
	const struct input *in = req->input;
	struct time_range r;
	struct uptime_query q;
	struct component_page cp;
	enum sd_status st;

	(void)who;
	st = uptime_query(req, res, &r, &q);
	if (st != SD_OK)
		return st;
	q.statuses = in->query[QK_STATUS_FILTER].list;
	q.nstatuses = in->query[QK_STATUS_FILTER].nlist;
	q.search = in->query[QK_SEARCH_TERM].text;
	q.after_pos = in->cursor_key;
	q.after_id = in->cursor_id;
	q.backward = in->paging.backward;
	q.limit = in->paging.limit;
	st = page_exists(req, res, req->params[0]);
	if (st == SD_OK)
		st = db_components_uptime(req->arena, &q, &cp, &res->err);
	if (st != SD_OK)
		return st;
	return paging_respond(req, res, "components", 1, &in->paging,
	    in->cursor_scope, cp.items, cp.positions, cp.ids, cp.count,
	    cp.total);
}
