-- Seed for bench/fanout.sh: :n SUBSCRIBED subscribers of page :page
-- (cloud :cloud) of type :stype: WEBHOOK, each its own URL under :url on
-- the local receiver; EMAIL, each its own address. Through the real table
-- and its indexes; the counting trigger is off for the bulk INSERT (row by
-- row it takes minutes on a loaded machine) and the page's counters are
-- set from count(*) in the same transaction.
\set ON_ERROR_STOP 1
BEGIN;
ALTER TABLE subscribers DISABLE TRIGGER subscribers_count;
INSERT INTO subscribers (cloud_id, id, page_id, item_type, item_id,
	subscription_type, contact, status, webhook_secret, confirmed_at)
SELECT :'cloud', gen_random_uuid(), :'page', 'PAGE_SUBSCRIBER', :'page',
	:'stype', CASE :'stype' WHEN 'WEBHOOK' THEN :'url' || g
		ELSE 'bench' || g || '@example.com' END, 'SUBSCRIBED',
	CASE :'stype' WHEN 'WEBHOOK'
		THEN 'whsec_YmVuY2hiZW5jaGJlbmNoYmVuY2hiZW5jaGJlbmNo' END,
	CASE :'stype' WHEN 'EMAIL' THEN now() END
FROM generate_series(1, :n) AS g;
ALTER TABLE subscribers ENABLE TRIGGER subscribers_count;
INSERT INTO subscriber_counts (cloud_id, page_id, item_type, item_id, status, n)
VALUES (:'cloud', :'page', 'PAGE_SUBSCRIBER', :'page', 'SUBSCRIBED', :n);
UPDATE subscriber_cloud_totals SET n = n + :n WHERE cloud_id = :'cloud';
COMMIT;
