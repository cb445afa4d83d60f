"""The durable-nchan ceiling (issue 26, decision 1: a message is durable before anyone
sees it): a small publisher in front of nchan that, per message, inserts the message row
and its event row into SQLite with the store's pragmas (rawsqlite.py: WAL,
synchronous=FULL, the same tables and indexes) in the bench's data dir, COMMITs, and
only then publishes the event to nchan. Fan-out times nchan through it beside bare
nchan (the outer bound) and ours.

It is a process of its own, as the worker is: a one-thread asyncio HTTP/1.1 server
(keep-alive, `POST /pub/<channel>` with the event's JSON, as nchan's publisher location
takes it) holding the one writer connection. It commits as the worker's group commit
does (Sources/SwitchboardStore/GroupCommit.swift) and as any durable server would at
these rates: the writes that arrived while it was busy share one transaction (each in
its own SAVEPOINT, at most 64), and a lone write commits at once (nobody waits for
company). Once the commit returned, each request publishes its event to nchan on its
client's own keep-alive connection and is answered with nchan's status.

`GET /stats` answers (and resets) what it measured since the last call: messages,
commits, the batch sizes, per message the wait for its commit and the publish's round
trip, the process's CPU time and the part of it spent in SQLite (the inserts and the
COMMIT), so the bench can say how much Python itself adds beside the commit.

Run by the bench (DurablePublisher) as
  python3 -m bench.durable --port P --nchan-port Q --db FILE      (cwd: scripts/)"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

MAX_BATCH = 64  # the worker's group commit takes at most this many writes per transaction


# -- the publisher process ---------------------------------------------------------------


@dataclass
class Job:
    client: "Client"
    channel: str
    body: bytes
    t_in: float  # its request parsed
    t_committed: float = 0.0
    t_published: float = 0.0  # the publish written to nchan


@dataclass
class Stats:
    messages: int = 0
    commits: int = 0
    failed: int = 0
    batches: list[int] = field(default_factory=list)
    commit_seconds: list[float] = field(default_factory=list)  # BEGIN .. COMMIT returned, per batch
    wait_seconds: list[float] = field(default_factory=list)  # request parsed .. its commit returned
    publish_seconds: list[float] = field(default_factory=list)  # nchan's round trip
    handle_seconds: list[float] = field(default_factory=list)  # request parsed .. answer written
    sqlite_cpu: float = 0.0  # CPU in the batches' SQLite work (inserts, JSON of the rows, COMMIT)
    cpu0: float = field(default_factory=time.process_time)
    wall0: float = field(default_factory=time.perf_counter)


class Server:
    """One thread, one event loop, the one writer connection. Requests parsed in one turn of
    the loop are committed together at the end of that turn (call_soon runs after the turn's
    I/O callbacks), synchronously: while a commit's fsync runs, new requests wait in their
    sockets and form the next batch. No thread hand-off, no lock: the least a Python process
    adds to the commit itself."""

    def __init__(self, nchan_port: int, db_path: Path) -> None:
        from .rawsqlite import open_db
        self.nchan_port = nchan_port
        self.db = open_db(db_path)
        self.pending: list[Job] = []
        self.scheduled = False
        self.stats = Stats()
        self.loop: asyncio.AbstractEventLoop | None = None

    def take_stats(self) -> dict:
        s, self.stats = self.stats, Stats()
        return {"messages": s.messages, "commits": s.commits, "failed": s.failed, "batches": s.batches,
                "commit_seconds": s.commit_seconds, "wait_seconds": s.wait_seconds,
                "publish_seconds": s.publish_seconds, "handle_seconds": s.handle_seconds,
                "sqlite_cpu": s.sqlite_cpu, "cpu_seconds": time.process_time() - s.cpu0,
                "wall_seconds": time.perf_counter() - s.wall0}

    def submit(self, job: Job) -> None:
        self.pending.append(job)
        if not self.scheduled:
            self.scheduled = True
            self.loop.call_soon(self.commit)

    def commit(self) -> None:
        from .rawsqlite import insert_message
        self.scheduled = False
        batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
        if self.pending:
            self.submit_later()
        db = self.db
        c0, t0 = time.thread_time(), time.perf_counter()
        failed: set[int] = set()
        try:
            db.execute("BEGIN IMMEDIATE")
            now = int(time.time() * 1000)
            for i, job in enumerate(batch):
                db.execute("SAVEPOINT w")  # as the worker: a failing write rolls back only itself
                try:
                    event = json.loads(job.body)  # the worker decodes its request too
                    insert_message(db, job.channel, event["message"]["client_message_id"], job.body.decode(), now)
                    db.execute("RELEASE w")
                except Exception:  # noqa: BLE001
                    db.execute("ROLLBACK TO w")
                    db.execute("RELEASE w")
                    failed.add(i)
            db.execute("COMMIT")
        except Exception:  # noqa: BLE001 - the whole batch fails
            try:
                db.execute("ROLLBACK")
            except Exception:  # noqa: BLE001
                pass
            failed = set(range(len(batch)))
        t1 = time.perf_counter()
        st = self.stats
        st.sqlite_cpu += time.thread_time() - c0
        st.commits += 1
        st.batches.append(len(batch))
        st.commit_seconds.append(t1 - t0)
        for i, job in enumerate(batch):  # only now may anyone see them
            job.t_committed = t1
            if i in failed:
                st.failed += 1
                job.client.answer(job, 503)
            else:
                job.client.publish(job)

    def submit_later(self) -> None:
        self.scheduled = True
        self.loop.call_soon(self.commit)

    async def serve(self, port: int) -> None:
        self.loop = asyncio.get_running_loop()
        server = await self.loop.create_server(lambda: Client(self), "127.0.0.1", port, backlog=1024)
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            self.loop.add_signal_handler(sig, stop.set)
        print(f"durable publisher: listening on 127.0.0.1:{port}, nchan on {self.nchan_port}", flush=True)
        async with server:
            await stop.wait()
        self.db.close()


def head_parts(head: bytes) -> tuple[bytes, int]:
    """The first line of an HTTP head and its Content-Length."""
    lines = head.split(b"\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return lines[0], length


def next_message(buf: bytearray) -> tuple[bytes, bytes] | None:
    """The first line and body of the first whole HTTP message in `buf`, taken out of it;
    None while it has not all arrived (requests and answers alike: both carry a length)."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    first, length = head_parts(bytes(buf[:end]))
    if len(buf) < end + 4 + length:
        return None
    body = bytes(buf[end + 4:end + 4 + length])
    del buf[:end + 4 + length]
    return first, body


