"""GET /pages/summary (v1) at size (issue 13 goal 2): one row a page out of
PostgreSQL, its stored item and its stakeholder count probed by index in the
statement's own plan (not a function called per page), the item assembled
in C; stored items never compressed. Checked on pages as bench/seed.sql
makes them (a configured page's attributes, a custom domain on every
fourth), in a cloud of their own."""

import json
import os
import re
import subprocess
import uuid

from test_plans import _buffers, _plans

PAGES = 120


def _seed(ctx):
    """A cloud of PAGES bench pages, subscriber counters on two of them:
    (cloud, token, {page id: expected stakeholderCount})."""
    cloud = str(uuid.uuid4())
    first = 200000 + int(uuid.uuid4().int % 1000) * 1000
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", ctx.database_url,
                    "-v", "cloud=" + cloud, "-v", "from=%d" % first,
                    "-v", "to=%d" % (first + PAGES - 1),
                    "-f", os.path.join(ctx.repo, "bench", "seed.sql")],
                   check=True, capture_output=True, timeout=120)
    ids = ctx.psql("SELECT id FROM pages WHERE cloud_id = '%s' ORDER BY created_at DESC, id"
                   % cloud).split()
    # Counter rows as the subscribers' trigger keeps them: unsubscribed
    # ones do not count, component subscriptions do.
    ctx.psql("INSERT INTO subscriber_counts (cloud_id, page_id, item_type, item_id, status, n)"
             " VALUES ('{c}', '{a}', 'PAGE_SUBSCRIBER', '{a}', 'SUBSCRIBED', 3),"
             " ('{c}', '{a}', 'PAGE_SUBSCRIBER', '{a}', 'UNSUBSCRIBED', 5),"
             " ('{c}', '{a}', 'COMPONENT_SUBSCRIBER', '{x}', 'UNCONFIRMED', 2),"
             " ('{c}', '{b}', 'PAGE_SUBSCRIBER', '{b}', 'QUARANTINED', 1)"
             .format(c=cloud, a=ids[0], b=ids[-1], x=uuid.uuid4()))
    counts = {i: 0 for i in ids}
    counts[ids[0]], counts[ids[-1]] = 5, 1
    token = ctx.make_token(cloud, "all", email="v1@example.com")
    return cloud, token, ids, counts


def test_summary_v1_items_plan_and_storage(ctx):
    cloud, token, ids, counts = _seed(ctx)
    r = ctx.request("GET", "/pages/summary", cloud=cloud, auth=("v1@example.com", token))
    assert r.status == 200, r
    got = r.json["pages"]
    assert [p["id"] for p in got] == ids and "truncated" not in r.json
    # Each item is the stored rendering with the current count.
    fresh = ctx.psql("SELECT id, page_summary_render(p) FROM pages p WHERE cloud_id = '%s'"
                     % cloud)
    for line in fresh.splitlines():
        pid, item = line.split("|", 1)
        want = dict(json.loads(item), stakeholderCount=counts[pid])
        assert [p for p in got if p["id"] == pid] == [want], (pid, want)

    plan = _plans(ctx, ["PAGES_SUMMARY\t%s\tALL\t1000" % cloud])["PAGES_SUMMARY"]
    # The count is an index probe inside the statement's plan; a function
    # called per page (what it was) shows nothing of subscriber_counts.
    assert re.search(r"Index Scan using subscriber_counts_pkey on subscriber_counts .*"
                     r"loops=%d\)" % PAGES, plan), plan
    assert "Index Scan using pages_newest" in plan and "Sort" not in plan, plan
    assert _buffers(plan) <= 5 * PAGES + 20, plan

    # Stored items are read as they are: never compressed (the custom
    # domain's pages made a fourth of them pglz before migration 022).
    compressed = ctx.psql("SELECT count(*) FROM pages WHERE cloud_id = '%s'"
                          " AND pg_column_compression(summary) IS NOT NULL" % cloud)
    assert compressed == "0", compressed
