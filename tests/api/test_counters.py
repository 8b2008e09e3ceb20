"""totalCount comes from counters kept in the same transaction as the rows
they count (migration 015, db/sql/70_counters.sql), not from scanning
(DESIGN.md section 9). After concurrent incident writes, status changes,
soft deletes, recoveries, permanent deletes and hard deletes of pages, the
counters and the lists' totalCount equal count(*) over the rows, and the
cloud lists' incident_listing holds the incidents of listed pages."""

import uuid

from client import parallel

LISTED = "p.archived_at IS NULL AND p.page_status <> 'SOFT_DELETED'"


def _new_cloud(ctx):
    cloud = str(uuid.uuid4())
    email = "count-%s@example.com" % cloud[:8]
    return cloud, (email, ctx.make_token(cloud, "all", email=email))


def _ok(r, status=(200, 201)):
    assert r.status in status, r
    return r


def _pairs(ctx, sql):
    """{key: (a, b)} of rows "key|a|b"."""
    out = {}
    for line in ctx.psql(sql).splitlines():
        key, a, b = line.split("|")
        out[key] = (int(a), int(b))
    return out


def _counted(ctx, cloud):
    """(cloud total, cloud active, {page: (total, active)}, {status: n})
    from the counters."""
    per_scope = _pairs(ctx, "SELECT scope, sum(total), sum(active) FROM incident_counts"
                       " WHERE cloud_id = '%s' GROUP BY scope" % cloud)
    whole = per_scope.pop("00000000-0000-0000-0000-000000000000", (0, 0))
    pages = {k: v for k, v in per_scope.items() if v != (0, 0)}
    rows = ctx.psql("SELECT page_status, sum(n) FROM page_counts WHERE cloud_id = '%s'"
                    " GROUP BY page_status HAVING sum(n) <> 0" % cloud)
    statuses = {s: int(n) for s, n in (line.split("|") for line in rows.splitlines())}
    return whole[0], whole[1], pages, statuses


def _scanned(ctx, cloud):
    """The same four figures by count(*)."""
    line = ctx.psql(
        "SELECT count(*), count(*) FILTER (WHERE i.status <> 'RESOLVED')"
        " FROM incidents i JOIN pages p ON p.cloud_id = i.cloud_id AND p.id = i.page_id"
        " WHERE i.cloud_id = '%s' AND %s" % (cloud, LISTED))
    total, active = (int(x) for x in line.split("|"))
    pages = _pairs(ctx, "SELECT page_id, count(*), count(*) FILTER (WHERE status <> 'RESOLVED')"
                   " FROM incidents WHERE cloud_id = '%s' GROUP BY page_id" % cloud)
    rows = ctx.psql("SELECT page_status, count(*) FROM pages p WHERE cloud_id = '%s'"
                    " AND %s GROUP BY page_status" % (cloud, LISTED))
    statuses = {s: int(n) for s, n in (line.split("|") for line in rows.splitlines())}
    return total, active, pages, statuses


def _check_listing(ctx, cloud):
    """The cloud lists' incident_listing (migration 029) holds exactly the
    incidents of listed pages, each active flag its status <> RESOLVED."""
    listing = ctx.psql("SELECT created_at, id, active FROM incident_listing"
                       " WHERE cloud_id = '%s' ORDER BY created_at, id" % cloud)
    listed = ctx.psql(
        "SELECT i.created_at, i.id, i.status <> 'RESOLVED' FROM incidents i"
        " JOIN pages p ON p.cloud_id = i.cloud_id AND p.id = i.page_id"
        " WHERE i.cloud_id = '%s' AND %s ORDER BY i.created_at, i.id" % (cloud, LISTED))
    assert listing == listed, (listing, listed)


def _total(ctx, path, cloud, auth):
    return _ok(ctx.request("GET", path, cloud=cloud, auth=auth)).json["totalCount"]


