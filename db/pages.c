#include "pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

/* A page that was permanently deleted (archived) answers nowhere; a
 * soft-deleted one is still reachable by id, so it can be recovered. */
#define LIVE "cloud_id = $1 AND id = $2::uuid AND" DB_NOT_ARCHIVED("")

enum page_stmt {
	PAGE_GET,
	PAGE_GET_BY_NAME,
	PAGE_INSERT,
	PAGE_UPDATE,
	PAGE_LOCK,
	PAGE_DRAFT_GET,
	PAGE_DRAFT_GET_BY_NAME,
	PAGE_DRAFT_CLASH,
	PAGE_DRAFT_UPSERT,
	PAGE_SET_STATUS,
	PAGE_COMPONENTS_PUBLISH,
	PAGE_PUBLISH,
	PAGE_COMPONENTS_DISCARD,
	PAGE_DRAFT_DELETE,
	PAGE_DELETE,
	PAGE_SOFT_DELETE,
	PAGE_RECOVER,
	PAGE_ARCHIVE,
	PAGE_RESTORE,
	PAGE_PURGE,
	PAGE_STMT__MAX
};

static const struct db_stmt stmts[PAGE_STMT__MAX] = {
	/* The hot read: by primary key only. With archived_at in the WHERE,
	 * a planner without statistics picks the partial name index and
	 * scans the cloud (measured: 3-9 ms instead of 0.1). */
	DB_STMT(PAGE_GET,
	    "SELECT doc, archived_at IS NOT NULL FROM pages"
	    " WHERE cloud_id = $1 AND id = $2::uuid"),
	DB_STMT(PAGE_GET_BY_NAME,
	    "SELECT doc FROM pages"
	    " WHERE cloud_id = $1 AND lower(name) = lower($2)"
	    " AND archived_at IS NULL AND page_status <> 'SOFT_DELETED'"),
	DB_STMT(PAGE_INSERT,
	    "INSERT INTO pages (cloud_id, id, name, subdomain,"
	    " page_type, page_status, attrs, created_by) VALUES ($1, $2::uuid,"
	    " $3, $4, $5, $6, jsonb_strip_nulls($7::jsonb), $8) RETURNING "
	    "doc"),
	/* One statement (db/sql/25_page_writes.sql): the row lock orders
	 * concurrent writers, the merge happens on the locked row, so no
	 * update is lost, and a pending draft follows. */
	DB_STMT(PAGE_UPDATE,
	    "SELECT page_update_live($1, $2::uuid, $3, $4, $5, $6::jsonb,"
	    " $7::integer)"),
	DB_STMT(PAGE_LOCK,
	    "SELECT page_status, version FROM pages WHERE " LIVE " FOR UPDATE"),
	/* A page with pending changes (page fields, components or both)
	 * renders its draft version; others their only version. */
	DB_STMT(PAGE_DRAFT_GET,
	    "SELECT CASE WHEN page_has_pending_draft(p)"
	    " THEN page_render_draft(p, d) ELSE p.doc END"
	    " FROM pages p LEFT JOIN page_drafts d"
	    " ON d.cloud_id = p.cloud_id AND d.page_id = p.id"
	    " WHERE p.cloud_id = $1 AND p.id = $2::uuid"
	    " AND" DB_NOT_ARCHIVED("p.")),
	DB_STMT(PAGE_DRAFT_GET_BY_NAME,
	    "SELECT CASE WHEN page_has_pending_draft(p)"
	    " THEN page_render_draft(p, d) ELSE p.doc END"
	    " FROM pages p LEFT JOIN page_drafts d ON d.cloud_id = p.cloud_id"
	    " AND d.page_id = p.id WHERE p.cloud_id = $1"
	    " AND p.archived_at IS NULL AND p.page_status <> 'SOFT_DELETED'"
	    " AND lower(coalesce(d.name, p.name)) = lower($2)"
	    " ORDER BY d.page_id IS NULL LIMIT 1"),
	/* A draft's name and subdomain must not be another page's. */
	DB_STMT(PAGE_DRAFT_CLASH,
	    "SELECT CASE WHEN lower(name) = lower($3)"
	    " AND cloud_id = $1 THEN 'name' ELSE 'subdomain' END FROM pages"
	    " WHERE archived_at IS NULL AND NOT (cloud_id = $1 AND id = "
	    "$2::uuid)"
	    " AND ((cloud_id = $1 AND lower(name) = lower($3))"
	    " OR subdomain = $4) LIMIT 1"),
	DB_STMT(PAGE_DRAFT_UPSERT,
	    "INSERT INTO page_drafts AS d (cloud_id, page_id,"
	    " name, subdomain, page_type, attrs)"
	    " SELECT cloud_id, id, coalesce($3, name), coalesce($4, subdomain),"
	    " coalesce($5, page_type),"
	    " page_attrs_merge(attrs, $6::jsonb)"
	    " FROM pages WHERE " LIVE
	    " ON CONFLICT (cloud_id, page_id) DO UPDATE SET"
	    " name = coalesce($3, d.name), subdomain = coalesce($4, "
	    "d.subdomain),"
	    " page_type = coalesce($5, d.page_type),"
	    " attrs = page_attrs_merge(d.attrs, $6::jsonb),"
	    " updated_at = now()"),
	DB_STMT(PAGE_SET_STATUS,
	    "UPDATE pages SET page_status = $3,"
	    " version = version + 1, updated_at = now(),"
	    " unpublished_at = CASE WHEN $3 LIKE 'UNPUBLISHED%'"
	    " THEN coalesce(unpublished_at, now())"
	    " WHEN $3 LIKE 'PUBLISHED%' THEN NULL ELSE unpublished_at END"
	    " WHERE " LIVE " RETURNING doc"),
	/* Publishing: the draft tree of components first, so the page
	 * document rendered by the UPDATE lists the new live components. */
	DB_STMT(
	    PAGE_COMPONENTS_PUBLISH, "SELECT components_publish($1, $2::uuid)"),
	DB_STMT(PAGE_PUBLISH,
	    "UPDATE pages p SET name = coalesce(d.name, p.name),"
	    " subdomain = coalesce(d.subdomain, p.subdomain),"
	    " page_type = coalesce(d.page_type, p.page_type),"
	    " attrs = coalesce(d.attrs, p.attrs), page_status = 'PUBLISHED',"
	    " version = p.version + 1, updated_at = now(),"
	    " unpublished_at = NULL FROM (SELECT 1) AS one"
	    " LEFT JOIN page_drafts d ON d.cloud_id = $1"
	    " AND d.page_id = $2::uuid"
	    " WHERE p.cloud_id = $1 AND p.id = $2::uuid"
	    " AND" DB_NOT_ARCHIVED("p.") " RETURNING p.doc"),
	DB_STMT(PAGE_COMPONENTS_DISCARD,
	    "SELECT components_discard_draft($1, $2::uuid)"),
	DB_STMT(PAGE_DRAFT_DELETE,
	    "DELETE FROM page_drafts"
	    " WHERE cloud_id = $1 AND page_id = $2::uuid"),
	DB_STMT(PAGE_DELETE, "DELETE FROM pages WHERE " LIVE),
	DB_STMT(PAGE_SOFT_DELETE,
	    "UPDATE pages SET status_before_delete ="
	    " page_status, page_status = 'SOFT_DELETED', deleted_at = now(),"
	    " deleted_by = $3, version = version + 1, updated_at = now()"
	    " WHERE " LIVE " RETURNING doc"),
	DB_STMT(PAGE_RECOVER,
	    "UPDATE pages SET page_status = status_before_delete,"
	    " status_before_delete = NULL, deleted_at = NULL, deleted_by = "
	    "NULL,"
	    " version = version + 1, updated_at = now()"
	    " WHERE " LIVE " RETURNING doc"),
	DB_STMT(PAGE_ARCHIVE,
	    "UPDATE pages SET archived_at = now(),"
	    " archived_by = $3 WHERE " LIVE),
	DB_STMT(PAGE_RESTORE,
	    "UPDATE pages SET archived_at = NULL,"
	    " archived_by = NULL, updated_at = now()"
	    " WHERE cloud_id = $1 AND id = $2::uuid AND archived_at IS NOT NULL"
	    " AND archived_at > now() - make_interval(days => $3::integer)"
	    " RETURNING doc"),
	/* The purge is the one statement that spans clouds: it is run by the
	 * operator (statusctl purge), never by an API request. */
	DB_STMT(PAGE_PURGE,
	    "DELETE FROM pages WHERE archived_at IS NOT NULL"
	    " AND archived_at <= now() - make_interval(days => $1::integer)"),
};

