#include "incidents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

/* Incidents of a permanently deleted (archived) page answer nowhere. */
/*
 * The answer of a write or a look-up: the incidents the key finds, each
 * with its page by primary key in a lateral subquery that OFFSET 0 keeps
 * from being flattened into a join, so the incident is the outer side
 * whatever the statistics. Joined, a planner without statistics drove
 * from the cloud's pages and probed incidents_page_recent for the id once
 * per page (measured: 62,000 buffers and 191 ms on a cloud of 10,000
 * pages, the never-analysed POST and PUT /incidents at 15 req/s).
 */
#define RENDER                                                                 \
	"SELECT d.doc FROM incidents i CROSS JOIN LATERAL (SELECT"             \
	" incident_with_page(p.doc, incident_node_text(i.node,"                \
	" incident_page_url(p), i.code)) AS doc FROM pages p"                  \
	" WHERE p.cloud_id = i.cloud_id AND p.id = i.page_id"                  \
	" AND" DB_NOT_ARCHIVED("p.") " OFFSET 0) d"

/*
 * Keyset lists, newest first on (created_at, id); $1 cloud, $2 active
 * only, $3/$4 the cursor's key and id (NULL: from the edge), $5 rows to
 * fetch, $6 the page (page variants only). The cursor bound is always a
 * row comparison (infinite when absent), so it is an index condition, and
 * the active-only lists name the partial indexes' predicate literally:
 * each list walks an index led by its full key and reads the rows it
 * returns. A page's list walks the page's incidents and asks once whether
 * the page is listed and its address, by the page's primary key in
 * subqueries, not a join: joined, a planner without statistics drives
 * from the cloud's pages and sorts all their incidents. The cloud's walks
 * incident_listing (migration 029), which holds the keys of listed
 * incidents only, so an unlisted page's incidents are never read, and
 * takes each row's incident, then its page, by primary key. Each row's
 * node is stored (incidents.node, migration 018) and only its shortlink
 * is added. Whether rows lie on the cursor's other side is the nearest
 * such row, fetched in index order. One row at least comes back, carrying
 * the total and that flag, even when the window is empty. The total is
 * the counters' (migration 015), not a count of rows. Lists leave out
 * soft-deleted pages, as page lists do.
 */
#define PAGE_6 " FROM pages p WHERE p.cloud_id = $1 AND p.id = $6::uuid"
#define IS_LISTED                                                              \
	"SELECT p.page_status <> 'SOFT_DELETED' AND" DB_NOT_ARCHIVED("p.")
#define CLOUD_ROWS " FROM incident_listing i WHERE i.cloud_id = $1"
#define PAGE_ROWS                                                              \
	" FROM incidents i WHERE i.cloud_id = $1 AND i.page_id = $6::uuid"     \
	" AND (" IS_LISTED PAGE_6 ")"
#define CLOUD_NODE                                                             \
	"(SELECT incident_node_text(n.node, (SELECT incident_page_url(p)"      \
	" FROM pages p WHERE p.cloud_id = n.cloud_id AND p.id = n.page_id),"   \
	" n.code) FROM incidents n WHERE n.cloud_id = i.cloud_id"              \
	" AND n.id = i.id)"
#define PAGE_NODE                                                              \
	"incident_node_text(i.node, (SELECT incident_page_url(p)" PAGE_6 "),"  \
	" i.code)"
#define ACTIVE " AND i.status <> 'RESOLVED'"
#define LISTED_ACTIVE " AND i.active"
#define COUNTED                                                                \
	"coalesce(sum(CASE WHEN $2::boolean THEN c.active ELSE c.total END), " \
	"0)"
#define CLOUD_TOTAL                                                            \
	"SELECT " COUNTED " FROM incident_counts c WHERE c.cloud_id = $1"      \
	" AND c.scope = incident_counts_cloud_scope()"
#define PAGE_TOTAL                                                             \
	"SELECT " COUNTED " FROM incident_counts c WHERE c.cloud_id = $1"      \
	" AND c.scope = $6::uuid AND (" IS_LISTED PAGE_6 ")"
