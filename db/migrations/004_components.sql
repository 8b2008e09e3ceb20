-- Components: the editable (draft) tree of a page, the published (live)
-- tree, and the live status history uptime is computed from.

-- The tree batch_process edits. It always holds the page's whole tree;
-- publishing copies it to components.
CREATE TABLE component_drafts (
	cloud_id text NOT NULL,
	id uuid NOT NULL,
	page_id uuid NOT NULL,
	parent_id uuid,
	type text NOT NULL CHECK (type IN ('COMPONENT', 'GROUP_COMPONENT')),
	name text NOT NULL,
	description text,
	service_id text,
	position integer NOT NULL DEFAULT 0,
	status text NOT NULL DEFAULT 'OPERATIONAL' CHECK (status IN
		('OPERATIONAL', 'DEGRADED_PERFORMANCE', 'PARTIAL_OUTAGE',
		 'MAJOR_OUTAGE', 'UNDER_MAINTENANCE')),
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (cloud_id, id),
	FOREIGN KEY (cloud_id, page_id) REFERENCES pages (cloud_id, id)
		ON DELETE CASCADE
);
CREATE INDEX component_drafts_page ON component_drafts
	(cloud_id, page_id, parent_id, position, id);

-- The published tree: what uptime, incidents and the public page use.
CREATE TABLE components (
	cloud_id text NOT NULL,
	id uuid NOT NULL,
	page_id uuid NOT NULL,
	parent_id uuid,
	type text NOT NULL,
	name text NOT NULL,
	description text,
	service_id text,
	position integer NOT NULL,
	status text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(), -- first published
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (cloud_id, id),
	FOREIGN KEY (cloud_id, page_id) REFERENCES pages (cloud_id, id)
		ON DELETE CASCADE
);
CREATE INDEX components_page ON components (cloud_id, page_id, position, id);

