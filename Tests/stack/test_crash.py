"""Crash test: the worker is SIGKILLed every 2 s for 30 s while 10 clients send
messages, each retrying the same client_message_id after any error until it
gets a 2xx (what the widget does). The worker's unit (deploy/systemd, run by
scripts/units.py as systemd would) brings it back after every kill; once its
backoff (0.25 s doubling to 4 s, and 4 s from then on) makes a restart take
longer than 2 s, the next kill comes 0.5 s after the worker is back: about 9
kills in the 30 s. nginx answers the gaps with a JSON 503, and nothing else may
reach a client.

Afterwards: every message that got a 2xx is stored exactly once; every stored
message reached its conversation's customer stream and an agent stream exactly
once (streams reconnect with Last-Event-ID if they end); and the database file
passes PRAGMA integrity_check once the stack is stopped."""

from __future__ import annotations

import signal
import sqlite3
import threading
import time
from collections import Counter

import requests

from sselib import SSEStream, agent_stream, customer_stream
from stacklib import ok

DURATION = 30.0
KILL_EVERY = 2.0
CLIENTS = 10
# Kept in flight until its 2xx, however long the worker is away (at most 4 s per
# restart with the units' backoff).
GIVE_UP_AFTER = 60.0


class FollowedStream:
    """One logical SSE subscription: the first connection and every reconnection after it
    ended (by Last-Event-ID, retried while the worker cannot authorize it)."""

    def __init__(self, open_at) -> None:
        self.open_at = open_at  # cursor -> SSEStream
        self.segments: list[SSEStream] = []
        self.refusals: list[int | None] = []
        self.lock = threading.Lock()

    def last_id(self) -> int | None:
        ids = [i for seg in self.segments for i in seg.ids()]
        return ids[-1] if ids else None

    def ensure(self, cursor: int | None = None) -> None:
        """Opens a connection if there is none that still runs."""
        with self.lock:
            if self.segments and self.segments[-1].ended_at is None:
                return
            seg = self.open_at(self.last_id() if self.segments else cursor)
            if seg.ok:
                self.segments.append(seg)
            else:
                self.refusals.append(seg.status)

    def events(self):
        return [e for seg in self.segments for e in seg.snapshot()]

    def message_ids(self) -> list[str]:
        return [e.message()["id"] for e in self.events() if e.event == "message.created"]

    def close(self) -> None:
        for seg in self.segments:
            seg.close()


