"""Realtime through the real stack: GET /api/v1/events via nginx auth_request to
the SSE notifier, fed by the events outbox the worker writes (API.md
"Realtime", DESIGN.md, issue 3).

Streams are read with sselib.SSEStream (a threaded SSE parser on requests).
Waits for events are generous (10 s); nothing here asserts speed. Exactness
is checked against the database: what a resumed stream replays must be
precisely the outbox rows after its cursor that its subscriber may see.

The shared `stack` runs the default notifier settings. Two more stacks are
started by this module: `kill_stack`, whose notifier is SIGKILLed / SIGTERMed
(its unit restarts it) and which prunes events older than 60 s, and
`short_stack` (SSE max lifetime 5 s, heartbeat every 1 s) for the lifetime and
heartbeat tests.
"""

from __future__ import annotations

import re
import signal
import sqlite3
import threading
import time
import uuid
from collections import Counter

import pytest
import requests

from sselib import SSEStream, agent_stream, customer_stream
from stacklib import assert_error, ok

WAIT = 10.0
# Longer than the notifier's fallback poll (1 s): a late duplicate would show up by then.
QUIET = 1.5

CUSTOMER_EVENT_NAMES = {"message.created", "conversation.updated", "agent.assigned", "chat.closed"}
AGENT_ONLY_EVENT_NAMES = {"queue.chat_created", "queue.chat_claimed", "agent.presence.changed"}


# -- helpers -------------------------------------------------------------------------


class Streams:
    """Opens streams for a test and closes them all at its end."""

    def __init__(self) -> None:
        self.opened: list[SSEStream] = []

    def track(self, s: SSEStream) -> SSEStream:
        self.opened.append(s)
        return s

    def customer(self, stack, chat, last_event_id=None, **kw) -> SSEStream:
        return self.track(customer_stream(stack, chat, last_event_id, **kw))

    def agent(self, stack, token, last_event_id=None, **kw) -> SSEStream:
        return self.track(agent_stream(stack, token, last_event_id, **kw))

    def reconnect(self, s: SSEStream, last_event_id=None, via="header") -> SSEStream:
        return self.track(s.reconnect(last_event_id, via))

    def close_all(self) -> None:
        for s in self.opened:
            s.close()


@pytest.fixture
def streams():
    s = Streams()
    yield s
    s.close_all()


@pytest.fixture(scope="module")
def short_stack(stack_factory):
    """Streams live at most 5 s (±10 %), heartbeat every second."""
    return stack_factory(
        "realtime-short", SWITCHBOARD_SSE_MAX_LIFETIME_SECONDS="5", SWITCHBOARD_HEARTBEAT_SECONDS="1"
    )


@pytest.fixture(scope="module")
def kill_stack(stack_factory):
    """A stack whose notifier the tests signal (its unit restarts it, with the units' backoff).
    Events older than 60 s are pruned 5 s after each notifier start."""
    return stack_factory("realtime-kill", SWITCHBOARD_EVENT_RETENTION_SECONDS="60")


def send(stack, chat, content: str, cmid: str | None = None) -> dict:
    body = {"content": content}
    if cmid is not None:
        body["client_message_id"] = cmid
    return ok(stack.post(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id, json=body))


def agent_send(stack, token: str, chat, content: str) -> dict:
    return ok(stack.post(f"/api/v1/agent/conversations/{chat.id}/messages", token=token, json={"content": content}))


def escalate(stack, chat) -> dict:
    return ok(stack.post(f"/api/v1/customer/conversations/{chat.id}/escalate", session=chat.session_id))


def customer_cursor(stack, chat) -> int:
    """last_event_id from the customer's messages list (a bootstrap read)."""
    cursor = ok(stack.get(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id))["last_event_id"]
    assert isinstance(cursor, int), cursor
    return cursor


def queue_cursor(stack, token: str) -> int:
    cursor = ok(stack.get("/api/v1/agent/queue", token=token))["last_event_id"]
    assert isinstance(cursor, int), cursor
    return cursor


def db_events(stack, after: int, conversation_id: str | None = None, customer_view: bool = False) -> list[tuple]:
    """(id, name, conversation_id) of outbox rows after `after`, oldest first, read from
    the stack's SQLite file. customer_view: only what that conversation's customer may see."""
    con = sqlite3.connect(f"file:{stack.data_dir / 'switchboard.sqlite'}?mode=ro", uri=True, timeout=10)
    try:
        sql = "SELECT id, name, conversation_id FROM events WHERE id > ?"
        args: list = [after]
        if conversation_id is not None and customer_view:
            # A customer also gets what every customer stream gets (availability: conversation_id '*').
            sql += " AND conversation_id IN (?, '*') AND audience = 'conversation'"
            args.append(conversation_id)
        elif conversation_id is not None:
            sql += " AND conversation_id = ?"
            args.append(conversation_id)
        elif customer_view:
            sql += " AND audience = 'conversation'"
        return con.execute(sql + " ORDER BY id", args).fetchall()
    finally:
        con.close()


