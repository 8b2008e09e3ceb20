/* Stored responses of requests sent with an Idempotency-Key. */
#ifndef STATUSD_DB_IDEMPOTENCY_H
#define STATUSD_DB_IDEMPOTENCY_H

#include "arena.h"
#include "crypto.h"
#include "status.h"

/* Hours a key is remembered (statusctl purge forgets older ones; an
 * expired key that is not purged yet is free for a new request). */
#define IDEMPOTENCY_KEEP_HOURS 24

/* Whose key it is: keys of one principal never meet another's. */
struct idem_owner {
	const char *cloud_id;
	const char *principal; /* "token:<id>" or "jwt:<subject>" */
	const char *key;
};

enum idem_claim {
	IDEM_CLAIMED, /* first use: run the request, then db_idem_store */
	IDEM_REPLAY, /* done before with this fingerprint: *status, *body */
	IDEM_MISMATCH, /* done before with another request */
	IDEM_IN_FLIGHT /* its first request has not finished yet */
};

/* Inside the caller's transaction: claims the key for a request with this
 * fingerprint. Never waits for a concurrent request with the same key (a
 * transaction-level advisory lock on lock_id is tried first; taken means
 * IDEM_IN_FLIGHT). On IDEM_REPLAY, *status and *body are the stored
 * response (body borrowed from arena a). */
enum sd_status db_idem_claim(struct arena *a, const struct idem_owner *owner,
    long long lock_id, const unsigned char fingerprint[SHA256_LEN],
    enum idem_claim *out, int *status, const char **body, struct sd_error *err);
/* Stores the response of the claimed key (same transaction). */
enum sd_status db_idem_store(struct arena *a, const struct idem_owner *owner,
    int status, const char *body, struct sd_error *err);
/* Forgets keys older than IDEMPOTENCY_KEEP_HOURS (every cloud). */
enum sd_status db_idem_purge(
    struct arena *a, long *purged, struct sd_error *err);

#endif
