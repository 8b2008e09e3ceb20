#include "idempotency.h"

#include <string.h>

#include "crypto.h"
#include "db/db.h"
#include "db/idempotency.h"

int
route_changes_state(const struct route *route)
{
	return route->method != HTTP_GET && route->method != HTTP_HEAD;
}

static int
key_valid(const char *k)
{
	size_t i;

	for (i = 0; k[i] != '\0'; i++)
		if (i == IDEMPOTENCY_KEY_MAX || (unsigned char)k[i] < 0x21 ||
		    (unsigned char)k[i] > 0x7e)
			return 0;
	return i > 0;
}

/* Appends a length-prefixed field, so that no two different requests
 * concatenate to the same bytes. */
static size_t
put_field(unsigned char *buf, size_t at, const char *s, size_t n)
{
	unsigned char len[8];
	size_t i;

	for (i = 0; i < sizeof(len); i++)
		len[i] = (unsigned char)(n >> (8 * (sizeof(len) - 1 - i)));
	if (buf != NULL) {
		memcpy(buf + at, len, sizeof(len));
		memcpy(buf + at + sizeof(len), s, n);
	}
	return at + sizeof(len) + n;
}

/* Everything that says what the request does: method, route, path
 * parameters, If-Match (a version condition) and body. Called twice: to
 * size the buffer (buf NULL), then to fill it. */
static size_t
fingerprint_fields(
    const struct request *req, const struct route *route, unsigned char *buf)
{
	const char *method = http_method_name(route->method);
	const char *if_match = req->if_match ? req->if_match : "";
	size_t at = 0, i;

	at = put_field(buf, at, method, strlen(method));
	at = put_field(buf, at, route->pattern, strlen(route->pattern));
	for (i = 0; i < REQ_MAX_PARAMS && req->params[i] != NULL; i++)
		at = put_field(buf, at, req->params[i], strlen(req->params[i]));
	at = put_field(buf, at, if_match, strlen(if_match));
	return put_field(buf, at, req->body, req->body_len);
}

static int
fingerprint(const struct request *req, const struct route *route,
    unsigned char out[SHA256_LEN])
{
	size_t n = fingerprint_fields(req, route, NULL);
	unsigned char *buf = arena_alloc(req->arena, n);

	if (buf == NULL)
		return -1;
	fingerprint_fields(req, route, buf);
	crypto_sha256(buf, n, out);
	return 0;
}

static size_t
owner_fields(const struct idem_owner *o, unsigned char *buf)
{
	size_t at = put_field(buf, 0, o->cloud_id, strlen(o->cloud_id));

	at = put_field(buf, at, o->principal, strlen(o->principal));
	return put_field(buf, at, o->key, strlen(o->key));
}

/* The advisory lock that marks the key as in flight: 64 bits of a hash of
 * the owner, so two owners share one only by chance (2^-64). */
static int
lock_id(struct arena *a, const struct idem_owner *o, long long *out)
{
	size_t n = owner_fields(o, NULL), i;
	unsigned char *buf = arena_alloc(a, n), h[SHA256_LEN];
	unsigned long long v = 0;

	if (buf == NULL)
		return -1;
	owner_fields(o, buf);
	crypto_sha256(buf, n, h);
	for (i = 0; i < 8; i++)
		v = v << 8 | h[i];
	*out = (long long)v;
	return 0;
}

/* An API token is its own principal (two tokens of one owner are two
 * callers); a JWT's principal is its subject. */
static const char *
principal_name(struct arena *a, const struct principal *who)
{
	if (who->kind == PRINCIPAL_API_TOKEN)
		return arena_printf(a, "token:%s", who->token_id);
	return arena_printf(a, "jwt:%s", who->subject);
}

static enum sd_status
replay(struct response *res, int status, const char *body)
{
	res->body = body;
	res->body_len = strlen(body);
	res->replayed = 1;
	return status == 201 ? SD_CREATED : SD_OK;
}

/* Runs the handler for a claimed key and stores its answer when it
 * succeeded; the caller commits. A failure stores nothing: the transaction
 * rolls back with the claim, and a retry runs again. */
static enum sd_status
run_claimed(struct request *req, const struct route *route,
    const struct principal *who, const struct idem_owner *owner,
    struct response *res)
{
	enum sd_status st = route_run(route, req, who, res);

	if (st != SD_OK && st != SD_CREATED)
		return st;
	if (db_idem_store(req->arena, owner, sd_status_http(st), res->body,
	        &res->err) != SD_OK)
		return res->err.status;
	return st;
}

static enum sd_status
answer_claim(
    enum idem_claim claim, int status, const char *body, struct response *res)
{
	db_rollback();
	if (claim == IDEM_IN_FLIGHT)
		return sd_fail(&res->err, SD_CONFLICT,
		    "a request with this idempotency key is still in progress",
		    "retry after it has finished");
	if (claim == IDEM_MISMATCH)
		return sd_fail(&res->err, SD_UNPROCESSABLE,
		    "idempotency key reused with another request",
		    "a key stands for one method, path and body");
	return replay(res, status, body);
}

enum sd_status
idempotent_run(struct request *req, const struct route *route,
    const struct principal *who, struct response *res)
{
	unsigned char hash[SHA256_LEN];
	struct idem_owner owner;
	enum idem_claim claim;
	const char *body = NULL;
	int status = 0;
	enum sd_status st, committed;
	long long lock;

	if (!key_valid(req->idempotency_key))
		return sd_fail(&res->err, SD_BAD_REQUEST,
		    "invalid Idempotency-Key header",
		    "1 to 255 visible ASCII characters");
	owner.cloud_id = req->cloud_id;
	owner.principal = principal_name(req->arena, who);
	owner.key = req->idempotency_key;
	if (owner.principal == NULL || fingerprint(req, route, hash) != 0 ||
	    lock_id(req->arena, &owner, &lock) != 0)
		return sd_fail(&res->err, SD_INTERNAL, "out of memory", NULL);
	st = db_begin(&res->err);
	if (st == SD_OK)
		st = db_idem_claim(req->arena, &owner, lock, hash, &claim,
		    &status, &body, &res->err);
	if (st != SD_OK)
		return st;
	if (claim != IDEM_CLAIMED)
		return answer_claim(claim, status, body, res);
	st = run_claimed(req, route, who, &owner, res);
	if (st != SD_OK && st != SD_CREATED) {
		db_rollback();
		return st;
	}
	committed = db_commit(&res->err);
	return committed == SD_OK ? st : committed;
}
