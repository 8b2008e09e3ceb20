"""The page lifecycle of README "Decisions where the document is silent"
and DESIGN.md section 7 (endpoints 3-10, 19-24), walked through its table:
every action from every state, with the status, version, timestamps and
messages each one must leave; then the live and draft views, names and
subdomains, soft and permanent deletion, the archive and its purge, and
concurrent actions on one page; last, walks through drafts, publish,
discard, unpublish, soft delete and recover, permanent delete and
recover_deleted."""

import threading
import urllib.parse
import uuid
from client import check_error, full_page_body, parallel

STATES = ["DRAFT", "PUBLISHED", "UNPUBLISHED", "PUBLISHED_WITH_CHANGES",
          "UNPUBLISHED_WITH_CHANGES", "SOFT_DELETED"]
GONE = "gone"
D, P, U, PWC, UWC, SD = STATES


def q(s):
    return urllib.parse.quote(s, safe="")


def req(ctx, method, path, body=None, **kw):
    return ctx.request(method, path, body, **kw)


def ok(ctx, method, path, body=None, status=200, **kw):
    r = ctx.request(method, path, body, **kw)
    assert r.status == status, "%s %s: %r" % (method, path, r)
    return r.json


def live(ctx, pid, **kw):
    return ok(ctx, "GET", "/pages/" + pid, **kw)["page"]


def draft(ctx, pid, **kw):
    return ok(ctx, "GET", "/pages/draft/" + pid, **kw)["page"]


def make(ctx, state, **fields):
    """A page in state; returns its id. A SOFT_DELETED page was
    UNPUBLISHED_WITH_CHANGES before (so recover has something to restore)."""
    fields.setdefault("description", "live text")
    if state == D:
        return ok(ctx, "POST", "/pages/draft", ctx.new_page_body(**fields), status=201)["page"]["id"]
    pid = ok(ctx, "POST", "/pages", ctx.new_page_body(**fields), status=201)["page"]["id"]
    if state in (U, UWC, SD):
        ok(ctx, "POST", "/pages/%s/unpublish" % pid)
    if state in (PWC, UWC, SD):
        ok(ctx, "PUT", "/pages/draft/" + pid, {"page": {"description": "draft text"}})
    if state == SD:
        ok(ctx, "POST", "/pages/%s/soft_delete" % pid)
    return pid


ACTIONS = {
    "publish": ("POST", "/pages/draft/%s/publish", None),
    "discard": ("POST", "/pages/draft/%s/delete", None),
    "unpublish": ("POST", "/pages/%s/unpublish", None),
    "soft_delete": ("POST", "/pages/%s/soft_delete", None),
    "delete": ("POST", "/pages/%s/delete", {"deletedBy": "someone@example.com"}),
    "recover": ("POST", "/pages/%s/recover", None),
    "draft_put": ("PUT", "/pages/draft/%s", {"page": {"timezone": "Asia/Tokyo"}}),
    "put": ("PUT", "/pages/%s", {"page": {"timezone": "Asia/Tokyo"}}),
}

NO_DRAFT = "no draft"
DELETED = "deleted"
SOFT = (200, SD, 1, None)
# EXPECT[action][state] = (HTTP status, pageStatus after, version delta,
# refusal message fragment)
EXPECT = {
    "publish": {D: (200, P, 1, None), P: (409, P, 0, NO_DRAFT), U: (200, P, 1, None),
                PWC: (200, P, 1, None), UWC: (200, P, 1, None), SD: (409, SD, 0, DELETED)},
    "discard": {D: (200, GONE, 0, None), P: (409, P, 0, NO_DRAFT), U: (409, U, 0, NO_DRAFT),
                PWC: (200, P, 1, None), UWC: (200, U, 1, None), SD: (409, SD, 0, DELETED)},
    "unpublish": {D: (409, D, 0, "never published"), P: (200, U, 1, None), U: (200, U, 0, None),
                  PWC: (200, UWC, 1, None), UWC: (200, UWC, 0, None), SD: (409, SD, 0, DELETED)},
    "soft_delete": {D: SOFT, P: SOFT, U: SOFT, PWC: SOFT, UWC: SOFT, SD: (200, SD, 0, None)},
    "delete": {D: SOFT, P: SOFT, U: SOFT, PWC: SOFT, UWC: SOFT, SD: (200, SD, 0, None)},
    "recover": {D: (409, D, 0, "not deleted"), P: (409, P, 0, "not deleted"),
                U: (409, U, 0, "not deleted"), PWC: (409, PWC, 0, "not deleted"),
                UWC: (409, UWC, 0, "not deleted"), SD: (200, UWC, 1, None)},
    "draft_put": {D: (200, D, 1, None), P: (200, PWC, 1, None), U: (200, UWC, 1, None),
                  PWC: (200, PWC, 1, None), UWC: (200, UWC, 1, None), SD: (409, SD, 0, DELETED)},
    "put": {D: (200, D, 1, None), P: (200, P, 1, None), U: (200, U, 1, None),
            PWC: (200, PWC, 1, None), UWC: (200, UWC, 1, None), SD: (409, SD, 0, DELETED)},
}


def deleted_by(ctx, pid):
    return ctx.psql("SELECT coalesce(deleted_by, '<null>') FROM pages WHERE id = '%s'" % pid)


