"""Agent routes: credentials, the officer alias, registration, claiming, state rules."""

import threading
import uuid

import pytest
import requests

from stacklib import NEW_AGENT_PASSWORD, assert_error, is_event_id, ok, unique


def agent_routes(conv_id):
    """Every route that needs an agent token, with a body it would accept."""
    c = f"/api/v1/agent/conversations/{conv_id}"
    return [
        ("GET", "/api/v1/agent/me", None),
        ("POST", "/api/v1/agent/presence", {"presence": "online"}),
        ("GET", "/api/v1/agent/conversations", None),
        ("GET", "/api/v1/agent/queue", None),
        ("POST", f"{c}/claim", None),
        ("POST", f"{c}/release", None),
        ("GET", f"{c}/messages", None),
        ("POST", f"{c}/messages", {"content": "hello"}),
        ("POST", f"{c}/close", None),
        ("POST", f"{c}/typing", {"typing": True}),
        ("POST", "/api/v1/agent/auth/logout", None),
        ("POST", "/api/v1/agent/register", {"username": unique("x"), "password": NEW_AGENT_PASSWORD, "display_name": "X"}),
    ]


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-real-token", "Bearer ", "Basic YWdlbnQ6cGFzc3dvcmQ=", "not-even-a-scheme"],
    ids=["missing", "wrong", "empty", "basic", "garbage"],
)
def test_agent_routes_need_a_valid_token(stack, authorization):
    chat = stack.escalated_chat()
    headers = {"Authorization": authorization} if authorization is not None else {}
    # A customer's session id is no agent credential either.
    headers["X-Customer-Session-Id"] = chat.session_id
    for method, path, body in agent_routes(chat.id):
        assert_error(stack.request(method, path, headers=headers, json=body), 401)
    assert stack.customer_conversation(chat)["assigned_agent_id"] is None


def test_logout_revokes_the_token(stack):
    me = stack.register_agent("logout")
    ok(stack.get("/api/v1/agent/me", token=me.token))
    assert stack.post("/api/v1/agent/auth/logout", token=me.token).status_code == 204
    chat = stack.escalated_chat()
    for method, path, body in agent_routes(chat.id):
        assert_error(stack.request(method, path, token=me.token, json=body), 401)
    # Another login of the same agent works.
    ok(stack.get("/api/v1/agent/me", token=stack.login(me.username, me.password).token))


def test_login(stack):
    body = ok(stack.post("/api/v1/agent/auth/login", json={"username": "agent", "password": stack.agent_password}))
    assert set(body) >= {"access_token", "token_type", "expires_at", "username", "agent"}
    assert body["token_type"] == "bearer" and body["username"] == "agent"
    assert body["agent"]["username"] == "agent" and body["agent"]["role"] == "agent"
    assert_error(stack.post("/api/v1/agent/auth/login", json={"username": "agent", "password": "wrong-password-123"}), 401)
    assert_error(stack.post("/api/v1/agent/auth/login", json={"username": "nobody-here", "password": "wrong-password-123"}), 401)
    assert_error(stack.post("/api/v1/agent/auth/login", json={"username": "agent"}), 400)


def test_officer_alias(stack):
    login = ok(stack.post("/api/v1/officer/auth/login", json={"username": "agent", "password": stack.agent_password}))
    token = login["access_token"]
    assert ok(stack.get("/api/v1/officer/me", token=token))["username"] == "agent"
    ok(stack.get("/api/v1/agent/me", token=token))
    chat = stack.escalated_chat()
    assert chat.id in [i["id"] for i in ok(stack.get("/api/v1/officer/queue", token=token))["items"]]
    me = stack.register_agent("officer")
    ok(stack.post(f"/api/v1/officer/conversations/{chat.id}/claim", token=me.token))
    listed = ok(stack.get("/api/v1/officer/conversations?status=agent&assigned=me", token=me.token))
    assert chat.id in [i["id"] for i in listed["items"]]
    ok(stack.post(f"/api/v1/officer/conversations/{chat.id}/messages", token=me.token, json={"content": "officer here"}))
    assert "officer here" in [m["content"] for m in ok(stack.get(f"/api/v1/officer/conversations/{chat.id}/messages", token=me.token))["messages"]]
    ok(stack.post(f"/api/v1/officer/conversations/{chat.id}/close", token=me.token))
    assert_error(stack.get("/api/v1/officer/me"), 401)


