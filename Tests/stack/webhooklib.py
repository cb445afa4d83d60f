"""Webhooks (docs/API.md "Webhooks (new)", issue 24) for the stack tests: a loopback
receiver that plays the shop's system, and helpers over the admin routes.

`Receiver` is a plain `http.server` on 127.0.0.1 (a port of its own), in a thread, that
records every request it gets (method, path, headers, body bytes, arrival time) and
answers by a script: `receiver.script([500, 500, TIMEOUT])` answers the next three
requests with two 500s and a connection held past the sender's 10 s, then the default
(204). Every request is checked with the independent `standardwebhooks` package against
the secrets the test handed it (`receiver.secrets`): `Request.verified_with` says which
of them verify it, at its arrival. Tests wait for what was recorded (`wait_until`,
`wait_count`, `wait_events`), never for a fixed time.

The stacks that deliver to it need `SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE=1` (127.0.0.1 is
loopback) and `SWITCHBOARD_WEBHOOK_ALLOW_HTTP=1` (no TLS here): `RECEIVER_ENV`."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from openapilib import Spec

RECEIVER_ENV = {"SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE": "1", "SWITCHBOARD_WEBHOOK_ALLOW_HTTP": "1"}

HOOKS = "/api/v1/admin/webhooks"
# The types an endpoint subscribes to (API.md's table; `webhook.test` is the test button's).
EVENT_TYPES = ("conversation.created", "conversation.escalated", "conversation.assigned", "conversation.closed",
               "conversation.rated", "message.created", "contact.created", "contact.updated")
ATTEMPT_LIMIT = 10.0  # seconds the sender waits for an answer (API.md: "Any 2xx within 10 s")
HOLD_LIMIT = 15.0  # how long a TIMEOUT answer holds the connection at most
DEFAULT_WAIT = 20.0

SPEC = Spec()


# -- answers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What the receiver does with one request."""

    status: int = 204
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    hold: float = 0.0  # first wait this long, or until the client hangs up
    drop: bool = False  # then close the connection without answering

    def __repr__(self) -> str:
        if self.drop:
            return f"<hold {self.hold:g}s, no answer>"
        extra = f" +{len(self.body)} bytes" if self.body else ""
        return f"<{self.status}{extra}{' ' + str(dict(self.headers)) if self.headers else ''}>"


OK = Answer(204)
# Holds the connection past the sender's 10 s without a word, then hangs up.
TIMEOUT = Answer(hold=HOLD_LIMIT, drop=True)


def status(code: int, body: bytes = b"") -> Answer:
    return Answer(code, body, (("Content-Type", "text/plain"),) if body else ())


def redirect(location: str, code: int = 302) -> Answer:
    return Answer(code, b"moved", (("Location", location), ("Content-Type", "text/plain")))


def huge(code: int, size: int = 8 * 1024 * 1024) -> Answer:
    """An answer with a body of `size` bytes (the sender reads at most 64 KiB of it)."""
    return Answer(code, b"x" * size, (("Content-Type", "text/plain"),))


def _answer(item: int | Answer) -> Answer:
    return item if isinstance(item, Answer) else status(item)


# -- what arrived ----------------------------------------------------------------------


@dataclass
class Request:
    n: int  # 0, 1, 2 … in order of arrival
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    arrived: float  # time.monotonic() when the headers and body were read
    arrived_wall: float  # time.time() at the same moment
    answer: Answer
    verified_with: list[str] = field(default_factory=list)  # the receiver's secrets that verify it
    verify_error: str | None = None
    finished: float | None = None  # monotonic: answered, dropped, or the client hung up
    client_hung_up: bool = False  # the client closed the connection while the receiver held it
    write_error: str | None = None  # writing the answer failed (the client stopped reading)

    @property
    def verified(self) -> bool:
        return bool(self.verified_with)

    @property
    def taken(self) -> bool:
        """The receiver answered it with a 2xx (what takes a delivery)."""
        return 200 <= self.answer.status < 300 and not self.answer.drop and not self.client_hung_up

    @property
    def webhook_id(self) -> str | None:
        return self.headers.get("webhook-id")

    @property
    def timestamp(self) -> int | None:
        value = self.headers.get("webhook-timestamp")
        return int(value) if value is not None and value.isdigit() else None

    @property
    def signatures(self) -> list[str]:
        return self.headers.get("webhook-signature", "").split()

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def type(self) -> str | None:
        try:
            body = self.json
        except ValueError:
            return None
        return body.get("type") if isinstance(body, dict) else None

    @property
    def data(self) -> Any:
        return self.json.get("data")

    def about(self) -> str | None:
        """The conversation (or contact) the event is about."""
        data = self.data if isinstance(self.data, dict) else {}
        if self.type == "message.created":
            return data.get("conversation_id")
        return data.get("id")

    def __repr__(self) -> str:
        body = self.body[:160].decode("utf-8", "replace")
        return (f"<#{self.n} {self.method} {self.path} id={self.webhook_id} type={self.type} "
                f"verified={self.verified} answer={self.answer!r} body={body}>")


