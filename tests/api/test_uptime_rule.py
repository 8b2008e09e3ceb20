"""The uptime rule (DESIGN.md section 7) against hand-computed cases,
straight on PostgreSQL's component_uptimes(): the arithmetic lives in SQL,
so that is where it is tested. Fixed ranges in the past keep now() out of
the figures (except for the range in the future, which is the point)."""

import json
import random
import uuid
from fractions import Fraction

from test_plans import _plans

D0 = "2026-01-01T00:00:00Z"  # the range is [D0, D0 + 10 days]
TO = "2026-01-11T00:00:00Z"


def _day(n):
    return "timestamptz '%s' + interval '%s days'" % (D0, n)


def _setup(ctx):
    cloud = "uptime-rule-" + uuid.uuid4().hex[:8]
    page = str(uuid.uuid4())
    ctx.psql(
        "INSERT INTO pages (cloud_id, id, name, subdomain, page_type,"
        " page_status, attrs, created_by) VALUES ('%s', '%s', 'Rule',"
        " 'rule-%s', 'PUBLIC', 'PUBLISHED', '{}', 'test')"
        % (cloud, page, cloud[-8:]))
    return cloud, page


def _component(ctx, cloud, page, name, created_day, intervals, parent=None,
               kind="COMPONENT"):
    """intervals: (status, from_day, to_day or None for open), inserted in
    one statement (the history trigger follows them up once)."""
    cid = str(uuid.uuid4())
    sql = ("INSERT INTO components (cloud_id, id, page_id, parent_id, type,"
           " name, position, status, created_at) VALUES ('%s', '%s', '%s', %s,"
           " '%s', '%s', 0, 'OPERATIONAL', %s);"
           % (cloud, cid, page, "'%s'" % parent if parent else "NULL", kind,
              name, _day(created_day)))
    if intervals:
        sql += ("INSERT INTO component_status_history (cloud_id, component_id,"
                " status, started_at, ended_at) VALUES %s;" % ", ".join(
                    "('%s', '%s', '%s', %s, %s)"
                    % (cloud, cid, status, _day(a), _day(b) if b is not None else "NULL")
                    for status, a, b in intervals))
    ctx.psql(sql)
    return cid


def _uptimes(ctx, cloud, page, frm=D0, to=TO):
    rows = ctx.psql(
        "SELECT name || '=' || uptime FROM component_uptimes('%s', '%s',"
        " '%s', '%s') ORDER BY name" % (cloud, page, frm, to))
    return dict(line.split("=") for line in rows.splitlines())


def test_uptime_rule_hand_computed_cases(ctx):
    cloud, page = _setup(ctx)
    # Intervals overlapping both range edges: 1 day of MAJOR inside the
    # range at the start, 1 day of PARTIAL inside at the end.
    edges = _component(ctx, cloud, page, "edges", -30, [
        ("OPERATIONAL", -30, -1), ("MAJOR_OUTAGE", -1, 1),
        ("OPERATIONAL", 1, 9), ("PARTIAL_OUTAGE", 9, 11),
        ("OPERATIONAL", 11, None)])
    # Created inside the range: its range is days 5-10; 1 day of MAJOR.
    _component(ctx, cloud, page, "late", 5, [
        ("MAJOR_OUTAGE", 5, 6), ("OPERATIONAL", 6, None)])
    # Only partial outages, the whole range.
    partial = _component(ctx, cloud, page, "partial", -30, [
        ("PARTIAL_OUTAGE", -30, None)])
    # No history at all.
    _component(ctx, cloud, page, "quiet", -30, [])
    # Degraded and maintenance do not count.
    _component(ctx, cloud, page, "degraded", -30, [
        ("DEGRADED_PERFORMANCE", -30, 5), ("UNDER_MAINTENANCE", 5, None)])
    # A group: the mean of its children.
    group = _component(ctx, cloud, page, "group", -30, [], kind="GROUP_COMPONENT")
    ctx.psql("UPDATE components SET parent_id = '%s' WHERE id IN ('%s', '%s')"
             % (group, edges, partial))
    _component(ctx, cloud, page, "empty-group", -30, [], kind="GROUP_COMPONENT")

    got = _uptimes(ctx, cloud, page)
    expected = {
        "edges": "87.00",      # 100 * (1 - (1 + 0.3 * 1) / 10)
        "late": "80.00",       # 100 * (1 - 1 / 5)
        "partial": "70.00",    # 100 * (1 - 0.3)
        "quiet": "100.00",
        "degraded": "100.00",
        "group": "78.50",      # (87 + 70) / 2
        "empty-group": "100.00",
    }
    assert got == expected, got


