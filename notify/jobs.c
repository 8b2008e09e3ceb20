#include "jobs.h"

#include <stdio.h>

#include "db/jobs.h"
#include "log.h"
#include "metrics.h"

/* Rows per batch: each batch is one short transaction. */
#define JOB_BATCH 500
/* A job that failed (the database away) is tried again this soon. */
#define JOB_RETRY_MS 30000

static const struct config *cfg;
static const char *notifier_name;

typedef enum sd_status (*job_fn)(
    struct arena *a, char *summary, size_t len, struct sd_error *err);

struct job {
	const char *name;
	int number; /* the second key of its advisory lock: never reuse */
	const int *interval_s;
	job_fn run;
	long long next_ms; /* monotonic; 0: at once */
};

static enum sd_status
run_purge(struct arena *a, char *summary, size_t len, struct sd_error *err)
{
	struct purge_counts c;
	enum sd_status st =
	    db_purge_expired(a, cfg->archive_retention_days, &c, err);

	if (st == SD_OK)
		snprintf(summary, len,
		    "pages=%ld idempotency_keys=%ld captchas=%ld", c.pages,
		    c.idempotency_keys, c.captchas);
	return st;
}

static enum sd_status
run_reminders(struct arena *a, char *summary, size_t len, struct sd_error *err)
{
	long n;
	enum sd_status st =
	    db_job_batches(a, JOB_BATCH_REMINDERS, 0, JOB_BATCH, &n, err);

	if (st == SD_OK)
		snprintf(summary, len, "reminders=%ld", n);
	return st;
}

static enum sd_status
run_contacts(struct arena *a, char *summary, size_t len, struct sd_error *err)
{
	long n;
	enum sd_status st = db_job_batches(a, JOB_BATCH_CONTACTS,
	    cfg->contact_retention_days, JOB_BATCH, &n, err);

	if (st == SD_OK)
		snprintf(summary, len, "subscribers=%ld", n);
	return st;
}

static enum sd_status
run_prune(struct arena *a, char *summary, size_t len, struct sd_error *err)
{
	long events, attempts;
	enum sd_status st = db_job_batches(a, JOB_BATCH_PRUNE_OUTBOX,
	    cfg->outbox_retention_days, JOB_BATCH, &events, err);

	if (st == SD_OK)
		st = db_job_batches(a, JOB_BATCH_PRUNE_ATTEMPTS,
		    cfg->delivery_attempts_retention_days, JOB_BATCH, &attempts,
		    err);
	if (st == SD_OK)
		snprintf(summary, len, "outbox_events=%ld attempts=%ld", events,
		    attempts);
	return st;
}

static struct job jobs[] = {
	{ "purge", 1, NULL, run_purge, 0 },
	{ "reminders", 2, NULL, run_reminders, 0 },
	{ "contacts", 3, NULL, run_contacts, 0 },
	{ "prune", 4, NULL, run_prune, 0 },
};
#define NJOBS (sizeof(jobs) / sizeof(jobs[0]))

/* The monotonic clock, in ms. */
static long long
clock_ms(void)
{
	return metrics_clock_us() / 1000;
}

void
jobs_init(const struct config *c, const char *notifier)
{
	cfg = c;
	notifier_name = notifier;
	jobs[0].interval_s = &c->job_purge_interval_seconds;
	jobs[1].interval_s = &c->job_reminders_interval_seconds;
	jobs[2].interval_s = &c->job_contacts_interval_seconds;
	jobs[3].interval_s = &c->job_prune_interval_seconds;
}

/* A claimed run: the work, its one log line, and the lock given back. */
static void
run_claimed(struct arena *a, const struct job *j)
{
	char summary[256] = "";
	struct sd_error err, ignored;
	long long start = clock_ms();
	enum sd_status st = j->run(a, summary, sizeof(summary), &err);

	if (st == SD_OK)
		log_info("event=job_run job=%s notifier=%s ms=%lld %s", j->name,
		    notifier_name, clock_ms() - start, summary);
	else
		log_error("event=job_failed job=%s notifier=%s ms=%lld "
		          "error=\"%s\"",
		    j->name, notifier_name, clock_ms() - start, err.message);
	db_job_finish(
	    a, j->number, j->name, st == SD_OK ? summary : NULL, &ignored);
}

/* Looks at one job; returns when to look again (monotonic ms). */
static long long
consider(struct arena *a, const struct job *j, long long now)
{
	long long interval_ms = (long long)*j->interval_s * 1000, due_in;
	enum job_claim claim;
	struct sd_error err;

	if (db_job_claim(a, j->number, j->name, *j->interval_s, notifier_name,
	        &claim, &due_in, &err) != SD_OK)
		return now + JOB_RETRY_MS;
	switch (claim) {
	case JOB_CLAIMED: run_claimed(a, j); return clock_ms() + interval_ms;
	/* Another notifier runs it now and records its start: the job is
	 * next due an interval from now. */
	case JOB_BUSY: return now + interval_ms;
	case JOB_NOT_DUE: return now + (due_in > 0 ? due_in : 1);
	}
	return now + interval_ms;
}

void
jobs_run_due(struct arena *a)
{
	long long now;
	size_t i;

	for (i = 0; i < NJOBS; i++) {
		now = clock_ms();
		if (*jobs[i].interval_s <= 0 || now < jobs[i].next_ms)
			continue;
		arena_reset(a);
		jobs[i].next_ms = consider(a, &jobs[i], now);
	}
}

long long
jobs_next_ms(void)
{
	long long now = clock_ms(), best = -1, left;
	size_t i;

	for (i = 0; i < NJOBS; i++) {
		if (*jobs[i].interval_s <= 0)
			continue;
		left = jobs[i].next_ms > now ? jobs[i].next_ms - now : 0;
		if (best < 0 || left < best)
			best = left;
	}
	return best;
}
