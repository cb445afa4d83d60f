"""Auto routing, on a stack of its own (SWITCHBOARD_ROUTING=auto)."""

import time

import pytest

from stacklib import ok


@pytest.fixture(scope="module")
def routed(stack_factory):
    s = stack_factory("routing", SWITCHBOARD_ROUTING="auto")
    # Nobody takes chats until a test says so.
    for who in (s.admin, s.agent):
        ok(s.post("/api/v1/agent/presence", token=who.token, json={"presence": "offline"}))
    return s


def assigned_to(stack, chat):
    return stack.customer_conversation(chat)["assigned_agent_id"]


def eventually(check, timeout=5.0):
    """Routing happens in the request that triggers it; allow a moment anyway."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def go(stack, agent, presence):
    body = ok(stack.post("/api/v1/agent/presence", token=agent.token, json={"presence": presence}))
    assert body["presence"] == presence
    return body


def test_waiting_chats_go_to_an_agent_who_comes_online_oldest_first(routed):
    r1 = routed.register_agent("route", max_active_chats=2, start_online=False)
    r2 = routed.register_agent("route", max_active_chats=5, start_online=False)
    assert r1.agent["presence"] == "offline" and r2.agent["presence"] == "offline"

    chats = [routed.start_chat() for _ in range(3)]
    for chat in chats:
        esc = ok(routed.post(f"/api/v1/customer/conversations/{chat.id}/escalate", session=chat.session_id))
        assert esc["status"] == "agent" and esc["assigned_agent_id"] is None, "nobody is online: queued"
    c1, c2, c3 = chats

    go(routed, r1, "online")
    assert eventually(lambda: assigned_to(routed, c1) == r1.id and assigned_to(routed, c2) == r1.id)
    assert assigned_to(routed, c3) is None, "r1 is at max_active_chats=2"
    assert c3.id in routed.queue_ids(r1.token)

    go(routed, r2, "online")
    assert eventually(lambda: assigned_to(routed, c3) == r2.id)
    assert c3.id not in routed.queue_ids(r2.token)

    # With an agent online and free, escalation assigns at once (r1 is full).
    c4 = routed.start_chat()
    esc = ok(routed.post(f"/api/v1/customer/conversations/{c4.id}/escalate", session=c4.session_id))
    assert esc["status"] == "agent" and esc["assigned_agent_id"] == r2.id

    # r1 frees both seats: now r1 (0 of 2) is the least loaded, however load is counted.
    for chat in (c1, c2):
        ok(routed.post(f"/api/v1/agent/conversations/{chat.id}/close", token=r1.token))
    c5 = routed.start_chat()
    esc = ok(routed.post(f"/api/v1/customer/conversations/{c5.id}/escalate", session=c5.session_id))
    assert esc["assigned_agent_id"] == r1.id

    # The bot never speaks in an assigned conversation.
    answer = ok(routed.post(f"/api/v1/customer/conversations/{c5.id}/messages", session=c5.session_id, json={"content": "hello?"}))
    assert answer["bot_message"] is None

    # Everyone offline: escalations wait in the queue again.
    go(routed, r1, "offline")
    go(routed, r2, "offline")
    c6 = routed.start_chat()
    esc = ok(routed.post(f"/api/v1/customer/conversations/{c6.id}/escalate", session=c6.session_id))
    assert esc["assigned_agent_id"] is None
    assert c6.id in routed.queue_ids(r1.token)
