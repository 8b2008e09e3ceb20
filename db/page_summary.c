#include "page_summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

#define VISIBLE                                                                \
	"p.cloud_id = $1 AND p.archived_at IS NULL"                            \
	" AND p.page_status <> 'SOFT_DELETED' AND page_matches_filter("        \
	"p.page_status, $2)"
/* A page's summary item: stored, but for its subscriber count. */
#define ITEM                                                                   \
	"page_summary_text(p.summary,"                                         \
	" page_subscriber_count_of(p.cloud_id, p.id))"

enum page_summary_stmt {
	PAGES_SUMMARY,
	PAGES_SUMMARY_KEYSET,
	PAGE_SUMMARY_DETAILS,
	PAGE_NAME_TAKEN,
	SUBDOMAIN_TAKEN,
	SUBDOMAINS_LIKE,
	PAGE_SUMMARY_STMT__MAX
};

static const struct db_stmt stmts[PAGE_SUMMARY_STMT__MAX] = {
	/* The newest $3 pages at most (issue 9: a cloud of 100,000 pages
	 * must not hold a worker for seconds), read in order from the
	 * pages_newest index (migration 011); each item is stored
	 * (pages.summary, migration 018) and gets its subscriber count. One
	 * row more is looked at to tell the client that the list was cut. */
	DB_STMT(PAGES_SUMMARY,
	    "SELECT '{\"pages\": [' || coalesce(string_agg(s.item, ', '"
	    " ORDER BY s.n) FILTER (WHERE s.n <= $3::integer), '') || ']'"
	    " || CASE WHEN count(*) > $3::integer"
	    " THEN ', \"truncated\": true' ELSE '' END || '}'"
	    " FROM (SELECT " ITEM " AS item, row_number() OVER () AS n"
	    " FROM (SELECT p.cloud_id, p.id, p.summary FROM pages p"
	    " WHERE " VISIBLE " ORDER BY p.created_at DESC, p.id"
	    " LIMIT $3::integer + 1) p) s"),
	/* Keyset on (lower(name), id): never OFFSET. The total is joined in
	 * so it arrives with an empty page too (one row, NULL item). */
	DB_STMT(PAGES_SUMMARY_KEYSET,
	    "WITH t AS (SELECT coalesce(sum(n), 0) AS total FROM page_counts"
	    " WHERE cloud_id = $1 AND page_matches_filter(page_status, $2)),"
	    " r AS (SELECT " ITEM " AS item, lower(p.name) AS key, p.id"
	    " FROM pages p WHERE " VISIBLE " AND (lower(p.name), p.id) >"
	    " (coalesce($3::text, ''), coalesce($4::uuid,"
	    " '00000000-0000-0000-0000-000000000000'))"
	    " ORDER BY lower(p.name), p.id LIMIT $5::integer)"
	    " SELECT r.item, r.key, r.id, t.total FROM t LEFT JOIN r ON true"
	    " ORDER BY r.key, r.id"),
	DB_STMT(PAGE_SUMMARY_DETAILS,
	    "SELECT jsonb_build_object("
	    "'pageSummaryDetails', jsonb_build_object("
	    "'componentCount', page_component_count(p),"
	    " 'health', page_health(p),"
	    " 'subscribersCount', page_subscriber_count(p),"
	    " 'customDomainConfig', page_custom_domain_config("
	    "p.attrs ->> 'domain', p.subdomain)))::text FROM pages p"
	    " WHERE cloud_id = $1 AND id = $2::uuid AND" DB_NOT_ARCHIVED("")),
	DB_STMT(PAGE_NAME_TAKEN,
	    "SELECT EXISTS (SELECT 1 FROM pages"
	    " WHERE cloud_id = $1 AND lower(name) = lower($2)"
	    " AND archived_at IS NULL)"),
	DB_STMT(SUBDOMAIN_TAKEN,
	    "SELECT EXISTS (SELECT 1 FROM pages"
	    " WHERE subdomain = $1 AND archived_at IS NULL)"),
	DB_STMT(SUBDOMAINS_LIKE,
	    "SELECT subdomain FROM pages"
	    " WHERE archived_at IS NULL AND (subdomain = $1"
	    " OR subdomain LIKE $1 || '-%')"),
};

