"""Pages: create, read (by id, by name), partial update, versions,
uniqueness, subdomain rules; both API prefixes. The last test checks that
the baseline pages survived every test before it unchanged."""

import json
import os
import re
import urllib.parse
import uuid

import client
from client import baseline, check_common_headers, check_error, full_page_body
from schemas import LEFT_OUT_WHEN_UNSET

SPEC = "/work/shared/spec/endpoints.json"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def example_page():
    """The page object of the documented example response."""
    here = os.path.dirname(os.path.abspath(__file__))
    for p in (SPEC, os.path.join(here, "..", "..", "docs", "spec", "endpoints.json")):
        if os.path.exists(p):
            with open(p) as f:
                for e in json.load(f):
                    if e["method"] == "GET" and e["path"] == "/pages/{pageId}":
                        return e["exampleResponse"]["page"]
    raise AssertionError("endpoints.json not found")


def assert_shape(doc, example, path="page"):
    """Every key of the example is present, with a compatible type (only
    LEFT_OUT_WHEN_UNSET fields may be absent: unset)."""
    assert isinstance(doc, dict), "%s: not an object: %r" % (path, doc)
    for k, ev in example.items():
        if k not in doc:
            assert k in LEFT_OUT_WHEN_UNSET, "%s.%s missing" % (path, k)
            continue
        v = doc[k]
        if isinstance(ev, dict):
            assert_shape(v, ev, path + "." + k)
        elif isinstance(ev, list):
            assert isinstance(v, list), "%s.%s: not an array: %r" % (path, k, v)
        elif isinstance(ev, bool):
            assert isinstance(v, bool), "%s.%s: not a boolean: %r" % (path, k, v)
        elif isinstance(ev, int):
            assert isinstance(v, int) and not isinstance(v, bool), \
                "%s.%s: not an integer: %r" % (path, k, v)
        elif isinstance(ev, str):
            assert isinstance(v, str), "%s.%s: not a string: %r" % (path, k, v)


def assert_sent(doc, sent, path="page"):
    """What was sent comes back (objects compared key by key)."""
    for k, v in sent.items():
        if isinstance(v, dict):
            assert_sent(doc[k], v, path + "." + k)
        else:
            assert doc.get(k) == v, "%s.%s: sent %r, got %r" % (path, k, v, doc.get(k))


def get(ctx, pid, **kw):
    r = ctx.request("GET", "/pages/" + pid, **kw)
    assert r.status == 200, r
    return r.json["page"]


def put(ctx, pid, page, status=200, **kw):
    r = ctx.request("PUT", "/pages/" + pid, {"page": page}, **kw)
    assert r.status == status, "PUT %r: %r" % (page, r)
    return r


def test_create_full_page(ctx):
    body = full_page_body(ctx)
    r = ctx.request("POST", "/pages", body)
    assert r.status == 201, r
    assert r.headers.get("Content-Type") == "application/json", r.headers
    check_common_headers(r)
    assert list(r.json.keys()) == ["page"], r.json.keys()
    page = r.json["page"]
    assert_shape(page, example_page())
    assert_sent(page, body["page"])
    assert UUID_RE.match(page["id"]), page["id"]
    assert page["version"] == 1
    assert page["pageStatus"] == "PUBLISHED"
    assert page["cloudId"] == ctx.cloud
    assert page["createdBy"] == ctx.email
    assert RFC3339.match(page["createdAt"]) and RFC3339.match(page["updatedAt"]), page
    assert "deletedAt" not in page and "unpublishedAt" not in page
    assert page["url"] == "https://" + body["page"]["domain"], page["url"]
    cdc = page["customDomainConfig"]
    assert cdc["domain"] == body["page"]["domain"], cdc
    assert cdc["sslStatus"] in ("NOT_CONFIGURED", "PENDING", "ISSUED", "FAILED",
                                "EXPIRED", "DEPROVISIONING"), cdc
    assert isinstance(page["components"], list)
    assert isinstance(page["externalAccounts"], list)
    # The stored row agrees.
    row = ctx.psql("SELECT cloud_id, name, subdomain, version FROM pages WHERE id = '%s'" % page["id"])
    assert row == "%s|%s|%s|1" % (ctx.cloud, body["page"]["name"], body["page"]["subdomain"]), row


