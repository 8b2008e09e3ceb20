#include "migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

/* Any constant: all statusd processes agree on it. */
#define MIGRATE_LOCK_KEY "727374617475"

/* The server's primary message: for the operator (statusctl, the start
 * log), never for an API client. */
static void
result_error(const PGresult *r, char *err, size_t errlen)
{
	const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);

	snprintf(err, errlen, "%s", msg ? msg : "statement failed");
}

static int
exec_command(PGconn *conn, const char *sql, char *err, size_t errlen)
{
	PGresult *r = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(r);
	/* A migration emptied to comments is an empty query. */
	int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ||
	    st == PGRES_EMPTY_QUERY;

	if (!ok)
		result_error(r, err, errlen);
	PQclear(r);
	return ok;
}

int
migrate_current(PGconn *conn)
{
	PGresult *r;
	int v = -1;

	r = PQexec(conn,
	    "SELECT coalesce(max(version), 0) FROM "
	    "schema_migrations");
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		v = atoi(PQgetvalue(r, 0, 0));
	else if (strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE)
	                 ? PQresultErrorField(r, PG_DIAG_SQLSTATE)
	                 : "",
	             "42P01") == 0)
		v = 0; /* no table yet: nothing applied */
	PQclear(r);
	return v;
}

/* 1 when version is recorded, 0 when not, -1 on error. */
static int
is_applied(PGconn *conn, int version)
{
	char v[16];
	const char *params[1] = { v };
	PGresult *r;
	int rc = -1;

	snprintf(v, sizeof(v), "%d", version);
	r = PQexecParams(conn,
	    "SELECT 1 FROM schema_migrations WHERE version = $1", 1, NULL,
	    params, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		rc = PQntuples(r) > 0;
	PQclear(r);
	return rc;
}

static int
apply_one(PGconn *conn, const struct sql_file *m, char *err, size_t errlen)
{
	char version[16];
	const char *params[2] = { version, m->name };
	PGresult *r;
	int ok;

	if (!exec_command(conn, "BEGIN", err, errlen))
		return 0;
	if (!exec_command(conn, m->sql, err, errlen)) {
		exec_command(
		    conn, "ROLLBACK", err + strlen(err), errlen - strlen(err));
		return 0;
	}
	snprintf(version, sizeof(version), "%d", m->number);
	r = PQexecParams(conn,
	    "INSERT INTO schema_migrations (version, name) "
	    "VALUES ($1, $2)",
	    2, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!ok) {
		snprintf(
		    err, errlen, "could not record migration %d", m->number);
		exec_command(conn, "ROLLBACK", version, sizeof(version));
		return 0;
	}
	return exec_command(conn, "COMMIT", err, errlen);
}

/* Runs one statement with parameters; its result (NULL on failure, with
 * the message in err) is the caller's to clear. */
static PGresult *
exec_params(PGconn *conn, const char *sql, int n, const char *const *params,
    char *err, size_t errlen)
{
	PGresult *r = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	result_error(r, err, errlen);
	PQclear(r);
	return NULL;
}

/* What page documents are rendered with, as far as the binary knows it:
 * the text of every definition and the number of migrations. -1 when out
 * of memory. */
static int
rendering_inputs(char *out, size_t outlen)
{
	unsigned char digest[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];
	size_t i, len = 0;
	char *all, *p;

	for (i = 0; i < ndefinitions; i++)
		len += strlen(definitions[i].sql);
	all = malloc(len + 1);
	if (all == NULL)
		return -1;
	for (i = 0, p = all; i < ndefinitions; i++)
		p = stpcpy(p, definitions[i].sql);
	crypto_sha256(all, len, digest);
	free(all);
	crypto_hex_encode(digest, SHA256_LEN, hex);
	snprintf(
	    out, outlen, "definitions=%.16s migrations=%zu", hex, nmigrations);
	return 0;
}

/*
 * Records what the documents are rendered with now (the inputs and the
 * session's public domain) and, when that differs from what was recorded,
 * renders every stored document again: the pages_render_doc trigger renders
 * each row an UPDATE writes (its document and summary item), and
 * incidents_render_node each incident's node an UPDATE sets to NULL.
 */
static int
rerender_if_changed(PGconn *conn, long *rerendered, char *err, size_t errlen)
{
	char inputs[160];
	const char *params[1] = { inputs };
	PGresult *r;
	int changed;

	if (rendering_inputs(inputs, sizeof(inputs)) != 0) {
		snprintf(err, errlen, "out of memory");
		return 0;
	}
	r = exec_params(conn,
	    "INSERT INTO schema_state AS s (key, value)"
	    " VALUES ('pages_rendered_with',"
	    " $1 || ' public_domain=' || page_public_domain())"
	    " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value,"
	    " updated_at = now() WHERE s.value <> EXCLUDED.value RETURNING 1",
	    1, params, err, errlen);
	if (r == NULL)
		return 0;
	changed = PQntuples(r) == 1;
	PQclear(r);
	if (!changed)
		return 1;
	r = exec_params(
	    conn, "UPDATE pages SET doc = doc", 0, NULL, err, errlen);
	if (r == NULL)
		return 0;
	*rerendered = atol(PQcmdTuples(r));
	PQclear(r);
	/* Incident nodes are stored too (migration 018); they show nothing
	 * of public_domain, but their rendering may have changed. */
	r = exec_params(
	    conn, "UPDATE incidents SET node = NULL", 0, NULL, err, errlen);
	if (r == NULL)
		return 0;
	PQclear(r);
	return 1;
}

/* Every definition of db/sql, then the re-rendering they may call for, in
 * one transaction: a failure leaves the previous definitions in place. */
static int
apply_definitions(PGconn *conn, long *rerendered, char *err, size_t errlen)
{
	char failed[256];
	size_t i;

	if (!exec_command(conn, "BEGIN", err, errlen))
		return 0;
	for (i = 0; i < ndefinitions; i++)
		if (!exec_command(
		        conn, definitions[i].sql, failed, sizeof(failed))) {
			snprintf(err, errlen, "db/sql/%02d_%s.sql: %s",
			    definitions[i].number, definitions[i].name, failed);
			goto fail;
		}
	if (!rerender_if_changed(conn, rerendered, err, errlen))
		goto fail;
	return exec_command(conn, "COMMIT", err, errlen);
fail:
	exec_command(conn, "ROLLBACK", failed, sizeof(failed));
	return 0;
}

/* The tables of the migration machinery itself. */
static int
bookkeeping_tables(PGconn *conn, char *err, size_t errlen)
{
	return exec_command(conn,
	           "CREATE TABLE IF NOT EXISTS schema_migrations ("
	           " version integer PRIMARY KEY,"
	           " name text NOT NULL,"
	           " applied_at timestamptz NOT NULL DEFAULT now())",
	           err, errlen) &&
	    exec_command(conn,
	        "CREATE TABLE IF NOT EXISTS schema_state ("
	        " key text PRIMARY KEY,"
	        " value text NOT NULL,"
	        " updated_at timestamptz NOT NULL DEFAULT now())",
	        err, errlen);
}

int
migrate_apply(PGconn *conn, long *rerendered, char *err, size_t errlen)
{
	size_t i;
	int current, reached = -1;

	*rerendered = 0;
	/* NOTICEs ("already exists, skipping") are not for the operator. */
	if (!exec_command(
	        conn, "SET client_min_messages = warning", err, errlen) ||
	    !exec_command(conn, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")",
	        err, errlen))
		return -1;
	if (!bookkeeping_tables(conn, err, errlen))
		goto out;
	current = migrate_current(conn);
	if (current < 0) {
		snprintf(err, errlen, "cannot read schema_migrations");
		goto out;
	}
	/* Each migration is applied unless recorded: one added with a lower
	 * number than the newest applied (branches landing in any order)
	 * still runs. */
	for (i = 0; i < nmigrations; i++) {
		int applied = is_applied(conn, migrations[i].number);

		if (applied < 0) {
			snprintf(err, errlen, "cannot read schema_migrations");
			goto out;
		}
		if (applied)
			continue;
		if (!apply_one(conn, &migrations[i], err, errlen)) {
			char msg[256];

			snprintf(msg, sizeof(msg), "migration %d (%s): %s",
			    migrations[i].number, migrations[i].name, err);
			snprintf(err, errlen, "%s", msg);
			goto out;
		}
		current++;
	}
	if (apply_definitions(conn, rerendered, err, errlen))
		reached = current;
out:
	exec_command(conn, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")",
	    err + strlen(err), errlen - strlen(err));
	return reached;
}
