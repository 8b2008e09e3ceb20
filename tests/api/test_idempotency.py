"""Idempotency-Key on every state-changing route (DESIGN.md section 8):
replays with Idempotency-Replayed, 422 for another request under a used
key, 409 while the key's first request is still running, and keys that
belong to the credential that sent them."""

import subprocess
import threading
import time
import uuid

from client import check_common_headers, check_error, parallel
import routecases


def replayed(r):
    return (r.headers.get("Idempotency-Replayed") or "").lower() == "true"


def write_routes(ctx):
    return [(m, p) for m, p, _ in routecases.served_routes(ctx) if m not in ("GET", "HEAD")]


def test_idempotency_every_write_route_replays(ctx):
    """Driven by the routing table: every POST, PUT and DELETE statusd
    serves answers a retry with the stored response, not a second run."""
    routes = write_routes(ctx)
    assert len(routes) >= 19, routes
    failures = []
    for m, pat in routes:
        path, body, ok = routecases.CASES[(m, pat)](ctx)
        key = "every-" + uuid.uuid4().hex
        h = {"Idempotency-Key": key}
        try:
            first = ctx.request(m, path, body, headers=h)
            assert first.status == ok and not replayed(first), ("first", first)
            again = ctx.request(m, path, body, headers=h)
            assert again.status == ok and replayed(again), ("again", again)
            assert again.body == first.body, ("body differs", first.body[:200], again.body[:200])
            check_common_headers(again)
            other = ctx.request(m, path, headers=h, raw_body='{"differs":true}')
            err = check_error(other, 422)
            assert "another request" in err["error"], err
        except AssertionError as e:
            failures.append("%s %s: %s" % (m, pat, str(e)[:300]))
    assert not failures, "\n".join(failures)


def test_idempotency_replay_does_not_apply_twice(ctx):
    """A non-idempotent update (PUT /pages without version bumps the
    version; PUT /incidents appends an update) runs once per key."""
    page = ctx.create_page()
    h = {"Idempotency-Key": ctx.uniq("put")}
    for _ in range(3):
        r = ctx.request("PUT", "/pages/" + page["id"], {"page": {"description": "once"}}, headers=h)
        assert r.status == 200 and r.json["page"]["version"] == 2, r
    assert ctx.request("GET", "/pages/" + page["id"]).json["page"]["version"] == 2
    # The same body under a new key is a new request.
    r = ctx.request("PUT", "/pages/" + page["id"], {"page": {"description": "once"}},
                    headers={"Idempotency-Key": ctx.uniq("put")})
    assert r.status == 200 and r.json["page"]["version"] == 3 and not replayed(r), r
    # Another page under a used key: the path parameter is part of the request.
    other = ctx.create_page()
    r = ctx.request("PUT", "/pages/" + other["id"], {"page": {"description": "once"}}, headers=h)
    check_error(r, 422)
    assert ctx.request("GET", "/pages/" + other["id"]).json["page"]["version"] == 1


def test_idempotency_keys_belong_to_the_caller(ctx):
    """Two credentials of one cloud using the same key are independent:
    neither replays the other's response nor is refused because of it."""
    key = "mine-" + uuid.uuid4().hex
    colleague = ("colleague@example.com",
                 ctx.make_token(ctx.cloud, "all", email="colleague@example.com"))
    same_owner = (ctx.email, ctx.make_token(ctx.cloud, "all"))
    body = ctx.new_page_body()
    a = ctx.request("POST", "/pages", body, headers={"Idempotency-Key": key})
    assert a.status == 201, a
    for who in (colleague, same_owner):
        # The very same request under the same key: run again, not replayed
        # (so the name is taken: 409).
        r = ctx.request("POST", "/pages", body, auth=who, headers={"Idempotency-Key": key})
        check_error(r, 409)
        assert not replayed(r), r
        # Another request under the same key: runs, is not a mismatch.
        own = ctx.new_page_body()
        r = ctx.request("POST", "/pages", own, auth=who, headers={"Idempotency-Key": key})
        assert r.status == 201 and not replayed(r), r
        # And its own retry replays its own response.
        again = ctx.request("POST", "/pages", own, auth=who, headers={"Idempotency-Key": key})
        assert again.status == 201 and replayed(again) and again.body == r.body, again
    # A JWT is its own principal too.
    jwt = ("bearer", ctx.jwt_hs256(ctx.jwt_claims(sub="idem-jwt-user")))
    r = ctx.request("POST", "/pages", body, auth=jwt, headers={"Idempotency-Key": key})
    check_error(r, 409)
    # The first caller still gets its own answer back.
    r = ctx.request("POST", "/pages", body, headers={"Idempotency-Key": key})
    assert r.status == 201 and replayed(r) and r.body == a.body, r


