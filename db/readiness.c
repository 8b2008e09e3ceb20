#include "readiness.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "metrics.h"
#include "migrate.h"

#define VERSION_SQL "SELECT coalesce(max(version), 0) FROM schema_migrations"

/* Waits for the answer to a query already sent: 0, -1 when the connection
 * failed, -2 when timeout_ms passed first. */
static int
await_result(PGconn *conn, int timeout_ms)
{
	long long deadline = metrics_clock_us() + (long long)timeout_ms * 1000;
	struct pollfd p = { .fd = PQsocket(conn), .events = POLLIN };
	long long left;

	while (PQisBusy(conn)) {
		left = (deadline - metrics_clock_us()) / 1000;
		if (left <= 0)
			return -2;
		if (poll(&p, 1, (int)left) < 0 || !PQconsumeInput(conn))
			return -1;
	}
	return 0;
}

/* The schema version through this worker's connection, asynchronously so
 * that a server that hangs costs timeout_ms, not a statement timeout. */
static int
version_within(PGconn *conn, int timeout_ms, int *version)
{
	PGresult *r;
	int rc;

	if (!PQsendQueryParams(conn, VERSION_SQL, 0, NULL, NULL, NULL, NULL, 0))
		return -1;
	rc = await_result(conn, timeout_ms);
	if (rc != 0)
		return rc;
	r = PQgetResult(conn);
	rc = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? 0 : -1;
	if (rc == 0)
		*version = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	while ((r = PQgetResult(conn)) != NULL)
		PQclear(r);
	return rc;
}

static enum sd_status
schema_verdict(int version, struct sd_error *err)
{
	if (version < db_schema_version())
		return sd_fail(err, SD_UNAVAILABLE, "not ready",
		    "schema at version %d, this statusd needs %d", version,
		    db_schema_version());
	return SD_OK;
}

/* The worker has no connection (refused, or backing off): a connection of
 * its own tells which reason to give. */
static enum sd_status
probe_reason(int timeout_ms, struct sd_error *err)
{
	PGconn *conn = db_connection_new(
	    db_settings_url(), timeout_ms < 2000 ? 2 : timeout_ms / 1000);
	int version = conn != NULL ? migrate_current(conn) : -1;

	if (conn != NULL)
		PQfinish(conn);
	if (version < 0)
		return sd_fail(
		    err, SD_UNAVAILABLE, "not ready", "database unreachable");
	if (schema_verdict(version, err) != SD_OK)
		return err->status;
	return sd_fail(
	    err, SD_UNAVAILABLE, "not ready", "database reconnecting");
}

enum sd_status
db_check_ready(int timeout_ms, int *version, struct sd_error *err)
{
	int rc;

	if (db_ready(err) != SD_OK)
		return probe_reason(timeout_ms, err);
	rc = version_within(db_connection(), timeout_ms, version);
	if (rc != 0) {
		/* The connection's state is unknown (a query may still run):
		 * start afresh. */
		db_disconnect();
		return sd_fail(err, SD_UNAVAILABLE, "not ready",
		    rc == -2 ? "database too slow" : "database unreachable");
	}
	return schema_verdict(*version, err);
}
