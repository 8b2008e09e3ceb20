"""The document's own requests succeed (../shared/spec/endpoints.json).

Every endpoint of endpoints.json whose route statusd serves is called as the
document shows it: its path with the parameters filled with real ids made
here, and its example body sent as documented. Only the "<string>"
placeholders of the example are filled: ids and names with real or unique
ones, and the fields whose format statusd checks (subdomain, domain, time
zone, URLs, colours, tracking id) with a valid value of that format (a
literal "<string>" is no time zone). Everything else (numbers such as
numberOfCardsPerRow 34, booleans, enums, free text, the structure with its
"links": [{}] and "components": []) is sent unchanged. The answer must carry
the documented 2xx status (and, through client.py, validate against the
official schema). Endpoints whose route does not exist yet are listed as
skipped by name.
"""

import json
import urllib.parse

import routecases
import schemas
import subscriberlib
from routecases import comp, live_component, q

PLACEHOLDER = "<string>"

# Placeholders of fields whose format statusd checks: a valid value each.
FORMATTED = {
    "subdomain": lambda ctx: ctx.uniq("example"),
    "domain": lambda ctx: ctx.uniq("example") + ".example.com",
    "timezone": lambda ctx: "Europe/Paris",
    "googleAnalyticsTrackingId": lambda ctx: "UA-12345-6",
    "privacyPolicyUrl": lambda ctx: "https://example.com/privacy",
    "helpCenterUrl": lambda ctx: "https://example.com/help",
    "url": lambda ctx: "https://example.com/link",
    # Names must be unique (pages) or are free; a unique one serves both.
    "name": lambda ctx: ctx.uniq("Example"),
}


def _formatted(key):
    if key in FORMATTED:
        return FORMATTED[key]
    if key.startswith("css") and key.endswith("Color"):
        return lambda ctx: "#12ab34"
    return None


def fill_body(ctx, value, ids, filled, key=""):
    """The example with its placeholders filled; filled collects the
    names of the fields that were."""
    if isinstance(value, dict):
        return {k: fill_body(ctx, v, ids, filled, k) for k, v in value.items()}
    if isinstance(value, list):
        return [fill_body(ctx, v, ids, filled, key) for v in value]
    if value != PLACEHOLDER:
        return value
    if key in ids:
        filled.add(key)
        return ids[key]
    make = _formatted(key)
    if make is not None:
        filled.add(key)
        return make(ctx)
    return value


def _page_id(ctx):
    return {"pageId": routecases._page(ctx)["id"]}


def _draft_page_id(page):
    return {"draftPageId": page["id"], "pageId": page["id"]}


def _live(ctx):
    page, cid = live_component(ctx)
    return {"pageId": page["id"], "componentId": cid}


def _batch(ctx):
    """A page with two draft components: the example updates one (its
    "id") and deletes the other."""
    pid = routecases._page(ctx)["id"]
    a, b = routecases.batch(ctx, pid, [comp(pid, "A"), comp(pid, "B")])
    return {"pageId": pid, "id": a["id"], "deleteComponents": b["id"]}


def _incident(ctx):
    ids = _live(ctx)
    ids["jiraIncidentId"] = ctx.uniq("JSM")
    r = ctx.request("POST", "/incidents", {"incidentCreateRequest": {
        "pageId": ids["pageId"], "name": "Example incident",
        "jiraIncidentId": ids["jiraIncidentId"]}})
    assert r.status == 201, r
    ids["incidentId"] = r.json["incidentWithUpdates"]["incident"]["id"]
    return ids


def _template(ctx):
    pid = routecases._page(ctx)["id"]
    r = ctx.request("POST", "/incidents/templates",
                    {"incidentTemplate": {"pageId": pid, "name": "Example template"}})
    assert r.status == 201, r
    return {"incidentTemplateId": r.json["incidentTemplate"]["id"]}


def _subscription(ctx):
    """The example subscribes an email address to an incident: the
    incident, a solved captcha of its page, and valid values for the
    contact fields the example fills for every type."""
    ids = _incident(ctx)
    return dict(ids, itemId=ids["incidentId"], email=ctx.uniq("ops") + "@example.com",
                captchaToken=subscriberlib.captcha_token(ctx, ids["pageId"]),
                phoneNumber="+14155550100", phoneCountry="US",
                webhookEndpoint="https://8.8.8.8/status")


def _subscriber(ctx):
    page = routecases._page(ctx)
    sub = subscriberlib.subscribe(ctx, page["id"]).json
    return {"pageId": page["id"], "subscriberId": sub["id"], "ids": sub["id"]}


def _with_token(purpose):
    def prepare(ctx):
        ids = _subscriber(ctx)
        ids["token"] = subscriberlib.mint_token(ctx, purpose, ids["subscriberId"])
        return ids
    return prepare


