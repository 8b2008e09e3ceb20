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

-- An incident counts on its page, and in its cloud while the page is
-- listed. The page row is read FOR SHARE: a page write that changes
-- whether it is listed waits for this transaction (and this one for it),
-- so the cloud's counter moves either here or there, never twice or not
-- at all. A page being deleted takes its counters with it (below).
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
	RETURN NULL;
END
$$;

-- incident_create counts the row it inserts itself (it holds the page row
-- already), and says so in statusd.incident_counted for that INSERT: the
-- trigger's function, its look-up of the page and its statement were a
-- tenth of a create's time. Every other writer is counted here.
CREATE OR REPLACE TRIGGER incidents_count
	AFTER INSERT OR DELETE ON incidents FOR EACH ROW
	WHEN (current_setting('statusd.incident_counted', true)
		IS DISTINCT FROM 'on')
	EXECUTE FUNCTION incidents_count();
-- An update counts only when it opens or resolves the incident: the WHEN
-- clause skips the function (a plpgsql call for nothing) on every other
-- update, and PUT /incidents names status in every one.
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

-- Pages per listed status; and a page that stops (or starts) being listed
-- takes its incidents out of (or back into) its cloud's count. Both
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
	END IF;
	RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER pages_count
	AFTER INSERT OR DELETE OR UPDATE OF page_status, archived_at ON pages
	FOR EACH ROW EXECUTE FUNCTION pages_count();

-- A deleted page's incidents leave its cloud's count before the cascade
-- deletes them (which then finds the page gone and counts nothing), and
-- its own counters go with it.
CREATE OR REPLACE FUNCTION pages_uncount_incidents() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF page_listed(OLD.archived_at, OLD.page_status) THEN
		PERFORM incident_counts_page_to_cloud(OLD.cloud_id, OLD.id, -1);
	END IF;
	DELETE FROM incident_counts WHERE cloud_id = OLD.cloud_id
		AND scope = OLD.id;
	RETURN OLD;
END
$$;

CREATE OR REPLACE TRIGGER pages_uncount_incidents BEFORE DELETE ON pages
	FOR EACH ROW EXECUTE FUNCTION pages_uncount_incidents();
