"""Helpers for the subscriber tests: solve a captcha the way the ALTCHA
widget does (SHA-256 of salt + number, counting up from 0), mint subscriber
tokens with the key the stack's statusd.conf holds (the token format of
core/subtoken.h), create subscribers."""

import base64
import hashlib
import hmac
import json
import struct
import time
import uuid

from client import _read_conf

PURPOSE = {"confirm": 0, "unsubscribe": 1, "manage": 2}


def challenge(ctx, page_id, auth="basic"):
    r = ctx.request("GET", "/subscribers/captcha/challenge?pageId=" + page_id, auth=auth)
    assert r.status == 200, r
    return r.json


def solve(ch):
    """The ALTCHA v1 solver: the number n with SHA-256(salt + n) ==
    challenge, n from 0 to maxnumber."""
    assert ch["algorithm"] == "SHA-256"
    salt = ch["salt"].encode()
    for n in range(ch["maxnumber"] + 1):
        if hashlib.sha256(salt + str(n).encode()).hexdigest() == ch["challenge"]:
            return n
    raise AssertionError("challenge has no solution up to maxnumber")


def payload(ch, number, **over):
    """What the widget submits: base64 of the JSON solution."""
    p = {"algorithm": ch["algorithm"], "challenge": ch["challenge"], "number": number,
         "salt": ch["salt"], "signature": ch["signature"], "took": 7}
    p.update(over)
    return base64.b64encode(json.dumps(p).encode()).decode()


def captcha_token(ctx, page_id):
    ch = challenge(ctx, page_id)
    return payload(ch, solve(ch))


def _key(ctx, setting):
    kid, hexkey = _read_conf(ctx.conf)[setting].split(":", 1)
    return kid, bytes.fromhex(hexkey)


def mint_token(ctx, purpose, subscriber_id, cloud=None, expires=0, setting="subscriber_token_key"):
    kid, key = _key(ctx, setting)
    p = (bytes([PURPOSE[purpose]]) + struct.pack(">Q", expires) +
         uuid.UUID(subscriber_id).bytes + (cloud or ctx.cloud).encode())
    tag = hmac.new(key, b"statusd subscriber token\0" + kid.encode() + b"." + p,
                   hashlib.sha256).digest()[:16]

    def b64url(b):
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    return "%s.%s.%s" % (kid, b64url(p), b64url(tag))


def request_body(item_id, item_type="PAGE_SUBSCRIBER", stype="EMAIL", captcha=None, **data):
    if not data:
        data = {"email": "%s@example.com" % uuid.uuid4().hex[:12]}
    req = {"itemId": item_id, "itemType": item_type, "subscriptionType": stype,
           "subscriptionData": data}
    if captcha is not None:
        req["captchaToken"] = captcha
    return {"subscriptionRequest": req}


def subscribe(ctx, page_id, item_id=None, item_type="PAGE_SUBSCRIBER", stype="EMAIL",
              expect=201, **data):
    body = request_body(item_id or page_id, item_type, stype, captcha_token(ctx, page_id), **data)
    r = ctx.request("POST", "/subscribers", body)
    assert r.status == expect, r
    return r


def now():
    return int(time.time())
