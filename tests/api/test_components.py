"""Components (endpoints 25-31 and 12): batch_process on the draft tree,
the draft lists (plain, and keyset-paged both ways), publishing the tree,
page health, and uptime computed from the status history.
Uptime checks back-date components.created_at and write
component_status_history rows with psql, then expect exact percentages
(DESIGN.md section 7: MAJOR_OUTAGE counts fully, PARTIAL_OUTAGE 30 %, the
range is clipped to the component's life and to now, a group is the mean of
its children, a page the mean of its components, two decimals)."""

import base64
import datetime
import json
import threading
import time
import urllib.parse
import uuid
from client import check_error, SCOPE_NAMES
from routecases import comp, live_component

NESTED_KEYS = {"id", "name", "pageId", "serviceId", "status", "type", "description",
               "position", "components"}
# Left out when unset (README: no nulls in responses).
OPTIONAL_KEYS = {"serviceId", "description"}
UPTIME_KEYS = {"id", "name", "status", "componentUptimePercentage"}
STATUSES = ["OPERATIONAL", "DEGRADED_PERFORMANCE", "PARTIAL_OUTAGE", "MAJOR_OUTAGE",
            "UNDER_MAINTENANCE"]
READ_COMPONENT = "read:stakeholder-comms.component:jira-service-management"
WRITE_COMPONENT = "write:stakeholder-comms.component:jira-service-management"
READ_PAGE = "read:stakeholder-comms.page:jira-service-management"
DAY = datetime.timedelta(days=1)


def q(s):
    return urllib.parse.quote(s, safe="")


def item(pid, name=None, type="COMPONENT", **kw):
    c = {"pageId": pid, "type": type}
    if name is not None:
        c["name"] = name
    c.update(kw)
    return c


def group(pid, name, children, **kw):
    return item(pid, name, "GROUP_COMPONENT", components=children, **kw)


def batch_req(ctx, pid, items=None, deletes=None, **kw):
    body = {"pageId": pid}
    if items is not None:
        body["createUpdateComponents"] = items
    if deletes is not None:
        body["deleteComponents"] = deletes
    return ctx.request("POST", "/components/batch_process", body, **kw)


def batch(ctx, pid, items=None, deletes=None, **kw):
    r = batch_req(ctx, pid, items, deletes, **kw)
    assert r.status == 200, r
    assert isinstance(r.json, list), r
    return r.json


def get_json(ctx, path, status=200, **kw):
    r = ctx.request("GET", path, **kw)
    assert r.status == status, r
    return r.json


def draft_tree(ctx, pid, **kw):
    got = get_json(ctx, "/pages/%s/components/draft" % pid, **kw)
    assert set(got) == {"components"}, got
    return got["components"]


def flat(tree):
    out = []
    for c in tree:
        out.append(c)
        out.extend(flat(c.get("components") or []))
    return out


def by_name(tree):
    return {c["name"]: c for c in flat(tree)}


def page(ctx, pid, draft=False, **kw):
    return get_json(ctx, ("/pages/draft/" if draft else "/pages/") + pid, **kw)["page"]


def publish(ctx, pid, **kw):
    r = ctx.request("POST", "/pages/draft/%s/publish" % pid, **kw)
    assert r.status == 200, r
    return r.json["page"]


class Tenant:
    """A cloud of its own: its own token, its own pages (the big pages of
    the limit tests stay out of the shared cloud)."""

    def __init__(self, ctx):
        self.cloud = str(uuid.uuid4())
        email = "components@example.com"
        self.kw = {"cloud": self.cloud, "auth": (email, ctx.make_token(self.cloud, "all", email=email))}

    def create_page(self, ctx):
        r = ctx.request("POST", "/pages", ctx.new_page_body(), **self.kw)
        assert r.status == 201, r
        return r.json["page"]


def check_nested(c, pid):
    assert NESTED_KEYS - OPTIONAL_KEYS <= set(c) <= NESTED_KEYS, sorted(c)
    assert c["pageId"] == pid and c["type"] in ("COMPONENT", "GROUP_COMPONENT"), c
    assert c["status"] in STATUSES and isinstance(c["position"], int), c
    uuid.UUID(c["id"])
    for k in c["components"]:
        check_nested(k, pid)
        assert k["type"] == "COMPONENT" and k["components"] == [], k


# --- batch_process ---------------------------------------------------------


def test_batch_creates_groups_with_children(ctx):
    p = ctx.create_page()
    pid = p["id"]
    tree = batch(ctx, pid, [
        group(pid, "Core", [item(pid, "API", description="the API", serviceId="svc-1"),
                            item(pid, "Web", status="DEGRADED_PERFORMANCE")],
              description="core services"),
        item(pid, "CDN", status="MAJOR_OUTAGE"),
        group(pid, "Empty group", []),
    ])
    for c in tree:
        check_nested(c, pid)
    assert [c["name"] for c in tree] == ["Core", "CDN", "Empty group"], tree
    # Positions default to the index among siblings.
    assert [c["position"] for c in tree] == [0, 1, 2], tree
    core = tree[0]
    assert core["type"] == "GROUP_COMPONENT" and core["description"] == "core services"
    assert [k["name"] for k in core["components"]] == ["API", "Web"]
    assert [k["position"] for k in core["components"]] == [0, 1]
    api, web = core["components"]
    assert (api["description"], api["serviceId"], api["status"]) == ("the API", "svc-1", "OPERATIONAL"), api
    assert web["status"] == "DEGRADED_PERFORMANCE" and "description" not in web and "serviceId" not in web
    assert tree[1]["status"] == "MAJOR_OUTAGE" and tree[1]["components"] == []
    assert tree[2]["components"] == []
    # The draft list shows the same tree; ids are fresh UUIDs.
    assert draft_tree(ctx, pid) == tree
    assert len({c["id"] for c in flat(tree)}) == 5
    # A draft change: the live page has pending changes, version + 1.
    after = page(ctx, pid)
    assert after["pageStatus"] == "PUBLISHED_WITH_CHANGES", after["pageStatus"]
    assert after["version"] == p["version"] + 1, after["version"]
    assert after["components"] == [], after["components"]
    assert sorted(page(ctx, pid, draft=True)["components"]) == sorted(c["id"] for c in flat(tree))


def test_batch_status_follows_page_state(ctx):
    # A DRAFT page stays DRAFT; an UNPUBLISHED one gets changes;
    # PUBLISHED_WITH_CHANGES stays so; a soft-deleted one refuses.
    d = ctx.request("POST", "/pages/draft", ctx.new_page_body()).json["page"]
    batch(ctx, d["id"], [item(d["id"], "a")])
    got = page(ctx, d["id"])
    assert got["pageStatus"] == "DRAFT" and got["version"] == 2, got
    # A never-published page shows its draft tree.
    assert len(got["components"]) == 1, got["components"]
    u = ctx.create_page()
    assert ctx.request("POST", "/pages/%s/unpublish" % u["id"]).status == 200
    batch(ctx, u["id"], [item(u["id"], "a")])
    assert page(ctx, u["id"])["pageStatus"] == "UNPUBLISHED_WITH_CHANGES"
    batch(ctx, u["id"], [item(u["id"], "b")])
    got = page(ctx, u["id"])
    assert got["pageStatus"] == "UNPUBLISHED_WITH_CHANGES" and got["version"] == 4, got
    s = ctx.create_page()
    assert ctx.request("POST", "/pages/%s/soft_delete" % s["id"]).status == 200
    check_error(batch_req(ctx, s["id"], [item(s["id"], "a")]), 409)
    assert draft_tree(ctx, s["id"]) == []
    # Unknown and permanently deleted pages: 404.
    check_error(batch_req(ctx, str(uuid.uuid4()), []), 404)
    g = ctx.create_page()
    assert ctx.request("POST", "/pages/%s/permanent_delete" % g["id"]).status == 200
    check_error(batch_req(ctx, g["id"], [item(g["id"], "a")]), 404)


def test_batch_partial_update_keeps_other_fields(ctx):
    p = ctx.create_page()
    pid = p["id"]
    tree = batch(ctx, pid, [
        group(pid, "G", [item(pid, "A", description="desc A", serviceId="svc-A",
                              status="PARTIAL_OUTAGE", position=4),
                         item(pid, "B", position=9)]),
        item(pid, "C", description="desc C", position=3),
    ])
    before = by_name(tree)
    a, c, g = before["A"], before["C"], before["G"]
    # Only the status of C, only the name of the group (with its children
    # given by id and nothing else).
    batch(ctx, pid, [item(pid, id=c["id"], status="MAJOR_OUTAGE"),
                     group(pid, None, [item(pid, id=a["id"], name="A2")], id=g["id"])])
    after = by_name(draft_tree(ctx, pid))
    c2 = after["C"]
    assert (c2["status"], c2["description"], c2["position"], c2.get("serviceId")) == \
        ("MAJOR_OUTAGE", "desc C", 3, None), c2
    a2 = after["A2"]
    assert (a2["id"], a2["description"], a2["serviceId"], a2["status"], a2["position"]) == \
        (a["id"], "desc A", "svc-A", "PARTIAL_OUTAGE", 4), a2
    assert after["G"]["id"] == g["id"] and {k["name"] for k in after["G"]["components"]} == {"A2", "B"}, after["G"]
    # Fields can be changed one at a time.
    batch(ctx, pid, [item(pid, id=c["id"], description="new", serviceId="svc-C", position=7)])
    c3 = by_name(draft_tree(ctx, pid))["C"]
    assert (c3["status"], c3["description"], c3["serviceId"], c3["position"], c3["name"]) == \
        ("MAJOR_OUTAGE", "new", "svc-C", 7, "C"), c3


