"""statusd-notify's email, Slack and SMS channels through the real stack:
sign-up and incident writes through the API, the fan-out, the notifier,
and receivers on loopback: a small SMTP server (tests/api/smtprig.py:
STARTTLS offered and required, messages captured) and the notify rig's
HTTPS receiver (its test CA trusted) standing in for Slack and the SMS
gateway. Also the pickup directory (no smtp_url), SMTP's 4xx and 5xx
answers, and a server without STARTTLS."""

import base64
import email
import email.policy
import json
import os
import re
import tempfile
import urllib.parse
import uuid

from notifyrig import Notifier, Receiver, make_ca
from smtprig import SmtpRig, parts
from subscriberlib import subscribe
from test_incidents import create, incident_of, page_with_components, put
from test_notify import clear
from test_process import _wait
from test_statusctl_ops import _conf_variant, _statusctl

FROM = "status@example.com"
HOSTILE_NAME = "<script>alert(1)</script> & \"co\""
HOSTILE_BODY = "Line one <img src=x onerror=alert(1)>\nline & two"


def webhook_rig(ctx):
    """This module's test CA and HTTPS receiver (standing in for Slack and
    the SMS gateway): (directory, CA file, receiver). test_notify's are
    closed with its module."""
    if "mail" not in ctx.shared:
        d = tempfile.mkdtemp(prefix="mail-", dir=ctx.state_dir)
        ca, cert, key = make_ca(d)
        ctx.shared["mail"] = (d, ca, Receiver(cert, key))
    return ctx.shared["mail"]


def smtp(ctx, name="smtp", **kw):
    """An SMTP rig (kept for the module) with the module's CA."""
    key = "mail-" + name
    if key not in ctx.shared:
        d, _, _ = webhook_rig(ctx)
        ctx.shared[key] = SmtpRig(os.path.join(d, "server.pem"),
                                  os.path.join(d, "server.key"), **kw)
    return ctx.shared[key]


def notifier(ctx, **settings):
    """A notifier sending email to the SMTP rig unless settings say
    otherwise; what earlier tests left is set aside first."""
    d, ca, _ = webhook_rig(ctx)
    clear(ctx)
    conf = {"smtp_url": smtp(ctx).url(), "smtp_ca_file": ca, "mail_from": FROM}
    conf.update(settings)
    return Notifier(ctx, d, ca, **conf)


def wait(pred, timeout, what):
    v = _wait(pred, timeout)
    assert v, "timed out waiting for " + what
    return v


def deliveries_of(ctx, subscriber_id):
    rows = ctx.psql("SELECT d.id, o.kind, d.state, coalesce(a.outcome, ''),"
                    " coalesce(a.status_code, 0), coalesce(a.error, '')"
                    " FROM deliveries d JOIN notification_outbox o"
                    " ON o.cloud_id = d.cloud_id AND o.id = d.event_id"
                    " LEFT JOIN delivery_attempts a ON a.cloud_id = d.cloud_id"
                    " AND a.delivery_id = d.id AND a.attempt = d.attempts"
                    " WHERE d.cloud_id = '%s' AND d.subscriber_id = '%s'"
                    " ORDER BY d.created_at" % (ctx.cloud, subscriber_id))
    return [dict(zip(("id", "kind", "state", "outcome", "status", "error"),
                     r.split("|"))) for r in rows.splitlines()]


def finished(ctx, subscriber_id, kind):
    """The subscriber's delivery of that kind once its last attempt ended."""
    def done():
        for d in deliveries_of(ctx, subscriber_id):
            if d["kind"] == kind and d["outcome"] not in ("", "IN_FLIGHT"):
                return d
        return None
    return wait(done, 15, "a finished %s delivery" % kind)


def confirm_link(text):
    m = re.search(r"https://\S+/subscriptions/confirm\?token=\S+", text)
    assert m, text
    return m.group(0)


def follow(ctx, link):
    """POSTs a public link as a mail client's one click would."""
    u = urllib.parse.urlsplit(link)
    return ctx.request("POST", "/" + u.path + "?" + u.query, auth=None, raw_body=b"",
                       content_type="application/x-www-form-urlencoded")


