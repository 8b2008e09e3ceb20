"""Subscribers through the real stack: sign-up behind the captcha, contact
rules, tokens, lists both ways, stats and totals, deletes, scopes and
tenants (issue 14)."""

import base64
import hashlib
import hmac
import os
import re
import uuid

import routecases
import subscriberlib
from client import check_error, parallel
from subscriberlib import (captcha_token, challenge, mint_token, payload, request_body,
                           solve, subscribe)


def _page_sub(ctx):
    page = ctx.create_page()
    return page, subscribe(ctx, page["id"]).json


routecases.CASES.update({
    ("POST", "/subscribers"): lambda ctx: (lambda p: (
        "/subscribers", request_body(p["id"], captcha=captcha_token(ctx, p["id"])), 201))(
            ctx.create_page()),
    ("GET", "/subscribers/captcha/challenge"): lambda ctx: (
        "/subscribers/captcha/challenge?pageId=" + ctx.create_page()["id"], None, 200),
    ("POST", "/subscribers/validate_token"): lambda ctx: (
        "/subscribers/validate_token", {"token": "x"}, 200),
    ("POST", "/subscribers/unsubscribe"): lambda ctx: (
        "/subscribers/unsubscribe",
        {"token": mint_token(ctx, "unsubscribe", _page_sub(ctx)[1]["id"])}, 200),
    ("GET", "/subscribers/list"): lambda ctx: (
        "/subscribers/list?itemType=PAGE&itemId=" + ctx.create_page()["id"], None, 200),
    ("GET", "/subscribers/list/connection"): lambda ctx: (
        "/subscribers/list/connection?limit=5", None, 200),
    ("GET", "/subscribers/stats"): lambda ctx: (
        "/subscribers/stats?type=PAGE&itemId=" + ctx.create_page()["id"], None, 200),
    ("GET", "/subscribers/total_in_cloud"): lambda ctx: (
        "/subscribers/total_in_cloud", None, 200),
    ("POST", "/subscribers/delete"): lambda ctx: (
        "/subscribers/delete", {"ids": [str(uuid.uuid4())]}, 200),
})


def test_subscriber_email_pending_with_confirmation_code(ctx):
    page = ctx.create_page()
    r = subscribe(ctx, page["id"], email="Ops.Team@example.com")
    s = r.json
    assert s["status"] == "PENDING_CONFIRMATION" and s["subscriptionType"] == "EMAIL", s
    assert s["type"] == "PAGE_SUBSCRIBER" and s["itemId"] == page["id"]
    assert s["email"] == "Ops.Team@example.com"
    assert s["confirmationCode"].count(".") == 2
    assert "webhookSecret" not in s
    # The page summary counts it.
    r = ctx.request("GET", "/pages/%s/summary" % page["id"])
    assert r.status == 200 and r.json["pageSummaryDetails"]["subscribersCount"] == 1, r


def _created(ctx, page_id, stype, **data):
    return subscribe(ctx, page_id, stype=stype, **data).json


def test_subscriber_each_type(ctx):
    page = ctx.create_page()
    sms = _created(ctx, page["id"], "SMS", phoneNumber="+14155552671", phoneCountry="US")
    assert sms["status"] == "PENDING_CONFIRMATION" and sms["phoneNumber"] == "+14155552671"
    assert sms["phoneCountry"] == "US" and "confirmationCode" in sms
    hook = _created(ctx, page["id"], "WEBHOOK", webhookEndpoint="https://8.8.8.8/hooks/status")
    assert hook["status"] == "SUBSCRIBED" and "confirmationCode" not in hook
    secret = hook["webhookSecret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    slack = _created(ctx, page["id"], "SLACK",
                     webhookEndpoint="https://hooks.slack.com/services/T01/B02/abcDEF123")
    assert slack["status"] == "SUBSCRIBED" and "webhookSecret" not in slack
    # Exempt by webhook_allowed_networks (198.51.100.0/24 in the test config).
    _created(ctx, page["id"], "WEBHOOK", webhookEndpoint="https://198.51.100.7:8443/in")
    # The secret is shown once: lists do not carry it.
    r = ctx.request("GET", "/subscribers/list?itemType=PAGE&itemId=" + page["id"])
    assert r.status == 200 and "whsec_" not in r.body.decode(), r
    assert r.json["connection"]["totalCount"] == 4
    with open(os.path.join(ctx.state_dir, "log", "statusd.log")) as f:
        assert secret not in f.read()


