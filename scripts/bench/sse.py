"""Many SSE streams in one process for the bench: asyncio raw sockets (HTTP/1.1,
chunked transfer decoding, SSE framing), each recording when every message.created
event arrived, by its client_message_id. Standard library only."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Callable

from .common import add_count, perf

CMID = re.compile(rb'"client_message_id":"([^"]*)"')


@dataclass
class Waiter:
    """Counts the streams that still have to receive one event."""

    remaining: int
    future: asyncio.Future
    last_arrival: float = 0.0
    first_arrival: float = float("inf")


@dataclass
class Tally:
    """Shared by every stream of one run."""

    waiters: dict[bytes, Waiter] = field(default_factory=dict)
    client_seconds: float = 0.0  # time spent in data_received (the client's own cost)
    deliveries: int = 0
    duplicates: int = 0
    out_of_order: int = 0


LIVE: set["SSEStream"] = set()  # every stream not closed yet, so an interrupted run can close them


def close_all_streams() -> int:
    """Aborts every stream still open (before a stack is stopped: nginx would wait for them)."""
    n = 0
    for stream in list(LIVE):
        stream.close()
        n += 1
    LIVE.clear()
    return n


class SSEStream(asyncio.Protocol):
    """One `GET /api/v1/events` stream (or any SSE stream: nchan's). Records the arrival
    time of every message.created event by its client_message_id. The stream counts as
    open once the comment `open_marker` arrives (ours: ': connected'; nchan: ': hi')."""

    def __init__(self, request: bytes, tally: Tally, track: bool, open_marker: bytes = b": connected") -> None:
        loop = asyncio.get_running_loop()
        self.request = request
        self.open_marker = open_marker
        self.tally = tally
        self.track = track
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future = loop.create_future()  # the ': connected' comment arrived
        # Nobody awaits it once an interrupted batch was given up: never warn about that.
        self.opened.add_done_callback(lambda f: f.cancelled() or f.exception())
        self.status: int | None = None
        self.error: str | None = None
        self.closed_at: float | None = None
        self.head_at: float | None = None  # perf() when the response head was complete
        self.arrivals: dict[bytes, float] = {}
        self.last_id: tuple[int, ...] = (-1,)
        self.events = 0
        self._head = True
        self._raw = bytearray()
        self._chunked = False
        self._chunk_left = 0  # bytes of the current chunk still to come
        self._need_crlf = False
        self._sse = bytearray()

    # -- asyncio.Protocol ----------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        LIVE.add(self)
        transport.write(self.request)  # type: ignore[attr-defined]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed_at = perf()
        LIVE.discard(self)
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(self.error or f"closed before the stream opened (status {self.status})"))

    def data_received(self, data: bytes) -> None:
        t = perf()
        self._raw += data
        if self._head and not self._parse_head(t):
            self.tally.client_seconds += perf() - t
            return
        self._dechunk()
        if b"\n\n" in self._sse:
            self._events(t)
        self.tally.client_seconds += perf() - t

    # -- parsing ---------------------------------------------------------------

    def _parse_head(self, t: float) -> bool:
        end = self._raw.find(b"\r\n\r\n")
        if end < 0:
            return False
        self.head_at = t
        head = bytes(self._raw[:end]).decode("latin-1").split("\r\n")
        del self._raw[:end + 4]
        self._head = False
        try:
            self.status = int(head[0].split()[1])
        except (IndexError, ValueError):
            self.status = 0
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        self._chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        if self.status != 200:
            return self._refused(f"HTTP {self.status}")
        if not headers.get("content-type", "").startswith("text/event-stream"):
            return self._refused(f"Content-Type {headers.get('content-type')!r}")
        return True

    def _refused(self, error: str) -> bool:
        """The answer is not an event stream: fail the open and close."""
        self.error = error
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(error))
        self.transport.close()
        return False

    def _dechunk(self) -> None:
        raw = self._raw
        if not self._chunked:
            self._sse += raw
            raw.clear()
            return
        while raw:
            if self._need_crlf:
                if len(raw) < 2:
                    return
                del raw[:2]
                self._need_crlf = False
            if self._chunk_left == 0:
                eol = raw.find(b"\r\n")
                if eol < 0:
                    return
                size = int(bytes(raw[:eol]).split(b";")[0], 16)
                del raw[:eol + 2]
                if size == 0:  # last chunk: the server ended the stream
                    raw.clear()
                    return
                self._chunk_left = size
            take = min(self._chunk_left, len(raw))
            self._sse += raw[:take]
            del raw[:take]
            self._chunk_left -= take
            if self._chunk_left == 0:
                self._need_crlf = True

    def _events(self, t: float) -> None:
        blocks = self._sse.split(b"\n\n")
        self._sse = bytearray(blocks.pop())  # an incomplete event stays
        for block in blocks:
            event_id = None
            name = b"message"
            data = b""
            for line in block.split(b"\n"):
                if line.startswith(b":"):
                    if line.startswith(self.open_marker) and not self.opened.done():
                        self.opened.set_result(t)
                    continue
                key, _, value = line.partition(b":")
                if value.startswith(b" "):
                    value = value[1:]
                if key == b"id":
                    event_id = event_order(value)
                elif key == b"event":
                    name = value
                elif key == b"data":
                    data = value
            if event_id is not None:
                self.events += 1
                if event_id <= self.last_id:
                    self.tally.out_of_order += 1
                self.last_id = max(self.last_id, event_id)
            if self.track and name == b"message.created":
                m = CMID.search(data)
                if not m:
                    continue
                cmid = m.group(1)
                if cmid in self.arrivals:
                    self.tally.duplicates += 1
                    continue
                self.arrivals[cmid] = t
                self.tally.deliveries += 1
                waiter = self.tally.waiters.get(cmid)
                if waiter is not None:
                    waiter.remaining -= 1
                    waiter.last_arrival = max(waiter.last_arrival, t)
                    waiter.first_arrival = min(waiter.first_arrival, t)
                    if waiter.remaining == 0 and not waiter.future.done():
                        waiter.future.set_result(t)

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()


def event_order(value: bytes) -> tuple[int, ...]:
    """An event id as something ordered: ours are integers, nchan's 'time:tag' (tag '[n]' or
    several, comma-separated, for multiplexed channels)."""
    try:
        return (int(value),)
    except ValueError:
        return tuple(int(x) for x in re.findall(rb"\d+", value))


def events_request(port: int, *, token: str | None = None, conversation_id: str | None = None,
                   session: str | None = None, last_event_id: int | None = None) -> bytes:
    path = "/api/v1/events"
    lines = [] if last_event_id is None else [f"Last-Event-ID: {last_event_id}"]
    if conversation_id:
        path += f"?conversation_id={conversation_id}"
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if session:
        lines.append(f"X-Customer-Session-Id: {session}")
    head = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: text/event-stream", "Cache-Control: no-cache",
            *lines, "", ""]
    return "\r\n".join(head).encode()


async def open_streams(port: int, requests: list[bytes], tally: Tally, *, track: bool, batch: int,
                       timeout: float, progress: Callable[[int, int, int], None] | None = None,
                       streams: list[SSEStream] | None = None,
                       open_marker: bytes = b": connected") -> tuple[list[SSEStream], dict[str, int]]:
    """Opens one stream per request, `batch` at a time; each batch waits (at most `timeout`
    seconds) until its streams got their ': connected' line. Returns the open streams
    (appended to `streams` when given) and the failures by reason. Stops opening early when
    a batch fails for more than half of its streams."""
    loop = asyncio.get_running_loop()
    opened = streams if streams is not None else []
    failures: dict[str, int] = {}

    async def one(request: bytes) -> SSEStream:
        _, proto = await loop.create_connection(lambda: SSEStream(request, tally, track, open_marker),
                                                  "127.0.0.1", port)
        await proto.opened
        return proto

    for start in range(0, len(requests), batch):
        chunk = requests[start:start + batch]
        tasks = [asyncio.ensure_future(one(r)) for r in chunk]
        done, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
            add_count(failures, "timeout")
        failed = len(pending)
        for task in tasks:  # in request order (latency.py relies on streams[0] being the first request's)
            if task not in done:
                continue
            exc = task.exception()
            if exc is None:
                opened.append(task.result())
            else:
                reason = f"{type(exc).__name__}: {exc}"[:80]
                add_count(failures, reason)
                failed += 1
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        if progress:
            progress(len(opened), start + len(chunk), len(requests))
        if failed > len(chunk) // 2:
            break
    return opened, failures


def run_closing_streams(coro) -> None:
    """asyncio.run(coro); whatever happens (an error, Ctrl-C), its streams are closed
    before the stack is stopped, or nginx's graceful stop would wait for them."""

    async def guarded() -> None:
        try:
            await coro
        finally:
            close_all_streams()
            await asyncio.sleep(0.1)

    asyncio.run(guarded())


async def connect_times(port: int, request: bytes, count: int, open_marker: bytes = b": connected",
                        timeout: float = 10) -> tuple[list[float], list[float], dict[str, int]]:
    """Opens `count` streams one after another, each closed before the next: per stream the
    seconds from starting the TCP connect to its response head (status 200, an event
    stream) being read, and to its open comment (`open_marker`) being parsed; and the
    failures by reason."""
    loop = asyncio.get_running_loop()
    heads: list[float] = []
    opens: list[float] = []
    failures: dict[str, int] = {}
    tally = Tally()
    for _ in range(count):
        proto: SSEStream | None = None
        t0 = perf()
        try:
            _, proto = await asyncio.wait_for(loop.create_connection(
                lambda: SSEStream(request, tally, False, open_marker), "127.0.0.1", port), timeout)
            t_open = await asyncio.wait_for(asyncio.shield(proto.opened), timeout)
            heads.append(proto.head_at - t0)
            opens.append(t_open - t0)
        except (OSError, asyncio.TimeoutError) as exc:
            add_count(failures, f"{type(exc).__name__}: {exc}"[:80])
        finally:
            if proto is not None:
                proto.close()
    return heads, opens, failures
