"""Credentials that cannot be weak or tell on themselves: one 401 for every
bad credential (RFC 6750's invalid_token for a presented Bearer one), JWT
lifetimes and typ headers, and the settings statusd refuses to start with."""

import os
import subprocess
import tempfile
import time
import uuid

from client import check_error

BEARER_INVALID = 'Bearer realm="statusd", error="invalid_token"'
BASIC_CHALLENGE = 'Basic realm="statusd", Bearer realm="statusd"'


def answer(r):
    """What a 401 shows a client, less the request id: it must not differ
    between kinds of bad credential."""
    headers = sorted((k.lower(), v) for k, v in r.headers.items()
                     if k.lower() not in ("x-request-id", "date"))
    return r.status, r.body, headers


def bad_credentials(ctx):
    """{name: (auth, bearer?)} for every kind of credential that fails."""
    now = int(time.time())
    unknown = "sdt_" + "A" * 43
    expired = ctx.make_token(ctx.cloud, "all", email="expired@example.com",
                             expires="2020-01-01T00:00:00Z")
    revoked = ctx.make_token(ctx.cloud, "all", email="revoked@example.com")
    ctx.revoke(revoked.id)
    owned = ctx.make_token(ctx.cloud, "all", email="owner@example.com")
    good_jwt = ctx.jwt_hs256(ctx.jwt_claims())
    h, p, s = good_jwt.split(".")
    return {
        "unknown basic": (("someone@example.com", unknown), False),
        "unknown bearer": (("bearer", unknown), True),
        "not a token bearer": (("bearer", "hello"), True),
        "expired basic": (("expired@example.com", expired), False),
        "expired bearer": (("bearer", expired), True),
        "revoked basic": (("revoked@example.com", revoked), False),
        "revoked bearer": (("bearer", revoked), True),
        "wrong email": (("intruder@example.com", owned), False),
        "malformed basic": ("Basic !!!!", False),
        "jwt expired": (("bearer", ctx.jwt_hs256(ctx.jwt_claims(
            exp=now - 3600, iat=now - 7200))), True),
        "jwt bad signature": (("bearer", h + "." + p + "." + s[::-1]), True),
        "jwt wrong issuer": (("bearer", ctx.jwt_hs256(ctx.jwt_claims(
            iss="https://evil.test"))), True),
        "jwt too long-lived": (("bearer", ctx.jwt_hs256(ctx.jwt_claims(
            exp=now + 3 * 86400))), True),
        "jwt garbage": (("bearer", "a.b.c"), True),
    }


def test_one_401_for_every_bad_credential(ctx):
    page = ctx.create_page()
    answers = {}
    for name, (auth, bearer) in bad_credentials(ctx).items():
        r = ctx.request("GET", "/pages/" + page["id"], auth=auth)
        err = check_error(r, 401)
        assert err == {"error": "invalid credentials"}, (name, r)
        want = BEARER_INVALID if bearer else BASIC_CHALLENGE
        assert r.headers.get("WWW-Authenticate") == want, (name, r.headers.items())
        answers.setdefault(bearer, {})[name] = answer(r)
    for bearer, by_name in answers.items():
        first_name, first = next(iter(by_name.items()))
        for name, a in by_name.items():
            assert a == first, "%s and %s answer differently: %r / %r" % (
                first_name, name, first, a)
    # The bodies are byte-identical across both kinds of scheme too.
    assert answers[True][next(iter(answers[True]))][1] == \
        answers[False][next(iter(answers[False]))][1]


def test_missing_credentials_get_a_plain_challenge(ctx):
    """No credential presented: RFC 6750 section 3.1 wants no error code."""
    r = ctx.request("GET", "/pages/summary", auth=None)
    check_error(r, 401)
    assert r.headers.get("WWW-Authenticate") == BASIC_CHALLENGE, r.headers.items()


def test_jwt_lifetime_limit(ctx):
    """jwt_max_lifetime_seconds (default one day) bounds exp - iat and, for a
    token without iat, exp - now."""
    now = int(time.time())
    cases = [
        (dict(iat=now, exp=now + 86400 - 60), 200),
        (dict(iat=now - 3600, exp=now + 86400 - 3700), 200),
        (dict(iat=now, exp=now + 86400 + 60), 401),
        (dict(iat=now - 86400, exp=now + 600), 401),
        (dict(iat=None, exp=now + 86400 - 60), 200),
        (dict(iat=None, exp=now + 2 * 86400), 401),
        (dict(iat=now + 30 * 86400, exp=now + 30 * 86400 + 60), 401),
    ]
    for claims, want in cases:
        for tok in (ctx.jwt_hs256(ctx.jwt_claims(**claims)),
                    ctx.jwt_rs256(ctx.jwt_claims(**claims))):
            r = ctx.request("GET", "/pages/summary", auth=("bearer", tok))
            assert r.status == want, (claims, r)


