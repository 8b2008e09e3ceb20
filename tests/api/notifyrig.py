"""Test rig for statusd-notify: a test certificate authority made with
openssl, an HTTPS webhook receiver on loopback that verifies every
signature the way the Standard Webhooks reference verifier does, and
notifier processes with a config of their own.

Receiver paths (the first segment decides the answer; what follows it is
the test's own, e.g. /ok/<uuid> for one subscriber; a path's signing
secret is in Receiver.secrets, else Receiver.secret):
  /ok             200
  /gone           410
  /busy           429 with Retry-After: 1
  /fail           500
  /flaky          500 the first time a webhook-id is seen, then 200
  /redirect       302 to /ok (must not be followed)
  /slow           200 after 2 s
  /hang           never answers within any sane timeout (30 s)
"""

import base64
import hashlib
import hmac
import http.server
import json
import os
import signal
import ssl
import subprocess
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

from client import _read_conf
from subscriberlib import captcha_token, request_body
from test_process_faults import SecondWithConf, second_conf


# --- the reference verifier ---------------------------------------------------
# A re-implementation of the specification's reference verifier
# (standardwebhooks Webhook.verify): whsec_ prefix stripped, base64 key,
# timestamp within 5 minutes, any "v1,<sig>" of the space-separated list
# matching HMAC-SHA256(key, id.timestamp.body), compared in constant time.

class VerificationError(Exception):
    pass


def reference_verify(secret, body, headers):
    if secret.startswith("whsec_"):
        secret = secret[len("whsec_"):]
    key = base64.b64decode(secret + "==")
    if not key:
        raise VerificationError("empty secret")
    h = {k.lower(): v for k, v in headers.items()}
    msg_id = h.get("webhook-id")
    sig_header = h.get("webhook-signature")
    ts = h.get("webhook-timestamp")
    if not (msg_id and ts and sig_header):
        raise VerificationError("missing required headers")
    try:
        when = datetime.fromtimestamp(float(ts), tz=timezone.utc)
    except Exception:
        raise VerificationError("invalid timestamp")
    now = datetime.now(tz=timezone.utc)
    if when < now - timedelta(minutes=5) or when > now + timedelta(minutes=5):
        raise VerificationError("timestamp out of tolerance")
    data = body.decode() if isinstance(body, bytes) else body
    to_sign = ("%s.%s.%s" % (msg_id, int(when.timestamp()), data)).encode()
    expected = hmac.new(key, to_sign, hashlib.sha256).digest()
    for versioned in sig_header.split(" "):
        version, sig = versioned.split(",")
        if version != "v1":
            continue
        if hmac.compare_digest(expected, base64.b64decode(sig)):
            return json.loads(data)
    raise VerificationError("no matching signature")


def new_secret():
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


# --- test CA ------------------------------------------------------------------

def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True,
                   capture_output=True, timeout=60)