def of_conversation(s: SSEStream, conversation_id: str, persisted_only: bool = True):
    return [e for e in (s.persisted() if persisted_only else s.snapshot()) if e.conversation_id() == conversation_id]


def assert_strictly_increasing(ids: list[int], context: str = "") -> None:
    dups = [i for i, n in Counter(ids).items() if n > 1]
    assert not dups, f"event ids delivered more than once: {dups} {context}"
    assert ids == sorted(ids), f"event ids out of order: {ids} {context}"


def assert_refused(s: SSEStream, status: int, code: str | None = None) -> dict:
    """401/403 with the JSON error shape and not a single stream byte."""
    assert s.status == status, f"expected {status}, got {s.status}: {s.content_type} {s.body[:300]!r}"
    assert not s.content_type.startswith("text/event-stream"), s.content_type
    assert s.content_type.startswith("application/json"), f"{s.content_type}: {s.body[:300]!r}"
    body = s.json_body()
    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert isinstance(body.get("code"), str) and body["code"], body
    if code is not None:
        assert body["code"] == code, body
    assert not s.events and not s.comments
    return body


def assert_stream_ok(s: SSEStream) -> None:
    assert s.ok, f"stream refused: {s.status} {s.content_type} {s.body[:300]!r}"
    assert s.response.headers.get("Cache-Control") == "no-store", s.response.headers


# -- 1. customer streams ------------------------------------------------------------


def test_customer_stream_gets_its_conversation_in_order_and_nothing_else(stack, streams):
    a, b = stack.start_chat(), stack.start_chat()
    sa = streams.customer(stack, a, a.start["last_event_id"])
    sb = streams.customer(stack, b, b.start["last_event_id"])
    assert_stream_ok(sa)
    assert_stream_ok(sb)

    sent: dict[str, list[str]] = {a.id: [], b.id: []}
    for i in range(3):
        for chat in (a, b):
            answer = send(stack, chat, f"hello number {i} from {chat.id[:8]}")
            assert answer["bot_message"] is not None, answer  # automated: the bot answers free text
            sent[chat.id] += [answer["customer_message"]["id"], answer["bot_message"]["id"]]

    for chat, s in ((a, sa), (b, sb)):
        s.wait_messages(sent[chat.id], WAIT)
        # In order: the stream's messages are exactly what was sent, customer then bot, each time.
        assert s.message_ids() == sent[chat.id], s.describe()
        assert [e.message()["sender_type"] for e in s.message_events()] == ["customer", "bot"] * 3
        # ... and in the order REST lists them (after the welcome, which start returned).
        rest = [m["id"] for m in stack.customer_messages(chat)]
        assert rest[1:] == sent[chat.id]

    # b asks for a human: its stream hears it; the queue event is for agents only.
    escalate(stack, b)
    sb.wait_for(lambda e: e.event == "conversation.updated" and e.json["conversation"]["status"] == "agent",
                WAIT, "b's conversation.updated to agent")
    a_last = send(stack, a, "one more from a")["customer_message"]["id"]
    sa.wait_message(a_last, WAIT)
    sa.settle(0.5)
    sb.settle(0.5)

    for chat, s in ((a, sa), (b, sb)):
        events = s.snapshot()
        assert events, s.describe()
        foreign = [e for e in events if e.conversation_id() != chat.id]
        assert not foreign, f"{chat.id} received another conversation's events: {foreign}"
        names = {e.event for e in events}
        assert names <= CUSTOMER_EVENT_NAMES, f"unexpected event names on a customer stream: {names - CUSTOMER_EVENT_NAMES}"
        assert all(e.id is not None for e in events), s.describe()
        assert_strictly_increasing(s.ids(), s.describe())
        # Exactly the conversation's customer-visible outbox rows after the start cursor.
        expected = [row[0] for row in db_events(stack, chat.start["last_event_id"], chat.id, customer_view=True)]
        assert s.ids() == expected, f"stream ids {s.ids()} != outbox {expected}"
    assert any(row[1] == "queue.chat_created" for row in db_events(stack, b.start["last_event_id"], b.id))
    assert not sb.named("queue.chat_created")


