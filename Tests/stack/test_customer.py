"""Customer routes: the bot, validation, session ownership, idempotency, state rules."""

import uuid

import pytest

from stacklib import Chat, assert_error, is_event_id, ok


def conv_path(chat, suffix=""):
    return f"/api/v1/customer/conversations/{chat.id}{suffix}"


@pytest.fixture(scope="module")
def faqs(stack):
    questions = ok(stack.get("/api/v1/customer/quick-questions"))
    assert len(questions) >= 1
    return questions


def test_start_resumes_an_open_conversation_and_force_new_starts_another(stack):
    chat = stack.start_chat()
    again = ok(stack.post("/api/v1/customer/conversations/start", json={"customer_session_id": chat.session_id}))
    assert again["conversation"]["id"] == chat.id
    assert [m["id"] for m in again["messages"]] == [m["id"] for m in chat.start["messages"]]

    fresh = ok(stack.post(
        "/api/v1/customer/conversations/start",
        json={"customer_session_id": chat.session_id, "force_new": True},
    ))
    assert fresh["conversation"]["id"] != chat.id
    assert fresh["conversation"]["customer_session_id"] == chat.session_id
    assert [m["sender_type"] for m in fresh["messages"]] == ["bot"]
    # force_new closes nothing.
    assert stack.customer_conversation(chat)["status"] == "automated"


def test_new_sessions_are_distinct(stack):
    ids = {stack.start_chat().session_id for _ in range(5)}
    assert len(ids) == 5


def test_quick_reply_answers_with_the_faq_answer(stack, faqs):
    chat = stack.start_chat()
    faq = faqs[0]
    answer = ok(stack.post(conv_path(chat, f"/quick-replies/{faq['slug']}"), session=chat.session_id))
    bot = answer["bot_message"]
    assert bot["sender_type"] == "bot" and bot["content"]
    # Typing the question itself reaches the same FAQ answer.
    typed = ok(stack.post(conv_path(chat, "/messages"), session=chat.session_id, json={"content": faq["question"]}))
    assert typed["bot_message"]["content"] == bot["content"]


def test_unknown_quick_reply_slug_is_404(stack):
    chat = stack.start_chat()
    assert_error(stack.post(conv_path(chat, "/quick-replies/no-such-faq-slug"), session=chat.session_id), 404)


def test_free_text_without_a_match_gets_the_fallback_offering_a_human(stack, faqs):
    chat = stack.start_chat()
    faq_answers = set()
    for faq in faqs:
        a = ok(stack.post(conv_path(chat, f"/quick-replies/{faq['slug']}"), session=chat.session_id))
        faq_answers.add(a["bot_message"]["content"])
    answer = ok(stack.post(conv_path(chat, "/messages"), session=chat.session_id, json={"content": "xyzzy plugh qwertz"}))
    assert answer["bot_message"] is not None
    assert answer["bot_message"]["content"] not in faq_answers
    assert answer["show_talk_to_agent"] is True


@pytest.mark.parametrize(
    "body",
    [
        {"content": "   \n\t  "},
        {"content": ""},
        {"content": "a" * 4001},
        {},
        {"content": None},
        {"content": 123},
        {"content": ["hi"]},
        {"content": "hi", "client_message_id": 5},
    ],
    ids=["whitespace", "empty", "4001-chars", "missing", "null", "number", "list", "cmid-number"],
)
def test_invalid_message_is_400(stack, body):
    chat = stack.start_chat()
    assert_error(stack.post(conv_path(chat, "/messages"), session=chat.session_id, json=body), 400)
    # Nothing was stored.
    assert len(stack.customer_messages(chat)) == len(chat.start["messages"])


@pytest.mark.parametrize("content", ["a" * 4000, "é" * 4000, " padded  "], ids=["4000-ascii", "4000-non-ascii", "spaces"])
def test_message_length_counts_characters(stack, content):
    chat = stack.start_chat()
    ok(stack.post(conv_path(chat, "/messages"), session=chat.session_id, json={"content": content}))


def test_idempotent_send_returns_the_original_message(stack):
    chat = stack.start_chat()
    before = len(stack.customer_messages(chat))
    body = {"content": "Is this sent twice?", "client_message_id": f"cm-{uuid.uuid4()}"}
    first = ok(stack.post(conv_path(chat, "/messages"), session=chat.session_id, json=body))
    second = ok(stack.post(conv_path(chat, "/messages"), session=chat.session_id, json=body))
    assert second["customer_message"]["id"] == first["customer_message"]["id"]
    assert first["customer_message"]["client_message_id"] == body["client_message_id"]
    messages = stack.customer_messages(chat)
    assert [m["client_message_id"] for m in messages].count(body["client_message_id"]) == 1
    # One customer message and one bot answer, not two of each.
    assert len(messages) == before + 2


def customer_routes(slug):
    return [
        ("GET", "", None),
        ("GET", "/messages", None),
        ("POST", "/messages", {"content": "not yours"}),
        ("POST", f"/quick-replies/{slug}", None),
        ("POST", "/escalate", None),
        ("POST", "/typing", {"typing": True}),
    ]


