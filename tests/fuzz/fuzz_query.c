/*
 * libFuzzer harness for query parameters: parse_target on the input (as
 * REQUEST_URI, NUL-terminated, with a fresh arena, as fuzz_target does),
 * then on success the declared checker (handlers/input.c) with every
 * route's declaration of statusd_routes, input_check (cursors included)
 * for the routes without path parameters, paging forwards only and both
 * ways, uptime_range on the checked startDate/endDate and from/to, and
 * cursor_decode and rfc3339_parse on every parameter value; last,
 * rfc3339_parse on the whole input.
 * Contracts: only SD_OK or SD_BAD_REQUEST, a 400 with a message and a UTF-8
 * detail; every value the checker passes is of its declared type (a UUID,
 * an integer in range, one of the enum's values, a time in 2000..2100) and
 * a key declared at most once was given at most once; a page size of
 * 1..100, and what forwards accepts both ways accepts alike; an uptime
 * range with from < to, at most ten years (as
 * uptime.c counts them: 3660 days) and texts that parse back to it; a
 * cursor decodes only with the MAC computed here, re-encodes to one that
 * decodes to the same key and id, and still decodes after a key rotation;
 * a parsed date-time in 2000..2100 formats to text that parses to the
 * same time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "cursor.h"
#include "fcgi/parse.h"
#include "fcgi/router.h"
#include "handlers/input.h"
#include "handlers/paging.h"
#include "handlers/settings.h"
#include "handlers/uptime.h"
#include "handlers/validate.h"
#include "text.h"
#include "timeparse.h"
#include "fuzz_check.h"

/* 2026-01-01T00:00:00Z; fixed so that runs reproduce. */
#define NOW 1767225600LL
#define DAY 86400LL
#define TEN_YEARS (10 * 366 * DAY) /* uptime.c's LONGEST_RANGE */
#define Y2000 946684800LL
#define Y2100 4102444800LL
/* The committed seeds' cursors are made with this secret and scope. */
#define SECRET "statusd-fuzz-cursor-secret"
#define SCOPE "components-uptime:cloud-1:123e4567-e89b-12d3-a456-426614174000"
#define TAG_LEN 16 /* cursor.c */

static struct cursor_key key, rotated;
static struct handler_settings settings;

static void
init(void)
{
	static int done;

	if (done)
		return;
	CHECK(cursor_key_init(&key, SECRET, NULL) == 0);
	/* A new secret, with the seeds' one being rotated out. */
	CHECK(cursor_key_init(&rotated, "a-newer-cursor-secret", SECRET) == 0);
	settings.cursor_key = key;
	handlers_configure(&settings);
	done = 1;
}

static void
check_status(enum sd_status st, const struct sd_error *err)
{
	size_t n;

	CHECK(st == SD_OK || st == SD_BAD_REQUEST);
	if (st == SD_OK)
		return;
	CHECK(err->status == st);
	CHECK(err->message[0] != '\0');
	n = strnlen(err->detail, sizeof(err->detail));
	CHECK(n < sizeof(err->detail));
	CHECK(utf8_valid(err->detail, n));
}

/* Every value the checker let through is of its declared type. */
static void
check_values(const struct request *req, const struct input *in)
{
	const struct input_value *v;
	const struct field *f;
	size_t i;
	int k;

	for (k = 1; k < QK__MAX; k++) {
		v = &in->query[k];
		f = &query_keys[k];
		if (f->flags & F_ONCE)
			CHECK(request_query_count(req, f->name) <= 1 ||
			    !v->given);
		for (i = 0; i < v->nlist; i++)
			CHECK(validate_enum_index(f->values, v->list[i]) >= 0);
		if (v->text == NULL || v->text == f->def)
			continue;
		CHECK(v->text[0] != '\0' || f->type == FT_INT);
		switch (f->type) {
		case FT_UUID: CHECK(crypto_uuid_valid(v->text)); break;
		case FT_INT:
			CHECK(
			    v->number >= f->min_int && v->number <= f->max_int);
			break;
		case FT_BOOL: CHECK(v->number == 0 || v->number == 1); break;
		case FT_ENUM:
			CHECK(validate_enum_index(f->values, v->text) >= 0);
			break;
		case FT_TIME:
			CHECK(v->number >= Y2000 && v->number < Y2100);
			break;
		case FT_STRING:
			CHECK(f->max == 0 ||
			    utf8_length(v->text, strlen(v->text)) <= f->max);
			break;
		default: break;
		}
	}
}

