/*
 * What operators see of the notifier's work: recent delivery attempts of
 * one subscriber or one event (statusctl deliveries), and the outbox's
 * depth, the age of its oldest undelivered row and the attempts by outcome
 * (statusctl outbox, and /metrics with one query per scrape).
 */
#ifndef STATUSD_DB_DELIVERIES_H
#define STATUSD_DB_DELIVERIES_H

#include "arena.h"
#include "status.h"

/* One attempt. Strings are borrowed for the callback only; NULL when the
 * column is NULL. Times are RFC 3339 UTC. */
struct attempt_row {
	const char *started_at;
	const char *finished_at;
	const char *delivery_id;
	int attempt;
	const char *event_id;
	const char *kind; /* incident.created, ... */
	const char *subscriber_id;
	const char *channel;
	const char *outcome; /* IN_FLIGHT DELIVERED RETRY GONE FAILED ... */
	int status_code; /* 0: none */
	const char *error; /* a short reason of ours */
	const char *next_attempt_at;
	const char *notifier; /* host:pid */
};

enum attempts_of { ATTEMPTS_OF_SUBSCRIBER, ATTEMPTS_OF_EVENT };

/* The newest limit attempts of the subscriber or event id of cloud_id,
 * newest first, each passed to row. */
enum sd_status db_attempts_recent(struct arena *a, const char *cloud_id,
    enum attempts_of of, const char *id, int limit,
    void (*row)(const struct attempt_row *r, void *ctx), void *ctx,
    struct sd_error *err);

/* The outcomes an attempt can end with, in this order in outcome_totals. */
#define DELIVERY_OUTCOMES 7
extern const char *const delivery_outcomes[DELIVERY_OUTCOMES];

struct outbox_stats {
	long long events_pending; /* outbox rows not fanned out yet */
	long long deliveries_pending; /* deliveries PENDING or IN_FLIGHT */
	/* Seconds since the oldest event not fanned out, or with a delivery
	 * not finished, was written; 0 when nothing waits. */
	double oldest_undelivered_age_s;
	/* Attempts ended with each of delivery_outcomes, ever. */
	long long outcome_totals[DELIVERY_OUTCOMES];
};

/* One statement; every part is an index probe or an index-only count. */
enum sd_status db_outbox_stats(
    struct arena *a, struct outbox_stats *out, struct sd_error *err);

#endif
