/*
 * The seam between the HTTP layer and db/.
 *
 * Layering (DESIGN section 2) runs fcgi -> handlers -> db -> core: fcgi hands
 * requests to handlers and never holds SQL text. A few things belong to the
 * request, not to any resource, so fcgi calls db for them directly, through
 * these functions only (db/db.h, db/tokens.h, db/idempotency.h,
 * db/readiness.h, db/deliveries.h):
 *
 *   process     fcgi/main.c     db_configure, db_migrate (before fork, in a
 *                               child: nothing connects before the workers)
 *               fcgi/worker.c   db_disconnect when a worker ends
 *   credentials fcgi/auth.c     db_token_find: an API token's row, by digest,
 *                               before any route runs (cached per worker)
 *   idempotency fcgi/idempotency.c  db_begin, db_idem_claim, db_idem_store,
 *                               db_commit: the key is claimed and the answer
 *                               stored in the transaction the handler's
 *                               own db_begin/db_commit nest inside
 *   readiness   fcgi/health.c   db_check_ready: /readyz asks the worker's
 *                               connection for the schema version, bounded
 *   metrics     fcgi/prometheus.c  db_outbox_stats: the notifier's figures,
 *                               one query per scrape in the listener
 *                               process (never in a worker's request)
 *   every request  here         db_rollback after the handler, so a failed
 *                               transaction never outlives its request;
 *                               db_retry_after for a 503's Retry-After
 *
 * Nothing else in fcgi/ includes db/. A new cross-cutting need (rate limits
 * in PostgreSQL, audit rows) joins this list or goes through a handler.
 */
#include "dispatch.h"

#include <string.h>

#include "auth.h"
#include "db/db.h"
#include "idempotency.h"
#include "parse.h"
#include "router.h"

static enum sd_status
route_request(struct request *req, struct principal *who, struct response *res)
{
	const struct route *route;
	char allow[64];
	enum sd_status st;

	switch (router_match(statusd_routes, statusd_nroutes, req, &route,
	    allow, sizeof(allow))) {
	case ROUTE_NO_PATH:
		return sd_fail(&res->err, SD_NOT_FOUND, "no such route", NULL);
	case ROUTE_NO_METHOD:
		res->allow = arena_strdup(req->arena, allow);
		return sd_fail(&res->err, SD_METHOD_NOT_ALLOWED,
		    "method not allowed", "allowed: %s", allow);
	case ROUTE_MATCHED: break;
	}
	st = auth_check(req, route, who, res);
	if (st != SD_OK)
		return st;
	if ((route->flags & ROUTE_BODY) && req->body_len > 0 &&
	    !parse_is_json_type(req->content_type))
		return sd_fail(&res->err, SD_UNSUPPORTED_MEDIA,
		    "request body must be application/json", NULL);
	if (route_changes_state(route) && req->idempotency_key != NULL)
		return idempotent_run(req, route, who, res);
	return route_run(route, req, who, res);
}

/* Seconds before a client should try a request that hit the statement
 * timeout again: the server is up, the request is heavy, and re-running it
 * every second would only keep a worker and the database busy. */
#define TOO_SLOW_RETRY_AFTER_S 30

/* What a 503 tells the client (DESIGN.md section 8: "unavailable", "too
 * slow" and "unknown outcome" are different answers). */
static enum sd_status
explain_unavailable(
    const struct request *req, enum sd_status st, struct response *res)
{
	/* A read has no outcome to be unsure of. */
	if (st == SD_OUTCOME_UNKNOWN &&
	    (req->method == HTTP_GET || req->method == HTTP_HEAD))
		st = sd_fail(
		    &res->err, SD_UNAVAILABLE, "database unavailable", NULL);
	if (st == SD_OUTCOME_UNKNOWN)
		sd_fail(&res->err, st, "the outcome of this request is unknown",
		    "the database connection was lost while it ran: retry it "
		    "with the same Idempotency-Key, which either replays its "
		    "answer or runs it once");
	if (st == SD_TOO_SLOW)
		res->retry_after = TOO_SLOW_RETRY_AFTER_S;
	else if (st == SD_UNAVAILABLE || st == SD_OUTCOME_UNKNOWN)
		res->retry_after = db_retry_after();
	return st;
}

void
dispatch_request(
    struct request *req, struct principal *who, struct response *res)
{
	enum sd_status st;

	st = route_request(req, who, res);
	/* A handler that failed mid-transaction must not leave it open for
	 * the next request of this worker. */
	db_rollback();
	if (st != SD_OK && st != SD_CREATED) {
		res->body = NULL;
		if (res->err.status != st)
			sd_fail(&res->err, st, NULL, NULL);
		st = explain_unavailable(req, st, res);
	}
	res->status = st;
}
