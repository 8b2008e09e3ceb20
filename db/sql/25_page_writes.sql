-- Page writes that are more than one statement, in one round trip.

-- PUT /pages/{id} and the in-place edit of a never-published page: the
-- live version's fields (NULL = keep; attrs merged), then a pending
-- draft's the same way, so the next publish does not undo the edit. The
-- draft's statement runs after the page row is locked by the first, with
-- a snapshot of its own, so it sees a draft committed by a writer that
-- held the lock before. NULL when no page was updated (missing, archived,
-- soft-deleted, or not at p_version): statusd then locks the page and
-- tells which. One statement instead of four (BEGIN, the lock, the
-- update, COMMIT) for the common case (issue 13 goal 5).
CREATE OR REPLACE FUNCTION page_update_live(p_cloud text, p_id uuid,
	p_name text, p_subdomain text, p_type text, p_attrs jsonb,
	p_version integer) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	rendered text;
BEGIN
	UPDATE pages SET name = coalesce(p_name, name),
		subdomain = coalesce(p_subdomain, subdomain),
		page_type = coalesce(p_type, page_type),
		attrs = page_attrs_merge(attrs, p_attrs),
		version = version + 1, updated_at = now()
	WHERE cloud_id = p_cloud AND id = p_id
		AND coalesce(archived_at, 'infinity') = 'infinity'
		AND page_status <> 'SOFT_DELETED'
		AND (p_version IS NULL OR version = p_version)
	RETURNING doc INTO rendered;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	UPDATE page_drafts SET name = coalesce(p_name, name),
		subdomain = coalesce(p_subdomain, subdomain),
		page_type = coalesce(p_type, page_type),
		attrs = page_attrs_merge(attrs, p_attrs), updated_at = now()
	WHERE cloud_id = p_cloud AND page_id = p_id;
	RETURN rendered;
END
$$;