def test_uptime_rule_rounds_halves_away_from_zero(ctx):
    """Figures on and about the .005 boundary, which the integer rounding of
    a component's uptime (migration 024) must put where round(numeric, 2)
    does: halves away from zero, everything else to the nearest. The range
    is 10 days (864,000 s); 43.2 s of full outage is 0.005 % of it."""
    cloud, page = _setup(ctx)
    day = 1 / 86400  # a second, in days
    cases = {
        # 100 * (1 - 43.2 / 864000) = 99.995: up.
        "half": [("OPERATIONAL", -30, 2), ("MAJOR_OUTAGE", 2, 2 + 43.2 * day),
                 ("OPERATIONAL", 2 + 43.2 * day, None)],
        # 144 s at 30 % is the same 43.2 s.
        "half-partial": [("OPERATIONAL", -30, 2),
                         ("PARTIAL_OUTAGE", 2, 2 + 144 * day),
                         ("OPERATIONAL", 2 + 144 * day, None)],
        # A microsecond more: 99.99499999...: down.
        "below-half": [("OPERATIONAL", -30, 2),
                       ("MAJOR_OUTAGE", 2, 2 + 43.200001 * day),
                       ("OPERATIONAL", 2 + 43.200001 * day, None)],
        # 12.345 exactly: 757,339.2 s down, up to 12.35.
        "odd-half": [("MAJOR_OUTAGE", -30, 757339.2 * day),
                     ("OPERATIONAL", 757339.2 * day, None)],
        # The whole range down, and none of it.
        "down": [("MAJOR_OUTAGE", -30, None)],
        "up": [("DEGRADED_PERFORMANCE", -30, None)],
    }
    ids = {name: _component(ctx, cloud, page, name, -30, history)
           for name, history in cases.items()}
    # A group's mean of 100.00 and 99.99 is 99.995 exactly: up too.
    group = _component(ctx, cloud, page, "group", -30, [], kind="GROUP_COMPONENT")
    kid = _component(ctx, cloud, page, "kid", -30, [
        ("OPERATIONAL", -30, 2), ("MAJOR_OUTAGE", 2, 2 + 86.4 * day),
        ("OPERATIONAL", 2 + 86.4 * day, None)])
    ctx.psql("UPDATE components SET parent_id = '%s' WHERE id IN ('%s', '%s')"
             % (group, ids["up"], kid))
    assert _uptimes(ctx, cloud, page) == {
        "half": "100.00", "half-partial": "100.00", "below-half": "99.99",
        "odd-half": "12.35", "down": "0.00", "up": "100.00",
        "group": "100.00", "kid": "99.99"}


def test_uptime_rule_range_in_the_future_is_100(ctx):
    cloud, page = _setup(ctx)
    _component(ctx, cloud, page, "down", -30, [("MAJOR_OUTAGE", -30, None)])
    rows = ctx.psql(
        "SELECT uptime FROM component_uptimes('%s', '%s', now() + interval"
        " '1 day', now() + interval '2 days')" % (cloud, page))
    assert rows == "100.00", rows
    # ...while a range in the past over the same open MAJOR interval is 0.
    assert _uptimes(ctx, cloud, page) == {"down": "0.00"}


def test_uptime_rule_range_clipped_to_now(ctx):
    """A range reaching into the future counts only up to now: a component
    down for the last day of a range ending tomorrow is down half of it
    (range: yesterday to tomorrow, clipped to yesterday to now)."""
    cloud, page = _setup(ctx)
    cid = str(uuid.uuid4())
    ctx.psql(
        "INSERT INTO components (cloud_id, id, page_id, type, name, position,"
        " status, created_at) VALUES ('%s', '%s', '%s', 'COMPONENT', 'now',"
        " 0, 'MAJOR_OUTAGE', now() - interval '30 days')" % (cloud, cid, page))
    ctx.psql(
        "INSERT INTO component_status_history (cloud_id, component_id, status,"
        " started_at, ended_at) VALUES ('%s', '%s', 'OPERATIONAL', now() -"
        " interval '30 days', now() - interval '12 hours'), ('%s', '%s',"
        " 'MAJOR_OUTAGE', now() - interval '12 hours', NULL)"
        % (cloud, cid, cloud, cid))
    rows = ctx.psql(
        "SELECT uptime FROM component_uptimes('%s', '%s', now() - interval"
        " '1 day', now() + interval '1 day')" % (cloud, page))
    assert rows == "50.00", rows


