-- Idempotency keys belong to the caller (DESIGN.md section 8): a key is
-- looked up by cloud, principal (the API token or JWT subject that sent it)
-- and key, so another credential of the same cloud neither replays nor
-- blocks it. Keys stored before this migration belong to nobody: they can
-- no longer be replayed (they were kept for 24 hours only anyway).
ALTER TABLE idempotency_keys ADD COLUMN principal text NOT NULL DEFAULT '';
ALTER TABLE idempotency_keys ALTER COLUMN principal DROP DEFAULT;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (cloud_id, principal, key);
