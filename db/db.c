#include "db_internal.h"

#include <poll.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "metrics.h"
#include "migrate.h"

static const struct db_stmt_table *const all_stmts[] = {
	&db_token_stmts,
	&db_page_stmts,
	&db_page_summary_stmts,
	&db_component_stmts,
	&db_idempotency_stmts,
	&db_incident_stmts,
	&db_template_stmts,
	&db_subscriber_stmts,
	&db_notify_stmts,
	&db_job_stmts,
	&db_delivery_stmts,
};
#define NTABLES (sizeof(all_stmts) / sizeof(all_stmts[0]))

/* Unique and check constraints whose violation is the client's doing, with
 * the message the client gets. Everything else is logged as a bug. */
static const struct {
	const char *constraint;
	enum sd_status status;
	const char *message;
} known_constraints[] = {
	{ "pages_name_key", SD_CONFLICT,
	    "a page with this name already exists" },
	{ "pages_subdomain_key", SD_CONFLICT,
	    "this subdomain is already taken" },
	{ "pages_pkey", SD_CONFLICT, "a page with this id already exists" },
	{ "pages_domain_key", SD_CONFLICT,
	    "this custom domain is already used by another page" },
	{ "subscribers_contact_key", SD_CONFLICT,
	    "this contact is already subscribed to this item" },
};

static struct {
	const struct db_settings *settings;
	PGconn *conn;
	int tx_depth; /* nested db_begin calls share one transaction */
	long long next_attempt_ms; /* back-off: no connect before this */
	long backoff_ms;
	long long replan_at_ms; /* plans_refresh_when_due */
	long replan_every_ms;
} db;

/* The counter slot this process's sessions add to (db_use_counter_slot);
 * -1: none of its own. */
static int counter_slot = -1;

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
/*
 * A session keeps the plans it made, and PostgreSQL settles on a generic
 * plan at a statement's sixth run. Made while a table was nearly empty (a
 * new installation), such a plan can take any index holding the key, and
 * keeps it however large the table grows until something invalidates it
 * (an ANALYZE, which autovacuum may not have run yet, or any DDL): the
 * foreign key check of every incident update, planned when incidents held
 * ten rows, walked the cloud's incidents in incidents_page_recent (300
 * checks: 683 ms with 80,000 incidents in the cloud, 36 ms planned again).
 * So the session's plans are dropped (DISCARD PLANS: each is made again at
 * its next use, from the tables as they are then) 1 s after it connects,
 * then after 2, 4, ... s, and every 60 s from then on: tables grow fastest,
 * relative to their size, when they are new.
 */
#define REPLAN_FIRST_MS 1000
#define REPLAN_MAX_MS 60000

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
db_configure(const struct db_settings *s)
{
	db.settings = s;
}

void
db_use_counter_slot(int i)
{
	counter_slot = i < 0 ? -1 : i % DB_COUNTER_SLOTS;
}

PGconn *
db_connection(void)
{
	return db.conn;
}

const char *
db_settings_url(void)
{
	return db.settings->url;
}

int
db_schema_version(void)
{
	/* The highest number, not the count: migrations from parallel work
	 * land out of order (a number may be skipped), and a database must have the
	 * newest one this binary uses. */
	return nmigrations ? migrations[nmigrations - 1].number : 0;
}

int
db_retry_after(void)
{
	return 1;
}

void
db_disconnect(void)
{
	if (db.conn != NULL)
		PQfinish(db.conn);
	db.conn = NULL;
	db.tx_depth = 0;
}

