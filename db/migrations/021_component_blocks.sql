-- Uptime without a look-up per component (issue 13 goal 3). For a whole
-- page, the prefix sums (lost_before, migration 015) at the two ends of a
-- range come from:
-- - the component's latest interval (open, or the last closed one), kept
--   on its row: it holds every instant since it started; and the start of
--   its first (nothing is lost before);
-- - component_blocks for earlier instants: each closed interval under the
--   aligned blocks of UTC days that make up its days (1, 2, 4 ... 4096
--   days; at most 18 of them), so that the intervals holding one instant,
--   for a whole page, are one index scan of the 13 blocks holding its day.
-- Both kept by component_blocks_rewrite (db/sql/30_components.sql)
-- whenever the history changes. A block is level << 24 | index, its days
-- index << level to ((index + 1) << level) - 1, days counted from
-- 1900-01-01 (utc_day_number).
ALTER TABLE components ADD COLUMN first_started_at timestamptz,
	ADD COLUMN last_started_at timestamptz,
	ADD COLUMN last_ended_at timestamptz,
	ADD COLUMN last_status text,
	ADD COLUMN last_lost_before numeric;

CREATE TABLE component_blocks (
	cloud_id text NOT NULL,
	page_id uuid NOT NULL,
	block integer NOT NULL,
	component_id uuid NOT NULL,
	started_at timestamptz NOT NULL,
	ended_at timestamptz NOT NULL,
	status text NOT NULL,
	lost_before numeric NOT NULL,
	-- The block first: an array of blocks on the first column is always an
	-- index condition, whatever the planner thinks of the page's size.
	PRIMARY KEY (block, cloud_id, page_id, component_id, started_at),
	FOREIGN KEY (cloud_id, component_id) REFERENCES components (cloud_id, id)
		ON DELETE CASCADE
);
CREATE INDEX component_blocks_component ON component_blocks
	(cloud_id, component_id, started_at);

UPDATE components c SET last_started_at = h.started_at,
	last_ended_at = h.ended_at, last_status = h.status,
	last_lost_before = h.lost_before, first_started_at = f.first
FROM (SELECT DISTINCT ON (cloud_id, component_id) *
	FROM component_status_history
	ORDER BY cloud_id, component_id, started_at DESC) h,
	(SELECT cloud_id, component_id, min(started_at) AS first
	FROM component_status_history GROUP BY 1, 2) f
WHERE h.cloud_id = c.cloud_id AND h.component_id = c.id
AND f.cloud_id = c.cloud_id AND f.component_id = c.id;

-- The intervals before the latest; the blocks as day_blocks() makes them
-- (the two ends of each level, and every block of the top one).
INSERT INTO component_blocks (cloud_id, page_id, block, component_id,
	started_at, ended_at, status, lost_before)
SELECT DISTINCT h.cloud_id, c.page_id, r.k << 24 | v.j, h.component_id,
	h.started_at, h.ended_at, h.status, h.lost_before
FROM component_status_history h
JOIN components c ON c.cloud_id = h.cloud_id AND c.id = h.component_id
CROSS JOIN LATERAL (SELECT (h.started_at AT TIME ZONE 'UTC')::date
		- date '1900-01-01' AS a,
	(h.ended_at AT TIME ZONE 'UTC')::date - date '1900-01-01' AS b) d
CROSS JOIN LATERAL (SELECT k, (d.a + (1 << k) - 1) >> k AS lo,
	((d.b + 1) >> k) - 1 AS hi FROM generate_series(0, 12) AS k) r
CROSS JOIN LATERAL generate_series(r.lo, r.hi) AS v(j)
WHERE h.ended_at IS NOT NULL AND h.started_at < c.last_started_at
AND r.lo <= r.hi AND (r.k = 12 OR ((v.j = r.lo OR v.j = r.hi)
	AND NOT ((v.j >> 1) << (r.k + 1) >= d.a
		AND (((v.j >> 1) + 1) << (r.k + 1)) - 1 <= d.b)));