def test_create_minimal_page_has_defaults(ctx):
    body = ctx.new_page_body()
    r = ctx.request("POST", "/pages", body)
    assert r.status == 201, r
    page = r.json["page"]
    assert_shape(page, example_page())
    assert_sent(page, body["page"])
    assert page["url"] == "https://%s.status.localhost" % body["page"]["subdomain"], page["url"]
    assert "domain" not in page
    assert page["customDomainConfig"]["sslStatus"] == "NOT_CONFIGURED", page["customDomainConfig"]
    assert page["pageTheme"] == "BLANK" and page["pageThemeMode"] == "LIGHT"
    assert page["bodyConfig"]["uptimeStyle"] in ("DETAIL_CARD", "ONLY_STATUS")
    assert page["headerData"]["links"] == [] and page["footerData"]["links"] == []
    for k, v in page["colours"].items():
        assert re.match(r"^#[0-9a-fA-F]{3,8}$", v), (k, v)


def test_get_by_id_matches_create(ctx):
    created = ctx.create_page(description="get me")
    r = ctx.request("GET", "/pages/" + created["id"])
    assert r.status == 200, r
    check_common_headers(r)
    assert r.headers.get("Content-Type") == "application/json"
    assert r.json == {"page": created}, (r.json, created)
    # Bearer with the API token works the same.
    r2 = ctx.request("GET", "/pages/" + created["id"], auth="bearer")
    assert r2.status == 200 and r2.json == r.json, r2
    # Upper-case UUID spelling names the same page (or is a clean 404).
    r3 = ctx.request("GET", "/pages/" + created["id"].upper())
    assert r3.status in (200, 404), r3
    if r3.status == 200:
        assert r3.json == r.json


def test_get_missing_page_404(ctx):
    r = ctx.request("GET", "/pages/" + str(uuid.uuid4()))
    check_error(r, 404)
    r = ctx.request("GET", "/pages/not-a-uuid")
    check_error(r, 404)


def test_get_by_name(ctx):
    name = ctx.uniq("Named Page é")
    created = ctx.create_page(name=name)
    enc = urllib.parse.quote(name, safe="")
    r = ctx.request("GET", "/pages/by_name/" + enc)
    assert r.status == 200, r
    assert r.json == {"page": created}
    # case-insensitive (ASCII part)
    r = ctx.request("GET", "/pages/by_name/" + urllib.parse.quote(name.upper().replace("É", "é"), safe=""))
    assert r.status == 200 and r.json["page"]["id"] == created["id"], r
    r = ctx.request("GET", "/pages/by_name/" + urllib.parse.quote(name + "x", safe=""))
    check_error(r, 404)


def test_by_name_without_name(ctx):
    # /pages/by_name alone is taken as a (non-existent) page id; an empty
    # name matches no route.
    check_error(ctx.request("GET", "/pages/by_name"), 404)
    check_error(ctx.request("GET", "/pages/by_name/"), 404)
    check_error(ctx.request("GET", "/pages/by_name/%20"), 404)


def test_stakeholder_comms_prefix(ctx):
    pre = "//stakeholder-comms/cloudId/%s/api" % ctx.cloud
    body = ctx.new_page_body(description="via the OpenAPI prefix")
    r = ctx.request("POST", pre + "/pages", body)
    assert r.status == 201, r
    page = r.json["page"]
    assert page["cloudId"] == ctx.cloud
    r = ctx.request("GET", pre + "/pages/" + page["id"])
    assert r.status == 200 and r.json == {"page": page}, r
    r = ctx.request("GET", pre + "/pages/by_name/" + urllib.parse.quote(page["name"]))
    assert r.status == 200 and r.json == {"page": page}, r
    r = ctx.request("PUT", pre + "/pages/" + page["id"], {"page": {"description": "changed"}})
    assert r.status == 200 and r.json["page"]["description"] == "changed", r
    assert r.json["page"]["version"] == 2
    # The same page through the other prefix.
    assert get(ctx, page["id"]) == r.json["page"]
    # Another cloud in the path is refused for this token.
    r = ctx.request("GET", "//stakeholder-comms/cloudId/%s/api/pages/%s" % (uuid.uuid4(), page["id"]))
    check_error(r, 403)


def test_put_changes_only_given_fields(ctx):
    body = full_page_body(ctx)
    before = ctx.request("POST", "/pages", body).json["page"]
    r = put(ctx, before["id"], {"description": "new description"})
    after = r.json["page"]
    check_common_headers(r)
    assert after["description"] == "new description"
    assert after["version"] == before["version"] + 1
    assert after["updatedAt"] >= before["updatedAt"]
    assert after["createdAt"] == before["createdAt"]
    for k in before:
        if k not in ("description", "version", "updatedAt"):
            assert after[k] == before[k], "%s changed: %r -> %r" % (k, before[k], after[k])
    assert get(ctx, before["id"]) == after


