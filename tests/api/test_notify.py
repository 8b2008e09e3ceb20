"""statusd-notify against real receivers on loopback: an HTTPS webhook
receiver with its own test CA (trusted through webhook_ca_file) that checks
every signature as the Standard Webhooks reference verifier does, with the
secret each subscriber got at sign-up. Subscribers are made through the API
(a second statusd that takes loopback targets, see notifyrig.SignUp) and
events by incident writes; the fan-out, routing, retries and their
back-off, quarantine, a notifier killed with SIGKILL mid-batch, two
notifiers over 1,000 events, SIGTERM finishing the attempt in flight, a
rolled-back incident write.
"""

import subprocess
import tempfile
import time
import urllib.parse
import uuid

from notifyrig import Notifier, Rebind, Receiver, SignUp, make_ca, new_secret
from subscriberlib import mint_token, subscribe
from test_incidents import create, incident_of, page_with_components, put


def rig(ctx):
    """The CA, receiver and sign-up statusd, made once for the module."""
    if "notify" not in ctx.shared:
        d = tempfile.mkdtemp(prefix="notify-", dir=ctx.state_dir)
        ca, cert, key = make_ca(d)
        rec = Receiver(cert, key)
        rec.secret = new_secret()
        ctx.shared["notify"] = (d, ca, rec, SignUp(ctx))
    return ctx.shared["notify"]


def receiver(ctx):
    return rig(ctx)[2]


def clear(ctx):
    """What earlier tests (of any module) left to fan out or retry is set
    aside, so it does not reach this test's receiver or count in it."""
    ctx.psql("UPDATE deliveries SET state = 'DROPPED', lease_until = NULL"
             " WHERE state IN ('PENDING', 'IN_FLIGHT')")
    ctx.psql("UPDATE notification_outbox SET delivered_at = now()"
             " WHERE delivered_at IS NULL")


def notifier(ctx, keep=False, **settings):
    """A notifier; unless keep, clear(ctx) first."""
    d, ca, _, _ = rig(ctx)
    if not keep:
        clear(ctx)
    return Notifier(ctx, d, ca, **settings)


def hook(ctx, page_id, answer="ok", item_type="PAGE_SUBSCRIBER", item_id=None,
         host="localhost", path=None):
    """A WEBHOOK subscriber made through the API whose receiver path answers
    as `answer` says (notifyrig): (subscriber, path)."""
    path = path or "/%s/%s" % (answer, uuid.uuid4().hex[:12])
    sub = rig(ctx)[3].webhook(receiver(ctx), page_id, path, item_type, item_id, host)
    return sub, path


def new_incident(ctx, page_id, comps, **fields):
    """An incident with shouldSendNotifications affecting Mail: (incident,
    outbox event id)."""
    inc = incident_of(create(ctx, page_id, shouldSendNotifications=True,
                             message="Mail is slow <b>&</b>", affectedComponents=[
                                 {"componentId": comps["Mail"], "status": "PARTIAL_OUTAGE"}],
                             **fields))
    ev = ctx.psql("SELECT id FROM notification_outbox WHERE cloud_id = '%s'"
                  " AND payload ->> 'incidentId' = '%s'" % (ctx.cloud, inc["id"]))
    assert ev, "no outbox row"
    return inc, ev


def unheard_incident(ctx, page_id):
    """An incident with shouldSendNotifications on a page with no
    SUBSCRIBED subscriber: its event is not written (test_notify_audience)."""
    inc = incident_of(create(ctx, page_id, shouldSendNotifications=True))
    assert ctx.psql("SELECT count(*) FROM notification_outbox WHERE cloud_id = '%s'"
                    " AND payload ->> 'incidentId' = '%s'" % (ctx.cloud, inc["id"])) == "0"


def hooked_page(ctx, answer="ok", comps=("Mail",)):
    """A page with components and one webhook subscriber: (page, comps,
    subscriber, path)."""
    page, ids = page_with_components(ctx, comps)
    sub, path = hook(ctx, page["id"], answer)
    return page, ids, sub, path


