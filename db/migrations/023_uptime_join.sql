-- Page uptimes join the held prefix sums instead of looking them up in a
-- jsonb map per component (issue 13 goal 3): component_lost_at takes the
-- component's columns and its held value (db/sql/30_components.sql).
DROP FUNCTION IF EXISTS component_lost_at(components, jsonb, text, timestamptz);

-- The held intervals of a page are read by the blocks of a day
-- (component_blocks_pkey, block first). An index with the cloud offered the
-- planner a walk of the cloud's intervals started by then instead, which
-- it took where a cloud looked small (and a generic plan keeps): a
-- component's intervals are found by its id alone (a uuid), which the
-- page's read never names.
DROP INDEX component_blocks_component;
CREATE INDEX component_blocks_component ON component_blocks
	(component_id, started_at);
