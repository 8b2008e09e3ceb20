#include "subscribers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

/*
 * Keyset windows in creation order on (created_at, id): $1 cloud, $2/$3 the
 * cursor's key and id (NULL: from the edge), $4 rows to fetch, $5 the page
 * or item, $6 the item type. The bound is always a row comparison
 * (infinite when absent), so it is an index condition. One row at least
 * comes back, carrying the total (from the counters, never a count of
 * rows), even when the window is empty.
 */
#define OF_PAGE " AND s.page_id = $5::uuid"
#define OF_ITEM " AND s.item_id = $5::uuid AND s.item_type = $6"
#define CLOUD_TOTAL                                                            \
	"coalesce((SELECT n FROM subscriber_cloud_totals WHERE cloud_id = "    \
	"$1),"                                                                 \
	" 0)"
#define PAGE_TOTAL                                                             \
	"coalesce((SELECT sum(n) FROM subscriber_counts WHERE cloud_id = $1"   \
	" AND page_id = $5::uuid), 0)"
#define ITEM_TOTAL                                                             \
	"coalesce((SELECT sum(n) FROM subscriber_counts WHERE cloud_id = $1"   \
	" AND item_id = $5::uuid AND item_type = $6), 0)"
#define AFTER_POS                                                              \
	"> (coalesce($2::timestamptz, '-infinity'),"                           \
	" coalesce($3::uuid, '00000000-0000-0000-0000-000000000000'))"
#define BEFORE_POS                                                             \
	"< (coalesce($2::timestamptz, 'infinity'),"                            \
	" coalesce($3::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))"
/* SQL text reads best one clause a line. */
/* clang-format off */
#define LIST(filter, total, pos, order) \
	"SELECT t.total, w.node, w.key, w.id, w.status, w.created" \
	" FROM (SELECT " total " AS total) t LEFT JOIN LATERAL (SELECT" \
	" subscriber_json(s, true)::text AS node," \
	" subscriber_sort_key(s) AS key, s.id::text AS id, s.status," \
	" extract(epoch FROM s.created_at)::bigint AS created," \
	" s.created_at AS at, s.id AS sid" \
	" FROM subscribers s WHERE s.cloud_id = $1" filter \
	" AND (s.created_at, s.id) " pos \
	" ORDER BY s.created_at " order ", s.id " order \
	" LIMIT $4::integer) w ON true ORDER BY w.at, w.sid"
/* clang-format on */

/* The statuses in the order stats list them. */
#define STATUSES                                                               \
	"ARRAY['PENDING_CONFIRMATION', 'SUBSCRIBED', 'UNSUBSCRIBED',"          \
	" 'SUSPENDED', 'DEACTIVATED', 'QUARANTINED', 'UNVERIFIED']"
enum subscriber_stmt {
	SUBSCRIBER_CREATE,
	SUBSCRIBER_ITEM,
	SUBSCRIBER_STATUS,
	SUBSCRIBER_CONFIRM,
	SUBSCRIBER_UNSUBSCRIBE,
	SUBSCRIBERS_DELETE,
	SUBSCRIBERS_CLOUD_AFTER,
	SUBSCRIBERS_CLOUD_BEFORE,
	SUBSCRIBERS_PAGE_AFTER,
	SUBSCRIBERS_PAGE_BEFORE,
	SUBSCRIBERS_ITEM_AFTER,
	SUBSCRIBERS_ITEM_BEFORE,
	SUBSCRIBER_STATS,
	SUBSCRIBERS_TOTAL,
	CAPTCHAS_PURGE,
	SUBSCRIBER_STMT__MAX
};

