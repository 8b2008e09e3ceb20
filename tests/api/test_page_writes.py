"""Page writes at size (issue 13 goal 5): for a page without components
(most pages written), what the rendering trigger (db/sql/20_page_render.sql)
runs to list and count them is an index probe whatever the statistics say.
Analysed with every component on one page, PostgreSQL's generic plan
scanned the whole table for every write of every other page."""

import subprocess
import uuid

COMPONENTS = 300


def _psql_script(ctx, script):
    """Runs script in one psql session; returns its output lines."""
    p = subprocess.run(["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1",
                        "-d", ctx.database_url], input=script,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.split()


def _insert_page(cloud, page, status):
    return ("INSERT INTO pages (cloud_id, id, name, subdomain, page_type, page_status,"
            " attrs, created_by) VALUES ('{c}', '{p}', 'Writes {p}', 'writes-{p}',"
            " 'PUBLIC', '{s}', '{{}}', 'test');\n").format(c=cloud, p=page, s=status)


def test_page_render_reads_components_by_index(ctx):
    cloud = str(uuid.uuid4())
    busy, live, draft = (str(uuid.uuid4()) for _ in range(3))
    # One transaction, rolled back: statistics that put every component
    # on one page (n_distinct = 1, what a new installation's first busy
    # page looks like to ANALYZE), then page writes as the workers run
    # them (generic plans), counted by pg_stat_xact_user_tables.
    out = _psql_script(ctx, "\n".join([
        "BEGIN;",
        _insert_page(cloud, busy, "PUBLISHED"),
        "INSERT INTO component_drafts (cloud_id, id, page_id, type, name, position)"
        " SELECT '%s', gen_random_uuid(), '%s', 'COMPONENT', 'C' || n, n"
        " FROM generate_series(1, %d) AS n;" % (cloud, busy, COMPONENTS),
        "SELECT components_publish('%s', '%s') IS NULL;" % (cloud, busy),
        "ALTER TABLE components ALTER COLUMN page_id SET (n_distinct = 1);",
        "ALTER TABLE component_drafts ALTER COLUMN page_id SET (n_distinct = 1);",
        "ANALYZE components; ANALYZE component_drafts;",
        "SET LOCAL plan_cache_mode = force_generic_plan;",
        "SELECT 'before', coalesce(sum(seq_scan), 0) FROM pg_stat_xact_user_tables"
        " WHERE relname IN ('components', 'component_drafts');",
        _insert_page(cloud, live, "PUBLISHED"),
        _insert_page(cloud, draft, "DRAFT"),
        "UPDATE pages SET version = version + 1 WHERE cloud_id = '%s'"
        " AND id IN ('%s', '%s');" % (cloud, live, draft),
        "SELECT 'after', coalesce(sum(seq_scan), 0) FROM pg_stat_xact_user_tables"
        " WHERE relname IN ('components', 'component_drafts');",
        "UPDATE pages SET version = version + 1 WHERE cloud_id = '%s' AND id = '%s';"
        % (cloud, busy),
        # The busy page's own rendering still lists all its components.
        "SELECT 'listed', jsonb_array_length((doc::jsonb) -> 'page' -> 'components'),"
        " (summary::jsonb) -> 'componentCount' FROM pages WHERE cloud_id = '%s'"
        " AND id = '%s';" % (cloud, busy),
        "SELECT 'empty', count(*) FROM pages WHERE cloud_id = '%s' AND id IN ('%s', '%s')"
        " AND (doc::jsonb) -> 'page' -> 'components' = '[]'"
        " AND (summary::jsonb) -> 'componentCount' = '0';" % (cloud, live, draft),
        "ROLLBACK;",
    ]))
    got = dict(line.split("|", 1) for line in out if "|" in line)
    assert got["after"] == got["before"], got
    assert got["listed"] == "%d|%d" % (COMPONENTS, COMPONENTS), got
    assert got["empty"] == "2", got


def _ok(r, status=200):
    assert r.status == status, r
    return r.json


def test_page_update_is_one_statement_and_keeps_the_rules(ctx):
    """PUT /pages/{id} is one statement (page_update_live) when the page
    is there; a pending draft follows the edit; a stale version, a deleted
    or missing page still answer as the locked path decides."""
    from test_ops import delta, scrape
    pid = ctx.create_page()["id"]
    before = scrape(ctx)
    for i in range(10):
        _ok(ctx.request("PUT", "/pages/" + pid, {"page": {"description": "d%d" % i}}))
    after = scrape(ctx)
    # The lock and the update were two statements (BEGIN and COMMIT are not
    # counted); a worker new to the token looks it up once.
    assert delta(before, after, "statusd_db_statements_total") <= 10 + 4, \
        delta(before, after, "statusd_db_statements_total")

    # A draft pending: the live edit goes into it too.
    _ok(ctx.request("PUT", "/pages/draft/" + pid, {"page": {"description": "in draft"}}))
    live = _ok(ctx.request("PUT", "/pages/" + pid, {"page": {"description": "both",
                                                             "pageTheme": "CLEAR_SKIES"}}))["page"]
    draft = _ok(ctx.request("GET", "/pages/draft/" + pid))["page"]
    assert live["description"] == draft["description"] == "both", (live, draft)
    assert draft["pageTheme"] == "CLEAR_SKIES" and live["pageStatus"] == "PUBLISHED_WITH_CHANGES"

    version = live["version"]
    r = ctx.request("PUT", "/pages/" + pid, {"page": {"description": "x", "version": version - 1}})
    assert r.status == 409 and "version %d" % version in r.json["details"], r
    _ok(ctx.request("PUT", "/pages/" + pid, {"page": {"description": "y", "version": version}}))
    _ok(ctx.request("POST", "/pages/%s/soft_delete" % pid))
    assert ctx.request("PUT", "/pages/" + pid, {"page": {"description": "z"}}).status == 409
    assert ctx.request("PUT", "/pages/" + str(uuid.uuid4()),
                       {"page": {"description": "z"}}).status == 404


def test_page_indexes_leave_attrs_alone(ctx):
    """No index of pages reads attrs, so writing a page's attributes can be
    a HOT update (migration 025); custom domains stay unique."""
    defs = ctx.psql("SELECT indexdef FROM pg_indexes WHERE tablename = 'pages'")
    assert "attrs" not in defs and "custom_domain" in defs, defs
    domain = ctx.uniq("hot") + ".example.com"
    ctx.create_page(domain=domain)
    r = ctx.request("POST", "/pages", ctx.new_page_body(domain=domain.upper()))
    assert r.status == 409 and "custom domain" in r.json["error"], r
