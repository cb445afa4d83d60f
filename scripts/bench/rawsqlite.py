"""SQLite's own ceiling on the data dir's disk, for the messages part: Python's sqlite3
with the store's pragmas (WAL, synchronous=FULL, the default autocheckpoint), tables
shaped like `messages` and `events` (the same columns and indexes), and what one
escalated POST writes: one message row and one event row. Committed one per
transaction and 64 per transaction (what group commit can reach at best), for a few
seconds each; the disk's cache flushes counted per commit."""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

from .common import AGENT_TEXT, perf
from .machine import disk_flushes

SCHEMA = """
CREATE TABLE messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL,
    sender_type TEXT NOT NULL,
    sender_agent_id TEXT,
    kind TEXT NOT NULL,
    content TEXT NOT NULL,
    metadata TEXT,
    client_message_id TEXT,
    reply_to_seq INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (conversation_id, client_message_id)
);
CREATE INDEX messages_conversation ON messages(conversation_id, seq);
CREATE INDEX messages_reply ON messages(reply_to_seq) WHERE reply_to_seq IS NOT NULL;
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    audience TEXT NOT NULL,
    conversation_id TEXT,
    data TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX events_conversation ON events(conversation_id, id);
"""
BATCH = 64
CONVERSATIONS = 64


@dataclass
class InsertRun:
    batch: int
    rows: int  # messages inserted (each with its event)
    commits: int
    seconds: float
    flushes: int | None

    @property
    def rate(self) -> float:
        return self.rows / self.seconds

    @property
    def flushes_per_commit(self) -> float | None:
        return None if self.flushes is None else self.flushes / max(1, self.commits)


def open_db(path: Path, fresh: bool = True) -> sqlite3.Connection:
    """The store's pragmas (WAL, synchronous=FULL, the default autocheckpoint) on a new file
    with the two tables (`fresh`: any old file of that name removed first)."""
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA busy_timeout = 10000")
    db.executescript(SCHEMA)
    return db


def event_data(cid: str, cmid: str) -> str:
    """A message.created event's data, the shape and size of the worker's (~420 bytes)."""
    message = {"id": str(uuid.uuid4()), "conversation_id": cid, "sender_type": "customer", "sender_agent_id": None,
               "kind": "text", "content": AGENT_TEXT, "metadata": None,
               "client_message_id": cmid, "created_at": "2026-11-30T09:04:27.893Z"}
    return json.dumps({"conversation_id": cid, "message": message}, separators=(",", ":"))


def insert_message(db: sqlite3.Connection, cid: str, cmid: str, data: str, now: int) -> None:
    """What one escalated POST writes: its message row and its event row (inside the
    caller's transaction)."""
    db.execute("INSERT INTO messages (id, conversation_id, sender_type, kind, content, client_message_id, "
               "created_at) VALUES (?, ?, 'customer', 'text', ?, ?, ?)",
               (str(uuid.uuid4()), cid, AGENT_TEXT, cmid, now))
    db.execute("INSERT INTO events (name, audience, conversation_id, data, created_at) "
               "VALUES ('message.created', 'conversation', ?, ?, ?)", (cid, data, now))


def insert_run(directory: Path, batch: int, seconds: float) -> InsertRun:
    """Inserts for `seconds`, `batch` messages (+ events) per transaction."""
    path = directory / "raw-sqlite-bench.sqlite"
    db = open_db(path)
    convs = [str(uuid.uuid4()) for _ in range(CONVERSATIONS)]
    rows = commits = 0
    flush0 = disk_flushes(directory)
    t0 = perf()
    try:
        while perf() - t0 < seconds:
            db.execute("BEGIN IMMEDIATE")
            for _ in range(batch):
                cid, cmid, now = convs[rows % CONVERSATIONS], f"cm-{rows}", int(perf() * 1000)
                insert_message(db, cid, cmid, event_data(cid, cmid), now)
                rows += 1
            db.execute("COMMIT")
            commits += 1
        elapsed = perf() - t0
    finally:
        db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    flush1 = disk_flushes(directory)
    return InsertRun(batch, rows, commits, elapsed,
                     None if flush0 is None or flush1 is None else flush1 - flush0)
