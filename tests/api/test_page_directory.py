"""The page directory (endpoints 11, 13-18): summaries with their filters,
the keyset-paged summary/v2, one page's summary, name and subdomain
validation, subdomain suggestions.
Lists are checked in clouds of their own (a fresh cloud id with its own
token), so the other tests' pages do not change the counts."""

import base64
import urllib.parse
import uuid
from client import _read_conf, check_error
from routecases import batch, comp

SUMMARY_KEYS = {"id", "name", "domain", "customDomain", "componentCount",
                "stakeholderCount", "isDraft", "status", "pageType",
                "customDomainConfig"}
NOT_CONFIGURED = {"sslStatus": "NOT_CONFIGURED", "recordTypes": []}


def q(s):
    return urllib.parse.quote(s, safe="")


def public_domain(ctx):
    return _read_conf(ctx.conf).get("public_domain", "")


class Tenant:
    """A cloud of its own, with an all-scope token."""

    def __init__(self, ctx, email="dir@example.com"):
        self.ctx = ctx
        self.cloud = str(uuid.uuid4())
        self.email = email
        self.token = ctx.make_token(self.cloud, "all", email=email)

    def request(self, method, path, body=None, **kw):
        kw.setdefault("auth", (self.email, self.token))
        return self.ctx.request(method, path, body, cloud=self.cloud, **kw)

    def ok(self, method, path, body=None, status=200, **kw):
        r = self.request(method, path, body, **kw)
        assert r.status == status, "%s %s: %r" % (method, path, r)
        return r.json

    def create(self, draft=False, **fields):
        return self.ok("POST", "/pages/draft" if draft else "/pages",
                       self.ctx.new_page_body(**fields), status=201)["page"]


def lifecycle_zoo(t):
    """One page in each state (and one gone), created in this order."""
    ctx = t.ctx
    z = {}
    z["published"] = t.create()
    z["draft"] = t.create(draft=True)
    z["pwc"] = t.create()
    t.ok("PUT", "/pages/draft/" + z["pwc"]["id"],
         {"page": {"name": ctx.uniq("Renamed in draft"), "description": "d"}})
    z["unpublished"] = t.create()
    t.ok("POST", "/pages/%s/unpublish" % z["unpublished"]["id"])
    z["uwc"] = t.create()
    t.ok("POST", "/pages/%s/unpublish" % z["uwc"]["id"])
    t.ok("PUT", "/pages/draft/" + z["uwc"]["id"], {"page": {"description": "d"}})
    z["soft"] = t.create()
    t.ok("POST", "/pages/%s/soft_delete" % z["soft"]["id"])
    z["gone"] = t.create()
    t.ok("POST", "/pages/%s/permanent_delete" % z["gone"]["id"])
    z["custom"] = t.create(domain=ctx.uniq("status") + ".example.com", pageType="PRIVATE")
    return z


def test_summary_filters(ctx):
    t = Tenant(ctx)
    z = lifecycle_zoo(t)
    newest_first = [z[k]["id"] for k in ("custom", "uwc", "unpublished", "pwc", "draft", "published")]
    expect = {
        "ALL": newest_first,
        "DRAFT": [z[k]["id"] for k in ("uwc", "pwc", "draft")],
        "PUBLISHED": [z[k]["id"] for k in ("custom", "pwc", "published")],
    }
    for query, want in (("", "ALL"), ("?filter=ALL", "ALL"), ("?filter=", "ALL"),
                        ("?filter=DRAFT", "DRAFT"), ("?filter=PUBLISHED", "PUBLISHED")):
        got = t.ok("GET", "/pages/summary" + query)
        assert set(got) == {"pages"}, got
        ids = [p["id"] for p in got["pages"]]
        assert ids == expect[want], (query, ids, expect[want])
    for bad in ("all", "Draft", "UNPUBLISHED", "SOFT_DELETED", "ALL,DRAFT", "x" * 300):
        for path in ("/pages/summary", "/pages/summary/v2"):
            check_error(t.request("GET", path + "?filter=" + q(bad)), 400)
    for path in ("/pages/summary", "/pages/summary/v2"):
        check_error(t.request("GET", path + "?filter=ALL&filter=DRAFT"), 400)


