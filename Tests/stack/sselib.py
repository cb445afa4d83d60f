"""A small threaded server-sent-events client for the stack tests.

`SSEStream.open(url, headers=...)` makes the request with `requests`
(stream=True). A non-200 answer is kept in `.response` (its body read) and no
reader runs; a 200 starts a reader thread that parses the stream as the SSE
spec says (fields id/event/data/retry, comments, a blank line dispatches) and
records every event and comment with its arrival time. Tests wait on what was
recorded with `wait_for` / `wait_until` / `wait_ended`, and `reconnect()`
opens a new stream that resumes from the last id seen.

Records keep exactly what the frame carried: `SSEEvent.id` is None when the
frame had no `id:` line (typing indicators), even though the SSE spec's
"last event id" buffer would carry the previous one over.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import requests

DEFAULT_WAIT = 10.0
CONNECT_TIMEOUT = 10.0


@dataclass
class SSEEvent:
    event: str  # "message" when the frame had no event: line
    data: str
    id: str | None  # the frame's own id: line, None when it had none
    retry: int | None
    arrived: float  # time.monotonic()
    raw: list[str] = field(default_factory=list)  # the frame's lines, for failure messages

    @property
    def json(self) -> Any:
        return json.loads(self.data)

    @property
    def int_id(self) -> int | None:
        return int(self.id) if self.id is not None else None

    def conversation_id(self) -> str | None:
        """The conversation an event is about, whatever its shape."""
        try:
            body = self.json
        except ValueError:
            return None
        if not isinstance(body, dict):
            return None
        if isinstance(body.get("conversation_id"), str):
            return body["conversation_id"]
        conv = body.get("conversation")
        if isinstance(conv, dict) and isinstance(conv.get("id"), str):
            return conv["id"]
        message = body.get("message")
        if isinstance(message, dict) and isinstance(message.get("conversation_id"), str):
            return message["conversation_id"]
        return None

    def message(self) -> dict | None:
        """The message of a message.created event."""
        if self.event != "message.created":
            return None
        return self.json.get("message")

    def __repr__(self) -> str:
        data = self.data if len(self.data) < 160 else self.data[:160] + "..."
        return f"<SSE id={self.id} event={self.event} data={data}>"


@dataclass
class SSEComment:
    text: str
    arrived: float


class SSEStream:
    """One SSE connection. Thread-safe reads of what the reader thread recorded."""

    def __init__(self, url: str, headers: dict | None = None, params: dict | None = None) -> None:
        self.url = url
        self.headers = dict(headers or {})
        self.params = dict(params or {})
        self.response: requests.Response | None = None
        self.status: int | None = None
        self.body: bytes = b""  # of a non-200 answer
        self.events: list[SSEEvent] = []
        self.comments: list[SSEComment] = []
        self.retry: int | None = None
        self.opened_at: float | None = None
        self.first_byte_at: float | None = None
        self.ended_at: float | None = None  # the server closed (EOF) or the read failed
        self.error: BaseException | None = None
        self.raw_bytes = bytearray()
        self._closing = False
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    # -- opening -------------------------------------------------------------

    @classmethod
    def open(cls, url: str, headers: dict | None = None, params: dict | None = None,
             timeout: float = CONNECT_TIMEOUT) -> "SSEStream":
        s = cls(url, headers, params)
        s._open(timeout)
        return s

    def _open(self, timeout: float) -> None:
        headers = {"Accept": "text/event-stream", **self.headers}
        self.opened_at = time.monotonic()
        # No session: every stream has a connection of its own. The read timeout is
        # None (the reader blocks until data, EOF or close()).
        resp = requests.get(self.url, headers=headers, params=self.params, stream=True, timeout=(timeout, None))
        self.response = resp
        self.status = resp.status_code
        if resp.status_code != 200 or not self.content_type.startswith("text/event-stream"):
            self.body = resp.content
            resp.close()
            self.ended_at = time.monotonic()
            return
        self._sock = _socket_of(resp)
        self._thread = threading.Thread(target=self._read_loop, name=f"sse {self.url}", daemon=True)
        self._thread.start()

    @property
    def content_type(self) -> str:
        return self.response.headers.get("Content-Type", "") if self.response is not None else ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.content_type.startswith("text/event-stream")

    def json_body(self) -> Any:
        return json.loads(self.body)

    # -- reading -------------------------------------------------------------

    def _read_loop(self) -> None:
        assert self.response is not None
        buffer = b""
        frame: dict[str, Any] = {"data": [], "event": None, "id": None, "retry": None, "raw": []}
        try:
            for chunk in self.response.iter_content(chunk_size=None):
                if not chunk:
                    continue
                now = time.monotonic()
                with self._cond:
                    if self.first_byte_at is None:
                        self.first_byte_at = now
                    self.raw_bytes += chunk
                buffer += chunk
                # Lines end in \n, \r\n or \r (SSE spec). A trailing \r may be half of \r\n: keep it.
                while True:
                    line, sep, rest = _split_line(buffer)
                    if sep is None:
                        break
                    buffer = rest
                    self._line(line.decode("utf-8"), frame, now)
        except BaseException as e:  # noqa: BLE001 - recorded for the test to see
            if not self._closing:
                self.error = e
        finally:
            with self._cond:
                self.ended_at = time.monotonic()
                self._cond.notify_all()

    def _line(self, line: str, frame: dict, now: float) -> None:
        if line == "":
            if frame["data"] or frame["event"] is not None or frame["id"] is not None:
                ev = SSEEvent(
                    event=frame["event"] or "message",
                    data="\n".join(frame["data"]),
                    id=frame["id"],
                    retry=frame["retry"],
                    arrived=now,
                    raw=list(frame["raw"]),
                )
                with self._cond:
                    self.events.append(ev)
                    self._cond.notify_all()
            frame.update(data=[], event=None, id=None, retry=None, raw=[])
            return
        frame["raw"].append(line)
        if line.startswith(":"):
            with self._cond:
                self.comments.append(SSEComment(line[1:].lstrip(" "), now))
                self._cond.notify_all()
            return
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            frame["data"].append(value)
        elif name == "event":
            frame["event"] = value
        elif name == "id":
            frame["id"] = value
        elif name == "retry":
            if value.isdigit():
                frame["retry"] = int(value)
                with self._cond:
                    self.retry = int(value)

    # -- waiting -------------------------------------------------------------

    def wait_until(self, condition: Callable[["SSEStream"], Any], timeout: float = DEFAULT_WAIT,
                   what: str = "condition") -> Any:
        """Waits until condition(self) is truthy and returns it; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = condition(self)
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {what} on {self.url}; "
                        f"ended={self.ended_at is not None} error={self.error!r}\n{self.describe()}"
                    )
                self._cond.wait(min(remaining, 0.2))

    def wait_for(self, predicate: Callable[[SSEEvent], bool], timeout: float = DEFAULT_WAIT,
                 what: str = "an event") -> SSEEvent:
        """The first recorded event matching predicate (waiting for it if needed)."""
        return self.wait_until(lambda s: next((e for e in s.events if predicate(e)), None), timeout, what)

    def wait_count(self, predicate: Callable[[SSEEvent], bool], count: int, timeout: float = DEFAULT_WAIT,
                   what: str = "events") -> list[SSEEvent]:
        """Waits until at least `count` recorded events match; returns all matching ones."""
        def enough(s: "SSEStream") -> list[SSEEvent] | None:
            found = [e for e in s.events if predicate(e)]
            return found if len(found) >= count else None
        return self.wait_until(enough, timeout, f"{count} x {what}")

    def wait_event(self, name: str, timeout: float = DEFAULT_WAIT, **data_match: Any) -> SSEEvent:
        """The first event called `name` whose JSON data has the given top-level values."""
        def match(e: SSEEvent) -> bool:
            if e.event != name:
                return False
            if not data_match:
                return True
            body = e.json
            return all(body.get(k) == v for k, v in data_match.items())
        return self.wait_for(match, timeout, f"{name} {data_match or ''}")

    def wait_message(self, message_id: str, timeout: float = DEFAULT_WAIT) -> SSEEvent:
        return self.wait_for(lambda e: (e.message() or {}).get("id") == message_id, timeout,
                             f"message.created for {message_id}")

    def wait_messages(self, message_ids: list[str], timeout: float = DEFAULT_WAIT) -> list[SSEEvent]:
        wanted = set(message_ids)

        def all_there(s: "SSEStream") -> bool:
            seen = {(e.message() or {}).get("id") for e in s.events}
            return wanted <= seen
        self.wait_until(all_there, timeout, f"message.created for {len(wanted)} messages")
        return self.message_events()

    def wait_comment(self, text: str, timeout: float = DEFAULT_WAIT) -> SSEComment:
        return self.wait_until(lambda s: next((c for c in s.comments if c.text == text), None), timeout,
                               f"comment {text!r}")

    def wait_ended(self, timeout: float = DEFAULT_WAIT) -> float:
        """Waits until the server ends the stream; returns when (monotonic)."""
        self.wait_until(lambda s: s.ended_at is not None, timeout, "the end of the stream")
        return self.ended_at  # type: ignore[return-value]

    def settle(self, quiet: float = 1.5, timeout: float = DEFAULT_WAIT) -> None:
        """Waits until nothing new has arrived for `quiet` seconds (to catch late duplicates)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                count = len(self.events)
            time.sleep(quiet)
            with self._cond:
                if len(self.events) == count or time.monotonic() > deadline:
                    return

    # -- views ---------------------------------------------------------------

    def snapshot(self) -> list[SSEEvent]:
        with self._cond:
            return list(self.events)

    def persisted(self) -> list[SSEEvent]:
        """Events that carried an id: line."""
        return [e for e in self.snapshot() if e.id is not None]

    def ids(self) -> list[int]:
        return [e.int_id for e in self.persisted()]  # type: ignore[misc]

    def named(self, name: str) -> list[SSEEvent]:
        return [e for e in self.snapshot() if e.event == name]

    def message_events(self) -> list[SSEEvent]:
        return [e for e in self.snapshot() if e.event == "message.created"]

    def message_ids(self) -> list[str]:
        return [e.message()["id"] for e in self.message_events()]  # type: ignore[index]

    @property
    def last_id(self) -> int | None:
        ids = self.ids()
        return ids[-1] if ids else None

    def describe(self, limit: int = 40) -> str:
        events = self.snapshot()
        lines = [f"status={self.status} content_type={self.content_type!r} events={len(events)} "
                 f"comments={[c.text for c in self.comments][:10]}"]
        shown = events[-limit:]
        if len(events) > limit:
            lines.append(f"... {len(events) - limit} earlier events")
        lines += [f"  {e!r}" for e in shown]
        return "\n".join(lines)

    # -- closing / resuming ----------------------------------------------------

    def close(self) -> None:
        self._closing = True
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self.response is not None:
            self.response.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def reconnect(self, last_event_id: int | None = None, via: str = "header") -> "SSEStream":
        """A new stream with the same credentials, resuming from `last_event_id`
        (default: the last id this stream saw) by header or by query parameter."""
        cursor = self.last_id if last_event_id is None else last_event_id
        headers = {k: v for k, v in self.headers.items() if k.lower() != "last-event-id"}
        params = {k: v for k, v in self.params.items() if k != "last_event_id"}
        if cursor is not None:
            if via == "header":
                headers["Last-Event-ID"] = str(cursor)
            else:
                params["last_event_id"] = str(cursor)
        return SSEStream.open(self.url, headers, params)

    def __enter__(self) -> "SSEStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _split_line(buffer: bytes) -> tuple[bytes, bytes | None, bytes]:
    for i, b in enumerate(buffer):
        if b == 0x0A:
            return buffer[:i], b"\n", buffer[i + 1:]
        if b == 0x0D:
            if i + 1 == len(buffer):
                return buffer, None, b""  # wait: may be \r\n
            if buffer[i + 1] == 0x0A:
                return buffer[:i], b"\r\n", buffer[i + 2:]
            return buffer[:i], b"\r", buffer[i + 1:]
    return buffer, None, b""


def _socket_of(resp: requests.Response) -> socket.socket | None:
    """The connection's socket, so close() can wake a reader blocked in recv."""
    conn = getattr(resp.raw, "connection", None) or getattr(resp.raw, "_connection", None)
    sock = getattr(conn, "sock", None)
    if sock is not None:
        return sock
    try:
        return resp.raw._fp.fp.raw._sock  # http.client's socket file
    except AttributeError:
        return None


# -- Switchboard streams ---------------------------------------------------------

EVENTS_PATH = "/api/v1/events"


def customer_stream(stack: Any, chat: Any, last_event_id: int | None = None, via: str = "header",
                    extra_headers: dict | None = None) -> SSEStream:
    """The stream of a customer's conversation (`chat` has .id and .session_id)."""
    headers = {"X-Customer-Session-Id": chat.session_id, **(extra_headers or {})}
    params = {"conversation_id": chat.id}
    _cursor(headers, params, last_event_id, via)
    return SSEStream.open(stack.url(EVENTS_PATH), headers, params)


def agent_stream(stack: Any, token: str, last_event_id: int | None = None, via: str = "header",
                 extra_headers: dict | None = None) -> SSEStream:
    headers = {"Authorization": f"Bearer {token}", **(extra_headers or {})}
    params: dict = {}
    _cursor(headers, params, last_event_id, via)
    return SSEStream.open(stack.url(EVENTS_PATH), headers, params)


def _cursor(headers: dict, params: dict, last_event_id: int | None, via: str) -> None:
    if last_event_id is None:
        return
    if via == "header":
        headers["Last-Event-ID"] = str(last_event_id)
    else:
        params["last_event_id"] = str(last_event_id)