def subscribed(ctx, page_id, stype="EMAIL", **data):
    """A subscriber made SUBSCRIBED (its confirmation dropped unsent)."""
    s = subscribe(ctx, page_id, stype=stype, **data).json
    ctx.psql("UPDATE subscribers SET status = 'SUBSCRIBED', confirmed_at = now()"
             " WHERE id = '%s'" % s["id"])
    return s


def hostile_incident(ctx, page_id, comp_id, **fields):
    fields.setdefault("name", HOSTILE_NAME)
    return incident_of(create(
        ctx, page_id, shouldSendNotifications=True, message=HOSTILE_BODY,
        affectedComponents=[{"componentId": comp_id, "status": "PARTIAL_OUTAGE"}],
        **fields))


def new_address():
    return "%s@example.org" % uuid.uuid4().hex[:12]


# --- email over SMTP ----------------------------------------------------------

def test_mail_confirmation_at_signup(ctx):
    rig = smtp(ctx)
    page = ctx.create_page()
    addr = new_address()
    with notifier(ctx):
        s = subscribe(ctx, page["id"], email=addr).json
        assert s["status"] == "PENDING_CONFIRMATION", s
        assert rig.wait_for(lambda m: any(addr in x["to"] for x in m), 10), "no email"
    m = rig.to(addr)[0]
    assert m["tls"], "sent before STARTTLS"
    msg = m["msg"]
    assert msg["Subject"] == "Confirm your subscription to %s" % page["name"], msg["Subject"]
    assert msg["To"] == addr and FROM in msg["From"], (msg["To"], msg["From"])
    text, html = parts(msg)
    link = confirm_link(text)
    assert page["subdomain"] in link, link
    assert link.replace("&", "&amp;") in html
    # The link confirms the subscription it was sent for.
    r = follow(ctx, link)
    assert r.status == 200, r
    assert ctx.psql("SELECT status FROM subscribers WHERE id = '%s'" % s["id"]) == "SUBSCRIBED"


def test_mail_incident_headers_parts_escaping(ctx):
    rig = smtp(ctx)
    page, comps = page_with_components(ctx, ("Mail <v2>",))
    addr = new_address()
    s = subscribed(ctx, page["id"], email=addr)
    with notifier(ctx):
        inc = hostile_incident(ctx, page["id"], comps["Mail <v2>"])
        assert rig.wait_for(lambda m: any(addr in x["to"] for x in m), 10), "no email"
    d = finished(ctx, s["id"], "incident.created")
    assert d["state"] == "DELIVERED" and d["status"] == "250", d
    m = rig.to(addr)[0]
    msg, raw = m["msg"], m["raw"]
    assert m["tls"]
    assert msg["Message-ID"] == "<%s@example.com>" % d["id"], msg["Message-ID"]
    assert msg["Date"] and msg["MIME-Version"] == "1.0"
    assert msg["Subject"] == "[%s] %s: Investigating" % (page["name"], HOSTILE_NAME), \
        msg["Subject"]
    unsub = msg["List-Unsubscribe"]
    assert re.fullmatch(r"<https://%s\.status\.localhost/subscriptions/unsubscribe"
                        r"\?token=[^>\s]+>" % page["subdomain"], unsub), unsub
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.get_content_type() == "multipart/alternative"
    for p in msg.iter_parts():
        assert p.get_content_charset() == "utf-8"
        assert p["Content-Transfer-Encoding"] == "quoted-printable"
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    text, html = parts(msg)
    assert HOSTILE_NAME in text and "Line one <img src=x onerror=alert(1)>" in text
    assert "<script>" not in html and "<img" not in html and "<v2>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;co&quot;" in html, html
    assert "Line one &lt;img src=x onerror=alert(1)&gt;<br>" in html, html
    assert "Mail &lt;v2&gt;: Partial outage" in html, html
    assert "Details: https://" in text and "/incidents/" in text, text
    # The one-click unsubscribe works as RFC 8058 says a mail client uses it.
    r = follow(ctx, unsub.strip("<>"))
    assert r.status == 200, r
    assert ctx.psql("SELECT status FROM subscribers WHERE id = '%s'" % s["id"]) \
        == "UNSUBSCRIBED"