def test_a_frame_far_larger_than_nginx_s_stream_buffer_arrives_whole(stack, streams):
    """nginx proxies streams unbuffered through a 1 KiB buffer (memory per open stream); the
    longest message, every character escaped (6 bytes each: a ~24 KiB frame), must still
    reach the customer's and an agent's stream in one piece, and the next one after it."""
    chat = stack.start_chat()
    customer = streams.customer(stack, chat, chat.start["last_event_id"])
    agent = streams.agent(stack, stack.agent.token, chat.start["last_event_id"])
    assert_stream_ok(customer)
    assert_stream_ok(agent)
    content = ("<&>" * 1333) + "😀"
    assert len(content) == 4000
    big = send(stack, chat, content)["customer_message"]["id"]
    after = send(stack, chat, "and a short one")["customer_message"]["id"]
    for s in (customer, agent):
        assert s.wait_message(big, WAIT).message()["content"] == content
        assert s.wait_message(after, WAIT).message()["content"] == "and a short one"


# -- 2. agent streams -----------------------------------------------------------------


def test_agent_stream_sees_queue_claim_messages_and_close(stack, streams):
    watcher = stack.agent  # the seeded agent watches; another agent does the work
    claimer = stack.register_agent("claimer")
    cursor = queue_cursor(stack, watcher.token)
    sw = streams.agent(stack, watcher.token, cursor)
    assert_stream_ok(sw)

    chat = stack.start_chat()
    sc = streams.customer(stack, chat, chat.start["last_event_id"])
    escalate(stack, chat)

    def on_chat(name):
        return lambda e: e.event == name and e.conversation_id() == chat.id

    created = sw.wait_for(on_chat("queue.chat_created"), WAIT, "queue.chat_created")
    conv = created.json["conversation"]
    assert conv["id"] == chat.id and conv["status"] == "agent" and conv["assigned_agent_id"] is None, conv
    assert "customer_session_id" not in created.data and chat.session_id not in created.data

    ok(stack.post(f"/api/v1/agent/conversations/{chat.id}/claim", token=claimer.token))
    claimed = sw.wait_for(on_chat("queue.chat_claimed"), WAIT, "queue.chat_claimed")
    assert claimed.json["agent_id"] == claimer.id, claimed
    assigned = sw.wait_for(on_chat("agent.assigned"), WAIT, "agent.assigned")
    assert assigned.json["agent"]["id"] == claimer.id, assigned
    sw.wait_for(lambda e: on_chat("conversation.updated")(e) and e.json["conversation"]["assigned_agent_id"] == claimer.id,
                WAIT, "conversation.updated with the claimer")
    assert created.int_id < claimed.int_id and created.int_id < assigned.int_id

    # Both sides' messages reach the agent stream (and the customer's).
    agent_msg = agent_send(stack, claimer.token, chat, "Hi, I am here to help.")["message"]
    customer_msg = send(stack, chat, "Thanks, my parcel is late.")
    assert customer_msg["bot_message"] is None  # agent status: the bot is silent
    customer_msg = customer_msg["customer_message"]
    for s in (sw, sc):
        assert s.wait_message(agent_msg["id"], WAIT).message()["sender_type"] == "agent"
        assert s.wait_message(customer_msg["id"], WAIT).message()["sender_type"] == "customer"

    # Presence changes are announced to agents.
    new_presence = "offline" if claimer.agent["presence"] == "online" else "online"
    ok(stack.post("/api/v1/agent/presence", token=claimer.token, json={"presence": new_presence}))
    presence = sw.wait_for(lambda e: e.event == "agent.presence.changed" and e.json["agent"]["id"] == claimer.id,
                           WAIT, "agent.presence.changed")
    assert presence.json["agent"]["presence"] == new_presence

    closed = ok(stack.post(f"/api/v1/agent/conversations/{chat.id}/close", token=claimer.token))
    for s in (sw, sc):
        s.wait_for(on_chat("chat.closed"), WAIT, "chat.closed")
        s.wait_for(lambda e: on_chat("conversation.updated")(e) and e.json["conversation"]["status"] == "closed",
                   WAIT, "conversation.updated to closed")
        if closed["system_message"]:
            s.wait_message(closed["system_message"]["id"], WAIT)

    # The agent stream carried every event of this conversation, in order, once.
    sw.settle(0.5)
    mine = [e.int_id for e in of_conversation(sw, chat.id)]
    expected = [row[0] for row in db_events(stack, cursor, chat.id)]
    assert mine == expected, f"agent stream {mine} != outbox {expected}\n{sw.describe()}"
    assert_strictly_increasing(sw.ids(), sw.describe())
    # The customer stream got the same conversation minus the agents-only events.
    assert sc.ids() == [row[0] for row in db_events(stack, chat.start["last_event_id"], chat.id, customer_view=True)]
    assert not {e.event for e in sc.snapshot()} & AGENT_ONLY_EVENT_NAMES