def _refused(ctx, page_id, stype, field, value, detail):
    body = request_body(page_id, stype=stype, captcha=captcha_token(ctx, page_id),
                        **{field: value})
    err = check_error(ctx.request("POST", "/subscribers", body), 400)
    assert detail in err.get("details", ""), (value, err)


def test_subscriber_contact_rules(ctx):
    pid = ctx.create_page()["id"]
    for bad in ["plain", "a@b", "Name <a@example.com>", "a@@example.com", "a b@example.com",
                "x" * 65 + "@example.com", "a@" + "b" * 64 + ".com", "a@[127.0.0.1]"]:
        _refused(ctx, pid, "EMAIL", "email", bad, "must be an email address")
    for bad in ["14155552671", "+1 415 555 2671", "+0123456789", "+1234567890123456", "+12"]:
        _refused(ctx, pid, "SMS", "phoneNumber", bad, "E.164")
    _refused(ctx, pid, "SLACK", "webhookEndpoint", "https://hooks.example.com/services/T/B/X",
             "Slack")
    for bad in ["http://8.8.8.8/h", "https://user@8.8.8.8/h", "ftp://8.8.8.8/"]:
        _refused(ctx, pid, "WEBHOOK", "webhookEndpoint", bad, "https URL")
    # The contact of the type is required.
    body = request_body(pid, stype="SMS", captcha=captcha_token(ctx, pid), email="a@example.com")
    err = check_error(ctx.request("POST", "/subscribers", body), 400)
    assert "phoneNumber" in err["details"], err


def test_subscriber_webhook_internal_addresses(ctx):
    pid = ctx.create_page()["id"]
    for host in ["127.0.0.1", "2130706433", "0177.0.0.1", "0x7f000001", "0x7f.1", "127.1",
                 "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "localhost", "10.1.2.3",
                 "172.16.5.4", "192.168.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
                 "224.0.0.1", "[fe80::1]", "[fc00::1]", "[::]", "[64:ff9b::7f00:1]",
                 "[2002:7f00:1::]"]:
        _refused(ctx, pid, "WEBHOOK", "webhookEndpoint", "https://%s/hook" % host,
                 "internal address")


def test_subscriber_duplicate_names_existing(ctx):
    pid = ctx.create_page()["id"]
    first = subscribe(ctx, pid, email="dup@example.com").json
    r = ctx.request("POST", "/subscribers", request_body(
        pid, captcha=captcha_token(ctx, pid), email="DUP@example.com"))
    err = check_error(r, 409)
    assert first["id"] in err["details"], err
    # Another item or type is another subscription.
    subscribe(ctx, pid, stype="SMS", phoneNumber="+14155550000")


def test_duplicate_check_is_one_index_probe(ctx):
    """The sign-up's duplicate check (subscriber_with_contact) probes
    subscribers_contact_key on the whole key, contact included, in the plan
    it is cached with: no filter that reads every subscriber of the item
    (it took 0.9 s a sign-up at a million, bench/RESULTS.md)."""
    cloud, email, tok = ctx.other_cloud()
    pid = ctx.create_page(cloud=cloud, auth=(email, tok))["id"]
    ctx.psql("INSERT INTO subscribers (cloud_id, id, page_id, item_type, item_id,"
             " subscription_type, contact, status) SELECT '%s', gen_random_uuid(),"
             " '%s', 'PAGE_SUBSCRIBER', '%s', 'EMAIL', 'probe' || g || '@example.com',"
             " 'SUBSCRIBED' FROM generate_series(1, 3000) g" % (cloud, pid, pid))
    plan = ctx.psql(
        "SET plan_cache_mode = force_generic_plan;"
        " PREPARE dup(text, uuid, text, text, text) AS"
        " SELECT * FROM subscriber_with_contact($1, $2, $3, $4, $5);"
        " EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) EXECUTE dup('%s', '%s',"
        " 'PAGE_SUBSCRIBER', 'EMAIL', 'PROBE7@example.com')" % (cloud, pid))
    assert "Index Scan using subscribers_contact_key" in plan, plan
    assert "lower(contact)" in plan and "Filter" not in plan, plan
    # The same after ANALYZE, which sees 3,000 subscribers on one item among
    # many items of one or two.
    ctx.psql("ANALYZE subscribers")
    again = ctx.psql(
        "SET plan_cache_mode = force_generic_plan;"
        " PREPARE dup(text, uuid, text, text, text) AS"
        " SELECT * FROM subscriber_with_contact($1, $2, $3, $4, $5);"
        " EXPLAIN (COSTS OFF) EXECUTE dup('%s', '%s', 'PAGE_SUBSCRIBER', 'EMAIL',"
        " 'x@example.com')" % (cloud, pid))
    assert "Index Scan using subscribers_contact_key" in again and "Filter" not in again, again


