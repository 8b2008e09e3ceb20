"""Incidents (endpoints 32-38) and incident templates: create and update
with their timeline, every status transition, look-ups by every key,
keyset lists both ways, component statuses (resolution hands them back,
uptime and health follow), the notification outbox, scopes, tenant
isolation, bad input, and two updates racing on one incident.

Importing this module also registers the incident routes in
routecases.CASES, so the route-wide tests of test_auth.py (scope matrix,
missing credentials, both prefixes) cover them too."""

import json
import os
import re
import threading
import time
import uuid

import routecases
from client import check_common_headers, check_error
from schemas import LEFT_OUT_WHEN_UNSET

READ_INCIDENT = "read:stakeholder-comms.incident:jira-service-management"
WRITE_INCIDENT = "write:stakeholder-comms.incident:jira-service-management"
DELETE_INCIDENT = "delete:stakeholder-comms.incident:jira-service-management"
ALL_SCOPES = [
    "%s:stakeholder-comms.%s:jira-service-management" % (verb, res)
    for res in ("page", "component", "incident", "subscriber")
    for verb in ("read", "write", "delete")
]
SPEC = "/work/shared/spec/endpoints.json"
STATUSES = ["INVESTIGATING", "IDENTIFIED", "MONITORING", "RESOLVED"]
IMPACTS = ["NONE", "MINOR", "MAJOR", "CRITICAL"]
COMPONENT_STATUSES = ["OPERATIONAL", "DEGRADED_PERFORMANCE", "PARTIAL_OUTAGE",
                      "MAJOR_OUTAGE", "UNDER_MAINTENANCE"]
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
CODE_RE = re.compile(r"^[23456789abcdefghjkmnpqrstuvwxyz]{8}$")
NIL = "00000000-0000-4000-8000-000000000000"


# --- helpers ---------------------------------------------------------------

def spec_example(method, path):
    here = os.path.dirname(os.path.abspath(__file__))
    for p in (SPEC, os.path.join(here, "..", "..", "docs", "spec", "endpoints.json")):
        if os.path.exists(p):
            with open(p) as f:
                for e in json.load(f):
                    if e["method"] == method and e["path"] == path:
                        return e["exampleResponse"]
    raise AssertionError("endpoints.json not found")


def assert_keys(doc, example, path):
    """Every key of the documented example is present, recursively into
    objects, with a compatible type; only LEFT_OUT_WHEN_UNSET fields may be
    absent (unset)."""
    assert isinstance(doc, dict), "%s: not an object: %r" % (path, doc)
    for k, ev in example.items():
        if k not in doc:
            assert k in LEFT_OUT_WHEN_UNSET, "%s.%s missing in %r" % (path, k, sorted(doc))
            continue
        v = doc[k]
        if isinstance(ev, dict) and ev:
            assert_keys(v, ev, path + "." + k)
        elif isinstance(ev, list):
            assert isinstance(v, list), "%s.%s: %r" % (path, k, v)
        elif isinstance(ev, bool):
            assert isinstance(v, bool), "%s.%s: %r" % (path, k, v)
        elif isinstance(ev, int):
            assert isinstance(v, int) and not isinstance(v, bool), "%s.%s: %r" % (path, k, v)
        elif isinstance(ev, str):
            assert isinstance(v, str), "%s.%s: %r" % (path, k, v)


def new_cloud(ctx):
    """A fresh tenant with an all-scope token: (cloud, auth)."""
    cloud = str(uuid.uuid4())
    email = "inc-%s@example.com" % cloud[:8]
    tok = ctx.make_token(cloud, "all", email=email)
    return cloud, (email, tok)


def page_with_components(ctx, names=("API", "Web"), cloud=None, auth="basic", groups=None):
    """A published page with live components: (page, {name: id}). groups:
    {group name: [child names]} adds GROUP_COMPONENTs with children."""
    r = ctx.request("POST", "/pages", ctx.new_page_body(), cloud=cloud, auth=auth)
    assert r.status == 201, r
    page = r.json["page"]
    pid = page["id"]
    items = [routecases.comp(pid, n, position=i) for i, n in enumerate(names)]
    for g, children in (groups or {}).items():
        items.append({"pageId": pid, "type": "GROUP_COMPONENT", "name": g,
                      "components": [routecases.comp(pid, c) for c in children]})
    r = ctx.request("POST", "/components/batch_process",
                    {"pageId": pid, "createUpdateComponents": items}, cloud=cloud, auth=auth)
    if r.status == 404:
        # No batch_process in this build: write the draft tree directly.
        c = cloud or ctx.cloud
        for i, n in enumerate(names):
            ctx.psql("INSERT INTO component_drafts (cloud_id, id, page_id, type, name, position)"
                     " VALUES ('%s', '%s', '%s', 'COMPONENT', '%s', %d)"
                     % (c, uuid.uuid4(), pid, n, i))
        ctx.psql("SELECT components_publish('%s', '%s')" % (c, pid))
    else:
        assert r.status == 200, r
        r = ctx.request("POST", "/pages/draft/%s/publish" % pid, cloud=cloud, auth=auth)
        assert r.status == 200, r
        page = r.json["page"]
    rows = ctx.psql("SELECT name, id FROM components WHERE cloud_id = '%s' AND page_id = '%s'"
                    % (cloud or ctx.cloud, pid))
    ids = dict(line.split("|") for line in rows.splitlines())
    for n in names:
        assert n in ids, (n, ids)
    return page, ids


def live_status(ctx, cid, cloud=None):
    return ctx.psql("SELECT status FROM components WHERE cloud_id = '%s' AND id = '%s'"
                    % (cloud or ctx.cloud, cid))


def create(ctx, page_id, expect=201, cloud=None, auth="basic", headers=None, **fields):
    body = {"pageId": page_id, "name": fields.pop("name", ctx.uniq("Incident"))}
    body.update(fields)
    r = ctx.request("POST", "/incidents", {"incidentCreateRequest": body},
                    cloud=cloud, auth=auth, headers=headers)
    assert r.status == expect, "create %r: %r" % (body, r)
    return r


def put(ctx, page_id, expect=200, cloud=None, auth="basic", **fields):
    body = {"pageId": page_id}
    body.update(fields)
    r = ctx.request("PUT", "/incidents", {"incidentUpdateRequest": body}, cloud=cloud, auth=auth)
    assert r.status == expect, "update %r: %r" % (body, r)
    return r


def incident_of(r):
    return r.json["incidentWithUpdates"]["incident"]


def updates_of(r):
    return r.json["incidentWithUpdates"]["incidentUpdates"]


def get_by(ctx, expect=200, cloud=None, auth="basic", **query):
    qs = "&".join("%s=%s" % (k, routecases.q(v)) for k, v in query.items())
    r = ctx.request("GET", "/incidents/get?" + qs, cloud=cloud, auth=auth)
    assert r.status == expect, (query, r)
    return r


def template_body(page_id, **fields):
    t = {"pageId": page_id, "name": "Database down", "title": "Database outage",
         "body": "We are looking into it.", "groupId": "grp-1",
         "updateStatus": "IDENTIFIED", "shouldTweet": True,
         "shouldSendNotifications": False}
    t.update(fields)
    return {"incidentTemplate": t}


def written_subscribers(ctx, page_id, item_type, item_id, status, n=1):
    """n subscribers written directly, with nothing behind their addresses."""
    ctx.psql("INSERT INTO subscribers (cloud_id, id, page_id, item_type, item_id,"
             " subscription_type, contact, status) SELECT '%s', gen_random_uuid(), '%s',"
             " '%s', '%s', 'EMAIL', 'a' || g || '-%s@example.com', '%s'"
             " FROM generate_series(1, %d) g"
             % (ctx.cloud, page_id, item_type, item_id, uuid.uuid4().hex[:8], status, n))


def heard(ctx, page_id):
    """One SUBSCRIBED subscriber of page_id, so the page's incident events
    are written (an event no one would get is not: test_notify_audience).
    Notifiers clear such events before they run (test_notify.clear)."""
    written_subscribers(ctx, page_id, "PAGE_SUBSCRIBER", page_id, "SUBSCRIBED")


def outbox(ctx, incident_id):
    rows = ctx.psql("SELECT kind, payload, attempts, delivered_at IS NULL, cloud_id"
                    " FROM notification_outbox WHERE payload ->> 'incidentId' = '%s'"
                    " ORDER BY created_at, (payload ->> 'updateSeq')::int" % incident_id)
    out = []
    for line in rows.splitlines():
        kind, payload, attempts, pending, cloud = line.split("|")
        out.append((kind, json.loads(payload), int(attempts), pending == "t", cloud))
    return out


def walk(ctx, path, first_param, cursor_param, size, cloud=None, auth="basic", limit=100):
    """Follows a list to its end: [responses]."""
    pages, cursor = [], None
    sep = "&" if "?" in path else "?"
    for _ in range(limit):
        url = "%s%s%s=%d" % (path, sep, first_param, size)
        if cursor:
            url += "&%s=%s" % (cursor_param, cursor)
        r = ctx.request("GET", url, cloud=cloud, auth=auth)
        assert r.status == 200, r
        pages.append(r)
        info = r.json["pageInfo"]
        more = info["hasPreviousPage"] if first_param == "last" else info["hasNextPage"]
        if not more:
            return pages
        cursor = info["startCursor"] if first_param == "last" else info["endCursor"]
        assert cursor, r
    raise AssertionError("list never ended")


def node_ids(r):
    return [n["incident"]["id"] for n in r.json["nodes"]]


# --- cases for the route-wide tests of test_auth.py ---------------------------

def _case_create(ctx):
    page = ctx.create_page()
    return ("/incidents", {"incidentCreateRequest": {"pageId": page["id"], "name": "Scoped"}}, 201)