# -- 3. resume ------------------------------------------------------------------------


def test_resume_replays_exactly_what_was_missed(stack, streams):
    chat = stack.start_chat()
    first = streams.customer(stack, chat, chat.start["last_event_id"])
    assert_stream_ok(first)
    # Escalated first (nobody claims it), so the bot stays silent and each send writes one event.
    escalate(stack, chat)
    first.wait_for(lambda e: e.event == "conversation.updated" and e.json["conversation"]["status"] == "agent",
                   WAIT, "conversation.updated to agent")
    first.settle(0.3)
    first.close()
    cursor = first.last_id
    assert cursor is not None and cursor > chat.start["last_event_id"]

    sent = []
    for i in range(50):
        answer = send(stack, chat, f"resume message {i}", cmid=f"resume-{uuid.uuid4().hex[:12]}")
        assert answer["bot_message"] is None, answer
        sent.append(answer["customer_message"]["id"])
    expected = [row[0] for row in db_events(stack, cursor, chat.id, customer_view=True)]
    assert len(expected) >= 50

    for via in ("header", "query"):
        again = streams.reconnect(first, cursor, via=via)
        assert_stream_ok(again)
        again.wait_messages(sent, WAIT)
        again.settle(QUIET)
        assert not again.named("reset"), again.describe()
        assert again.message_ids() == sent, f"via {via}: {again.describe()}"
        assert_strictly_increasing(again.ids(), f"via {via}")
        assert again.ids() == expected, f"via {via}: stream {again.ids()} != outbox {expected}"
        assert min(again.ids()) > cursor
        assert all(e.conversation_id() == chat.id for e in again.snapshot())
        # Nothing from before the cursor came back.
        assert not set(again.ids()) & set(first.ids())


def test_resume_across_replay_batches_while_live_events_arrive(stack, streams):
    """More than one replay batch (the notifier reads 500 at a time), and the stream is
    opened while messages are still being written: replay hands over to live without a
    gap or a duplicate."""
    watcher = stack.agent
    chats = [stack.start_chat() for _ in range(4)]
    for chat in chats:
        escalate(stack, chat)
    cursor = queue_cursor(stack, watcher.token)

    def burst(tag: str, count: int) -> tuple[dict[str, list[str]], list[threading.Thread]]:
        sent: dict[str, list[str]] = {c.id: [] for c in chats}

        def run(chat):
            for i in range(count):
                sent[chat.id].append(send(stack, chat, f"{tag} {i}")["customer_message"]["id"])

        threads = [threading.Thread(target=run, args=(c,)) for c in chats]
        for t in threads:
            t.start()
        return sent, threads

    before, threads = burst("before", 150)
    for t in threads:
        t.join(timeout=60)
    assert all(len(v) == 150 for v in before.values())
    assert len(db_events(stack, cursor)) > 500

    during, threads = burst("during", 40)
    sa = streams.agent(stack, watcher.token, cursor)
    sc = streams.customer(stack, chats[0], cursor)
    for t in threads:
        t.join(timeout=60)
    assert all(len(v) == 40 for v in during.values())

    everything = [mid for c in chats for mid in before[c.id] + during[c.id]]
    sa.wait_messages(everything, 3 * WAIT)
    sc.wait_messages(before[chats[0].id] + during[chats[0].id], WAIT)
    for s in (sa, sc):
        s.settle(QUIET)
        assert not s.named("reset"), s.describe()
        assert_strictly_increasing(s.ids())
    assert sa.ids() == [row[0] for row in db_events(stack, cursor)], "agent stream != outbox"
    assert sc.ids() == [row[0] for row in db_events(stack, cursor, chats[0].id, customer_view=True)]
    assert sc.message_ids() == before[chats[0].id] + during[chats[0].id]
    for chat in chats:
        assert [e.message()["id"] for e in sa.message_events() if e.conversation_id() == chat.id] == before[chat.id] + during[chat.id]


# -- 4. notifier crash --------------------------------------------------------------


