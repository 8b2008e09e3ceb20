/*
 * The timed jobs' queries (statusd-notify's notify/jobs.c schedules them):
 * claiming a run under the job's advisory lock, the batches each job is
 * made of, the archive purge that statusctl purge shares, and the
 * reminder fields of an incident (set by its create and update).
 */
#ifndef STATUSD_DB_JOBS_H
#define STATUSD_DB_JOBS_H

#include "arena.h"
#include "status.h"

enum job_claim {
	JOB_CLAIMED, /* this session holds the lock and recorded the start */
	JOB_BUSY, /* another session holds the job's lock */
	JOB_NOT_DUE, /* it ran less than an interval ago */
};

/*
 * Takes the job's session advisory lock (pg_try_advisory_lock: with
 * several notifiers on several hosts, one gets it) and, when the job last
 * started interval_s or more ago (or never), records this start in
 * job_runs: JOB_CLAIMED, and the lock is held until db_job_finish. Else
 * the lock is released again; *due_in_ms says when the job falls due
 * (JOB_NOT_DUE) or 0.
 */
enum sd_status db_job_claim(struct arena *a, int number, const char *name,
    int interval_s, const char *notifier, enum job_claim *out,
    long long *due_in_ms, struct sd_error *err);

/* Records the end of a claimed run (result: its summary, NULL when it
 * failed) and releases the lock. */
enum sd_status db_job_finish(struct arena *a, int number, const char *name,
    const char *result, struct sd_error *err);

/* The batched work of the jobs (db/sql/80_jobs.sql). */
enum job_batch {
	JOB_BATCH_REMINDERS, /* days unused */
	JOB_BATCH_CONTACTS, /* contact data, days after the status began */
	JOB_BATCH_PRUNE_OUTBOX, /* events fanned out days ago, all ended */
	JOB_BATCH_PRUNE_ATTEMPTS, /* attempts started days ago */
	JOB_BATCH__MAX
};

/* Runs batches of at most limit rows, each its own transaction, until one
 * comes back short; *n gets the rows handled in all. */
enum sd_status db_job_batches(struct arena *a, enum job_batch which, int days,
    int limit, long *n, struct sd_error *err);

/* What the archive purge erased. */
struct purge_counts {
	long pages; /* permanently deleted archive_days or more ago */
	long idempotency_keys; /* older than IDEMPOTENCY_KEEP_HOURS */
	long captchas; /* spent, past their expiry */
};
enum sd_status db_purge_expired(struct arena *a, int archive_days,
    struct purge_counts *c, struct sd_error *err);

#endif