def _case_update(ctx):
    page = ctx.create_page()
    jira = ctx.uniq("JSM")
    create(ctx, page["id"], jiraIncidentId=jira)
    return ("/incidents", {"incidentUpdateRequest": {"pageId": page["id"],
                                                     "jiraIncidentId": jira,
                                                     "message": "scoped"}}, 200)


def _case_get(ctx):
    page = ctx.create_page()
    i = incident_of(create(ctx, page["id"]))
    return ("/incidents/get?incidentId=" + i["id"], None, 200)


def _template(ctx):
    page = ctx.create_page()
    r = ctx.request("POST", "/incidents/templates", template_body(page["id"]))
    assert r.status == 201, r
    return r.json["incidentTemplate"]


routecases.CASES.update({
    ("POST", "/incidents"): _case_create,
    ("PUT", "/incidents"): _case_update,
    ("GET", "/incidents/get"): _case_get,
    ("GET", "/incidents/list"): lambda ctx: ("/incidents/list?limit=5", None, 200),
    ("GET", "/incidents/list/v2"): lambda ctx: ("/incidents/list/v2?first=5", None, 200),
    ("GET", "/incidents/templates/list"): lambda ctx: ("/incidents/templates/list", None, 200),
    ("GET", "/incidents/templates/{incidentTemplateId}"): lambda ctx: (
        "/incidents/templates/" + _template(ctx)["id"], None, 200),
    ("POST", "/incidents/templates"): lambda ctx: (
        "/incidents/templates", template_body(ctx.create_page()["id"]), 201),
    ("PUT", "/incidents/templates/{incidentTemplateId}"): lambda ctx: (
        "/incidents/templates/" + _template(ctx)["id"],
        {"incidentTemplate": {"title": "scoped"}}, 200),
    ("DELETE", "/incidents/templates/{incidentTemplateId}"): lambda ctx: (
        "/incidents/templates/" + _template(ctx)["id"], None, 200),
})

INCIDENT_ROUTES = {
    ("POST", "/incidents"): WRITE_INCIDENT,
    ("PUT", "/incidents"): WRITE_INCIDENT,
    ("GET", "/incidents/get"): READ_INCIDENT,
    ("GET", "/incidents/list"): READ_INCIDENT,
    ("GET", "/incidents/list/v2"): READ_INCIDENT,
    ("GET", "/incidents/templates/list"): READ_INCIDENT,
    ("GET", "/incidents/templates/{incidentTemplateId}"): READ_INCIDENT,
    ("POST", "/incidents/templates"): WRITE_INCIDENT,
    ("PUT", "/incidents/templates/{incidentTemplateId}"): WRITE_INCIDENT,
    ("DELETE", "/incidents/templates/{incidentTemplateId}"): DELETE_INCIDENT,
}


# --- create --------------------------------------------------------------------

def test_incident_create_shape_and_effects(ctx):
    page, comps = page_with_components(ctx, ("API", "Web", "DB"))
    pid = page["id"]
    jira = ctx.uniq("INC")
    r = create(ctx, pid, name="Checkout is down", jiraIncidentId=jira,
               message="We are investigating errors at checkout.",
               impact="MAJOR", shouldSendNotifications=True,
               affectedComponents=[{"componentId": comps["API"], "status": "MAJOR_OUTAGE"},
                                   {"componentId": comps["Web"], "status": "DEGRADED_PERFORMANCE"}])
    check_common_headers(r)
    assert r.headers.get("Content-Type") == "application/json"
    ex = spec_example("POST", "/incidents")
    assert set(r.json) == set(ex) - {"error"}, (sorted(r.json), sorted(ex))
    assert "error" not in r.json
    assert_keys(r.json["incidentWithUpdates"], ex["incidentWithUpdates"], "incidentWithUpdates")
    # The page is the page document, as GET /pages/{id} shows it.
    assert r.json["page"] == ctx.request("GET", "/pages/" + pid).json["page"]
    inc = incident_of(r)
    assert inc["name"] == "Checkout is down" and inc["pageId"] == pid
    assert inc["status"] == "INVESTIGATING" and inc["impact"] == "MAJOR"
    assert inc["externalIncidentId"] == jira and inc["externalIncidentSource"] == "JSM"
    for k in ("createdAt", "updatedAt", "startedAt"):
        assert RFC3339.match(inc[k]), (k, inc[k])
    assert "monitoringAt" not in inc and "resolvedAt" not in inc
    assert CODE_RE.match(inc["incidentCode"]), inc["incidentCode"]
    assert inc["shortlink"] == page["url"] + "/incidents/" + inc["incidentCode"], inc["shortlink"]
    assert inc["components"] == [
        {"componentId": comps["API"], "status": "MAJOR_OUTAGE"},
        {"componentId": comps["Web"], "status": "DEGRADED_PERFORMANCE"}], inc["components"]
    assert inc["reminderIntervals"] == [] and inc["autoInProgress"] is False
    ups = updates_of(r)
    assert len(ups) == 1, ups
    u = ups[0]
    assert u["incidentId"] == inc["id"] and u["status"] == "INVESTIGATING"
    assert u["body"] == "We are investigating errors at checkout."
    assert "oldStatus" not in u and u["hidden"] is False
    assert u["shouldSendNotifications"] is True
    assert u["affectedComponents"] == inc["components"], u
    assert RFC3339.match(u["createdAt"])
    # Live statuses moved, through the history (an open interval each).
    assert live_status(ctx, comps["API"]) == "MAJOR_OUTAGE"
    assert live_status(ctx, comps["Web"]) == "DEGRADED_PERFORMANCE"
    assert live_status(ctx, comps["DB"]) == "OPERATIONAL"
    hist = ctx.psql("SELECT status FROM component_status_history WHERE cloud_id = '%s'"
                    " AND component_id = '%s' ORDER BY started_at" % (ctx.cloud, comps["API"]))
    assert hist.splitlines() == ["OPERATIONAL", "MAJOR_OUTAGE"], hist
    open_rows = ctx.psql("SELECT count(*) FROM component_status_history WHERE cloud_id = '%s'"
                         " AND component_id = '%s' AND ended_at IS NULL" % (ctx.cloud, comps["API"]))
    assert open_rows == "1"
    # The draft copy follows, so the next publish does not undo it.
    r2 = ctx.request("GET", "/pages/%s/components/draft" % pid)
    if r2.status == 200:
        assert comps["API"] in r2.body.decode() and "MAJOR_OUTAGE" in r2.body.decode()
    # The stored row, keyed by cloud.
    row = ctx.psql("SELECT cloud_id, code, external_source FROM incidents WHERE id = '%s'" % inc["id"])
    assert row == "%s|%s|JSM" % (ctx.cloud, inc["incidentCode"]), row


def test_incident_create_defaults_and_minimal(ctx):
    page = ctx.create_page()
    heard(ctx, page["id"])
    r = create(ctx, page["id"], name="Minimal")
    inc = incident_of(r)
    assert inc["status"] == "INVESTIGATING" and inc["impact"] == "NONE"
    assert "externalIncidentId" not in inc and "externalIncidentSource" not in inc
    assert inc["components"] == []
    ups = updates_of(r)
    assert len(ups) == 1 and "body" not in ups[0] and ups[0]["affectedComponents"] == []
    # shouldSendNotifications defaults to true: one outbox row.
    assert ups[0]["shouldSendNotifications"] is True
    assert [o[0] for o in outbox(ctx, inc["id"])] == ["incident.created"]
    # Incident codes are unique.
    codes = {incident_of(create(ctx, page["id"]))["incidentCode"] for _ in range(10)}
    assert len(codes) == 10 and inc["incidentCode"] not in codes


def test_incident_create_every_status_and_impact(ctx):
    page = ctx.create_page()
    for s in STATUSES:
        for imp in IMPACTS:
            inc = incident_of(create(ctx, page["id"], status=s, impact=imp))
            assert inc["status"] == s and inc["impact"] == imp, inc
            assert ("monitoringAt" in inc) == (s == "MONITORING"), inc
            assert ("resolvedAt" in inc) == (s == "RESOLVED"), inc


def test_incident_create_duplicate_jira_id_409(ctx):
    page = ctx.create_page()
    other_page = ctx.create_page()
    jira = ctx.uniq("INC")
    first = incident_of(create(ctx, page["id"], jiraIncidentId=jira))
    before = ctx.psql("SELECT count(*) FROM incidents WHERE cloud_id = '%s'" % ctx.cloud)
    r = create(ctx, page["id"], expect=409, jiraIncidentId=jira)
    check_error(r, 409)
    assert ctx.psql("SELECT count(*) FROM incidents WHERE cloud_id = '%s'" % ctx.cloud) == before
    # Unique per page: another page, or another cloud, may use it.
    create(ctx, other_page["id"], jiraIncidentId=jira)
    cloud, auth = ctx.other_cloud()[0], ctx.other_cloud()[1:]
    op = ctx.create_page(cloud=cloud, auth=auth)
    create(ctx, op["id"], jiraIncidentId=jira, cloud=cloud, auth=auth)
    assert get_by(ctx, incidentId=first["id"]).json["incidentWithUpdates"]["incident"]["id"] == first["id"]


def test_incident_create_concurrent_same_jira_id(ctx):
    page = ctx.create_page()
    jira = ctx.uniq("INC")
    results = []

    def go():
        r = ctx.request("POST", "/incidents", {"incidentCreateRequest": {
            "pageId": page["id"], "name": "Race", "jiraIncidentId": jira}})
        results.append(r)

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status for r in results) == [201, 409, 409, 409], results
    n = ctx.psql("SELECT count(*) FROM incidents WHERE cloud_id = '%s' AND page_id = '%s'"
                 % (ctx.cloud, page["id"]))
    assert n == "1", n


