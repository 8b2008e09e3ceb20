-- Helpers every other definition uses.

-- statusd schema, version 1: API tokens and status pages.
-- Every tenant table leads its keys with cloud_id (DESIGN.md section 5).
-- RFC 3339 in UTC, second precision, as the API writes every time.
-- STABLE, as to_char is: a SQL function is inlined only when it is not
-- declared less volatile than its body, and one that is not inlined is
-- planned again in every statement that calls it (issue 13: four of these
-- a page document).
CREATE OR REPLACE FUNCTION rfc3339(t timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- Deep merge used by partial updates: objects merge key by key, anything
-- else (arrays, scalars) in b replaces a. A null in b removes the key.
CREATE OR REPLACE FUNCTION jsonb_merge_deep(a jsonb, b jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE
	WHEN jsonb_typeof(a) = 'object' AND jsonb_typeof(b) = 'object' THEN
		coalesce((SELECT jsonb_object_agg(k,
				CASE WHEN a ? k AND b ? k
				     THEN jsonb_merge_deep(a -> k, b -> k)
				     WHEN b ? k THEN b -> k
				     ELSE a -> k END)
			  FROM (SELECT jsonb_object_keys(a)
				UNION SELECT jsonb_object_keys(b)) AS keys(k)
			  WHERE NOT (b ? k AND jsonb_typeof(b -> k) = 'null')),
			 '{}'::jsonb)
	ELSE b END
$$;