static int
exec_ok(PGconn *conn, const char *sql)
{
	PGresult *r = PQexec(conn, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;

	PQclear(r);
	return ok;
}

/* Session settings: the public domain documents render with, the
 * statement timeout (0 = none), UTC, the counter slot (counter_slot() in
 * db/sql/70_counters.sql; '' when the process has none) and the
 * planner's (db_internal.h). */
static int
session_setup(PGconn *conn, const struct db_settings *s, int timeout_ms)
{
	const char *params[3];
	char timeout[32], slot[16] = "";
	PGresult *r;
	int ok;

	snprintf(timeout, sizeof(timeout), "%d", timeout_ms);
	if (counter_slot >= 0)
		snprintf(slot, sizeof(slot), "%d", counter_slot);
	params[0] = s->public_domain;
	params[1] = timeout;
	params[2] = slot;
	r = PQexecParams(conn,
	    "SELECT set_config('statusd.public_domain', $1, false), "
	    "set_config('statement_timeout', $2, false), "
	    "set_config('statusd.counter_slot', $3, false), "
	    "set_config('TimeZone', 'UTC', false), " DB_PLANNER_SETTINGS,
	    3, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	PQclear(r);
	return ok;
}

/* A statement's name, or NULL when its enum constant has no row. */
static const char *
stmt_name(const struct db_stmt_table *t, size_t i)
{
	return t->stmts[i].sql != NULL ? t->stmts[i].name : NULL;
}

/* 1 when a statement before table t's i-th has the same name. */
static int
named_before(size_t t, size_t i)
{
	const char *name = all_stmts[t]->stmts[i].name;
	size_t u, j, n;

	for (u = 0; u <= t; u++) {
		n = u == t ? i : all_stmts[u]->n;
		for (j = 0; j < n; j++)
			if (strcmp(all_stmts[u]->stmts[j].name, name) == 0)
				return 1;
	}
	return 0;
}

int
db_statements_check(char *err, size_t errlen)
{
	const struct db_stmt_table *tab;
	size_t t, i;

	for (t = 0; t < NTABLES; t++) {
		tab = all_stmts[t];
		for (i = 0; i < tab->n; i++) {
			if (stmt_name(tab, i) == NULL) {
				snprintf(err, errlen,
				    "%s: statement %zu has no SQL", tab->file,
				    i);
				return -1;
			}
			if (named_before(t, i)) {
				snprintf(err, errlen, "%s: %s is named twice",
				    tab->file, tab->stmts[i].name);
				return -1;
			}
		}
	}
	return 0;
}

static int
prepare_one(PGconn *conn, const struct db_stmt *s)
{
	PGresult *r = PQprepare(conn, s->name, s->sql, 0, NULL);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

	if (!ok)
		log_error("event=prepare_failed statement=%s sqlstate=%s",
		    s->name, state ? state : "-");
	PQclear(r);
	return ok;
}

static int
prepare_all(PGconn *conn)
{
	char err[256];
	size_t t, i;

	if (db_statements_check(err, sizeof(err)) != 0) {
		log_error("event=statement_table_bad error=\"%s\"", err);
		return 0;
	}
	for (t = 0; t < NTABLES; t++)
		for (i = 0; i < all_stmts[t]->n; i++)
			if (!prepare_one(conn, &all_stmts[t]->stmts[i]))
				return 0;
	return 1;
}

PGconn *
db_connection_new(const char *url, int timeout_s)
{
	const char *keys[] = { "dbname", "connect_timeout", "application_name",
		NULL };
	char timeout[16];
	const char *vals[] = { url, timeout, "statusd", NULL };
	PGconn *conn;

	snprintf(timeout, sizeof(timeout), "%d", timeout_s);
	conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(conn) == CONNECTION_OK)
		return conn;
	PQfinish(conn);
	return NULL;
}

int
db_migrate(
    const struct db_settings *s, long *rerendered, char *err, size_t errlen)
{
	PGconn *conn = db_connection_new(s->url, 3);
	int applied = -1;

	*rerendered = 0;
	if (conn == NULL) {
		snprintf(err, errlen, "cannot connect to the database");
		return -1;
	}
	/* No statement timeout: re-rendering every page may take a while. */
	if (session_setup(conn, s, 0))
		applied = migrate_apply(conn, rerendered, err, errlen);
	else
		snprintf(err, errlen, "cannot set up the session");
	PQfinish(conn);
	return applied;
}

static int
connect_now(void)
{
	PGconn *conn = db_connection_new(db.settings->url, 3);
	int version;

	if (conn == NULL) {
		log_error("event=db_connect_failed");
		return 0;
	}
	version = migrate_current(conn);
	if (version < db_schema_version()) {
		log_error("event=db_schema_old have=%d need=%d "
		          "hint=\"run statusctl migrate\"",
		    version, db_schema_version());
		PQfinish(conn);
		return 0;
	}
	if (!session_setup(
	        conn, db.settings, db.settings->statement_timeout_ms) ||
	    !prepare_all(conn)) {
		PQfinish(conn);
		return 0;
	}
	db.conn = conn;
	db.replan_every_ms = REPLAN_FIRST_MS;
	db.replan_at_ms = now_ms() + REPLAN_FIRST_MS;
	return 1;
}

/* Between units of work (no transaction open): see REPLAN_FIRST_MS. A
 * connection that fails here is dropped, to be made again by db_ready. */
static void
plans_refresh_when_due(void)
{
	long long t = now_ms();

	if (t < db.replan_at_ms)
		return;
	if (!exec_ok(db.conn, "DISCARD PLANS")) {
		db_disconnect();
		return;
	}
	if (db.replan_every_ms < REPLAN_MAX_MS)
		db.replan_every_ms *= 2;
	if (db.replan_every_ms > REPLAN_MAX_MS)
		db.replan_every_ms = REPLAN_MAX_MS;
	db.replan_at_ms = t + db.replan_every_ms;
}

/*
 * An idle connection has nothing to read: when it is readable, the server
 * said goodbye (a fast or immediate shutdown, a terminated backend) or
 * closed it. Checked before each unit of work starts, so that a connection
 * the server dropped while the worker was idle is replaced before anything
 * is sent on it. No statement then ever needs to be sent twice.
 */
static int
idle_connection_usable(void)
{
	struct pollfd p = { .fd = PQsocket(db.conn), .events = POLLIN };

	if (PQstatus(db.conn) != CONNECTION_OK)
		return 0;
	return poll(&p, 1, 0) == 0;
}

enum sd_status
db_ready(struct sd_error *err)
{
	long long t;

	/* The transaction died with its connection: the rest of it fails
	 * too, until db_rollback (or db_commit) ends it. */
	if (db.tx_depth > 0 && db.conn == NULL)
		return sd_fail(
		    err, SD_UNAVAILABLE, "database unavailable", NULL);
	/* Inside a transaction a lost connection is the statement's failure:
	 * the transaction is gone with it, nothing of it was committed. */
	if (db.conn != NULL && db.tx_depth > 0 &&
	    PQstatus(db.conn) == CONNECTION_OK)
		return SD_OK;
	if (db.conn != NULL && db.tx_depth == 0 && idle_connection_usable()) {
		plans_refresh_when_due();
		if (db.conn != NULL)
			return SD_OK;
	}
	db_disconnect();
	t = now_ms();
	if (t < db.next_attempt_ms)
		return sd_fail(
		    err, SD_UNAVAILABLE, "database unavailable", NULL);
	metrics_db_connect(connect_now());
	if (db.conn != NULL) {
		db.backoff_ms = 0;
		log_info("event=db_connected");
		return SD_OK;
	}
	db.backoff_ms = db.backoff_ms ? db.backoff_ms * 2 : BACKOFF_MIN_MS;
	if (db.backoff_ms > BACKOFF_MAX_MS)
		db.backoff_ms = BACKOFF_MAX_MS;
	db.next_attempt_ms = t + db.backoff_ms;
	return sd_fail(err, SD_UNAVAILABLE, "database unavailable", NULL);
}

static void
clear_result(void *r)
{
	PQclear(r);
}

static enum sd_status
map_error(const PGresult *r, const char *stmt, struct sd_error *err)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *constraint = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
	size_t i;

	if (state == NULL)
		state = "";
	if (constraint != NULL) {
		for (i = 0; i <
		     sizeof(known_constraints) / sizeof(known_constraints[0]);
		     i++)
			if (strcmp(constraint,
			        known_constraints[i].constraint) == 0)
				return sd_fail(err, known_constraints[i].status,
				    known_constraints[i].message, NULL);
	}
	if (strcmp(state, "57014") == 0) {
		/* statement_timeout: the server is up, the request too slow.
		 * Its own event, so slow routes are told apart from outages. */
		log_error("event=statement_timeout statement=%s", stmt);
		return sd_fail(err, SD_TOO_SLOW, "the request took too long",
		    "it was cancelled after the statement timeout; nothing "
		    "was written");
	}
	if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
	    strcmp(state, "53300") == 0)
		return sd_fail(
		    err, SD_UNAVAILABLE, "database unavailable", NULL);
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
		return sd_fail(
		    err, SD_CONFLICT, "concurrent update, please retry", NULL);
	if (strncmp(state, "22", 2) == 0 || strcmp(state, "23502") == 0)
		return sd_fail(err, SD_BAD_REQUEST, "invalid value", NULL);
	/* A bug: SQLSTATE and statement name only; server text can quote
	 * data. */
	log_error("event=db_error statement=%s sqlstate=%s constraint=%s", stmt,
	    state, constraint ? constraint : "-");
	return sd_fail(err, SD_INTERNAL, "internal error", NULL);
}