def test_put_merges_nested_objects(ctx):
    before = ctx.request("POST", "/pages", full_page_body(ctx)).json["page"]
    pid = before["id"]
    after = put(ctx, pid, {"seoConfig": {"title": "Only the title"},
                           "bodyConfig": {"numberOfCardsPerRow": 7},
                           "colours": {"cssRedColor": "#ff0000"},
                           "headerData": {"headerText": "New header"}}).json["page"]
    exp = json.loads(json.dumps(before))
    exp["seoConfig"]["title"] = "Only the title"
    exp["bodyConfig"]["numberOfCardsPerRow"] = 7
    exp["colours"]["cssRedColor"] = "#ff0000"
    exp["headerData"]["headerText"] = "New header"
    for k in ("seoConfig", "bodyConfig", "colours", "headerData", "footerData"):
        assert after[k] == exp[k], "%s: %r != %r" % (k, after[k], exp[k])
    assert after["version"] == 2
    # Arrays are replaced as a whole.
    links = [{"label": "Only", "url": "https://only.example.com/", "position": 0}]
    after2 = put(ctx, pid, {"footerData": {"links": links}}).json["page"]
    assert after2["footerData"]["links"] == links, after2["footerData"]
    assert after2["footerData"]["footerText"] == before["footerData"]["footerText"]
    assert after2["headerData"] == after["headerData"]
    assert after2["version"] == 3


def test_put_null_clears_optional_fields(ctx):
    before = ctx.request("POST", "/pages", full_page_body(ctx)).json["page"]
    pid = before["id"]
    after = put(ctx, pid, {"description": None, "helpCenterUrl": None,
                           "seoConfig": {"title": None},
                           "footerData": {"footerText": None}}).json["page"]
    assert "description" not in after, after
    assert "helpCenterUrl" not in after
    assert "title" not in after["seoConfig"]
    assert after["seoConfig"]["description"] == before["seoConfig"]["description"]
    assert after["seoConfig"]["enabled"] == before["seoConfig"]["enabled"]
    assert "footerText" not in after["footerData"]
    assert after["footerData"]["copyrightText"] == before["footerData"]["copyrightText"]
    assert after["privacyPolicyUrl"] == before["privacyPolicyUrl"]
    assert after["version"] == before["version"] + 1
    # Clearing the custom domain: the url falls back to the subdomain.
    after = put(ctx, pid, {"domain": None}).json["page"]
    assert "domain" not in after
    assert after["url"] == "https://%s.status.localhost" % before["subdomain"], after["url"]
    assert after["customDomainConfig"]["sslStatus"] == "NOT_CONFIGURED", after["customDomainConfig"]
    assert get(ctx, pid) == after
    # Required fields cannot be cleared.
    for f in ("name", "subdomain", "pageType"):
        r = ctx.request("PUT", "/pages/" + pid, {"page": {f: None}})
        check_error(r, 400)
    assert get(ctx, pid) == after


def test_put_renames_and_moves(ctx):
    p = ctx.create_page()
    new_name = ctx.uniq("Renamed")
    new_sd = ctx.uniq("moved")
    after = put(ctx, p["id"], {"name": new_name, "subdomain": new_sd,
                               "pageType": "PRIVATE"}).json["page"]
    assert (after["name"], after["subdomain"], after["pageType"]) == (new_name, new_sd, "PRIVATE")
    assert after["url"] == "https://%s.status.localhost" % new_sd
    r = ctx.request("GET", "/pages/by_name/" + urllib.parse.quote(new_name))
    assert r.status == 200 and r.json["page"]["id"] == p["id"], r
    check_error(ctx.request("GET", "/pages/by_name/" + urllib.parse.quote(p["name"])), 404)
    # The old name and subdomain are free again.
    q = ctx.create_page(name=p["name"], subdomain=p["subdomain"])
    assert q["id"] != p["id"]


def test_version_increments_on_each_change(ctx):
    p = ctx.create_page()
    for i in range(1, 5):
        v = put(ctx, p["id"], {"description": "rev %d" % i}).json["page"]["version"]
        assert v == 1 + i, v
    assert get(ctx, p["id"])["version"] == 5


def test_put_with_current_version(ctx):
    p = ctx.create_page()
    after = put(ctx, p["id"], {"description": "v1 ok", "version": 1}).json["page"]
    assert after["version"] == 2 and after["description"] == "v1 ok"
    after = put(ctx, p["id"], {"description": "if-match ok"},
                headers={"If-Match": '"2"'}).json["page"]
    assert after["version"] == 3
    after = put(ctx, p["id"], {"description": "weak if-match ok"},
                headers={"If-Match": 'W/"3"'}).json["page"]
    assert after["version"] == 4
    after = put(ctx, p["id"], {"description": "bare if-match ok"},
                headers={"If-Match": "4"}).json["page"]
    assert after["version"] == 5


