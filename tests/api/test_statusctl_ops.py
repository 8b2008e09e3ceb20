"""statusctl for the operator: doctor (each broken precondition it names
fails it), config check, config show, token rotate, --json listings."""

import json
import os
import socket
import subprocess
import time
import uuid

from client import check_error

CHECKS = ["config", "secrets", "database", "schema", "socket", "nginx"]


def _conf_variant(ctx, name, *lines):
    """The stack's statusd.conf with lines appended (later keys win)."""
    path = os.path.join(ctx.state_dir, "doctor-%s.conf" % name)
    with open(ctx.conf) as f, open(path, "w") as out:
        out.write(f.read() + "\n" + "\n".join(lines) + "\n")
    return path


def _statusctl(ctx, conf, *args):
    cmd = [os.path.join(ctx.build, "statusctl"), "-c", conf] + list(args)
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)


def _lines(out):
    """{check: (result, detail)} from doctor's text output."""
    res = {}
    for line in out.splitlines():
        word, check, detail = (line.split(None, 2) + ["", ""])[:3]
        res[check] = (word, detail)
    return res


def _is_secret(key):
    """The rule of config_key_is_secret (core/config.c)."""
    return ("secret" in key or "password" in key or key.endswith("_key")
            or "_key_previous" in key)


def _closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_doctor_passes_on_a_healthy_stack(ctx):
    p = _statusctl(ctx, ctx.conf, "doctor", "--nginx-url", ctx.base_url)
    assert p.returncode == 0, (p.stdout, p.stderr)
    lines = _lines(p.stdout)
    assert list(lines) == CHECKS, p.stdout
    assert all(word == "ok" for word, _ in lines.values()), p.stdout
    p = _statusctl(ctx, ctx.conf, "doctor", "--nginx-url", ctx.base_url, "--json")
    doc = json.loads(p.stdout)
    assert p.returncode == 0 and doc["ok"] is True, p.stdout
    assert [c["check"] for c in doc["checks"]] == CHECKS
    assert {c["result"] for c in doc["checks"]} == {"ok"}


def _make_empty_database(ctx):
    name = "doctor_empty_%s" % uuid.uuid4().hex[:8]
    run_dir = os.path.join(ctx.state_dir, "run")
    subprocess.run(["psql", "-X", "-q", "-h", run_dir, "-U", "postgres", "-d", "postgres",
                    "-c", "CREATE DATABASE %s OWNER statusd" % name],
                   check=True, capture_output=True, timeout=60)
    return "postgresql:///%s?host=%s&user=statusd" % (name, run_dir)


def test_doctor_fails_on_each_broken_precondition(ctx):
    run_dir = os.path.join(ctx.state_dir, "run")
    cases = [
        ("config", ["no_such_setting = 1"], []),
        ("secrets", ["cursor_secret = short"], []),
        ("secrets", ["captcha_hmac_key = c1:abcd"], []),
        ("database", ["database_url = postgresql:///statusd?host=/nonexistent-dir"], []),
        ("socket", ["listen = %s/missing.sock" % run_dir], []),
        ("socket", ["socket_mode = 0600"], []),
        ("nginx", [], ["--nginx-url", "http://127.0.0.1:%d" % _closed_port()]),
        ("nginx", [], ["--nginx-user", "daemon"]),
    ]
    if os.path.isdir(os.path.join(ctx.state_dir, "pg")):
        cases.append(("schema", ["database_url = " + _make_empty_database(ctx)], []))
    for i, (check, lines, args) in enumerate(cases):
        conf = _conf_variant(ctx, "%d" % i, *lines)
        if not args:
            args = ["--nginx-url", ctx.base_url]
        p = _statusctl(ctx, conf, "doctor", *args)
        got = _lines(p.stdout)
        assert p.returncode == 1, (check, lines, args, p.stdout, p.stderr)
        assert got.get(check, ("",))[0] == "FAIL", (check, lines, p.stdout)
        others = [c for c, (w, _) in got.items() if w == "FAIL" and c != check]
        assert not others, (check, lines, p.stdout)
        doc = json.loads(_statusctl(ctx, conf, "doctor", "--json", *args).stdout)
        assert doc["ok"] is False
        assert [c["result"] for c in doc["checks"] if c["check"] == check][0] == "fail"
    # Never a secret in what doctor prints.
    with open(ctx.conf) as f:
        pairs = [ln.split("=", 1) for ln in f if "=" in ln and not ln.lstrip().startswith("#")]
    secrets = [v.strip() for k, v in pairs if _is_secret(k.strip())]
    out = _statusctl(ctx, ctx.conf, "doctor", "--json").stdout
    assert secrets and not [s for s in secrets if s in out]