/* The connection died under a statement or a COMMIT (during names which).
 * Inside a transaction, before COMMIT, nothing was committed; a statement
 * outside one, or a COMMIT, may have committed or not: nobody can know. */
static enum sd_status
connection_lost(const char *during, struct sd_error *err)
{
	int rolled_back = db.tx_depth > 0 && strcmp(during, "commit") != 0;

	/* tx_depth stays: until the caller ends the transaction, nothing may
	 * run on a new connection as if it still belonged to it. */
	PQfinish(db.conn);
	db.conn = NULL;
	log_error("event=db_connection_lost during=%s outcome=%s", during,
	    rolled_back ? "rolled_back" : "unknown");
	if (rolled_back)
		return sd_fail(
		    err, SD_UNAVAILABLE, "database unavailable", NULL);
	return sd_fail(err, SD_OUTCOME_UNKNOWN,
	    "the database connection was lost during the request", NULL);
}

static PGresult *
exec_once(const struct db_stmt *stmt, int nparams, const char *const *params)
{
	long long start = metrics_clock_us();
	PGresult *r;

	r = PQexecPrepared(db.conn, stmt->name, nparams, params, NULL, NULL, 0);
	metrics_db_statement(metrics_clock_us() - start);
	return r;
}

static void
count_error(enum sd_status st)
{
	metrics_db_error(st == SD_UNAVAILABLE || st == SD_OUTCOME_UNKNOWN
	        ? METRICS_DB_UNAVAILABLE
	        : st == SD_TOO_SLOW    ? METRICS_DB_TIMEOUT
	        : st == SD_CONFLICT    ? METRICS_DB_CONFLICT
	        : st == SD_BAD_REQUEST ? METRICS_DB_INVALID
	                               : METRICS_DB_INTERNAL);
}

