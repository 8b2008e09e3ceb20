-- statusd-notify's timed jobs (tables in migration 017; the scheduling and
-- the advisory locks are in db/jobs.c and notify/jobs.c). Each function
-- does one batch of at most p_limit rows in the caller's statement and
-- returns how many it handled: the job repeats it until a batch comes back
-- short, each batch its own short transaction.

-- When an open incident next needs an update: p_base (its latest update,
-- or the reminder just sent) plus the interval for the reminder after
-- p_sent of them (the last interval repeats). NULL when resolved or
-- without intervals: no reminders.
-- STABLE, as timestamptz + interval is: declared IMMUTABLE it was never
-- inlined, and planned again on every call (every incident write).
CREATE OR REPLACE FUNCTION incident_next_reminder(p_intervals integer[],
	p_status text, p_sent integer, p_base timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN p_status = 'RESOLVED' OR cardinality(p_intervals) = 0
		THEN NULL
		ELSE p_base + make_interval(mins => p_intervals[
			least(p_sent + 1, cardinality(p_intervals))]) END
$$;

-- Reminders: every open incident whose updateNeededAt has passed gets an
-- incident.reminder outbox event (routed to the page's WEBHOOK and SLACK
-- subscribers, the operators' channels) and its lastRemindedAt and next
-- updateNeededAt advanced, in one statement: an event is written exactly
-- when the incident moves on and its page has a subscriber to tell
-- (notify_incident_event_heard). Incidents of deleted or archived pages
-- move on without an event.
CREATE OR REPLACE FUNCTION jobs_send_reminders(p_limit integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	v_n integer;
BEGIN
	WITH due AS (
		SELECT i.cloud_id, i.id FROM incidents i
		WHERE i.update_needed_at <= now() AND i.status <> 'RESOLVED'
		ORDER BY i.update_needed_at LIMIT p_limit
		FOR UPDATE SKIP LOCKED),
	-- node = NULL: the stored node shows these fields, and is rendered
	-- again from the new row (incidents_render_node, migration 018).
	moved AS (
		UPDATE incidents i SET last_reminded_at = now(), node = NULL,
			reminders_sent = i.reminders_sent + 1,
			update_needed_at = incident_next_reminder(
				i.reminder_intervals, i.status,
				i.reminders_sent + 1, now())
		FROM due WHERE i.cloud_id = due.cloud_id AND i.id = due.id
		RETURNING i.*),
	events AS (
		INSERT INTO notification_outbox (cloud_id, page_id, kind, payload)
		SELECT m.cloud_id, m.page_id, 'incident.reminder',
			jsonb_build_object('incidentId', m.id,
				'pageId', m.page_id, 'incidentCode', m.code,
				'name', m.name, 'status', m.status,
				'impact', m.impact, 'updateSeq', m.last_seq,
				'externalIncidentId', m.external_id,
				'lastRemindedAt', rfc3339(m.last_reminded_at),
				'updateNeededAt', rfc3339(m.update_needed_at),
				'remindersSent', m.reminders_sent)
		FROM moved m JOIN pages p ON p.cloud_id = m.cloud_id
			AND p.id = m.page_id
		WHERE p.archived_at IS NULL AND p.deleted_at IS NULL
		AND notify_incident_event_heard(m.cloud_id, m.page_id)
		RETURNING 1)
	SELECT count(*) INTO v_n FROM moved;
	RETURN v_n;
END
$$;

-- Contact data of subscribers UNSUBSCRIBED or QUARANTINED for p_days is
-- deleted: the address, number or URL, the phone country, the webhook
-- secret, and the copies in their deliveries (whose pending ones are
-- dropped; one in flight keeps its copy until it ends). The row stays, so
-- counts and the delivery history keep their meaning.
CREATE OR REPLACE FUNCTION jobs_delete_contacts(p_days integer, p_limit integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
	v_n integer;
BEGIN
	WITH due AS (
		SELECT s.cloud_id, s.id FROM subscribers s
		WHERE s.contact_deleted_at IS NULL AND (
			(s.status = 'UNSUBSCRIBED' AND s.unsubscribed_at
				<= now() - make_interval(days => p_days))
			OR (s.status = 'QUARANTINED' AND s.quarantined_at
				<= now() - make_interval(days => p_days)))
		LIMIT p_limit FOR UPDATE SKIP LOCKED),
	erased AS (
		UPDATE subscribers s SET contact = NULL, phone_country = NULL,
			webhook_secret = NULL, contact_deleted_at = now()
		FROM due WHERE s.cloud_id = due.cloud_id AND s.id = due.id
		RETURNING s.cloud_id, s.id),
	copies AS (
		UPDATE deliveries d SET target = NULL, secret = NULL,
			state = CASE WHEN d.state = 'PENDING' THEN 'DROPPED'
				ELSE d.state END,
			finished_at = coalesce(d.finished_at, now())
		FROM erased WHERE d.cloud_id = erased.cloud_id
		AND d.subscriber_id = erased.id AND d.state <> 'IN_FLIGHT'
		RETURNING 1)
	SELECT count(*) INTO v_n FROM erased;
	RETURN v_n;
END
$$;

-- unsubscribed_at follows the status, whichever path changed it (the
-- unsubscribe link, a 410 from a webhook, the API).
CREATE OR REPLACE FUNCTION subscribers_unsubscribed_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.status = 'UNSUBSCRIBED' THEN
		IF TG_OP = 'INSERT' OR OLD.status <> 'UNSUBSCRIBED' THEN
			NEW.unsubscribed_at := now();
		END IF;
	ELSE
		NEW.unsubscribed_at := NULL;
	END IF;
	RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER subscribers_unsubscribed_at BEFORE INSERT
	OR UPDATE OF status ON subscribers
	FOR EACH ROW EXECUTE FUNCTION subscribers_unsubscribed_at();

-- Outbox events fanned out more than p_days ago whose deliveries have all
-- ended go, with their deliveries and attempts (ON DELETE CASCADE).
CREATE OR REPLACE FUNCTION jobs_prune_outbox(p_days integer, p_limit integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
	v_n integer;
BEGIN
	DELETE FROM notification_outbox o USING (
		SELECT x.cloud_id, x.id FROM notification_outbox x
		WHERE x.delivered_at < now() - make_interval(days => p_days)
		AND NOT EXISTS (SELECT 1 FROM deliveries d
			WHERE d.cloud_id = x.cloud_id AND d.event_id = x.id
			AND d.state IN ('PENDING', 'IN_FLIGHT'))
		LIMIT p_limit FOR UPDATE SKIP LOCKED) old
	WHERE o.cloud_id = old.cloud_id AND o.id = old.id;
	GET DIAGNOSTICS v_n = ROW_COUNT;
	RETURN v_n;
END
$$;

-- Attempts started more than p_days ago that have ended go (a delivery
-- still retrying keeps its count in deliveries.attempts).
CREATE OR REPLACE FUNCTION jobs_prune_attempts(p_days integer, p_limit integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
	v_n integer;
BEGIN
	DELETE FROM delivery_attempts a USING (
		SELECT x.cloud_id, x.delivery_id, x.attempt
		FROM delivery_attempts x
		WHERE x.started_at < now() - make_interval(days => p_days)
		AND x.outcome <> 'IN_FLIGHT'
		LIMIT p_limit FOR UPDATE SKIP LOCKED) old
	WHERE a.cloud_id = old.cloud_id AND a.delivery_id = old.delivery_id
	AND a.attempt = old.attempt;
	GET DIAGNOSTICS v_n = ROW_COUNT;
	RETURN v_n;
END
$$;

-- Counts each attempt once, as it ends (or when it is written already
-- ended), into delivery_outcome_totals: statusd_deliveries_total.
CREATE OR REPLACE FUNCTION delivery_outcome_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO delivery_outcome_totals AS t (outcome, shard, n)
	VALUES (NEW.outcome, pg_backend_pid() % 8, 1)
	ON CONFLICT (outcome, shard) DO UPDATE SET n = t.n + 1;
	RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER delivery_attempts_ended AFTER UPDATE OF outcome
	ON delivery_attempts FOR EACH ROW
	WHEN (OLD.outcome = 'IN_FLIGHT' AND NEW.outcome <> 'IN_FLIGHT')
	EXECUTE FUNCTION delivery_outcome_count();
CREATE OR REPLACE TRIGGER delivery_attempts_written_ended AFTER INSERT
	ON delivery_attempts FOR EACH ROW WHEN (NEW.outcome <> 'IN_FLIGHT')
	EXECUTE FUNCTION delivery_outcome_count();
