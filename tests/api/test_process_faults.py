"""Faults tell the truth (issue 9): a retry after a worker died between
COMMIT and its answer writes nothing twice, a statement timeout says so,
and nginx logs what the client sent. Runs after test_process.py."""

import http.client
import os
import re
import signal
import subprocess
import time
import uuid

from client import FastCGIConn, check_error
from test_idempotency import RowLock, replayed
import test_incidents as inc
import test_process as proc

ADVICE = "retry it with the same Idempotency-Key"


def access_log_line(ctx, rid, seconds=3):
    """The nginx access log line of request id rid (nginx flushes its
    buffer every second)."""
    path = os.path.join(ctx.state_dir, "log", "nginx-access.log")
    deadline = time.time() + seconds
    while True:
        with open(path) as f:
            for line in f:
                if "request_id=%s " % rid in line:
                    return line
        if time.time() > deadline:
            return None
        time.sleep(0.1)


def test_worker_killed_after_commit_retry_writes_once(ctx):
    """The worker dies after COMMIT, before its answer (test_fault_injection
    is on in the test stack): nginx says 502 with the advice to retry with
    the same key, and the retry replays instead of appending again."""
    page = ctx.create_page()
    jira = ctx.uniq("KILL")
    created = inc.incident_of(inc.create(ctx, page["id"], jiraIncidentId=jira))
    body = {"incidentUpdateRequest": {"pageId": page["id"], "jiraIncidentId": jira,
                                      "status": "IDENTIFIED", "message": "found it"}}
    key, rid = ctx.uniq("commit-kill"), "fault-" + uuid.uuid4().hex
    before = ctx.worker_pids()
    r = ctx.request("PUT", "/incidents", body, headers={
        "Idempotency-Key": key, "X-Statusd-Test-Fault": "kill-after-commit", "X-Request-Id": rid})
    err = check_error(r, 502, allow_nginx=True)
    assert ADVICE in err.get("details", ""), err
    assert r.headers.get("Retry-After") == "1", r.headers
    # Committed: the update is there although the client was told 502.
    n_updates = "SELECT count(*) FROM incident_updates WHERE cloud_id = '%s' AND incident_id = '%s'" % (
        ctx.cloud, created["id"])
    n_outbox = "SELECT count(*) FROM notification_outbox WHERE cloud_id = '%s' AND page_id = '%s'" % (
        ctx.cloud, page["id"])
    assert ctx.psql(n_updates) == "2"
    outbox = ctx.psql(n_outbox)
    r = ctx.request("PUT", "/incidents", body, headers={"Idempotency-Key": key})
    assert r.status == 200 and replayed(r), r
    assert [u["status"] for u in inc.updates_of(r)] == ["IDENTIFIED", "INVESTIGATING"], r.json
    assert ctx.psql(n_updates) == "2", "a retry appended a second timeline entry"
    assert ctx.psql(n_outbox) == outbox, "a retry wrote a second outbox row"
    # The killed worker was replaced at once.
    assert proc._wait(lambda: len(ctx.worker_pids()) == 4, 1.0), ctx.worker_pids()
    assert ctx.worker_pids() != before
    # nginx logged the 502'd request as the PUT it was.
    line = access_log_line(ctx, rid)
    assert line is not None, rid
    assert " method=PUT " in line and " status=502 " in line, line
    assert 'uri="/jsm/ops/api/%s/incidents"' % ctx.cloud in line, line


def test_fault_header_is_inert_without_the_setting(ctx):
    """The header means nothing to a statusd without test_fault_injection."""
    page = ctx.create_page()
    second = SecondWithConf(ctx, second_conf(ctx), "-w", "1")
    try:
        params = proc._page_request(ctx, page["id"], "inert")
        params.update({"REQUEST_METHOD": "PUT", "CONTENT_TYPE": "application/json",
                       "HTTP_X_STATUSD_TEST_FAULT": "kill-after-commit"})
        st, out = second.request(params, b'{"page":{"description":"inert"}}')
        assert st == 200, (st, out[:200])
    finally:
        second.stop()