/* After a failed allocation in this request, what it would write may be
 * wrong (arena.h): no statement runs and nothing commits. */
static int
out_of_memory(struct sd_error *err)
{
	if (!arena_memory_failed())
		return 0;
	sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	return 1;
}

PGresult *
db_exec(struct arena *a, const struct db_stmt *stmt, int nparams,
    const char *const *params, struct sd_error *err)
{
	PGresult *r;
	ExecStatusType st;

	if (out_of_memory(err) || db_ready(err) != SD_OK)
		return NULL;
	/* Sent once, never again: after a lost connection nobody knows
	 * whether the server ran it (DESIGN.md section 8). */
	r = exec_once(stmt, nparams, params);
	st = PQresultStatus(r);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		if (arena_on_free(a, clear_result, r) != 0) {
			sd_fail(err, SD_INTERNAL, "out of memory", NULL);
			return NULL;
		}
		return r;
	}
	if (PQstatus(db.conn) == CONNECTION_BAD) {
		PQclear(r);
		count_error(connection_lost(
		    db.tx_depth > 0 ? "transaction" : "statement", err));
		return NULL;
	}
	count_error(map_error(r, stmt->name, err));
	PQclear(r);
	return NULL;
}

enum sd_status
db_one_value(struct arena *a, const struct db_stmt *stmt, int nparams,
    const char *const *params, const char **out, const char *missing,
    struct sd_error *err)
{
	PGresult *r = db_exec(a, stmt, nparams, params, err);

