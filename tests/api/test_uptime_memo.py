"""Memos of a page's uptime answers (migration 028, page_uptime_answers):
a memo answers only the range it was computed for and only while the
page's live components are as they were; any change of them, whatever
makes it, outdates it at its commit; a read never keeps a memo computed
before a change, and never waits for a writer to keep one."""

import subprocess
import time

from test_components import DAY, get_json, ts, uptime_fixture
from test_uptime_rule import D0, TO, _component, _setup

MARK = ('{"pageComponentsUptime":[{"id":"00000000-0000-4000-8000-000000000000",'
        '"name":"marked","status":"OPERATIONAL",'
        '"componentUptimePercentage":12.34}]}')


def _answers(ctx, cloud, page, frm=D0, to=TO):
    return tuple(ctx.psql(
        "SELECT document, percentage FROM page_uptime_answers('%s', '%s',"
        " '%s', '%s')" % (cloud, page, frm, to)).split("|"))


def _fresh(ctx, cloud, page, frm=D0, to=TO):
    """The answers computed now, the memo left as it is."""
    out = ctx.psql(
        "BEGIN; DELETE FROM page_uptime_memos WHERE cloud_id = '%s'"
        " AND page_id = '%s'; SELECT document, percentage FROM"
        " page_uptime_answers('%s', '%s', '%s', '%s'); ROLLBACK"
        % (cloud, page, cloud, page, frm, to))
    return tuple(out.splitlines()[-1].split("|"))


def _mark(ctx, cloud, page):
    """Replaces the memo's answers (not its version) with a marker: an
    answer that is the marker came from the memo."""
    ctx.psql("UPDATE page_uptime_memos SET document = '%s', percentage ="
             " '12.34' WHERE cloud_id = '%s' AND page_id = '%s'"
             % (MARK, cloud, page))


def _memo(ctx, cloud, page):
    return ctx.psql(
        "SELECT memo_version = version, from_at = '%s' AND to_at = '%s'"
        " FROM page_uptime_memos WHERE cloud_id = '%s' AND page_id = '%s'"
        % (D0, TO, cloud, page))


def _page_with_history(ctx):
    cloud, page = _setup(ctx)
    down = _component(ctx, cloud, page, "down", -30, [
        ("OPERATIONAL", -30, 2), ("MAJOR_OUTAGE", 2, 3),
        ("OPERATIONAL", 3, None)])
    _component(ctx, cloud, page, "up", -30, [("OPERATIONAL", -30, None)])
    return cloud, page, down


def test_a_memo_answers_its_range_only(ctx):
    cloud, page, _ = _page_with_history(ctx)
    first = _answers(ctx, cloud, page)
    assert first[1] == "95.00", first  # (90 + 100) / 2
    assert _memo(ctx, cloud, page) == "t|t"
    _mark(ctx, cloud, page)
    assert _answers(ctx, cloud, page) == (MARK, "12.34")
    # Another range is computed (and becomes the memo).
    other = _answers(ctx, cloud, page, D0, "2026-01-06T00:00:00Z")
    assert other == _fresh(ctx, cloud, page, D0, "2026-01-06T00:00:00Z")
    assert other[1] == "90.00", other  # (80 + 100) / 2
    assert _answers(ctx, cloud, page) == first


def test_every_change_of_the_components_outdates_the_memo(ctx):
    cloud, page, down = _page_with_history(ctx)
    changes = [
        # A status change (an incident's, a publish's).
        "SELECT component_set_live_status('%s', '%s', 'PARTIAL_OUTAGE')"
        % (cloud, down),
        # The history edited by hand.
        "UPDATE component_status_history SET status = 'PARTIAL_OUTAGE'"
        " WHERE cloud_id = '%s' AND component_id = '%s' AND status ="
        " 'MAJOR_OUTAGE'" % (cloud, down),
        # A rename, a move (publish).
        "UPDATE components SET name = 'renamed', position = 5"
        " WHERE cloud_id = '%s' AND id = '%s'" % (cloud, down),
        # A new component, and one leaving the page.
        None,
        "DELETE FROM components WHERE cloud_id = '%s' AND name = 'up'"
        % cloud,
    ]
    for change in changes:
        _answers(ctx, cloud, page)
        _mark(ctx, cloud, page)
        if change is None:
            _component(ctx, cloud, page, "new", -30,
                       [("MAJOR_OUTAGE", -30, None)])
        else:
            ctx.psql(change)
        got = _answers(ctx, cloud, page)
        assert got != (MARK, "12.34"), change
        assert got == _fresh(ctx, cloud, page), change
    assert '"renamed"' in got[0] and '"new"' in got[0], got


