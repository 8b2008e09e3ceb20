"""Sign-up requests for bench/subscribers.sh, each with its own captcha.

    subscribers_captcha.py check BASE_URL API AUTH PAGE
        Fetches a challenge from statusd, solves it as the ALTCHA widget
        does (tests/api/subscriberlib.py: SHA-256 of salt + number, counting
        up) and signs up with it: exits non-zero unless that is a 201.
    subscribers_captcha.py mint CONF API PAGE COUNT > requests
        COUNT "POST API/subscribers BODY" lines (bench/subscribers.lua),
        each with a fresh email and a captchaToken for its own challenge.

Solving takes 50,000 SHA-256 on average (maxnumber 100,000): thousands of
them would take longer than the bench. So `mint` makes the challenges the
way statusd's captcha_challenge_new does (core/captcha.c: the salt with
its expiry, page and key id, a random secret number, the challenge, its
HMAC under the stack's captcha_hmac_key) and answers each with its number,
which is what solving finds. statusd verifies them exactly as it verifies
the ones it issues; `check` shows the two agree."""

import base64
import hashlib
import hmac
import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "api"))
import subscriberlib  # noqa: E402  (the solver and the widget's payload)
from client import _read_conf  # noqa: E402

CAPTCHA_MAX_NUMBER = 100000  # core/captcha.h
CAPTCHA_TTL_SECONDS = 600


def body(page, token):
    email = "signup-%s@example.com" % uuid.uuid4().hex
    return json.dumps(subscriberlib.request_body(page, captcha=token, email=email),
                      separators=(",", ":"))


def http(method, url, auth, data=None):
    req = urllib.request.Request(url, method=method, headers={"Authorization": auth})
    if data is not None:
        req.data = data.encode()
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        sys.exit("%s %s: %d %s" % (method, url, e.code, e.read().decode()))


def check(base, api, auth, page):
    _, ch = http("GET", "%s%s/subscribers/captcha/challenge?pageId=%s" % (base, api, page), auth)
    token = subscriberlib.payload(ch, subscriberlib.solve(ch))
    status, _ = http("POST", "%s%s/subscribers" % (base, api), auth, body(page, token))
    if status != 201:
        sys.exit("a solved captcha got %d" % status)


def mint(conf, api, page, count):
    kid, hexkey = _read_conf(conf)["captcha_hmac_key"].split(":", 1)
    key = bytes.fromhex(hexkey)
    expires = int(time.time()) + CAPTCHA_TTL_SECONDS
    out = sys.stdout
    for _ in range(count):
        salt = "%s?expires=%d&pageId=%s&kid=%s&" % (secrets.token_hex(12), expires, page, kid)
        number = secrets.randbelow(CAPTCHA_MAX_NUMBER + 1)
        challenge = hashlib.sha256((salt + str(number)).encode()).hexdigest()
        ch = {"algorithm": "SHA-256", "challenge": challenge, "salt": salt,
              "signature": hmac.new(key, challenge.encode(), hashlib.sha256).hexdigest()}
        out.write("POST %s/subscribers %s\n" % (api, body(page, subscriberlib.payload(ch, number))))


def main(argv):
    if len(argv) == 5 and argv[0] == "check":
        check(*argv[1:])
    elif len(argv) == 5 and argv[0] == "mint":
        mint(argv[1], argv[2], argv[3], int(argv[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
