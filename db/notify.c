#include "notify.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "log.h"

#define NOTIFY_CHANNEL "statusd_notify"

enum notify_stmt {
	NOTIFY_FAN_OUT,
	NOTIFY_REAP,
	NOTIFY_CLAIM,
	NOTIFY_FINISH,
	NOTIFY_NEXT_DUE,
	NOTIFY_STMT__MAX
};

static const struct db_stmt stmts[NOTIFY_STMT__MAX] = {
	DB_STMT(NOTIFY_FAN_OUT, "SELECT notify_fan_out($1::integer)"),
	/* Both updates see the same snapshot: the attempts closed are those
	 * of exactly the deliveries taken back. */
	DB_STMT(NOTIFY_REAP,
	    "WITH back AS (UPDATE deliveries SET state = 'PENDING',"
	    " lease_until = NULL, next_attempt_at = now()"
	    " WHERE state = 'IN_FLIGHT' AND lease_until < now()"
	    " RETURNING cloud_id, id, attempts),"
	    " closed AS (UPDATE delivery_attempts a SET outcome = 'ABANDONED',"
	    " finished_at = clock_timestamp(), error = 'lease expired'"
	    " FROM back WHERE a.cloud_id = back.cloud_id"
	    " AND a.delivery_id = back.id AND a.attempt = back.attempts"
	    " RETURNING 1)"
	    " SELECT count(*) FROM back"),
	/* Per channel this notifier sends ($4, an array): the due ones of
	 * each, oldest first, from the (channel, next_attempt_at) index. */
	DB_STMT(NOTIFY_CLAIM,
	    "WITH due AS (SELECT d.cloud_id, d.id"
	    " FROM unnest($4::text[]) AS ch(channel) CROSS JOIN LATERAL"
	    " (SELECT cloud_id, id FROM deliveries"
	    " WHERE state = 'PENDING' AND channel = ch.channel"
	    " AND next_attempt_at <= now()"
	    " ORDER BY next_attempt_at LIMIT $1::integer"
	    " FOR UPDATE SKIP LOCKED) d LIMIT $1::integer),"
	    " taken AS (UPDATE deliveries d SET state = 'IN_FLIGHT',"
	    " attempts = d.attempts + 1,"
	    " lease_until = now() + make_interval(secs => $2::integer)"
	    " FROM due WHERE d.cloud_id = due.cloud_id AND d.id = due.id"
	    " RETURNING d.*),"
	    " logged AS (INSERT INTO delivery_attempts (cloud_id, delivery_id,"
	    " attempt, event_id, subscriber_id, notifier)"
	    " SELECT cloud_id, id, attempts, event_id, subscriber_id, $3"
	    " FROM taken)"
	    /* The event document once per event of the batch (a fan-out
	     * batch is mostly one event). */
	    ", events AS (SELECT o.cloud_id, o.id, o.kind, p.subdomain,"
	    " notification_event_json(o) AS body FROM notification_outbox o"
	    " LEFT JOIN pages p ON p.cloud_id = o.cloud_id"
	    " AND p.id = o.page_id"
	    " WHERE (o.cloud_id, o.id) IN (SELECT cloud_id, event_id"
	    " FROM taken))"
	    " SELECT t.cloud_id, t.id, t.attempts, t.channel, t.target,"
	    " t.secret, t.event_id, e.kind, e.body, t.subscriber_id,"
	    " e.subdomain"
	    " FROM taken t JOIN events e"
	    " ON e.cloud_id = t.cloud_id AND e.id = t.event_id"),
	DB_STMT(NOTIFY_FINISH,
	    "SELECT k, taken FROM delivery_finish_all($1::text[], $2::uuid[],"
	    " $3::integer[], $4::text[], $5::integer[], $6::text[],"
	    " $7::bigint[], $8::uuid[], $9::integer)"),
	/* Milliseconds until the earliest retry (of the channels $1 this
	 * notifier sends), lease expiry or delayed event; NULL when nothing
	 * waits. Each min() is one index probe (per channel). Negative when
	 * overdue: greatest(0, ...) here turned NULL into 0, due now, and an
	 * idle notifier polled every 10 ms. */
	DB_STMT(NOTIFY_NEXT_DUE,
	    "SELECT ceil(extract(epoch FROM least("
	    "(SELECT min(d.next_attempt_at)"
	    " FROM unnest($1::text[]) AS ch(channel) CROSS JOIN LATERAL"
	    " (SELECT next_attempt_at FROM deliveries"
	    " WHERE state = 'PENDING' AND channel = ch.channel"
	    " ORDER BY next_attempt_at LIMIT 1) d),"
	    " (SELECT min(lease_until) FROM deliveries"
	    " WHERE state = 'IN_FLIGHT'),"
	    " (SELECT min(next_attempt_at) FROM notification_outbox"
	    " WHERE delivered_at IS NULL)) - now()) * 1000)::bigint"),
};

