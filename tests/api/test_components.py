"""Components: batch_process on the draft tree, draft lists (plain and
keyset-paginated both ways), publishing, uptime from the status history."""

import datetime
import json
import uuid

from client import check_error
from routecases import batch, comp, live_component

NESTED_KEYS = {"id", "name", "pageId", "serviceId", "status", "type", "description",
               "position", "components"}


def draft_tree(ctx, pid):
    r = ctx.request("GET", "/pages/%s/components/draft" % pid)
    assert r.status == 200, r
    return r.json["components"]


def flat(tree):
    out = []
    for c in tree:
        out.append(c)
        out.extend(flat(c.get("components") or []))
    return out


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
