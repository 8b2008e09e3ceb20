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

-- The components member of an incident's node.
CREATE OR REPLACE FUNCTION incident_node_components(p_cloud text,
	p_incident uuid) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT coalesce(json_agg(json_build_object(
			'componentId', c.component_id, 'status', c.status)
			ORDER BY c.first_seq, c.first_pos), '[]'::json)
		FROM incident_components c WHERE c.cloud_id = p_cloud
		AND c.incident_id = p_incident);
END
$$;

-- Incident i's stored text, from its rows. plpgsql, not sql: a sql
-- function with subqueries is never inlined, and the trigger's call
-- planned its body again in every transaction (0.68-0.84 ms a render
-- against 0.34-0.38 ms, pgbench, issue 13 goal 5).
CREATE OR REPLACE FUNCTION incident_node_render(i incidents)
RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN incident_node_of(i, incident_node_components(i.cloud_id, i.id),
		(SELECT coalesce(json_agg(incident_update_json(u)
				ORDER BY u.seq DESC), '[]'::json)
			FROM incident_updates u WHERE u.cloud_id = i.cloud_id
			AND u.incident_id = i.id));
END
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
-- When the write appended one update (incident_append_update: last_seq
-- one up, that update's row written), the stored array of the others is
-- kept and the new one put in front of it: rendering every update again
-- made a write's cost grow with the timeline (44 updates an incident took
-- most of a PUT /incidents). The array is the node's last member, after
-- '},"incidentUpdates":', which no JSON string can hold (its quotes are
-- escaped); json_agg separates elements with ', '.
CREATE OR REPLACE FUNCTION incidents_render_node() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	v_at integer;
BEGIN
	IF TG_OP = 'UPDATE' AND NEW.last_seq = OLD.last_seq + 1
	   AND OLD.last_seq > 0 AND OLD.node IS NOT NULL THEN
		v_at := strpos(OLD.node, '},"incidentUpdates":[');
	END IF;
	IF v_at > 0 THEN
		NEW.node := incident_node_of(NEW,
			incident_node_components(NEW.cloud_id, NEW.id),
			('[' || (SELECT incident_update_json(u)
				FROM incident_updates u WHERE u.cloud_id = NEW.cloud_id
				AND u.incident_id = NEW.id AND u.seq = NEW.last_seq)::text
			|| ', ' || substr(OLD.node, v_at + 21,
				length(OLD.node) - v_at - 21))::json);
	ELSE
		NEW.node := incident_node_render(NEW);
	END IF;
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
	v_inc record;
	v_affected jsonb := '[]';
	v_target text;
	v_bad bigint;
	v_lock uuid[];
	r record;
BEGIN
	-- Not the stored node: only what the update and its event show.
	SELECT i.last_seq, i.page_id, i.code, i.name, i.impact, i.external_id
		INTO v_inc FROM incidents i
		WHERE i.cloud_id = p_cloud AND i.id = p_incident FOR UPDATE;
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
	-- Most updates name no component: their statements are skipped.
	IF cardinality(v_lock) > 0 THEN
		PERFORM 1 FROM components c WHERE c.cloud_id = p_cloud
			AND c.id = ANY (v_lock) ORDER BY c.id FOR UPDATE;
	END IF;
	IF cardinality(p_ids) > 0 THEN
		-- A scalar subquery by primary key per named id, not NOT
		-- EXISTS: that becomes an anti join, which may hash the
		-- cloud's components.
		SELECT min(x.n) INTO v_bad
			FROM unnest(p_ids) WITH ORDINALITY AS x(id, n)
			WHERE (SELECT c.page_id = v_inc.page_id
				AND c.type = 'COMPONENT' FROM components c
				WHERE c.cloud_id = p_cloud AND c.id = x.id) IS NOT TRUE;
		IF v_bad IS NOT NULL THEN
			RETURN -v_bad::integer;
		END IF;
		FOR r IN SELECT x.id, x.status, x.n
			FROM unnest(p_ids, p_statuses) WITH ORDINALITY
				AS x(id, status, n)
			ORDER BY x.id
		LOOP
			PERFORM component_set_live_status(p_cloud, r.id, r.status);
			INSERT INTO incident_components AS ic (cloud_id,
				incident_id, component_id, status, first_seq, first_pos)
			VALUES (p_cloud, p_incident, r.id, r.status, v_seq, r.n)
			ON CONFLICT (cloud_id, incident_id, component_id)
				DO UPDATE SET status = EXCLUDED.status;
		END LOOP;
		SELECT jsonb_agg(jsonb_build_object('componentId', x.id,
				'status', x.status) ORDER BY x.n)
			INTO v_affected
			FROM unnest(p_ids, p_statuses) WITH ORDINALITY
				AS x(id, status, n);
	END IF;
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

