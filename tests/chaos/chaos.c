/*
 * Allocation failure as a tested path, in the manner of jansson's
 * test/suites/api/test_chaos.c: for a request of each kind, count the
 * allocations it makes (request arena and jansson), then run it again once
 * for every n, failing the n-th. Each answer must be a success or a JSON 500
 * or 503, never a crash; a failed request must leave the cloud's rows
 * exactly as they were (no half-written row); under AddressSanitizer the
 * process also checks that nothing leaks.
 *
 * The dispatcher runs in-process against a real PostgreSQL (the API suites'
 * throwaway cluster): tests/api/test_chaos.py runs this with DATABASE_URL.
 * Usage: test-chaos [KIND]   (KIND: only the scenario of that name)
 */
#include <jansson.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_token.h"
#include "arena.h"
#include "crypto.h"
#include "db/db.h"
#include "db/tokens.h"
#include "fcgi/auth.h"
#include "fcgi/dispatch.h"
#include "fcgi/parse.h"
#include "fcgi/response.h"
#include "handlers/settings.h"
#include "log.h"
#include "scope.h"

/* --- the fault: fail allocation number fail_at (0: none) -------------- */

static long allocations, fail_at;

/* The fault hook of the arena, which statusd's jansson allocator
 * (arena_json_malloc) obeys too. */
static int
fail_now(void)
{
	return ++allocations == fail_at;
}

static void
faults_arm(long n)
{
	allocations = 0;
	fail_at = n;
	arena_set_fault_hook(fail_now);
}

static void
faults_off(void)
{
	arena_set_fault_hook(NULL);
	fail_at = 0;
}

/* --- the world: a cloud of its own, a token, a second connection -------- */

static struct {
	char cloud[37];
	char token[API_TOKEN_LEN + 1];
	PGconn *watch; /* reads row fingerprints, outside the dispatcher */
	struct arena *arena;
	int failures;
	long serial; /* makes names unique */
} w;

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("test-chaos: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static void
fail(const char *kind, long n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "FAIL %s, allocation %ld failed: ", kind, n);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	w.failures++;
}

/* Every row of the cloud, hashed: any write shows. */
static char *
rows_fingerprint(void)
{
	static const char *const tables[] = { "pages", "page_drafts",
		"components", "component_drafts", "component_status_history",
		"incidents", "incident_updates", "incident_components",
		"incident_templates", "notification_outbox",
		"idempotency_keys" };
	char sql[4096] = "SELECT md5(concat(";
	const char *params[1] = { w.cloud };
	size_t i, len;
	PGresult *r;
	char *out;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		len = strlen(sql);
		snprintf(sql + len, sizeof(sql) - len,
		    "%s(SELECT string_agg(t::text, '|' ORDER BY t::text)"
		    " FROM %s t WHERE cloud_id = $1)",
		    i ? ", " : "", tables[i]);
	}
	len = strlen(sql);
	snprintf(sql + len, sizeof(sql) - len, "))");
	r = PQexecParams(w.watch, sql, 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		die("fingerprint: %s", PQresultErrorMessage(r));
	out = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return out;
}

/* --- one request through the dispatcher, as the worker serves it ------- */

struct answer {
	int status;
	char body[32768]; /* enough for every answer of these requests */
};

static void
serve(enum http_method method, const char *target, const char *body,
    struct answer *out)
{
	char auth[sizeof(w.token) + 8];
	struct request req;
	struct response res;
	struct principal who;
	char head[RESPONSE_HEADERS_MAX], key[64];

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	memset(&who, 0, sizeof(who));
	snprintf(auth, sizeof(auth), "Bearer %s", w.token);
	req.arena = w.arena;
	req.route_index = -1;
	req.method = method;
	req.authorization = auth;
	req.content_type = body ? "application/json" : NULL;
	req.body = body ? body : "";
	req.body_len = body ? strlen(body) : 0;
	/* As DESIGN section 8 asks of clients: a write carries a key, so the
	 * change and its answer commit together or not at all. */
	if (method != HTTP_GET) {
		snprintf(key, sizeof(key), "chaos-%ld", ++w.serial);
		req.idempotency_key = key;
	}
	snprintf(req.request_id, sizeof(req.request_id), "chaos");
	res.status = parse_target(&req, target, &res.err);
	if (res.status == SD_OK)
		dispatch_request(&req, &who, &res);
	if (res.body == NULL)
		res.body =
		    response_error_body(req.arena, &res.err, &res.body_len);
	response_headers(&res, req.request_id, head);
	out->status = sd_status_http(res.status);
	snprintf(
	    out->body, sizeof(out->body), "%.*s", (int)res.body_len, res.body);
	arena_reset(w.arena);
}

static void
serve_ok(enum http_method method, const char *target, const char *body,
    int want, struct answer *out)
{
	serve(method, target, body, out);
	if (out->status != want)
		die("setting up %s: %d %s", target, out->status, out->body);
}

