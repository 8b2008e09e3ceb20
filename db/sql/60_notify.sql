-- statusd-notify: the wake-up, the fan-out, the event document, and how an
-- attempt is recorded (tables in migration 014).

-- Notifiers LISTEN on statusd_notify; a commit that adds work wakes them
-- (NOTIFY is delivered at commit, and never for a rolled-back write). A
-- statement that added no row (a fan-out of events with no audience)
-- wakes no one: else each fan-out would wake its own notifier again.
CREATE OR REPLACE FUNCTION notify_wake() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM added) THEN
		PERFORM pg_notify('statusd_notify', '');
	END IF;
	RETURN NULL;
END
$$;

-- A write that adds outbox events wakes the notifiers only when no other
-- due event is pending. pg_notify takes PostgreSQL's NOTIFY queue lock
-- before the commit record and holds it through the WAL flush, so every
-- notifying transaction commits one at a time (about 10 % of POST
-- /incidents, bench/RESULTS.md). A due, pending event of another
-- transaction that this one can lock FOR SHARE stays pending until this
-- one ends, since the fan-out takes events FOR UPDATE SKIP LOCKED; and
-- while it is pending the notifiers see it due (NOTIFY_NEXT_DUE) and poll
-- again within 10 ms. So they take it, and this transaction's events with
-- it, within 10 ms of this commit, with no NOTIFY. The lock is shared:
-- concurrent writers all lock the same oldest event.
CREATE OR REPLACE FUNCTION notification_outbox_wake() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM 1 FROM notification_outbox o
		WHERE o.delivered_at IS NULL AND o.next_attempt_at <= now()
		AND NOT EXISTS (SELECT 1 FROM added a
			WHERE a.cloud_id = o.cloud_id AND a.id = o.id)
		ORDER BY o.next_attempt_at LIMIT 1 FOR SHARE OF o SKIP LOCKED;
	IF NOT FOUND THEN
		PERFORM pg_notify('statusd_notify', '');
	END IF;
	RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER notification_outbox_wake AFTER INSERT ON notification_outbox
	REFERENCING NEW TABLE AS added
	FOR EACH STATEMENT EXECUTE FUNCTION notification_outbox_wake();
CREATE OR REPLACE TRIGGER deliveries_wake AFTER INSERT ON deliveries
	REFERENCING NEW TABLE AS added
	FOR EACH STATEMENT EXECUTE FUNCTION notify_wake();

