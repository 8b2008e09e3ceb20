/*
 * Verification of JWT Bearer tokens (JWS compact serialisation, RFC 7515 and
 * RFC 7519) from one configured issuer. Only HS256 and RS256 are accepted, and
 * only when the matching key is configured: the algorithm named in a token
 * never chooses the key. Self-contained: no allocation survives a call.
 */
#ifndef STATUSD_JWT_H
#define STATUSD_JWT_H

#include <stddef.h>

#include <openssl/evp.h>

/* Longest token accepted, in bytes; longer ones are refused unread. */
#define JWT_TOKEN_MAX 8192

enum jwt_alg_mask { JWT_ALLOW_HS256 = 1, JWT_ALLOW_RS256 = 2 };

struct jwt_config {
	/* Required "iss" value; NULL = not checked. */
	const char *issuer;
	/* Required in "aud" (string or array); NULL = not checked. */
	const char *audience;
	/* Borrowed; NULL or empty = HS256 refused. */
	const unsigned char *hs256_secret;
	size_t hs256_secret_len;
	/* Borrowed; NULL = RS256 refused. Must be RSA of 2048 bits or more. */
	EVP_PKEY *rs256_key;
	/* Clock skew allowed on exp/nbf, e.g. 30; below 0 counts as 0. */
	long leeway_seconds;
	/* Longest lifetime accepted: exp - iat, and exp - now (less the
	 * leeway), so a far-future iat cannot stretch it; 0 = no limit. */
	long long max_lifetime_seconds;
};

enum jwt_status {
	JWT_OK,
	JWT_MALFORMED, /* bad shape, encoding, JSON, or claim type */
	JWT_BAD_ALG, /* alg not allowed, or its key not configured */
	JWT_BAD_SIGNATURE,
	JWT_EXPIRED,
	JWT_NOT_YET_VALID,
	JWT_BAD_ISSUER,
	JWT_BAD_AUDIENCE,
	JWT_NO_SCOPE,
	JWT_TOO_LONG_LIVED, /* lifetime over max_lifetime_seconds */
	JWT_STATUS__MAX
};

#define JWT_MAX_CLOUDS 16

struct jwt_claims {
	/* "email" claim if present, else "sub"; never empty. */
	char subject[256];
	/* "scope" string, or "scp" array joined by single spaces. */
	char scope[2048];
	/* "cloud_ids" array, or one "cloud_id"; nclouds may be 0. */
	char clouds[JWT_MAX_CLOUDS][128];
	size_t nclouds;
	long long exp;
};

/*
 * Verifies token (the part after "Bearer "), which need not be NUL-terminated:
 * no byte at or past token_len is read. now is the current unix time. cfg and
 * token are borrowed. The signature is checked before any claim is looked at.
 * *out is caller-owned and written only on JWT_OK; out may be NULL to verify
 * without extracting. Strings in *out are NUL-terminated; an overlong claim is
 * refused as JWT_MALFORMED, never truncated. A token must carry a subject
 * ("email" or "sub") and a non-empty scope.
 */
enum jwt_status jwt_verify(const struct jwt_config *cfg, const char *token,
    size_t token_len, long long now, struct jwt_claims *out);

/*
 * A static string (never free it): lower case, no final period, safe to show
 * clients, e.g. "token expired". Unknown values give a generic message.
 */
const char *jwt_status_message(enum jwt_status status);

/*
 * Reads a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) file. Returns a new key the
 * caller frees with EVP_PKEY_free, or NULL when the file cannot be read, holds
 * no public key, or the key is not RSA of at least 2048 bits. OpenSSL's error
 * queue may hold the reason.
 */
EVP_PKEY *jwt_load_rs256_public_key(const char *pem_path);

#endif
