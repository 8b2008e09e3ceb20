-- Seed for bench/endpoints.sh: :total incidents in the cloud, :big of them
-- on page :page and the rest on page :other, one update each, one in ten
-- active, a minute apart. Variables: cloud, page, other, big, total.
--
-- Bulk: the counting trigger (db/sql/70_counters.sql) is off for the
-- INSERT and the cloud's counters are set from count(*) after it, in the
-- same transaction: what the trigger would have done, a row at a time.
\set ON_ERROR_STOP 1
BEGIN;
ALTER TABLE incidents DISABLE TRIGGER incidents_count;
INSERT INTO incidents (cloud_id, id, page_id, code, name, status, impact,
	last_seq, created_at, updated_at, started_at, resolved_at)
SELECT :'cloud', gen_random_uuid(),
	CASE WHEN g <= :big THEN :'page'::uuid ELSE :'other'::uuid END,
	'bi' || lpad(g::text, 8, '0'), 'Bench incident ' || g,
	CASE WHEN g % 10 = 0 THEN 'INVESTIGATING' ELSE 'RESOLVED' END, 'MINOR', 1,
	now() - make_interval(mins => g), now() - make_interval(mins => g),
	now() - make_interval(mins => g),
	CASE WHEN g % 10 <> 0 THEN now() - make_interval(mins => g) END
FROM generate_series(1, :total) AS g;
INSERT INTO incident_updates (cloud_id, incident_id, seq, status, body,
	should_send_notifications, created_at, updated_at)
SELECT cloud_id, id, 1, status, 'Investigating elevated error rates', false,
	created_at, created_at
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
COMMIT;