def test_subscriber_item_types_and_missing_items(ctx):
    page, cid = routecases.live_component(ctx)
    r = ctx.request("POST", "/incidents", {"incidentCreateRequest": {
        "pageId": page["id"], "name": "Down"}})
    assert r.status == 201, r
    iid = r.json["incidentWithUpdates"]["incident"]["id"]
    s = subscribe(ctx, page["id"], item_id=iid, item_type="INCIDENT_SUBSCRIBER").json
    assert s["type"] == "INCIDENT_SUBSCRIBER" and s["itemId"] == iid
    s = subscribe(ctx, page["id"], item_id=cid, item_type="COMPONENT_SUBSCRIBER").json
    assert s["componentIds"] == [cid]
    # An item of another type, or of no one: 404 before any captcha work.
    for itype, item in [("INCIDENT_SUBSCRIBER", cid), ("PAGE_SUBSCRIBER", str(uuid.uuid4()))]:
        r = ctx.request("POST", "/subscribers", request_body(item, itype, captcha="x"))
        check_error(r, 404)
    # A page that takes no subscribers: 409.
    closed = ctx.create_page(allowPageSubscribers=False)
    r = ctx.request("POST", "/subscribers", request_body(closed["id"], captcha="x"))
    check_error(r, 409)
    r = ctx.request("GET", "/subscribers/captcha/challenge?pageId=" + closed["id"])
    check_error(r, 409)


# --- captcha -----------------------------------------------------------------

def _own_challenge(ctx, page_id, expires):
    """A challenge made with the stack's captcha key, as statusd makes
    them, but with a chosen expiry."""
    kid, key = subscriberlib._key(ctx, "captcha_hmac_key")
    salt = "%s?expires=%d&pageId=%s&kid=%s&" % (uuid.uuid4().hex[:24], expires, page_id, kid)
    number = 1234
    ch = hashlib.sha256((salt + str(number)).encode()).hexdigest()
    sig = hmac.new(key, ch.encode(), hashlib.sha256).hexdigest()
    return {"algorithm": "SHA-256", "challenge": ch, "maxnumber": 100000, "salt": salt,
            "signature": sig}, number


def _captcha_refused(ctx, pid, token, detail):
    r = ctx.request("POST", "/subscribers", request_body(pid, captcha=token))
    err = check_error(r, 400)
    assert detail in err.get("details", "") + err["error"], err


def test_captcha_challenge_shape(ctx):
    pid = ctx.create_page()["id"]
    ch = challenge(ctx, pid)
    assert set(ch) == {"algorithm", "challenge", "maxnumber", "salt", "signature"}, ch
    assert ch["salt"].endswith("&") and ("pageId=%s&" % pid) in ch["salt"]
    assert re.fullmatch(r"[0-9a-f]{64}", ch["challenge"]) and ch["maxnumber"] == 100000
    # The page must be the cloud's; no pageId is 400.
    check_error(ctx.request("GET", "/subscribers/captcha/challenge?pageId=" +
                            str(uuid.uuid4())), 404)
    check_error(ctx.request("GET", "/subscribers/captcha/challenge"), 400)


def test_captcha_solution_once(ctx):
    pid = ctx.create_page()["id"]
    token = captcha_token(ctx, pid)
    r = ctx.request("POST", "/subscribers", request_body(pid, captcha=token))
    assert r.status == 201, r
    _captcha_refused(ctx, pid, token, "used already")


