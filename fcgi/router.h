/*
 * The routing table is data: method, path pattern, required scope, handler.
 * Patterns are relative to the API prefix (/jsm/ops/api/{cloudId} or
 * /stakeholder-comms/cloudId/{cloudId}/api). Literal segments beat
 * parameters, so /pages/summary is never taken for a page id.
 */
#ifndef STATUSD_ROUTER_H
#define STATUSD_ROUTER_H

#include <stddef.h>

#include "handlers/input.h"
#include "http.h"

typedef enum sd_status (*handler_fn)(
    struct request *req, const struct principal *who, struct response *res);

/* Route flags. */
#define ROUTE_BODY 0x1 /* takes a JSON body (415 for another type) */

struct route {
	enum http_method method;
	const char *pattern; /* "/pages/{pageId}" */
	enum scope scope;
	handler_fn handler;
	unsigned flags;
	struct input_decl input; /* what it takes, checked before handler */
};

enum route_result { ROUTE_MATCHED, ROUTE_NO_PATH, ROUTE_NO_METHOD };

/* Finds the route for req->method and req->segments; on a match fills
 * req->cloud_id, req->params and req->route_pattern. On ROUTE_NO_METHOD,
 * allow receives the methods the path does accept ("GET, PUT"). */
enum route_result router_match(const struct route *routes, size_t nroutes,
    struct request *req, const struct route **found, char *allow,
    size_t allowlen);

/* Runs route's handler on req once its declared input has been checked
 * (handlers/input.c): what the dispatcher and an idempotent run call. */
enum sd_status route_run(const struct route *route, struct request *req,
    const struct principal *who, struct response *res);

/* The table statusd serves (fcgi/routes.c). */
extern const struct route statusd_routes[];
extern const size_t statusd_nroutes;

#endif
