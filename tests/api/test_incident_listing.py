"""Cloud incident lists read only the incidents of listed pages (issue 13
goal 6, migration 029): they walk incident_listing, the keys of the
incidents whose page is neither soft-deleted nor archived, so a cloud whose
newest incidents belong to such a page reads none of them, analysed or
not; and what they show follows every page write that unlists or relists
a page, and every incident write that resolves or reopens, the moment it
commits. (test_counters checks incident_listing against the incidents of
listed pages after concurrent writes.)"""

import re

from test_incidents import create, incident_of, new_cloud, node_ids, put, walk
from test_plans import INCIDENTS, _bench_sql, _buffers, _new_pages, _plans

CLOUD_LISTS = ("INCIDENTS_AFTER", "INCIDENTS_BEFORE", "INCIDENTS_ACTIVE_AFTER",
               "INCIDENTS_ACTIVE_BEFORE")


def _check_cloud_plans(ctx, cloud):
    plans = _plans(ctx, ["%s\t%s\t%s\t\\N\t\\N\t26" % (name, cloud, str("ACTIVE" in name).lower())
                         for name in CLOUD_LISTS])
    for name in CLOUD_LISTS:
        plan = plans[name]
        assert not re.search(r"Seq Scan on incident(s|_listing) ", plan), (name, plan)
        # The walk returns what it reads (the active lists' 3 rows, the
        # others' 26), no row of the unlisted page.
        assert re.search(r" on incident_listing i \(actual rows=(26|3) ", plan), (name, plan)
        # About 8 buffers a row returned (its key, its incident and page by
        # primary key; measured 211 for 26 rows, the first walk after the
        # page's rows were deleted included); the unlisted page's
        # INCIDENTS newest incidents, read and dropped, were over 9,000.
        assert _buffers(plan) <= 300, (name, plan)
    assert "Limit (actual rows=26" in plans["INCIDENTS_AFTER"], plans["INCIDENTS_AFTER"]


def _unlisted_newest(ctx, action):
    """A cloud whose INCIDENTS newest incidents belong to a page that the
    API's action (soft_delete, permanent_delete) then unlists, and its 30
    oldest to a listed one (one in ten active: bench/incidents.sql)."""
    cloud, (unlisted, listed) = _new_pages(ctx, 2)
    _bench_sql(ctx, "incidents.sql", cloud=cloud, page=unlisted, other=listed,
               big=INCIDENTS, total=INCIDENTS + 30)
    auth = ("listing-%s@example.com" % cloud[:8],)
    auth += (ctx.make_token(cloud, "all", email=auth[0]),)
    r = ctx.request("POST", "/pages/%s/%s" % (unlisted, action), cloud=cloud, auth=auth)
    assert r.status == 200, r
    return cloud


def _check_before_and_after_analyze(ctx, action):
    cloud = _unlisted_newest(ctx, action)
    _check_cloud_plans(ctx, cloud)
    ctx.psql("ANALYZE incidents; ANALYZE incident_listing; ANALYZE pages;"
             " ANALYZE incident_counts")
    _check_cloud_plans(ctx, cloud)


def test_cloud_lists_read_no_incident_of_a_soft_deleted_page(ctx):
    _check_before_and_after_analyze(ctx, "soft_delete")


def test_cloud_lists_read_no_incident_of_an_archived_page(ctx):
    _check_before_and_after_analyze(ctx, "permanent_delete")


def _shown(ctx, cloud, auth):
    """What the cloud lists show, each walked in pages of 2 both ways and
    checked against its one-page answer: (ids newest first, active ids)."""
    def both_ways(query):
        path = "/incidents/list/v2" + query
        whole = ctx.request("GET", path + ("&" if query else "?") + "first=100",
                            cloud=cloud, auth=auth)
        ids = node_ids(whole)
        fwd = walk(ctx, path, "first", "after", 2, cloud=cloud, auth=auth)
        back = walk(ctx, path, "last", "before", 2, cloud=cloud, auth=auth)
        assert [i for r in fwd for i in node_ids(r)] == ids, query
        assert [i for r in reversed(back) for i in node_ids(r)] == ids, query
        assert whole.json["totalCount"] == len(ids), (query, whole.json["totalCount"])
        return ids

    ids, active = both_ways(""), both_ways("?showActive=true")
    v1 = walk(ctx, "/incidents/list", "limit", "cursor", 2, cloud=cloud, auth=auth)
    assert [i for r in v1 for i in node_ids(r)] == ids
    return ids, active


