"""HTTP edges through nginx: bad bodies, methods, unknown routes, size limits,
security headers, and clients (or peers) that misbehave. After each, the worker
must still serve."""

import re
import socket
import struct
import time

import pytest

from stacklib import assert_error, ok

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def chat(stack):
    return stack.start_chat()


def assert_still_serving(stack):
    assert stack.health_ok(), "health check failed after the previous request"
    ok(stack.get("/api/v1/customer/quick-questions"))


@pytest.mark.parametrize(
    "raw",
    [b'{"content": ', b"not json at all", b"[1, 2, 3]", b'"just a string"', b"", b"{\"content\": \"\xff\xfe\"}"],
    ids=["truncated", "garbage", "array", "string", "empty", "bad-utf8"],
)
def test_malformed_body_is_400(stack, chat, raw):
    resp = stack.post(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id, data=raw, headers=JSON)
    assert_error(resp, 400)
    assert_still_serving(stack)


@pytest.mark.parametrize(
    "path,body",
    [
        ("/api/v1/customer/conversations/start", {"force_new": "yes"}),
        ("/api/v1/customer/conversations/start", {"customer_session_id": 42}),
        ("/api/v1/agent/auth/login", {"username": ["agent"], "password": "x" * 12}),
        ("/api/v1/agent/auth/login", {"username": "agent", "password": 1234567890}),
    ],
)
def test_wrong_types_are_400(stack, path, body):
    assert_error(stack.post(path, json=body), 400)
    assert_still_serving(stack)


def test_unknown_fields_are_ignored(stack, chat):
    ok(stack.post("/api/v1/customer/conversations/start", json={"utm_source": "test", "nested": {"a": [1]}}))
    sent = ok(stack.post(
        f"/api/v1/customer/conversations/{chat.id}/messages",
        session=chat.session_id,
        json={"content": "hi", "priority": "urgent", "attachments": []},
    ))
    assert sent["customer_message"]["content"] == "hi"
    ok(stack.post(f"/api/v1/customer/conversations/{chat.id}/escalate", session=chat.session_id, json={"reason": "x"}))


def test_non_json_content_type_is_415(stack, chat):
    resp = stack.post(
        f"/api/v1/customer/conversations/{chat.id}/messages",
        session=chat.session_id,
        data=b'{"content": "hi"}',
        headers={"Content-Type": "text/plain"},
    )
    assert_error(resp, 415)
    assert_still_serving(stack)


def test_oversized_body_is_413_in_the_error_shape(stack, chat):
    limit = 65536
    big = b'{"content": "' + b"a" * limit + b'"}'
    resp = stack.post(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id, data=big, headers=JSON)
    assert_error(resp, 413)
    # Same without a Content-Length (chunked): nginx counts as it reads.
    resp = stack.post(
        f"/api/v1/customer/conversations/{chat.id}/messages",
        session=chat.session_id,
        data=iter([big[:40000], big[40000:]]),
        headers=JSON,
    )
    assert_error(resp, 413)
    assert_still_serving(stack)


def test_body_at_the_limit_reaches_the_worker(stack, chat):
    # Exactly the cap: allowed through; the worker answers (400: content too long).
    limit = 65536
    body = b'{"content": "' + b"a" * (limit - 15) + b'"}'
    assert len(body) == limit
    resp = stack.post(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id, data=body, headers=JSON)
    assert_error(resp, 400)


@pytest.mark.parametrize(
    "method,path",
    [
        ("DELETE", "/api/v1/customer/quick-questions"),
        ("GET", "/api/v1/agent/auth/login"),
        ("PUT", "/api/v1/customer/conversations/start"),
        ("GET", "/api/v1/customer/conversations/00000000-0000-0000-0000-000000000000/escalate"),
        ("PUT", "/api/v1/agent/me"),
    ],
)
def test_wrong_method_is_405(stack, method, path):
    assert_error(stack.request(method, path, json={}), 405)
    assert_still_serving(stack)


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/api/v1/nothing-here"),
        ("GET", "/api/v2/customer/quick-questions"),
        ("POST", "/api/v1/customer/conversations/00000000-0000-0000-0000-000000000000/teleport"),
        ("GET", "/api/"),
        ("GET", "/api/v1/customer/quick-questions/extra/segments"),
    ],
)
def test_unknown_route_is_404(stack, method, path):
    assert_error(stack.request(method, path), 404)
    assert_still_serving(stack)


def test_nginx_errors_use_the_error_shape_for_the_api(stack):
    # A bad chunked body is rejected by nginx itself (400).
    with socket.create_connection(("127.0.0.1", stack.port), timeout=10) as s:
        s.sendall(
            b"POST /api/v1/customer/conversations/start HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
        )
        head, body = read_response(s)
    assert head.startswith(b"HTTP/1.1 400"), head
    assert b"application/json" in head.lower(), head
    assert b'"code"' in body and b'"detail"' in body, body


