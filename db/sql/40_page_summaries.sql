-- Page summaries. One function per summary item, so the parts that come
-- later (components, subscribers) change these functions only.

CREATE OR REPLACE FUNCTION page_component_count(p pages) RETURNS integer
LANGUAGE sql STABLE AS $$
	SELECT count(*)::integer FROM components c
	WHERE c.cloud_id = p.cloud_id AND c.page_id = p.id
	AND c.type = 'COMPONENT'
$$;

-- Page summaries count the page's subscribers that have not left.
CREATE OR REPLACE FUNCTION page_subscriber_count(p pages) RETURNS integer
LANGUAGE sql STABLE AS $$
	SELECT coalesce(sum(c.n), 0)::integer FROM subscriber_counts c
	WHERE c.cloud_id = p.cloud_id AND c.page_id = p.id
		AND c.status <> 'UNSUBSCRIBED'
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

CREATE OR REPLACE FUNCTION page_summary_item(p pages, component_count integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_strip_nulls(jsonb_build_object(
		'id', p.id, 'name', p.name,
		'domain', p.subdomain || '.' || page_public_domain(),
		'customDomain', p.attrs ->> 'domain',
		'componentCount', component_count,
		'stakeholderCount', page_subscriber_count(p),
		'isDraft', page_is_draft(p.page_status),
		'status', p.page_status, 'pageType', p.page_type,
		'customDomainConfig', page_custom_domain_config(
			p.attrs ->> 'domain', p.subdomain)))
$$;
