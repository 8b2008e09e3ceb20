/*
 * JWT Bearer token verification (JWS compact serialisation).
 *
 * The order of checks is the contract: the token's shape first (three
 * non-empty strict base64url parts, at most JWT_TOKEN_MAX bytes), then the
 * header (an allow-listed alg whose key is configured), then the signature,
 * and only then the claims. The payload is not even parsed before the
 * signature holds, so unsigned input reaches no more than the header parser.
 *
 * All working memory is on the stack except jansson values and OpenSSL
 * contexts, each released on the path that created it.
 */
#include "jwt.h"

#include "crypto.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#define JWT_HS256_LEN 32
#define JWT_RSA_MIN_BITS 2048
/* Every decoded part is at most 3/4 of its text, so one buffer of 3/4 of
 * the longest token holds all three parts side by side. */
#define JWT_DECODED_MAX (JWT_TOKEN_MAX / 4 * 3)

struct jwt_span {
	const char *p;
	size_t len;
};

struct jwt_parts {
	struct jwt_span header;
	struct jwt_span payload;
	struct jwt_span sig;
	/* "header.payload": what the MAC or signature covers. */
	struct jwt_span signing_input;
};

struct jwt_bytes {
	const unsigned char *p;
	size_t len;
};

struct jwt_decoded {
	struct jwt_bytes header;
	struct jwt_bytes payload;
	struct jwt_bytes sig;
};

static const char *const jwt_messages[JWT_STATUS__MAX] = {
	[JWT_OK] = "token accepted",
	[JWT_MALFORMED] = "malformed token",
	[JWT_BAD_ALG] = "token algorithm not accepted",
	[JWT_BAD_SIGNATURE] = "invalid token signature",
	[JWT_EXPIRED] = "token expired",
	[JWT_NOT_YET_VALID] = "token not yet valid",
	[JWT_BAD_ISSUER] = "token issuer not accepted",
	[JWT_BAD_AUDIENCE] = "token audience not accepted",
	[JWT_NO_SCOPE] = "token carries no scope",
	[JWT_TOO_LONG_LIVED] = "token lifetime too long",
};

const char *
jwt_status_message(enum jwt_status status)
{
	if ((unsigned)status >= JWT_STATUS__MAX || jwt_messages[status] == NULL)
		return "invalid token";
	return jwt_messages[status];
}

/*
 * Splits into exactly three non-empty parts. The length cap comes first so
 * that a huge header cannot cost a scan.
 */
static enum jwt_status
jwt_split(const char *token, size_t len, struct jwt_parts *parts)
{
	size_t dot[2], ndots = 0, i;

	if (len == 0 || len > JWT_TOKEN_MAX)
		return JWT_MALFORMED;
	for (i = 0; i < len; i++) {
		if (token[i] != '.')
			continue;
		if (ndots == 2)
			return JWT_MALFORMED;
		dot[ndots++] = i;
	}
	if (ndots != 2)
		return JWT_MALFORMED;
	if (dot[0] == 0 || dot[1] == dot[0] + 1 || dot[1] + 1 == len)
		return JWT_MALFORMED;

	parts->header.p = token;
	parts->header.len = dot[0];
	parts->payload.p = token + dot[0] + 1;
	parts->payload.len = dot[1] - dot[0] - 1;
	parts->sig.p = token + dot[1] + 1;
	parts->sig.len = len - dot[1] - 1;
	parts->signing_input.p = token;
	parts->signing_input.len = dot[1];
	return JWT_OK;
}

/*
 * Strict base64url without padding (RFC 7515 section 2), as crypto.c's
 * decoder is: a length of 1 mod 4 and non-zero leftover bits are refused,
 * so each byte string has exactly one accepted spelling and a token cannot
 * be re-spelt while keeping its signature. Returns bytes written, or -1.
 */
static long
b64url_decode(struct jwt_span src, unsigned char *dst, size_t dstcap)
{
	return base64url_decode(src.p, src.len, dst, dstcap);
}

/*
 * Decodes src into the free end of buf, which *used tracks. Returns 0, or -1
 * on bad base64url.
 */
static int
jwt_decode_part(struct jwt_span src, unsigned char *buf, size_t *used,
    struct jwt_bytes *out)
{
	long n;

	n = b64url_decode(src, buf + *used, JWT_DECODED_MAX - *used);
	if (n < 0)
		return -1;
	out->p = buf + *used;
	out->len = (size_t)n;
	*used += (size_t)n;
	return 0;
}