def test_register_requires_an_admin(stack):
    body = {"username": unique("reg"), "password": NEW_AGENT_PASSWORD, "display_name": "Reg Istered", "max_active_chats": 3}
    assert_error(stack.post("/api/v1/agent/register", token=stack.agent.token, json=body), 403)
    created = ok(stack.post("/api/v1/agent/register", token=stack.admin.token, json=body), (200, 201))
    assert created["username"] == body["username"] and created["display_name"] == "Reg Istered"
    assert created["max_active_chats"] == 3 and created["role"] == "agent"
    assert "password" not in created and not any("hash" in k for k in created)
    me = stack.login(body["username"], NEW_AGENT_PASSWORD)
    assert ok(stack.get("/api/v1/agent/me", token=me.token))["id"] == created["id"]
    # The new agent is no admin either.
    other = {"username": unique("reg"), "password": NEW_AGENT_PASSWORD, "display_name": "Nope"}
    assert_error(stack.post("/api/v1/agent/register", token=me.token, json=other), 403)


def test_presence(stack):
    me = stack.register_agent("presence")
    assert ok(stack.post("/api/v1/agent/presence", token=me.token, json={"presence": "online"}))["presence"] == "online"
    assert ok(stack.get("/api/v1/agent/me", token=me.token))["presence"] == "online"
    assert ok(stack.post("/api/v1/agent/presence", token=me.token, json={"presence": "offline"}))["presence"] == "offline"
    assert_error(stack.post("/api/v1/agent/presence", token=me.token, json={"presence": "busy"}), 400)


@pytest.fixture(scope="module")
def twenty_agents(stack):
    return [stack.register_agent("race") for _ in range(20)]


def test_claim_race_has_exactly_one_winner(stack, twenty_agents):
    chat = stack.escalated_chat()
    barrier = threading.Barrier(len(twenty_agents))
    results = [None] * len(twenty_agents)

    def claim(i, agent):
        barrier.wait()
        # One connection per thread: requests.Session is not shared across threads.
        results[i] = requests.post(
            stack.url(f"/api/v1/agent/conversations/{chat.id}/claim"),
            headers={"Authorization": f"Bearer {agent.token}"},
            timeout=30,
        )

    threads = [threading.Thread(target=claim, args=(i, a)) for i, a in enumerate(twenty_agents)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200] + [409] * 19, statuses
    won = next(i for i, r in enumerate(results) if r.status_code == 200)
    winner = twenty_agents[won]
    assert results[won].json()["conversation"]["assigned_agent_id"] == winner.id
    for r in results:
        if r.status_code == 409:
            assert_error(r, 409, "already_claimed")
    assert stack.customer_conversation(chat)["assigned_agent_id"] == winner.id
    assert chat.id not in stack.queue_ids(winner.token)
    # Claiming again is harmless for the holder, refused for the others.
    ok(stack.post(f"/api/v1/agent/conversations/{chat.id}/claim", token=winner.token))
    loser = next(a for a in twenty_agents if a.id != winner.id)
    assert_error(stack.post(f"/api/v1/agent/conversations/{chat.id}/claim", token=loser.token), 409, "already_claimed")


def test_queue_is_oldest_first_and_release_returns_a_chat(stack):
    me = stack.register_agent("queue")
    first, second = stack.escalated_chat(), stack.escalated_chat()
    queue = ok(stack.get("/api/v1/agent/queue", token=me.token))
    assert is_event_id(queue["last_event_id"])
    ids = [i["id"] for i in queue["items"]]
    assert ids.index(first.id) < ids.index(second.id)
    assert all(i["status"] == "agent" and i["assigned_agent_id"] is None for i in queue["items"])

    ok(stack.post(f"/api/v1/agent/conversations/{first.id}/claim", token=me.token))
    assert first.id not in stack.queue_ids(me.token)
    other = stack.register_agent("queue")
    assert_error(stack.post(f"/api/v1/agent/conversations/{first.id}/release", token=other.token), 403)
    released = ok(stack.post(f"/api/v1/agent/conversations/{first.id}/release", token=me.token))
    assert released["conversation"]["assigned_agent_id"] is None
    assert released["conversation"]["status"] == "agent"
    assert first.id in stack.queue_ids(me.token)
    assert_error(stack.post(f"/api/v1/agent/conversations/{first.id}/release", token=me.token), 409)


def test_first_message_assigns_and_others_get_403(stack):
    chat = stack.escalated_chat()
    me, other = stack.register_agent("first"), stack.register_agent("first")
    sent = ok(stack.post(f"/api/v1/agent/conversations/{chat.id}/messages", token=me.token, json={"content": "I'm here"}))
    assert sent["conversation"]["assigned_agent_id"] == me.id
    assert_error(stack.post(f"/api/v1/agent/conversations/{chat.id}/messages", token=other.token, json={"content": "me too"}), 403)
    assert_error(stack.post(f"/api/v1/agent/conversations/{chat.id}/claim", token=other.token), 409)
    assert_error(stack.post(f"/api/v1/agent/conversations/{chat.id}/close", token=other.token), 403)
    # An admin may close anyone's conversation.
    ok(stack.post(f"/api/v1/agent/conversations/{chat.id}/close", token=stack.admin.token))