def test_captcha_concurrent_submissions_one_wins(ctx):
    pid = ctx.create_page()["id"]
    token = captcha_token(ctx, pid)
    bodies = [request_body(pid, captcha=token) for _ in range(2)]
    got = parallel(2, lambda i: ctx.request("POST", "/subscribers", bodies[i]).status)
    assert sorted(got) == [201, 400], got
    r = ctx.request("GET", "/subscribers/list?itemType=PAGE&itemId=" + pid)
    assert r.json["connection"]["totalCount"] == 1, r


def test_captcha_refusals(ctx):
    pid, other = ctx.create_page()["id"], ctx.create_page()["id"]
    ch = challenge(ctx, pid)
    n = solve(ch)
    _captcha_refused(ctx, pid, payload(ch, n + 1), "not solved")
    sig = ("0" if ch["signature"][0] != "0" else "1") + ch["signature"][1:]
    _captcha_refused(ctx, pid, payload(ch, n, signature=sig), "signature")
    _captcha_refused(ctx, pid, payload(ch, n, salt=ch["salt"][:-1]), "not an ALTCHA payload")
    _captcha_refused(ctx, pid, payload(ch, n, algorithm="SHA-512"), "not an ALTCHA payload")
    _captcha_refused(ctx, other, payload(ch, n), "another page")
    old, m = _own_challenge(ctx, pid, subscriberlib.now() - 5)
    _captcha_refused(ctx, pid, payload(old, m), "expired")
    fresh, m = _own_challenge(ctx, pid, subscriberlib.now() + 60)
    assert ctx.request("POST", "/subscribers", request_body(pid, captcha=payload(
        fresh, m))).status == 201
    for junk in ["", "!!!", base64.b64encode(b"[1]").decode(), "e30="]:
        _captcha_refused(ctx, pid, junk, "captcha")
    _captcha_refused(ctx, pid, None, "captchaToken: is required")
    # None of these wrote anything: the one good solution is all there is.
    r = ctx.request("GET", "/subscribers/list?itemType=PAGE&itemId=" + pid)
    assert r.json["connection"]["totalCount"] == 1, r


# --- tokens ------------------------------------------------------------------

def _validate(ctx, token):
    r = ctx.request("POST", "/subscribers/validate_token", {"token": token})
    assert r.status == 200, r
    return r.json["valid"]


def test_tokens_by_purpose(ctx):
    page, s = _page_sub(ctx)
    sid = s["id"]
    manage = mint_token(ctx, "manage", sid)
    assert _validate(ctx, manage) is True
    # Every misuse answers alike: valid false.
    tampered = manage[:-2] + ("AA" if not manage.endswith("AA") else "BA")
    other_cloud, _, _ = ctx.other_cloud()
    for bad in [mint_token(ctx, "unsubscribe", sid), s["confirmationCode"], tampered,
                mint_token(ctx, "manage", sid, expires=subscriberlib.now() - 1),
                mint_token(ctx, "manage", str(uuid.uuid4())),
                mint_token(ctx, "manage", sid, cloud=other_cloud),
                mint_token(ctx, "manage", sid, setting="captcha_hmac_key"), "", "x.y.z"]:
        assert _validate(ctx, bad) is False, bad
    r = ctx.request("POST", "/subscribers/validate_token", {})
    assert r.status == 200 and r.json["valid"] is False, r
    # A confirm token does not unsubscribe; garbage neither.
    for bad in [s["confirmationCode"], tampered, "nonsense"]:
        check_error(ctx.request("POST", "/subscribers/unsubscribe", {"token": bad}), 400)
    check_error(ctx.request("POST", "/subscribers/unsubscribe", {}), 400)
    # Unsubscribe (and manage) tokens do, as often as asked.
    for tok in [mint_token(ctx, "unsubscribe", sid), manage]:
        r = ctx.request("POST", "/subscribers/unsubscribe", {"token": tok})
        assert r.status == 200 and r.json["success"] is True, r
    nodes = _nodes(ctx, "/subscribers/list?itemType=PAGE&itemId=" + page["id"])
    assert nodes[0]["status"] == "UNSUBSCRIBED", nodes
    # Deleted: its tokens are dead.
    r = ctx.request("POST", "/subscribers/delete", {"ids": [sid]})
    assert r.status == 200, r
    assert _validate(ctx, manage) is False
    check_error(ctx.request("POST", "/subscribers/unsubscribe",
                            {"token": mint_token(ctx, "unsubscribe", sid)}), 400)