def test_uptime_of_a_page_reads_no_history_per_component(ctx):
    """A page's uptimes come from the components' rows and component_days
    (one range scan), not from two look-ups of each component's history
    (issue 13 goal 3): the same figures, and the history is not touched
    for components whose range is the page's."""
    cloud, page = _setup(ctx)
    for n in range(20):
        _component(ctx, cloud, page, "c%02d" % n, -30, [
            ("OPERATIONAL", -30, -1), ("MAJOR_OUTAGE", -1, 1),
            ("OPERATIONAL", 1, 9), ("PARTIAL_OUTAGE", 9, 11),
            ("OPERATIONAL", 11, None)])
    # Created inside the range (which then starts with its history).
    _component(ctx, cloud, page, "late", 5, [
        ("MAJOR_OUTAGE", 5, 6), ("OPERATIONAL", 6, None)])
    got = _uptimes(ctx, cloud, page)
    want = {"c%02d" % n: "87.00" for n in range(20)}
    want["late"] = "80.00"
    assert got == want, got
    # Statements of one call share a transaction: its own counts.
    scans = ctx.psql(
        "SELECT count(*) FROM component_uptimes('%s', '%s', '%s', '%s');"
        " SELECT coalesce(idx_scan, 0) + seq_scan FROM pg_stat_xact_user_tables"
        " WHERE relname = 'component_status_history'" % (cloud, page, D0, TO))
    assert scans.splitlines() == ["21", "0"], scans


def test_uptime_of_a_page_reads_one_held_row_per_component(ctx):
    """A range ending about now (the default: "to" is the caller's clock,
    a moment before the statement's now()) takes both ends from the rows
    and component_blocks: one held interval read per component (the one
    holding the start), none for the end, which every component's latest
    interval holds (issue 13 goal 3). The end's blocks were read too
    before: two rows per component here."""
    cloud, page = _setup(ctx)
    n = 12
    for k in range(n):
        cid = str(uuid.uuid4())
        ctx.psql(
            "INSERT INTO components (cloud_id, id, page_id, type, name,"
            " position, status, created_at) VALUES ('%s', '%s', '%s',"
            " 'COMPONENT', 'c%02d', 0, 'OPERATIONAL', now() - interval"
            " '30 days')" % (cloud, cid, page, k))
        # A day of MAJOR inside the range, then up; the closed interval
        # before the latest spans the days up to today.
        ctx.psql(
            "INSERT INTO component_status_history (cloud_id, component_id,"
            " status, started_at, ended_at) VALUES"
            " ('%s', '%s', 'MAJOR_OUTAGE', now() - interval '30 days',"
            " now() - interval '24 days'),"
            " ('%s', '%s', 'OPERATIONAL', now() - interval '24 days',"
            " now() - interval '5 seconds'),"
            " ('%s', '%s', 'DEGRADED_PERFORMANCE', now() - interval"
            " '5 seconds', NULL)" % ((cloud, cid) * 3))
    # Statements of one call share a transaction: its own counts.
    out = ctx.psql(
        "SELECT string_agg(DISTINCT uptime::text, ',') FROM"
        " component_uptimes('%s', '%s', now() - interval '25 days',"
        " now() - interval '1 second');"
        " SELECT relname || '=' || coalesce(idx_tup_fetch, 0)"
        " FROM pg_stat_xact_user_tables WHERE relname IN"
        " ('component_blocks', 'component_status_history') ORDER BY relname"
        % (cloud, page))
    assert out.splitlines() == [
        "96.00", "component_blocks=%d" % n, "component_status_history=0"], out


