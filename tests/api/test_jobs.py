"""statusd-notify's timed jobs (notify/jobs.c): incident reminders (and the
reminderIntervals, lastRemindedAt and updateNeededAt fields they run on),
the archive purge, the deletion of expired contact data, pruning the outbox
and old attempts, and the advisory lock that makes one notifier of several
run each job. Each test turns on the job it is about with a short interval
and travels in time by moving timestamps back with UPDATE."""

import os
import subprocess
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone

from client import check_error
from notifyrig import Notifier
from subscriberlib import subscribe
from test_incidents import create, heard, incident_of, put

JOBS_OFF = {"job_purge_interval_seconds": 0, "job_reminders_interval_seconds": 0,
            "job_contacts_interval_seconds": 0, "job_prune_interval_seconds": 0}
# The second key of each job's advisory lock (notify/jobs.c); the first is
# JOB_LOCK_CLASS of db/jobs.c.
LOCK_CLASS = 1936355170
LOCK_OF = {"purge": 1, "reminders": 2, "contacts": 3, "prune": 4}


def notifier(ctx, **settings):
    """A notifier with every job off but those settings turn on."""
    d = ctx.shared.get("jobs_dir")
    if d is None:
        d = ctx.shared["jobs_dir"] = tempfile.mkdtemp(prefix="jobs-", dir=ctx.state_dir)
    conf = dict(JOBS_OFF)
    conf.update(settings)
    return Notifier(ctx, d, None, **conf)


def runs(n, job):
    """The job_run lines of job in notifier n's log."""
    return [l for l in n.log_text().splitlines()
            if "event=job_run " in l and " job=%s " % job in l]


def wait_runs(n, job, count, timeout=15):
    end = time.time() + timeout
    while time.time() < end:
        if len(runs(n, job)) >= count:
            return runs(n, job)
        time.sleep(0.05)
    raise AssertionError("%d %s runs wanted: %s" % (count, job, n.log_text()[-2000:]))


def field(line, name):
    for word in line.split():
        if word.startswith(name + "="):
            return word[len(name) + 1:]
    raise AssertionError("no %s in %r" % (name, line))


def when(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc) \
        if "." not in text else datetime.fromisoformat(text.replace("Z", "+00:00"))


def ready_to_run(ctx, job):
    """Forget the job's last run, so a notifier finds it due at once."""
    ctx.psql("DELETE FROM job_runs WHERE name = '%s'" % job)


# --- reminder fields ----------------------------------------------------------

def test_jobs_reminder_fields_on_create_and_update(ctx):
    page = ctx.create_page()
    r = create(ctx, page["id"])
    inc = incident_of(r)
    assert inc["reminderIntervals"] == [] and "updateNeededAt" not in inc \
        and "lastRemindedAt" not in inc, inc
    r = create(ctx, page["id"], reminderIntervals=[15, 60])
    inc = incident_of(r)
    assert inc["reminderIntervals"] == [15, 60], inc
    due = when(inc["updateNeededAt"]) - when(inc["updatedAt"])
    assert timedelta(minutes=14, seconds=58) <= due <= timedelta(minutes=15, seconds=2), inc
    # An update without the field keeps the intervals and counts again
    # from itself; one with them replaces them.
    inc = incident_of(put(ctx, page["id"], incidentId=inc["id"], message="still"))
    assert inc["reminderIntervals"] == [15, 60] and "updateNeededAt" in inc, inc
    inc = incident_of(put(ctx, page["id"], incidentId=inc["id"], reminderIntervals=[5]))
    due = when(inc["updateNeededAt"]) - when(inc["updatedAt"])
    assert inc["reminderIntervals"] == [5] and due <= timedelta(minutes=5, seconds=2), inc
    # null and [] turn reminders off; resolving ends them too.
    inc = incident_of(put(ctx, page["id"], incidentId=inc["id"], reminderIntervals=None))
    assert inc["reminderIntervals"] == [] and "updateNeededAt" not in inc, inc
    inc = incident_of(put(ctx, page["id"], incidentId=inc["id"], reminderIntervals=[30]))
    assert "updateNeededAt" in inc
    inc = incident_of(put(ctx, page["id"], incidentId=inc["id"], status="RESOLVED"))
    assert inc["reminderIntervals"] == [30] and "updateNeededAt" not in inc, inc