/* All three parts into buf (JWT_DECODED_MAX bytes); out points into buf. */
static enum jwt_status
jwt_decode(
    const struct jwt_parts *parts, unsigned char *buf, struct jwt_decoded *out)
{
	size_t used = 0;

	if (jwt_decode_part(parts->header, buf, &used, &out->header) == -1 ||
	    jwt_decode_part(parts->payload, buf, &used, &out->payload) == -1 ||
	    jwt_decode_part(parts->sig, buf, &used, &out->sig) == -1)
		return JWT_MALFORMED;
	return JWT_OK;
}

/* RSA-PSS keys are "RSA-PSS", not "RSA", so they are refused here too. */
static int
jwt_rsa_key_usable(EVP_PKEY *key)
{
	return EVP_PKEY_is_a(key, "RSA") &&
	    EVP_PKEY_get_bits(key) >= JWT_RSA_MIN_BITS;
}

/*
 * The key is chosen by the configuration, and alg must merely agree with it:
 * letting alg pick the key is what makes "none" and the HS256-with-an-RSA-
 * public-key confusion possible.
 */
static int
hs256_configured(const struct jwt_config *cfg)
{
	return cfg->hs256_secret != NULL && cfg->hs256_secret_len > 0 &&
	    cfg->hs256_secret_len <= INT_MAX;
}

static enum jwt_status
jwt_pick_alg(
    const struct jwt_config *cfg, const json_t *alg, enum jwt_alg_mask *picked)
{
	const char *name;

	if (!json_is_string(alg))
		return JWT_BAD_ALG;
	name = json_string_value(alg);
	/* The algorithm name is public; what is compared is not a secret. */
	if (strcmp(name, "HS256") == 0 && hs256_configured(cfg)) {
		*picked = JWT_ALLOW_HS256;
		return JWT_OK;
	}
	if (strcmp(name, "RS256") == 0 && cfg->rs256_key != NULL &&
	    jwt_rsa_key_usable(cfg->rs256_key)) {
		*picked = JWT_ALLOW_RS256;
		return JWT_OK;
	}
	return JWT_BAD_ALG;
}

/*
 * RFC 7519 "JWT" or RFC 9068 "at+jwt". typ is a media type: compared
 * without regard to case, and with "application/" optional (RFC 7515
 * section 4.1.9), so "application/at+jwt" is "at+jwt".
 */
static int
jwt_typ_ok(const json_t *typ)
{
	static const char prefix[] = "application/";
	const char *s;

	if (typ == NULL)
		return 1;
	if (!json_is_string(typ))
		return 0;
	s = json_string_value(typ);
	if (strncasecmp(s, prefix, sizeof(prefix) - 1) == 0)
		s += sizeof(prefix) - 1;
	return strcasecmp(s, "JWT") == 0 || strcasecmp(s, "at+jwt") == 0;
}

static enum jwt_status
jwt_header_fields(
    const struct jwt_config *cfg, const json_t *hdr, enum jwt_alg_mask *picked)
{
	enum jwt_status st;

	if (!json_is_object(hdr))
		return JWT_MALFORMED;
	st = jwt_pick_alg(cfg, json_object_get(hdr, "alg"), picked);
	if (st != JWT_OK)
		return st;
	if (!jwt_typ_ok(json_object_get(hdr, "typ")))
		return JWT_MALFORMED;
	/* RFC 7515 section 4.1.11: extensions we do not implement must fail. */
	if (json_object_get(hdr, "crit") != NULL)
		return JWT_MALFORMED;
	return JWT_OK;
}

static enum jwt_status
jwt_check_header(const struct jwt_config *cfg, struct jwt_bytes raw,
    enum jwt_alg_mask *picked)
{
	json_t *hdr;
	enum jwt_status st;

	hdr = json_loadb(
	    (const char *)raw.p, raw.len, JSON_REJECT_DUPLICATES, NULL);
	if (hdr == NULL)
		return JWT_MALFORMED;
	st = jwt_header_fields(cfg, hdr, picked);
	json_decref(hdr);
	return st;
}

