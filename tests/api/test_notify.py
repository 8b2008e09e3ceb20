"""statusd-notify against real receivers on loopback: an HTTPS webhook
receiver with its own test CA (trusted through webhook_ca_file) that checks
every signature as the Standard Webhooks reference verifier does; the
outbox-to-delivery path, retries and their back-off, a notifier killed with
SIGKILL mid-batch, two notifiers over 1,000 deliveries, SIGTERM finishing
the attempt in flight, a rolled-back incident write.

Deliveries are inserted here directly (one per event and subscriber, as the
fan-out writes them) until the subscribers table exists on main.
"""

import os
import tempfile
import time
import uuid

from notifyrig import Notifier, Receiver, make_ca, new_secret
from test_incidents import create, incident_of, page_with_components


def rig(ctx):
    """The CA and receiver, made once for the module."""
    if "notify" not in ctx.shared:
        d = tempfile.mkdtemp(prefix="notify-", dir=ctx.state_dir)
        ca, cert, key = make_ca(d)
        rec = Receiver(cert, key)
        rec.secret = new_secret()
        ctx.shared["notify"] = (d, ca, rec)
    return ctx.shared["notify"]


def notifier(ctx, keep=False, **settings):
    """A notifier; unless keep, what earlier tests left to retry is dropped
    first, so their retries do not reach this test's receiver."""
    d, ca, _ = rig(ctx)
    if not keep:
        ctx.psql("UPDATE deliveries SET state = 'DROPPED', lease_until = NULL"
                 " WHERE state IN ('PENDING', 'IN_FLIGHT')")
    return Notifier(ctx, d, ca, **settings)


def new_event(ctx, **fields):
    """An incident with shouldSendNotifications: (page, incident, outbox id)."""
    page, comps = page_with_components(ctx, ("Mail",))
    inc = incident_of(create(ctx, page["id"], shouldSendNotifications=True,
                             message="Mail is slow <b>&</b>", affectedComponents=[
                                 {"componentId": comps["Mail"], "status": "PARTIAL_OUTAGE"}],
                             **fields))
    ev = ctx.psql("SELECT id FROM notification_outbox WHERE cloud_id = '%s'"
                  " AND payload ->> 'incidentId' = '%s'" % (ctx.cloud, inc["id"]))
    assert ev, "no outbox row"
    return page, inc, comps, ev


def add_deliveries(ctx, event_id, path, n=1, secret=None):
    """n deliveries of the event to the receiver's path: their ids."""
    _, _, rec = rig(ctx)
    out = ctx.psql(
        "INSERT INTO deliveries (cloud_id, event_id, subscriber_id, channel, target, secret)"
        " SELECT '%s', '%s', gen_random_uuid(), 'WEBHOOK', '%s', '%s'"
        " FROM generate_series(1, %d) RETURNING id"
        % (ctx.cloud, event_id, rec.url(path), secret or rec.secret, n))
    return out.split()


def delivery(ctx, did):
    row = ctx.psql("SELECT state, attempts FROM deliveries WHERE cloud_id = '%s'"
                   " AND id = '%s'" % (ctx.cloud, did))
    state, attempts = row.split("|")
    return state, int(attempts)


def attempts(ctx, did):
    rows = ctx.psql("SELECT attempt, outcome, coalesce(status_code, 0),"
                    " extract(epoch FROM next_attempt_at - finished_at)"
                    " FROM delivery_attempts WHERE cloud_id = '%s'"
                    " AND delivery_id = '%s' ORDER BY attempt" % (ctx.cloud, did))
    out = []
    for line in rows.splitlines():
        a, outcome, code, gap = line.split("|")
        out.append((int(a), outcome, int(code), float(gap) if gap else None))
    return out


def first_attempt_done(ctx, did, timeout):
    """The delivery's attempts once its first one has ended."""
    end = time.time() + timeout
    while time.time() < end:
        a = attempts(ctx, did)
        if a and a[0][1] != "IN_FLIGHT":
            return a
        time.sleep(0.05)
    raise AssertionError("no finished attempt of %s: %r" % (did, attempts(ctx, did)))


