/* For the query files of db/ only: statement tables and execution. */
#ifndef STATUSD_DB_INTERNAL_H
#define STATUSD_DB_INTERNAL_H

#include <libpq-fe.h>
#include <stddef.h>

#include "db.h"

/*
 * Prepared statements are named by an enum private to their query file,
 * which indexes that file's table:
 *
 *	enum page_stmt { PAGE_GET, ..., PAGE_STMT__MAX };
 *	static const struct db_stmt stmts[PAGE_STMT__MAX] = {
 *		DB_STMT(PAGE_GET, "SELECT ..."),
 *	};
 *	r = db_exec(a, &stmts[PAGE_GET], 2, params, err);
 *
 * A misspelt statement is then a compile error, not a runtime 500. The
 * enum constant's spelling is also the prepared statement's name (what the
 * log shows), so there is one spelling only.
 */
struct db_stmt {
	const char *name;
	const char *sql;
};
#define DB_STMT(id, text) [id] = { #id, text }

/*
 * "The page was not permanently deleted" in a lookup of a page by its key.
 * Not spelt "archived_at IS NULL": that is the predicate of the partial
 * name and subdomain indexes, and a planner without statistics prefers
 * such an index (whose condition is then cloud_id alone: a scan of the
 * cloud's pages) to the primary key. Spelt this way, no partial index
 * applies and the primary key is the only sensible plan (DESIGN.md
 * section 9). alias: "" or "p." and so on.
 */
#define DB_NOT_ARCHIVED(alias)                                                 \
	" coalesce(" alias "archived_at, 'infinity') = 'infinity'"

/*
 * The planner settings of every statusd session (db/db.c), as set_config
 * calls for a SELECT list; bench/explain.c runs the same, so the plans it
 * prints are the workers' plans.
 *
 * Generic plans: the prepared statements are written so that one plan
 * suits every parameter (keyset walks of an index, primary-key probes:
 * DESIGN.md section 9, the plans in bench/RESULTS.md are these). Left to
 * choose, PostgreSQL with statistics judges some generic plans dearer
 * than the custom ones and plans every execution again: an incident list
 * spent more planning than running (0.5-3 ms a request) and halved its
 * throughput after ANALYZE.
 *
 * No JIT: its cost threshold is the plan's estimated total, which on a
 * large table without a LIMIT the planner believes in (a cloud of
 * 1,000,000 incidents), and the compiled code is not kept with a cached
 * plan, so every execution compiled again: the cloud's incident list took
 * 66 ms instead of 0.8 ms, and plpgsql's queries in the writes likewise.
 * Every statement here reads a few rows by key; none gains from JIT.
 */
#define DB_PLANNER_SETTINGS                                                    \
	"set_config('plan_cache_mode', 'force_generic_plan', false), "         \
	"set_config('jit', 'off', false)"

/* What a query file exports so db.c prepares its statements on connect. */
struct db_stmt_table {
	const char *file;
	const struct db_stmt *stmts;
	size_t n;
};
#define DB_STMT_TABLE(table)                                                   \
	{                                                                      \
		__FILE__, table, sizeof(table) / sizeof(table[0])              \
	}

extern const struct db_stmt_table db_token_stmts;
extern const struct db_stmt_table db_page_stmts;
extern const struct db_stmt_table db_page_summary_stmts;
extern const struct db_stmt_table db_component_stmts;
extern const struct db_stmt_table db_idempotency_stmts;
extern const struct db_stmt_table db_incident_stmts;
extern const struct db_stmt_table db_template_stmts;
extern const struct db_stmt_table db_subscriber_stmts;
extern const struct db_stmt_table db_notify_stmts;
extern const struct db_stmt_table db_job_stmts;
extern const struct db_stmt_table db_delivery_stmts;

/* 0 when every statement of every table has SQL and a name of its own;
 * else -1 with the first fault in err. Checked before preparing. */
int db_statements_check(char *err, size_t errlen);

/* The worker's connection (NULL when none), and the configured URL. */
PGconn *db_connection(void);
const char *db_settings_url(void);

/* A new connection of its own (the worker's, db_migrate's, a probe's), or
 * NULL. libpq's message can quote the connection string, so it is
 * neither logged nor returned. */
PGconn *db_connection_new(const char *url, int timeout_s);

/* Runs a prepared statement. The result belongs to arena a (cleared with
 * it). NULL on error, with err set: constraint violations map to
 * SD_CONFLICT or SD_BAD_REQUEST, a statement timeout to SD_TOO_SLOW, a
 * server lost inside a transaction to SD_UNAVAILABLE and outside one to
 * SD_OUTCOME_UNKNOWN. A statement is sent at most once. */
PGresult *db_exec(struct arena *a, const struct db_stmt *stmt, int nparams,
    const char *const *params, struct sd_error *err);

/* Runs a statement that returns one row: its first column goes to *out
 * (unless out is NULL); no row is SD_NOT_FOUND with the message missing. */
enum sd_status db_one_value(struct arena *a, const struct db_stmt *stmt,
    int nparams, const char *const *params, const char **out,
    const char *missing, struct sd_error *err);

/* Text of row r, column c, or NULL for SQL NULL. Borrowed from res. */
const char *db_value(const PGresult *res, int r, int c);

/* A PostgreSQL array literal ("{"a","b"}") of n texts, each quoted, so
 * any text is safe in it; new, arena-owned. NULL when out of memory. */
const char *db_array_literal(
    struct arena *a, const char *const *items, size_t n);

#endif
