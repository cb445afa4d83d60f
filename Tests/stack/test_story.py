"""The whole support story over HTTP through nginx, in Python and with
scripts/curl-story.sh."""

import subprocess

import pytest

from stacklib import REPO, assert_error, is_event_id, ok

CONVERSATION_FIELDS = {"id", "customer_session_id", "status", "assigned_agent_id", "created_at", "updated_at"}
AGENT_CONVERSATION_FIELDS = {
    "id", "status", "assigned_agent_id", "has_agent_replied", "requested_agent_at", "closed_at",
    "created_at", "updated_at", "last_message", "customer",
}
MESSAGE_FIELDS = {"id", "conversation_id", "sender_type", "kind", "content", "metadata", "created_at", "client_message_id"}
AGENT_FIELDS = {"id", "username", "display_name", "presence", "max_active_chats", "created_at", "updated_at", "role"}


@pytest.fixture(scope="module")
def story_stack(stack_factory):
    """A desk of its own: nobody online, as a new shop's first evening (other tests put agents online)."""
    return stack_factory("story")


def test_customer_bot_escalate_claim_reply_close(story_stack):
    stack = story_stack
    # The widget opens: quick questions, then a new conversation with a bot welcome.
    questions = ok(stack.get("/api/v1/customer/quick-questions"))
    assert questions and all(set(q) >= {"slug", "question"} for q in questions), questions

    start = ok(stack.post("/api/v1/customer/conversations/start", json={}))
    assert set(start) >= {"conversation", "quick_questions", "messages", "show_talk_to_agent", "last_event_id"}
    conv = start["conversation"]
    assert set(conv) >= CONVERSATION_FIELDS
    assert conv["status"] == "automated" and conv["assigned_agent_id"] is None
    session = conv["customer_session_id"]
    assert isinstance(session, str) and len(session) >= 22, "a session id carries at least 128 bits"
    assert is_event_id(start["last_event_id"])
    assert isinstance(start["show_talk_to_agent"], bool)
    assert [m["sender_type"] for m in start["messages"]] == ["bot"]
    assert all(set(m) >= MESSAGE_FIELDS for m in start["messages"])
    cid = conv["id"]
    base = f"/api/v1/customer/conversations/{cid}"

    # A quick reply: the customer's tap and the bot's answer.
    slug = questions[0]["slug"]
    qr = ok(stack.post(f"{base}/quick-replies/{slug}", session=session))
    assert set(qr) >= {"conversation", "customer_message", "bot_message", "quick_questions", "show_talk_to_agent"}
    assert qr["customer_message"]["sender_type"] == "customer"
    assert qr["customer_message"]["kind"] == "quick_reply"
    assert qr["bot_message"]["sender_type"] == "bot" and qr["bot_message"]["content"]

    # Free text.
    sent = ok(stack.post(f"{base}/messages", session=session, json={"content": "Where is my parcel?"}))
    assert sent["customer_message"]["content"] == "Where is my parcel?"
    assert sent["customer_message"]["kind"] == "text"
    assert sent["bot_message"] is not None

    # Ask for a person. Nobody is online: the widget says so, and asking for a person
    # still queues the chat (the replaced system's contract), as an offline message that
    # asks for an e-mail address to answer to.
    assert ok(stack.get("/api/v1/customer/widget-config"))["availability"]["status"] == "away"
    esc = ok(stack.post(f"{base}/escalate", session=session, json={"message": "Please call me back about it."}))
    assert set(esc) >= {"conversation_id", "status", "assigned_agent_id", "message", "offline", "needs_contact"}
    assert esc["conversation_id"] == cid and esc["status"] == "agent" and esc["assigned_agent_id"] is None
    assert esc["offline"] is True and esc["needs_contact"] is True
    ok(stack.post(f"{base}/contact", session=session, json={"email": "sam@example.com", "name": "Sam", "source": "offline"}))
    again = ok(stack.post(f"{base}/escalate", session=session))
    assert again["offline"] is True and again["needs_contact"] is False and again["message"] is None

    # An agent logs in, finds it in the queue, claims it.
    me = stack.register_agent("story")
    assert set(me.agent) >= AGENT_FIELDS
    auth = me.token
    queue = ok(stack.get("/api/v1/agent/queue", token=auth))
    assert is_event_id(queue["last_event_id"])
    item = next(i for i in queue["items"] if i["id"] == cid)
    assert set(item) >= AGENT_CONVERSATION_FIELDS
    assert item["status"] == "agent" and item["assigned_agent_id"] is None and item["requested_agent_at"]
    assert item["customer"] == {"display_name": "Sam", "email": "sam@example.com", "source": "offline"}
    assert item["offline"] is True

    claimed = ok(stack.post(f"/api/v1/agent/conversations/{cid}/claim", token=auth))
    assert claimed["conversation"]["id"] == cid
    assert claimed["conversation"]["assigned_agent_id"] == me.id

    # The agent reads and replies.
    history = ok(stack.get(f"/api/v1/agent/conversations/{cid}/messages", token=auth))
    assert is_event_id(history["last_event_id"])
    assert "Where is my parcel?" in [m["content"] for m in history["messages"]]
    reply = ok(stack.post(f"/api/v1/agent/conversations/{cid}/messages", token=auth, json={"content": "On its way!"}))
    assert set(reply) >= {"conversation", "message"}
    assert reply["message"]["sender_type"] == "agent" and reply["message"]["content"] == "On its way!"
    assert reply["conversation"]["has_agent_replied"] is True

    # The customer sees the reply; the bot no longer speaks.
    mine = ok(stack.get(f"{base}/messages", session=session))
    assert mine["conversation"]["assigned_agent_id"] == me.id
    assert "On its way!" in [m["content"] for m in mine["messages"] if m["sender_type"] == "agent"]
    created = [m["created_at"] for m in mine["messages"]]
    assert created == sorted(created), "messages come oldest first"
    answer = ok(stack.post(f"{base}/messages", session=session, json={"content": "Thanks!"}))
    assert answer["bot_message"] is None

    # The agent closes it; the conversation becomes read-only.
    closed = ok(stack.post(f"/api/v1/agent/conversations/{cid}/close", token=auth))
    assert set(closed) >= {"conversation", "system_message"}
    assert closed["conversation"]["status"] == "closed" and closed["conversation"]["closed_at"]
    assert ok(stack.get(base, session=session))["status"] == "closed"
    assert_error(stack.post(f"{base}/messages", session=session, json={"content": "Hello?"}), 409, "conversation_closed")

    # Logged out, the token stops working.
    assert stack.post("/api/v1/agent/auth/logout", token=auth).status_code == 204
    assert_error(stack.get("/api/v1/agent/me", token=auth), 401)