def test_put_stale_version_409_changes_nothing(ctx):
    p = ctx.create_page(description="original")
    cur = put(ctx, p["id"], {"description": "second"}).json["page"]
    assert cur["version"] == 2
    r = ctx.request("PUT", "/pages/" + p["id"], {"page": {"description": "lost", "version": 1}})
    check_error(r, 409)
    assert get(ctx, p["id"]) == cur
    r = ctx.request("PUT", "/pages/" + p["id"], {"page": {"description": "lost"}},
                    headers={"If-Match": '"1"'})
    check_error(r, 409)
    r = ctx.request("PUT", "/pages/" + p["id"], {"page": {"description": "future", "version": 3}})
    check_error(r, 409)
    assert get(ctx, p["id"]) == cur
    # A malformed If-Match is a 400, not a silent unconditional write.
    r = ctx.request("PUT", "/pages/" + p["id"], {"page": {"description": "bad"}},
                    headers={"If-Match": "abc"})
    check_error(r, 400)
    for bad in (0, -1, "2", 1.5, True):
        r = ctx.request("PUT", "/pages/" + p["id"], {"page": {"description": "bad", "version": bad}})
        check_error(r, 400)
    assert get(ctx, p["id"]) == cur


def test_put_missing_page_404(ctx):
    r = ctx.request("PUT", "/pages/" + str(uuid.uuid4()), {"page": {"description": "x"}})
    check_error(r, 404)
    r = ctx.request("PUT", "/pages/" + str(uuid.uuid4()), {"page": {"description": "x", "version": 1}})
    check_error(r, 404)
    r = ctx.request("PUT", "/pages/nope", {"page": {"description": "x"}})
    check_error(r, 404)


def test_names_unique_per_cloud_case_insensitive(ctx):
    p = ctx.create_page()
    for name in (p["name"], p["name"].upper(), p["name"].lower()):
        r = ctx.request("POST", "/pages", ctx.new_page_body(name=name))
        check_error(r, 409)
    # The same name in another cloud is fine.
    other, email, tok = ctx.other_cloud()
    r = ctx.request("POST", "/pages", ctx.new_page_body(name=p["name"]),
                    cloud=other, auth=(email, tok))
    assert r.status == 201, r
    # Renaming onto a taken name: 409 and nothing changes.
    q = ctx.create_page()
    r = ctx.request("PUT", "/pages/" + q["id"], {"page": {"name": p["name"].swapcase(),
                                                          "description": "x"}})
    check_error(r, 409)
    assert get(ctx, q["id"]) == q


def test_subdomains_unique_across_clouds(ctx):
    p = ctx.create_page()
    r = ctx.request("POST", "/pages", ctx.new_page_body(subdomain=p["subdomain"]))
    check_error(r, 409)
    other, email, tok = ctx.other_cloud()
    r = ctx.request("POST", "/pages", ctx.new_page_body(subdomain=p["subdomain"]),
                    cloud=other, auth=(email, tok))
    check_error(r, 409)
    q = ctx.create_page()
    r = ctx.request("PUT", "/pages/" + q["id"], {"page": {"subdomain": p["subdomain"],
                                                          "description": "x"}})
    check_error(r, 409)
    assert get(ctx, q["id"]) == q
    # Setting a page's own subdomain again is not a conflict.
    r = ctx.request("PUT", "/pages/" + q["id"], {"page": {"subdomain": q["subdomain"]}})
    assert r.status == 200 and r.json["page"]["version"] == 2, r


def test_invalid_subdomains_400(ctx):
    bad = ["Upper-case", "ab", "a" * 64, "-leading", "trailing-", "www", "api", "admin",
           "under_score", "dot.ted", "sp ace", "", "caf\u00e9", 12345, None]
    q = ctx.create_page()
    for sd in bad:
        r = ctx.request("POST", "/pages", ctx.new_page_body(subdomain=sd))
        check_error(r, 400)
        r = ctx.request("PUT", "/pages/" + q["id"], {"page": {"subdomain": sd}})
        check_error(r, 400)
    assert get(ctx, q["id"]) == q
    # The limits themselves are valid.
    for sd in ("abc", "a" * 52 + uuid.uuid4().hex[:11], "a-b" + uuid.uuid4().hex[:6], "0" + uuid.uuid4().hex[:8]):
        r = ctx.request("POST", "/pages", ctx.new_page_body(subdomain=sd))
        assert r.status in (201, 409), r  # "abc" may be taken by a rerun


