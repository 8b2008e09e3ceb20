-- Counters of what lists count (migration 015): kept by triggers in the
-- transaction that writes the rows, so a totalCount is a sum of at most 16
-- rows (one slot per writer) instead of a scan, and never drifts.

-- The slot this session adds to, so writers do not queue on one counter
-- row until the other's commit is flushed: a statusd worker's own
-- (statusd.counter_slot, its index among the workers mod 8, set when it
-- connects: db_use_counter_slot), any other session's 8 + its backend's
-- pid mod 8. With pg_backend_pid() % 8 alone, two of four workers often
-- shared one.
CREATE OR REPLACE FUNCTION counter_slot() RETURNS smallint
LANGUAGE sql STABLE AS $$
	SELECT coalesce(nullif(current_setting('statusd.counter_slot', true),
		'')::smallint, (8 + pg_backend_pid() % 8)::smallint)
$$;

-- The scope of the cloud-wide incident counter.
CREATE OR REPLACE FUNCTION incident_counts_cloud_scope() RETURNS uuid
LANGUAGE sql IMMUTABLE AS $$
	SELECT '00000000-0000-0000-0000-000000000000'::uuid
$$;

-- Whether lists show a page (and its incidents).
CREATE OR REPLACE FUNCTION page_listed(archived_at timestamptz, status text)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
	SELECT archived_at IS NULL AND status <> 'SOFT_DELETED'
$$;

