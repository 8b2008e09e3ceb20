"""What operators see of the notifier: statusctl deliveries (recent attempts
of a subscriber or an event), statusctl outbox (depth, age of the oldest
undelivered row, attempts by outcome), the same figures on /metrics
(exact deltas, promtool), and the notifier's attempt log (no target, secret
or body)."""

import json
import os
import subprocess
import tempfile
import time
import uuid

from notifyrig import Notifier, Receiver, make_ca, new_secret
from test_ops import _get, _metrics_url, delta, scrape, value
from test_statusctl_ops import _make_empty_database, _statusctl

OUTCOMES = ("delivered", "retry", "gone", "failed", "refused", "dropped", "abandoned")
TEN_DAYS = 10 * 86400


def _event(ctx, page_id, age_s=0, fanned_out=True, body="marker"):
    """An outbox row (created age_s ago): its id. Unless fanned_out it is
    left for a fan-out that never comes (its next attempt a day away)."""
    return ctx.psql(
        "INSERT INTO notification_outbox (cloud_id, page_id, kind, payload, created_at,"
        " delivered_at, next_attempt_at) VALUES ('%s', '%s', 'incident.updated',"
        " jsonb_build_object('body', '%s'), now() - make_interval(secs => %d), %s,"
        " now() + interval '1 day') RETURNING id"
        % (ctx.cloud, page_id, body, age_s, "now()" if fanned_out else "NULL"))


def _delivery(ctx, event_id, subscriber_id, state="DELIVERED", target="https://8.8.8.8/x",
              secret="whsec_c2VjcmV0"):
    return ctx.psql(
        "INSERT INTO deliveries (cloud_id, event_id, subscriber_id, channel, target, secret,"
        " state, next_attempt_at) VALUES ('%s', '%s', '%s', 'WEBHOOK', '%s', '%s', '%s',"
        " now() + interval '1 day') RETURNING id"
        % (ctx.cloud, event_id, subscriber_id, target, secret, state))


def _attempt(ctx, delivery_id, n, outcome, status=None, error=None, ended=True, age=100):
    """Attempt n, started age seconds ago, written IN_FLIGHT and then ended
    with outcome, as a notifier records it."""
    ctx.psql("INSERT INTO delivery_attempts (cloud_id, delivery_id, attempt, event_id,"
             " subscriber_id, notifier, started_at) SELECT cloud_id, id, %d, event_id,"
             " subscriber_id, 'host:42', now() - make_interval(secs => %d)"
             " FROM deliveries WHERE id = '%s'" % (n, age - n, delivery_id))
    if ended:
        ctx.psql("UPDATE delivery_attempts SET outcome = '%s', status_code = %s,"
                 " error = %s, finished_at = now() WHERE delivery_id = '%s' AND attempt = %d"
                 % (outcome, status or "NULL", "'%s'" % error if error else "NULL",
                    delivery_id, n))


def _cleanup(ctx, *events):
    for ev in events:
        ctx.psql("DELETE FROM notification_outbox WHERE id = '%s'" % ev)


# --- statusctl deliveries -------------------------------------------------------

def test_statusctl_deliveries_of_a_subscriber_and_of_an_event(ctx):
    page = ctx.create_page()
    sub, other = str(uuid.uuid4()), str(uuid.uuid4())
    ev1, ev2 = _event(ctx, page["id"]), _event(ctx, page["id"])
    d1 = _delivery(ctx, ev1, sub)
    _attempt(ctx, d1, 1, "RETRY", 503, "server error", age=300)
    _attempt(ctx, d1, 2, "DELIVERED", 200, age=100)
    d2 = _delivery(ctx, ev2, sub, state="PENDING")
    _attempt(ctx, d2, 1, "IN_FLIGHT", ended=False, age=200)
    d3 = _delivery(ctx, ev1, other)
    _attempt(ctx, d3, 1, "GONE", 410, age=400)
    try:
        p = ctx.statusctl("deliveries", "--cloud", ctx.cloud, "--subscriber", sub)
        rows = [l.split("\t") for l in p.stdout.splitlines()]
        # Newest first.
        assert [(r[1], r[2], r[7]) for r in rows] == [
            (d1, "2", "DELIVERED"), (d2, "1", "IN_FLIGHT"), (d1, "1", "RETRY")], rows
        assert rows[2][3] == ev1 and rows[2][4] == "incident.updated" and rows[2][5] == sub
        assert rows[2][6] == "WEBHOOK" and rows[2][8] == "503" and rows[2][9] == "server error"
        assert rows[0][8] == "200" and rows[0][9] == "-" and rows[0][11] == "host:42"
        # Never the target or the secret.
        assert "8.8.8.8" not in p.stdout and "whsec_" not in p.stdout
        p = ctx.statusctl("deliveries", "--cloud", ctx.cloud, "--event", ev1, "--json")
        doc = json.loads(p.stdout)
        assert [(d["deliveryId"], d["attempt"], d["outcome"]) for d in doc] == [
            (d1, 2, "DELIVERED"), (d1, 1, "RETRY"), (d3, 1, "GONE")], doc
        assert doc[2]["statusCode"] == 410 and doc[2]["subscriberId"] == other
        assert doc[0]["error"] is None and doc[0]["finishedAt"] and doc[0]["kind"] == "incident.updated"
        p = ctx.statusctl("deliveries", "--cloud", ctx.cloud, "--event", ev1, "--limit", "1",
                          "--json")
        assert [d["attempt"] for d in json.loads(p.stdout)] == [2]
        # Another cloud sees none of them.
        p = ctx.statusctl("deliveries", "--cloud", str(uuid.uuid4()), "--event", ev1, "--json")
        assert json.loads(p.stdout) == []
    finally:
        _cleanup(ctx, ev1, ev2)


