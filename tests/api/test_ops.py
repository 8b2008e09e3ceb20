"""Operability: /healthz and /readyz through nginx, the Prometheus metrics
listener (counts, exposition format, not reachable through nginx)."""

import glob
import http.client
import os
import re
import signal
import subprocess
import time
import urllib.parse
import uuid

from client import check_common_headers, check_error
from test_process import _pg_ctl, _wait

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def _metrics_url(ctx):
    url = ctx.env.get("METRICS_URL")
    assert url, "the stack's env has no METRICS_URL"
    return url


def _get(url, method="GET", body=None, timeout=10):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request(method, u.path + ("?" + u.query if u.query else ""), body=body)
        r = conn.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
    finally:
        conn.close()


def scrape(ctx):
    """The exposition as {(name, ((label, value), ...)): float}."""
    status, headers, body = _get(_metrics_url(ctx))
    assert status == 200, (status, body[:200])
    assert headers["content-type"].startswith("text/plain; version=0.0.4"), headers
    out = {}
    for line in body.decode("utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        m = LINE.match(line)
        assert m, "unparsable line %r" % line
        labels = tuple(sorted(LABEL.findall(m.group(3) or "")))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def value(sample, name, **labels):
    return sample.get((name, tuple(sorted(labels.items()))), 0.0)


def delta(before, after, name, **labels):
    return value(after, name, **labels) - value(before, name, **labels)


# --- health and readiness ---------------------------------------------------

def test_healthz_answers_without_credentials(ctx):
    for method in ("GET", "HEAD"):
        r = ctx.request(method, "//healthz", auth=None)
        assert r.status == 200, r
        check_common_headers(r)
        assert r.headers.get("Content-Type") == "application/json", r.headers
        if method == "GET":
            assert r.json == {"status": "ok"}, r
    r = ctx.request("POST", "//healthz", {}, auth=None)
    check_error(r, 405)
    assert r.headers.get("Allow") == "GET, HEAD", r.headers


def test_readyz_names_the_schema_version(ctx):
    r = ctx.request("GET", "//readyz", auth=None)
    assert r.status == 200, r
    # The newest migration's number (numbers may have gaps while branches
    # land in any order).
    need = max(int(os.path.basename(f).split("_")[0])
               for f in glob.glob(os.path.join(ctx.repo, "db", "migrations", "*.sql")))
    assert r.json == {"status": "ready", "schemaVersion": need}, r
    # Only the two exact paths: nothing below them, and the API prefix does
    # not serve them either.
    check_error(ctx.request("GET", "//healthz/x", auth=None), 404)
    check_error(ctx.request("GET", "/healthz", auth=None), (401, 404))


def test_readyz_is_503_while_the_database_is_down(ctx):
    if not os.path.isdir(os.path.join(ctx.state_dir, "pg")):
        print("  (skipped: the stack uses an outside database)")
        return
    assert ctx.request("GET", "//readyz", auth=None).status == 200
    _pg_ctl(ctx, "-m", "fast", "-w", "stop")
    try:
        # Several probes, so that several workers (each with its own
        # connection, some of which still look open) are asked.
        for _ in range(8):
            t0 = time.time()
            r = ctx.request("GET", "//readyz", auth=None)
            assert time.time() - t0 < 3, time.time() - t0
            body = check_error(r, 503)
            assert body == {"error": "not ready", "details": "database unreachable"}, r
            assert r.headers.get("Retry-After") == "1", r.headers
            # Liveness does not depend on the database.
            h = ctx.request("GET", "//healthz", auth=None)
            assert h.status == 200 and h.json == {"status": "ok"}, h
    finally:
        _pg_ctl(ctx, "-l", os.path.join(ctx.state_dir, "log", "postgres.log"), "-w", "start")
    back = _wait(lambda: all(ctx.request("GET", "//readyz", auth=None).status == 200
                             for _ in range(8)), 20)
    assert back, "readyz did not return to 200 after the database came back"


# --- metrics ----------------------------------------------------------------

def test_metrics_pass_promtool(ctx):
    page = ctx.create_page()
    ctx.request("GET", "/pages/" + page["id"])
    ctx.request("GET", "/pages/" + page["id"], auth=("x@example.com", "sdt_nope"))
    ctx.request("GET", "//jsm/ops/api/%s/no/such/route" % ctx.cloud)
    status, _, body = _get(_metrics_url(ctx))
    assert status == 200
    p = subprocess.run(["promtool", "check", "metrics"], input=body,
                       capture_output=True, timeout=30)
    assert p.returncode == 0 and not p.stdout.strip() and not p.stderr.strip(), \
        (p.returncode, p.stdout[:500], p.stderr[:500])
    text = body.decode()
    for name in ("statusd_http_requests_total", "statusd_http_request_duration_seconds",
                 "statusd_db_statements_total", "statusd_db_statement_seconds_total",
                 "statusd_db_errors_total", "statusd_db_reconnects_total",
                 "statusd_worker_starts_total", "statusd_worker_exits_total",
                 "statusd_worker_recycles_total", "statusd_token_cache_hits_total",
                 "statusd_token_cache_misses_total", "statusd_auth_failures_total"):
        assert "# TYPE %s " % name in text, name


def _pids_of(ctx, rid_prefix):
    """Worker pids that logged a request whose id starts with rid_prefix."""
    pids = set()
    with open(os.path.join(ctx.state_dir, "log", "statusd.log")) as f:
        for line in f:
            if "rid=" + rid_prefix in line:
                pids.add(int(re.search(r" pid=(\d+) ", line).group(1)))
    return pids


def test_metrics_count_exactly_the_requests_across_workers(ctx):
    """Every request sent through nginx is counted once, whichever worker
    served it, including one that is killed before the scrape."""
    page = ctx.create_page()
    route = dict(route="/pages/{pageId}", method="GET")
    tag = "count-%s-" % uuid.uuid4().hex[:8]

    def send(n, start, path):
        statuses = []
        for i in range(n):
            r = ctx.request("GET", path, headers={"X-Request-Id": "%s%d" % (tag, start + i)})
            statuses.append(r.status)
        return statuses

    before = scrape(ctx)
    first = send(25, 0, "/pages/" + page["id"])
    missing = send(5, 100, "/pages/" + str(uuid.uuid4()))
    served = _pids_of(ctx, tag)
    victim = sorted(served & ctx.worker_pids())[0]
    os.kill(victim, signal.SIGKILL)
    assert _wait(lambda: victim not in ctx.worker_pids() and len(ctx.worker_pids()) == 4, 5)
    second = send(20, 200, "/pages/" + page["id"])
    after = scrape(ctx)

    assert first.count(200) == 25 and second.count(200) == 20, (first, second)
    assert missing.count(404) == 5, missing
    assert len(_pids_of(ctx, tag)) >= 2, "one worker served everything"
    assert delta(before, after, "statusd_http_requests_total",
                 status_class="2xx", **route) == 45
    assert delta(before, after, "statusd_http_requests_total",
                 status_class="4xx", **route) == 5
    assert delta(before, after, "statusd_http_request_duration_seconds_count", **route) == 50
    assert delta(before, after, "statusd_http_request_duration_seconds_bucket",
                 le="+Inf", **route) == 50
    assert delta(before, after, "statusd_worker_exits_total", cause="signal") == 1
    assert delta(before, after, "statusd_worker_starts_total") == 1


def test_metrics_count_failures_by_kind_never_the_credential(ctx):
    secret = "sdt_" + "Q" * 43
    before = scrape(ctx)
    r = ctx.request("GET", "/pages/summary", auth=None)
    check_error(r, 401)
    r = ctx.request("GET", "/pages/summary", auth=("who@example.com", secret))
    check_error(r, 401)
    r = ctx.request("GET", "/pages/summary", auth="Digest abc")
    check_error(r, 401)
    other, email, tok = ctx.other_cloud()
    r = ctx.request("GET", "/pages/summary", auth=(email, tok))
    check_error(r, 403)
    after = scrape(ctx)
    kinds = {k: delta(before, after, "statusd_auth_failures_total", kind=k)
             for k in ("missing", "unknown_token", "malformed", "wrong_cloud")}
    assert kinds == {"missing": 1, "unknown_token": 1, "malformed": 1, "wrong_cloud": 1}, kinds
    _, _, body = _get(_metrics_url(ctx))
    assert secret.encode() not in body and b"who@example.com" not in body


def test_metrics_count_token_cache_and_statements(ctx):
    tok = ctx.make_token(scopes="all")
    before = scrape(ctx)
    for _ in range(10):
        assert ctx.request("GET", "/pages/summary", auth=(ctx.email, tok)).status == 200
    after = scrape(ctx)
    hits = delta(before, after, "statusd_token_cache_hits_total")
    misses = delta(before, after, "statusd_token_cache_misses_total")
    # Each worker looks the new token up once, then answers from its cache.
    assert hits + misses == 10 and 1 <= misses <= 4, (hits, misses)
    assert delta(before, after, "statusd_db_statements_total") >= 10 + misses
    assert delta(before, after, "statusd_db_statement_seconds_total") > 0


def test_metrics_listener_is_not_reachable_through_nginx(ctx):
    for path in ("//metrics", "//metrics/", "//jsm/ops/api/metrics"):
        r = ctx.request("GET", path, auth=None)
        check_error(r, 404)
        assert b"statusd_" not in r.body, r
    u = urllib.parse.urlsplit(_metrics_url(ctx))
    assert u.hostname == "127.0.0.1" and str(u.port) != str(ctx.port), u
    status, _, body = _get(_metrics_url(ctx).replace("/metrics", "/other"))
    assert status == 404, (status, body)
    status, _, body = _get(_metrics_url(ctx), method="POST", body=b"x")
    assert status == 405, (status, body)
    status, headers, body = _get(_metrics_url(ctx), method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0
