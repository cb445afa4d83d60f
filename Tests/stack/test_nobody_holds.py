"""Chats nobody holds, and a bot that says what is true (docs/API.md "Chats nobody holds",
"The bot"), through nginx: an agent who signs out gives their chats back and their
customers are told so on their streams; the customer's view follows whether the holder is
there; a shopper who asks for a person is taken to one (or to the leave-a-message form)."""

from __future__ import annotations

import pytest

from sselib import customer_stream
from stacklib import ok


@pytest.fixture(scope="module")
def desk(stack_factory):
    # Manual routing: returned chats wait in the queue, where the test can see them.
    return stack_factory("nobody-holds", SWITCHBOARD_ROUTING="manual")


def nobody_online(desk):
    """Every agent offline (disabling sets an agent offline; enabling keeps them so)."""
    for agent in ok(desk.get("/api/v1/agent/agents", token=desk.admin.token))["items"]:
        if agent["presence"] == "online" and agent["id"] != desk.admin.id:
            ok(desk.request("PATCH", f"/api/v1/admin/agents/{agent['id']}", token=desk.admin.token, json={"disabled": True}))
            ok(desk.request("PATCH", f"/api/v1/admin/agents/{agent['id']}", token=desk.admin.token, json={"disabled": False}))


def claimed_chat(desk, agent):
    chat = desk.escalated_chat()
    ok(desk.post(f"/api/v1/agent/conversations/{chat.id}/claim", token=agent.token))
    return chat


def test_signing_out_returns_both_chats_and_tells_their_customers(desk):
    alex = desk.register_agent("alex")
    ok(desk.post("/api/v1/agent/presence", token=alex.token, json={"presence": "online"}))
    chats = [claimed_chat(desk, alex), claimed_chat(desk, alex)]
    streams = [customer_stream(desk, chat) for chat in chats]
    try:
        for stream in streams:
            assert stream.ok, (stream.status, stream.body)
        # The old clients' logout (no body) returns the chats: nobody is left talking to someone gone.
        ok(desk.post("/api/v1/agent/auth/logout", token=alex.token), 204)
        queue = desk.queue_ids(desk.admin.token)
        assert {chat.id for chat in chats} <= set(queue)
        for chat, stream in zip(chats, streams):
            returned = stream.wait_for(lambda e: e.event == "message.created"
                                       and ((e.message() or {}).get("metadata") or {}).get("event") == "returned",
                                       what="the system message that the chat was returned")
            message = returned.message()
            assert message["sender_type"] == "system"
            # Nobody else is online: the away message, never "we're finding someone".
            assert "had to leave" not in message["content"]
            conversation = desk.customer_conversation(chat)
            assert conversation["assigned_agent_id"] is None and conversation["assigned_agent_presence"] is None
    finally:
        for stream in streams:
            stream.close()


def test_a_logout_may_keep_the_chats(desk):
    sam = desk.register_agent("sam")
    ok(desk.post("/api/v1/agent/presence", token=sam.token, json={"presence": "online"}))
    chat = claimed_chat(desk, sam)
    ok(desk.post("/api/v1/agent/auth/logout", token=sam.token, json={"return_chats": False}), 204)
    assert desk.customer_conversation(chat)["assigned_agent_id"] == sam.id
    ok(desk.post("/api/v1/agent/auth/logout", token=desk.login(sam.username, sam.password).token,
                 json={"return_chats": "yes"}), 400)


def test_the_customer_sees_whether_their_agent_is_there(desk):
    kim = desk.register_agent("kim")
    ok(desk.post("/api/v1/agent/presence", token=kim.token, json={"presence": "online"}))
    chat = claimed_chat(desk, kim)
    assert desk.customer_conversation(chat)["assigned_agent_presence"] == "online"
    stream = customer_stream(desk, chat)
    try:
        assert stream.ok
        ok(desk.post("/api/v1/agent/presence", token=kim.token, json={"presence": "offline"}))
        update = stream.wait_for(lambda e: e.event == "conversation.updated"
                                 and e.json["conversation"].get("assigned_agent_presence") == "offline",
                                 what="conversation.updated with the holder offline")
        assert update.json["conversation"]["assigned_agent_id"] == kim.id
    finally:
        stream.close()
        ok(desk.post("/api/v1/agent/conversations/" + chat.id + "/release", token=kim.token))


def test_asking_for_a_person_reaches_one_or_the_form(desk):
    # Nobody online with room: the bot offers the leave-a-message form, never the FAQ fallback.
    nobody_online(desk)
    chat = desk.start_chat()
    answer = ok(desk.post(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id,
                          json={"content": "Can I talk to a human?"}))
    assert answer["conversation"]["status"] == "automated"
    assert answer["bot_message"]["metadata"]["event"] == "leave_message"
    assert "Leave a message" in answer["bot_message"]["content"]
    # Someone online: the chat is escalated at once.
    lee = desk.register_agent("lee")
    ok(desk.post("/api/v1/agent/presence", token=lee.token, json={"presence": "online"}))
    answer = ok(desk.post(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id,
                          json={"content": "I'd like to speak to someone please"}))
    assert answer["conversation"]["status"] == "agent" and answer["bot_message"] is None
    assert chat.id in desk.queue_ids(lee.token)


def test_an_open_widget_hears_availability_change(desk):
    nobody_online(desk)
    chat = desk.start_chat()
    stream = customer_stream(desk, chat)
    try:
        assert stream.ok
        ming = desk.register_agent("ming")
        ok(desk.post("/api/v1/agent/presence", token=ming.token, json={"presence": "online"}))
        stream.wait_for(lambda e: e.event == "availability.changed" and e.json["status"] == "online",
                        timeout=5, what="availability.changed to online")
        ok(desk.post("/api/v1/agent/presence", token=ming.token, json={"presence": "offline"}))
        stream.wait_for(lambda e: e.event == "availability.changed" and e.json["status"] != "online",
                        timeout=5, what="availability.changed away from online")
    finally:
        stream.close()