def test_statusctl_deliveries_refuses_bad_calls(ctx):
    sub = str(uuid.uuid4())
    for args, code in ((["--cloud", ctx.cloud], 2),
                       (["--cloud", ctx.cloud, "--subscriber", sub, "--event", sub], 2),
                       (["--subscriber", sub], 2),
                       (["--cloud", ctx.cloud, "--subscriber", "nope"], 1),
                       (["--cloud", ctx.cloud, "--event", sub, "--limit", "0"], 1),
                       (["--cloud", ctx.cloud, "--event", sub, "--limit", "1001"], 1)):
        p = ctx.statusctl("deliveries", *args, check=False)
        assert p.returncode == code and p.stdout == "", (args, p.returncode, p.stdout)
        assert p.stderr.startswith("statusctl: "), p.stderr


# --- statusctl outbox and /metrics ----------------------------------------------

def _outbox(ctx):
    return json.loads(ctx.statusctl("outbox", "--json").stdout)


def test_statusctl_outbox_depth_age_and_outcomes(ctx):
    page = ctx.create_page()
    before = _outbox(ctx)
    waiting = _event(ctx, page["id"], age_s=TEN_DAYS, fanned_out=False)
    fanned = _event(ctx, page["id"])
    d = _delivery(ctx, fanned, str(uuid.uuid4()), state="PENDING")
    _attempt(ctx, d, 1, "RETRY", 500)
    _attempt(ctx, d, 2, "REFUSED")
    try:
        after = _outbox(ctx)
        assert after["eventsPending"] - before["eventsPending"] == 1, (before, after)
        assert after["deliveriesPending"] - before["deliveriesPending"] == 1, (before, after)
        assert TEN_DAYS <= after["oldestUndeliveredAgeSeconds"] < TEN_DAYS + 300, after
        moved = {k: after["attemptsByOutcome"][k] - before["attemptsByOutcome"][k]
                 for k in after["attemptsByOutcome"]}
        assert moved == {"DELIVERED": 0, "RETRY": 1, "GONE": 0, "FAILED": 0,
                         "REFUSED": 1, "DROPPED": 0, "ABANDONED": 0}, moved
        text = ctx.statusctl("outbox").stdout
        assert "events_pending = %d\n" % after["eventsPending"] in text, text
        assert "attempts_REFUSED = %d\n" % after["attemptsByOutcome"]["REFUSED"] in text
    finally:
        _cleanup(ctx, waiting, fanned)
    assert _outbox(ctx)["eventsPending"] == before["eventsPending"]


def test_metrics_outbox_figures_move_exactly(ctx):
    page = ctx.create_page()
    before = scrape(ctx)
    assert value(before, "statusd_outbox_up") == 1
    waiting = _event(ctx, page["id"], age_s=TEN_DAYS, fanned_out=False)
    fanned = _event(ctx, page["id"])
    d = _delivery(ctx, fanned, str(uuid.uuid4()), state="PENDING")
    for n, outcome in enumerate(("RETRY", "RETRY", "GONE", "ABANDONED"), 1):
        _attempt(ctx, d, n, outcome)
    try:
        after = scrape(ctx)
        moved = {o: delta(before, after, "statusd_deliveries_total", outcome=o)
                 for o in OUTCOMES}
        assert moved == {"delivered": 0, "retry": 2, "gone": 1, "failed": 0,
                         "refused": 0, "dropped": 0, "abandoned": 1}, moved
        assert delta(before, after, "statusd_outbox_depth", stage="event") == 1
        assert delta(before, after, "statusd_outbox_depth", stage="delivery") == 1
        age = value(after, "statusd_outbox_oldest_undelivered_age_seconds")
        assert TEN_DAYS <= age < TEN_DAYS + 300, age
        # Pruning attempts never lowers the counter.
        ctx.psql("DELETE FROM delivery_attempts WHERE delivery_id = '%s'" % d)
        again = scrape(ctx)
        assert delta(after, again, "statusd_deliveries_total", outcome="retry") == 0
        status, _, body = _get(_metrics_url(ctx))
        p = subprocess.run(["promtool", "check", "metrics"], input=body,
                           capture_output=True, timeout=30)
        assert p.returncode == 0 and not p.stdout.strip() and not p.stderr.strip(), \
            (p.stdout[:500], p.stderr[:500])
        for name in ("statusd_outbox_depth", "statusd_outbox_oldest_undelivered_age_seconds",
                     "statusd_deliveries_total", "statusd_outbox_up"):
            assert ("# TYPE %s " % name).encode() in body, name
    finally:
        _cleanup(ctx, waiting, fanned)
    assert delta(before, scrape(ctx), "statusd_outbox_depth", stage="event") == 0


