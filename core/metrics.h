/*
 * Counters for the Prometheus exposition, shared by every process of one
 * statusd: the master maps them (MAP_SHARED) before it forks, so workers
 * and the metrics listener see the same memory.
 *
 * Each worker writes to its own slot with relaxed atomic additions: the
 * hot path takes no lock and shares no cache line with another worker.
 * Counters in a slot are cumulative for the slot, not for the process: a
 * replacement worker keeps adding where the dead one stopped, so nothing a
 * worker counted is lost when it dies, and nothing needs folding. Two
 * processes on one slot (a worker retiring after SIGHUP next to its
 * replacement) stay correct because every update is an atomic add.
 *
 * Without metrics_shm_create (statusctl, unit tests) every recording call
 * does nothing.
 */
#ifndef STATUSD_METRICS_H
#define STATUSD_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

/* Route ids the counters have room for; the caller (fcgi/metrics.c) names
 * them. An id outside 0..METRICS_ROUTES-1 counts as unmatched. */
#define METRICS_ROUTES 128
/* Latency bucket upper bounds in microseconds; one more bucket, +Inf. */
#define METRICS_BOUNDS 14
#define METRICS_BUCKETS (METRICS_BOUNDS + 1)
extern const long long metrics_bucket_bounds_us[METRICS_BOUNDS];

/* HTTP status classes 1xx..5xx as 0..4. */
#define METRICS_CLASSES 5

enum metrics_db_error {
	METRICS_DB_UNAVAILABLE, /* connection lost, too many connections */
	METRICS_DB_TIMEOUT, /* statement_timeout cancelled a statement */
	METRICS_DB_CONFLICT, /* serialization failure, deadlock, unique */
	METRICS_DB_INVALID, /* a value the server refused */
	METRICS_DB_INTERNAL, /* anything else: a bug */
	METRICS_DB_ERROR__MAX
};

enum metrics_auth_failure {
	METRICS_AUTH_MISSING, /* no Authorization header */
	METRICS_AUTH_MALFORMED, /* unparsable header or scheme */
	METRICS_AUTH_UNKNOWN_TOKEN, /* no such token, or wrong owner */
	METRICS_AUTH_REVOKED,
	METRICS_AUTH_EXPIRED,
	METRICS_AUTH_JWT_INVALID, /* signature, claims, or JWT disabled */
	METRICS_AUTH_WRONG_CLOUD, /* 403: another cloud's credential */
	METRICS_AUTH_INSUFFICIENT_SCOPE, /* 403 */
	METRICS_AUTH_FAILURE__MAX
};

enum metrics_exit {
	METRICS_EXIT_CLEAN, /* exit 0: recycled, reloaded or stopped */
	METRICS_EXIT_ERROR, /* non-zero exit status */
	METRICS_EXIT_SIGNAL, /* killed by a signal (a crash, or SIGKILL) */
	METRICS_EXIT__MAX
};

/* One worker's counters. Read them with metrics_snapshot only. */
struct metrics_slot {
	uint64_t requests[METRICS_ROUTES][METRICS_CLASSES];
	/* Requests that matched no route, by method (__MAX: unknown). */
	uint64_t unmatched[HTTP_METHOD__MAX + 1][METRICS_CLASSES];
	uint64_t latency[METRICS_ROUTES][METRICS_BUCKETS]; /* not cumulative */
	uint64_t latency_sum_us[METRICS_ROUTES];
	uint64_t db_statements;
	uint64_t db_statement_us;
	uint64_t db_errors[METRICS_DB_ERROR__MAX];
	uint64_t db_connects;
	uint64_t db_connect_failures;
	uint64_t db_reconnects; /* connects after this process's first */
	uint64_t token_cache_hits;
	uint64_t token_cache_misses;
	uint64_t auth_failures[METRICS_AUTH_FAILURE__MAX];
	uint64_t recycles; /* workers that reached max_requests */
	/* Written by the master only. */
	uint64_t worker_starts;
	uint64_t worker_exits[METRICS_EXIT__MAX];
} __attribute__((aligned(64)));

/* Maps the shared counters for that many workers (plus one for the master).
 * Call once, before forking. -1 when the mapping fails. */
int metrics_shm_create(int workers);
/* In the master, before forking worker i: the child writes to slot i. */
void metrics_use_slot(int i);

/* Monotonic clock in microseconds (the one read requests are timed by). */
long long metrics_clock_us(void);

/* Worker side. status is the HTTP status sent. */
void metrics_request(
    int route, enum http_method method, int status, long long duration_us);
void metrics_db_statement(long long duration_us);
void metrics_db_error(enum metrics_db_error kind);
void metrics_db_connect(int ok);
void metrics_token_cache(int hit);
void metrics_auth_failure(enum metrics_auth_failure kind);
void metrics_worker_recycled(void);

/* Master side: a worker was forked; a worker ended with waitpid's status. */
void metrics_worker_started(void);
void metrics_worker_exited(int wait_status);

/* Adds up every slot into *sum (relaxed loads: each counter is exact, the
 * set is not one instant). 0, or -1 when metrics are not enabled. */
int metrics_snapshot(struct metrics_slot *sum);

#endif