def test_confirmation_code_only_with_read_scope(ctx):
    pid = ctx.create_page()["id"]
    scope = "write:stakeholder-comms.subscriber:jira-service-management"
    tok = ctx.make_token(ctx.cloud, [scope], email="writer@example.com")
    r = ctx.request("POST", "/subscribers", request_body(
        pid, captcha=captcha_token(ctx, pid), email="hidden@example.com"),
        auth=("writer@example.com", tok))
    assert r.status == 201, r
    assert "email" not in r.json and "confirmationCode" not in r.json, r.json
    assert "hidden@example.com" not in r.body.decode()


# --- lists, stats, totals, deletes --------------------------------------------

def _nodes(ctx, path):
    r = ctx.request("GET", path)
    assert r.status == 200, r
    c = r.json.get("connection", r.json)
    return c["nodes"]


def _walk(ctx, base, forwards, size):
    seen, cursor, pages = [], None, 0
    while True:
        if forwards:
            path = base + "&limit=%d" % size + ("&cursor=" + cursor if cursor else "")
        else:
            path = base + "&last=%d" % size + ("&before=" + cursor if cursor else "")
        r = ctx.request("GET", path)
        assert r.status == 200, r
        c = r.json.get("connection", r.json)
        pages += 1
        ids = [n["id"] for n in c["nodes"]]
        seen = seen + ids if forwards else ids + seen
        info = c["pageInfo"]
        more = info["hasNextPage"] if forwards else info["hasPreviousPage"]
        if not more:
            return seen, c["totalCount"], pages
        cursor = info["endCursor"] if forwards else info["startCursor"]
        assert pages < 20


def test_lists_walk_both_ways(ctx):
    page, cid = routecases.live_component(ctx)
    made = [subscribe(ctx, page["id"]).json["id"] for _ in range(7)]
    made.append(subscribe(ctx, page["id"], item_id=cid,
                          item_type="COMPONENT_SUBSCRIBER").json["id"])
    for base in ["/subscribers/list/connection?pageId=" + page["id"]]:
        fwd, total, pages = _walk(ctx, base, True, 3)
        assert fwd == made and total == 8 and pages == 3, (fwd, made, total)
        back, total, _ = _walk(ctx, base, False, 3)
        assert back == made and total == 8
    base = "/subscribers/list?itemType=page&itemId=" + page["id"]
    fwd, total, _ = _walk(ctx, base, True, 2)
    assert fwd == made[:7] and total == 7
    back, _, _ = _walk(ctx, base, False, 5)
    assert back == made[:7]
    fwd, total, _ = _walk(ctx, "/subscribers/list?itemType=COMPONENT_SUBSCRIBER&itemId=" + cid,
                          True, 5)
    assert fwd == made[7:] and total == 1
    # Cursors are bound to their list and tagged.
    r = ctx.request("GET", "/subscribers/list/connection?limit=1&pageId=" + page["id"])
    cur = r.json["pageInfo"]["endCursor"]
    for bad in ["/subscribers/list/connection?cursor=" + cur,
                "/subscribers/list?itemType=PAGE&itemId=%s&cursor=%s" % (page["id"], cur),
                "/subscribers/list/connection?pageId=%s&cursor=%sx" % (page["id"], cur),
                "/subscribers/list/connection?limit=0", "/subscribers/list/connection?limit=101",
                "/subscribers/list/connection?limit=2&last=2",
                "/subscribers/list/connection?pageId=nope",
                "/subscribers/list?itemType=PAGE", "/subscribers/list?itemType=TEAM&itemId=" +
                page["id"], "/subscribers/stats?itemId=" + page["id"]]:
        check_error(ctx.request("GET", bad), 400)