def test_incident_create_idempotency_key(ctx):
    page = ctx.create_page()
    key = ctx.uniq("idem")
    body = {"pageId": page["id"], "name": "Once"}
    r1 = create(ctx, page["id"], headers={"Idempotency-Key": key}, name="Once")
    r2 = create(ctx, page["id"], headers={"Idempotency-Key": key}, name="Once")
    assert r1.json == r2.json
    n = ctx.psql("SELECT count(*) FROM incidents WHERE cloud_id = '%s' AND page_id = '%s'"
                 % (ctx.cloud, page["id"]))
    assert n == "1", n
    body["name"] = "Another"
    r3 = ctx.request("POST", "/incidents", {"incidentCreateRequest": body},
                     headers={"Idempotency-Key": key})
    check_error(r3, 422)


# --- update ----------------------------------------------------------------------

def test_incident_every_status_transition(ctx):
    page = ctx.create_page()
    heard(ctx, page["id"])
    for a in STATUSES:
        for b in STATUSES:
            jira = ctx.uniq("T")
            inc = incident_of(create(ctx, page["id"], status=a, jiraIncidentId=jira))
            r = put(ctx, page["id"], jiraIncidentId=jira, status=b, message="%s to %s" % (a, b))
            after = incident_of(r)
            ups = updates_of(r)
            assert after["status"] == b, (a, b, after)
            assert len(ups) == 2 and ups[0]["status"] == b and ups[0]["oldStatus"] == a, ups
            assert ups[0]["body"] == "%s to %s" % (a, b)
            assert "oldStatus" not in ups[1] and ups[1]["status"] == a
            if b == "MONITORING":
                assert after["monitoringAt"] is not None, (a, b, after)
                if a == "MONITORING":
                    assert after["monitoringAt"] == inc["monitoringAt"]
            if b == "RESOLVED":
                assert after["resolvedAt"] is not None, (a, b, after)
                if a == "RESOLVED":
                    assert after["resolvedAt"] == inc["resolvedAt"]
            else:
                assert "resolvedAt" not in after, (a, b, after)  # reopened
            kinds = [o[0] for o in outbox(ctx, inc["id"])]
            want = "incident.resolved" if b == "RESOLVED" and a != "RESOLVED" else "incident.updated"
            assert kinds == ["incident.created", want], (a, b, kinds)


def test_incident_update_changes_only_what_it_carries(ctx):
    page = ctx.create_page()
    jira = ctx.uniq("INC")
    inc = incident_of(create(ctx, page["id"], jiraIncidentId=jira, impact="MINOR", status="IDENTIFIED"))
    r = put(ctx, page["id"], jiraIncidentId=jira)  # nothing but the key
    after = incident_of(r)
    for k in ("name", "status", "impact", "externalIncidentId", "incidentCode", "startedAt", "createdAt"):
        assert after[k] == inc[k], (k, inc[k], after[k])
    ups = updates_of(r)
    assert len(ups) == 2 and ups[0]["status"] == "IDENTIFIED" and ups[0]["oldStatus"] == "IDENTIFIED"
    assert "body" not in ups[0]
    r = put(ctx, page["id"], jiraIncidentId=jira, name="Renamed", impact="CRITICAL", message="more")
    after = incident_of(r)
    assert after["name"] == "Renamed" and after["impact"] == "CRITICAL" and after["status"] == "IDENTIFIED"
    ups = updates_of(r)
    assert [u.get("body") for u in ups] == ["more", None, None], ups
    # GET shows the same document.
    assert get_by(ctx, incidentId=inc["id"]).json == r.json


def test_incident_update_lookup_keys(ctx):
    page = ctx.create_page()
    other_page = ctx.create_page()
    jira = ctx.uniq("INC")
    inc = incident_of(create(ctx, page["id"], jiraIncidentId=jira))
    plain = incident_of(create(ctx, page["id"]))
    # By (pageId, jiraIncidentId), by incidentId (our extension), by both.
    assert incident_of(put(ctx, page["id"], jiraIncidentId=jira, message="a"))["id"] == inc["id"]
    assert incident_of(put(ctx, page["id"], incidentId=inc["id"], message="b"))["id"] == inc["id"]
    assert incident_of(put(ctx, page["id"], incidentId=inc["id"], jiraIncidentId=jira))["id"] == inc["id"]
    assert incident_of(put(ctx, page["id"], incidentId=plain["id"], status="IDENTIFIED"))["status"] == "IDENTIFIED"
    # Mismatches and unknown keys: 404.
    for fields in ({"incidentId": inc["id"], "jiraIncidentId": jira + "x"},
                   {"incidentId": plain["id"], "jiraIncidentId": jira},
                   {"jiraIncidentId": jira + "-missing"},
                   {"incidentId": str(uuid.uuid4())}):
        check_error(put(ctx, page["id"], expect=404, **fields), 404)
    # The incident belongs to another page: 404.
    check_error(put(ctx, other_page["id"], expect=404, jiraIncidentId=jira), 404)
    check_error(put(ctx, other_page["id"], expect=404, incidentId=inc["id"]), 404)
    check_error(put(ctx, str(uuid.uuid4()), expect=404, incidentId=inc["id"]), 404)
    # Neither key: 400 naming them; no pageId: 400.
    err = check_error(put(ctx, page["id"], expect=400, message="x"), 400)
    assert "jiraIncidentId" in err.get("details", ""), err
    err = check_error(ctx.request("PUT", "/incidents", {"incidentUpdateRequest": {
        "incidentId": inc["id"]}}), 400)
    assert "pageId" in err.get("details", ""), err
    # Nothing above changed the timeline but the four good calls.
    assert len(updates_of(get_by(ctx, incidentId=inc["id"]))) == 4


def test_incident_resolution_resets_held_components(ctx):
    page, c = page_with_components(ctx, ("A", "B", "C", "D"))
    pid = page["id"]
    jira = ctx.uniq("INC")
    create(ctx, pid, jiraIncidentId=jira, affectedComponents=[
        {"componentId": c["A"], "status": "MAJOR_OUTAGE"},
        {"componentId": c["B"], "status": "PARTIAL_OUTAGE"},
        {"componentId": c["C"], "status": "UNDER_MAINTENANCE"}])
    # An update moves B; D is named once and set back by the request itself.
    put(ctx, pid, jiraIncidentId=jira, status="IDENTIFIED", affectedComponents=[
        {"componentId": c["B"], "status": "DEGRADED_PERFORMANCE"},
        {"componentId": c["D"], "status": "MAJOR_OUTAGE"}])
    put(ctx, pid, jiraIncidentId=jira, status="MONITORING", affectedComponents=[
        {"componentId": c["D"], "status": "OPERATIONAL"}])
    assert [live_status(ctx, c[n]) for n in "ABCD"] == [
        "MAJOR_OUTAGE", "DEGRADED_PERFORMANCE", "UNDER_MAINTENANCE", "OPERATIONAL"]
    # Resolving names C's status: C keeps it; A and B go back.
    r = put(ctx, pid, jiraIncidentId=jira, status="RESOLVED", message="fixed",
            affectedComponents=[{"componentId": c["C"], "status": "DEGRADED_PERFORMANCE"}])
    assert [live_status(ctx, c[n]) for n in "ABCD"] == [
        "OPERATIONAL", "OPERATIONAL", "DEGRADED_PERFORMANCE", "OPERATIONAL"]
    inc = incident_of(r)
    held = {x["componentId"]: x["status"] for x in inc["components"]}
    assert held == {c["A"]: "OPERATIONAL", c["B"]: "OPERATIONAL",
                    c["C"]: "DEGRADED_PERFORMANCE", c["D"]: "OPERATIONAL"}, held
    assert [x["componentId"] for x in inc["components"]] == [c["A"], c["B"], c["C"], c["D"]]
    last = updates_of(r)[0]
    assert last["affectedComponents"][0] == {"componentId": c["C"], "status": "DEGRADED_PERFORMANCE"}
    assert sorted((x["componentId"], x["status"]) for x in last["affectedComponents"][1:]) == sorted(
        [(c["A"], "OPERATIONAL"), (c["B"], "OPERATIONAL")]), last
    # History: every change closed one interval and opened the next.
    hist = ctx.psql("SELECT status FROM component_status_history WHERE cloud_id = '%s'"
                    " AND component_id = '%s' ORDER BY started_at" % (ctx.cloud, c["B"]))
    assert hist.splitlines() == ["OPERATIONAL", "PARTIAL_OUTAGE", "DEGRADED_PERFORMANCE",
                                 "OPERATIONAL"], hist


def test_incident_resolution_respects_other_open_incidents(ctx):
    page, c = page_with_components(ctx, ("Shared", "Own"))
    pid = page["id"]
    ja, jb = ctx.uniq("A"), ctx.uniq("B")
    create(ctx, pid, jiraIncidentId=jb, affectedComponents=[
        {"componentId": c["Shared"], "status": "PARTIAL_OUTAGE"}])
    create(ctx, pid, jiraIncidentId=ja, affectedComponents=[
        {"componentId": c["Shared"], "status": "MAJOR_OUTAGE"},
        {"componentId": c["Own"], "status": "MAJOR_OUTAGE"}])
    assert live_status(ctx, c["Shared"]) == "MAJOR_OUTAGE"
    # A resolves: Shared falls back to what B still holds it at.
    put(ctx, pid, jiraIncidentId=ja, status="RESOLVED")
    assert live_status(ctx, c["Shared"]) == "PARTIAL_OUTAGE"
    assert live_status(ctx, c["Own"]) == "OPERATIONAL"
    # B resolves: nobody holds it any more.
    put(ctx, pid, jiraIncidentId=jb, status="RESOLVED")
    assert live_status(ctx, c["Shared"]) == "OPERATIONAL"