/* A value of the JSON text (faults off): "page.id" and the like. */
static char *
json_path(const char *text, const char *a, const char *b)
{
	json_t *v = json_loads(text, 0, NULL);
	const char *s;
	char *out;

	s = json_string_value(json_object_get(json_object_get(v, a), b));
	if (s == NULL)
		die("no %s.%s in %s", a, b, text);
	out = strdup(s);
	json_decref(v);
	return out;
}

/* --- the scenarios -------------------------------------------------------- */

static char api[128]; /* /jsm/ops/api/<cloud> */

static char *
new_page(void)
{
	char target[256], body[256];
	struct answer a;

	w.serial++;
	snprintf(target, sizeof(target), "%s/pages", api);
	snprintf(body, sizeof(body),
	    "{\"page\":{\"name\":\"Chaos %ld\",\"subdomain\":\"chaos-%s-%ld\","
	    "\"pageType\":\"PUBLIC\"}}",
	    w.serial, w.cloud + 24, w.serial);
	serve_ok(HTTP_POST, target, body, 201, &a);
	return json_path(a.body, "page", "id");
}

struct request_spec {
	enum http_method method;
	char target[256];
	char body[512];
	int success;
};

/* Each scenario fills spec for a run (a fresh page where the request
 * changes it, a unique name where it creates one). */
static char *shared_page;
static char component_ids[2][37]; /* live components of shared_page */

static void
spec_read(struct request_spec *s)
{
	s->method = HTTP_GET;
	snprintf(s->target, sizeof(s->target), "%s/pages/%s", api, shared_page);
	s->success = 200;
}

static void
spec_create(struct request_spec *s)
{
	w.serial++;
	s->method = HTTP_POST;
	snprintf(s->target, sizeof(s->target), "%s/pages", api);
	snprintf(s->body, sizeof(s->body),
	    "{\"page\":{\"name\":\"Created %ld\",\"subdomain\":"
	    "\"created-%s-%ld\",\"pageType\":\"PUBLIC\",\"description\":"
	    "\"d\",\"seoConfig\":{\"enabled\":true,\"title\":\"t\"}}}",
	    w.serial, w.cloud + 24, w.serial);
	s->success = 201;
}

static void
spec_update(struct request_spec *s)
{
	w.serial++;
	s->method = HTTP_PUT;
	snprintf(s->target, sizeof(s->target), "%s/pages/%s", api, shared_page);
	snprintf(s->body, sizeof(s->body),
	    "{\"page\":{\"description\":\"update %ld\",\"colours\":"
	    "{\"cssFontColor\":\"#000000\"}}}",
	    w.serial);
	s->success = 200;
}

static void
spec_list(struct request_spec *s)
{
	s->method = HTTP_GET;
	snprintf(
	    s->target, sizeof(s->target), "%s/pages/summary/v2?first=3", api);
	s->success = 200;
}

static void
spec_lifecycle(struct request_spec *s)
{
	char *page = new_page();

	s->method = HTTP_POST;
	snprintf(
	    s->target, sizeof(s->target), "%s/pages/%s/soft_delete", api, page);
	s->success = 200;
	free(page);
}

static void
spec_incident(struct request_spec *s)
{
	w.serial++;
	s->method = HTTP_POST;
	snprintf(s->target, sizeof(s->target), "%s/incidents", api);
	snprintf(s->body, sizeof(s->body),
	    "{\"incidentCreateRequest\":{\"pageId\":\"%s\",\"name\":"
	    "\"Outage %ld\",\"message\":\"looking into it\",\"status\":"
	    "\"INVESTIGATING\",\"impact\":\"MINOR\",\"affectedComponents\":["
	    "{\"componentId\":\"%s\",\"status\":\"PARTIAL_OUTAGE\"},"
	    "{\"componentId\":\"%s\",\"status\":\"MAJOR_OUTAGE\"}]}}",
	    shared_page, w.serial, component_ids[0], component_ids[1]);
	s->success = 201;
}

static const struct scenario {
	const char *kind;
	void (*spec)(struct request_spec *);
} scenarios[] = {
	{ "read", spec_read },
	{ "create", spec_create },
	{ "update", spec_update },
	{ "list", spec_list },
	{ "lifecycle", spec_lifecycle },
	{ "incident", spec_incident },
};

/* A failed request's answer: 500 or 503 with {"error": "..."}. */
static int
is_json_error(const struct answer *a)
{
	json_t *v;
	int ok;

	if (a->status != 500 && a->status != 503)
		return 0;
	v = json_loads(a->body, 0, NULL);
	ok = json_is_string(json_object_get(v, "error"));
	json_decref(v);
	return ok;
}

/* A read's answer without faults: one that succeeds with a fault must be
 * the same, byte for byte (jansson may drop a byte when it cannot grow a
 * buffer; that must never reach a client as a 200). */
static struct answer baseline;

/* Runs the request with allocation n failing; checks the answer and the
 * rows. */
