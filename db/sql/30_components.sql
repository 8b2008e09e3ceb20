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

-- The weight of a status in uptime (DESIGN.md section 7, Statuspage's
-- rule): MAJOR_OUTAGE counts fully, PARTIAL_OUTAGE 30 %, the rest not at
-- all.
CREATE OR REPLACE FUNCTION status_outage_weight(status text) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE status WHEN 'MAJOR_OUTAGE' THEN 1.0
		WHEN 'PARTIAL_OUTAGE' THEN 0.3 ELSE 0 END
$$;

-- Keeps component_status_history.lost_before (migration 015), the
-- weighted outage seconds of a component's intervals before each one,
-- right after any change of the history: for each component touched, the
-- intervals from the one before the earliest change on are summed again
-- (appending a status change rewrites one or two rows).
CREATE OR REPLACE FUNCTION component_history_resum(p_cloud text[],
	p_component uuid[], p_from timestamptz[]) RETURNS void
LANGUAGE sql AS $$
	WITH touched AS (
		SELECT t.cloud_id, t.component_id, min(t.from_at) AS from_at
		FROM unnest(p_cloud, p_component, p_from)
			AS t(cloud_id, component_id, from_at)
		GROUP BY t.cloud_id, t.component_id
	), seed AS (
		SELECT t.cloud_id, t.component_id,
			coalesce(b.started_at, '-infinity') AS started_at,
			coalesce(b.lost_before, 0) AS lost_before
		FROM touched t LEFT JOIN LATERAL (SELECT h.started_at,
				h.lost_before
			FROM component_status_history h
			WHERE h.cloud_id = t.cloud_id
			AND h.component_id = t.component_id
			AND h.started_at < t.from_at
			ORDER BY h.started_at DESC LIMIT 1) b ON true
	), summed AS (
		SELECT h.cloud_id, h.component_id, h.started_at,
			s.lost_before + coalesce(sum(
				status_outage_weight(h.status) * extract(epoch FROM
				coalesce(h.ended_at, h.started_at) - h.started_at))
			OVER (PARTITION BY h.cloud_id, h.component_id
				ORDER BY h.started_at ROWS BETWEEN UNBOUNDED
				PRECEDING AND 1 PRECEDING), 0) AS lost_before
		FROM seed s JOIN component_status_history h
			ON h.cloud_id = s.cloud_id
			AND h.component_id = s.component_id
			AND h.started_at >= s.started_at
	)
	UPDATE component_status_history h SET lost_before = x.lost_before
	FROM summed x WHERE h.cloud_id = x.cloud_id
	AND h.component_id = x.component_id AND h.started_at = x.started_at
	AND h.lost_before <> x.lost_before
$$;

CREATE OR REPLACE FUNCTION component_history_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	-- Its own update of lost_before changes nothing the sums depend on.
	IF pg_trigger_depth() > 1 AND TG_OP = 'UPDATE' THEN
		RETURN NULL;
	END IF;
	IF TG_OP = 'INSERT' THEN
		PERFORM component_history_resum(array_agg(cloud_id),
			array_agg(component_id), array_agg(started_at))
			FROM new_rows;
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM component_history_resum(array_agg(cloud_id),
			array_agg(component_id), array_agg(started_at))
			FROM old_rows;
	ELSE
		PERFORM component_history_resum(array_agg(cloud_id),
			array_agg(component_id), array_agg(started_at))
			FROM (SELECT cloud_id, component_id, started_at
				FROM new_rows UNION ALL SELECT cloud_id,
				component_id, started_at FROM old_rows) x;
	END IF;
	RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER component_history_inserted
	AFTER INSERT ON component_status_history
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION component_history_changed();
CREATE OR REPLACE TRIGGER component_history_updated
	AFTER UPDATE ON component_status_history
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION component_history_changed();
CREATE OR REPLACE TRIGGER component_history_deleted
	AFTER DELETE ON component_status_history
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION component_history_changed();

-- Uptime of every live component of a page over [p_from, p_to], clipped to
-- each component's life and to now (DESIGN.md section 7, Statuspage's
-- rule): MAJOR_OUTAGE counts fully, PARTIAL_OUTAGE 30 %, the rest not at
-- all. A group's uptime is the mean of its children's; an empty range or
-- a group without children is 100. Rounded to two decimals. The loss is
-- the difference of two prefix sums per component (lost_before), so the
-- cost does not grow with the history. p_only, when not NULL, limits the
-- rows to that component and its children (one component's uptime reads
-- no other's history).
CREATE OR REPLACE FUNCTION component_uptimes_of(p_cloud text, p_page uuid,
	p_only uuid, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (id uuid, parent_id uuid, type text, name text, status text,
	"position" integer, uptime numeric)
LANGUAGE sql STABLE AS $$
	WITH span AS (
		SELECT c.id, c.parent_id, c.type, c.name, c.status, c.position,
			greatest(p_from, c.created_at) AS lo,
			least(p_to, now()) AS hi
		FROM components c
		WHERE c.cloud_id = p_cloud AND c.page_id = p_page
		AND (p_only IS NULL OR c.id = p_only OR c.parent_id = p_only)
	), leaf AS (
		-- The weighted outage seconds before t: the interval holding t
		-- (the last that started by then) adds its part up to t to
		-- the sum of those before it. Inline, not a function, so the
		-- probes are part of this plan: two per component.
		SELECT s.*, CASE WHEN s.hi <= s.lo THEN 100::numeric
			ELSE 100 * (1 - coalesce(l.seconds, 0) /
				extract(epoch FROM s.hi - s.lo)) END AS raw
		FROM span s LEFT JOIN LATERAL (
			SELECT sum(e.sign * (h.lost_before +
				status_outage_weight(h.status) * extract(epoch
				FROM least(coalesce(h.ended_at, e.at), e.at)
					- h.started_at))) AS seconds
			FROM (VALUES (s.hi, 1), (s.lo, -1)) AS e(at, sign)
			CROSS JOIN LATERAL (SELECT * FROM component_status_history x
				WHERE x.cloud_id = p_cloud AND x.component_id = s.id
				AND x.started_at <= e.at
				ORDER BY x.started_at DESC LIMIT 1) h
		) l ON s.hi > s.lo
	), grp AS (
		SELECT k.parent_id, avg(k.raw) AS mean FROM leaf k
		WHERE k.parent_id IS NOT NULL GROUP BY k.parent_id
	)
	SELECT f.id, f.parent_id, f.type, f.name, f.status, f.position,
		round(CASE WHEN f.type = 'GROUP_COMPONENT'
			THEN coalesce(g.mean, 100) ELSE f.raw END, 2)
	FROM leaf f LEFT JOIN grp g ON g.parent_id = f.id
$$;

CREATE OR REPLACE FUNCTION component_uptimes(p_cloud text, p_page uuid,
	p_from timestamptz, p_to timestamptz)
RETURNS TABLE (id uuid, parent_id uuid, type text, name text, status text,
	"position" integer, uptime numeric)
LANGUAGE sql STABLE AS $$
	SELECT * FROM component_uptimes_of(p_cloud, p_page, NULL, p_from, p_to)
$$;
