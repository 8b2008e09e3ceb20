"""Authentication and authorisation: Basic and Bearer API tokens, JWTs
(HS256, RS256), the scope matrix, tenant isolation, expiry, revocation."""

import os
import time
import urllib.parse
import uuid

from client import (READ_PAGE, SCOPE_NAMES, WRITE_PAGE, baseline, check_common_headers,
                    check_error)
from routecases import CASES, fill, id_routes, live_component, served_routes


def assert_401(r):
    check_error(r, 401)
    assert r.headers.get("WWW-Authenticate"), "401 without WWW-Authenticate: %r" % (r,)


def all_cases(ctx):
    """[(method, pattern, scope, prepare)] for every served route."""
    out = []
    for m, pat, scope in served_routes(ctx):
        if (m, pat) in CASES:
            out.append((m, pat, scope, CASES[(m, pat)]))
    return out


def each_route(ctx, check):
    """Runs check(m, pat, scope, prepare) for every route; a failing route
    does not hide the others: all failures are reported together."""
    failures = []
    for m, pat, scope, prepare in all_cases(ctx):
        try:
            check(m, pat, scope, prepare)
        except AssertionError as e:
            failures.append("%s %s: %s" % (m, pat, str(e)[:300]))
    assert not failures, "%d route(s) failed: %s" % (len(failures), " | ".join(failures))


def test_baseline_created(ctx):
    base = baseline(ctx)
    assert len(base) == 3


def test_every_served_route_is_covered(ctx):
    served = served_routes(ctx)
    assert len(served) >= 4, served
    missing = [(m, p) for m, p, _ in served if (m, p) not in CASES]
    assert not missing, "routes without a case in routecases.py: %r" % missing
    for m, p, scope in served:
        assert scope in SCOPE_NAMES, (m, p, scope)


def test_every_route_succeeds_on_both_prefixes(ctx):
    def check(m, pat, _, prepare):
        for pre in ("", "//stakeholder-comms/cloudId/%s/api" % ctx.cloud):
            path, body, ok = prepare(ctx)
            r = ctx.request(m, pre + path if pre else path, body)
            assert r.status == ok, (m, pat, pre, r)
            check_common_headers(r)
            assert r.headers.get("Content-Type") == "application/json", r.headers
            assert isinstance(r.json, (dict, list)), r
    each_route(ctx, check)


def test_no_credentials_401(ctx):
    def check(m, pat, _, prepare):
        path, body, ok = prepare(ctx)
        r = ctx.request(m, path, body, auth=None)
        assert_401(r)
        wa = r.headers.get("WWW-Authenticate")
        assert "Basic" in wa or "Bearer" in wa, wa
        # The same call with credentials gets past authentication (whether
        # it then succeeds is test_every_route_succeeds_on_both_prefixes').
        r = ctx.request(m, path, body)
        assert r.status not in (401, 403), (m, pat, r)
    each_route(ctx, check)


def test_bad_credentials_401(ctx):
    page = ctx.create_page()
    path = "/pages/" + page["id"]
    fake = "sdt_" + "A" * 43
    cases = [
        ("other@example.com", ctx.token),       # right token, another email
        (ctx.email, fake),                       # well-formed, unknown token
        (ctx.email, ctx.token[:-1]),             # truncated
        (ctx.email, ctx.token + "x"),            # extended
        (ctx.email, ""),
        ("", ctx.token),
        ("bearer", fake),
        ("bearer", ""),
        ("bearer", "not-a-token"),
        "Basic !!!notbase64!!!",
        "Basic " + "QQ==",                       # "A": no colon
        "Basic",
        "Digest username=\"x\"",
        "Token " + ctx.token,
        ctx.token,
        "Bearer " + "x" * 9000,
    ]
    for auth in cases:
        r = ctx.request("GET", path, auth=auth)
        assert_401(r)
        r = ctx.request("PUT", path, {"page": {"description": "hacked"}}, auth=auth)
        assert_401(r)
        r = ctx.request("POST", path + "/soft_delete", auth=auth)
        assert_401(r)
    # The email of a Basic credential is compared case-insensitively at most.
    r = ctx.request("GET", path, auth=(ctx.email.upper(), ctx.token))
    assert r.status in (200, 401), r
    assert ctx.request("GET", path).json == {"page": page}


def scope_tokens(ctx, scope):
    """(token with every scope but scope, token with only scope)."""
    key = "scope_tokens:" + scope
    if key not in ctx.shared:
        others = [s for s in SCOPE_NAMES if s != scope]
        ctx.shared[key] = (ctx.make_token(ctx.cloud, others, email="scoped@example.com"),
                           ctx.make_token(ctx.cloud, [scope], email="only@example.com"))
    return ctx.shared[key]


