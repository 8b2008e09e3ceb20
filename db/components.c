#include "components.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

#define PAGE_DRAFTS "cloud_id = $1 AND page_id = $2::uuid"
/* Keyset pages come as (item, position, id, total) rows. The total is
 * joined in so it arrives even when the page is empty (one row with a NULL
 * item). */
#define DRAFT_PAGE(cond, order)                                                \
	"WITH t AS (SELECT count(*) AS total FROM component_drafts"            \
	" WHERE " PAGE_DRAFTS " AND parent_id IS NULL),"                       \
	" r AS (SELECT component_json(g, (SELECT jsonb_agg("                   \
	"component_json(k, NULL) ORDER BY k.position, k.id)"                   \
	" FROM component_drafts k WHERE k.cloud_id = $1"                       \
	" AND k.page_id = $2::uuid AND k.parent_id = g.id))::text AS item,"    \
	" g.position, g.id"                                                    \
	" FROM component_drafts g WHERE g.cloud_id = $1"                       \
	" AND g.page_id = $2::uuid AND g.parent_id IS NULL"                    \
	" AND ($3::integer IS NULL OR (g.position, g.id) " cond                \
	" ($3::integer, $4::uuid)) ORDER BY g.position " order ", g.id " order \
	" LIMIT $5::integer) SELECT r.item, r.position, r.id, t.total"         \
	" FROM t LEFT JOIN r ON true ORDER BY r.position " order               \
	", r.id " order
/* The page's components filtered and keyset-paged first (their rows'
 * name, status and position), then the uptimes of those on the page only
 * (component_uptimes_in of their ids, an empty array for none), rendered. */
#define UPTIME_LIST(cond, order)                                               \
	"WITH m AS (SELECT c.id, c.position FROM components c"                 \
	" WHERE c.cloud_id = $1 AND c.page_id = $2::uuid"                      \
	" AND ($5::text IS NULL OR c.name ILIKE '%' ||"                        \
	" replace(replace(replace($5, '\\', '\\\\'), '%', '\\%'), '_', '\\_')" \
	" || '%') AND ($6::text[] IS NULL OR c.status = ANY($6::text[]))),"    \
	" r AS (SELECT m.id, m.position FROM m WHERE $7::integer IS NULL"      \
	" OR (m.position, m.id) " cond " ($7::integer, $8::uuid)"              \
	" ORDER BY m.position " order ", m.id " order " LIMIT $9::integer),"   \
	" u AS (SELECT u.* FROM (SELECT coalesce(array_agg(r.id), '{}') AS "   \
	"ids"                                                                  \
	" FROM r) a CROSS JOIN LATERAL component_uptimes_in($1, $2::uuid,"     \
	" a.ids, $3::timestamptz, $4::timestamptz) u)"                         \
	" SELECT component_uptime_item(u.id, u.name, u.status, u.uptime),"     \
	" r.position, r.id, t.total FROM (SELECT count(*) AS total FROM m) t"  \
	" LEFT JOIN (r JOIN u ON u.id = r.id) ON true"                         \
	" ORDER BY r.position " order ", r.id " order

/* One of a page's uptime answers (page_uptime_answers), if the page is
 * found. */
#define UPTIME_ANSWER(column)                                                  \
	"SELECT u." column " FROM pages p CROSS JOIN LATERAL"                  \
	" page_uptime_answers($1, p.id, $3::timestamptz, $4::timestamptz) u"   \
	" WHERE p.cloud_id = $1 AND p.id = $2::uuid"                           \
	" AND" DB_NOT_ARCHIVED("p.")

enum component_stmt {
	COMPONENTS_MISSING,
	COMPONENTS_DELETE,
	COMPONENTS_UPSERT,
	COMPONENTS_CHECK,
	COMPONENTS_TREE,
	COMPONENTS_AFTER,
	COMPONENTS_BEFORE,
	UPTIME_AFTER,
	UPTIME_BEFORE,
	UPTIME_DOCUMENT,
	UPTIME_COMPONENT,
	UPTIME_PAGE,
	COMPONENT_STMT__MAX
};

