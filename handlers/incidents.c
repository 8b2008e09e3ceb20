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
#include "db/pages.h"
#include "page_lifecycle.h"
#include "paging.h"
#include "settings.h"

const char *const incident_statuses[] = { "INVESTIGATING", "IDENTIFIED",
	"MONITORING", "RESOLVED", NULL };
static const char *const impacts[] = { "NONE", "MINOR", "MAJOR", "CRITICAL",
	NULL };
static const char *const component_statuses[] = { "OPERATIONAL",
	"DEGRADED_PERFORMANCE", "PARTIAL_OUTAGE", "MAJOR_OUTAGE",
	"UNDER_MAINTENANCE", NULL };

static const char uuid_message[] = "must be a UUID";
static const char blank_message[] = "must not be blank";

#define END                                                                    \
	{                                                                      \
		NULL, FT_TYPE__MAX, 0, 0, 0, 0, NULL, NULL, NULL, NULL         \
	}

static const struct field affected_fields[] = {
	{ "componentId", FT_STRING, F_REQUIRED, 36, 0, 0, NULL, NULL,
	    crypto_uuid_valid, uuid_message },
	{ "status", FT_ENUM, F_REQUIRED, 0, 0, 0, component_statuses, NULL,
	    NULL, NULL },
	END,
};

/* The fields both requests share, after their first ones. */
/* clang-format off */
#define INCIDENT_COMMON_FIELDS \
	{ "jiraIncidentId", FT_STRING, 0, 255, 0, 0, NULL, NULL, \
	    validate_not_blank, blank_message }, \
	{ "message", FT_STRING, 0, INCIDENT_MESSAGE_MAX, 0, 0, NULL, NULL, \
	    NULL, NULL }, \
	{ "status", FT_ENUM, F_NOT_NULL, 0, 0, 0, incident_statuses, NULL, \
	    NULL, NULL }, \
	{ "impact", FT_ENUM, F_NOT_NULL, 0, 0, 0, impacts, NULL, NULL, NULL }, \
	{ "affectedComponents", FT_OBJECT_ARRAY, 0, INCIDENT_COMPONENTS_MAX, \
	    0, 0, NULL, affected_fields, NULL, NULL }, \
	{ "shouldSendNotifications", FT_BOOL, 0, 0, 0, 0, NULL, NULL, NULL, \
	    NULL }
/* clang-format on */

const struct field incident_create_fields[] = {
	{ "pageId", FT_STRING, F_REQUIRED, 36, 0, 0, NULL, NULL,
	    crypto_uuid_valid, uuid_message },
	{ "name", FT_STRING, F_REQUIRED, 255, 0, 0, NULL, NULL,
	    validate_not_blank, blank_message },
	INCIDENT_COMMON_FIELDS,
	END,
};

/* incidentId is our extension: the document finds the incident by
 * (pageId, jiraIncidentId) only. */
const struct field incident_update_fields[] = {
	{ "pageId", FT_STRING, F_REQUIRED, 36, 0, 0, NULL, NULL,
	    crypto_uuid_valid, uuid_message },
	{ "incidentId", FT_STRING, 0, 36, 0, 0, NULL, NULL, crypto_uuid_valid,
	    uuid_message },
	{ "name", FT_STRING, F_NOT_NULL, 255, 0, 0, NULL, NULL,
	    validate_not_blank, blank_message },
	INCIDENT_COMMON_FIELDS,
	END,
};

const struct field incident_create_envelope[] = {
	{ "incidentCreateRequest", FT_OBJECT, F_REQUIRED, 0, 0, 0, NULL,
	    incident_create_fields, NULL, NULL },
	END,
};

const struct field incident_update_envelope[] = {
	{ "incidentUpdateRequest", FT_OBJECT, F_REQUIRED, 0, 0, 0, NULL,
	    incident_update_fields, NULL, NULL },
	END,
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
};

/* Reads the body, validates it against envelope, and fills *ir. Named
 * components must be distinct. */