def test_uptime_of_a_component_is_integer_arithmetic(ctx):
    """Each component's figure is a few bigint operations on the integer
    columns of migration 024, not numeric arithmetic on timestamps (most
    of a page's statement was that): no epoch is extracted per row, only
    the range's ends once."""
    cloud, page = _setup(ctx)
    _component(ctx, cloud, page, "c", -30, [("MAJOR_OUTAGE", -30, None)])
    plan = ctx.psql(
        "EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM component_uptimes('%s',"
        " '%s', '%s', '%s')" % (cloud, page, D0, TO))
    leaf = plan.split("CTE leaf")[1].split("Output: ")[1].splitlines()[0]
    assert "last_lost_units" in leaf and "EXTRACT" not in leaf, leaf


def test_page_uptimes_statements_find_the_page_by_key(ctx):
    """The page's uptime_percentage and the v1 list are one row each: the
    page by its primary key, then its answers (page_uptime_answers, one
    computation for both, memoized: test_uptime_memo); nothing is
    computed for a page not found."""
    cloud, page = _setup(ctx)
    group = _component(ctx, cloud, page, "g", -30, [], kind="GROUP_COMPONENT")
    _component(ctx, cloud, page, "c", -30, [("PARTIAL_OUTAGE", -30, None)],
               parent=group)
    line = "\t%s\t%s\t%s\t%s" % (cloud, page, D0, TO)
    missing = "\t%s\t%s\t%s\t%s" % (cloud, uuid.uuid4(), D0, TO)
    plans = _plans(ctx, ["UPTIME_PAGE" + line, "UPTIME_DOCUMENT" + line])
    for plan in (plans["UPTIME_PAGE"], plans["UPTIME_DOCUMENT"]):
        assert "Index Scan using pages_pkey" in plan, plan
        assert "Function Scan on page_uptime_answers u (actual rows=1 loops=1)" in plan, plan
    plan = _plans(ctx, ["UPTIME_PAGE" + missing])["UPTIME_PAGE"]
    assert "Function Scan on page_uptime_answers u (never executed)" in plan, plan


def test_uptime_list_computes_only_its_page_of_items(ctx):
    """uptime/v2 pages its components by their rows first and computes the
    uptimes of those only (a group's with its children): 3 of 12 here,
    with the held rows of those 3 (all 12 were computed before)."""
    cloud, page = _setup(ctx)
    for n in range(12):
        _component(ctx, cloud, page, "c%02d" % n, -30, [
            ("MAJOR_OUTAGE", -30, 3), ("OPERATIONAL", 3, None)])
    plan = _plans(ctx, ["UPTIME_AFTER\t%s\t%s\t%s\t%s\t\\N\t\\N\t\\N\t\\N\t3"
                        % (cloud, page, D0, TO)])["UPTIME_AFTER"]
    leaf = plan.split("CTE leaf")[1].splitlines()[1]
    assert "(actual rows=3 loops=1)" in leaf, plan
    assert "component_blocks_pkey on component_blocks b (actual rows=3 " in plan, plan


def _bulk_load_300_components(ctx, cloud, page):
    """300 components on the page, each with 30 daily intervals
    alternating OPERATIONAL and MAJOR_OUTAGE, in one INSERT of every
    component's history (as bench/endpoints.sql seeds)."""
    ctx.psql(
        "INSERT INTO components (cloud_id, id, page_id, type, name, position,"
        " status, created_at) SELECT '%s', gen_random_uuid(), '%s',"
        " 'COMPONENT', 'c' || n, n, 'OPERATIONAL', now() - interval '30 days'"
        " FROM generate_series(1, 300) AS n;"
        " INSERT INTO component_status_history (cloud_id, component_id,"
        " status, started_at, ended_at) SELECT c.cloud_id, c.id,"
        " (ARRAY['OPERATIONAL', 'MAJOR_OUTAGE'])[1 + k %% 2],"
        " now() - interval '30 days' + k * interval '1 day',"
        " CASE WHEN k < 29 THEN now() - interval '29 days' + k * interval"
        " '1 day' END FROM components c, generate_series(0, 29) AS k"
        " WHERE c.cloud_id = '%s' AND c.page_id = '%s'" % (cloud, page, cloud, page))


