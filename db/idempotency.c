#include "idempotency.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

enum idempotency_stmt {
	IDEM_LOCK,
	IDEM_CLAIM,
	IDEM_READ,
	IDEM_STORE,
	IDEM_PURGE,
	IDEMPOTENCY_STMT__MAX
};

static const struct db_stmt stmts[IDEMPOTENCY_STMT__MAX] = {
	/* Held until the transaction ends: a second request with the same
	 * key fails to take it and is told so at once, instead of queueing
	 * behind the first on the row lock of the claim. */
	DB_STMT(IDEM_LOCK, "SELECT pg_try_advisory_xact_lock($1::bigint)"),
	/* The pending row holds status 0 until db_idem_store; nobody else
	 * can see it before the commit. An expired row that statusctl purge
	 * has not removed yet is taken over. */
	DB_STMT(IDEM_CLAIM,
	    "INSERT INTO idempotency_keys (cloud_id, principal, key,"
	    " request_hash, status, body) VALUES ($1, $2, $3, $4::bytea, 0, '')"
	    " ON CONFLICT (cloud_id, principal, key) DO UPDATE SET"
	    " request_hash = excluded.request_hash, status = 0, body = '',"
	    " created_at = now()"
	    " WHERE idempotency_keys.created_at <= now() -"
	    " make_interval(hours => $5::integer)"
	    " RETURNING 1"),
	DB_STMT(IDEM_READ,
	    "SELECT request_hash = $4::bytea, status, body FROM "
	    "idempotency_keys"
	    " WHERE cloud_id = $1 AND principal = $2 AND key = $3"),
	DB_STMT(IDEM_STORE,
	    "UPDATE idempotency_keys SET status = $4::integer, body = $5"
	    " WHERE cloud_id = $1 AND principal = $2 AND key = $3"),
	DB_STMT(IDEM_PURGE,
	    "DELETE FROM idempotency_keys WHERE created_at <= now() -"
	    " make_interval(hours => $1::integer)"),
};

const struct db_stmt_table db_idempotency_stmts = DB_STMT_TABLE(stmts);

static enum sd_status
try_lock(struct arena *a, long long lock_id, int *taken, struct sd_error *err)
{
	char id[32];
	const char *p[1] = { id };
	const char *v;

	snprintf(id, sizeof(id), "%lld", lock_id);
	if (db_one_value(
	        a, &stmts[IDEM_LOCK], 1, p, &v, "no lock result", err) != SD_OK)
		return err->status;
	*taken = strcmp(v, "t") == 0;
	return SD_OK;
}

enum sd_status
db_idem_claim(struct arena *a, const struct idem_owner *owner,
    long long lock_id, const unsigned char fingerprint[SHA256_LEN],
    enum idem_claim *out, int *status, const char **body, struct sd_error *err)
{
	char hex[2 + 2 * SHA256_LEN + 1], hours[16];
	const char *p[5] = { owner->cloud_id, owner->principal, owner->key, hex,
		hours };
	PGresult *r;
	int taken = 0;

	if (try_lock(a, lock_id, &taken, err) != SD_OK)
		return err->status;
	if (!taken) {
		*out = IDEM_IN_FLIGHT;
		return SD_OK;
	}
	hex[0] = '\\';
	hex[1] = 'x';
	crypto_hex_encode(fingerprint, SHA256_LEN, hex + 2);
	snprintf(hours, sizeof(hours), "%d", IDEMPOTENCY_KEEP_HOURS);
	r = db_exec(a, &stmts[IDEM_CLAIM], 5, p, err);
	if (r == NULL)
		return err->status;
	if (PQntuples(r) == 1) {
		*out = IDEM_CLAIMED;
		return SD_OK;
	}
	r = db_exec(a, &stmts[IDEM_READ], 4, p, err);
	if (r == NULL)
		return err->status;
	if (PQntuples(r) != 1) /* purged between the two statements */
		return sd_fail(err, SD_CONFLICT,
		    "idempotency key changed concurrently, please retry", NULL);
	*out =
	    strcmp(PQgetvalue(r, 0, 0), "t") == 0 ? IDEM_REPLAY : IDEM_MISMATCH;
	*status = atoi(PQgetvalue(r, 0, 1));
	*body = PQgetvalue(r, 0, 2);
	return SD_OK;
}

enum sd_status
db_idem_store(struct arena *a, const struct idem_owner *owner, int status,
    const char *body, struct sd_error *err)
{
	char code[16];
	const char *p[5] = { owner->cloud_id, owner->principal, owner->key,
		code, body };

	snprintf(code, sizeof(code), "%d", status);
	return db_exec(a, &stmts[IDEM_STORE], 5, p, err) ? SD_OK : err->status;
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