/* The query part of d on req; NULL when refused. */
static struct input *
checked(struct request *req, const struct input_decl *d)
{
	struct input *in = arena_zalloc(req->arena, sizeof(*in));
	struct sd_error err;
	enum sd_status st;

	CHECK(in != NULL);
	sd_error_clear(&err);
	st = input_check_query(d, req, in, &err);
	check_status(st, &err);
	if (st != SD_OK)
		return NULL;
	check_values(req, in);
	return in;
}

static void
check_paging(struct request *req)
{
	static const struct input_decl fwd_decl = { .list.paging =
		                                        PAGING_FORWARD },
	                               both_decl = { .list.paging =
		                                         PAGING_BOTH };
	const struct input *fwd = checked(req, &fwd_decl);
	const struct input *both = checked(req, &both_decl);
	const char *given;

	if (fwd != NULL) {
		CHECK(fwd->paging.limit >= 1 &&
		    fwd->paging.limit <= PAGE_SIZE_MAX);
		CHECK(!fwd->paging.backward);
		CHECK(both != NULL && both->paging.limit == fwd->paging.limit &&
		    both->paging.backward == fwd->paging.backward &&
		    both->paging.cursor == fwd->paging.cursor);
	}
	if (both == NULL)
		return;
	CHECK(both->paging.limit >= 1 && both->paging.limit <= PAGE_SIZE_MAX);
	CHECK(both->paging.cursor == NULL || both->paging.cursor[0] != '\0');
	given = request_query(req, both->paging.backward ? "before" : "after");
	CHECK(both->paging.cursor == given ||
	    (given != NULL && given[0] == '\0'));
	if (request_query(req, both->paging.backward ? "last" : "first") ==
	    NULL)
		CHECK(both->paging.limit == PAGE_SIZE_DEFAULT);
}

/* text is what uptime_range formatted t as. */
static void
check_formatted(const char *text, long long t)
{
	long long back;
	int date_only;

	CHECK(strlen(text) == 20);
	CHECK(rfc3339_parse(text, &back, &date_only) == 0);
	CHECK(back == t && !date_only);
}

static void
check_range(struct request *req, enum query_key from, enum query_key to)
{
	const struct input_decl d = { .query = QUERY(from, to) };
	const struct input *in = checked(req, &d);
	struct time_range r;
	struct sd_error err;
	enum sd_status st;

	if (in == NULL)
		return;
	sd_error_clear(&err);
	st = uptime_range(in, from, to, NOW, &r, &err);
	check_status(st, &err);
	if (st != SD_OK)
		return;
	CHECK(r.from < r.to);
	CHECK(r.to - r.from <= TEN_YEARS);
	CHECK(r.to <= Y2100 + DAY && r.from >= Y2000 - TEN_YEARS);
	check_formatted(r.from_text, r.from);
	check_formatted(r.to_text, r.to);
}

/* Every route's declaration; the whole of input_check (cursor scopes
 * and bodies aside) where the route has no path parameters. */
static void
check_routes(struct request *req)
{
	const struct route *r;
	struct sd_error err;
	enum sd_status st;
	size_t i;

	for (i = 0; i < statusd_nroutes; i++) {
		r = &statusd_routes[i];
		checked(req, &r->input);
		if (strchr(r->pattern, '{') != NULL || r->input.body.fields)
			continue;
		req->route_pattern = r->pattern;
		req->cloud_id = "cloud-1";
		sd_error_clear(&err);
		st = input_check(&r->input, req, &err);
		check_status(st, &err);
		if (st == SD_OK && req->input->paging.cursor != NULL)
			CHECK(req->input->cursor_key != NULL &&
			    crypto_uuid_valid(req->input->cursor_id));
	}
}