def test_notifier_killed_while_sending_loses_and_duplicates_nothing(kill_stack, streams):
    ks = kill_stack
    chat = ks.start_chat()
    escalate(ks, chat)
    cursor = customer_cursor(ks, chat)
    c1 = streams.customer(ks, chat, cursor)
    a1 = streams.agent(ks, ks.agent.token, cursor)
    assert_stream_ok(c1)
    assert_stream_ok(a1)

    lock = threading.Lock()
    sends: list[tuple[str, object, str | None, float]] = []  # (cmid, status or error, message id, finished)
    stop = threading.Event()

    def sender():
        url = ks.url(f"/api/v1/customer/conversations/{chat.id}/messages")
        for i in range(400):
            if stop.is_set():
                return
            cmid = f"kill-{i}"
            try:
                r = requests.post(url, headers={"X-Customer-Session-Id": chat.session_id},
                                  json={"content": f"message {i}", "client_message_id": cmid}, timeout=15)
                outcome: object = r.status_code
                mid = r.json()["customer_message"]["id"] if 200 <= r.status_code < 300 else None
            except Exception as e:  # noqa: BLE001 - recorded
                outcome, mid = repr(e), None
            with lock:
                sends.append((cmid, outcome, mid, time.monotonic()))
            time.sleep(0.005)

    thread = threading.Thread(target=sender, daemon=True)
    thread.start()
    try:
        c1.wait_count(lambda e: e.event == "message.created", 10, WAIT, "10 messages before the kill")
        killed_at = time.monotonic()
        old_pid = ks.kill_notifier()
        c1.wait_ended(WAIT)
        a1.wait_ended(WAIT)
        new_pid = ks.wait_notifier_restarted(old_pid)
        restarted_at = time.monotonic()
        # Keep sending a little after the restart, then stop.
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            with lock:
                after = sum(1 for s in sends if s[3] > restarted_at)
            if after >= 10:
                break
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert new_pid != old_pid
    assert re.search(r"notifier \(pid %d\) exited with status \d+; restarting it" % old_pid, ks.output()), ks.output()

    with lock:
        done = list(sends)
    accepted = [mid for _, outcome, mid, _ in done if isinstance(outcome, int) and 200 <= outcome < 300]
    assert len(accepted) == len(done), f"sends that failed: {[s for s in done if s[2] is None]}"
    during_outage = [s for s in done if killed_at < s[3] < restarted_at]
    assert during_outage, "no message was sent while the notifier was down: the test proves nothing"

    # Every 2xx message exactly once across the two connections (customer and agent side).
    c2 = streams.reconnect(c1)
    a2 = streams.reconnect(a1)
    assert_stream_ok(c2)
    assert_stream_ok(a2)
    for before, after in ((c1, c2), (a1, a2)):
        after.wait_until(lambda s: set(accepted) <= set(before.message_ids()) | set(s.message_ids()),
                         WAIT, "every accepted message across both connections")
        after.settle(QUIET)
        assert not after.named("reset"), after.describe()
        delivered = Counter(before.message_ids() + after.message_ids())
        twice = {mid: n for mid, n in delivered.items() if n > 1}
        assert not twice, f"messages delivered more than once: {twice}"
        assert set(delivered) >= set(accepted)
        ids = before.ids() + after.ids()
        assert_strictly_increasing(ids, f"first={before.ids()} second={after.ids()}")
        mine = [e.int_id for e in of_conversation(before, chat.id) + of_conversation(after, chat.id)]
        assert mine == [row[0] for row in db_events(ks, cursor, chat.id, customer_view=before is c1)]
    # The conversation holds exactly what was accepted, in the order the streams showed it.
    stored = [m["id"] for m in ks.all_customer_messages(chat) if m["sender_type"] == "customer"]
    assert stored == accepted
    assert c1.message_ids() + c2.message_ids() == accepted
    assert ok(ks.get("/api/v1/health"))["notifier"] == "ok"


# -- 5. who may listen -------------------------------------------------------------------


