"""How to call each route statusd serves, for the tests that run over all
of them (scope matrix, missing credentials, tenant isolation).

CASES maps (method, pattern) to a function prepare(ctx) that creates what
the call needs (with the demo token) and returns (path, body, status): the
request that must succeed with status, relative to the API prefix. A route
that `statusd --routes` prints and that is missing here fails
test_auth.test_every_served_route_is_covered.
"""

import subprocess
import os
import urllib.parse

from client import DELETE_PAGE, READ_PAGE, WRITE_PAGE


def q(s):
    return urllib.parse.quote(s, safe="")


def _page(ctx, **fields):
    return ctx.create_page(**fields)


def _draft(ctx):
    r = ctx.request("POST", "/pages/draft", ctx.new_page_body())
    assert r.status == 201, r
    return r.json["page"]


def _with_draft(ctx):
    p = _page(ctx)
    r = ctx.request("PUT", "/pages/draft/" + p["id"], {"page": {"description": "draft change"}})
    assert r.status == 200, r
    return p


def _soft_deleted(ctx):
    p = _page(ctx)
    r = ctx.request("POST", "/pages/%s/soft_delete" % p["id"])
    assert r.status == 200, r
    return p


def _archived(ctx):
    p = _page(ctx)
    r = ctx.request("POST", "/pages/%s/permanent_delete" % p["id"])
    assert r.status == 200, r
    return p


def batch(ctx, page_id, items, deletes=None):
    body = {"pageId": page_id, "createUpdateComponents": items}
    if deletes is not None:
        body["deleteComponents"] = deletes
    r = ctx.request("POST", "/components/batch_process", body)
    assert r.status == 200, r
    return r.json


def comp(page_id, name, **kw):
    c = {"pageId": page_id, "type": "COMPONENT", "name": name}
    c.update(kw)
    return c


def live_component(ctx, cloud=None, auth="basic"):
    """A page with one published component: (page, component id)."""
    r = ctx.request("POST", "/pages", ctx.new_page_body(), cloud=cloud, auth=auth)
    assert r.status == 201, r
    page = r.json["page"]
    r = ctx.request("POST", "/components/batch_process",
                    {"pageId": page["id"], "createUpdateComponents": [comp(page["id"], "API")]},
                    cloud=cloud, auth=auth)
    assert r.status == 200, r
    cid = r.json[0]["id"]
    r = ctx.request("POST", "/pages/draft/%s/publish" % page["id"], cloud=cloud, auth=auth)
    assert r.status == 200, r
    return r.json["page"], cid


def _batch_case(ctx):
    p = _page(ctx)
    return ("/components/batch_process",
            {"pageId": p["id"], "createUpdateComponents": [comp(p["id"], "Scoped")]}, 200)