def check_transition(ctx, action, state):
    """Runs action on a fresh page in state; returns a list of problems."""
    code, after, dv, msg = EXPECT[action][state]
    pid = make(ctx, state)
    before_live, before_draft = live(ctx, pid), draft(ctx, pid)
    method, path, body = ACTIONS[action]
    r = req(ctx, method, path % pid, body)
    where = "%s on %s" % (action, state)
    problems = []
    if r.status != code:
        return ["%s: HTTP %d, expected %d: %r" % (where, r.status, code, r)]
    if code == 409:
        err = check_error(r, 409)
        if msg not in err["error"]:
            problems.append("%s: message %r lacks %r" % (where, err["error"], msg))
    if after == GONE:
        for p in ("/pages/%s", "/pages/draft/%s", "/pages/%s/summary"):
            if req(ctx, "GET", p % pid).status != 404:
                problems.append("%s: %s still answers" % (where, p % pid))
        return problems
    now_live, now_draft = live(ctx, pid), draft(ctx, pid)
    if code == 409 and (now_live, now_draft) != (before_live, before_draft):
        problems.append("%s: refused but the page changed" % where)
    if now_live["pageStatus"] != after:
        problems.append("%s: pageStatus %s, expected %s" % (where, now_live["pageStatus"], after))
    if now_draft["pageStatus"] != now_live["pageStatus"] or now_draft["version"] != now_live["version"]:
        problems.append("%s: live and draft views disagree on status/version" % where)
    if now_live["version"] != before_live["version"] + dv:
        problems.append("%s: version %d -> %d, expected +%d" % (
            where, before_live["version"], now_live["version"], dv))
    if code == 200 and r.json is not None:
        if "page" in r.json:
            shown = now_draft if action == "draft_put" else now_live
            if r.json["page"] != shown:
                problems.append("%s: answer differs from a later GET" % where)
        elif r.json.get("success") is not True or not isinstance(r.json.get("message"), str):
            problems.append("%s: mutation answer %r" % (where, r.json))
    # Timestamps.
    if after == SD:
        if not now_live.get("deletedAt"):
            problems.append("%s: no deletedAt" % where)
        if state == SD and now_live.get("deletedAt") != before_live.get("deletedAt"):
            problems.append("%s: deletedAt moved on a repeated delete" % where)
        if state != SD:
            want = body["deletedBy"] if body else ctx.email
            if deleted_by(ctx, pid) != want:
                problems.append("%s: deleted_by %r, expected %r" % (where, deleted_by(ctx, pid), want))
    elif now_live.get("deletedAt") is not None:
        problems.append("%s: deletedAt %r on a page that is not deleted" % (where, now_live.get("deletedAt")))
    if after in (U, UWC):
        if not now_live.get("unpublishedAt"):
            problems.append("%s: no unpublishedAt" % where)
        if state in (U, UWC, SD) and now_live.get("unpublishedAt") != before_live.get("unpublishedAt"):
            problems.append("%s: unpublishedAt moved (%r -> %r)" % (
                where, before_live.get("unpublishedAt"), now_live.get("unpublishedAt")))
    elif after in (P, PWC, D) and now_live.get("unpublishedAt") is not None:
        problems.append("%s: unpublishedAt %r on a live page" % (where, now_live["unpublishedAt"]))
    # Content: which version holds the draft text afterwards.
    had_draft = state in (PWC, UWC)
    if code == 200 and action == "publish" and had_draft and now_live["description"] != "draft text":
        problems.append("%s: the draft did not become live" % where)
    if code == 200 and action == "discard" and (now_live["description"], now_draft["description"]) \
            != ("live text", "live text"):
        problems.append("%s: the draft was not discarded" % where)
    if code == 200 and action == "draft_put":
        if now_draft["timezone"] != "Asia/Tokyo":
            problems.append("%s: the draft was not changed" % where)
        if state != D and now_live["timezone"] == "Asia/Tokyo":
            problems.append("%s: a draft edit changed the live version" % where)
        if had_draft and now_draft["description"] != "draft text":
            problems.append("%s: the earlier draft edit was lost" % where)
    if code == 200 and action == "put":
        if now_live["timezone"] != "Asia/Tokyo":
            problems.append("%s: the live version was not changed" % where)
        if had_draft and now_draft["description"] != "draft text":
            problems.append("%s: a live edit dropped the draft" % where)
    # (The draft view of a soft-deleted page: test_soft_deleted_keeps_its_draft.)
    if code == 200 and action in ("unpublish", "soft_delete", "delete", "recover"):
        if now_live["description"] != before_live["description"]:
            problems.append("%s: changed the live content" % where)
        if SD not in (state, after) and now_draft["description"] != before_draft["description"]:
            problems.append("%s: changed the draft content" % where)
        if action == "recover" and now_draft["description"] != "draft text":
            problems.append("%s: the draft did not come back" % where)
    return problems


def run_table(ctx, actions):
    problems = []
    for action in actions:
        for state in STATES:
            problems += check_transition(ctx, action, state)
    assert not problems, "\n  " + "\n  ".join(problems)


def test_lifecycle_table_publish_discard_unpublish(ctx):
    run_table(ctx, ["publish", "discard", "unpublish"])


def test_lifecycle_table_delete_and_recover(ctx):
    run_table(ctx, ["soft_delete", "delete", "recover"])


def test_recover_restores_each_status(ctx):
    for state in STATES[:-1]:
        pid = make(ctx, state)
        before = live(ctx, pid)
        ok(ctx, "POST", "/pages/%s/soft_delete" % pid)
        rec = ok(ctx, "POST", "/pages/%s/recover" % pid)["page"]
        assert rec["pageStatus"] == state and rec["version"] == before["version"] + 2, (state, rec)
        assert rec.get("unpublishedAt") == before.get("unpublishedAt") and "deletedAt" not in rec, rec
        assert draft(ctx, pid)["description"] == ("draft text" if state in (PWC, UWC) else "live text")


def test_lifecycle_table_edits(ctx):
    run_table(ctx, ["draft_put", "put"])


def test_lifecycle_walk_through_every_status(ctx):
    """One page through the whole table, version + 1 on each change."""
    pid = make(ctx, D)
    steps = [
        ("PUT", "/pages/draft/%s", {"page": {"description": "v2"}}, D, 1),
        ("POST", "/pages/draft/%s/publish", None, P, 1),
        ("PUT", "/pages/draft/%s", {"page": {"description": "v3"}}, PWC, 1),
        ("POST", "/pages/%s/unpublish", None, UWC, 1),
        ("POST", "/pages/draft/%s/delete", None, U, 1),
        ("PUT", "/pages/draft/%s", {"page": {"description": "v4"}}, UWC, 1),
        ("POST", "/pages/%s/soft_delete", None, SD, 1),
        ("POST", "/pages/%s/recover", None, UWC, 1),
        ("POST", "/pages/draft/%s/publish", None, P, 1),
        ("POST", "/pages/%s/unpublish", None, U, 1),
        ("POST", "/pages/draft/%s/publish", None, P, 1),
        ("PUT", "/pages/%s", {"page": {"description": "v5"}}, P, 1),
        ("POST", "/pages/%s/delete", None, SD, 1),
        ("POST", "/pages/%s/recover", None, P, 1),
    ]
    version = live(ctx, pid)["version"]
    for method, path, body, status, dv in steps:
        ok(ctx, method, path % pid, body)
        cur = live(ctx, pid)
        assert cur["pageStatus"] == status, (method, path, cur["pageStatus"], status)
        assert cur["version"] == version + dv, (method, path, cur["version"], version)
        version = cur["version"]
    assert live(ctx, pid)["description"] == "v5"