static const struct db_stmt stmts[COMPONENT_STMT__MAX] = {
	DB_STMT(COMPONENTS_MISSING,
	    "SELECT u.id FROM unnest($3::uuid[]) AS u(id) WHERE NOT EXISTS"
	    " (SELECT 1 FROM component_drafts c WHERE c.cloud_id = $1"
	    " AND c.page_id = $2::uuid AND c.id = u.id) LIMIT 1"),
	/* A group's children go with it, unless the batch moves them. */
	DB_STMT(COMPONENTS_DELETE,
	    "DELETE FROM component_drafts WHERE " PAGE_DRAFTS
	    " AND (id = ANY($3::uuid[]) OR (parent_id = ANY($3::uuid[])"
	    " AND NOT id = ANY($4::uuid[])))"),
	/* Fields an item leaves out keep their value (the LEFT JOIN reads the
	 * row being updated). */
	DB_STMT(COMPONENTS_UPSERT,
	    "INSERT INTO component_drafts AS c (cloud_id, id, page_id,"
	    " parent_id, type, name, description, service_id, position, status)"
	    " SELECT $1, x.id, $2::uuid, x.parent_id, x.type,"
	    " coalesce(x.name, e.name), coalesce(x.description, e.description),"
	    " coalesce(x.service_id, e.service_id),"
	    " coalesce(x.position, e.position, 0),"
	    " coalesce(x.status, e.status, 'OPERATIONAL')"
	    " FROM jsonb_to_recordset($3::jsonb) AS x(id uuid, parent_id uuid,"
	    " type text, name text, description text, service_id text,"
	    " position integer, status text)"
	    " LEFT JOIN component_drafts e ON e.cloud_id = $1 AND e.id = x.id"
	    " ON CONFLICT (cloud_id, id) DO UPDATE SET"
	    " parent_id = EXCLUDED.parent_id, type = EXCLUDED.type,"
	    " name = EXCLUDED.name, description = EXCLUDED.description,"
	    " service_id = EXCLUDED.service_id, position = EXCLUDED.position,"
	    " status = EXCLUDED.status, updated_at = now()"),
	/* Groups hold components, one level deep. */
	DB_STMT(COMPONENTS_CHECK,
	    "SELECT count(*), count(*) FILTER (WHERE c.parent_id IS NOT NULL"
	    " AND (g.id IS NULL OR g.type <> 'GROUP_COMPONENT'"
	    " OR g.parent_id IS NOT NULL OR c.type <> 'COMPONENT'))"
	    " FROM component_drafts c LEFT JOIN component_drafts g"
	    " ON g.cloud_id = c.cloud_id AND g.id = c.parent_id"
	    " AND g.page_id = c.page_id WHERE c.cloud_id = $1"
	    " AND c.page_id = $2::uuid"),
	DB_STMT(
	    COMPONENTS_TREE, "SELECT component_draft_tree($1, $2::uuid)::text"),
	DB_STMT(COMPONENTS_AFTER, DRAFT_PAGE(">", "ASC")),
	DB_STMT(COMPONENTS_BEFORE, DRAFT_PAGE("<", "DESC")),
	DB_STMT(UPTIME_AFTER, UPTIME_LIST(">", "ASC")),
	DB_STMT(UPTIME_BEFORE, UPTIME_LIST("<", "DESC")),
	/* Every component, unfiltered: the whole answer as one value (a row
	 * an item cost more to send, and to join in C, than to aggregate),
	 * memoized per page and range (page_uptime_answers); no row when the
	 * page is not found. */
	DB_STMT(UPTIME_DOCUMENT, UPTIME_ANSWER("document")),
	/* Only this component's (and, for a group, its children's) history
	 * is read. The component by its primary key, whatever the statistics:
	 * the item takes its name and status from the row itself, so no
	 * index-only scan of components_page (the cloud's components walked
	 * for the id) can answer it; its page by primary key in a lateral
	 * subquery that OFFSET 0 keeps from becoming a join (joined, a
	 * planner without statistics scanned the cloud's pages for it). */
	DB_STMT(UPTIME_COMPONENT,
	    "SELECT component_uptime_item(c.id, c.name, c.status, u.uptime),"
	    " u.uptime::text FROM components c CROSS JOIN LATERAL (SELECT 1"
	    " FROM pages p WHERE p.cloud_id = c.cloud_id AND p.id = c.page_id"
	    " AND" DB_NOT_ARCHIVED("p.") " OFFSET 0) p,"
	                                 " component_uptimes_of($1, c.page_id, "
	                                 "c.id, $3::timestamptz,"
	                                 " $4::timestamptz) u WHERE c.cloud_id "
	                                 "= $1 AND c.id = $2::uuid"
	                                 " AND u.id = c.id"),
	DB_STMT(UPTIME_PAGE, UPTIME_ANSWER("percentage")),
};