def test_batch_deletes(ctx):
    p = ctx.create_page()
    pid = p["id"]
    tree = batch(ctx, pid, [group(pid, "G", [item(pid, "A"), item(pid, "B")]),
                            group(pid, "H", [item(pid, "C"), item(pid, "D")]),
                            item(pid, "E")])
    n = by_name(tree)
    # Deleting a group takes its children; deleting a child leaves its
    # group; creates and deletes in one batch.
    got = batch(ctx, pid, [item(pid, "F")], [n["G"]["id"], n["C"]["id"]])
    names = by_name(got)
    assert set(names) == {"H", "D", "E", "F"}, sorted(names)
    assert [k["name"] for k in names["H"]["components"]] == ["D"]
    left = ctx.psql("SELECT count(*) FROM component_drafts WHERE page_id = '%s'" % pid)
    assert left == "4", left
    # A child moved out of its group survives the group's deletion.
    got = batch(ctx, pid, [item(pid, id=names["D"]["id"])], [names["H"]["id"]])
    names = by_name(got)
    assert set(names) == {"D", "E", "F"} and all(c["components"] == [] for c in got), got
    # Deleting what is already gone: 400 (not on this page), nothing changes.
    err = check_error(batch_req(ctx, pid, deletes=[n["A"]["id"]]), 400)
    assert n["A"]["id"] in err.get("details", ""), err
    check_error(batch_req(ctx, pid, deletes=["not-a-uuid"]), 400)
    check_error(batch_req(ctx, pid, deletes="x"), 400)
    check_error(batch_req(ctx, pid, deletes=[5]), 400)
    assert by_name(draft_tree(ctx, pid)).keys() == names.keys()
    # Empty batches are fine.
    assert batch(ctx, pid, [], []) == got
    assert batch(ctx, pid) == got


def test_batch_all_or_nothing(ctx):
    p = ctx.create_page()
    pid = p["id"]
    start = batch(ctx, pid, [item(pid, "keep", description="kept")])
    keep = start[0]
    version = page(ctx, pid)["version"]
    good = [item(pid, "n1"), group(pid, "n2", [item(pid, "n3")]),
            item(pid, id=keep["id"], description="changed")]
    bad_items = [
        (item(pid, "x", status="BROKEN"), "[3].status"),
        (item(pid, "x", type="SERVICE"), "[3].type"),
        (item(pid, "x", position=-1), "[3].position"),
        (item(pid, "x", position="1"), "[3].position"),
        (item(pid, "x" * 256), "[3].name"),
        (item(pid, "   "), "[3].name"),
        (item(pid, "x", description="d" * 1001), "[3].description"),
        (item(pid, "x", bogus=1), "[3]"),
        (item(pid, "x", id="nope"), "[3].id"),
        ({"type": "COMPONENT", "name": "x"}, "[3].pageId"),
        ({"pageId": pid, "name": "x"}, "[3].type"),
        (item(str(uuid.uuid4()), "x"), "[3]"),  # another pageId
        (group(pid, "g", [item(pid, "k", status="NOPE")]), "[3].components[0].status"),
    ]
    for bad, where in bad_items:
        r = batch_req(ctx, pid, good + [bad])
        err = check_error(r, 400)
        assert "createUpdateComponents" + where in err.get("details", ""), (bad, err)
    # Failures found in the database roll everything back too.
    ghost = str(uuid.uuid4())
    for items, deletes, why in ((good + [item(pid, id=ghost, name="ghost")], None, ghost),
                                (good, [ghost], ghost),
                                (good + [item(pid, id=keep["id"], name="twice")], None, "twice"),
                                (good, [keep["id"]], "both")):
        err = check_error(batch_req(ctx, pid, items, deletes), 400)
        assert why in err.get("details", ""), (why, err)
    assert draft_tree(ctx, pid) == start
    assert page(ctx, pid)["version"] == version
    # The same batch without the bad item goes through whole.
    got = by_name(batch(ctx, pid, good))
    assert set(got) == {"keep", "n1", "n2", "n3"} and got["keep"]["description"] == "changed"


def test_batch_body_errors(ctx):
    p = ctx.create_page()
    pid = p["id"]
    for body in ({}, {"createUpdateComponents": []}, {"pageId": "x"}, {"pageId": 5},
                 {"pageId": pid, "createUpdateComponents": {}},
                 {"pageId": pid, "createUpdateComponents": [5]},
                 {"pageId": pid, "other": 1}, []):
        check_error(ctx.request("POST", "/components/batch_process", body), 400)
    check_error(ctx.request("POST", "/components/batch_process", raw_body=b"{"), 400)
    check_error(ctx.request("POST", "/components/batch_process"), 400)


def test_batch_foreign_ids_400(ctx):
    mine = ctx.create_page()
    pid = mine["id"]
    other = ctx.create_page()
    theirs = batch(ctx, other["id"], [item(other["id"], "theirs")])[0]
    oc, oe, ot = ctx.other_cloud()
    r = ctx.request("POST", "/pages", ctx.new_page_body(), cloud=oc, auth=(oe, ot))
    assert r.status == 201, r
    op = r.json["page"]
    far = batch(ctx, op["id"], [item(op["id"], "far")], cloud=oc, auth=(oe, ot))[0]
    for cid in (theirs["id"], far["id"]):
        for items, deletes in (([item(pid, id=cid, name="stolen")], None),
                               ([item(pid, "ok")], [cid]),
                               ([group(pid, "g", [item(pid, id=cid)])], None)):
            err = check_error(batch_req(ctx, pid, items, deletes), 400)
            assert cid in err.get("details", ""), err
    # Another cloud's page: 404 like a missing one.
    check_error(batch_req(ctx, op["id"], [item(op["id"], "x")]), 404)
    assert draft_tree(ctx, pid) == []
    assert [c["name"] for c in draft_tree(ctx, other["id"])] == ["theirs"]
    assert [c["name"] for c in draft_tree(ctx, op["id"], cloud=oc, auth=(oe, ot))] == ["far"]


def test_batch_nesting_one_level(ctx):
    p = ctx.create_page()
    pid = p["id"]
    existing = batch(ctx, pid, [group(pid, "G", [item(pid, "A")]), item(pid, "C")])
    n = by_name(existing)
    for bad in (
        [group(pid, "outer", [group(pid, "inner", [item(pid, "x")])])],
        [group(pid, "outer", [group(pid, "inner", [])])],
        [item(pid, "leaf", components=[item(pid, "x")])],
        # An existing group nested into another one.
        [group(pid, "outer", [item(pid, id=n["G"]["id"], type="GROUP_COMPONENT")])],
        [item(pid, id=n["C"]["id"], components=[item(pid, "x")])],
        # A group with children turned into a plain component.
        [item(pid, id=n["G"]["id"])],
        [item(pid, "x", position=100001)],
    ):
        check_error(batch_req(ctx, pid, bad), 400)
    assert draft_tree(ctx, pid) == existing


def test_batch_component_limit(ctx):
    t = Tenant(ctx)
    kw = t.kw
    pid = t.create_page(ctx)["id"]
    check_error(batch_req(ctx, pid, [item(pid, "c%d" % i) for i in range(1101)], **kw), 400)
    assert draft_tree(ctx, pid, **kw) == []
    # 1,100 in total over two batches is fine; one more is not.
    batch(ctx, pid, [item(pid, "c%d" % i) for i in range(1000)], **kw)
    check_error(batch_req(ctx, pid, [item(pid, "d%d" % i) for i in range(101)], **kw), 400)
    check_error(batch_req(ctx, pid, [group(pid, "g", [item(pid, "d%d" % i) for i in range(100)])],
                          **kw), 400)
    assert len(draft_tree(ctx, pid, **kw)) == 1000
    tree = batch(ctx, pid, [item(pid, "d%d" % i) for i in range(100)], **kw)
    assert len(tree) == 1100
    check_error(batch_req(ctx, pid, [item(pid, "one more")], **kw), 400)
    # Deleting makes room, in the same batch.
    batch(ctx, pid, [item(pid, "one more")], [tree[0]["id"]], **kw)
    check_error(batch_req(ctx, pid, deletes=[str(uuid.uuid4()) for _ in range(1101)], **kw), 400)
    # A full page publishes whole.
    r = ctx.request("POST", "/pages/draft/%s/publish" % pid, **kw)
    assert r.status == 200 and len(r.json["page"]["components"]) == 1100, r.status
    got = get_json(ctx, "/pages/%s/summary" % pid, **kw)["pageSummaryDetails"]
    assert got["componentCount"] == 1100, got


