"""Stored renderings (migration 018, issue 13): lists concatenate each
incident's stored node and each page's stored summary item. They must
always equal a fresh rendering: after creates, updates, resolving, a
component deleted from the live tree (the cascade), and a page whose
address changes (the shortlink is added at read time); and summaries show
the current component and subscriber counts."""

import urllib.parse
import uuid

from routecases import comp
from subscriberlib import subscribe


def _ok(r, status=200):
    assert r.status == status, r
    return r.json


def _page_with(ctx, names):
    page = _ok(ctx.request("POST", "/pages", ctx.new_page_body()), 201)["page"]
    items = [comp(page["id"], n, position=i) for i, n in enumerate(names)]
    _ok(ctx.request("POST", "/components/batch_process",
                    {"pageId": page["id"], "createUpdateComponents": items}))
    page = _ok(ctx.request("POST", "/pages/draft/%s/publish" % page["id"]))["page"]
    rows = ctx.psql("SELECT name, id FROM components WHERE cloud_id = '%s' AND page_id = '%s'"
                    % (ctx.cloud, page["id"]))
    return page, dict(line.split("|") for line in rows.splitlines())


def _stale_nodes(ctx, page_id):
    return ctx.psql("SELECT count(*) FROM incidents i WHERE cloud_id = '%s' AND page_id = '%s'"
                    " AND node IS DISTINCT FROM incident_node_render(i)" % (ctx.cloud, page_id))


def _listed(ctx, page_id):
    r = _ok(ctx.request("GET", "/incidents/list/v2?first=25&pageId=" + page_id))
    return {n["incident"]["id"]: n for n in r["nodes"]}


def _got(ctx, incident_id):
    return _ok(ctx.request("GET", "/incidents/get?incidentId=" + incident_id))


def test_stored_incident_nodes_follow_every_write(ctx):
    page, ids = _page_with(ctx, ("API", "Web", "DB"))
    pid = page["id"]
    affected = [{"componentId": ids["API"], "status": "MAJOR_OUTAGE"},
                {"componentId": ids["Web"], "status": "DEGRADED_PERFORMANCE"}]
    first = _ok(ctx.request("POST", "/incidents", {"incidentCreateRequest": {
        "pageId": pid, "name": "Outage", "message": "Looking",
        "affectedComponents": affected}}), 201)
    iid = first["incidentWithUpdates"]["incident"]["id"]
    other = _ok(ctx.request("POST", "/incidents", {"incidentCreateRequest": {
        "pageId": pid, "name": "Slow", "message": "Slow DB", "jiraIncidentId": "R-1",
        "affectedComponents": [{"componentId": ids["DB"], "status": "PARTIAL_OUTAGE"}]}}), 201)
    oid = other["incidentWithUpdates"]["incident"]["id"]
    _ok(ctx.request("PUT", "/incidents", {"incidentUpdateRequest": {
        "pageId": pid, "incidentId": iid, "name": "Big outage", "impact": "MAJOR",
        "status": "IDENTIFIED", "message": "Found it"}}))
    _ok(ctx.request("PUT", "/incidents", {"incidentUpdateRequest": {
        "pageId": pid, "jiraIncidentId": "R-1", "status": "RESOLVED", "message": "Fixed"}}))
    assert _stale_nodes(ctx, pid) == "0"

    listed = _listed(ctx, pid)
    for i in (iid, oid):
        got = _got(ctx, i)
        assert listed[i] == got["incidentWithUpdates"], (listed[i], got)
        assert got["page"] == _ok(ctx.request("GET", "/pages/" + pid))["page"]
    node = listed[iid]
    assert node["incident"]["name"] == "Big outage"
    assert node["incident"]["impact"] == "MAJOR"
    assert [u["status"] for u in node["incidentUpdates"]] == ["IDENTIFIED", "INVESTIGATING"]
    assert [c["componentId"] for c in node["incident"]["components"]] == [ids["API"], ids["Web"]]
    assert listed[oid]["incident"]["status"] == "RESOLVED"
    assert "resolvedAt" in listed[oid]["incident"]

    # A component deleted from the live tree leaves the incident's node.
    _ok(ctx.request("POST", "/components/batch_process",
                    {"pageId": pid, "deleteComponents": [ids["Web"]]}))
    _ok(ctx.request("POST", "/pages/draft/%s/publish" % pid))
    assert _stale_nodes(ctx, pid) == "0"
    node = _listed(ctx, pid)[iid]
    assert [c["componentId"] for c in node["incident"]["components"]] == [ids["API"]]
    assert node == _got(ctx, iid)["incidentWithUpdates"]

    # Reminders set after the update, and the reminder job, show at once.
    _ok(ctx.request("PUT", "/incidents", {"incidentUpdateRequest": {
        "pageId": pid, "incidentId": iid, "reminderIntervals": [30]}}))
    assert _listed(ctx, pid)[iid]["incident"]["reminderIntervals"] == [30]
    ctx.psql("UPDATE incidents SET update_needed_at = now() - interval '1 minute',"
             " node = NULL WHERE cloud_id = '%s' AND id = '%s'" % (ctx.cloud, iid))
    ctx.psql("SELECT jobs_send_reminders(1000)")
    assert _stale_nodes(ctx, pid) == "0"
    node = _listed(ctx, pid)[iid]
    assert "lastRemindedAt" in node["incident"], node
    assert node == _got(ctx, iid)["incidentWithUpdates"]

    # The shortlink shows the page's current address.
    sub = "moved-" + uuid.uuid4().hex[:12]
    _ok(ctx.request("PUT", "/pages/" + pid, {"page": {"subdomain": sub}}))
    node = _listed(ctx, pid)[iid]
    code = node["incident"]["incidentCode"]
    assert node["incident"]["shortlink"].startswith("https://%s." % sub), node
    assert node["incident"]["shortlink"].endswith("/incidents/" + code)
    cloud_nodes = _ok(ctx.request("GET", "/incidents/list/v2?first=100"))["nodes"]
    assert node in cloud_nodes


