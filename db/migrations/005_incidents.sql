-- Incidents: the incident, its timeline of updates, the components it
-- affects, incident templates, and the notification outbox the future
-- notifier reads. Every key and index leads with cloud_id.
-- Its functions and triggers live in db/sql, like every other (db/README.md).

CREATE TABLE incidents (
	cloud_id text NOT NULL,
	id uuid NOT NULL,
	page_id uuid NOT NULL,
	-- Short code, unique per cloud: GET /incidents/get?incidentCode= and
	-- the shortlink (rendered from the page's current address).
	code text NOT NULL CHECK (code ~ '^[a-z0-9]{4,16}$'),
	name text NOT NULL,
	status text NOT NULL CHECK (status IN ('INVESTIGATING', 'IDENTIFIED',
		'MONITORING', 'RESOLVED')),
	impact text NOT NULL CHECK (impact IN ('NONE', 'MINOR', 'MAJOR',
		'CRITICAL')),
	external_id text, -- jiraIncidentId
	external_source text CHECK (external_source IN ('JSM', 'STATUSPAGE')),
	template_id uuid,
	-- The number of updates so far: the next update's position in the
	-- timeline is last_seq + 1, assigned under this row's lock.
	last_seq integer NOT NULL DEFAULT 0,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	started_at timestamptz NOT NULL DEFAULT now(),
	monitoring_at timestamptz,
	resolved_at timestamptz,
	PRIMARY KEY (cloud_id, id),
	FOREIGN KEY (cloud_id, page_id) REFERENCES pages (cloud_id, id)
		ON DELETE CASCADE,
	CHECK ((external_id IS NULL) = (external_source IS NULL))
);
CREATE UNIQUE INDEX incidents_code_key ON incidents (cloud_id, code);
-- A Jira incident has at most one incident per page.
CREATE UNIQUE INDEX incidents_external_key ON incidents
	(cloud_id, page_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX incidents_external ON incidents (cloud_id, external_id)
	WHERE external_id IS NOT NULL;
-- Keyset lists, newest first: over the cloud, and over one page.
CREATE INDEX incidents_recent ON incidents (cloud_id, created_at, id);
CREATE INDEX incidents_page_recent ON incidents
	(cloud_id, page_id, created_at, id);

-- The timeline. seq orders it (commit order: it is assigned under the
-- incident's row lock); created_at is the clock time of the write.
CREATE TABLE incident_updates (
	cloud_id text NOT NULL,
	incident_id uuid NOT NULL,
	seq integer NOT NULL CHECK (seq > 0),
	status text NOT NULL,
	old_status text,
	body text,
	affected_components jsonb NOT NULL DEFAULT '[]',
	should_send_notifications boolean NOT NULL,
	hidden boolean NOT NULL DEFAULT false,
	created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
	updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
	PRIMARY KEY (cloud_id, incident_id, seq),
	FOREIGN KEY (cloud_id, incident_id) REFERENCES incidents (cloud_id, id)
		ON DELETE CASCADE
);

-- Which components an incident affects, with the status it last gave each
-- (OPERATIONAL once it let go). Resolving uses it to hand components back.
CREATE TABLE incident_components (
	cloud_id text NOT NULL,
	incident_id uuid NOT NULL,
	component_id uuid NOT NULL,
	status text NOT NULL,
	first_seq integer NOT NULL, -- the update that first named it
	first_pos integer NOT NULL, -- and its place in that update's list
	PRIMARY KEY (cloud_id, incident_id, component_id),
	FOREIGN KEY (cloud_id, incident_id) REFERENCES incidents (cloud_id, id)
		ON DELETE CASCADE,
	FOREIGN KEY (cloud_id, component_id) REFERENCES components (cloud_id, id)
		ON DELETE CASCADE
);
CREATE INDEX incident_components_component ON incident_components
	(cloud_id, component_id) WHERE status <> 'OPERATIONAL';

CREATE TABLE incident_templates (
	cloud_id text NOT NULL,
	id uuid NOT NULL,
	page_id uuid NOT NULL,
	name text NOT NULL,
	title text,
	body text,
	group_id text,
	update_status text NOT NULL DEFAULT 'INVESTIGATING' CHECK (update_status
		IN ('INVESTIGATING', 'IDENTIFIED', 'MONITORING', 'RESOLVED')),
	should_tweet boolean NOT NULL DEFAULT false,
	should_send_notifications boolean NOT NULL DEFAULT true,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (cloud_id, id),
	FOREIGN KEY (cloud_id, page_id) REFERENCES pages (cloud_id, id)
		ON DELETE CASCADE
);
CREATE INDEX incident_templates_page ON incident_templates
	(cloud_id, page_id, lower(name), id);

-- One row per event to announce (not per subscriber): the notifier fans
-- out. Written in the transaction of the change; no foreign key to pages,
-- so a notifier holding rows never blocks page writes and vice versa.
CREATE TABLE notification_outbox (
	cloud_id text NOT NULL,
	id uuid NOT NULL DEFAULT gen_random_uuid(),
	page_id uuid NOT NULL,
	kind text NOT NULL,
	payload jsonb NOT NULL,
	created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
	attempts integer NOT NULL DEFAULT 0,
	next_attempt_at timestamptz NOT NULL DEFAULT now(),
	delivered_at timestamptz,
	PRIMARY KEY (cloud_id, id)
);
CREATE INDEX notification_outbox_pending ON notification_outbox
	(cloud_id, next_attempt_at) WHERE delivered_at IS NULL;