def test_a_range_ending_after_now_is_not_memoized(ctx):
    cloud, page, _ = _page_with_history(ctx)
    ctx.psql("SELECT page_uptime_answers('%s', '%s', now() - interval"
             " '1 day', now() + interval '1 day')" % (cloud, page))
    assert ctx.psql("SELECT count(*) FROM page_uptime_memos WHERE"
                    " cloud_id = '%s' AND memo_version IS NOT NULL"
                    % cloud) == "0"


def test_a_memo_computed_before_a_change_is_not_kept(ctx):
    """What a read computed at version v is kept only while the page's
    version is still v: here the page changed (twice, by two
    transactions) between the read's snapshot and its store."""
    cloud, page, down = _page_with_history(ctx)
    _answers(ctx, cloud, page)
    before = ctx.psql("SELECT version FROM page_uptime_memos WHERE"
                      " cloud_id = '%s' AND page_id = '%s'" % (cloud, page))
    ctx.psql("UPDATE components SET name = 'one' WHERE id = '%s'" % down)
    ctx.psql("UPDATE components SET name = 'two' WHERE id = '%s'" % down)
    for version in (before, "0"):
        ctx.psql("SELECT page_uptime_memo_store('%s', '%s', '%s', '%s', '%s',"
                 " '%s', '1')" % (cloud, page, version, D0, TO, MARK))
        assert _memo(ctx, cloud, page) == "f|t", version
    assert '"two"' in _answers(ctx, cloud, page)[0]
    assert _memo(ctx, cloud, page) == "t|t"


def test_a_read_does_not_wait_for_a_writer(ctx):
    """A writer holding the page's row (its change not yet committed)
    neither delays a read nor lets it keep a memo: the read computes from
    what is committed and keeps nothing (the memo of another range stays,
    still valid for what is committed)."""
    cloud, page, down = _page_with_history(ctx)
    _answers(ctx, cloud, page)
    _mark(ctx, cloud, page)
    # Another range than the memo's: computed, and not kept.
    other = "2026-01-06T00:00:00Z"
    want = _fresh(ctx, cloud, page, D0, other)
    writer = subprocess.Popen(
        ["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d",
         ctx.database_url], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True)
    try:
        writer.stdin.write(
            "BEGIN;\nUPDATE components SET name = 'uncommitted' WHERE id ="
            " '%s';\nSELECT 'changed';\n" % down)
        writer.stdin.flush()
        assert writer.stdout.readline().strip() == "changed"
        start = time.time()
        got = ctx.psql("SET statement_timeout = '2s'; SELECT document,"
                       " percentage FROM page_uptime_answers('%s', '%s',"
                       " '%s', '%s')" % (cloud, page, D0, other))
        assert time.time() - start < 2
        assert tuple(got.split("|")) == want
        assert _memo(ctx, cloud, page) == "t|t"
    finally:
        writer.stdin.write("ROLLBACK;\n")
        writer.stdin.close()
        writer.wait(10)
    # The memo was the marker all along: nothing was kept over it.
    assert _answers(ctx, cloud, page) == (MARK, "12.34")


def test_a_deleted_page_takes_its_memo_with_it(ctx):
    cloud, page, _ = _page_with_history(ctx)
    _answers(ctx, cloud, page)
    ctx.psql("DELETE FROM pages WHERE cloud_id = '%s' AND id = '%s'"
             % (cloud, page))
    assert ctx.psql("SELECT count(*) FROM page_uptime_memos WHERE"
                    " cloud_id = '%s'" % cloud) == "0"


def test_the_v1_list_and_the_page_percentage_share_the_memo(ctx):
    pid, _, base = uptime_fixture(ctx)
    frm, to = ts(base - 20 * DAY), ts(base - 10 * DAY)
    lst = get_json(ctx, "/pages/%s/components/uptime?startDate=%s&endDate=%s"
                   % (pid, frm, to))
    assert len(lst["pageComponentsUptime"]) == 5, lst
    _mark(ctx, ctx.cloud, pid)
    got = get_json(ctx, "/pages/%s/uptime_percentage?from=%s&to=%s"
                   % (pid, frm, to))
    assert got["uptimePercentage"] == 12.34, got
    got = get_json(ctx, "/pages/%s/components/uptime?startDate=%s&endDate=%s"
                   % (pid, frm, to))
    assert got["pageComponentsUptime"][0]["name"] == "marked", got
