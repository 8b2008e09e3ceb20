-- Page lifecycle: draft versions, soft deletion, the archive of permanently
-- deleted pages (kept for a retention window, then purged).
-- Its functions and triggers live in db/sql, like every other (db/README.md).

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

-- Replaced by page_custom_domain_config(domain, subdomain).
DROP FUNCTION IF EXISTS page_custom_domain_config(pages);
