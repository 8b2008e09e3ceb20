-- Page summaries. One function per summary item, so the parts that come
-- later (components, subscribers) change these functions only.

-- plpgsql, not sql: it renders every page write's summary item, and a
-- SQL function with a FROM clause is planned again by every statement
-- that calls it; a page without components is one index probe whatever
-- the statistics (as page_live_component_ids, db/sql/20_page_render.sql).
CREATE OR REPLACE FUNCTION page_component_count(p pages) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM FROM components c WHERE c.cloud_id = p.cloud_id
	AND c.page_id = p.id ORDER BY c.position, c.id LIMIT 1;
	IF NOT FOUND THEN
		RETURN 0;
	END IF;
	RETURN (SELECT count(*)::integer FROM components c
	WHERE c.cloud_id = p.cloud_id AND c.page_id = p.id
	AND c.type = 'COMPONENT');
END
$$;

-- Page summaries count the page's subscribers that have not left. One
-- row, returned as a set so that a list joins it LATERAL and PostgreSQL
-- inlines it (an index probe in the list's plan): a scalar function
-- cannot be inlined and was called, planned and run once per page (issue
-- 13: GET /pages/summary over 1,000 pages spent 4-5 ms in those calls).
CREATE OR REPLACE FUNCTION page_stakeholders(p_cloud text, p_page uuid)
RETURNS SETOF integer LANGUAGE sql STABLE AS $$
	SELECT coalesce(sum(c.n), 0)::integer FROM subscriber_counts c
	WHERE c.cloud_id = p_cloud AND c.page_id = p_page
		AND c.status <> 'UNSUBSCRIBED'
$$;

CREATE OR REPLACE FUNCTION page_subscriber_count_of(p_cloud text, p_page uuid)
RETURNS integer LANGUAGE sql STABLE AS $$
	SELECT n FROM page_stakeholders(p_cloud, p_page) AS s(n)
$$;

CREATE OR REPLACE FUNCTION page_subscriber_count(p pages) RETURNS integer
LANGUAGE sql STABLE AS $$
	SELECT page_subscriber_count_of(p.cloud_id, p.id)
$$;

CREATE OR REPLACE FUNCTION page_health(p pages) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE coalesce(max(component_severity(c.status)), 0)
		WHEN 4 THEN 'MAJOR_OUTAGE' WHEN 3 THEN 'PARTIAL_OUTAGE'
		WHEN 2 THEN 'DEGRADED' WHEN 1 THEN 'UNDER_MAINTENANCE'
		ELSE 'HEALTHY' END
	FROM components c WHERE c.cloud_id = p.cloud_id AND c.page_id = p.id
$$;

CREATE OR REPLACE FUNCTION page_is_draft(status text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT status IN ('DRAFT', 'PUBLISHED_WITH_CHANGES',
		'UNPUBLISHED_WITH_CHANGES')
$$;

-- ALL, DRAFT (never published, or with unpublished changes), PUBLISHED
-- (live, with or without a pending draft).
CREATE OR REPLACE FUNCTION page_matches_filter(status text, filter text)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE filter
		WHEN 'ALL' THEN true
		WHEN 'DRAFT' THEN page_is_draft(status)
		WHEN 'PUBLISHED' THEN status IN ('PUBLISHED',
			'PUBLISHED_WITH_CHANGES')
	END
$$;

-- A page's summary item, stored in pages.summary by the pages_render_doc
-- trigger (migration 018) so that summaries concatenate stored text: all
-- but stakeholderCount, which subscribers change without writing the page
-- and db/page_summary.c adds at read time (page_stakeholders()).
-- componentCount counts the live components, and whatever changes them
-- writes the page row (publishing), so it is current.
CREATE OR REPLACE FUNCTION page_summary_render(p pages)
RETURNS text LANGUAGE sql STABLE AS $$
	SELECT jsonb_strip_nulls(jsonb_build_object(
		'id', p.id, 'name', p.name,
		'domain', p.subdomain || '.' || page_public_domain(),
		'customDomain', p.attrs ->> 'domain',
		'componentCount', page_component_count(p),
		'isDraft', page_is_draft(p.page_status),
		'status', p.page_status, 'pageType', p.page_type,
		'customDomainConfig', page_custom_domain_config(
			p.attrs ->> 'domain', p.subdomain)))::text
$$;
