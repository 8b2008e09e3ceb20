"""statusctl refuses what it does not understand (exit 2 with the usage
text, nothing done) and says which configuration and database a command
that changes data acted on, never with the password."""

import os
import subprocess
import uuid


def run_statusctl(ctx, *args, env=None):
    return subprocess.run([os.path.join(ctx.build, "statusctl")] + list(args),
                          capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, **(env or {})))


def token_rows(ctx, cloud):
    out = ctx.statusctl("token", "list", "--cloud", cloud).stdout
    return [line for line in out.splitlines() if line.strip()]


def check_refused(p, what):
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert what in p.stderr, p.stderr
    assert "usage: statusctl" in p.stderr, p.stderr
    assert p.stdout == "", p.stdout


def test_statusctl_refuses_unknown_options(ctx):
    cloud = str(uuid.uuid4())
    create = ["token", "create", "--cloud", cloud, "--email", "x@example.com",
              "--scopes", "all"]
    check_refused(ctx.statusctl(*create, "--admin", check=False),
                  "unknown option: --admin")
    check_refused(ctx.statusctl(*create, "--admin=yes", check=False),
                  "unknown option: --admin")
    # --trusted is a flag: a value for it is refused, not ignored.
    check_refused(ctx.statusctl(*create, "--trusted=yes", check=False),
                  "option takes no value: --trusted")
    check_refused(ctx.statusctl(*create, "--trusted", "--trusted", check=False),
                  "option given twice: --trusted")
    check_refused(ctx.statusctl("token", "list", "--all", check=False),
                  "unknown option: --all")
    check_refused(run_statusctl(ctx, "-x", "-c", ctx.conf, "purge"),
                  "unknown option: -x")
    assert token_rows(ctx, cloud) == [], "a refused create made a token"


def test_statusctl_refuses_missing_values_and_stray_arguments(ctx):
    cloud = str(uuid.uuid4())
    check_refused(ctx.statusctl("token", "create", "--cloud", cloud, "--email",
                                "x@example.com", "--scopes", check=False),
                  "option needs a value: --scopes")
    check_refused(ctx.statusctl("token", "create", "--cloud", cloud,
                                "--scopes", "all", check=False),
                  "missing option: --email")
    check_refused(ctx.statusctl("token", "create", "--cloud", cloud, "--email",
                                "x@example.com", "--scopes", "all", "--cloud",
                                cloud, check=False),
                  "option given twice: --cloud")
    check_refused(ctx.statusctl("token", "create", "--cloud", cloud, "--email",
                                "x@example.com", "--scopes", "all", "--days",
                                "3", "--expires", "2030-01-01T00:00:00Z",
                                check=False),
                  "exclude each other")
    check_refused(ctx.statusctl("token", "list", "--cloud", check=False),
                  "option needs a value: --cloud")
    check_refused(ctx.statusctl("token", "revoke", check=False),
                  "missing argument")
    check_refused(ctx.statusctl("token", "revoke", str(uuid.uuid4()), "again",
                                check=False),
                  "unexpected argument: again")
    check_refused(ctx.statusctl("purge", "now", check=False),
                  "unexpected argument: now")
    check_refused(ctx.statusctl("tokens", check=False), "unknown command")
    check_refused(run_statusctl(ctx, "-c"), "option needs a value: -c")
    assert token_rows(ctx, cloud) == []


def test_statusctl_names_its_config_and_database(ctx):
    cloud = str(uuid.uuid4())
    secret = "pw-" + uuid.uuid4().hex
    # The stack's cluster trusts local connections: the password is sent
    # nowhere, and must be printed nowhere either.
    url = ctx.database_url + "&password=" + secret
    p = run_statusctl(ctx, "-c", ctx.conf, "token", "create", "--cloud", cloud,
                      "--email", "x@example.com", "--scopes", "all",
                      env={"DATABASE_URL": url})
    assert p.returncode == 0, p.stderr
    assert "configuration %s (database_url from DATABASE_URL)" % ctx.conf \
        in p.stderr, p.stderr
    assert "dbname=statusd user=statusd" in p.stderr, p.stderr
    assert "port=" in p.stderr and "host=" in p.stderr, p.stderr
    assert secret not in p.stderr + p.stdout
    token_id = p.stderr.split("token id ")[1].split()[0]
    p = ctx.statusctl("token", "revoke", token_id)
    assert "statusctl: configuration %s; database host=" % ctx.conf in p.stderr
    # Reading changes nothing, so says nothing of the kind.
    p = ctx.statusctl("token", "list", "--cloud", cloud)
    assert "configuration" not in p.stderr, p.stderr
