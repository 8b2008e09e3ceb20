/* Stored responses of requests sent with an Idempotency-Key. */
#ifndef STATUSD_DB_IDEMPOTENCY_H
#define STATUSD_DB_IDEMPOTENCY_H

#include "arena.h"
#include "crypto.h"
#include "status.h"

/* Hours a key is remembered (statusctl purge forgets older ones). */
#define IDEMPOTENCY_KEEP_HOURS 24

enum idem_claim { IDEM_CLAIMED, IDEM_REPLAY, IDEM_MISMATCH };

/* Inside the caller's transaction: claims (cloud, key) for a request with
 * this hash. A concurrent request with the same key waits here until the
 * first one commits or rolls back. On IDEM_REPLAY, *status and *body are
 * the stored response. */
enum sd_status db_idem_claim(struct arena *a, const char *cloud_id,
    const char *key, const unsigned char hash[SHA256_LEN], enum idem_claim *out,
    int *status, const char **body, struct sd_error *err);
/* Stores the response of the claimed key (same transaction). */
enum sd_status db_idem_store(struct arena *a, const char *cloud_id,
    const char *key, int status, const char *body, struct sd_error *err);
/* Forgets keys older than IDEMPOTENCY_KEEP_HOURS (every cloud). */
enum sd_status db_idem_purge(
    struct arena *a, long *purged, struct sd_error *err);

#endif