def test_wrong_or_missing_credentials_are_refused_before_the_stream(stack, streams):
    a, b = stack.start_chat(), stack.start_chat()
    url = stack.url("/api/v1/events")

    def attempt(headers=None, params=None) -> SSEStream:
        return streams.track(SSEStream.open(url, headers, params))

    assert_refused(attempt(), 401)
    assert_refused(attempt(params={"conversation_id": a.id}), 401)  # no session header
    assert_refused(attempt({"X-Customer-Session-Id": a.session_id}, {"conversation_id": b.id}), 403)  # someone else's
    assert_refused(attempt({"X-Customer-Session-Id": b.session_id}, {"conversation_id": a.id}), 403)
    assert_refused(attempt({"X-Customer-Session-Id": a.session_id}), 403)  # conversation_id missing
    assert_refused(attempt({"X-Customer-Session-Id": a.session_id}, {"conversation_id": ""}), 403)
    assert_refused(attempt({"X-Customer-Session-Id": a.session_id}, {"conversation_id": str(uuid.uuid4())}), 403)
    assert_refused(attempt({"X-Customer-Session-Id": "not-a-session"}, {"conversation_id": a.id}), 403)
    assert_refused(attempt({"Authorization": "Bearer not-a-token"}), 401)
    assert_refused(attempt({"Authorization": "Basic YWdlbnQ6eA=="}), 401)

    # A token stops opening streams once logged out.
    leaver = stack.register_agent("leaver")
    live = attempt({"Authorization": f"Bearer {leaver.token}"})
    assert_stream_ok(live)
    live.close()
    ok(stack.post("/api/v1/agent/auth/logout", token=leaver.token), (200, 204))
    assert_refused(attempt({"Authorization": f"Bearer {leaver.token}"}), 401)

    # Identity headers are nginx's to set: alone they are no credentials ...
    spoof_agent = {"X-Switchboard-Identity": "agent", "X-Switchboard-Agent": "x"}
    assert_refused(attempt(spoof_agent), 401)
    assert_refused(attempt({**spoof_agent, "X-Switchboard-Agent": stack.agent.id}), 401)
    assert_refused(attempt({"X-Switchboard-Identity": "customer", "X-Switchboard-Conversation": a.id},
                           {"conversation_id": a.id}), 401)

    # ... and on a customer request they change nothing: still only a's conversation.
    sa = streams.customer(stack, a, a.start["last_event_id"],
                          extra_headers={**spoof_agent, "X-Switchboard-Conversation": b.id})
    assert_stream_ok(sa)
    b_msg = send(stack, b, "b writes")["customer_message"]["id"]
    escalate(stack, b)  # a queue event: agents only
    a_msg = send(stack, a, "a writes")["customer_message"]["id"]
    sa.wait_message(a_msg, WAIT)
    sa.settle(0.5)
    assert b_msg not in sa.message_ids()
    assert all(e.conversation_id() == a.id for e in sa.snapshot()), sa.describe()
    assert not {e.event for e in sa.snapshot()} & AGENT_ONLY_EVENT_NAMES, sa.describe()
    assert sa.ids() == [row[0] for row in db_events(stack, a.start["last_event_id"], a.id, customer_view=True)]

    # A 401 says how to authenticate, as every route's does (nginx keeps the notifier's header).
    refused = attempt({"Authorization": "Bearer not-a-token"})
    assert_refused(refused, 401)
    assert refused.response.headers.get("WWW-Authenticate") == "Bearer", dict(refused.response.headers)

    # A malformed cursor is a JSON 400, not a stream.
    bad = attempt({"X-Customer-Session-Id": a.session_id, "Last-Event-ID": "yesterday"}, {"conversation_id": a.id})
    assert bad.status == 400 and bad.content_type.startswith("application/json"), (bad.status, bad.body)
    assert_error(bad.response, 400)


def nginx_blocks(conf: str, opener: str) -> list[str]:
    """The text of every block of the rendered nginx config that starts with `opener`
    (e.g. `location = /api/v1/events`), braces balanced."""
    blocks = []
    for match in re.finditer(re.escape(opener) + r"\s*\{", conf):
        depth, i = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(conf[i], 0)
            i += 1
        blocks.append(conf[match.start():i])
    return blocks


def test_the_stream_location_has_no_subrequest(stack):
    """The notifier checks a stream's credentials itself: nginx proxies /api/v1/events with
    no auth_request (no subrequest held for a stream's life), and forwards the credentials
    the client sent instead of blanking them."""
    conf = (stack.run_dir / "nginx.conf").read_text()
    [events] = nginx_blocks(conf, "location = /api/v1/events")
    directives = [line.split("#", 1)[0].strip() for line in events.splitlines()]
    assert not [d for d in directives if d.startswith("auth_request")], events
    assert "proxy_pass http://unix:" in events
    sets = {m.group(1): m.group(2) for d in directives if (m := re.match(r"proxy_set_header\s+(\S+)\s+(.*);$", d))}
    assert sets.get("Authorization") == "$http_authorization", sets
    assert sets.get("X-Customer-Session-Id") == "$http_x_customer_session_id", sets
    assert "events-auth" not in conf


# -- 6. typing --------------------------------------------------------------------------