-- Why a write to an incident of page p_page (its status p_page_status,
-- NULL when there is no such page) must not happen, or NULLs: p_missing
-- when there is no such page, 'page_refused' (detail: the page's status,
-- which p_allowed lacks) or 'bad_component' (detail: the 1-based
-- position of the first of p_ids that is not a live component of the
-- page; each id by primary key, as an anti join could hash the cloud's
-- components). Read before anything is written, so a refused request
-- writes nothing. plpgsql, not sql: its plans are kept by the session.
CREATE OR REPLACE FUNCTION incident_write_refusal(p_cloud text, p_page uuid,
	p_page_status text, p_missing text, p_allowed text[], p_ids uuid[],
	OUT outcome text, OUT detail text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF p_page_status IS NULL THEN
		outcome := p_missing;
	ELSIF NOT p_page_status = ANY (p_allowed) THEN
		outcome := 'page_refused';
		detail := p_page_status;
	ELSIF cardinality(p_ids) > 0 THEN
		SELECT 'bad_component', min(x.n)::text INTO outcome, detail
			FROM unnest(p_ids) WITH ORDINALITY AS x(id, n)
			WHERE (SELECT c.page_id = p_page AND c.type = 'COMPONENT'
				FROM components c WHERE c.cloud_id = p_cloud
				AND c.id = x.id) IS NOT TRUE
			HAVING count(*) > 0;
	END IF;
END
$$;

-- The answer of an incident write: the page's document (p_doc, its
-- address p_url) with incident p_incident's node as it is now (rendered
-- by incidents_render_node).
CREATE OR REPLACE FUNCTION incident_write_answer(p_doc text, p_url text,
	p_cloud text, p_incident uuid) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT incident_with_page(p_doc,
		incident_node_text(i.node, p_url, i.code))
		FROM incidents i WHERE i.cloud_id = p_cloud AND i.id = p_incident);
END
$$;