static enum sd_status
read_request(struct request *req, struct response *res,
    const struct field *envelope, struct incident_request *ir)
{
	const json_t *list, *item, *notify;
	json_t *body;
	size_t i, j, n;
	enum sd_status st;

	st = handler_body_object(req, &body, &res->err);
	if (st == SD_OK)
		st = validate_object(
		    body, envelope, VALIDATE_CREATE, "body", &res->err);
	if (st != SD_OK)
		return st;
	ir->obj = json_object_get(body, envelope[0].name);
	ir->path = arena_printf(req->arena, "body.%s", envelope[0].name);
	notify = json_object_get(ir->obj, "shouldSendNotifications");
	ir->notify = json_is_boolean(notify) ? json_is_true(notify) : 1;
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
	st = read_request(req, res, incident_create_envelope, &ir);
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
	st = read_request(req, res, incident_update_envelope, &ir);
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
	static const char *const keys[] = { "incidentId", "incidentCode",
		"externalIncidentId" };
	const char *v[3], *page_id, *doc;
	int given = 0, k = 0, i;
	enum sd_status st;

	(void)who;
	for (i = 0; i < 3; i++) {
		st = i == 0 ? query_uuid(req, keys[i], &v[i], &res->err)
		            : query_once(req, keys[i], &v[i], &res->err);
		if (st != SD_OK)
			return st;
		if (v[i] != NULL) {
			given++;
			k = i;
		}
	}
	if (given != 1)
		return sd_fail(&res->err, SD_BAD_REQUEST,
		    "invalid query parameter",
		    "give exactly one of incidentId, incidentCode, "
		    "externalIncidentId");
	if (strlen(v[k]) > 255)
		return sd_fail(&res->err, SD_BAD_REQUEST,
		    "invalid query parameter", "%s: too long", keys[k]);
	st = query_uuid(req, "pageId", &page_id, &res->err);
	if (st != SD_OK)
		return st;
	st = db_incident_find(req->arena, req->cloud_id, (enum incident_key)k,
	    v[k], page_id, &doc, &res->err);
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

static enum sd_status
run_list(struct request *req, struct response *res,
    struct incident_list_query *q, const struct paging *pg, const char *scope,
    const char *cursor_name)
{
	struct incident_rows rows;
	enum sd_status st;

	st = paging_cursor(
	    req->arena, pg, scope, cursor_name, &q->key, &q->id, &res->err);
	if (st != SD_OK)
		return st;
	q->cloud_id = req->cloud_id;
	q->backward = pg->backward;
	q->limit = pg->limit;
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
	return connection(req, res, &rows, pg, scope);
}

/* GET /incidents/list: the cloud's incidents, newest first. */
enum sd_status
incidents_list(
    struct request *req, const struct principal *who, struct response *res)
{
	struct incident_list_query q = { 0 };
	struct paging pg = { 0 };
	long limit;
	enum sd_status st;

	(void)who;
	st = paging_query_int(req, "limit", 1, PAGE_SIZE_MAX, PAGE_SIZE_DEFAULT,
	    &limit, &res->err);
	if (st == SD_OK)
		st = query_once(req, "cursor", &pg.cursor, &res->err);
	if (st != SD_OK)
		return st;
	pg.limit = (int)limit;
	return run_list(req, res, &q, &pg,
	    arena_printf(req->arena, "incidents:%s", req->cloud_id), "cursor");
}

/* GET /incidents/list/v2: optionally one page's, optionally only the
 * active ones; first/after forwards, last/before backwards. */
enum sd_status
incidents_list_v2(
    struct request *req, const struct principal *who, struct response *res)
{
	struct incident_list_query q = { 0 };
	struct paging pg;
	const char *active;
	enum sd_status st;

	(void)who;
	st = query_uuid(req, "pageId", &q.page_id, &res->err);
	if (st == SD_OK)
		st = query_once(req, "showActive", &active, &res->err);
	if (st == SD_OK && active != NULL && strcmp(active, "true") != 0 &&
	    strcmp(active, "false") != 0)
		st = sd_fail(&res->err, SD_BAD_REQUEST,
		    "invalid query parameter",
		    "showActive: must be true or false");
	if (st == SD_OK)
		st = paging_parse(req, 1, &pg, &res->err);
	if (st != SD_OK)
		return st;
	q.active_only = active != NULL && strcmp(active, "true") == 0;
	return run_list(req, res, &q, &pg,
	    arena_printf(req->arena, "incidents-v2:%s:%s:%d", req->cloud_id,
	        q.page_id ? q.page_id : "*", q.active_only),
	    pg.backward ? "before" : "after");
}
