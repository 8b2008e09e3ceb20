-- Incident writes that write the incident's row once (issue 13 goal 5):
-- incident_append_update, which wrote it a second time, is replaced by
-- incident_apply_components and incident_record_update (db/sql), and two
-- helpers changed their parameters.
DROP FUNCTION IF EXISTS incident_append_update(text, uuid, text, text, text,
	boolean, uuid[], text[], text);
DROP FUNCTION IF EXISTS incident_components_moved(integer);
DROP FUNCTION IF EXISTS incident_write_answer(text, text, text, uuid);
-- lz4, not pglz, for the stored nodes: a node of 60 updates (20 kB) took
-- 100 us to compress with pglz on every PUT /incidents, 11 us with lz4
-- (about 15 % larger); lists decompress faster too. Only values written
-- from now on are compressed this way; older ones stay readable as they
-- are. A server built without lz4 keeps pglz.
DO $$
BEGIN
	ALTER TABLE incidents ALTER COLUMN node SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
	RAISE NOTICE 'no lz4 in this server: incident nodes stay pglz';
END
$$;