def test_live_and_draft_views(ctx):
    pid = make(ctx, P, pageType="PUBLIC",
               seoConfig={"enabled": True, "title": "live title", "description": "x", "keywords": "k"})
    base = live(ctx, pid)
    assert draft(ctx, pid) == base
    new_name, new_sub = ctx.uniq("Draft Name"), ctx.uniq("draft-sub")
    d = ok(ctx, "PUT", "/pages/draft/" + pid, {"page": {
        "name": new_name, "subdomain": new_sub, "pageType": "PRIVATE", "description": "draft text",
        "seoConfig": {"title": "draft title"}}})["page"]
    assert d == draft(ctx, pid)
    cur = live(ctx, pid)
    # The live version keeps every field; the draft has its own.
    for k in ("name", "subdomain", "pageType", "description", "url", "seoConfig",
              "customDomainConfig", "timezone"):
        assert cur[k] == base[k], (k, cur[k], base[k])
    assert (d["name"], d["subdomain"], d["pageType"], d["description"]) == \
        (new_name, new_sub, "PRIVATE", "draft text"), d
    assert d["seoConfig"] == dict(base["seoConfig"], title="draft title"), d["seoConfig"]
    assert d["url"].startswith("https://%s." % new_sub), d["url"]
    assert d["customDomainConfig"] == base["customDomainConfig"]
    # One id, one status and version for both.
    for k in ("id", "pageStatus", "version", "createdAt", "createdBy", "cloudId"):
        assert d[k] == cur[k], k
    # Names: the live name finds the live version, the draft's the draft.
    assert ok(ctx, "GET", "/pages/by_name/" + q(base["name"]))["page"] == cur
    assert ok(ctx, "GET", "/pages/by_name/" + q(base["name"].upper()))["page"] == cur
    assert ok(ctx, "GET", "/pages/draft/by_name/" + q(new_name))["page"] == d
    assert ok(ctx, "GET", "/pages/draft/by_name/" + q(new_name.lower()))["page"] == d
    check_error(req(ctx, "GET", "/pages/by_name/" + q(new_name)), 404)
    check_error(req(ctx, "GET", "/pages/draft/by_name/" + q(base["name"])), 404)
    # Components: the draft version lists the draft tree, the live one the live tree.
    r = req(ctx, "POST", "/components/batch_process",
            {"pageId": pid, "createUpdateComponents": [{"pageId": pid, "type": "COMPONENT", "name": "c"}]})
    assert r.status == 200, r
    cid = r.json[0]["id"]
    assert live(ctx, pid)["components"] == [] and draft(ctx, pid)["components"] == [cid]
    pub = ok(ctx, "POST", "/pages/draft/%s/publish" % pid)["page"]
    assert (pub["name"], pub["subdomain"], pub["pageType"], pub["components"]) == \
        (new_name, new_sub, "PRIVATE", [cid]), pub
    assert pub == live(ctx, pid) == draft(ctx, pid)
    # The old name and subdomain are free now.
    check_error(req(ctx, "GET", "/pages/by_name/" + q(base["name"])), 404)
    other = ctx.create_page(name=base["name"], subdomain=base["subdomain"])
    assert other["id"] != pid
    # A never-published page: both views are the same single version.
    did = make(ctx, D)
    r = req(ctx, "POST", "/components/batch_process",
            {"pageId": did, "createUpdateComponents": [{"pageId": did, "type": "COMPONENT", "name": "c"}]})
    assert r.status == 200, r
    dcid = r.json[0]["id"]
    assert live(ctx, did) == draft(ctx, did) and live(ctx, did)["components"] == [dcid]
    assert ok(ctx, "GET", "/pages/draft/by_name/" + q(live(ctx, did)["name"]))["page"] == live(ctx, did)
    assert ok(ctx, "GET", "/pages/by_name/" + q(live(ctx, did)["name"]))["page"] == live(ctx, did)
    pub = ok(ctx, "POST", "/pages/draft/%s/publish" % did)["page"]
    assert pub["components"] == [dcid] and pub["pageStatus"] == P
    assert ok(ctx, "GET", "/components/%s/uptime" % dcid)["componentUptimePercentage"] == 100


def test_live_edit_while_a_draft_is_pending_survives_publish(ctx):
    """PUT /pages/{id} answers 200 while a draft is pending; publishing the
    draft must not silently undo that acknowledged change to a field the
    draft never touched (DESIGN.md section 7: "never a lost update")."""
    pid = make(ctx, P)
    ok(ctx, "PUT", "/pages/draft/" + pid, {"page": {"timezone": "Asia/Tokyo"}})
    got = ok(ctx, "PUT", "/pages/" + pid, {"page": {"description": "edited live"}})["page"]
    assert got["description"] == "edited live" and got["pageStatus"] == PWC, got
    pub = ok(ctx, "POST", "/pages/draft/%s/publish" % pid)["page"]
    assert pub["timezone"] == "Asia/Tokyo", pub["timezone"]
    assert pub["description"] == "edited live", \
        "publishing the draft reverted an acknowledged live edit: description %r" % pub["description"]


def test_draft_name_and_subdomain_clashes_409(ctx):
    a = ctx.create_page(name=ctx.uniq("Clash A"))
    b = ctx.create_page()
    oc, oe, ot = ctx.other_cloud()
    far = ok(ctx, "POST", "/pages", ctx.new_page_body(), status=201, cloud=oc, auth=(oe, ot))["page"]
    soft = ctx.create_page()
    ok(ctx, "POST", "/pages/%s/soft_delete" % soft["id"])
    never = make(ctx, D)
    never_doc = live(ctx, never)
    for target, fields in (
            (b["id"], {"name": a["name"]}), (b["id"], {"name": a["name"].swapcase()}),
            (b["id"], {"subdomain": a["subdomain"]}), (b["id"], {"subdomain": far["subdomain"]}),
            (b["id"], {"name": soft["name"]}), (b["id"], {"subdomain": soft["subdomain"]}),
            (b["id"], {"name": never_doc["name"]}),
            (never, {"name": a["name"]}), (never, {"subdomain": a["subdomain"]}),
            (never, {"subdomain": far["subdomain"]})):
        before = (live(ctx, target), draft(ctx, target))
        r = req(ctx, "PUT", "/pages/draft/" + target, {"page": fields})
        check_error(r, 409)
        assert (live(ctx, target), draft(ctx, target)) == before, (target, fields)
    assert live(ctx, b["id"])["pageStatus"] == P
    # Another cloud's name is no clash; a page's own name neither.
    ok(ctx, "PUT", "/pages/draft/" + b["id"], {"page": {"name": far["name"]}})
    ok(ctx, "PUT", "/pages/draft/" + b["id"], {"page": {"name": b["name"], "subdomain": b["subdomain"]}})
    ok(ctx, "PUT", "/pages/draft/" + never, {"page": {"name": never_doc["name"].upper()}})
    # A permanently deleted page's name and subdomain are free.
    gone = ctx.create_page()
    ok(ctx, "POST", "/pages/%s/permanent_delete" % gone["id"])
    d = ok(ctx, "PUT", "/pages/draft/" + b["id"],
           {"page": {"name": gone["name"], "subdomain": gone["subdomain"]}})["page"]
    assert (d["name"], d["subdomain"]) == (gone["name"], gone["subdomain"])