const struct db_stmt_table db_component_stmts = DB_STMT_TABLE(stmts);

static void
set_text(json_t *o, const char *key, const char *value)
{
	json_object_set_new(o, key, value ? json_string(value) : json_null());
}

/* The rows as the JSON array components_upsert reads. */
static const char *
rows_json(struct arena *a, const struct component_row *rows, size_t n)
{
	json_t *arr = json_array(), *o;
	char *text, *copy = NULL;
	size_t i;

	for (i = 0; arr != NULL && i < n; i++) {
		o = json_object();
		set_text(o, "id", rows[i].id);
		set_text(o, "parent_id", rows[i].parent_id);
		set_text(o, "type", rows[i].type);
		set_text(o, "name", rows[i].name);
		set_text(o, "description", rows[i].description);
		set_text(o, "service_id", rows[i].service_id);
		set_text(o, "status", rows[i].status);
		json_object_set_new(o, "position",
		    rows[i].position < 0 ? json_null()
		                         : json_integer(rows[i].position));
		json_array_append_new(arr, o);
	}
	text = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
	json_decref(arr);
	if (text != NULL) {
		copy = arena_strdup(a, text);
		free(text);
	}
	return copy;
}

static enum sd_status
check_known(struct arena *a, const char *const p2[2], const char *ids,
    struct sd_error *err)
{
	const char *p[3] = { p2[0], p2[1], ids };
	PGresult *r = db_exec(a, &stmts[COMPONENTS_MISSING], 3, p, err);

	if (r == NULL)
		return err->status;
	if (PQntuples(r) > 0)
		return sd_fail(err, SD_BAD_REQUEST, "unknown component",
		    "component %s is not on this page", PQgetvalue(r, 0, 0));
	return SD_OK;
}

static enum sd_status
check_tree(struct arena *a, const char *const p[2], struct sd_error *err)
{
	PGresult *r = db_exec(a, &stmts[COMPONENTS_CHECK], 2, p, err);

	if (r == NULL)
		return err->status;
	if (atol(PQgetvalue(r, 0, 0)) > COMPONENTS_PER_PAGE_MAX)
		return sd_fail(err, SD_BAD_REQUEST, "too many components",
		    "a page holds at most %d components",
		    COMPONENTS_PER_PAGE_MAX);
	if (atol(PQgetvalue(r, 0, 1)) > 0)
		return sd_fail(err, SD_BAD_REQUEST, "invalid component tree",
		    "groups hold components, one level deep");
	return SD_OK;
}

enum sd_status
db_components_apply(struct arena *a, const char *cloud_id, const char *page_id,
    const struct component_row *rows, size_t nrows, const char *const *deletes,
    size_t ndeletes, struct sd_error *err)
{
	const char *p[3] = { cloud_id, page_id, NULL };
	const char **known;
	size_t i, nknown = 0;
	enum sd_status st;

	known = arena_alloc(a, sizeof(char *) * (nrows + ndeletes + 1));
	if (known == NULL)
		return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	for (i = 0; i < nrows; i++)
		if (!rows[i].is_new)
			known[nknown++] = rows[i].id;
	for (i = 0; i < ndeletes; i++)
		known[nknown++] = deletes[i];
	p[2] = db_array_literal(a, known, nknown);
	if (p[2] == NULL)
		return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	st = check_known(a, p, p[2], err);
	if (st != SD_OK)
		return st;
	if (ndeletes > 0) {
		/* known[] holds the updated ids, then the deleted ones. */
		const char *dp[4] = { cloud_id, page_id,
			db_array_literal(a, deletes, ndeletes),
			db_array_literal(a, known, nknown - ndeletes) };

		if (dp[2] == NULL || dp[3] == NULL)
			return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
		if (db_exec(a, &stmts[COMPONENTS_DELETE], 4, dp, err) == NULL)
			return err->status;
	}
	if (nrows > 0) {
		p[2] = rows_json(a, rows, nrows);
		if (p[2] == NULL)
			return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
		if (db_exec(a, &stmts[COMPONENTS_UPSERT], 3, p, err) == NULL)
			return err->status;
	}
	return check_tree(a, p, err);
}

