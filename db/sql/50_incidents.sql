-- Incidents: their documents and the one function that appends an update.

-- The page's public address, as its url field shows it.
CREATE OR REPLACE FUNCTION incident_page_url(p pages) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT 'https://' || coalesce(p.attrs ->> 'domain',
		p.subdomain || '.' || page_public_domain())
$$;

-- An incident update as the API shows it (StakeholderCommsIncidentUpdate).
CREATE OR REPLACE FUNCTION incident_update_json(u incident_updates)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_strip_nulls(json_build_object('incidentId', u.incident_id,
		'status', u.status, 'body', u.body,
		'createdAt', rfc3339(u.created_at),
		'updatedAt', rfc3339(u.updated_at),
		'hidden', u.hidden, 'oldStatus', u.old_status,
		'affectedComponents', u.affected_components,
		'shouldSendNotifications', u.should_send_notifications))
$$;

-- StakeholderCommsIncidentWithUpdates: the incident (plus incidentCode and
-- resolvedAt, our additions) and its updates, newest first. One statement
-- renders any number of incidents: no query per incident from C.
CREATE OR REPLACE FUNCTION incident_node(i incidents, page_url text)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_strip_nulls(json_build_object('incident', json_build_object(
		'id', i.id, 'name', i.name, 'pageId', i.page_id,
		'status', i.status, 'impact', i.impact,
		'createdAt', rfc3339(i.created_at),
		'updatedAt', rfc3339(i.updated_at),
		'startedAt', rfc3339(i.started_at),
		'monitoringAt', rfc3339(i.monitoring_at),
		'autoInProgress', false,
		'autoCompleted', false,
		'reminderIntervals', to_json(i.reminder_intervals),
		'lastRemindedAt', rfc3339(i.last_reminded_at),
		'updateNeededAt', rfc3339(i.update_needed_at),
		'components', (SELECT coalesce(json_agg(json_build_object(
				'componentId', c.component_id, 'status', c.status)
				ORDER BY c.first_seq, c.first_pos), '[]'::json)
			FROM incident_components c WHERE c.cloud_id = i.cloud_id
			AND c.incident_id = i.id),
		'templateId', i.template_id,
		'externalIncidentId', i.external_id,
		'externalIncidentSource', i.external_source,
		'shortlink', page_url || '/incidents/' || i.code,
		'incidentCode', i.code,
		'resolvedAt', rfc3339(i.resolved_at)),
		'incidentUpdates', (SELECT coalesce(json_agg(
				incident_update_json(u) ORDER BY u.seq DESC),
				'[]'::json)
			FROM incident_updates u WHERE u.cloud_id = i.cloud_id
			AND u.incident_id = i.id)))
$$;

