-- Idempotency keys of POST creates (DESIGN.md section 8): the response of
-- the first request with a key is stored in the same transaction as what
-- it created, and replayed to every retry with the same key and body.
CREATE TABLE idempotency_keys (
	cloud_id text NOT NULL,
	key text NOT NULL,
	request_hash bytea NOT NULL,
	status integer NOT NULL,
	body text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (cloud_id, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (cloud_id, created_at);