def test_counters_match_count_after_concurrent_writes_and_deletes(ctx):
    cloud, auth = _new_cloud(ctx)

    def page(i):
        # Pages 0-5 are live; 6 and 7 drafts (7 is deleted outright below).
        path = "/pages" if i < 6 else "/pages/draft"
        body = ctx.new_page_body()
        return _ok(ctx.request("POST", path, body, cloud=cloud, auth=auth)).json["page"]["id"]

    pages = parallel(8, page)

    def incident(i, status=(201,)):
        body = {"incidentCreateRequest": {
            "pageId": pages[i % 8], "name": "Counted %d" % i,
            "status": "RESOLVED" if i % 5 == 0 else "INVESTIGATING"}}
        return _ok(ctx.request("POST", "/incidents", body, cloud=cloud, auth=auth), status)

    parallel(16, incident)
    before = _counted(ctx, cloud)
    assert before == _scanned(ctx, cloud), (before, _scanned(ctx, cloud))
    assert before[0] == 16 and before[1] == 12 + 0, before  # 0, 5, 10, 15 resolved

    # Everything at once: more incidents, resolutions, a soft delete and a
    # recovery, a permanent delete and its undoing, a permanent delete
    # that stays, and a draft page deleted outright with its incidents.
    def write(i):
        pid = pages[i % 8]
        if i < 24:  # a page deleted meanwhile answers 404
            return incident(i, (201, 404, 409))
        if i < 30:
            body = {"incidentUpdateRequest": {"pageId": pages[i % 6],
                                              "status": "RESOLVED"}}
            r = ctx.request("PUT", "/incidents", body, cloud=cloud, auth=auth)
            return r  # may be 400/404 (no jiraIncidentId): only the race matters
        actions = {
            30: ("POST", "/pages/%s/soft_delete" % pages[0], None),
            31: ("POST", "/pages/%s/permanent_delete" % pages[1], None),
            32: ("POST", "/pages/%s/permanent_delete" % pages[2], None),
            33: ("POST", "/pages/draft/%s/delete" % pages[7], None),
        }
        if i in actions:
            m, path, body = actions[i]
            return _ok(ctx.request(m, path, body, cloud=cloud, auth=auth))
        return pid

    parallel(34, write)
    _ok(ctx.request("POST", "/pages/%s/recover" % pages[0], cloud=cloud, auth=auth))
    _ok(ctx.request("POST", "/pages/%s/soft_delete" % pages[3], cloud=cloud, auth=auth))
    _ok(ctx.request("POST", "/pages/%s/recover_deleted" % pages[1], cloud=cloud, auth=auth))
    # Resolutions by id, concurrently with new incidents on the same pages.
    ids = ctx.psql("SELECT page_id || ' ' || id FROM incidents WHERE cloud_id = '%s'"
                   " AND status <> 'RESOLVED' ORDER BY id LIMIT 6" % cloud).splitlines()

    def resolve(i):
        if i < len(ids):
            pid, iid = ids[i].split()
            body = {"incidentUpdateRequest": {"pageId": pid, "incidentId": iid,
                                              "status": "RESOLVED"}}
            return ctx.request("PUT", "/incidents", body, cloud=cloud, auth=auth)
        return incident(100 + i, (201, 404, 409))

    parallel(12, resolve)

    counted, scanned = _counted(ctx, cloud), _scanned(ctx, cloud)
    assert counted == scanned, (counted, scanned)
    _check_listing(ctx, cloud)
    total, active = scanned[0], scanned[1]
    assert total > 0 and active < total, scanned
    assert str(pages[7]) not in counted[2], counted  # gone with its page

    # What the lists show is the counters' figure.
    assert _total(ctx, "/incidents/list/v2?first=1", cloud, auth) == total
    assert _total(ctx, "/incidents/list/v2?first=1&showActive=true", cloud, auth) == active
    assert _total(ctx, "/incidents/list/v2?last=1&showActive=true", cloud, auth) == active
    listed_pages = sum(scanned[3].values())
    assert _total(ctx, "/pages/summary/v2?first=1", cloud, auth) == listed_pages
    published = scanned[3].get("PUBLISHED", 0) + scanned[3].get("PUBLISHED_WITH_CHANGES", 0)
    assert _total(ctx, "/pages/summary/v2?first=1&filter=PUBLISHED", cloud, auth) == published
    for pid in pages[4:7]:
        t, a = scanned[2].get(pid, (0, 0))
        assert _total(ctx, "/incidents/list/v2?first=1&pageId=" + pid, cloud, auth) == t
        assert _total(ctx, "/incidents/list/v2?first=1&showActive=true&pageId=" + pid,
                      cloud, auth) == a
    # A soft-deleted page's incidents are counted on it, but no list shows them.
    assert _total(ctx, "/incidents/list/v2?first=1&pageId=" + pages[3], cloud, auth) == 0