def test_summary_item_fields(ctx):
    t = Tenant(ctx)
    z = lifecycle_zoo(t)
    dom = public_domain(ctx)
    items = {p["id"]: p for p in t.ok("GET", "/pages/summary")["pages"]}
    statuses = {"published": "PUBLISHED", "draft": "DRAFT", "pwc": "PUBLISHED_WITH_CHANGES",
                "unpublished": "UNPUBLISHED", "uwc": "UNPUBLISHED_WITH_CHANGES",
                "custom": "PUBLISHED"}
    for key, status in statuses.items():
        page = z[key]
        it = items[page["id"]]
        assert set(it) == SUMMARY_KEYS - ({"customDomain"} if key != "custom" else set()), \
            (key, sorted(it))
        # The summary shows the live name even when a draft renames it.
        assert it["name"] == page["name"], (key, it)
        assert it["status"] == status, (key, it)
        assert it["isDraft"] is (status in ("DRAFT", "PUBLISHED_WITH_CHANGES",
                                            "UNPUBLISHED_WITH_CHANGES")), (key, it)
        assert it["pageType"] == page["pageType"], (key, it)
        assert it["domain"] == "%s.%s" % (page["subdomain"], dom), (key, it)
        assert it["componentCount"] == 0 and it["stakeholderCount"] == 0, (key, it)
        if key == "custom":
            assert it["customDomain"] == page["domain"], it
            cfg = it["customDomainConfig"]
            assert cfg["domain"] == page["domain"] and cfg["sslStatus"] == "PENDING", cfg
            rec = cfg["recordTypes"][0]["records"][0]
            assert rec["type"] == "CNAME" and rec["name"] == page["domain"], rec
            assert rec["value"] == "%s.%s" % (page["subdomain"], dom), rec
        else:
            assert "customDomain" not in it, (key, it)
            assert it["customDomainConfig"] == NOT_CONFIGURED, (key, it)
    assert z["soft"]["id"] not in items and z["gone"]["id"] not in items


def walk(t, filt, first):
    """Walks summary/v2 forwards; returns (ids in order, responses)."""
    ids, pages, after = [], [], None
    for _ in range(50):
        qs = "?first=%d" % first + ("&filter=" + filt if filt else "")
        if after:
            qs += "&after=" + q(after)
        got = t.ok("GET", "/pages/summary/v2" + qs)
        assert set(got) == {"pages", "pageInfo", "totalCount"}, got
        assert set(got["pageInfo"]) == {"hasNextPage", "endCursor"}, got["pageInfo"]
        pages.append(got)
        ids += [p["id"] for p in got["pages"]]
        if not got["pageInfo"]["hasNextPage"]:
            return ids, pages
        after = got["pageInfo"]["endCursor"]
        assert after, got
    raise AssertionError("summary/v2 walk does not end")


def test_summary_v2_keyset_walk(ctx):
    t = Tenant(ctx)
    # Mixed case: the order is by name, case-insensitively.
    names = ["alpha " + ctx.uniq(), "Bravo " + ctx.uniq(), "charlie " + ctx.uniq(),
             "DELTA " + ctx.uniq(), "echo " + ctx.uniq(), "Foxtrot " + ctx.uniq(),
             "golf " + ctx.uniq()]
    made = {}
    for i, n in enumerate(reversed(names)):
        made[n] = t.create(name=n, draft=(i == 2))
    draft_name = list(reversed(names))[2]
    by_name = sorted(names, key=str.lower)
    ids, pages = walk(t, None, 2)
    assert ids == [made[n]["id"] for n in by_name], (ids, by_name)
    assert len(pages) == 4, [len(p["pages"]) for p in pages]
    assert [len(p["pages"]) for p in pages] == [2, 2, 2, 1]
    for p in pages:
        assert p["totalCount"] == 7, p["totalCount"]
    assert [p["pageInfo"]["hasNextPage"] for p in pages] == [True, True, True, False]
    # Items are the same as in the plain summary.
    full = {p["id"]: p for p in t.ok("GET", "/pages/summary")["pages"]}
    for p in pages:
        for it in p["pages"]:
            assert it == full[it["id"]], (it, full[it["id"]])
    # A filter: the draft page is the only DRAFT one.
    ids, pages = walk(t, "PUBLISHED", 2)
    assert ids == [made[n]["id"] for n in by_name if n != draft_name], ids
    assert all(p["totalCount"] == 6 for p in pages)
    ids, pages = walk(t, "DRAFT", 2)
    assert ids == [made[draft_name]["id"]] and pages[0]["totalCount"] == 1, pages
    # first: default 25 and bounds.
    got = t.ok("GET", "/pages/summary/v2")
    assert len(got["pages"]) == 7 and got["pageInfo"]["hasNextPage"] is False, got
    got = t.ok("GET", "/pages/summary/v2?first=100")
    assert len(got["pages"]) == 7
    for bad in ("0", "-1", "101", "x", "1.5", ""):
        check_error(t.request("GET", "/pages/summary/v2?first=" + bad), 400)
    check_error(t.request("GET", "/pages/summary/v2?first=2&first=3"), 400)
    # Forwards only.
    check_error(t.request("GET", "/pages/summary/v2?last=2"), 400)
    # An empty cloud: an empty page.
    e = Tenant(ctx)
    got = e.ok("GET", "/pages/summary/v2?first=2")
    assert got == {"pages": [], "pageInfo": {"hasNextPage": False},
                   "totalCount": 0}, got


