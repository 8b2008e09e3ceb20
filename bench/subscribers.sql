-- Seed for bench/subscribers.sh: :n subscribers of page :page (cloud
-- :cloud), through the real table and its indexes: page subscribers, most
-- by email, some by SMS and webhook; 70 % SUBSCRIBED, 20 % pending, 10 %
-- UNSUBSCRIBED; created a second apart, oldest first.
--
-- Bulk: the counting trigger (db/sql/60_subscribers.sql) is off for the
-- INSERT and the counters are set from count(*) in the same transaction:
-- what the trigger would have done a row at a time (which would take
-- minutes here). bench/subscribers.sh compares them with count(*) again
-- after the API has added its own subscribers through the trigger.
\set ON_ERROR_STOP 1
BEGIN;
ALTER TABLE subscribers DISABLE TRIGGER subscribers_count;
INSERT INTO subscribers (cloud_id, id, page_id, item_type, item_id,
	subscription_type, contact, phone_country, status, webhook_secret,
	confirmed_at, created_at, updated_at)
SELECT :'cloud', gen_random_uuid(), :'page', 'PAGE_SUBSCRIBER', :'page',
	t.stype,
	CASE t.stype WHEN 'EMAIL' THEN 'bench' || g || '@example.com'
		WHEN 'SMS' THEN '+1555' || lpad(g::text, 7, '0')
		ELSE 'https://hooks.example.com/bench/' || g END,
	CASE WHEN t.stype = 'SMS' THEN 'US' END,
	t.status,
	CASE WHEN t.stype = 'WEBHOOK' THEN 'whsec_YmVuY2hiZW5jaGJlbmNoYmVuY2hiZW5jaGJlbmNo' END,
	CASE WHEN t.status = 'SUBSCRIBED' THEN now() - make_interval(secs => :n - g) END,
	now() - make_interval(secs => :n - g), now() - make_interval(secs => :n - g)
FROM generate_series(1, :n) AS g,
	LATERAL (SELECT CASE WHEN g % 20 = 0 THEN 'SMS'
			WHEN g % 20 = 1 THEN 'WEBHOOK' ELSE 'EMAIL' END AS stype,
		CASE WHEN g % 10 IN (0, 1, 2, 3, 4, 5, 6) THEN 'SUBSCRIBED'
			WHEN g % 10 IN (7, 8) THEN 'PENDING_CONFIRMATION'
			ELSE 'UNSUBSCRIBED' END AS status) t;
ALTER TABLE subscribers ENABLE TRIGGER subscribers_count;
DELETE FROM subscriber_counts WHERE cloud_id = :'cloud';
INSERT INTO subscriber_counts (cloud_id, page_id, item_type, item_id, status, n)
SELECT cloud_id, page_id, item_type, item_id, status, count(*)
FROM subscribers WHERE cloud_id = :'cloud'
GROUP BY cloud_id, page_id, item_type, item_id, status;
INSERT INTO subscriber_cloud_totals (cloud_id, n)
SELECT :'cloud', count(*) FROM subscribers WHERE cloud_id = :'cloud'
ON CONFLICT (cloud_id) DO UPDATE SET n = EXCLUDED.n;
COMMIT;
