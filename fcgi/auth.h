/*
 * Credentials: HTTP Basic email:api_token (as Atlassian clients send),
 * Bearer api_token, or Bearer JWT from the configured issuer. Decides 401
 * (who are you?) and 403 (not for this cloud, or not this scope).
 */
#ifndef STATUSD_AUTH_H
#define STATUSD_AUTH_H

#include <openssl/evp.h>

#include "http.h"
#include "router.h"

struct auth_settings {
	int cache_seconds;
	const char *jwt_issuer; /* NULL or "" = JWT not accepted */
	const char *jwt_audience;
	const unsigned char *jwt_hs256_secret;
	size_t jwt_hs256_secret_len;
	EVP_PKEY *jwt_rs256_key; /* borrowed */
	long jwt_max_lifetime_seconds; /* 0 = no limit */
};

/* Settings are borrowed and must outlive the worker. */
void auth_configure(const struct auth_settings *s);

/* Authenticates req for route: fills *who, or returns the error status
 * with res->err and res->www_authenticate set. */
enum sd_status auth_check(struct request *req, const struct route *route,
    struct principal *who, struct response *res);

/* Forgets cached credentials (tests). */
void auth_cache_clear(void);

#endif