def verify(secret: str, request: Request) -> bool:
    """Whether `secret` verifies the request, as a receiver using `standardwebhooks` checks it
    (the signature over id, timestamp and body; a timestamp within 5 minutes)."""
    try:
        Webhook(secret).verify(request.body, request.headers)
        return True
    except WebhookVerificationError:
        return False


def signature_of(secret: str, request: Request) -> str:
    """The `v1,…` signature `secret` gives this request's id, timestamp and body."""
    from datetime import datetime, timezone
    assert request.webhook_id and request.timestamp is not None, request
    return Webhook(secret).sign(request.webhook_id, datetime.fromtimestamp(request.timestamp, tz=timezone.utc),
                                request.body)


# -- the receiver ----------------------------------------------------------------------


class Receiver:
    """A loopback HTTP server that records and answers webhook deliveries by a script."""

    def __init__(self, name: str = "receiver", secrets: Iterable[str] = (), default: int | Answer = OK,
                 host: str = "127.0.0.1") -> None:
        self.name = name
        self.host = host
        self.secrets: list[str] = list(secrets)
        self.default = _answer(default)
        self.requests: list[Request] = []
        self._script: list[Answer] = []
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                receiver._handle(self)

            do_GET = do_PUT = do_PATCH = do_DELETE = do_POST  # noqa: N815 - recorded all the same

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

        server_class = ThreadingHTTPServer
        if ":" in host:  # an IPv6 address (`::1`)
            server_class = type("ThreadingHTTPServer6", (ThreadingHTTPServer,), {"address_family": socket.AF_INET6})
        self.server = server_class((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name=f"webhook {name}", daemon=True)
        self._thread.start()

    # -- setup ---------------------------------------------------------------------

    def url(self, path: str = "/hook") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"

    def script(self, answers: Iterable[int | Answer], default: int | Answer | None = None) -> "Receiver":
        """The next requests get these answers, one each, then the default (204 unless given)."""
        with self._cond:
            self._script = [_answer(a) for a in answers]
            if default is not None:
                self.default = _answer(default)
        return self

    def close(self) -> None:
        self._stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "Receiver":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- serving -------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        headers = {k.lower(): v for k, v in h.headers.items()}
        body = _read_body(h, headers)
        with self._cond:
            answer = self._script.pop(0) if self._script else self.default
            req = Request(len(self.requests), h.command, h.path, headers, body, time.monotonic(), time.time(), answer)
            for secret in self.secrets:
                if verify(secret, req):
                    req.verified_with.append(secret)
            if self.secrets and not req.verified_with:
                try:
                    Webhook(self.secrets[-1]).verify(body, headers)
                except WebhookVerificationError as e:
                    req.verify_error = str(e)
            self.requests.append(req)
            self._cond.notify_all()
        if answer.hold:
            req.client_hung_up = self._hold(h.connection, answer.hold)
        try:
            if answer.drop or req.client_hung_up:
                h.close_connection = True
                try:
                    h.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            else:
                h.send_response(answer.status)
                for name, value in answer.headers:
                    h.send_header(name, value)
                h.send_header("Content-Length", str(len(answer.body)))
                h.end_headers()
                view = memoryview(answer.body)
                for i in range(0, len(view), 65536):
                    h.wfile.write(view[i:i + 65536])
                h.wfile.flush()
        except OSError as e:  # the client stopped reading (a huge body) or went away
            req.write_error = repr(e)
            h.close_connection = True
        finally:
            with self._cond:
                req.finished = time.monotonic()
                self._cond.notify_all()

    def _hold(self, conn: socket.socket, limit: float) -> bool:
        """Waits up to `limit` seconds (or until the receiver closes); True when the client
        hung up meanwhile."""
        deadline = time.monotonic() + limit
        while not self._stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            readable, _, _ = select.select([conn], [], [], min(left, 0.2))
            if readable:
                try:
                    if conn.recv(1, socket.MSG_PEEK) == b"":
                        return True
                except OSError:
                    return True
                return False  # the client sent more (it would not while waiting): stop holding
        return False

    # -- reading what arrived --------------------------------------------------------

    def snapshot(self) -> list[Request]:
        with self._cond:
            return list(self.requests)

    def wait_until(self, condition: Callable[[list[Request]], Any], timeout: float = DEFAULT_WAIT,
                   what: str = "a condition") -> Any:
        """Waits until condition(requests so far) is truthy and returns it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = condition(list(self.requests))
                if result:
                    return result
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{self.name}: timed out after {timeout}s waiting for {what}\n{self.describe()}")
                self._cond.wait(min(left, 0.5))

    def wait_count(self, count: int, predicate: Callable[[Request], bool] = lambda r: True,
                   timeout: float = DEFAULT_WAIT, what: str = "requests") -> list[Request]:
        """Every request matching `predicate`, once there are at least `count`."""
        def enough(reqs: list[Request]) -> list[Request] | None:
            found = [r for r in reqs if predicate(r)]
            return found if len(found) >= count else None
        return self.wait_until(enough, timeout, f"{count} x {what}")

    def wait_verified(self, count: int, predicate: Callable[[Request], bool] = lambda r: True,
                      timeout: float = DEFAULT_WAIT) -> list[Request]:
        """The first `count` distinct events (by webhook-id) that arrived verified and matching."""
        def enough(reqs: list[Request]) -> list[Request] | None:
            found = dedupe(r for r in reqs if r.verified and predicate(r))
            return found if len(found) >= count else None
        return self.wait_until(enough, timeout, f"{count} verified deliveries")

    def wait_finished(self, request: Request, timeout: float = HOLD_LIMIT + 5) -> Request:
        self.wait_until(lambda _: request.finished is not None, timeout, f"the end of request #{request.n}")
        return request

    def wait_events(self, wanted: Callable[[list[Request]], bool], timeout: float = DEFAULT_WAIT,
                    what: str = "the events") -> list[Request]:
        return self.wait_until(lambda reqs: reqs if wanted(reqs) else None, timeout, what)

    def describe(self, limit: int = 40) -> str:
        reqs = self.snapshot()
        lines = [f"{len(reqs)} requests to {self.url()} (script left: {self._script}, default {self.default!r})"]
        if len(reqs) > limit:
            lines.append(f"... {len(reqs) - limit} earlier")
        t0 = reqs[0].arrived if reqs else 0
        lines += [f"  +{r.arrived - t0:6.2f}s {r!r}" for r in reqs[-limit:]]
        return "\n".join(lines)


def dedupe(requests: Iterable[Request]) -> list[Request]:
    """The first arrival of each webhook-id, in order of arrival (what a receiver keeps)."""
    seen: set[str | None] = set()
    out = []
    for r in requests:
        if r.webhook_id not in seen:
            seen.add(r.webhook_id)
            out.append(r)
    return out


def _read_body(h: BaseHTTPRequestHandler, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks = []
        while True:
            size = int(h.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while h.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(h.rfile.read(size))
            h.rfile.readline()
    length = int(headers.get("content-length") or 0)
    return h.rfile.read(length) if length else b""


# -- the payloads, against docs/openapi.yaml ---------------------------------------------


def check_payload(request: Request) -> dict:
    """The delivery's body against the document's `webhooks` entry for its type (the
    REST shapes: AgentConversation, Message, Contact); returns the body."""
    body = request.json
    assert isinstance(body, dict) and set(body) == {"type", "timestamp", "data"}, f"not {{type, timestamp, data}}: {request!r}"
    hooks = SPEC.doc.get("webhooks", {})
    assert body["type"] in hooks, f"type {body['type']!r} is not in docs/openapi.yaml's webhooks: {sorted(hooks)}"
    op = SPEC.resolve(hooks[body["type"]])["post"]
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    SPEC.check_body(schema, body, f"webhook {body['type']} ({request.webhook_id})")
    return body


def check_headers(request: Request) -> None:
    """The Standard Webhooks headers and the contract's Content-Type and User-Agent."""
    h = request.headers
    assert request.method == "POST", request
    assert (request.webhook_id or "").startswith("msg_"), f"webhook-id {request.webhook_id!r}"
    assert request.timestamp is not None, f"webhook-timestamp {h.get('webhook-timestamp')!r}"
    assert abs(request.timestamp - request.arrived_wall) < 30, (
        f"webhook-timestamp {request.timestamp} is not the time of the attempt ({request.arrived_wall:.0f})")
    assert request.signatures and all(s.startswith("v1,") for s in request.signatures), h.get("webhook-signature")
    assert h.get("content-type", "").split(";")[0].strip() == "application/json", h.get("content-type")
    assert h.get("user-agent") == "Switchboard-Webhooks/1", h.get("user-agent")
