"""Every error is JSON, nginx's own included: requests nginx refuses before
statusd sees them, sent over raw sockets, answer the one error shape, never
nginx's HTML page."""

from client import check_error

HOST = b"Host: x\r\nConnection: close\r\n"


def raw(ctx, head, body=b""):
    return ctx.raw_request(head + b"\r\n" + body)


def api(ctx):
    return b"/jsm/ops/api/" + ctx.cloud.encode() + b"/pages"


def check_nginx_error(r, status, message=None):
    err = check_error(r, status)
    assert b"<html" not in r.body.lower(), r
    if message is not None:
        assert err["error"] == message, err
    return err


def test_nginx_501_unknown_transfer_coding(ctx):
    for te in (b"chunked, identity", b"gzip", b"identity"):
        r = raw(ctx, b"POST " + api(ctx) + b" HTTP/1.1\r\n" + HOST +
                b"Content-Type: application/json\r\nTransfer-Encoding: " + te + b"\r\n")
        check_nginx_error(r, 501, "not implemented")


def test_nginx_505_http_version(ctx):
    for version in (b"HTTP/3.0", b"HTTP/2.0", b"HTTP/9.9"):
        r = raw(ctx, b"GET " + api(ctx) + b" " + version + b"\r\n" + HOST)
        check_nginx_error(r, 505, "http version not supported")


def test_nginx_400_family(ctx):
    cases = [
        # two different lengths: request smuggling shape
        b"POST " + api(ctx) + b" HTTP/1.1\r\n" + HOST +
        b"Content-Length: 2\r\nContent-Length: 3\r\n",
        b"GET " + api(ctx) + b" HTTP/1.1\r\nConnection: close\r\n",  # no Host
        b"GET  HTTP/1.1\r\n" + HOST,
        b"G\x01T / HTTP/1.1\r\n" + HOST,
        # a header over large_client_header_buffers: nginx's 494, sent as 400
        b"GET " + api(ctx) + b" HTTP/1.1\r\n" + HOST + b"X-Big: " + b"a" * 20000 + b"\r\n",
    ]
    for head in cases:
        check_nginx_error(raw(ctx, head), 400)


def test_nginx_414_and_404(ctx):
    r = raw(ctx, b"GET " + api(ctx) + b"/" + b"a" * 20000 + b" HTTP/1.1\r\n" + HOST)
    check_nginx_error(r, 414, "request uri too long")
    r = raw(ctx, b"GET /elsewhere HTTP/1.1\r\n" + HOST)
    check_nginx_error(r, 404, "not found")
    # The error locations are internal: asking for one is a plain 404.
    r = raw(ctx, b"GET /_statusd_error/501 HTTP/1.1\r\n" + HOST)
    check_nginx_error(r, 404, "not found")


def test_nginx_maps_every_status_it_can_produce(ctx):
    """The snippet names each status nginx can produce by itself, and each
    error_page target has its location."""
    import os
    import re
    with open(os.path.join(ctx.repo, "nginx", "snippets", "statusd-errors.conf")) as f:
        conf = f.read()
    pages = dict(re.findall(r"^error_page (\d{3}) (\S+);", conf, re.M))
    want = {"400", "403", "404", "405", "408", "411", "413", "414", "429", "494",
            "495", "496", "497", "500", "501", "502", "503", "504", "505"}
    assert want <= set(pages), sorted(want - set(pages))
    for code, uri in pages.items():
        assert re.search(r"^location = %s \{" % re.escape(uri), conf, re.M), code
