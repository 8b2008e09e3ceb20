-- The page document: rendered into pages.doc on every write by the
-- pages_render_doc trigger, so the hot read is one select of stored text.
-- Documents leave unset optional fields out instead of sending null (the
-- official schemas type them as strings): jsonb_strip_nulls and
-- json_strip_nulls here and in the other renderers drop null members at
-- every depth (array items are kept).
--
-- Functions whose body is more than one expression (a FROM clause: a
-- table read, or a loop over keys) are plpgsql here. PostgreSQL inlines a
-- SQL function only when its body is one expression; any other SQL
-- function is parsed and planned again by every statement that calls it
-- (in the rendering trigger: every transaction), which was two thirds of
-- a page write (issue 13: 20 page inserts, each its own transaction, 32-46
-- ms against 11-14 ms with these in plpgsql, which keeps its plans for the
-- session).

-- Everything a page shows when a field was never set.
CREATE OR REPLACE FUNCTION page_attr_defaults() RETURNS jsonb
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

-- A page's attributes over the defaults. Equal to
-- jsonb_merge_deep(page_attr_defaults(), attrs) for stored attrs (no
-- nulls: they are stripped on write) because the defaults nest objects
-- one level deep only, and about ten times cheaper: the recursive merge
-- was most of a page write's rendering time (issue 13).
CREATE OR REPLACE FUNCTION page_attrs_with_defaults(attrs jsonb)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
	RETURN (SELECT d || attrs || coalesce((SELECT jsonb_object_agg(k,
			(d -> k) || (attrs -> k))
		FROM jsonb_object_keys(attrs) AS k
		WHERE jsonb_typeof(d -> k) = 'object'
		AND jsonb_typeof(attrs -> k) = 'object'), '{}')
	FROM (SELECT page_attr_defaults() AS d) AS defaults);
END
$$;

-- A partial update of a page's attributes: b's members over a's, objects
-- merged one level down (the page body's objects hold scalars and arrays
-- only: handlers/pages.c), a null removing the member. For page bodies
-- this equals jsonb_strip_nulls(jsonb_merge_deep(a, b)) (tested), at a
-- fraction of the recursive merge's cost (issue 13: it was most of a
-- PUT /pages).
CREATE OR REPLACE FUNCTION page_attrs_merge(a jsonb, b jsonb)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
	RETURN jsonb_strip_nulls(a || b || coalesce((SELECT jsonb_object_agg(k,
			(a -> k) || (b -> k))
		FROM jsonb_object_keys(b) AS k
		WHERE jsonb_typeof(a -> k) = 'object'
		AND jsonb_typeof(b -> k) = 'object'), '{}'));
END
$$;

-- The public address: the custom domain when set, else a subdomain of
-- the deployment's domain (statusd sets statusd.public_domain per session).
CREATE OR REPLACE FUNCTION page_public_domain() RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT coalesce(nullif(current_setting('statusd.public_domain', true),
		''), 'status.localhost')
$$;

CREATE OR REPLACE FUNCTION page_custom_domain_config(domain text,
	subdomain text) RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_strip_nulls(CASE WHEN domain IS NULL THEN
		jsonb_build_object('sslStatus', 'NOT_CONFIGURED',
			'recordTypes', '[]'::jsonb)
	ELSE
		jsonb_build_object('domain', domain, 'sslStatus', 'PENDING',
			'recordTypes', jsonb_build_array(jsonb_build_object(
				'name', 'CNAME',
				'description', 'Point the custom domain at the status page',
				'records', jsonb_build_array(jsonb_build_object(
					'id', 'cname', 'purpose', 'ROUTING',
					'type', 'CNAME', 'name', domain,
					'value', subdomain || '.' || page_public_domain(),
					'status', 'PENDING')))))
	END)
$$;

