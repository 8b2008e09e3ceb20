"""Bad input: malformed JSON, wrong types, unknown and read-only fields,
limits, content types, hostile paths, methods, and the error shape and
headers of every error (statusd's and nginx's own)."""

import json
import os
import shlex
import urllib.parse
import uuid

from client import baseline, check_common_headers, check_error, full_page_body


def page_fixture(ctx):
    if "input_page" not in ctx.shared:
        ctx.shared["input_page"] = ctx.request("POST", "/pages", full_page_body(ctx)).json["page"]
    return ctx.shared["input_page"]


def unchanged(ctx, page):
    r = ctx.request("GET", "/pages/" + page["id"])
    assert r.status == 200 and r.json == {"page": page}, "page changed: %r" % (r,)


def post_and_put(ctx, page, raw=None, body=None, status=400, **kw):
    """The same bad body to POST /pages and PUT /pages/{id}."""
    out = []
    for method, path in (("POST", "/pages"), ("PUT", "/pages/" + page["id"])):
        r = ctx.request(method, path, body=body, raw_body=raw, **kw)
        check_error(r, status)
        out.append(r)
    return out


def test_baseline_before_bad_input(ctx):
    assert len(baseline(ctx)) == 3


def test_malformed_json_400(ctx):
    page = page_fixture(ctx)
    bad = [
        b"{", b"}", b"{\"page\":", b"{\"page\": {\"name\": }}", b"{'page': {}}",
        b"{\"page\": {\"name\": \"x\",}}", b"nul", b"{\"page\": {}} trailing",
        b"{\"page\": {}}{\"page\": {}}", b"\xff\xfe{}", b"{\"page\": {\"name\": \"\xc3\x28\"}}",
        b"{\"page\": {\"name\": \"a\\u0000b\"}}", b"{\"page\": {\"name\": \"\\ud800\"}}",
        b"{\"page\": NaN}", b"{\"page\": {\"bodyConfig\": {\"numberOfCardsPerRow\": 1e999}}}",
        b"{\"page\": {\"bodyConfig\": {\"numberOfCardsPerRow\": 123456789012345678901234567890}}}",
        b"[" * 5000 + b"]" * 5000, b"{\"a\":" * 3000 + b"1" + b"}" * 3000,
        b"{\"page\": {\"name\": \"a\", \"name\": \"b\"}}",  # duplicate key
        b"\x00", b" ",
    ]
    for raw in bad:
        for r in post_and_put(ctx, page, raw=raw):
            assert r.json["error"], r
    unchanged(ctx, page)


def test_body_not_an_object_400(ctx):
    page = page_fixture(ctx)
    for raw in (b"[]", b"\"page\"", b"1", b"null", b"true", b"{}", b"{\"page\": null}",
                b"{\"page\": []}", b"{\"page\": \"x\"}", b"{\"page\": 1}", b"{\"Page\": {}}"):
        post_and_put(ctx, page, raw=raw)
    # An empty body where one is required.
    post_and_put(ctx, page, raw=b"")
    r = ctx.request("POST", "/pages", content_type=None)
    check_error(r, 400)
    unchanged(ctx, page)


def test_wrong_types_400(ctx):
    page = page_fixture(ctx)
    bad = {
        "name": [1, True, [], {}, ["x"]],
        "subdomain": [1, ["abc"]],
        "pageType": [1, True, ["PUBLIC"]],
        "description": [1, False, {"x": 1}],
        "timezone": [3],
        "googleAnalyticsEnabled": ["true", 1, 0, "yes"],
        "allowPageSubscribers": ["false"],
        "customCss": [[], 1],
        "seoConfig": ["x", [], 1, True],
        "bodyConfig": ["DETAIL_CARD", []],
        "footerData": [[]],
        "headerData": [1],
        "colours": ["#fff"],
    }
    nested = [
        {"seoConfig": {"enabled": "true"}},
        {"seoConfig": {"title": 5}},
        {"bodyConfig": {"overallUptimeRange": "90"}},
        {"bodyConfig": {"overallUptimeRange": 9.5}},
        {"bodyConfig": {"numberOfCardsPerRow": True}},
        {"bodyConfig": {"componentUptimeDisplay": "false"}},
        {"footerData": {"links": {"label": "x", "url": "https://x.example"}}},
        {"footerData": {"links": ["https://x.example"]}},
        {"footerData": {"links": [{"label": 1, "url": "https://x.example"}]}},
        {"headerData": {"links": [{"label": "x", "url": "https://x.example", "position": "1"}]}},
        {"headerData": {"coverImageImmersive": "no"}},
        {"colours": {"cssRedColor": 16711680}},
    ]
    cases = [{k: v} for k, vs in bad.items() for v in vs] + nested
    for fields in cases:
        body = ctx.new_page_body(**fields)
        r = ctx.request("POST", "/pages", body)
        check_error(r, 400)
        r = ctx.request("PUT", "/pages/" + page["id"], {"page": fields})
        check_error(r, 400)
    unchanged(ctx, page)