def test_another_session_gets_403_on_every_conversation_route(stack, faqs):
    victim = stack.start_chat()
    intruder = stack.start_chat()
    for method, suffix, body in customer_routes(faqs[0]["slug"]):
        resp = stack.request(method, conv_path(victim, suffix), session=intruder.session_id, json=body)
        assert_error(resp, 403)
    for method, suffix, body in customer_routes(faqs[0]["slug"]):
        resp = stack.request(method, conv_path(victim, suffix), json=body)
        assert_error(resp, (401, 403))
    # Untouched.
    assert stack.customer_conversation(victim)["status"] == "automated"
    assert len(stack.customer_messages(victim)) == len(victim.start["messages"])


def test_unknown_conversation_is_404(stack, faqs):
    chat = stack.start_chat()
    missing = Chat(str(uuid.uuid4()), chat.session_id, {})
    for method, suffix, body in customer_routes(faqs[0]["slug"]):
        assert_error(stack.request(method, conv_path(missing, suffix), session=chat.session_id, json=body), 404)


def test_escalate_is_idempotent_and_the_bot_then_stays_quiet(stack, faqs):
    chat = stack.start_chat()
    first = ok(stack.post(conv_path(chat, "/escalate"), session=chat.session_id))
    assert first["status"] == "agent"
    system_count = sum(m["sender_type"] == "system" for m in stack.customer_messages(chat))
    second = ok(stack.post(conv_path(chat, "/escalate"), session=chat.session_id, json={}))
    assert second["status"] == "agent"
    messages = stack.customer_messages(chat)
    assert sum(m["sender_type"] == "system" for m in messages) == system_count

    text = ok(stack.post(conv_path(chat, "/messages"), session=chat.session_id, json={"content": "hello?"}))
    assert text["bot_message"] is None
    quick = ok(stack.post(conv_path(chat, f"/quick-replies/{faqs[0]['slug']}"), session=chat.session_id))
    assert quick["bot_message"] is None
    assert stack.customer_messages(chat)[-1]["sender_type"] == "customer"
    assert not [m for m in stack.customer_messages(chat)[len(messages):] if m["sender_type"] == "bot"]


def test_closed_conversation_is_read_only(stack, faqs):
    chat = stack.escalated_chat()
    ok(stack.post(f"/api/v1/agent/conversations/{chat.id}/close", token=stack.admin.token))
    assert stack.customer_conversation(chat)["status"] == "closed"
    assert_error(stack.post(conv_path(chat, "/messages"), session=chat.session_id, json={"content": "hi"}), 409, "conversation_closed")
    assert_error(stack.post(conv_path(chat, f"/quick-replies/{faqs[0]['slug']}"), session=chat.session_id), 409, "conversation_closed")
    assert_error(stack.post(conv_path(chat, "/escalate"), session=chat.session_id), 409, "conversation_closed")
    # Still readable.
    assert ok(stack.get(conv_path(chat, "/messages"), session=chat.session_id))["conversation"]["status"] == "closed"
    # `start` with the session opens a new conversation rather than the closed one.
    again = ok(stack.post("/api/v1/customer/conversations/start", json={"customer_session_id": chat.session_id}))
    assert again["conversation"]["id"] != chat.id and again["conversation"]["status"] == "automated"


def test_typing(stack):
    chat = stack.start_chat()
    assert stack.post(conv_path(chat, "/typing"), session=chat.session_id, json={"typing": True}).status_code == 204
    assert stack.post(conv_path(chat, "/typing"), session=chat.session_id, json={"typing": False}).status_code == 204
    assert_error(stack.post(conv_path(chat, "/typing"), session=chat.session_id, json={"typing": "yes"}), 400)
    assert_error(stack.post(conv_path(chat, "/typing"), session=chat.session_id, json={}), 400)


def test_messages_after_cursor_and_limit(stack):
    chat = stack.start_chat()
    for i in range(3):
        ok(stack.post(conv_path(chat, "/messages"), session=chat.session_id, json={"content": f"note {i}"}))
    everything = stack.customer_messages(chat)
    assert len(everything) >= 4
    after = ok(stack.get(conv_path(chat, f"/messages?after={everything[0]['id']}"), session=chat.session_id))["messages"]
    assert [m["id"] for m in after] == [m["id"] for m in everything[1:]]
    one = ok(stack.get(conv_path(chat, f"/messages?after={everything[0]['id']}&limit=1"), session=chat.session_id))["messages"]
    assert [m["id"] for m in one] == [everything[1]["id"]]


def test_last_event_id_advances_with_changes(stack):
    chat = stack.start_chat()
    first = chat.start["last_event_id"]
    assert is_event_id(first)
    ok(stack.post(conv_path(chat, "/messages"), session=chat.session_id, json={"content": "an event, please"}))
    listed = ok(stack.get(conv_path(chat, "/messages"), session=chat.session_id))
    assert is_event_id(listed["last_event_id"]) and listed["last_event_id"] > first


def test_without_smtp_no_email_is_offered_or_queued(stack):
    """The shared stack has no SWITCHBOARD_SMTP_URL: the widget is told, and a transcript is refused."""
    assert ok(stack.get("/api/v1/customer/widget-config"))["availability"]["email_enabled"] is False
    chat = stack.start_chat()
    assert_error(stack.post(f"/api/v1/customer/conversations/{chat.id}/transcript", session=chat.session_id, json={}),
                 409, "email_unavailable")