def test_each_worker_adds_to_a_counter_slot_of_its_own(ctx):
    """A statusd worker's sessions add to its own counter slot (its index
    among the workers, statusd.counter_slot), so concurrent writers never
    queue on one counter row until the other's commit is flushed; with
    pg_backend_pid() % 8, two of four workers often shared one. Other
    sessions use slots 8 and up."""
    assert ctx.psql("SELECT counter_slot() >= 8") == "t"
    assert ctx.psql("SELECT set_config('statusd.counter_slot', '5', false),"
                    " counter_slot()") == "5|5"
    cloud, auth = _new_cloud(ctx)
    page = _ok(ctx.request("POST", "/pages", ctx.new_page_body(), cloud=cloud,
                           auth=auth)).json["page"]["id"]

    def incident(i):
        body = {"incidentCreateRequest": {"pageId": page, "name": "Slot %d" % i}}
        return _ok(ctx.request("POST", "/incidents", body, cloud=cloud, auth=auth))

    parallel(32, incident)
    workers = len(ctx.worker_pids())
    slots = [int(s) for s in ctx.psql(
        "SELECT slot FROM incident_counts WHERE cloud_id = '%s' AND scope = '%s'"
        " ORDER BY slot" % (cloud, page)).split()]
    assert slots and all(0 <= s < workers for s in slots), (slots, workers)
    assert sum(int(n) for n in ctx.psql(
        "SELECT total FROM incident_counts WHERE cloud_id = '%s' AND scope = '%s'"
        % (cloud, page)).split()) == 32


def test_creates_count_themselves_and_other_writers_stay_counted(ctx):
    """incident_create counts the incident it inserts itself and tells the
    counting trigger so for that INSERT alone (statusd.incident_counted):
    a refused create (its code taken) counts nothing, and a row inserted
    or deleted afterwards in the same transaction, or by any other writer,
    is still counted by the trigger."""
    cloud, auth = _new_cloud(ctx)
    page = _ok(ctx.request("POST", "/pages", ctx.new_page_body(), cloud=cloud, auth=auth))
    pid = page.json["page"]["id"]
    allowed = "{DRAFT,PUBLISHED,UNPUBLISHED,PUBLISHED_WITH_CHANGES,UNPUBLISHED_WITH_CHANGES}"

    def create(code, status="INVESTIGATING"):
        return ("SELECT outcome FROM incident_create('%s', '%s', '%s', gen_random_uuid(),"
                " '%s', NULL, 'Counted', '%s', 'NONE', 'Looking', false, '{}', '{}', NULL)"
                % (cloud, pid, allowed, code, status))

    def insert(code):
        return ("INSERT INTO incidents (cloud_id, id, page_id, code, name, status, impact)"
                " VALUES ('%s', gen_random_uuid(), '%s', '%s', 'Bulk', 'IDENTIFIED', 'NONE')"
                % (cloud, pid, code))

    code = uuid.uuid4().hex[:12]
    assert ctx.psql("BEGIN; %s; %s; %s; %s; COMMIT"
                    % (create(code), create(code), create(code + "r", "RESOLVED"),
                       insert(code + "b"))).split() == ["created", "code_taken", "created"]
    ctx.psql("BEGIN; %s; DELETE FROM incidents WHERE cloud_id = '%s' AND code = '%s'; COMMIT"
             % (create(code + "d"), cloud, code))
    ctx.psql(insert(code + "c"))
    counted, scanned = _counted(ctx, cloud), _scanned(ctx, cloud)
    assert counted == scanned, (counted, scanned)
    assert counted[2] == {pid: (4, 3)}, counted
    _check_listing(ctx, cloud)