#define AFTER_POS                                                              \
	"(coalesce($3::timestamptz, 'infinity'),"                              \
	" coalesce($4::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))"
#define BEFORE_POS                                                             \
	"(coalesce($3::timestamptz, '-infinity'),"                             \
	" coalesce($4::uuid, '00000000-0000-0000-0000-000000000000'))"
/* SQL text reads best one clause a line. */
/* clang-format off */
#define LIST(total, rows, node, beyond, beyond_order, window, pos, order) \
	"SELECT t.total, t.beyond, w.node, w.key, w.id FROM (SELECT" \
	" (" total ") AS total," \
	" (SELECT true" rows \
	" AND (i.created_at, i.id) " beyond " " pos \
	" ORDER BY i.created_at " beyond_order ", i.id " beyond_order \
	" LIMIT 1) IS NOT NULL AS beyond) t" \
	" LEFT JOIN LATERAL (SELECT " node " AS node," \
	" i.created_at::text AS key, i.id::text AS id," \
	" i.created_at AS at, i.id AS iid" rows \
	" AND (i.created_at, i.id) " window " " pos \
	" ORDER BY i.created_at " order ", i.id " order \
	" LIMIT $5::integer) w ON true" \
	" ORDER BY w.at DESC, w.iid DESC"
#define LIST_AFTER(total, rows, node) \
	LIST(total, rows, node, ">=", "ASC", "<", AFTER_POS, "DESC")
#define LIST_BEFORE(total, rows, node) \
	LIST(total, rows, node, "<=", "DESC", ">", BEFORE_POS, "ASC")
/* clang-format on */

enum incident_stmt {
	INCIDENT_CREATE,
	INCIDENT_UPDATE,
	INCIDENT_RENDER,
	INCIDENT_GET_BY_CODE,
	INCIDENT_GET_BY_EXTERNAL,
	INCIDENTS_AFTER,
	INCIDENTS_BEFORE,
	INCIDENTS_PAGE_AFTER,
	INCIDENTS_PAGE_BEFORE,
	INCIDENTS_ACTIVE_AFTER,
	INCIDENTS_ACTIVE_BEFORE,
	INCIDENTS_PAGE_ACTIVE_AFTER,
	INCIDENTS_PAGE_ACTIVE_BEFORE,
	INCIDENT_STMT__MAX
};

static const struct db_stmt stmts[INCIDENT_STMT__MAX] = {
	/* One statement a write (one round trip, committed with it). */
	DB_STMT(INCIDENT_CREATE,
	    "SELECT outcome, detail FROM incident_create($1, $2::uuid,"
	    " $3::text[], $4::uuid, $5, $6, $7, $8, $9, $10, $11::boolean,"
	    " $12::uuid[], $13::text[], $14::integer[])"),
	/* The same parameters but the code ($5). */
	DB_STMT(INCIDENT_UPDATE,
	    "SELECT outcome, detail FROM incident_update($1, $2::uuid,"
	    " $3::text[], $4::uuid, $5, $6, $7, $8, $9, $10::boolean,"
	    " $11::uuid[], $12::text[], $13::integer[])"),
	DB_STMT(INCIDENT_RENDER,
	    RENDER " WHERE i.cloud_id = $1 AND i.id = $2::uuid"),
	DB_STMT(INCIDENT_GET_BY_CODE,
	    RENDER " WHERE i.cloud_id = $1 AND i.code = lower($2)"),
	DB_STMT(INCIDENT_GET_BY_EXTERNAL,
	    RENDER " WHERE i.cloud_id = $1 AND i.external_id = $2"
	           " AND ($3::uuid IS NULL OR i.page_id = $3::uuid)"
	           " ORDER BY i.created_at DESC LIMIT 2"),
	DB_STMT(
	    INCIDENTS_AFTER, LIST_AFTER(CLOUD_TOTAL, CLOUD_ROWS, CLOUD_NODE)),
	DB_STMT(
	    INCIDENTS_BEFORE, LIST_BEFORE(CLOUD_TOTAL, CLOUD_ROWS, CLOUD_NODE)),
	DB_STMT(
	    INCIDENTS_PAGE_AFTER, LIST_AFTER(PAGE_TOTAL, PAGE_ROWS, PAGE_NODE)),
	DB_STMT(INCIDENTS_PAGE_BEFORE,
	    LIST_BEFORE(PAGE_TOTAL, PAGE_ROWS, PAGE_NODE)),
	DB_STMT(INCIDENTS_ACTIVE_AFTER,
	    LIST_AFTER(CLOUD_TOTAL, CLOUD_ROWS LISTED_ACTIVE, CLOUD_NODE)),
	DB_STMT(INCIDENTS_ACTIVE_BEFORE,
	    LIST_BEFORE(CLOUD_TOTAL, CLOUD_ROWS LISTED_ACTIVE, CLOUD_NODE)),
	DB_STMT(INCIDENTS_PAGE_ACTIVE_AFTER,
	    LIST_AFTER(PAGE_TOTAL, PAGE_ROWS ACTIVE, PAGE_NODE)),
	DB_STMT(INCIDENTS_PAGE_ACTIVE_BEFORE,
	    LIST_BEFORE(PAGE_TOTAL, PAGE_ROWS ACTIVE, PAGE_NODE)),
};

