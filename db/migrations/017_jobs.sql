-- statusd-notify's timed jobs (notify/jobs.c, db/jobs.c; their functions
-- are in db/sql/80_jobs.sql): when each last ran, the incident reminder
-- fields, the times contact data expires from, and the counters of
-- delivery outcomes that /metrics shows.

-- One row per job: a notifier runs a job only while it holds the job's
-- advisory lock and only when started_at is older than the job's
-- interval, so several notifiers on several hosts make one run.
CREATE TABLE job_runs (
	name text PRIMARY KEY,
	started_at timestamptz NOT NULL,
	finished_at timestamptz,
	runs bigint NOT NULL DEFAULT 1,
	notifier text NOT NULL, -- host:pid of the last run
	result text -- the last run's summary, as logged
);

-- Reminders (StakeholderCommsIncident.reminderIntervals, lastRemindedAt,
-- updateNeededAt): minutes after an update, then after each reminder, at
-- which an open incident "needs an update". reminders_sent counts the
-- reminders since the latest update (which interval applies next).
ALTER TABLE incidents ADD COLUMN reminder_intervals integer[] NOT NULL
	DEFAULT '{}';
ALTER TABLE incidents ADD COLUMN reminders_sent integer NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN last_reminded_at timestamptz;
ALTER TABLE incidents ADD COLUMN update_needed_at timestamptz;
-- The reminder job's work list, across clouds (like deliveries_due).
CREATE INDEX incidents_update_needed ON incidents (update_needed_at)
	WHERE update_needed_at IS NOT NULL;

-- Contact data of UNSUBSCRIBED and QUARANTINED subscribers is deleted
-- contact_retention_days after that status began. unsubscribed_at is kept
-- by a trigger; quarantined_at is the fan-out's (migration 016, added
-- here too when absent so this file does not depend on the order in which
-- the two were written).
ALTER TABLE subscribers ADD COLUMN unsubscribed_at timestamptz;
ALTER TABLE subscribers ADD COLUMN IF NOT EXISTS quarantined_at timestamptz;
ALTER TABLE subscribers ADD COLUMN contact_deleted_at timestamptz;
ALTER TABLE subscribers ALTER COLUMN contact DROP NOT NULL;
UPDATE subscribers SET unsubscribed_at = updated_at
	WHERE status = 'UNSUBSCRIBED';
CREATE INDEX subscribers_unsubscribed_contact ON subscribers
	(unsubscribed_at) WHERE status = 'UNSUBSCRIBED'
	AND contact_deleted_at IS NULL;
CREATE INDEX subscribers_quarantined_contact ON subscribers
	(quarantined_at) WHERE status = 'QUARANTINED'
	AND contact_deleted_at IS NULL;
ALTER TABLE deliveries ALTER COLUMN target DROP NOT NULL;

-- Pruning: outbox rows fanned out long ago (their deliveries and attempts
-- go with them), and old attempts (delivery_attempts_started exists).
CREATE INDEX notification_outbox_fanned_out ON notification_outbox
	(delivered_at) WHERE delivered_at IS NOT NULL;
-- Outbox depth and age for statusctl and /metrics: deliveries not yet
-- finished, oldest first.
CREATE INDEX deliveries_undelivered ON deliveries (created_at)
	WHERE state IN ('PENDING', 'IN_FLIGHT');

-- Attempts by outcome since the database was created: a Prometheus
-- counter, kept by a trigger as each attempt ends (so pruning attempts
-- never lowers it). Spread over shards by the writing session so that
-- notifiers do not queue on one row.
CREATE TABLE delivery_outcome_totals (
	outcome text NOT NULL,
	shard integer NOT NULL,
	n bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (outcome, shard)
);
INSERT INTO delivery_outcome_totals (outcome, shard, n)
	SELECT outcome, 0, count(*) FROM delivery_attempts
	WHERE outcome <> 'IN_FLIGHT' GROUP BY outcome;