const struct db_stmt_table db_page_stmts = DB_STMT_TABLE(stmts);

static enum sd_status
single_doc(struct arena *a, const struct db_stmt *stmt, int n,
    const char *const *p, const char **doc, struct sd_error *err)
{
	return db_one_value(a, stmt, n, p, doc, "page not found", err);
}

/* Runs a statement that must touch exactly one row. */
static enum sd_status
one_row(struct arena *a, const struct db_stmt *stmt, int n,
    const char *const *p, struct sd_error *err)
{
	PGresult *r = db_exec(a, stmt, n, p, err);

	if (r == NULL)
		return err->status;
	if (strcmp(PQcmdTuples(r), "1") != 0)
		return sd_fail(err, SD_NOT_FOUND, "page not found", NULL);
	return SD_OK;
}

enum sd_status
db_page_get(struct arena *a, const char *cloud_id, const char *id,
    const char **doc, struct sd_error *err)
{
	const char *p[2] = { cloud_id, id };
	PGresult *r = db_exec(a, &stmts[PAGE_GET], 2, p, err);

	if (r == NULL)
		return err->status;
	if (PQntuples(r) != 1 || strcmp(PQgetvalue(r, 0, 1), "t") == 0)
		return sd_fail(err, SD_NOT_FOUND, "page not found", NULL);
	*doc = PQgetvalue(r, 0, 0);
	return SD_OK;
}