def in_parallel(fns):
    """Runs the callables on threads released together; their results."""
    barrier = threading.Barrier(len(fns))
    out = [None] * len(fns)

    def run(i):
        barrier.wait(timeout=10)
        out[i] = fns[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(r is not None for r in out), "a call did not finish"
    return out


def test_concurrent_batches_respect_the_limit(ctx):
    t = Tenant(ctx)
    kw = t.kw
    p = t.create_page(ctx)
    pid = p["id"]
    calls = [lambda i=i: batch_req(ctx, pid, [item(pid, "b%d-%d" % (i, j)) for j in range(100)], **kw)
             for i in range(13)]
    results = in_parallel(calls)
    codes = sorted(r.status for r in results)
    assert set(codes) <= {200, 400, 409}, codes
    won = codes.count(200)
    # 11 batches of 100 fit in 1,100; the others find the page full.
    assert won == 11, codes
    n = ctx.psql("SELECT count(*) FROM component_drafts WHERE page_id = '%s'" % pid)
    assert n == str(100 * won), (n, won)
    assert page(ctx, pid, **kw)["version"] == p["version"] + won


def test_concurrent_batches_and_publishes(ctx):
    p = ctx.create_page()
    pid = p["id"]
    calls = []
    for i in range(10):
        calls.append(lambda i=i: batch_req(ctx, pid, [item(pid, "c%d" % i)]))
        calls.append(lambda: ctx.request("POST", "/pages/draft/%s/publish" % pid))
    results = in_parallel(calls)
    codes = [r.status for r in results]
    assert all(c in (200, 409) for c in codes), codes
    assert all(r.status == 200 for r in results[0::2]), codes  # every batch lands
    won = codes.count(200)
    end = page(ctx, pid)
    assert end["version"] == p["version"] + won, (end["version"], codes)
    tree = draft_tree(ctx, pid)
    assert len(tree) == 10, len(tree)
    draft_ids = sorted(c["id"] for c in tree)
    live_ids = sorted(end["components"])
    if end["pageStatus"] == "PUBLISHED":
        assert live_ids == draft_ids, (live_ids, draft_ids)
    else:
        assert end["pageStatus"] == "PUBLISHED_WITH_CHANGES", end["pageStatus"]
        assert set(live_ids) < set(draft_ids), (live_ids, draft_ids)
    n = ctx.psql("SELECT count(*) FROM component_status_history h JOIN components c"
                 " ON c.id = h.component_id WHERE c.page_id = '%s'" % pid)
    assert n == str(len(live_ids)), (n, live_ids)


# --- draft lists -------------------------------------------------------------


def test_draft_list_ordered_by_position(ctx):
    p = ctx.create_page()
    pid = p["id"]
    batch(ctx, pid, [item(pid, "p5", position=5),
                     group(pid, "p1", [item(pid, "k3", position=3), item(pid, "k0", position=0),
                                       item(pid, "k2", position=2)], position=1),
                     item(pid, "p3", position=3), item(pid, "p0", position=0),
                     item(pid, "p3b", position=3)])
    tree = draft_tree(ctx, pid)
    assert [c["position"] for c in tree] == [0, 1, 3, 3, 5], tree
    assert [c["name"] for c in tree][:2] == ["p0", "p1"] and tree[4]["name"] == "p5"
    # Equal positions: ordered by id.
    assert tree[2]["id"] < tree[3]["id"], tree[2:4]
    assert [k["name"] for k in tree[1]["components"]] == ["k0", "k2", "k3"]
    # Moving one changes the order.
    batch(ctx, pid, [item(pid, id=tree[4]["id"], position=-0)])
    assert draft_tree(ctx, pid)[0]["name"] in ("p0", "p5")
    # Missing, malformed and another cloud's pages.
    oc, oe, ot = ctx.other_cloud()
    r = ctx.request("POST", "/pages", ctx.new_page_body(), cloud=oc, auth=(oe, ot))
    for bad in (str(uuid.uuid4()), "nope", r.json["page"]["id"]):
        check_error(ctx.request("GET", "/pages/%s/components/draft" % bad), 404)
        check_error(ctx.request("GET", "/pages/%s/components/draft/v2" % bad), 404)


def walk_v2(ctx, path, size, backward=False, extra=""):
    """Walks a both-ways connection; returns (items in list order, pages)."""
    got, pages, cursor = [], [], None
    for _ in range(1000):
        if backward:
            qs = "?last=%d" % size + ("&before=" + q(cursor) if cursor else "")
        else:
            qs = "?first=%d" % size + ("&after=" + q(cursor) if cursor else "")
        r = get_json(ctx, path + qs + extra)
        assert set(r) == {"components", "pageInfo", "totalCount"}, r
        assert set(r["pageInfo"]) == {"hasNextPage", "endCursor", "hasPreviousPage",
                                      "startCursor"}, r["pageInfo"]
        pages.append(r)
        if backward:
            got = r["components"] + got
            if not r["pageInfo"]["hasPreviousPage"]:
                return got, pages
            cursor = r["pageInfo"]["startCursor"]
        else:
            got = got + r["components"]
            if not r["pageInfo"]["hasNextPage"]:
                return got, pages
            cursor = r["pageInfo"]["endCursor"]
        assert cursor, r
    raise AssertionError("walk does not end")


def test_draft_list_v2_both_ways(ctx):
    p = ctx.create_page()
    pid = p["id"]
    items = [item(pid, "c%03d" % i, position=(i * 7919) % 241) for i in range(240)]
    items += [group(pid, "g%d" % i, [item(pid, "g%dk%d" % (i, j)) for j in range(2)],
                    position=(i * 31) % 241) for i in range(10)]
    batch(ctx, pid, items)
    full = draft_tree(ctx, pid)
    assert len(full) == 250
    path = "/pages/%s/components/draft/v2" % pid
    fwd, pages = walk_v2(ctx, path, 7)
    assert fwd == full, "forward walk differs from the draft list"
    assert len(pages) == 36 and [len(x["components"]) for x in pages][-1] == 250 - 35 * 7
    for i, x in enumerate(pages):
        pi = x["pageInfo"]
        assert x["totalCount"] == 250, x["totalCount"]
        assert pi["hasNextPage"] is (i < 35), (i, pi)
        assert pi["hasPreviousPage"] is (i > 0), (i, pi)
        assert pi["startCursor"] and pi["endCursor"], pi
    bwd, pages = walk_v2(ctx, path, 7, backward=True)
    assert bwd == full, "backward walk differs from the draft list"
    assert len(pages) == 36 and len(pages[-1]["components"]) == 250 - 35 * 7
    for i, x in enumerate(pages):
        pi = x["pageInfo"]
        assert x["totalCount"] == 250
        assert pi["hasPreviousPage"] is (i < 35), (i, pi)
        assert pi["hasNextPage"] is (i > 0), (i, pi)
    # Turning around: before= a page's startCursor gives the rows before it.
    page3 = get_json(ctx, path + "?first=7&after=" + q(get_json(ctx, path + "?first=14")["pageInfo"]["endCursor"]))
    assert page3["components"] == full[14:21]
    back = get_json(ctx, path + "?last=7&before=" + q(page3["pageInfo"]["startCursor"]))
    assert back["components"] == full[7:14], [c["name"] for c in back["components"]]
    ahead = get_json(ctx, path + "?last=3&before=" + q(page3["pageInfo"]["endCursor"]))
    assert ahead["components"] == full[17:20]
    # Defaults and bounds.
    x = get_json(ctx, path)
    assert x["components"] == full[:25] and x["pageInfo"]["hasNextPage"] is True
    x = get_json(ctx, path + "?first=100")
    assert len(x["components"]) == 100
    x = get_json(ctx, path + "?last=100")
    assert x["components"] == full[150:]
    for bad in ("first=0", "first=101", "last=0", "last=-1", "first=x", "first=2&last=2",
                "first=2&before=" + q(page3["pageInfo"]["startCursor"]),
                "last=2&after=" + q(page3["pageInfo"]["startCursor"]), "first=1&first=2"):
        check_error(ctx.request("GET", path + "?" + bad), 400)


def test_draft_list_v2_empty_and_foreign_cursors(ctx):
    p = ctx.create_page()
    pid = p["id"]
    path = "/pages/%s/components/draft/v2" % pid
    assert get_json(ctx, path + "?first=5") == {
        "components": [], "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "hasPreviousPage": False}}
    batch(ctx, pid, [item(pid, "c%d" % i) for i in range(5)])
    mine = get_json(ctx, path + "?first=2")["pageInfo"]["endCursor"]
    assert len(get_json(ctx, path + "?first=2&after=" + q(mine))["components"]) == 2
    other = ctx.create_page()
    batch(ctx, other["id"], [item(other["id"], "c%d" % i) for i in range(5)])
    publish(ctx, other["id"])
    opath = "/pages/%s/components/draft/v2" % other["id"]
    theirs = get_json(ctx, opath + "?first=2")["pageInfo"]["endCursor"]
    uptime = get_json(ctx, "/pages/%s/components/uptime/v2?first=2" % other["id"])["pageInfo"]["endCursor"]
    summary = get_json(ctx, "/pages/summary/v2?first=1")["pageInfo"]["endCursor"]
    oc, oe, ot = ctx.other_cloud()
    r = ctx.request("POST", "/pages", ctx.new_page_body(), cloud=oc, auth=(oe, ot))
    op = r.json["page"]["id"]
    batch(ctx, op, [item(op, "c%d" % i) for i in range(3)], cloud=oc, auth=(oe, ot))
    far = get_json(ctx, "/pages/%s/components/draft/v2?first=1" % op, cloud=oc,
                   auth=(oe, ot))["pageInfo"]["endCursor"]
    body, _, tag = mine.partition(".")
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    forged = base64.urlsafe_b64encode(raw.replace(raw[:1], b"9", 1)).rstrip(b"=").decode() + "." + tag
    for cur in (theirs, uptime, summary, far, forged, mine[:-2], "garbage", mine + "x"):
        check_error(ctx.request("GET", path + "?first=2&after=" + q(cur)), 400)
        check_error(ctx.request("GET", path + "?last=2&before=" + q(cur)), 400)
    # Their cursor works on their list.
    assert get_json(ctx, opath + "?first=2&after=" + q(theirs))["components"]


# --- publishing and health ---------------------------------------------------


def test_publish_makes_tree_live(ctx):
    p = ctx.create_page()
    pid = p["id"]
    tree = batch(ctx, pid, [group(pid, "G", [item(pid, "A"), item(pid, "B")]), item(pid, "C")])
    ids = sorted(c["id"] for c in flat(tree))
    assert page(ctx, pid)["components"] == []
    # Nothing live yet: no uptime for these.
    check_error(ctx.request("GET", "/components/%s/uptime" % ids[0]), 404)
    assert get_json(ctx, "/pages/%s/components/uptime" % pid) == {"pageComponentsUptime": []}
    assert get_json(ctx, "/pages/%s/summary" % pid)["pageSummaryDetails"]["componentCount"] == 0
    pub = publish(ctx, pid)
    assert pub["pageStatus"] == "PUBLISHED" and sorted(pub["components"]) == ids, pub
    assert sorted(page(ctx, pid)["components"]) == ids
    assert sorted(page(ctx, pid, draft=True)["components"]) == ids
    assert draft_tree(ctx, pid) == tree
    det = get_json(ctx, "/pages/%s/summary" % pid)["pageSummaryDetails"]
    assert det["componentCount"] == 3 and det["health"] == "HEALTHY", det
    summary = [x for x in get_json(ctx, "/pages/summary")["pages"] if x["id"] == pid][0]
    assert summary["componentCount"] == 3 and summary["status"] == "PUBLISHED", summary
    live = get_json(ctx, "/pages/%s/components/uptime" % pid)["pageComponentsUptime"]
    assert sorted(c["id"] for c in live) == ids
    # A draft change is not live until published; discarding it brings the
    # live tree back into the draft.
    n = by_name(tree)
    batch(ctx, pid, [item(pid, "D")], [n["C"]["id"]])
    assert sorted(page(ctx, pid)["components"]) == ids
    draft_ids = sorted(page(ctx, pid, draft=True)["components"])
    assert n["C"]["id"] not in draft_ids and len(draft_ids) == 4
    assert get_json(ctx, "/pages/%s/summary" % pid)["pageSummaryDetails"]["componentCount"] == 3
    r = ctx.request("POST", "/pages/draft/%s/delete" % pid)
    assert r.status == 200, r
    assert draft_tree(ctx, pid) == tree
    assert page(ctx, pid)["pageStatus"] == "PUBLISHED"
    # Published again: C leaves the live tree, D joins it.
    batch(ctx, pid, [item(pid, "D")], [n["C"]["id"]])
    pub = publish(ctx, pid)
    assert n["C"]["id"] not in pub["components"] and len(pub["components"]) == 4
    check_error(ctx.request("GET", "/components/%s/uptime" % n["C"]["id"]), 404)
    assert get_json(ctx, "/pages/%s/summary" % pid)["pageSummaryDetails"]["componentCount"] == 3


def test_health_worst_first(ctx):
    p = ctx.create_page()
    pid = p["id"]
    tree = batch(ctx, pid, [group(pid, "G", [item(pid, "A"), item(pid, "B")]), item(pid, "C"),
                            item(pid, "D")])
    n = by_name(tree)
    publish(ctx, pid)

    def health():
        return get_json(ctx, "/pages/%s/summary" % pid)["pageSummaryDetails"]["health"]

    assert health() == "HEALTHY"
    steps = [("D", "UNDER_MAINTENANCE", "UNDER_MAINTENANCE"),
             ("C", "DEGRADED_PERFORMANCE", "DEGRADED"),
             ("A", "PARTIAL_OUTAGE", "PARTIAL_OUTAGE"),
             ("B", "MAJOR_OUTAGE", "MAJOR_OUTAGE"),
             ("A", "OPERATIONAL", "MAJOR_OUTAGE"),
             ("B", "OPERATIONAL", "DEGRADED"),
             ("C", "OPERATIONAL", "UNDER_MAINTENANCE"),
             ("D", "OPERATIONAL", "HEALTHY")]
    for name, status, want in steps:
        before = health()
        batch(ctx, pid, [item(pid, id=n[name]["id"], status=status)])
        # Draft statuses are not live.
        assert health() == before, (name, status)
        publish(ctx, pid)
        assert health() == want, (name, status, health(), want)
    live = {c["name"]: c["status"] for c in
            get_json(ctx, "/pages/%s/components/uptime" % pid)["pageComponentsUptime"]}
    assert live == {"G": "OPERATIONAL", "A": "OPERATIONAL", "B": "OPERATIONAL",
                    "C": "OPERATIONAL", "D": "OPERATIONAL"}, live
    # Each published change closed one interval and opened another.
    rows = ctx.psql("SELECT count(*) FROM component_status_history WHERE component_id = '%s'"
                    % n["B"]["id"])
    assert rows == "3", rows
    open_rows = ctx.psql("SELECT count(*) FROM component_status_history h JOIN components c"
                         " ON c.id = h.component_id WHERE c.page_id = '%s' AND h.ended_at IS NULL" % pid)
    assert open_rows == "5", open_rows


# --- uptime --------------------------------------------------------------------


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def set_history(ctx, cloud, cid, created, intervals):
    """created_at := created; history := intervals [(status, start, end)]."""
    sql = ["UPDATE components SET created_at = '%s' WHERE cloud_id = '%s' AND id = '%s';"
           % (ts(created), cloud, cid),
           "DELETE FROM component_status_history WHERE cloud_id = '%s' AND component_id = '%s';"
           % (cloud, cid)]
    for status, start, end in intervals:
        sql.append("INSERT INTO component_status_history (cloud_id, component_id, status,"
                   " started_at, ended_at) VALUES ('%s', '%s', '%s', '%s', %s);"
                   % (cloud, cid, status, ts(start), "NULL" if end is None else "'%s'" % ts(end)))
    ctx.psql("BEGIN; " + " ".join(sql) + " COMMIT;")


def uptime_fixture(ctx):
    """A published page: G (A, B), C, D with a history written by hand.
    Returns (page id, {name: id}, base) where base is today 00:00 UTC; the
    range R = [base - 20 d, base - 10 d]."""
    p = ctx.create_page()
    pid = p["id"]
    tree = batch(ctx, pid, [
        group(pid, "Group G", [item(pid, "Alpha A"), item(pid, "Beta B", status="MAJOR_OUTAGE")]),
        item(pid, "Gamma C", status="PARTIAL_OUTAGE"),
        item(pid, "Delta D", status="DEGRADED_PERFORMANCE"),
    ])
    publish(ctx, pid)
    n = {c["name"].split()[1]: c["id"] for c in flat(tree)}
    now = datetime.datetime.now(datetime.timezone.utc)
    base = now.replace(hour=0, minute=0, second=0, microsecond=0)
    d = lambda k: base - k * DAY
    # A: 1 day MAJOR and 2 days PARTIAL inside R, outages outside R too:
    # 100 * (1 - (1 + 0.3 * 2) / 10) = 84.00.
    set_history(ctx, ctx.cloud, n["A"], d(30), [
        ("OPERATIONAL", d(30), d(25)), ("MAJOR_OUTAGE", d(25), d(22)),
        ("OPERATIONAL", d(22), d(18)), ("MAJOR_OUTAGE", d(18), d(17)),
        ("DEGRADED_PERFORMANCE", d(17), d(15)), ("PARTIAL_OUTAGE", d(15), d(13)),
        ("UNDER_MAINTENANCE", d(13), d(9)), ("PARTIAL_OUTAGE", d(9), d(5)),
        ("OPERATIONAL", d(5), None)])
    # B: created inside R (5 days of it): 1 day MAJOR, then PARTIAL from
    # base-11 d to base-9 d (1 day inside R): 100 * (1 - 1.3 / 5) = 74.00.
    set_history(ctx, ctx.cloud, n["B"], d(15), [
        ("OPERATIONAL", d(15), d(12)), ("MAJOR_OUTAGE", d(12), d(11)),
        ("PARTIAL_OUTAGE", d(11), d(9)), ("MAJOR_OUTAGE", d(9), None)])
    # C: MAJOR from base-21 d to base-19 d, 1 day inside R: 90.00.
    set_history(ctx, ctx.cloud, n["C"], d(40), [
        ("OPERATIONAL", d(40), d(21)), ("MAJOR_OUTAGE", d(21), d(19)),
        ("UNDER_MAINTENANCE", d(19), d(18)), ("PARTIAL_OUTAGE", d(2), None)])
    # D: created after R: nothing to count, 100.
    set_history(ctx, ctx.cloud, n["D"], d(5), [("DEGRADED_PERFORMANCE", d(5), None)])
    # The group's own history does not count, only its children.
    set_history(ctx, ctx.cloud, n["G"], d(40), [("MAJOR_OUTAGE", d(40), None)])
    return pid, n, base


EXPECTED_R = {"A": 84.0, "B": 74.0, "C": 90.0, "D": 100.0, "G": 79.0}


def test_uptime_exact_percentages(ctx):
    pid, n, base = uptime_fixture(ctx)
    frm, to = ts(base - 20 * DAY), ts(base - 10 * DAY)
    rng = "startDate=%s&endDate=%s" % (frm, to)
    for key, want in EXPECTED_R.items():
        got = get_json(ctx, "/components/%s/uptime?%s" % (n[key], rng))
        assert set(got) == UPTIME_KEYS and got["id"] == n[key], got
        assert got["componentUptimePercentage"] == want, (key, got, want)
        got = get_json(ctx, "/components/%s/uptime_percentage?from=%s&to=%s" % (n[key], frm, to))
        assert got == {"componentId": n[key], "uptimePercentage": want, "from": frm, "to": to}, (key, got)
    # The page: the mean of its components (groups aside): (84+74+90+100)/4.
    got = get_json(ctx, "/pages/%s/uptime_percentage?from=%s&to=%s" % (pid, frm, to))
    assert got == {"pageId": pid, "uptimePercentage": 87.0, "from": frm, "to": to}, got
    # The lists agree.
    lst = get_json(ctx, "/pages/%s/components/uptime?%s" % (pid, rng))["pageComponentsUptime"]
    assert {c["id"]: c["componentUptimePercentage"] for c in lst} == \
        {n[k]: v for k, v in EXPECTED_R.items()}, lst
    for c in lst:
        assert set(c) == UPTIME_KEYS, c
    v2 = get_json(ctx, "/pages/%s/components/uptime/v2?%s" % (pid, rng))
    assert {c["id"]: c["componentUptimePercentage"] for c in v2["components"]} == \
        {n[k]: v for k, v in EXPECTED_R.items()}, v2
    assert v2["totalCount"] == 5
    # Offsets name the same instants.
    off = "startDate=%s&endDate=%s" % (q((base - 20 * DAY).astimezone(
        datetime.timezone(datetime.timedelta(hours=2))).isoformat()), q(to))
    got = get_json(ctx, "/components/%s/uptime?%s" % (n["A"], off))
    assert got["componentUptimePercentage"] == 84.0, got


def test_uptime_date_only_end_is_end_of_day(ctx):
    pid, n, base = uptime_fixture(ctx)
    start = (base - 20 * DAY).date().isoformat()
    end = (base - 11 * DAY).date().isoformat()  # the whole of that day: up to base - 10 d
    for key, want in EXPECTED_R.items():
        got = get_json(ctx, "/components/%s/uptime?startDate=%s&endDate=%s" % (n[key], start, end))
        assert got["componentUptimePercentage"] == want, (key, got, want)
    got = get_json(ctx, "/components/%s/uptime_percentage?from=%s&to=%s" % (n["A"], start, end))
    assert got["from"] == ts(base - 20 * DAY) and got["to"] == ts(base - 10 * DAY), got
    assert got["uptimePercentage"] == 84.0, got
    got = get_json(ctx, "/pages/%s/uptime_percentage?from=%s&to=%s" % (pid, start, end))
    assert got["uptimePercentage"] == 87.0, got
    # One day, date-only on both ends: base - 18 d, A's MAJOR day.
    day = (base - 18 * DAY).date().isoformat()
    got = get_json(ctx, "/components/%s/uptime_percentage?from=%s&to=%s" % (n["A"], day, day))
    assert got["uptimePercentage"] == 0.0 and got["to"] == ts(base - 17 * DAY), got


def test_uptime_clipped_to_now_and_future(ctx):
    pid, n, base = uptime_fixture(ctx)
    # A range reaching into the future ends now: D (DEGRADED since
    # base - 5 d) is 100; C is in PARTIAL_OUTAGE since base - 2 d.
    frm = base - 2 * DAY
    got = get_json(ctx, "/components/%s/uptime_percentage?from=%s&to=%s"
                   % (n["C"], ts(frm), ts(base + 30 * DAY)))
    assert got["to"] == ts(base + 30 * DAY), got
    # Fully in PARTIAL over [from, now]: 70 whatever now is.
    assert got["uptimePercentage"] == 70.0, got
    # B: PARTIAL from base - 10 d to base - 9 d, MAJOR since: from
    # base - 10 d to now, 0.7 of a day counts as up.
    t0 = time.time()
    got = get_json(ctx, "/components/%s/uptime_percentage?from=%s&to=%s"
                   % (n["B"], ts(base - 10 * DAY), ts(base + DAY)))
    t1 = time.time()
    lo = 100 * 0.7 * 86400 / (t1 - (base - 10 * DAY).timestamp() + 2)
    hi = 100 * 0.7 * 86400 / (t0 - (base - 10 * DAY).timestamp() - 2)
    assert lo - 0.01 <= got["uptimePercentage"] <= hi + 0.01, (got, lo, hi)
    # Entirely in the future: 100 for all, the page too.
    fut = "from=%s&to=%s" % (ts(base + 2 * DAY), ts(base + 3 * DAY))
    for key in n:
        got = get_json(ctx, "/components/%s/uptime_percentage?%s" % (n[key], fut))
        assert got["uptimePercentage"] == 100.0, (key, got)
    assert get_json(ctx, "/pages/%s/uptime_percentage?%s" % (pid, fut))["uptimePercentage"] == 100.0
    lst = get_json(ctx, "/pages/%s/components/uptime?startDate=%s&endDate=%s"
                   % (pid, ts(base + 2 * DAY), ts(base + 3 * DAY)))["pageComponentsUptime"]
    assert [c["componentUptimePercentage"] for c in lst] == [100.0] * 5, lst
    # Only a start in the future: also 100.
    got = get_json(ctx, "/components/%s/uptime_percentage?from=%s" % (n["B"], ts(base + 2 * DAY)))
    assert got["uptimePercentage"] == 100.0, got
    # Default range: the last 90 days, up to now.
    got = get_json(ctx, "/components/%s/uptime_percentage" % n["D"])
    assert got["uptimePercentage"] == 100.0, got
    f = datetime.datetime.strptime(got["from"], "%Y-%m-%dT%H:%M:%SZ")
    t = datetime.datetime.strptime(got["to"], "%Y-%m-%dT%H:%M:%SZ")
    assert abs((t - f) - 90 * DAY) <= datetime.timedelta(seconds=1), got
    assert abs(t.replace(tzinfo=datetime.timezone.utc).timestamp() - time.time()) < 60, got


def test_uptime_without_components_is_100(ctx):
    p = ctx.create_page()
    pid = p["id"]
    got = get_json(ctx, "/pages/%s/uptime_percentage" % pid)
    assert got["uptimePercentage"] == 100.0 and got["pageId"] == pid, got
    assert get_json(ctx, "/pages/%s/components/uptime" % pid) == {"pageComponentsUptime": []}
    v2 = get_json(ctx, "/pages/%s/components/uptime/v2" % pid)
    assert v2["components"] == [] and v2["totalCount"] == 0, v2
    # An empty group: 100 too.
    batch(ctx, pid, [group(pid, "empty", [])])
    publish(ctx, pid)
    lst = get_json(ctx, "/pages/%s/components/uptime" % pid)["pageComponentsUptime"]
    assert [c["componentUptimePercentage"] for c in lst] == [100.0], lst
    assert get_json(ctx, "/pages/%s/uptime_percentage" % pid)["uptimePercentage"] == 100.0


def test_uptime_bad_ranges_400(ctx):
    p = ctx.create_page()
    pid = p["id"]
    batch(ctx, pid, [item(pid, "x")])
    cid = publish(ctx, pid)["components"][0]
    bad = [
        ("2024-02-10T00:00:00Z", "2024-02-01T00:00:00Z"),  # reversed
        ("2024-02-01T00:00:00Z", "2024-02-01T00:00:00Z"),  # empty
        ("yesterday", None), (None, "2024-13-01"), ("2024-02-30", None),
        ("2024-02-01T25:00:00Z", None), ("1706745600", None), ("2024-02-01T00:00:00", "x"),
        ("1990-01-01T00:00:00Z", "1990-02-01T00:00:00Z"),  # absurd year
        ("1990-01-01", None),
        ("2001-01-01T00:00:00Z", "2021-01-01T00:00:00Z"),  # twenty years
        ("2200-01-01T00:00:00Z", None),
    ]
    routes = [("/components/%s/uptime" % cid, "startDate", "endDate"),
              ("/components/%s/uptime_percentage" % cid, "from", "to"),
              ("/pages/%s/uptime_percentage" % pid, "from", "to"),
              ("/pages/%s/components/uptime" % pid, "startDate", "endDate"),
              ("/pages/%s/components/uptime/v2" % pid, "startDate", "endDate")]
    for path, fn, tn in routes:
        for frm, to in bad:
            parts = []
            if frm is not None:
                parts.append("%s=%s" % (fn, q(frm)))
            if to is not None:
                parts.append("%s=%s" % (tn, q(to)))
            check_error(ctx.request("GET", path + "?" + "&".join(parts)), 400)
        check_error(ctx.request("GET", path + "?%s=2024-01-01&%s=2024-01-02" % (fn, fn)), 400)
        # A fine range for comparison.
        assert ctx.request("GET", path + "?%s=2024-01-01&%s=2024-03-01" % (fn, tn)).status == 200


def test_uptime_v2_filters_and_paging(ctx):
    p = ctx.create_page()
    pid = p["id"]
    names = [("Alpha API", "OPERATIONAL"), ("beta api", "MAJOR_OUTAGE"), ("Gamma", "PARTIAL_OUTAGE"),
             ("100% real", "MAJOR_OUTAGE"), ("under_score", "DEGRADED_PERFORMANCE"),
             ("back\\slash", "UNDER_MAINTENANCE")]
    items = [item(pid, nm, status=st, position=i) for i, (nm, st) in enumerate(names)]
    items.append(group(pid, "Group of APIs", [item(pid, "child api", status="MAJOR_OUTAGE")],
                       position=len(names)))
    items += [item(pid, "filler %02d" % i, position=20 + i) for i in range(8)]
    batch(ctx, pid, items)
    publish(ctx, pid)
    path = "/pages/%s/components/uptime/v2" % pid

    def names_of(qs):
        r = get_json(ctx, path + "?first=100&" + qs)
        got = [c["name"] for c in r["components"]]
        assert r["totalCount"] == len(got), r
        return got

    assert len(names_of("")) == 16
    assert set(names_of("searchTerm=api")) == {"Alpha API", "beta api", "Group of APIs", "child api"}
    assert set(names_of("searchTerm=API")) == set(names_of("searchTerm=api"))
    assert names_of("searchTerm=" + q("%")) == ["100% real"]
    assert names_of("searchTerm=" + q("_")) == ["under_score"]
    assert names_of("searchTerm=" + q("\\")) == ["back\\slash"]
    assert names_of("searchTerm=nothing-like-this") == []
    assert len(names_of("searchTerm=")) == 16
    assert len(names_of("statusFilter=")) == 16
    check_error(ctx.request("GET", path + "?searchTerm=" + "x" * 256), 400)
    major = {"beta api", "100% real", "child api"}
    assert set(names_of("statusFilter=MAJOR_OUTAGE")) == major
    both = major | {"Gamma"}
    assert set(names_of("statusFilter=MAJOR_OUTAGE&statusFilter=PARTIAL_OUTAGE")) == both
    assert set(names_of("statusFilter=MAJOR_OUTAGE,PARTIAL_OUTAGE")) == both
    assert set(names_of("statusFilter=MAJOR_OUTAGE,PARTIAL_OUTAGE&statusFilter=UNDER_MAINTENANCE")) == \
        both | {"back\\slash"}
    assert set(names_of("statusFilter=MAJOR_OUTAGE&searchTerm=api")) == {"beta api", "child api"}
    for bad in ("BROKEN", "major_outage", "MAJOR_OUTAGE,NOPE", "MAJOR_OUTAGE&statusFilter=NOPE"):
        check_error(ctx.request("GET", path + "?statusFilter=" + bad), 400)
    # Paging both ways with a filter on.
    flt = "&statusFilter=OPERATIONAL"
    every = names_of(flt[1:])
    assert len(every) == 10, every
    fwd, pages = walk_v2(ctx, path, 3, extra=flt)
    assert [c["name"] for c in fwd] == every
    assert all(x["totalCount"] == 10 for x in pages) and len(pages) == 4
    bwd, pages = walk_v2(ctx, path, 3, backward=True, extra=flt)
    assert [c["name"] for c in bwd] == every
    # Cursors of another list are refused.
    draft_cur = get_json(ctx, "/pages/%s/components/draft/v2?first=1" % pid)["pageInfo"]["endCursor"]
    check_error(ctx.request("GET", path + "?first=2&after=" + q(draft_cur)), 400)
    other = ctx.create_page()
    batch(ctx, other["id"], [item(other["id"], "o%d" % i) for i in range(3)])
    publish(ctx, other["id"])
    theirs = get_json(ctx, "/pages/%s/components/uptime/v2?first=1" % other["id"])["pageInfo"]["endCursor"]
    check_error(ctx.request("GET", path + "?first=2&after=" + q(theirs)), 400)
    check_error(ctx.request("GET", path + "?last=2&before=" + q(theirs)), 400)


def test_uptime_of_foreign_or_unknown_ids_404(ctx):
    oc, oe, ot = ctx.other_cloud()
    r = ctx.request("POST", "/pages", ctx.new_page_body(), cloud=oc, auth=(oe, ot))
    op = r.json["page"]["id"]
    oid = batch(ctx, op, [item(op, "theirs")], cloud=oc, auth=(oe, ot))[0]["id"]
    publish(ctx, op, cloud=oc, auth=(oe, ot))
    r = ctx.request("GET", "/components/%s/uptime" % oid, cloud=oc, auth=(oe, ot))
    assert r.status == 200, r
    # A component only in a draft tree has no uptime yet.
    mine = ctx.create_page()
    draft_only = batch(ctx, mine["id"], [item(mine["id"], "draft only")])[0]["id"]
    for cid in (oid, str(uuid.uuid4()), "not-a-uuid", draft_only):
        check_error(ctx.request("GET", "/components/%s/uptime" % cid), 404)
        check_error(ctx.request("GET", "/components/%s/uptime_percentage" % cid), 404)
    for pid in (op, str(uuid.uuid4()), "nope"):
        for path in ("/pages/%s/uptime_percentage", "/pages/%s/components/uptime",
                     "/pages/%s/components/uptime/v2", "/pages/%s/components/draft",
                     "/pages/%s/components/draft/v2", "/pages/%s/summary"):
            check_error(ctx.request("GET", path % pid), 404)
    # A permanently deleted page's components are gone too.
    gone = ctx.create_page()
    gid = batch(ctx, gone["id"], [item(gone["id"], "x")])[0]["id"]
    publish(ctx, gone["id"])
    assert ctx.request("GET", "/components/%s/uptime" % gid).status == 200
    assert ctx.request("POST", "/pages/%s/permanent_delete" % gone["id"]).status == 200
    check_error(ctx.request("GET", "/components/%s/uptime" % gid), 404)
    check_error(ctx.request("GET", "/components/%s/uptime_percentage" % gid), 404)
    check_error(ctx.request("GET", "/pages/%s/uptime_percentage" % gone["id"]), 404)


def test_component_routes_need_their_scope(ctx):
    p = ctx.create_page()
    pid = p["id"]
    cid = batch(ctx, pid, [item(pid, "x")])[0]["id"]
    publish(ctx, pid)
    routes = [
        ("POST", "/components/batch_process", {"pageId": pid, "createUpdateComponents": []},
         WRITE_COMPONENT),
        ("GET", "/pages/%s/components/draft" % pid, None, READ_COMPONENT),
        ("GET", "/pages/%s/components/draft/v2" % pid, None, READ_COMPONENT),
        ("GET", "/pages/%s/components/uptime" % pid, None, READ_COMPONENT),
        ("GET", "/pages/%s/components/uptime/v2" % pid, None, READ_COMPONENT),
        ("GET", "/components/%s/uptime" % cid, None, READ_COMPONENT),
        ("GET", "/components/%s/uptime_percentage" % cid, None, READ_COMPONENT),
        ("GET", "/pages/%s/uptime_percentage" % pid, None, READ_PAGE),
    ]
    tokens = {}
    for scope in {r[3] for r in routes}:
        without = ctx.make_token(scopes=[s for s in SCOPE_NAMES if s != scope])
        only = ctx.make_token(scopes=[scope])
        tokens[scope] = (without, only)
    for method, path, body, scope in routes:
        without, only = tokens[scope]
        r = ctx.request(method, path, body, auth=(ctx.email, without))
        check_error(r, 403)
        assert scope in (r.headers.get("WWW-Authenticate") or ""), r.headers.items()
        r = ctx.request(method, path, body, auth=(ctx.email, only))
        assert r.status == 200, (path, r)


def test_batch_creates_tree(ctx):
    page = ctx.create_page()
    pid = page["id"]
    items = [
        comp(pid, "Website", description="public site", serviceId="svc-1", position=0),
        {"pageId": pid, "type": "GROUP_COMPONENT", "name": "Backend", "position": 1,
         "components": [comp(pid, "API", status="DEGRADED_PERFORMANCE"), comp(pid, "DB")]},
    ]
    tree = batch(ctx, pid, items)
    assert isinstance(tree, list) and len(tree) == 2, tree
    for c in flat(tree):
        assert set(c) >= NESTED_KEYS - {"serviceId", "description"}, c  # unset: left out
        assert c["pageId"] == pid
    web, grp = tree
    assert (web["name"], web["type"], web["status"], web["description"], web["serviceId"]) == \
        ("Website", "COMPONENT", "OPERATIONAL", "public site", "svc-1"), web
    assert grp["type"] == "GROUP_COMPONENT" and [c["name"] for c in grp["components"]] == ["API", "DB"]
    assert grp["components"][0]["status"] == "DEGRADED_PERFORMANCE"
    assert draft_tree(ctx, pid) == tree
    # A draft change: the live page still shows none, its status says so.
    cur = ctx.request("GET", "/pages/" + pid).json["page"]
    assert cur["pageStatus"] == "PUBLISHED_WITH_CHANGES", cur["pageStatus"]
    assert cur["components"] == [], cur["components"]
    # Publishing makes the tree live.
    r = ctx.request("POST", "/pages/draft/%s/publish" % pid)
    assert r.status == 200, r
    live = r.json["page"]
    assert live["pageStatus"] == "PUBLISHED"
    assert set(live["components"]) >= {web["id"], grp["components"][0]["id"]}, live["components"]
    r = ctx.request("GET", "/pages/%s/components/uptime" % pid)
    assert r.status == 200, r
    names = {c["name"] for c in r.json["pageComponentsUptime"]}
    assert {"Website", "API", "DB"} <= names, r.json
    for c in r.json["pageComponentsUptime"]:
        assert set(c) >= {"id", "name", "status", "componentUptimePercentage"}, c
        assert c["componentUptimePercentage"] == 100, c


def test_batch_update_and_delete(ctx):
    page = ctx.create_page()
    pid = page["id"]
    tree = batch(ctx, pid, [comp(pid, "One"), comp(pid, "Two"),
                            {"pageId": pid, "type": "GROUP_COMPONENT", "name": "G",
                             "components": [comp(pid, "Child")]}])
    one, two, grp = tree
    tree = batch(ctx, pid, [{"id": one["id"], "pageId": pid, "type": "COMPONENT",
                             "name": "One renamed", "status": "MAJOR_OUTAGE"}],
                 deletes=[two["id"]])
    by_name = {c["name"]: c for c in flat(tree)}
    assert "Two" not in by_name and "One renamed" in by_name, by_name.keys()
    assert by_name["One renamed"]["id"] == one["id"]
    assert by_name["One renamed"]["status"] == "MAJOR_OUTAGE"
    assert by_name["One renamed"].get("description") == one.get("description")
    # Deleting a group takes its children.
    tree = batch(ctx, pid, [], deletes=[grp["id"]])
    assert [c["name"] for c in flat(tree)] == ["One renamed"], tree
    assert draft_tree(ctx, pid) == tree
    # Discarding the draft brings the live (empty) tree back.
    r = ctx.request("POST", "/pages/draft/%s/delete" % pid)
    assert r.status == 200, r
    assert draft_tree(ctx, pid) == []


def test_bad_batches_400_change_nothing(ctx):
    page = ctx.create_page()
    pid = page["id"]
    tree = batch(ctx, pid, [comp(pid, "Keep"), {"pageId": pid, "type": "GROUP_COMPONENT",
                                                "name": "Grp", "components": [comp(pid, "Kid")]}])
    keep, grp = tree
    other = ctx.create_page()
    other_tree = batch(ctx, other["id"], [comp(other["id"], "Theirs")])
    bad = [
        {"deleteComponents": [keep["id"]]},              # no pageId, and no item to take it from
        {"pageId": "not-a-uuid", "createUpdateComponents": []},
        {"pageId": pid, "createUpdateComponents": [comp(other["id"], "x")]},            # item of another page
        {"pageId": pid, "createUpdateComponents": [{"pageId": pid, "name": "no type"}]},
        {"pageId": pid, "createUpdateComponents": [{"pageId": pid, "type": "WIDGET", "name": "x"}]},
        {"pageId": pid, "createUpdateComponents": [comp(pid, "x", status="BROKEN")]},
        {"pageId": pid, "createUpdateComponents": [comp(pid, "x", colour="red")]},
        {"pageId": pid, "createUpdateComponents": [comp(pid, "")]},
        {"pageId": pid, "createUpdateComponents": [comp(pid, "x" * 256)]},
        {"pageId": pid, "createUpdateComponents": [comp(pid, "x", position=-1)]},
        {"pageId": pid, "createUpdateComponents": [comp(pid, "x", position="1")]},
        {"pageId": pid, "createUpdateComponents": [comp(pid, "x", id=str(uuid.uuid4()))]},  # unknown id
        {"pageId": pid, "createUpdateComponents": [comp(pid, "x", id=other_tree[0]["id"])]},  # other page's
        {"pageId": pid, "createUpdateComponents": [comp(pid, "x", components=[comp(pid, "y")])]},
        {"pageId": pid, "createUpdateComponents": [
            {"pageId": pid, "type": "GROUP_COMPONENT", "name": "g1", "components": [
                {"pageId": pid, "type": "GROUP_COMPONENT", "name": "g2",
                 "components": [comp(pid, "deep")]}]}]},
        {"pageId": pid, "createUpdateComponents": [comp(pid, "a", id=keep["id"]),
                                                   comp(pid, "b", id=keep["id"])]},
        {"pageId": pid, "createUpdateComponents": [comp(pid, "a", id=keep["id"])],
         "deleteComponents": [keep["id"]]},
        {"pageId": pid, "deleteComponents": [str(uuid.uuid4())]},
        {"pageId": pid, "deleteComponents": [other_tree[0]["id"]]},
        {"pageId": pid, "deleteComponents": ["x"]},
        {"pageId": pid, "deleteComponents": "all"},
        {"pageId": pid, "createUpdateComponents": {}},
        {"pageId": pid, "extra": 1},
        {"pageId": pid, "createUpdateComponents": [comp(pid, "ok"), comp(pid, "bad", status="x")]},
        {"pageId": pid, "createUpdateComponents": [comp(pid, "c%d" % i) for i in range(1101)]},
    ]
    for body in bad:
        r = ctx.request("POST", "/components/batch_process", body)
        check_error(r, 400)
    assert draft_tree(ctx, pid) == tree
    assert draft_tree(ctx, other["id"]) == other_tree
    # Unknown page: 404. Deleted page: 409.
    missing = str(uuid.uuid4())
    r = ctx.request("POST", "/components/batch_process",
                    {"pageId": missing, "createUpdateComponents": [comp(missing, "x")]})
    check_error(r, 404)
    r = ctx.request("POST", "/pages/%s/soft_delete" % pid)
    assert r.status == 200, r
    r = ctx.request("POST", "/components/batch_process",
                    {"pageId": pid, "createUpdateComponents": [comp(pid, "x")]})
    check_error(r, 409)
    r = ctx.request("POST", "/pages/%s/recover" % pid)
    assert r.status == 200, r
    assert draft_tree(ctx, pid) == tree
    check_error(ctx.request("GET", "/pages/%s/components/draft" % missing), 404)


def test_component_limit(ctx):
    page = ctx.create_page()
    pid = page["id"]
    tree = batch(ctx, pid, [comp(pid, "c%04d" % i, position=i) for i in range(1100)])
    assert len(tree) == 1100
    r = ctx.request("POST", "/components/batch_process",
                    {"pageId": pid, "createUpdateComponents": [comp(pid, "one too many")]})
    check_error(r, 400)
    r = ctx.request("GET", "/pages/%s/components/draft/v2?first=100" % pid)
    assert r.status == 200 and r.json["totalCount"] == 1100, r


def walk(ctx, pid, direction, size):
    """All items of the draft v2 list, page by page."""
    seen, cursor, pages = [], None, 0
    while True:
        q = ("first=%d" % size) if direction == "f" else ("last=%d" % size)
        if cursor:
            q += ("&after=" if direction == "f" else "&before=") + cursor
        r = ctx.request("GET", "/pages/%s/components/draft/v2?%s" % (pid, q))
        assert r.status == 200, r
        pages += 1
        assert pages < 50, "no end to the list"
        items = r.json["components"]
        info = r.json["pageInfo"]
        assert set(info) >= {"hasNextPage", "endCursor", "hasPreviousPage", "startCursor"}, info
        if direction == "f":
            seen.extend(items)
            if not info["hasNextPage"]:
                return seen, r.json
            cursor = info["endCursor"]
        else:
            seen[:0] = items
            if not info["hasPreviousPage"]:
                return seen, r.json
            cursor = info["startCursor"]


def test_draft_list_v2_pagination(ctx):
    page = ctx.create_page()
    pid = page["id"]
    batch(ctx, pid, [comp(pid, "c%d" % i, position=i % 3) for i in range(7)])
    full = draft_tree(ctx, pid)
    fwd, last = walk(ctx, pid, "f", 3)
    assert last["totalCount"] == 7, last
    assert [c["id"] for c in fwd] == [c["id"] for c in full], (fwd, full)
    back, _ = walk(ctx, pid, "b", 3)
    assert [c["id"] for c in back] == [c["id"] for c in full], (back, full)
    # Default page size holds all seven.
    r = ctx.request("GET", "/pages/%s/components/draft/v2" % pid)
    assert r.status == 200 and len(r.json["components"]) == 7, r
    # Bad paging parameters and foreign cursors.
    other = ctx.create_page()
    batch(ctx, other["id"], [comp(other["id"], "o%d" % i) for i in range(3)])
    r = ctx.request("GET", "/pages/%s/components/draft/v2?first=1" % other["id"])
    foreign = r.json["pageInfo"]["endCursor"]
    r = ctx.request("GET", "/pages/%s/components/draft/v2?first=1" % pid)
    mine = r.json["pageInfo"]["endCursor"]
    forged = mine[:-2] + ("AA" if mine[-2:] != "AA" else "BB")
    for q in ("first=0", "first=101", "first=abc", "first=-1", "last=0", "first=2&last=2",
              "after=" + foreign, "after=" + forged, "after=not-a-cursor", "before=" + foreign,
              "first=1&first=2", "after=%s&before=%s" % (mine, mine)):
        check_error(ctx.request("GET", "/pages/%s/components/draft/v2?%s" % (pid, q)), 400)


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_uptime_from_status_history(ctx):
    """uptime% = 100 * (1 - (major + 0.3 * partial) / range), over the
    part of the range the component existed."""
    page, cid = live_component(ctx)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    d = lambda days: iso(now - datetime.timedelta(days=days))
    ctx.psql(
        "BEGIN;"
        "UPDATE components SET created_at = '{c}' WHERE id = '{id}';"
        "DELETE FROM component_status_history WHERE component_id = '{id}';"
        "INSERT INTO component_status_history (cloud_id, component_id, status, started_at, ended_at) VALUES"
        " ('{cloud}', '{id}', 'OPERATIONAL', '{c}', '{m}'),"
        " ('{cloud}', '{id}', 'MAJOR_OUTAGE', '{m}', '{p}'),"
        " ('{cloud}', '{id}', 'PARTIAL_OUTAGE', '{p}', '{o}'),"
        " ('{cloud}', '{id}', 'OPERATIONAL', '{o}', NULL);"
        "COMMIT;".format(c=d(10), m=d(3), p=d(2), o=d(1), id=cid, cloud=ctx.cloud))
    r = ctx.request("GET", "/components/%s/uptime_percentage?from=%s&to=%s" % (cid, d(10), iso(now)))
    assert r.status == 200, r
    assert set(r.json) >= {"componentId", "uptimePercentage", "from", "to"}, r.json
    assert r.json["componentId"] == cid
    assert abs(r.json["uptimePercentage"] - 87.0) < 0.05, r.json   # 1 + 0.3 days of 10 lost
    # A range before the component existed is clipped to its life.
    r = ctx.request("GET", "/components/%s/uptime_percentage?from=%s&to=%s" % (cid, d(20), iso(now)))
    assert r.status == 200 and abs(r.json["uptimePercentage"] - 87.0) < 0.05, r.json
    # Only the outage day: 0 %; only the partial day: 70 %.
    r = ctx.request("GET", "/components/%s/uptime_percentage?from=%s&to=%s" % (cid, d(3), d(2)))
    assert r.status == 200 and abs(r.json["uptimePercentage"] - 0) < 0.05, r.json
    r = ctx.request("GET", "/components/%s/uptime_percentage?from=%s&to=%s" % (cid, d(2), d(1)))
    assert r.status == 200 and abs(r.json["uptimePercentage"] - 70) < 0.05, r.json
    r = ctx.request("GET", "/components/%s/uptime?startDate=%s&endDate=%s" % (cid, d(10), iso(now)))
    assert r.status == 200, r
    assert r.json["id"] == cid and abs(r.json["componentUptimePercentage"] - 87.0) < 0.05, r.json
    # The page's uptime is the mean over its components (one here).
    r = ctx.request("GET", "/pages/%s/uptime_percentage?from=%s&to=%s" % (page["id"], d(10), iso(now)))
    assert r.status == 200, r
    assert set(r.json) >= {"pageId", "uptimePercentage", "from", "to"}, r.json
    assert abs(r.json["uptimePercentage"] - 87.0) < 0.05, r.json


def test_uptime_parameters(ctx):
    page, cid = live_component(ctx)
    ok = ["", "?from=2026-01-01", "?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z",
          "?to=2026-01-02"]
    bad = ["?from=yesterday", "?from=2026-13-01", "?from=2026-02-01&to=2026-01-01",
           "?from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "?from=1900-01-01",
           "?from=2000-01-01&to=2099-01-01", "?from=2026-01-01&from=2026-01-02",
           "?to=%00", "?from=2026-01-01T25:00:00Z"]
    paths = ["/pages/%s/uptime_percentage" % page["id"],
             "/components/%s/uptime_percentage" % cid]
    for p in paths:
        for q in ok:
            r = ctx.request("GET", p + q)
            assert r.status == 200, (p, q, r)
            assert 0 <= r.json["uptimePercentage"] <= 100, r.json
        for q in bad:
            check_error(ctx.request("GET", p + q), 400)
    for p in ("/pages/%s/components/uptime" % page["id"], "/components/%s/uptime" % cid,
              "/pages/%s/components/uptime/v2" % page["id"]):
        for q in bad[:4]:
            q = q.replace("from=", "startDate=").replace("to=", "endDate=")
            check_error(ctx.request("GET", p + q), 400)
    check_error(ctx.request("GET", "/components/%s/uptime" % uuid.uuid4()), 404)
    check_error(ctx.request("GET", "/components/not-a-uuid/uptime_percentage"), 404)
    check_error(ctx.request("GET", "/pages/%s/uptime_percentage" % uuid.uuid4()), 404)


def test_uptime_v2_list(ctx):
    page = ctx.create_page()
    pid = page["id"]
    batch(ctx, pid, [comp(pid, "Alpha api"), comp(pid, "Beta api", status="MAJOR_OUTAGE"),
                     comp(pid, "Gamma db"), comp(pid, "Delta db"), comp(pid, "Epsilon web")])
    assert ctx.request("POST", "/pages/draft/%s/publish" % pid).status == 200
    seen, cursor = [], None
    for _ in range(10):
        q = "first=2" + ("&after=" + cursor if cursor else "")
        r = ctx.request("GET", "/pages/%s/components/uptime/v2?%s" % (pid, q))
        assert r.status == 200, r
        assert r.json["totalCount"] == 5, r.json
        seen += [c["id"] for c in r.json["components"]]
        if not r.json["pageInfo"]["hasNextPage"]:
            break
        cursor = r.json["pageInfo"]["endCursor"]
    assert len(seen) == 5 and len(set(seen)) == 5, seen
    r = ctx.request("GET", "/pages/%s/components/uptime/v2?searchTerm=api" % pid)
    assert r.status == 200, r
    assert sorted(c["name"] for c in r.json["components"]) == ["Alpha api", "Beta api"], r.json
    r = ctx.request("GET", "/pages/%s/components/uptime/v2?statusFilter=MAJOR_OUTAGE" % pid)
    assert r.status == 200 and [c["name"] for c in r.json["components"]] == ["Beta api"], r.json
    check_error(ctx.request("GET", "/pages/%s/components/uptime/v2?statusFilter=ON_FIRE" % pid), 400)
    r = ctx.request("GET", "/pages/%s/components/uptime/v2?searchTerm=%%27%%20OR%%201%%3D1--" % pid)
    assert r.status == 200 and r.json["components"] == [], r
