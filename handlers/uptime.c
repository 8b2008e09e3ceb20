#include "uptime.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "components.h"
#include "crypto.h"
#include "db/components.h"
#include "pages.h"
#include "paging.h"
#include "timeparse.h"
#include "validate.h"

#define DAY 86400LL
#define DEFAULT_RANGE (90 * DAY)
#define LONGEST_RANGE (10 * 366 * DAY)
#define EARLIEST 946684800LL /* 2000-01-01: no status page is older */
#define LATEST 4102444800LL /* 2100-01-01 */

static enum sd_status
parse_bound(const struct request *req, const char *name, int is_end,
    long long *t, int *given, struct sd_error *err)
{
	const char *v = request_query(req, name);
	int date_only;

	*given = v != NULL && *v != '\0';
	if (!*given)
		return SD_OK;
	if (request_query_count(req, name) > 1 ||
	    rfc3339_parse(v, t, &date_only) != 0)
		return sd_fail(err, SD_BAD_REQUEST, "invalid query parameter",
		    "%s: must be an RFC 3339 date or date-time", name);
	if (*t < EARLIEST || *t >= LATEST)
		return sd_fail(err, SD_BAD_REQUEST, "invalid query parameter",
		    "%s: must be between 2000 and 2100", name);
	if (date_only && is_end)
		*t += DAY; /* the whole of that day */
	return SD_OK;
}

enum sd_status
uptime_range(const struct request *req, const char *from_name,
    const char *to_name, long long now, struct time_range *r,
    struct sd_error *err)
{
	int has_from, has_to;
	enum sd_status st;

	st = parse_bound(req, from_name, 0, &r->from, &has_from, err);
	if (st == SD_OK)
		st = parse_bound(req, to_name, 1, &r->to, &has_to, err);
	if (st != SD_OK)
		return st;
	if (!has_to)
		r->to = has_from && r->from > now ? r->from + DAY : now;
	if (!has_from)
		r->from = r->to - DEFAULT_RANGE;
	if (r->from >= r->to)
		return sd_fail(err, SD_BAD_REQUEST, "invalid query parameter",
		    "%s must be before %s", from_name, to_name);
	if (r->to - r->from > LONGEST_RANGE)
		return sd_fail(err, SD_BAD_REQUEST, "invalid query parameter",
		    "the range must not exceed ten years");
	rfc3339_format(r->from, r->from_text, sizeof(r->from_text));
	rfc3339_format(r->to, r->to_text, sizeof(r->to_text));
	return SD_OK;
}

static enum sd_status
id_or_404(struct request *req, struct response *res, const char *what)
{
	if (crypto_uuid_valid(req->params[0]))
		return SD_OK;
	return sd_fail(&res->err, SD_NOT_FOUND, what, NULL);
}

/* The uptime of the component named by the path over the range given by
 * the query parameters from_name and to_name. */
static enum sd_status
one_component(struct request *req, struct response *res, const char *from_name,
    const char *to_name, struct time_range *r, const char **json,
    const char **pct)
{
	enum sd_status st;

	st = id_or_404(req, res, "component not found");
	if (st == SD_OK)
		st = uptime_range(
		    req, from_name, to_name, time(NULL), r, &res->err);
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
	st = one_component(req, res, "startDate", "endDate", &r, &json, &pct);
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
	st = one_component(req, res, "from", "to", &r, &json, &pct);
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
	st = id_or_404(req, res, "page not found");
	if (st == SD_OK)
		st = uptime_range(req, "from", "to", time(NULL), &r, &res->err);
	if (st == SD_OK)
		st = db_page_uptime(req->arena, req->cloud_id, req->params[0],
		    r.from_text, r.to_text, &pct, &res->err);
	return st != SD_OK ? st
	                   : percentage_answer(req, res, "pageId", pct, &r);
}

static const char *const statuses[] = { "OPERATIONAL", "DEGRADED_PERFORMANCE",
	"PARTIAL_OUTAGE", "MAJOR_OUTAGE", "UNDER_MAINTENANCE", NULL };

