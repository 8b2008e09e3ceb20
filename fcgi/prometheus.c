#include "prometheus.h"

#include <ctype.h>
#include <inttypes.h>

#include "arena.h"
#include "db/deliveries.h"

#include "router.h"

/* Label values below come from the routing table and these constants
 * only (never from a request), so none needs escaping. */
static const char *const exit_causes[METRICS_EXIT__MAX] = { "clean", "error",
	"signal" };
static const char *const db_error_kinds[METRICS_DB_ERROR__MAX] = {
	"unavailable", "timeout", "conflict", "invalid", "internal"
};
static const char *const auth_failure_kinds[METRICS_AUTH_FAILURE__MAX] = {
	"missing", "malformed", "unknown_token", "revoked", "expired",
	"jwt_invalid", "wrong_cloud", "insufficient_scope"
};

int
metrics_route_healthz(void)
{
	return (int)statusd_nroutes;
}

int
metrics_route_readyz(void)
{
	return (int)statusd_nroutes + 1;
}

int
metrics_routes_fit(void)
{
	return statusd_nroutes + 2 <= METRICS_ROUTES ? 0 : -1;
}

/* The pattern and method of route id; 0 when the id names nothing. */
static int
route_label(int id, const char **pattern, const char **method)
{
	*method = "GET";
	if (id >= 0 && (size_t)id < statusd_nroutes) {
		*pattern = statusd_routes[id].pattern;
		*method = http_method_name(statusd_routes[id].method);
		return 1;
	}
	if (id == metrics_route_healthz()) {
		*pattern = "/healthz";
		return 1;
	}
	if (id == metrics_route_readyz()) {
		*pattern = "/readyz";
		return 1;
	}
	return 0;
}

static void
header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static uint64_t
sum_of(const uint64_t *v, int n)
{
	uint64_t t = 0;
	int i;

	for (i = 0; i < n; i++)
		t += v[i];
	return t;
}

/* 2xx to 5xx always (so a rate over them starts from zero), 1xx when
 * there are any. */
static void
request_classes(FILE *f, const char *route, const char *method,
    const uint64_t counts[METRICS_CLASSES], int only_nonzero)
{
	int c;

	for (c = 0; c < METRICS_CLASSES; c++) {
		if (counts[c] == 0 && (only_nonzero || c == 0))
			continue;
		fprintf(f,
		    "statusd_http_requests_total{route=\"%s\",method=\"%s\","
		    "status_class=\"%dxx\"} %" PRIu64 "\n",
		    route, method, c + 1, counts[c]);
	}
}

static void
render_requests(FILE *f, const struct metrics_slot *m)
{
	const char *route, *method;
	int id, k;

	header(f, "statusd_http_requests_total", "counter",
	    "Requests answered, by route pattern, method and status class "
	    "(route none: no route matched).");
	for (id = 0; id < METRICS_ROUTES; id++)
		if (route_label(id, &route, &method) &&
		    sum_of(m->requests[id], METRICS_CLASSES) > 0)
			request_classes(f, route, method, m->requests[id], 0);
	for (k = 0; k <= HTTP_METHOD__MAX; k++)
		request_classes(f, "none",
		    k < HTTP_METHOD__MAX ? http_method_name(k) : "other",
		    m->unmatched[k], 1);
}

static void
histogram(FILE *f, const char *route, const char *method,
    const uint64_t buckets[METRICS_BUCKETS], uint64_t sum_us)
{
	const char *name = "statusd_http_request_duration_seconds";
	uint64_t cumulative = 0;
	int b;

	for (b = 0; b < METRICS_BOUNDS; b++) {
		cumulative += buckets[b];
		fprintf(f,
		    "%s_bucket{route=\"%s\",method=\"%s\",le=\"%g\"} %" PRIu64
		    "\n",
		    name, route, method,
		    (double)metrics_bucket_bounds_us[b] / 1e6, cumulative);
	}
	/* +Inf and _count from the same values as the buckets, so one scrape
	 * is always consistent. */
	cumulative += buckets[METRICS_BOUNDS];
	fprintf(f,
	    "%s_bucket{route=\"%s\",method=\"%s\",le=\"+Inf\"} %" PRIu64 "\n"
	    "%s_sum{route=\"%s\",method=\"%s\"} %.6f\n"
	    "%s_count{route=\"%s\",method=\"%s\"} %" PRIu64 "\n",
	    name, route, method, cumulative, name, route, method,
	    (double)sum_us / 1e6, name, route, method, cumulative);
}

static void
render_latency(FILE *f, const struct metrics_slot *m)
{
	const char *route, *method;
	int id;

	header(f, "statusd_http_request_duration_seconds", "histogram",
	    "Time from reading a request to handing its response to nginx, "
	    "by route pattern.");
	for (id = 0; id < METRICS_ROUTES; id++)
		if (route_label(id, &route, &method) &&
		    sum_of(m->latency[id], METRICS_BUCKETS) > 0)
			histogram(f, route, method, m->latency[id],
			    m->latency_sum_us[id]);
}

