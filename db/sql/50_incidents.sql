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
-- incident_node_text() puts back at read time. The writes of the API
-- store it with the row they write (incident_create, incident_update);
-- anything else that writes what the node shows sets it to NULL in the
-- same transaction, after the rows it shows are written, and
-- incidents_render_node renders it from the new row
-- (incident_components_rerender, jobs_send_reminders, db_migrate).

-- The stored text up to its updates: the incident object without its
-- opening brace (where incident_node_text puts the shortlink). right(x,
-- -1), not substr(x, 2): it looks at the first character only, where
-- substr counts every character of the text.
CREATE OR REPLACE FUNCTION incident_node_head(i incidents, components json)
RETURNS text LANGUAGE sql STABLE AS $$
	SELECT right(json_strip_nulls(json_build_object(
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
		'resolvedAt', rfc3339(i.resolved_at)))::text, -1)
$$;

-- The stored text of incident i with its components and updates given
-- (bulk loads render rows they are still inserting: bench/incidents.sql).
CREATE OR REPLACE FUNCTION incident_node_of(i incidents, components json,
	updates json) RETURNS text LANGUAGE sql STABLE AS $$
	SELECT incident_node_head(i, components) || ',"incidentUpdates":'
		|| updates::text || '}'
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

-- Incident i's node with one update more (p_update, its JSON text) than
-- old_node shows: the stored array of the others is kept and the new one
-- put in front of it, as rendering every update again made a write's cost
-- grow with the timeline (44 updates an incident took most of a PUT
-- /incidents). The array is the node's last member, after
-- '},"incidentUpdates":[', which no JSON string can hold (its quotes are
-- escaped); json_agg separates elements with ', '. split_part finds it
-- and cuts by bytes: strpos, length and substr count characters, three
-- passes over a text of 20 kB when an incident has 60 updates (a tenth of
-- a PUT's time, perf). NULL when old_node has no such array, or an empty
-- one (the caller renders the node from the rows instead).
CREATE OR REPLACE FUNCTION incident_node_prepended(i incidents,
	old_node text, p_update text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_others text := split_part(old_node, '},"incidentUpdates":[', 2);
BEGIN
	IF i.last_seq < 2 OR v_others IS NULL OR v_others = ''
	   OR starts_with(v_others, ']') THEN
		RETURN NULL;
	END IF;
	RETURN incident_node_head(i, incident_node_components(i.cloud_id, i.id))
		|| ',"incidentUpdates":[' || p_update || ', ' || v_others;
END
$$;

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

-- The components an update names, in its order, as its affectedComponents
-- show them (as jsonb) and as a new incident's node shows them: its first
-- update names all it holds (incident_node_components reads them in this
-- order). plpgsql, not sql: a sql function with a FROM clause is not
-- inlined, and its body was parsed and planned again on every call.
CREATE OR REPLACE FUNCTION incident_named_components(p_ids uuid[],
	p_statuses text[]) RETURNS json
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF cardinality(p_ids) = 0 THEN
		RETURN '[]';
	END IF;
	RETURN (SELECT json_agg(json_build_object('componentId', x.id,
			'status', x.status) ORDER BY x.n)
		FROM unnest(p_ids, p_statuses) WITH ORDINALITY AS x(id, status, n));
END
$$;

-- Applies update p_seq of incident p_incident of page p_page, whose row
-- the caller has locked (or just inserted), to the components: the named
-- ones get their statuses (p_ids[k] gets p_statuses[k]); when p_status is
-- RESOLVED, every component the incident still holds non-operational and
-- the update does not name is handed back (to the worst status another
-- open incident holds it at, else OPERATIONAL). affected: what the
-- update's affectedComponents show; bad: k when p_ids[k] is not a live
-- component of the page (nothing applied; the caller rolls back).
CREATE OR REPLACE FUNCTION incident_apply_components(p_cloud text,
	p_incident uuid, p_page uuid, p_seq integer, p_status text,
	p_ids uuid[], p_statuses text[], OUT bad integer, OUT affected jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	v_target text;
	v_lock uuid[];
	r record;
BEGIN
	affected := '[]';
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
		SELECT min(x.n) INTO bad
			FROM unnest(p_ids) WITH ORDINALITY AS x(id, n)
			WHERE (SELECT c.page_id = p_page
				AND c.type = 'COMPONENT' FROM components c
				WHERE c.cloud_id = p_cloud AND c.id = x.id) IS NOT TRUE;
		IF bad IS NOT NULL THEN
			RETURN;
		END IF;
		FOR r IN SELECT x.id, x.status, x.n
			FROM unnest(p_ids, p_statuses) WITH ORDINALITY
				AS x(id, status, n)
			ORDER BY x.id
		LOOP
			PERFORM component_set_live_status(p_cloud, r.id, r.status);
			INSERT INTO incident_components AS ic (cloud_id,
				incident_id, component_id, status, first_seq, first_pos)
			VALUES (p_cloud, p_incident, r.id, r.status, p_seq, r.n)
			ON CONFLICT (cloud_id, incident_id, component_id)
				DO UPDATE SET status = EXCLUDED.status;
		END LOOP;
		affected := incident_named_components(p_ids, p_statuses)::jsonb;
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
			affected := affected || jsonb_build_array(
				jsonb_build_object('componentId', r.component_id,
					'status', v_target));
		END LOOP;
	END IF;
END
$$;

-- The update row of incident i as written now (i its row with the update
-- applied: last_seq the update's, status its status).
CREATE OR REPLACE FUNCTION incident_update_row(i incidents,
	p_old_status text, p_body text, p_notify boolean, p_affected jsonb)
RETURNS incident_updates LANGUAGE plpgsql AS $$
DECLARE
	u incident_updates;
BEGIN
	u.cloud_id := i.cloud_id;
	u.incident_id := i.id;
	u.seq := i.last_seq;
	u.status := i.status;
	u.old_status := p_old_status;
	u.body := p_body;
	u.affected_components := p_affected;
	u.should_send_notifications := p_notify;
	u.hidden := false;
	u.created_at := clock_timestamp();
	u.updated_at := u.created_at;
	RETURN u;
END
$$;

-- Writes update u of incident i (its row as the update leaves it) and,
-- when u asks for notifications and the page has a subscriber to tell
-- (notify_incident_event_heard), the outbox event of kind p_kind.
CREATE OR REPLACE FUNCTION incident_record_update(i incidents,
	u incident_updates, p_kind text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO incident_updates (cloud_id, incident_id, seq, status,
		old_status, body, affected_components,
		should_send_notifications, hidden, created_at, updated_at)
	VALUES (u.cloud_id, u.incident_id, u.seq, u.status, u.old_status,
		u.body, u.affected_components, u.should_send_notifications,
		u.hidden, u.created_at, u.updated_at);
	IF u.should_send_notifications
	   AND notify_incident_event_heard(i.cloud_id, i.page_id) THEN
		INSERT INTO notification_outbox (cloud_id, page_id, kind, payload)
		VALUES (i.cloud_id, i.page_id, p_kind, jsonb_build_object(
			'incidentId', i.id, 'pageId', i.page_id,
			'incidentCode', i.code, 'name', i.name,
			'status', u.status, 'oldStatus', u.old_status,
			'impact', i.impact, 'body', u.body,
			'affectedComponents', u.affected_components,
			'updateSeq', u.seq, 'externalIncidentId', i.external_id));
	END IF;
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
-- address p_url) with incident i's node. STABLE as what it calls: declared
-- IMMUTABLE it was not inlined, and planned again on every call (0.07 ms).
CREATE OR REPLACE FUNCTION incident_write_answer(p_doc text, p_url text,
	i incidents) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT incident_with_page(p_doc, incident_node_text(i.node, p_url, i.code))
$$;

-- Rolls the statement back when incident_apply_components found a named
-- component (its position p_bad) that is not a live component of the
-- page: incident_write_refusal said it was, so another transaction moved
-- or deleted it since. The client is asked to retry (409).
CREATE OR REPLACE FUNCTION incident_components_moved(p_bad integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF p_bad IS NOT NULL THEN
		RAISE EXCEPTION 'a named component changed meanwhile'
			USING ERRCODE = 'serialization_failure';
	END IF;
END
$$;

-- POST /incidents in one statement, so in one round trip (issue 13 goal
-- 5: a create was six): the page (FOR SHARE, as the counting trigger
-- takes it, before any incident or component), its status among
-- p_allowed, the named components, the row, its first update and the
-- answer. The row is inserted once, its node rendered already: the node of
-- a new incident is known before its update and components are written
-- (a second write of the row was a second row version and, when it did
-- not fit the row's page, nine index entries more). outcome says what
-- happened; whatever is not 'created' wrote nothing:
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
	i incidents;
	u incident_updates;
	v_named json;
	v_listed boolean;
	v_inserted boolean;
BEGIN
	-- What the answer and the counters need of the page, not its whole
	-- row.
	SELECT p.page_status, p.doc, incident_page_url(p),
		page_listed(p.archived_at, p.page_status)
		INTO v_page_status, v_doc, v_url, v_listed
		FROM pages p WHERE p.cloud_id = p_cloud AND p.id = p_page
		AND coalesce(p.archived_at, 'infinity') = 'infinity' FOR SHARE;
	SELECT * INTO outcome, detail FROM incident_write_refusal(p_cloud,
		p_page, v_page_status, 'no_page', p_allowed, p_ids);
	IF outcome IS NOT NULL THEN
		RETURN;
	END IF;
	i.cloud_id := p_cloud;
	i.id := p_id;
	i.page_id := p_page;
	i.code := p_code;
	i.name := p_name;
	i.status := p_status;
	i.impact := p_impact;
	i.external_id := p_external;
	i.external_source := CASE WHEN p_external IS NOT NULL THEN 'JSM' END;
	i.last_seq := 1;
	i.created_at := now();
	i.updated_at := i.created_at;
	i.started_at := i.created_at;
	i.monitoring_at := CASE WHEN p_status = 'MONITORING' THEN now() END;
	i.resolved_at := CASE WHEN p_status = 'RESOLVED' THEN now() END;
	i.reminder_intervals := coalesce(p_reminders, '{}');
	i.reminders_sent := 0;
	i.update_needed_at := incident_next_reminder(i.reminder_intervals,
		p_status, 0, now());
	-- A new incident holds no component yet: its first update hands none
	-- back, so it shows those it names.
	v_named := incident_named_components(p_ids, p_statuses);
	u := incident_update_row(i, NULL, p_body, p_notify, v_named::jsonb);
	i.node := incident_node_of(i, v_named,
		('[' || incident_update_json(u)::text || ']')::json);
	-- DO NOTHING on any unique key: the code or the page's external id,
	-- told apart afterwards. Counted and listed here, not by the trigger
	-- (db/sql/70_counters.sql), under the page's lock taken above.
	PERFORM set_config('statusd.incident_counted', 'on', true);
	INSERT INTO incidents (cloud_id, id, page_id, code, name, status,
		impact, external_id, external_source, last_seq, created_at,
		updated_at, started_at, monitoring_at, resolved_at,
		reminder_intervals, reminders_sent, update_needed_at, node)
	VALUES (i.cloud_id, i.id, i.page_id, i.code, i.name, i.status,
		i.impact, i.external_id, i.external_source, i.last_seq,
		i.created_at, i.updated_at, i.started_at, i.monitoring_at,
		i.resolved_at, i.reminder_intervals, i.reminders_sent,
		i.update_needed_at, i.node)
	ON CONFLICT DO NOTHING;
	v_inserted := FOUND;
	PERFORM set_config('statusd.incident_counted', '', true);
	IF NOT v_inserted THEN
		outcome := CASE WHEN p_external IS NOT NULL AND EXISTS (SELECT 1
				FROM incidents x WHERE x.cloud_id = p_cloud
				AND x.page_id = p_page AND x.external_id = p_external)
			THEN 'external_taken' ELSE 'code_taken' END;
		RETURN;
	END IF;
	PERFORM incident_counts_move(p_cloud, p_page, v_listed, 1,
		(p_status <> 'RESOLVED')::integer);
	-- And listed here, a plain INSERT (incident_listing_move's, without
	-- its call).
	IF v_listed THEN
		INSERT INTO incident_listing (cloud_id, created_at, id, active)
		VALUES (p_cloud, i.created_at, p_id, p_status <> 'RESOLVED');
	END IF;
	PERFORM incident_components_moved((incident_apply_components(p_cloud,
		p_id, p_page, 1, p_status, p_ids, p_statuses)).bad);
	PERFORM incident_record_update(i, u, 'incident.created');
	outcome := 'created';
	detail := incident_write_answer(v_doc, v_url, i);
END
$$;

-- PUT /incidents in one statement: the incident of page p_page named by
-- p_id (and then also by p_external when that is given) or by p_external,
-- locked; its page's status among p_allowed; the named components; the
-- change (p_name, p_impact, p_status, p_reminders: NULL keeps);
-- monitoringAt and resolvedAt follow the status; the update and the
-- answer. The row is written once, with its node (the new update in front
-- of the stored ones). outcome: 'updated' (detail: the answer),
-- 'not_found', 'page_refused' (detail: the page's status) or
-- 'bad_component' (detail: the position), the last three writing nothing.
CREATE OR REPLACE FUNCTION incident_update(p_cloud text, p_page uuid,
	p_allowed text[], p_id uuid, p_external text, p_name text,
	p_status text, p_impact text, p_body text, p_notify boolean,
	p_ids uuid[], p_statuses text[], p_reminders integer[],
	OUT outcome text, OUT detail text)
LANGUAGE plpgsql AS $$
DECLARE
	i incidents;
	u incident_updates;
	v_page_status text;
	v_doc text;
	v_url text;
	v_old text;
	v_applied record;
	v_node text;
BEGIN
	-- By primary key when the id is given: "page_id = p_page" a filter
	-- (IS TRUE), else a planner without statistics walks the page's
	-- incidents in incidents_page_recent for the id.
	IF p_id IS NOT NULL THEN
		SELECT * INTO i FROM incidents x
			WHERE x.cloud_id = p_cloud
			AND x.id = p_id AND (x.page_id = p_page) IS TRUE
			AND (p_external IS NULL OR x.external_id = p_external)
			FOR UPDATE;
	ELSE
		SELECT * INTO i FROM incidents x
			WHERE x.cloud_id = p_cloud
			AND x.page_id = p_page AND x.external_id = p_external
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
	-- Under the row lock: the old values are the latest ones.
	v_old := i.status;
	v_node := i.node;
	i.status := coalesce(p_status, v_old);
	i.name := coalesce(p_name, i.name);
	i.impact := coalesce(p_impact, i.impact);
	IF i.status = 'MONITORING' AND v_old <> 'MONITORING' THEN
		i.monitoring_at := clock_timestamp();
	END IF;
	i.resolved_at := CASE WHEN i.status <> 'RESOLVED' THEN NULL
		ELSE coalesce(i.resolved_at, clock_timestamp()) END;
	i.reminder_intervals := coalesce(p_reminders, i.reminder_intervals);
	i.updated_at := clock_timestamp();
	i.last_seq := i.last_seq + 1;
	-- An update answers any reminder: the next one is due the first
	-- interval after it (db/sql/80_jobs.sql).
	i.reminders_sent := 0;
	i.update_needed_at := incident_next_reminder(i.reminder_intervals,
		i.status, 0, now());
	v_applied := incident_apply_components(p_cloud, i.id, p_page,
		i.last_seq, i.status, p_ids, p_statuses);
	PERFORM incident_components_moved(v_applied.bad);
	u := incident_update_row(i, v_old, p_body, p_notify, v_applied.affected);
	PERFORM incident_record_update(i, u, CASE WHEN i.status = 'RESOLVED'
		AND v_old <> 'RESOLVED' THEN 'incident.resolved'
		ELSE 'incident.updated' END);
	-- After the update's row: a node rendered whole shows it.
	i.node := coalesce(incident_node_prepended(i, v_node,
		incident_update_json(u)::text), incident_node_render(i));
	UPDATE incidents SET name = i.name, impact = i.impact,
		status = i.status, monitoring_at = i.monitoring_at,
		resolved_at = i.resolved_at,
		reminder_intervals = i.reminder_intervals,
		updated_at = i.updated_at, last_seq = i.last_seq,
		reminders_sent = i.reminders_sent,
		update_needed_at = i.update_needed_at, node = i.node
		WHERE cloud_id = p_cloud AND id = i.id;
	outcome := 'updated';
	detail := incident_write_answer(v_doc, v_url, i);
END
$$;
