"""Incident events of a page with no SUBSCRIBED subscriber (of any item:
the page, an incident, a component) are not written at all, so they wake
no notifier (notify_incident_event_heard, db/sql/60_notify.sql); a page
with one still has its events fanned out and delivered. The probe reads
its partial index (migration 027) whatever the statistics say, however
many unsubscribed rows the page has."""

import uuid

from test_incidents import create, incident_of, page_with_components, put, written_subscribers
from test_notify import (_Session, clear, close_rig, deliveries_of, hook, new_incident,
                         notifier, receiver)
from test_plans import _buffers, _plans

OTHER_STATUSES = ("UNSUBSCRIBED", "PENDING_CONFIRMATION", "QUARANTINED", "SUSPENDED",
                  "DEACTIVATED", "UNVERIFIED")


def _events(ctx, incident_id):
    """[(kind, attempts, fanned out, deliveries)] of an incident's outbox
    events, oldest first."""
    rows = ctx.psql("SELECT o.kind, o.attempts, o.delivered_at IS NOT NULL,"
                    " (SELECT count(*) FROM deliveries d WHERE d.cloud_id = o.cloud_id"
                    " AND d.event_id = o.id) FROM notification_outbox o"
                    " WHERE o.cloud_id = '%s' AND o.payload ->> 'incidentId' = '%s'"
                    " ORDER BY o.created_at" % (ctx.cloud, incident_id))
    return [(kind, int(attempts), fanned == "t", int(made))
            for kind, attempts, fanned, made in (r.split("|") for r in rows.splitlines())]


def _notified(listener):
    return "statusd_notify" in listener.run("SELECT 1;")


def test_notify_audience_none_no_event_waking_no_one(ctx):
    """A page without subscribers: its create, update and resolve events
    are not written, and no NOTIFY is sent (the outbox holds nothing due,
    so each would have been one); the timeline has all three updates."""
    clear(ctx)
    page, comps = page_with_components(ctx, ("Mail",))
    listener = _Session(ctx)
    try:
        listener.run("LISTEN statusd_notify;")
        inc = incident_of(create(ctx, page["id"], shouldSendNotifications=True,
                                 affectedComponents=[{"componentId": comps["Mail"],
                                                      "status": "PARTIAL_OUTAGE"}]))
        put(ctx, page["id"], incidentId=inc["id"], message="found it", status="IDENTIFIED")
        put(ctx, page["id"], incidentId=inc["id"], message="fixed", status="RESOLVED")
        assert not _notified(listener)
    finally:
        listener.close()
    assert _events(ctx, inc["id"]) == []
    assert ctx.psql("SELECT count(*) FROM notification_outbox WHERE delivered_at IS NULL") == "0"
    assert ctx.psql("SELECT count(*) FROM incident_updates WHERE cloud_id = '%s'"
                    " AND incident_id = '%s'" % (ctx.cloud, inc["id"])) == "3"


def test_notify_audience_unsubscribed_only_page_has_none(ctx):
    """Subscribers of every other status, through the page, the incident
    and a component, and a SUBSCRIBED one of another page, are no audience;
    the page's first SUBSCRIBED one (here a component's) is."""
    clear(ctx)
    page, comps = page_with_components(ctx, ("Mail",))
    other, _ = page_with_components(ctx, ("Web",))
    written_subscribers(ctx, other["id"], "PAGE_SUBSCRIBER", other["id"], "SUBSCRIBED")
    inc = incident_of(create(ctx, page["id"], shouldSendNotifications=False))
    for status in OTHER_STATUSES:
        written_subscribers(ctx, page["id"], "PAGE_SUBSCRIBER", page["id"], status)
        written_subscribers(ctx, page["id"], "COMPONENT_SUBSCRIBER", comps["Mail"], status)
        written_subscribers(ctx, page["id"], "INCIDENT_SUBSCRIBER", inc["id"], status)
    put(ctx, page["id"], incidentId=inc["id"], message="nobody hears this")
    assert _events(ctx, inc["id"]) == []
    written_subscribers(ctx, page["id"], "COMPONENT_SUBSCRIBER", comps["Mail"], "SUBSCRIBED")
    put(ctx, page["id"], incidentId=inc["id"], message="someone hears this")
    assert _events(ctx, inc["id"]) == [("incident.updated", 0, False, 0)]
    clear(ctx)  # nothing behind that subscriber to deliver to