def test_two_drafts_with_one_name(ctx):
    """Two drafts may not both end up live with one name: the second
    publish (or the second draft) is refused, and a refused publish leaves
    the page, its draft and its components as they were."""
    name = ctx.uniq("Shared Draft Name")
    a = ctx.create_page()
    b = ctx.create_page()
    ok(ctx, "PUT", "/pages/draft/" + a["id"], {"page": {"name": name}})
    r = req(ctx, "PUT", "/pages/draft/" + b["id"], {"page": {"name": name.upper(), "description": "b"}})
    if r.status == 409:
        check_error(r, 409)
        return
    assert r.status == 200, r
    r = req(ctx, "POST", "/components/batch_process",
            {"pageId": b["id"], "createUpdateComponents": [{"pageId": b["id"], "type": "COMPONENT", "name": "c"}]})
    assert r.status == 200, r
    ok(ctx, "POST", "/pages/draft/%s/publish" % a["id"])
    before = (live(ctx, b["id"]), draft(ctx, b["id"]))
    check_error(req(ctx, "POST", "/pages/draft/%s/publish" % b["id"]), 409)
    assert (live(ctx, b["id"]), draft(ctx, b["id"])) == before
    assert before[0]["components"] == [] and len(before[1]["components"]) == 1
    n = ctx.psql("SELECT count(*) FROM components WHERE page_id = '%s'" % b["id"])
    assert n == "0", n


def test_soft_deleted_keeps_its_draft(ctx):
    """GET /pages/draft/{id} shows the draft version whenever there is one
    (DESIGN.md section 7); a soft-deleted page keeps its draft (recover
    brings it back), so its draft view shows it too."""
    for state in (PWC, UWC):
        pid = make(ctx, state)
        assert draft(ctx, pid)["description"] == "draft text"
        ok(ctx, "POST", "/pages/%s/soft_delete" % pid)
        assert live(ctx, pid)["description"] == "live text"
        d = draft(ctx, pid)
        assert d["pageStatus"] == SD
        assert d["description"] == "draft text", \
            "GET /pages/draft/{id} of a soft-deleted %s page shows %r, not its draft" % (
                state, d["description"])


def test_soft_deleted_hidden_but_reserved(ctx):
    oc, oe, ot = ctx.other_cloud()
    pid = make(ctx, PWC, name=ctx.uniq("Soft Page"))
    page = live(ctx, pid)
    d = draft(ctx, pid)
    r = req(ctx, "POST", "/components/batch_process",
            {"pageId": pid, "createUpdateComponents": [{"pageId": pid, "type": "COMPONENT", "name": "c"}]})
    assert r.status == 200, r
    d = draft(ctx, pid)
    ok(ctx, "POST", "/pages/%s/soft_delete" % pid, {"deletedBy": "auditor"})
    # Readable by id (both views), and its summary.
    cur = live(ctx, pid)
    assert cur["pageStatus"] == SD and cur["deletedAt"], cur
    assert draft(ctx, pid)["id"] == pid
    ok(ctx, "GET", "/pages/%s/summary" % pid)
    # Hidden from names and lists.
    check_error(req(ctx, "GET", "/pages/by_name/" + q(page["name"])), 404)
    check_error(req(ctx, "GET", "/pages/draft/by_name/" + q(page["name"])), 404)
    for f in ("", "?filter=ALL", "?filter=DRAFT", "?filter=PUBLISHED"):
        ids = [x["id"] for x in ok(ctx, "GET", "/pages/summary" + f)["pages"]]
        assert pid not in ids, f
    after = None
    for _ in range(100):
        got = ok(ctx, "GET", "/pages/summary/v2?first=100" + ("&after=" + q(after) if after else ""))
        assert pid not in [x["id"] for x in got["pages"]]
        if not got["pageInfo"]["hasNextPage"]:
            break
        after = got["pageInfo"]["endCursor"]
    # Name and subdomain stay reserved.
    assert ok(ctx, "GET", "/pages/validate/name/" + q(page["name"]))["valid"] is False
    assert ok(ctx, "GET", "/pages/subdomain/validate/" + page["subdomain"])["valid"] is False
    check_error(req(ctx, "POST", "/pages", ctx.new_page_body(name=page["name"])), 409)
    check_error(req(ctx, "POST", "/pages/draft", ctx.new_page_body(name=page["name"].lower())), 409)
    check_error(req(ctx, "POST", "/pages", ctx.new_page_body(subdomain=page["subdomain"]),
                    cloud=oc, auth=(oe, ot)), 409)
    other = ctx.create_page()
    check_error(req(ctx, "PUT", "/pages/" + other["id"], {"page": {"name": page["name"]}}), 409)
    # Recover brings back the status, the draft and its components.
    rec = ok(ctx, "POST", "/pages/%s/recover" % pid)["page"]
    assert rec["pageStatus"] == PWC and "deletedAt" not in rec, rec
    assert deleted_by(ctx, pid) == "<null>"
    assert draft(ctx, pid) == dict(d, version=rec["version"], updatedAt=draft(ctx, pid)["updatedAt"])
    assert ok(ctx, "GET", "/pages/by_name/" + q(page["name"]))["page"]["id"] == pid
    assert pid in [x["id"] for x in ok(ctx, "GET", "/pages/summary?filter=DRAFT")["pages"]]


def expect_gone(ctx, pid, name):
    problems = []
    for m, p, b in (("GET", "/pages/%s" % pid, None), ("GET", "/pages/draft/%s" % pid, None),
                    ("GET", "/pages/%s/summary" % pid, None),
                    ("GET", "/pages/%s/uptime_percentage" % pid, None),
                    ("GET", "/pages/%s/components/draft" % pid, None),
                    ("GET", "/pages/%s/components/uptime" % pid, None),
                    ("PUT", "/pages/%s" % pid, {"page": {"description": "x"}}),
                    ("PUT", "/pages/draft/%s" % pid, {"page": {"description": "x"}}),
                    ("POST", "/pages/draft/%s/publish" % pid, None),
                    ("POST", "/pages/draft/%s/delete" % pid, None),
                    ("POST", "/pages/%s/unpublish" % pid, None),
                    ("POST", "/pages/%s/soft_delete" % pid, None),
                    ("POST", "/pages/%s/delete" % pid, None),
                    ("POST", "/pages/%s/recover" % pid, None),
                    ("POST", "/pages/%s/permanent_delete" % pid, None),
                    ("POST", "/pages/%s/delete_permanently" % pid, None),
                    ("POST", "/components/batch_process", {"pageId": pid, "createUpdateComponents": []}),
                    ("GET", "/pages/by_name/" + q(name), None),
                    ("GET", "/pages/draft/by_name/" + q(name), None)):
        r = req(ctx, m, p, b)
        if r.status != 404:
            problems.append("%s %s -> %d" % (m, p, r.status))
    assert not problems, problems
    for f in ("", "?filter=DRAFT"):
        assert pid not in [x["id"] for x in ok(ctx, "GET", "/pages/summary" + f)["pages"]]


