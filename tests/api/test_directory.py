"""Directory routes: page summaries (v1, v2 with keyset cursors), one
page's summary details, name and subdomain checks, subdomain suggestions."""

import uuid

from client import check_error
from routecases import batch, comp, q

SUMMARY_KEYS = {"id", "name", "domain", "customDomain", "componentCount", "stakeholderCount",
                "isDraft", "status", "pageType", "customDomainConfig"}


def fresh_cloud(ctx):
    """A cloud of its own (so lists are exactly what the test made)."""
    cloud = str(uuid.uuid4())
    tok = ctx.make_token(cloud, "all", email="dir@example.com")
    return cloud, ("dir@example.com", tok)


def test_summary_lists_the_clouds_pages(ctx):
    cloud, auth = fresh_cloud(ctx)
    r = ctx.request("GET", "/pages/summary", cloud=cloud, auth=auth)
    assert r.status == 200 and r.json == {"pages": []}, r
    made = {}
    for i in range(3):
        r = ctx.request("POST", "/pages", ctx.new_page_body(), cloud=cloud, auth=auth)
        assert r.status == 201, r
        made[r.json["page"]["id"]] = r.json["page"]
    r = ctx.request("POST", "/pages/draft", ctx.new_page_body(domain="status.example.org"),
                    cloud=cloud, auth=auth)
    assert r.status == 201, r
    draft = r.json["page"]
    made[draft["id"]] = draft
    r = ctx.request("GET", "/pages/summary", cloud=cloud, auth=auth)
    assert r.status == 200, r
    items = r.json["pages"]
    assert sorted(p["id"] for p in items) == sorted(made), items
    for item in items:
        assert set(item) >= SUMMARY_KEYS - {"customDomain"}, item  # unset: left out
        page = made[item["id"]]
        assert item["name"] == page["name"] and item["pageType"] == page["pageType"]
        assert item["status"] == page["pageStatus"]
        assert item["isDraft"] == (page["pageStatus"] == "DRAFT"), item
    d = [i for i in items if i["id"] == draft["id"]][0]
    assert d["customDomain"] == "status.example.org" and d["customDomainConfig"]["domain"] == "status.example.org", d
    # Filters.
    for f, want in (("ALL", set(made)), ("DRAFT", {draft["id"]}),
                    ("PUBLISHED", set(made) - {draft["id"]})):
        for path in ("/pages/summary?filter=" + f, "/pages/summary/v2?filter=" + f):
            r = ctx.request("GET", path, cloud=cloud, auth=auth)
            assert r.status == 200, r
            assert {p["id"] for p in r.json["pages"]} == want, (path, r.json)
    for bad in ("draft", "NONE", "ALL&filter=DRAFT", "%00"):
        for path in ("/pages/summary?filter=", "/pages/summary/v2?filter="):
            check_error(ctx.request("GET", path + bad, cloud=cloud, auth=auth), 400)
    # Another cloud's pages never appear here, nor these there.
    r = ctx.request("GET", "/pages/summary")
    assert not set(made) & {p["id"] for p in r.json["pages"]}


def test_summary_v2_walks_every_page_once(ctx):
    cloud, auth = fresh_cloud(ctx)
    ids = set()
    for i in range(7):
        name = "%s page %d" % ("abcdefg"[i] * 2, i)
        r = ctx.request("POST", "/pages", ctx.new_page_body(name=name), cloud=cloud, auth=auth)
        assert r.status == 201, r
        ids.add(r.json["page"]["id"])
    seen, cursor = [], None
    for _ in range(10):
        path = "/pages/summary/v2?first=3" + ("&after=" + cursor if cursor else "")
        r = ctx.request("GET", path, cloud=cloud, auth=auth)
        assert r.status == 200, r
        assert r.json["totalCount"] == 7, r.json
        assert len(r.json["pages"]) <= 3
        seen += [p["id"] for p in r.json["pages"]]
        if not r.json["pageInfo"]["hasNextPage"]:
            break
        cursor = r.json["pageInfo"]["endCursor"]
        assert cursor
    assert len(seen) == 7 and set(seen) == ids, seen
    # Names in order (case-insensitive).
    r = ctx.request("GET", "/pages/summary/v2?first=100", cloud=cloud, auth=auth)
    names = [p["name"].lower() for p in r.json["pages"]]
    assert names == sorted(names), names
    # A cursor of another list (other cloud, other filter) or forged: 400.
    r = ctx.request("GET", "/pages/summary/v2?first=1", cloud=cloud, auth=auth)
    mine = r.json["pageInfo"]["endCursor"]
    for qs in ("first=1&after=" + mine[:-1] + ("A" if mine[-1] != "A" else "B"),
               "first=1&filter=DRAFT&after=" + mine, "after=garbage", "first=0", "first=101",
               "last=2", "before=" + mine, "first=x"):
        check_error(ctx.request("GET", "/pages/summary/v2?" + qs, cloud=cloud, auth=auth), 400)
    check_error(ctx.request("GET", "/pages/summary/v2?first=1&after=" + mine), 400)