def test_required_fields_on_create(ctx):
    for f in ("name", "subdomain", "pageType"):
        body = ctx.new_page_body()
        del body["page"][f]
        r = ctx.request("POST", "/pages", body)
        err = check_error(r, 400)
        assert f in json.dumps(err), err


def test_jwt_created_page_records_subject(ctx):
    tok = ctx.jwt_hs256(ctx.jwt_claims(email="creator@example.com"))
    r = ctx.request("POST", "/pages", ctx.new_page_body(), auth=("bearer", tok))
    assert r.status == 201, r
    assert r.json["page"]["createdBy"] == "creator@example.com", r.json["page"]["createdBy"]


def count_named(ctx, name, cloud=None):
    return int(ctx.psql("SELECT count(*) FROM pages WHERE cloud_id = '%s' AND name = '%s'"
                        % (cloud or ctx.cloud, name.replace("'", "''"))))


def test_idempotency_key_replays_create(ctx):
    for route in ("/pages", "/pages/draft"):
        key = "idem-" + uuid.uuid4().hex
        body = ctx.new_page_body()
        name = body["page"]["name"]
        a = ctx.request("POST", route, body, headers={"Idempotency-Key": key})
        assert a.status == 201, a
        b = ctx.request("POST", route, body, headers={"Idempotency-Key": key})
        assert b.status == 201, b
        assert b.json == a.json, (a, b)
        assert (b.headers.get("Idempotency-Replayed") or "").lower() == "true", b.headers
        assert not a.headers.get("Idempotency-Replayed"), a.headers
        check_common_headers(b)
        assert count_named(ctx, name) == 1
        # The same key with another body: 422, nothing created.
        other = ctx.new_page_body()
        r = ctx.request("POST", route, other, headers={"Idempotency-Key": key})
        check_error(r, 422)
        assert count_named(ctx, other["page"]["name"]) == 0
        # Without the key, the same body is a plain second create (409: name taken).
        check_error(ctx.request("POST", route, body), 409)


def test_idempotency_key_scoping_and_validation(ctx):
    key = "shared-" + uuid.uuid4().hex
    body = ctx.new_page_body()
    a = ctx.request("POST", "/pages", body, headers={"Idempotency-Key": key})
    assert a.status == 201, a
    # Keys are per cloud.
    other, email, tok = ctx.other_cloud()
    body2 = ctx.new_page_body()
    r = ctx.request("POST", "/pages", body2, cloud=other, auth=(email, tok),
                    headers={"Idempotency-Key": key})
    assert r.status == 201 and r.json["page"]["cloudId"] == other, r
    assert not r.headers.get("Idempotency-Replayed")
    # A failed create does not use the key up.
    key2 = "fail-" + uuid.uuid4().hex
    taken = ctx.new_page_body(name=body["page"]["name"])
    check_error(ctx.request("POST", "/pages", taken, headers={"Idempotency-Key": key2}), 409)
    fixed = ctx.new_page_body()
    r = ctx.request("POST", "/pages", fixed, headers={"Idempotency-Key": key2})
    assert r.status == 201 and not r.headers.get("Idempotency-Replayed"), r
    # Invalid keys.
    for bad in ("with space", "x" * 256, "tab\there", "caf\u00e9".encode("utf-8").decode("latin-1")):
        r = ctx.request("POST", "/pages", ctx.new_page_body(), headers={"Idempotency-Key": bad})
        check_error(r, 400)
    r = ctx.request("POST", "/pages", ctx.new_page_body(), headers={"Idempotency-Key": "k" * 255})
    assert r.status == 201, r


def test_baseline_pages_intact(ctx):
    """Runs after the auth and bad-input tests: the pages created at the
    start are exactly as they were."""
    base = baseline(ctx)
    other, email, tok = ctx.other_cloud()
    for key, (cloud, doc) in base.items():
        pid = doc["page"]["id"]
        auth = (email, tok) if cloud == other else "basic"
        r = ctx.request("GET", "/pages/" + pid, cloud=cloud, auth=auth)
        assert r.status == 200, (key, r)
        assert r.json == doc, "%s changed:\n%r\n%r" % (key, r.json, doc)
        r = ctx.request("GET", "/pages/by_name/" + urllib.parse.quote(doc["page"]["name"], safe=""),
                        cloud=cloud, auth=auth)
        assert r.status == 200 and r.json == doc, (key, r)
    n = ctx.psql("SELECT count(*) FROM pages WHERE id IN (%s) AND version = 1" %
                 ",".join("'%s'" % d["page"]["id"] for _, d in base.values()))
    assert n == str(len(base)), n