def test_metrics_count_a_real_notifiers_attempts(ctx):
    """Three deliveries to a receiver that answers 200 and one that answers
    410, through a real notifier: exactly +3 delivered and +1 gone, the
    depth back where it was, and an attempt log without target, secret or
    body."""
    d = tempfile.mkdtemp(prefix="notify-ops-", dir=ctx.state_dir)
    ca, cert, key = make_ca(d)
    rec = Receiver(cert, key)
    rec.secret = new_secret()
    page = ctx.create_page()
    # What earlier tests left waiting is not this notifier's to send.
    ctx.psql("UPDATE deliveries SET state = 'DROPPED', lease_until = NULL"
             " WHERE state IN ('PENDING', 'IN_FLIGHT')")
    ctx.psql("UPDATE notification_outbox SET delivered_at = now() WHERE delivered_at IS NULL")
    before = scrape(ctx)
    ev = _event(ctx, page["id"], body="Body-Marker-1234")
    try:
        with Notifier(ctx, d, ca, job_purge_interval_seconds=0,
                      job_reminders_interval_seconds=0, job_contacts_interval_seconds=0,
                      job_prune_interval_seconds=0) as n:
            for path in ("/ok", "/ok", "/ok", "/gone"):
                _delivery(ctx, ev, str(uuid.uuid4()), state="PENDING",
                          target=rec.url(path), secret=rec.secret)
            # Due now, and the notifier woken as a new row's trigger would.
            ctx.psql("UPDATE deliveries SET next_attempt_at = now() WHERE event_id = '%s';"
                     " NOTIFY statusd_notify" % ev)
            end = time.time() + 15
            while time.time() < end and ctx.psql(
                    "SELECT count(*) FROM deliveries WHERE event_id = '%s'"
                    " AND state IN ('PENDING', 'IN_FLIGHT')" % ev) != "0":
                time.sleep(0.05)
            log = n.log_text()
        after = scrape(ctx)
        assert delta(before, after, "statusd_deliveries_total", outcome="delivered") == 3
        assert delta(before, after, "statusd_deliveries_total", outcome="gone") == 1
        assert sum(delta(before, after, "statusd_deliveries_total", outcome=o)
                   for o in OUTCOMES) == 4
        assert delta(before, after, "statusd_outbox_depth", stage="delivery") == 0
        assert log.count("event=delivery_attempt ") == 4, log[-2000:]
        assert rec.secret not in log and str(rec.port) not in log \
            and "Body-Marker-1234" not in log, log[-2000:]
    finally:
        rec.close()
        _cleanup(ctx, ev)


def _migrated_database(ctx):
    """A database of its own in the stack's cluster, migrated: its name
    and URL."""
    url = _make_empty_database(ctx)
    name = url.split("///")[1].split("?")[0]
    conf = os.path.join(ctx.state_dir, "%s.conf" % name)
    with open(ctx.conf) as f, open(conf, "w") as out:
        out.write(f.read() + "\ndatabase_url = %s\n" % url)
    p = _statusctl(ctx, conf, "migrate")
    assert p.returncode == 0, p.stderr
    return name, url


def test_an_idle_notifier_waits_for_a_notify_or_its_poll_interval(ctx):
    """With nothing due, statusd-notify sleeps until a NOTIFY or its poll
    interval. Its question of what falls due next said 0 (due now) when
    nothing did, since greatest(0, NULL) is 0, so an idle notifier ran its
    round every 10 ms: about 360 statements a second against the database,
    for as long as it ran. On a database of its own, where nothing is ever
    due, its transactions are counted."""
    if not os.path.isdir(os.path.join(ctx.state_dir, "pg")):
        return  # the stack's database is not ours to add databases to
    name, url = _migrated_database(ctx)

    def commits():
        return int(ctx.psql("SELECT xact_commit FROM pg_stat_database"
                            " WHERE datname = '%s'" % name))

    d = tempfile.mkdtemp(prefix="notify-idle-", dir=ctx.state_dir)
    with Notifier(ctx, d, None, database_url=url, job_purge_interval_seconds=0,
                  job_reminders_interval_seconds=0, job_contacts_interval_seconds=0,
                  job_prune_interval_seconds=0):
        # A backend that keeps working reports its counts every second.
        time.sleep(1.5)
        before = commits()
        time.sleep(3)
        after = commits()
    # Polling every 10 ms was about 345 transactions a second (1,036 in
    # these 3 s); autovacuum's on the new database count too (up to 18).
    assert after - before <= 100, (before, after)