def test_worker_killed_every_two_seconds_loses_and_duplicates_nothing(stack_factory):
    s = stack_factory("crash")
    chats = [s.escalated_chat() for _ in range(CLIENTS)]
    agent = s.agent

    def cursor(chat) -> int:
        return ok(s.get(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id))["last_event_id"]

    first_cursor = min(cursor(c) for c in chats)
    customers = {c.id: FollowedStream(lambda cur, c=c: customer_stream(s, c, cur)) for c in chats}
    agents = FollowedStream(lambda cur: agent_stream(s, agent.token, cur))
    for chat in chats:
        customers[chat.id].ensure(cursor(chat))
    agents.ensure(first_cursor)
    followed = [*customers.values(), agents]
    assert all(f.segments for f in followed), [f.refusals for f in followed]

    lock = threading.Lock()
    acked: dict[str, str] = {}  # client_message_id -> message id from the 2xx
    refused: Counter = Counter()  # (status, code) of every answer that was not a 2xx
    failures: list[str] = []
    stop = threading.Event()

    def client(k: int) -> None:
        chat = chats[k]
        http = requests.Session()
        url = s.url(f"/api/v1/customer/conversations/{chat.id}/messages")
        i = 0
        while not stop.is_set():
            cmid = f"crash-{k}-{i}"
            started = time.monotonic()
            while True:
                try:
                    r = http.post(url, headers={"X-Customer-Session-Id": chat.session_id},
                                  json={"content": f"message {i} of client {k}", "client_message_id": cmid},
                                  timeout=15)
                    if 200 <= r.status_code < 300:
                        with lock:
                            acked[cmid] = r.json()["customer_message"]["id"]
                        break
                    try:
                        code = r.json().get("code")
                    except ValueError:
                        code = r.text[:80]
                    outcome = (r.status_code, code, r.headers.get("Retry-After"))
                except requests.RequestException as e:
                    outcome = (type(e).__name__, None, None)
                    http = requests.Session()
                with lock:
                    refused[outcome] += 1
                if time.monotonic() - started > GIVE_UP_AFTER:
                    with lock:
                        failures.append(f"{cmid}: no 2xx after {GIVE_UP_AFTER}s (last {outcome})")
                    return
                time.sleep(0.05)
            i += 1
            time.sleep(0.01)

    def keep_streams_open() -> None:
        while not stop.is_set():
            for f in followed:
                f.ensure()
            time.sleep(0.2)

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(CLIENTS)]
    threads.append(threading.Thread(target=keep_streams_open, daemon=True))
    for t in threads:
        t.start()

    kills: list[tuple[int, float]] = []  # (pid, seconds until the stack answered again)
    try:
        began = time.monotonic()
        next_kill = began + 1.0
        while True:
            time.sleep(max(0.0, next_kill - time.monotonic()))
            if time.monotonic() - began > DURATION:
                break
            old = s.kill_service("worker")
            killed_at = time.monotonic()
            s.wait_restarted("worker", old, timeout=20)  # back after every kill
            back_at = time.monotonic()
            kills.append((old, back_at - killed_at))
            # Every 2 s, and up for at least half a second between kills (backoff may make
            # a restart take longer than 2 s).
            next_kill = max(killed_at + KILL_EVERY, back_at + 0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=GIVE_UP_AFTER + 20)
    assert not any(t.is_alive() for t in threads), "clients still running"
    assert not failures, failures
    assert len(kills) >= 6, kills
    print(f"\n{len(kills)} kills, back after {[round(t, 2) for _, t in kills]} s; "
          f"{len(acked)} messages acknowledged; refusals {dict(refused)}")

    # Every answer that was not a 2xx was nginx's clean 503 (never a 502, a hang or a dropped connection).
    assert refused, "no request met a dead worker: the test proves nothing"
    assert set(refused) <= {(503, "service_unavailable", "1")}, dict(refused)

    # Every acknowledged message is stored exactly once, and nothing else was.
    stored_ids: dict[str, list[str]] = {}
    for chat in chats:
        mine = [m for m in s.all_customer_messages(chat) if m["sender_type"] == "customer"]
        by_cmid = Counter(m["client_message_id"] for m in mine)
        assert not [c for c, n in by_cmid.items() if n > 1], f"stored twice: {[c for c, n in by_cmid.items() if n > 1]}"
        assert len({m["id"] for m in mine}) == len(mine)
        for m in mine:
            assert acked.get(m["client_message_id"]) == m["id"], f"stored but not acknowledged as such: {m}"
        stored_ids[chat.id] = [m["id"] for m in mine]
    assert sum(len(v) for v in stored_ids.values()) == len(acked)

    # Every stored message reached its customer stream and the agent stream exactly once.
    all_stored = {mid for ids in stored_ids.values() for mid in ids}
    deadline = time.monotonic() + 20
    for f in followed:
        want = set(stored_ids[next(c for c, x in customers.items() if x is f)]) if f is not agents else all_stored
        while not want <= set(f.message_ids()):
            assert time.monotonic() < deadline, (
                f"{len(want - set(f.message_ids()))} stored messages never arrived on a stream "
                f"(refusals {f.refusals}, {len(f.segments)} connections)")
            f.ensure()
            time.sleep(0.1)
    time.sleep(1.5)  # longer than the notifier's fallback poll: a late duplicate would show by now
    for chat in chats:
        f = customers[chat.id]
        got = Counter(f.message_ids())
        assert {m: n for m, n in got.items() if n > 1} == {}, f"delivered twice to {chat.id}"
        assert set(got) == set(stored_ids[chat.id]), f"the customer stream of {chat.id} holds other messages"
        ids = [e.int_id for e in f.events() if e.id is not None]
        assert ids == sorted(set(ids)), "event ids repeated or out of order on a customer stream"
    got = Counter(agents.message_ids())
    assert {m: n for m, n in got.items() if n > 1} == {}, "delivered twice to the agent stream"
    assert set(got) >= all_stored
    ids = [e.int_id for e in agents.events() if e.id is not None]
    assert ids == sorted(set(ids)), "event ids repeated or out of order on the agent stream"
    for f in followed:
        f.close()

    # The database survived every kill intact.
    assert s.stop(signal.SIGTERM) == 0, s.logs()
    con = sqlite3.connect(s.data_dir / "switchboard.sqlite")
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()