static void
run_failing(const struct scenario *sc, long n)
{
	struct request_spec s;
	struct answer a;
	char *before, *after;

	memset(&s, 0, sizeof(s));
	sc->spec(&s);
	before = rows_fingerprint();
	faults_arm(n);
	serve(s.method, s.target, s.body[0] ? s.body : NULL, &a);
	faults_off();
	after = rows_fingerprint();
	if (a.status == s.success && s.method == HTTP_GET &&
	    strcmp(a.body, baseline.body) != 0)
		fail(sc->kind, n, "answered %d with another body: %s", a.status,
		    a.body);
	else if (a.status == s.success)
		; /* the failure was absorbed: a whole success is fine */
	else if (!is_json_error(&a))
		fail(sc->kind, n, "answered %d %s", a.status, a.body);
	else if (strcmp(before, after) != 0)
		fail(sc->kind, n, "answered %d but rows changed", a.status);
	free(before);
	free(after);
}

/* The number of allocations the request makes when none fails. */
static long
count_allocations(const struct scenario *sc)
{
	struct request_spec s;
	struct answer *a = &baseline;
	long n;

	memset(&s, 0, sizeof(s));
	sc->spec(&s);
	faults_arm(0);
	serve(s.method, s.target, s.body[0] ? s.body : NULL, a);
	n = allocations;
	faults_off();
	if (a->status != s.success)
		die("%s without faults: %d %s", sc->kind, a->status, a->body);
	return n;
}

/* --- set-up ---------------------------------------------------------------- */

/* Two live components on shared_page, for incidents to name. */
static void
add_components(void)
{
	const char *params[1] = { shared_page };
	char target[256], body[512];
	struct answer a;
	PGresult *r;
	int i;

	snprintf(target, sizeof(target), "%s/components/batch_process", api);
	snprintf(body, sizeof(body),
	    "{\"pageId\":\"%s\",\"createUpdateComponents\":["
	    "{\"pageId\":\"%s\",\"type\":\"COMPONENT\",\"name\":\"API\"},"
	    "{\"pageId\":\"%s\",\"type\":\"COMPONENT\",\"name\":\"Web\"}]}",
	    shared_page, shared_page, shared_page);
	serve_ok(HTTP_POST, target, body, 200, &a);
	snprintf(target, sizeof(target), "%s/pages/draft/%s/publish", api,
	    shared_page);
	serve_ok(HTTP_POST, target, NULL, 200, &a);
	r = PQexecParams(w.watch,
	    "SELECT id FROM components WHERE page_id = $1::uuid ORDER BY name",
	    1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 2)
		die("components were not published");
	for (i = 0; i < 2; i++)
		snprintf(component_ids[i], sizeof(component_ids[i]), "%s",
		    PQgetvalue(r, i, 0));
	PQclear(r);
}

static void
set_up(void)
{
	static struct db_settings dbs;
	static struct auth_settings as;
	static struct handler_settings hs;
	const char *url = getenv("DATABASE_URL");
	unsigned char digest[SHA256_LEN];
	char id[37], scopes[1024];
	struct sd_error err;

	if (url == NULL || *url == '\0')
		die("DATABASE_URL is not set");
	log_info_off();
	dbs.url = url;
	dbs.public_domain = "status.localhost";
	dbs.statement_timeout_ms = 5000;
	db_configure(&dbs);
	as.cache_seconds = 5;
	auth_configure(&as);
	hs.archive_retention_days = 30;
	if (cursor_key_init(&hs.cursor_key, "chaos cursor secret", NULL) != 0)
		die("random source failed");
	handlers_configure(&hs);
	json_set_alloc_funcs(arena_json_malloc, free);
	w.watch = PQconnectdb(url);
	if (PQstatus(w.watch) != CONNECTION_OK)
		die("cannot connect");
	w.arena = arena_new(32 * 1024);
	if (w.arena == NULL || crypto_uuid_v4(w.cloud) != 0 ||
	    crypto_uuid_v4(id) != 0 ||
	    api_token_new(w.token, sizeof(w.token), digest) != 0)
		die("set-up failed");
	snprintf(api, sizeof(api), "/jsm/ops/api/%s", w.cloud);
	scope_format_list(SCOPE_ALL, scopes, sizeof(scopes));
	if (db_token_insert(w.arena, w.cloud, id, digest, "chaos@example.com",
	        scopes, NULL, 0, &err) != SD_OK)
		die("token: %s", err.message);
	arena_reset(w.arena);
	shared_page = new_page();
	add_components();
}

static void
tear_down(void)
{
	free(shared_page);
	arena_free(w.arena);
	PQfinish(w.watch);
	db_disconnect();
}

int
main(int argc, char **argv)
{
	size_t i;
	long n, total;

	set_up();
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		if (argc > 1 && strcmp(argv[1], scenarios[i].kind) != 0)
			continue;
		total = count_allocations(&scenarios[i]);
		for (n = 1; n <= total; n++)
			run_failing(&scenarios[i], n);
		printf("%s: %ld allocations, each failed once\n",
		    scenarios[i].kind, total);
	}
	tear_down();
	if (w.failures > 0)
		fprintf(stderr, "%d failures\n", w.failures);
	return w.failures > 0 ? 1 : 0;
}
