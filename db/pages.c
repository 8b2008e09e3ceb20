#include "pages.h"

#include "db_internal.h"

const struct db_stmt db_page_stmts[] = {
	{ "page_get",
	    "SELECT doc FROM pages"
	    " WHERE cloud_id = $1 AND id = $2::uuid" },
	{ "page_get_by_name",
	    "SELECT doc FROM pages"
	    " WHERE cloud_id = $1 AND lower(name) = lower($2)"
	    " AND deleted_at IS NULL" },
	{ "page_insert",
	    "INSERT INTO pages (cloud_id, id, name, subdomain,"
	    " page_type, page_status, attrs, created_by) VALUES ($1, $2::uuid,"
	    " $3, $4, $5, $6, jsonb_strip_nulls($7::jsonb), $8) RETURNING "
	    "doc" },
	/* One statement: the row lock orders concurrent writers and the merge
	 * happens on the locked row, so no update is lost. */
	{ "page_update",
	    "UPDATE pages SET name = coalesce($3, name),"
	    " subdomain = coalesce($4, subdomain),"
	    " page_type = coalesce($5, page_type),"
	    " attrs = jsonb_strip_nulls(jsonb_merge_deep(attrs, $6::jsonb)),"
	    " version = version + 1, updated_at = now()"
	    " WHERE cloud_id = $1 AND id = $2::uuid AND deleted_at IS NULL"
	    " AND ($7::integer IS NULL OR version = $7::integer)"
	    " RETURNING doc" },
	{ "page_version",
	    "SELECT version FROM pages"
	    " WHERE cloud_id = $1 AND id = $2::uuid AND deleted_at IS NULL" },
	{ NULL, NULL },
};

static enum sd_status
single_doc(struct arena *a, const char *stmt, int n, const char *const *p,
    const char **doc, struct sd_error *err)
{
	PGresult *r = db_exec(a, stmt, n, p, err);

	if (r == NULL)
		return err->status;
	if (PQntuples(r) != 1)
		return sd_fail(err, SD_NOT_FOUND, "page not found", NULL);
	*doc = PQgetvalue(r, 0, 0);
	return SD_OK;
}

enum sd_status
db_page_get(struct arena *a, const char *cloud_id, const char *id,
    const char **doc, struct sd_error *err)
{
	const char *p[2] = { cloud_id, id };

	return single_doc(a, "page_get", 2, p, doc, err);
}

enum sd_status
db_page_get_by_name(struct arena *a, const char *cloud_id, const char *name,
    const char **doc, struct sd_error *err)
{
	const char *p[2] = { cloud_id, name };

	return single_doc(a, "page_get_by_name", 2, p, doc, err);
}

enum sd_status
db_page_insert(struct arena *a, const struct page_write *w, const char **doc,
    struct sd_error *err)
{
	const char *p[8] = { w->cloud_id, w->id, w->name, w->subdomain,
		w->page_type, w->page_status, w->attrs, w->created_by };

	return single_doc(a, "page_insert", 8, p, doc, err);
}

enum sd_status
db_page_update(struct arena *a, const struct page_write *w, const char **doc,
    struct sd_error *err)
{
	const char *p[7] = { w->cloud_id, w->id, w->name, w->subdomain,
		w->page_type, w->attrs, w->expected_version };
	const char *vp[2] = { w->cloud_id, w->id };
	enum sd_status st;
	PGresult *r;

	st = single_doc(a, "page_update", 7, p, doc, err);
	if (st != SD_NOT_FOUND || w->expected_version == NULL)
		return st;
	/* No row: either the page is gone or the version moved on. */
	r = db_exec(a, "page_version", 2, vp, err);
	if (r == NULL)
		return err->status;
	if (PQntuples(r) == 0)
		return sd_fail(err, SD_NOT_FOUND, "page not found", NULL);
	return sd_fail(err, SD_CONFLICT, "version conflict",
	    "the page is at version %s; read it again and retry",
	    PQgetvalue(r, 0, 0));
}