CASES = {
    ("POST", "/pages"): lambda ctx: ("/pages", ctx.new_page_body(), 201),
    ("GET", "/pages/{pageId}"): lambda ctx: ("/pages/" + _page(ctx)["id"], None, 200),
    ("PUT", "/pages/{pageId}"): lambda ctx: (
        "/pages/" + _page(ctx)["id"], {"page": {"description": "scoped"}}, 200),
    ("GET", "/pages/by_name/{name}"): lambda ctx: (
        "/pages/by_name/" + q(_page(ctx)["name"]), None, 200),
    ("POST", "/pages/draft"): lambda ctx: ("/pages/draft", ctx.new_page_body(), 201),
    ("GET", "/pages/draft/{pageId}"): lambda ctx: ("/pages/draft/" + _with_draft(ctx)["id"], None, 200),
    ("PUT", "/pages/draft/{draftPageId}"): lambda ctx: (
        "/pages/draft/" + _page(ctx)["id"], {"page": {"description": "draft"}}, 200),
    ("GET", "/pages/draft/by_name/{name}"): lambda ctx: (
        "/pages/draft/by_name/" + q(_draft(ctx)["name"]), None, 200),
    ("POST", "/pages/draft/{draftPageId}/publish"): lambda ctx: (
        "/pages/draft/%s/publish" % _draft(ctx)["id"], None, 200),
    ("POST", "/pages/draft/{draftPageId}/delete"): lambda ctx: (
        "/pages/draft/%s/delete" % _with_draft(ctx)["id"], None, 200),
    ("POST", "/pages/{pageId}/unpublish"): lambda ctx: (
        "/pages/%s/unpublish" % _page(ctx)["id"], None, 200),
    ("POST", "/pages/{pageId}/soft_delete"): lambda ctx: (
        "/pages/%s/soft_delete" % _page(ctx)["id"], {"deletedBy": "scope-test"}, 200),
    ("POST", "/pages/{pageId}/delete"): lambda ctx: (
        "/pages/%s/delete" % _page(ctx)["id"], None, 200),
    ("POST", "/pages/{pageId}/recover"): lambda ctx: (
        "/pages/%s/recover" % _soft_deleted(ctx)["id"], None, 200),
    ("POST", "/pages/{pageId}/permanent_delete"): lambda ctx: (
        "/pages/%s/permanent_delete" % _page(ctx)["id"], {"deletedBy": "scope-test"}, 200),
    ("POST", "/pages/{pageId}/delete_permanently"): lambda ctx: (
        "/pages/%s/delete_permanently" % _page(ctx)["id"], None, 200),
    ("POST", "/pages/{pageId}/recover_deleted"): lambda ctx: (
        "/pages/%s/recover_deleted" % _archived(ctx)["id"], None, 200),
    ("GET", "/pages/summary"): lambda ctx: ("/pages/summary", None, 200),
    ("GET", "/pages/summary/v2"): lambda ctx: ("/pages/summary/v2?first=5", None, 200),
    ("GET", "/pages/{pageId}/summary"): lambda ctx: (
        "/pages/%s/summary" % _page(ctx)["id"], None, 200),
    ("GET", "/pages/validate/name/{name}"): lambda ctx: (
        "/pages/validate/name/" + q(ctx.uniq("Free name")), None, 200),
    ("GET", "/pages/subdomain/validate/{subdomain}"): lambda ctx: (
        "/pages/subdomain/validate/" + ctx.uniq("free"), None, 200),
    ("GET", "/pages/subdomain/suggest/{pageName}"): lambda ctx: (
        "/pages/subdomain/suggest/" + q(ctx.uniq("Some Page")), None, 200),
    ("GET", "/pages/{pageId}/uptime_percentage"): lambda ctx: (
        "/pages/%s/uptime_percentage" % _page(ctx)["id"], None, 200),
    ("POST", "/components/batch_process"): _batch_case,
    ("GET", "/pages/{pageId}/components/draft"): lambda ctx: (
        "/pages/%s/components/draft" % _page(ctx)["id"], None, 200),
    ("GET", "/pages/{pageId}/components/draft/v2"): lambda ctx: (
        "/pages/%s/components/draft/v2?first=10" % _page(ctx)["id"], None, 200),
    ("GET", "/pages/{pageId}/components/uptime"): lambda ctx: (
        "/pages/%s/components/uptime" % _page(ctx)["id"], None, 200),
    ("GET", "/pages/{pageId}/components/uptime/v2"): lambda ctx: (
        "/pages/%s/components/uptime/v2" % _page(ctx)["id"], None, 200),
    ("GET", "/components/{componentId}/uptime"): lambda ctx: (
        "/components/%s/uptime" % live_component(ctx)[1], None, 200),
    ("GET", "/components/{componentId}/uptime_percentage"): lambda ctx: (
        "/components/%s/uptime_percentage" % live_component(ctx)[1], None, 200),
}

SCOPE_SHORT = {READ_PAGE: "read:page", WRITE_PAGE: "write:page", DELETE_PAGE: "delete:page"}


def served_routes(ctx):
    """What `statusd --routes` prints: [(method, pattern, scope)]."""
    cached = ctx.shared.get("served_routes")
    if cached is not None:
        return cached
    p = subprocess.run([os.path.join(ctx.build, "statusd"), "--routes"],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 0, p.stderr
    routes = [tuple(line.split()) for line in p.stdout.splitlines() if line.strip()]
    ctx.shared["served_routes"] = routes
    return routes


def id_routes(ctx, kinds=("{pageId}", "{draftPageId}")):
    """Served routes whose parameter is a page id (or another kind)."""
    return [(m, pat, s) for m, pat, s in served_routes(ctx)
            if any(k in pat for k in kinds)]


def fill(pattern, value):
    out = []
    for seg in pattern.split("/"):
        out.append(value if seg.startswith("{") else seg)
    return "/".join(out)