def test_jobs_reminder_intervals_refused(ctx):
    page = ctx.create_page()
    for bad, what in (([0], "from 1 to 10080"), ([10081], "from 1 to 10080"),
                      (["15"], "from 1 to 10080"), ([1.5], "from 1 to 10080"),
                      (15, "must be an array"), (list(range(1, 12)), "at most 10 items")):
        r = ctx.request("POST", "/incidents", {"incidentCreateRequest": {
            "pageId": page["id"], "name": ctx.uniq("I"), "reminderIntervals": bad}})
        check_error(r, 400)
        assert "body.incidentCreateRequest.reminderIntervals" in r.json["details"] \
            and what in r.json["details"], (bad, r.json)
    assert ctx.psql("SELECT count(*) FROM incidents WHERE cloud_id = '%s'"
                    " AND page_id = '%s'" % (ctx.cloud, page["id"])) == "0"


# --- the reminder job -----------------------------------------------------------

def reminders_of(ctx, incident_id):
    return ctx.psql("SELECT count(*) FROM notification_outbox WHERE kind = 'incident.reminder'"
                    " AND payload ->> 'incidentId' = '%s'" % incident_id)


def travel_to_due(ctx, incident_id):
    ctx.psql("UPDATE incidents SET update_needed_at = now() - interval '1 second'"
             " WHERE cloud_id = '%s' AND id = '%s'" % (ctx.cloud, incident_id))


def test_jobs_reminders_written_and_advanced(ctx):
    page = ctx.create_page()
    # Reminders go to WEBHOOK and SLACK subscribers: this one makes them
    # written (test_notify_audience) and gets none.
    heard(ctx, page["id"])
    inc = incident_of(create(ctx, page["id"], reminderIntervals=[30, 60],
                             shouldSendNotifications=False))
    ready_to_run(ctx, "reminders")
    with notifier(ctx, job_reminders_interval_seconds=1) as n:
        wait_runs(n, "reminders", 1)
        assert reminders_of(ctx, inc["id"]) == "0"  # not due yet
        travel_to_due(ctx, inc["id"])
        before = datetime.now(timezone.utc)
        end = time.time() + 10
        while reminders_of(ctx, inc["id"]) == "0" and time.time() < end:
            time.sleep(0.05)
        assert reminders_of(ctx, inc["id"]) == "1"
        got = incident_of(ctx.request("GET", "/incidents/get?incidentId=" + inc["id"]))
        reminded = when(got["lastRemindedAt"])
        assert before - timedelta(seconds=2) <= reminded <= datetime.now(timezone.utc), got
        # The second interval follows the first reminder; the event says
        # which incident and when it next needs an update.
        assert when(got["updateNeededAt"]) - reminded == timedelta(minutes=60), got
        ev = ctx.psql("SELECT page_id, payload ->> 'status', payload ->> 'updateNeededAt'"
                      " FROM notification_outbox WHERE kind = 'incident.reminder'"
                      " AND payload ->> 'incidentId' = '%s'" % inc["id"])
        assert ev == "%s|INVESTIGATING|%s" % (page["id"], got["updateNeededAt"]), ev
        lines = [l for l in runs(n, "reminders") if field(l, "reminders") != "0"]
        assert len(lines) == 1 and field(lines[0], "reminders") == "1", lines
        # The last interval repeats.
        travel_to_due(ctx, inc["id"])
        end = time.time() + 10
        while reminders_of(ctx, inc["id"]) == "1" and time.time() < end:
            time.sleep(0.05)
        got = incident_of(ctx.request("GET", "/incidents/get?incidentId=" + inc["id"]))
        assert when(got["updateNeededAt"]) - when(got["lastRemindedAt"]) == \
            timedelta(minutes=60), got
        # An update answers the reminders: the first interval again.
        got = incident_of(put(ctx, page["id"], incidentId=inc["id"], message="on it"))
        due = when(got["updateNeededAt"]) - when(got["updatedAt"])
        assert timedelta(minutes=29, seconds=58) <= due <= timedelta(minutes=30, seconds=2), got
        # A resolved incident is never reminded about.
        put(ctx, page["id"], incidentId=inc["id"], status="RESOLVED")
        ctx.psql("UPDATE incidents SET update_needed_at = now() - interval '1 second',"
                 " status = 'RESOLVED' WHERE id = '%s'" % inc["id"])
        k = len(runs(n, "reminders"))
        wait_runs(n, "reminders", k + 2)
    assert reminders_of(ctx, inc["id"]) == "2"


