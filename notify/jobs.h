/*
 * statusd-notify's timed jobs: the archive purge, incident reminders, the
 * deletion of expired contact data, and pruning the outbox and old
 * attempts. Each has its own interval setting (0: never) and runs under
 * its PostgreSQL advisory lock, recorded in job_runs, so that with
 * several notifiers on several hosts one of them makes each run. Every
 * run is logged in one line (event=job_run, or event=job_failed).
 */
#ifndef STATUSD_NOTIFY_JOBS_H
#define STATUSD_NOTIFY_JOBS_H

#include "arena.h"
#include "config.h"

/* Remembers the settings and the notifier's name (both borrowed). */
void jobs_init(const struct config *cfg, const char *notifier);

/* Runs every job whose time has come (on this notifier's clock, then
 * checked against job_runs under the lock). Uses and resets a. */
void jobs_run_due(struct arena *a);

/* Milliseconds until a job should be looked at again (0: now), or -1 when
 * every job is off. */
long long jobs_next_ms(void);

#endif
