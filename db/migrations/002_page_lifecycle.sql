-- Page lifecycle: draft versions, soft deletion, the archive of permanently
-- deleted pages (kept for a retention window, then purged).

-- Before a soft delete, so recover can restore it.
ALTER TABLE pages ADD COLUMN status_before_delete text;
-- Set by a permanent delete: the page is gone from every endpoint and its
-- name and subdomain are free, but the row (and everything hanging off it)
-- stays until the purge job, so recover_deleted can bring it back whole.
ALTER TABLE pages ADD COLUMN archived_at timestamptz;
ALTER TABLE pages ADD COLUMN archived_by text;

DROP INDEX pages_name_key;
DROP INDEX pages_subdomain_key;
CREATE UNIQUE INDEX pages_name_key ON pages (cloud_id, lower(name))
	WHERE archived_at IS NULL;
CREATE UNIQUE INDEX pages_subdomain_key ON pages (subdomain)
	WHERE archived_at IS NULL;
CREATE INDEX pages_archived ON pages (cloud_id, archived_at)
	WHERE archived_at IS NOT NULL;

-- The draft version of a page that also has a live one. A page that was
-- never published keeps its only (draft) version in pages itself.
CREATE TABLE page_drafts (
	cloud_id text NOT NULL,
	page_id uuid NOT NULL,
	name text NOT NULL,
	subdomain text NOT NULL,
	page_type text NOT NULL CHECK (page_type IN ('PUBLIC', 'PRIVATE')),
	attrs jsonb NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (cloud_id, page_id),
	FOREIGN KEY (cloud_id, page_id) REFERENCES pages (cloud_id, id)
		ON DELETE CASCADE
);

DROP FUNCTION page_render(pages);
DROP FUNCTION page_custom_domain_config(pages);

CREATE FUNCTION page_custom_domain_config(domain text, subdomain text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN domain IS NULL THEN
		jsonb_build_object('domain', NULL, 'sslStatus', 'NOT_CONFIGURED',
			'recordTypes', '[]'::jsonb, 'certificateExpiresAt', NULL)
	ELSE
		jsonb_build_object('domain', domain, 'sslStatus', 'PENDING',
			'recordTypes', jsonb_build_array(jsonb_build_object(
				'name', 'CNAME',
				'description', 'Point the custom domain at the status page',
				'records', jsonb_build_array(jsonb_build_object(
					'id', 'cname', 'purpose', 'ROUTING',
					'type', 'CNAME', 'name', domain,
					'value', subdomain || '.' || page_public_domain(),
					'currentValue', NULL, 'status', 'PENDING',
					'message', NULL)))),
			'certificateExpiresAt', NULL)
	END
$$;

-- Rendering with the versioned fields given separately, so the draft
-- version renders with the page's identity and status.
CREATE FUNCTION page_render_version(p pages, v_name text, v_subdomain text,
	v_page_type text, v_attrs jsonb) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('page',
		jsonb_merge_deep(page_attr_defaults(), v_attrs) ||
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
			'components', '[]'::jsonb,
			'activityScore', 0, 'blackHole', false,
			'externalAccounts', '[]'::jsonb,
			'customDomainConfig', page_custom_domain_config(
				v_attrs ->> 'domain', v_subdomain)))::text
$$;

CREATE FUNCTION page_render(p pages) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT page_render_version(p, p.name, p.subdomain, p.page_type, p.attrs)
$$;
