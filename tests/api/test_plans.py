"""Plans that do not depend on statistics (issue 13 goal 6): statusd's own
prepared statements (bench-explain prepares them from the statement tables
of db/*.c), as generic plans, which is how the workers run them
(db/db.c), on a page of 3,000 incidents, before and after ANALYZE: the
incident is found by its primary key, lists walk their index under the
Limit, and no statement reads the page's or the cloud's incidents."""

import os
import re
import subprocess
import uuid

INCIDENTS = 3000


def _new_pages(ctx, n):
    """A cloud of its own with n published pages: (cloud, [page ids])."""
    cloud = str(uuid.uuid4())
    pages = [str(uuid.uuid4()) for _ in range(n)]
    for p in pages:
        ctx.psql("INSERT INTO pages (cloud_id, id, name, subdomain, page_type,"
                 " page_status, attrs, created_by) VALUES ('%s', '%s', 'Plans %s',"
                 " 'plans-%s', 'PUBLIC', 'PUBLISHED', '{}', 'test')" % (cloud, p, p, p))
    return cloud, pages


def _bench_sql(ctx, name, **variables):
    """bench/<name> run on the test database with these psql variables."""
    args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", ctx.database_url]
    for k, v in variables.items():
        args += ["-v", "%s=%s" % (k, v)]
    subprocess.run(args + ["-f", os.path.join(ctx.repo, "bench", name)],
                   check=True, capture_output=True, timeout=120)


def _more_pages(ctx, cloud, n):
    """n more pages in the cloud, in one statement."""
    ctx.psql("INSERT INTO pages (cloud_id, id, name, subdomain, page_type,"
             " page_status, attrs, created_by) SELECT '%s', gen_random_uuid(),"
             " 'Plans ' || g, 'plans-%s-' || g, 'PUBLIC', 'PUBLISHED', '{}', 'test'"
             " FROM generate_series(1, %d) g" % (cloud, cloud[:8], n))


def _seed(ctx, more_pages=0):
    """A cloud of its own with two pages (and more_pages others),
    INCIDENTS incidents on the first (bench/incidents.sql): (cloud, page,
    an incident id)."""
    cloud, pages = _new_pages(ctx, 2)
    if more_pages:
        _more_pages(ctx, cloud, more_pages)
    _bench_sql(ctx, "incidents.sql", cloud=cloud, page=pages[0], other=pages[1],
               big=INCIDENTS, total=INCIDENTS + 10)
    incident = ctx.psql("SELECT id FROM incidents WHERE cloud_id = '%s' AND page_id = '%s'"
                        " ORDER BY created_at LIMIT 1" % (cloud, pages[0]))
    return cloud, pages[0], incident


def _explain(ctx, lines, env=None):
    """bench-explain's output for these request lines."""
    p = subprocess.run([os.path.join(ctx.build, "bench-explain"), ctx.database_url],
                       input="\n".join(lines) + "\n", capture_output=True, text=True,
                       timeout=60, env=env)
    assert p.returncode == 0, p.stderr
    return p.stdout


def _plans(ctx, lines):
    """{statement: its EXPLAIN (ANALYZE, BUFFERS) text}; the session's
    settings line comes under the key None."""
    plans, name = {None: []}, None
    for line in _explain(ctx, lines).splitlines():
        if line and not line.startswith(" "):
            name = line
            plans[name] = []
        else:
            plans[name].append(line)
    return {k: "\n".join(v) for k, v in plans.items()}


def _buffers(plan):
    """Buffers the whole statement touched (its top node's line)."""
    m = re.search(r"Buffers: shared( hit=(\d+))?( read=(\d+))?", plan)
    assert m, plan
    return int(m.group(2) or 0) + int(m.group(4) or 0)