def test_permanent_delete_and_recover_deleted_whole(ctx):
    for alias, state in (("permanent_delete", PWC), ("delete_permanently", SD), ("permanent_delete", D)):
        pid = make(ctx, state, name=ctx.uniq("Perm"))
        if state != SD:
            r = req(ctx, "POST", "/components/batch_process", {"pageId": pid, "createUpdateComponents": [
                {"pageId": pid, "type": "GROUP_COMPONENT", "name": "g",
                 "components": [{"pageId": pid, "type": "COMPONENT", "name": "c"}]}]})
            assert r.status == 200, r
        before_live, before_draft = live(ctx, pid), draft(ctx, pid)
        tree = ok(ctx, "GET", "/pages/%s/components/draft" % pid)
        body = {"deletedBy": "remover"} if alias == "permanent_delete" else None
        got = ok(ctx, "POST", "/pages/%s/%s" % (pid, alias), body)
        assert got["success"] is True and isinstance(got["message"], str), got
        who = ctx.psql("SELECT archived_by FROM pages WHERE id = '%s'" % pid)
        assert who == ("remover" if body else ctx.email), who
        expect_gone(ctx, pid, before_live["name"])
        # Name and subdomain are free: another page takes them...
        assert ok(ctx, "GET", "/pages/validate/name/" + q(before_live["name"]))["valid"] is True
        assert ok(ctx, "GET", "/pages/subdomain/validate/" + before_live["subdomain"])["valid"] is True
        taker = ctx.create_page(name=before_live["name"], subdomain=before_live["subdomain"])
        # ...so the page cannot come back while they are taken.
        check_error(req(ctx, "POST", "/pages/%s/recover_deleted" % pid), 409)
        expect_gone(ctx, pid, ctx.uniq("no such name"))
        ok(ctx, "POST", "/pages/%s/permanent_delete" % taker["id"])
        # Then it comes back whole: status, both versions, components.
        got = ok(ctx, "POST", "/pages/%s/recover_deleted" % pid)
        assert got["success"] is True, got
        after_live, after_draft = live(ctx, pid), draft(ctx, pid)
        for a, b in ((after_live, before_live), (after_draft, before_draft)):
            assert dict(a, updatedAt=None) == dict(b, updatedAt=None), (a, b)
        assert ok(ctx, "GET", "/pages/%s/components/draft" % pid) == tree
        assert ok(ctx, "GET", "/pages/by_name/" + q(before_live["name"]))["page"]["id"] == pid \
            if state != SD else True
        # Not deleted any more: 409.
        err = check_error(req(ctx, "POST", "/pages/%s/recover_deleted" % pid), 409)
        assert "not" in err["error"], err


def test_recover_deleted_refusals(ctx):
    oc, oe, ot = ctx.other_cloud()
    # Name taken meanwhile (case-insensitively) in this cloud.
    a = ctx.create_page(name=ctx.uniq("Taken Meanwhile"))
    ok(ctx, "POST", "/pages/%s/delete_permanently" % a["id"])
    t = ctx.create_page(name=a["name"].upper())
    err = check_error(req(ctx, "POST", "/pages/%s/recover_deleted" % a["id"]), 409)
    check_error(req(ctx, "GET", "/pages/" + a["id"]), 404)
    # Subdomain taken meanwhile in another cloud.
    b = ctx.create_page()
    ok(ctx, "POST", "/pages/%s/permanent_delete" % b["id"])
    ok(ctx, "POST", "/pages", ctx.new_page_body(subdomain=b["subdomain"]), status=201, cloud=oc, auth=(oe, ot))
    check_error(req(ctx, "POST", "/pages/%s/recover_deleted" % b["id"]), 409)
    check_error(req(ctx, "GET", "/pages/" + b["id"]), 404)
    # Name taken by a page that is only soft-deleted: still taken.
    c = ctx.create_page()
    ok(ctx, "POST", "/pages/%s/permanent_delete" % c["id"])
    c2 = ctx.create_page(name=c["name"])
    ok(ctx, "POST", "/pages/%s/soft_delete" % c2["id"])
    check_error(req(ctx, "POST", "/pages/%s/recover_deleted" % c["id"]), 409)
    # Never deleted, or only soft-deleted: 409; unknown or malformed: 404.
    n = ctx.create_page()
    check_error(req(ctx, "POST", "/pages/%s/recover_deleted" % n["id"]), 409)
    assert live(ctx, n["id"]) == n
    s = make(ctx, SD)
    check_error(req(ctx, "POST", "/pages/%s/recover_deleted" % s), 409)
    assert live(ctx, s)["pageStatus"] == SD
    for bad in (str(uuid.uuid4()), "not-a-uuid"):
        check_error(req(ctx, "POST", "/pages/%s/recover_deleted" % bad), 404)
    # Another cloud's archived page: 404 here, 200 there.
    far = ok(ctx, "POST", "/pages", ctx.new_page_body(), status=201, cloud=oc, auth=(oe, ot))["page"]
    ok(ctx, "POST", "/pages/%s/permanent_delete" % far["id"], cloud=oc, auth=(oe, ot))
    check_error(req(ctx, "POST", "/pages/%s/recover_deleted" % far["id"]), 404)
    ok(ctx, "POST", "/pages/%s/recover_deleted" % far["id"], cloud=oc, auth=(oe, ot))
    # Deleting an archived page again: 404.
    check_error(req(ctx, "POST", "/pages/%s/permanent_delete" % a["id"]), 404)
    check_error(req(ctx, "POST", "/pages/%s/delete_permanently" % str(uuid.uuid4())), 404)


def test_purge_after_retention_window(ctx):
    old = make(ctx, PWC)
    r = req(ctx, "POST", "/components/batch_process", {"pageId": old, "createUpdateComponents": [
        {"pageId": old, "type": "COMPONENT", "name": "c"}]})
    assert r.status == 200, r
    ok(ctx, "POST", "/pages/draft/%s/publish" % old)
    recent = make(ctx, P)
    soft = make(ctx, SD)
    for pid in (old, recent):
        ok(ctx, "POST", "/pages/%s/permanent_delete" % pid)
    ctx.psql("UPDATE pages SET archived_at = now() - interval '31 days' WHERE id = '%s'" % old)
    ctx.psql("UPDATE pages SET archived_at = now() - interval '29 days' WHERE id = '%s'" % recent)
    # Soft deletion is not archiving: an old soft delete is never purged.
    ctx.psql("UPDATE pages SET deleted_at = now() - interval '400 days' WHERE id = '%s'" % soft)
    # Past the window it cannot be recovered, even before the purge ran.
    check_error(req(ctx, "POST", "/pages/%s/recover_deleted" % old), 404)
    p = ctx.statusctl("purge")
    assert p.returncode == 0, p
    count = lambda table, col, pid: ctx.psql("SELECT count(*) FROM %s WHERE %s = '%s'" % (table, col, pid))
    assert count("pages", "id", old) == "0"
    assert count("page_drafts", "page_id", old) == "0"
    assert count("component_drafts", "page_id", old) == "0"
    assert count("components", "page_id", old) == "0"
    check_error(req(ctx, "POST", "/pages/%s/recover_deleted" % old), 404)
    assert count("pages", "id", recent) == "1" and count("pages", "id", soft) == "1"
    ok(ctx, "POST", "/pages/%s/recover_deleted" % recent)
    assert live(ctx, recent)["pageStatus"] == P
    assert live(ctx, soft)["pageStatus"] == SD
    # Purging again finds nothing of ours.
    ctx.statusctl("purge")
    assert count("pages", "id", recent) == "1"