def second_conf(ctx, *lines):
    """A copy of the stack's statusd.conf (without fault injection and
    without a metrics listener, whose port the stack's statusd holds) with
    lines appended."""
    path = os.path.join(ctx.state_dir, "second-%s.conf" % uuid.uuid4().hex[:8])
    with open(ctx.conf) as f:
        text = f.read()
    text = "\n".join(l for l in text.splitlines()
                     if not l.startswith(("test_fault_injection", "metrics_listen")))
    with open(path, "w") as f:
        f.write(text + "\nmetrics_listen = off\n" + "\n".join(lines) + "\n")
    os.chmod(path, 0o644)
    return path


class SecondWithConf(proc._SecondStatusd):
    """A second statusd with a configuration of its own; its log is kept."""

    def __init__(self, ctx, conf, *args, env=None):
        self.sock = os.path.join(ctx.state_dir, "run", "second-%s.sock" % uuid.uuid4().hex[:8])
        self.log = conf + ".log"
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [os.path.join(ctx.build, "statusd"), "-c", conf, "-l", self.sock] + list(args),
                stdout=log, stderr=log, env=env)
        # Started: the migration child is gone and the workers are forked.
        assert proc._wait(lambda: "event=started" in self.log_text() and
                          proc._children(self.proc.pid), 10), \
            "second statusd did not start: %s" % self.log_text()[-1000:]

    def request(self, params, body=b""):
        c = FastCGIConn(self.sock, timeout=10)
        try:
            return c.request(params, body)
        finally:
            c.close()

    def log_text(self):
        with open(self.log) as f:
            return f.read()


def test_statement_timeout_says_too_slow(ctx):
    page = ctx.create_page()
    conf = second_conf(ctx, "statement_timeout_ms = 300")
    second = SecondWithConf(ctx, conf, "-w", "1")
    lock = RowLock(ctx, page["id"])
    try:
        params = proc._page_request(ctx, page["id"], "too-slow")
        params.update({"REQUEST_METHOD": "PUT", "CONTENT_TYPE": "application/json"})
        t0 = time.time()
        st, out = second.request(params, b'{"page":{"description":"waits for the lock"}}')
        assert time.time() - t0 < 3
    finally:
        lock.release()
    try:
        head, _, body = out.partition(b"\r\n\r\n")
        assert st == 503, (st, out[:300])
        assert b'"error":"the request took too long"' in body, body
        assert b"database unavailable" not in body, body
        m = re.search(rb"\r\nRetry-After: (\d+)\r\n", b"\r\n" + head + b"\r\n")
        assert m and int(m.group(1)) >= 10, head
        # Nothing was written, and the worker serves on.
        assert ctx.request("GET", "/pages/" + page["id"]).json["page"]["version"] == 1
        st, out = second.request(proc._page_request(ctx, page["id"], "after"))
        assert st == 200, out[:200]
        log = second.log_text()
        assert re.search(r"event=statement_timeout statement=\S+", log), log[-2000:]
        assert re.search(r"event=request .*status=503", log), log[-2000:]
        assert "event=db_connection_lost" not in log, log[-2000:]
    finally:
        second.stop()


def _terminate_waiting_backend(ctx):
    """Kills the PostgreSQL backend of the statusd worker that waits for a
    lock: its connection is lost in the middle of a statement."""
    q = ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'statusd'"
         " AND wait_event_type = 'Lock'")
    assert proc._wait(lambda: ctx.psql(q) == "t", 5), "no statusd backend waited for the lock"


