-- Seed for bench/endpoints.sh: a cloud of 1,000 pages (summary), and one
-- page with 1,000 live components and 100,000 status changes over the last
-- 90 days (uptime). Variables: cloud, page (the uptime page's id).
INSERT INTO pages (cloud_id, id, name, subdomain, page_type, page_status,
	attrs, created_by)
SELECT :'cloud', gen_random_uuid(), 'Summary page ' || n,
	'summary-page-' || n, 'PUBLIC', 'PUBLISHED',
	'{"description": "bench"}', 'bench@example.com'
FROM generate_series(1, 1000) AS n;

INSERT INTO component_drafts (cloud_id, id, page_id, type, name, position)
SELECT :'cloud', gen_random_uuid(), :'page', 'COMPONENT',
	'Component ' || n, n
FROM generate_series(1, 1000) AS n;
SELECT components_publish(:'cloud', :'page');
UPDATE components SET created_at = now() - interval '90 days'
	WHERE cloud_id = :'cloud' AND page_id = :'page';

-- 100 intervals per component, cycling through the statuses, each 0.9
-- days long, the last one open.
DELETE FROM component_status_history h USING components c
	WHERE h.cloud_id = c.cloud_id AND h.component_id = c.id
	AND c.cloud_id = :'cloud' AND c.page_id = :'page';
INSERT INTO component_status_history (cloud_id, component_id, status,
	started_at, ended_at)
SELECT :'cloud', c.id,
	(ARRAY['OPERATIONAL', 'MAJOR_OUTAGE', 'OPERATIONAL', 'PARTIAL_OUTAGE',
		'DEGRADED_PERFORMANCE'])[1 + (k % 5)],
	now() - interval '90 days' + k * interval '21.6 hours',
	CASE WHEN k = 99 THEN NULL
	ELSE now() - interval '90 days' + (k + 1) * interval '21.6 hours' END
FROM components c, generate_series(0, 99) AS k
WHERE c.cloud_id = :'cloud' AND c.page_id = :'page';
VACUUM ANALYZE;