/* The cursor's tag as cursor.c's format defines it, computed here:
 * HMAC-SHA256(key, scope NUL payload), first 16 bytes, base64url. */
static int
carries_mac(const struct cursor_key *k, const char *scope, const char *cur)
{
	const char *dot = strchr(cur, '.');
	unsigned char *buf, mac[SHA256_LEN];
	size_t slen = strlen(scope), cap;
	char tag[32];
	long n;
	int ok;

	if (dot == NULL)
		return 0;
	cap = slen + 1 + (size_t)(dot - cur);
	if ((buf = malloc(cap)) == NULL)
		return 0;
	memcpy(buf, scope, slen + 1);
	n = base64url_decode(
	    cur, (size_t)(dot - cur), buf + slen + 1, (size_t)(dot - cur));
	if (n < 0) {
		free(buf);
		return 0;
	}
	crypto_hmac_sha256(k->bytes, k->len, buf, slen + 1 + (size_t)n, mac);
	free(buf);
	base64url_encode(mac, TAG_LEN, tag);
	ok = strlen(dot + 1) == base64url_len(TAG_LEN) &&
	    memcmp(dot + 1, tag, base64url_len(TAG_LEN)) == 0;
	return ok;
}

static void
check_cursor(struct arena *a, const char *value)
{
	const char *k, *id, *k2, *id2, *again;

	k = id = NULL;
	if (cursor_decode(a, &key, SCOPE, value, &k, &id) != 0)
		return;
	CHECK(k != NULL && id != NULL);
	/* Random input cannot carry a valid MAC: only a cursor made with
	 * the key decodes. */
	CHECK(carries_mac(&key, SCOPE, value));
	/* The same under the rotated key (this one is its previous). */
	CHECK(cursor_decode(a, &rotated, SCOPE, value, &k2, &id2) == 0);
	CHECK(strcmp(k, k2) == 0 && strcmp(id, id2) == 0);
	/* Another list's scope refuses it. */
	CHECK(cursor_decode(a, &key, "incidents:cloud-1", value, &k2, &id2) ==
	    -1);
	/* Re-encoded: decodes to the same key and id. */
	again = cursor_encode(a, &key, SCOPE, k, id);
	CHECK(again != NULL);
	CHECK(cursor_decode(a, &key, SCOPE, again, &k2, &id2) == 0);
	CHECK(strcmp(k, k2) == 0 && strcmp(id, id2) == 0);
}

static void
check_time(const char *s)
{
	char buf[32];
	long long t, back;
	int date_only, d2;

	if (rfc3339_parse(s, &t, &date_only) != 0)
		return;
	CHECK(strlen(s) >= 10);
	if (date_only)
		CHECK(strlen(s) == 10 && t % DAY == 0);
	if (t < Y2000 || t >= Y2100)
		return;
	rfc3339_format(t, buf, sizeof(buf));
	CHECK(strlen(buf) == 20);
	CHECK(rfc3339_parse(buf, &back, &d2) == 0);
	CHECK(back == t && !d2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *arena;
	struct request req;
	struct sd_error err;
	enum sd_status st;
	char *uri;
	size_t i;

	init();
	uri = malloc(size + 1);
	if (uri == NULL)
		return 0;
	memcpy(uri, data, size);
	uri[size] = '\0';

	arena = arena_new(1024);
	if (arena == NULL) {
		free(uri);
		return 0;
	}
	memset(&req, 0, sizeof(req));
	req.arena = arena;
	sd_error_clear(&err);
	st = parse_target(&req, uri, &err);
	if (st == SD_OK) {
		check_paging(&req);
		check_range(&req, QK_START_DATE, QK_END_DATE);
		check_range(&req, QK_FROM, QK_TO);
		check_routes(&req);
		for (i = 0; i < req.nquery; i++) {
			check_cursor(arena, req.query[i].value);
			check_time(req.query[i].value);
		}
	}
	check_time(uri);

	arena_free(arena);
	free(uri);
	return 0;
}
