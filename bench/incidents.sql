-- Seed for bench/endpoints.sh: :total incidents in the cloud, :big of them
-- on page :page and the rest on page :other, one update each, one in ten
-- active, a minute apart. Variables: cloud, page, other, big, total.
--
-- Bulk: the counting trigger (db/sql/70_counters.sql) is off for the
-- INSERT, and the cloud's counters are set from count(*) and the cloud
-- lists' rows (incident_listing) inserted after it, in the same
-- transaction: what the trigger would have done, a row at a time.
\set ON_ERROR_STOP 1
\set body 'Investigating elevated error rates'
BEGIN;
ALTER TABLE incidents DISABLE TRIGGER incidents_count;
-- Each node is stored as incident_create stores it (migration
-- 018), rendered from the row and its one update as they are inserted
-- (incident_node_of), not by a second pass over a million rows.
INSERT INTO incidents (cloud_id, id, page_id, code, name, status, impact,
	last_seq, created_at, updated_at, started_at, resolved_at, node)
SELECT v.cloud_id, v.id, v.page_id, v.code, v.name, v.status, v.impact,
	v.last_seq, v.created_at, v.updated_at, v.started_at, v.resolved_at,
	incident_node_of(jsonb_populate_record(NULL::incidents, to_jsonb(v)),
		'[]', json_build_array(incident_update_json(jsonb_populate_record(
			NULL::incident_updates, jsonb_build_object(
			'cloud_id', v.cloud_id, 'incident_id', v.id, 'seq', 1,
			'status', v.status, 'body', :'body',
			'affected_components', '[]'::jsonb,
			'should_send_notifications', false, 'hidden', false,
			'created_at', v.created_at, 'updated_at', v.created_at)))))
FROM (SELECT :'cloud' AS cloud_id, gen_random_uuid() AS id,
	CASE WHEN g <= :big THEN :'page'::uuid ELSE :'other'::uuid END AS page_id,
	'bi' || lpad(g::text, 8, '0') AS code, 'Bench incident ' || g AS name,
	CASE WHEN g % 10 = 0 THEN 'INVESTIGATING' ELSE 'RESOLVED' END AS status,
	'MINOR' AS impact, 1 AS last_seq, '{}'::integer[] AS reminder_intervals,
	now() - make_interval(mins => g) AS created_at,
	now() - make_interval(mins => g) AS updated_at,
	now() - make_interval(mins => g) AS started_at,
	CASE WHEN g % 10 <> 0 THEN now() - make_interval(mins => g) END
		AS resolved_at
	FROM generate_series(1, :total) AS g) v;
INSERT INTO incident_updates (cloud_id, incident_id, seq, status, body,
	should_send_notifications, created_at, updated_at)
SELECT cloud_id, id, 1, status, :'body', false, created_at, created_at
FROM incidents WHERE cloud_id = :'cloud' AND code LIKE 'bi%';
ALTER TABLE incidents ENABLE TRIGGER incidents_count;
DELETE FROM incident_counts WHERE cloud_id = :'cloud';
INSERT INTO incident_counts (cloud_id, scope, slot, total, active)
SELECT cloud_id, page_id, 0, count(*), count(*) FILTER (WHERE status <> 'RESOLVED')
FROM incidents WHERE cloud_id = :'cloud' GROUP BY cloud_id, page_id;
INSERT INTO incident_counts (cloud_id, scope, slot, total, active)
SELECT :'cloud', incident_counts_cloud_scope(), 0, count(*),
	count(*) FILTER (WHERE i.status <> 'RESOLVED')
FROM incidents i JOIN pages p ON p.cloud_id = i.cloud_id AND p.id = i.page_id
WHERE i.cloud_id = :'cloud' AND page_listed(p.archived_at, p.page_status);
INSERT INTO incident_listing (cloud_id, created_at, id, active)
SELECT i.cloud_id, i.created_at, i.id, i.status <> 'RESOLVED'
FROM incidents i JOIN pages p ON p.cloud_id = i.cloud_id AND p.id = i.page_id
WHERE i.cloud_id = :'cloud' AND i.code LIKE 'bi%'
AND page_listed(p.archived_at, p.page_status);
COMMIT;
