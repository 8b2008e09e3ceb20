"""statusd's log cannot be forged: every value a client steers is quoted and
escaped logfmt style, so each request line parses back, strictly, into
exactly its own fields with the client's value intact; and no line, of any
event, repeats a key."""

import glob
import os
import re
import uuid

REQUEST_KEYS = ["ts", "level", "pid", "event", "rid", "method", "route",
                "cloud", "principal", "status", "dur_us"]
BARE = re.compile(rb"[^\x00-\x20\x7f\"=\\]+")
KEY = re.compile(rb"[a-z_][a-z0-9_]*")
ESCAPES = {ord('"'): b'"', ord("\\"): b"\\", ord("n"): b"\n",
           ord("r"): b"\r", ord("t"): b"\t"}


def parse_quoted(line, i):
    """The value of the quoted string starting at line[i] (a '"'), and the
    index after its closing quote."""
    out, i = bytearray(), i + 1
    while True:
        c = line[i]
        if c == ord('"'):
            return bytes(out), i + 1
        assert c >= 0x20 and c != 0x7f, "raw control byte in %r" % line
        if c != ord("\\"):
            out.append(c)
            i += 1
            continue
        e = line[i + 1]
        if e in ESCAPES:
            out += ESCAPES[e]
            i += 2
        elif e == ord("x"):
            out.append(int(line[i + 2:i + 4], 16))
            i += 4
        elif e == ord("u"):
            out += chr(int(line[i + 2:i + 6], 16)).encode("utf-8")
            i += 6
        else:
            raise AssertionError("unknown escape in %r" % line)


def parse_logfmt(line):
    """Strict logfmt: key=value pairs separated by one space; a value is
    bare or a quoted string. Returns [(key, value bytes)]."""
    fields, i = [], 0
    while i < len(line):
        m = KEY.match(line, i)
        assert m and line[m.end():m.end() + 1] == b"=", "no key at %d: %r" % (i, line)
        i = m.end() + 1
        if line[i:i + 1] == b'"':
            value, i = parse_quoted(line, i)
        else:
            v = BARE.match(line, i)
            assert v, "no value at %d: %r" % (i, line)
            value, i = v.group(0), v.end()
        fields.append((m.group(0).decode(), value))
        assert i == len(line) or line[i:i + 1] == b" ", "junk at %d: %r" % (i, line)
        i += 1
    return fields


def log_path(ctx):
    return os.path.join(ctx.state_dir, "log", "statusd.log")


def request_line(ctx, rid):
    """The parsed request line whose rid is RID (waits for it: workers log
    after answering)."""
    import time
    for _ in range(100):
        with open(log_path(ctx), "rb") as f:
            for line in f.read().split(b"\n"):
                if b"event=request" in line and rid.encode() in line:
                    fields = parse_logfmt(line)
                    if dict(fields).get("rid") == rid.encode():
                        return fields
        time.sleep(0.05)
    raise AssertionError("no request line with rid %s" % rid)


def check_request_fields(fields):
    """Exactly the request line's fields, in order (denied= only on a
    refused credential)."""
    keys = [k for k, _ in fields]
    assert keys in (REQUEST_KEYS, REQUEST_KEYS + ["denied"]), keys
    return dict(fields)


HOSTILE_SUBJECTS = [
    "evil status=200 principal=admin@example.com",
    'quote" route="/forged',
    "back\\slash\\\" status=200",
    "=",
    "-",
    "tab\u0085next\u2028line\u2029para\u009b[31m",
    "caf\u00e9 \u6f22\u5b57",
]


def test_log_hostile_jwt_subjects_parse_back(ctx):
    for subject in HOSTILE_SUBJECTS:
        tok = ctx.jwt_hs256(ctx.jwt_claims(email=subject))
        rid = "log-" + uuid.uuid4().hex
        r = ctx.request("GET", "/pages/summary", auth=("bearer", tok),
                        headers={"X-Request-Id": rid})
        assert r.status == 200, (subject, r)
        f = check_request_fields(request_line(ctx, rid))
        assert f["principal"] == subject.encode("utf-8"), (subject, f)
        assert f["status"] == b"200" and f["cloud"] == ctx.cloud.encode(), f


def test_log_refused_subjects_leave_whole_lines(ctx):
    """Control bytes and line breaks in a subject make the token invalid;
    the request is still logged on one line, without a principal."""
    for subject in ("x\nts=2026 level=error event=forged", "x\r\x01\x7f"):
        tok = ctx.jwt_hs256(ctx.jwt_claims(email=subject))
        rid = "log-" + uuid.uuid4().hex
        r = ctx.request("GET", "/pages/summary", auth=("bearer", tok),
                        headers={"X-Request-Id": rid})
        assert r.status == 401, r
        f = check_request_fields(request_line(ctx, rid))
        assert f["principal"] == b"-" and f["status"] == b"401", f
        assert f["denied"] == b"malformed token", f


def test_log_request_id_with_equals_sign_is_quoted(ctx):
    rid = "log=%s=status=200" % uuid.uuid4().hex
    r = ctx.request("GET", "/pages/summary", headers={"X-Request-Id": rid})
    assert r.status == 200, r
    f = check_request_fields(request_line(ctx, rid))
    assert f["rid"] == rid.encode() and f["status"] == b"200", f


def test_log_no_line_repeats_a_key(ctx):
    """Every line statusd has written so far (all events of the suites that
    ran before this one) parses strictly, with each key once."""
    with open(log_path(ctx), "rb") as f:
        lines = [line for line in f.read().split(b"\n") if line]
    assert lines
    for line in lines:
        keys = [k for k, _ in parse_logfmt(line)]
        assert len(keys) == len(set(keys)), line


def test_log_format_strings_repeat_no_key(ctx):
    """The same for events that may not have happened in this run: no
    format string names a key twice, nor one of the prefix's ts/level/pid."""
    call = re.compile(r'log_(?:info|error)\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)')
    found = 0
    for path in glob.glob(os.path.join(ctx.repo, "*", "*.c")):
        with open(path) as f:
            src = f.read()
        for m in call.finditer(src):
            fmt = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
            fmt = re.sub(r'\\"(?:[^"\\]|\\.)*?\\"', '""', fmt)
            keys = ["ts", "level", "pid"] + re.findall(r"(?:^| )([a-z_]+)=", fmt)
            assert len(keys) == len(set(keys)), (path, fmt)
            found += 1
    assert found > 10, found
