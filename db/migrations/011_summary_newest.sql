-- GET /pages/summary (v1) lists the newest summary_v1_max_pages pages of a
-- cloud: read in this order from an index, they are the first rows found,
-- not the top of a sort over every page of the cloud (100,000 pages: 0.8 s
-- of heap reads without it, under 1 ms with it). 010 is left to the ops
-- branch.
CREATE INDEX pages_newest ON pages (cloud_id, created_at DESC, id)
	WHERE archived_at IS NULL;
