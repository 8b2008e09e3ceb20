"""A small HTTP client and helpers for the statusd API tests.

Standard library only. One Ctx object is handed to every test function:

    ctx.base_url, ctx.cloud, ctx.token, ctx.email, ctx.state_dir,
    ctx.database_url, ctx.build, ctx.repo, ctx.conf
    ctx.request(method, path, body=None, headers=None, auth="basic", ...)
    ctx.make_token(cloud, scopes, email=..., expires=None) -> Token (a str
        with .id), ctx.revoke(token_id)
    ctx.jwt_hs256(claims), ctx.jwt_rs256(claims), ctx.jwt_raw(header,
        claims, key), ctx.jwt_claims(**overrides)
    ctx.psql(sql)
    ctx.master_pid(), ctx.worker_pids()

Paths given to request() are relative to the cloud's API prefix
(/jsm/ops/api/{cloud}) unless they start with "//", which means absolute
("//stakeholder-comms/cloudId/x/api/pages" is sent as
"/stakeholder-comms/cloudId/x/api/pages").
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import shlex
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid

import schemas

SCOPE_NAMES = [
    "%s:stakeholder-comms.%s:jira-service-management" % (verb, res)
    for res in ("page", "component", "incident", "subscriber")
    for verb in ("read", "write", "delete")
]
READ_PAGE = "read:stakeholder-comms.page:jira-service-management"
WRITE_PAGE = "write:stakeholder-comms.page:jira-service-management"
DELETE_PAGE = "delete:stakeholder-comms.page:jira-service-management"


def parallel(n, fn):
    """Runs fn(i) for i in range(n) on n threads released together;
    returns the results in order."""
    from concurrent.futures import ThreadPoolExecutor
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait(timeout=10)
        return fn(i)

    with ThreadPoolExecutor(max_workers=n) as ex:
        return list(ex.map(run, range(n)))


class Headers:
    """Case-insensitive, read-only view of response headers. Repeated
    headers are joined with ", " for get(); all() returns every value."""

    def __init__(self, pairs):
        self._pairs = list(pairs)

    def get(self, name, default=None):
        vals = self.all(name)
        return ", ".join(vals) if vals else default

    def all(self, name):
        n = name.lower()
        return [v for k, v in self._pairs if k.lower() == n]

    def __getitem__(self, name):
        v = self.get(name)
        if v is None:
            raise KeyError(name)
        return v

    def __contains__(self, name):
        return bool(self.all(name))

    def items(self):
        return list(self._pairs)

    def __repr__(self):
        return "Headers(%r)" % (self._pairs,)


class Response:
    def __init__(self, status, headers, body, method="", path=""):
        self.status = status
        self.headers = headers
        self.body = body
        self.method = method
        self.path = path
        try:
            self.json = json.loads(body.decode("utf-8")) if body else None
        except (ValueError, UnicodeDecodeError):
            self.json = None

    def __repr__(self):
        b = self.body[:300]
        return "<%s %s -> %d %r>" % (self.method, self.path[:120], self.status, b)


class Token(str):
    """An API token (the secret) that also knows its id."""

    id = None


def b64url(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            k, v = line.split("=", 1)
            parts = shlex.split(v) if v else [""]
            env[k.strip()] = parts[0] if parts else ""
    return env


def _read_conf(path):
    conf = {}
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#") or "=" not in line:
                    continue
                k, v = line.split("=", 1)
                conf[k.strip()] = v.strip()
    except OSError:
        pass
    return conf


def check_error(resp, status=None, allow_nginx=False):
    """Asserts the one error shape: JSON {"error": string}, and the
    headers every response carries. Returns the parsed body."""
    if status is not None:
        if isinstance(status, (tuple, list, set, range)):
            assert resp.status in status, "expected %s, got %r" % (status, resp)
        else:
            assert resp.status == status, "expected %d, got %r" % (status, resp)
    assert 400 <= resp.status < 600, "not an error: %r" % (resp,)
    ct = resp.headers.get("Content-Type", "")
    assert ct.split(";")[0].strip() == "application/json", \
        "error Content-Type %r in %r" % (ct, resp)
    assert isinstance(resp.json, dict), "error body is not a JSON object: %r" % (resp,)
    assert isinstance(resp.json.get("error"), str) and resp.json["error"], \
        "no error string in %r" % (resp,)
    check_common_headers(resp)
    return resp.json


def check_common_headers(resp):
    assert resp.headers.get("Cache-Control") == "no-store", \
        "Cache-Control %r in %r" % (resp.headers.get("Cache-Control"), resp)
    assert resp.headers.get("X-Content-Type-Options") == "nosniff", \
        "X-Content-Type-Options %r in %r" % (resp.headers.get("X-Content-Type-Options"), resp)
    rid = resp.headers.get("X-Request-Id")
    assert rid, "no X-Request-Id in %r" % (resp,)


class Ctx:
    def __init__(self, state_dir, build=None, repo=None):
        self.state_dir = os.path.abspath(state_dir)
        self.repo = repo or os.path.dirname(os.path.dirname(
            os.path.dirname(os.path.abspath(__file__))))
        b = build or os.environ.get("BUILD") or "build"
        self.build = b if os.path.isabs(b) else os.path.join(self.repo, b)
        env = _read_env(os.path.join(self.state_dir, "env"))
        self.env = env
        self.base_url = env["BASE_URL"].rstrip("/")
        self.cloud = env["CLOUD"]
        self.token = env["TOKEN"]
        self.email = env["EMAIL"]
        self.database_url = env.get("DATABASE_URL", "")
        u = urllib.parse.urlsplit(self.base_url)
        self.host = u.hostname
        self.port = u.port or 80
        self.conf = os.path.join(self.state_dir, "statusd.conf")
        c = _read_conf(self.conf)
        self.jwt_issuer = c.get("jwt_issuer")
        self.jwt_audience = c.get("jwt_audience")
        secret = c.get("jwt_hs256_secret")
        self.jwt_secret = secret.encode() if secret else None
        self.rs256_public = c.get("jwt_rs256_public_key_file")
        self.rs256_private = os.path.join(self.state_dir, "jwt-rs256.key")
        self.shared = {}  # state tests share (fixtures)
        self._lock = threading.Lock()
        self._tls = threading.local()

    # --- HTTP -----------------------------------------------------------

    def api_path(self, path, cloud=None):
        if path.startswith("//"):
            return path[1:]
        return "/jsm/ops/api/%s%s" % (cloud or self.cloud, path)

    def auth_header(self, auth):
        if auth is None:
            return None
        if auth == "basic":
            auth = (self.email, self.token)
        elif auth == "bearer":
            auth = ("bearer", self.token)
        if isinstance(auth, (tuple, list)) and len(auth) == 2:
            if auth[0] == "bearer":
                return "Bearer " + auth[1]
            raw = ("%s:%s" % (auth[0], auth[1])).encode("utf-8")
            return "Basic " + base64.b64encode(raw).decode("ascii")
        if isinstance(auth, str):
            return auth  # a whole header value
        raise ValueError("bad auth %r" % (auth,))

    def _conn(self, timeout):
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, auth="basic",
                raw_body=None, content_type="application/json", cloud=None,
                timeout=30):
        full = self.api_path(path, cloud)
        h = {}
        a = self.auth_header(auth)
        if a is not None:
            h["Authorization"] = a
        data = None
        if raw_body is not None:
            data = raw_body if isinstance(raw_body, bytes) else raw_body.encode("utf-8")
        elif body is not None:
            data = json.dumps(body).encode("utf-8")
        if data is not None and content_type is not None:
            h["Content-Type"] = content_type
        if headers:
            for k, v in headers.items():
                if v is None:
                    h.pop(k, None)
                else:
                    h[k] = v
        conn = self._conn(timeout)
        try:
            try:
                conn.request(method, full, body=data, headers=h)
            except (BrokenPipeError, ConnectionResetError):
                # The server answered (413...) before the body was sent;
                # its response may still be readable.
                pass
            r = conn.getresponse()
            payload = r.read()
        finally:
            conn.close()
        if 200 <= r.status < 300:
            self.check_contract(method, full, r.status, payload)
        return Response(r.status, Headers(r.getheaders()), payload, method, full)

    def contract(self):
        """The official schemas and the routing table (loaded once)."""
        with self._lock:
            if "contract" not in self.shared:
                statusd = os.path.join(self.build, "statusd")
                self.shared["contract"] = schemas.Contract(schemas.routes_of(statusd))
            return self.shared["contract"]

    def check_contract(self, method, full_path, status, payload):
        """Every 2xx body the suites receive must validate against the
        official schema of its response type (tests/api/schemas.py)."""
        path = schemas.strip_prefix(full_path)
        if path is not None:
            self.contract().check(method, path, status, payload)

    def raw_request(self, data, timeout=10):
        """Sends raw bytes, returns a Response (status 0 when the server
        closed without answering)."""
        s = socket.create_connection((self.host, self.port), timeout=timeout)
        try:
            s.sendall(data)
            chunks = []
            while True:
                try:
                    c = s.recv(65536)
                except (ConnectionResetError, socket.timeout):
                    break
                if not c:
                    break
                chunks.append(c)
        finally:
            s.close()
        raw = b"".join(chunks)
        if not raw:
            return Response(0, Headers([]), b"", "RAW", data[:60].decode("latin-1"))
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        pairs = []
        for ln in lines[1:]:
            if ":" in ln:
                k, v = ln.split(":", 1)
                pairs.append((k.strip(), v.strip()))
        hd = Headers(pairs)
        if (hd.get("Transfer-Encoding") or "").lower() == "chunked":
            out, rest = b"", body
            while rest:
                size_line, _, rest = rest.partition(b"\r\n")
                n = int(size_line.split(b";")[0] or b"0", 16)
                if n == 0:
                    break
                out += rest[:n]
                rest = rest[n + 2:]
            body = out
        return Response(status, hd, body, "RAW", data[:60].decode("latin-1"))

    # --- credentials ----------------------------------------------------

    def statusctl(self, *args, check=True):
        cmd = [os.path.join(self.build, "statusctl"), "-c", self.conf] + list(args)
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        if check and p.returncode != 0:
            raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), p.returncode, p.stderr))
        return p

    def make_token(self, cloud=None, scopes="all", email=None, expires=None):
        if isinstance(scopes, (list, tuple, set)):
            scopes = " ".join(scopes)
        args = ["token", "create", "--cloud", cloud or self.cloud,
                "--email", email or self.email, "--scopes", scopes]
        if expires:
            args += ["--expires", expires]
        p = self.statusctl(*args)
        t = Token(p.stdout.split()[0])
        words = p.stderr.split()
        if "id" in words:
            t.id = words[words.index("id") + 1]
        return t

    def revoke(self, token_id):
        return self.statusctl("token", "revoke", token_id)

    # --- JWTs -------------------------------------------------------------

    def jwt_claims(self, **over):
        now = int(time.time())
        c = {
            "iss": self.jwt_issuer,
            "aud": self.jwt_audience,
            "sub": "jwt-user",
            "email": "jwt@example.com",
            "iat": now,
            "exp": now + 600,
            "scope": " ".join(SCOPE_NAMES),
            "cloud_ids": [self.cloud],
        }
        for k, v in over.items():
            if v is None:
                c.pop(k, None)
            else:
                c[k] = v
        return c

    def jwt_raw(self, header, claims, key):
        """key: bytes = HMAC-SHA256 secret; str = path of an RSA private key
        PEM (RS256 signature); None = empty signature."""
        hb = header if isinstance(header, (bytes, str)) else json.dumps(header, separators=(",", ":"))
        cb = claims if isinstance(claims, (bytes, str)) else json.dumps(claims, separators=(",", ":"))
        signing_input = (b64url(hb) + "." + b64url(cb)).encode("ascii")
        if key is None:
            sig = b""
        elif isinstance(key, bytes):
            sig = hmac.new(key, signing_input, hashlib.sha256).digest()
        else:
            p = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key],
                               input=signing_input, capture_output=True, timeout=30)
            if p.returncode != 0:
                raise RuntimeError("openssl dgst failed: %r" % p.stderr)
            sig = p.stdout
        return signing_input.decode("ascii") + "." + b64url(sig)

    def jwt_hs256(self, claims):
        return self.jwt_raw({"alg": "HS256", "typ": "JWT"}, claims, self.jwt_secret)

    def jwt_rs256(self, claims):
        return self.jwt_raw({"alg": "RS256", "typ": "JWT"}, claims, self.rs256_private)

    # --- database and processes -------------------------------------------

    def psql(self, sql):
        p = subprocess.run(["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1",
                            "-d", self.database_url, "-c", sql],
                           capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            raise RuntimeError("psql failed: %s" % p.stderr.strip())
        return p.stdout.strip()

    def superuser_url(self):
        """The local cluster's superuser (deploy/stack.sh makes it); None
        when the database is not such a cluster."""
        url = re.sub(r"user=[^&]*", "user=postgres", self.database_url)
        return None if url == self.database_url else url

    def superuser_psql(self, sql, timeout=60):
        """sql run as the superuser (the planner's inputs, server settings,
        auto_explain): the finished psql, whose stderr carries notices."""
        p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                            "-d", self.superuser_url(), "-c", sql],
                           capture_output=True, text=True, timeout=timeout)
        if p.returncode != 0:
            raise RuntimeError("psql failed: %s" % p.stderr.strip())
        return p

    def master_pid(self):
        with open(os.path.join(self.state_dir, "run", "statusd.pid")) as f:
            return int(f.read().split()[0])

    def worker_pids(self):
        """Live (non-zombie) children of the statusd master, less its
        metrics listener (named statusd-metrics)."""
        master = self.master_pid()
        out = set()
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as f:
                    s = f.read()
            except OSError:
                continue
            fields = s[s.rfind(")") + 2:].split()
            name = s[s.find("(") + 1:s.rfind(")")]
            if fields[0] != "Z" and int(fields[1]) == master and name != "statusd-metrics":
                out.add(int(d))
        return out

    # --- helpers ------------------------------------------------------------

    def uniq(self, prefix="t"):
        return "%s-%s" % (prefix, uuid.uuid4().hex[:12])

    def new_page_body(self, **fields):
        page = {
            "name": self.uniq("Page"),
            "subdomain": self.uniq("sd"),
            "pageType": "PUBLIC",
        }
        page.update(fields)
        return {"page": page}

    def create_page(self, cloud=None, auth="basic", **fields):
        r = self.request("POST", "/pages", self.new_page_body(**fields), cloud=cloud, auth=auth)
        assert r.status == 201, "create failed: %r" % (r,)
        return r.json["page"]

    def other_cloud(self):
        """A second tenant with an all-scope token (created once)."""
        with self._lock:
            if "other" not in self.shared:
                cloud = str(uuid.uuid4())
                email = "other@example.com"
                tok = self.make_token(cloud, "all", email=email)
                self.shared["other"] = (cloud, email, tok)
            return self.shared["other"]


def full_page_body(ctx, **over):
    """A create/update body that sets every writable page field."""
    link = lambda n: {"label": "Link %d" % n, "url": "https://example.com/%d" % n, "position": n}
    page = {
        "name": ctx.uniq("Full Page"),
        "subdomain": ctx.uniq("full"),
        "domain": ctx.uniq("status") + ".example.com",
        "description": "A page with every field set",
        "timezone": "Europe/Paris",
        "pageType": "PRIVATE",
        "pageTheme": "CLEAR_SKIES",
        "pageThemeMode": "DARK",
        "googleAnalyticsEnabled": True,
        "statusEmbedEnabled": True,
        "allowPageSubscribers": False,
        "hiddenFromSearch": True,
        "googleAnalyticsTrackingId": "UA-12345-6",
        "allowRssAtomFields": False,
        "privacyPolicyUrl": "https://example.com/privacy",
        "helpCenterUrl": "https://help.example.com/",
        "customCss": "body { color: #123456; }",
        "customHeaderHtml": "<div>header</div>",
        "customFooterHtml": "<div>footer</div>",
        "seoConfig": {"enabled": True, "title": "SEO title",
                      "description": "SEO description", "keywords": "status, uptime"},
        "bodyConfig": {"uptimeStyle": "ONLY_STATUS", "overallUptimeDisplay": False,
                       "overallUptimeRange": 30, "enableSearchAndFilter": True,
                       "componentStyle": "TABLE", "numberOfCardsPerRow": 4,
                       "componentUptimeDisplay": False, "componentUptimeRange": 60},
        "footerData": {"footerLogoId": "logo-f", "footerText": "Footer text",
                       "copyrightText": "(c) Example", "links": [link(1), link(2)]},
        "headerData": {"coverImageId": "cover-1", "headerLogoId": "logo-h",
                       "faviconIconId": "fav-1", "headerText": "Header text",
                       "coverImageImmersive": True, "links": [link(3)]},
        "colours": {
            "cssBodyBackgroundColor": "#fafafa", "cssFontColor": "#111111",
            "cssLightFontColor": "#777777", "cssGreenColor": "#00aa00",
            "cssYellowColor": "#eeee00", "cssOrangeColor": "#ff8800",
            "cssRedColor": "#dd0000", "cssBorderColor": "#cccccc",
            "cssGraphColor": "#0000ff", "cssLinkColor": "#0044cc",
            "cssBlueColor": "#0055ff", "cssNoDataColor": "#abc",
        },
    }
    page.update(over)
    return {"page": page}


def baseline(ctx):
    """Pages created once and never changed by any test: the last test of
    test_pages.py checks they are still exactly as created. Returns a dict
    name -> (cloud, page document as created)."""
    with ctx._lock:
        if "baseline" in ctx.shared:
            return ctx.shared["baseline"]
    other_cloud, other_email, other_tok = ctx.other_cloud()
    pages = {}
    r = ctx.request("POST", "/pages", full_page_body(ctx))
    assert r.status == 201, r
    pages["full"] = (ctx.cloud, r.json)
    r = ctx.request("POST", "/pages", ctx.new_page_body())
    assert r.status == 201, r
    pages["minimal"] = (ctx.cloud, r.json)
    r = ctx.request("POST", "/pages", ctx.new_page_body(description="other tenant"),
                    cloud=other_cloud, auth=(other_email, other_tok))
    assert r.status == 201, r
    pages["other"] = (other_cloud, r.json)
    with ctx._lock:
        ctx.shared.setdefault("baseline", pages)
        return ctx.shared["baseline"]


class FastCGIConn:
    """A FastCGI connection straight to statusd's unix socket (bypassing
    nginx), for the process tests that need to hold a connection open at
    a chosen moment. connect() now, request() later."""

    def __init__(self, path, timeout=5):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)

    @staticmethod
    def _record(rtype, content, rid=1):
        import struct
        return struct.pack("!BBHHBB", 1, rtype, rid, len(content), 0, 0) + content

    @staticmethod
    def _pair(k, v):
        import struct
        k, v = k.encode(), v.encode()
        enc = lambda n: bytes([n]) if n < 128 else struct.pack("!I", n | 0x80000000)
        return enc(len(k)) + enc(len(v)) + k + v

    def request(self, params, body=b""):
        """Sends one request; returns (status, raw stdout) or (0, reason)
        when the connection was closed without an answer."""
        import struct
        params = dict(params)
        params.setdefault("CONTENT_LENGTH", str(len(body)) if body else "")
        data = self._record(1, struct.pack("!HB5x", 1, 0))
        blob = b"".join(self._pair(k, v) for k, v in params.items())
        data += self._record(4, blob) + self._record(4, b"")
        if body:
            data += self._record(5, body)
        data += self._record(5, b"")
        try:
            self.sock.sendall(data)
        except OSError as e:
            return 0, "send failed: %s" % e
        buf = b""
        try:
            while True:
                c = self.sock.recv(65536)
                if not c:
                    break
                buf += c
        except socket.timeout:
            return 0, "timeout"
        except OSError as e:
            if not buf:
                return 0, "recv failed: %s" % e
        out, i = b"", 0
        while i + 8 <= len(buf):
            _, rtype, _, clen, plen, _ = struct.unpack("!BBHHBB", buf[i:i + 8])
            if rtype == 6:
                out += buf[i + 8:i + 8 + clen]
            i += 8 + clen + plen
        if not out:
            return 0, "closed without an answer"
        m = re.match(rb"Status: (\d{3})", out)
        return (int(m.group(1)) if m else 200), out

    def close(self):
        self.sock.close()