-- The routing table: who an outbox event of each kind goes to. audience
-- 'incident': the SUBSCRIBED subscribers of the event's page, of its
-- incident and of the components its payload lists as affected;
-- 'subscriber': the one PENDING_CONFIRMATION subscriber the payload names.
-- channels, when set, keeps only those subscription types (reminders are
-- for the operators' channels). A kind not listed goes to no one.
CREATE OR REPLACE FUNCTION notify_route(p_kind text,
	OUT audience text, OUT channels text[])
LANGUAGE sql IMMUTABLE AS $$
	SELECT r.audience, r.channels FROM (VALUES
		('incident.created', 'incident', NULL::text[]),
		('incident.updated', 'incident', NULL),
		('incident.resolved', 'incident', NULL),
		('incident.reminder', 'incident', '{WEBHOOK,SLACK}'),
		('subscriber.confirmation', 'subscriber', NULL))
		AS r(kind, audience, channels)
	WHERE r.kind = p_kind
$$;

-- The items an incident event's subscribers are subscribed through, with
-- the rank that decides which subscription of one contact is used (the
-- page's, then the incident's, then a component's). The components are
-- those the event names and every one the incident has affected: an
-- update that changes no component ("still investigating") or a reminder
-- is news to the subscribers of the components it is about.
CREATE OR REPLACE FUNCTION notify_incident_items(p_cloud text, p_page uuid,
	p_payload jsonb)
RETURNS TABLE (item_type text, item_id uuid, rank integer)
LANGUAGE sql STABLE AS $$
	SELECT 'PAGE_SUBSCRIBER', p_page, 1
	UNION ALL
	SELECT 'INCIDENT_SUBSCRIBER', (p_payload ->> 'incidentId')::uuid, 2
	WHERE p_payload ? 'incidentId'
	UNION
	SELECT 'COMPONENT_SUBSCRIBER', (x.e ->> 'componentId')::uuid, 3
	FROM jsonb_array_elements(coalesce(p_payload -> 'affectedComponents',
		'[]'::jsonb)) AS x(e)
	WHERE x.e ? 'componentId'
	UNION
	SELECT 'COMPONENT_SUBSCRIBER', ic.component_id, 3
	FROM incident_components ic
	WHERE ic.cloud_id = p_cloud
	AND ic.incident_id = (p_payload ->> 'incidentId')::uuid
$$;

-- Who one event goes to, by the routing table: each contact once (one
-- person subscribed through the page and a component is two subscribers
-- with one address; the best-ranked, then oldest, subscription is used).
CREATE OR REPLACE FUNCTION notify_audience(p_cloud text, p_page uuid,
	p_kind text, p_payload jsonb)
RETURNS TABLE (id uuid, channel text, target text, secret text)
LANGUAGE sql STABLE AS $$
	SELECT DISTINCT ON (c.channel, c.contact_key) c.id, c.channel,
		c.target, c.secret
	FROM (
		SELECT s.id, s.subscription_type AS channel, s.contact AS target,
			s.webhook_secret AS secret, i.rank, s.created_at,
			CASE WHEN s.subscription_type = 'EMAIL'
				THEN lower(s.contact) ELSE s.contact END
				AS contact_key
		FROM notify_route(p_kind) r
		CROSS JOIN notify_incident_items(p_cloud, p_page, p_payload) i
		JOIN subscribers s ON s.cloud_id = p_cloud
			AND s.item_id = i.item_id AND s.item_type = i.item_type
		WHERE r.audience = 'incident' AND s.status = 'SUBSCRIBED'
		AND s.page_id = p_page
		AND (r.channels IS NULL OR s.subscription_type = ANY (r.channels))
		UNION ALL
		SELECT s.id, s.subscription_type, s.contact, s.webhook_secret, 0,
			s.created_at, s.contact
		FROM notify_route(p_kind) r
		JOIN subscribers s ON s.cloud_id = p_cloud
			AND s.id = (p_payload ->> 'subscriberId')::uuid
		WHERE r.audience = 'subscriber'
		AND s.status = 'PENDING_CONFIRMATION') c
	ORDER BY c.channel, c.contact_key, c.rank, c.created_at, c.id
$$;

-- Whether an incident event (notify_route's audience 'incident') of page
-- p_page has anyone to go to: whether the page has a SUBSCRIBED subscriber
-- at all, since notify_audience picks only SUBSCRIBED subscribers of the
-- event's page. An event without one is not written (incident_record_update,
-- jobs_send_reminders): no outbox row, no NOTIFY, no fan-out of an event
-- no one would get (about a quarter of the machine's CPU per incident
-- write, bench/RESULTS.md). Its audience is thereby fixed when the write
-- commits: a subscriber committed concurrently may or may not get it, as
-- with the fan-out's timing.
-- The probe reads subscribers_page_subscribed (migration 027) and stops
-- at its first entry, whatever the statistics: ordered by
-- subscription_type, which no other path gives without a sort, with sorts
-- disabled here. Else a planner believing the page's subscribers few could
-- walk them all (subscribers_page_recent) or the cloud's (the primary key),
-- unsubscribed ones included. plpgsql: its plan is kept by the session.
CREATE OR REPLACE FUNCTION notify_incident_event_heard(p_cloud text,
	p_page uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SET enable_sort = off AS $$
BEGIN
	PERFORM 1 FROM subscribers s WHERE s.cloud_id = p_cloud
		AND s.page_id = p_page AND s.status = 'SUBSCRIBED'
		ORDER BY s.subscription_type LIMIT 1;
	RETURN FOUND;
END
$$;

-- Fans out up to p_limit due outbox events, in the caller's transaction:
-- each event's deliveries are written (one per contact of its audience)
-- in the same statement that marks it fanned out (delivered_at: handed to
-- the deliveries). Returns how many events were taken. Rows locked by
-- another notifier are skipped, so each event is fanned out by exactly
-- one; a notifier dying before its commit leaves the event due again.
CREATE OR REPLACE FUNCTION notify_fan_out(p_limit integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	v_n integer;
	v_made bigint;
BEGIN
	WITH due AS (
		SELECT o.cloud_id, o.id FROM notification_outbox o
		WHERE o.delivered_at IS NULL AND o.next_attempt_at <= now()
		ORDER BY o.next_attempt_at
		LIMIT p_limit FOR UPDATE SKIP LOCKED),
	taken AS (
		UPDATE notification_outbox o SET delivered_at = now(),
			attempts = o.attempts + 1
		FROM due WHERE o.cloud_id = due.cloud_id AND o.id = due.id
		RETURNING o.cloud_id, o.id, o.page_id, o.kind, o.payload),
	made AS (
		INSERT INTO deliveries (cloud_id, event_id, subscriber_id,
			channel, target, secret)
		SELECT t.cloud_id, t.id, a.id, a.channel, a.target, a.secret
		FROM taken t CROSS JOIN LATERAL notify_audience(t.cloud_id,
			t.page_id, t.kind, t.payload) a
		RETURNING 1)
	SELECT (SELECT count(*) FROM taken), (SELECT count(*) FROM made)
		INTO v_n, v_made;
	-- A fan-out that more than doubles the table (the first large one
	-- of a new installation) leaves the planner believing deliveries is
	-- near empty: the foreign-key checks of every claim (one per
	-- attempt) and the claims themselves would then scan it whole, a
	-- batch of 256 costing a second at 20,000 rows. Their statistics
	-- are brought up to date here, before any of those is planned.
	IF v_made > 1000 AND v_made > (SELECT c.reltuples FROM pg_class c
		WHERE c.oid = 'deliveries'::regclass) THEN
		ANALYZE deliveries;
	END IF;
	RETURN v_n;
END
$$;

-- The sign-up transaction of an EMAIL or SMS subscriber that must confirm
-- writes the event of its confirmation message (to it alone).
CREATE OR REPLACE FUNCTION subscriber_confirmation_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO notification_outbox (cloud_id, page_id, kind, payload)
	VALUES (NEW.cloud_id, NEW.page_id, 'subscriber.confirmation',
		jsonb_build_object('subscriberId', NEW.id));
	RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER subscribers_confirmation_event AFTER INSERT ON subscribers
	FOR EACH ROW WHEN (NEW.status = 'PENDING_CONFIRMATION'
		AND NEW.subscription_type IN ('EMAIL', 'SMS'))
	EXECUTE FUNCTION subscriber_confirmation_event();

-- A subscriber whose status changed (unsubscribed, quarantined, confirmed)
-- or that is deleted gets none of what still waits for it: its due
-- deliveries are DROPPED (those in flight end as they end).
CREATE OR REPLACE FUNCTION subscriber_deliveries_drop() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE deliveries SET state = 'DROPPED', finished_at = clock_timestamp()
		WHERE cloud_id = OLD.cloud_id AND subscriber_id = OLD.id
		AND state = 'PENDING';
	RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER subscribers_status_drops AFTER UPDATE OF status ON subscribers
	FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
	EXECUTE FUNCTION subscriber_deliveries_drop();

-- Deletes (a page's cascade of 100,000 subscribers included) drop in one
-- statement.
CREATE OR REPLACE FUNCTION subscribers_deleted_drop() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE deliveries d SET state = 'DROPPED',
		finished_at = clock_timestamp()
		FROM gone g WHERE d.cloud_id = g.cloud_id
		AND d.subscriber_id = g.id AND d.state = 'PENDING';
	RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER subscribers_deleted_drop AFTER DELETE ON subscribers
	REFERENCING OLD TABLE AS gone
	FOR EACH STATEMENT EXECUTE FUNCTION subscribers_deleted_drop();

-- What an attempt's outcome does to its subscriber: 410 unsubscribes; a
-- failure counts one more in a row (at 10 the subscriber is QUARANTINED);
-- a success resets the count (written only when there is one to reset, so
-- a fan-out of 100,000 successes updates no subscriber). DROPPED and
-- ABANDONED say nothing about the receiver.
CREATE OR REPLACE FUNCTION subscriber_attempt_outcome(p_cloud text, p_id uuid,
	p_outcome text) RETURNS void
LANGUAGE sql AS $$
	UPDATE subscribers s SET consecutive_failures = 0
		WHERE p_outcome = 'DELIVERED' AND s.cloud_id = p_cloud
		AND s.id = p_id AND s.consecutive_failures <> 0;
	UPDATE subscribers s SET status = 'UNSUBSCRIBED', updated_at = now()
		WHERE p_outcome = 'GONE' AND s.cloud_id = p_cloud
		AND s.id = p_id AND s.status <> 'UNSUBSCRIBED';
	UPDATE subscribers s
		SET consecutive_failures = s.consecutive_failures + 1,
		status = CASE WHEN s.consecutive_failures + 1 >= 10
			AND s.status IN ('SUBSCRIBED', 'PENDING_CONFIRMATION')
			THEN 'QUARANTINED' ELSE s.status END,
		quarantined_at = CASE WHEN s.consecutive_failures + 1 >= 10
			AND s.status IN ('SUBSCRIBED', 'PENDING_CONFIRMATION')
			THEN now() ELSE s.quarantined_at END,
		updated_at = now()
		WHERE p_outcome IN ('RETRY', 'FAILED', 'REFUSED')
		AND s.cloud_id = p_cloud AND s.id = p_id;
$$;

-- What a receiver gets about an event (the webhook body; email, Slack and
-- SMS texts are made from it): the type, the page, the incident with its
-- latest update and the affected components with their names (null for
-- an event about no incident: a confirmation). NULL when the page is
-- gone. The notifier adds the subscriber's own part (its unsubscribe
-- link).
CREATE OR REPLACE FUNCTION notification_event_json(o notification_outbox) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('type', o.kind,
		'timestamp', rfc3339(o.created_at),
		'data', json_build_object('eventId', o.id,
			'page', json_build_object('id', p.id, 'name', p.name,
				'url', incident_page_url(p)),
			'incident', CASE WHEN o.payload ? 'incidentId' THEN
				json_build_object(
				'id', o.payload -> 'incidentId',
				'incidentCode', o.payload -> 'incidentCode',
				'name', o.payload -> 'name',
				'status', o.payload -> 'status',
				'impact', o.payload -> 'impact',
				'externalIncidentId',
				o.payload -> 'externalIncidentId',
				'shortlink', incident_page_url(p) || '/incidents/'
					|| (o.payload ->> 'incidentCode'),
				'latestUpdate', json_build_object(
					'seq', o.payload -> 'updateSeq',
					'status', o.payload -> 'status',
					'oldStatus', o.payload -> 'oldStatus',
					'body', o.payload -> 'body'),
				'affectedComponents', (SELECT coalesce(json_agg(
					json_build_object('id', x.e -> 'componentId',
						'name', c.name,
						'status', x.e -> 'status')
					ORDER BY x.n), '[]'::json)
					FROM jsonb_array_elements(coalesce(
						o.payload -> 'affectedComponents',
						'[]'::jsonb)) WITH ORDINALITY AS x(e, n)
					LEFT JOIN components c
					ON c.cloud_id = o.cloud_id
					AND c.id = (x.e ->> 'componentId')::uuid)) END))::text
	FROM pages p WHERE p.cloud_id = o.cloud_id AND p.id = o.page_id
$$;

-- Records how attempt p_attempt of a delivery ended, when it is still the
-- one in flight (a notifier whose lease ran out finds it taken over and
-- changes nothing: false). p_outcome: DELIVERED, RETRY (again at
-- p_next_at, or FAILED once p_max_attempts are spent), GONE, FAILED,
-- REFUSED, DROPPED. The subscriber learns the outcome first (410
-- unsubscribes, the tenth failure in a row quarantines): a retry for a
-- subscriber that is no longer there to be told is DROPPED instead.
CREATE OR REPLACE FUNCTION delivery_finish(p_cloud text, p_id uuid, p_attempt integer,
	p_outcome text, p_status integer, p_error text,
	p_next_at timestamptz, p_max_attempts integer) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	v_state text;
	v_next timestamptz;
	v_subscriber uuid;
BEGIN
	SELECT d.subscriber_id INTO v_subscriber FROM deliveries d
		WHERE d.cloud_id = p_cloud
		AND d.id = p_id AND d.state = 'IN_FLIGHT'
		AND d.attempts = p_attempt FOR UPDATE;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	PERFORM subscriber_attempt_outcome(p_cloud, v_subscriber, p_outcome);
	v_state := CASE p_outcome
		WHEN 'DELIVERED' THEN 'DELIVERED'
		WHEN 'GONE' THEN 'GONE'
		WHEN 'DROPPED' THEN 'DROPPED'
		WHEN 'RETRY' THEN CASE WHEN p_attempt >= p_max_attempts
			THEN 'FAILED' ELSE 'PENDING' END
		ELSE 'FAILED' END;
	IF v_state = 'PENDING' AND NOT EXISTS (SELECT 1 FROM subscribers s
		WHERE s.cloud_id = p_cloud AND s.id = v_subscriber
		AND s.status IN ('SUBSCRIBED', 'PENDING_CONFIRMATION')) THEN
		v_state := 'DROPPED';
	END IF;
	v_next := CASE WHEN v_state = 'PENDING' THEN p_next_at END;
	UPDATE delivery_attempts SET finished_at = clock_timestamp(),
		outcome = p_outcome, status_code = p_status, error = p_error,
		next_attempt_at = v_next
		WHERE cloud_id = p_cloud AND delivery_id = p_id
		AND attempt = p_attempt;
	UPDATE deliveries SET state = v_state, lease_until = NULL,
		next_attempt_at = coalesce(v_next, next_attempt_at),
		finished_at = CASE WHEN v_state <> 'PENDING'
			THEN clock_timestamp() END
		WHERE cloud_id = p_cloud AND id = p_id;
	RETURN true;
END
$$;

-- A batch's results in one statement (one round trip per batch), k each
-- element's place in the arrays (from 1), taken as delivery_finish says.
-- Successes, nearly all of a batch, are recorded set-wise (three
-- statements for the lot); the rest one by one through delivery_finish,
-- in subscriber order, so that two notifiers recording batches that share
-- subscribers lock those rows in the same order.
CREATE OR REPLACE FUNCTION delivery_finish_all(p_cloud text[], p_id uuid[],
	p_attempt integer[], p_outcome text[], p_status integer[],
	p_error text[], p_next_ms bigint[], p_subscriber uuid[],
	p_max_attempts integer)
RETURNS TABLE (k bigint, taken boolean)
LANGUAGE plpgsql AS $$
DECLARE
	r record;
BEGIN
	RETURN QUERY
	WITH ok AS (
		SELECT x.k, x.c, x.i, x.a, nullif(x.s, 0) AS s
		FROM unnest(p_cloud, p_id, p_attempt, p_outcome, p_status)
			WITH ORDINALITY AS x(c, i, a, o, s, k)
		WHERE x.o = 'DELIVERED'),
	done AS (
		UPDATE deliveries d SET state = 'DELIVERED', lease_until = NULL,
			finished_at = clock_timestamp()
		FROM ok WHERE d.cloud_id = ok.c AND d.id = ok.i
		AND d.state = 'IN_FLIGHT' AND d.attempts = ok.a
		RETURNING d.cloud_id, d.id, d.subscriber_id),
	attempted AS (
		UPDATE delivery_attempts t SET finished_at = clock_timestamp(),
			outcome = 'DELIVERED', status_code = ok.s,
			next_attempt_at = NULL
		FROM ok JOIN done ON done.cloud_id = ok.c AND done.id = ok.i
		WHERE t.cloud_id = ok.c AND t.delivery_id = ok.i
		AND t.attempt = ok.a),
	reset AS (
		UPDATE subscribers s SET consecutive_failures = 0
		FROM done WHERE s.cloud_id = done.cloud_id
		AND s.id = done.subscriber_id AND s.consecutive_failures <> 0)
	SELECT ok.k, done.id IS NOT NULL FROM ok
	LEFT JOIN done ON done.cloud_id = ok.c AND done.id = ok.i;
	FOR r IN SELECT * FROM unnest(p_cloud, p_id, p_attempt, p_outcome,
			p_status, p_error, p_next_ms, p_subscriber)
			WITH ORDINALITY AS x(c, i, a, o, s, e, n, sub, k)
		WHERE x.o <> 'DELIVERED'
		ORDER BY x.sub, x.i
	LOOP
		k := r.k;
		taken := delivery_finish(r.c, r.i, r.a, r.o, nullif(r.s, 0),
			r.e, to_timestamp(r.n / 1000.0), p_max_attempts);
		RETURN NEXT;
	END LOOP;
END
$$;
