/*
 * Incidents (DESIGN.md section 7). A create or an update is one statement,
 * so one transaction and one round trip (incident_create, incident_update
 * in db/sql/50_incidents.sql): the incident row (locked FOR UPDATE by an
 * update, so two updates of one incident append to its timeline one after
 * the other), the timeline entry, the component statuses it sets through
 * component_set_live_status (so the status history, hence uptime and
 * health, follow), one outbox row when notifications are asked for, and
 * the answer.
 * Reads render the JSON in PostgreSQL, one statement per request.
 */
#include "incidents.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common.h"
#include "crypto.h"
#include "db/db.h"
#include "db/incidents.h"
#include "db/pages.h"
#include "enums.h"
#include "page_lifecycle.h"
#include "input.h"
#include "paging.h"
#include "settings.h"

static const char *const impacts[] = { "NONE", "MINOR", "MAJOR", "CRITICAL",
	NULL };

static const char blank_message[] = "must not be blank";

static const struct field affected_fields[] = {
	{ .name = "componentId", .type = FT_UUID, .flags = F_REQUIRED },
	{ .name = "status",
	    .type = FT_ENUM,
	    .flags = F_REQUIRED,
	    .values = component_statuses },
	FIELDS_END,
};

/* A create requires the name; an update may leave it out. */
#define INCIDENT_NAME(name_flags)                                              \
	{                                                                      \
		.name = "name", .type = FT_STRING, .flags = name_flags,        \
		.max = 255, .check = validate_not_blank,                       \
		.message = blank_message                                       \
	}

/* reminderIntervals (our extension: the official schema shows it on the
 * incident, not in the requests): minutes after an update, then after each
 * reminder, at which an open incident needs an update; the last one
 * repeats. */
#define INCIDENT_REMINDERS_MAX 10
#define INCIDENT_REMINDER_MAX_MINUTES 10080

/* The fields both requests share, after their first ones. */
#define INCIDENT_COMMON_FIELDS                                                 \
	{ .name = "jiraIncidentId",                                            \
		.type = FT_STRING,                                             \
		.max = 255,                                                    \
		.check = validate_not_blank,                                   \
		.message = blank_message },                                    \
	    { .name = "message",                                               \
		    .type = FT_STRING,                                         \
		    .max = INCIDENT_MESSAGE_MAX },                             \
	    { .name = "status",                                                \
		    .type = FT_ENUM,                                           \
		    .flags = F_NOT_NULL,                                       \
		    .values = incident_statuses },                             \
	    { .name = "impact",                                                \
		    .type = FT_ENUM,                                           \
		    .flags = F_NOT_NULL,                                       \
		    .values = impacts },                                       \
	    { .name = "affectedComponents",                                    \
		    .type = FT_OBJECT_ARRAY,                                   \
		    .max = INCIDENT_COMPONENTS_MAX,                            \
		    .children = affected_fields },                             \
	    { .name = "reminderIntervals",                                     \
		    .type = FT_INT_ARRAY,                                      \
		    .max = INCIDENT_REMINDERS_MAX,                             \
		    .min_int = 1,                                              \
		    .max_int = INCIDENT_REMINDER_MAX_MINUTES },                \
	{                                                                      \
		.name = "shouldSendNotifications", .type = FT_BOOL             \
	}

const struct field incident_create_fields[] = {
	{ .name = "pageId", .type = FT_UUID, .flags = F_REQUIRED },
	INCIDENT_NAME(F_REQUIRED),
	INCIDENT_COMMON_FIELDS,
	FIELDS_END,
};

/* incidentId is our extension: the document finds the incident by
 * (pageId, jiraIncidentId) only. */
const struct field incident_update_fields[] = {
	{ .name = "pageId", .type = FT_UUID, .flags = F_REQUIRED },
	{ .name = "incidentId", .type = FT_UUID },
	INCIDENT_NAME(F_NOT_NULL),
	INCIDENT_COMMON_FIELDS,
	FIELDS_END,
};

const struct field incident_create_envelope[] = {
	{ .name = "incidentCreateRequest",
	    .type = FT_OBJECT,
	    .flags = F_REQUIRED,
	    .children = incident_create_fields },
	FIELDS_END,
};