def fanned_out(ctx, ev, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        if ctx.psql("SELECT delivered_at IS NOT NULL FROM notification_outbox"
                    " WHERE cloud_id = '%s' AND id = '%s'" % (ctx.cloud, ev)) == "t":
            return
        time.sleep(0.05)
    raise AssertionError("event %s not fanned out" % ev)


def deliveries_of(ctx, ev):
    """{subscriber id: delivery id} of an event, once it is fanned out."""
    fanned_out(ctx, ev)
    rows = ctx.psql("SELECT subscriber_id, id FROM deliveries WHERE cloud_id = '%s'"
                    " AND event_id = '%s'" % (ctx.cloud, ev))
    return dict(line.split("|") for line in rows.splitlines())


def delivery_to(ctx, ev, sub):
    ds = deliveries_of(ctx, ev)
    assert sub["id"] in ds, (sub["id"], ds)
    return ds[sub["id"]]


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


def subscriber_row(ctx, sid):
    """(status, consecutive_failures, quarantined_at is set)."""
    row = ctx.psql("SELECT status, consecutive_failures, quarantined_at IS NOT NULL"
                   " FROM subscribers WHERE cloud_id = '%s' AND id = '%s'" % (ctx.cloud, sid))
    status, failures, quarantined = row.split("|")
    return status, int(failures), quarantined == "t"


def wait_subscriber(ctx, sid, status, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if subscriber_row(ctx, sid)[0] == status:
            return
        time.sleep(0.05)
    raise AssertionError("subscriber %s still %r" % (sid, subscriber_row(ctx, sid)))


def webhook_ids(rec, path):
    return [r["headers"].get("webhook-id") for r in rec.of(path)]


# --- delivery -----------------------------------------------------------------

def test_notify_webhook_signed_and_prompt(ctx):
    rec = receiver(ctx)
    page, comps, sub, path = hooked_page(ctx)
    with notifier(ctx) as n:
        t0 = time.time()
        inc, ev = new_incident(ctx, page["id"], comps)
        assert rec.wait_for(lambda r: any(x["path"] == path for x in r), 5), "nothing arrived"
        req = rec.of(path)[0]
        # The poll interval is 10 s: only the NOTIFY at commit explains this.
        assert req["at"] - t0 < 1.0, req["at"] - t0
        # The reference verifier accepts it, with the secret of the sign-up.
        assert req["error"] is None, req["error"]
        did = delivery_to(ctx, ev, sub)
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
        assert rec.secrets[path] not in log and str(rec.port) not in log
    # The body's unsubscribe link is the page's, and one POST to it (RFC
    # 8058 one-click) unsubscribes this subscriber.
    assert d["subscriber"]["id"] == sub["id"]
    link = urllib.parse.urlsplit(d["subscriber"]["unsubscribeUrl"])
    assert link.scheme == "https" and link.netloc.startswith(page["subdomain"] + "."), link
    assert link.path == "/subscriptions/unsubscribe", link
    r = ctx.request("POST", "/" + link.path + "?" + link.query, auth=None,
                    raw_body=b"List-Unsubscribe=One-Click",
                    content_type="application/x-www-form-urlencoded")
    assert r.status == 200, r
    assert subscriber_row(ctx, sub["id"])[0] == "UNSUBSCRIBED"


def test_notify_tampered_secret_fails_verification(ctx):
    """The receiver's check can fail: verified with another secret than
    the subscriber's, the signature is refused by the reference verifier."""
    rec = receiver(ctx)
    page, comps, sub, path = hooked_page(ctx)
    rec.secrets[path] = new_secret()
    with notifier(ctx):
        _, ev = new_incident(ctx, page["id"], comps)
        assert rec.wait_for(lambda r: any(x["path"] == path for x in r), 5)
        assert rec.of(path)[0]["error"] == "no matching signature"
        wait_state(ctx, delivery_to(ctx, ev, sub), ("DELIVERED",), 5)


def test_notify_answers_decide_the_outcome(ctx):
    rec = receiver(ctx)
    page, comps = page_with_components(ctx, ("Mail",))
    subs = {a: hook(ctx, page["id"], a) for a in ("gone", "redirect", "flaky", "busy")}
    with notifier(ctx):
        _, ev = new_incident(ctx, page["id"], comps)
        gone, redirect, flaky, busy = (delivery_to(ctx, ev, subs[a][0])
                                       for a in ("gone", "redirect", "flaky", "busy"))
        # 410: the delivery is GONE and the subscriber unsubscribed.
        assert wait_state(ctx, gone, ("GONE",), 5) == ("GONE", 1)
        assert attempts(ctx, gone) == [(1, "GONE", 410, None)]
        assert subscriber_row(ctx, subs["gone"][0]["id"])[0] == "UNSUBSCRIBED"
        # A redirect is a failure, never followed to /ok.
        assert wait_state(ctx, redirect, ("FAILED",), 5) == ("FAILED", 1)
        assert attempts(ctx, redirect) == [(1, "FAILED", 302, None)]
        assert not [r for r in rec.requests if r["path"].startswith("/ok")
                    and r["headers"].get("webhook-id") == "msg_" + redirect]
        # 500, then 200 on the retry, with the same webhook-id; the
        # success resets the subscriber's count of failures in a row.
        assert wait_state(ctx, flaky, ("DELIVERED",), 10) == ("DELIVERED", 2)
        a = attempts(ctx, flaky)
        assert [x[:3] for x in a] == [(1, "RETRY", 500), (2, "DELIVERED", 200)]
        assert 0.05 <= a[0][3] <= 1.1, a  # back-off: base 200 ms, cap 1 s
        assert webhook_ids(rec, subs["flaky"][1]) == ["msg_" + flaky] * 2
        assert subscriber_row(ctx, subs["flaky"][0]["id"]) == ("SUBSCRIBED", 0, False)
        # 429 with Retry-After: 1 waits at least that second, and counts.
        wait_state(ctx, busy, ("PENDING", "IN_FLIGHT"), 5)
        a = attempts(ctx, busy)
        assert a[0][:3] == (1, "RETRY", 429), a
        # From the attempt's start (before the answer came): finished_at is
        # when the batch was recorded, which follows the answer.
        gap = float(ctx.psql("SELECT extract(epoch FROM next_attempt_at - started_at)"
                             " FROM delivery_attempts WHERE delivery_id = '%s'"
                             " AND attempt = 1" % busy))
        assert gap >= 1.0, (gap, a)
        status, failures, _ = subscriber_row(ctx, subs["busy"][0]["id"])
        assert status == "SUBSCRIBED" and failures >= 1


def test_notify_quarantine_after_ten_failures_in_a_row(ctx):
    """Ten failed attempts in a row, counted across the subscriber's
    deliveries, quarantine it: what waits for it is dropped, it gets no
    further deliveries, and its document shows quarantinedAt."""
    rec = receiver(ctx)
    page, comps, sub, path = hooked_page(ctx, "fail")
    clear(ctx)
    _, ev1 = new_incident(ctx, page["id"], comps)
    _, ev2 = new_incident(ctx, page["id"], comps)
    with notifier(ctx, keep=True, notify_retry_base_ms=20, notify_retry_max_seconds=1):
        ds = [delivery_to(ctx, ev, sub) for ev in (ev1, ev2)]
        wait_subscriber(ctx, sub["id"], "QUARANTINED", 30)
        for did in ds:
            assert wait_state(ctx, did, ("DROPPED", "FAILED"), 10)[0] in ("DROPPED", "FAILED")
        tried = [x for did in ds for x in attempts(ctx, did)]
        assert {x[1] for x in tried} == {"RETRY"} and {x[2] for x in tried} == {500}, tried
        # Both deliveries counted: not 10 of each.
        assert 10 <= len(tried) < 20, tried
        assert len(rec.of(path)) == len(tried)
        _, failures, quarantined = subscriber_row(ctx, sub["id"])
        assert failures >= 10 and quarantined
        # The next event passes it by: with no one left SUBSCRIBED, it is
        # not even written.
        unheard_incident(ctx, page["id"])
    r = ctx.request("GET", "/subscribers/list?itemType=PAGE&itemId=" + page["id"])
    assert r.status == 200, r
    doc, = [s for s in r.json["connection"]["nodes"] if s["id"] == sub["id"]]
    assert doc["status"] == "QUARANTINED" and doc["quarantinedAt"], doc


def test_notify_timeout_retries(ctx):
    page, comps, sub, _ = hooked_page(ctx, "hang")
    with notifier(ctx, webhook_timeout_ms=500) as n:
        _, ev = new_incident(ctx, page["id"], comps)
        a = first_attempt_done(ctx, delivery_to(ctx, ev, sub), 10)
        assert a[0][:3] == (1, "RETRY", 0), a
        assert "timed out" in n.log_text()


def test_notify_untrusted_certificate_refused(ctx):
    """Without webhook_ca_file the test CA is not trusted: no delivery."""
    rec = receiver(ctx)
    page, comps, sub, path = hooked_page(ctx)
    with notifier(ctx, webhook_ca_file="/dev/null"):
        _, ev = new_incident(ctx, page["id"], comps)
        a = first_attempt_done(ctx, delivery_to(ctx, ev, sub), 5)
        assert a and a[0][1] == "RETRY" and a[0][2] == 0, a
        assert rec.of(path) == []


def test_notify_internal_address_at_delivery_refused(ctx):
    """Targets that passed the sign-up check (a statusd that took loopback)
    but are internal by the notifier's rules when delivered are refused,
    names and literals alike, and nothing reaches the receiver."""
    rec = receiver(ctx)
    page, comps = page_with_components(ctx, ("Mail",))
    subs = [hook(ctx, page["id"], host=host)
            for host in ("localhost", "127.0.0.1", "[::1]", "[::ffff:127.0.0.1]")]
    with notifier(ctx, webhook_allowed_networks=None) as n:
        _, ev = new_incident(ctx, page["id"], comps)
        for sub, path in subs:
            did = delivery_to(ctx, ev, sub)
            assert wait_state(ctx, did, ("FAILED",), 5) == ("FAILED", 1)
            a = attempts(ctx, did)
            assert [x[:3] for x in a] == [(1, "REFUSED", 0)], a
        assert "reason=\"resolves to an internal address\"" in n.log_text()
        time.sleep(0.3)
        assert not [p for _, p in subs if rec.of(p)]


# A public address by the contact rules that nothing here answers on.
PUBLIC = "198.20.0.1"


def signed_up_as(ctx, rb, name):
    """A webhook subscriber at https://name:<receiver port>/ok/..., made
    through a statusd with the default rules (loopback refused) that
    resolves through rb: (page, comps, subscriber)."""
    page, comps = page_with_components(ctx, ("Mail",))
    strict = SignUp(ctx, allowed=None, env=rb.env)
    try:
        sub = strict.webhook(receiver(ctx), page["id"], "/ok/" + uuid.uuid4().hex[:12],
                             host=name)
    finally:
        strict.close()
    assert rb.lookups(name) == 1  # the sign-up check resolved it, through rb
    return page, comps, sub


def test_notify_rebind_to_loopback_after_signup_refused(ctx):
    """A name public at sign-up that resolves to loopback at delivery is
    refused at delivery, and nothing reaches the loopback receiver."""
    rb = Rebind(ctx)
    name = "x%s.rebind.test" % uuid.uuid4().hex[:8]
    rb.set(name, PUBLIC)
    page, comps, sub = signed_up_as(ctx, rb, name)
    rb.set(name, "127.0.0.1")
    with notifier(ctx, env=rb.env, webhook_allowed_networks=None) as n:
        _, ev = new_incident(ctx, page["id"], comps)
        did = delivery_to(ctx, ev, sub)
        assert wait_state(ctx, did, ("FAILED",), 5) == ("FAILED", 1)
        assert [x[:2] for x in attempts(ctx, did)] == [(1, "REFUSED")]
        assert "reason=\"resolves to an internal address\"" in n.log_text()
    assert rb.lookups(name) == 2
    assert not [r for r in receiver(ctx).requests if name in r["headers"].get("Host", "")]


def test_notify_rebinding_race_pinned(ctx):
    """The rebinding race: a name that answers a public address to the
    check and loopback to any later lookup. Each attempt resolves once and
    connects to what it checked, so the first fails on the public address
    (not refused at connect: curl never looked the name up again), the
    second is refused by its own check, and nothing reaches loopback."""
    rb = Rebind(ctx)
    name = "x%s.rebind.test" % uuid.uuid4().hex[:8]
    # lookups: the sign-up's, attempt 1's, then loopback
    rb.set(name, PUBLIC, PUBLIC, "127.0.0.1")
    page, comps, sub = signed_up_as(ctx, rb, name)
    with notifier(ctx, env=rb.env, webhook_allowed_networks=None,
                  webhook_connect_timeout_ms=300, webhook_timeout_ms=600) as n:
        _, ev = new_incident(ctx, page["id"], comps)
        did = delivery_to(ctx, ev, sub)
        assert wait_state(ctx, did, ("FAILED",), 10)[0] == "FAILED"
        a = [x[:2] for x in attempts(ctx, did)]
        assert a == [(1, "RETRY"), (2, "REFUSED")], (a, n.log_text()[-2000:])
        assert "connects to an internal address" not in n.log_text()
    assert rb.lookups(name) == 1 + 2  # the sign-up's, then one per attempt
    assert not [r for r in receiver(ctx).requests if name in r["headers"].get("Host", "")]


# --- fan-out and routing ------------------------------------------------------

def test_notify_each_subscriber_once_per_event(ctx):
    """An event goes to the SUBSCRIBED subscribers of its page, incident and
    affected components (those the incident has affected, whether or not
    this update names them), each address once however it is subscribed;
    not to subscribers of other components, nor to unsubscribed ones."""
    rec = receiver(ctx)
    page, comps = page_with_components(ctx, ("Mail", "Web"))
    pid = page["id"]
    both, both_path = hook(ctx, pid)
    both_comp, _ = hook(ctx, pid, item_type="COMPONENT_SUBSCRIBER", item_id=comps["Mail"],
                        path=both_path)
    mail, _ = hook(ctx, pid, item_type="COMPONENT_SUBSCRIBER", item_id=comps["Mail"])
    web, web_path = hook(ctx, pid, item_type="COMPONENT_SUBSCRIBER", item_id=comps["Web"])
    gone, gone_path = hook(ctx, pid)
    r = ctx.request("POST", "/subscribers/unsubscribe",
                    {"token": mint_token(ctx, "unsubscribe", gone["id"])})
    assert r.status == 200, r
    jira = ctx.uniq("JSM")
    with notifier(ctx):
        inc, ev = new_incident(ctx, pid, comps, jiraIncidentId=jira)
        assert set(deliveries_of(ctx, ev)) == {both["id"], mail["id"]}
        # Subscribed through the incident too: the update reaches it, and
        # the subscriber of the page and Mail still once.
        by_inc, inc_path = hook(ctx, pid, item_type="INCIDENT_SUBSCRIBER", item_id=inc["id"])
        put(ctx, pid, jiraIncidentId=jira, message="still slow", status="IDENTIFIED",
            shouldSendNotifications=True)
        ev2 = ctx.psql("SELECT id FROM notification_outbox WHERE cloud_id = '%s'"
                       " AND payload ->> 'incidentId' = '%s' AND kind = 'incident.updated'"
                       % (ctx.cloud, inc["id"]))
        ds = deliveries_of(ctx, ev2)
        assert set(ds) == {both["id"], mail["id"], by_inc["id"]}, ds
        assert rec.wait_for(lambda _: len(rec.of(both_path)) >= 2 and rec.of(inc_path), 10)
        time.sleep(0.3)
        assert len(rec.of(both_path)) == 2
        assert rec.of(web_path) == [] and rec.of(gone_path) == []
    assert both_comp["id"] not in ds


def test_notify_confirmation_routed_to_its_subscriber(ctx):
    """An EMAIL sign-up that must confirm writes its confirmation event in
    the sign-up transaction; it is fanned out to that subscriber alone
    (and written to the notifier's pickup directory: no smtp_url). Incident
    events pass a subscriber that has not confirmed by: with no one else,
    they are not even written."""
    page, comps = page_with_components(ctx, ("Mail",))
    pending = subscribe(ctx, page["id"]).json
    assert pending["status"] == "PENDING_CONFIRMATION"
    ev = ctx.psql("SELECT id FROM notification_outbox WHERE cloud_id = '%s'"
                  " AND kind = 'subscriber.confirmation'"
                  " AND payload ->> 'subscriberId' = '%s'" % (ctx.cloud, pending["id"]))
    assert ev, "no confirmation event"
    with notifier(ctx, keep=True):
        ds = deliveries_of(ctx, ev)
        assert list(ds) == [pending["id"]], ds
        unheard_incident(ctx, page["id"])
        assert wait_state(ctx, ds[pending["id"]], ("DELIVERED",), 10)[0] == "DELIVERED"
        assert ctx.psql("SELECT channel FROM deliveries WHERE id = '%s'"
                        % ds[pending["id"]]) == "EMAIL"


def test_notify_reminder_routed_to_operator_channels(ctx):
    """incident.reminder (written by the reminder job) goes to the webhook
    and Slack subscribers only, not to a confirmed email subscriber."""
    rec = receiver(ctx)
    page, comps, sub, path = hooked_page(ctx)
    email = subscribe(ctx, page["id"]).json
    r = ctx.request("POST", "//subscriptions/confirm?token="
                    + urllib.parse.quote(email["confirmationCode"], safe=""),
                    auth=None, raw_body=b"", content_type="application/x-www-form-urlencoded")
    assert r.status == 200, r
    with notifier(ctx):
        _, ev = new_incident(ctx, page["id"], comps)
        assert set(deliveries_of(ctx, ev)) == {sub["id"], email["id"]}
        rem = ctx.psql("INSERT INTO notification_outbox (cloud_id, page_id, kind, payload)"
                       " SELECT cloud_id, page_id, 'incident.reminder', payload"
                       " FROM notification_outbox WHERE cloud_id = '%s' AND id = '%s'"
                       " RETURNING id" % (ctx.cloud, ev)).split()[0]
        assert list(deliveries_of(ctx, rem)) == [sub["id"]]
        assert rec.wait_for(lambda _: any(x["payload"] and x["payload"]["type"] ==
                                          "incident.reminder" for x in rec.of(path)), 5)


def test_notify_large_fan_out_analyzes_deliveries(ctx):
    """A fan-out that more than doubles the deliveries table brings its
    statistics up to date in the same transaction (else the claims after
    it are planned for a near-empty table: bench/RESULTS.md, "fanout").
    The targets are internal, so each attempt is refused at once."""
    page, comps = page_with_components(ctx, ("Mail",))
    before = float(ctx.psql("SELECT reltuples FROM pg_class WHERE relname = 'deliveries'"))
    n = max(1500, int(before) + 500)
    ctx.psql("INSERT INTO subscribers (cloud_id, id, page_id, item_type, item_id,"
             " subscription_type, contact, status, webhook_secret)"
             " SELECT '%s', gen_random_uuid(), '%s', 'PAGE_SUBSCRIBER', '%s', 'WEBHOOK',"
             " 'https://127.0.0.1:1/' || g, 'SUBSCRIBED', '%s'"
             " FROM generate_series(1, %d) AS g"
             % (ctx.cloud, page["id"], page["id"], new_secret(), n))
    clear(ctx)
    with notifier(ctx, keep=True, webhook_allowed_networks=None):
        _, ev = new_incident(ctx, page["id"], comps)
        assert len(deliveries_of(ctx, ev)) == n
        after = float(ctx.psql("SELECT reltuples FROM pg_class WHERE relname = 'deliveries'"))
        assert after >= n, (before, after, n)
    clear(ctx)


# --- processes ----------------------------------------------------------------

def test_notify_sigterm_finishes_attempt_in_flight(ctx):
    rec = receiver(ctx)
    page, comps, sub, path = hooked_page(ctx, "slow")
    n = notifier(ctx)
    _, ev = new_incident(ctx, page["id"], comps)
    assert rec.wait_for(lambda _: rec.of(path), 5)
    t0 = time.time()
    assert n.term() == 0
    n.close()
    assert time.time() - t0 >= 1.0  # it waited for the 2 s answer
    did = delivery_to(ctx, ev, sub)
    assert delivery(ctx, did) == ("DELIVERED", 1)
    assert attempts(ctx, did) == [(1, "DELIVERED", 200, None)]


def test_notify_kill9_mid_batch_redelivers_with_same_id(ctx):
    rec = receiver(ctx)
    page, comps = page_with_components(ctx, ("Mail",))
    subs = [hook(ctx, page["id"], "slow") for _ in range(5)]
    a = notifier(ctx)
    _, ev = new_incident(ctx, page["id"], comps)
    assert rec.wait_for(lambda _: all(rec.of(p) for _, p in subs), 5)
    a.kill9()
    a.close()
    ds = deliveries_of(ctx, ev)
    assert {delivery(ctx, d)[0] for d in ds.values()} == {"IN_FLIGHT"}
    with notifier(ctx, keep=True):
        for sub, path in subs:
            d = ds[sub["id"]]
            assert wait_state(ctx, d, ("DELIVERED",), 15) == ("DELIVERED", 2)
            assert [x[:2] for x in attempts(ctx, d)] == [(1, "ABANDONED"), (2, "DELIVERED")]
            # at least once: the same message id again
            assert webhook_ids(rec, path) == ["msg_" + d] * 2


def test_notify_two_notifiers_1000_events_no_attempt_twice(ctx):
    """1,000 committed events of a page with one subscriber, two notifiers:
    each event fanned out once, each delivery attempted once, by both
    notifiers between them, every message id arriving once."""
    rec = receiver(ctx)
    page, comps, sub, path = hooked_page(ctx)
    clear(ctx)
    _, ev = new_incident(ctx, page["id"], comps)
    ctx.psql("INSERT INTO notification_outbox (cloud_id, page_id, kind, payload)"
             " SELECT cloud_id, page_id, kind, payload FROM notification_outbox,"
             " generate_series(1, 999) WHERE cloud_id = '%s' AND id = '%s'" % (ctx.cloud, ev))
    events = "SELECT id FROM notification_outbox WHERE cloud_id = '%s' AND page_id = '%s'" % (
        ctx.cloud, page["id"])
    with notifier(ctx, keep=True, notify_batch=32), notifier(ctx, keep=True, notify_batch=32):
        assert rec.wait_for(lambda _: len(rec.of(path)) >= 1000, 120), len(rec.of(path))
        end = time.time() + 20
        while time.time() < end:
            left = ctx.psql("SELECT count(*) FROM deliveries WHERE event_id IN (%s)"
                            " AND state <> 'DELIVERED'" % events)
            if left == "0":
                break
            time.sleep(0.1)
        assert left == "0", left
        time.sleep(0.5)
    rows = ctx.psql("SELECT count(*), count(DISTINCT event_id), sum(attempts)"
                    " FROM deliveries WHERE subscriber_id = '%s'" % sub["id"])
    assert rows == "1000|1000|1000", rows
    assert ctx.psql("SELECT count(*) FROM notification_outbox WHERE id IN (%s)"
                    " AND attempts = 1 AND delivered_at IS NOT NULL" % events) == "1000"
    ids = ctx.psql("SELECT 'msg_' || id FROM deliveries WHERE subscriber_id = '%s'"
                   % sub["id"]).split()
    got = webhook_ids(rec, path)
    assert len(got) == 1000 and set(got) == set(ids)
    rows = ctx.psql("SELECT count(*), count(DISTINCT notifier), max(attempt)"
                    " FROM delivery_attempts WHERE subscriber_id = '%s'" % sub["id"])
    count, notifiers, top = rows.split("|")
    assert count == "1000" and top == "1", rows
    assert notifiers == "2", rows  # both took part


def test_notify_rolled_back_incident_write_sends_nothing(ctx):
    rec = receiver(ctx)
    page, comps, sub, path = hooked_page(ctx)
    with notifier(ctx):
        name = ctx.uniq("RolledBack")
        create(ctx, page["id"], expect=400, name=name, shouldSendNotifications=True,
               affectedComponents=[{"componentId": str(uuid.uuid4()),
                                    "status": "MAJOR_OUTAGE"}])
        time.sleep(1.5)
        assert ctx.psql("SELECT count(*) FROM notification_outbox WHERE cloud_id = '%s'"
                        " AND payload ->> 'name' = '%s'" % (ctx.cloud, name)) == "0"
        assert ctx.psql("SELECT count(*) FROM deliveries WHERE subscriber_id = '%s'"
                        % sub["id"]) == "0"
        assert rec.of(path) == []


def close_rig(ctx):
    """The receiver and sign-up statusd stopped; a later module that uses
    them makes them again."""
    if "notify" in ctx.shared:
        _, _, rec, signup = ctx.shared.pop("notify")
        rec.close()
        signup.close()


def test_notify_zz_cleanup(ctx):
    close_rig(ctx)


# --- the wake-up --------------------------------------------------------------

class _Session:
    """A psql session kept open (a transaction across calls, LISTEN)."""

    def __init__(self, ctx):
        self.proc = subprocess.Popen(
            ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", ctx.database_url],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, bufsize=1)
        self.marks = 0

    def run(self, sql):
        """Runs sql; what psql printed (notifications included)."""
        self.marks += 1
        mark = "mark-%d" % self.marks
        self.proc.stdin.write("%s;\nSELECT '%s';\n" % (sql.rstrip(";"), mark))
        self.proc.stdin.flush()
        out = []
        for line in self.proc.stdout:
            if line.strip() == mark:
                return "".join(out)
            out.append(line)
        raise AssertionError("psql ended: %s" % "".join(out))

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(10)


def _event_sql(ctx):
    return ("INSERT INTO notification_outbox (cloud_id, page_id, kind, payload)"
            " VALUES ('%s', '%s', 'incident.updated', '{}') RETURNING id"
            % (ctx.cloud, uuid.uuid4()))


def test_notify_a_write_behind_a_due_event_wakes_no_one(ctx):
    """NOTIFY only when no other due event is pending (pg_notify holds the
    NOTIFY queue lock through each notifying commit's WAL flush): behind a
    due event the notifiers poll anyway, so the write wakes no one."""
    clear(ctx)
    listener = _Session(ctx)
    writer = _Session(ctx)
    try:
        listener.run("LISTEN statusd_notify;")
        writer.run(_event_sql(ctx))  # the outbox was empty: a NOTIFY
        assert "statusd_notify" in listener.run("SELECT 1;")
        writer.run(_event_sql(ctx))  # behind the first, still pending
        assert "statusd_notify" not in listener.run("SELECT 1;")
        clear(ctx)
        writer.run(_event_sql(ctx))  # nothing pending again
        assert "statusd_notify" in listener.run("SELECT 1;")
    finally:
        listener.close()
        writer.close()


def test_notify_a_write_behind_a_due_event_is_fanned_out_promptly(ctx):
    """The event a write skipped the NOTIFY for stays pending and locked
    until it commits: a notifier that finds it due polls again within
    10 ms, so the write's own event is fanned out at once after its commit
    (the poll interval is 10 s)."""
    rig(ctx)  # its second statusd migrates: before the open transaction
    clear(ctx)
    ctx.psql(_event_sql(ctx))  # pending: no notifier runs
    writer = _Session(ctx)
    try:
        writer.run("BEGIN;")
        event = writer.run(_event_sql(ctx)).strip()
        with notifier(ctx, keep=True) as n:
            n.wait_log("notify_listening", 5)
            time.sleep(0.5)  # its first drain is done: it waits
            assert ctx.psql("SELECT count(*) FROM notification_outbox"
                            " WHERE delivered_at IS NULL") == "1"
            writer.run("COMMIT;")
            t0 = time.time()
            while time.time() - t0 < 2:
                if ctx.psql("SELECT delivered_at IS NOT NULL FROM notification_outbox"
                            " WHERE cloud_id = '%s' AND id = '%s'" % (ctx.cloud, event)) == "t":
                    break
                time.sleep(0.02)
            assert time.time() - t0 < 1.0, time.time() - t0
    finally:
        writer.close()