def test_summary_v2_cursor_changes_between_pages(ctx):
    t = Tenant(ctx)
    names = ["p%d %s" % (i, ctx.uniq()) for i in range(5)]
    made = [t.create(name=n) for n in names]
    got = t.ok("GET", "/pages/summary/v2?first=2")
    assert [p["id"] for p in got["pages"]] == [made[0]["id"], made[1]["id"]]
    # A page sorting before the cursor appears meanwhile, one after it goes:
    # the walk goes on from where it was.
    t.create(name="p0a " + ctx.uniq())
    t.ok("POST", "/pages/%s/soft_delete" % made[2]["id"])
    rest = t.ok("GET", "/pages/summary/v2?first=10&after=" + q(got["pageInfo"]["endCursor"]))
    assert [p["id"] for p in rest["pages"]] == [made[3]["id"], made[4]["id"]], rest
    assert rest["totalCount"] == 5, rest["totalCount"]


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64e(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def test_summary_v2_foreign_and_forged_cursors_400(ctx):
    t = Tenant(ctx)
    for i in range(4):
        t.create(name="c%d %s" % (i, ctx.uniq()))
    good = t.ok("GET", "/pages/summary/v2?first=1")["pageInfo"]["endCursor"]
    assert t.request("GET", "/pages/summary/v2?first=1&after=" + q(good)).status == 200
    forged = []
    # Flip one character of each part.
    for i in (0, len(good) - 1, good.index(".") - 1, good.index(".") + 1):
        c = good[i]
        forged.append(good[:i] + ("A" if c != "A" else "B") + good[i + 1:])
    body, _, tag = good.partition(".")
    forged += [body, body + ".", "." + tag, good + "A", good + ".x", "", "x",
               "not a cursor", "%%%", "a" * 2000,
               # Same tag, other key: the tag covers the key.
               b64e(b"zzzz\x00" + str(uuid.uuid4()).encode()) + "." + tag]
    for f in forged:
        if f == "":
            continue  # an empty after means none
        r = t.request("GET", "/pages/summary/v2?first=1&after=" + q(f))
        check_error(r, 400)
    # A cursor of the ALL list used with another filter.
    for filt in ("DRAFT", "PUBLISHED"):
        check_error(t.request("GET", "/pages/summary/v2?first=1&filter=%s&after=%s" % (filt, q(good))), 400)
    pub = t.ok("GET", "/pages/summary/v2?first=1&filter=PUBLISHED")["pageInfo"]["endCursor"]
    check_error(t.request("GET", "/pages/summary/v2?first=1&after=" + q(pub)), 400)
    # A cursor of another cloud's list.
    u = Tenant(ctx)
    for i in range(2):
        u.create()
    theirs = u.ok("GET", "/pages/summary/v2?first=1")["pageInfo"]["endCursor"]
    check_error(t.request("GET", "/pages/summary/v2?first=1&after=" + q(theirs)), 400)
    check_error(u.request("GET", "/pages/summary/v2?first=1&after=" + q(good)), 400)
    # A cursor of a component list.
    p = t.create()
    t.ok("POST", "/components/batch_process", {"pageId": p["id"], "createUpdateComponents": [
        {"pageId": p["id"], "type": "COMPONENT", "name": "a"},
        {"pageId": p["id"], "type": "COMPONENT", "name": "b"}]})
    comp = t.ok("GET", "/pages/%s/components/draft/v2?first=1" % p["id"])["pageInfo"]["endCursor"]
    check_error(t.request("GET", "/pages/summary/v2?first=1&after=" + q(comp)), 400)


def test_page_summary_details(ctx):
    t = Tenant(ctx)
    dom = public_domain(ctx)
    plain = t.create()
    got = t.ok("GET", "/pages/%s/summary" % plain["id"])
    assert got == {"pageSummaryDetails": {"componentCount": 0, "health": "HEALTHY",
                                          "subscribersCount": 0,
                                          "customDomainConfig": NOT_CONFIGURED}}, got
    custom = t.create(domain=ctx.uniq("st") + ".example.org")
    cfg = t.ok("GET", "/pages/%s/summary" % custom["id"])["pageSummaryDetails"]["customDomainConfig"]
    assert cfg["domain"] == custom["domain"] and cfg["sslStatus"] == "PENDING", cfg
    assert cfg["recordTypes"][0]["records"][0]["value"] == "%s.%s" % (custom["subdomain"], dom), cfg
    assert cfg == custom["customDomainConfig"], (cfg, custom["customDomainConfig"])
    # A draft page, and a soft-deleted one (still readable by id).
    d = t.create(draft=True)
    assert t.ok("GET", "/pages/%s/summary" % d["id"])["pageSummaryDetails"]["health"] == "HEALTHY"
    t.ok("POST", "/pages/%s/soft_delete" % plain["id"])
    t.ok("GET", "/pages/%s/summary" % plain["id"])
    # Unknown, malformed, permanently deleted, another cloud's: 404 alike.
    t.ok("POST", "/pages/%s/permanent_delete" % custom["id"])
    other = Tenant(ctx).create()
    for pid in (str(uuid.uuid4()), "not-a-uuid", custom["id"], other["id"]):
        check_error(t.request("GET", "/pages/%s/summary" % pid), 404)


def validate_name(t, name):
    r = t.request("GET", "/pages/validate/name/" + q(name))
    assert r.status == 200, r
    assert set(r.json) == {"valid", "message"} and isinstance(r.json["message"], str), r
    return r.json["valid"]


def test_validate_name(ctx):
    t = Tenant(ctx)
    page = t.create(name="Name " + ctx.uniq())
    assert validate_name(t, page["name"]) is False
    assert validate_name(t, page["name"].upper()) is False
    assert validate_name(t, page["name"].lower()) is False
    assert validate_name(t, page["name"] + "x") is True
    assert validate_name(t, "Free " + ctx.uniq()) is True
    # Names are per cloud: another cloud's name is free here.
    other = Tenant(ctx).create()
    assert validate_name(t, other["name"]) is True
    # A DRAFT page's name is taken; a soft-deleted page keeps its name.
    d = t.create(draft=True)
    assert validate_name(t, d["name"]) is False
    s = t.create()
    t.ok("POST", "/pages/%s/soft_delete" % s["id"])
    assert validate_name(t, s["name"]) is False
    # A permanently deleted page frees it.
    g = t.create()
    t.ok("POST", "/pages/%s/permanent_delete" % g["id"])
    assert validate_name(t, g["name"]) is True
    # Blank and overlong names are not valid; 255 characters (not bytes) are.
    for bad in (" ", "   ", "\t", "x" * 256, "é" * 256):
        assert validate_name(t, bad) is False, repr(bad)
    assert validate_name(t, "x" * 255) is True
    assert validate_name(t, "é" * 255) is True
    assert validate_name(t, "日本語の名前 " + ctx.uniq()) is True
    # Whatever validate says is what create does.
    r = t.request("POST", "/pages", ctx.new_page_body(name="é" * 255))
    assert r.status == 201, r
    assert validate_name(t, "É" * 255) is False


def validate_subdomain(t, s):
    r = t.request("GET", "/pages/subdomain/validate/" + q(s))
    assert r.status == 200, r
    assert set(r.json) == {"valid", "message"} and isinstance(r.json["message"], str), r
    return r.json


def test_validate_subdomain(ctx):
    t = Tenant(ctx)
    u = Tenant(ctx)
    mine = t.create()
    theirs = u.create()
    # Taken, in this cloud and in another one.
    for s in (mine["subdomain"], theirs["subdomain"]):
        v = validate_subdomain(t, s)
        assert v["valid"] is False and "taken" in v["message"], v
    assert validate_subdomain(u, mine["subdomain"])["valid"] is False
    free = "free-" + uuid.uuid4().hex[:10]
    assert validate_subdomain(t, free)["valid"] is True
    # Reserved words.
    for s in ("www", "api", "admin", "status", "mail", "app", "login"):
        v = validate_subdomain(t, s)
        assert v["valid"] is False and "reserved" in v["message"], (s, v)
        check_error(t.request("POST", "/pages", ctx.new_page_body(subdomain=s)), 400)
    # Not DNS labels.
    for s in ("ab", "Abc-" + uuid.uuid4().hex[:6], "-abc", "abc-", "a_bc", "a.bc", "a b c",
              "a" * 64, "déja", "abc!", "ab\u00a0c"):
        v = validate_subdomain(t, s)
        assert v["valid"] is False and "reserved" not in v["message"], (s, v)
        check_error(t.request("POST", "/pages", ctx.new_page_body(subdomain=s)), 400)
    # Good labels: 3 and 63 characters, digits, inner hyphens.
    tag = uuid.uuid4().hex
    for s in (tag[:3], tag[:8] + "-" + "9" * 54, "0-" + tag[:6], "a--" + tag[:6]):
        v = validate_subdomain(t, s)
        assert v["valid"] is True, (s, v)
        t.create(subdomain=s)
        assert validate_subdomain(u, s)["valid"] is False
    # Soft-deleted pages keep theirs; permanently deleted ones free it.
    s = t.create()
    t.ok("POST", "/pages/%s/soft_delete" % s["id"])
    assert validate_subdomain(u, s["subdomain"])["valid"] is False
    g = t.create()
    t.ok("POST", "/pages/%s/delete_permanently" % g["id"])
    assert validate_subdomain(u, g["subdomain"])["valid"] is True
    u.create(subdomain=g["subdomain"])
    assert validate_subdomain(t, g["subdomain"])["valid"] is False


def suggest(t, name):
    r = t.request("GET", "/pages/subdomain/suggest/" + q(name))
    assert r.status == 200, r
    assert set(r.json) == {"suggestion"}, r
    return r.json["suggestion"]


def accepted(t, s, name=None):
    """The suggestion validates and a page can be created with it."""
    v = validate_subdomain(t, s)
    assert v["valid"] is True, (s, v)
    r = t.request("POST", "/pages", t.ctx.new_page_body(subdomain=s, **({"name": name} if name else {})))
    assert r.status == 201, (s, r)


def test_suggest_transliterates(ctx):
    t = Tenant(ctx)
    tag = uuid.uuid4().hex[:8]
    cases = [
        ("Démo Pàge!! " + tag, "demo-page-" + tag),
        ("  Straße -- Ñandú  " + tag, "strasse-nandu-" + tag),
        ("Łódź Čeština " + tag, "lodz-cestina-" + tag),
        ("ÆON Øre Þing " + tag, "aeon-ore-thing-" + tag),
        ("Hello, World's Status " + tag + "!", "hello-world-s-status-" + tag),
        ("日本 Tokyo " + tag, "tokyo-" + tag),
        ("UPPER_case.dots " + tag, "upper-case-dots-" + tag),
    ]
    for name, want in cases:
        got = suggest(t, name)
        assert got == want, (name, got, want)
    # The document's example, when its label is still free here.
    if validate_subdomain(t, "demo-page")["valid"]:
        assert suggest(t, "Démo Pàge!!") == "demo-page"
    # Long names are cut to a label with room for a suffix.
    got = suggest(t, tag + "x" * 200)
    assert 3 <= len(got) <= 63 and got.startswith(tag), got
    accepted(t, got)
    got2 = suggest(t, tag + "x" * 200)
    assert got2 != got and got2.startswith(got[:50]) and len(got2) <= 63, (got, got2)
    accepted(t, got2)


def test_suggest_adds_numbers_when_taken(ctx):
    t = Tenant(ctx)
    u = Tenant(ctx)
    tag = uuid.uuid4().hex[:8]
    name = "Démo Pàge " + tag
    base = "demo-page-" + tag
    assert suggest(t, name) == base
    accepted(t, base)
    assert suggest(t, name) == base + "-2"
    # Taken in another cloud counts too.
    accepted(u, base + "-2")
    assert suggest(t, name) == base + "-3"
    # The first free number is used; unrelated look-alikes do not matter.
    accepted(u, base + "-4")
    accepted(u, base + "-x")
    accepted(u, base + "-22")
    assert suggest(t, name) == base + "-3"
    accepted(t, base + "-3")
    assert suggest(t, name) == base + "-5"
    # A permanently deleted page frees its label; a soft-deleted one keeps it.
    page = t.request("GET", "/pages/summary").json["pages"]
    by_sub = {p["domain"].split(".")[0]: p["id"] for p in page}
    t.ok("POST", "/pages/%s/permanent_delete" % by_sub[base + "-3"])
    assert suggest(t, name) == base + "-3"
    t.ok("POST", "/pages/%s/soft_delete" % by_sub[base])
    assert suggest(t, name) == base + "-3"


def test_suggest_reserved_and_short(ctx):
    t = Tenant(ctx)
    for name, base in (("WWW", "www-page"), ("api!", "api-page"), ("Status", "status-page"),
                       ("ab", "ab-page"), ("é", "e-page"), ("x", "x-page")):
        got = suggest(t, name)
        assert got == base or (got.startswith(base + "-") and got[len(base) + 1:].isdigit()), (name, got)
        accepted(t, got)
        again = suggest(t, name)
        assert again != got and again.startswith(base + "-"), (name, got, again)
        accepted(t, again)
    # Nothing usable at all.
    for name in ("!!!", "日本語", "--", "   "):
        got = suggest(t, name)
        assert got == "page" or (got.startswith("page-") and got[5:].isdigit()), (name, got)
    accepted(t, suggest(t, "日本語"))


def test_every_suggestion_is_usable(ctx):
    t = Tenant(ctx)
    tag = uuid.uuid4().hex[:6]
    names = ["Démo Pàge!!", "www", "a", "-a-", "Ünïcödé " + tag, "a" * 255, "9" * 80,
             "x-" * 60, "Mail", "ḁ̶̵ b c " + tag, "Ω mega " + tag, "under_score " + tag,
             "tab\there " + tag, "emoji 😀 " + tag, "admin " + tag, "straße" * 20]
    for name in names:
        for _ in range(2):
            got = suggest(t, name)
            accepted(t, got, name=ctx.uniq("Suggested"))


def test_directory_routes_of_unknown_or_foreign_pages(ctx):
    t = Tenant(ctx)
    u = Tenant(ctx)
    theirs = u.create()
    # by_name finds only this cloud's pages.
    check_error(t.request("GET", "/pages/by_name/" + q(theirs["name"])), 404)
    check_error(t.request("GET", "/pages/draft/by_name/" + q(theirs["name"])), 404)
    # Summaries do not list other clouds' pages.
    mine = t.create()
    ids = [p["id"] for p in t.ok("GET", "/pages/summary")["pages"]]
    assert ids == [mine["id"]], ids
    got = t.ok("GET", "/pages/summary/v2")
    assert [p["id"] for p in got["pages"]] == [mine["id"]] and got["totalCount"] == 1, got


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


def test_page_summary_details_health(ctx):
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


def test_validate_name_per_cloud(ctx):
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


def test_validate_subdomain_global(ctx):
    page = ctx.create_page()
    assert validation(ctx, "/pages/subdomain/validate/" + page["subdomain"]) is False
    assert validation(ctx, "/pages/subdomain/validate/" + ctx.uniq("free")) is True
    for bad in ("www", "api", "Upper", "ab", "a" * 64, "-lead", "trail-", "under_score", "caf%C3%A9"):
        assert validation(ctx, "/pages/subdomain/validate/" + bad) is False, bad
    # Subdomains are global: another cloud sees it taken too.
    other, email, tok = ctx.other_cloud()
    r = ctx.request("GET", "/pages/subdomain/validate/" + page["subdomain"], cloud=other, auth=(email, tok))
    assert r.status == 200 and r.json["valid"] is False, r


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