def test_each_scope_required(ctx):
    def check(m, pat, scope, prepare):
        without, only = scope_tokens(ctx, scope)
        path, body, ok = prepare(ctx)
        for auth in (("scoped@example.com", without), ("bearer", without)):
            r = ctx.request(m, path, body, auth=auth)
            err = check_error(r, 403)
            wa = r.headers.get("WWW-Authenticate") or ""
            assert "insufficient_scope" in wa and scope in wa, (m, pat, wa)
            assert err["error"], err
        # The one scope alone is enough (and the refused calls changed nothing).
        r = ctx.request(m, path, body, auth=("only@example.com", only))
        assert r.status not in (401, 403), (m, pat, r)
    each_route(ctx, check)


def test_expired_token_401(ctx):
    tok = ctx.make_token(ctx.cloud, "all", email="old@example.com",
                         expires="2020-01-01T00:00:00Z")
    def check(m, pat, _, prepare):
        path, body, ok = prepare(ctx)
        r = ctx.request(m, path, body, auth=("old@example.com", tok))
        assert_401(r)
        r = ctx.request(m, path, body, auth=("bearer", tok))
        assert_401(r)
    each_route(ctx, check)
    # A token valid until a later day works.
    page = ctx.create_page()
    tok = ctx.make_token(ctx.cloud, "all", email="new@example.com",
                         expires="2099-01-01T00:00:00Z")
    r = ctx.request("GET", "/pages/" + page["id"], auth=("new@example.com", tok))
    assert r.status == 200, r


def test_other_clouds_token_403(ctx):
    other, email, tok = ctx.other_cloud()

    def check(m, pat, _, prepare):
        path, body, ok = prepare(ctx)
        r = ctx.request(m, path, body, auth=(email, tok))
        check_error(r, 403)
        r = ctx.request(m, path, body, auth=("bearer", tok))
        check_error(r, 403)
        # ...and the demo token on the other cloud's URLs.
        r = ctx.request(m, path, body, cloud=other)
        check_error(r, 403)
        r = ctx.request(m, path, body)
        assert r.status not in (401, 403), (m, pat, r)
    each_route(ctx, check)


def test_other_clouds_pages_404_like_missing(ctx):
    base = baseline(ctx)
    o_cloud, o_email, o_tok = ctx.other_cloud()
    other_page = base["other"][1]["page"]
    missing = str(uuid.uuid4())
    for m, pat, _ in id_routes(ctx):
        body = {"page": {"description": "x"}} if m == "PUT" else None
        a = ctx.request(m, fill(pat, other_page["id"]), body, headers={"X-Request-Id": "same-id"})
        b = ctx.request(m, fill(pat, missing), body, headers={"X-Request-Id": "same-id"})
        check_error(a, 404)
        check_error(b, 404)
        assert a.body == b.body, (m, pat, a, b)
        ha = {k.lower(): v for k, v in a.headers.items() if k.lower() != "date"}
        hb = {k.lower(): v for k, v in b.headers.items() if k.lower() != "date"}
        assert ha == hb, (m, pat, ha, hb)
    # Another cloud's component ids.
    key = "other_component"
    if key not in ctx.shared:
        ctx.shared[key] = live_component(ctx, cloud=o_cloud, auth=(o_email, o_tok))[1]
    for m, pat, _ in id_routes(ctx, ("{componentId}",)):
        a = ctx.request(m, fill(pat, ctx.shared[key]))
        b = ctx.request(m, fill(pat, missing))
        check_error(a, 404)
        check_error(b, 404)
        assert a.body == b.body, (m, pat, a, b)
    # A batch naming another cloud's page.
    body = lambda pid: {"pageId": pid, "createUpdateComponents": [
        {"pageId": pid, "type": "COMPONENT", "name": "intruder"}]}
    a = ctx.request("POST", "/components/batch_process", body(other_page["id"]))
    b = ctx.request("POST", "/components/batch_process", body(missing))
    check_error(a, 404)
    assert a.body == b.body, (a, b)
    # A stale version precondition does not tell either.
    a = ctx.request("PUT", "/pages/" + other_page["id"], {"page": {"description": "x", "version": 1}})
    b = ctx.request("PUT", "/pages/" + missing, {"page": {"description": "x", "version": 1}})
    check_error(a, 404)
    assert a.body == b.body
    for prefix in ("/pages/by_name/", "/pages/draft/by_name/"):
        a = ctx.request("GET", prefix + urllib.parse.quote(other_page["name"], safe=""))
        b = ctx.request("GET", prefix + urllib.parse.quote(ctx.uniq("missing"), safe=""))
        check_error(a, 404)
        assert a.body == b.body, (prefix, a, b)
    # The other tenant's page is untouched.
    r = ctx.request("GET", "/pages/" + other_page["id"], cloud=o_cloud, auth=(o_email, o_tok))
    assert r.status == 200 and r.json == base["other"][1], r