class RowLock:
    """Holds the row lock of one page (or a row of another table) from a
    psql session, so that a write to it stays in flight until release()."""

    def __init__(self, ctx, row_id, table="pages"):
        self.p = subprocess.Popen(
            ["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", ctx.database_url],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.p.stdin.write("BEGIN;\nSELECT 'locked' FROM %s WHERE id = '%s' FOR UPDATE;\n"
                           % (table, row_id))
        self.p.stdin.flush()
        assert self.p.stdout.readline().strip() == "locked"

    def release(self):
        if self.p.poll() is None:
            self.p.stdin.write("ROLLBACK;\n")
            self.p.stdin.close()
            self.p.wait(10)


def test_idempotency_key_in_flight_is_409_at_once(ctx):
    page = ctx.create_page()
    h = {"Idempotency-Key": ctx.uniq("flight")}
    body = {"page": {"description": "in flight"}}
    lock = RowLock(ctx, page["id"])
    results = []
    try:
        t = threading.Thread(target=lambda: results.append(
            ctx.request("PUT", "/pages/" + page["id"], body, headers=h)))
        t.start()
        # The first request holds the key while it waits for the row.
        deadline = time.time() + 5
        while time.time() < deadline and ctx.psql(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted") == "0":
            time.sleep(0.05)
        t0 = time.time()
        r = ctx.request("PUT", "/pages/" + page["id"], body, headers=h)
        elapsed = time.time() - t0
        err = check_error(r, 409)
        assert "in progress" in err["error"], err
        assert elapsed < 1.5, elapsed
        assert not results, results
    finally:
        lock.release()
    t.join(10)
    assert results and results[0].status == 200 and not replayed(results[0]), results
    assert results[0].json["page"]["version"] == 2
    r = ctx.request("PUT", "/pages/" + page["id"], body, headers=h)
    assert r.status == 200 and replayed(r) and r.body == results[0].body, r


def test_idempotency_concurrent_duplicates_run_once(ctx):
    """Ten copies at once: exactly one runs; the others are replays of it
    or 409 (still in flight), and a retry after it gets the response."""
    key = "race-" + uuid.uuid4().hex
    body = ctx.new_page_body()
    results = parallel(10, lambda i: ctx.request("POST", "/pages", body,
                                                 headers={"Idempotency-Key": key}))
    statuses = [r.status for r in results]
    assert set(statuses) <= {201, 409}, statuses
    fresh = [r for r in results if r.status == 201 and not replayed(r)]
    assert len(fresh) == 1, statuses
    for r in results:
        if r.status == 201:
            assert r.json == fresh[0].json
        else:
            assert "in progress" in check_error(r, 409)["error"]
    r = ctx.request("POST", "/pages", body, headers={"Idempotency-Key": key})
    assert r.status == 201 and replayed(r) and r.json == fresh[0].json, r
    n = ctx.psql("SELECT count(*) FROM pages WHERE cloud_id = '%s' AND name = '%s'"
                 % (ctx.cloud, body["page"]["name"]))
    assert n == "1", n
