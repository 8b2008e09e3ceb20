-- Whether a page has any SUBSCRIBED subscriber, by one probe of this index
-- however many subscribers of other statuses the page has and whatever the
-- statistics say (notify_incident_event_start, db/sql/60_notify.sql): an
-- incident event of a page without one is written already fanned out.
-- subscription_type is there to give the probe an order that no other
-- index of subscribers gives (see that function).
CREATE INDEX subscribers_page_subscribed ON subscribers (cloud_id, page_id,
	subscription_type) WHERE status = 'SUBSCRIBED';