static enum jwt_status
jwt_verify_hs256(
    const struct jwt_config *cfg, struct jwt_span input, struct jwt_bytes sig)
{
	const unsigned char *data = (const unsigned char *)input.p;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	int equal;

	if (sig.len != JWT_HS256_LEN)
		return JWT_BAD_SIGNATURE;
	if (HMAC(EVP_sha256(), cfg->hs256_secret, (int)cfg->hs256_secret_len,
	        data, input.len, mac, &maclen) == NULL) {
		ERR_clear_error();
		return JWT_BAD_SIGNATURE;
	}
	equal = maclen == JWT_HS256_LEN &&
	    CRYPTO_memcmp(mac, sig.p, JWT_HS256_LEN) == 0;
	OPENSSL_cleanse(mac, sizeof(mac));
	return equal ? JWT_OK : JWT_BAD_SIGNATURE;
}

/*
 * PKCS#1 v1.5 is OpenSSL's default for RSA, but it is set explicitly so that
 * a key carrying other defaults cannot turn RS256 into something else.
 * Failures are cleared from the error queue: a forged token is an expected
 * outcome, not an error for whoever reads the queue next.
 */
static enum jwt_status
jwt_verify_rs256(EVP_PKEY *key, struct jwt_span input, struct jwt_bytes sig)
{
	EVP_MD_CTX *md;
	EVP_PKEY_CTX *pctx = NULL; /* owned by md */
	int ok;

	if (sig.len != (size_t)EVP_PKEY_get_size(key))
		return JWT_BAD_SIGNATURE;
	if ((md = EVP_MD_CTX_new()) == NULL) {
		ERR_clear_error();
		return JWT_BAD_SIGNATURE;
	}
	ok = EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, key) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 &&
	    EVP_DigestVerify(md, sig.p, sig.len, (const unsigned char *)input.p,
	        input.len) == 1;
	EVP_MD_CTX_free(md);
	if (!ok)
		ERR_clear_error();
	return ok ? JWT_OK : JWT_BAD_SIGNATURE;
}

/*
 * NumericDate (RFC 7519 section 2): an integer or a real. A real is rounded
 * down for exp and up for nbf, towards the stricter answer. Out-of-range
 * reals are refused before the cast, which would be undefined.
 */
static int
jwt_numeric_date(const json_t *v, int round_up, long long *out)
{
	double d;
	long long t;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (!json_is_real(v))
		return -1;
	d = json_real_value(v);
	if (!(d > -9.0e18 && d < 9.0e18))
		return -1;
	t = (long long)d;
	if (round_up && (double)t < d)
		t++;
	else if (!round_up && (double)t > d)
		t--;
	*out = t;
	return 0;
}

/* Saturates instead of overflowing: exp near LLONG_MAX must not wrap. */
static long long
jwt_add_sat(long long a, long long b)
{
	if (b > 0 && a > LLONG_MAX - b)
		return LLONG_MAX;
	if (b < 0 && a < LLONG_MIN - b)
		return LLONG_MIN;
	return a + b;
}

static long long
jwt_sub_sat(long long a, long long b)
{
	if (b < 0 && a > LLONG_MAX + b)
		return LLONG_MAX;
	if (b > 0 && a < LLONG_MIN + b)
		return LLONG_MIN;
	return a - b;
}

/*
 * A stolen token is good until exp: the issuer's lifetime (exp - iat) and
 * what is left of it (exp - now) must both stay within the limit. Checking
 * the second too means a token cannot claim a late iat to live longer.
 */
static enum jwt_status
jwt_check_lifetime(const struct jwt_config *cfg, const json_t *claims,
    long long now, long long exp)
{
	long long max = cfg->max_lifetime_seconds, leeway, iat;
	const json_t *v;

	leeway = cfg->leeway_seconds > 0 ? cfg->leeway_seconds : 0;
	if ((v = json_object_get(claims, "iat")) != NULL &&
	    jwt_numeric_date(v, 1, &iat) == -1)
		return JWT_MALFORMED;
	if (max <= 0)
		return JWT_OK;
	if (v != NULL && jwt_sub_sat(exp, iat) > max)
		return JWT_TOO_LONG_LIVED;
	if (jwt_sub_sat(exp, jwt_add_sat(now, leeway)) > max)
		return JWT_TOO_LONG_LIVED;
	return JWT_OK;
}

static enum jwt_status
jwt_check_times(const struct jwt_config *cfg, const json_t *claims,
    long long now, long long *exp)
{
	const json_t *v;
	long long leeway, nbf;

	leeway = cfg->leeway_seconds > 0 ? cfg->leeway_seconds : 0;
	if (jwt_numeric_date(json_object_get(claims, "exp"), 0, exp) == -1)
		return JWT_MALFORMED;
	if (jwt_add_sat(*exp, leeway) <= now)
		return JWT_EXPIRED;
	if ((v = json_object_get(claims, "nbf")) != NULL) {
		if (jwt_numeric_date(v, 1, &nbf) == -1)
			return JWT_MALFORMED;
		if (jwt_add_sat(nbf, -leeway) > now)
			return JWT_NOT_YET_VALID;
	}
	return jwt_check_lifetime(cfg, claims, now, *exp);
}

