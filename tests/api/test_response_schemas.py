"""The response-schema check itself (tests/api/schemas.py).

Every 2xx body of every API suite is validated as it arrives
(client.Ctx.request); these tests make sure that check covers every route
and that it can fail.
"""

import copy
import json

import schemas


def contract(ctx):
    return ctx.contract()


def test_every_route_has_a_response_schema_or_is_listed(ctx):
    routes = set(contract(ctx).routes)
    mapped = set(schemas.RESPONSE_SCHEMAS)
    unofficial = set(schemas.NO_OFFICIAL_SCHEMA)
    assert not mapped & unofficial, sorted(mapped & unofficial)
    missing = routes - mapped - unofficial
    assert not missing, "routes without a response schema: %s" % sorted(missing)
    with open(schemas.spec_path("endpoints.json"), encoding="utf-8") as f:
        documented = {"%s %s" % (e["method"], e["path"]) for e in json.load(f)}
    stale = (mapped | unofficial) - routes - documented
    assert not stale, "schemas for routes neither served nor documented: %s" % sorted(stale)


def test_every_official_ref_resolves(ctx):
    c = contract(ctx)
    for route in schemas.RESPONSE_SCHEMAS:
        # Draft7Validator resolves $refs lazily: validating an empty
        # object walks the top level, and check_schema the rest.
        v = c.validator(route)
        v.check_schema(v.schema)
        refs = set()

        def walk(node):
            if isinstance(node, dict):
                if "$ref" in node:
                    refs.add(node["$ref"].rsplit("/", 1)[1])
                for x in node.values():
                    walk(x)
            elif isinstance(node, list):
                for x in node:
                    walk(x)
        walk(schemas.RESPONSE_SCHEMAS[route][1])
        for name in refs:
            assert name in c.doc["components"]["schemas"], (route, name)


def check_fails(c, method, path, body, what):
    try:
        c.check(method, path, 200, json.dumps(body).encode())
    except AssertionError as e:
        return str(e)
    raise AssertionError("the schema check accepted %s" % what)


def test_the_check_refuses_nulls_and_bad_values(ctx):
    c = contract(ctx)
    r = ctx.request("POST", "/pages", ctx.new_page_body())
    assert r.status == 201, r
    page = r.json
    path = "/pages/" + page["page"]["id"]
    c.check("GET", path, 200, json.dumps(page).encode())  # as sent: valid
    for field, value in (("deletedAt", None), ("description", None),
                         ("deletedAt", "yesterday"), ("version", 2 ** 31),
                         ("pageStatus", "LIVE"), ("components", None)):
        bad = copy.deepcopy(page)
        bad["page"][field] = value
        msg = check_fails(c, "GET", path, bad, "page.%s = %r" % (field, value))
        assert field in msg, msg
    bad = copy.deepcopy(page)
    bad["page"]["customDomainConfig"]["certificateExpiresAt"] = None
    assert "certificateExpiresAt" in check_fails(c, "GET", path, bad, "a nested null")
    bad = dict(page, error=None)
    assert "error" in check_fails(c, "GET", path, bad, "error: null")
    # Routes without an official schema still hold no null.
    msg = check_fails(c, "POST", path + "/soft_delete", {"success": True, "message": None},
                      "a null in a mutation response")
    assert "message" in msg, msg


def test_routes_match_like_the_router(ctx):
    c = contract(ctx)
    assert c.route_of("GET", "/pages/summary") == "GET /pages/summary"
    assert c.route_of("GET", "/pages/x1") == "GET /pages/{pageId}"
    assert c.route_of("GET", "/pages/draft/x1") == "GET /pages/draft/{pageId}"
    assert c.route_of("PUT", "/pages/draft/x1") == "PUT /pages/draft/{draftPageId}"
    assert c.route_of("GET", "/incidents/templates/list?pageId=1") == \
        "GET /incidents/templates/list"
    assert c.route_of("GET", "/nothing/here") is None


def test_stored_page_documents_hold_no_null(ctx):
    """Migration 008 rendered every stored document again without nulls;
    the render functions keep them so."""
    ctx.create_page()
    n = ctx.psql("SELECT count(*) FROM pages WHERE doc::jsonb @? '$.** ? (@ == null)'")
    assert n == "0", "%s stored page documents hold a null" % n