def _check(ctx, cloud, page, incident):
    plans = _plans(ctx, [
        "INCIDENTS_PAGE_AFTER\t%s\tfalse\t\\N\t\\N\t26\t%s" % (cloud, page),
        "INCIDENTS_PAGE_BEFORE\t%s\tfalse\t\\N\t\\N\t26\t%s" % (cloud, page),
        "INCIDENTS_PAGE_ACTIVE_AFTER\t%s\ttrue\t\\N\t\\N\t26\t%s" % (cloud, page),
        "INCIDENTS_AFTER\t%s\tfalse\t\\N\t\\N\t26" % cloud,
        "INCIDENTS_BEFORE\t%s\tfalse\t\\N\t\\N\t26" % cloud,
        "PAGES_SUMMARY_KEYSET\t%s\tALL\t\\N\t\\N\t26" % cloud,
    ])
    for name in ("INCIDENTS_PAGE_AFTER", "INCIDENTS_PAGE_BEFORE", "INCIDENTS_PAGE_ACTIVE_AFTER"):
        plan = plans[name]
        assert re.search(r"Limit \(actual rows=26", plan), (name, plan)
        assert "Seq Scan on incidents" not in plan, (name, plan)
        # Two to three buffers an incident: its node is stored, the page
        # probed once (measured 42 for 26 rows).
        assert _buffers(plan) <= 120, (name, plan)
    for name in ("INCIDENTS_AFTER", "INCIDENTS_BEFORE"):
        plan = plans[name]
        assert re.search(r"Limit \(actual rows=26", plan), (name, plan)
        assert "Seq Scan on incidents" not in plan, (name, plan)
        # Each row's page by primary key: about 7 buffers a row.
        assert _buffers(plan) <= 400, (name, plan)
    # A stored item and a subscriber count a page (the suite's pages
    # table is small enough for a scan: the bound is what matters).
    summary = plans["PAGES_SUMMARY_KEYSET"]
    assert _buffers(summary) <= 200, summary


def test_plans_by_key_before_and_after_analyze(ctx):
    cloud, page, incident = _seed(ctx)
    _check(ctx, cloud, page, incident)
    ctx.psql("ANALYZE incidents; ANALYZE pages; ANALYZE incident_counts;"
             " ANALYZE page_counts; ANALYZE components")
    _check(ctx, cloud, page, incident)


def test_sessions_run_without_jit(ctx):
    """JIT compiled every execution of a cached plan again, since its
    threshold is the plan's estimated cost: the cloud's incident list over
    1,000,000 incidents took 66 ms instead of 0.8 ms once analysed. The
    session settings bench-explain applies are the workers'
    (DB_PLANNER_SETTINGS), whatever the server or the connection ask."""
    env = dict(os.environ, PGOPTIONS="-c jit=on -c plan_cache_mode=auto")
    session = _explain(ctx, [], env=env).splitlines()[0].strip()
    assert session == "session: plan_cache_mode = force_generic_plan, jit = off", session


def _check_answers(ctx, cloud, page, incident):
    code = ctx.psql("SELECT code FROM incidents WHERE cloud_id = '%s' AND id = '%s'"
                    % (cloud, incident))
    # The writes run (EXPLAIN ANALYZE), twice each: the buffers of their
    # plpgsql statements count in the top node's, and the first run in a
    # session also reads the catalogs to compile the functions.
    update = ("INCIDENT_UPDATE\t%s\t%s\t{PUBLISHED}\t%s\t\\N\tRenamed\t\\N\t\\N"
              "\t\\N\tfalse\t{}\t{}\t\\N" % (cloud, page, incident))
    creates = ["INCIDENT_CREATE\t%s\t%s\t{PUBLISHED}\t%s\tp%s\t\\N\tPlanned"
               "\tINVESTIGATING\tNONE\t\\N\ttrue\t{}\t{}\t\\N"
               % (cloud, page, uuid.uuid4(), uuid.uuid4().hex[:8]) for _ in range(2)]
    plans = _plans(ctx, [
        "INCIDENT_RENDER\t%s\t%s" % (cloud, incident),
        "INCIDENT_GET_BY_CODE\t%s\t%s" % (cloud, code),
        update, creates[0], update, creates[1],
    ])
    for name, key in (("INCIDENT_RENDER", "incidents_pkey"),
                      ("INCIDENT_GET_BY_CODE", "incidents_code_key")):
        plan = plans[name]
        assert key in plan and "incidents_page_recent" not in plan, (name, plan)
        assert _buffers(plan) <= 20, (name, plan)
    # Every statement of a write by key (measured 57-88 buffers): a scan
    # of the cloud's 2,000 pages or of the page's incidents is thousands.
    for name in ("INCIDENT_UPDATE", "INCIDENT_CREATE"):
        assert _buffers(plans[name]) <= 200, (name, plans[name])