enum sd_status
db_page_get_by_name(struct arena *a, const char *cloud_id, const char *name,
    const char **doc, struct sd_error *err)
{
	const char *p[2] = { cloud_id, name };

	return single_doc(a, &stmts[PAGE_GET_BY_NAME], 2, p, doc, err);
}

enum sd_status
db_page_draft_get(struct arena *a, const char *cloud_id, const char *id,
    const char **doc, struct sd_error *err)
{
	const char *p[2] = { cloud_id, id };

	return single_doc(a, &stmts[PAGE_DRAFT_GET], 2, p, doc, err);
}

enum sd_status
db_page_draft_get_by_name(struct arena *a, const char *cloud_id,
    const char *name, const char **doc, struct sd_error *err)
{
	const char *p[2] = { cloud_id, name };

	return single_doc(a, &stmts[PAGE_DRAFT_GET_BY_NAME], 2, p, doc, err);
}

enum sd_status
db_page_insert(struct arena *a, const struct page_write *w, const char **doc,
    struct sd_error *err)
{
	const char *p[8] = { w->cloud_id, w->id, w->name, w->subdomain,
		w->page_type, page_status_name(w->page_status), w->attrs,
		w->created_by };

	return single_doc(a, &stmts[PAGE_INSERT], 8, p, doc, err);
}

enum sd_status
db_page_update(struct arena *a, const struct page_write *w, const char **doc,
    struct sd_error *err)
{
	const char *p[7] = { w->cloud_id, w->id, w->name, w->subdomain,
		w->page_type, w->attrs, w->expected_version };
	PGresult *r = db_exec(a, &stmts[PAGE_UPDATE], 7, p, err);

	if (r == NULL)
		return err->status;
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0))
		return sd_fail(err, SD_NOT_FOUND, "page not found", NULL);
	*doc = PQgetvalue(r, 0, 0);
	return SD_OK;
}

enum sd_status
db_page_lock(struct arena *a, const char *cloud_id, const char *id,
    struct page_state *out, struct sd_error *err)
{
	const char *p[2] = { cloud_id, id };
	PGresult *r = db_exec(a, &stmts[PAGE_LOCK], 2, p, err);

	if (r == NULL)
		return err->status;
	if (PQntuples(r) != 1)
		return sd_fail(err, SD_NOT_FOUND, "page not found", NULL);
	out->status = page_status_parse(PQgetvalue(r, 0, 0));
	if (out->status == PS__MAX)
		return sd_fail(err, SD_INTERNAL, "internal error", NULL);
	out->version = atoi(PQgetvalue(r, 0, 1));
	return SD_OK;
}