def test_typing_is_ephemeral_without_ids_and_does_not_disturb_resume(stack, streams):
    typist = stack.register_agent("typist")
    chat = stack.start_chat()
    escalate(stack, chat)
    ok(stack.post(f"/api/v1/agent/conversations/{chat.id}/claim", token=typist.token))
    cursor = customer_cursor(stack, chat)
    sc = streams.customer(stack, chat, cursor)
    sa = streams.agent(stack, typist.token, cursor)
    so = streams.agent(stack, stack.agent.token, cursor)  # another agent watching
    for s in (sc, sa, so):
        assert_stream_ok(s)

    def typing(name, value):
        return lambda e: e.event == name and e.conversation_id() == chat.id and e.json.get("typing") is value

    ok(stack.post(f"/api/v1/customer/conversations/{chat.id}/typing", session=chat.session_id, json={"typing": True}), 204)
    for s in (sa, so):
        ev = s.wait_for(typing("customer.typing", True), WAIT, "customer.typing")
        assert ev.id is None and not any(line.startswith("id") for line in ev.raw), ev.raw
    ok(stack.post(f"/api/v1/agent/conversations/{chat.id}/typing", token=typist.token, json={"typing": True}), 204)
    for s in (sc, sa, so):
        ev = s.wait_for(typing("agent.typing", True), WAIT, "agent.typing")
        assert ev.id is None and not any(line.startswith("id") for line in ev.raw), ev.raw
        assert ev.json["agent_id"] == typist.id
    ok(stack.post(f"/api/v1/agent/conversations/{chat.id}/typing", token=typist.token, json={"typing": False}), 204)
    sc.wait_for(typing("agent.typing", False), WAIT, "agent.typing false")

    msg = send(stack, chat, "after typing")["customer_message"]["id"]
    for s in (sc, sa, so):
        s.wait_message(msg, WAIT)
    sc.settle(0.5)
    # Customer typing goes to agents only; and no typing event carried an id.
    assert not sc.named("customer.typing"), sc.describe()
    for s in (sc, sa, so):
        assert all(e.id is None for e in s.snapshot() if e.event.endswith(".typing"))
        assert all(e.id is not None for e in s.snapshot() if not e.event.endswith(".typing"))
        assert_strictly_increasing(s.ids())

    # Resume from before the typing: the persisted events again, no typing replayed.
    again = streams.reconnect(sc, cursor)
    again.wait_message(msg, WAIT)
    again.settle(QUIET)
    assert [e.event for e in again.snapshot()] == [e.event for e in sc.persisted()], again.describe()
    assert again.ids() == sc.ids()
    # Resume from the last id: nothing at all (typing is never stored).
    tail = streams.reconnect(sc)
    tail.settle(QUIET)
    assert tail.ok and tail.snapshot() == [], tail.describe()
    assert "connected" in [c.text for c in tail.comments]


# -- 7. reset -----------------------------------------------------------------------------


def test_cursor_beyond_the_newest_event_gets_reset(stack, streams):
    chat = stack.start_chat()
    before = ok(stack.get("/api/v1/health"))["last_event_id"]
    for via in ("header", "query"):
        s = streams.customer(stack, chat, 999999999, via=via)
        assert_stream_ok(s)
        reset = s.wait_event("reset", WAIT)
        assert reset.id is None, reset.raw
        assert s.snapshot()[0] is reset, s.describe()
        newest = reset.json["last_event_id"]
        assert isinstance(newest, int) and before <= newest < 999999999, reset
        # Live events continue after the reset.
        msg = send(stack, chat, f"after reset via {via}")["customer_message"]["id"]
        ev = s.wait_message(msg, WAIT)
        assert ev.int_id > newest
        before = newest

    agent = streams.agent(stack, stack.agent.token, 999999999, via="query")
    assert agent.wait_event("reset", WAIT).json["last_event_id"] < 999999999
    # A cursor that is current is no reason for a reset.
    current = streams.customer(stack, chat, customer_cursor(stack, chat))
    msg = send(stack, chat, "no reset")["customer_message"]["id"]
    current.wait_message(msg, WAIT)
    assert not current.named("reset"), current.describe()


def test_cursor_older_than_the_retained_events_gets_reset(kill_stack, streams):
    """Events are pruned after the retention time (here 60 s, first prune 5 s after the
    notifier starts). The rows are aged in the database instead of waiting a minute."""
    ks = kill_stack
    chat = ks.start_chat()
    old_cursor = chat.start["last_event_id"] - 1  # before this chat's conversation.updated
    for i in range(3):
        send(ks, chat, f"soon forgotten {i}")
    aged_up_to = db_events(ks, 0)[-1][0]
    con = sqlite3.connect(str(ks.data_dir / "switchboard.sqlite"), timeout=10)
    try:
        with con:
            con.execute("UPDATE events SET created_at = 0 WHERE id <= ?", (aged_up_to,))
    finally:
        con.close()
    kept = send(ks, chat, "kept")["customer_message"]["id"]
    old_pid = ks.kill_notifier(signal.SIGTERM)
    ks.wait_notifier_restarted(old_pid)
    deadline = time.monotonic() + 15
    while db_events(ks, 0)[0][0] <= aged_up_to:
        assert time.monotonic() < deadline, "the notifier did not prune the aged events within 15 s"
        time.sleep(0.2)
    oldest = db_events(ks, 0)[0][0]
    assert old_cursor < oldest - 1

    newest = db_events(ks, 0)[-1][0]
    s = streams.customer(ks, chat, old_cursor)
    assert_stream_ok(s)
    reset = s.wait_event("reset", WAIT)
    assert reset.id is None and s.snapshot()[0] is reset, s.describe()
    assert reset.json["last_event_id"] >= newest, reset
    # After the reset the stream is live from the newest event: nothing old is replayed.
    msg = send(ks, chat, "after the reset")["customer_message"]["id"]
    s.wait_message(msg, WAIT)
    assert kept not in s.message_ids()
    assert all(i > reset.json["last_event_id"] for i in s.ids())
    # A cursor at the edge of what is retained is still a plain resume.
    edge = streams.customer(ks, chat, oldest - 1)
    edge.wait_message(msg, WAIT)
    assert not edge.named("reset"), edge.describe()
    assert kept in edge.message_ids()


