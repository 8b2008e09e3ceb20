/*
 * Subscriber tokens: what confirm, unsubscribe and manage links carry.
 *
 *   <key id> "." base64url(payload) "." base64url(tag)
 *   payload = purpose (1 byte) | expiry (8 bytes, big-endian unix seconds,
 *             0 = none) | subscriber id (16 bytes) | cloud id (1-127 bytes)
 *   tag     = first 16 bytes of HMAC-SHA256(key, "statusd subscriber
 *             token" NUL key id "." payload)
 *
 * A token is bound to one subscriber (of one cloud) and one purpose; the
 * tag is compared with CRYPTO_memcmp. Whether the subscriber still exists
 * is the caller's look-up: a deleted subscriber's tokens then fail like
 * any unknown one.
 */
#ifndef STATUSD_SUBTOKEN_H
#define STATUSD_SUBTOKEN_H

#include <stddef.h>

#include "keyring.h"

enum subtoken_purpose {
	SUBTOKEN_CONFIRM,
	SUBTOKEN_UNSUBSCRIBE,
	SUBTOKEN_MANAGE,
	SUBTOKEN__MAX
};

#define SUBTOKEN_CONFIRM_SECONDS (7L * 24 * 3600)
#define SUBTOKEN_CLOUD_MAX 127
/* Longest token text, NUL included. */
#define SUBTOKEN_TEXT_MAX 256

struct subtoken {
	enum subtoken_purpose purpose;
	long expires; /* 0: none */
	char subscriber_id[37];
	char cloud_id[SUBTOKEN_CLOUD_MAX + 1];
};

/* Writes a token for the subscriber into out (SUBTOKEN_TEXT_MAX bytes),
 * signed with the current key; confirm tokens expire after
 * SUBTOKEN_CONFIRM_SECONDS, the others do not. -1 for a malformed id. */
int subtoken_encode(const struct keyring *k, enum subtoken_purpose purpose,
    const char *cloud_id, const char *subscriber_id, long now,
    char out[SUBTOKEN_TEXT_MAX]);

/* 0 with *out filled when token is well-formed, signed by a known key, of
 * the expected purpose and not expired at now; -1 otherwise, for every
 * reason alike. */
int subtoken_verify(const struct keyring *k, const char *token,
    enum subtoken_purpose expected, long now, struct subtoken *out);

/* A set of purposes, for subtoken_verify_any. */
#define SUBTOKEN_BIT(purpose) (1u << (purpose))

/* subtoken_verify for a token of any purpose in the set (SUBTOKEN_BIT()s
 * or'ed): 0 with *out filled, its purpose the token's; -1 otherwise (a
 * NULL token too), for every reason alike. */
int subtoken_verify_any(const struct keyring *k, const char *token,
    unsigned purposes, long now, struct subtoken *out);

#endif