def jwt_ok(ctx, token, page):
    r = ctx.request("GET", "/pages/" + page["id"], auth=("bearer", token))
    assert r.status == 200 and r.json == {"page": page}, r


def test_jwt_hs256_and_rs256_accepted(ctx):
    assert ctx.jwt_secret, "no jwt_hs256_secret in statusd.conf (EXTRA_CONF not applied?)"
    page = ctx.create_page()
    jwt_ok(ctx, ctx.jwt_hs256(ctx.jwt_claims()), page)
    jwt_ok(ctx, ctx.jwt_rs256(ctx.jwt_claims()), page)
    # Single cloud_id claim, scp array, aud array, typ at+jwt.
    jwt_ok(ctx, ctx.jwt_hs256(ctx.jwt_claims(cloud_ids=None, cloud_id=ctx.cloud)), page)
    jwt_ok(ctx, ctx.jwt_hs256(ctx.jwt_claims(scope=None, scp=[READ_PAGE])), page)
    jwt_ok(ctx, ctx.jwt_hs256(ctx.jwt_claims(aud=["someone-else", ctx.jwt_audience])), page)
    jwt_ok(ctx, ctx.jwt_raw({"alg": "RS256", "typ": "at+jwt"}, ctx.jwt_claims(), ctx.rs256_private), page)
    # Several clouds, this one among them.
    jwt_ok(ctx, ctx.jwt_hs256(ctx.jwt_claims(cloud_ids=[str(uuid.uuid4()), ctx.cloud])), page)
    # Writes too.
    tok = ctx.jwt_rs256(ctx.jwt_claims(scope=WRITE_PAGE))
    r = ctx.request("PUT", "/pages/" + page["id"], {"page": {"description": "by jwt"}},
                    auth=("bearer", tok))
    assert r.status == 200 and r.json["page"]["description"] == "by jwt", r
    r = ctx.request("POST", "/pages", ctx.new_page_body(), auth=("bearer", tok))
    assert r.status == 201, r


def test_jwt_rejected_401(ctx):
    page = ctx.create_page()
    now = int(time.time())
    claims = ctx.jwt_claims()
    hs = {"alg": "HS256", "typ": "JWT"}
    with open(ctx.rs256_public, "rb") as f:
        public_pem = f.read()
    good = ctx.jwt_hs256(claims)
    h, p, s = good.split(".")
    flipped = s[:-2] + ("A" if s[-2] != "A" else "B") + s[-1]
    cases = {
        "alg none": ctx.jwt_raw({"alg": "none", "typ": "JWT"}, claims, None),
        "alg none with sig": ctx.jwt_raw({"alg": "none"}, claims, ctx.jwt_secret),
        "alg None": ctx.jwt_raw({"alg": "None"}, claims, None),
        "no alg": ctx.jwt_raw({"typ": "JWT"}, claims, ctx.jwt_secret),
        "alg HS512": ctx.jwt_raw({"alg": "HS512"}, claims, ctx.jwt_secret),
        "bad signature": h + "." + p + "." + flipped,
        "wrong secret": ctx.jwt_raw(hs, claims, b"another-secret-another-secret-123456"),
        "payload swapped": h + "." + ctx.jwt_hs256(ctx.jwt_claims(sub="admin")).split(".")[1] + "." + s,
        "expired": ctx.jwt_hs256(ctx.jwt_claims(exp=now - 3600, iat=now - 7200)),
        "expired rs256": ctx.jwt_rs256(ctx.jwt_claims(exp=now - 3600)),
        "no exp": ctx.jwt_hs256(ctx.jwt_claims(exp=None)),
        "not yet valid": ctx.jwt_hs256(ctx.jwt_claims(nbf=now + 3600)),
        "wrong audience": ctx.jwt_hs256(ctx.jwt_claims(aud="someone-else")),
        "no audience": ctx.jwt_hs256(ctx.jwt_claims(aud=None)),
        "wrong issuer": ctx.jwt_hs256(ctx.jwt_claims(iss="https://evil.test")),
        "no issuer": ctx.jwt_rs256(ctx.jwt_claims(iss=None)),
        "key confusion": ctx.jwt_raw(hs, claims, public_pem),
        "key confusion stripped": ctx.jwt_raw(hs, claims, public_pem.strip()),
        "rs256 header, hs256 sig": ctx.jwt_raw({"alg": "RS256"}, claims, ctx.jwt_secret),
        "two parts": h + "." + p,
        "four parts": good + ".x",
        "empty signature": h + "." + p + ".",
        "padded": good + "==",
        "crit header": ctx.jwt_raw({"alg": "HS256", "crit": ["exp"]}, claims, ctx.jwt_secret),
        "not json": ctx.jwt_raw("not json", claims, ctx.jwt_secret),
        "claims not object": ctx.jwt_raw(hs, "[1,2]", ctx.jwt_secret),
        "no subject": ctx.jwt_hs256(ctx.jwt_claims(sub=None, email=None)),
        "no scope": ctx.jwt_hs256(ctx.jwt_claims(scope=None)),
        "string exp": ctx.jwt_hs256(ctx.jwt_claims(exp=str(now + 600))),
    }
    for name, tok in cases.items():
        r = ctx.request("GET", "/pages/" + page["id"], auth=("bearer", tok))
        assert r.status == 401, "%s: %r" % (name, r)
        assert_401(r)
        r = ctx.request("PUT", "/pages/" + page["id"], {"page": {"description": name}},
                        auth=("bearer", tok))
        assert r.status == 401, "%s: %r" % (name, r)
    assert ctx.request("GET", "/pages/" + page["id"]).json == {"page": page}