-- plpgsql, not sql: the session keeps its plan (a sql function's INSERT
-- was planned again on every call, two calls an incident write).
CREATE OR REPLACE FUNCTION incident_counts_add(p_cloud text, p_scope uuid,
	p_total integer, p_active integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO incident_counts AS c (cloud_id, scope, slot, total, active)
	VALUES (p_cloud, p_scope, counter_slot(), p_total, p_active)
	ON CONFLICT (cloud_id, scope, slot) DO UPDATE
	SET total = c.total + EXCLUDED.total,
		active = c.active + EXCLUDED.active;
END
$$;

-- Moves the counters of incidents on page p_page by p_total and p_active,
-- and its cloud's too when p_listed: one statement for both rows, the
-- cloud's first (every session takes them in that order, so two sharing a
-- slot cannot deadlock on them).
CREATE OR REPLACE FUNCTION incident_counts_move(p_cloud text, p_page uuid,
	p_listed boolean, p_total integer, p_active integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO incident_counts AS c (cloud_id, scope, slot, total, active)
	SELECT p_cloud, s.scope, counter_slot(), p_total, p_active
	FROM (VALUES (incident_counts_cloud_scope(), p_listed), (p_page, true))
		AS s(scope, counted)
	WHERE s.counted ORDER BY s.scope
	ON CONFLICT (cloud_id, scope, slot) DO UPDATE
	SET total = c.total + EXCLUDED.total,
		active = c.active + EXCLUDED.active;
END
$$;

-- The cloud lists' row of incident r (migration 029), written while its
-- page is listed: inserted (p_move 1), deleted (-1), or its active flag set
-- from r's status (0). By the primary key.
CREATE OR REPLACE FUNCTION incident_listing_move(r incidents, p_move integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF p_move > 0 THEN
		INSERT INTO incident_listing (cloud_id, created_at, id, active)
		VALUES (r.cloud_id, r.created_at, r.id, r.status <> 'RESOLVED');
	ELSIF p_move < 0 THEN
		DELETE FROM incident_listing WHERE cloud_id = r.cloud_id
			AND created_at = r.created_at AND id = r.id;
	ELSE
		UPDATE incident_listing SET active = r.status <> 'RESOLVED'
			WHERE cloud_id = r.cloud_id AND created_at = r.created_at
			AND id = r.id;
	END IF;
END
$$;

-- An incident counts on its page, and in its cloud while the page is
-- listed, when it also has its row in the cloud lists' incident_listing.
-- The page row is read FOR SHARE: a page write that changes whether it is
-- listed waits for this transaction (and this one for it), so the cloud's
-- counter and the incident's listing row move either here or there, never
-- twice or not at all. A page being deleted takes its counters and
-- listing rows with it (below). An incident's page, id and created_at are
-- never changed by an UPDATE.
CREATE OR REPLACE FUNCTION incidents_count() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	r incidents := coalesce(NEW, OLD);
	d_total integer := 0;
	d_active integer := 0;
	listed boolean;
BEGIN
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		d_total := 1;
		d_active := (NEW.status <> 'RESOLVED')::integer;
	END IF;
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		d_total := d_total - 1;
		d_active := d_active - (OLD.status <> 'RESOLVED')::integer;
	END IF;
	IF d_total = 0 AND d_active = 0 THEN
		RETURN NULL;
	END IF;
	SELECT page_listed(p.archived_at, p.page_status) INTO listed
		FROM pages p WHERE p.cloud_id = r.cloud_id AND p.id = r.page_id
		FOR SHARE;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	PERFORM incident_counts_move(r.cloud_id, r.page_id, listed, d_total,
		d_active);
	IF listed THEN
		PERFORM incident_listing_move(r, d_total);
	END IF;
	RETURN NULL;
END
$$;

-- incident_create counts the row it inserts itself (it holds the page row
-- already), and lists it, and says so in statusd.incident_counted for that
-- INSERT: the trigger's function, its look-up of the page and its
-- statement were a tenth of a create's time. Every other writer is
-- counted and listed here.
CREATE OR REPLACE TRIGGER incidents_count
	AFTER INSERT OR DELETE ON incidents FOR EACH ROW
	WHEN (current_setting('statusd.incident_counted', true)
		IS DISTINCT FROM 'on')
	EXECUTE FUNCTION incidents_count();
-- An update counts, and flips the listing row's active flag, only when it
-- opens or resolves the incident: the WHEN clause skips the function (a
-- plpgsql call for nothing) on every other update, and PUT /incidents
-- names status in every one.
CREATE OR REPLACE TRIGGER incidents_count_status
	AFTER UPDATE OF status ON incidents FOR EACH ROW
	WHEN ((OLD.status <> 'RESOLVED') IS DISTINCT FROM
		(NEW.status <> 'RESOLVED'))
	EXECUTE FUNCTION incidents_count();

-- Adds (sign 1) or takes away (-1) a page's incidents from its cloud's.
CREATE OR REPLACE FUNCTION incident_counts_page_to_cloud(p_cloud text,
	p_page uuid, p_sign integer) RETURNS void
LANGUAGE sql AS $$
	SELECT incident_counts_add(p_cloud, incident_counts_cloud_scope(),
		p_sign * sum(total)::integer, p_sign * sum(active)::integer)
	FROM incident_counts WHERE cloud_id = p_cloud AND scope = p_page
	HAVING sum(total) <> 0
$$;

-- The cloud lists' rows of page p_page's incidents (migration 029):
-- inserted when it starts being listed (p_listed), deleted when it stops,
-- one statement each. Both are led by the page's incidents in
-- incidents_page_recent, each listing row then probed by its primary key,
-- whatever the statistics: left to choose, an analysed planner hashed the
-- whole incidents table and the whole listing (2 s for a page of 100,000
-- incidents in a table of 1,400,000, and growing with the table), or
-- took the cloud's incidents from incidents_code_key and filtered them by
-- page, where the page's rows alone take 0.3-0.65 s to unlist and
-- 0.45-0.5 s to list again.
CREATE OR REPLACE FUNCTION incident_listing_page(p_cloud text, p_page uuid,
	p_listed boolean) RETURNS void
LANGUAGE plpgsql
SET enable_seqscan = off SET enable_bitmapscan = off
SET enable_hashjoin = off SET enable_mergejoin = off
AS $$
BEGIN
	IF p_listed THEN
		INSERT INTO incident_listing (cloud_id, created_at, id, active)
		SELECT i.cloud_id, i.created_at, i.id, i.status <> 'RESOLVED'
		FROM incidents i WHERE i.cloud_id = p_cloud AND i.page_id = p_page;
	ELSE
		DELETE FROM incident_listing l USING incidents i
		WHERE i.cloud_id = p_cloud AND i.page_id = p_page
		AND l.cloud_id = p_cloud AND l.created_at = i.created_at
		AND l.id = i.id;
	END IF;
END
$$;

-- Pages per listed status; and a page that stops (or starts) being listed
-- takes its incidents out of (or back into) its cloud's count and lists. Both
-- counter rows of a status move go in one statement in status order, so
-- two sessions sharing a slot cannot deadlock on them.
CREATE OR REPLACE FUNCTION pages_count() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	was text;
	now_is text;
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE')
	   AND page_listed(OLD.archived_at, OLD.page_status) THEN
		was := OLD.page_status;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE')
	   AND page_listed(NEW.archived_at, NEW.page_status) THEN
		now_is := NEW.page_status;
	END IF;
	IF was IS NOT DISTINCT FROM now_is THEN
		RETURN NULL;
	END IF;
	INSERT INTO page_counts AS c (cloud_id, page_status, slot, n)
	SELECT coalesce(NEW.cloud_id, OLD.cloud_id), d.status, counter_slot(),
		d.n
	FROM (VALUES (was, -1), (now_is, 1)) AS d(status, n)
	WHERE d.status IS NOT NULL ORDER BY d.status
	ON CONFLICT (cloud_id, page_status, slot) DO UPDATE
	SET n = c.n + EXCLUDED.n;
	IF TG_OP = 'UPDATE' AND (was IS NULL) <> (now_is IS NULL) THEN
		PERFORM incident_counts_page_to_cloud(NEW.cloud_id, NEW.id,
			CASE WHEN now_is IS NULL THEN -1 ELSE 1 END);
		PERFORM incident_listing_page(NEW.cloud_id, NEW.id,
			now_is IS NOT NULL);
	END IF;
	RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER pages_count
	AFTER INSERT OR DELETE OR UPDATE OF page_status, archived_at ON pages
	FOR EACH ROW EXECUTE FUNCTION pages_count();

-- A deleted page's incidents leave its cloud's count and lists before the
-- cascade deletes them (which then finds the page gone and counts
-- nothing), and its own counters go with it.
CREATE OR REPLACE FUNCTION pages_uncount_incidents() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF page_listed(OLD.archived_at, OLD.page_status) THEN
		PERFORM incident_counts_page_to_cloud(OLD.cloud_id, OLD.id, -1);
		PERFORM incident_listing_page(OLD.cloud_id, OLD.id, false);
	END IF;
	DELETE FROM incident_counts WHERE cloud_id = OLD.cloud_id
		AND scope = OLD.id;
	RETURN OLD;
END
$$;

CREATE OR REPLACE TRIGGER pages_uncount_incidents BEFORE DELETE ON pages
	FOR EACH ROW EXECUTE FUNCTION pages_uncount_incidents();