def wait_state(ctx, did, states, timeout):
    end = time.time() + timeout
    while time.time() < end:
        s = delivery(ctx, did)
        if s[0] in states:
            return s
        time.sleep(0.05)
    raise AssertionError("delivery %s still %r" % (did, delivery(ctx, did)))


def for_path(rec, path):
    return [r for r in rec.requests if r["path"] == path]


# --- delivery -----------------------------------------------------------------

def test_notify_webhook_signed_and_prompt(ctx):
    _, _, rec = rig(ctx)
    with notifier(ctx) as n:
        page, inc, comps, ev = new_event(ctx)
        seen = len(rec.requests)
        t0 = time.time()
        did, = add_deliveries(ctx, ev, "/ok")
        assert rec.wait_for(lambda r: len(r) > seen, 5), "nothing arrived"
        # The poll interval is 10 s: only the NOTIFY at commit explains this.
        assert rec.requests[seen]["at"] - t0 < 1.0, rec.requests[seen]["at"] - t0
        req = rec.requests[seen]
        assert req["error"] is None, req["error"]  # the reference verifier accepts it
        h = {k.lower(): v for k, v in req["headers"].items()}
        assert h["webhook-id"] == "msg_" + did
        assert h["content-type"] == "application/json"
        p = req["payload"]
        assert p["type"] == "incident.created"
        d = p["data"]
        assert d["eventId"] == ev
        assert d["page"]["id"] == page["id"] and d["page"]["name"] == page["name"]
        assert d["incident"]["id"] == inc["id"]
        assert d["incident"]["incidentCode"] == inc["incidentCode"]
        assert d["incident"]["latestUpdate"]["body"] == "Mail is slow <b>&</b>"
        assert d["incident"]["affectedComponents"] == [
            {"id": comps["Mail"], "name": "Mail", "status": "PARTIAL_OUTAGE"}]
        assert wait_state(ctx, did, ("DELIVERED",), 5) == ("DELIVERED", 1)
        assert attempts(ctx, did) == [(1, "DELIVERED", 200, None)]
        # One log line per attempt, without the target or the secret.
        n.wait_log("delivery=%s" % did, 5)
        log = n.log_text()
        assert "outcome=DELIVERED status=200" in log
        assert rec.secret not in log and str(rec.port) not in log


def test_notify_tampered_secret_fails_verification(ctx):
    """The receiver's check can fail: a delivery signed with another secret
    is refused by the reference verifier."""
    _, _, rec = rig(ctx)
    with notifier(ctx) as n:
        _, _, _, ev = new_event(ctx)
        seen = len(rec.requests)
        did, = add_deliveries(ctx, ev, "/ok", secret=new_secret())
        assert rec.wait_for(lambda r: len(r) > seen, 5)
        assert rec.requests[seen]["error"] == "no matching signature"
        wait_state(ctx, did, ("DELIVERED",), 5)


def test_notify_answers_decide_the_outcome(ctx):
    _, _, rec = rig(ctx)
    with notifier(ctx) as n:
        _, _, _, ev = new_event(ctx)
        gone, = add_deliveries(ctx, ev, "/gone")
        redirect, = add_deliveries(ctx, ev, "/redirect")
        flaky, = add_deliveries(ctx, ev, "/flaky")
        busy, = add_deliveries(ctx, ev, "/busy")
        assert wait_state(ctx, gone, ("GONE",), 5) == ("GONE", 1)
        assert attempts(ctx, gone) == [(1, "GONE", 410, None)]
        # A redirect is a failure, never followed to /ok.
        assert wait_state(ctx, redirect, ("FAILED",), 5) == ("FAILED", 1)
        assert attempts(ctx, redirect) == [(1, "FAILED", 302, None)]
        # 500, then 200 on the retry, with the same webhook-id.
        assert wait_state(ctx, flaky, ("DELIVERED",), 10) == ("DELIVERED", 2)
        a = attempts(ctx, flaky)
        assert [x[:3] for x in a] == [(1, "RETRY", 500), (2, "DELIVERED", 200)]
        assert 0.05 <= a[0][3] <= 1.1, a  # back-off: base 200 ms, cap 1 s
        ids = [r["headers"].get("webhook-id") for r in for_path(rec, "/flaky")]
        assert ids == ["msg_" + flaky] * 2, ids
        # 429 with Retry-After: 1 waits at least that second.
        wait_state(ctx, busy, ("PENDING", "IN_FLIGHT"), 5)
        a = attempts(ctx, busy)
        assert a[0][:3] == (1, "RETRY", 429) and a[0][3] >= 0.99, a
        assert not [r for r in for_path(rec, "/ok")
                    if r["headers"].get("webhook-id") == "msg_" + redirect]


