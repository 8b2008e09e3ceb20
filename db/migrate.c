#include "migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Any constant: all statusd processes agree on it. */
#define MIGRATE_LOCK_KEY "727374617475"

static int
exec_command(PGconn *conn, const char *sql, char *err, size_t errlen)
{
	PGresult *r = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(r);
	int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!ok)
		snprintf(err, errlen, "%s",
		    PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
		        ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
		        : "statement failed");
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
apply_one(PGconn *conn, const struct migration *m, char *err, size_t errlen)
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
	snprintf(version, sizeof(version), "%d", m->version);
	r = PQexecParams(conn,
	    "INSERT INTO schema_migrations (version, name) "
	    "VALUES ($1, $2)",
	    2, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!ok) {
		snprintf(
		    err, errlen, "could not record migration %d", m->version);
		exec_command(conn, "ROLLBACK", version, sizeof(version));
		return 0;
	}
	return exec_command(conn, "COMMIT", err, errlen);
}

int
migrate_apply(PGconn *conn, char *err, size_t errlen)
{
	size_t i;
	int current, reached = -1;

	/* NOTICEs ("already exists, skipping") are not for the operator. */
	if (!exec_command(
	        conn, "SET client_min_messages = warning", err, errlen) ||
	    !exec_command(conn, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")",
	        err, errlen))
		return -1;
	if (!exec_command(conn,
	        "CREATE TABLE IF NOT EXISTS schema_migrations ("
	        " version integer PRIMARY KEY,"
	        " name text NOT NULL,"
	        " applied_at timestamptz NOT NULL DEFAULT now())",
	        err, errlen))
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
		int applied = is_applied(conn, migrations[i].version);

		if (applied < 0) {
			snprintf(err, errlen, "cannot read schema_migrations");
			goto out;
		}
		if (applied)
			continue;
		if (!apply_one(conn, &migrations[i], err, errlen)) {
			char msg[256];

			snprintf(msg, sizeof(msg), "migration %d (%s): %s",
			    migrations[i].version, migrations[i].name, err);
			snprintf(err, errlen, "%s", msg);
			goto out;
		}
		current++;
	}
	reached = current;
out:
	exec_command(conn, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")",
	    err + strlen(err), errlen - strlen(err));
	return reached;
}
