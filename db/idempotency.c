#include "idempotency.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

enum idempotency_stmt {
	IDEM_CLAIM,
	IDEM_READ,
	IDEM_STORE,
	IDEM_PURGE,
	IDEMPOTENCY_STMT__MAX
};

static const struct db_stmt stmts[IDEMPOTENCY_STMT__MAX] = {
	/* The pending row holds status 0 until db_idem_store; nobody else
	 * can see it before the commit. */
	DB_STMT(IDEM_CLAIM,
	    "INSERT INTO idempotency_keys (cloud_id, key, request_hash,"
	    " status, body) VALUES ($1, $2, $3::bytea, 0, '')"
	    " ON CONFLICT (cloud_id, key) DO NOTHING RETURNING 1"),
	DB_STMT(IDEM_READ,
	    "SELECT request_hash = $3::bytea, status, body FROM "
	    "idempotency_keys"
	    " WHERE cloud_id = $1 AND key = $2 AND created_at > now() -"
	    " make_interval(hours => $4::integer)"),
	DB_STMT(IDEM_STORE,
	    "UPDATE idempotency_keys SET status = $3::integer, body = $4"
	    " WHERE cloud_id = $1 AND key = $2"),
	DB_STMT(IDEM_PURGE,
	    "DELETE FROM idempotency_keys WHERE created_at <= now() -"
	    " make_interval(hours => $1::integer)"),
};

const struct db_stmt_table db_idempotency_stmts = DB_STMT_TABLE(stmts);

enum sd_status
db_idem_claim(struct arena *a, const char *cloud_id, const char *key,
    const unsigned char hash[SHA256_LEN], enum idem_claim *out, int *status,
    const char **body, struct sd_error *err)
{
	char hex[2 + 2 * SHA256_LEN + 1], hours[16];
	const char *p[4] = { cloud_id, key, hex, hours };
	PGresult *r;

	hex[0] = '\\';
	hex[1] = 'x';
	hex_encode(hash, SHA256_LEN, hex + 2);
	snprintf(hours, sizeof(hours), "%d", IDEMPOTENCY_KEEP_HOURS);
	r = db_exec(a, &stmts[IDEM_CLAIM], 3, p, err);
	if (r == NULL)
		return err->status;
	if (PQntuples(r) == 1) {
		*out = IDEM_CLAIMED;
		return SD_OK;
	}
	r = db_exec(a, &stmts[IDEM_READ], 4, p, err);
	if (r == NULL)
		return err->status;
	if (PQntuples(r) != 1) /* expired but not yet purged: a conflict */
		return sd_fail(err, SD_CONFLICT,
		    "idempotency key expired; use a new one", NULL);
	*out =
	    strcmp(PQgetvalue(r, 0, 0), "t") == 0 ? IDEM_REPLAY : IDEM_MISMATCH;
	*status = atoi(PQgetvalue(r, 0, 1));
	*body = PQgetvalue(r, 0, 2);
	return SD_OK;
}

enum sd_status
db_idem_store(struct arena *a, const char *cloud_id, const char *key,
    int status, const char *body, struct sd_error *err)
{
	char code[16];
	const char *p[4] = { cloud_id, key, code, body };

	snprintf(code, sizeof(code), "%d", status);
	return db_exec(a, &stmts[IDEM_STORE], 4, p, err) ? SD_OK : err->status;
}

enum sd_status
db_idem_purge(struct arena *a, long *purged, struct sd_error *err)
{
	char hours[16];
	const char *p[1] = { hours };
	PGresult *r;

	snprintf(hours, sizeof(hours), "%d", IDEMPOTENCY_KEEP_HOURS);
	r = db_exec(a, &stmts[IDEM_PURGE], 1, p, err);
	if (r == NULL)
		return err->status;
	*purged = atol(PQcmdTuples(r));
	return SD_OK;
}