def read_response(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    m = re.search(rb"content-length: *(\d+)", head, re.I)
    if m:
        while len(rest) < int(m.group(1)):
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
    return head, rest


# What each path outside /api/ answers: nginx/switchboard.conf.template serves static/
# with `try_files $uri $uri/ =404`, `index index.html` and no autoindex, and answers 404
# for any dot file.
PAGES = {
    "/": 200,  # static/index.html
    "/index.html": 200,
    "/agent/": 200,  # static/agent/index.html
    "/no-such-page.html": 404,
    "/js/": 403,  # a directory without index.html: never listed
    "/.env": 404,  # dot files are never served
}


def check_security_headers(resp, framable_by=None):
    h = resp.headers
    where = f"{resp.request.method} {resp.request.path_url} ({resp.status_code})"
    assert h.get("X-Content-Type-Options") == "nosniff", where
    csp = h.get("Content-Security-Policy", "")
    assert "default-src" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp, (where, csp)
    if framable_by:
        assert csp.endswith(f"frame-ancestors {framable_by}"), (where, csp)
    else:
        assert "frame-ancestors 'none'" in csp, (where, csp)
    assert h.get("Referrer-Policy") in ("no-referrer", "strict-origin-when-cross-origin"), where
    assert re.fullmatch(r"[0-9a-f]{32}", h.get("X-Request-Id", "")), (where, h.get("X-Request-Id"))
    assert "nginx/" not in h.get("Server", ""), "server_tokens off"


def test_security_headers_on_api_answers_and_errors(stack, chat):
    check_security_headers(stack.get("/api/v1/health"))
    check_security_headers(stack.get(f"/api/v1/customer/conversations/{chat.id}", session=chat.session_id))
    check_security_headers(stack.get("/api/v1/nothing-here"))
    check_security_headers(stack.get("/api/v1/agent/me"))
    big = b"{" + b" " * 70000 + b"}"
    check_security_headers(stack.post("/api/v1/customer/conversations/start", data=big, headers=JSON))


@pytest.mark.parametrize("path,status", PAGES.items(), ids=list(PAGES))
def test_security_headers_on_static_files(stack, path, status):
    # The headers come with every status, errors included.
    resp = stack.get(path, allow_redirects=False)
    assert resp.status_code == status, f"GET {path}: {resp.status_code}"
    check_security_headers(resp)
    if status == 200:
        assert resp.headers["Content-Type"].startswith("text/html"), resp.headers["Content-Type"]


def test_widget_page_may_be_framed_by_the_shop_only(stack):
    resp = stack.get("/widget/", allow_redirects=False)
    assert resp.status_code == 200, resp.status_code  # static/widget/index.html
    assert resp.headers["Content-Type"].startswith("text/html"), resp.headers["Content-Type"]
    # By default only the demo shop's origin may frame it.
    check_security_headers(resp, framable_by=f"http://127.0.0.1:{stack.shop_port}")
    assert "X-Frame-Options" not in resp.headers


def test_widget_origins_are_the_shops_choice(stack_factory):
    shop = stack_factory("framing", SWITCHBOARD_WIDGET_ORIGINS="https://shop.example https://www.shop.example:8443")
    check_security_headers(shop.get("/widget/"), framable_by="https://shop.example https://www.shop.example:8443")
    check_security_headers(shop.get("/agent/"))  # nothing else may be framed


def test_request_ids_are_distinct(stack):
    ids = {stack.get("/api/v1/health").headers["X-Request-Id"] for _ in range(5)}
    assert len(ids) == 5


def test_the_worker_logs_one_line_per_request_with_nginx_s_request_id(stack):
    """The worker's request line (docs/OPERATIONS.md, Logs): swift-log's StreamLogHandler
    format, metadata sorted by key, buffered and written out within a fraction of a second."""
    rid = stack.get("/api/v1/customer/quick-questions").headers["X-Request-Id"]
    pattern = re.compile(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} info switchboard\.api: "
        r"duration_ms=\d+(\.\d+)?(e-\d+)? method=GET path=/api/v1/customer/quick-questions "
        rf"request_id={rid} status=200 \[SwitchboardAPI\] request$")
    deadline = time.monotonic() + 5
    while True:
        lines = (stack.run_dir / "worker.log").read_text(errors="replace").splitlines()
        if any(pattern.match(line) for line in lines):
            break
        assert time.monotonic() < deadline, "no request line for " + rid + ":\n" + "\n".join(lines[-5:])
        time.sleep(0.05)


def test_worker_survives_clients_that_disconnect_mid_request(stack, chat):
    start = b'{"customer_session_id": null}'
    requests_to_abandon = [
        # Complete requests, dropped before the answer (with a reset).
        b"POST /api/v1/customer/conversations/start HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(start), start),
        b"GET /api/v1/customer/conversations/%s/messages?limit=200 HTTP/1.1\r\nHost: x\r\nX-Customer-Session-Id: %s\r\n\r\n"
        % (chat.id.encode(), chat.session_id.encode()),
        # A body that never arrives in full.
        b"POST /api/v1/customer/conversations/%s/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"X-Customer-Session-Id: %s\r\nContent-Length: 5000\r\n\r\n{\"content\": \"par" % (chat.id.encode(), chat.session_id.encode()),
        # Headers cut in the middle.
        b"POST /api/v1/customer/conversations/start HTTP/1.1\r\nHost: x\r\nContent-Le",
    ]
    for delay in (0, 0.002, 0.02):
        for raw in requests_to_abandon:
            for _ in range(3):
                s = socket.create_connection(("127.0.0.1", stack.port), timeout=5)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.sendall(raw)
                if delay:
                    time.sleep(delay)
                s.close()
    worker = stack.pid("worker")
    assert worker is not None
    time.sleep(0.5)
    assert_still_serving(stack)
    ok(stack.post(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id, json={"content": "still here"}))
    assert stack.pid("worker") == worker, "the worker was restarted"


def test_worker_survives_garbage_on_its_socket(stack):
    path = str(stack.run_dir / "worker.sock")
    begin = struct.pack("!BBHHBB", 1, 1, 1, 8, 0, 0) + struct.pack("!HB5x", 1, 0)
    for payload in [b"", b"GET / HTTP/1.1\r\n\r\n", b"\x00" * 64, begin, begin + b"\x01\x04\x00\x01\xff\xff\x00\x00abc", bytes(range(256)) * 8]:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(5)
        s.connect(path)
        if payload:
            s.sendall(payload)
        s.close()
    time.sleep(0.5)
    assert_still_serving(stack)