def test_incident_health_and_uptime_follow(ctx):
    page, c = page_with_components(ctx, ("Core", "Edge"))
    pid = page["id"]
    jira = ctx.uniq("INC")

    def health():
        r = ctx.request("GET", "/pages/%s/summary" % pid)
        assert r.status == 200, r
        return r.json["pageSummaryDetails"]["health"]

    assert health() == "HEALTHY"
    create(ctx, pid, jiraIncidentId=jira, affectedComponents=[
        {"componentId": c["Core"], "status": "PARTIAL_OUTAGE"}])
    assert health() == "PARTIAL_OUTAGE"
    put(ctx, pid, jiraIncidentId=jira, status="IDENTIFIED", affectedComponents=[
        {"componentId": c["Core"], "status": "MAJOR_OUTAGE"}])
    assert health() == "MAJOR_OUTAGE"
    put(ctx, pid, jiraIncidentId=jira, status="RESOLVED")
    assert health() == "HEALTHY"
    hist = ctx.psql("SELECT status FROM component_status_history WHERE cloud_id = '%s'"
                    " AND component_id = '%s' ORDER BY started_at" % (ctx.cloud, c["Core"]))
    assert hist.splitlines() == ["OPERATIONAL", "PARTIAL_OUTAGE", "MAJOR_OUTAGE", "OPERATIONAL"], hist
    # Back-date the four intervals around a known window A .. A+10h:
    # PARTIAL for 2 h and MAJOR for 1 h: 100 * (1 - (0.3 * 2 + 1) / 10) = 84.
    a = "2026-01-01T00:00:00Z"
    ctx.psql(
        "UPDATE components SET created_at = timestamptz '%(a)s' - interval '1 day'"
        " WHERE cloud_id = '%(cl)s' AND page_id = '%(p)s';"
        "WITH h AS (SELECT started_at, row_number() OVER (ORDER BY started_at) AS n"
        " FROM component_status_history WHERE cloud_id = '%(cl)s' AND component_id = '%(c)s')"
        " UPDATE component_status_history x SET"
        " started_at = timestamptz '%(a)s' + (ARRAY[interval '-1 day', interval '1 hour',"
        " interval '3 hours', interval '4 hours'])[h.n],"
        " ended_at = CASE WHEN h.n = 4 THEN NULL ELSE timestamptz '%(a)s' +"
        " (ARRAY[interval '1 hour', interval '3 hours', interval '4 hours'])[h.n] END"
        " FROM h WHERE x.cloud_id = '%(cl)s' AND x.component_id = '%(c)s'"
        " AND x.started_at = h.started_at;"
        "UPDATE component_status_history SET started_at = timestamptz '%(a)s' - interval '1 day'"
        " WHERE cloud_id = '%(cl)s' AND component_id = '%(e)s'"
        % {"a": a, "cl": ctx.cloud, "p": pid, "c": c["Core"], "e": c["Edge"]})
    frm, to = "2026-01-01T00:00:00Z", "2026-01-01T10:00:00Z"
    sql = ctx.psql("SELECT name, uptime FROM component_uptimes('%s', '%s', '%s', '%s') ORDER BY name"
                   % (ctx.cloud, pid, frm, to))
    assert sql.splitlines() == ["Core|84.00", "Edge|100.00"], sql
    r = ctx.request("GET", "/components/%s/uptime_percentage?from=%s&to=%s" % (c["Core"], frm, to))
    if r.status != 404 or "no such route" not in r.body.decode():
        assert r.status == 200, r
        assert abs(float(r.json["uptimePercentage"]) - 84.0) < 0.001, r.json
        r = ctx.request("GET", "/pages/%s/uptime_percentage?from=%s&to=%s" % (pid, frm, to))
        assert r.status == 200, r
        assert abs(float(r.json["uptimePercentage"]) - 92.0) < 0.001, r.json


