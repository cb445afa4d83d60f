"""The POSTs whose delivery the bench times: a keep-alive HTTP/1.1 client on asyncio,
and Poster, which sends a customer message with a fresh client_message_id and waits
until every open stream has parsed it. Standard library only."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass

from .common import AGENT_TEXT, add_count, perf
from .sse import SSEStream, Tally, Waiter


class HTTPClient:
    """One keep-alive HTTP/1.1 connection (reconnects when the server closed it)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def request(self, method: str, path: str, body: dict | bytes | None = None,
                      headers: dict[str, str] | None = None, timeout: float = 10) -> tuple[int, bytes]:
        """A JSON body: a dict to encode, or bytes already encoded."""
        payload = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + payload
        for attempt in (1, 2):
            if self.writer is None or self.writer.is_closing():
                await self._connect()
            try:
                self.writer.write(raw)
                return await asyncio.wait_for(self._response(), timeout)
            except (ConnectionError, asyncio.IncompleteReadError):
                # A kept-alive connection the server closed meanwhile; the bench's
                # POSTs carry a client_message_id, so sending again is idempotent.
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _response(self) -> tuple[int, bytes]:
        reader = self.reader
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = bytearray()
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")
                    break
                body += await reader.readexactly(size)
                await reader.readexactly(2)
        else:
            body = await reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, bytes(body)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Sent:
    """One message posted by Poster."""

    cmid: bytes
    waiter: Waiter
    expected: int  # streams open when it was sent
    t_send: float  # perf() before the request was written
    t_ret: float  # perf() once its response was read
    status: int


class Poster:
    """Posts customer messages to one conversation on a keep-alive connection, each with
    its own client_message_id, and waits until every stream still open has parsed it."""

    def __init__(self, port: int, tally: Tally, streams: list[SSEStream], conversation_id: str,
                 session: str) -> None:
        self.client = HTTPClient(port)
        self.tally = tally
        self.streams = streams
        self.path = f"/api/v1/customer/conversations/{conversation_id}/messages"
        self.headers = {"X-Customer-Session-Id": session}
        self.non2xx: dict[int, int] = {}

    async def send(self, tag: str) -> Sent:
        cmid = f"{tag}-{uuid.uuid4().hex[:12]}".encode()
        expected = sum(1 for s in self.streams if s.closed_at is None)
        waiter = Waiter(expected, asyncio.get_running_loop().create_future())
        self.tally.waiters[cmid] = waiter
        t_send = perf()
        status, _ = await self.client.request("POST", self.path, {"content": AGENT_TEXT,
                                                                  "client_message_id": cmid.decode()}, self.headers)
        t_ret = perf()
        if not 200 <= status < 300:
            add_count(self.non2xx, status)
        return Sent(cmid, waiter, expected, t_send, t_ret, status)

    async def settle(self, sent: Sent, budget: float) -> bool:
        """Whether every stream got it within `budget` seconds."""
        try:
            await asyncio.wait_for(asyncio.shield(sent.waiter.future), budget)
            return True
        except asyncio.TimeoutError:
            return False
        finally:
            self.tally.waiters.pop(sent.cmid, None)

    def close(self) -> None:
        self.client.close()
