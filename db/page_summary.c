#include "page_summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

#define VISIBLE                                                                \
	"p.cloud_id = $1 AND p.archived_at IS NULL"                            \
	" AND p.page_status <> 'SOFT_DELETED' AND page_matches_filter("        \
	"p.page_status, $2)"
/* A page's stored summary item (pages.summary: all but stakeholderCount)
 * and its stakeholder count, joined so that PostgreSQL inlines the count
 * as one index probe per page; summary_items() makes the items. */
#define ITEM_COLUMNS "p.summary, s.n"
#define STAKEHOLDERS                                                           \
	" CROSS JOIN LATERAL page_stakeholders(p.cloud_id, p.id) AS s(n)"

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
	/* The newest $3 pages at most and one more, which tells that the list
	 * was cut (issue 9: a cloud of 100,000 pages must not hold a worker
	 * for seconds), read in order from the pages_newest index (migration
	 * 011): each page's stored item and its stakeholder count, one row a
	 * page, joined in C (issue 13: rows cost less than the same text
	 * built by string functions in one row). */
	DB_STMT(PAGES_SUMMARY,
	    "SELECT " ITEM_COLUMNS " FROM pages p" STAKEHOLDERS
	    " WHERE " VISIBLE " ORDER BY p.created_at DESC, p.id"
	    " LIMIT $3::integer + 1"),
	/* Keyset on (lower(name), id): never OFFSET. The total is joined in
	 * so it arrives with an empty page too (one row, NULL item). */
	DB_STMT(PAGES_SUMMARY_KEYSET,
	    "WITH t AS (SELECT coalesce(sum(n), 0) AS total FROM page_counts"
	    " WHERE cloud_id = $1 AND page_matches_filter(page_status, $2)),"
	    " r AS (SELECT " ITEM_COLUMNS ", lower(p.name) AS key, p.id"
	    " FROM pages p" STAKEHOLDERS " WHERE " VISIBLE
	    " AND (lower(p.name), p.id) >"
	    " (coalesce($3::text, ''), coalesce($4::uuid,"
	    " '00000000-0000-0000-0000-000000000000'))"
	    " ORDER BY lower(p.name), p.id LIMIT $5::integer)"
	    " SELECT r.summary, r.n, r.key, r.id, t.total"
	    " FROM t LEFT JOIN r ON true ORDER BY r.key, r.id"),
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

/* The summary item of row i: the stored item (a JSON object) with the
 * stakeholder count of column n_col added before its closing brace. NULL
 * on OOM or a stored item that is not an object. */
static const char *
summary_item(struct arena *a, const PGresult *r, int i, int n_col)
{
	static const char member[] = ", \"stakeholderCount\": ";
	const char *stored = PQgetvalue(r, i, 0), *n = PQgetvalue(r, i, n_col);
	size_t len = (size_t)PQgetlength(r, i, 0), n_len = strlen(n);
	char *item, *p;

	if (len < 3 || stored[0] != '{' || stored[len - 1] != '}')
		return NULL;
	item = arena_alloc(a, len - 1 + sizeof(member) - 1 + n_len + 2);
	if (item == NULL)
		return NULL;
	p = item;
	memcpy(p, stored, len - 1);
	p += len - 1;
	memcpy(p, member, sizeof(member) - 1);
	p += sizeof(member) - 1;
	memcpy(p, n, n_len);
	p += n_len;
	memcpy(p, "}", 2);
	return item;
}

/* out->items from the first out->count rows of r. */
static enum sd_status
summary_items(struct arena *a, const PGresult *r, int n_col,
    struct summary_page *out, struct sd_error *err)
{
	int i;

	out->items = arena_alloc(a, sizeof(char *) * (size_t)(out->count + 1));
	if (out->items == NULL)
		return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	for (i = 0; i < out->count; i++)
		if ((out->items[i] = summary_item(a, r, i, n_col)) == NULL)
			return sd_fail(err, SD_INTERNAL,
			    "cannot make a page summary item", NULL);
	return SD_OK;
}

enum sd_status
db_pages_summary(struct arena *a, const char *cloud_id, const char *filter,
    int max_pages, struct summary_page *out, struct sd_error *err)
{
	char max[16];
	const char *p[3] = { cloud_id, filter, max };
	PGresult *r;

	snprintf(max, sizeof(max), "%d", max_pages);
	r = db_exec(a, &stmts[PAGES_SUMMARY], 3, p, err);
	if (r == NULL)
		return err->status;
	memset(out, 0, sizeof(*out));
	out->count = PQntuples(r);
	return summary_items(a, r, 1, out, err);
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
	out->total = out->count > 0 ? atol(PQgetvalue(r, 0, 4)) : 0;
	if (out->count == 1 && PQgetisnull(r, 0, 0))
		out->count = 0; /* an empty page: only the total */
	out->keys = arena_alloc(a, sizeof(char *) * (size_t)(out->count + 1));
	out->ids = arena_alloc(a, sizeof(char *) * (size_t)(out->count + 1));
	if (out->keys == NULL || out->ids == NULL)
		return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	for (i = 0; i < out->count; i++) {
		out->keys[i] = PQgetvalue(r, i, 2);
		out->ids[i] = PQgetvalue(r, i, 3);
	}
	return summary_items(a, r, 1, out, err);
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