def test_uptime_of_a_page_reads_held_rows_a_block_together(ctx):
    """A page's held rows are read a block at a time, and they lie
    together: a bulk load (one INSERT of every component's history, as
    bench/endpoints.sql seeds) files a block's rows side by side (migration
    024). Filed component by component, the scan's 600 rows (300 held,
    300 ending before the instant) took 650 buffers; side by side, 74."""
    cloud, page = _setup(ctx)
    _bulk_load_300_components(ctx, cloud, page)
    plan = ctx.psql(
        "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM"
        " component_lost_held('%s', '%s', NULL, true, now() - interval '20 days'"
        " + interval '5 hours')" % (cloud, page))
    assert "rows=300 " in plan, plan
    buffers = int(plan.split("Buffers: shared hit=")[1].split()[0])
    assert buffers < 150, plan


def test_uptime_of_one_component_reads_its_own_rows(ctx):
    """One component's uptime reads its row by key, not every component of
    its page (a group's, its children too)."""
    cloud, page = _setup(ctx)
    history = [("OPERATIONAL", -30, -1), ("MAJOR_OUTAGE", -1, 1),
               ("OPERATIONAL", 1, None)]
    ids = [_component(ctx, cloud, page, "c%02d" % n, -30, history)
           for n in range(30)]
    group = _component(ctx, cloud, page, "group", -30, [], kind="GROUP_COMPONENT")
    ctx.psql("UPDATE components SET parent_id = '%s' WHERE id IN ('%s', '%s')"
             % (group, ids[0], ids[1]))

    def one(cid):
        # Statements of one call share a transaction: its own counts.
        return ctx.psql(
            "SELECT string_agg(name || '=' || uptime, ',' ORDER BY name)"
            " FROM component_uptimes_of('%s', '%s', '%s', '%s', '%s');"
            " SELECT coalesce(idx_tup_fetch, 0) + seq_tup_read"
            " FROM pg_stat_xact_user_tables WHERE relname = 'components'"
            % (cloud, page, cid, D0, TO)).splitlines()

    # Its row, and the look-up of whether it is a group (each component of
    # the page before: 31 rows).
    assert one(ids[5]) == ["c05=90.00", "2"], one(ids[5])
    # Among several (uptime/v2's page of items): the same.
    assert ctx.psql(
        "SELECT string_agg(name || '=' || uptime, ',' ORDER BY name) FROM"
        " component_uptimes_in('%s', '%s', ARRAY['%s', '%s']::uuid[], '%s',"
        " '%s')" % (cloud, page, ids[5], group, D0, TO)) == \
        "c00=90.00,c01=90.00,c05=90.00,group=90.00"
    # A group's children are found among the page's components (no index
    # by parent): those 31, besides the two.
    assert one(group) == ["c00=90.00,c01=90.00,group=90.00", "33"], one(group)


def test_uptime_items_are_rendered_inline(ctx):
    """A list's 1,000 items are rendered in the statement's own
    expressions: component_uptime_item is inlined (one call per item cost
    more than computing the uptimes), and renders what jsonb would."""
    cloud, page = _setup(ctx)
    _component(ctx, cloud, page, 'say "hi"\\ \u00e9', -30, [("PARTIAL_OUTAGE", -30, None)])
    q = ("SELECT component_uptime_item(u.id, u.name, u.status, u.uptime)"
         " FROM component_uptimes('%s', '%s', '%s', '%s') u" % (cloud, page, D0, TO))
    plan = ctx.psql("EXPLAIN (VERBOSE, COSTS OFF) " + q)
    assert "component_uptime_item" not in plan and "to_json" in plan, plan
    item = json.loads(ctx.psql(q))
    assert item == json.loads(ctx.psql(
        "SELECT jsonb_build_object('id', u.id, 'name', u.name, 'status', u.status,"
        " 'componentUptimePercentage', u.uptime) FROM component_uptimes('%s', '%s',"
        " '%s', '%s') u" % (cloud, page, D0, TO))), item
    assert item["name"] == 'say "hi"\\ \u00e9' and item["componentUptimePercentage"] == 70


# The uptime rule computed straight from the intervals, exactly (Fraction),
# for test_uptime_is_the_interval_computation.
WEIGHT = {"MAJOR_OUTAGE": Fraction(1), "PARTIAL_OUTAGE": Fraction(3, 10)}