def test_unknown_enum_values_400(ctx):
    page = page_fixture(ctx)
    cases = [
        {"pageType": "public"}, {"pageType": "SECRET"}, {"pageType": ""},
        {"pageTheme": "PURPLE"}, {"pageTheme": "blank"},
        {"pageThemeMode": "SEPIA"},
        {"bodyConfig": {"uptimeStyle": "FANCY"}},
        {"bodyConfig": {"componentStyle": "GRID"}},
        {"pageType": "PUBLIC "},
    ]
    for fields in cases:
        r = ctx.request("POST", "/pages", ctx.new_page_body(**fields))
        check_error(r, 400)
        r = ctx.request("PUT", "/pages/" + page["id"], {"page": fields})
        check_error(r, 400)
    unchanged(ctx, page)


def test_unknown_fields_400(ctx):
    page = page_fixture(ctx)
    cases = [
        {"nmae": "typo"}, {"isAdmin": True}, {"cloud_id": "x"}, {"__proto__": {}},
        {"seoConfig": {"robots": "noindex"}},
        {"bodyConfig": {"theme": "x"}},
        {"footerData": {"links": [{"label": "x", "url": "https://x.example", "target": "_blank"}]}},
        {"colours": {"cssPinkColor": "#ff00ff"}},
        {"headerData": {"extra": None}},
    ]
    for fields in cases:
        r = ctx.request("POST", "/pages", ctx.new_page_body(**fields))
        err = check_error(r, 400)
        r = ctx.request("PUT", "/pages/" + page["id"], {"page": fields})
        check_error(r, 400)
    # Unknown siblings of "page".
    body = ctx.new_page_body()
    body["extra"] = 1
    r = ctx.request("POST", "/pages", body)
    check_error(r, 400)
    r = ctx.request("PUT", "/pages/" + page["id"], {"page": {"description": "x"}, "version": 1})
    check_error(r, 400)
    unchanged(ctx, page)
    assert err


def test_read_only_fields_400(ctx):
    page = page_fixture(ctx)
    ro = {
        "id": str(uuid.uuid4()), "url": "https://evil.example", "cloudId": str(uuid.uuid4()),
        "deletedAt": None, "unpublishedAt": "2026-01-01T00:00:00Z", "components": [],
        "activityScore": 99, "blackHole": True, "createdBy": "mallory@example.com",
        "externalAccounts": [], "pageStatus": "DRAFT",
        "customDomainConfig": {"domain": "evil.example", "sslStatus": "ISSUED"},
        "createdAt": "2020-01-01T00:00:00Z", "updatedAt": "2020-01-01T00:00:00Z",
    }
    for k, v in ro.items():
        r = ctx.request("POST", "/pages", ctx.new_page_body(**{k: v}))
        err = check_error(r, 400)
        assert k in json.dumps(err), (k, err)
        r = ctx.request("PUT", "/pages/" + page["id"], {"page": {k: v}})
        check_error(r, 400)
        r = ctx.request("PUT", "/pages/" + page["id"], {"page": {k: v, "version": page["version"]}})
        check_error(r, 400)
    # version is a precondition on update, never settable on create.
    r = ctx.request("POST", "/pages", ctx.new_page_body(version=7))
    check_error(r, 400)
    unchanged(ctx, page)