def test_jobs_reminder_reaches_the_pages_webhook(ctx):
    """End to end: an incident due for an update, the reminder job, the
    fan-out, and a signed incident.reminder at the page's webhook."""
    import test_notify
    rec = test_notify.receiver(ctx)
    page, _, sub, path = test_notify.hooked_page(ctx)
    inc = incident_of(create(ctx, page["id"], reminderIntervals=[30],
                             shouldSendNotifications=False))
    travel_to_due(ctx, inc["id"])
    ready_to_run(ctx, "reminders")

    def reminded(_):
        return [x for x in rec.of(path) if x["payload"] and
                x["payload"]["type"] == "incident.reminder" and
                x["payload"]["data"]["incident"]["id"] == inc["id"]]
    with test_notify.notifier(ctx, **dict(JOBS_OFF, job_reminders_interval_seconds=1)):
        assert rec.wait_for(reminded, 10), rec.of(path)
    got = reminded(None)
    assert len(got) == 1 and got[0]["error"] is None, got
    assert got[0]["payload"]["data"]["incident"]["incidentCode"] == inc["incidentCode"]
    put(ctx, page["id"], incidentId=inc["id"], status="RESOLVED")


# --- the archive purge ----------------------------------------------------------

def test_jobs_purge_erases_expired_archives(ctx):
    old, recent = ctx.create_page(), ctx.create_page()
    for p in (old, recent):
        assert ctx.request("POST", "/pages/%s/permanent_delete" % p["id"]).status == 200
    ctx.psql("UPDATE pages SET archived_at = now() - interval '31 days'"
             " WHERE cloud_id = '%s' AND id = '%s'" % (ctx.cloud, old["id"]))
    ready_to_run(ctx, "purge")
    with notifier(ctx, job_purge_interval_seconds=1) as n:
        line = wait_runs(n, "purge", 1)[0]
    assert int(field(line, "pages")) >= 1 and "captchas=" in line, line
    left = ctx.psql("SELECT id FROM pages WHERE cloud_id = '%s' AND id IN ('%s', '%s')"
                    % (ctx.cloud, old["id"], recent["id"]))
    assert left == recent["id"], left
    # The command line does the same, for an operator who prefers a timer.
    p = ctx.statusctl("purge")
    assert "purged 0 pages" in p.stdout, p.stdout


# --- contact data ---------------------------------------------------------------

def _webhook_subscriber(ctx, page_id):
    return subscribe(ctx, page_id, stype="WEBHOOK",
                     webhookEndpoint="https://8.8.8.8/hooks/%s" % uuid.uuid4().hex).json


def _subscriber_row(ctx, sid):
    return ctx.psql("SELECT coalesce(contact, '-'), coalesce(webhook_secret, '-'),"
                    " contact_deleted_at IS NOT NULL FROM subscribers"
                    " WHERE cloud_id = '%s' AND id = '%s'" % (ctx.cloud, sid)).split("|")


