-- statusd schema, version 1: API tokens and status pages.
-- Every tenant table leads its keys with cloud_id (DESIGN.md section 5).

-- RFC 3339 in UTC, second precision, as the API writes every time.
CREATE FUNCTION rfc3339(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- Deep merge used by partial updates: objects merge key by key, anything
-- else (arrays, scalars) in b replaces a. A null in b removes the key.
CREATE FUNCTION jsonb_merge_deep(a jsonb, b jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE
	WHEN jsonb_typeof(a) = 'object' AND jsonb_typeof(b) = 'object' THEN
		coalesce((SELECT jsonb_object_agg(k,
				CASE WHEN a ? k AND b ? k
				     THEN jsonb_merge_deep(a -> k, b -> k)
				     WHEN b ? k THEN b -> k
				     ELSE a -> k END)
			  FROM (SELECT jsonb_object_keys(a)
				UNION SELECT jsonb_object_keys(b)) AS keys(k)
			  WHERE NOT (b ? k AND jsonb_typeof(b -> k) = 'null')),
			 '{}'::jsonb)
	ELSE b END
$$;

-- API tokens. Looked up by digest before the tenant is known (the token
-- names its cloud), so the digest index is the one global index here.
CREATE TABLE api_tokens (
	cloud_id text NOT NULL,
	id uuid NOT NULL,
	digest bytea NOT NULL CHECK (length(digest) = 32),
	email text NOT NULL,
	scopes text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	expires_at timestamptz,
	revoked_at timestamptz,
	PRIMARY KEY (cloud_id, id)
);
CREATE UNIQUE INDEX api_tokens_digest_key ON api_tokens (digest);

-- Everything a page shows when a field was never set.
CREATE FUNCTION page_attr_defaults() RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT '{
		"domain": null, "description": null, "timezone": "UTC",
		"privacyPolicyUrl": null, "helpCenterUrl": null,
		"pageTheme": "BLANK", "pageThemeMode": "LIGHT",
		"seoConfig": {"enabled": false, "title": null,
			"description": null, "keywords": null},
		"googleAnalyticsEnabled": false, "statusEmbedEnabled": false,
		"allowPageSubscribers": true, "hiddenFromSearch": false,
		"googleAnalyticsTrackingId": null, "allowRssAtomFields": true,
		"bodyConfig": {"uptimeStyle": "DETAIL_CARD",
			"overallUptimeDisplay": true, "overallUptimeRange": 90,
			"enableSearchAndFilter": false, "componentStyle": "CARD",
			"numberOfCardsPerRow": 3, "componentUptimeDisplay": true,
			"componentUptimeRange": 90},
		"footerData": {"footerLogoId": null, "footerText": null,
			"copyrightText": null, "links": []},
		"headerData": {"coverImageId": null, "headerLogoId": null,
			"faviconIconId": null, "headerText": null,
			"coverImageImmersive": false, "links": []},
		"colours": {"cssBodyBackgroundColor": "#ffffff",
			"cssFontColor": "#172b4d", "cssLightFontColor": "#6b778c",
			"cssGreenColor": "#36b37e", "cssYellowColor": "#ffab00",
			"cssOrangeColor": "#ff8b00", "cssRedColor": "#de350b",
			"cssBorderColor": "#dfe1e6", "cssGraphColor": "#0065ff",
			"cssLinkColor": "#0052cc", "cssBlueColor": "#0065ff",
			"cssNoDataColor": "#b3bac5"},
		"customCss": null, "customHeaderHtml": null,
		"customFooterHtml": null
	}'::jsonb
$$;

CREATE TABLE pages (
	cloud_id text NOT NULL,
	id uuid NOT NULL,
	name text NOT NULL,
	subdomain text NOT NULL,
	page_type text NOT NULL CHECK (page_type IN ('PUBLIC', 'PRIVATE')),
	page_status text NOT NULL CHECK (page_status IN ('DRAFT', 'PUBLISHED',
		'UNPUBLISHED', 'PUBLISHED_WITH_CHANGES',
		'UNPUBLISHED_WITH_CHANGES', 'SOFT_DELETED')),
	version integer NOT NULL DEFAULT 1,
	attrs jsonb NOT NULL DEFAULT '{}', -- every other writable field
	created_by text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	unpublished_at timestamptz,
	deleted_at timestamptz,
	deleted_by text,
	-- The response document, rendered on every write so a read is one
	-- index lookup and no JSON work (DESIGN.md section 9).
	doc text NOT NULL,
	PRIMARY KEY (cloud_id, id)
);
CREATE UNIQUE INDEX pages_name_key ON pages (cloud_id, lower(name));
-- Subdomains are DNS names, unique across every cloud by nature.
CREATE UNIQUE INDEX pages_subdomain_key ON pages (subdomain);

-- The public address: the custom domain when set, else a subdomain of
-- the deployment's domain (statusd sets statusd.public_domain per session).
CREATE FUNCTION page_public_domain() RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT coalesce(nullif(current_setting('statusd.public_domain', true),
		''), 'status.localhost')
$$;

CREATE FUNCTION page_custom_domain_config(p pages) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN p.attrs ->> 'domain' IS NULL THEN
		jsonb_build_object('domain', NULL, 'sslStatus', 'NOT_CONFIGURED',
			'recordTypes', '[]'::jsonb, 'certificateExpiresAt', NULL)
	ELSE
		jsonb_build_object('domain', p.attrs ->> 'domain',
			'sslStatus', 'PENDING',
			'recordTypes', jsonb_build_array(jsonb_build_object(
				'name', 'CNAME',
				'description', 'Point the custom domain at the status page',
				'records', jsonb_build_array(jsonb_build_object(
					'id', 'cname', 'purpose', 'ROUTING',
					'type', 'CNAME', 'name', p.attrs ->> 'domain',
					'value', p.subdomain || '.' || page_public_domain(),
					'currentValue', NULL, 'status', 'PENDING',
					'message', NULL)))),
			'certificateExpiresAt', NULL)
	END
$$;

CREATE FUNCTION page_render(p pages) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('page',
		jsonb_merge_deep(page_attr_defaults(), p.attrs) ||
		jsonb_build_object(
			'id', p.id, 'name', p.name, 'subdomain', p.subdomain,
			'version', p.version,
			'url', 'https://' || coalesce(p.attrs ->> 'domain',
				p.subdomain || '.' || page_public_domain()),
			'cloudId', p.cloud_id,
			'pageType', p.page_type, 'pageStatus', p.page_status,
			'createdBy', p.created_by,
			'createdAt', rfc3339(p.created_at),
			'updatedAt', rfc3339(p.updated_at),
			'deletedAt', rfc3339(p.deleted_at),
			'unpublishedAt', rfc3339(p.unpublished_at),
			'components', '[]'::jsonb,
			'activityScore', 0, 'blackHole', false,
			'externalAccounts', '[]'::jsonb,
			'customDomainConfig', page_custom_domain_config(p)))::text
$$;

CREATE FUNCTION pages_render_doc() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.doc := page_render(NEW);
	RETURN NEW;
END
$$;

CREATE TRIGGER pages_render_doc BEFORE INSERT OR UPDATE ON pages
	FOR EACH ROW EXECUTE FUNCTION pages_render_doc();