static enum jwt_status
jwt_check_issuer(const char *want, const json_t *claims)
{
	const json_t *iss;

	if (want == NULL)
		return JWT_OK;
	iss = json_object_get(claims, "iss");
	if (!json_is_string(iss) || strcmp(json_string_value(iss), want) != 0)
		return JWT_BAD_ISSUER;
	return JWT_OK;
}

/* RFC 7519 section 4.1.3: one string, or an array in which want must appear. */
static enum jwt_status
jwt_check_audience(const char *want, const json_t *claims)
{
	const json_t *aud, *v;
	size_t i;

	if (want == NULL)
		return JWT_OK;
	aud = json_object_get(claims, "aud");
	if (json_is_string(aud) && strcmp(json_string_value(aud), want) == 0)
		return JWT_OK;
	if (!json_is_array(aud))
		return JWT_BAD_AUDIENCE;
	for (i = 0; i < json_array_size(aud); i++) {
		v = json_array_get(aud, i);
		if (json_is_string(v) &&
		    strcmp(json_string_value(v), want) == 0)
			return JWT_OK;
	}
	return JWT_BAD_AUDIENCE;
}

/*
 * Copies a claim string into a fixed field. Overlong values are refused, not
 * cut: a truncated subject or cloud id could name someone else. Control
 * characters are refused because these strings end up in logs and headers.
 * Returns the length copied, or -1.
 */
static long
jwt_copy_string(const json_t *v, char *dst, size_t cap)
{
	const char *s;
	size_t len, i;

	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	len = json_string_length(v);
	if (len >= cap)
		return -1;
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -1;
	}
	memcpy(dst, s, len);
	dst[len] = '\0';
	return (long)len;
}

static enum jwt_status
jwt_subject(const json_t *claims, struct jwt_claims *c)
{
	const json_t *v;

	if ((v = json_object_get(claims, "email")) == NULL)
		v = json_object_get(claims, "sub");
	/* Without a subject nothing can be attributed to anyone. */
	if (jwt_copy_string(v, c->subject, sizeof(c->subject)) <= 0)
		return JWT_MALFORMED;
	return JWT_OK;
}

/* Joins an "scp" array with single spaces, skipping empty entries. */
static enum jwt_status
jwt_join_scopes(const json_t *arr, char *dst, size_t cap)
{
	size_t i, o = 0;
	long n;

	dst[0] = '\0';
	for (i = 0; i < json_array_size(arr); i++) {
		const json_t *item = json_array_get(arr, i);

		/* Empty entries are skipped before a separator is needed. */
		if (json_is_string(item) && json_string_length(item) == 0)
			continue;
		if (o > 0) {
			if (o + 1 >= cap)
				return JWT_MALFORMED;
			dst[o++] = ' ';
		}
		n = jwt_copy_string(item, dst + o, cap - o);
		if (n < 0)
			return JWT_MALFORMED;
		o += (size_t)n;
	}
	return JWT_OK;
}

static int
jwt_has_word(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s != ' ')
			return 1;
	}
	return 0;
}

/* "scope" (RFC 8693, RFC 9068) wins; "scp" is the array form some IdPs send. */
static enum jwt_status
jwt_scope(const json_t *claims, struct jwt_claims *c)
{
	const json_t *v;

	c->scope[0] = '\0';
	if ((v = json_object_get(claims, "scope")) == NULL)
		v = json_object_get(claims, "scp");
	if (v == NULL)
		return JWT_NO_SCOPE;
	if (json_is_array(v)) {
		if (jwt_join_scopes(v, c->scope, sizeof(c->scope)) != JWT_OK)
			return JWT_MALFORMED;
	} else if (jwt_copy_string(v, c->scope, sizeof(c->scope)) < 0)
		return JWT_MALFORMED;
	return jwt_has_word(c->scope) ? JWT_OK : JWT_NO_SCOPE;
}

