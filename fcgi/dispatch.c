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
	if ((route->flags & ROUTE_IDEMPOTENT) && req->idempotency_key != NULL)
		return idempotent_run(req, route, who, res);
	return route->handler(req, who, res);
}

void
dispatch(struct request *req, struct principal *who, struct response *res)
{
	enum sd_status st;

	st = route_request(req, who, res);
	/* A handler that failed mid-transaction must not leave it open for
	 * the next request of this worker. */
	db_rollback();
	res->status = st;
	if (st != SD_OK && st != SD_CREATED) {
		res->body = NULL;
		if (res->err.status != st)
			sd_fail(&res->err, st, NULL, NULL);
		if (st == SD_UNAVAILABLE)
			res->retry_after = db_retry_after();
	}
}
