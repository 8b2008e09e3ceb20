-- statusd-notify's queue: one delivery per (event, subscriber), each of
-- its attempts recorded. Its functions and wake-up triggers are in
-- db/sql/60_notify.sql.
--
-- The claim indexes below do not lead with cloud_id: the notifier's queue
-- is one work list across every cloud (it claims what is due, whoever owns
-- it). Every row still carries cloud_id, and every look-up by key leads
-- with it.

-- One message to one subscriber about one outbox event. Its id is the
-- message id receivers see (webhook-id msg_<id>, Message-ID), the same on
-- every attempt. target and secret are the contact as it was when the
-- event was fanned out (cleared when contact data is deleted).
CREATE TABLE deliveries (
	cloud_id text NOT NULL,
	id uuid NOT NULL DEFAULT gen_random_uuid(),
	event_id uuid NOT NULL,
	subscriber_id uuid NOT NULL,
	channel text NOT NULL CHECK (channel IN ('WEBHOOK', 'EMAIL', 'SLACK',
		'SMS')),
	target text NOT NULL,
	secret text,
	state text NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING',
		'IN_FLIGHT', 'DELIVERED', 'GONE', 'FAILED', 'DROPPED')),
	attempts integer NOT NULL DEFAULT 0,
	next_attempt_at timestamptz NOT NULL DEFAULT now(),
	lease_until timestamptz, -- while IN_FLIGHT
	created_at timestamptz NOT NULL DEFAULT now(),
	finished_at timestamptz,
	PRIMARY KEY (cloud_id, id),
	-- each subscriber once per event, whatever it is subscribed through
	UNIQUE (cloud_id, event_id, subscriber_id),
	FOREIGN KEY (cloud_id, event_id) REFERENCES notification_outbox
		(cloud_id, id) ON DELETE CASCADE
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at)
	WHERE state = 'PENDING';
CREATE INDEX deliveries_leased ON deliveries (lease_until)
	WHERE state = 'IN_FLIGHT';
CREATE INDEX deliveries_subscriber ON deliveries (cloud_id, subscriber_id,
	created_at);

-- Every attempt, made once: the primary key is what guarantees that no
-- two notifiers ever make the same attempt of the same delivery.
CREATE TABLE delivery_attempts (
	cloud_id text NOT NULL,
	delivery_id uuid NOT NULL,
	attempt integer NOT NULL CHECK (attempt > 0),
	event_id uuid NOT NULL,
	subscriber_id uuid NOT NULL,
	notifier text NOT NULL, -- host:pid that made it
	started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
	finished_at timestamptz,
	outcome text NOT NULL DEFAULT 'IN_FLIGHT' CHECK (outcome IN (
		'IN_FLIGHT', 'DELIVERED', 'RETRY', 'GONE', 'FAILED', 'REFUSED',
		'DROPPED', 'ABANDONED')),
	status_code integer,
	error text, -- a short reason of ours, never a response body
	next_attempt_at timestamptz,
	PRIMARY KEY (cloud_id, delivery_id, attempt),
	FOREIGN KEY (cloud_id, delivery_id) REFERENCES deliveries (cloud_id, id)
		ON DELETE CASCADE
);
CREATE INDEX delivery_attempts_event ON delivery_attempts (cloud_id,
	event_id, started_at);
CREATE INDEX delivery_attempts_started ON delivery_attempts (started_at);

-- Fanning out claims due outbox rows across clouds.
CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_at)
	WHERE delivered_at IS NULL;