def test_jobs_contact_data_deleted_after_retention(ctx):
    page = ctx.create_page()
    gone, kept, quarantined, active = (_webhook_subscriber(ctx, page["id"]) for _ in range(4))
    # unsubscribed_at follows the status, whatever changes it.
    ctx.psql("UPDATE subscribers SET status = 'UNSUBSCRIBED' WHERE cloud_id = '%s'"
             " AND id IN ('%s', '%s')" % (ctx.cloud, gone["id"], kept["id"]))
    assert ctx.psql("SELECT count(*) FROM subscribers WHERE id IN ('%s', '%s')"
                    " AND unsubscribed_at > now() - interval '1 minute'"
                    % (gone["id"], kept["id"])) == "2"
    ctx.psql("UPDATE subscribers SET unsubscribed_at = now() - interval '91 days'"
             " WHERE id = '%s'" % gone["id"])
    ctx.psql("UPDATE subscribers SET unsubscribed_at = now() - interval '89 days'"
             " WHERE id = '%s'" % kept["id"])
    ctx.psql("UPDATE subscribers SET status = 'QUARANTINED',"
             " quarantined_at = now() - interval '91 days' WHERE id = '%s'" % quarantined["id"])
    ctx.psql("UPDATE subscribers SET unsubscribed_at = now() - interval '91 days'"
             " WHERE id = '%s'" % active["id"])  # SUBSCRIBED: not expired
    # Copies in deliveries: one waiting (dropped), one ended (kept, blanked).
    ev = ctx.psql("INSERT INTO notification_outbox (cloud_id, page_id, kind, payload,"
                  " delivered_at) VALUES ('%s', '%s', 'incident.updated', '{}', now())"
                  " RETURNING id" % (ctx.cloud, page["id"]))
    ctx.psql("INSERT INTO deliveries (cloud_id, event_id, subscriber_id, channel, target,"
             " secret, state, next_attempt_at) VALUES"
             " ('%s', '%s', '%s', 'WEBHOOK', 'https://8.8.8.8/a', 'whsec_x', 'PENDING',"
             " now() + interval '1 day'),"
             " ('%s', '%s', '%s', 'WEBHOOK', 'https://8.8.8.8/b', 'whsec_y', 'DELIVERED',"
             " now()), ('%s', '%s', '%s', 'WEBHOOK', 'https://8.8.8.8/c', 'whsec_z',"
             " 'PENDING', now() + interval '1 day')"
             % (ctx.cloud, ev, gone["id"], ctx.cloud, ev, quarantined["id"],
                ctx.cloud, ev, kept["id"]))
    ready_to_run(ctx, "contacts")
    with notifier(ctx, job_contacts_interval_seconds=1) as n:
        line = wait_runs(n, "contacts", 1)[0]
    assert int(field(line, "subscribers")) >= 2, line
    for s in (gone, quarantined):
        assert _subscriber_row(ctx, s["id"]) == ["-", "-", "t"], s
    for s in (kept, active):
        row = _subscriber_row(ctx, s["id"])
        assert row[0].startswith("https://8.8.8.8/") and row[1].startswith("whsec_") \
            and row[2] == "f", row
    rows = ctx.psql("SELECT subscriber_id, coalesce(target, '-'), coalesce(secret, '-'), state"
                    " FROM deliveries WHERE event_id = '%s' ORDER BY target NULLS FIRST"
                    % ev).splitlines()
    got = {r.split("|")[0]: r.split("|")[1:] for r in rows}
    assert got[gone["id"]] == ["-", "-", "DROPPED"], got
    assert got[quarantined["id"]] == ["-", "-", "DELIVERED"], got
    assert got[kept["id"]] == ["https://8.8.8.8/c", "whsec_z", "PENDING"], got
    # The API still lists the subscriber, without contact data (the
    # responses are checked against the official schema too).
    r = ctx.request("GET", "/subscribers/list?itemType=PAGE&itemId=" + page["id"])
    assert r.status == 200, r
    listed = {s["id"]: s for s in r.json["connection"]["nodes"]}
    assert "webhookEndpoint" not in listed[gone["id"]], listed[gone["id"]]
    assert listed[kept["id"]]["webhookEndpoint"].startswith("https://8.8.8.8/"), listed
    ctx.psql("UPDATE deliveries SET state = 'DROPPED' WHERE event_id = '%s'"
             " AND state = 'PENDING'" % ev)


# --- pruning --------------------------------------------------------------------

def _event(ctx, page_id, fanned_out_days_ago):
    return ctx.psql("INSERT INTO notification_outbox (cloud_id, page_id, kind, payload,"
                    " delivered_at) VALUES ('%s', '%s', 'incident.updated', '{}',"
                    " now() - make_interval(days => %d)) RETURNING id"
                    % (ctx.cloud, page_id, fanned_out_days_ago))


def _delivery(ctx, event_id, state, attempts_days_ago=()):
    did = ctx.psql("INSERT INTO deliveries (cloud_id, event_id, subscriber_id, channel,"
                   " target, state, next_attempt_at, attempts) VALUES ('%s', '%s',"
                   " gen_random_uuid(), 'WEBHOOK', 'https://8.8.8.8/p', '%s',"
                   " now() + interval '1 day', %d) RETURNING id"
                   % (ctx.cloud, event_id, state, len(attempts_days_ago)))
    for i, days in enumerate(attempts_days_ago, 1):
        ctx.psql("INSERT INTO delivery_attempts (cloud_id, delivery_id, attempt, event_id,"
                 " subscriber_id, notifier, started_at, finished_at, outcome)"
                 " SELECT cloud_id, id, %d, event_id, subscriber_id, 'test',"
                 " now() - make_interval(days => %d), now() - make_interval(days => %d),"
                 " 'RETRY' FROM deliveries WHERE id = '%s'" % (i, days, days, did))
    return did