def test_stats_and_totals_follow_changes(ctx):
    page = ctx.create_page()
    before = ctx.request("GET", "/subscribers/total_in_cloud").json["totalCount"]
    subs = [subscribe(ctx, page["id"]).json for _ in range(3)]
    subscribe(ctx, page["id"], stype="WEBHOOK", webhookEndpoint="https://8.8.4.4/x")
    ctx.request("POST", "/subscribers/unsubscribe",
                {"token": mint_token(ctx, "unsubscribe", subs[0]["id"])})
    r = ctx.request("GET", "/subscribers/stats?type=PAGE_SUBSCRIBER&itemId=" + page["id"])
    assert r.status == 200, r
    st = r.json["stats"]
    counts = {c["status"]: c["count"] for c in st["countsByStatus"]}
    assert counts == {"PENDING_CONFIRMATION": 2, "SUBSCRIBED": 1, "UNSUBSCRIBED": 1,
                      "SUSPENDED": 0, "DEACTIVATED": 0, "QUARANTINED": 0, "UNVERIFIED": 0}
    assert st["totalQuotaUsed"] == 4 and st["itemId"] == page["id"]
    assert ctx.request("GET", "/subscribers/total_in_cloud").json["totalCount"] == before + 4
    d = ctx.request("GET", "/pages/%s/summary" % page["id"]).json["pageSummaryDetails"]
    assert d["subscribersCount"] == 3, d
    r = ctx.request("POST", "/subscribers/delete",
                    {"ids": [subs[1]["id"], subs[2]["id"], str(uuid.uuid4())]})
    assert r.status == 200 and r.json["message"] == "deleted 2 subscribers", r
    assert ctx.request("GET", "/subscribers/total_in_cloud").json["totalCount"] == before + 2
    r = ctx.request("GET", "/subscribers/stats?type=page&itemId=" + page["id"])
    assert r.json["stats"]["totalQuotaUsed"] == 2
    check_error(ctx.request("POST", "/subscribers/delete", {"ids": ["nope"]}), 400)
    assert ctx.request("POST", "/subscribers/delete", {}).status == 200


def test_other_cloud_ids_are_missing(ctx):
    cloud, email, tok = ctx.other_cloud()
    theirs = ctx.create_page(cloud=cloud, auth=(email, tok))
    r = ctx.request("GET", "/subscribers/captcha/challenge?pageId=" + theirs["id"],
                    cloud=cloud, auth=(email, tok))
    assert r.status == 200, r
    ch = r.json
    r = ctx.request("POST", "/subscribers", request_body(
        theirs["id"], captcha=payload(ch, solve(ch))), cloud=cloud, auth=(email, tok))
    assert r.status == 201, r
    their_sub = r.json["id"]
    missing = str(uuid.uuid4())
    for path in ["/subscribers/captcha/challenge?pageId=%s",
                 "/subscribers/list?itemType=PAGE&itemId=%s",
                 "/subscribers/list/connection?pageId=%s",
                 "/subscribers/stats?type=PAGE&itemId=%s"]:
        a = ctx.request("GET", path % theirs["id"])
        b = ctx.request("GET", path % missing)
        check_error(a, 404)
        assert a.body == b.body, (a, b)
    r = ctx.request("POST", "/subscribers", request_body(theirs["id"], captcha="x"))
    check_error(r, 404)
    r = ctx.request("POST", "/subscribers/delete", {"ids": [their_sub]})
    assert r.status == 200 and r.json["message"] == "deleted 0 subscribers", r
    r = ctx.request("GET", "/subscribers/list?itemType=PAGE&itemId=" + theirs["id"],
                    cloud=cloud, auth=(email, tok))
    assert [n["id"] for n in r.json["connection"]["nodes"]] == [their_sub]


def test_quota(ctx):
    cloud = str(uuid.uuid4())
    email = "quota@example.com"
    tok = ctx.make_token(cloud, "all", email=email)
    auth = (email, tok)
    pid = ctx.create_page(cloud=cloud, auth=auth)["id"]
    ctx.psql("INSERT INTO subscriber_cloud_totals (cloud_id, n) VALUES ('%s', 999999)" % cloud)

    def one():
        r = ctx.request("GET", "/subscribers/captcha/challenge?pageId=" + pid,
                        cloud=cloud, auth=auth)
        return ctx.request("POST", "/subscribers", request_body(
            pid, captcha=payload(r.json, solve(r.json))), cloud=cloud, auth=auth)
    assert one().status == 201
    err = check_error(one(), 409)
    assert "quota" in err["error"], err
    r = ctx.request("GET", "/subscribers/total_in_cloud", cloud=cloud, auth=auth)
    assert r.json["totalCount"] == 1000000


