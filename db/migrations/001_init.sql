-- statusd schema, version 1: API tokens and status pages.
-- Every tenant table leads its keys with cloud_id (DESIGN.md section 5).
-- Its functions and triggers live in db/sql, like every other (db/README.md).

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