def test_value_rules_400(ctx):
    page = page_fixture(ctx)
    cases = [
        {"name": ""}, {"name": "   "}, {"name": "x" * 256},
        {"description": "d" * 10001},
        {"timezone": "../../etc/passwd"}, {"timezone": "/etc/localtime"}, {"timezone": ""},
        {"domain": "not a host"}, {"domain": "localhost"}, {"domain": "-bad.example.com"},
        {"domain": "a" * 64 + ".example.com"},
        {"privacyPolicyUrl": "javascript:alert(1)"}, {"privacyPolicyUrl": "ftp://x.example"},
        {"helpCenterUrl": "https://exa mple.com"}, {"helpCenterUrl": "https://"},
        {"googleAnalyticsTrackingId": "UA 1"}, {"googleAnalyticsTrackingId": "<script>"},
        {"customCss": "c" * 65537},
        {"colours": {"cssRedColor": "red"}}, {"colours": {"cssRedColor": "#12345"}},
        {"colours": {"cssRedColor": "#ggg"}}, {"colours": {"cssRedColor": "12ab34"}},
        {"bodyConfig": {"numberOfCardsPerRow": 0}}, {"bodyConfig": {"numberOfCardsPerRow": 101}},
        {"bodyConfig": {"overallUptimeRange": -1}}, {"bodyConfig": {"componentUptimeRange": 366}},
        {"seoConfig": {"title": "t" * 256}},
        {"footerData": {"links": [{"label": "x", "url": "javascript:alert(1)"}]}},
        {"footerData": {"links": [{"label": 5}]}},
        {"headerData": {"links": [{"url": None, "label": "x" * 256}]}},
        {"headerData": {"links": [{"label": "x", "url": "https://x.example", "position": -1}]}},
        {"headerData": {"links": [{"label": "l", "url": "https://x.example"}] * 21}},
        {"headerData": {"links": [None]}},
    ]
    for fields in cases:
        r = ctx.request("POST", "/pages", ctx.new_page_body(**fields))
        check_error(r, 400)
        r = ctx.request("PUT", "/pages/" + page["id"], {"page": fields})
        check_error(r, 400)
    # The limits themselves pass.
    ok = ctx.create_page(name="n" * 243 + uuid.uuid4().hex[:12], description="d" * 10000,
                         customCss="c" * 65536, colours={"cssRedColor": "#12ab34ff"})
    assert len(ok["name"]) == 255 and len(ok["customCss"]) == 65536
    unchanged(ctx, page)


def test_oversized_body_413(ctx):
    page = page_fixture(ctx)
    big = json.dumps({"page": {"name": "big", "subdomain": "big-body", "pageType": "PUBLIC",
                               "description": "x" * (2 * 1024 * 1024)}}).encode()
    for method, path in (("POST", "/pages"), ("PUT", "/pages/" + page["id"])):
        r = ctx.request(method, path, raw_body=big, headers={"X-Request-Id": "big-body-1"})
        check_error(r, 413)
        assert r.headers.get("X-Request-Id") == "big-body-1", r.headers
    # Just over statusd's own 1 MiB cap but a valid JSON document.
    r = ctx.request("POST", "/pages", raw_body=b" " * (1024 * 1024 + 10) + b"{}")
    check_error(r, 413)
    unchanged(ctx, page)
    check_error(ctx.request("GET", "/pages/by_name/big"), 404)


def test_wrong_content_type_415(ctx):
    page = page_fixture(ctx)
    body = json.dumps(ctx.new_page_body()).encode()
    for ct in ("text/plain", "application/x-www-form-urlencoded", "application/jsonp",
               "application/json-patch+json", "multipart/form-data; boundary=x", None):
        for method, path in (("POST", "/pages"), ("PUT", "/pages/" + page["id"])):
            r = ctx.request(method, path, raw_body=body, content_type=ct)
            check_error(r, 415)
    # Parameters and case are fine.
    r = ctx.request("POST", "/pages", ctx.new_page_body(), content_type="application/json; charset=utf-8")
    assert r.status == 201, r
    r = ctx.request("POST", "/pages", ctx.new_page_body(), content_type="Application/JSON")
    assert r.status == 201, r
    unchanged(ctx, page)