def test_connection_lost_mid_write_says_what_is_known(ctx):
    """A connection lost under an autocommit write: the outcome is unknown,
    and the 503 says to retry with the same key. Under a key, the write ran
    in a transaction that died with the connection: plain 503, and the retry
    with the key runs it once."""
    tpl = inc._template(ctx)
    path = "/incidents/templates/" + tpl["id"]
    results = []

    def blocked_put(headers):
        import threading
        lock = RowLock(ctx, tpl["id"], table="incident_templates")
        t = threading.Thread(target=lambda: results.append(ctx.request(
            "PUT", path, {"incidentTemplate": {"title": "lost"}}, headers=headers)))
        t.start()
        try:
            _terminate_waiting_backend(ctx)
        finally:
            lock.release()
        t.join(10)
        return results.pop()

    r = blocked_put(None)
    err = check_error(r, 503)
    assert err["error"] == "the outcome of this request is unknown", err
    assert ADVICE in err["details"], err
    assert r.headers.get("Retry-After") == "1", r.headers
    key = ctx.uniq("lost")
    r = blocked_put({"Idempotency-Key": key})
    err = check_error(r, 503)
    assert err["error"] == "database unavailable", err
    r = ctx.request("PUT", path, {"incidentTemplate": {"title": "lost"}}, headers={"Idempotency-Key": key})
    assert r.status == 200 and not replayed(r), r
    r = ctx.request("PUT", path, {"incidentTemplate": {"title": "lost"}}, headers={"Idempotency-Key": key})
    assert r.status == 200 and replayed(r), r


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def test_master_killed_under_load_leaves_no_orphan(ctx):
    import threading
    page = ctx.create_page()
    second = SecondWithConf(ctx, second_conf(ctx), "-w", "4")
    stop = threading.Event()
    served = []

    def load(i):
        while not stop.is_set():
            try:
                st, _ = second.request(proc._page_request(ctx, page["id"], "orphan-%d" % i))
                served.append(st)
            except OSError:
                time.sleep(0.01)

    threads = [threading.Thread(target=load, args=(i,), daemon=True) for i in range(4)]
    try:
        workers = proc._wait(lambda: (lambda w: w if len(w) == 4 else None)(
            proc._children(second.proc.pid)), 5)
        assert workers, proc._children(second.proc.pid)
        for t in threads:
            t.start()
        time.sleep(0.3)
        second.proc.kill()
        second.proc.wait(5)
        t0 = time.time()
        gone = proc._wait(lambda: not any(_alive(p) for p in workers), 1.0)
        assert gone, "workers %r outlived their master by %.1f s" % (
            [p for p in workers if _alive(p)], time.time() - t0)
    finally:
        stop.set()
        for t in threads:
            t.join(5)
        for p in proc._children(second.proc.pid):
            os.kill(p, 9)
    assert served.count(200) > 10, served[:20]


def test_two_bursts_of_kills_full_capacity_within_a_second(ctx):
    """Workers killed from outside are not a crash loop: each burst is
    replaced at once, the second as fast as the first."""
    log = os.path.join(ctx.state_dir, "log", "statusd.log")
    start = os.path.getsize(log)
    for burst in range(2):
        victims = ctx.worker_pids()
        assert len(victims) == 4, victims
        for p in victims:
            os.kill(p, signal.SIGKILL)
        t0 = time.time()
        back = proc._wait(lambda: (lambda w: w if len(w) == 4 and not (w & victims) else None)(
            ctx.worker_pids()), 1.0)
        assert back, "burst %d: %d workers after %.1f s" % (
            burst + 1, len(ctx.worker_pids() - victims), time.time() - t0)
        time.sleep(0.2)
    with open(log) as f:
        f.seek(start)
        text = f.read()
    assert "crash_loop_backoff" not in text, text[-2000:]
    assert len(re.findall(r"event=worker_died worker=\d+ cause=killed signal=9 ", text)) == 8, text[-3000:]