def test_agent_idempotent_send(stack):
    chat = stack.escalated_chat()
    me = stack.register_agent("idem")
    body = {"content": "Only once", "client_message_id": f"am-{uuid.uuid4()}"}
    first = ok(stack.post(f"/api/v1/agent/conversations/{chat.id}/messages", token=me.token, json=body))
    second = ok(stack.post(f"/api/v1/agent/conversations/{chat.id}/messages", token=me.token, json=body))
    assert first["message"]["id"] == second["message"]["id"]
    contents = [m["content"] for m in stack.customer_messages(chat)]
    assert contents.count("Only once") == 1


def test_close_rules(stack):
    me = stack.register_agent("close")
    automated = stack.start_chat()
    assert_error(stack.post(f"/api/v1/agent/conversations/{automated.id}/close", token=me.token), 409, "invalid_transition")
    assert stack.customer_conversation(automated)["status"] == "automated"

    chat = stack.escalated_chat()
    ok(stack.post(f"/api/v1/agent/conversations/{chat.id}/claim", token=me.token))
    closed = ok(stack.post(f"/api/v1/agent/conversations/{chat.id}/close", token=me.token))
    assert closed["conversation"]["status"] == "closed"
    if closed["system_message"] is not None:
        assert closed["system_message"]["sender_type"] == "system"
    assert_error(stack.post(f"/api/v1/agent/conversations/{chat.id}/close", token=me.token), 409, "conversation_closed")
    assert_error(stack.post(f"/api/v1/agent/conversations/{chat.id}/messages", token=me.token, json={"content": "late"}), 409, "conversation_closed")
    assert_error(stack.post(f"/api/v1/agent/conversations/{chat.id}/claim", token=me.token), 409)
    # The bot said nothing after the escalation (the first system message).
    messages = stack.customer_messages(chat)
    escalated_at = next(i for i, m in enumerate(messages) if m["sender_type"] == "system")
    assert not [m for m in messages[escalated_at:] if m["sender_type"] == "bot"]


def test_agent_conversation_list_never_shows_session_ids(stack):
    me = stack.register_agent("list")
    mine, queued = stack.escalated_chat(), stack.escalated_chat()
    ok(stack.post(f"/api/v1/agent/conversations/{mine.id}/claim", token=me.token))
    ok(stack.post(f"/api/v1/agent/conversations/{mine.id}/messages", token=me.token, json={"content": "hi there"}))

    listed = stack.get("/api/v1/agent/conversations?status=agent&assigned=me", token=me.token)
    body = ok(listed)
    assert is_event_id(body["last_event_id"])
    assert [i["id"] for i in body["items"]] == [mine.id]
    item = body["items"][0]
    assert item["has_agent_replied"] is True and item["last_message"]["content"] == "hi there"
    assert "customer_session_id" not in item
    assert mine.session_id not in listed.text

    unassigned = stack.get("/api/v1/agent/conversations?status=agent&assigned=none", token=me.token)
    assert queued.id in [i["id"] for i in ok(unassigned)["items"]]
    assert queued.session_id not in unassigned.text
    everything = stack.get("/api/v1/agent/conversations?assigned=any&limit=200", token=me.token)
    ok(everything)
    assert mine.session_id not in everything.text and queued.session_id not in everything.text
    history = stack.get(f"/api/v1/agent/conversations/{mine.id}/messages", token=me.token)
    assert mine.session_id not in history.text
    assert_error(stack.get("/api/v1/agent/conversations?status=bogus", token=me.token), 400)


def test_agent_typing(stack):
    chat = stack.escalated_chat()
    me = stack.register_agent("typing")
    ok(stack.post(f"/api/v1/agent/conversations/{chat.id}/claim", token=me.token))
    assert stack.post(f"/api/v1/agent/conversations/{chat.id}/typing", token=me.token, json={"typing": True}).status_code == 204
    assert_error(stack.post(f"/api/v1/agent/conversations/{chat.id}/typing", token=me.token, json={"typing": 1}), 400)


def test_unknown_conversation_is_404_for_agents(stack):
    missing = str(uuid.uuid4())
    for method, suffix, body in [
        ("POST", "/claim", None),
        ("GET", "/messages", None),
        ("POST", "/messages", {"content": "x"}),
        ("POST", "/close", None),
    ]:
        assert_error(stack.request(method, f"/api/v1/agent/conversations/{missing}{suffix}", token=stack.agent.token, json=body), 404)
