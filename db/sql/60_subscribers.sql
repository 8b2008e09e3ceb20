-- Subscribers: counters kept by trigger, the response document, the
-- keyset sort key, and the one function that creates a subscriber with its
-- captcha and quota (tables in migrations/012_subscribers.sql).

-- One more subscriber in s's counter row (made on first use).
CREATE OR REPLACE FUNCTION subscriber_count_up(s subscribers) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO subscriber_counts AS c (cloud_id, page_id, item_type,
		item_id, status, n)
	VALUES (s.cloud_id, s.page_id, s.item_type, s.item_id, s.status, 1)
	ON CONFLICT (cloud_id, page_id, item_type, item_id, status)
	DO UPDATE SET n = c.n + 1, updated_at = now();
$$;

-- One fewer. A plain update: when a page is deleted its counter rows go
-- in the same cascade, and nothing may recreate them then.
CREATE OR REPLACE FUNCTION subscriber_count_down(s subscribers) RETURNS void
LANGUAGE sql AS $$
	UPDATE subscriber_counts c SET n = c.n - 1, updated_at = now()
	WHERE c.cloud_id = s.cloud_id AND c.page_id = s.page_id
		AND c.item_type = s.item_type AND c.item_id = s.item_id
		AND c.status = s.status;
$$;

CREATE OR REPLACE FUNCTION subscriber_cloud_add(cloud text, delta integer)
RETURNS void LANGUAGE sql AS $$
	INSERT INTO subscriber_cloud_totals AS t (cloud_id, n)
	VALUES (cloud, greatest(delta, 0))
	ON CONFLICT (cloud_id) DO UPDATE SET n = t.n + delta;
$$;

-- Counters follow every insert, status change and delete (a page's
-- cascade included), inside the statement's own transaction.
CREATE OR REPLACE FUNCTION subscribers_count_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		PERFORM subscriber_count_down(OLD);
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		PERFORM subscriber_count_up(NEW);
	END IF;
	IF TG_OP = 'INSERT' THEN
		PERFORM subscriber_cloud_add(NEW.cloud_id, 1);
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM subscriber_cloud_add(OLD.cloud_id, -1);
	END IF;
	RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER subscribers_count AFTER INSERT OR DELETE OR UPDATE OF status
	ON subscribers FOR EACH ROW EXECUTE FUNCTION subscribers_count_trigger();

-- What a subscriber looks like in a response. Contact fields only when
-- with_contact (credentials with the subscriber read scope); the webhook
-- secret and the confirmation code are added in C, where the keys are.
CREATE OR REPLACE FUNCTION subscriber_json(s subscribers, with_contact boolean)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_strip_nulls(json_build_object(
		'id', s.id,
		'itemId', s.item_id,
		'type', s.item_type,
		'status', s.status,
		'email', CASE WHEN with_contact AND s.subscription_type = 'EMAIL'
			THEN s.contact END,
		'phoneNumber', CASE WHEN with_contact AND s.subscription_type = 'SMS'
			THEN s.contact END,
		'phoneCountry', CASE WHEN with_contact THEN s.phone_country END,
		'phoneNumberDisplay', CASE WHEN with_contact AND
			s.subscription_type = 'SMS' THEN s.contact END,
		'webhookEndpoint', CASE WHEN with_contact AND
			s.subscription_type IN ('WEBHOOK', 'SLACK') THEN s.contact END,
		'componentIds', CASE WHEN s.item_type = 'COMPONENT_SUBSCRIBER'
			THEN json_build_array(s.item_id) ELSE '[]'::json END,
		'skipConfirmation', s.skip_confirmation,
		'confirmedAt', rfc3339(s.confirmed_at),
		'quarantinedAt', rfc3339(s.quarantined_at),
		'subscriptionType', s.subscription_type,
		'additionalInformation', '[]'::json,
		'createdAt', rfc3339(s.created_at),
		'updatedAt', rfc3339(s.updated_at)))
$$;

