/*
 * statusd-notify's queries: waking on NOTIFY, fanning outbox events out to
 * deliveries, claiming due deliveries (FOR UPDATE SKIP LOCKED, under a
 * lease), recording how each attempt ended, and taking back the attempts
 * of a notifier that died (its lease ran out). Plus what statusctl shows
 * operators: recent attempts and the outbox's depth and age.
 */
#ifndef STATUSD_DB_NOTIFY_H
#define STATUSD_DB_NOTIFY_H

#include <stddef.h>

#include "arena.h"
#include "status.h"

/* Ensures the connection LISTENs for new work (again after a reconnect).
 * SD_OK or SD_UNAVAILABLE. */
enum sd_status db_notify_listen(struct sd_error *err);

/* Waits up to timeout_ms for a NOTIFY on the listening connection and
 * drains every one that arrived. 1 woken, 0 timed out, -1 connection lost
 * (the next db call reconnects). */
int db_notify_wait(int timeout_ms);

/* *ms gets the milliseconds until the next retry (of one of channels, a
 * NULL-terminated list), lease expiry or delayed event falls due (0:
 * now), or -1 when nothing waits. */
enum sd_status db_notify_next_due(struct arena *a, const char *const *channels,
    long long *ms, struct sd_error *err);

/* Fans out up to limit due outbox events in one transaction, writing the
 * deliveries of each to its audience (db/sql/60_notify.sql: the routing
 * table notify_route); *events gets how many were taken. */
enum sd_status db_notify_fan_out(
    struct arena *a, int limit, int *events, struct sd_error *err);

/* Attempts whose lease ran out (their notifier died or hung) are recorded
 * as ABANDONED and their deliveries made due again; *n gets how many. */
enum sd_status db_notify_reap(struct arena *a, int *n, struct sd_error *err);

/* One claimed attempt. Strings belong to the arena. body is NULL when the
 * event's page is gone. */
struct notify_job {
	const char *cloud_id;
	const char *id; /* delivery id: the stable message id */
	int attempt;
	const char *channel; /* WEBHOOK, EMAIL, SLACK, SMS */
	const char *target; /* URL, address or number */
	const char *secret; /* NULL unless WEBHOOK */
	const char *event_id;
	const char *kind; /* incident.created, subscriber.confirmation, ... */
	const char *body; /* the event document (notification_event_json) */
	const char *subscriber_id;
	const char *page_subdomain; /* NULL when the page is gone */
	/* Set by the notifier (core/subtoken.c, core/sublink.c), not the
	 * database: the subscriber's one-click unsubscribe link, and for a
	 * subscriber.confirmation its confirm link; NULL otherwise. */
	const char *unsubscribe_url;
	const char *confirm_url;
};

/* Claims up to limit due deliveries of channels (a NULL-terminated list:
 * those this notifier can send; others stay PENDING for one that can) for
 * lease_seconds, recording attempt n+1 of each under notifier's name, and
 * commits: the attempts are then this notifier's alone. *jobs is
 * arena-owned. */
enum sd_status db_notify_claim(struct arena *a, int limit, int lease_seconds,
    const char *notifier, const char *const *channels, struct notify_job **jobs,
    size_t *n, struct sd_error *err);

/* How an attempt ended. */
struct notify_result {
	const char *outcome; /* DELIVERED RETRY GONE FAILED REFUSED DROPPED */
	int status_code; /* 0: none */
	const char *error; /* NULL, or a short reason of ours */
	long long next_at_ms; /* RETRY: when, unix milliseconds */
};

/* Records the results of n attempts in one statement (one round trip per
 * batch), each only when the attempt is still this notifier's: taken[i] is
 * 0 when its lease had run out and another took the delivery over. A RETRY
 * of attempt max_attempts fails the delivery. On an error nothing is
 * recorded: the leases run out and the attempts are made again. */
enum sd_status db_notify_finish(struct arena *a, const struct notify_job *jobs,
    const struct notify_result *res, size_t n, int max_attempts, int *taken,
    struct sd_error *err);

#endif