def test_jwt_typ_header(ctx):
    claims = ctx.jwt_claims()
    for typ, want in (("JWT", 200), ("jwt", 200), ("at+jwt", 200),
                      ("application/at+jwt", 200), ("Application/AT+JWT", 200),
                      (None, 200), ("application/json", 401), ("JOSE", 401),
                      ("dpop+jwt", 401), ("", 401)):
        header = {"alg": "HS256"}
        if typ is not None:
            header["typ"] = typ
        tok = ctx.jwt_raw(header, claims, ctx.jwt_secret)
        r = ctx.request("GET", "/pages/summary", auth=("bearer", tok))
        assert r.status == want, (typ, r)


def conf_without(ctx, *keys):
    with open(ctx.conf) as f:
        lines = f.read().splitlines()
    return [ln for ln in lines
            if ln.split("=", 1)[0].strip() not in keys]


def start_statusd(ctx, lines, wait=10):
    """Runs statusd on a config of LINES; returns (exit code, stderr). A
    statusd still running after WAIT seconds has passed its start-up
    checks (they come first): it is stopped and reported as None."""
    with tempfile.TemporaryDirectory() as tmp:
        conf = os.path.join(tmp, "statusd.conf")
        with open(conf, "w") as f:
            f.write("\n".join(lines + ["metrics_listen = off"]) + "\n")
        sock = os.path.join(tmp, "s.sock")
        p = subprocess.Popen([os.path.join(ctx.build, "statusd"), "-c", conf,
                              "-l", sock], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        try:
            _, err = p.communicate(timeout=wait)
            return p.returncode, err
        except subprocess.TimeoutExpired:
            p.terminate()
            p.communicate(timeout=30)
            return None, ""


def test_startup_refuses_weak_settings(ctx):
    secret_keys = ("cursor_secret", "cursor_secret_previous", "jwt_issuer",
                   "jwt_audience", "jwt_hs256_secret", "jwt_max_lifetime_seconds",
                   "jwt_rs256_public_key_file")
    base = conf_without(ctx, *secret_keys)
    with open(ctx.conf) as f:
        current = dict(ln.split("=", 1) for ln in f.read().splitlines()
                       if "=" in ln and not ln.lstrip().startswith("#"))
    current = {k.strip(): v.strip() for k, v in current.items()}
    good = ["cursor_secret = " + current["cursor_secret"],
            "jwt_issuer = https://issuer.test",
            "jwt_audience = statusd-api",
            "jwt_hs256_secret = " + "k" * 32]
    cases = [
        ("cursor_secret", ["cursor_secret = REPLACE_WITH_64_HEX_CHARACTERS"]),
        ("cursor_secret", ["cursor_secret = " + "ab" * 16]),
        ("cursor_secret", ["cursor_secret = " + "g" * 64]),
        ("cursor_secret", ["cursor_secret ="]),
        ("cursor_secret_previous", ["cursor_secret_previous = old"]),
        ("jwt_hs256_secret", ["jwt_hs256_secret = " + "k" * 31]),
        ("jwt_issuer", ["jwt_issuer ="]),
        ("jwt_audience", ["jwt_audience ="]),
        ("jwt_max_lifetime_seconds", ["jwt_max_lifetime_seconds = 0"]),
    ]
    for key, change in cases:
        changed = {ln.split("=", 1)[0].strip() for ln in change}
        lines = base + [ln for ln in good
                        if ln.split("=", 1)[0].strip() not in changed] + change
        rc, err = start_statusd(ctx, lines)
        assert rc == 2, (key, change, rc, err)
        assert key + ":" in err, (key, err)
        assert "k" * 31 not in err, err
    # Without any JWT key, issuer and audience are not needed; without
    # cursor_secret there is no start at all.
    rc, err = start_statusd(ctx, base + good[:1], wait=2)
    assert rc is None, err
    rc, err = start_statusd(ctx, base)
    assert rc == 2 and "cursor_secret:" in err, err


def test_example_config_is_refused_until_edited(ctx):
    """deploy/statusd.conf.example's placeholder must never run as is."""
    with open(os.path.join(ctx.repo, "deploy", "statusd.conf.example")) as f:
        lines = f.read().splitlines()
    rc, err = start_statusd(ctx, lines)
    assert rc == 2 and "cursor_secret:" in err, (rc, err)
