-- Seed for bench/fanout.sh: :n SUBSCRIBED webhook subscribers of page
-- :page (cloud :cloud), each its own URL under :url on the local receiver,
-- through the real table, its indexes and its counting trigger (a few
-- seconds at 100,000).
\set ON_ERROR_STOP 1
INSERT INTO subscribers (cloud_id, id, page_id, item_type, item_id,
	subscription_type, contact, status, webhook_secret)
SELECT :'cloud', gen_random_uuid(), :'page', 'PAGE_SUBSCRIBER', :'page',
	'WEBHOOK', :'url' || g, 'SUBSCRIBED',
	'whsec_YmVuY2hiZW5jaGJlbmNoYmVuY2hiZW5jaGJlbmNo'
FROM generate_series(1, :n) AS g;