static void
counter(FILE *f, const char *name, const char *help, uint64_t v)
{
	header(f, name, "counter", help);
	fprintf(f, "%s %" PRIu64 "\n", name, v);
}

static void
labelled(FILE *f, const char *name, const char *help, const char *label,
    const char *const *values, const uint64_t *counts, int n)
{
	int i;

	header(f, name, "counter", help);
	for (i = 0; i < n; i++)
		fprintf(f, "%s{%s=\"%s\"} %" PRIu64 "\n", name, label,
		    values[i], counts[i]);
}

static void
render_database(FILE *f, const struct metrics_slot *m)
{
	counter(f, "statusd_db_statements_total",
	    "Prepared statements run by the workers.", m->db_statements);
	header(f, "statusd_db_statement_seconds_total", "counter",
	    "Time spent waiting for those statements.");
	fprintf(f, "statusd_db_statement_seconds_total %.6f\n",
	    (double)m->db_statement_us / 1e6);
	labelled(f, "statusd_db_errors_total",
	    "Statements or transactions that failed, by kind.", "kind",
	    db_error_kinds, m->db_errors, METRICS_DB_ERROR__MAX);
	counter(f, "statusd_db_connects_total",
	    "Connections to PostgreSQL opened by the workers.", m->db_connects);
	counter(f, "statusd_db_connect_failures_total",
	    "Connection attempts that failed (or found the schema too old).",
	    m->db_connect_failures);
	counter(f, "statusd_db_reconnects_total",
	    "Connections opened by a worker that had one before.",
	    m->db_reconnects);
}

static void
render_workers(FILE *f, const struct metrics_slot *m)
{
	counter(f, "statusd_worker_starts_total", "Workers forked.",
	    m->worker_starts);
	labelled(f, "statusd_worker_exits_total",
	    "Workers that ended, by cause (clean: recycled, reloaded or "
	    "stopped).",
	    "cause", exit_causes, m->worker_exits, METRICS_EXIT__MAX);
	counter(f, "statusd_worker_recycles_total",
	    "Workers that ended after max_requests.", m->recycles);
}

static void
render_auth(FILE *f, const struct metrics_slot *m)
{
	counter(f, "statusd_token_cache_hits_total",
	    "API token look-ups answered from a worker's cache.",
	    m->token_cache_hits);
	counter(f, "statusd_token_cache_misses_total",
	    "API token look-ups that queried PostgreSQL.",
	    m->token_cache_misses);
	labelled(f, "statusd_auth_failures_total",
	    "Requests refused by authentication (401) or authorisation "
	    "(403), by kind.",
	    "kind", auth_failure_kinds, m->auth_failures,
	    METRICS_AUTH_FAILURE__MAX);
}

int
metrics_render(FILE *out, const struct metrics_slot *sum)
{
	render_requests(out, sum);
	render_latency(out, sum);
	render_database(out, sum);
	render_workers(out, sum);
	render_auth(out, sum);
	return ferror(out) ? -1 : 0;
}

static void
gauge(FILE *f, const char *name, const char *help, double v)
{
	header(f, name, "gauge", help);
	fprintf(f, "%s %.3f\n", name, v);
}

static void
render_outcomes(FILE *f, const struct outbox_stats *o)
{
	char label[16];
	size_t i;
	int k;

	header(f, "statusd_deliveries_total", "counter",
	    "Delivery attempts ended, by outcome (every notifier; never "
	    "lowered by pruning).");
	for (k = 0; k < DELIVERY_OUTCOMES; k++) {
		for (i = 0;
		     delivery_outcomes[k][i] != '\0' && i < sizeof(label) - 1;
		     i++)
			label[i] = (char)tolower(
			    (unsigned char)delivery_outcomes[k][i]);
		label[i] = '\0';
		fprintf(f, "statusd_deliveries_total{outcome=\"%s\"} %lld\n",
		    label, o->outcome_totals[k]);
	}
}

int
metrics_render_outbox(FILE *out)
{
	struct arena *a = arena_new(4096);
	struct outbox_stats o;
	struct sd_error err;
	int up = a != NULL && db_outbox_stats(a, &o, &err) == SD_OK;

	arena_free(a);
	gauge(out, "statusd_outbox_up",
	    "1 when this scrape read the outbox figures, 0 when PostgreSQL "
	    "did not answer.",
	    up);
	if (up) {
		header(out, "statusd_outbox_depth", "gauge",
		    "Waiting work: outbox events not fanned out yet "
		    "(stage=event), deliveries not finished (stage=delivery).");
		fprintf(out,
		    "statusd_outbox_depth{stage=\"event\"} %lld\n"
		    "statusd_outbox_depth{stage=\"delivery\"} %lld\n",
		    o.events_pending, o.deliveries_pending);
		gauge(out, "statusd_outbox_oldest_undelivered_age_seconds",
		    "Age of the oldest event not fanned out or with a delivery "
		    "not finished; 0 when nothing waits.",
		    o.oldest_undelivered_age_s);
		render_outcomes(out, &o);
	}
	return ferror(out) ? -1 : 0;
}
