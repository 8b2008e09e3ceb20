-- Components: the editable (draft) tree of a page, the published (live)
-- tree, and the live status history uptime is computed from.
-- Its functions and triggers live in db/sql, like every other (db/README.md).

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

-- Overloads replaced by ones with more arguments.
DROP FUNCTION IF EXISTS page_render_version(pages, text, text, text, jsonb);
DROP FUNCTION IF EXISTS page_summary_item(pages);
