-- Component trees, their live status history and uptime.

-- Severity, worst first (schemas.md): health is the worst live status.
CREATE OR REPLACE FUNCTION component_severity(status text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE status WHEN 'MAJOR_OUTAGE' THEN 4
		WHEN 'PARTIAL_OUTAGE' THEN 3 WHEN 'DEGRADED_PERFORMANCE' THEN 2
		WHEN 'UNDER_MAINTENANCE' THEN 1 ELSE 0 END
$$;

-- Changes the live status of one component: closes the open interval and
-- opens a new one (nothing when the status is unchanged). The draft copy
-- follows, so a later publish does not undo it. Returns the old status, or
-- NULL when the component is not live.
CREATE OR REPLACE FUNCTION component_set_live_status(p_cloud text, p_id uuid,
	p_status text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	old text;
	-- The clock, not now(): a transaction that started earlier but got
	-- the row lock later must not end an interval before it began.
	at timestamptz := clock_timestamp();
BEGIN
	SELECT status INTO old FROM components
		WHERE cloud_id = p_cloud AND id = p_id FOR UPDATE;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	IF old <> p_status THEN
		UPDATE components SET status = p_status, updated_at = at
			WHERE cloud_id = p_cloud AND id = p_id;
		UPDATE component_status_history SET ended_at = at
			WHERE cloud_id = p_cloud AND component_id = p_id
			AND ended_at IS NULL;
		INSERT INTO component_status_history
			(cloud_id, component_id, status, started_at)
			VALUES (p_cloud, p_id, p_status, at);
	END IF;
	UPDATE component_drafts SET status = p_status
		WHERE cloud_id = p_cloud AND id = p_id;
	RETURN old;
END
$$;

-- Publishing: the draft tree becomes the live tree, in the caller's
-- transaction. New components start their history; status changes close
-- and open intervals; components gone from the draft leave (with history).
CREATE OR REPLACE FUNCTION components_publish(p_cloud text, p_page uuid)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	draft record;
BEGIN
	DELETE FROM components c WHERE c.cloud_id = p_cloud
		AND c.page_id = p_page AND NOT EXISTS (SELECT 1
			FROM component_drafts d WHERE d.cloud_id = p_cloud
			AND d.id = c.id);
	FOR draft IN SELECT * FROM component_drafts
		WHERE cloud_id = p_cloud AND page_id = p_page
	LOOP
		INSERT INTO components (cloud_id, id, page_id, parent_id, type,
			name, description, service_id, position, status)
		VALUES (draft.cloud_id, draft.id, draft.page_id, draft.parent_id, draft.type,
			draft.name, draft.description, draft.service_id, draft.position,
			draft.status)
		ON CONFLICT (cloud_id, id) DO UPDATE SET
			parent_id = EXCLUDED.parent_id, type = EXCLUDED.type,
			name = EXCLUDED.name,
			description = EXCLUDED.description,
			service_id = EXCLUDED.service_id,
			position = EXCLUDED.position, updated_at = now();
		IF NOT EXISTS (SELECT 1 FROM component_status_history
			WHERE cloud_id = p_cloud AND component_id = draft.id) THEN
			INSERT INTO component_status_history
				(cloud_id, component_id, status, started_at)
				VALUES (p_cloud, draft.id, draft.status, now());
			UPDATE components SET status = draft.status
				WHERE cloud_id = p_cloud AND id = draft.id;
		ELSE
			PERFORM component_set_live_status(p_cloud, draft.id,
				draft.status);
		END IF;
	END LOOP;
END
$$;

-- Discarding a page's draft version: the editable tree goes back to the
-- live one.
CREATE OR REPLACE FUNCTION components_discard_draft(p_cloud text, p_page uuid)
RETURNS void LANGUAGE sql AS $$
	DELETE FROM component_drafts WHERE cloud_id = p_cloud
		AND page_id = p_page;
	INSERT INTO component_drafts (cloud_id, id, page_id, parent_id, type,
		name, description, service_id, position, status, created_at)
	SELECT cloud_id, id, page_id, parent_id, type, name, description,
		service_id, position, status, created_at
	FROM components WHERE cloud_id = p_cloud AND page_id = p_page;
$$;

-- A component as the API shows it (StakeholderCommsNestedComponent), with
-- its children nested. Works for both trees (same columns).
CREATE OR REPLACE FUNCTION component_json(c component_drafts, children jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_strip_nulls(jsonb_build_object('id', c.id, 'name', c.name,
		'pageId', c.page_id, 'serviceId', c.service_id,
		'status', c.status, 'type', c.type,
		'description', c.description, 'position', c.position,
		'components', coalesce(children, '[]'::jsonb)))
$$;

-- The draft tree of a page, top level ordered by position, children
-- nested in theirs.
CREATE OR REPLACE FUNCTION component_draft_tree(p_cloud text, p_page uuid)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(component_json(g, (
		SELECT jsonb_agg(component_json(k, NULL)
			ORDER BY k.position, k.id)
		FROM component_drafts k WHERE k.cloud_id = p_cloud
		AND k.page_id = p_page AND k.parent_id = g.id))
		ORDER BY g.position, g.id), '[]')
	FROM component_drafts g WHERE g.cloud_id = p_cloud
	AND g.page_id = p_page AND g.parent_id IS NULL
$$;

-- Uptime of every live component of a page over [p_from, p_to], clipped to
-- each component's life and to now (DESIGN.md section 7, Statuspage's
-- rule): MAJOR_OUTAGE counts fully, PARTIAL_OUTAGE 30 %, the rest not at
-- all. A group's uptime is the mean of its children's; an empty range or
-- a group without children is 100. Rounded to two decimals.
CREATE OR REPLACE FUNCTION component_uptimes(p_cloud text, p_page uuid,
	p_from timestamptz, p_to timestamptz)
RETURNS TABLE (id uuid, parent_id uuid, type text, name text, status text,
	"position" integer, uptime numeric)
LANGUAGE sql STABLE AS $$
	WITH span AS (
		SELECT c.id, c.parent_id, c.type, c.name, c.status, c.position,
			greatest(p_from, c.created_at) AS lo,
			least(p_to, now()) AS hi
		FROM components c
		WHERE c.cloud_id = p_cloud AND c.page_id = p_page
	), lost AS (
		SELECT s.id, sum(CASE h.status WHEN 'MAJOR_OUTAGE' THEN 1.0
				ELSE 0.3 END *
			extract(epoch FROM least(coalesce(h.ended_at, s.hi), s.hi)
				- greatest(h.started_at, s.lo))) AS seconds
		FROM span s JOIN component_status_history h
			ON h.cloud_id = p_cloud AND h.component_id = s.id
			AND h.status IN ('MAJOR_OUTAGE', 'PARTIAL_OUTAGE')
			AND h.started_at < s.hi
			AND coalesce(h.ended_at, 'infinity') > s.lo
		WHERE s.hi > s.lo
		GROUP BY s.id
	), leaf AS (
		SELECT s.*, CASE WHEN s.hi <= s.lo THEN 100::numeric
			ELSE 100 * (1 - coalesce(l.seconds, 0) /
				extract(epoch FROM s.hi - s.lo)) END AS raw
		FROM span s LEFT JOIN lost l ON l.id = s.id
	), grp AS (
		SELECT k.parent_id, avg(k.raw) AS mean FROM leaf k
		WHERE k.parent_id IS NOT NULL GROUP BY k.parent_id
	)
	SELECT f.id, f.parent_id, f.type, f.name, f.status, f.position,
		round(CASE WHEN f.type = 'GROUP_COMPONENT'
			THEN coalesce(g.mean, 100) ELSE f.raw END, 2)
	FROM leaf f LEFT JOIN grp g ON g.parent_id = f.id
$$;