def test_notify_gives_up_after_ten_failures(ctx):
    _, _, rec = rig(ctx)
    with notifier(ctx, notify_retry_base_ms=20, notify_retry_max_seconds=1) as n:
        _, _, _, ev = new_event(ctx)
        did, = add_deliveries(ctx, ev, "/fail")
        assert wait_state(ctx, did, ("FAILED",), 30) == ("FAILED", 10)
        a = attempts(ctx, did)
        assert [x[1] for x in a] == ["RETRY"] * 10 and all(x[2] == 500 for x in a)
        assert a[-1][3] is None  # nothing scheduled after the last
        ids = {r["headers"].get("webhook-id") for r in for_path(rec, "/fail")
               if r["headers"].get("webhook-id") == "msg_" + did}
        assert ids == {"msg_" + did}
        assert len([r for r in for_path(rec, "/fail")
                    if r["headers"].get("webhook-id") == "msg_" + did]) == 10


def test_notify_timeout_retries(ctx):
    with notifier(ctx, webhook_timeout_ms=500) as n:
        _, _, _, ev = new_event(ctx)
        did, = add_deliveries(ctx, ev, "/hang")
        a = first_attempt_done(ctx, did, 10)
        assert a[0][:3] == (1, "RETRY", 0), a
        assert "timed out" in n.log_text()


def test_notify_untrusted_certificate_refused(ctx):
    """Without webhook_ca_file the test CA is not trusted: no delivery."""
    _, _, rec = rig(ctx)
    with notifier(ctx, webhook_ca_file="/dev/null") as n:
        _, _, _, ev = new_event(ctx)
        seen = len(rec.requests)
        did, = add_deliveries(ctx, ev, "/ok")
        a = first_attempt_done(ctx, did, 5)
        assert a and a[0][1] == "RETRY" and a[0][2] == 0, a
        assert len(rec.requests) == seen


def test_notify_internal_address_at_delivery_refused(ctx):
    """Targets that passed sign-up but resolve to loopback when delivered
    (here: straight into the table) are refused, names and literals alike,
    and nothing reaches the receiver."""
    _, _, rec = rig(ctx)
    with notifier(ctx, webhook_allowed_networks=None) as n:
        _, _, _, ev = new_event(ctx)
        seen = len(rec.requests)
        ids = []
        for host in ("localhost", "127.0.0.1", "[::1]", "[::ffff:127.0.0.1]"):
            did, = ctx.psql(
                "INSERT INTO deliveries (cloud_id, event_id, subscriber_id, channel,"
                " target, secret) VALUES ('%s', '%s', gen_random_uuid(), 'WEBHOOK',"
                " '%s', '%s') RETURNING id"
                % (ctx.cloud, ev, rec.url("/ok", host=host), rec.secret)).split()
            ids.append(did)
        for did in ids:
            assert wait_state(ctx, did, ("FAILED",), 5) == ("FAILED", 1)
            a = attempts(ctx, did)
            assert [x[:3] for x in a] == [(1, "REFUSED", 0)], a
        assert "reason=\"resolves to an internal address\"" in n.log_text()
        time.sleep(0.3)
        assert len(rec.requests) == seen


# --- processes ----------------------------------------------------------------

def test_notify_sigterm_finishes_attempt_in_flight(ctx):
    _, _, rec = rig(ctx)
    n = notifier(ctx)
    _, _, _, ev = new_event(ctx)
    seen = len(for_path(rec, "/slow"))
    did, = add_deliveries(ctx, ev, "/slow")
    assert rec.wait_for(lambda r: len([x for x in r if x["path"] == "/slow"]) > seen, 5)
    t0 = time.time()
    assert n.term() == 0
    n.close()
    assert time.time() - t0 >= 1.0  # it waited for the 2 s answer
    assert delivery(ctx, did) == ("DELIVERED", 1)
    assert attempts(ctx, did) == [(1, "DELIVERED", 200, None)]


