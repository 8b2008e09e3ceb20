-- One subscription per (item, kind, contact), as before, but keyed so that
-- the sign-up's duplicate check (subscriber_with_contact) can only be
-- answered by this index. With the item in columns of their own, the
-- planner could take subscribers_item_recent for it whenever the
-- statistics made an item look small, and then read every subscriber of
-- the item: 0.9 s a sign-up on a page with a million (bench/RESULTS.md).
-- The key is one text: item id, kind, subscription type and the contact
-- (emails without regard to case), space-separated, the contact last.
DROP INDEX subscribers_contact_key;
CREATE UNIQUE INDEX subscribers_contact_key ON subscribers (cloud_id,
	(item_id::text || ' ' || item_type || ' ' || subscription_type || ' ' ||
	CASE WHEN subscription_type = 'EMAIL' THEN lower(contact)
		ELSE contact END));