-- One row per period a live component spent in one status; the open one
-- has ended_at NULL. Uptime is computed from these, never stored.
CREATE TABLE component_status_history (
	cloud_id text NOT NULL,
	component_id uuid NOT NULL,
	status text NOT NULL,
	started_at timestamptz NOT NULL,
	ended_at timestamptz,
	PRIMARY KEY (cloud_id, component_id, started_at),
	FOREIGN KEY (cloud_id, component_id) REFERENCES components (cloud_id, id)
		ON DELETE CASCADE,
	CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE UNIQUE INDEX component_status_history_open ON component_status_history
	(cloud_id, component_id) WHERE ended_at IS NULL;

-- Changes the live status of one component: closes the open interval and
-- opens a new one (nothing when the status is unchanged). The draft copy
-- follows, so a later publish does not undo it. Returns the old status, or
-- NULL when the component is not live.
CREATE FUNCTION component_set_live_status(p_cloud text, p_id uuid,
	p_status text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	old text;
	-- The clock, not now(): a transaction that started earlier but got
	-- the row lock later must not end an interval before it began.
	at timestamptz := clock_timestamp();
BEGIN
	SELECT status INTO old FROM components
		WHERE cloud_id = p_cloud AND id = p_id FOR UPDATE;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	IF old <> p_status THEN
		UPDATE components SET status = p_status, updated_at = at
			WHERE cloud_id = p_cloud AND id = p_id;
		UPDATE component_status_history SET ended_at = at
			WHERE cloud_id = p_cloud AND component_id = p_id
			AND ended_at IS NULL;
		INSERT INTO component_status_history
			(cloud_id, component_id, status, started_at)
			VALUES (p_cloud, p_id, p_status, at);
	END IF;
	UPDATE component_drafts SET status = p_status
		WHERE cloud_id = p_cloud AND id = p_id;
	RETURN old;
END
$$;

-- Publishing: the draft tree becomes the live tree, in the caller's
-- transaction. New components start their history; status changes close
-- and open intervals; components gone from the draft leave (with history).
CREATE FUNCTION components_publish(p_cloud text, p_page uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	draft record;
BEGIN
	DELETE FROM components c WHERE c.cloud_id = p_cloud
		AND c.page_id = p_page AND NOT EXISTS (SELECT 1
			FROM component_drafts d WHERE d.cloud_id = p_cloud
			AND d.id = c.id);
	FOR draft IN SELECT * FROM component_drafts
		WHERE cloud_id = p_cloud AND page_id = p_page
	LOOP
		INSERT INTO components (cloud_id, id, page_id, parent_id, type,
			name, description, service_id, position, status)
		VALUES (draft.cloud_id, draft.id, draft.page_id, draft.parent_id, draft.type,
			draft.name, draft.description, draft.service_id, draft.position,
			draft.status)
		ON CONFLICT (cloud_id, id) DO UPDATE SET
			parent_id = EXCLUDED.parent_id, type = EXCLUDED.type,
			name = EXCLUDED.name,
			description = EXCLUDED.description,
			service_id = EXCLUDED.service_id,
			position = EXCLUDED.position, updated_at = now();
		IF NOT EXISTS (SELECT 1 FROM component_status_history
			WHERE cloud_id = p_cloud AND component_id = draft.id) THEN
			INSERT INTO component_status_history
				(cloud_id, component_id, status, started_at)
				VALUES (p_cloud, draft.id, draft.status, now());
			UPDATE components SET status = draft.status
				WHERE cloud_id = p_cloud AND id = draft.id;
		ELSE
			PERFORM component_set_live_status(p_cloud, draft.id,
				draft.status);
		END IF;
	END LOOP;
END
$$;

-- Discarding a page's draft version: the editable tree goes back to the
-- live one.
CREATE FUNCTION components_discard_draft(p_cloud text, p_page uuid)
RETURNS void LANGUAGE sql AS $$
	DELETE FROM component_drafts WHERE cloud_id = p_cloud
		AND page_id = p_page;
	INSERT INTO component_drafts (cloud_id, id, page_id, parent_id, type,
		name, description, service_id, position, status, created_at)
	SELECT cloud_id, id, page_id, parent_id, type, name, description,
		service_id, position, status, created_at
	FROM components WHERE cloud_id = p_cloud AND page_id = p_page;
$$;

-- A component as the API shows it (StakeholderCommsNestedComponent), with
-- its children nested. Works for both trees (same columns).
CREATE FUNCTION component_json(c component_drafts, children jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', c.id, 'name', c.name,
		'pageId', c.page_id, 'serviceId', c.service_id,
		'status', c.status, 'type', c.type,
		'description', c.description, 'position', c.position,
		'components', coalesce(children, '[]'::jsonb))
$$;

-- The draft tree of a page, top level ordered by position, children
-- nested in theirs.
CREATE FUNCTION component_draft_tree(p_cloud text, p_page uuid)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(component_json(g, (
		SELECT jsonb_agg(component_json(k, NULL)
			ORDER BY k.position, k.id)
		FROM component_drafts k WHERE k.cloud_id = p_cloud
		AND k.page_id = p_page AND k.parent_id = g.id)) ORDER BY g.position, g.id), '[]')
	FROM component_drafts g WHERE g.cloud_id = p_cloud
	AND g.page_id = p_page AND g.parent_id IS NULL
$$;

-- Severity, worst first (schemas.md): health is the worst live status.
CREATE FUNCTION component_severity(status text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE status WHEN 'MAJOR_OUTAGE' THEN 4
		WHEN 'PARTIAL_OUTAGE' THEN 3 WHEN 'DEGRADED_PERFORMANCE' THEN 2
		WHEN 'UNDER_MAINTENANCE' THEN 1 ELSE 0 END
$$;

CREATE OR REPLACE FUNCTION page_component_count(p pages) RETURNS integer
LANGUAGE sql STABLE AS $$
	SELECT count(*)::integer FROM components c
	WHERE c.cloud_id = p.cloud_id AND c.page_id = p.id
	AND c.type = 'COMPONENT'
$$;

CREATE OR REPLACE FUNCTION page_health(p pages) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE coalesce(max(component_severity(c.status)), 0)
		WHEN 4 THEN 'MAJOR_OUTAGE' WHEN 3 THEN 'PARTIAL_OUTAGE'
		WHEN 2 THEN 'DEGRADED' WHEN 1 THEN 'UNDER_MAINTENANCE'
		ELSE 'HEALTHY' END
	FROM components c WHERE c.cloud_id = p.cloud_id AND c.page_id = p.id
$$;

-- The page document lists its components' ids: the live tree for the live
-- version, the draft tree for the draft version.
CREATE FUNCTION page_live_component_ids(p pages) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(c.id ORDER BY c.parent_id NULLS FIRST,
		c.position, c.id), '[]'::jsonb)
	FROM components c WHERE c.cloud_id = p.cloud_id AND c.page_id = p.id
$$;

CREATE FUNCTION page_draft_component_ids(p pages) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(c.id ORDER BY c.parent_id NULLS FIRST,
		c.position, c.id), '[]'::jsonb)
	FROM component_drafts c WHERE c.cloud_id = p.cloud_id
	AND c.page_id = p.id
$$;

DROP FUNCTION page_render(pages);
DROP FUNCTION page_render_version(pages, text, text, text, jsonb);

CREATE FUNCTION page_render_version(p pages, v_name text, v_subdomain text,
	v_page_type text, v_attrs jsonb, v_components jsonb) RETURNS text
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
			'components', v_components,
			'activityScore', 0, 'blackHole', false,
			'externalAccounts', '[]'::jsonb,
			'customDomainConfig', page_custom_domain_config(
				v_attrs ->> 'domain', v_subdomain)))::text
