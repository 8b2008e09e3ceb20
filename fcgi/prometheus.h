/*
 * The Prometheus text exposition (format 0.0.4) of core/metrics.h's
 * counters, with route ids named after the routing table. Route ids are the
 * table's indexes, then the health endpoints (fcgi/health.c).
 */
#ifndef STATUSD_PROMETHEUS_H
#define STATUSD_PROMETHEUS_H

#include <stdio.h>

#include "metrics.h"

/* Route ids of /healthz and /readyz (after the API's routes). */
int metrics_route_healthz(void);
int metrics_route_readyz(void);

/* 0 when the routing table fits in METRICS_ROUTES (checked at start). */
int metrics_routes_fit(void);

/* Writes the exposition of sum to out. 0, or -1 on a write error. */
int metrics_render(FILE *out, const struct metrics_slot *sum);

/* The notifier's figures, global to the database (every statusd host
 * shows the same ones): outbox depth, the age of the oldest undelivered
 * event and the attempts by outcome, read with one query
 * (db_outbox_stats) per scrape, never per API request. When PostgreSQL
 * does not answer, statusd_outbox_up is 0 and the rest is left out. 0, or
 * -1 on a write error. */
int metrics_render_outbox(FILE *out);

#endif