def test_bad_bodies(ctx):
    pid = ctx.create_page()["id"]
    for body in [{}, {"subscriptionRequest": {}}, {"subscriptionRequest": {
            "itemId": pid, "itemType": "PAGE", "subscriptionType": "EMAIL"}},
            {"subscriptionRequest": {"itemId": "x", "itemType": "PAGE_SUBSCRIBER",
                                     "subscriptionType": "EMAIL"}},
            {"subscriptionRequest": {"itemId": pid, "itemType": "PAGE_SUBSCRIBER",
                                     "subscriptionType": "FAX"}},
            {"subscriptionRequest": {"itemId": pid, "itemType": "PAGE_SUBSCRIBER",
                                     "subscriptionType": "EMAIL", "status": "SUBSCRIBED"}},
            {"subscriptionRequest": {"itemId": pid, "itemType": "PAGE_SUBSCRIBER",
                                     "subscriptionType": "SMS",
                                     "subscriptionData": {"phoneNumber": "+14155550100",
                                                          "phoneCountry": "usa"}}}]:
        check_error(ctx.request("POST", "/subscribers", body), 400)
    check_error(ctx.request("POST", "/subscribers", raw_body="{"), 400)


def test_untrusted_skip_confirmation_ignored(ctx):
    pid = ctx.create_page()["id"]
    body = request_body(pid, captcha=captcha_token(ctx, pid))
    body["subscriptionRequest"]["skipConfirmation"] = True
    r = ctx.request("POST", "/subscribers", body)
    assert r.status == 201 and r.json["status"] == "PENDING_CONFIRMATION", r
    assert r.json["skipConfirmation"] is False


def test_purge_erases_subscribers(ctx):
    page, s = _page_sub(ctx)
    r = ctx.request("POST", "/pages/%s/permanent_delete" % page["id"])
    assert r.status == 200, r
    ctx.psql("UPDATE pages SET archived_at = now() - interval '400 days' WHERE id = '%s'"
             % page["id"])
    spent = ctx.psql("SELECT challenge FROM used_captchas ORDER BY expires_at DESC LIMIT 1")
    ctx.psql("UPDATE used_captchas SET expires_at = now() - interval '1 second'"
             " WHERE challenge = '%s'" % spent)
    p = ctx.statusctl("purge")
    assert "spent captcha" in p.stdout, p.stdout
    out = ctx.psql("SELECT count(*) FROM subscribers WHERE id = '%s'" % s["id"])
    assert out.strip() == "0", out
    assert ctx.psql("SELECT count(*) FROM used_captchas WHERE challenge = '%s'" % spent) == "0"


def test_trusted_token_skips_captcha_and_confirmation(ctx):
    email = "trusted@example.com"
    p = ctx.statusctl("token", "create", "--cloud", ctx.cloud, "--email", email,
                      "--scopes", "all", "--trusted")
    tok = p.stdout.split()[0]
    token_id = p.stderr.split()[p.stderr.split().index("id") + 1]
    listed = [line for line in ctx.statusctl("token", "list", "--cloud", ctx.cloud).stdout
              .splitlines() if line.startswith(token_id)]
    assert len(listed) == 1 and "\tactive,trusted\t" in listed[0], listed
    pid = ctx.create_page()["id"]
    body = request_body(pid, email="vip@example.com")
    body["subscriptionRequest"]["skipConfirmation"] = True
    r = ctx.request("POST", "/subscribers", body, auth=(email, tok))
    assert r.status == 201, r
    assert r.json["status"] == "SUBSCRIBED" and r.json["skipConfirmation"] is True, r.json
    assert "confirmedAt" in r.json and "confirmationCode" not in r.json
    # Without skipConfirmation it is pending as any other; no captcha either.
    r = ctx.request("POST", "/subscribers", request_body(pid), auth=(email, tok))
    assert r.status == 201 and r.json["status"] == "PENDING_CONFIRMATION", r
    # The same request with the demo token (not trusted) needs its captcha.
    check_error(ctx.request("POST", "/subscribers", request_body(pid)), 400)