const struct db_stmt_table db_incident_stmts = DB_STMT_TABLE(stmts);

static enum sd_status
not_found(struct sd_error *err)
{
	return sd_fail(err, SD_NOT_FOUND, "incident not found", NULL);
}

/* The statement's outcome (db/sql/50_incidents.sql) into *out or err. */
static enum sd_status
write_outcome(PGresult *r, struct incident_result *out, struct sd_error *err)
{
	const char *outcome, *detail;

	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0))
		return sd_fail(err, SD_INTERNAL, "internal error", NULL);
	outcome = PQgetvalue(r, 0, 0);
	detail = PQgetvalue(r, 0, 1);
	memset(out, 0, sizeof(*out));
	if (strcmp(outcome, "created") == 0 ||
	    strcmp(outcome, "updated") == 0) {
		out->outcome = INCIDENT_WRITTEN;
		out->doc = detail;
	} else if (strcmp(outcome, "page_refused") == 0) {
		out->outcome = INCIDENT_PAGE_REFUSED;
		out->page_status = page_status_parse(detail);
	} else if (strcmp(outcome, "bad_component") == 0) {
		out->outcome = INCIDENT_BAD_COMPONENT;
		out->bad_item = atoi(detail) - 1;
	} else if (strcmp(outcome, "code_taken") == 0) {
		out->outcome = INCIDENT_CODE_TAKEN;
	} else if (strcmp(outcome, "no_page") == 0) {
		return sd_fail(err, SD_NOT_FOUND, "page not found", NULL);
	} else if (strcmp(outcome, "not_found") == 0) {
		return not_found(err);
	} else if (strcmp(outcome, "external_taken") == 0) {
		return sd_fail(err, SD_CONFLICT,
		    "an incident with this jiraIncidentId already exists on "
		    "this page",
		    NULL);
	} else {
		return sd_fail(err, SD_INTERNAL, "internal error", NULL);
	}
	return SD_OK;
}

/* Either write: the update's parameters are the create's without the
 * code. Lists go as array literals. */
static enum sd_status
run_write(struct arena *a, enum incident_stmt s, const struct incident_write *w,
    struct incident_result *out, struct sd_error *err)
{
	const char *p[14];
	int n = 0;
	PGresult *r;

	p[n++] = w->cloud_id;
	p[n++] = w->page_id;
	p[n++] = db_array_literal(a, w->allowed, w->nallowed);
	p[n++] = w->id;
	if (s == INCIDENT_CREATE)
		p[n++] = w->code;
	p[n++] = w->external_id;
	p[n++] = w->name;
	p[n++] = w->status;
	p[n++] = w->impact;
	p[n++] = w->body;
	p[n++] = w->notify ? "true" : "false";
	p[n++] = db_array_literal(a, w->component_ids, w->ncomponents);
	p[n++] = db_array_literal(a, w->component_statuses, w->ncomponents);
	p[n++] = w->reminders;
	if (p[2] == NULL || p[n - 3] == NULL || p[n - 2] == NULL)
		return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	r = db_exec(a, &stmts[s], n, p, err);
	return r == NULL ? err->status : write_outcome(r, out, err);
}