const struct field incident_update_envelope[] = {
	{ .name = "incidentUpdateRequest",
	    .type = FT_OBJECT,
	    .flags = F_REQUIRED,
	    .children = incident_update_fields },
	FIELDS_END,
};

static enum sd_status
oom(struct response *res)
{
	return sd_fail(&res->err, SD_INTERNAL, "out of memory", NULL);
}

static const char *
str(const json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

/* What a create or update request asks for, read from its validated
 * object. */
struct incident_request {
	const json_t *obj;
	const char *path; /* "body.incidentCreateRequest" */
	const char **ids; /* affectedComponents, in order */
	const char **statuses;
	size_t ncomponents;
	int notify;
	const char *reminders; /* array literal; NULL: keep as it is */
};

/* reminderIntervals as a PostgreSQL array literal ("{15,60}"); null and
 * [] both mean no reminders. NULL when the request leaves them as they
 * are. */
static const char *
reminders_literal(struct arena *a, const json_t *obj)
{
	const json_t *list = json_object_get(obj, "reminderIntervals"), *v;
	const char *out = "{";
	size_t i;

	if (list == NULL)
		return NULL;
	json_array_foreach ((json_t *)list, i, v)
		out = arena_printf(a, "%s%s%lld", out, i ? "," : "",
		    (long long)json_integer_value(v));
	return out ? arena_printf(a, "%s}", out) : NULL;
}

/* Reads the body, validates it against envelope, and fills *ir. Named
 * components must be distinct. */
static enum sd_status
read_request(struct request *req, struct response *res, const char *envelope,
    struct incident_request *ir)
{
	const json_t *list, *item, *notify;
	size_t i, j, n;

	ir->obj = json_object_get(req->input->body, envelope);
	ir->path = arena_printf(req->arena, "body.%s", envelope);
	notify = json_object_get(ir->obj, "shouldSendNotifications");
	ir->notify = json_is_boolean(notify) ? json_is_true(notify) : 1;
	ir->reminders = reminders_literal(req->arena, ir->obj);
	if (json_object_get(ir->obj, "reminderIntervals") != NULL &&
	    ir->reminders == NULL)
		return oom(res);
	list = json_object_get(ir->obj, "affectedComponents");
	n = json_is_array(list) ? json_array_size(list) : 0;
	ir->ids = arena_alloc(req->arena, sizeof(char *) * (n + 1));
	ir->statuses = arena_alloc(req->arena, sizeof(char *) * (n + 1));
	if (ir->path == NULL || ir->ids == NULL || ir->statuses == NULL)
		return oom(res);
	for (i = 0; i < n; i++) {
		item = json_array_get(list, i);
		for (j = 0; j < i; j++)
			if (strcasecmp(
			        str(json_array_get(list, j), "componentId"),
			        str(item, "componentId")) == 0)
				return sd_fail(&res->err, SD_BAD_REQUEST,
				    "invalid request body",
				    "%s.affectedComponents[%zu].componentId: "
				    "names the same component as item %zu",
				    ir->path, i, j);
		ir->ids[i] = str(item, "componentId");
		ir->statuses[i] = str(item, "status");
	}
	ir->ncomponents = n;
	return SD_OK;
}

static enum sd_status
bad_component(struct response *res, const struct incident_request *ir, int i)
{
	return sd_fail(&res->err, SD_BAD_REQUEST, "invalid request body",
	    "%s.affectedComponents[%d].componentId: not a component of this "
	    "page",
	    ir->path, i);
}

/* An unambiguous alphabet (no 0/o, 1/i/l): 31 symbols, so 8 of them give
 * about 8.5e11 codes. Retried on the rare collision. */
#define CODE_LEN 8
static const char code_alphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";

static int
make_code(char out[CODE_LEN + 1])
{
	unsigned char buf[32];
	size_t used = sizeof(buf), o = 0;
	const size_t k = sizeof(code_alphabet) - 1;

	while (o < CODE_LEN) {
		if (used == sizeof(buf)) {
			if (crypto_random(buf, sizeof(buf)) != 0)
				return -1;
			used = 0;
		}
		/* Rejection sampling keeps every symbol equally likely. */
		if (buf[used] < 256 - 256 % k)
			out[o++] = code_alphabet[buf[used] % k];
		used++;
	}
	out[o] = '\0';
	return 0;
}

#define CODE_ATTEMPTS 8

/* The write's parameters the request gives, create or update alike. */
static void
write_from_request(struct request *req, const struct incident_request *ir,
    const char *allowed[PS__MAX], struct incident_write *w)
{
	memset(w, 0, sizeof(*w));
	w->cloud_id = req->cloud_id;
	w->page_id = str(ir->obj, "pageId");
	w->allowed = allowed;
	w->nallowed = page_statuses_allowing(ACT_REPORT_INCIDENT, allowed);
	w->external_id = str(ir->obj, "jiraIncidentId");
	w->name = str(ir->obj, "name");
	w->status = str(ir->obj, "status");
	w->impact = str(ir->obj, "impact");
	w->body = str(ir->obj, "message");
	w->notify = ir->notify;
	w->component_ids = ir->ids;
	w->component_statuses = ir->statuses;
	w->ncomponents = ir->ncomponents;
	w->reminders = ir->reminders;
}

/* The answer to a write that ran: its document, or why nothing was
 * written. */
static enum sd_status
write_answer(struct response *res, const struct incident_request *ir,
    const struct incident_result *r, enum sd_status ok)
{
	switch (r->outcome) {
	case INCIDENT_WRITTEN: return handler_respond_text(res, ok, r->doc);
	case INCIDENT_PAGE_REFUSED:
		if (page_allows(res, ACT_REPORT_INCIDENT, r->page_status) !=
		    SD_OK)
			return res->err.status;
		break; /* a status it allows: the database disagrees */
	case INCIDENT_BAD_COMPONENT: return bad_component(res, ir, r->bad_item);
	case INCIDENT_CODE_TAKEN:
		return sd_fail(&res->err, SD_INTERNAL,
		    "could not allocate an incident code", NULL);
	}
	return sd_fail(&res->err, SD_INTERNAL, "internal error", NULL);
}

/* One statement (db_incident_create), again with a fresh id and code
 * on the rare collision of codes. */
enum sd_status
incident_create(
    struct request *req, const struct principal *who, struct response *res)
{
	struct incident_request ir;
	struct incident_write w;
	struct incident_result r = { .outcome = INCIDENT_CODE_TAKEN };
	const char *allowed[PS__MAX];
	char id[37], code[CODE_LEN + 1];
	int attempt;
	enum sd_status st;

	(void)who;
	st = read_request(req, res, "incidentCreateRequest", &ir);
	if (st != SD_OK)
		return st;
	write_from_request(req, &ir, allowed, &w);
	if (w.status == NULL)
		w.status = "INVESTIGATING";
	if (w.impact == NULL)
		w.impact = "NONE";
	for (attempt = 0;
	     attempt < CODE_ATTEMPTS && r.outcome == INCIDENT_CODE_TAKEN;
	     attempt++) {
		if (crypto_uuid_v7(id) != 0 || make_code(code) != 0)
			return sd_fail(&res->err, SD_INTERNAL,
			    "random source failed", NULL);
		w.id = id;
		w.code = code;
		st = db_incident_create(req->arena, &w, &r, &res->err);
		if (st != SD_OK)
			return st;
	}
	return write_answer(res, &ir, &r, SD_CREATED);
}

enum sd_status
incident_update(
    struct request *req, const struct principal *who, struct response *res)
{
	struct incident_request ir;
	struct incident_write w;
	struct incident_result r;
	const char *allowed[PS__MAX];
	enum sd_status st;

	(void)who;
	st = read_request(req, res, "incidentUpdateRequest", &ir);
	if (st != SD_OK)
		return st;
	if (str(ir.obj, "incidentId") == NULL &&
	    str(ir.obj, "jiraIncidentId") == NULL)
		return sd_fail(&res->err, SD_BAD_REQUEST,
		    "invalid request body",
		    "body.incidentUpdateRequest: name the incident with "
		    "jiraIncidentId or incidentId");
	write_from_request(req, &ir, allowed, &w);
	w.id = str(ir.obj, "incidentId");
	st = db_incident_update(req->arena, &w, &r, &res->err);
	return st != SD_OK ? st : write_answer(res, &ir, &r, SD_OK);
}

enum sd_status
incident_get(
    struct request *req, const struct principal *who, struct response *res)
{
	static const enum query_key keys[] = { QK_INCIDENT_ID, QK_INCIDENT_CODE,
		QK_EXTERNAL_INCIDENT_ID };
	const struct input_value *q = req->input->query;
	const char *doc;
	int given = 0, k = 0, i;
	enum sd_status st;

	(void)who;
	for (i = 0; i < 3; i++) {
		if (q[keys[i]].text != NULL) {
			given++;
			k = i;
		}
	}
	if (given != 1)
		return sd_fail(&res->err, SD_BAD_REQUEST,
		    "invalid query parameter",
		    "give exactly one of incidentId, incidentCode, "
		    "externalIncidentId");
	st = db_incident_find(req->arena, req->cloud_id, (enum incident_key)k,
	    q[keys[k]].text, q[QK_PAGE_ID].text, &doc, &res->err);
	return st != SD_OK ? st : handler_respond_text(res, SD_OK, doc);
}

/* {"nodes":[...],"pageInfo":{...},"totalCount":N} from one keyset window.
 * pageInfo has all four fields in both directions; the side of the cursor
 * not walked towards is known exactly (rows->beyond_cursor). */
static enum sd_status
connection(struct request *req, struct response *res,
    const struct incident_rows *rows, const struct paging *pg,
    const char *scope)
{
	struct connection c = { 0 };
	const char *out;

	c.list = "nodes";
	c.both_ways = 1;
	c.total = rows->total;
	if (paging_connection_from_rows(req->arena, &c, pg, scope, rows->nodes,
	        rows->keys, rows->ids, rows->count) != 0)
		return oom(res);
	if (pg->backward)
		c.has_next = rows->beyond_cursor;
	else
		c.has_previous = rows->beyond_cursor;
	out = paging_connection_json(req->arena, &c);
	return out == NULL ? oom(res) : handler_respond_text(res, SD_OK, out);
}

/* The list the route declared (handlers/input.h): its paging and cursor
 * come checked in req->input. */
static enum sd_status
run_list(
    struct request *req, struct response *res, struct incident_list_query *q)
{
	const struct input *in = req->input;
	struct incident_rows rows;
	enum sd_status st;

	q->cloud_id = req->cloud_id;
	q->key = in->cursor_key;
	q->id = in->cursor_id;
	q->backward = in->paging.backward;
	q->limit = in->paging.limit;
	st = db_incidents_list(req->arena, q, &rows, &res->err);
	if (st != SD_OK)
		return st;
	/* An empty list of a page that does not exist is a 404, as for
	 * every other id of the cloud. */
	if (rows.total == 0 && q->page_id != NULL) {
		const char *doc;

		st = db_page_get(
		    req->arena, req->cloud_id, q->page_id, &doc, &res->err);
		if (st != SD_OK)
			return st;
	}
	return connection(req, res, &rows, &in->paging, in->cursor_scope);
}

/* GET /incidents/list: the cloud's incidents, newest first (limit,
 * cursor). */
enum sd_status
incidents_list(
    struct request *req, const struct principal *who, struct response *res)
{
	struct incident_list_query q = { 0 };

	(void)who;
	return run_list(req, res, &q);
}

/* GET /incidents/list/v2: optionally one page's, optionally only the
 * active ones; first/after forwards, last/before backwards. */
enum sd_status
incidents_list_v2(
    struct request *req, const struct principal *who, struct response *res)
{
	const struct input_value *in = req->input->query;
	struct incident_list_query q = { 0 };

	(void)who;
	q.page_id = in[QK_PAGE_ID].text;
	q.active_only = (int)in[QK_SHOW_ACTIVE].number;
	return run_list(req, res, &q);
}