static enum jwt_status
jwt_add_cloud(const json_t *v, struct jwt_claims *c)
{
	long n;

	if (c->nclouds == JWT_MAX_CLOUDS)
		return JWT_MALFORMED;
	n = jwt_copy_string(v, c->clouds[c->nclouds], sizeof(c->clouds[0]));
	if (n <= 0)
		return JWT_MALFORMED;
	c->nclouds++;
	return JWT_OK;
}

/*
 * Both "cloud_ids" and "cloud_id" at once is refused as ambiguous rather than
 * guessing which grant the issuer meant. Neither leaves nclouds at 0: the
 * caller decides what a token bound to no cloud may do.
 */
static enum jwt_status
jwt_clouds(const json_t *claims, struct jwt_claims *c)
{
	const json_t *ids, *one;
	size_t i;

	c->nclouds = 0;
	ids = json_object_get(claims, "cloud_ids");
	one = json_object_get(claims, "cloud_id");
	if (ids != NULL && one != NULL)
		return JWT_MALFORMED;
	if (one != NULL)
		return jwt_add_cloud(one, c);
	if (ids == NULL)
		return JWT_OK;
	if (!json_is_array(ids) || json_array_size(ids) > JWT_MAX_CLOUDS)
		return JWT_MALFORMED;
	for (i = 0; i < json_array_size(ids); i++) {
		if (jwt_add_cloud(json_array_get(ids, i), c) != JWT_OK)
			return JWT_MALFORMED;
	}
	return JWT_OK;
}

static enum jwt_status
jwt_claim_fields(const struct jwt_config *cfg, const json_t *claims,
    long long now, struct jwt_claims *c)
{
	enum jwt_status st;

	if (!json_is_object(claims))
		return JWT_MALFORMED;
	if ((st = jwt_check_times(cfg, claims, now, &c->exp)) != JWT_OK ||
	    (st = jwt_check_issuer(cfg->issuer, claims)) != JWT_OK ||
	    (st = jwt_check_audience(cfg->audience, claims)) != JWT_OK ||
	    (st = jwt_subject(claims, c)) != JWT_OK ||
	    (st = jwt_scope(claims, c)) != JWT_OK)
		return st;
	return jwt_clouds(claims, c);
}

/* Only called once the signature holds. */
static enum jwt_status
jwt_check_claims(const struct jwt_config *cfg, struct jwt_bytes raw,
    long long now, struct jwt_claims *c)
{
	json_t *claims;
	enum jwt_status st;

	claims = json_loadb(
	    (const char *)raw.p, raw.len, JSON_REJECT_DUPLICATES, NULL);
	if (claims == NULL)
		return JWT_MALFORMED;
	st = jwt_claim_fields(cfg, claims, now, c);
	json_decref(claims);
	return st;
}

enum jwt_status
jwt_verify(const struct jwt_config *cfg, const char *token, size_t token_len,
    long long now, struct jwt_claims *out)
{
	unsigned char buf[JWT_DECODED_MAX];
	struct jwt_parts parts;
	struct jwt_decoded dec;
	struct jwt_claims claims;
	enum jwt_alg_mask alg;
	enum jwt_status st;

	if (cfg == NULL || token == NULL)
		return JWT_MALFORMED;
	if ((st = jwt_split(token, token_len, &parts)) != JWT_OK ||
	    (st = jwt_decode(&parts, buf, &dec)) != JWT_OK ||
	    (st = jwt_check_header(cfg, dec.header, &alg)) != JWT_OK)
		return st;

	if (alg == JWT_ALLOW_HS256)
		st = jwt_verify_hs256(cfg, parts.signing_input, dec.sig);
	else
		st = jwt_verify_rs256(
		    cfg->rs256_key, parts.signing_input, dec.sig);
	if (st != JWT_OK)
		return st;

	memset(&claims, 0, sizeof(claims));
	st = jwt_check_claims(cfg, dec.payload, now, &claims);
	if (st != JWT_OK)
		return st;
	if (out != NULL)
		*out = claims;
	return JWT_OK;
}

EVP_PKEY *
jwt_load_rs256_public_key(const char *pem_path)
{
	EVP_PKEY *key;
	FILE *fp;

	if (pem_path == NULL)
		return NULL;
	/* "e": close-on-exec, so a forked notifier never inherits it. */
	if ((fp = fopen(pem_path, "re")) == NULL)
		return NULL;
	key = PEM_read_PUBKEY(fp, NULL, NULL, NULL);
	fclose(fp);
	if (key != NULL && !jwt_rsa_key_usable(key)) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	return key;
}
