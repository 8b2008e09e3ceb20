-- Page uptimes in integers (issue 13 goal 3): what a page's uptime reads
-- from the components' rows and component_blocks (migration 021) also as
-- bigint, so that each component's figure is a few integer operations
-- instead of numeric arithmetic on timestamps (the statement was mostly
-- that, not the reading). Instants are microseconds since 1970 (UTC), as
-- timestamptz keeps them (the history holds no infinite instant: its sums
-- could not be taken); an outage weight is in tenths (MAJOR_OUTAGE 10,
-- PARTIAL_OUTAGE 3, else 0), so a prefix sum (lost_before, weighted
-- seconds) is whole in tenths of a microsecond ("units"). Generated, so no
-- writer can leave them out of step.
ALTER TABLE components
	ADD COLUMN created_us bigint GENERATED ALWAYS AS
		((extract(epoch FROM created_at AT TIME ZONE 'UTC') * 1000000)::bigint) STORED,
	ADD COLUMN first_started_us bigint GENERATED ALWAYS AS
		((extract(epoch FROM first_started_at AT TIME ZONE 'UTC') * 1000000)::bigint) STORED,
	ADD COLUMN last_started_us bigint GENERATED ALWAYS AS
		((extract(epoch FROM last_started_at AT TIME ZONE 'UTC') * 1000000)::bigint) STORED,
	ADD COLUMN last_ended_us bigint GENERATED ALWAYS AS
		((extract(epoch FROM last_ended_at AT TIME ZONE 'UTC') * 1000000)::bigint) STORED,
	ADD COLUMN last_weight smallint GENERATED ALWAYS AS (CASE last_status
		WHEN 'MAJOR_OUTAGE' THEN 10 WHEN 'PARTIAL_OUTAGE' THEN 3 ELSE 0 END) STORED,
	ADD COLUMN last_lost_units bigint GENERATED ALWAYS AS
		((last_lost_before * 10000000)::bigint) STORED;
-- A held interval: its start, weight and prefix sum (its end is only
-- compared, as timestamptz).
ALTER TABLE component_blocks
	ADD COLUMN started_us bigint GENERATED ALWAYS AS
		((extract(epoch FROM started_at AT TIME ZONE 'UTC') * 1000000)::bigint) STORED,
	ADD COLUMN weight smallint GENERATED ALWAYS AS (CASE status
		WHEN 'MAJOR_OUTAGE' THEN 10 WHEN 'PARTIAL_OUTAGE' THEN 3 ELSE 0 END) STORED,
	ADD COLUMN lost_units bigint GENERATED ALWAYS AS ((lost_before * 10000000)::bigint) STORED;

-- The rows of one block together, as component_blocks_rewrite now inserts
-- them (a bulk load filed its rows component by component: a page's
-- 1,000 held rows were on 1,000 pages of the table).
CLUSTER component_blocks USING component_blocks_pkey;

-- Replaced by their integer versions (db/sql/30_components.sql):
-- component_lost_held returns the held interval's integers now,
-- component_lost_units takes component_lost_at's place, and the uptimes
-- carry each component's in hundredths too, for several components
-- (an array) as for one.
DROP FUNCTION IF EXISTS component_lost_held(text, uuid, boolean, timestamptz);
DROP FUNCTION IF EXISTS component_uptime_rows(text, uuid, uuid);
DROP FUNCTION IF EXISTS component_lost_at(text, uuid, timestamptz, timestamptz,
	timestamptz, text, numeric, numeric, timestamptz);
DROP FUNCTION IF EXISTS component_uptimes(text, uuid, timestamptz, timestamptz);
DROP FUNCTION IF EXISTS component_uptimes_of(text, uuid, uuid, timestamptz,
	timestamptz);