-- The keyset sort key of a subscriber: its creation time, exact to the
-- microsecond, as text that casts back to the same timestamptz.
CREATE OR REPLACE FUNCTION subscriber_sort_key(s subscribers) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT to_char(s.created_at AT TIME ZONE 'UTC',
		'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

-- The page an item belongs to, with whether that page takes subscribers:
-- no row when the item is not in the cloud (or its page is archived).
-- "Not archived" is not spelt "archived_at IS NULL", the predicate of the
-- partial name index, which a planner without statistics then takes for a
-- scan of the cloud's pages (DB_NOT_ARCHIVED in db/db_internal.h).
CREATE OR REPLACE FUNCTION subscriber_item_page(cloud text, itype text, iid uuid)
RETURNS TABLE (page_id uuid, accepts boolean) LANGUAGE sql STABLE AS $$
	SELECT p.id, p.page_status <> 'SOFT_DELETED' AND
		coalesce(p.attrs ->> 'allowPageSubscribers', 'true') <> 'false'
	FROM pages p
	WHERE p.cloud_id = cloud
		AND coalesce(p.archived_at, 'infinity') = 'infinity' AND p.id = (
		CASE itype
		WHEN 'PAGE_SUBSCRIBER' THEN iid
		WHEN 'INCIDENT_SUBSCRIBER' THEN (SELECT i.page_id FROM incidents i
			WHERE i.cloud_id = cloud AND i.id = iid)
		WHEN 'COMPONENT_SUBSCRIBER' THEN (SELECT c.page_id
			FROM components c WHERE c.cloud_id = cloud AND c.id = iid)
		END)
$$;

-- The subscriber of an item with this kind and contact, if any: one probe
-- of subscribers_contact_key, whose key (migration 019) this spells on both
-- sides; no other index can answer it, whatever the statistics say.
CREATE OR REPLACE FUNCTION subscriber_with_contact(cloud text, iid uuid,
	itype text, stype text, v_contact text)
RETURNS TABLE (id uuid) LANGUAGE sql STABLE AS $$
	SELECT s.id FROM subscribers s
	WHERE s.cloud_id = cloud
		AND s.item_id::text || ' ' || s.item_type || ' ' ||
			s.subscription_type || ' ' ||
			CASE WHEN s.subscription_type = 'EMAIL' THEN lower(s.contact)
			ELSE s.contact END
		= iid::text || ' ' || itype || ' ' || stype || ' ' ||
			CASE WHEN stype = 'EMAIL' THEN lower(v_contact)
			ELSE v_contact END
$$;

-- Creates a subscriber, in this order: the item (404 / 409 when its page
-- takes none), the captcha (spent here, so of two concurrent uses of one
-- solution the second waits for the first and then finds it spent), the
-- contact's uniqueness, the cloud's quota (its total row locked, so
-- concurrent creates cannot overshoot it). outcome is 'created' with the
-- new row, or what stopped it ('no_item', 'not_accepted', 'captcha_used',
-- 'duplicate' with the existing subscriber's id, 'quota').
CREATE OR REPLACE FUNCTION subscriber_create(cloud text, new_id uuid, itype text,
	iid uuid, stype text, v_contact text, v_phone_country text,
	v_status text, v_skip boolean, v_secret text, captcha text,
	captcha_expires timestamptz, quota bigint)
RETURNS TABLE (outcome text, existing_id uuid, sub subscribers)
LANGUAGE plpgsql AS $$
DECLARE
	item record;
	existing uuid;
	total bigint;
	new_row subscribers;
BEGIN
	SELECT * INTO item FROM subscriber_item_page(cloud, itype, iid);
	IF NOT FOUND THEN
		RETURN QUERY SELECT 'no_item'::text, NULL::uuid, NULL::subscribers;
		RETURN;
	END IF;
	IF NOT item.accepts THEN
		RETURN QUERY SELECT 'not_accepted'::text, NULL::uuid,
			NULL::subscribers;
		RETURN;
	END IF;
	IF captcha IS NOT NULL THEN
		INSERT INTO used_captchas (cloud_id, challenge, expires_at)
		VALUES (cloud, captcha, captcha_expires) ON CONFLICT DO NOTHING;
		IF NOT FOUND THEN
			RETURN QUERY SELECT 'captcha_used'::text, NULL::uuid,
				NULL::subscribers;
			RETURN;
		END IF;
	END IF;
	SELECT e.id INTO existing
	FROM subscriber_with_contact(cloud, iid, itype, stype, v_contact) e;
	IF FOUND THEN
		RETURN QUERY SELECT 'duplicate'::text, existing,
			NULL::subscribers;
		RETURN;
	END IF;
	PERFORM subscriber_cloud_add(cloud, 0);
	SELECT t.n INTO total FROM subscriber_cloud_totals t
	WHERE t.cloud_id = cloud FOR UPDATE;
	IF quota > 0 AND total >= quota THEN
		RETURN QUERY SELECT 'quota'::text, NULL::uuid, NULL::subscribers;
		RETURN;
	END IF;
	INSERT INTO subscribers (cloud_id, id, page_id, item_type, item_id,
		subscription_type, contact, phone_country, status,
		skip_confirmation, webhook_secret, confirmed_at)
	VALUES (cloud, new_id, item.page_id, itype, iid, stype, v_contact,
		v_phone_country, v_status, v_skip, v_secret,
		CASE WHEN v_status = 'SUBSCRIBED' AND stype IN ('EMAIL', 'SMS')
			THEN now() END)
	RETURNING * INTO new_row;
	RETURN QUERY SELECT 'created'::text, NULL::uuid, new_row;
END
$$;
