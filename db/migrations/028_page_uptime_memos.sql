-- Memos of a page's uptime answers (issue 13 goal 3): the components
-- uptime document and the page's uptime_percentage, as last computed for
-- one range, with the version of the page's live components they were
-- computed at. Computing them costs about 3 ms for 1,000 components; a
-- client polling the default range (90 days up to now, in whole seconds)
-- asks the same range for a second at a time.
--
-- version: the id of the last transaction that changed the page's live
-- components (their rows, and so their status history, which rewrites
-- them), set by a trigger (db/sql/30_components.sql). A memo answers
-- only while memo_version = version: a change made after the memo's
-- snapshot outdates it as soon as it commits. Rows are created by the
-- first change or the first memo, whichever comes first.
--
-- Unlogged: a memo is worth nothing after a crash, and a write of one is
-- no WAL and no flush in a read's transaction. After a crash the table is
-- empty, which is the state of a new installation. No figure here is ever
-- an input to another: the uptime stays computed from the status history
-- (DESIGN.md section 5); this only holds a computation's result for
-- exactly the inputs it was computed from.
CREATE UNLOGGED TABLE page_uptime_memos (
	cloud_id text NOT NULL,
	page_id uuid NOT NULL,
	version xid8 NOT NULL DEFAULT '0',
	memo_version xid8,
	from_at timestamptz,
	to_at timestamptz,
	document text,
	percentage text,
	PRIMARY KEY (cloud_id, page_id),
	FOREIGN KEY (cloud_id, page_id) REFERENCES pages (cloud_id, id)
		ON DELETE CASCADE
);
-- A memo of 1,000 components is about 130 kB of JSON: kept uncompressed
-- (out of line), so a hit costs a copy, not a decompression.
ALTER TABLE page_uptime_memos ALTER COLUMN document SET STORAGE EXTERNAL;