def test_incident_parallel_updates_both_in_timeline(ctx):
    page, comps = page_with_components(ctx, ("Racy",))
    jira = ctx.uniq("RACE")
    create(ctx, page["id"], jiraIncidentId=jira, message="start")
    sent = []
    errors = []
    for rnd in range(5):
        barrier = threading.Barrier(4)

        def go(k, rnd=rnd, barrier=barrier):
            status = STATUSES[(rnd + k) % 4]
            msg = "round %d writer %d" % (rnd, k)
            barrier.wait()
            r = ctx.request("PUT", "/incidents", {"incidentUpdateRequest": {
                "pageId": page["id"], "jiraIncidentId": jira, "status": status, "message": msg,
                "affectedComponents": [{"componentId": comps["Racy"],
                                        "status": COMPONENT_STATUSES[(rnd + k) % 5]}]}})
            if r.status != 200:
                errors.append(r)
            sent.append(msg)

        threads = [threading.Thread(target=go, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors, errors
    r = get_by(ctx, externalIncidentId=jira, pageId=page["id"])
    timeline = list(reversed(updates_of(r)))
    assert len(timeline) == 21, len(timeline)
    assert sorted(u["body"] for u in timeline[1:]) == sorted(sent)
    for prev, cur in zip(timeline, timeline[1:]):
        # Each update saw the one committed before it.
        assert cur["oldStatus"] == prev["status"], (prev, cur)
        assert cur["createdAt"] >= prev["createdAt"], (prev, cur)
    assert incident_of(r)["status"] == timeline[-1]["status"]
    # The component ends at the status the last update named, and its
    # history is a chain of intervals, each starting where the last ended.
    assert live_status(ctx, comps["Racy"]) == timeline[-1]["affectedComponents"][0]["status"]
    gaps = ctx.psql("SELECT count(*) FROM (SELECT started_at, lag(ended_at) OVER (ORDER BY"
                    " started_at) AS prev_end FROM component_status_history WHERE cloud_id = '%s'"
                    " AND component_id = '%s') h WHERE prev_end IS DISTINCT FROM started_at"
                    % (ctx.cloud, comps["Racy"]))
    assert gaps == "1", gaps  # only the first interval has no predecessor
    seqs = ctx.psql("SELECT string_agg(seq::text, ',' ORDER BY seq) FROM incident_updates"
                    " WHERE cloud_id = '%s' AND incident_id = '%s'" % (ctx.cloud, incident_of(r)["id"]))
    assert seqs == ",".join(str(i) for i in range(1, 22)), seqs


def test_incident_writes_are_one_statement_each(ctx):
    """A create or an update is one statement, so one round trip
    (incident_create, incident_update: issue 13 goal 5), with reminders,
    components and a resolution in it; it was six with BEGIN and COMMIT.
    statusd_db_statements_total counts the prepared statements the workers
    run, token look-ups included (one per worker and new token at most):
    the old path ran at least 40 for these ten writes."""
    from test_ops import delta, scrape
    page, c = page_with_components(ctx, ("A", "B"))
    pid = page["id"]
    tok = ctx.make_token(scopes="all")
    auth = (ctx.email, tok)
    for _ in range(8):  # every worker caches the token
        ctx.request("GET", "/pages/%s" % pid, auth=auth)
    before = scrape(ctx)
    ids = []
    for i in range(5):
        r = create(ctx, pid, auth=auth, jiraIncidentId=ctx.uniq("one"),
                   reminderIntervals=[30], affectedComponents=[
                       {"componentId": c["A"], "status": "MAJOR_OUTAGE"}])
        ids.append(incident_of(r)["id"])
    for i, iid in enumerate(ids):
        put(ctx, pid, auth=auth, incidentId=iid, status="RESOLVED", message="done %d" % i)
    after = scrape(ctx)
    misses = delta(before, after, "statusd_token_cache_misses_total")
    # Ten writes; a worker's first request may add a look-up or two.
    assert delta(before, after, "statusd_db_statements_total") - misses <= 10 + 2, \
        (delta(before, after, "statusd_db_statements_total"), misses)
    assert live_status(ctx, c["A"]) == "OPERATIONAL"


ALL_PAGE_STATUSES = "{DRAFT,PUBLISHED,UNPUBLISHED,PUBLISHED_WITH_CHANGES,UNPUBLISHED_WITH_CHANGES}"


def _row_writes(ctx, statement):
    """statement run as statusd runs it, in a transaction of its own:
    (its outcome, [rows inserted, rows updated] of incidents in it)."""
    out = ctx.psql("BEGIN; %s; SELECT n_tup_ins || ' ' || n_tup_upd"
                   " FROM pg_stat_xact_user_tables WHERE relname = 'incidents'; COMMIT"
                   % statement).splitlines()
    return out[0], [int(n) for n in out[1].split()]


def test_incident_writes_write_the_row_once(ctx):
    """A create inserts its incident row with its node already rendered, and
    an update writes the row once (issue 13 goal 5): writing it again was a
    second row version, and nine index entries more whenever the new
    version did not fit the row's page. Named components, reminders, a
    status change and a resolution included; the nodes stay the fresh
    rendering, and a node of many updates is stored lz4-compressed."""
    page, c = page_with_components(ctx, ("A", "B"))
    pid, iid = page["id"], str(uuid.uuid4())
    outcome, writes = _row_writes(ctx, (
        "SELECT outcome FROM incident_create('%s', '%s', '%s', '%s', '%s', NULL,"
        " 'Row once', 'INVESTIGATING', 'MINOR', 'Looking', true, '{%s,%s}',"
        " '{MAJOR_OUTAGE,DEGRADED_PERFORMANCE}', '{30}')"
        % (ctx.cloud, pid, ALL_PAGE_STATUSES, iid, uuid.uuid4().hex[:12], c["B"], c["A"])))
    assert (outcome, writes) == ("created", [1, 0])
    for status in ("IDENTIFIED", "MONITORING", None, "RESOLVED"):
        outcome, writes = _row_writes(ctx, (
            "SELECT outcome FROM incident_update('%s', '%s', '%s', '%s', NULL, 'Renamed',"
            " %s, NULL, '%s', true, %s, NULL)"
            % (ctx.cloud, pid, ALL_PAGE_STATUSES, iid,
               "'%s'" % status if status else "NULL", "x" * 1500,
               "'{}', '{}'" if status == "RESOLVED"
               else "'{%s}', '{PARTIAL_OUTAGE}'" % c["A"])))
        assert (outcome, writes) == ("updated", [0, 1]), status
    assert live_status(ctx, c["A"]) == "OPERATIONAL"
    assert live_status(ctx, c["B"]) == "OPERATIONAL"
    got = get_by(ctx, incidentId=iid).json["incidentWithUpdates"]
    assert [u["status"] for u in got["incidentUpdates"]] == \
        ["RESOLVED", "MONITORING", "MONITORING", "IDENTIFIED", "INVESTIGATING"]
    assert [x["componentId"] for x in got["incident"]["components"]] == [c["B"], c["A"]]
    assert ctx.psql("SELECT count(*) FROM incidents i WHERE cloud_id = '%s' AND page_id = '%s'"
                    " AND node IS DISTINCT FROM incident_node_render(i)" % (ctx.cloud, pid)) == "0"
    if ctx.psql("SELECT 'lz4' = ANY (enumvals) FROM pg_settings"
                " WHERE name = 'default_toast_compression'") == "t":
        assert ctx.psql("SELECT pg_column_compression(node) FROM incidents"
                        " WHERE cloud_id = '%s' AND id = '%s'" % (ctx.cloud, iid)) == "lz4"


def test_incident_parallel_updates_sharing_components(ctx):
    page, c = page_with_components(ctx, ("X", "Y", "Z"))
    pid = page["id"]
    jiras = [ctx.uniq("S%d" % i) for i in range(4)]
    for j in jiras:
        create(ctx, pid, jiraIncidentId=j)
    errors = []
    order = [c["X"], c["Y"], c["Z"]]
    for rnd in range(3):
        barrier = threading.Barrier(4)

        def go(k, rnd=rnd, barrier=barrier):
            ids = order if k % 2 else list(reversed(order))
            status = "RESOLVED" if rnd == 2 else "IDENTIFIED"
            barrier.wait()
            r = ctx.request("PUT", "/incidents", {"incidentUpdateRequest": {
                "pageId": pid, "jiraIncidentId": jiras[k], "status": status,
                "affectedComponents": [] if status == "RESOLVED" else
                [{"componentId": i, "status": COMPONENT_STATUSES[(k + n) % 5]}
                 for n, i in enumerate(ids)]}})
            if r.status != 200:
                errors.append(r)

        threads = [threading.Thread(target=go, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors, errors
    # All four resolved: nothing holds the components any more.
    assert [live_status(ctx, i) for i in order] == ["OPERATIONAL"] * 3
    open_rows = ctx.psql("SELECT count(*) FROM component_status_history WHERE cloud_id = '%s'"
                         " AND component_id IN ('%s') AND ended_at IS NULL"
                         % (ctx.cloud, "','".join(order)))
    assert open_rows == "3", open_rows


# --- look-ups ----------------------------------------------------------------------

def test_incident_get_by_each_key(ctx):
    page = ctx.create_page()
    jira = ctx.uniq("GET")
    r0 = create(ctx, page["id"], jiraIncidentId=jira, message="hello")
    inc = incident_of(r0)
    by_id = get_by(ctx, incidentId=inc["id"])
    check_common_headers(by_id)
    assert set(by_id.json) == {"page", "incidentWithUpdates"}
    assert by_id.json == r0.json
    assert get_by(ctx, incidentId=inc["id"].upper()).json == r0.json
    assert get_by(ctx, incidentCode=inc["incidentCode"]).json == r0.json
    assert get_by(ctx, incidentCode=inc["incidentCode"].upper()).json == r0.json
    assert get_by(ctx, externalIncidentId=jira).json == r0.json
    assert get_by(ctx, externalIncidentId=jira, pageId=page["id"]).json == r0.json
    # Missing: 404.
    check_error(get_by(ctx, 404, incidentId=str(uuid.uuid4())), 404)
    check_error(get_by(ctx, 404, incidentCode="zzzzzzzz"), 404)
    check_error(get_by(ctx, 404, externalIncidentId=jira + "-no"), 404)
    check_error(get_by(ctx, 404, externalIncidentId=jira, pageId=str(uuid.uuid4())), 404)
    # Exactly one key.
    for q in ({}, {"incidentId": inc["id"], "incidentCode": inc["incidentCode"]},
              {"incidentCode": inc["incidentCode"], "externalIncidentId": jira},
              {"incidentId": inc["id"], "incidentCode": "x", "externalIncidentId": jira},
              {"incidentId": "not-a-uuid"}, {"pageId": "nope", "externalIncidentId": jira}):
        err = check_error(get_by(ctx, 400, **q), 400)
        assert err.get("details"), err
    r = ctx.request("GET", "/incidents/get?incidentId=%s&incidentId=%s" % (inc["id"], inc["id"]))
    check_error(r, 400)
    # One Jira id on two pages: ambiguous without pageId.
    other = ctx.create_page()
    r1 = create(ctx, other["id"], jiraIncidentId=jira)
    check_error(get_by(ctx, 409, externalIncidentId=jira), 409)
    assert get_by(ctx, externalIncidentId=jira, pageId=other["id"]).json == r1.json


def test_incident_soft_deleted_and_archived_pages(ctx):
    page = ctx.create_page()
    jira = ctx.uniq("DEL")
    inc = incident_of(create(ctx, page["id"], jiraIncidentId=jira))
    assert ctx.request("POST", "/pages/%s/soft_delete" % page["id"]).status == 200
    # Writes refused, reads by key still answer, lists leave it out.
    check_error(create(ctx, page["id"], expect=409), 409)
    check_error(put(ctx, page["id"], expect=409, jiraIncidentId=jira), 409)
    assert get_by(ctx, incidentId=inc["id"]).json["page"]["pageStatus"] == "SOFT_DELETED"
    r = ctx.request("GET", "/incidents/list/v2?pageId=%s" % page["id"])
    assert r.status == 200 and r.json["nodes"] == [] and r.json["totalCount"] == 0, r
    assert ctx.request("POST", "/pages/%s/recover" % page["id"]).status == 200
    put(ctx, page["id"], jiraIncidentId=jira, message="back")
    assert ctx.request("POST", "/pages/%s/permanent_delete" % page["id"]).status == 200
    missing = get_by(ctx, 404, incidentId=str(uuid.uuid4()))
    gone = get_by(ctx, 404, incidentId=inc["id"])
    assert gone.body == missing.body
    check_error(get_by(ctx, 404, incidentCode=inc["incidentCode"]), 404)
    check_error(put(ctx, page["id"], expect=404, jiraIncidentId=jira), 404)
    check_error(create(ctx, page["id"], expect=404), 404)


# --- lists ----------------------------------------------------------------------------

def test_incident_list_v2_pages_forward_and_backward(ctx):
    page = ctx.create_page()
    pid = page["id"]
    created = [incident_of(create(ctx, pid, name="N%02d" % i))["id"] for i in range(30)]
    newest_first = list(reversed(created))
    base = "/incidents/list/v2?pageId=%s" % pid
    fwd = walk(ctx, base, "first", "after", 7)
    assert [len(r.json["nodes"]) for r in fwd] == [7, 7, 7, 7, 2]
    got = [i for r in fwd for i in node_ids(r)]
    assert got == newest_first, "forward walk out of order or with gaps"
    for k, r in enumerate(fwd):
        info = r.json["pageInfo"]
        assert r.json["totalCount"] == 30
        assert info["hasNextPage"] == (k < 4) and info["hasPreviousPage"] == (k > 0), (k, info)
        for n in r.json["nodes"]:
            assert set(n) == {"incident", "incidentUpdates"} and len(n["incidentUpdates"]) == 1
    back = walk(ctx, base, "last", "before", 7)
    assert [len(r.json["nodes"]) for r in back] == [7, 7, 7, 7, 2]
    got = [i for r in reversed(back) for i in node_ids(r)]
    assert got == newest_first, "backward walk out of order or with gaps"
    assert back[0].json["pageInfo"]["hasNextPage"] is False
    assert back[1].json["pageInfo"]["hasNextPage"] is True
    # From the middle: before page 2's start is page 1; after page 1's end
    # is page 2.
    r = ctx.request("GET", base + "&last=7&before=" + fwd[1].json["pageInfo"]["startCursor"])
    assert node_ids(r) == node_ids(fwd[0]), r
    assert r.json["pageInfo"]["hasPreviousPage"] is False and r.json["pageInfo"]["hasNextPage"] is True
    r = ctx.request("GET", base + "&first=7&after=" + fwd[0].json["pageInfo"]["endCursor"])
    assert node_ids(r) == node_ids(fwd[1])
    # Defaults: 25, and a page of one.
    r = ctx.request("GET", base)
    assert len(r.json["nodes"]) == 25 and r.json["pageInfo"]["hasNextPage"] is True
    r = ctx.request("GET", base + "&first=1")
    assert node_ids(r) == newest_first[:1]
    # The window is re-evaluated: a new incident shows up at the start.
    fresh = incident_of(create(ctx, pid))["id"]
    r = ctx.request("GET", base + "&first=7&after=" + fwd[0].json["pageInfo"]["endCursor"])
    assert node_ids(r) == node_ids(fwd[1]) and r.json["totalCount"] == 31
    r = ctx.request("GET", base + "&first=1")
    assert node_ids(r) == [fresh]


def test_incident_list_v2_show_active_and_cloud_wide(ctx):
    cloud, auth = new_cloud(ctx)
    p1 = ctx.create_page(cloud=cloud, auth=auth)
    p2 = ctx.create_page(cloud=cloud, auth=auth)
    ids = {}
    for i in range(6):
        p = p1 if i % 2 else p2
        inc = incident_of(create(ctx, p["id"], cloud=cloud, auth=auth,
                                 status="RESOLVED" if i % 3 == 0 else "IDENTIFIED"))
        ids[inc["id"]] = (p["id"], inc["status"])
    allr = ctx.request("GET", "/incidents/list/v2", cloud=cloud, auth=auth)
    assert allr.status == 200 and allr.json["totalCount"] == 6
    assert set(node_ids(allr)) == set(ids)
    active = ctx.request("GET", "/incidents/list/v2?showActive=true", cloud=cloud, auth=auth)
    assert set(node_ids(active)) == {i for i, (_, s) in ids.items() if s != "RESOLVED"}
    assert active.json["totalCount"] == 4
    assert ctx.request("GET", "/incidents/list/v2?showActive=false", cloud=cloud,
                       auth=auth).json["totalCount"] == 6
    one = ctx.request("GET", "/incidents/list/v2?showActive=true&pageId=%s" % p1["id"],
                      cloud=cloud, auth=auth)
    assert set(node_ids(one)) == {i for i, (p, s) in ids.items() if p == p1["id"] and s != "RESOLVED"}
    # Active walk in pages of 1 both ways.
    fwd = walk(ctx, "/incidents/list/v2?showActive=true", "first", "after", 1, cloud=cloud, auth=auth)
    back = walk(ctx, "/incidents/list/v2?showActive=true", "last", "before", 1, cloud=cloud, auth=auth)
    assert [i for r in fwd for i in node_ids(r)] == node_ids(active)
    assert [i for r in reversed(back) for i in node_ids(r)] == node_ids(active)
    for q in ("showActive=yes", "showActive=1", "showActive=true&showActive=false"):
        check_error(ctx.request("GET", "/incidents/list/v2?" + q, cloud=cloud, auth=auth), 400)
    # An empty cloud lists nothing.
    empty_cloud, empty_auth = new_cloud(ctx)
    r = ctx.request("GET", "/incidents/list/v2", cloud=empty_cloud, auth=empty_auth)
    assert r.status == 200 and r.json["nodes"] == [] and r.json["totalCount"] == 0, r
    assert r.json["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": False}, r.json


def test_incident_list_v1_cursor_and_limit(ctx):
    cloud, auth = new_cloud(ctx)
    page = ctx.create_page(cloud=cloud, auth=auth)
    created = [incident_of(create(ctx, page["id"], cloud=cloud, auth=auth))["id"] for _ in range(30)]
    pages = walk(ctx, "/incidents/list", "limit", "cursor", 7, cloud=cloud, auth=auth)
    assert [len(r.json["nodes"]) for r in pages] == [7, 7, 7, 7, 2]
    assert [i for r in pages for i in node_ids(r)] == list(reversed(created))
    assert all(r.json["totalCount"] == 30 for r in pages)
    ex = spec_example("GET", "/incidents/list")
    assert_keys(pages[0].json, ex, "list")
    r = ctx.request("GET", "/incidents/list", cloud=cloud, auth=auth)
    assert len(r.json["nodes"]) == 25
    for q in ("limit=0", "limit=101", "limit=x", "limit=5&limit=6", "cursor=abc",
              "cursor=" + "A" * 60 + "." + "B" * 22):
        check_error(ctx.request("GET", "/incidents/list?" + q, cloud=cloud, auth=auth), 400)


def test_incident_list_cursors_are_bound_to_their_list(ctx):
    p1, p2 = ctx.create_page(), ctx.create_page()
    for p in (p1, p2):
        for _ in range(3):
            create(ctx, p["id"])
    r = ctx.request("GET", "/incidents/list/v2?first=1&pageId=%s" % p1["id"])
    cur = r.json["pageInfo"]["endCursor"]
    ok = ctx.request("GET", "/incidents/list/v2?first=1&pageId=%s&after=%s" % (p1["id"], cur))
    assert ok.status == 200
    bad = [
        "/incidents/list/v2?first=1&pageId=%s&after=%s" % (p2["id"], cur),
        "/incidents/list/v2?first=1&pageId=%s&showActive=true&after=%s" % (p1["id"], cur),
        "/incidents/list/v2?first=1&after=%s" % cur,
        "/incidents/list?limit=1&cursor=%s" % cur,
        "/incidents/list/v2?first=1&pageId=%s&after=%s" % (p1["id"], cur[:-2] + ("AA" if cur[-2:] != "AA" else "BB")),
        "/incidents/list/v2?first=1&pageId=%s&after=%s" % (p1["id"], "x" + cur),
        "/pages/summary/v2?first=1&after=%s" % cur,
    ]
    for path in bad:
        err = check_error(ctx.request("GET", path), 400)
        assert "cursor" in err["error"], (path, err)
    # A cursor of the same list in another cloud is foreign too.
    cloud, auth = new_cloud(ctx)
    op = ctx.create_page(cloud=cloud, auth=auth)
    create(ctx, op["id"], cloud=cloud, auth=auth)
    create(ctx, op["id"], cloud=cloud, auth=auth)
    oc = ctx.request("GET", "/incidents/list?limit=1", cloud=cloud, auth=auth).json["pageInfo"]["endCursor"]
    check_error(ctx.request("GET", "/incidents/list?limit=1&cursor=" + oc), 400)
    # Paging parameters.
    for q in ("first=0", "first=101", "last=0", "first=2&last=2", "first=1&before=%s" % cur,
              "first=a", "pageId=not-a-uuid"):
        check_error(ctx.request("GET", "/incidents/list/v2?" + q), 400)
    # An unknown page: 404, as for any id of another cloud.
    check_error(ctx.request("GET", "/incidents/list/v2?pageId=%s" % uuid.uuid4()), 404)


def test_incident_list_fixed_number_of_queries(ctx):
    cloud, auth = new_cloud(ctx)
    page = ctx.create_page(cloud=cloud, auth=auth)
    for i in range(25):
        jira = "Q-%d" % i
        create(ctx, page["id"], cloud=cloud, auth=auth, jiraIncidentId=jira, message="m0")
        for k in range(1, 10):
            put(ctx, page["id"], cloud=cloud, auth=auth, jiraIncidentId=jira, message="m%d" % k)
    log = os.path.join(ctx.state_dir, "log", "postgres.log")
    if ctx.superuser_url() is None or not os.path.exists(log):
        print("note: no local cluster log; query count not checked")
        return
    admin_sql = ctx.superuser_psql

    paths = ["/incidents/list/v2?first=25&pageId=%s" % page["id"], "/incidents/list?limit=25",
             "/incidents/list/v2?last=25"]
    counts = []
    admin_sql("ALTER SYSTEM SET log_statement = 'all'")
    admin_sql("SELECT pg_reload_conf()")
    try:
        time.sleep(0.5)
        for path in paths:
            for _ in range(2):  # warm every worker's token cache first
                ctx.request("GET", path, cloud=cloud, auth=auth)
            start = os.path.getsize(log)
            r = ctx.request("GET", path, cloud=cloud, auth=auth)
            assert r.status == 200, r
            assert len(r.json["nodes"]) == 25
            assert all(len(n["incidentUpdates"]) == 10 for n in r.json["nodes"])
            time.sleep(0.3)
            with open(log, "rb") as f:
                f.seek(start)
                text = f.read().decode("utf-8", "replace")
            stmts = re.findall(r"LOG:  execute (\w+)", text)
            counts.append([s for s in stmts if not s.startswith("TOKEN_")])
    finally:
        admin_sql("ALTER SYSTEM RESET log_statement")
        admin_sql("SELECT pg_reload_conf()")
    assert counts == [["INCIDENTS_PAGE_AFTER"], ["INCIDENTS_AFTER"], ["INCIDENTS_BEFORE"]], counts


# --- notifications ------------------------------------------------------------------

def test_incident_notifications_outbox(ctx):
    page, c = page_with_components(ctx, ("Mail",))
    pid = page["id"]
    heard(ctx, pid)
    jira = ctx.uniq("N")
    inc = incident_of(create(ctx, pid, jiraIncidentId=jira, shouldSendNotifications=True,
                             message="first", affectedComponents=[
                                 {"componentId": c["Mail"], "status": "PARTIAL_OUTAGE"}]))
    put(ctx, pid, jiraIncidentId=jira, message="quiet", shouldSendNotifications=False)
    put(ctx, pid, jiraIncidentId=jira, message="loud", status="MONITORING")
    put(ctx, pid, jiraIncidentId=jira, message="done", status="RESOLVED", shouldSendNotifications=True)
    rows = outbox(ctx, inc["id"])
    assert [(k, p["body"]) for k, p, *_ in rows] == [
        ("incident.created", "first"), ("incident.updated", "loud"), ("incident.resolved", "done")], rows
    for kind, payload, attempts, pending, cloud in rows:
        # Due: no notifier runs here.
        assert attempts == 0 and pending and cloud == ctx.cloud
        assert payload["incidentId"] == inc["id"] and payload["pageId"] == pid
        assert payload["incidentCode"] == inc["incidentCode"]
        assert payload["externalIncidentId"] == jira
    assert rows[0][1]["affectedComponents"] == [{"componentId": c["Mail"], "status": "PARTIAL_OUTAGE"}]
    assert rows[2][1]["oldStatus"] == "MONITORING" and rows[2][1]["status"] == "RESOLVED"
    assert rows[2][1]["affectedComponents"] == [{"componentId": c["Mail"], "status": "OPERATIONAL"}]
    # The timeline records the choice per update.
    flags = [u["shouldSendNotifications"] for u in updates_of(get_by(ctx, incidentId=inc["id"]))]
    assert flags == [True, True, False, True], flags
    # A refused write leaves no outbox row.
    before = ctx.psql("SELECT count(*) FROM notification_outbox WHERE cloud_id = '%s'" % ctx.cloud)
    create(ctx, pid, expect=400, affectedComponents=[{"componentId": str(uuid.uuid4()),
                                                       "status": "MAJOR_OUTAGE"}])
    assert ctx.psql("SELECT count(*) FROM notification_outbox WHERE cloud_id = '%s'" % ctx.cloud) == before


# --- bad input ----------------------------------------------------------------------

def test_incident_bad_input_400(ctx):
    page, c = page_with_components(ctx, ("Mine",), groups={"Group": ["Child"]})
    other_page, oc = page_with_components(ctx, ("Theirs",))
    pid = page["id"]
    jira = ctx.uniq("BAD")
    create(ctx, pid, jiraIncidentId=jira)
    group_id = c["Group"]

    def comps(*items):
        return [{"componentId": i, "status": s} for i, s in items]

    cases = [
        ({"name": "x", "status": "BROKEN"}, "status"),
        ({"name": "x", "status": "investigating"}, "status"),
        ({"name": "x", "impact": "HUGE"}, "impact"),
        ({"name": "x", "status": None}, "status"),
        ({"name": 5}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": None}, "name"),
        ({"name": "x" * 256}, "name"),
        ({}, "name"),
        ({"name": "x", "message": 12}, "message"),
        ({"name": "x", "message": "m" * 65537}, "message"),
        ({"name": "x", "jiraIncidentId": ""}, "jiraIncidentId"),
        ({"name": "x", "jiraIncidentId": 7}, "jiraIncidentId"),
        ({"name": "x", "shouldSendNotifications": "yes"}, "shouldSendNotifications"),
        ({"name": "x", "affectedComponents": "all"}, "affectedComponents"),
        ({"name": "x", "affectedComponents": [c["Mine"]]}, "affectedComponents[0]"),
        ({"name": "x", "affectedComponents": [{"componentId": c["Mine"]}]}, "affectedComponents[0].status"),
        ({"name": "x", "affectedComponents": comps((c["Mine"], "DOWN"))}, "affectedComponents[0].status"),
        ({"name": "x", "affectedComponents": comps(("not-a-uuid", "MAJOR_OUTAGE"))},
         "affectedComponents[0].componentId"),
        ({"name": "x", "affectedComponents": [{"componentId": c["Mine"], "status": "MAJOR_OUTAGE",
                                               "extra": 1}]}, "affectedComponents[0].extra"),
        ({"name": "x", "affectedComponents": comps((c["Mine"], "MAJOR_OUTAGE"),
                                                    (oc["Theirs"], "MAJOR_OUTAGE"))},
         "affectedComponents[1].componentId"),
        ({"name": "x", "affectedComponents": comps((str(uuid.uuid4()), "MAJOR_OUTAGE"))},
         "affectedComponents[0].componentId"),
        ({"name": "x", "affectedComponents": comps((group_id, "MAJOR_OUTAGE"))},
         "affectedComponents[0].componentId"),
        ({"name": "x", "affectedComponents": comps((c["Mine"], "MAJOR_OUTAGE"),
                                                    (c["Mine"].upper(), "OPERATIONAL"))},
         "affectedComponents[1].componentId"),
        ({"name": "x", "id": str(uuid.uuid4())}, "id"),
        ({"name": "x", "incidentId": str(uuid.uuid4())}, "incidentId"),
        ({"name": "x", "createdAt": "2026-01-01T00:00:00Z"}, "createdAt"),
        ({"name": "x", "pageId": "not-a-uuid"}, "pageId"),
        ({"name": "x", "pageId": 42}, "pageId"),
    ]
    before = ctx.psql("SELECT count(*) FROM incidents WHERE cloud_id = '%s'" % ctx.cloud)
    for fields, named in cases:
        body = {"pageId": pid}
        body.update(fields)
        r = ctx.request("POST", "/incidents", {"incidentCreateRequest": body})
        err = check_error(r, 400)
        assert named in err.get("details", ""), (fields, named, err)
        # The update request has the same rules.
        if "name" in fields and fields["name"] == "x" and "incidentId" not in fields \
                and "pageId" not in fields:
            upd = dict(fields, pageId=pid, jiraIncidentId=fields.get("jiraIncidentId", jira))
            del upd["name"]
            r = ctx.request("PUT", "/incidents", {"incidentUpdateRequest": upd})
            err = check_error(r, 400)
            assert named in err.get("details", ""), ("PUT", fields, named, err)
    # Whole-body problems.
    for raw, ctype, st in ((b"{", "application/json", 400), (b"[]", "application/json", 400),
                           (b"", "application/json", 400), (b"name=x", "text/plain", 415),
                           (b'{"incidentCreateRequest": {"pageId": "%s", "name": "a\\u0000b"}}'
                            % pid.encode(), "application/json", 400),
                           (b'{"incidentCreateRequest": {"pageId": "%s", "name": "\xff"}}'
                            % pid.encode(), "application/json", 400)):
        check_error(ctx.request("POST", "/incidents", raw_body=raw, content_type=ctype), st)
    for body in ({"incidentCreateRequest": {"pageId": pid, "name": "x"}, "extra": 1},
                 {"incidentUpdateRequest": {"pageId": pid, "name": "x"}},
                 {"incidentCreateRequest": "x"}, {"incidentCreateRequest": None}, {}):
        err = check_error(ctx.request("POST", "/incidents", body), 400)
        assert err.get("details"), err
    # Duplicate keys are refused.
    dup = b'{"incidentCreateRequest": {"pageId": "%s", "name": "a", "name": "b"}}' % pid.encode()
    check_error(ctx.request("POST", "/incidents", raw_body=dup), 400)
    # Nothing was written; statuses untouched.
    assert ctx.psql("SELECT count(*) FROM incidents WHERE cloud_id = '%s'" % ctx.cloud) == before
    assert live_status(ctx, c["Mine"]) == "OPERATIONAL"
    assert live_status(ctx, oc["Theirs"]) == "OPERATIONAL"
    # Missing page: 404 (not a field problem).
    check_error(create(ctx, str(uuid.uuid4()), expect=404), 404)
    # A 1 MB body is refused before the handler.
    r = ctx.request("POST", "/incidents", {"incidentCreateRequest": {
        "pageId": pid, "name": "big", "message": "m" * (1024 * 1024)}})
    check_error(r, 413, allow_nginx=True)
    # The limit itself is accepted.
    inc = incident_of(create(ctx, pid, message="é" * 65536))
    assert len(updates_of(get_by(ctx, incidentId=inc["id"]))[0]["body"]) == 65536


def test_incident_component_failure_rolls_back_everything(ctx):
    page, c = page_with_components(ctx, ("One", "Two"))
    pid = page["id"]
    jira = ctx.uniq("RB")
    create(ctx, pid, jiraIncidentId=jira, affectedComponents=[
        {"componentId": c["One"], "status": "PARTIAL_OUTAGE"}])
    # The first item is fine, the second is not: neither applies.
    r = ctx.request("PUT", "/incidents", {"incidentUpdateRequest": {
            "pageId": pid, "jiraIncidentId": jira, "status": "RESOLVED", "name": "changed",
            "affectedComponents": [{"componentId": c["Two"], "status": "MAJOR_OUTAGE"},
                                   {"componentId": str(uuid.uuid4()), "status": "MAJOR_OUTAGE"}]}})
    err = check_error(r, 400)
    assert "affectedComponents[1].componentId" in err["details"], err
    assert live_status(ctx, c["One"]) == "PARTIAL_OUTAGE"
    assert live_status(ctx, c["Two"]) == "OPERATIONAL"
    inc = incident_of(get_by(ctx, externalIncidentId=jira, pageId=pid))
    assert inc["status"] == "INVESTIGATING" and inc["name"] != "changed"
    assert len(updates_of(get_by(ctx, incidentId=inc["id"]))) == 1


# --- scopes and tenants ----------------------------------------------------------

def test_incident_routes_scopes(ctx):
    served = {(m, p): s for m, p, s in routecases.served_routes(ctx)}
    for key, scope in INCIDENT_ROUTES.items():
        assert served.get(key) == scope, (key, served.get(key))
        method = key[0]
        path, body, ok = routecases.CASES[key](ctx)
        # Every scope but the route's: 403 naming it.
        others = [s for s in ALL_SCOPES if s != scope]
        tok = ctx.make_token(ctx.cloud, others, email="noinc@example.com")
        r = ctx.request(method, path, body, auth=("noinc@example.com", tok))
        check_error(r, 403)
        wa = r.headers.get("WWW-Authenticate") or ""
        assert "insufficient_scope" in wa and scope in wa, (key, wa)
        # Each other incident scope alone is not enough either.
        for s in (READ_INCIDENT, WRITE_INCIDENT, DELETE_INCIDENT):
            if s == scope:
                continue
            t1 = ctx.make_token(ctx.cloud, [s], email="one@example.com")
            check_error(ctx.request(method, path, body, auth=("one@example.com", t1)), 403)
        # The one scope alone is enough.
        only = ctx.make_token(ctx.cloud, [scope], email="only@example.com")
        r = ctx.request(method, path, body, auth=("only@example.com", only))
        assert r.status == ok, (key, r)
        # No credentials: 401.
        r = ctx.request(method, path, body, auth=None)
        check_error(r, 401)


def test_incident_other_clouds_ids_404_like_missing(ctx):
    ocloud, oemail, otok = ctx.other_cloud()
    oauth = (oemail, otok)
    opage, oc = page_with_components(ctx, ("Foreign",), cloud=ocloud, auth=oauth)
    jira = ctx.uniq("F")
    oinc = incident_of(create(ctx, opage["id"], cloud=ocloud, auth=oauth, jiraIncidentId=jira))
    r = ctx.request("POST", "/incidents/templates", template_body(opage["id"]), cloud=ocloud, auth=oauth)
    assert r.status == 201, r
    otpl = r.json["incidentTemplate"]
    page, c = page_with_components(ctx, ("Home",))
    rnd = str(uuid.uuid4())

    def same(a, b):
        assert a.status == b.status == 404, (a, b)
        assert a.body == b.body, (a.body, b.body)

    same(get_by(ctx, 404, incidentId=oinc["id"]), get_by(ctx, 404, incidentId=rnd))
    same(get_by(ctx, 404, incidentCode=oinc["incidentCode"]), get_by(ctx, 404, incidentCode="zzzzzzzz"))
    same(get_by(ctx, 404, externalIncidentId=jira), get_by(ctx, 404, externalIncidentId=jira + "-none"))
    same(create(ctx, opage["id"], expect=404), create(ctx, rnd, expect=404))
    same(put(ctx, opage["id"], expect=404, jiraIncidentId=jira),
         put(ctx, rnd, expect=404, jiraIncidentId=jira))
    same(put(ctx, page["id"], expect=404, incidentId=oinc["id"]),
         put(ctx, page["id"], expect=404, incidentId=rnd))
    for m, body in (("GET", None), ("PUT", {"incidentTemplate": {"title": "x"}}), ("DELETE", None)):
        same(ctx.request(m, "/incidents/templates/" + otpl["id"], body),
             ctx.request(m, "/incidents/templates/" + rnd, body))
    same(ctx.request("GET", "/incidents/templates/list?pageId=" + opage["id"]),
         ctx.request("GET", "/incidents/templates/list?pageId=" + rnd))
    same(ctx.request("GET", "/incidents/list/v2?pageId=" + opage["id"]),
         ctx.request("GET", "/incidents/list/v2?pageId=" + rnd))
    same(ctx.request("POST", "/incidents/templates", template_body(opage["id"])),
         ctx.request("POST", "/incidents/templates", template_body(rnd)))
    # Another cloud's component is refused like a missing one.
    a = create(ctx, page["id"], expect=400, affectedComponents=[
        {"componentId": oc["Foreign"], "status": "MAJOR_OUTAGE"}])
    b = create(ctx, page["id"], expect=400, affectedComponents=[
        {"componentId": rnd, "status": "MAJOR_OUTAGE"}])
    assert a.body == b.body, (a.body, b.body)
    # Nothing of the other cloud shows in ours, nor changed.
    listed = ctx.request("GET", "/incidents/list?limit=100").body.decode()
    assert oinc["id"] not in listed
    assert otpl["id"] not in ctx.request("GET", "/incidents/templates/list").body.decode()
    assert live_status(ctx, oc["Foreign"], cloud=ocloud) == "OPERATIONAL"
    r = get_by(ctx, cloud=ocloud, auth=oauth, incidentId=oinc["id"])
    assert len(updates_of(r)) == 1 and incident_of(r) == oinc
    # Our credentials on the other cloud's prefix: 403.
    check_error(ctx.request("GET", "/incidents/get?incidentId=" + oinc["id"], cloud=ocloud), 403)


# --- templates ----------------------------------------------------------------------

def test_incident_templates_lifecycle(ctx):
    page = ctx.create_page()
    pid = page["id"]
    r = ctx.request("POST", "/incidents/templates", template_body(pid, name="Zeta"))
    assert r.status == 201, r
    check_common_headers(r)
    ex = spec_example("GET", "/incidents/templates/{incidentTemplateId}")
    assert set(r.json) == set(ex) - {"error"}, r.json
    assert "error" not in r.json
    t = r.json["incidentTemplate"]
    assert_keys(t, ex["incidentTemplate"], "incidentTemplate")
    assert set(t) == set(ex["incidentTemplate"]), sorted(t)
    assert "createAt" in t and "createdAt" not in t
    assert t["pageId"] == pid and t["name"] == "Zeta" and t["title"] == "Database outage"
    assert t["body"] == "We are looking into it." and t["groupId"] == "grp-1"
    assert t["updateStatus"] == "IDENTIFIED" and t["shouldTweet"] is True
    assert t["shouldSendNotifications"] is False
    assert RFC3339.match(t["createAt"]) and RFC3339.match(t["updatedAt"])
    # Defaults.
    r = ctx.request("POST", "/incidents/templates", {"incidentTemplate": {"pageId": pid, "name": "alpha"}})
    assert r.status == 201, r
    d = r.json["incidentTemplate"]
    assert "title" not in d and "body" not in d and "groupId" not in d
    assert d["updateStatus"] == "INVESTIGATING" and d["shouldTweet"] is False
    assert d["shouldSendNotifications"] is True
    # Get.
    g = ctx.request("GET", "/incidents/templates/" + t["id"])
    assert g.status == 200 and g.json == {"incidentTemplate": t}, g
    # Lists: by page (ordered by name, case-insensitively) and the cloud's.
    lst = ctx.request("GET", "/incidents/templates/list?pageId=" + pid)
    assert lst.status == 200, lst
    assert set(lst.json) == set(spec_example("GET", "/incidents/templates/list")) - {"error"}
    assert [x["name"] for x in lst.json["incidentTemplates"]] == ["alpha", "Zeta"]
    assert lst.json["incidentTemplates"][1] == t
    everything = ctx.request("GET", "/incidents/templates/list")
    ids = [x["id"] for x in everything.json["incidentTemplates"]]
    assert t["id"] in ids and d["id"] in ids
    empty = ctx.request("GET", "/incidents/templates/list?pageId=" + ctx.create_page()["id"])
    assert empty.json == {"incidentTemplates": []}, empty
    # Partial update; null clears an optional field.
    u = ctx.request("PUT", "/incidents/templates/" + t["id"], {"incidentTemplate": {
        "title": None, "updateStatus": "RESOLVED", "shouldTweet": False}})
    assert u.status == 200, u
    ut = u.json["incidentTemplate"]
    assert "title" not in ut and ut["updateStatus"] == "RESOLVED" and ut["shouldTweet"] is False
    assert ut["name"] == "Zeta" and ut["body"] == t["body"] and ut["createAt"] == t["createAt"]
    assert ctx.request("GET", "/incidents/templates/" + t["id"]).json["incidentTemplate"] == ut
    # Delete.
    dl = ctx.request("DELETE", "/incidents/templates/" + t["id"])
    assert dl.status == 200 and dl.json["success"] is True, dl
    check_error(ctx.request("GET", "/incidents/templates/" + t["id"]), 404)
    check_error(ctx.request("DELETE", "/incidents/templates/" + t["id"]), 404)
    check_error(ctx.request("PUT", "/incidents/templates/" + t["id"], {"incidentTemplate": {}}), 404)
    # Templates of a permanently deleted page go with it.
    assert ctx.request("POST", "/pages/%s/permanent_delete" % pid).status == 200
    check_error(ctx.request("GET", "/incidents/templates/" + d["id"]), 404)
    check_error(ctx.request("GET", "/incidents/templates/list?pageId=" + pid), 404)


def test_incident_templates_bad_input(ctx):
    page = ctx.create_page()
    pid = page["id"]
    r = ctx.request("POST", "/incidents/templates", template_body(pid))
    tid = r.json["incidentTemplate"]["id"]
    creates = [
        ({"name": "x"}, "pageId"),
        ({"pageId": pid}, "name"),
        ({"pageId": pid, "name": ""}, "name"),
        ({"pageId": pid, "name": "x", "updateStatus": "DONE"}, "updateStatus"),
        ({"pageId": pid, "name": "x", "shouldTweet": "no"}, "shouldTweet"),
        ({"pageId": pid, "name": "x", "body": "b" * 65537}, "body"),
        ({"pageId": pid, "name": "x", "title": 3}, "title"),
        ({"pageId": pid, "name": "x", "id": str(uuid.uuid4())}, "id"),
        ({"pageId": pid, "name": "x", "createAt": "2026-01-01T00:00:00Z"}, "createAt"),
        ({"pageId": pid, "name": "x", "colour": "red"}, "colour"),
        ({"pageId": "nope", "name": "x"}, "pageId"),
    ]
    for fields, named in creates:
        err = check_error(ctx.request("POST", "/incidents/templates", {"incidentTemplate": fields}), 400)
        assert named in err.get("details", ""), (fields, err)
    for body in ({}, {"incidentTemplate": []}, {"template": {"pageId": pid, "name": "x"}}):
        check_error(ctx.request("POST", "/incidents/templates", body), 400)
    check_error(ctx.request("POST", "/incidents/templates",
                            template_body(str(uuid.uuid4()))), 404)
    updates = [
        ({"pageId": pid}, "pageId"),
        ({"name": None}, "name"),
        ({"updateStatus": None}, "updateStatus"),
        ({"updateStatus": "x"}, "updateStatus"),
        ({"unknown": 1}, "unknown"),
    ]
    for fields, named in updates:
        err = check_error(ctx.request("PUT", "/incidents/templates/" + tid,
                                      {"incidentTemplate": fields}), 400)
        assert named in err.get("details", ""), (fields, err)
    check_error(ctx.request("PUT", "/incidents/templates/" + tid, {}), 400)
    # Malformed ids in the path are missing templates; in a query, bad input.
    for m in ("GET", "DELETE"):
        check_error(ctx.request(m, "/incidents/templates/not-a-uuid"), 404)
    check_error(ctx.request("GET", "/incidents/templates/list?pageId=nope"), 400)
    check_error(ctx.request("GET", "/incidents/templates/list?pageId=%s&pageId=%s" % (pid, pid)), 400)
    # Methods.
    r = ctx.request("PATCH", "/incidents/templates/" + tid, {"incidentTemplate": {}})
    check_error(r, 405)
    assert "PUT" in (r.headers.get("Allow") or "")
    check_error(ctx.request("DELETE", "/incidents"), 405)
    # Unchanged by all of the above.
    g = ctx.request("GET", "/incidents/templates/" + tid)
    assert g.json["incidentTemplate"]["name"] == "Database down"