static const struct db_stmt stmts[SUBSCRIBER_STMT__MAX] = {
	DB_STMT(SUBSCRIBER_CREATE,
	    "SELECT c.outcome, c.existing_id::text,"
	    " subscriber_json(c.sub, $14::boolean)::text,"
	    " extract(epoch FROM (c.sub).created_at)::bigint"
	    " FROM subscriber_create($1, $2::uuid, $3, $4::uuid, $5, $6, $7,"
	    " $8, $9::boolean, $10, $11, to_timestamp($12::bigint),"
	    " $13::bigint) c"),
	DB_STMT(SUBSCRIBER_ITEM,
	    "SELECT page_id::text, accepts FROM"
	    " subscriber_item_page($1, $2, $3::uuid)"),
	DB_STMT(SUBSCRIBER_STATUS,
	    "SELECT status FROM subscribers WHERE cloud_id = $1"
	    " AND id = $2::uuid"),
	/* The CTE's update is not visible to the outer select: a row it
	 * changed reports through u, any other through its current status. */
	DB_STMT(SUBSCRIBER_CONFIRM,
	    "WITH u AS (UPDATE subscribers SET status = 'SUBSCRIBED',"
	    " confirmed_at = now(), updated_at = now() WHERE cloud_id = $1"
	    " AND id = $2::uuid AND status = 'PENDING_CONFIRMATION'"
	    " RETURNING status)"
	    " SELECT coalesce((SELECT status FROM u), s.status)"
	    " FROM subscribers s WHERE s.cloud_id = $1 AND s.id = $2::uuid"),
	DB_STMT(SUBSCRIBER_UNSUBSCRIBE,
	    "WITH u AS (UPDATE subscribers SET status = 'UNSUBSCRIBED',"
	    " updated_at = now() WHERE cloud_id = $1 AND id = $2::uuid"
	    " AND status <> 'UNSUBSCRIBED' RETURNING status)"
	    " SELECT coalesce((SELECT status FROM u), s.status)"
	    " FROM subscribers s WHERE s.cloud_id = $1 AND s.id = $2::uuid"),
	DB_STMT(SUBSCRIBERS_DELETE,
	    "DELETE FROM subscribers WHERE cloud_id = $1"
	    " AND id = ANY($2::uuid[])"),
	DB_STMT(
	    SUBSCRIBERS_CLOUD_AFTER, LIST("", CLOUD_TOTAL, AFTER_POS, "ASC")),
	DB_STMT(SUBSCRIBERS_CLOUD_BEFORE,
	    LIST("", CLOUD_TOTAL, BEFORE_POS, "DESC")),
	DB_STMT(SUBSCRIBERS_PAGE_AFTER,
	    LIST(OF_PAGE, PAGE_TOTAL, AFTER_POS, "ASC")),
	DB_STMT(SUBSCRIBERS_PAGE_BEFORE,
	    LIST(OF_PAGE, PAGE_TOTAL, BEFORE_POS, "DESC")),
	DB_STMT(SUBSCRIBERS_ITEM_AFTER,
	    LIST(OF_ITEM, ITEM_TOTAL, AFTER_POS, "ASC")),
	DB_STMT(SUBSCRIBERS_ITEM_BEFORE,
	    LIST(OF_ITEM, ITEM_TOTAL, BEFORE_POS, "DESC")),
	DB_STMT(SUBSCRIBER_STATS,
	    "SELECT json_build_object('stats', json_strip_nulls("
	    "json_build_object('itemId', $3::text, 'itemType', $2::text,"
	    " 'totalQuotaUsed', coalesce(sum(c.n), 0),"
	    " 'countsByStatus', json_agg(json_build_object('status', u.st,"
	    " 'count', coalesce(c.n, 0)) ORDER BY u.ord),"
	    " 'insertedAt', rfc3339(min(c.created_at)),"
	    " 'updatedAt', rfc3339(max(c.updated_at)))))::text"
	    " FROM unnest(" STATUSES ") WITH ORDINALITY AS u(st, ord)"
	    " LEFT JOIN (SELECT status, sum(n) AS n,"
	    " min(created_at) AS created_at, max(updated_at) AS updated_at"
	    " FROM subscriber_counts WHERE cloud_id = $1 AND item_id = $3::uuid"
	    " AND item_type = $2 GROUP BY status) c ON c.status = u.st"),
	DB_STMT(SUBSCRIBERS_TOTAL,
	    "SELECT json_build_object('totalCount', " CLOUD_TOTAL ")::text"),
	DB_STMT(CAPTCHAS_PURGE,
	    "DELETE FROM used_captchas WHERE expires_at < now()"),
};

const struct db_stmt_table db_subscriber_stmts = DB_STMT_TABLE(stmts);

