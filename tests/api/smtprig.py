"""A small SMTP server on loopback for statusd-notify's email tests: ESMTP
with STARTTLS (the ssl module, a certificate of the notify rig's test CA),
optional AUTH PLAIN, and every accepted message captured with how it came
(over TLS or not, the envelope, the login).

  starttls=True    EHLO offers STARTTLS; MAIL before it is refused (530)
  starttls=False   no STARTTLS offered (a client that requires it must stop)
  user/password    AUTH PLAIN offered after STARTTLS and required
  reject           recipients answered 550 (permanent)
  defer            recipients answered 451 (temporary)
"""

import base64
import email
import email.policy
import socketserver
import ssl
import threading
import time


class SmtpRig:
    def __init__(self, cert, key, starttls=True, user=None, password=None):
        self.messages = []
        self.sessions = []  # one dict per connection: what the client did
        self.starttls = starttls
        self.user, self.password = user, password
        self.reject, self.defer = set(), set()
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        rig = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 20

            def handle(self):
                rig.session(self)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

            def handle_error(self, request, client_address):
                pass  # a client that hangs up mid-session, on purpose

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, scheme="smtp"):
        return "%s://localhost:%d" % (scheme, self.port)

    # --- one SMTP session --------------------------------------------------

    def session(self, h):
        s = {"tls": False, "starttls_offered": False, "auth": None, "commands": []}
        with self.lock:
            self.sessions.append(s)
        rfile, wfile = h.rfile, h.wfile

        def say(line):
            wfile.write(line.encode() + b"\r\n")
            wfile.flush()

        say("220 localhost ESMTP statusd test rig")
        mail_from, rcpts = None, []
        while True:
            raw = rfile.readline(4096)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            s["commands"].append(verb)
            if verb in ("EHLO", "HELO"):
                ext = []
                if self.starttls and not s["tls"]:
                    ext.append("STARTTLS")
                    s["starttls_offered"] = True
                if self.user and s["tls"]:
                    ext.append("AUTH PLAIN")
                ext.append("8BITMIME")
                for e in ext[:-1]:
                    say("250-" + e)
                say("250 " + ext[-1])
            elif verb == "STARTTLS" and self.starttls and not s["tls"]:
                say("220 go ahead")
                conn = self.ctx.wrap_socket(h.connection, server_side=True)
                h.connection = conn
                rfile = conn.makefile("rb")
                wfile = conn.makefile("wb")
                s["tls"] = True
                mail_from, rcpts = None, []
            elif verb == "AUTH":
                parts = line.split(" ")
                if len(parts) == 3 and parts[1].upper() == "PLAIN":
                    blob = parts[2]
                else:
                    say("334 ")
                    blob = rfile.readline().decode().strip()
                try:
                    _, u, p = base64.b64decode(blob).decode().split("\0")
                except Exception:  # noqa: BLE001 - answered as a failure
                    u, p = None, None
                if u == self.user and p == self.password:
                    s["auth"] = u
                    say("235 ok")
                else:
                    say("535 authentication failed")
            elif verb == "MAIL":
                if self.starttls and not s["tls"]:
                    say("530 must issue STARTTLS first")
                elif self.user and s["auth"] is None:
                    say("530 authentication required")
                else:
                    mail_from, rcpts = line[10:].strip(), []
                    say("250 ok")
            elif verb == "RCPT":
                addr = line[8:].strip().strip("<>")
                if addr in self.reject:
                    say("550 no such user")
                elif addr in self.defer:
                    say("451 try again later")
                elif mail_from is None:
                    say("503 need MAIL first")
                else:
                    rcpts.append(addr)
                    say("250 ok")
            elif verb == "DATA":
                if not rcpts:
                    say("503 need RCPT first")
                    continue
                say("354 end with .")
                data = bytearray()
                while True:
                    l = rfile.readline(65536)
                    if not l or l == b".\r\n":
                        break
                    if l.startswith(b"."):
                        l = l[1:]  # dot-stuffing undone
                    data += l
                self.capture(s, mail_from, rcpts, bytes(data))
                say("250 queued")
                mail_from, rcpts = None, []
            elif verb == "RSET":
                mail_from, rcpts = None, []
                say("250 ok")
            elif verb == "NOOP":
                say("250 ok")
            elif verb == "QUIT":
                say("221 bye")
                return
            else:
                say("502 not implemented")

    def capture(self, s, mail_from, rcpts, data):
        msg = email.message_from_bytes(data, policy=email.policy.default)
        with self.arrived:
            self.messages.append({"from": mail_from, "to": list(rcpts), "raw": data,
                                  "msg": msg, "tls": s["tls"], "auth": s["auth"],
                                  "at": time.time()})
            self.arrived.notify_all()

    def wait_for(self, pred, timeout):
        end = time.time() + timeout
        with self.arrived:
            while not pred(self.messages):
                left = end - time.time()
                if left <= 0:
                    return False
                self.arrived.wait(left)
            return True

    def to(self, addr):
        with self.lock:
            return [m for m in self.messages if addr in m["to"]]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def parts(msg):
    """(text, html) of a multipart/alternative message, decoded."""
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    return (text.get_content() if text else None,
            html.get_content() if html else None)