def _raw_uptime(history, created, lo, hi):
    lo = max(lo, created)
    if hi <= lo:
        return Fraction(100)
    lost = sum(WEIGHT.get(status, 0) * max(0, min(e if e is not None else hi, hi) - max(s, lo))
               for status, s, e in history)
    return 100 * (1 - Fraction(lost) / (hi - lo))


def _round2(x):
    """PostgreSQL's round(numeric, 2): halves away from zero."""
    q = abs(x) * 100
    r = int(q) + (1 if q - int(q) >= Fraction(1, 2) else 0)
    return "%s%d.%02d" % ("-" if x < 0 and r else "", r // 100, r % 100)


def _expected_uptimes(snap, lo, hi):
    hist = {}
    for h in snap["history"]:
        hist.setdefault(h["c"], []).append((h["status"], h["s"], h["e"]))
    comps = snap["components"]
    raw = {c["id"]: _raw_uptime(hist.get(c["id"], []), c["created"], lo, hi)
           for c in comps}
    out = {}
    for c in comps:
        if c["type"] == "GROUP_COMPONENT":
            kids = [raw[k["id"]] for k in comps if k["parent"] == c["id"]]
            out[c["id"]] = _round2(sum(kids) / len(kids) if kids else Fraction(100))
        else:
            out[c["id"]] = _round2(raw[c["id"]])
    return out


def test_uptime_is_the_interval_computation(ctx):
    """Random histories (microsecond instants, gaps, components created
    inside the range, a group) over ranges whose ends fall inside closed
    intervals, in gaps, on the latest interval, before creation, in the
    future and about now: every figure is the rule applied to the intervals
    themselves, computed exactly here."""
    rnd = random.Random(13)
    cloud, page = _setup(ctx)
    group = _component(ctx, cloud, page, "group", -60, [], kind="GROUP_COMPONENT")
    statuses = ["OPERATIONAL", "MAJOR_OUTAGE", "PARTIAL_OUTAGE",
                "DEGRADED_PERFORMANCE", "UNDER_MAINTENANCE"]
    for k in range(14):
        created = rnd.uniform(-60, 8)
        t, intervals = created, []
        while t < 30:
            step = rnd.choice([rnd.uniform(0.01, 0.5), rnd.uniform(0.5, 9)])
            end = t + step
            intervals.append((rnd.choice(statuses), t, end))
            # Now and then a gap (a hand-made history).
            t = end + (rnd.uniform(0.1, 3) if rnd.random() < 0.1 else 0)
        # The latest is open (it lasts up to now).
        status, a, _ = intervals[-1]
        intervals[-1] = (status, a, None)
        if k == 13:
            intervals = []  # no history at all
        _component(ctx, cloud, page, "c%02d" % k, created, intervals,
                   parent=group if k < 4 else None)
    ranges = [
        (_day(0), _day(10)), (_day(-70), _day(40)), (_day(3.3001), _day(3.71)),
        (_day(-2.5), _day(0.25)), (_day(12.123457), _day(29.9)),
        (_day(5), "now() + interval '3 days'"),
        (_day(31), "now() - interval '2 seconds'"),
        ("now() + interval '1 day'", "now() + interval '2 days'"),
    ]
    us = "(extract(epoch FROM %s) * 1000000)::bigint"
    snap = json.loads(ctx.psql(
        "SELECT json_build_object("
        " 'now', %s,"
        " 'components', (SELECT json_agg(json_build_object('id', id, 'type', type,"
        "   'parent', parent_id, 'created', %s)) FROM components"
        "   WHERE cloud_id = '%s' AND page_id = '%s'),"
        " 'history', (SELECT json_agg(json_build_object('c', component_id,"
        "   'status', status, 's', %s, 'e', %s)) FROM component_status_history"
        "   WHERE cloud_id = '%s'),"
        " 'ranges', json_build_array(%s))"
        % (us % "now()", us % "created_at", cloud, page, us % "started_at",
           us % "ended_at", cloud,
           ", ".join("json_build_object('lo', %s, 'hi', %s, 'uptimes', (SELECT"
                     " json_object_agg(id, uptime::text) FROM component_uptimes("
                     "'%s', '%s', %s, %s)))" % (us % a, us % b, cloud, page, a, b)
                     for a, b in ranges))))
    assert len(snap["components"]) == 15
    for r in snap["ranges"]:
        want = _expected_uptimes(snap, r["lo"], min(r["hi"], snap["now"]))
        assert r["uptimes"] == want, (r["lo"], r["hi"], r["uptimes"], want)


def test_status_change_rewrites_blocks_by_component(ctx):
    """A status change deletes the component's blocks from the interval
    it closes by component_blocks_component, whatever the statistics: joined
    with the seeds, a planner without them scanned the whole table (20 ms
    a change at 100,000 intervals)."""
    cloud, page = _setup(ctx)
    _bulk_load_300_components(ctx, cloud, page)
    cid = ctx.psql("SELECT id FROM components WHERE cloud_id = '%s' AND"
                   " page_id = '%s' LIMIT 1" % (cloud, page))
    # What the planner knew of the bench's table, never analysed: its size
    # (144,000 rows on 3,100 pages) and nothing else (as the superuser;
    # ANALYZE sets the truth again).
    ctx.superuser_psql("DELETE FROM pg_statistic WHERE starelid ="
                       " 'component_blocks'::regclass; UPDATE pg_class SET"
                       " reltuples = 144000, relpages = 3100"
                       " WHERE oid = 'component_blocks'::regclass")
    try:
        # Statements of one call share a transaction: its own counts. The
        # workers' generic plans.
        out = ctx.psql(
            "SET plan_cache_mode = force_generic_plan;"
            " SELECT component_set_live_status('%s', '%s', 'MAJOR_OUTAGE');"
            " SELECT seq_scan FROM pg_stat_xact_user_tables"
            " WHERE relname = 'component_blocks'" % (cloud, cid))
    finally:
        ctx.psql("ANALYZE component_blocks")
    assert out.splitlines() == ["OPERATIONAL", "0"], out


def _blocks_and_sums(ctx, cloud, cid):
    return ctx.psql(
        "SELECT string_agg(format('%%s %%s %%s %%s', block, started_at,"
        " ended_at, lost_before), ',' ORDER BY block, started_at)"
        " FROM component_blocks WHERE cloud_id = '%s' AND component_id = '%s';"
        " SELECT string_agg(format('%%s %%s', started_at, lost_before), ','"
        " ORDER BY started_at) FROM component_status_history"
        " WHERE cloud_id = '%s' AND component_id = '%s';"
        " SELECT format('%%s %%s %%s %%s %%s', first_started_at,"
        " last_started_at, last_ended_at, last_status, last_lost_before)"
        " FROM components WHERE cloud_id = '%s' AND id = '%s'"
        % (cloud, cid, cloud, cid, cloud, cid))


def test_status_change_follows_the_history_once(ctx):
    """A status change closes the open interval and opens the next one:
    one follow-up of the history (sums, blocks, the component's row), not
    one after each statement, and what it leaves is what a follow-up of
    the whole history leaves (issue 13, write cost)."""
    cloud, page = _setup(ctx)
    cid = _component(ctx, cloud, page, "moving", -30, [
        ("OPERATIONAL", -30, -3), ("MAJOR_OUTAGE", -3, -2),
        ("OPERATIONAL", -2, None)])
    # Statements of one call share a transaction: its own counts. Each
    # follow-up writes the component's row again (one write is the
    # change's own) and rewrites its blocks from the interval before the
    # earliest change; the one after the INSERT deletes none.
    counts = ctx.psql(
        "SELECT component_set_live_status('%s', '%s', 'PARTIAL_OUTAGE');"
        " SELECT relname || '=' || n_tup_upd || '/' || n_tup_del"
        " FROM pg_stat_xact_user_tables WHERE relname IN ('components',"
        " 'component_blocks') ORDER BY relname" % (cloud, cid))
    assert counts.splitlines() == [
        "OPERATIONAL", "component_blocks=0/0", "components=2/0"], counts
    ctx.psql("SELECT component_set_live_status('%s', '%s', 'OPERATIONAL')"
             % (cloud, cid))
    incremental = _blocks_and_sums(ctx, cloud, cid)
    ctx.psql("SELECT component_history_follow(ARRAY['%s'], ARRAY['%s'::uuid],"
             " ARRAY['-infinity'::timestamptz])" % (cloud, cid))
    assert _blocks_and_sums(ctx, cloud, cid) == incremental
    assert incremental.count(",") > 10, incremental