# -- 8. maximum lifetime -------------------------------------------------------------------


def test_streams_end_at_max_lifetime_and_reconnects_are_reauthorized(short_stack, streams):
    st = short_stack
    agent = st.register_agent("lifetime")
    chat = st.start_chat()
    escalate(st, chat)
    cursor = queue_cursor(st, agent.token)
    sa = streams.agent(st, agent.token, cursor)
    sc = streams.customer(st, chat, cursor)
    opened = time.monotonic()
    assert_stream_ok(sa)
    assert_stream_ok(sc)

    early = [send(st, chat, f"early {i}")["customer_message"]["id"] for i in range(3)]
    for s in (sa, sc):
        s.wait_messages(early, WAIT)
        # Lifetime 5 s ± 10 %: closed by the server well within 8 s of opening.
        ended = s.wait_ended(max(1.0, opened + 8.5 - time.monotonic()))
        assert ended - opened > 4.0, f"closed after {ended - opened:.1f}s, before the 4.5 s minimum lifetime"

    late = [send(st, chat, f"late {i}")["customer_message"]["id"] for i in range(3)]
    sa2 = streams.reconnect(sa)
    sc2 = streams.reconnect(sc)
    for first, second in ((sa, sa2), (sc, sc2)):
        assert_stream_ok(second)
        second.wait_messages(late, WAIT)
        second.settle(QUIET)
        assert first.message_ids() + second.message_ids() == early + late, second.describe()
        assert_strictly_increasing(first.ids() + second.ids())
        assert not second.named("reset")

    # Credentials are checked again on every reconnect.
    ok(st.post("/api/v1/agent/auth/logout", token=agent.token), (200, 204))
    assert_refused(sa2.reconnect(), 401)
    # The open stream ends at its own lifetime; its reconnect is refused too.
    sa2.wait_ended(WAIT)
    assert_refused(streams.track(sa2.reconnect()), 401)


def test_server_ends_streams_cleanly(short_stack, kill_stack, streams):
    """A stream the server ends (maximum lifetime, notifier SIGTERM) ends as a complete
    HTTP response (chunked encoding's last chunk), not as a cut connection that clients
    report as a network error and nginx logs as "upstream prematurely closed"."""
    chat = short_stack.start_chat()
    by_lifetime = streams.customer(short_stack, chat)
    other = kill_stack.start_chat()
    by_sigterm = streams.customer(kill_stack, other)
    assert_stream_ok(by_lifetime)
    assert_stream_ok(by_sigterm)
    by_sigterm.wait_comment("connected", WAIT)
    old_pid = kill_stack.kill_notifier(signal.SIGTERM)
    by_sigterm.wait_ended(WAIT)
    kill_stack.wait_notifier_restarted(old_pid)
    by_lifetime.wait_ended(WAIT)
    problems = [f"{what}: {s.error!r}" for what, s in (("max lifetime", by_lifetime), ("SIGTERM", by_sigterm)) if s.error]
    assert not problems, "streams cut instead of ended: " + "; ".join(problems)


# -- 9. health ----------------------------------------------------------------------------


def test_health_reports_the_notifier(stack):
    body = ok(stack.get("/api/v1/health"))
    assert body["status"] == "ok", body
    assert body["notifier"] == "ok", body
    assert body["database"] == "ok", body


# -- 10. heartbeat and the stream's preamble -------------------------------------------------


def test_stream_preamble_and_heartbeat(short_stack, streams):
    chat = short_stack.start_chat()
    s = streams.customer(short_stack, chat)
    assert_stream_ok(s)
    s.wait_comment("connected", WAIT)
    assert bytes(s.raw_bytes).startswith(b": connected\nretry: "), bytes(s.raw_bytes[:80])
    assert s.retry is not None and 1000 <= s.retry <= 10000, s.retry
    beat = s.wait_comment("heartbeat", WAIT)
    assert beat.arrived > s.first_byte_at
    assert s.snapshot() == [], s.describe()  # comments are not events