def test_mail_subject_crlf_is_no_header(ctx):
    """An incident name with CR/LF: refused by the API, or carried without
    ever starting a header (no Bcc reaches the server's envelope or the
    message)."""
    rig = smtp(ctx)
    page, comps = page_with_components(ctx, ("Mail",))
    addr = new_address()
    subscribed(ctx, page["id"], email=addr)
    evil = "Outage\r\nBcc: evil@example.net\r\nX-Injected: 1"
    with notifier(ctx):
        r = ctx.request("POST", "/incidents", {"incidentCreateRequest": {
            "pageId": page["id"], "name": evil, "shouldSendNotifications": True}})
        if r.status != 201:
            assert r.status == 400, r
            # The stored-value path: an event whose name holds CR/LF.
            ctx.psql("INSERT INTO notification_outbox (cloud_id, page_id, kind, payload)"
                     " VALUES ('%s', '%s', 'incident.created', jsonb_build_object("
                     "'incidentId', gen_random_uuid(), 'name', E'Outage\\r\\nBcc: "
                     "evil@example.net\\r\\nX-Injected: 1', 'status', 'INVESTIGATING'))"
                     % (ctx.cloud, page["id"]))
        assert rig.wait_for(lambda m: any(addr in x["to"] for x in m), 10), "no email"
    m = rig.to(addr)[0]
    assert m["to"] == [addr], m["to"]
    assert not rig.to("evil@example.net")
    head = m["raw"].split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in head and b"\r\nX-Injected:" not in head, head
    assert m["msg"]["X-Injected"] is None and m["msg"]["Bcc"] is None
    assert "Outage" in m["msg"]["Subject"] and "\n" not in m["msg"]["Subject"]


def test_mail_starttls_required(ctx):
    """A server that offers no STARTTLS gets nothing while it is required
    (the attempt is retried); with smtp_require_starttls = 0 it gets the
    message in the clear."""
    plain = smtp(ctx, "smtp-plain", starttls=False)
    page = ctx.create_page()
    addr = new_address()
    with notifier(ctx, smtp_url=plain.url()):
        s = subscribe(ctx, page["id"], email=addr).json
        dl = finished(ctx, s["id"], "subscriber.confirmation")
    assert dl["outcome"] == "RETRY" and "STARTTLS" in dl["error"], dl
    assert not plain.to(addr)
    with notifier(ctx, smtp_url=plain.url(), smtp_require_starttls=0):
        # Made due by hand, so woken by hand: the triggers NOTIFY only for
        # new rows, and an idle notifier sleeps until its poll interval.
        ctx.psql("UPDATE deliveries SET state = 'PENDING', next_attempt_at = now()"
                 " WHERE id = '%s'; NOTIFY statusd_notify" % dl["id"])
        assert plain.wait_for(lambda m: any(addr in x["to"] for x in m), 10), "no email"
    assert not plain.to(addr)[0]["tls"]


def test_mail_smtp_5xx_fails_4xx_retries(ctx):
    rig = smtp(ctx)
    page = ctx.create_page()
    refused, deferred = new_address(), new_address()
    rig.reject.add(refused)
    rig.defer.add(deferred)
    with notifier(ctx):
        a = subscribe(ctx, page["id"], email=refused).json
        b = subscribe(ctx, page["id"], email=deferred).json
        da = finished(ctx, a["id"], "subscriber.confirmation")
        db = finished(ctx, b["id"], "subscriber.confirmation")
    assert (da["state"], da["outcome"], da["status"]) == ("FAILED", "FAILED", "550"), da
    assert db["outcome"] == "RETRY" and db["status"] == "451", db
    assert not rig.to(refused) and not rig.to(deferred)