class Client(asyncio.Protocol):
    """A connection from the bench (keep-alive, one request at a time, as the bench sends),
    with its own keep-alive connection to nchan."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.up: Upstream | None = None
        self.connecting = False
        self.waiting: list[Job] = []  # to publish once the connection to nchan is there

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        if self.up is not None and self.up.transport is not None:
            self.up.transport.close()

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while (message := next_message(self.buf)) is not None:
            first, body = message
            method, path = first.split()[:2]
            if method == b"GET" and path == b"/stats":
                self.reply(200, json.dumps(self.server.take_stats()).encode())
            elif method == b"POST" and path.startswith(b"/pub/"):
                self.server.submit(Job(self, path[5:].decode(), body, time.perf_counter()))
            else:
                self.reply(404, b"")

    def publish(self, job: Job) -> None:
        if self.up is not None and self.up.transport is not None and not self.up.transport.is_closing():
            self.up.send(job)
            return
        self.waiting.append(job)
        if not self.connecting:
            self.connecting = True
            self.server.loop.create_task(self.connect())

    async def connect(self) -> None:
        try:
            _, self.up = await self.server.loop.create_connection(lambda: Upstream(self), "127.0.0.1",
                                                                  self.server.nchan_port)
        except OSError:
            for job in self.waiting:
                self.answer(job, 502)
            self.waiting.clear()
            return
        finally:
            self.connecting = False
        for job in self.waiting:
            self.up.send(job)
        self.waiting.clear()

    def answer(self, job: Job, status: int) -> None:
        self.reply(status, b"")
        st = self.server.stats
        if 200 <= status < 300:
            now = time.perf_counter()
            st.messages += 1
            st.wait_seconds.append(job.t_committed - job.t_in)
            st.publish_seconds.append(now - job.t_published)
            st.handle_seconds.append(now - job.t_in)

    def reply(self, status: int, body: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                                 % (status, len(body)) + body)


class Upstream(asyncio.Protocol):
    """A keep-alive connection to nchan's publisher location; answers come back in order."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.inflight: list[Job] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def send(self, job: Job) -> None:
        job.t_published = time.perf_counter()
        self.inflight.append(job)
        port = self.client.server.nchan_port
        self.transport.write(b"POST /pub/%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: application/json\r\n"
                             b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                             % (job.channel.encode(), port, len(job.body)) + job.body)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while self.inflight and (message := next_message(self.buf)) is not None:
            self.client.answer(self.inflight.pop(0), int(message[0].split()[1]))

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.client.up is self:
            self.client.up = None
        for job in self.inflight:  # nchan closed with a publish unanswered
            self.client.answer(job, 502)
        self.inflight.clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m bench.durable", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--nchan-port", type=int, required=True)
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args(argv)
    asyncio.run(Server(args.nchan_port, args.db).serve(args.port))
    return 0


# -- the bench's side ----------------------------------------------------------------------


class DurablePublisher:
    """The publisher process for one nchan server; its database in the bench's data dir."""

    command = ("python3 -m bench.durable: per message INSERT message + event (WAL, synchronous=FULL), "
               f"COMMIT (what waits shares it: <= {MAX_BATCH}), then POST nchan /pub")

    def __init__(self, tmp_root: Path, nchan_port: int, log_dir: Path) -> None:
        from stackproc import free_port
        self.port = free_port({nchan_port})
        self.nchan_port = nchan_port
        self.dir = tmp_root / "durable-nchan"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.db = self.dir / "durable.sqlite"
        self.log = log_dir / "durable-publisher.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bench.durable", "--port", str(self.port), "--nchan-port",
                 str(self.nchan_port), "--db", str(self.db)],
                cwd=Path(__file__).resolve().parents[1], stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.stats()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the durable publisher did not start: {self.log.read_text()[-2000:]}")
                time.sleep(0.05)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def stats(self) -> dict:
        """What it measured since the last call (blocking: call it between rounds)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", "/stats")
            return json.loads(conn.getresponse().read())
        finally:
            conn.close()

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.db) + suffix).unlink(missing_ok=True)


@contextmanager
def running_publisher(tmp_root: Path, nchan_port: int, log_dir: Path) -> Iterator[DurablePublisher]:
    pub = DurablePublisher(tmp_root, nchan_port, log_dir)
    try:
        pub.start()
        yield pub
    finally:
        pub.stop()


if __name__ == "__main__":
    sys.exit(main())