enum sd_status
db_page_draft_write(
    struct arena *a, const struct page_write *w, struct sd_error *err)
{
	const char *clash[4] = { w->cloud_id, w->id, w->name ? w->name : "",
		w->subdomain ? w->subdomain : "" };
	const char *p[6] = { w->cloud_id, w->id, w->name, w->subdomain,
		w->page_type, w->attrs };
	PGresult *r;

	r = db_exec(a, &stmts[PAGE_DRAFT_CLASH], 4, clash, err);
	if (r == NULL)
		return err->status;
	if (PQntuples(r) > 0)
		return strcmp(PQgetvalue(r, 0, 0), "name") == 0
		    ? sd_fail(err, SD_CONFLICT,
		          "a page with this name already exists", NULL)
		    : sd_fail(err, SD_CONFLICT,
		          "this subdomain is already taken", NULL);
	return one_row(a, &stmts[PAGE_DRAFT_UPSERT], 6, p, err);
}

enum sd_status
db_page_set_status(struct arena *a, const char *cloud_id, const char *id,
    enum page_status status, const char **doc, struct sd_error *err)
{
	const char *p[3] = { cloud_id, id, page_status_name(status) };

	return single_doc(a, &stmts[PAGE_SET_STATUS], 3, p, doc, err);
}

enum sd_status
db_page_publish(struct arena *a, const char *cloud_id, const char *id,
    const char **doc, struct sd_error *err)
{
	const char *p[2] = { cloud_id, id };
	enum sd_status st;

	if (db_exec(a, &stmts[PAGE_COMPONENTS_PUBLISH], 2, p, err) == NULL)
		return err->status;
	st = single_doc(a, &stmts[PAGE_PUBLISH], 2, p, doc, err);
	if (st == SD_OK &&
	    db_exec(a, &stmts[PAGE_DRAFT_DELETE], 2, p, err) == NULL)
		return err->status;
	return st;
}

enum sd_status
db_page_discard_draft(
    struct arena *a, const char *cloud_id, const char *id, struct sd_error *err)
{
	const char *p[2] = { cloud_id, id };

	if (db_exec(a, &stmts[PAGE_DRAFT_DELETE], 2, p, err) == NULL ||
	    db_exec(a, &stmts[PAGE_COMPONENTS_DISCARD], 2, p, err) == NULL)
		return err->status;
	return SD_OK;
}

enum sd_status
db_page_delete(
    struct arena *a, const char *cloud_id, const char *id, struct sd_error *err)
{
	const char *p[2] = { cloud_id, id };

	return one_row(a, &stmts[PAGE_DELETE], 2, p, err);
}

enum sd_status
db_page_soft_delete(struct arena *a, const char *cloud_id, const char *id,
    const char *by, struct sd_error *err)
{
	const char *p[3] = { cloud_id, id, by };

	return single_doc(a, &stmts[PAGE_SOFT_DELETE], 3, p, NULL, err);
}

enum sd_status
db_page_recover(struct arena *a, const char *cloud_id, const char *id,
    const char **doc, struct sd_error *err)
{
	const char *p[2] = { cloud_id, id };

	return single_doc(a, &stmts[PAGE_RECOVER], 2, p, doc, err);
}

enum sd_status
db_page_archive(struct arena *a, const char *cloud_id, const char *id,
    const char *by, struct sd_error *err)
{
	const char *p[3] = { cloud_id, id, by };

	return one_row(a, &stmts[PAGE_ARCHIVE], 3, p, err);
}

enum sd_status
db_page_restore(struct arena *a, const char *cloud_id, const char *id,
    int retention_days, struct sd_error *err)
{
	char days[16];
	const char *p[3] = { cloud_id, id, days };

	snprintf(days, sizeof(days), "%d", retention_days);
	return single_doc(a, &stmts[PAGE_RESTORE], 3, p, NULL, err);
}

enum sd_status
db_page_purge(
    struct arena *a, int retention_days, long *purged, struct sd_error *err)
{
	char days[16];
	const char *p[1] = { days };
	PGresult *r;

	snprintf(days, sizeof(days), "%d", retention_days);
	r = db_exec(a, &stmts[PAGE_PURGE], 1, p, err);
	if (r == NULL)
		return err->status;
	*purged = atol(PQcmdTuples(r));
	return SD_OK;
}
