"""The public subscription links (/subscriptions/confirm and
/subscriptions/unsubscribe): through nginx, without credentials. A GET
shows a page and changes nothing; a POST confirms or unsubscribes (RFC 8058
one-click included); every bad token gets the same neutral 400 page; the
token never reaches a log; nginx rate-limits the links (kept last here:
it spends this address's allowance)."""

import os
import time
import urllib.parse

from client import parallel
from subscriberlib import mint_token, subscribe

PAGE_CSP = "default-src 'none'"
ONE_CLICK = "List-Unsubscribe=One-Click"
FORM = "application/x-www-form-urlencoded"


def _link(ctx, kind, token, method="GET", body=None):
    path = "//subscriptions/%s?token=%s" % (kind, urllib.parse.quote(token, safe=""))
    return ctx.request(method, path, auth=None, raw_body=body,
                       content_type=FORM if body is not None else None)


def _status(ctx, sid):
    return ctx.psql("SELECT status || ' ' || (confirmed_at IS NOT NULL)"
                    " FROM subscribers WHERE id = '%s'" % sid)


def _pending(ctx):
    page = ctx.create_page()
    s = subscribe(ctx, page["id"]).json
    assert s["status"] == "PENDING_CONFIRMATION", s
    return s


def _html(r, status):
    assert r.status == status, r
    assert r.headers.get("Content-Type").startswith("text/html"), r.headers
    assert r.headers.get("Content-Security-Policy", "").startswith(PAGE_CSP), r.headers
    assert r.headers.get("Referrer-Policy") == "no-referrer", r.headers
    return r.body.decode()


def test_links_get_changes_nothing(ctx):
    s = _pending(ctx)
    for _ in range(2):
        body = _html(_link(ctx, "confirm", s["confirmationCode"]), 200)
        assert "<form method=\"post\"" in body and "<button" in body, body
        assert "<script" not in body
    assert _html(_link(ctx, "confirm", s["confirmationCode"], "HEAD"), 200) == ""
    unsub = mint_token(ctx, "unsubscribe", s["id"])
    _html(_link(ctx, "unsubscribe", unsub), 200)
    assert _status(ctx, s["id"]) == "PENDING_CONFIRMATION false"


def test_links_post_confirms_idempotent(ctx):
    s = _pending(ctx)
    for _ in range(2):
        body = _html(_link(ctx, "confirm", s["confirmationCode"], "POST", b""), 200)
        assert "confirmed" in body, body
        assert _status(ctx, s["id"]) == "SUBSCRIBED true"


def test_links_one_click_unsubscribe(ctx):
    s = _pending(ctx)
    tok = mint_token(ctx, "unsubscribe", s["id"])
    for _ in range(2):
        body = _html(_link(ctx, "unsubscribe", tok, "POST", ONE_CLICK.encode()), 200)
        assert "unsubscribed" in body, body
        assert _status(ctx, s["id"]).startswith("UNSUBSCRIBED")
    # Confirming after that does not subscribe again.
    _html(_link(ctx, "confirm", s["confirmationCode"], "POST", b""), 400)
    assert _status(ctx, s["id"]).startswith("UNSUBSCRIBED")


def test_links_manage_token_unsubscribes(ctx):
    s = _pending(ctx)
    _html(_link(ctx, "unsubscribe", mint_token(ctx, "manage", s["id"]), "POST",
                ONE_CLICK.encode()), 200)
    assert _status(ctx, s["id"]).startswith("UNSUBSCRIBED")


def test_links_bad_tokens_neutral(ctx):
    s = _pending(ctx)
    good = s["confirmationCode"]
    kid, payload, tag = good.split(".")
    flipped = tag[:-2] + ("A" if tag[-2] != "A" else "B") + tag[-1]
    bad = {
        "tampered": "%s.%s.%s" % (kid, payload, flipped),
        "expired": mint_token(ctx, "confirm", s["id"], expires=int(time.time()) - 10),
        "wrong purpose": mint_token(ctx, "unsubscribe", s["id"]),
        "unknown subscriber": mint_token(ctx, "confirm", "00000000-0000-4000-8000-000000000000"),
        "markup": "<script>alert(1)</script>",
        "empty": "",
    }
    bodies = set()
    for name, tok in bad.items():
        for method in ("GET", "POST"):
            body = _html(_link(ctx, "confirm", tok, method, b"" if method == "POST" else None),
                         400)
            assert "<script" not in body, name
            bodies.add(body)
    assert len(bodies) == 1, bodies
    # Unsubscribe refuses a confirm token; no token, two tokens alike.
    _html(_link(ctx, "unsubscribe", good, "POST", ONE_CLICK.encode()), 400)
    r = ctx.request("GET", "//subscriptions/confirm", auth=None)
    assert _html(r, 400) in bodies
    r = ctx.request("POST", "//subscriptions/confirm?token=%s&token=%s" % (good, good),
                    auth=None, raw_body=b"", content_type=FORM)
    _html(r, 400)
    r = ctx.request("DELETE", "//subscriptions/confirm?token=" + good, auth=None)
    _html(r, 405)
    assert _status(ctx, s["id"]) == "PENDING_CONFIRMATION false"


def test_links_token_not_logged(ctx):
    s = _pending(ctx)
    tok = mint_token(ctx, "unsubscribe", s["id"])
    _link(ctx, "unsubscribe", tok)
    _link(ctx, "confirm", s["confirmationCode"], "POST", b"")
    # nginx's "limiting requests" lines would quote the URI with the token.
    assert 429 in _link_flood(ctx, tok)
    time.sleep(1.2)  # nginx flushes its access log every second
    logdir = os.path.join(ctx.state_dir, "log")
    seen_route = False
    for fn in os.listdir(logdir):
        with open(os.path.join(logdir, fn), "rb") as f:
            data = f.read()
        for secret in (tok, s["confirmationCode"]):
            for form in (secret, urllib.parse.quote(secret, safe="")):
                assert form.encode() not in data, "a token appears in log/%s" % fn
        seen_route = seen_route or b"/subscriptions/confirm?token=REDACTED" in data
    assert seen_route, "the access log has no masked link line"


def _link_flood(ctx, token="x"):
    """104 requests on 8 threads released together: far past the local
    allowance (20 r/s, burst 20) however slow the build."""
    def eight(_):
        return [_link(ctx, "confirm", token).status for _ in range(13)]
    return [st for batch in parallel(8, eight) for st in batch]


def test_links_rate_limited_last(ctx):
    statuses = _link_flood(ctx)
    assert 429 in statuses, statuses
    assert set(statuses) <= {400, 429}, statuses
