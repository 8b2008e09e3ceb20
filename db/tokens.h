/* API token rows. Only digests are stored; the secret is never seen here. */
#ifndef STATUSD_DB_TOKENS_H
#define STATUSD_DB_TOKENS_H

#include "arena.h"
#include "crypto.h"
#include "status.h"

struct token_row {
	const char *id; /* arena-owned */
	const char *cloud_id;
	const char *email;
	const char *scopes; /* space-separated scope names */
	long long expires_at; /* unix time, 0 = never */
	int revoked;
	int trusted; /* subscriber creates skip captcha and confirmation */
	const char *created_at;
};

/* SD_OK with *out filled, SD_NOT_FOUND, or an error. */
enum sd_status db_token_find(struct arena *a,
    const unsigned char digest[SHA256_LEN], struct token_row *out,
    struct sd_error *err);
/* expires_at: RFC 3339 text or NULL. */
enum sd_status db_token_insert(struct arena *a, const char *cloud_id,
    const char *id, const unsigned char digest[SHA256_LEN], const char *email,
    const char *scopes, const char *expires_at, int trusted,
    struct sd_error *err);
/* Calls fn for each token of cloud_id (every cloud when NULL). */
enum sd_status db_token_list(struct arena *a, const char *cloud_id,
    void (*fn)(const struct token_row *row, void *ctx), void *ctx,
    struct sd_error *err);
/* SD_OK, or SD_NOT_FOUND when no unrevoked token has this id. */
enum sd_status db_token_revoke(
    struct arena *a, const char *id, struct sd_error *err);
/* Gives the unrevoked token id a new digest (a new secret), keeping its id,
 * cloud, owner, scopes and expiry: the old secret stops working once the
 * workers' caches age out (token_cache_seconds). SD_NOT_FOUND when no
 * unrevoked token has this id. */
enum sd_status db_token_rotate(struct arena *a, const char *id,
    const unsigned char digest[SHA256_LEN], struct sd_error *err);

#endif