	if (r == NULL)
		return err->status;
	if (PQntuples(r) != 1)
		return sd_fail(err, SD_NOT_FOUND, missing, NULL);
	if (out != NULL)
		*out = PQgetvalue(r, 0, 0);
	return SD_OK;
}

const char *
db_array_literal(struct arena *a, const char *const *items, size_t n)
{
	size_t i, len = 3;
	const char *q;
	char *out, *p;

	for (i = 0; i < n; i++)
		len += 2 * strlen(items[i]) + 3; /* worst case: all escaped */
	out = arena_alloc(a, len);
	if (out == NULL)
		return NULL;
	p = out;
	*p++ = '{';
	for (i = 0; i < n; i++) {
		if (i > 0)
			*p++ = ',';
		*p++ = '"';
		for (q = items[i]; *q != '\0'; q++) {
			if (*q == '"' || *q == '\\')
				*p++ = '\\';
			*p++ = *q;
		}
		*p++ = '"';
	}
	*p++ = '}';
	*p = '\0';
	return out;
}

const char *
db_value(const PGresult *res, int r, int c)
{
	if (PQgetisnull(res, r, c))
		return NULL;
	return PQgetvalue(res, r, c);
}

enum sd_status
db_begin(struct sd_error *err)
{
	if (db.tx_depth > 0) {
		db.tx_depth++;
		return SD_OK;
	}
	if (db_ready(err) != SD_OK)
		return err->status;
	if (!exec_ok(db.conn, "BEGIN")) {
		db_disconnect();
		return sd_fail(
		    err, SD_UNAVAILABLE, "database unavailable", NULL);
	}
	db.tx_depth = 1;
	return SD_OK;
}

enum sd_status
db_commit(struct sd_error *err)
{
	PGresult *r;
	enum sd_status st = SD_OK;

	if (db.conn == NULL || db.tx_depth == 0) {
		db.tx_depth = 0;
		return sd_fail(
		    err, SD_UNAVAILABLE, "database unavailable", NULL);
	}
	if (db.tx_depth > 1) {
		db.tx_depth--; /* the outermost caller commits */
		return SD_OK;
	}
	if (out_of_memory(err)) {
		db_rollback();
		return err->status;
	}
	r = PQexec(db.conn, "COMMIT");
	/* COMMIT of a failed transaction "succeeds" with the tag ROLLBACK. */
	if (PQresultStatus(r) == PGRES_COMMAND_OK &&
	    strcmp(PQcmdStatus(r), "COMMIT") != 0)
		st = sd_fail(err, SD_CONFLICT, "transaction rolled back", NULL);
	else if (PQresultStatus(r) != PGRES_COMMAND_OK)
		st = PQstatus(db.conn) == CONNECTION_BAD
		    ? connection_lost("commit", err)
		    : map_error(r, "COMMIT", err);
	PQclear(r);
	if (st != SD_OK)
		count_error(st);
	db.tx_depth = 0;
	return st;
}

void
db_rollback(void)
{
	if (db.conn != NULL && db.tx_depth > 0 && !exec_ok(db.conn, "ROLLBACK"))
		db_disconnect();
	db.tx_depth = 0;
}