static const char *const outcomes[SUBSCRIBER_OUTCOME__MAX] = {
	[SUBSCRIBER_CREATED] = "created",
	[SUBSCRIBER_NO_ITEM] = "no_item",
	[SUBSCRIBER_NOT_ACCEPTED] = "not_accepted",
	[SUBSCRIBER_CAPTCHA_USED] = "captcha_used",
	[SUBSCRIBER_DUPLICATE] = "duplicate",
	[SUBSCRIBER_QUOTA] = "quota",
};

enum sd_status
db_subscriber_create(struct arena *a, const struct subscriber_new *s,
    struct subscriber_created *out, struct sd_error *err)
{
	char expires[24], quota[24];
	const char *p[14] = { s->cloud_id, s->id, s->item_type, s->item_id,
		s->subscription_type, s->contact, s->phone_country, s->status,
		s->skip_confirmation ? "true" : "false", s->webhook_secret,
		s->captcha_challenge, expires, quota,
		s->with_contact ? "true" : "false" };
	PGresult *r;
	int i;

	snprintf(expires, sizeof(expires), "%ld", s->captcha_expires);
	snprintf(quota, sizeof(quota), "%ld", s->quota);
	r = db_exec(a, &stmts[SUBSCRIBER_CREATE], 14, p, err);
	if (r == NULL)
		return err->status;
	if (PQntuples(r) != 1)
		return sd_fail(err, SD_INTERNAL, "internal error", NULL);
	memset(out, 0, sizeof(*out));
	out->outcome = SUBSCRIBER_OUTCOME__MAX;
	for (i = 0; i < SUBSCRIBER_OUTCOME__MAX; i++) {
		if (strcmp(PQgetvalue(r, 0, 0), outcomes[i]) == 0)
			out->outcome = (enum subscriber_outcome)i;
	}
	if (out->outcome == SUBSCRIBER_OUTCOME__MAX)
		return sd_fail(err, SD_INTERNAL, "internal error", NULL);
	out->existing_id = db_value(r, 0, 1);
	out->doc = db_value(r, 0, 2);
	out->created_at = PQgetisnull(r, 0, 3) ? 0 : atol(PQgetvalue(r, 0, 3));
	return SD_OK;
}

enum sd_status
db_subscriber_item(struct arena *a, const char *cloud_id, const char *item_type,
    const char *item_id, const char **page_id, int *accepts,
    struct sd_error *err)
{
	const char *p[3] = { cloud_id, item_type, item_id };
	PGresult *r = db_exec(a, &stmts[SUBSCRIBER_ITEM], 3, p, err);

	if (r == NULL)
		return err->status;
	if (PQntuples(r) != 1)
		return sd_fail(err, SD_NOT_FOUND, "item not found", NULL);
	if (page_id != NULL)
		*page_id = db_value(r, 0, 0);
	*accepts = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	return SD_OK;
}

static enum sd_status
status_by(struct arena *a, enum subscriber_stmt stmt, const char *cloud_id,
    const char *id, const char **status, struct sd_error *err)
{
	const char *p[2] = { cloud_id, id };

	return db_one_value(
	    a, &stmts[stmt], 2, p, status, "subscriber not found", err);
}

enum sd_status
db_subscriber_status(struct arena *a, const char *cloud_id, const char *id,
    const char **status, struct sd_error *err)
{
	return status_by(a, SUBSCRIBER_STATUS, cloud_id, id, status, err);
}

enum sd_status
db_subscriber_confirm(struct arena *a, const char *cloud_id, const char *id,
    const char **status, struct sd_error *err)
{
	return status_by(a, SUBSCRIBER_CONFIRM, cloud_id, id, status, err);
}

enum sd_status
db_subscriber_unsubscribe(
    struct arena *a, const char *cloud_id, const char *id, struct sd_error *err)
{
	const char *status;

	return status_by(a, SUBSCRIBER_UNSUBSCRIBE, cloud_id, id, &status, err);
}

static enum sd_status
count_deleted(struct arena *a, enum subscriber_stmt stmt, int n,
    const char *const *p, long *deleted, struct sd_error *err)
{
	PGresult *r = db_exec(a, &stmts[stmt], n, p, err);

	if (r == NULL)
		return err->status;
	*deleted = atol(PQcmdTuples(r));
	return SD_OK;
}