def test_page_summary_details(ctx):
    page = ctx.create_page(domain="details.example.com")
    batch(ctx, page["id"], [comp(page["id"], "A"), comp(page["id"], "B", status="PARTIAL_OUTAGE")])
    assert ctx.request("POST", "/pages/draft/%s/publish" % page["id"]).status == 200
    r = ctx.request("GET", "/pages/%s/summary" % page["id"])
    assert r.status == 200, r
    d = r.json["pageSummaryDetails"]
    assert set(d) >= {"componentCount", "health", "subscribersCount", "customDomainConfig"}, d
    assert d["componentCount"] == 2, d
    assert d["health"] == "PARTIAL_OUTAGE", d
    assert d["subscribersCount"] == 0
    assert d["customDomainConfig"]["domain"] == "details.example.com"
    plain = ctx.create_page()
    r = ctx.request("GET", "/pages/%s/summary" % plain["id"])
    assert r.status == 200 and r.json["pageSummaryDetails"]["health"] == "HEALTHY", r
    assert r.json["pageSummaryDetails"]["componentCount"] == 0
    check_error(ctx.request("GET", "/pages/%s/summary" % uuid.uuid4()), 404)
    check_error(ctx.request("GET", "/pages/x/summary"), 404)


def validation(ctx, path):
    r = ctx.request("GET", path)
    assert r.status == 200, r
    assert isinstance(r.json.get("valid"), bool) and isinstance(r.json.get("message"), str), r.json
    return r.json["valid"]


def test_validate_name(ctx):
    page = ctx.create_page()
    assert validation(ctx, "/pages/validate/name/" + q(page["name"])) is False
    assert validation(ctx, "/pages/validate/name/" + q(page["name"].upper())) is False
    assert validation(ctx, "/pages/validate/name/" + q(ctx.uniq("Free"))) is True
    assert validation(ctx, "/pages/validate/name/%20%20") is False
    assert validation(ctx, "/pages/validate/name/" + "n" * 256) is False
    # Names are per cloud.
    other, email, tok = ctx.other_cloud()
    r = ctx.request("GET", "/pages/validate/name/" + q(page["name"]), cloud=other, auth=(email, tok))
    assert r.status == 200 and r.json["valid"] is True, r


def test_validate_subdomain(ctx):
    page = ctx.create_page()
    assert validation(ctx, "/pages/subdomain/validate/" + page["subdomain"]) is False
    assert validation(ctx, "/pages/subdomain/validate/" + ctx.uniq("free")) is True
    for bad in ("www", "api", "Upper", "ab", "a" * 64, "-lead", "trail-", "under_score", "caf%C3%A9"):
        assert validation(ctx, "/pages/subdomain/validate/" + bad) is False, bad
    # Subdomains are global: another cloud sees it taken too.
    other, email, tok = ctx.other_cloud()
    r = ctx.request("GET", "/pages/subdomain/validate/" + page["subdomain"], cloud=other, auth=(email, tok))
    assert r.status == 200 and r.json["valid"] is False, r


def suggest(ctx, name):
    r = ctx.request("GET", "/pages/subdomain/suggest/" + q(name))
    assert r.status == 200, r
    s = r.json["suggestion"]
    assert isinstance(s, str), r.json
    return s


def test_suggest_subdomain(ctx):
    base = "zz" + uuid.uuid4().hex[:8]
    s = suggest(ctx, base.upper() + " Status Page!")
    assert s == base + "-status-page", s
    ctx.create_page(subdomain=s)
    s2 = suggest(ctx, base + " status page")
    assert s2 == base + "-status-page-2", s2
    ctx.create_page(subdomain=s2)
    assert suggest(ctx, base + " status page") == base + "-status-page-3"
    assert suggest(ctx, "Caf\u00e9 \u00dcber " + base) == "cafe-uber-" + base
    for name in ("ab", "www", "!!!", "\u6f22\u5b57", "x" * 300, "-- a --"):
        s = suggest(ctx, name)
        assert validation(ctx, "/pages/subdomain/validate/" + s) is True, (name, s)
