#include "deliveries.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

const char *const delivery_outcomes[DELIVERY_OUTCOMES] = { "DELIVERED", "RETRY",
	"GONE", "FAILED", "REFUSED", "DROPPED", "ABANDONED" };

enum delivery_stmt {
	ATTEMPTS_OF_SUBSCRIBER_STMT,
	ATTEMPTS_OF_EVENT_STMT,
	OUTBOX_STATS,
	DELIVERY_STMT__MAX
};

#define ATTEMPT_COLUMNS                                                        \
	"SELECT rfc3339(a.started_at), rfc3339(a.finished_at),"                \
	" a.delivery_id, a.attempt, a.event_id, o.kind, a.subscriber_id,"      \
	" d.channel, a.outcome, a.status_code, a.error,"                       \
	" rfc3339(a.next_attempt_at), a.notifier"
#define ATTEMPT_JOINS                                                          \
	" JOIN deliveries d ON d.cloud_id = a.cloud_id"                        \
	" AND d.id = a.delivery_id"                                            \
	" LEFT JOIN notification_outbox o ON o.cloud_id = a.cloud_id"          \
	" AND o.id = a.event_id"
#define ATTEMPT_ORDER                                                          \
	" ORDER BY a.started_at DESC, a.attempt DESC LIMIT $3::integer"

static const struct db_stmt stmts[DELIVERY_STMT__MAX] = {
	/* Through the subscriber's deliveries (deliveries_subscriber), then
	 * their attempts by primary key. */
	DB_STMT(ATTEMPTS_OF_SUBSCRIBER_STMT,
	    ATTEMPT_COLUMNS " FROM delivery_attempts a" ATTEMPT_JOINS
	                    " WHERE a.cloud_id = $1 AND d.cloud_id = $1"
	                    " AND d.subscriber_id = $2::uuid" ATTEMPT_ORDER),
	DB_STMT(ATTEMPTS_OF_EVENT_STMT,
	    ATTEMPT_COLUMNS " FROM delivery_attempts a" ATTEMPT_JOINS
	                    " WHERE a.cloud_id = $1"
	                    " AND a.event_id = $2::uuid" ATTEMPT_ORDER),
	/* Counts over partial indexes, min() as one index probe each. The
	 * oldest unfinished delivery's event stands for the events already
	 * fanned out. */
	DB_STMT(OUTBOX_STATS,
	    "SELECT (SELECT count(*) FROM notification_outbox"
	    " WHERE delivered_at IS NULL),"
	    " (SELECT count(*) FROM deliveries"
	    " WHERE state IN ('PENDING', 'IN_FLIGHT')),"
	    " coalesce(extract(epoch FROM clock_timestamp() - least("
	    "(SELECT min(created_at) FROM notification_outbox"
	    " WHERE delivered_at IS NULL),"
	    " (SELECT o.created_at FROM deliveries d JOIN notification_outbox o"
	    " ON o.cloud_id = d.cloud_id AND o.id = d.event_id"
	    " WHERE d.state IN ('PENDING', 'IN_FLIGHT')"
	    " ORDER BY d.created_at LIMIT 1))), 0)::float8,"
	    /* The totals of the outcomes $1 names, in its order. */
	    " (SELECT string_agg(coalesce(t.n, 0)::text, ',' ORDER BY x.i)"
	    " FROM unnest($1::text[]) WITH ORDINALITY AS x(outcome, i)"
	    " LEFT JOIN (SELECT outcome, sum(n) AS n"
	    " FROM delivery_outcome_totals GROUP BY outcome) t"
	    " ON t.outcome = x.outcome)"),
};

const struct db_stmt_table db_delivery_stmts = DB_STMT_TABLE(stmts);

enum sd_status
db_attempts_recent(struct arena *a, const char *cloud_id, enum attempts_of of,
    const char *id, int limit,
    void (*row)(const struct attempt_row *r, void *ctx), void *ctx,
    struct sd_error *err)
{
	char lim[16];
	const char *p[3] = { cloud_id, id, lim };
	struct attempt_row r;
	PGresult *res;
	int i;

	snprintf(lim, sizeof(lim), "%d", limit);
	res = db_exec(a,
	    &stmts[of == ATTEMPTS_OF_EVENT ? ATTEMPTS_OF_EVENT_STMT
	                                   : ATTEMPTS_OF_SUBSCRIBER_STMT],
	    3, p, err);
	if (res == NULL)
		return err->status;
	for (i = 0; i < PQntuples(res); i++) {
		r.started_at = db_value(res, i, 0);
		r.finished_at = db_value(res, i, 1);
		r.delivery_id = db_value(res, i, 2);
		r.attempt = atoi(db_value(res, i, 3));
		r.event_id = db_value(res, i, 4);
		r.kind = db_value(res, i, 5);
		r.subscriber_id = db_value(res, i, 6);
		r.channel = db_value(res, i, 7);
		r.outcome = db_value(res, i, 8);
		r.status_code =
		    db_value(res, i, 9) ? atoi(db_value(res, i, 9)) : 0;
		r.error = db_value(res, i, 10);
		r.next_attempt_at = db_value(res, i, 11);
		r.notifier = db_value(res, i, 12);
		row(&r, ctx);
	}
	return SD_OK;
}

enum sd_status
db_outbox_stats(struct arena *a, struct outbox_stats *out, struct sd_error *err)
{
	const char *p[1] = { db_array_literal(
	    a, delivery_outcomes, DELIVERY_OUTCOMES) };
	PGresult *r;
	const char *totals;
	char *end;
	int i;

	if (p[0] == NULL)
		return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	if ((r = db_exec(a, &stmts[OUTBOX_STATS], 1, p, err)) == NULL)
		return err->status;

	if (PQntuples(r) != 1)
		return sd_fail(err, SD_INTERNAL, "no result", NULL);
	out->events_pending = atoll(db_value(r, 0, 0));
	out->deliveries_pending = atoll(db_value(r, 0, 1));
	out->oldest_undelivered_age_s = atof(db_value(r, 0, 2));
	totals = db_value(r, 0, 3); /* "3,0,1,...": one per outcome */
	for (i = 0; i < DELIVERY_OUTCOMES; i++) {
		out->outcome_totals[i] = strtoll(totals, &end, 10);
		totals = *end == ',' ? end + 1 : end;
	}
	return SD_OK;
}
