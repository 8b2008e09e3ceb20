-- Seed for bench/endpoints.sh: one page with :components live components
-- and :changes status intervals each over the last 90 days (uptime).
-- Variables: cloud, page (the uptime page's id), components, changes.
INSERT INTO component_drafts (cloud_id, id, page_id, type, name, position)
SELECT :'cloud', gen_random_uuid(), :'page', 'COMPONENT',
	'Component ' || n, n
FROM generate_series(1, :components) AS n;
SELECT components_publish(:'cloud', :'page');
UPDATE components SET created_at = now() - interval '90 days'
	WHERE cloud_id = :'cloud' AND page_id = :'page';
-- Publishing writes the page row, which renders its summary item with
-- the new components (db_page_publish does the same).
UPDATE pages SET version = version WHERE cloud_id = :'cloud' AND id = :'page';

-- :changes intervals per component, cycling through the statuses, evenly
-- over 90 days, the last one open. One INSERT: the history trigger sums
-- lost_before once for all of them.
DELETE FROM component_status_history h USING components c
	WHERE h.cloud_id = c.cloud_id AND h.component_id = c.id
	AND c.cloud_id = :'cloud' AND c.page_id = :'page';
INSERT INTO component_status_history (cloud_id, component_id, status,
	started_at, ended_at)
SELECT :'cloud', c.id,
	(ARRAY['OPERATIONAL', 'MAJOR_OUTAGE', 'OPERATIONAL', 'PARTIAL_OUTAGE',
		'DEGRADED_PERFORMANCE'])[1 + (k % 5)],
	now() - interval '90 days' + k * (interval '90 days' / :changes),
	CASE WHEN k = :changes - 1 THEN NULL
	ELSE now() - interval '90 days' + (k + 1) * (interval '90 days' / :changes) END
FROM components c, generate_series(0, :changes - 1) AS k
WHERE c.cloud_id = :'cloud' AND c.page_id = :'page';
