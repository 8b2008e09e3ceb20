#include "health.h"

#include <string.h>

#include "db/readiness.h"
#include "prometheus.h"

static void
answer(struct response *res, const char *json)
{
	if (json == NULL) {
		res->status =
		    sd_fail(&res->err, SD_INTERNAL, "out of memory", NULL);
		return;
	}
	res->status = SD_OK;
	res->body = json;
	res->body_len = strlen(json);
}

static void
ready(struct request *req, struct response *res)
{
	int version = 0;

	if (db_check_ready(HEALTH_READY_TIMEOUT_MS, &version, &res->err) !=
	    SD_OK) {
		res->status = SD_UNAVAILABLE;
		res->retry_after = 1;
		return;
	}
	answer(res,
	    arena_printf(req->arena,
	        "{\"status\":\"ready\",\"schemaVersion\":%d}", version));
}

int
health_serve(struct request *req, struct response *res)
{
	int readyz;

	if (req->nsegments != 1 ||
	    (strcmp(req->segments[0], "healthz") != 0 &&
	        strcmp(req->segments[0], "readyz") != 0))
		return 0;
	readyz = req->segments[0][0] == 'r';
	req->route_index =
	    readyz ? metrics_route_readyz() : metrics_route_healthz();
	req->route_pattern = readyz ? "/readyz" : "/healthz";
	if (req->method != HTTP_GET && req->method != HTTP_HEAD) {
		res->allow = "GET, HEAD";
		res->status = sd_fail(&res->err, SD_METHOD_NOT_ALLOWED,
		    "method not allowed", "allowed: GET, HEAD");
		return 1;
	}
	if (readyz)
		ready(req, res);
	else
		answer(res, "{\"status\":\"ok\"}");
	return 1;
}
