#include "auth.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api_token.h"
#include "crypto.h"
#include "db/tokens.h"
#include "jwt.h"
#include "metrics.h"

#define AUTH_HEADER_MAX 8192
#define CACHE_SLOTS 128

static const char challenge[] =
    "Basic realm=\"statusd\", Bearer realm=\"statusd\"";
static const char bearer_invalid[] =
    "Bearer realm=\"statusd\", error=\"invalid_token\"";

static const struct auth_settings *settings;

/* A per-worker cache of token look-ups, so the hot path costs no query.
 * Revocation therefore takes effect within cache_seconds. */
struct cached_token {
	unsigned char digest[SHA256_LEN];
	time_t fetched;
	int used;
	int revoked;
	long long expires_at;
	unsigned scopes;
	int trusted;
	char cloud_id[128];
	char email[256];
	char id[37];
};

static struct cached_token cache[CACHE_SLOTS];
/* The expiry of the token check_api_token accepted last. */
static long long last_expires_at;

/*
 * The Authorization header that last authenticated an API token in this
 * worker, with its principal: a client sending the same header again (the
 * common case, one token per client) skips decoding and hashing. It ages
 * like the token cache, so revocation still takes effect in time.
 */
#define LAST_HEADER_MAX 512
static struct {
	char header[LAST_HEADER_MAX];
	size_t len;
	time_t fetched;
	long long expires_at;
	struct principal who;
} last;

void
auth_configure(const struct auth_settings *s)
{
	settings = s;
}

void
auth_cache_clear(void)
{
	memset(cache, 0, sizeof(cache));
	memset(&last, 0, sizeof(last));
}

/*
 * One answer for every credential that does not hold: unknown, expired,
 * revoked, another owner's email, a bad JWT. A different body or header
 * per case would tell whoever holds a stolen token what state it is in.
 * kind is counted (statusd_auth_failures_total) and why (a static string)
 * goes to the request log; neither reaches the client. A presented Bearer
 * credential gets RFC 6750's invalid_token.
 */
static enum sd_status
refuse(struct response *res, int bearer, enum metrics_auth_failure kind,
    const char *why)
{
	metrics_auth_failure(kind);
	res->www_authenticate = bearer ? bearer_invalid : challenge;
	res->auth_failure = why;
	return sd_fail(&res->err, SD_UNAUTHORIZED, "invalid credentials", NULL);
}

static struct cached_token *
cache_slot(const unsigned char digest[SHA256_LEN])
{
	return &cache[(digest[0] | digest[1] << 8) % CACHE_SLOTS];
}

static enum sd_status
load_token(struct request *req, const unsigned char digest[SHA256_LEN],
    int bearer, struct cached_token **out, struct response *res)
{
	struct cached_token *slot = cache_slot(digest);
	struct token_row row;
	time_t now = time(NULL);
	enum sd_status st;

	if (slot->used && crypto_equal(slot->digest, digest, SHA256_LEN) &&
	    now - slot->fetched < settings->cache_seconds) {
		metrics_token_cache(1);
		*out = slot;
		return SD_OK;
	}
	metrics_token_cache(0);
	st = db_token_find(req->arena, digest, &row, &res->err);
	if (st == SD_NOT_FOUND)
		return refuse(
		    res, bearer, METRICS_AUTH_UNKNOWN_TOKEN, "unknown token");
	if (st != SD_OK)
		return st;
	memset(slot, 0, sizeof(*slot));
	memcpy(slot->digest, digest, SHA256_LEN);
	slot->fetched = now;
	slot->revoked = row.revoked;
	slot->expires_at = row.expires_at;
	slot->trusted = row.trusted;
	/* Scopes were checked when the token was made; unknown ones (from a
	 * newer version) grant nothing. */
	scope_parse_list(row.scopes, 0, &slot->scopes);
	snprintf(slot->cloud_id, sizeof(slot->cloud_id), "%s", row.cloud_id);
	snprintf(slot->email, sizeof(slot->email), "%s", row.email);
	snprintf(slot->id, sizeof(slot->id), "%s", row.id);
	slot->used = 1;
	*out = slot;
	return SD_OK;
}