def test_crashing_workers_still_back_off(ctx):
    """Workers that die on their own (here: SIGSEGV, a crash signal) again
    and again are a crash loop: the respawn backs off, and says why."""
    second = SecondWithConf(ctx, second_conf(ctx), "-w", "1")
    try:
        crashed = set()
        deadline = time.time() + 8
        while "event=crash_loop_backoff" not in second.log_text() and time.time() < deadline:
            # Each time a new worker: one still dying does not count twice.
            w = proc._wait(lambda: proc._children(second.proc.pid) - crashed, 0.5)
            if w:
                victim = w.pop()
                os.kill(victim, signal.SIGSEGV)
                crashed.add(victim)
        assert "event=crash_loop_backoff" in second.log_text(), second.log_text()[-2000:]
        # The fifth crash within ten seconds is the one that backs off.
        text = second.log_text()
        before = text.split("event=crash_loop_backoff")[0]
        assert before.count("event=worker_died") == 5, text
        text = second.log_text()
        assert re.search(r'event=crash_loop_backoff seconds=\d+ crashes=5 window_s=10 reason="', text), text
        # Under AddressSanitizer its handler turns the SEGV into exit 1.
        assert re.search(r"cause=(crashed signal=11|failed signal=0 exit=1) ", text), text
    finally:
        second.stop()


def _free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _processes_with_fd_under(path):
    out = set()
    for d in os.listdir("/proc"):
        if not d.isdigit() or not _alive(int(d)):
            continue
        try:
            fds = os.listdir("/proc/%s/fd" % d)
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink("/proc/%s/fd/%s" % (d, fd)).startswith(path + "/"):
                    out.add(int(d))
                    break
            except OSError:
                pass
    return out