$$;

-- A never-published page's only version is its draft.
CREATE FUNCTION page_render(p pages) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT page_render_version(p, p.name, p.subdomain, p.page_type, p.attrs,
		CASE WHEN p.page_status = 'DRAFT'
		THEN page_draft_component_ids(p)
		ELSE page_live_component_ids(p) END)
$$;

-- Whether the page has changes not yet published (kept through a soft
-- delete, so the draft view of a deleted page still shows them).
CREATE FUNCTION page_has_pending_draft(p pages) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(p.status_before_delete, p.page_status) IN
		('PUBLISHED_WITH_CHANGES', 'UNPUBLISHED_WITH_CHANGES')
$$;

-- The draft version: d (the draft's page fields) may be a NULL row when
-- only the components changed.
CREATE FUNCTION page_render_draft(p pages, d page_drafts) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT page_render_version(p, coalesce(d.name, p.name),
		coalesce(d.subdomain, p.subdomain),
		coalesce(d.page_type, p.page_type), coalesce(d.attrs, p.attrs),
		page_draft_component_ids(p))
$$;

-- Documents rendered before this version list no components: render again.
UPDATE pages SET doc = page_render(pages);

-- Uptime of every live component of a page over [p_from, p_to], clipped to
-- each component's life and to now (DESIGN.md section 7, Statuspage's
-- rule): MAJOR_OUTAGE counts fully, PARTIAL_OUTAGE 30 %, the rest not at
-- all. A group's uptime is the mean of its children's; an empty range or
-- a group without children is 100. Rounded to two decimals.
CREATE FUNCTION component_uptimes(p_cloud text, p_page uuid,
	p_from timestamptz, p_to timestamptz)
RETURNS TABLE (id uuid, parent_id uuid, type text, name text, status text,
	"position" integer, uptime numeric)
LANGUAGE sql STABLE AS $$
	WITH span AS (
		SELECT c.id, c.parent_id, c.type, c.name, c.status, c.position,
			greatest(p_from, c.created_at) AS lo,
			least(p_to, now()) AS hi
		FROM components c
		WHERE c.cloud_id = p_cloud AND c.page_id = p_page
	), lost AS (
		SELECT s.id, sum(CASE h.status WHEN 'MAJOR_OUTAGE' THEN 1.0
				ELSE 0.3 END *
			extract(epoch FROM least(coalesce(h.ended_at, s.hi), s.hi)
				- greatest(h.started_at, s.lo))) AS seconds
		FROM span s JOIN component_status_history h
			ON h.cloud_id = p_cloud AND h.component_id = s.id
			AND h.status IN ('MAJOR_OUTAGE', 'PARTIAL_OUTAGE')
			AND h.started_at < s.hi
			AND coalesce(h.ended_at, 'infinity') > s.lo
		WHERE s.hi > s.lo
		GROUP BY s.id
	), leaf AS (
		SELECT s.*, CASE WHEN s.hi <= s.lo THEN 100::numeric
			ELSE 100 * (1 - coalesce(l.seconds, 0) /
				extract(epoch FROM s.hi - s.lo)) END AS raw
		FROM span s LEFT JOIN lost l ON l.id = s.id
	), grp AS (
		SELECT k.parent_id, avg(k.raw) AS mean FROM leaf k
		WHERE k.parent_id IS NOT NULL GROUP BY k.parent_id
	)
	SELECT f.id, f.parent_id, f.type, f.name, f.status, f.position,
		round(CASE WHEN f.type = 'GROUP_COMPONENT'
			THEN coalesce(g.mean, 100) ELSE f.raw END, 2)
	FROM leaf f LEFT JOIN grp g ON g.parent_id = f.id
$$;

-- Summaries count components for every page of a cloud at once: a count
-- per page through page_component_count() costs a query per page.
CREATE FUNCTION page_component_counts(p_cloud text)
RETURNS TABLE (page_id uuid, n integer) LANGUAGE sql STABLE AS $$
	SELECT c.page_id, count(*)::integer FROM components c
	WHERE c.cloud_id = p_cloud AND c.type = 'COMPONENT'
	GROUP BY c.page_id
$$;

DROP FUNCTION page_summary_item(pages);
CREATE FUNCTION page_summary_item(p pages, component_count integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
		'id', p.id, 'name', p.name,
		'domain', p.subdomain || '.' || page_public_domain(),
		'customDomain', p.attrs ->> 'domain',
		'componentCount', component_count,
		'stakeholderCount', page_subscriber_count(p),
		'isDraft', page_is_draft(p.page_status),
		'status', p.page_status, 'pageType', p.page_type,
		'customDomainConfig', page_custom_domain_config(
			p.attrs ->> 'domain', p.subdomain))
$$;