enum sd_status
db_subscribers_delete(struct arena *a, const char *cloud_id,
    const char *const *ids, size_t n, long *deleted, struct sd_error *err)
{
	const char *p[2] = { cloud_id, db_array_literal(a, ids, n) };

	if (p[1] == NULL)
		return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	return count_deleted(a, SUBSCRIBERS_DELETE, 2, p, deleted, err);
}

enum sd_status
db_captcha_purge(struct arena *a, long *purged, struct sd_error *err)
{
	return count_deleted(a, CAPTCHAS_PURGE, 0, NULL, purged, err);
}

static int
rows_alloc(struct arena *a, struct subscriber_rows *out, int n)
{
	size_t sz = sizeof(char *) * (size_t)n;

	out->nodes = arena_alloc(a, sz);
	out->keys = arena_alloc(a, sz);
	out->ids = arena_alloc(a, sz);
	out->statuses = arena_alloc(a, sz);
	out->created_at = arena_alloc(a, sizeof(long) * (size_t)n);
	return out->nodes && out->keys && out->ids && out->statuses &&
	        out->created_at
	    ? 0
	    : -1;
}

enum sd_status
db_subscribers_list(struct arena *a, const struct subscriber_list_query *q,
    struct subscriber_rows *out, struct sd_error *err)
{
	static const enum subscriber_stmt list[SUBSCRIBER_LIST_BY__MAX][2] = {
		[SUBSCRIBERS_OF_CLOUD] = { SUBSCRIBERS_CLOUD_AFTER,
		    SUBSCRIBERS_CLOUD_BEFORE },
		[SUBSCRIBERS_OF_PAGE] = { SUBSCRIBERS_PAGE_AFTER,
		    SUBSCRIBERS_PAGE_BEFORE },
		[SUBSCRIBERS_OF_ITEM] = { SUBSCRIBERS_ITEM_AFTER,
		    SUBSCRIBERS_ITEM_BEFORE },
	};
	static const int nparams[SUBSCRIBER_LIST_BY__MAX] = { 4, 5, 6 };
	char lim[16];
	const char *p[6] = { q->cloud_id, q->key, q->id, lim, q->filter_id,
		q->item_type };
	PGresult *r;
	int i, n;

	if ((unsigned)q->by >= SUBSCRIBER_LIST_BY__MAX)
		return sd_fail(err, SD_INTERNAL, "internal error", NULL);
	snprintf(lim, sizeof(lim), "%d", q->limit + 1);
	r = db_exec(
	    a, &stmts[list[q->by][q->backward != 0]], nparams[q->by], p, err);
	if (r == NULL)
		return err->status;
	n = PQntuples(r);
	if (n < 1 || rows_alloc(a, out, n) != 0)
		return sd_fail(err, SD_INTERNAL, "internal error", NULL);
	out->total = atol(PQgetvalue(r, 0, 0));
	out->count = 0;
	for (i = 0; i < n; i++) {
		if (PQgetisnull(r, i, 1))
			continue; /* the one row of an empty window */
		out->nodes[out->count] = PQgetvalue(r, i, 1);
		out->keys[out->count] = PQgetvalue(r, i, 2);
		out->ids[out->count] = PQgetvalue(r, i, 3);
		out->statuses[out->count] = PQgetvalue(r, i, 4);
		out->created_at[out->count] = atol(PQgetvalue(r, i, 5));
		out->count++;
	}
	return SD_OK;
}

enum sd_status
db_subscriber_stats(struct arena *a, const char *cloud_id,
    const char *item_type, const char *item_id, const char **doc,
    struct sd_error *err)
{
	const char *p[3] = { cloud_id, item_type, item_id };

	return db_one_value(
	    a, &stmts[SUBSCRIBER_STATS], 3, p, doc, "item not found", err);
}

enum sd_status
db_subscribers_total(struct arena *a, const char *cloud_id, const char **doc,
    struct sd_error *err)
{
	const char *p[1] = { cloud_id };

	return db_one_value(
	    a, &stmts[SUBSCRIBERS_TOTAL], 1, p, doc, "cloud not found", err);
}