def test_stack_stop_after_kill9_leaves_nothing(ctx):
    """deploy/stack.sh (make run's stack) stops everything it started, even
    after its statusd and nginx masters were killed with -9. (Uses the test
    database: no second cluster.)"""
    import tempfile
    state = tempfile.mkdtemp(prefix="statusd-kill9.")
    os.chmod(state, 0o755)
    env = dict(os.environ, STATE_DIR=state, PORT=str(_free_port()),
               METRICS_PORT=str(_free_port()), WORKERS="2",
               DATABASE_URL=ctx.database_url, BUILD_DIR=ctx.build)
    stack = os.path.join(ctx.repo, "deploy", "stack.sh")
    logs = os.path.join(state, "log")
    try:
        p = subprocess.run([stack, "start"], env=env, capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr[-2000:]
        with open(os.path.join(state, "run", "nginx.pid")) as f:
            nginx = int(f.read().split()[0])
        with open(os.path.join(state, "run", "statusd.pid")) as f:
            statusd = int(f.read().split()[0])
        before = _processes_with_fd_under(logs)
        assert nginx in before and statusd in before and len(before) >= 5, before
        os.kill(nginx, signal.SIGKILL)
        os.kill(statusd, signal.SIGKILL)
        time.sleep(0.3)
        left = _processes_with_fd_under(logs)
        assert left, "nothing outlived the masters: the test proves nothing"
        p = subprocess.run([stack, "status"], env=env, capture_output=True, text=True, timeout=30)
        assert p.returncode == 3 and "left: run stop" in p.stdout, p.stdout
        p = subprocess.run([stack, "stop"], env=env, capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr[-2000:]
        left = _processes_with_fd_under(logs)
        assert not left, "left after stop: %r" % left
    finally:
        subprocess.run([stack, "stop"], env=env, capture_output=True, timeout=60)
        for pid in _processes_with_fd_under(logs):
            os.kill(pid, signal.SIGKILL)
        import shutil
        shutil.rmtree(state, ignore_errors=True)


def test_summary_v1_is_bounded(ctx):
    """GET /pages/summary (v1) lists the summary_v1_max_pages newest pages
    and says "truncated": true when there are more (v2 pages through all)."""
    import base64
    import json
    cloud = str(uuid.uuid4())
    tok = ctx.make_token(cloud, "all", email="bounded@example.com")
    auth = ("bounded@example.com", tok)
    made = [ctx.create_page(cloud=cloud, auth=auth)["id"] for _ in range(3)]
    second = SecondWithConf(ctx, second_conf(ctx, "summary_v1_max_pages = 3"), "-w", "1")
    try:
        def summary():
            st, out = second.request({
                "REQUEST_METHOD": "GET",
                "REQUEST_URI": "/jsm/ops/api/%s/pages/summary" % cloud,
                "HTTP_AUTHORIZATION": "Basic " + base64.b64encode(
                    ("%s:%s" % auth).encode()).decode()})
            assert st == 200, out[:300]
            return json.loads(out.partition(b"\r\n\r\n")[2])
        got = summary()
        assert got == {"pages": got["pages"]} and [p["id"] for p in got["pages"]] == made[::-1], got
        made += [ctx.create_page(cloud=cloud, auth=auth)["id"] for _ in range(2)]
        got = summary()
        assert got["truncated"] is True, got
        assert [p["id"] for p in got["pages"]] == made[:1:-1], (got, made)
    finally:
        second.stop()
    # The stack's own statusd (default 1000) lists all five.
    r = ctx.request("GET", "/pages/summary", cloud=cloud, auth=auth)
    assert r.status == 200 and len(r.json["pages"]) == 5 and "truncated" not in r.json, r


class Writer:
    """Logical writes, each under its own Idempotency-Key, retried with
    that key until acknowledged: PUT /incidents appends a timeline entry
    whose message is the write's marker, POST /pages creates a page named
    by it."""

    def __init__(self, ctx, n, page_id, jira):
        self.ctx, self.n, self.page_id, self.jira = ctx, n, page_id, jira
        self.acked, self.sent, self.statuses = [], 0, {}

    def attempt(self, kind, marker, key):
        if kind == "update":
            body = {"incidentUpdateRequest": {"pageId": self.page_id, "jiraIncidentId": self.jira,
                                              "message": marker}}
            r = self.ctx.request("PUT", "/incidents", body, headers={"Idempotency-Key": key}, timeout=10)
        else:
            body = self.ctx.new_page_body(name=marker, subdomain=marker)
            r = self.ctx.request("POST", "/pages", body, headers={"Idempotency-Key": key}, timeout=10)
        self.statuses[r.status] = self.statuses.get(r.status, 0) + 1
        assert r.status < 500 or r.status in (502, 503, 504), r
        assert r.status < 400 or r.status >= 500 or r.status == 409, r
        return 200 <= r.status < 300

    def one(self, i, stop):
        kind = "update" if i % 2 else "create"
        marker, key = "storm-%d-%d-%s" % (self.n, i, uuid.uuid4().hex[:8]), uuid.uuid4().hex
        self.sent += 1
        while True:
            try:
                if self.attempt(kind, marker, key):
                    self.acked.append((kind, marker))
                    return
            except (OSError, http.client.HTTPException):
                # No answer, or one cut off when its worker or the master
                # was killed while sending it (the incident's answer grows
                # with its timeline: 58 KB after 300 updates): no
                # acknowledgement, so retried under the same key.
                pass
            if stop.is_set() and time.time() > stop.deadline:
                raise AssertionError("%s %s never acknowledged" % (kind, marker))
            time.sleep(0.05)

    def run(self, stop):
        i = 0
        while not stop.is_set():
            self.one(i, stop)
            i += 1


def _restart_statusd(ctx):
    env = dict(os.environ, STATE_DIR=ctx.state_dir, PORT=str(ctx.port), BUILD_DIR=ctx.build, WORKERS="4")
    conf = os.path.join(ctx.state_dir, "extra.conf")
    if os.path.exists(conf):
        env["EXTRA_CONF"] = conf
    p = subprocess.run([os.path.join(ctx.repo, "deploy", "stack.sh"), "start"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr[-2000:]


def test_fault_storm_every_acknowledged_write_is_there_once(ctx):
    """Writes under load while workers are killed, the master reloads
    (SIGHUP) and is killed, and PostgreSQL restarts fast and immediate:
    every acknowledged write is in the database exactly once, including
    those whose first attempts got a 502 or 503 and were retried."""
    import threading
    if not os.path.isdir(os.path.join(ctx.state_dir, "pg")):
        print("  (skipped: the stack uses an outside database)")
        return
    page = ctx.create_page()
    jira = ctx.uniq("STORM")
    inc.create(ctx, page["id"], jiraIncidentId=jira)
    stop = threading.Event()
    stop.deadline = float("inf")
    writers = [Writer(ctx, n, page["id"], jira) for n in range(4)]
    errors = []

    def run(w):
        try:
            w.run(stop)
        except AssertionError as e:
            errors.append(e)

    threads = [threading.Thread(target=run, args=(w,), daemon=True) for w in writers]
    for t in threads:
        t.start()
    log = os.path.join(ctx.state_dir, "log", "postgres.log")
    try:
        time.sleep(0.5)
        os.kill(sorted(ctx.worker_pids())[0], signal.SIGKILL)
        time.sleep(0.4)
        os.kill(ctx.master_pid(), signal.SIGHUP)
        time.sleep(0.4)
        for mode in ("fast", "immediate"):
            proc._pg_ctl(ctx, "-m", mode, "-w", "stop")
            time.sleep(0.3)
            proc._pg_ctl(ctx, "-l", log, "-w", "start")
            time.sleep(0.6)
        for p in sorted(ctx.worker_pids())[:2]:
            os.kill(p, signal.SIGKILL)
        time.sleep(0.4)
        os.kill(ctx.master_pid(), signal.SIGKILL)
        time.sleep(0.5)
        _restart_statusd(ctx)
        time.sleep(0.8)
    finally:
        # Writes still being retried get 15 s more once the stack answers
        # again (a loaded machine restarts statusd slowly).
        proc._wait(lambda: ctx.request("GET", "/pages/" + page["id"]).status == 200, 20)
        stop.deadline = time.time() + 15
        stop.set()
        for t in threads:
            t.join(40)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads), "a writer is still retrying"
    statuses = {}
    for w in writers:
        for k, v in w.statuses.items():
            statuses[k] = statuses.get(k, 0) + v
    acked = [a for w in writers for a in w.acked]
    assert len(acked) == sum(w.sent for w in writers) and len(acked) > 40, \
        ([(len(w.acked), w.sent) for w in writers], statuses)
    assert any(s >= 500 for s in statuses), "no fault reached a client: %r" % statuses
    print("  %d writes acknowledged; answers seen: %r" % (len(acked), sorted(statuses.items())))
    updates = {}
    for row in ctx.psql("SELECT body FROM incident_updates WHERE cloud_id = '%s' AND body LIKE 'storm-%%'"
                        % ctx.cloud).splitlines():
        updates[row] = updates.get(row, 0) + 1
    names = {}
    for row in ctx.psql("SELECT name FROM pages WHERE cloud_id = '%s' AND name LIKE 'storm-%%'"
                        % ctx.cloud).splitlines():
        names[row] = names.get(row, 0) + 1
    for kind, marker in acked:
        seen = (updates if kind == "update" else names).get(marker, 0)
        assert seen == 1, "%s %s is there %d times (statuses %r)" % (kind, marker, seen, statuses)
    assert proc._wait(lambda: len(ctx.worker_pids()) == 4, 3), ctx.worker_pids()
    r = ctx.request("GET", "/pages/" + page["id"])
    assert r.status == 200, r


def _logfmt_keys(line):
    keys, i, n = [], 0, len(line)
    while i < n:
        while i < n and line[i] == " ":
            i += 1
        j = line.find("=", i)
        if j < 0:
            break
        keys.append(line[i:j])
        i = j + 1
        if i < n and line[i] == '"':
            i += 1
            while i < n and line[i] != '"':
                i += 2 if line[i] == "\\" else 1
            i += 1
        else:
            while i < n and line[i] != " ":
                i += 1
    return keys


def test_no_log_line_repeats_a_key(ctx):
    with open(os.path.join(ctx.state_dir, "log", "statusd.log")) as f:
        lines = [l.rstrip("\n") for l in f if l.startswith("ts=")]
    assert any("event=worker_died" in l for l in lines), "run after the kill tests"
    for line in lines:
        keys = _logfmt_keys(line)
        assert len(keys) == len(set(keys)), line