def test_jobs_prune_outbox_and_attempts(ctx):
    page = ctx.create_page()
    old = _event(ctx, page["id"], 31)
    old_done = _delivery(ctx, old, "DELIVERED", (31,))
    waiting = _event(ctx, page["id"], 31)
    _delivery(ctx, waiting, "PENDING", (31, 1))
    recent = _event(ctx, page["id"], 29)
    _delivery(ctx, recent, "FAILED", (29,))
    unfanned = ctx.psql("INSERT INTO notification_outbox (cloud_id, page_id, kind, payload,"
                        " next_attempt_at) VALUES ('%s', '%s', 'incident.updated', '{}',"
                        " now() + interval '1 day') RETURNING id" % (ctx.cloud, page["id"]))
    ready_to_run(ctx, "prune")
    with notifier(ctx, job_prune_interval_seconds=1) as n:
        line = wait_runs(n, "prune", 1)[0]
    assert int(field(line, "outbox_events")) >= 1 and int(field(line, "attempts")) >= 1, line
    left = ctx.psql("SELECT id FROM notification_outbox WHERE cloud_id = '%s' AND page_id = '%s'"
                    % (ctx.cloud, page["id"])).split()
    assert sorted(left) == sorted([waiting, recent, unfanned]), (left, old)
    assert ctx.psql("SELECT count(*) FROM deliveries WHERE id = '%s'" % old_done) == "0"
    # The waiting delivery keeps its recent attempt only; the event fanned
    # out 29 days ago keeps its attempt of 29 days ago.
    kept = ctx.psql("SELECT d.event_id, a.attempt FROM delivery_attempts a JOIN deliveries d"
                    " ON d.cloud_id = a.cloud_id AND d.id = a.delivery_id"
                    " WHERE d.event_id IN ('%s', '%s') ORDER BY 1, 2" % (waiting, recent))
    assert sorted(kept.splitlines()) == sorted(["%s|2" % waiting, "%s|1" % recent]), kept
    ctx.psql("UPDATE deliveries SET state = 'DROPPED' WHERE event_id = '%s'" % waiting)
    ctx.psql("DELETE FROM notification_outbox WHERE id = '%s'" % unfanned)


# --- one notifier of several runs a job -----------------------------------------

def test_jobs_two_notifiers_one_run(ctx):
    ready_to_run(ctx, "prune")
    a = notifier(ctx, job_prune_interval_seconds=3600)
    b = notifier(ctx, job_prune_interval_seconds=3600)
    try:
        end = time.time() + 15
        while not (runs(a, "prune") or runs(b, "prune")) and time.time() < end:
            time.sleep(0.05)
        time.sleep(1.5)  # both had their look
        assert len(runs(a, "prune")) + len(runs(b, "prune")) == 1, \
            (a.log_text()[-1000:], b.log_text()[-1000:])
        assert ctx.psql("SELECT runs FROM job_runs WHERE name = 'prune'") == "1"
    finally:
        for n in (a, b):
            assert n.term() == 0
            n.close()


def test_jobs_wait_for_the_advisory_lock(ctx):
    """While another session holds the job's lock, no notifier runs it,
    however due; once the lock is free, one does."""
    holder = subprocess.Popen(
        ["psql", "-X", "-A", "-t", "-q", "-d", ctx.database_url],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        holder.stdin.write("SELECT pg_advisory_lock(%d, %d);\nSELECT 'held';\n"
                           % (LOCK_CLASS, LOCK_OF["prune"]))
        holder.stdin.flush()
        assert holder.stdout.readline().strip() in ("", "held")
        ready_to_run(ctx, "prune")
        with notifier(ctx, job_prune_interval_seconds=1) as n:
            time.sleep(3)
            assert runs(n, "prune") == [], n.log_text()[-1000:]
            assert ctx.psql("SELECT count(*) FROM job_runs WHERE name = 'prune'") == "0"
            holder.stdin.close()
            holder.wait(10)
            wait_runs(n, "prune", 1, timeout=10)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