def test_jwt_cloud_and_scope_403(ctx):
    page = ctx.create_page()
    cases = {
        "other cloud": ctx.jwt_hs256(ctx.jwt_claims(cloud_ids=[str(uuid.uuid4())])),
        "other cloud rs256": ctx.jwt_rs256(ctx.jwt_claims(cloud_id=str(uuid.uuid4()), cloud_ids=None)),
        "no cloud claim": ctx.jwt_hs256(ctx.jwt_claims(cloud_ids=None)),
        "cloud prefix": ctx.jwt_hs256(ctx.jwt_claims(cloud_ids=[ctx.cloud[:-1]])),
    }
    for name, tok in cases.items():
        r = ctx.request("GET", "/pages/" + page["id"], auth=("bearer", tok))
        assert r.status == 403, "%s: %r" % (name, r)
        check_error(r, 403)
    # In-cloud JWT without the route's scope.
    tok = ctx.jwt_hs256(ctx.jwt_claims(scope=" ".join(s for s in SCOPE_NAMES if s != READ_PAGE)))
    r = ctx.request("GET", "/pages/" + page["id"], auth=("bearer", tok))
    check_error(r, 403)
    wa = r.headers.get("WWW-Authenticate") or ""
    assert "insufficient_scope" in wa and READ_PAGE in wa, wa
    tok = ctx.jwt_rs256(ctx.jwt_claims(scope="read:stakeholder-comms.page:jira-service-management-x"))
    r = ctx.request("GET", "/pages/" + page["id"], auth=("bearer", tok))
    check_error(r, 403)
    assert ctx.request("GET", "/pages/" + page["id"]).json == {"page": page}


def test_secrets_not_logged(ctx):
    tok = ctx.make_token(ctx.cloud, "all", email="logged@example.com")
    jwt = ctx.jwt_hs256(ctx.jwt_claims())
    ctx.request("GET", "/pages/" + str(uuid.uuid4()), auth=("logged@example.com", tok))
    ctx.request("GET", "/pages/" + str(uuid.uuid4()), auth=("bearer", jwt))
    ctx.request("GET", "/pages/" + str(uuid.uuid4()), auth=("bearer", tok + "x"))
    time.sleep(1.2)  # nginx flushes its access log every second
    logdir = os.path.join(ctx.state_dir, "log")
    for fn in os.listdir(logdir):
        with open(os.path.join(logdir, fn), "rb") as f:
            data = f.read()
        for secret in (tok, jwt.split(".")[2], ctx.jwt_secret.decode(), ctx.token):
            assert secret.encode() not in data, "a secret appears in log/%s" % fn


def test_revoked_token_401(ctx):
    """Revocation takes effect within token_cache_seconds (5 s)."""
    page = ctx.create_page()
    email = "revoke@example.com"
    tok = ctx.make_token(ctx.cloud, "all", email=email)
    assert tok.id, "statusctl did not print the token id"
    keep = ctx.make_token(ctx.cloud, "all", email=email)
    # Warm every worker's cache with the token.
    for _ in range(12):
        r = ctx.request("GET", "/pages/" + page["id"], auth=(email, tok))
        assert r.status == 200, r
    ctx.revoke(tok.id)
    listing = ctx.statusctl("token", "list", "--cloud", ctx.cloud).stdout
    assert any(tok.id in ln and "revoked" in ln for ln in listing.splitlines()), listing
    time.sleep(6)
    for _ in range(12):
        for auth in ((email, tok), ("bearer", tok)):
            r = ctx.request("GET", "/pages/" + page["id"], auth=auth)
            assert_401(r)
            r = ctx.request("PUT", "/pages/" + page["id"], {"page": {"description": "revoked"}},
                            auth=auth)
            assert_401(r)
    r = ctx.request("GET", "/pages/" + page["id"], auth=(email, keep))
    assert r.status == 200 and r.json == {"page": page}, r
    # Revoking twice is an error, not a silent success.
    p = ctx.statusctl("token", "revoke", tok.id, check=False)
    assert p.returncode != 0, p