-- The page document lists its components' ids: the live tree for the live
-- version, the draft tree for the draft version. Most pages written have
-- none, which one probe in the page's index order tells: no scan of the
-- table gives that order without a sort, so it is the index whatever the
-- statistics say. The aggregate alone was not: analysed, with a cloud's
-- components all on one page, its generic plan read every one of them for
-- each write of every other page (0.2 ms, and twice a page write).
CREATE OR REPLACE FUNCTION page_live_component_ids(p pages) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM FROM components c WHERE c.cloud_id = p.cloud_id
	AND c.page_id = p.id ORDER BY c.position, c.id LIMIT 1;
	IF NOT FOUND THEN
		RETURN '[]';
	END IF;
	RETURN (SELECT jsonb_agg(c.id ORDER BY c.parent_id NULLS FIRST,
		c.position, c.id)
	FROM components c WHERE c.cloud_id = p.cloud_id AND c.page_id = p.id);
END
$$;

CREATE OR REPLACE FUNCTION page_draft_component_ids(p pages) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM FROM component_drafts c WHERE c.cloud_id = p.cloud_id
	AND c.page_id = p.id ORDER BY c.parent_id, c.position, c.id LIMIT 1;
	IF NOT FOUND THEN
		RETURN '[]';
	END IF;
	RETURN (SELECT jsonb_agg(c.id ORDER BY c.parent_id NULLS FIRST,
		c.position, c.id)
	FROM component_drafts c WHERE c.cloud_id = p.cloud_id
	AND c.page_id = p.id);
END
$$;

-- Rendering with the versioned fields given separately, so the draft
-- version renders with the page's identity and status.
CREATE OR REPLACE FUNCTION page_render_version(p pages, v_name text,
	v_subdomain text, v_page_type text, v_attrs jsonb, v_components jsonb)
RETURNS text LANGUAGE sql STABLE AS $$
	SELECT jsonb_strip_nulls(jsonb_build_object('page',
		page_attrs_with_defaults(v_attrs) ||
		jsonb_build_object(
			'id', p.id, 'name', v_name, 'subdomain', v_subdomain,
			'version', p.version,
			'url', 'https://' || coalesce(v_attrs ->> 'domain',
				v_subdomain || '.' || page_public_domain()),
			'cloudId', p.cloud_id,
			'pageType', v_page_type, 'pageStatus', p.page_status,
			'createdBy', p.created_by,
			'createdAt', rfc3339(p.created_at),
			'updatedAt', rfc3339(p.updated_at),
			'deletedAt', rfc3339(p.deleted_at),
			'unpublishedAt', rfc3339(p.unpublished_at),
			'components', v_components,
			'activityScore', 0, 'blackHole', false,
			'externalAccounts', '[]'::jsonb,
			'customDomainConfig', page_custom_domain_config(
				v_attrs ->> 'domain', v_subdomain))))::text
$$;

-- A never-published page's only version is its draft.
CREATE OR REPLACE FUNCTION page_render(p pages) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT page_render_version(p, p.name, p.subdomain, p.page_type, p.attrs,
		CASE WHEN p.page_status = 'DRAFT'
		THEN page_draft_component_ids(p)
		ELSE page_live_component_ids(p) END)
$$;

-- Whether the page has changes not yet published (kept through a soft
-- delete, so the draft view of a deleted page still shows them).
CREATE OR REPLACE FUNCTION page_has_pending_draft(p pages) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(p.status_before_delete, p.page_status) IN
		('PUBLISHED_WITH_CHANGES', 'UNPUBLISHED_WITH_CHANGES')
$$;

-- The draft version: d (the draft's page fields) may be a NULL row when
-- only the components changed.
CREATE OR REPLACE FUNCTION page_render_draft(p pages, d page_drafts)
RETURNS text LANGUAGE sql STABLE AS $$
	SELECT page_render_version(p, coalesce(d.name, p.name),
		coalesce(d.subdomain, p.subdomain),
		coalesce(d.page_type, p.page_type), coalesce(d.attrs, p.attrs),
		page_draft_component_ids(p))
$$;

-- Every write of a page renders its document and its summary item
-- (db/sql/40_page_summaries.sql): whatever else they show (its
-- components) must write the page row too, so that this runs.
CREATE OR REPLACE FUNCTION pages_render_doc() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.doc := page_render(NEW);
	NEW.summary := page_summary_render(NEW);
	RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER pages_render_doc BEFORE INSERT OR UPDATE ON pages
	FOR EACH ROW EXECUTE FUNCTION pages_render_doc();