def test_hostile_paths_4xx(ctx):
    page = page_fixture(ctx)
    segs = [
        "a" * 5000, "%00", "%ff", "%c3%28", "%", "%2", "%zz", "..", "../..", "..%2f..%2fetc%2fpasswd",
        "%2e%2e", "%2e%2e%2f%2e%2e", "'%20OR%201%3D1--", "'OR'1'='1", "1;DROP%20TABLE%20pages",
        "%e2%80%ae", "%f0%9f%98%80", "%ef%bb%bf", "caf%c3%a9", "%5c..%5c", "%0d%0aX-Injected:%201",
        "%22%3E%3Cscript%3E", "$(id)", "*", "%25", page["id"] + "%00", page["id"] + "/..",
        page["id"] + "x", page["id"][:-1], "{pageId}", "%7BpageId%7D",
    ]
    paths = []
    for s in segs:
        paths += ["/pages/" + s, "/pages/by_name/" + s, "/pages/" + s + "/x"]
    paths += ["//jsm/ops/api/" + s + "/pages" for s in segs]
    paths += ["//stakeholder-comms/cloudId/" + s + "/api/pages/" + page["id"] for s in segs]
    paths += ["/pages?x=%00", "/pages/" + page["id"] + "?q=%ff", "/pages/" + page["id"] + "?" + "a=1&" * 50,
              "//jsm/ops/api/", "//jsm/ops", "//", "//stakeholder-comms/cloudId",
              "/" + "/".join(["x"] * 40)]
    for p in paths:
        for method in ("GET", "PUT"):
            body = {"page": {"description": "hostile"}} if method == "PUT" else None
            r = ctx.request(method, p, body)
            assert 400 <= r.status < 500, "%s %s -> %r" % (method, p[:80], r)
            check_error(r)
    # Unicode in the request line itself (raw UTF-8 bytes).
    # The bare prefixes: nginx answers its own 301 to add the slash (not
    # JSON; see nginx/local.conf.in): at least never a 5xx.
    for p in ("//jsm/ops/api", "//stakeholder-comms"):
        r = ctx.request("GET", p)
        assert r.status < 500, r
    for raw in ("/pages/by_name/caf\u00e9".encode(), "/pages/\u202e".encode(), b"/pages/\xff\xfe"):
        req = (b"GET /jsm/ops/api/" + ctx.cloud.encode() + raw + b" HTTP/1.1\r\nHost: x\r\n"
               b"Connection: close\r\n\r\n")
        r = ctx.raw_request(req)
        assert r.status and r.status < 500, (raw, r)
    unchanged(ctx, page)


def _log_records(ctx, offset):
    with open(os.path.join(ctx.state_dir, "log", "statusd.log"), "rb") as f:
        f.seek(offset)
        return f.read().decode("utf-8", "replace").splitlines()


def test_log_lines_not_forgeable(ctx):
    """statusd logs one key=value line per request (DESIGN.md 4.7): values
    taken from the request must not start a new line or add keys."""
    logf = os.path.join(ctx.state_dir, "log", "statusd.log")
    offset = os.path.getsize(logf)
    m = uuid.uuid4().hex[:8]
    forged = [
        "x%0ats=2026-01-01T00:00:00.000Z%20level=error%20event=forged" + m,
        "x%0d%0aforged" + m,
        "x%20principal=forged" + m + "%20status=200",
        "x%22%20event=forged" + m,
    ]
    for seg in forged:
        for path in ("//jsm/ops/api/%s/pages" % seg, "//stakeholder-comms/cloudId/%s/api/pages/x" % seg):
            r = ctx.request("GET", path)
            assert 400 <= r.status < 500, r
    bad = []
    for line in _log_records(ctx, offset):
        if not line.startswith("ts="):
            bad.append(line)
            continue
        try:
            words = shlex.split(line)
        except ValueError:
            bad.append(line)
            continue
        keys = [w.split("=", 1)[0] for w in words if "=" in w]
        if len(keys) != len(set(keys)) or any(
                w.split("=", 1)[-1].startswith("forged" + m) for w in words):
            bad.append(line)
    assert not bad, "forged or broken statusd.log lines: %r" % bad[:4]


def test_unicode_names_round_trip(ctx):
    for name in ("Caf\u00e9 \u2615 status", "\u6f22\u5b57\u30da\u30fc\u30b8", "emoji \U0001f600",
                 "quote ' \" \\ back", "slash / and ? and # and %"):
        name = name + " " + uuid.uuid4().hex[:6]
        p = ctx.create_page(name=name)
        assert p["name"] == name
        r = ctx.request("GET", "/pages/by_name/" + urllib.parse.quote(name, safe=""))
        assert r.status == 200 and r.json["page"]["id"] == p["id"], (name, r)


