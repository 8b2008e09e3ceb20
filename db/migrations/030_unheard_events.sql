-- An incident event whose page has no SUBSCRIBED subscriber is no longer
-- written at all (it was written already fanned out): the probe that
-- decides is notify_incident_event_heard (db/sql/60_notify.sql), which
-- answers a boolean. Events written so far stay, and are pruned as before.
DROP FUNCTION IF EXISTS notify_incident_event_start(text, uuid);