# "METHOD path" -> prepare(ctx) returning the ids the request needs (path
# parameters and body placeholders by field name), plus an optional
# "query" when the documented call cannot name its object otherwise.
PREPARE = {
    "GET /pages/{pageId}": _page_id,
    "PUT /pages/{pageId}": _page_id,
    "POST /pages/{pageId}/soft_delete": _page_id,
    "POST /pages": lambda ctx: {},
    "POST /pages/{pageId}/permanent_delete": _page_id,
    "POST /pages/{pageId}/delete": _page_id,
    "POST /pages/{pageId}/delete_permanently": _page_id,
    "POST /pages/{pageId}/recover": lambda ctx: {
        "pageId": routecases._soft_deleted(ctx)["id"]},
    "POST /pages/{pageId}/recover_deleted": lambda ctx: {
        "pageId": routecases._archived(ctx)["id"]},
    "POST /pages/{pageId}/unpublish": _page_id,
    "GET /pages/{pageId}/summary": _page_id,
    "GET /pages/{pageId}/uptime_percentage": _live,
    "GET /pages/by_name/{name}": lambda ctx: {"name": routecases._page(ctx)["name"]},
    "GET /pages/validate/name/{name}": lambda ctx: {"name": ctx.uniq("Free name")},
    "GET /pages/subdomain/suggest/{pageName}": lambda ctx: {"pageName": ctx.uniq("Some Page")},
    "GET /pages/subdomain/validate/{subdomain}": lambda ctx: {"subdomain": ctx.uniq("free")},
    "GET /pages/summary": lambda ctx: {},
    "GET /pages/summary/v2": lambda ctx: {},
    "POST /pages/draft": lambda ctx: {},
    "GET /pages/draft/{pageId}": lambda ctx: _draft_page_id(routecases._with_draft(ctx)),
    "PUT /pages/draft/{draftPageId}": lambda ctx: _draft_page_id(routecases._page(ctx)),
    "POST /pages/draft/{draftPageId}/delete": lambda ctx: _draft_page_id(
        routecases._with_draft(ctx)),
    "GET /pages/draft/by_name/{name}": lambda ctx: {"name": routecases._draft(ctx)["name"]},
    "POST /pages/draft/{draftPageId}/publish": lambda ctx: _draft_page_id(
        routecases._draft(ctx)),
    "POST /components/batch_process": _batch,
    "GET /pages/{pageId}/components/draft": _live,
    "GET /pages/{pageId}/components/uptime": _live,
    "GET /pages/{pageId}/components/draft/v2": _live,
    "GET /pages/{pageId}/components/uptime/v2": _live,
    "GET /components/{componentId}/uptime": _live,
    "GET /components/{componentId}/uptime_percentage": _live,
    "GET /incidents/list": lambda ctx: _incident(ctx) and {},
    "PUT /incidents": _incident,
    "POST /incidents": lambda ctx: dict(_live(ctx), jiraIncidentId=ctx.uniq("JSM")),
    "GET /incidents/templates/list": lambda ctx: _template(ctx) and {},
    "GET /incidents/templates/{incidentTemplateId}": _template,
    # The document's curl names no incident; its query parameters
    # (incidentId, incidentCode, externalIncidentId) are how one is named.
    "GET /incidents/get": lambda ctx: dict(
        _incident(ctx), query="incidentId=%s"),
    "GET /incidents/list/v2": lambda ctx: _incident(ctx) and {},
    "POST /subscribers": _subscription,
    "POST /subscribers/validate_token": _with_token("manage"),
    "POST /subscribers/unsubscribe": _with_token("unsubscribe"),
    "POST /subscribers/delete": _subscriber,
    "GET /subscribers/total_in_cloud": lambda ctx: {},
    # Their required query parameters name the item (the document's curl
    # leaves them out).
    "GET /subscribers/list": lambda ctx: dict(
        query="itemType=PAGE&itemId=" + _subscriber(ctx)["pageId"]),
    "GET /subscribers/stats": lambda ctx: dict(
        query="type=PAGE&itemId=" + _subscriber(ctx)["pageId"]),
    "GET /subscribers/list/connection": lambda ctx: dict(
        query="pageId=" + _subscriber(ctx)["pageId"]),
}


def endpoints():
    with open(schemas.spec_path("endpoints.json"), encoding="utf-8") as f:
        return json.load(f)


def fill_path(path, ids):
    out = []
    for seg in path.split("/"):
        if seg.startswith("{"):
            name = seg[1:-1]
            assert name in ids, "no value for %s" % seg
            seg = q(ids[name])
        out.append(seg)
    return "/".join(out)


def missing_fields(example, got, path=""):
    """Fields the example response shows that ours lacks (recursively,
    objects and the first item of arrays)."""
    out = []
    if isinstance(example, dict) and isinstance(got, dict):
        for k, v in example.items():
            where = path + "." + k if path else k
            if k not in got:
                out.append(where)
            else:
                out += missing_fields(v, got[k], where)
    elif isinstance(example, list) and isinstance(got, list) and example and got:
        out += missing_fields(example[0], got[0], path + "[]")
    return out