def _believe_a_million_incidents(ctx):
    """What the planner believes of the bench's never-analysed cloud
    (bench/endpoints.sh, 1,000,000 incidents) without writing a million
    rows: vacuumed but never analysed, as autovacuum's VACUUM leaves a
    table, with a million rows over its blocks (pg_class, as the
    superuser; ANALYZE sets the truth again)."""
    ctx.superuser_psql("UPDATE pg_class SET reltuples = 1000000,"
                       " relpages = greatest(pg_relation_size(oid) / 8192, 1)"
                       " WHERE oid = 'incidents'::regclass")


def test_incident_answers_by_key_in_a_cloud_of_many_pages(ctx):
    """The answer of every incident write and look-up: the incident by its
    key, then its page by primary key; and the writes themselves. Joined, a planner that believed the
    incidents many drove from the cloud's pages and probed the page's
    incidents for the id once per page (POST and PUT /incidents at 15
    req/s on the never-analysed bench, 62,000 buffers an answer)."""
    cloud, page, incident = _seed(ctx, more_pages=2000)
    _believe_a_million_incidents(ctx)
    try:
        _check_answers(ctx, cloud, page, incident)
    finally:
        ctx.psql("ANALYZE incidents; ANALYZE pages")
    _check_answers(ctx, cloud, page, incident)


def _check_one_component_uptime(ctx, cloud, component):
    plan = _plans(ctx, ["UPTIME_COMPONENT\t%s\t%s\t-infinity\tinfinity"
                        % (cloud, component)])["UPTIME_COMPONENT"]
    # Measured 17 buffers by primary keys; walking the cloud's 400
    # components in components_page was 29 and grows with the cloud.
    # (The page-wide branch of the uptime function, never executed for one
    # component, names components_page too.)
    assert "Index Scan using components_pkey on components c " in plan, plan
    assert "Index Only Scan using components_page" not in plan, plan
    assert "Index Scan using pages_pkey on pages p " in plan, plan
    assert _buffers(plan) <= 25, plan


def test_one_component_uptime_by_key_before_and_after_analyze(ctx):
    """GET /components/{id}/uptime_percentage finds its component and
    that component's page by primary key, analysed or not: never analysed,
    an index-only scan of components_page (the cloud's components, for the
    id) and a scan of the cloud's pages were the plan."""
    cloud, pages = _new_pages(ctx, 3)
    for p in pages:
        _bench_sql(ctx, "endpoints.sql", cloud=cloud, page=p, components=400, changes=3)
    # Enough pages that, analysed, the primary key is also the cheapest
    # plan (a filtered run of this module alone had 17 pages in all, which
    # an analysed planner rightly scans).
    _more_pages(ctx, cloud, 500)
    component = ctx.psql("SELECT id FROM components WHERE cloud_id = '%s' AND page_id = '%s'"
                         " ORDER BY position DESC LIMIT 1" % (cloud, pages[1]))
    _check_one_component_uptime(ctx, cloud, component)
    ctx.psql("ANALYZE components; ANALYZE pages")
    _check_one_component_uptime(ctx, cloud, component)