/* email may be NULL (Bearer): then any owner is fine. */
static enum sd_status
check_api_token(struct request *req, const char *token, size_t len,
    const char *email, struct principal *who, struct response *res)
{
	unsigned char digest[SHA256_LEN];
	struct cached_token *t = NULL;
	enum sd_status st;
	int bearer = email == NULL;

	if (!api_token_shaped(token, len))
		return refuse(
		    res, bearer, METRICS_AUTH_MALFORMED, "not a token");
	crypto_sha256(token, len, digest);
	st = load_token(req, digest, bearer, &t, res);
	if (st != SD_OK)
		return st;
	if (t->revoked)
		return refuse(
		    res, bearer, METRICS_AUTH_REVOKED, "token revoked");
	if (t->expires_at != 0 && t->expires_at <= (long long)time(NULL))
		return refuse(
		    res, bearer, METRICS_AUTH_EXPIRED, "token expired");
	last_expires_at = t->expires_at;
	if (email != NULL && strcasecmp(email, t->email) != 0)
		return refuse(res, 0, METRICS_AUTH_UNKNOWN_TOKEN,
		    "email does not own the token");
	who->kind = PRINCIPAL_API_TOKEN;
	who->scopes = t->scopes;
	who->trusted = t->trusted;
	snprintf(who->subject, sizeof(who->subject), "%s", t->email);
	snprintf(who->cloud_id, sizeof(who->cloud_id), "%s", t->cloud_id);
	snprintf(who->token_id, sizeof(who->token_id), "%s", t->id);
	return SD_OK;
}

static enum sd_status
check_basic(struct request *req, const char *b64, struct principal *who,
    struct response *res)
{
	size_t n = strlen(b64), pad = 0;
	unsigned char *raw;
	char *colon;
	int len;

	if (n == 0 || n % 4 != 0)
		return refuse(res, 0, METRICS_AUTH_MALFORMED,
		    "malformed basic credentials");
	raw = arena_alloc(req->arena, n / 4 * 3 + 1);
	if (raw == NULL)
		return sd_fail(&res->err, SD_INTERNAL, "out of memory", NULL);
	len = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n);
	if (len < 0)
		return refuse(res, 0, METRICS_AUTH_MALFORMED,
		    "malformed basic credentials");
	while (pad < 2 && b64[n - 1 - pad] == '=')
		pad++;
	len -= (int)pad;
	raw[len] = '\0';
	colon = memchr(raw, ':', (size_t)len);
	if (colon == NULL || memchr(raw, '\0', (size_t)len) != NULL)
		return refuse(res, 0, METRICS_AUTH_MALFORMED,
		    "malformed basic credentials");
	*colon = '\0';
	return check_api_token(req, colon + 1,
	    (size_t)len - (size_t)(colon + 1 - (char *)raw), (char *)raw, who,
	    res);
}

static int
jwt_enabled(void)
{
	return settings->jwt_hs256_secret != NULL ||
	    settings->jwt_rs256_key != NULL;
}

static enum sd_status
check_jwt(struct request *req, const char *token, struct principal *who,
    struct response *res)
{
	struct jwt_config cfg = { 0 };
	struct jwt_claims claims;
	enum jwt_status js;
	size_t i;

	if (!jwt_enabled())
		return refuse(
		    res, 1, METRICS_AUTH_JWT_INVALID, "jwt not configured");
	cfg.issuer = settings->jwt_issuer && *settings->jwt_issuer
	    ? settings->jwt_issuer
	    : NULL;
	cfg.audience = settings->jwt_audience && *settings->jwt_audience
	    ? settings->jwt_audience
	    : NULL;
	cfg.hs256_secret = settings->jwt_hs256_secret;
	cfg.hs256_secret_len = settings->jwt_hs256_secret_len;
	cfg.rs256_key = settings->jwt_rs256_key;
	cfg.leeway_seconds = 30;
	cfg.max_lifetime_seconds = settings->jwt_max_lifetime_seconds;
	js = jwt_verify(
	    &cfg, token, strlen(token), (long long)time(NULL), &claims);
	if (js != JWT_OK)
		return refuse(
		    res, 1, METRICS_AUTH_JWT_INVALID, jwt_status_message(js));
	who->kind = PRINCIPAL_JWT;
	who->trusted = 0; /* trust is given to API tokens only */
	scope_parse_list(claims.scope, 0, &who->scopes);
	snprintf(who->subject, sizeof(who->subject), "%s", claims.subject);
	who->cloud_id[0] = '\0';
	/* A JWT may act for several clouds: it acts for the one asked for. */
	for (i = 0; i < claims.nclouds; i++)
		if (strcmp(claims.clouds[i], req->cloud_id) == 0)
			snprintf(who->cloud_id, sizeof(who->cloud_id), "%s",
			    req->cloud_id);
	return SD_OK;
}