def test_notify_audience_a_subscribed_page_still_delivered(ctx):
    """A component's webhook subscriber is the page's audience: the event
    is written due and wakes the notifiers, and is delivered."""
    rec = receiver(ctx)
    clear(ctx)
    page, comps = page_with_components(ctx, ("Mail",))
    sub, path = hook(ctx, page["id"], item_type="COMPONENT_SUBSCRIBER",
                     item_id=comps["Mail"])
    listener = _Session(ctx)
    try:
        listener.run("LISTEN statusd_notify;")
        inc, ev = new_incident(ctx, page["id"], comps)
        assert _notified(listener)
    finally:
        listener.close()
    assert _events(ctx, inc["id"]) == [("incident.created", 0, False, 0)]
    with notifier(ctx, keep=True):
        assert list(deliveries_of(ctx, ev)) == [sub["id"]]
        assert rec.wait_for(lambda _: rec.of(path), 10)
    assert rec.of(path)[0]["payload"]["data"]["incident"]["id"] == inc["id"]


def test_notify_audience_reminders_follow_the_same_rule(ctx):
    """The reminder job's events too: none for a page without
    subscribers (its incident still moves on), due for a page with one."""
    clear(ctx)
    quiet, _ = page_with_components(ctx, ("Mail",))
    heard, _ = page_with_components(ctx, ("Mail",))
    written_subscribers(ctx, heard["id"], "PAGE_SUBSCRIBER", heard["id"], "SUBSCRIBED")
    incs = [incident_of(create(ctx, p["id"], reminderIntervals=[30],
                               shouldSendNotifications=False)) for p in (quiet, heard)]
    ctx.psql("UPDATE incidents SET update_needed_at = now() - interval '1 second'"
             " WHERE cloud_id = '%s' AND id IN ('%s', '%s')"
             % (ctx.cloud, incs[0]["id"], incs[1]["id"]))
    ctx.psql("SELECT jobs_send_reminders(1000)")
    assert _events(ctx, incs[0]["id"]) == []
    assert ctx.psql("SELECT reminders_sent FROM incidents WHERE cloud_id = '%s'"
                    " AND id = '%s'" % (ctx.cloud, incs[0]["id"])) == "1"
    assert _events(ctx, incs[1]["id"]) == [("incident.reminder", 0, False, 0)]
    clear(ctx)
    for p, inc in zip((quiet, heard), incs):
        put(ctx, p["id"], incidentId=inc["id"], status="RESOLVED", shouldSendNotifications=False)


def _create_buffers(ctx, page_id):
    """Buffers of POST /incidents' statement on the page, on its second run
    in the session (the first also reads the catalogs to compile the
    functions); it must write no event."""
    lines = ["INCIDENT_CREATE\t%s\t%s\t{PUBLISHED}\t%s\tq%s\t\\N\tProbed"
             "\tINVESTIGATING\tNONE\t\\N\ttrue\t{}\t{}\t\\N"
             % (ctx.cloud, page_id, uuid.uuid4(), uuid.uuid4().hex[:7]) for _ in range(2)]
    plan = _plans(ctx, lines)["INCIDENT_CREATE"]
    assert ctx.psql("SELECT count(*) FROM notification_outbox WHERE cloud_id = '%s'"
                    " AND page_id = '%s'" % (ctx.cloud, page_id)) == "0"
    return _buffers(plan)


def test_notify_audience_probe_by_index_whatever_the_statistics(ctx):
    """A page with 10,000 unsubscribed subscribers (and none SUBSCRIBED):
    a create reads a bounded number of buffers, never analysed, analysed,
    and with the partial index believed nearly empty over its pages (as
    VACUUM leaves it after mass unsubscribes), where a plain probe took
    subscribers_page_recent and read every unsubscribed row of the page."""
    page, _ = page_with_components(ctx, ("Mail",))
    other, _ = page_with_components(ctx, ("Web",))
    written_subscribers(ctx, page["id"], "PAGE_SUBSCRIBER", page["id"], "UNSUBSCRIBED", 10000)
    written_subscribers(ctx, other["id"], "PAGE_SUBSCRIBER", other["id"], "SUBSCRIBED", 3000)
    states = [
        ("never analysed", "DELETE FROM pg_statistic WHERE starelid = 'subscribers'::regclass;"
         " UPDATE pg_class SET reltuples = -1 WHERE oid = 'subscribers'::regclass"),
        ("index believed nearly empty",
         "UPDATE pg_class SET reltuples = 10, relpages = pg_relation_size(oid) / 8192"
         " WHERE oid = 'subscribers_page_subscribed'::regclass"),
        ("analysed", "ANALYZE subscribers"),
    ]
    try:
        for name, sql in states:
            ctx.superuser_psql(sql)
            # About 50 buffers measured; a plain EXISTS read 384 once
            # analysed (the page's unsubscribed rows are over 200 pages).
            buffers = _create_buffers(ctx, page["id"])
            assert buffers <= 200, (name, buffers)
    finally:
        ctx.superuser_psql("ANALYZE subscribers")
        clear(ctx)


def test_notify_audience_zz_cleanup(ctx):
    close_rig(ctx)
