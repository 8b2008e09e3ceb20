-- Counts clients see (totalCount of the incident and page lists) kept in
-- counters written in the same transaction as the rows they count, never
-- by scanning (DESIGN.md section 9), and what uptime needs to read a
-- constant number of rows per component. The triggers that keep them live
-- in db/sql/70_counters.sql and db/sql/30_components.sql.

-- Incidents per page (scope = the page's id) and per cloud over the pages
-- a list shows (scope = the nil uuid: pages neither soft-deleted nor
-- archived). Each backend adds to its own slot (pg_backend_pid() % 8), so
-- concurrent writers of one page or cloud do not queue on one row; a read
-- sums at most 8 rows.
CREATE TABLE incident_counts (
	cloud_id text NOT NULL,
	scope uuid NOT NULL,
	slot smallint NOT NULL,
	total bigint NOT NULL DEFAULT 0,
	active bigint NOT NULL DEFAULT 0, -- status <> 'RESOLVED'
	PRIMARY KEY (cloud_id, scope, slot)
);

-- Pages a list shows (neither soft-deleted nor archived) per status.
CREATE TABLE page_counts (
	cloud_id text NOT NULL,
	page_status text NOT NULL,
	slot smallint NOT NULL,
	n bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (cloud_id, page_status, slot)
);

INSERT INTO incident_counts (cloud_id, scope, slot, total, active)
SELECT cloud_id, page_id, 0, count(*), count(*) FILTER (WHERE status <> 'RESOLVED')
FROM incidents GROUP BY cloud_id, page_id;
INSERT INTO incident_counts (cloud_id, scope, slot, total, active)
SELECT i.cloud_id, '00000000-0000-0000-0000-000000000000', 0, count(*),
	count(*) FILTER (WHERE i.status <> 'RESOLVED')
FROM incidents i JOIN pages p ON p.cloud_id = i.cloud_id AND p.id = i.page_id
WHERE p.archived_at IS NULL AND p.page_status <> 'SOFT_DELETED'
GROUP BY i.cloud_id;
INSERT INTO page_counts (cloud_id, page_status, slot, n)
SELECT cloud_id, page_status, 0, count(*) FROM pages
WHERE archived_at IS NULL AND page_status <> 'SOFT_DELETED'
GROUP BY cloud_id, page_status;

-- Keyset lists led by their full key: active incidents (showActive) get
-- indexes of their own, so a list of the few open incidents among many
-- resolved ones does not walk past the resolved ones.
CREATE INDEX incidents_active_recent ON incidents (cloud_id, created_at, id)
	WHERE status <> 'RESOLVED';
CREATE INDEX incidents_page_active_recent ON incidents
	(cloud_id, page_id, created_at, id) WHERE status <> 'RESOLVED';
-- Summary v2's order, (lower(name), id), whole.
CREATE INDEX pages_name_order ON pages (cloud_id, lower(name), id)
	WHERE archived_at IS NULL;

-- Uptime reads two rows per component whatever the history's length: each
-- interval carries the weighted outage seconds of every interval before it
-- (MAJOR_OUTAGE fully, PARTIAL_OUTAGE 30 %), so the loss over [lo, hi] is
-- the difference of two prefix sums.
ALTER TABLE component_status_history ADD COLUMN lost_before numeric NOT NULL DEFAULT 0;
UPDATE component_status_history h SET lost_before = x.lost
FROM (SELECT cloud_id, component_id, started_at,
		coalesce(sum(CASE status WHEN 'MAJOR_OUTAGE' THEN 1.0
			WHEN 'PARTIAL_OUTAGE' THEN 0.3 ELSE 0 END *
			extract(epoch FROM coalesce(ended_at, started_at) - started_at))
		OVER (PARTITION BY cloud_id, component_id ORDER BY started_at
			ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS lost
	FROM component_status_history) x
WHERE h.cloud_id = x.cloud_id AND h.component_id = x.component_id
AND h.started_at = x.started_at AND x.lost <> 0;

-- Replaced by a lateral count per listed page (it counted the whole cloud).
DROP FUNCTION IF EXISTS page_component_counts(text);
