"""Bulk data for the scale part, written straight into a stopped stack's migrated
database in one transaction (INSERT ... SELECT over recursive CTEs, not the API):
conversations, messages interleaved across them as they would arrive, and a
message.created event per message (the outbox a stream resumes from).

Conversation n (1..N, n = N the newest) has the session `cs_bench_<n>` (its
session_hash is sha256 of that, as the worker stores it). The 40 newest wait in the
queue, the next ones are held by the seeded agent, some are with the bot, the rest
closed; every conversation has messages_per = M / N messages: a bot welcome, then
customer (odd k, client_message_id `seed-<m>`) and agent messages in turn. Every
timestamp is within the last two days (events are pruned after three)."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

WAITING = 40  # conversations in the queue, whatever the size: the same queue page on every database


@dataclass
class Seeded:
    conversations: int
    messages: int
    events: int
    probe_conversation: str  # the newest conversation: in the queue, with messages_per messages
    probe_session: str
    probe_last_cmid: str  # the client_message_id of its newest message
    oldest_event: int  # the oldest event id: a resume cursor as old as it gets
    seconds: float
    size_mib: float


def conversation_id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012x}"


def seed(path: Path, conversations: int, messages: int) -> Seeded:
    t0 = time.monotonic()
    n, per = conversations, messages // conversations
    now = int(time.time() * 1000)
    span = 2 * 86400 * 1000  # the oldest conversation starts two days ago
    step = span // n
    db = sqlite3.connect(path, isolation_level=None)
    db.create_function("sha256", 1, lambda text: hashlib.sha256(text.encode()).digest(), deterministic=True)
    db.execute("PRAGMA journal_mode = MEMORY")  # WAL again at the end; the seed itself need not be durable
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -262144")
    agent = db.execute("SELECT id FROM agents WHERE username = 'agent'").fetchone()[0]
    held = max(1, min(500, n // 10))
    bot = max(1, n // 50)
    db.execute("BEGIN")
    # Rank r = N - n: 0 is the newest. Each conversation's activity is its last message's time.
    db.execute(f"""
        WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {n})
        INSERT INTO conversations (id, session_hash, status, assigned_agent_id, has_agent_replied, requested_agent_at,
                                   closed_at, created_at, updated_at, customer_display_name, customer_email)
        SELECT printf('00000000-0000-4000-8000-%012x', n), sha256('cs_bench_' || n),
               CASE WHEN {n} - n < {WAITING + held} THEN 'agent' WHEN {n} - n < {WAITING + held + bot} THEN 'automated'
                    ELSE 'closed' END,
               CASE WHEN {n} - n >= {WAITING} AND {n} - n < {WAITING + held} THEN ? END,
               CASE WHEN {n} - n >= {WAITING} AND {n} - n < {WAITING + held} THEN 1 ELSE 0 END,
               CASE WHEN {n} - n < {WAITING + held} THEN {now - span} + n * {step} + 1000 END,
               CASE WHEN {n} - n >= {WAITING + held + bot} THEN {now - span} + n * {step} + {per} * 1000 END,
               {now - span} + n * {step}, {now - span} + n * {step} + {per - 1} * 1000,
               'Visitor ' || n, CASE WHEN n % 3 = 0 THEN 'visitor' || n || '@example.com' END
        FROM c""", (agent,))
    # Message m belongs to conversation m % N + 1, as its k = m / N-th message: interleaved.
    db.execute(f"""
        WITH RECURSIVE s(m) AS (SELECT 0 UNION ALL SELECT m + 1 FROM s WHERE m < {n * per - 1}),
        x AS (SELECT m, m % {n} + 1 AS n, m / {n} AS k FROM s)
        INSERT INTO messages (id, conversation_id, sender_type, sender_agent_id, kind, content, metadata,
                              client_message_id, created_at)
        SELECT printf('00000000-0000-4000-9000-%012x', m), printf('00000000-0000-4000-8000-%012x', n),
               CASE WHEN k = 0 THEN 'bot' WHEN k % 2 = 1 THEN 'customer' ELSE 'agent' END,
               CASE WHEN k > 0 AND k % 2 = 0 THEN ? END, 'text',
               CASE WHEN k = 0 THEN 'Hi! I''m the Northwind assistant. Pick a question below or type your own.'
                    WHEN k % 2 = 1 THEN 'Hello, my parcel ' || m || ' has not arrived yet. Can you check?'
                    ELSE 'Sorry about that! Let me look up order ' || m || ' for you.' END,
               CASE WHEN k = 0 THEN '{{"event":"welcome"}}' END,
               CASE WHEN k % 2 = 1 THEN 'seed-' || m END,
               {now - span} + n * {step} + k * 1000
        FROM x""", (agent,))
    db.execute("""
        INSERT INTO events (name, audience, conversation_id, data, created_at)
        SELECT 'message.created', 'conversation', conversation_id,
               json_object('conversation_id', conversation_id, 'message', json_object(
                   'id', id, 'conversation_id', conversation_id, 'sender_type', sender_type,
                   'sender_agent_id', sender_agent_id, 'kind', kind, 'content', content,
                   'metadata', json(metadata), 'client_message_id', client_message_id,
                   'created_at', strftime('%Y-%m-%dT%H:%M:%fZ', created_at / 1000.0, 'unixepoch'))),
               created_at
        FROM messages WHERE id LIKE '00000000-0000-4000-9000-%' ORDER BY seq""")
    db.execute("COMMIT")
    db.execute("PRAGMA journal_mode = WAL")
    counts = [db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("conversations", "messages", "events")]
    oldest = db.execute("SELECT MIN(id) FROM events").fetchone()[0]
    probe = conversation_id(n)
    last_cmid = db.execute("SELECT client_message_id FROM messages WHERE conversation_id = ? AND client_message_id "
                           "IS NOT NULL ORDER BY seq DESC LIMIT 1", (probe,)).fetchone()[0]
    db.close()
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1024 / 1024
    return Seeded(counts[0], counts[1], counts[2], probe, f"cs_bench_{n}", last_cmid, oldest,
                  time.monotonic() - t0, size)