def test_the_replaced_systems_flow_with_nobody_online_at_the_start(stack_factory):
    """An existing REST client of the replaced e-commerce chat, unchanged: start, a quick
    reply, free text, escalate with no body while no agent is online; an agent logs in
    (offline), comes online, claims, replies, closes. Nothing in it needs an e-mail. A
    stack of its own, so no agent of another test is online."""
    stack = stack_factory("replaced-flow")
    assert ok(stack.get("/api/v1/customer/widget-config"))["availability"]["status"] == "away"
    start = ok(stack.post("/api/v1/customer/conversations/start", json={}))
    cid, session = start["conversation"]["id"], start["conversation"]["customer_session_id"]
    base = f"/api/v1/customer/conversations/{cid}"
    slug = ok(stack.get("/api/v1/customer/quick-questions"))[0]["slug"]
    assert ok(stack.post(f"{base}/quick-replies/{slug}", session=session))["bot_message"]["sender_type"] == "bot"
    ok(stack.post(f"{base}/messages", session=session, json={"content": "I need help with my order"}))

    esc = stack.post(f"{base}/escalate", session=session)  # no body, as the old client sends it
    assert esc.status_code == 200, esc.text
    esc = esc.json()
    assert esc["status"] == "agent" and esc["assigned_agent_id"] is None and esc["offline"] is True

    agent = stack.register_agent("oldflow")
    assert agent.agent["presence"] == "offline"
    queue = ok(stack.get("/api/v1/agent/queue", token=agent.token))
    assert cid in [item["id"] for item in queue["items"]], "the chat waits in the queue while nobody is online"
    assert ok(stack.post("/api/v1/agent/presence", token=agent.token, json={"presence": "online"}))["presence"] == "online"
    # Online now: routing may already have given it to them; claiming is the old client's step either way.
    claimed = ok(stack.post(f"/api/v1/agent/conversations/{cid}/claim", token=agent.token))
    assert claimed["conversation"]["assigned_agent_id"] == agent.id
    ok(stack.post(f"/api/v1/agent/conversations/{cid}/messages", token=agent.token, json={"content": "Hello, I'm here."}))
    seen = ok(stack.get(f"{base}/messages", session=session))["messages"]
    assert "Hello, I'm here." in [m["content"] for m in seen if m["sender_type"] == "agent"]
    closed = ok(stack.post(f"/api/v1/agent/conversations/{cid}/close", token=agent.token))
    assert closed["conversation"]["status"] == "closed"
    ok(stack.post("/api/v1/agent/presence", token=agent.token, json={"presence": "offline"}))


def test_curl_story_script(stack):
    env = dict(stack.env, SWITCHBOARD_AGENT_PASSWORD=stack.agent_password)
    result = subprocess.run(
        [str(REPO / "scripts" / "curl-story.sh")], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "the whole story passed" in result.stdout