/* statusFilter, repeated and/or comma-separated, as q's status list
 * (none when absent or empty). */
static enum sd_status
status_filter(struct request *req, struct uptime_query *q, struct response *res)
{
	const char **list;
	char *tok, *save, *copy;
	size_t i, max = 0;

	for (i = 0; i < req->nquery; i++)
		max += strlen(req->query[i].value) / 2 + 1;
	list = arena_alloc(req->arena, sizeof(char *) * (max + 1));
	if (list == NULL)
		return sd_fail(&res->err, SD_INTERNAL, "out of memory", NULL);
	q->statuses = list;
	q->nstatuses = 0;
	for (i = 0; i < req->nquery; i++) {
		if (strcmp(req->query[i].name, "statusFilter") != 0)
			continue;
		copy = arena_strdup(req->arena, req->query[i].value);
		if (copy == NULL)
			return sd_fail(
			    &res->err, SD_INTERNAL, "out of memory", NULL);
		for (tok = strtok_r(copy, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save)) {
			if (validate_enum_index(statuses, tok) < 0)
				return sd_fail(&res->err, SD_BAD_REQUEST,
				    "invalid query parameter",
				    "statusFilter: unknown status");
			list[q->nstatuses++] = tok;
		}
	}
	return SD_OK;
}

static enum sd_status
uptime_query(struct request *req, struct response *res, struct time_range *r,
    struct uptime_query *q)
{
	enum sd_status st;

	memset(q, 0, sizeof(*q));
	st = id_or_404(req, res, "page not found");
	if (st == SD_OK)
		st = uptime_range(
		    req, "startDate", "endDate", time(NULL), r, &res->err);
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
	struct component_page cp;
	const char *list;
	enum sd_status st;

	(void)who;
	st = uptime_query(req, res, &r, &q);
	if (st == SD_OK)
		st = page_exists(req, res, req->params[0]);
	if (st == SD_OK)
		st = db_components_uptime(req->arena, &q, &cp, &res->err);
	if (st != SD_OK)
		return st;
	list = paging_join_texts(req->arena, cp.items, cp.count);
	if (list == NULL)
		return sd_fail(&res->err, SD_INTERNAL, "out of memory", NULL);
	/* A NULL from arena_printf is a 500 there, never strlen(NULL). */
	return handler_respond_text(res, SD_OK,
	    arena_printf(req->arena, "{\"pageComponentsUptime\":%s}", list));
}

enum sd_status
page_components_uptime_v2(
    struct request *req, const struct principal *who, struct response *res)
{
	struct time_range r;
	struct uptime_query q;
	struct component_page cp;
	struct paging pg;
	const char *scope;
	enum sd_status st;

	(void)who;
	st = uptime_query(req, res, &r, &q);
	if (st == SD_OK)
		st = paging_parse(req, 1, &pg, &res->err);
	if (st == SD_OK)
		st = status_filter(req, &q, res);
	if (st != SD_OK)
		return st;
	q.search = request_query(req, "searchTerm");
	if (q.search != NULL && strlen(q.search) > 255)
		return sd_fail(&res->err, SD_BAD_REQUEST,
		    "invalid query parameter",
		    "searchTerm: at most 255 characters");
	if (q.search != NULL && *q.search == '\0')
		q.search = NULL;
	scope = arena_printf(req->arena, "components-uptime:%s:%s",
	    req->cloud_id, req->params[0]);
	st = component_cursor(req, res, scope, &pg, &q.after_pos, &q.after_id);
	q.backward = pg.backward;
	q.limit = pg.limit;
	if (st == SD_OK)
		st = page_exists(req, res, req->params[0]);
	if (st == SD_OK)
		st = db_components_uptime(req->arena, &q, &cp, &res->err);
	if (st != SD_OK)
		return st;
	return paging_respond(req, res, "components", 1, &pg, scope, cp.items,
	    cp.positions, cp.ids, cp.count, cp.total);
}