enum sd_status
db_components_draft_tree(struct arena *a, const char *cloud_id,
    const char *page_id, const char **json, struct sd_error *err)
{
	const char *p[2] = { cloud_id, page_id };
	PGresult *r = db_exec(a, &stmts[COMPONENTS_TREE], 2, p, err);

	if (r == NULL)
		return err->status;
	*json = PQgetvalue(r, 0, 0);
	return SD_OK;
}

/* Reads a keyset result (json, position, id, total) into out, in list
 * order (a backward query comes back reversed). */
static enum sd_status
read_page(struct arena *a, PGresult *r, int backward,
    struct component_page *out, struct sd_error *err)
{
	int n = PQntuples(r), i, row;

	out->total = n > 0 ? atol(PQgetvalue(r, 0, 3)) : 0;
	if (n == 1 && PQgetisnull(r, 0, 0))
		n = 0; /* an empty page: only the total */
	out->count = n;
	out->items = arena_alloc(a, sizeof(char *) * (size_t)(n + 1));
	out->positions = arena_alloc(a, sizeof(char *) * (size_t)(n + 1));
	out->ids = arena_alloc(a, sizeof(char *) * (size_t)(n + 1));
	if (out->items == NULL || out->positions == NULL || out->ids == NULL)
		return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	for (i = 0; i < n; i++) {
		row = backward ? n - 1 - i : i;
		out->items[i] = PQgetvalue(r, row, 0);
		out->positions[i] = PQgetvalue(r, row, 1);
		out->ids[i] = PQgetvalue(r, row, 2);
	}
	return SD_OK;
}

enum sd_status
db_components_draft_keyset(struct arena *a, const char *cloud_id,
    const char *page_id, const char *after_pos, const char *after_id,
    int backward, int limit, struct component_page *out, struct sd_error *err)
{
	char lim[16];
	const char *p[5] = { cloud_id, page_id, after_pos, after_id, lim };
	PGresult *r;

	snprintf(lim, sizeof(lim), "%d", limit + 1);
	r = db_exec(a, &stmts[backward ? COMPONENTS_BEFORE : COMPONENTS_AFTER],
	    5, p, err);
	if (r == NULL)
		return err->status;
	return read_page(a, r, backward, out, err);
}

enum sd_status
db_components_uptime(struct arena *a, const struct uptime_query *q,
    struct component_page *out, struct sd_error *err)
{
	char lim[16];
	const char *p[9] = { q->cloud_id, q->page_id, q->from, q->to, q->search,
		NULL, q->after_pos, q->after_id, q->limit > 0 ? lim : NULL };
	PGresult *r;

	if (q->nstatuses > 0) {
		p[5] = db_array_literal(a, q->statuses, q->nstatuses);
		if (p[5] == NULL)
			return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	}
	snprintf(lim, sizeof(lim), "%d", q->limit + 1);
	r = db_exec(
	    a, &stmts[q->backward ? UPTIME_BEFORE : UPTIME_AFTER], 9, p, err);
	if (r == NULL)
		return err->status;
	return read_page(a, r, q->backward, out, err);
}

enum sd_status
db_components_uptime_document(struct arena *a, const struct uptime_query *q,
    const char **json, struct sd_error *err)
{
	const char *p[4] = { q->cloud_id, q->page_id, q->from, q->to };

	return db_one_value(
	    a, &stmts[UPTIME_DOCUMENT], 4, p, json, "page not found", err);
}

enum sd_status
db_component_uptime(struct arena *a, const char *cloud_id,
    const char *component_id, const char *from, const char *to,
    const char **json, const char **uptime, struct sd_error *err)
{
	const char *p[4] = { cloud_id, component_id, from, to };
	PGresult *r = db_exec(a, &stmts[UPTIME_COMPONENT], 4, p, err);

	if (r == NULL)
		return err->status;
	if (PQntuples(r) != 1)
		return sd_fail(err, SD_NOT_FOUND, "component not found", NULL);
	*json = PQgetvalue(r, 0, 0);
	*uptime = PQgetvalue(r, 0, 1);
	return SD_OK;
}

enum sd_status
db_page_uptime(struct arena *a, const char *cloud_id, const char *page_id,
    const char *from, const char *to, const char **uptime, struct sd_error *err)
{
	const char *p[4] = { cloud_id, page_id, from, to };

	return db_one_value(
	    a, &stmts[UPTIME_PAGE], 4, p, uptime, "page not found", err);
}
