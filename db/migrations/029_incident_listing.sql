-- The cloud incident lists' keys, of listed incidents only (issue 13 goal
-- 6): an incident is listed while its page is neither soft-deleted nor
-- archived (page_listed). The cloud lists walked incidents_recent and
-- incidents_active_recent and dropped, row by row, the incidents of
-- unlisted pages, so a cloud whose newest incidents were a soft-deleted
-- page's read all of them before it found its 25. They walk this table
-- instead, which holds a row for each listed incident and no other, and
-- take each row's node from incidents by primary key.
--
-- A narrow table, not a flag on incidents: flipping a flag when a page
-- stops or starts being listed was a non-HOT update of every incident of
-- the page through all of its indexes (about 60 us an incident, 6 s for a
-- page of 100,000 against the 5 s statement timeout); inserting and
-- deleting these rows is a tenth of that. A create writes the same number
-- of index entries as before (this key and its active twin, in place of
-- incidents_recent and incidents_active_recent) and one narrow heap row.
--
-- Kept whole in the transaction of the write (db/sql/70_counters.sql):
-- incident_create inserts its incident's row, the counting trigger that of
-- every other insert and deletes that of a deleted incident, and flips
-- active when the status crosses RESOLVED; a page that stops or starts
-- being listed deletes or inserts its incidents' rows.
CREATE TABLE incident_listing (
	cloud_id text NOT NULL,
	created_at timestamptz NOT NULL,
	id uuid NOT NULL,
	active boolean NOT NULL -- status <> 'RESOLVED'
);
-- Spelt out, not page_listed(): migrations run before db/sql defines it.
INSERT INTO incident_listing (cloud_id, created_at, id, active)
SELECT i.cloud_id, i.created_at, i.id, i.status <> 'RESOLVED'
FROM incidents i JOIN pages p ON p.cloud_id = i.cloud_id AND p.id = i.page_id
WHERE p.archived_at IS NULL AND p.page_status <> 'SOFT_DELETED';
ALTER TABLE incident_listing ADD PRIMARY KEY (cloud_id, created_at, id);
CREATE INDEX incident_listing_active ON incident_listing
	(cloud_id, created_at, id) WHERE active;

DROP INDEX incidents_recent;
DROP INDEX incidents_active_recent;

-- A page that stops being listed deletes its incidents' rows at once: a
-- walk steps over their index entries until VACUUM removes them (a page
-- of 1,270,000 left the lists reading 2,400-16,700 buffers for 26 rows,
-- 250 after the VACUUM, which took 1.7 s on this narrow table). So it is
-- vacuumed after 5,000 + 1 % dead rows, not the default 50 + 20 %.
ALTER TABLE incident_listing SET (autovacuum_vacuum_threshold = 5000,
	autovacuum_vacuum_scale_factor = 0.01);
