/*
 * Incidents (DESIGN.md section 7). A create or an update is one
 * transaction: the incident row (locked FOR UPDATE by an update, so two
 * updates of one incident append to its timeline one after the other), the
 * timeline entry, the component statuses it sets through
 * component_set_live_status (via incident_component_set, so the status
 * history, hence uptime and health, follow), and one outbox row when
 * notifications are asked for.
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
#include "db/jobs.h"
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

/* After the entry is appended: the reminders the request sets, if any,
 * counted from this update. */
static enum sd_status
set_reminders(struct request *req, struct response *res,
    const struct incident_request *ir, const char *id)
{
	if (ir->reminders == NULL)
		return SD_OK;
	return db_incident_reminders_set(
	    req->arena, req->cloud_id, id, ir->reminders, &res->err);
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

/* Inserts the incident with a fresh id and code into n. */
static enum sd_status
insert_incident(struct request *req, struct response *res,
    struct incident_new *n, char id[37], char code[CODE_LEN + 1])
{
	int inserted = 0, attempt;
	enum sd_status st;

	for (attempt = 0; attempt < CODE_ATTEMPTS && !inserted; attempt++) {
		if (crypto_uuid_v4(id) != 0 || make_code(code) != 0)
			return sd_fail(&res->err, SD_INTERNAL,
			    "random source failed", NULL);
		n->id = id;
		n->code = code;
		st = db_incident_insert(req->arena, n, &inserted, &res->err);
		if (st != SD_OK)
			return st;
	}
	if (!inserted)
		return sd_fail(&res->err, SD_INTERNAL,
		    "could not allocate an incident code", NULL);
	return SD_OK;
}

static enum sd_status
create_in_tx(struct request *req, struct response *res,
    const struct incident_request *ir, const char **doc)
{
	struct incident_new n = { 0 };
	struct incident_entry e = { 0 };
	enum page_status page_status;
	char id[37], code[CODE_LEN + 1];
	int bad;
	enum sd_status st;

	n.cloud_id = req->cloud_id;
	n.page_id = str(ir->obj, "pageId");
	n.name = str(ir->obj, "name");
	n.status =
	    str(ir->obj, "status") ? str(ir->obj, "status") : "INVESTIGATING";
	n.impact = str(ir->obj, "impact") ? str(ir->obj, "impact") : "NONE";
	n.external_id = str(ir->obj, "jiraIncidentId");
	st = db_incident_page_status(
	    req->arena, req->cloud_id, n.page_id, &page_status, &res->err);
	if (st == SD_OK)
		st = page_allows(res, ACT_REPORT_INCIDENT, page_status);
	if (st != SD_OK)
		return st;
	st = insert_incident(req, res, &n, id, code);
	if (st != SD_OK)
		return st;
	e.cloud_id = req->cloud_id;
	e.incident_id = id;
	e.old_status = NULL;
	e.status = n.status;
	e.body = str(ir->obj, "message");
	e.notify = ir->notify;
	e.component_ids = ir->ids;
	e.component_statuses = ir->statuses;
	e.ncomponents = ir->ncomponents;
	e.kind = "incident.created";
	st = db_incident_append(req->arena, &e, &bad, &res->err);
	if (st != SD_OK)
		return st;
	if (bad >= 0)
		return bad_component(res, ir, bad);
	if ((st = set_reminders(req, res, ir, id)) != SD_OK)
		return st;
	return db_incident_render(
	    req->arena, req->cloud_id, id, doc, &res->err);
}

enum sd_status
incident_create(
    struct request *req, const struct principal *who, struct response *res)
{
	struct incident_request ir;
	const char *doc;
	enum sd_status st;

	(void)who;
	st = read_request(req, res, "incidentCreateRequest", &ir);
	if (st != SD_OK)
		return st;
	st = db_begin(&res->err);
	if (st == SD_OK)
		st = handler_tx_end(create_in_tx(req, res, &ir, &doc), res);
	return st != SD_OK ? st : handler_respond_text(res, SD_CREATED, doc);
}

static enum sd_status
update_in_tx(struct request *req, struct response *res,
    const struct incident_request *ir, const char **doc)
{
	struct incident_state state;
	struct incident_change c = { 0 };
	struct incident_entry e = { 0 };
	const char *status;
	int bad;
	enum sd_status st;

	st = db_incident_lock(req->arena, req->cloud_id, str(ir->obj, "pageId"),
	    str(ir->obj, "incidentId"), str(ir->obj, "jiraIncidentId"), &state,
	    &res->err);
	if (st == SD_OK)
		st = page_allows(res, ACT_REPORT_INCIDENT, state.page_status);
	if (st != SD_OK)
		return st;
	status = str(ir->obj, "status") ? str(ir->obj, "status") : state.status;
	c.cloud_id = req->cloud_id;
	c.id = state.id;
	c.name = str(ir->obj, "name");
	c.impact = str(ir->obj, "impact");
	c.status = status;
	st = db_incident_change(req->arena, &c, &res->err);
	if (st != SD_OK)
		return st;
	e.cloud_id = req->cloud_id;
	e.incident_id = state.id;
	e.old_status = state.status;
	e.status = status;
	e.body = str(ir->obj, "message");
	e.notify = ir->notify;
	e.component_ids = ir->ids;
	e.component_statuses = ir->statuses;
	e.ncomponents = ir->ncomponents;
	e.kind = strcmp(status, "RESOLVED") == 0 &&
	        strcmp(state.status, "RESOLVED") != 0
	    ? "incident.resolved"
	    : "incident.updated";
	st = db_incident_append(req->arena, &e, &bad, &res->err);
	if (st != SD_OK)
		return st;
	if (bad >= 0)
		return bad_component(res, ir, bad);
	if ((st = set_reminders(req, res, ir, state.id)) != SD_OK)
		return st;
	return db_incident_render(
	    req->arena, req->cloud_id, state.id, doc, &res->err);
}

enum sd_status
incident_update(
    struct request *req, const struct principal *who, struct response *res)
{
	struct incident_request ir;
	const char *doc;
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
	st = db_begin(&res->err);
	if (st == SD_OK)
		st = handler_tx_end(update_in_tx(req, res, &ir, &doc), res);
	return st != SD_OK ? st : handler_respond_text(res, SD_OK, doc);
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