def test_method_not_allowed_405(ctx):
    page = page_fixture(ctx)
    cases = [
        ("/pages", ["GET", "PUT", "DELETE", "PATCH"], {"POST"}),
        ("/pages/" + page["id"], ["POST", "DELETE", "PATCH", "OPTIONS"], {"GET", "PUT"}),
        ("/pages/by_name/" + urllib.parse.quote(page["name"], safe=""), ["POST", "PUT", "DELETE"], {"GET"}),
    ]
    for path, methods, allowed in cases:
        for m in methods:
            body = {"page": {"description": "x"}} if m in ("PUT", "PATCH", "POST") else None
            for pre in ("", "//stakeholder-comms/cloudId/%s/api" % ctx.cloud):
                p = pre + path if pre else path
                r = ctx.request(m, p, body)
                check_error(r, 405)
                allow = {a.strip() for a in (r.headers.get("Allow") or "").split(",") if a.strip()}
                assert allowed <= allow and not (allow - allowed - {"HEAD"}), (m, path, allow)
    # Unknown methods too.
    r = ctx.request("BREW", "/pages/" + page["id"])
    assert r.status in (400, 405, 501), r
    check_error(r)
    # HEAD: whatever the answer, never a 5xx.
    r = ctx.request("HEAD", "/pages/" + page["id"])
    assert r.status < 500, r
    unchanged(ctx, page)


def test_unknown_path_404(ctx):
    page = page_fixture(ctx)
    for p in ("/nothing", "/pages/" + page["id"] + "/nothing", "/page", "/PAGES",
              "/pages/" + page["id"] + "/", "/pages/by_name/x/y",
              "//jsm/ops/api/" + ctx.cloud, "//", "//favicon.ico", "//jsm/ops/api2/x/pages",
              "//stakeholder-comms/cloudId/%s/apix/pages" % ctx.cloud, "//index.html",
              "//jsm/ops/api", "//stakeholder-comms"):
        for auth in ("basic", None):
            r = ctx.request("GET", p, auth=auth)
            check_error(r, 404)


def test_error_headers_and_request_id(ctx):
    page = page_fixture(ctx)
    errors = [
        ("GET", "/pages/" + str(uuid.uuid4()), None, {}, "basic", 1),       # 404 statusd
        ("GET", "/pages/" + page["id"], None, {}, None, 1),                  # 401
        ("POST", "/pages", None, {}, "basic", 1),                            # 400
        ("DELETE", "/pages/" + page["id"], None, {}, "basic", 1),            # 405
        ("GET", "/pages/" + page["id"], None, {}, ("bearer", "x.y.z"), 1),   # 401 JWT
        ("GET", "//nowhere", None, {}, None, 1),                             # 404 nginx
        # 400 from nginx for a request line it refuses before reading the
        # headers: it cannot echo the client's id, but it sends one.
        ("GET", "/pages/%00", None, {}, "basic", 0),
    ]
    for i, (m, p, body, h, auth, echo) in enumerate(errors):
        rid = "client-rid-%d.x_y" % i
        r = ctx.request(m, p, body, headers=dict(h, **{"X-Request-Id": rid}), auth=auth)
        check_error(r)
        if echo:
            assert r.headers.get("X-Request-Id") == rid, (m, p, r.headers.get("X-Request-Id"))
        r = ctx.request(m, p, body, headers=h, auth=auth)
        check_error(r)
        assert len(r.headers.get("X-Request-Id", "")) >= 16, r.headers
    # Successes carry the same headers.
    r = ctx.request("GET", "/pages/" + page["id"], headers={"X-Request-Id": "ok-rid"})
    assert r.status == 200
    check_common_headers(r)
    assert r.headers.get("X-Request-Id") == "ok-rid"
    # Generated ids differ between requests.
    a = ctx.request("GET", "/pages/" + page["id"]).headers.get("X-Request-Id")
    b = ctx.request("GET", "/pages/" + page["id"]).headers.get("X-Request-Id")
    assert a != b, a
    # A hostile id is replaced, never echoed.
    r = ctx.request("GET", "/pages/" + page["id"], headers={"X-Request-Id": "evil id<script>"})
    assert r.headers.get("X-Request-Id") not in (None, "evil id<script>"), r.headers


def test_request_id_nginx_accepts_is_echoed(ctx):
    """nginx (snippets/statusd-http.conf) keeps a client X-Request-Id of up
    to 128 characters of [A-Za-z0-9._:@+=/-] and passes it to statusd, and
    logs it; statusd must answer (and log) with that same id."""
    page = page_fixture(ctx)
    for rid in ("trace:4bf92f3577b34da6/00f067aa0ba902b7", "user@host+1=2", "r" * 100):
        for path in ("/pages/" + page["id"], "/pages/" + str(uuid.uuid4())):
            r = ctx.request("GET", path, headers={"X-Request-Id": rid})
            assert r.headers.get("X-Request-Id") == rid, \
                "sent X-Request-Id %r, got %r (status %d)" % (rid, r.headers.get("X-Request-Id"), r.status)
