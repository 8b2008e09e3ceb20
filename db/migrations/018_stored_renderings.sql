-- Lists concatenate stored text instead of rendering each row (issue 13):
-- an incident's node (all but its shortlink: db/sql/50_incidents.sql) and a
-- page's summary item (all but its subscriber count:
-- db/sql/40_page_summaries.sql), written in the transaction that writes
-- what they show. Both are filled by the re-rendering every migrate does
-- when the definitions change (db/README.md), which this migration causes.
ALTER TABLE incidents ADD COLUMN node text;
ALTER TABLE pages ADD COLUMN summary text;

-- Replaced by incident_node_render (stored) and incident_node_text.
DROP FUNCTION IF EXISTS incident_node(incidents, text);
-- Replaced by page_summary_render (stored) and page_summary_text.
DROP FUNCTION IF EXISTS page_summary_item(pages, integer);