def test_stored_node_after_many_updates_equals_a_fresh_rendering(ctx):
    """An appended update is put in front of the stored array of the
    others (incidents_render_node), not rendered again with all of them:
    after updates whose texts hold the array's own marker and quotes, and
    a component change, the node is still the fresh rendering."""
    page, ids = _page_with(ctx, ("API",))
    pid = page["id"]
    marker = 'x},"incidentUpdates":[{"a":1}, "\\"'
    first = _ok(ctx.request("POST", "/incidents", {"incidentCreateRequest": {
        "pageId": pid, "name": marker, "message": marker}}), 201)
    iid = first["incidentWithUpdates"]["incident"]["id"]
    for i in range(5):
        body = {"pageId": pid, "incidentId": iid, "message": "%s %d" % (marker, i)}
        if i == 2:
            body["affectedComponents"] = [{"componentId": ids["API"], "status": "MAJOR_OUTAGE"}]
        if i == 4:
            body["status"] = "RESOLVED"
        _ok(ctx.request("PUT", "/incidents", {"incidentUpdateRequest": body}))
    assert _stale_nodes(ctx, pid) == "0"
    node = _listed(ctx, pid)[iid]
    assert [u["body"] for u in node["incidentUpdates"]] == \
        ["%s %d" % (marker, i) for i in range(4, -1, -1)] + [marker]
    assert node == _got(ctx, iid)["incidentWithUpdates"]


def _summary_items(ctx):
    v1 = _ok(ctx.request("GET", "/pages/summary"))["pages"]
    v2, after = [], None
    while True:
        q = "/pages/summary/v2?first=100"
        if after:
            q += "&after=" + urllib.parse.quote(after, safe="")
        r = _ok(ctx.request("GET", q))
        v2 += r["pages"]
        if not r["pageInfo"]["hasNextPage"]:
            break
        after = r["pageInfo"]["endCursor"]
    return {p["id"]: p for p in v1}, {p["id"]: p for p in v2}


def test_stored_summaries_show_current_counts(ctx):
    page, ids = _page_with(ctx, ("A", "B", "C"))
    pid = page["id"]
    v1, v2 = _summary_items(ctx)
    assert v1[pid] == v2[pid], (v1[pid], v2[pid])
    assert v1[pid]["componentCount"] == 3
    assert v1[pid]["stakeholderCount"] == 0
    assert v1[pid]["status"] == "PUBLISHED"
    assert v1[pid]["name"] == page["name"]

    # Fewer components once the deletion is published; a new name at once.
    _ok(ctx.request("POST", "/components/batch_process",
                    {"pageId": pid, "deleteComponents": [ids["C"]]}))
    v1, _ = _summary_items(ctx)
    assert v1[pid]["componentCount"] == 3 and v1[pid]["isDraft"] is True
    _ok(ctx.request("POST", "/pages/draft/%s/publish" % pid))
    name = ctx.uniq("Renamed")
    _ok(ctx.request("PUT", "/pages/" + pid, {"page": {"name": name}}))
    v1, v2 = _summary_items(ctx)
    assert v1[pid]["componentCount"] == 2 and v1[pid]["name"] == name
    assert v1[pid] == v2[pid]

    # Subscribers change the count without writing the page row.
    subscribe(ctx, pid)
    subscribe(ctx, pid)
    v1, v2 = _summary_items(ctx)
    assert v1[pid]["stakeholderCount"] == 2 and v2[pid]["stakeholderCount"] == 2
    stale = ctx.psql("SELECT count(*) FROM pages p WHERE summary IS DISTINCT FROM"
                     " page_summary_render(p)")
    assert stale == "0", stale


def test_page_attrs_merge_equals_the_deep_merge(ctx):
    """page_attrs_merge (what page updates merge with) gives what the
    recursive jsonb_merge_deep gives, for every stored page's attributes
    and bodies that set, replace, nest and remove (null) members at both
    levels a page body has."""
    from client import full_page_body
    _ok(ctx.request("POST", "/pages", full_page_body(ctx)), 201)
    bodies = [
        {}, {"description": "new"}, {"description": None},
        {"seoConfig": {"title": "T", "keywords": None}},
        {"seoConfig": None, "colours": {"cssFontColor": "#000000"}},
        {"footerData": {"links": [{"label": "a", "url": "https://a.example"}]}},
        {"headerData": {"links": [], "headerText": None}, "timezone": "UTC"},
        {"bodyConfig": {"numberOfCardsPerRow": 2}, "domain": None},
    ]
    import json
    values = ", ".join("('%s'::jsonb)" % json.dumps(b).replace("'", "''") for b in bodies)
    differ = ctx.psql(
        "SELECT count(*) FROM (SELECT attrs FROM pages UNION ALL"
        " SELECT attrs FROM page_drafts) a, (VALUES %s) AS b(body)"
        " WHERE page_attrs_merge(a.attrs, b.body) IS DISTINCT FROM"
        " jsonb_strip_nulls(jsonb_merge_deep(a.attrs, b.body))" % values)
    assert differ == "0", differ
    pages = ctx.psql("SELECT count(*) FROM pages WHERE attrs <> '{}'")
    assert int(pages) > 0