const struct db_stmt_table db_page_summary_stmts = DB_STMT_TABLE(stmts);

static enum sd_status
single_text(struct arena *a, const struct db_stmt *stmt, int n,
    const char *const *p, const char **out, struct sd_error *err)
{
	return db_one_value(a, stmt, n, p, out, "page not found", err);
}

enum sd_status
db_pages_summary(struct arena *a, const char *cloud_id, const char *filter,
    int max_pages, const char **json, struct sd_error *err)
{
	char max[16];
	const char *p[3] = { cloud_id, filter, max };

	snprintf(max, sizeof(max), "%d", max_pages);
	return single_text(a, &stmts[PAGES_SUMMARY], 3, p, json, err);
}

enum sd_status
db_pages_summary_keyset(struct arena *a, const char *cloud_id,
    const char *filter, const char *after_key, const char *after_id, int limit,
    struct summary_page *out, struct sd_error *err)
{
	char lim[16];
	const char *p[5] = { cloud_id, filter, after_key, after_id, lim };
	PGresult *r;
	int i;

	snprintf(lim, sizeof(lim), "%d", limit + 1);
	r = db_exec(a, &stmts[PAGES_SUMMARY_KEYSET], 5, p, err);
	if (r == NULL)
		return err->status;
	out->count = PQntuples(r);
	out->total = out->count > 0 ? atol(PQgetvalue(r, 0, 3)) : 0;
	if (out->count == 1 && PQgetisnull(r, 0, 0))
		out->count = 0; /* an empty page: only the total */
	out->items = arena_alloc(a, sizeof(char *) * (size_t)(out->count + 1));
	out->keys = arena_alloc(a, sizeof(char *) * (size_t)(out->count + 1));
	out->ids = arena_alloc(a, sizeof(char *) * (size_t)(out->count + 1));
	if (out->items == NULL || out->keys == NULL || out->ids == NULL)
		return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	for (i = 0; i < out->count; i++) {
		out->items[i] = PQgetvalue(r, i, 0);
		out->keys[i] = PQgetvalue(r, i, 1);
		out->ids[i] = PQgetvalue(r, i, 2);
	}
	return SD_OK;
}

enum sd_status
db_page_summary_details(struct arena *a, const char *cloud_id, const char *id,
    const char **json, struct sd_error *err)
{
	const char *p[2] = { cloud_id, id };

	return single_text(a, &stmts[PAGE_SUMMARY_DETAILS], 2, p, json, err);
}

static enum sd_status
exists(struct arena *a, const struct db_stmt *stmt, int n, const char *const *p,
    int *out, struct sd_error *err)
{
	const char *v;
	enum sd_status st = single_text(a, stmt, n, p, &v, err);

	if (st == SD_OK)
		*out = strcmp(v, "t") == 0;
	return st;
}

enum sd_status
db_page_name_taken(struct arena *a, const char *cloud_id, const char *name,
    int *taken, struct sd_error *err)
{
	const char *p[2] = { cloud_id, name };

	return exists(a, &stmts[PAGE_NAME_TAKEN], 2, p, taken, err);
}

enum sd_status
db_subdomain_taken(
    struct arena *a, const char *subdomain, int *taken, struct sd_error *err)
{
	const char *p[1] = { subdomain };

	return exists(a, &stmts[SUBDOMAIN_TAKEN], 1, p, taken, err);
}

enum sd_status
db_subdomains_like(struct arena *a, const char *base,
    void (*fn)(const char *subdomain, void *ctx), void *ctx,
    struct sd_error *err)
{
	const char *p[1] = { base };
	PGresult *r = db_exec(a, &stmts[SUBDOMAINS_LIKE], 1, p, err);
	int i;

	if (r == NULL)
		return err->status;
	for (i = 0; i < PQntuples(r); i++)
		fn(PQgetvalue(r, i, 0), ctx);
	return SD_OK;
}
