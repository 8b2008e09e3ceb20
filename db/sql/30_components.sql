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
		-- The INSERT's follow-up starts from the interval this closes,
		-- so the UPDATE's own would only be done twice (issue 13).
		PERFORM set_config('statusd.history_follow_deferred', 'on', true);
		UPDATE component_status_history SET ended_at = at
			WHERE cloud_id = p_cloud AND component_id = p_id
			AND ended_at IS NULL;
		PERFORM set_config('statusd.history_follow_deferred', '', true);
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

-- For each component touched by a change of its history (from the earliest
-- instant changed): the interval before that instant, where sums and day
-- pieces are taken up again (-infinity and 0 when there is none).
CREATE OR REPLACE FUNCTION component_history_seeds(p_cloud text[],
	p_component uuid[], p_from timestamptz[])
RETURNS TABLE (cloud_id text, component_id uuid, started_at timestamptz,
	lost_before numeric)
LANGUAGE sql STABLE AS $$
	WITH touched AS (
		SELECT t.cloud_id, t.component_id, min(t.from_at) AS from_at
		FROM unnest(p_cloud, p_component, p_from)
			AS t(cloud_id, component_id, from_at)
		GROUP BY t.cloud_id, t.component_id
	)
	SELECT t.cloud_id, t.component_id,
		coalesce(b.started_at, '-infinity'),
		coalesce(b.lost_before, 0)
	FROM touched t LEFT JOIN LATERAL (SELECT h.started_at, h.lost_before
		FROM component_status_history h
		WHERE h.cloud_id = t.cloud_id
		AND h.component_id = t.component_id
		AND h.started_at < t.from_at
		ORDER BY h.started_at DESC LIMIT 1) b ON true
$$;