-- incident_append_update's result when an id it was given is not a live
-- component: incident_write_refusal said it was, so another
-- transaction moved or deleted it since. The statement rolls back and the
-- client is asked to retry (409).
CREATE OR REPLACE FUNCTION incident_components_moved(p_seq integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF p_seq < 0 THEN
		RAISE EXCEPTION 'a named component changed meanwhile'
			USING ERRCODE = 'serialization_failure';
	END IF;
END
$$;

-- POST /incidents in one statement, so in one round trip (issue 13 goal
-- 5: a create was six): the page (FOR SHARE, as the counting trigger
-- takes it, before any incident or component), its status among
-- p_allowed, the named components, the row, its first update
-- (incident_append_update) and the answer. outcome says what happened;
-- whatever is not 'created' wrote nothing:
--   created         detail: the answer document
--   no_page         the cloud has no such page (or it is archived)
--   page_refused    detail: the page's status, which p_allowed lacks
--   bad_component   detail: the 1-based position of the first id of
--                   p_ids that is not a live component of the page
--   code_taken      p_code is another incident's (the caller retries)
--   external_taken  the page has an incident with p_external already
-- p_reminders NULL: none.
CREATE OR REPLACE FUNCTION incident_create(p_cloud text, p_page uuid,
	p_allowed text[], p_id uuid, p_code text, p_external text, p_name text,
	p_status text, p_impact text, p_body text, p_notify boolean,
	p_ids uuid[], p_statuses text[], p_reminders integer[],
	OUT outcome text, OUT detail text)
LANGUAGE plpgsql AS $$
DECLARE
	v_page_status text;
	v_doc text;
	v_url text;
BEGIN
	-- What the answer needs of the page, not its whole row.
	SELECT p.page_status, p.doc, incident_page_url(p)
		INTO v_page_status, v_doc, v_url
		FROM pages p WHERE p.cloud_id = p_cloud AND p.id = p_page
		AND coalesce(p.archived_at, 'infinity') = 'infinity' FOR SHARE;
	SELECT * INTO outcome, detail FROM incident_write_refusal(p_cloud,
		p_page, v_page_status, 'no_page', p_allowed, p_ids);
	IF outcome IS NOT NULL THEN
		RETURN;
	END IF;
	-- DO NOTHING on any unique key: the code or the page's external id,
	-- told apart afterwards.
	INSERT INTO incidents (cloud_id, id, page_id, code, name, status,
		impact, external_id, external_source, monitoring_at, resolved_at,
		reminder_intervals)
	VALUES (p_cloud, p_id, p_page, p_code, p_name, p_status, p_impact,
		p_external, CASE WHEN p_external IS NOT NULL THEN 'JSM' END,
		CASE WHEN p_status = 'MONITORING' THEN now() END,
		CASE WHEN p_status = 'RESOLVED' THEN now() END,
		coalesce(p_reminders, '{}'))
	ON CONFLICT DO NOTHING;
	IF NOT FOUND THEN
		outcome := CASE WHEN p_external IS NOT NULL AND EXISTS (SELECT 1
				FROM incidents i WHERE i.cloud_id = p_cloud
				AND i.page_id = p_page AND i.external_id = p_external)
			THEN 'external_taken' ELSE 'code_taken' END;
		RETURN;
	END IF;
	PERFORM incident_components_moved(incident_append_update(p_cloud, p_id,
		NULL, p_status, p_body, p_notify, p_ids, p_statuses,
		'incident.created'));
	outcome := 'created';
	detail := incident_write_answer(v_doc, v_url, p_cloud, p_id);
END
$$;

-- PUT /incidents in one statement: the incident of page p_page named by
-- p_id (and then also by p_external when that is given) or by p_external,
-- locked; its page's status among p_allowed; the named components; the
-- change (p_name, p_impact, p_status, p_reminders: NULL keeps);
-- monitoringAt and resolvedAt follow the status; the update
-- (incident_append_update) and the answer. outcome: 'updated' (detail:
-- the answer), 'not_found', 'page_refused' (detail: the page's status) or
-- 'bad_component' (detail: the position), the last three writing nothing.
CREATE OR REPLACE FUNCTION incident_update(p_cloud text, p_page uuid,
	p_allowed text[], p_id uuid, p_external text, p_name text,
	p_status text, p_impact text, p_body text, p_notify boolean,
	p_ids uuid[], p_statuses text[], p_reminders integer[],
	OUT outcome text, OUT detail text)
LANGUAGE plpgsql AS $$
DECLARE
	v_inc record;
	v_page_status text;
	v_doc text;
	v_url text;
	v_status text;
BEGIN
	-- By primary key when the id is given: "page_id = p_page" a filter
	-- (IS TRUE), else a planner without statistics walks the page's
	-- incidents in incidents_page_recent for the id.
	IF p_id IS NOT NULL THEN
		SELECT i.id, i.status INTO v_inc FROM incidents i
			WHERE i.cloud_id = p_cloud
			AND i.id = p_id AND (i.page_id = p_page) IS TRUE
			AND (p_external IS NULL OR i.external_id = p_external)
			FOR UPDATE;
	ELSE
		SELECT i.id, i.status INTO v_inc FROM incidents i
			WHERE i.cloud_id = p_cloud
			AND i.page_id = p_page AND i.external_id = p_external
			FOR UPDATE;
	END IF;
	IF FOUND THEN
		SELECT p.page_status, p.doc, incident_page_url(p)
			INTO v_page_status, v_doc, v_url
			FROM pages p WHERE p.cloud_id = p_cloud
			AND p.id = p_page
			AND coalesce(p.archived_at, 'infinity') = 'infinity';
	END IF;
	SELECT * INTO outcome, detail FROM incident_write_refusal(p_cloud,
		p_page, v_page_status, 'not_found', p_allowed, p_ids);
	IF outcome IS NOT NULL THEN
		RETURN;
	END IF;
	v_status := coalesce(p_status, v_inc.status);
	-- Under the row lock: the old values are the latest ones.
	UPDATE incidents SET name = coalesce(p_name, name),
		impact = coalesce(p_impact, impact), status = v_status,
		monitoring_at = CASE WHEN v_status = 'MONITORING'
			AND status <> 'MONITORING' THEN clock_timestamp()
			ELSE monitoring_at END,
		resolved_at = CASE WHEN v_status <> 'RESOLVED' THEN NULL
			ELSE coalesce(resolved_at, clock_timestamp()) END,
		reminder_intervals = coalesce(p_reminders, reminder_intervals),
		updated_at = clock_timestamp()
		WHERE cloud_id = p_cloud AND id = v_inc.id;
	PERFORM incident_components_moved(incident_append_update(p_cloud,
		v_inc.id, v_inc.status, v_status, p_body, p_notify, p_ids,
		p_statuses, CASE WHEN v_status = 'RESOLVED'
			AND v_inc.status <> 'RESOLVED' THEN 'incident.resolved'
			ELSE 'incident.updated' END));
	outcome := 'updated';
	detail := incident_write_answer(v_doc, v_url, p_cloud, v_inc.id);
END
$$;
