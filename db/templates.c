#include "templates.h"

#include <string.h>

#include "db_internal.h"

#define TEMPLATE_DOC(t)                                                        \
	"json_build_object('incidentTemplate', incident_template_json(" t      \
	"))::text"
#define OF_LIVE_PAGE(t)                                                        \
	" p.cloud_id = " t ".cloud_id AND p.id = " t ".page_id"                \
	" AND" DB_NOT_ARCHIVED("p.")

enum template_stmt {
	TEMPLATE_INSERT,
	TEMPLATE_UPDATE,
	TEMPLATE_DELETE,
	TEMPLATE_GET,
	TEMPLATES_LIST,
	TEMPLATES_LIST_PAGE,
	TEMPLATE_STMT__MAX
};

static const struct db_stmt stmts[TEMPLATE_STMT__MAX] = {
	DB_STMT(TEMPLATE_INSERT,
	    "INSERT INTO incident_templates AS t (cloud_id, id, page_id, name,"
	    " title, body, group_id, update_status, should_tweet,"
	    " should_send_notifications) SELECT p.cloud_id, $2::uuid, p.id,"
	    " f ->> 'name', f ->> 'title', f ->> 'body', f ->> 'groupId',"
	    " coalesce(f ->> 'updateStatus', 'INVESTIGATING'),"
	    " coalesce((f ->> 'shouldTweet')::boolean, false),"
	    " coalesce((f ->> 'shouldSendNotifications')::boolean, true)"
	    " FROM pages p, (SELECT $4::jsonb AS f) AS x"
	    " WHERE p.cloud_id = $1 AND p.id = $3::uuid"
	    " AND" DB_NOT_ARCHIVED("p.") " RETURNING " TEMPLATE_DOC("t")),
	/* A key present with null clears the optional text fields. */
	DB_STMT(TEMPLATE_UPDATE,
	    "UPDATE incident_templates t SET"
	    " name = coalesce(f ->> 'name', t.name),"
	    " title = CASE WHEN f ? 'title' THEN f ->> 'title' ELSE t.title "
	    "END,"
	    " body = CASE WHEN f ? 'body' THEN f ->> 'body' ELSE t.body END,"
	    " group_id = CASE WHEN f ? 'groupId' THEN f ->> 'groupId'"
	    " ELSE t.group_id END,"
	    " update_status = coalesce(f ->> 'updateStatus', t.update_status),"
	    " should_tweet = coalesce((f ->> 'shouldTweet')::boolean,"
	    " t.should_tweet), should_send_notifications = coalesce("
	    "(f ->> 'shouldSendNotifications')::boolean,"
	    " t.should_send_notifications), updated_at = now()"
	    " FROM (SELECT $3::jsonb AS f) AS x, pages p"
	    " WHERE t.cloud_id = $1 AND t.id = $2::uuid AND" OF_LIVE_PAGE(
	        "t") " RETURNING " TEMPLATE_DOC("t")),
	DB_STMT(TEMPLATE_DELETE,
	    "DELETE FROM incident_templates t USING pages p"
	    " WHERE t.cloud_id = $1 AND t.id = $2::uuid AND" OF_LIVE_PAGE("t")),
	DB_STMT(TEMPLATE_GET,
	    "SELECT " TEMPLATE_DOC("t") " FROM incident_templates t, pages p"
	                                " WHERE t.cloud_id = $1 AND t.id = "
	                                "$2::uuid AND" OF_LIVE_PAGE("t")),
	/* The cloud's list leaves out soft-deleted pages, as page lists do. */
	DB_STMT(TEMPLATES_LIST,
	    "SELECT json_build_object('incidentTemplates', coalesce(json_agg("
	    "incident_template_json(t) ORDER BY lower(t.name), t.id),"
	    " '[]'::json))::text"
	    " FROM incident_templates t, pages p WHERE t.cloud_id = $1"
	    " AND" OF_LIVE_PAGE("t") " AND p.page_status <> 'SOFT_DELETED'"),
	DB_STMT(TEMPLATES_LIST_PAGE,
	    "SELECT json_build_object('incidentTemplates', coalesce(json_agg("
	    "incident_template_json(t) ORDER BY lower(t.name), t.id)"
	    " FILTER (WHERE t.id IS NOT NULL), '[]'::json))::text"
	    " FROM pages p LEFT JOIN incident_templates t"
	    " ON t.cloud_id = p.cloud_id AND t.page_id = p.id"
	    " WHERE p.cloud_id = $1 AND p.id = $2::uuid"
	    " AND" DB_NOT_ARCHIVED("p.") " GROUP BY p.cloud_id, p.id"),
};

const struct db_stmt_table db_template_stmts = DB_STMT_TABLE(stmts);

static enum sd_status
single_doc(struct arena *a, const struct db_stmt *stmt, int n,
    const char *const *p, const char **doc, const char *missing,
    struct sd_error *err)
{
	return db_one_value(a, stmt, n, p, doc, missing, err);
}

enum sd_status
db_template_insert(struct arena *a, const char *cloud_id, const char *id,
    const char *page_id, const char *fields, const char **doc,
    struct sd_error *err)
{
	const char *p[4] = { cloud_id, id, page_id, fields };

	return single_doc(
	    a, &stmts[TEMPLATE_INSERT], 4, p, doc, "page not found", err);
}

enum sd_status
db_template_update(struct arena *a, const char *cloud_id, const char *id,
    const char *fields, const char **doc, struct sd_error *err)
{
	const char *p[3] = { cloud_id, id, fields };

	return single_doc(a, &stmts[TEMPLATE_UPDATE], 3, p, doc,
	    "incident template not found", err);
}

enum sd_status
db_template_delete(
    struct arena *a, const char *cloud_id, const char *id, struct sd_error *err)
{
	const char *p[2] = { cloud_id, id };
	PGresult *r = db_exec(a, &stmts[TEMPLATE_DELETE], 2, p, err);

	if (r == NULL)
		return err->status;
	if (strcmp(PQcmdTuples(r), "1") != 0)
		return sd_fail(
		    err, SD_NOT_FOUND, "incident template not found", NULL);
	return SD_OK;
}

enum sd_status
db_template_get(struct arena *a, const char *cloud_id, const char *id,
    const char **doc, struct sd_error *err)
{
	const char *p[2] = { cloud_id, id };

	return single_doc(a, &stmts[TEMPLATE_GET], 2, p, doc,
	    "incident template not found", err);
}

enum sd_status
db_templates_list(struct arena *a, const char *cloud_id, const char *page_id,
    const char **doc, struct sd_error *err)
{
	const char *p[2] = { cloud_id, page_id };

	if (page_id == NULL)
		return single_doc(a, &stmts[TEMPLATES_LIST], 1, p, doc,
		    "page not found", err);
	return single_doc(
	    a, &stmts[TEMPLATES_LIST_PAGE], 2, p, doc, "page not found", err);
}
