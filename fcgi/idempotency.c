#include "idempotency.h"

#include <string.h>

#include "crypto.h"
#include "db/db.h"
#include "db/idempotency.h"

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

/* The same key must come with the same request: route and body. */
static void
request_hash(const struct request *req, const struct route *route,
    unsigned char out[SHA256_LEN])
{
	const char *pattern = route->pattern;
	size_t n = strlen(pattern);
	unsigned char *buf;

	buf = arena_alloc(req->arena, n + 1 + req->body_len);
	if (buf == NULL) {
		memset(out, 0, SHA256_LEN);
		return;
	}
	memcpy(buf, pattern, n);
	buf[n] = '\n';
	memcpy(buf + n + 1, req->body, req->body_len);
	crypto_sha256(buf, n + 1 + req->body_len, out);
}

static enum sd_status
replay(struct response *res, int status, const char *body)
{
	res->body = body;
	res->body_len = strlen(body);
	res->replayed = 1;
	return status == 201 ? SD_CREATED : SD_OK;
}

enum sd_status
idempotent_run(struct request *req, const struct route *route,
    const struct principal *who, struct response *res)
{
	unsigned char hash[SHA256_LEN];
	enum idem_claim claim;
	const char *body = NULL;
	int status = 0;
	enum sd_status st;

	if (!key_valid(req->idempotency_key))
		return sd_fail(&res->err, SD_BAD_REQUEST,
		    "invalid Idempotency-Key header",
		    "1 to 255 visible ASCII characters");
	request_hash(req, route, hash);
	st = db_begin(&res->err);
	if (st == SD_OK)
		st = db_idem_claim(req->arena, req->cloud_id,
		    req->idempotency_key, hash, &claim, &status, &body,
		    &res->err);
	if (st != SD_OK)
		return st;
	if (claim != IDEM_CLAIMED) {
		db_rollback();
		if (claim == IDEM_MISMATCH)
			return sd_fail(&res->err, SD_CONFLICT,
			    "idempotency key reused with another request",
			    NULL);
		return replay(res, status, body);
	}
	st = route->handler(req, who, res);
	if (st == SD_OK || st == SD_CREATED)
		st = db_idem_store(req->arena, req->cloud_id,
		         req->idempotency_key, sd_status_http(st), res->body,
		         &res->err) == SD_OK
		    ? st
		    : res->err.status;
	if (st == SD_OK || st == SD_CREATED) {
		enum sd_status handler_status = st;

		st = db_commit(&res->err);
		return st == SD_OK ? handler_status : st;
	}
	db_rollback();
	return st;
}
