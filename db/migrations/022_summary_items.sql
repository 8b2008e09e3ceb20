-- GET /pages/summary (v1) over 1,000 pages (issue 13 goal 2).
-- The stakeholderCount is added to a page's stored summary item in C
-- (db/page_summary.c), from rows of the stored item and
-- page_stakeholders(), which the statement inlines: a function call per
-- page was most of the statement's time.
DROP FUNCTION IF EXISTS page_summary_text(text, integer);
-- Stored items are read by the thousand and small (about 400 bytes):
-- kept uncompressed (pglz made a fourth of them, those with a custom
-- domain, to be decompressed on every read). The page document, larger,
-- is still compressed or moved out of line first, so the item stays in
-- the row. Rows written from now on (every migrate that changes the
-- definitions renders every page again).
ALTER TABLE pages ALTER COLUMN summary SET STORAGE EXTERNAL;