-- Keeps component_status_history.lost_before (migration 015), the
-- weighted outage seconds of a component's intervals before each one,
-- right after any change of the history: for each component touched, the
-- intervals from the one before the earliest change on are summed again
-- (appending a status change rewrites one or two rows).
CREATE OR REPLACE FUNCTION component_history_resum(p_cloud text[],
	p_component uuid[], p_from timestamptz[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	WITH summed AS (
		SELECT h.cloud_id, h.component_id, h.started_at,
			s.lost_before + coalesce(sum(
				status_outage_weight(h.status) * extract(epoch FROM
				coalesce(h.ended_at, h.started_at) - h.started_at))
			OVER (PARTITION BY h.cloud_id, h.component_id
				ORDER BY h.started_at ROWS BETWEEN UNBOUNDED
				PRECEDING AND 1 PRECEDING), 0) AS lost_before
		FROM component_history_seeds(p_cloud, p_component, p_from) s
		-- Lateral: an index range from the seed on, whatever the
		-- planner estimates, never the component's whole history.
		CROSS JOIN LATERAL (SELECT * FROM component_status_history x
			WHERE x.cloud_id = s.cloud_id
			AND x.component_id = s.component_id
			AND x.started_at >= s.started_at) h
	)
	UPDATE component_status_history h SET lost_before = x.lost_before
	FROM summed x WHERE h.cloud_id = x.cloud_id
	AND h.component_id = x.component_id AND h.started_at = x.started_at
	AND h.lost_before <> x.lost_before;
END
$$;

-- Days counted from 1900-01-01, UTC: the unit of component_blocks. An
-- instant outside 1900-9999 (an infinite range end) counts as its edge:
-- no interval holds it, and the uptime looks it up the slow way.
CREATE OR REPLACE FUNCTION utc_day_number(t timestamptz) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
	SELECT (greatest(least(t, '9999-12-31 00:00+00'),
		'1900-01-01 00:00+00') AT TIME ZONE 'UTC')::date
		- date '1900-01-01'
$$;

-- The aligned blocks (level << 24 | index: the days index << level to
-- ((index + 1) << level) - 1, levels 0 to 12) that make up the days a to
-- b, each day in exactly one: at each level below the top only the blocks
-- at the two ends can be whole ones whose parent is not (at most 18 in
-- all).
CREATE OR REPLACE FUNCTION day_blocks(a integer, b integer)
RETURNS SETOF integer LANGUAGE sql IMMUTABLE AS $$
	SELECT r.k << 24 | j.j
	FROM generate_series(0, 12) AS g(k)
	CROSS JOIN LATERAL (SELECT g.k, (a + (1 << g.k) - 1) >> g.k AS lo,
		((b + 1) >> g.k) - 1 AS hi) r
	CROSS JOIN LATERAL unnest(CASE WHEN r.k = 12
		THEN ARRAY(SELECT generate_series(r.lo, r.hi))
		ELSE ARRAY[r.lo] || CASE WHEN r.hi > r.lo THEN r.hi END END) AS j(j)
	WHERE r.lo <= r.hi AND (r.k = 12 OR NOT ((j.j >> 1) << (r.k + 1) >= a
		AND (((j.j >> 1) + 1) << (r.k + 1)) - 1 <= b))
$$;

-- The 13 blocks holding day d, one a level.
CREATE OR REPLACE FUNCTION day_block_keys(d integer) RETURNS integer[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT array_agg(k << 24 | (d >> k)) FROM generate_series(0, 12) AS k
$$;

-- Writes again what uptime reads besides the history (migration 021), for
-- the components touched: their latest interval, on their row, and
-- component_blocks for their closed intervals before it, from the one
-- before the earliest change on.
CREATE OR REPLACE FUNCTION component_blocks_rewrite(p_cloud text[],
	p_component uuid[], p_from timestamptz[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	-- The seeds once, not once a statement.
	seed_cloud text[];
	seed_component uuid[];
	seed_started timestamptz[];
BEGIN
	SELECT array_agg(s.cloud_id), array_agg(s.component_id),
		array_agg(s.started_at)
	INTO seed_cloud, seed_component, seed_started
	FROM component_history_seeds(p_cloud, p_component, p_from) s;
	WITH s AS (SELECT * FROM unnest(seed_cloud, seed_component,
		seed_started) AS s(cloud_id, component_id, started_at))
	UPDATE components c SET last_started_at = h.started_at,
		last_ended_at = h.ended_at, last_status = h.status,
		last_lost_before = h.lost_before,
		first_started_at = (SELECT min(x.started_at)
			FROM component_status_history x
			WHERE x.cloud_id = s.cloud_id
			AND x.component_id = s.component_id)
	FROM s
	LEFT JOIN LATERAL (SELECT * FROM component_status_history x
		WHERE x.cloud_id = s.cloud_id
		AND x.component_id = s.component_id
		ORDER BY x.started_at DESC LIMIT 1) h ON true
	WHERE c.cloud_id = s.cloud_id AND c.id = s.component_id;
	-- A component at a time, by component_blocks_component whatever the
	-- statistics (joined with the seeds, a planner without them read the
	-- whole table: 20 ms a status change at 100,000 intervals).
	FOR i IN 1 .. coalesce(cardinality(seed_component), 0) LOOP
		DELETE FROM component_blocks b
		WHERE b.component_id = seed_component[i]
		AND b.cloud_id = seed_cloud[i]
		AND b.started_at >= seed_started[i];
	END LOOP;
	INSERT INTO component_blocks (cloud_id, page_id, block, component_id,
		started_at, ended_at, status, lost_before)
	SELECT h.cloud_id, c.page_id, k.block, h.component_id, h.started_at,
		h.ended_at, h.status, h.lost_before
	FROM unnest(seed_cloud, seed_component, seed_started)
		AS s(cloud_id, component_id, started_at)
	CROSS JOIN LATERAL (SELECT * FROM component_status_history x
		WHERE x.cloud_id = s.cloud_id
		AND x.component_id = s.component_id
		AND x.started_at >= s.started_at) h
	JOIN components c ON c.cloud_id = h.cloud_id AND c.id = h.component_id
	CROSS JOIN LATERAL day_blocks(utc_day_number(h.started_at),
		utc_day_number(h.ended_at)) AS k(block)
	WHERE h.ended_at IS NOT NULL AND h.started_at < c.last_started_at
	-- A block's rows together (a page's held rows are read a block at a
	-- time), for a bulk load too (migration 024).
	ORDER BY k.block, h.cloud_id, c.page_id, h.component_id;
END
$$;

-- What follows a change of the history, for the components it touched.
-- plpgsql, here and in what it calls: its statements are planned once a
-- session, not on every status change (a SQL function's are).
CREATE OR REPLACE FUNCTION component_history_follow(p_cloud text[],
	p_component uuid[], p_from timestamptz[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM component_history_resum(p_cloud, p_component, p_from);
	PERFORM component_blocks_rewrite(p_cloud, p_component, p_from);
END
$$;

CREATE OR REPLACE FUNCTION component_history_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	-- Its own update of lost_before changes nothing the sums depend on;
	-- nor does closing the open interval when the statement inserting the
	-- next one follows (component_set_live_status): that one's follow-up
	-- covers both.
	IF TG_OP = 'UPDATE' AND (pg_trigger_depth() > 1 OR current_setting(
		'statusd.history_follow_deferred', true) = 'on') THEN
		RETURN NULL;
	END IF;
	IF TG_OP = 'INSERT' THEN
		PERFORM component_history_follow(array_agg(cloud_id),
			array_agg(component_id), array_agg(started_at))
			FROM new_rows;
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM component_history_follow(array_agg(cloud_id),
			array_agg(component_id), array_agg(started_at))
			FROM old_rows;
	ELSE
		PERFORM component_history_follow(array_agg(cloud_id),
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

-- The weighted outage seconds before t of a component whose interval
-- (started, ended or NULL while open, status) holds t or is the last
-- before it: the sum of those before the interval (lost_before) and its
-- own part up to t.
CREATE OR REPLACE FUNCTION interval_lost_before(started timestamptz,
	ended timestamptz, status text, lost_before numeric, t timestamptz)
RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
	SELECT lost_before + status_outage_weight(status) *
		extract(epoch FROM least(coalesce(ended, t), t) - started)
$$;

-- The weighted outage seconds of component p_component before t, from the
-- interval that holds t (the last that started by then); 0 before the
-- first. Two index probes.
CREATE OR REPLACE FUNCTION component_lost_before(p_cloud text,
	p_component uuid, t timestamptz) RETURNS numeric
LANGUAGE sql STABLE AS $$
	SELECT coalesce((SELECT interval_lost_before(h.started_at, h.ended_at,
			h.status, h.lost_before, t)
		FROM component_status_history h
		WHERE h.cloud_id = p_cloud AND h.component_id = p_component
		AND h.started_at <= t
		ORDER BY h.started_at DESC LIMIT 1), 0)
$$;

-- The weighted outage before t (microseconds since 1970) of a component in
-- an uptime, in units (tenths of a microsecond, migration 024), from its
-- row (first, latest: its first interval's start, its latest interval):
-- none before its first interval (a component's range starts when it was
-- created, which is when its history starts); from its latest interval
-- when that holds t; else held (a page's, from component_lost_held); else
-- looked up (CASE and coalesce evaluate only what they need).
CREATE OR REPLACE FUNCTION component_lost_units(p_cloud text,
	p_component uuid, first bigint, latest_started bigint,
	latest_ended bigint, latest_weight smallint, latest_lost bigint,
	held bigint, t bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN first IS NULL OR t <= first THEN 0
		WHEN latest_started <= t THEN latest_lost + latest_weight *
			(least(coalesce(latest_ended, t), t) - latest_started)
		ELSE coalesce(held, (component_lost_before(p_cloud, p_component,
			timestamptz '1970-01-01 00:00+00'
			+ t * interval '1 microsecond') * 10000000)::bigint) END
$$;

-- For each component of a page (of p_only, if not NULL), the closed
-- interval holding t, if one does (its start, weight and prefix sum, in
-- integers): one index scan of component_blocks (the 13 blocks holding t's
-- day), whatever the number of components (migration 021); nothing unless
-- wanted. The last interval that started by t, as component_lost_before,
-- should a hand-made history overlap.
CREATE OR REPLACE FUNCTION component_lost_held(p_cloud text, p_page uuid,
	p_only uuid[], wanted boolean, t timestamptz)
RETURNS TABLE (component_id uuid, started_us bigint, weight smallint,
	lost_units bigint)
LANGUAGE sql STABLE AS $$
	SELECT DISTINCT ON (b.component_id) b.component_id, b.started_us,
		b.weight, b.lost_units
	FROM component_blocks b
	WHERE wanted AND b.block = ANY (day_block_keys(utc_day_number(t)))
	AND b.cloud_id = p_cloud AND b.page_id = p_page
	AND b.started_at <= t AND b.ended_at > t
	AND (p_only IS NULL OR b.component_id = ANY (p_only))
	ORDER BY b.component_id, b.started_at DESC
$$;

-- The live components an uptime covers: a page's, or some of them (p_only)
-- and, for a group among them, its children. Those are read by their key,
-- one probe each, whatever the statistics (a lateral subquery an element:
-- joined with the array, a planner without them read the cloud's
-- components),
-- and the page's others only for a group (each branch gated by what its
-- parameters say, once a statement). Their page is not spelt "c.page_id =
-- p_page": components_page would then match more columns than the primary
-- key, and a planner without statistics walked the page's index for the
-- one row.
CREATE OR REPLACE FUNCTION component_uptime_rows(p_cloud text, p_page uuid,
	p_only uuid[]) RETURNS SETOF components
LANGUAGE sql STABLE AS $$
	SELECT * FROM components c WHERE p_only IS NULL
	AND c.cloud_id = p_cloud AND c.page_id = p_page
	UNION ALL
	SELECT c.* FROM unnest(p_only) AS o(id) CROSS JOIN LATERAL (SELECT *
		FROM components c WHERE c.cloud_id = p_cloud AND c.id = o.id
		AND c.page_id IS NOT DISTINCT FROM p_page OFFSET 0) c
	UNION ALL
	SELECT * FROM components c WHERE EXISTS (SELECT 1 FROM unnest(p_only)
		AS o(id) CROSS JOIN LATERAL (SELECT 1 FROM components g
		WHERE g.cloud_id = p_cloud AND g.id = o.id
		AND g.type = 'GROUP_COMPONENT' OFFSET 0) g)
	AND c.cloud_id = p_cloud AND c.page_id = p_page
	AND c.parent_id = ANY (p_only) AND NOT c.id = ANY (p_only)
$$;

-- Microseconds since 1970 of t, as the integer columns of migration 024
-- hold instants; a range's infinite end clamped to 1900-9999 as
-- utc_day_number() clamps it.
CREATE OR REPLACE FUNCTION epoch_us(t timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
	SELECT (extract(epoch FROM greatest(least(t, '9999-12-31 00:00+00'),
		'1900-01-01 00:00+00') AT TIME ZONE 'UTC') * 1000000)::bigint
$$;

-- A raw (unrounded) uptime in percent from the weighted outage (units) and
-- the range's length (microseconds), as numeric: the same operands and
-- scales as the timestamp arithmetic it replaced (seconds with 7 and 6
-- decimals), so a group's mean of its children's rounds as it did.
CREATE OR REPLACE FUNCTION uptime_raw(lost bigint, span bigint)
RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN span <= 0 THEN 100::numeric
		ELSE 100 * (1 - (lost * 0.0000001) / (span * 0.000001)) END
$$;

-- That uptime rounded to hundredths of a percent, half away from zero, in
-- integers: 100 * (1 - lost / (10 span)) is (10000 span - 1000 lost) /
-- span hundredths, exact where numeric division is exact to 20 decimals
-- (a figure off a rounding boundary is at least 1 / (200 span) from it,
-- far above that). NULL where the integers could overflow (a span over
-- about 12 years, or more lost than the span holds: a hand-made history),
-- which uptime_raw then rounds.
CREATE OR REPLACE FUNCTION uptime_hundredths(lost bigint, span bigint)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN span <= 0 THEN 10000
		WHEN span <= 400000000000000 AND lost >= 0 AND lost <= 10 * span
		THEN (2 * (10000 * span - 1000 * lost) + span) / (2 * span) END
$$;

-- Uptime of every live component of a page over [p_from, p_to], clipped to
-- each component's life and to now (DESIGN.md section 7, Statuspage's
-- rule): MAJOR_OUTAGE counts fully, PARTIAL_OUTAGE 30 %, the rest not at
-- all. A group's uptime is the mean of its children's; an empty range or
-- a group without children is 100. Rounded to two decimals. The loss is
-- the difference of two prefix sums per component (lost_before) at the
-- ends of its range, read without a look-up per component: from its row
-- (its latest interval, migration 021) for the instants since that began,
-- else, for a whole page or several of its components, from
-- component_lost_held. A component whose range starts later (created
-- inside it), one in a gap of its history, and one component's uptime
-- (p_only, which limits the rows to those components and their children)
-- look theirs up with component_lost_before. The
-- arithmetic is in integers (migration 024): the range's ends are
-- converted once (p), each component's figure is a few bigint operations.
--
-- The held values are joined by FULL JOIN, which PostgreSQL can only run
-- as a hash or merge join: one pass over each side whatever the
-- statistics say (a nested loop, chosen on a never-analysed database,
-- scanned all held rows once per component). Every held row has its
-- component (component_blocks references it, same page), and the rows
-- that would not are left out after the join (leaf is materialized, so
-- that filter cannot turn the FULL JOIN into a LEFT JOIN).
--
-- hundredths: a component's uptime (not a group's) in hundredths of a
-- percent, for a mean of many in integers; a statement that reads only
-- that leaves the groups' means out (their join is removed).
CREATE OR REPLACE FUNCTION component_uptimes_in(p_cloud text, p_page uuid,
	p_only uuid[], p_from timestamptz, p_to timestamptz)
RETURNS TABLE (id uuid, parent_id uuid, type text, name text, status text,
	"position" integer, uptime numeric, hundredths bigint)
LANGUAGE sql STABLE AS $$
	WITH p AS MATERIALIZED (
		SELECT epoch_us(p_from) AS from_us,
			epoch_us(least(p_to, now())) AS to_us
	), leaf AS MATERIALIZED (
		SELECT c.id, c.parent_id, c.type, c.name, c.status, c.position,
			r.hi - r.lo AS span,
			component_lost_units(c.cloud_id, c.id, c.first_started_us,
				c.last_started_us, c.last_ended_us, c.last_weight,
				c.last_lost_units, h.lost_units + h.weight
				* (r.hi - h.started_us), r.hi)
			- component_lost_units(c.cloud_id, c.id,
				c.first_started_us, c.last_started_us,
				c.last_ended_us, c.last_weight, c.last_lost_units,
				CASE WHEN r.lo = p.from_us THEN l.lost_units
				+ l.weight * (r.lo - l.started_us) END, r.lo)
			AS lost
		FROM p CROSS JOIN component_uptime_rows(p_cloud, p_page, p_only) c
		-- One component looks its own up.
		FULL JOIN component_lost_held(p_cloud, p_page, p_only,
			p_only IS NULL OR cardinality(p_only) > 1, p_from) l
			ON l.component_id = c.id
		-- The range's end is held too when it is well before now; an
		-- end of about now (the default, "to" being the caller's
		-- clock) is within the latest interval of all components but
		-- those that changed since, which look theirs up.
		FULL JOIN component_lost_held(p_cloud, p_page, p_only,
			(p_only IS NULL OR cardinality(p_only) > 1)
			AND p_to < now() - interval '1 minute', p_to) h
			ON h.component_id = c.id
		CROSS JOIN LATERAL (SELECT greatest(p.from_us, c.created_us)
			AS lo, p.to_us AS hi) r
	), grp AS (
		SELECT k.parent_id, avg(uptime_raw(k.lost, k.span)) AS mean
		FROM leaf k WHERE k.parent_id IS NOT NULL GROUP BY k.parent_id
	)
	SELECT f.id, f.parent_id, f.type, f.name, f.status, f.position,
		CASE WHEN f.type = 'GROUP_COMPONENT'
			THEN round(coalesce(g.mean, 100), 2)
		ELSE f.hundredths * 0.01 END, f.hundredths
	FROM (SELECT k.*, CASE WHEN k.type <> 'GROUP_COMPONENT'
		THEN coalesce(uptime_hundredths(k.lost, k.span),
		(round(uptime_raw(k.lost, k.span), 2) * 100)::bigint) END
		AS hundredths FROM leaf k) f
	LEFT JOIN grp g ON g.parent_id = f.id
	WHERE f.id IS NOT NULL
$$;

-- A component's uptime as the API shows it ({id, name, status,
-- componentUptimePercentage}), as text: pieces joined by one concat() (a
-- chain of || copied each piece again), the name escaped by to_json (a
-- status is one of five names), at a third of a jsonb object's cost (a
-- page's 1,000 items); NULL for no component (an empty list's row).
-- STABLE as what it calls (to_json, uuid to text): declared IMMUTABLE, it
-- would not be inlined, and a call per item cost 4 us.
CREATE OR REPLACE FUNCTION component_uptime_item(id uuid, name text,
	status text, uptime numeric) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN id IS NOT NULL THEN concat('{"id":"', id, '","name":',
		to_json(name), ',"status":"', status,
		'","componentUptimePercentage":', uptime, '}') END
$$;

CREATE OR REPLACE FUNCTION component_uptimes(p_cloud text, p_page uuid,
	p_from timestamptz, p_to timestamptz)
RETURNS TABLE (id uuid, parent_id uuid, type text, name text, status text,
	"position" integer, uptime numeric, hundredths bigint)
LANGUAGE sql STABLE AS $$
	SELECT * FROM component_uptimes_in(p_cloud, p_page, NULL, p_from, p_to)
$$;

-- One component's uptime (and, for a group, its children's; all of the
-- page's for a NULL p_only).
CREATE OR REPLACE FUNCTION component_uptimes_of(p_cloud text, p_page uuid,
	p_only uuid, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (id uuid, parent_id uuid, type text, name text, status text,
	"position" integer, uptime numeric, hundredths bigint)
LANGUAGE sql STABLE AS $$
	SELECT * FROM component_uptimes_in(p_cloud, p_page, CASE WHEN p_only
		IS NOT NULL THEN ARRAY[p_only] END, p_from, p_to)
$$;

-- A page's uptime answers, from the memo of the same range when the page's
-- live components have not changed since it was computed (migration 028),
-- else computed: the components uptime document (GET
-- /pages/{id}/components/uptime, its items in position order) and the
-- page's uptime_percentage (the mean of its components' hundredths, the
-- groups' means left out: the same figure as the mean of their uptimes).
-- A range ending by now() is memoized (one ending later still grows).
CREATE OR REPLACE FUNCTION page_uptime_answers(p_cloud text, p_page uuid,
	p_from timestamptz, p_to timestamptz,
	OUT document text, OUT percentage text)
LANGUAGE plpgsql AS $$
DECLARE
	v_version xid8;
BEGIN
	SELECT m.document, m.percentage INTO document, percentage
	FROM page_uptime_memos m
	WHERE m.cloud_id = p_cloud AND m.page_id = p_page
	AND m.memo_version = m.version AND m.from_at = p_from
	AND m.to_at = p_to;
	IF FOUND THEN
		RETURN;
	END IF;
	-- One statement, so one snapshot: the version read is the one the
	-- figures are computed at.
	SELECT coalesce((SELECT m.version FROM page_uptime_memos m
			WHERE m.cloud_id = p_cloud AND m.page_id = p_page), '0'),
		'{"pageComponentsUptime":[' || coalesce(string_agg(
			component_uptime_item(u.id, u.name, u.status, u.uptime),
			',' ORDER BY u.position, u.id), '') || ']}',
		coalesce(round(avg(u.hundredths) FILTER
			(WHERE u.type = 'COMPONENT') / 100, 2), 100)::text
	INTO v_version, document, percentage
	FROM component_uptimes(p_cloud, p_page, p_from, p_to) u;
	IF p_to <= now() THEN
		PERFORM page_uptime_memo_store(p_cloud, p_page, v_version,
			p_from, p_to, document, percentage);
	END IF;
END
$$;

-- Keeps answers computed at version p_version as the page's memo, unless
-- the page's components changed since (its version is no longer
-- p_version) or are being changed (its row is locked: a read does not
-- wait for a writer). The first memo of a page without a row (version
-- '0') creates it, unless a writer created it meanwhile (a writer
-- creating it at that very moment is the one wait: once a page). A page
-- deleted meanwhile keeps nothing.
CREATE OR REPLACE FUNCTION page_uptime_memo_store(p_cloud text, p_page uuid,
	p_version xid8, p_from timestamptz, p_to timestamptz,
	p_document text, p_percentage text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE page_uptime_memos m SET memo_version = p_version,
		from_at = p_from, to_at = p_to, document = p_document,
		percentage = p_percentage
	FROM (SELECT x.cloud_id, x.page_id FROM page_uptime_memos x
		WHERE x.cloud_id = p_cloud AND x.page_id = p_page
		AND x.version = p_version FOR UPDATE SKIP LOCKED) x
	WHERE m.cloud_id = x.cloud_id AND m.page_id = x.page_id;
	IF NOT FOUND AND p_version = '0' THEN
		INSERT INTO page_uptime_memos (cloud_id, page_id, version,
			memo_version, from_at, to_at, document, percentage)
		VALUES (p_cloud, p_page, p_version, p_version, p_from, p_to,
			p_document, p_percentage)
		ON CONFLICT (cloud_id, page_id) DO NOTHING;
	END IF;
EXCEPTION WHEN foreign_key_violation THEN
	NULL;
END
$$;

-- Outdates the uptime memos of the pages whose live components a
-- statement changed: their version becomes the changing transaction's id
-- (once a transaction; a page being deleted gets no row). plpgsql: its
-- statement is planned once a session, not on every status change.
CREATE OR REPLACE FUNCTION page_uptime_outdate(p_cloud text[],
	p_page uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO page_uptime_memos AS m (cloud_id, page_id, version)
	SELECT DISTINCT x.cloud_id, x.page_id, pg_current_xact_id()
	FROM unnest(p_cloud, p_page) AS x(cloud_id, page_id)
	WHERE EXISTS (SELECT 1 FROM pages p WHERE p.cloud_id = x.cloud_id
		AND p.id = x.page_id)
	-- Rows locked in one order: concurrent writers cannot deadlock.
	ORDER BY 1, 2
	ON CONFLICT (cloud_id, page_id) DO UPDATE SET version = EXCLUDED.version
	WHERE m.version <> EXCLUDED.version;
END
$$;

-- A component keeps its page: the new rows name the pages an insert or
-- an update changed.
CREATE OR REPLACE FUNCTION components_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM page_uptime_outdate(array_agg(cloud_id),
			array_agg(page_id)) FROM old_rows;
	ELSE
		PERFORM page_uptime_outdate(array_agg(cloud_id),
			array_agg(page_id)) FROM new_rows;
	END IF;
	RETURN NULL;
END
$$;

-- One trigger an event: a trigger with transition tables has one.
CREATE OR REPLACE TRIGGER components_inserted AFTER INSERT ON components
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
	EXECUTE FUNCTION components_changed();
CREATE OR REPLACE TRIGGER components_updated AFTER UPDATE ON components
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
	EXECUTE FUNCTION components_changed();
CREATE OR REPLACE TRIGGER components_deleted AFTER DELETE ON components
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
	EXECUTE FUNCTION components_changed();