static int
last_header_matches(const char *h, size_t len, struct principal *who)
{
	time_t now = time(NULL);

	if (len == 0 || len != last.len || !crypto_equal(h, last.header, len) ||
	    now - last.fetched >= settings->cache_seconds ||
	    (last.expires_at != 0 && last.expires_at <= (long long)now))
		return 0;
	*who = last.who;
	return 1;
}

static void
remember_header(const char *h, size_t len, const struct principal *who)
{
	if (len >= LAST_HEADER_MAX || who->kind != PRINCIPAL_API_TOKEN)
		return;
	memcpy(last.header, h, len);
	last.len = len;
	last.fetched = time(NULL);
	last.expires_at = last_expires_at;
	last.who = *who;
}

static enum sd_status
check_credentials(struct request *req, const char *h, struct principal *who,
    struct response *res)
{
	const char *cred;

	if (strncasecmp(h, "Basic ", 6) == 0) {
		cred = h + 6 + strspn(h + 6, " ");
		return check_basic(req, cred, who, res);
	}
	if (strncasecmp(h, "Bearer ", 7) == 0) {
		cred = h + 7 + strspn(h + 7, " ");
		if (strchr(cred, '.') != NULL)
			return check_jwt(req, cred, who, res);
		return check_api_token(req, cred, strlen(cred), NULL, who, res);
	}
	return refuse(
	    res, 0, METRICS_AUTH_MALFORMED, "unsupported authorization scheme");
}

static enum sd_status
authenticate(struct request *req, struct principal *who, struct response *res)
{
	const char *h = req->authorization;
	size_t len;
	enum sd_status st;

	if (h == NULL || *h == '\0') {
		metrics_auth_failure(METRICS_AUTH_MISSING);
		res->www_authenticate = challenge;
		return sd_fail(&res->err, SD_UNAUTHORIZED,
		    "authentication required", NULL);
	}
	len = strlen(h);
	if (len > AUTH_HEADER_MAX)
		return refuse(res, strncasecmp(h, "Bearer ", 7) == 0,
		    METRICS_AUTH_MALFORMED, "authorization header too long");
	if (last_header_matches(h, len, who)) {
		metrics_token_cache(1);
		return SD_OK;
	}
	st = check_credentials(req, h, who, res);
	if (st == SD_OK)
		remember_header(h, len, who);
	return st;
}

enum sd_status
auth_check(struct request *req, const struct route *route,
    struct principal *who, struct response *res)
{
	enum sd_status st;

	memset(who, 0, sizeof(*who));
	st = authenticate(req, who, res);
	if (st != SD_OK)
		return st;
	if (strcmp(who->cloud_id, req->cloud_id) != 0) {
		metrics_auth_failure(METRICS_AUTH_WRONG_CLOUD);
		return sd_fail(&res->err, SD_FORBIDDEN,
		    "credential not valid for this cloud", NULL);
	}
	if (!(who->scopes & SCOPE_BIT(route->scope))) {
		metrics_auth_failure(METRICS_AUTH_INSUFFICIENT_SCOPE);
		res->www_authenticate = arena_printf(req->arena,
		    "Bearer realm=\"statusd\", error=\"insufficient_scope\", "
		    "scope=\"%s\"",
		    scope_name(route->scope));
		return sd_fail(&res->err, SD_FORBIDDEN, "insufficient scope",
		    "this operation requires %s", scope_name(route->scope));
	}
	return SD_OK;
}