def test_cloud_lists_follow_every_page_and_status_change(ctx):
    cloud, auth = new_cloud(ctx)
    pages = [ctx.create_page(cloud=cloud, auth=auth)["id"] for _ in range(2)]
    made = []  # (page, id, status), oldest first
    for i in range(7):
        status = "RESOLVED" if i % 3 == 0 else "IDENTIFIED"
        inc = incident_of(create(ctx, pages[i % 2], cloud=cloud, auth=auth, status=status))
        made.append([pages[i % 2], inc["id"], status])

    def expect(listed):
        rows = [m for m in reversed(made) if m[0] in listed]
        return [m[1] for m in rows], [m[1] for m in rows if m[2] != "RESOLVED"]

    both, first_only = set(pages), {pages[0]}
    assert _shown(ctx, cloud, auth) == expect(both)
    steps = [("soft_delete", first_only), ("recover", both),
             ("permanent_delete", first_only), ("recover_deleted", both),
             # Unlisted twice over, then listed again by the last step only.
             ("soft_delete", first_only), ("permanent_delete", first_only),
             ("recover_deleted", first_only), ("recover", both)]
    for action, listed in steps:
        r = ctx.request("POST", "/pages/%s/%s" % (pages[1], action), cloud=cloud, auth=auth)
        assert r.status == 200, (action, r)
        assert _shown(ctx, cloud, auth) == expect(listed), action
    # Resolving and reopening move an incident out of and back into the
    # active lists.
    for m in made[1:3]:
        for status in ("RESOLVED", "INVESTIGATING"):
            put(ctx, m[0], cloud=cloud, auth=auth, incidentId=m[1], status=status)
            m[2] = status
            assert _shown(ctx, cloud, auth) == expect(both), (m, status)


def _page_write_plans(ctx, cloud, page):
    """The plans of the statements a soft delete and a recovery of the
    page run inside their triggers (auto_explain, nested statements, as the
    superuser, generic plans as the workers'), rolled back."""
    where = "cloud_id = '%s' AND id = '%s'" % (cloud, page)
    sql = ("LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0;"
           " SET auto_explain.log_nested_statements = on;"
           " SET auto_explain.log_level = notice; SET auto_explain.log_analyze = on;"
           " SET plan_cache_mode = force_generic_plan; BEGIN;"
           " UPDATE pages SET status_before_delete = page_status,"
           " page_status = 'SOFT_DELETED' WHERE %s;"
           " UPDATE pages SET page_status = status_before_delete WHERE %s;"
           " ROLLBACK" % (where, where))
    return ctx.superuser_psql(sql).stderr


def _check_page_write_plans(ctx, cloud, page):
    logged = _page_write_plans(ctx, cloud, page).split("NOTICE:  duration:")
    plans = "".join(p for p in logged if re.search(r"(DELETE FROM|INSERT INTO) incident_listing", p))
    for statement in ("DELETE FROM incident_listing", "INSERT INTO incident_listing"):
        assert statement in plans, logged
    # The page's incidents by incidents_page_recent, then each listing row
    # by its primary key: never the cloud's incidents (incidents_code_key,
    # a scan) nor the whole listing (a hash join).
    found = re.findall(r"Scan(?: Backward)? using (\w+) on (\w+)", plans)
    assert ("incidents_page_recent", "incidents") in found, plans
    assert ("incident_listing_pkey", "incident_listing") in found, plans
    for bad in ("Seq Scan on incident", "Bitmap Heap Scan on incident", "Hash Join",
                "incidents_code_key"):
        assert bad not in plans, (bad, plans)


def test_a_page_unlists_and_relists_its_own_incidents_only(ctx):
    """A page that stops or starts being listed deletes or inserts the
    listing rows of its own incidents, found in incidents_page_recent,
    analysed or not: an analysed planner took the whole cloud's incidents
    from incidents_code_key and filtered them by page (5.8 s for a page of
    100,000 in a cloud of 1,000,000), or hashed the whole table."""
    cloud, (page, other) = _new_pages(ctx, 2)
    _bench_sql(ctx, "incidents.sql", cloud=cloud, page=page, other=other,
               big=INCIDENTS, total=4 * INCIDENTS)
    _check_page_write_plans(ctx, cloud, page)
    ctx.psql("ANALYZE incidents; ANALYZE incident_listing; ANALYZE pages")
    _check_page_write_plans(ctx, cloud, page)
