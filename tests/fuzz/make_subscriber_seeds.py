#!/usr/bin/env python3
"""Writes tests/fuzz/seeds/fuzz_subscriber/: a solved captcha payload and
subscriber tokens made with the harness's keys and clock, and contacts."""
import base64, hashlib, hmac, json, os, struct, uuid

CAPTCHA_KEY = bytes.fromhex("00112233445566778899aabbccddeeff" * 2)
TOKEN_KEY = bytes.fromhex("ffeeddccbbaa99887766554433221100" * 2)
PAGE = "123e4567-e89b-12d3-a456-426614174000"
NOW = 1800000000
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds", "fuzz_subscriber")


def write(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


salt = f"00112233445566778899aabb?expires={NOW + 600}&pageId={PAGE}&kid=c1&"
challenge = hashlib.sha256((salt + "42").encode()).hexdigest()
signature = hmac.new(CAPTCHA_KEY, challenge.encode(), hashlib.sha256).hexdigest()
payload = {"algorithm": "SHA-256", "challenge": challenge, "number": 42,
           "salt": salt, "signature": signature}
write("captcha-solved", b"\x00" + json.dumps(payload).encode())
write("captcha-solved-b64", b"\x00" + base64.b64encode(json.dumps(payload).encode()))


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def token(purpose, expires, sub, cloud):
    p = bytes([purpose]) + struct.pack(">Q", expires) + uuid.UUID(sub).bytes + cloud.encode()
    tag = hmac.new(TOKEN_KEY, b"statusd subscriber token\0t1." + p, hashlib.sha256).digest()[:16]
    return f"t1.{b64url(p)}.{b64url(tag)}"


sub = "223e4567-e89b-12d3-a456-426614174000"
write("token-confirm", b"\x01" + token(0, NOW + 3600, sub, "cloud-1").encode())
write("token-unsubscribe", b"\x01" + token(1, 0, sub, "cloud-1").encode())
write("token-manage", b"\x01" + token(2, 0, sub, "c").encode())
for i, c in enumerate(["ops@example.com", "+14155552671",
                       "https://hooks.example.com:8443/in?x=1",
                       "https://[::ffff:127.0.0.1]/h",
                       "https://hooks.slack.com/services/T0/B0/XYZ",
                       "10.0.0.0/8, fd00::/8 127.0.0.1"]):
    write(f"contact-{i}", b"\x02" + c.encode())
