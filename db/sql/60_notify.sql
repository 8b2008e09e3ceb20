-- statusd-notify: the wake-up, the fan-out, the event document, and how an
-- attempt is recorded (tables in migration 014).

-- Notifiers LISTEN on statusd_notify; a commit that adds work wakes them
-- (NOTIFY is delivered at commit, and never for a rolled-back write).
CREATE OR REPLACE FUNCTION notify_wake() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('statusd_notify', '');
	RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER notification_outbox_wake AFTER INSERT ON notification_outbox
	FOR EACH STATEMENT EXECUTE FUNCTION notify_wake();
CREATE OR REPLACE TRIGGER deliveries_wake AFTER INSERT ON deliveries
	FOR EACH STATEMENT EXECUTE FUNCTION notify_wake();

-- Fans out up to p_limit due outbox events, in the caller's transaction,
-- and marks them fanned out (delivered_at: handed to the deliveries).
-- Returns how many events were taken. Rows locked by another notifier are
-- skipped, so each event is fanned out by exactly one.
CREATE OR REPLACE FUNCTION notify_fan_out(p_limit integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	v_n integer;
BEGIN
	WITH due AS (
		SELECT o.cloud_id, o.id FROM notification_outbox o
		WHERE o.delivered_at IS NULL AND o.next_attempt_at <= now()
		ORDER BY o.next_attempt_at
		LIMIT p_limit FOR UPDATE SKIP LOCKED)
	UPDATE notification_outbox o SET delivered_at = now(),
		attempts = o.attempts + 1
		FROM due WHERE o.cloud_id = due.cloud_id AND o.id = due.id;
	GET DIAGNOSTICS v_n = ROW_COUNT;
	RETURN v_n;
END
$$;

-- What a receiver gets about an event (the webhook body; email, Slack and
-- SMS texts are made from it): the type, the page, the incident with its
-- latest update and the affected components with their names. NULL when
-- the page is gone.
CREATE OR REPLACE FUNCTION notification_event_json(o notification_outbox) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('type', o.kind,
		'timestamp', rfc3339(o.created_at),
		'data', json_build_object('eventId', o.id,
			'page', json_build_object('id', p.id, 'name', p.name,
				'url', incident_page_url(p)),
			'incident', json_build_object(
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
					AND c.id = (x.e ->> 'componentId')::uuid))))::text
	FROM pages p WHERE p.cloud_id = o.cloud_id AND p.id = o.page_id
$$;

-- Records how attempt p_attempt of a delivery ended, when it is still the
-- one in flight (a notifier whose lease ran out finds it taken over and
-- changes nothing: false). p_outcome: DELIVERED, RETRY (again at
-- p_next_at, or FAILED once p_max_attempts are spent), GONE, FAILED,
-- REFUSED, DROPPED.
CREATE OR REPLACE FUNCTION delivery_finish(p_cloud text, p_id uuid, p_attempt integer,
	p_outcome text, p_status integer, p_error text,
	p_next_at timestamptz, p_max_attempts integer) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	v_state text;
	v_next timestamptz;
BEGIN
	PERFORM 1 FROM deliveries d WHERE d.cloud_id = p_cloud
		AND d.id = p_id AND d.state = 'IN_FLIGHT'
		AND d.attempts = p_attempt FOR UPDATE;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	v_state := CASE p_outcome
		WHEN 'DELIVERED' THEN 'DELIVERED'
		WHEN 'GONE' THEN 'GONE'
		WHEN 'DROPPED' THEN 'DROPPED'
		WHEN 'RETRY' THEN CASE WHEN p_attempt >= p_max_attempts
			THEN 'FAILED' ELSE 'PENDING' END
		ELSE 'FAILED' END;
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
