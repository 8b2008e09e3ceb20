/*
 * GET /healthz and GET /readyz, outside the API prefix and without
 * credentials, for load balancers, nginx and systemd. /healthz says the
 * worker answers and never touches PostgreSQL; /readyz says PostgreSQL
 * answers this worker quickly and its schema is recent enough.
 */
#ifndef STATUSD_HEALTH_H
#define STATUSD_HEALTH_H

#include "http.h"

/* How long /readyz waits for PostgreSQL. */
#define HEALTH_READY_TIMEOUT_MS 1000

/* 1 when req is one of the health endpoints (res is then filled, and
 * req->route_index and route_pattern name it), else 0. */
int health_serve(struct request *req, struct response *res);

#endif
