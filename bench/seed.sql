-- bench/seed.sql: 10,000 status pages for the benchmark cloud, in one
-- INSERT ... SELECT. The pages_render_doc trigger renders each `doc`; the
-- attrs are what a configured page carries (texts, SEO, links, colours, a
-- custom domain on every fourth page) so a document is 2.3-2.7 KB, like the
-- page a client reads.
--
--   psql -v cloud=<cloud id> [-v from=1 -v to=10000] -f bench/seed.sql
--
-- Page g of the range gets subdomain bench-<g>; pages of an earlier seed with
-- the same numbers are replaced. Rendering costs about 1 ms of CPU per page
-- (jsonb_merge_deep), so bench/run.sh seeds two disjoint ranges in parallel.
-- Run as the statusd database role (the owner of the tables).
\set ON_ERROR_STOP 1
\if :{?from}
\else
\set from 1
\endif
\if :{?to}
\else
\set to 10000
\endif

BEGIN;

DELETE FROM pages WHERE subdomain IN
	(SELECT 'bench-' || g FROM generate_series(:from, :to) AS g);

INSERT INTO pages (cloud_id, id, name, subdomain, page_type, page_status,
	version, attrs, created_by, created_at, updated_at)
SELECT :'cloud', gen_random_uuid(),
	'Bench service ' || g || ' status',
	'bench-' || g,
	CASE WHEN g % 5 = 0 THEN 'PRIVATE' ELSE 'PUBLIC' END,
	CASE WHEN g % 7 = 0 THEN 'DRAFT' ELSE 'PUBLISHED' END,
	1 + g % 4,
	jsonb_strip_nulls(jsonb_build_object(
		'domain', CASE WHEN g % 4 = 0
			THEN 'status' || g || '.example.com' END,
		'description', 'Current status, scheduled maintenance and '
			|| 'incident history for bench service ' || g
			|| ' and its public APIs.',
		'timezone', (ARRAY['UTC', 'Europe/Berlin', 'America/New_York',
			'Asia/Tokyo'])[1 + g % 4],
		'privacyPolicyUrl', 'https://www.example.com/legal/privacy',
		'helpCenterUrl', 'https://support.example.com/hc/service-' || g,
		'pageTheme', 'CLASSIC',
		'seoConfig', jsonb_build_object('enabled', true,
			'title', 'Bench service ' || g || ' status',
			'description', 'Live status of bench service ' || g,
			'keywords', 'status, uptime, incidents, service ' || g),
		'googleAnalyticsEnabled', g % 2 = 0,
		'googleAnalyticsTrackingId', CASE WHEN g % 2 = 0
			THEN 'G-' || upper(substr(md5(g::text), 1, 10)) END,
		'headerData', jsonb_build_object(
			'headerText', 'Bench service ' || g),
		'footerData', jsonb_build_object(
			'footerText', 'Subscribe to get notified of incidents.',
			'copyrightText', '(c) 2026 Example Corp.',
			'links', jsonb_build_array(
				jsonb_build_object('label', 'Terms',
					'url', 'https://www.example.com/legal/terms'))),
		'colours', jsonb_build_object('cssLinkColor', '#0747a6')
	)),
	'bench@example.com',
	now() - make_interval(days => g % 365),
	now() - make_interval(hours => g % 48)
FROM generate_series(:from, :to) AS g;

COMMIT;