def test_config_check_reads_only_the_file(ctx):
    conf = _conf_variant(ctx, "check", "database_url = postgresql:///x?host=/nonexistent-dir")
    p = _statusctl(ctx, conf, "config", "check")
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert list(_lines(p.stdout)) == ["config", "secrets"], p.stdout
    conf = _conf_variant(ctx, "check-weak", "jwt_hs256_secret = tooshort")
    p = _statusctl(ctx, conf, "config", "check")
    assert p.returncode == 1 and _lines(p.stdout)["secrets"][0] == "FAIL", p.stdout
    assert "jwt_hs256_secret" in p.stdout and "tooshort" not in p.stdout
    conf = _conf_variant(ctx, "check-bad", "workers = many")
    p = _statusctl(ctx, conf, "config", "check", "--json")
    doc = json.loads(p.stdout)
    assert p.returncode == 1 and doc["checks"][0]["result"] == "fail", p.stdout


def test_config_show_lists_every_setting_without_secrets(ctx):
    p = _statusctl(ctx, ctx.conf, "config", "show", "--json")
    assert p.returncode == 0, p.stderr
    shown = json.loads(p.stdout)
    with open(ctx.conf) as f:
        set_here = dict(ln.split("=", 1) for ln in f
                        if "=" in ln and not ln.lstrip().startswith("#"))
    set_here = {k.strip(): v.strip() for k, v in set_here.items()}
    for key, val in set_here.items():
        assert key in shown, key
        if _is_secret(key):
            assert shown[key] == "(set)", (key, shown[key])
        elif key not in ("database_url", "socket_mode"):
            assert shown[key] == val, (key, shown[key], val)
    text = _statusctl(ctx, ctx.conf, "config", "show").stdout
    assert sorted(ln.split(" = ")[0] for ln in text.splitlines()) == sorted(shown)


def test_token_rotate_keeps_the_token_and_retires_the_secret(ctx):
    old = ctx.make_token(scopes="read:stakeholder-comms.page:jira-service-management",
                         expires="2031-01-01T00:00:00Z")
    assert ctx.request("GET", "/pages/summary", auth=(ctx.email, old)).status == 200
    for _ in range(8):  # the old secret in several workers' caches
        assert ctx.request("GET", "/pages/summary", auth=(ctx.email, old)).status == 200
    p = ctx.statusctl("token", "rotate", old.id)
    rotated_at = time.time()
    new = p.stdout.strip()
    assert new.startswith("sdt_") and new != old, p.stdout
    assert old not in p.stdout + p.stderr
    assert ctx.request("GET", "/pages/summary", auth=(ctx.email, new)).status == 200
    # The old secret stops once every worker's cache has aged out:
    # token_cache_seconds (5), counted in whole seconds.
    time.sleep(max(0, rotated_at + 6.2 - time.time()))
    for _ in range(20):
        check_error(ctx.request("GET", "/pages/summary", auth=(ctx.email, old)), 401)
    rows = json.loads(ctx.statusctl("token", "list", "--cloud", ctx.cloud, "--json").stdout)
    row = [r for r in rows if r["id"] == old.id]
    assert row and row[0]["email"] == ctx.email and row[0]["status"] == "active", rows
    assert row[0]["scopes"] == ["read:stakeholder-comms.page:jira-service-management"], row
    assert row[0]["expiresAt"] == "2031-01-01T00:00:00Z", row
    # Scopes kept: the rotated token still may not write.
    r = ctx.request("POST", "/pages", ctx.new_page_body(), auth=(ctx.email, new))
    check_error(r, 403)
    ctx.revoke(old.id)
    p = ctx.statusctl("token", "rotate", old.id, check=False)
    assert p.returncode == 1 and not p.stdout, (p.stdout, p.stderr)
    p = ctx.statusctl("token", "rotate", "not-a-uuid", check=False)
    assert p.returncode == 1 and not p.stdout, (p.stdout, p.stderr)


def test_token_list_json_matches_the_text_listing(ctx):
    tok = ctx.make_token(scopes="all")
    text = ctx.statusctl("token", "list", "--cloud", ctx.cloud).stdout
    rows = json.loads(ctx.statusctl("token", "list", "--cloud", ctx.cloud, "--json").stdout)
    assert len(rows) == len(text.splitlines()) and rows, (rows, text)
    mine = [r for r in rows if r["id"] == tok.id][0]
    assert mine["cloudId"] == ctx.cloud and len(mine["scopes"]) == 12
    assert mine["expiresAt"] is None and mine["createdAt"].endswith("Z")
    assert tok not in json.dumps(rows)
    p = ctx.statusctl("token", "list", "--json=yes", check=False)
    assert p.returncode == 2, p
