-- Page summaries. One function per summary item, so the parts that come
-- later (components, subscribers) change these functions only.

CREATE FUNCTION page_component_count(p pages) RETURNS integer
LANGUAGE sql STABLE AS $$ SELECT 0 $$;

CREATE FUNCTION page_subscriber_count(p pages) RETURNS integer
LANGUAGE sql STABLE AS $$ SELECT 0 $$;

CREATE FUNCTION page_health(p pages) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT 'HEALTHY'::text $$;

CREATE FUNCTION page_is_draft(status text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT status IN ('DRAFT', 'PUBLISHED_WITH_CHANGES',
		'UNPUBLISHED_WITH_CHANGES')
$$;

-- ALL, DRAFT (never published, or with unpublished changes), PUBLISHED
-- (live, with or without a pending draft).
CREATE FUNCTION page_matches_filter(status text, filter text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE filter
		WHEN 'ALL' THEN true
		WHEN 'DRAFT' THEN page_is_draft(status)
		WHEN 'PUBLISHED' THEN status IN ('PUBLISHED',
			'PUBLISHED_WITH_CHANGES')
	END
$$;

CREATE FUNCTION page_summary_item(p pages) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
		'id', p.id, 'name', p.name,
		'domain', p.subdomain || '.' || page_public_domain(),
		'customDomain', p.attrs ->> 'domain',
		'componentCount', page_component_count(p),
		'stakeholderCount', page_subscriber_count(p),
		'isDraft', page_is_draft(p.page_status),
		'status', p.page_status, 'pageType', p.page_type,
		'customDomainConfig', page_custom_domain_config(
			p.attrs ->> 'domain', p.subdomain))
$$;