-- Appends one update to an incident whose row the caller has locked (or
-- just inserted) and whose status it has already set to p_status:
-- applies the named component statuses (p_ids[k] gets p_statuses[k]);
-- when p_status is RESOLVED, hands back every component the incident still
-- holds non-operational and the request does not name (to the worst status
-- another open incident holds it at, else OPERATIONAL); writes the update
-- and, when p_notify, one outbox row. Returns the update's seq, or -k when
-- p_ids[k] is not a live component of the incident's page (the caller
-- rolls back).
CREATE OR REPLACE FUNCTION incident_append_update(p_cloud text, p_incident uuid,
	p_old_status text, p_status text, p_body text, p_notify boolean,
	p_ids uuid[], p_statuses text[], p_kind text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	v_seq integer;
	v_inc incidents;
	v_affected jsonb;
	v_target text;
	v_bad bigint;
	r record;
BEGIN
	-- An update answers any reminder: the next one is due the first
	-- interval after it (db/sql/80_jobs.sql).
	UPDATE incidents SET last_seq = last_seq + 1, reminders_sent = 0,
		update_needed_at = incident_next_reminder(reminder_intervals,
			p_status, 0, now())
		WHERE cloud_id = p_cloud AND id = p_incident
		RETURNING * INTO v_inc;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'incident % not found', p_incident;
	END IF;
	v_seq := v_inc.last_seq;
	-- Every component this update may touch is locked once, in id order,
	-- so concurrent updates of incidents sharing components cannot
	-- deadlock. Re-reading after the lock sees what committed before.
	PERFORM 1 FROM components c WHERE c.cloud_id = p_cloud
		AND (c.id = ANY (p_ids) OR (p_status = 'RESOLVED' AND c.id IN (
			SELECT ic.component_id FROM incident_components ic
			WHERE ic.cloud_id = p_cloud
			AND ic.incident_id = p_incident
			AND ic.status <> 'OPERATIONAL')))
		ORDER BY c.id FOR UPDATE;
	SELECT min(x.n) INTO v_bad
		FROM unnest(p_ids) WITH ORDINALITY AS x(id, n)
		WHERE NOT EXISTS (SELECT 1 FROM components c
			WHERE c.cloud_id = p_cloud AND c.id = x.id
			AND c.page_id = v_inc.page_id AND c.type = 'COMPONENT');
	IF v_bad IS NOT NULL THEN
		RETURN -v_bad::integer;
	END IF;
	FOR r IN SELECT x.id, x.status, x.n
		FROM unnest(p_ids, p_statuses) WITH ORDINALITY AS x(id, status, n)
		ORDER BY x.id
	LOOP
		PERFORM component_set_live_status(p_cloud, r.id, r.status);
		INSERT INTO incident_components AS ic (cloud_id, incident_id,
			component_id, status, first_seq, first_pos)
		VALUES (p_cloud, p_incident, r.id, r.status, v_seq, r.n)
		ON CONFLICT (cloud_id, incident_id, component_id)
			DO UPDATE SET status = EXCLUDED.status;
	END LOOP;
	SELECT coalesce(jsonb_agg(jsonb_build_object('componentId', x.id,
			'status', x.status) ORDER BY x.n), '[]'::jsonb)
		INTO v_affected
		FROM unnest(p_ids, p_statuses) WITH ORDINALITY AS x(id, status, n);
	IF p_status = 'RESOLVED' THEN
		FOR r IN SELECT ic.component_id FROM incident_components ic
			WHERE ic.cloud_id = p_cloud AND ic.incident_id = p_incident
			AND ic.status <> 'OPERATIONAL'
			AND NOT (ic.component_id = ANY (p_ids))
			ORDER BY ic.component_id
		LOOP
			SELECT o.status INTO v_target FROM incident_components o
				JOIN incidents oi ON oi.cloud_id = o.cloud_id
				AND oi.id = o.incident_id
				WHERE o.cloud_id = p_cloud
				AND o.component_id = r.component_id
				AND o.incident_id <> p_incident
				AND o.status <> 'OPERATIONAL'
				AND oi.status <> 'RESOLVED'
				ORDER BY component_severity(o.status) DESC
				LIMIT 1;
			v_target := coalesce(v_target, 'OPERATIONAL');
			PERFORM component_set_live_status(p_cloud,
				r.component_id, v_target);
			UPDATE incident_components SET status = 'OPERATIONAL'
				WHERE cloud_id = p_cloud
				AND incident_id = p_incident
				AND component_id = r.component_id;
			v_affected := v_affected || jsonb_build_array(
				jsonb_build_object('componentId', r.component_id,
					'status', v_target));
		END LOOP;
	END IF;
	INSERT INTO incident_updates (cloud_id, incident_id, seq, status,
		old_status, body, affected_components,
		should_send_notifications)
	VALUES (p_cloud, p_incident, v_seq, p_status, p_old_status, p_body,
		v_affected, p_notify);
	IF p_notify THEN
		INSERT INTO notification_outbox (cloud_id, page_id, kind, payload)
		VALUES (p_cloud, v_inc.page_id, p_kind, jsonb_build_object(
			'incidentId', p_incident, 'pageId', v_inc.page_id,
			'incidentCode', v_inc.code, 'name', v_inc.name,
			'status', p_status, 'oldStatus', p_old_status,
			'impact', v_inc.impact, 'body', p_body,
			'affectedComponents', v_affected, 'updateSeq', v_seq,
			'externalIncidentId', v_inc.external_id));
	END IF;
	RETURN v_seq;
END
$$;

-- An incident template as the API shows it (createAt: sic, as documented).
CREATE OR REPLACE FUNCTION incident_template_json(t incident_templates)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_strip_nulls(json_build_object('id', t.id,
		'pageId', t.page_id, 'name', t.name, 'body', t.body,
		'title', t.title, 'groupId', t.group_id,
		'updateStatus', t.update_status, 'shouldTweet', t.should_tweet,
		'shouldSendNotifications', t.should_send_notifications,
		'createAt', rfc3339(t.created_at),
		'updatedAt', rfc3339(t.updated_at)))
$$;