enum sd_status
db_incident_create(struct arena *a, const struct incident_write *w,
    struct incident_result *out, struct sd_error *err)
{
	return run_write(a, INCIDENT_CREATE, w, out, err);
}

enum sd_status
db_incident_update(struct arena *a, const struct incident_write *w,
    struct incident_result *out, struct sd_error *err)
{
	return run_write(a, INCIDENT_UPDATE, w, out, err);
}

static enum sd_status
single_doc(struct arena *a, const struct db_stmt *stmt, int n,
    const char *const *p, const char **doc, struct sd_error *err)
{
	PGresult *r = db_exec(a, stmt, n, p, err);

	if (r == NULL)
		return err->status;
	if (PQntuples(r) > 1)
		return sd_fail(err, SD_CONFLICT,
		    "several incidents have this externalIncidentId",
		    "add pageId to choose one");
	if (PQntuples(r) != 1)
		return not_found(err);
	*doc = PQgetvalue(r, 0, 0);
	return SD_OK;
}

enum sd_status
db_incident_find(struct arena *a, const char *cloud_id, enum incident_key key,
    const char *value, const char *page_id, const char **doc,
    struct sd_error *err)
{
	const char *p[3] = { cloud_id, value, page_id };

	switch (key) {
	case INCIDENT_BY_ID:
		return single_doc(a, &stmts[INCIDENT_RENDER], 2, p, doc, err);
	case INCIDENT_BY_CODE:
		return single_doc(
		    a, &stmts[INCIDENT_GET_BY_CODE], 2, p, doc, err);
	case INCIDENT_BY_EXTERNAL:
		return single_doc(
		    a, &stmts[INCIDENT_GET_BY_EXTERNAL], 3, p, doc, err);
	}
	return not_found(err);
}

enum sd_status
db_incidents_list(struct arena *a, const struct incident_list_query *q,
    struct incident_rows *out, struct sd_error *err)
{
	static const enum incident_stmt list[2][2][2] = {
		{ { INCIDENTS_AFTER, INCIDENTS_BEFORE },
		    { INCIDENTS_PAGE_AFTER, INCIDENTS_PAGE_BEFORE } },
		{ { INCIDENTS_ACTIVE_AFTER, INCIDENTS_ACTIVE_BEFORE },
		    { INCIDENTS_PAGE_ACTIVE_AFTER,
		        INCIDENTS_PAGE_ACTIVE_BEFORE } },
	};
	char lim[16];
	const char *p[6] = { q->cloud_id, q->active_only ? "true" : "false",
		q->key, q->id, lim, q->page_id };
	PGresult *r;
	int i, n;

	snprintf(lim, sizeof(lim), "%d", q->limit + 1);
	r = db_exec(a,
	    &stmts[list[q->active_only != 0][q->page_id != NULL]
	               [q->backward != 0]],
	    q->page_id != NULL ? 6 : 5, p, err);
	if (r == NULL)
		return err->status;
	n = PQntuples(r);
	if (n < 1)
		return sd_fail(err, SD_INTERNAL, "internal error", NULL);
	out->total = atol(PQgetvalue(r, 0, 0));
	out->beyond_cursor = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	out->nodes = arena_alloc(a, sizeof(char *) * (size_t)n);
	out->keys = arena_alloc(a, sizeof(char *) * (size_t)n);
	out->ids = arena_alloc(a, sizeof(char *) * (size_t)n);
	if (out->nodes == NULL || out->keys == NULL || out->ids == NULL)
		return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	out->count = 0;
	for (i = 0; i < n; i++) {
		if (PQgetisnull(r, i, 2))
			continue; /* the one row of an empty window */
		out->nodes[out->count] = PQgetvalue(r, i, 2);
		out->keys[out->count] = PQgetvalue(r, i, 3);
		out->ids[out->count] = PQgetvalue(r, i, 4);
		out->count++;
	}
	return SD_OK;
}