def test_notify_kill9_mid_batch_redelivers_with_same_id(ctx):
    _, _, rec = rig(ctx)
    a = notifier(ctx)
    _, _, _, ev = new_event(ctx)
    seen = len(for_path(rec, "/slow"))
    ids = add_deliveries(ctx, ev, "/slow", n=5)
    assert rec.wait_for(lambda r: len([x for x in r if x["path"] == "/slow"]) >= seen + 5, 5)
    a.kill9()
    a.close()
    assert {delivery(ctx, d)[0] for d in ids} == {"IN_FLIGHT"}
    with notifier(ctx, keep=True) as b:
        for d in ids:
            assert wait_state(ctx, d, ("DELIVERED",), 15) == ("DELIVERED", 2)
            assert [x[:2] for x in attempts(ctx, d)] == [(1, "ABANDONED"), (2, "DELIVERED")]
            got = [r["headers"].get("webhook-id") for r in for_path(rec, "/slow")
                   if r["headers"].get("webhook-id") == "msg_" + d]
            assert len(got) == 2  # at least once: the same message id again


def test_notify_two_notifiers_no_attempt_twice(ctx):
    _, _, rec = rig(ctx)
    _, _, _, ev = new_event(ctx)
    before = len(for_path(rec, "/ok"))
    with notifier(ctx, notify_batch=32), notifier(ctx, notify_batch=32):
        ids = add_deliveries(ctx, ev, "/ok", n=1000)
        assert rec.wait_for(lambda r: len([x for x in r if x["path"] == "/ok"])
                            >= before + 1000, 120), len(for_path(rec, "/ok")) - before
        end = time.time() + 20
        while time.time() < end:
            left = ctx.psql("SELECT count(*) FROM deliveries WHERE event_id = '%s'"
                            " AND state <> 'DELIVERED'" % ev)
            if left == "0":
                break
            time.sleep(0.1)
        assert left == "0", left
        time.sleep(0.5)
        got = [r["headers"].get("webhook-id") for r in for_path(rec, "/ok")[before:]]
        assert len(got) == 1000 and set(got) == {"msg_" + d for d in ids}
        rows = ctx.psql("SELECT count(*), count(DISTINCT notifier), max(attempt)"
                        " FROM delivery_attempts WHERE event_id = '%s'" % ev)
        count, notifiers, top = rows.split("|")
        assert count == "1000" and top == "1", rows
        assert notifiers == "2", rows  # both took part


def test_notify_rolled_back_incident_write_sends_nothing(ctx):
    _, _, rec = rig(ctx)
    with notifier(ctx) as n:
        page, _ = page_with_components(ctx, ("Mail",))
        name = ctx.uniq("RolledBack")
        before = len(rec.requests)
        create(ctx, page["id"], expect=400, name=name, shouldSendNotifications=True,
               affectedComponents=[{"componentId": str(uuid.uuid4()),
                                    "status": "MAJOR_OUTAGE"}])
        time.sleep(1.5)
        assert ctx.psql("SELECT count(*) FROM notification_outbox WHERE cloud_id = '%s'"
                        " AND payload ->> 'name' = '%s'" % (ctx.cloud, name)) == "0"
        assert len(rec.requests) == before


def test_notify_fans_out_committed_events(ctx):
    """Every committed outbox event is taken (fanned out) once, promptly."""
    with notifier(ctx) as n:
        _, _, _, ev = new_event(ctx)
        end = time.time() + 5
        while time.time() < end:
            row = ctx.psql("SELECT delivered_at IS NOT NULL, attempts FROM notification_outbox"
                           " WHERE cloud_id = '%s' AND id = '%s'" % (ctx.cloud, ev))
            if row.startswith("t"):
                break
            time.sleep(0.05)
        assert row == "t|1", row


def test_notify_zz_cleanup(ctx):
    if "notify" in ctx.shared:
        ctx.shared["notify"][2].close()
