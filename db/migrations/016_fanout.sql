-- The fan-out of outbox events to subscribers (db/sql/60_notify.sql):
-- what a subscriber's deliveries have come to, and the claim by channel.

-- Failed attempts in a row, across deliveries (a success resets it); at 10
-- the subscriber is QUARANTINED and quarantined_at says since when.
ALTER TABLE subscribers
	ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0,
	ADD COLUMN IF NOT EXISTS quarantined_at timestamptz; -- 017 adds it too

-- A notifier claims only the channels it can send (the others wait,
-- PENDING, for one that can): due deliveries by channel.
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (channel, next_attempt_at)
	WHERE state = 'PENDING';