def make_ca(directory):
    """A CA and a server certificate for localhost / 127.0.0.1 / ::1 signed
    by it. Returns (ca_file, cert_file, key_file)."""
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=statusd test CA", "-keyout", "ca.key",
             "-out", "ca.pem", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=directory)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
             "-keyout", "server.key", "-out", "server.csr", cwd=directory)
    with open(os.path.join(directory, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n"
                "extendedKeyUsage=serverAuth\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem",
             "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
             "-extfile", "ext.cnf", "-out", "server.pem", cwd=directory)
    return tuple(os.path.join(directory, n)
                 for n in ("ca.pem", "server.pem", "server.key"))


# --- the receiver -------------------------------------------------------------

class Receiver:
    """Records (path, headers, body, verified payload or error) per request;
    secrets maps a path to the secret its requests are verified with (a
    subscriber's, from its sign-up), else `secret` is used."""

    def __init__(self, cert, key, host="127.0.0.1"):
        self.requests = []
        self.secret = None
        self.secrets = {}
        self.seen = set()
        self.lock = threading.RLock()  # of() is called by wait_for's predicates
        self.arrived = threading.Condition(self.lock)
        rig = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                rig.record(self.path, dict(self.headers), body)
                status, extra = rig.answer(self.path, self.headers)
                if status == "hang":
                    time.sleep(30)
                    return
                self.send_response(status)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256

            def handle_error(self, request, client_address):
                pass  # clients killed or timed out mid-answer, on purpose

        self.httpd = Server((host, 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path, host="localhost"):
        return "https://%s:%d%s" % (host, self.port, path)

    def record(self, path, headers, body):
        verified, error = None, None
        try:
            verified = reference_verify(self.secrets.get(path, self.secret), body, headers)
        except Exception as e:  # noqa: BLE001 - recorded, asserted by tests
            error = str(e) or type(e).__name__
        with self.arrived:
            self.requests.append({"path": path, "headers": headers, "body": body,
                                  "payload": verified, "error": error,
                                  "at": time.time()})
            self.arrived.notify_all()

    def answer(self, path, headers):
        path = "/" + path.split("/")[1]
        if path == "/ok":
            return 200, {}
        if path == "/gone":
            return 410, {}
        if path == "/busy":
            return 429, {"Retry-After": "1"}
        if path == "/fail":
            return 500, {}
        if path == "/flaky":
            wid = headers.get("webhook-id")
            with self.lock:
                first = wid not in self.seen
                self.seen.add(wid)
            return (500, {}) if first else (200, {})
        if path == "/redirect":
            return 302, {"Location": "/ok"}
        if path == "/slow":
            time.sleep(2)
            return 200, {}
        if path == "/hang":
            return "hang", {}
        return 404, {}

    def of(self, path):
        """The requests made to path."""
        with self.lock:
            return [r for r in self.requests if r["path"] == path]

    def wait_for(self, pred, timeout):
        end = time.time() + timeout
        with self.arrived:
            while not pred(self.requests):
                left = end - time.time()
                if left <= 0:
                    return False
                self.arrived.wait(left)
            return True

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# --- notifiers ----------------------------------------------------------------

class Notifier:
    def __init__(self, ctx, workdir, ca_file, env=None, **settings):
        stack = _read_conf(ctx.conf)
        conf = {
            "database_url": ctx.database_url,
            # links are made as the stack's statusd takes them
            "public_domain": stack["public_domain"],
            "subscriber_token_key": stack["subscriber_token_key"],
            "webhook_ca_file": ca_file,
            # the receiver is on loopback, internal by the rule
            "webhook_allowed_networks": "127.0.0.0/8, ::1/128",
            "notify_batch": 16,
            "notify_poll_ms": 10000,  # so a prompt delivery proves NOTIFY
            "notify_lease_seconds": 3,
            "notify_retry_base_ms": 200,
            "notify_retry_max_seconds": 1,
            "webhook_connect_timeout_ms": 2000,
            "webhook_timeout_ms": 2500,
            # no smtp_url: email goes here, never to the default
            # /var/lib/statusd/mail
            "mail_pickup_dir": os.path.join(workdir, "mail"),
        }
        conf.update(settings)
        fd, self.conf = tempfile.mkstemp(prefix="notify-", suffix=".conf", dir=workdir)
        with os.fdopen(fd, "w") as f:
            for k, v in conf.items():
                if v is not None:  # None: leave the setting out
                    f.write("%s = %s\n" % (k, v))
        fd, self.log = tempfile.mkstemp(prefix="notify-", suffix=".log", dir=workdir)
        self.logf = os.fdopen(fd, "w+")
        self.proc = subprocess.Popen(
            [os.path.join(ctx.build, "statusd-notify"), "-c", self.conf],
            stdout=self.logf, stderr=subprocess.STDOUT, env=env)
        self.wait_log("event=notify_listening", 10)

    def log_text(self):
        with open(self.log) as f:
            return f.read()

    def wait_log(self, needle, timeout):
        end = time.time() + timeout
        while time.time() < end:
            if needle in self.log_text():
                return
            if self.proc.poll() is not None:
                raise AssertionError("statusd-notify exited (%s): %s"
                                     % (self.proc.returncode, self.log_text()[-2000:]))
            time.sleep(0.05)
        raise AssertionError("no %r in the notifier log: %s"
                             % (needle, self.log_text()[-2000:]))

    def term(self, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("statusd-notify ignored SIGTERM")

    def kill9(self):
        self.proc.kill()
        self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            if exc[0] is None:
                assert self.term() == 0, "statusd-notify failed on SIGTERM"
        finally:
            self.close()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.logf.close()


# --- sign-up ------------------------------------------------------------------

class SignUp:
    """A second statusd (same database) that takes webhook targets on
    loopback, where the receiver is: the stack's statusd refuses them, as
    it must. Subscribers made through it are made by the API, with their
    secret from the 201. allowed=None: the default rules, which refuse
    loopback; env: the statusd's environment (Rebind.env)."""

    def __init__(self, ctx, allowed="127.0.0.0/8, ::1/128", env=None):
        self.ctx = ctx
        lines = ["webhook_allowed_networks = " + allowed] if allowed else []
        conf = second_conf(ctx, *lines)
        self.statusd = SecondWithConf(ctx, conf, "-w", "1", env=env)

    def post(self, path, body):
        ctx = self.ctx
        auth = "Basic " + base64.b64encode(("%s:%s" % (ctx.email, ctx.token)).encode()).decode()
        params = {"REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/json",
                  "REQUEST_URI": "/jsm/ops/api/%s%s" % (ctx.cloud, path),
                  "HTTP_AUTHORIZATION": auth,
                  "HTTP_X_REQUEST_ID": "signup-" + uuid.uuid4().hex[:8]}
        st, out = self.statusd.request(params, json.dumps(body).encode())
        return st, json.loads(out.split(b"\r\n\r\n", 1)[1] or b"null")

    def webhook(self, rec, page_id, path, item_type="PAGE_SUBSCRIBER", item_id=None,
                host="localhost"):
        """A WEBHOOK subscriber to rec's path; the receiver verifies what
        comes there with the subscriber's own secret. The subscriber."""
        body = request_body(item_id or page_id, item_type, "WEBHOOK",
                            captcha_token(self.ctx, page_id),
                            webhookEndpoint=rec.url(path, host=host))
        st, doc = self.post("/subscribers", body)
        assert st == 201, (st, doc)
        rec.secrets[path] = doc["webhookSecret"]
        return doc

    def close(self):
        self.statusd.stop()


# --- DNS rebinding ------------------------------------------------------------

class Rebind:
    """Names under .rebind.test answered by tests/preload/rebind.c in the
    processes started with env(): set() maps a name to the addresses its
    1st, 2nd, ... lookups answer (the last one from then on), and lookups()
    counts the lookups of a name made so far, across those processes."""

    def __init__(self, ctx):
        # statusd run as root works as nobody: it reads the map and
        # writes the log too.
        d = tempfile.mkdtemp(prefix="rebind-", dir=ctx.state_dir)
        os.chmod(d, 0o755)
        self.map, self.log = os.path.join(d, "map"), os.path.join(d, "log")
        self.set("none.rebind.test")
        open(self.log, "w").close()
        os.chmod(self.log, 0o666)
        preload = [os.path.abspath(os.path.join(ctx.build, "rebind.so"))]
        # A sanitized binary wants its runtime first in the library list;
        # the runtime then hands lookups on to rebind.so.
        ldd = subprocess.run(["ldd", os.path.join(ctx.build, "statusd")],
                             capture_output=True, text=True, check=True).stdout
        preload[:0] = [l.split()[2] for l in ldd.splitlines() if "libasan" in l]
        self.env = dict(os.environ, LD_PRELOAD=":".join(preload),
                        REBIND_MAP=self.map, REBIND_LOG=self.log)

    def set(self, name, *addrs):
        with open(self.map + ".new", "w") as f:
            f.write("%s %s\n" % (name, " ".join(addrs)))
        os.chmod(self.map + ".new", 0o644)
        os.replace(self.map + ".new", self.map)

    def lookups(self, name):
        with open(self.log) as f:
            return sum(1 for line in f if line.strip() == name)