def test_mail_smtp_auth(ctx):
    """smtp_username/smtp_password log in (AUTH PLAIN, after STARTTLS); a
    wrong password is retried, not failed."""
    authed = smtp(ctx, "smtp-auth", user="statusd", password="s3cret-pass")
    page = ctx.create_page()
    good, bad = new_address(), new_address()
    with notifier(ctx, smtp_url=authed.url(), smtp_username="statusd",
                  smtp_password="wrong") as n:
        s = subscribe(ctx, page["id"], email=bad).json
        dl = finished(ctx, s["id"], "subscriber.confirmation")
        assert "s3cret" not in n.log_text() and "wrong" not in n.log_text()
    assert dl["outcome"] == "RETRY", dl
    with notifier(ctx, smtp_url=authed.url(), smtp_username="statusd",
                  smtp_password="s3cret-pass"):
        subscribe(ctx, page["id"], email=good)
        assert authed.wait_for(lambda m: any(good in x["to"] for x in m), 10)
    assert authed.to(good)[0]["auth"] == "statusd"


# --- the pickup directory -----------------------------------------------------

def test_mail_pickup_directory(ctx):
    d, _, _ = webhook_rig(ctx)
    pickup = tempfile.mkdtemp(prefix="pickup-", dir=d)
    page, comps = page_with_components(ctx, ("Mail",))
    addr = new_address()
    s = subscribed(ctx, page["id"], email=addr)
    with notifier(ctx, smtp_url=None, mail_pickup_dir=pickup) as n:
        hostile_incident(ctx, page["id"], comps["Mail"])
        dl = finished(ctx, s["id"], "incident.created")
        assert "event=mail_pickup_mode" in n.log_text()
    assert dl["state"] == "DELIVERED", dl
    names = os.listdir(pickup)
    assert names == [dl["id"] + ".eml"], names  # no temporary file left
    with open(os.path.join(pickup, names[0]), "rb") as f:
        raw = f.read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["To"] == addr and msg["List-Unsubscribe-Post"]
    text, html = parts(msg)
    assert HOSTILE_NAME in text and "<script>" not in html


# --- Slack and SMS --------------------------------------------------------------

def _slack_url(page_id):
    return "https://hooks.slack.com/services/T%s/B%s/%s" % (
        page_id[:8].upper(), page_id[9:13].upper(), uuid.uuid4().hex[:24])


