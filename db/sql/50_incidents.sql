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
-- resolvedAt, our additions) and its updates, newest first, stored in
-- incidents.node when written (migration 018) so that a list of any
-- length concatenates stored text (issue 13: rendering was most of a
-- list's cost, about 0.2 ms an incident). Stored is everything but the
-- shortlink, which shows the page's current address: the node's text
-- after '{"incident":{' and the shortlink member, which
-- incident_node_text() puts back at read time. Whatever writes what the
-- node shows sets it to NULL in the same transaction, after the rows it
-- shows are written, and incidents_render_node renders it from the new
-- row (incident_append_update, incident_components_rerender, db_migrate).
-- Inserts leave it NULL: incident_append_update follows in the same
-- transaction.

-- The stored text of incident i with its components and updates given
-- (bulk loads render rows they are still inserting: bench/incidents.sql).
CREATE OR REPLACE FUNCTION incident_node_of(i incidents, components json,
	updates json) RETURNS text LANGUAGE sql STABLE AS $$
	SELECT substr(json_strip_nulls(json_build_object(
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
		'components', components,
		'templateId', i.template_id,
		'externalIncidentId', i.external_id,
		'externalIncidentSource', i.external_source,
		'incidentCode', i.code,
		'resolvedAt', rfc3339(i.resolved_at)))::text, 2)
		|| ',"incidentUpdates":' || updates::text || '}'
$$;

-- Incident i's stored text, from its rows.
CREATE OR REPLACE FUNCTION incident_node_render(i incidents)
RETURNS text LANGUAGE sql STABLE AS $$
	SELECT incident_node_of(i,
		(SELECT coalesce(json_agg(json_build_object(
				'componentId', c.component_id, 'status', c.status)
				ORDER BY c.first_seq, c.first_pos), '[]'::json)
			FROM incident_components c WHERE c.cloud_id = i.cloud_id
			AND c.incident_id = i.id),
		(SELECT coalesce(json_agg(incident_update_json(u)
				ORDER BY u.seq DESC), '[]'::json)
			FROM incident_updates u WHERE u.cloud_id = i.cloud_id
			AND u.incident_id = i.id))
$$;

-- The whole node from the stored text (an incident object always has an
-- id, so a member follows the shortlink).
CREATE OR REPLACE FUNCTION incident_node_text(node text, page_url text,
	code text) RETURNS text LANGUAGE sql STABLE AS $$
	SELECT '{"incident":{"shortlink":'
		|| to_json(page_url || '/incidents/' || code)::text || ',' || node
$$;

-- An update that sets node to NULL asks for it to be rendered again,
-- from the row as it is written (so an UPDATE that changes shown columns
-- and sets node = NULL stores a node showing the new values).
CREATE OR REPLACE FUNCTION incidents_render_node() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.node := incident_node_render(NEW);
	RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER incidents_render_node BEFORE UPDATE ON incidents
	FOR EACH ROW WHEN (NEW.node IS NULL)
	EXECUTE FUNCTION incidents_render_node();

-- A component deleted from the live tree leaves the incidents that
-- affected it (the foreign key cascades): their stored nodes are rendered
-- again. Rows of incidents being deleted themselves match nothing.
CREATE OR REPLACE FUNCTION incident_components_rerender() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE incidents i SET node = NULL
	FROM (SELECT DISTINCT cloud_id, incident_id FROM gone) g
	WHERE i.cloud_id = g.cloud_id AND i.id = g.incident_id;
	RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER incident_components_rerender
	AFTER DELETE ON incident_components REFERENCING OLD TABLE AS gone
	FOR EACH STATEMENT EXECUTE FUNCTION incident_components_rerender();

-- Appends one update to an incident whose row the caller has locked (or
-- just inserted) and whose status it has already set to p_status:
-- applies the named component statuses (p_ids[k] gets p_statuses[k]);
-- when p_status is RESOLVED, hands back every component the incident still
-- holds non-operational and the request does not name (to the worst status
-- another open incident holds it at, else OPERATIONAL); writes the update
-- and, when p_notify, one outbox row. Returns the update's seq, or -k when
-- p_ids[k] is not a live component of the incident's page (the caller
-- rolls back). The incident row is written once, last: its last_seq,
-- and its node rendered again (incidents_render_node) with this update in
-- it.
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
	v_lock uuid[];
	r record;
BEGIN
	SELECT * INTO v_inc FROM incidents
		WHERE cloud_id = p_cloud AND id = p_incident FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'incident % not found', p_incident;
	END IF;
	v_seq := v_inc.last_seq + 1;
	-- Every component this update may touch is locked once, in id order,
	-- so concurrent updates of incidents sharing components cannot
	-- deadlock. Re-reading after the lock sees what committed before.
	-- The ids are gathered first, so the lock is primary-key probes
	-- whatever the statistics (an OR of the two sets was a scan of the
	-- cloud's components). IS DISTINCT FROM, not <>: spelt like the
	-- partial index's predicate, a planner without statistics takes that
	-- index (cloud_id alone) over the primary key's incident prefix.
	v_lock := p_ids;
	IF p_status = 'RESOLVED' THEN
		v_lock := v_lock || ARRAY(SELECT ic.component_id
			FROM incident_components ic WHERE ic.cloud_id = p_cloud
			AND ic.incident_id = p_incident
			AND ic.status IS DISTINCT FROM 'OPERATIONAL');
	END IF;
	PERFORM 1 FROM components c WHERE c.cloud_id = p_cloud
		AND c.id = ANY (v_lock) ORDER BY c.id FOR UPDATE;
	-- A scalar subquery by primary key per named id, not NOT EXISTS:
	-- that becomes an anti join, which may hash the cloud's components.
	SELECT min(x.n) INTO v_bad
		FROM unnest(p_ids) WITH ORDINALITY AS x(id, n)
		WHERE (SELECT c.page_id = v_inc.page_id AND c.type = 'COMPONENT'
			FROM components c WHERE c.cloud_id = p_cloud
			AND c.id = x.id) IS NOT TRUE;
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
	-- An update answers any reminder: the next one is due the first
	-- interval after it (db/sql/80_jobs.sql).
	UPDATE incidents SET last_seq = v_seq, reminders_sent = 0,
		update_needed_at = incident_next_reminder(reminder_intervals,
			p_status, 0, now()), node = NULL
		WHERE cloud_id = p_cloud AND id = p_incident;
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

-- The answer of an incident write or look-up: the page document's members
-- (its "page") and the incident's node, in one object.
CREATE OR REPLACE FUNCTION incident_with_page(page_doc text, node text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT left(page_doc, -1) || ',"incidentWithUpdates":' || node || '}'
$$;