def test_concurrent_lifecycle_actions(ctx):
    """~20 concurrent publish / draft PUT / soft_delete / discard calls on
    one page: no 5xx, and the end state is one some serial order of the
    successful calls gives."""
    for round_ in range(4):
        pid = make(ctx, P)
        start = live(ctx, pid)["version"]
        calls = []
        for i in range(20):
            kind = ["publish", "draft_put", "discard", "draft_put", "publish", "discard",
                    "draft_put", "soft_delete"][i % 8]
            if round_ == 0 and kind == "soft_delete":
                kind = "draft_put"  # one round without deletes
            if round_ == 3 and i % 4 == 3:
                kind = ["recover", "soft_delete"][i % 8 // 4]
            calls.append(kind)
        barrier = threading.Barrier(len(calls))
        results = [None] * len(calls)

        def run(i):
            method, path, _ = ACTIONS[calls[i]]
            body = {"page": {"description": "edit %d" % i}} if calls[i] == "draft_put" else None
            barrier.wait(timeout=10)
            results[i] = req(ctx, method, path % pid, body)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert all(r is not None for r in results), "a call did not finish"
        bad = [(calls[i], r) for i, r in enumerate(results) if r.status not in (200, 409)]
        assert not bad, bad
        for r in results:
            if r.status == 409:
                check_error(r, 409)
        won = [calls[i] for i, r in enumerate(results) if r.status == 200]
        end = live(ctx, pid)
        deleted = end["pageStatus"] == SD
        recovered = won.count("recover")
        assert not deleted or "soft_delete" in won, (end["pageStatus"], won)
        assert deleted or "soft_delete" not in won or recovered > 0, (end["pageStatus"], won)
        assert recovered <= won.count("soft_delete"), won
        # Soft deletes alternate with recovers: each recover undid one, and
        # the page is deleted at the end or not. Repeated ones change nothing.
        changes = sum(1 for k in won if k != "soft_delete") + recovered + (1 if deleted else 0)
        assert end["version"] == start + changes, (end["version"], start, won)
        # Versions handed out by the calls that answer with the page are
        # distinct and within the range.
        seen = [r.json["page"]["version"] for i, r in enumerate(results)
                if r.status == 200 and calls[i] in ("publish", "draft_put")]
        assert len(seen) == len(set(seen)), sorted(seen)
        assert all(start < v <= end["version"] for v in seen), (seen, end["version"])
        # The last successful change decides whether a draft is pending.
        if deleted:
            assert ctx.psql("SELECT status_before_delete FROM pages WHERE id = '%s'" % pid) in (P, PWC)
            continue
        has_draft = ctx.psql("SELECT count(*) FROM page_drafts WHERE page_id = '%s'" % pid) == "1"
        assert end["pageStatus"] == (PWC if has_draft else P), (end["pageStatus"], has_draft)
        d = draft(ctx, pid)
        if has_draft:
            assert d["description"].startswith("edit "), d["description"]
        else:
            assert d == end


def get(ctx, pid, draft=False):
    r = ctx.request("GET", ("/pages/draft/" if draft else "/pages/") + pid)
    assert r.status == 200, r
    return r.json["page"]


def post(ctx, path, body=None, status=200, **kw):
    r = ctx.request("POST", path, body, **kw)
    assert r.status == status, "POST %s: %r" % (path, r)
    return r


def create_draft(ctx, **fields):
    r = ctx.request("POST", "/pages/draft", ctx.new_page_body(**fields))
    assert r.status == 201, r
    return r.json["page"]


def mutation_ok(r):
    assert r.json.get("success") is True and isinstance(r.json.get("message"), str), r
    return r


def test_create_draft(ctx):
    body = full_page_body(ctx)
    r = ctx.request("POST", "/pages/draft", body)
    assert r.status == 201, r
    page = r.json["page"]
    assert page["pageStatus"] == "DRAFT" and page["version"] == 1, page
    for k, v in body["page"].items():
        assert page[k] == v, (k, page[k], v)
    # A never-published page shows its draft everywhere.
    assert get(ctx, page["id"]) == page
    assert get(ctx, page["id"], draft=True) == page
    r = ctx.request("GET", "/pages/draft/by_name/" + q(page["name"]))
    assert r.status == 200 and r.json["page"] == page, r
    # Its name and subdomain are taken.
    check_error(ctx.request("POST", "/pages", ctx.new_page_body(name=page["name"])), 409)
    check_error(ctx.request("POST", "/pages", ctx.new_page_body(subdomain=page["subdomain"])), 409)
    check_error(ctx.request("POST", "/pages/draft", ctx.new_page_body(name=page["name"].upper())), 409)


def test_draft_put_on_draft_page_changes_it_in_place(ctx):
    page = create_draft(ctx)
    r = ctx.request("PUT", "/pages/draft/" + page["id"], {"page": {"description": "edited"}})
    assert r.status == 200, r
    after = r.json["page"]
    assert after["pageStatus"] == "DRAFT" and after["description"] == "edited"
    assert after["version"] == 2, after["version"]
    assert get(ctx, page["id"]) == after
    # Stale version: 409, nothing changes.
    r = ctx.request("PUT", "/pages/draft/" + page["id"], {"page": {"description": "x", "version": 1}})
    check_error(r, 409)
    assert get(ctx, page["id"]) == after


def test_publish_draft_page(ctx):
    page = create_draft(ctx, description="first version")
    r = post(ctx, "/pages/draft/%s/publish" % page["id"])
    pub = r.json["page"]
    assert pub["pageStatus"] == "PUBLISHED", pub
    assert pub["version"] == page["version"] + 1, pub
    assert pub["description"] == "first version"
    assert get(ctx, page["id"]) == pub
    assert get(ctx, page["id"], draft=True) == pub
    # Nothing left to publish.
    check_error(ctx.request("POST", "/pages/draft/%s/publish" % page["id"]), 409)
    assert get(ctx, page["id"]) == pub


def test_draft_of_published_page(ctx):
    live = ctx.create_page(description="live text")
    new_name = ctx.uniq("Draft name")
    r = ctx.request("PUT", "/pages/draft/" + live["id"],
                    {"page": {"description": "draft text", "name": new_name,
                              "seoConfig": {"title": "draft title"}}})
    assert r.status == 200, r
    draft = r.json["page"]
    assert draft["pageStatus"] == "PUBLISHED_WITH_CHANGES", draft["pageStatus"]
    assert draft["description"] == "draft text" and draft["name"] == new_name
    assert draft["seoConfig"]["title"] == "draft title"
    assert draft["seoConfig"]["enabled"] == live["seoConfig"]["enabled"]
    # The live version is unchanged (but for its status and version).
    cur = get(ctx, live["id"])
    assert cur["description"] == "live text" and cur["name"] == live["name"], cur
    assert cur["pageStatus"] == "PUBLISHED_WITH_CHANGES"
    assert get(ctx, live["id"], draft=True) == draft
    # Names: the live name finds the live version, the draft name the draft.
    r = ctx.request("GET", "/pages/by_name/" + q(live["name"]))
    assert r.status == 200 and r.json["page"]["description"] == "live text", r
    r = ctx.request("GET", "/pages/draft/by_name/" + q(new_name))
    assert r.status == 200 and r.json["page"]["description"] == "draft text", r
    # A second draft edit merges into the first.
    r = ctx.request("PUT", "/pages/draft/" + live["id"], {"page": {"timezone": "Asia/Tokyo"}})
    assert r.status == 200, r
    d2 = r.json["page"]
    assert d2["description"] == "draft text" and d2["timezone"] == "Asia/Tokyo", d2
    # Publishing makes the draft live.
    r = post(ctx, "/pages/draft/%s/publish" % live["id"])
    pub = r.json["page"]
    assert pub["pageStatus"] == "PUBLISHED"
    assert (pub["name"], pub["description"], pub["timezone"]) == (new_name, "draft text", "Asia/Tokyo"), pub
    assert get(ctx, live["id"]) == pub
    check_error(ctx.request("GET", "/pages/by_name/" + q(live["name"])), 404)


def test_discard_draft(ctx):
    live = ctx.create_page(description="keep me")
    r = ctx.request("PUT", "/pages/draft/" + live["id"], {"page": {"description": "throw away"}})
    assert r.status == 200, r
    r = mutation_ok(post(ctx, "/pages/draft/%s/delete" % live["id"]))
    cur = get(ctx, live["id"])
    assert cur["pageStatus"] == "PUBLISHED" and cur["description"] == "keep me", cur
    assert get(ctx, live["id"], draft=True)["description"] == "keep me"
    # No draft any more.
    check_error(ctx.request("POST", "/pages/draft/%s/delete" % live["id"]), 409)
    check_error(ctx.request("POST", "/pages/draft/%s/publish" % live["id"]), 409)


def test_discard_never_published_page_removes_it(ctx):
    page = create_draft(ctx)
    mutation_ok(post(ctx, "/pages/draft/%s/delete" % page["id"]))
    check_error(ctx.request("GET", "/pages/" + page["id"]), 404)
    check_error(ctx.request("GET", "/pages/draft/" + page["id"]), 404)
    check_error(ctx.request("POST", "/pages/draft/%s/delete" % page["id"]), 404)
    # Name and subdomain are free again.
    again = ctx.create_page(name=page["name"], subdomain=page["subdomain"])
    assert again["id"] != page["id"]


def test_draft_name_clash_409(ctx):
    a = ctx.create_page()
    b = ctx.create_page()
    for fields in ({"name": a["name"].upper()}, {"subdomain": a["subdomain"]}):
        r = ctx.request("PUT", "/pages/draft/" + b["id"], {"page": fields})
        check_error(r, 409)
    assert get(ctx, b["id"]) == b


def test_unpublish_and_republish(ctx):
    page = ctx.create_page()
    r = post(ctx, "/pages/%s/unpublish" % page["id"])
    un = r.json["page"]
    assert un["pageStatus"] == "UNPUBLISHED" and un["unpublishedAt"], un
    assert un["version"] == page["version"] + 1
    assert get(ctx, page["id"]) == un
    # Again: no change.
    r = post(ctx, "/pages/%s/unpublish" % page["id"])
    assert r.json["page"]["pageStatus"] == "UNPUBLISHED"
    # A draft of an unpublished page.
    r = ctx.request("PUT", "/pages/draft/" + page["id"], {"page": {"description": "later"}})
    assert r.status == 200 and r.json["page"]["pageStatus"] == "UNPUBLISHED_WITH_CHANGES", r
    # Publishing puts it back, with the draft.
    r = post(ctx, "/pages/draft/%s/publish" % page["id"])
    pub = r.json["page"]
    assert pub["pageStatus"] == "PUBLISHED" and "unpublishedAt" not in pub, pub
    assert pub["description"] == "later"
    # A never-published page cannot be unpublished.
    d = create_draft(ctx)
    check_error(ctx.request("POST", "/pages/%s/unpublish" % d["id"]), 409)
    assert get(ctx, d["id"]) == d


def test_soft_delete_and_recover(ctx):
    page = ctx.create_page()
    r = mutation_ok(post(ctx, "/pages/%s/soft_delete" % page["id"], {"deletedBy": "ops@example.com"}))
    cur = get(ctx, page["id"])
    assert cur["pageStatus"] == "SOFT_DELETED" and cur["deletedAt"], cur
    assert ctx.psql("SELECT deleted_by FROM pages WHERE id = '%s'" % page["id"]) == "ops@example.com"
    # Hidden from names and lists; name and subdomain stay reserved.
    check_error(ctx.request("GET", "/pages/by_name/" + q(page["name"])), 404)
    r = ctx.request("GET", "/pages/summary")
    assert page["id"] not in [p["id"] for p in r.json["pages"]], "soft-deleted page listed"
    check_error(ctx.request("POST", "/pages", ctx.new_page_body(name=page["name"])), 409)
    check_error(ctx.request("POST", "/pages", ctx.new_page_body(subdomain=page["subdomain"])), 409)
    # No edits while deleted.
    check_error(ctx.request("PUT", "/pages/" + page["id"], {"page": {"description": "x"}}), 409)
    check_error(ctx.request("PUT", "/pages/draft/" + page["id"], {"page": {"description": "x"}}), 409)
    check_error(ctx.request("POST", "/pages/%s/unpublish" % page["id"]), 409)
    # Deleting again is harmless.
    mutation_ok(post(ctx, "/pages/%s/delete" % page["id"]))
    # Recover: the status before the delete comes back.
    r = post(ctx, "/pages/%s/recover" % page["id"])
    rec = r.json["page"]
    assert rec["pageStatus"] == "PUBLISHED" and "deletedAt" not in rec, rec
    r = ctx.request("GET", "/pages/by_name/" + q(page["name"]))
    assert r.status == 200 and r.json["page"]["id"] == page["id"], r
    check_error(ctx.request("POST", "/pages/%s/recover" % page["id"]), 409)
    # An unpublished page comes back unpublished; deletedBy defaults to the caller.
    post(ctx, "/pages/%s/unpublish" % page["id"])
    mutation_ok(post(ctx, "/pages/%s/delete" % page["id"]))
    assert ctx.psql("SELECT deleted_by FROM pages WHERE id = '%s'" % page["id"]) == ctx.email
    rec = post(ctx, "/pages/%s/recover" % page["id"]).json["page"]
    assert rec["pageStatus"] == "UNPUBLISHED", rec


def test_delete_bodies(ctx):
    page = ctx.create_page()
    for path in ("/pages/%s/soft_delete", "/pages/%s/permanent_delete", "/pages/%s/delete_permanently"):
        p = path % page["id"]
        for body in ({"deletedBy": ""}, {"deletedBy": "   "}, {"deletedBy": 5},
                     {"deletedBy": "x" * 256}, {"who": "x"}, [], {"deletedBy": None, "x": 1}):
            check_error(ctx.request("POST", p, body), 400)
        check_error(ctx.request("POST", p, raw_body=b"{", content_type="application/json"), 400)
        check_error(ctx.request("POST", p, raw_body=b"deletedBy=x",
                                content_type="application/x-www-form-urlencoded"), 415)
    assert get(ctx, page["id"]) == page


def test_permanent_delete_and_recover_deleted(ctx):
    page = ctx.create_page()
    mutation_ok(post(ctx, "/pages/%s/permanent_delete" % page["id"], {"deletedBy": "ops@example.com"}))
    # Gone from every endpoint.
    for m, p, b in (("GET", "/pages/" + page["id"], None),
                    ("GET", "/pages/draft/" + page["id"], None),
                    ("GET", "/pages/%s/summary" % page["id"], None),
                    ("PUT", "/pages/" + page["id"], {"page": {"description": "x"}}),
                    ("PUT", "/pages/draft/" + page["id"], {"page": {"description": "x"}}),
                    ("POST", "/pages/%s/soft_delete" % page["id"], None),
                    ("POST", "/pages/%s/recover" % page["id"], None),
                    ("POST", "/pages/%s/unpublish" % page["id"], None),
                    ("POST", "/pages/%s/permanent_delete" % page["id"], None),
                    ("POST", "/pages/draft/%s/publish" % page["id"], None),
                    ("GET", "/pages/by_name/" + q(page["name"]), None),
                    ("GET", "/pages/draft/by_name/" + q(page["name"]), None)):
        check_error(ctx.request(m, p, b), 404)
    r = ctx.request("GET", "/pages/summary")
    assert page["id"] not in [p["id"] for p in r.json["pages"]]
    # Name and subdomain are free.
    r = ctx.request("GET", "/pages/validate/name/" + q(page["name"]))
    assert r.status == 200 and r.json["valid"] is True, r
    r = ctx.request("GET", "/pages/subdomain/validate/" + page["subdomain"])
    assert r.status == 200 and r.json["valid"] is True, r
    # Within the retention window it comes back whole.
    mutation_ok(post(ctx, "/pages/%s/recover_deleted" % page["id"]))
    cur = get(ctx, page["id"])
    assert cur["id"] == page["id"] and cur["name"] == page["name"] and cur["pageStatus"] == "PUBLISHED", cur
    # Recovering a page that is not deleted: 409; an unknown one: 404.
    check_error(ctx.request("POST", "/pages/%s/recover_deleted" % page["id"]), 409)
    check_error(ctx.request("POST", "/pages/%s/recover_deleted" % uuid.uuid4()), 404)


def test_recover_deleted_conflicts_when_name_taken(ctx):
    page = ctx.create_page()
    mutation_ok(post(ctx, "/pages/%s/delete_permanently" % page["id"]))
    taker = ctx.create_page(name=page["name"].upper())
    check_error(ctx.request("POST", "/pages/%s/recover_deleted" % page["id"]), 409)
    check_error(ctx.request("GET", "/pages/" + page["id"]), 404)
    # Once the name is free again, it can come back.
    r = ctx.request("PUT", "/pages/" + taker["id"], {"page": {"name": ctx.uniq("Other")}})
    assert r.status == 200, r
    page2 = ctx.create_page()
    mutation_ok(post(ctx, "/pages/%s/permanent_delete" % page2["id"]))
    ctx.create_page(subdomain=page2["subdomain"])
    check_error(ctx.request("POST", "/pages/%s/recover_deleted" % page2["id"]), 409)
    mutation_ok(post(ctx, "/pages/%s/recover_deleted" % page["id"]))
    assert get(ctx, page["id"])["name"] == page["name"]


def test_lifecycle_versions_increase(ctx):
    page = ctx.create_page()
    versions = [page["version"]]
    versions.append(post(ctx, "/pages/%s/unpublish" % page["id"]).json["page"]["version"])
    r = ctx.request("PUT", "/pages/draft/" + page["id"], {"page": {"description": "d"}})
    versions.append(r.json["page"]["version"])
    versions.append(post(ctx, "/pages/draft/%s/publish" % page["id"]).json["page"]["version"])
    post(ctx, "/pages/%s/soft_delete" % page["id"])
    versions.append(get(ctx, page["id"])["version"])
    versions.append(post(ctx, "/pages/%s/recover" % page["id"]).json["page"]["version"])
    assert versions == sorted(set(versions)), versions
    assert versions[-1] == versions[0] + len(versions) - 1, versions


def test_parallel_publish_one_wins(ctx):
    page = create_draft(ctx)
    results = parallel(10, lambda i: ctx.request("POST", "/pages/draft/%s/publish" % page["id"]))
    statuses = sorted(r.status for r in results)
    assert statuses == [200] + [409] * 9, statuses
    assert get(ctx, page["id"])["version"] == 2


def test_lifecycle_of_another_clouds_page_404(ctx):
    other, email, tok = ctx.other_cloud()
    r = ctx.request("POST", "/pages", ctx.new_page_body(), cloud=other, auth=(email, tok))
    assert r.status == 201, r
    theirs = r.json["page"]
    for path in ("/pages/%s/soft_delete", "/pages/%s/delete", "/pages/%s/permanent_delete",
                 "/pages/%s/delete_permanently", "/pages/%s/unpublish", "/pages/%s/recover",
                 "/pages/%s/recover_deleted", "/pages/draft/%s/publish", "/pages/draft/%s/delete"):
        check_error(ctx.request("POST", path % theirs["id"]), 404)
    check_error(ctx.request("PUT", "/pages/draft/" + theirs["id"], {"page": {"description": "x"}}), 404)
    r = ctx.request("GET", "/pages/" + theirs["id"], cloud=other, auth=(email, tok))
    assert r.status == 200 and r.json == {"page": theirs}, r