def test_slack_message_escaped(ctx):
    _, _, rec = webhook_rig(ctx)
    page, comps = page_with_components(ctx, ("API <v2>",))
    s = subscribe(ctx, page["id"], stype="SLACK",
                  webhookEndpoint=_slack_url(page["id"])).json
    path = "/ok/slack-" + s["id"]
    ctx.psql("UPDATE subscribers SET contact = '%s', status = 'SUBSCRIBED'"
             " WHERE id = '%s'" % (rec.url(path), s["id"]))
    seen = len(rec.requests)
    with notifier(ctx):
        hostile_incident(ctx, page["id"], comps["API <v2>"])
        assert rec.wait_for(lambda r: any(x["path"] == path for x in r[seen:]), 10)
        d = finished(ctx, s["id"], "incident.created")
    assert d["state"] == "DELIVERED", d
    req = [x for x in rec.requests if x["path"] == path][0]
    assert req["headers"].get("Content-Type") == "application/json"
    doc = json.loads(req["body"])
    assert doc["text"].startswith(page["name"].replace("&", "&amp;"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; \"co\"" in doc["text"], doc
    main = doc["blocks"][0]["text"]["text"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in main and "<img" not in main, main
    assert "API &lt;v2&gt; (Partial outage)" in main, main
    foot = doc["blocks"][1]["elements"][0]["text"]
    assert re.search(r"<https://%s\.status\.localhost/subscriptions/unsubscribe\?token="
                     r"[^|>]+\|Unsubscribe>" % page["subdomain"], foot), foot


def sms_settings(rec, path, **over):
    conf = {"sms_gateway_url": rec.url(path), "sms_gateway_username": "gw",
            "sms_gateway_password": "gw-pass", "sms_from": "Acme"}
    conf.update(over)
    return conf


def test_sms_on_create_and_resolve_only(ctx):
    _, _, rec = webhook_rig(ctx)
    page, comps = page_with_components(ctx, ("SMS",))
    number = "+1555%07d" % (uuid.uuid4().int % 10**7)
    path = "/ok/sms-" + number[1:]
    with notifier(ctx, **sms_settings(rec, path)):
        s = subscribe(ctx, page["id"], stype="SMS", phoneNumber=number,
                      phoneCountry="US").json
        confirm = finished(ctx, s["id"], "subscriber.confirmation")
        ctx.psql("UPDATE subscribers SET status = 'SUBSCRIBED' WHERE id = '%s'" % s["id"])
        inc = hostile_incident(ctx, page["id"], comps["SMS"])
        created = finished(ctx, s["id"], "incident.created")
        put(ctx, page["id"], incidentId=inc["id"], status="IDENTIFIED",
            message="update", shouldSendNotifications=True)
        updated = finished(ctx, s["id"], "incident.updated")
        put(ctx, page["id"], incidentId=inc["id"], status="RESOLVED",
            message="fixed", shouldSendNotifications=True)
        resolved = finished(ctx, s["id"], "incident.resolved")
    assert confirm["state"] == created["state"] == resolved["state"] == "DELIVERED", \
        (confirm, created, resolved)
    assert updated["state"] == "DROPPED" and "not sent by SMS" in updated["error"], updated
    got = [x for x in rec.requests if x["path"] == path]
    assert len(got) == 3, [json.loads(x["body"]) for x in got]
    bodies = [json.loads(x["body"]) for x in got]
    assert all(b["to"] == number and b["from"] == "Acme" for b in bodies), bodies
    assert "/subscriptions/confirm?token=" in bodies[0]["text"], bodies[0]
    assert HOSTILE_NAME in bodies[1]["text"] and "(Investigating)" in bodies[1]["text"]
    assert "resolved" in bodies[2]["text"], bodies[2]
    assert all("\n" not in b["text"] for b in bodies), bodies
    assert all(len(b["text"]) < 200 for b in bodies[1:]), bodies
    auth = got[0]["headers"].get("Authorization", "")
    assert base64.b64decode(auth.split(" ", 1)[1]) == b"gw:gw-pass", auth


def test_sms_form_template_escaped(ctx):
    _, _, rec = webhook_rig(ctx)
    page = ctx.create_page(name="Acme & Sons=1")
    number = "+1555%07d" % (uuid.uuid4().int % 10**7)
    path = "/ok/smsform-" + number[1:]
    with notifier(ctx, **sms_settings(
            rec, path, sms_gateway_content_type="application/x-www-form-urlencoded",
            sms_body_template="To={to}&Body={text}&From={from}")):
        s = subscribe(ctx, page["id"], stype="SMS", phoneNumber=number,
                      phoneCountry="US").json
        finished(ctx, s["id"], "subscriber.confirmation")
    got = [x for x in rec.requests if x["path"] == path]
    assert got and got[0]["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    form = urllib.parse.parse_qs(got[0]["body"].decode(), strict_parsing=True)
    assert set(form) == {"To", "Body", "From"}, form
    assert form["To"] == [number] and form["Body"][0].startswith("Acme & Sons=1: ")


def test_sms_template_refused_at_start(ctx):
    """A JSON template that no longer is one once filled stops the notifier
    at start, naming the setting."""
    d, ca, rec = webhook_rig(ctx)
    try:
        Notifier(ctx, d, ca, sms_gateway_url=rec.url("/ok"),
                 sms_body_template='{"text": {text}}')
    except AssertionError as e:
        assert "sms_body_template" in str(e), e
    else:
        raise AssertionError("statusd-notify started with a broken template")


def test_mail_and_sms_passwords_never_shown(ctx):
    conf = _conf_variant(ctx, "mail-secrets", "smtp_password = smtp-pass-value",
                         "sms_gateway_password = sms-pass-value")
    p = _statusctl(ctx, conf, "config", "show", "--json")
    assert p.returncode == 0, p.stderr
    shown = json.loads(p.stdout)
    assert shown["smtp_password"] == shown["sms_gateway_password"] == "(set)", shown
    assert "pass-value" not in p.stdout


def test_mail_zz_cleanup(ctx):
    for key in [k for k in ctx.shared if k.startswith("mail")]:
        rig = ctx.shared.pop(key)
        (rig[2] if isinstance(rig, tuple) else rig).close()