def call_example(ctx, e):
    key = "%s %s" % (e["method"], e["path"])
    assert key in PREPARE, "%s: no preparation in test_examples.PREPARE" % key
    ids = PREPARE[key](ctx)
    path = fill_path(e["path"], ids)
    if "query" in ids and "%s" in ids["query"]:
        path += "?" + ids["query"] % urllib.parse.quote(ids["incidentId"])
    elif "query" in ids:
        path += "?" + ids["query"]
    filled = set()
    body = None
    if e["exampleRequest"] is not None:
        body = fill_body(ctx, e["exampleRequest"], ids, filled)
    r = ctx.request(e["method"], path, body)
    assert r.status == e["status"], "%s as documented: expected %d, got %r (placeholders " \
        "filled: %s)" % (key, e["status"], r, ", ".join(sorted(filled)) or "none")
    return r


def test_every_documented_request_succeeds(ctx):
    served = set(ctx.contract().routes)
    done, skipped, failures, notes = [], [], [], []
    for e in endpoints():
        key = "%s %s" % (e["method"], e["path"])
        if key not in served:
            skipped.append(key)
            continue
        try:
            r = call_example(ctx, e)
        except AssertionError as err:
            failures.append(str(err))
            continue
        done.append(key)
        lacking = [f for f in missing_fields(e["exampleResponse"], r.json)
                   if f.rsplit(".", 1)[-1].rstrip("[]") not in schemas.LEFT_OUT_WHEN_UNSET]
        if lacking:
            notes.append("%s: example fields missing: %s" % (key, ", ".join(lacking)))
    for key in skipped:
        print("     skipped (route does not exist yet): %s" % key)
    for n in notes:
        print("     " + n)
    assert not failures, "\n  " + "\n  ".join(failures)
    assert not notes, "\n  " + "\n  ".join(notes)
    assert len(done) >= 38, "only %d documented requests ran" % len(done)


def test_example_bodies_are_sent_unchanged_but_placeholders(ctx):
    """The filling touches placeholders only: numbers, booleans, enums,
    empty objects and arrays of the examples go out as documented."""
    by_key = {"%s %s" % (e["method"], e["path"]): e for e in endpoints()}
    ex = by_key["POST /pages/draft"]["exampleRequest"]
    filled = set()
    body = fill_body(ctx, ex, {}, filled)
    assert body["page"]["bodyConfig"] == ex["page"]["bodyConfig"]
    assert body["page"]["bodyConfig"]["numberOfCardsPerRow"] == 34
    assert body["page"]["footerData"]["links"] == [{}] == body["page"]["headerData"]["links"]
    assert body["page"]["description"] == PLACEHOLDER  # free text stays as documented
    assert {"name", "subdomain", "timezone", "cssRedColor"} <= filled, filled
    batch = fill_body(ctx, by_key["POST /components/batch_process"]["exampleRequest"],
                      {"pageId": "P", "id": "A", "deleteComponents": "B"}, set())
    assert batch["deleteComponents"] == ["B"] and batch["createUpdateComponents"][0]["id"] == "A"
    assert batch["createUpdateComponents"][0]["position"] == 47
    assert batch["createUpdateComponents"][0]["components"] == []


def test_documented_values_beyond_our_old_bounds(ctx):
    """numberOfCardsPerRow 34 and links [{}] (the document's draft
    examples) are accepted and kept; our own bound (1..100) still holds."""
    body = ctx.new_page_body(bodyConfig={"numberOfCardsPerRow": 34},
                             footerData={"links": [{}]}, headerData={"links": [{"label": "x"}]})
    r = ctx.request("POST", "/pages/draft", body)
    assert r.status == 201, r
    page = r.json["page"]
    assert page["bodyConfig"]["numberOfCardsPerRow"] == 34
    assert page["footerData"]["links"] == [{}] and page["headerData"]["links"] == [{"label": "x"}]
    r = ctx.request("PUT", "/pages/" + page["id"],
                    {"page": {"bodyConfig": {"numberOfCardsPerRow": 101}}})
    assert r.status == 400 and "numberOfCardsPerRow" in r.json["details"], r


def test_batch_takes_its_page_from_the_items(ctx):
    """The document marks the batch's pageId optional; a new item's name
    is optional in the official schema."""
    pid = routecases._page(ctx)["id"]
    r = ctx.request("POST", "/components/batch_process", {"createUpdateComponents": [
        {"pageId": pid, "type": "COMPONENT"},
        {"pageId": pid, "type": "GROUP_COMPONENT", "components": [
            {"pageId": pid, "type": "COMPONENT", "name": "Child"}]}]})
    assert r.status == 200, r
    assert [c["name"] for c in r.json] == ["Untitled component", "Untitled group"], r.json
    r = ctx.request("POST", "/components/batch_process",
                    {"deleteComponents": [r.json[0]["id"]]})
    assert r.status == 400 and "pageId" in r.json["details"], r