const struct db_stmt_table db_notify_stmts = DB_STMT_TABLE(stmts);

/* The connection LISTEN was issued on: after a reconnect it must be
 * issued again, as a new session listens to nothing. */
static const PGconn *listening;

enum sd_status
db_notify_listen(struct sd_error *err)
{
	PGconn *conn;
	PGresult *r;
	int ok;

	if (db_ready(err) != SD_OK)
		return err->status;
	conn = db_connection();
	if (conn == listening)
		return SD_OK;
	r = PQexec(conn, "LISTEN " NOTIFY_CHANNEL);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!ok) {
		db_disconnect();
		return sd_fail(
		    err, SD_UNAVAILABLE, "database unavailable", NULL);
	}
	listening = conn;
	log_info("event=notify_listening channel=" NOTIFY_CHANNEL);
	return SD_OK;
}

/* Drains the notifications libpq has read; 1 when there was one. */
static int
drain(PGconn *conn)
{
	PGnotify *n;
	int got = 0;

	while ((n = PQnotifies(conn)) != NULL) {
		got = 1;
		PQfreemem(n);
	}
	return got;
}

int
db_notify_wait(int timeout_ms)
{
	PGconn *conn = db_connection();
	struct pollfd p;
	int rc;

	if (conn == NULL || conn != listening ||
	    PQstatus(conn) != CONNECTION_OK)
		return -1;
	if (drain(conn))
		return 1;
	p.fd = PQsocket(conn);
	p.events = POLLIN;
	p.revents = 0;
	rc = poll(&p, 1, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -1;
	if (rc == 0)
		return 0;
	if (!PQconsumeInput(conn)) {
		db_disconnect();
		return -1;
	}
	return drain(conn);
}

/* Runs a statement whose one value is a count. */
static enum sd_status
count_of(struct arena *a, enum notify_stmt s, int nparams,
    const char *const *params, int *out, struct sd_error *err)
{
	const char *v;
	enum sd_status st =
	    db_one_value(a, &stmts[s], nparams, params, &v, "no result", err);

	if (st == SD_OK)
		*out = atoi(v);
	return st;
}

enum sd_status
db_notify_fan_out(struct arena *a, int limit, int *events, struct sd_error *err)
{
	char lim[16];
	const char *params[1] = { lim };
	enum sd_status st;

	snprintf(lim, sizeof(lim), "%d", limit);
	if ((st = db_begin(err)) != SD_OK)
		return st;
	st = count_of(a, NOTIFY_FAN_OUT, 1, params, events, err);
	if (st != SD_OK) {
		db_rollback();
		return st;
	}
	return db_commit(err);
}

enum sd_status
db_notify_reap(struct arena *a, int *n, struct sd_error *err)
{
	return count_of(a, NOTIFY_REAP, 0, NULL, n, err);
}

static const char *
column(struct arena *a, const PGresult *r, int row, int col)
{
	const char *v = db_value(r, row, col);

	return v == NULL ? NULL : arena_strdup(a, v);
}

/* The PostgreSQL array literal of a NULL-terminated list of channel
 * names (fixed upper-case words: nothing to quote). */
static const char *
channel_array(struct arena *a, const char *const *channels)
{
	const char *out = "{";
	size_t i;

	for (i = 0; channels[i] != NULL && out != NULL; i++)
		out = arena_printf(a, "%s%s%s", out, i ? "," : "", channels[i]);
	return out == NULL ? NULL : arena_printf(a, "%s}", out);
}

enum sd_status
db_notify_claim(struct arena *a, int limit, int lease_seconds,
    const char *notifier, const char *const *channels, struct notify_job **jobs,
    size_t *n, struct sd_error *err)
{
	char lim[16], lease[16];
	const char *params[4] = { lim, lease, notifier,
		channel_array(a, channels) };
	struct notify_job *j;
	PGresult *r;
	int i, rows;

	snprintf(lim, sizeof(lim), "%d", limit);
	snprintf(lease, sizeof(lease), "%d", lease_seconds);
	if (params[3] == NULL)
		return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	/* One statement outside a transaction block commits on its own. */
	r = db_exec(a, &stmts[NOTIFY_CLAIM], 4, params, err);
	if (r == NULL)
		return err->status;
	rows = PQntuples(r);
	j = arena_zalloc(a, sizeof(*j) * (size_t)(rows ? rows : 1));
	if (j == NULL)
		return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	for (i = 0; i < rows; i++) {
		j[i].cloud_id = column(a, r, i, 0);
		j[i].id = column(a, r, i, 1);
		j[i].attempt = atoi(db_value(r, i, 2));
		j[i].channel = column(a, r, i, 3);
		j[i].target = column(a, r, i, 4);
		j[i].secret = column(a, r, i, 5);
		j[i].event_id = column(a, r, i, 6);
		j[i].kind = column(a, r, i, 7);
		j[i].body = column(a, r, i, 8);
		j[i].subscriber_id = column(a, r, i, 9);
		j[i].page_subdomain = column(a, r, i, 10);
	}
	*jobs = j;
	*n = (size_t)rows;
	return SD_OK;
}

/* The PostgreSQL array literal of n values (NULL elements allowed), each
 * quoted: what an error text holds cannot break out of its element. */
static const char *
array_literal(struct arena *a, const char *const *v, size_t n)
{
	size_t len = 3, i;
	const char *p;
	char *out, *o;

	for (i = 0; i < n; i++)
		len += v[i] == NULL ? 5 : 2 * strlen(v[i]) + 3;
	if ((o = out = arena_alloc(a, len)) == NULL)
		return NULL;
	*o++ = '{';
	for (i = 0; i < n; i++) {
		if (i > 0)
			*o++ = ',';
		if (v[i] == NULL) {
			memcpy(o, "NULL", 4);
			o += 4;
			continue;
		}
		*o++ = '"';
		for (p = v[i]; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				*o++ = '\\';
			*o++ = *p;
		}
		*o++ = '"';
	}
	*o++ = '}';
	*o = '\0';
	return out;
}

/* Column c of the finish statement's arrays for row i. */
static const char *
finish_value(struct arena *a, const struct notify_job *j,
    const struct notify_result *r, int c)
{
	switch (c) {
	case 0: return j->cloud_id;
	case 1: return j->id;
	case 2: return arena_printf(a, "%d", j->attempt);
	case 3: return r->outcome;
	case 4: return arena_printf(a, "%d", r->status_code);
	case 5: return r->error;
	case 6: return arena_printf(a, "%lld", r->next_at_ms);
	default: return j->subscriber_id;
	}
}

#define FINISH_ARRAYS 8

enum sd_status
db_notify_finish(struct arena *a, const struct notify_job *jobs,
    const struct notify_result *res, size_t n, int max_attempts, int *taken,
    struct sd_error *err)
{
	const char *params[FINISH_ARRAYS + 1];
	const char **col = arena_alloc(a, sizeof(*col) * (n ? n : 1));
	PGresult *r;
	size_t i;
	int c, k;

	if (col == NULL)
		return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	for (c = 0; c < FINISH_ARRAYS; c++) {
		for (i = 0; i < n; i++)
			col[i] = finish_value(a, &jobs[i], &res[i], c);
		if ((params[c] = array_literal(a, col, n)) == NULL)
			return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	}
	params[FINISH_ARRAYS] = arena_printf(a, "%d", max_attempts);
	r = db_exec(a, &stmts[NOTIFY_FINISH], FINISH_ARRAYS + 1, params, err);
	if (r == NULL)
		return err->status;
	for (i = 0; i < n; i++)
		taken[i] = 0;
	for (c = 0; c < PQntuples(r); c++) {
		k = atoi(db_value(r, c, 0));
		if (k >= 1 && (size_t)k <= n)
			taken[k - 1] = strcmp(db_value(r, c, 1), "t") == 0;
	}
	return SD_OK;
}

enum sd_status
db_notify_next_due(struct arena *a, const char *const *channels, long long *ms,
    struct sd_error *err)
{
	const char *params[1] = { channel_array(a, channels) };
	PGresult *r;
	const char *v;

	if (params[0] == NULL)
		return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	r = db_exec(a, &stmts[NOTIFY_NEXT_DUE], 1, params, err);
	if (r == NULL)
		return err->status;
	v = PQntuples(r) == 1 ? db_value(r, 0, 0) : NULL;
	*ms = v == NULL ? -1 : atoll(v);
	if (v != NULL && *ms < 0)
		*ms = 0; /* overdue: due now */
	return SD_OK;
}
