"""Ratings after a chat (docs/API.md "Ratings", issue 23) through nginx: the shop's
`csat` settings (defaults, merging, validation) and `widget-config`'s copy; the customer's
`can_rate` / `rating` before and after; `chat.closed` carrying `can_rate`; `POST .../rating`
with its codes (201, 409 `not_closed` / `not_rateable` / `already_rated`, 403
`ratings_disabled` / `not_your_conversation`, 400 `invalid_rating`); the rating on
`AgentConversation` (messages answer, lists); `conversation.rated` on agent streams and
never on the customer's. Every answer and event payload is checked against
docs/openapi.yaml (daylib's Desk).

One stack for the module (`ratings`): the tests switch ratings off and back on."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import requests

from daylib import A, C, D, NO_SUCH_ID, O, Desk, checked_events, held_chat, of, streams  # noqa: F401 (streams: a fixture)
from identitylib import new_secret, new_sub, signed_in
from stacklib import Chat, assert_error, ok

SETTINGS = f"{D}/settings"
DEFAULT_CSAT = {"enabled": True, "question": "How did we do?"}


@pytest.fixture(scope="module")
def stack(stack_factory):
    return stack_factory("ratings")


@pytest.fixture(scope="module")
def desk(stack) -> Desk:
    return Desk(stack)


def rating_path(chat: Chat) -> str:
    return f"{C}/conversations/{chat.id}/rating"


def rate(desk: Desk, chat: Chat, session: str | None = None, **body) -> requests.Response:
    """The customer's POST .../rating (the response)."""
    return desk.call("POST", rating_path(chat), session=chat.session_id if session is None else session, json=body)


def conversation(desk: Desk, chat: Chat) -> dict:
    return desk.ok("GET", f"{C}/conversations/{chat.id}", session=chat.session_id)


def answered_and_closed(desk: Desk, agent) -> Chat:
    """A chat the customer escalated, `agent` claimed, answered and closed."""
    chat = held_chat(desk.stack, agent)
    desk.reply(agent, chat.id, "Hello, how can I help?")
    desk.ok("POST", f"{A}/conversations/{chat.id}/close", who=agent)
    return chat


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def csat_settings(desk: Desk) -> dict:
    return desk.ok("GET", SETTINGS, who=desk.stack.admin)["csat"]


def set_csat(desk: Desk, **members) -> dict:
    return desk.ok("PATCH", SETTINGS, who=desk.stack.admin, json={"csat": members})["csat"]


def nobody_online(stack) -> None:
    """Every agent offline (disabling sets an agent offline; enabling keeps them so)."""
    for agent in ok(stack.get(f"{A}/agents", token=stack.admin.token))["items"]:
        if agent["presence"] == "online" and agent["id"] != stack.admin.id:
            for disabled in (True, False):
                ok(stack.request("PATCH", f"{D}/agents/{agent['id']}", token=stack.admin.token, json={"disabled": disabled}))


def test_csat_settings_default_merge_and_validate(stack, desk):
    """Runs first (file order): the desk's settings as seeded."""
    admin = stack.admin
    assert csat_settings(desk) == DEFAULT_CSAT
    config = desk.ok("GET", f"{C}/widget-config")
    assert config["csat"] == DEFAULT_CSAT and config["limits"]["rating_comment_max_chars"] == 1000
    try:
        # Merging like `widget`: one member changes, the other stays.
        assert set_csat(desk, question="Rate us?") == {"enabled": True, "question": "Rate us?"}
        assert set_csat(desk, enabled=False) == {"enabled": False, "question": "Rate us?"}
        assert desk.ok("GET", f"{C}/widget-config")["csat"] == {"enabled": False, "question": "Rate us?"}
        longest = "é" * 199 + "?"  # 200 characters, 399 bytes
        assert set_csat(desk, question=longest)["question"] == longest
        before = desk.ok("GET", SETTINGS, who=admin)
        for bad in ({"question": ""}, {"question": "x" * 201}):
            refused = desk.refused("PATCH", SETTINGS, 400, "invalid_settings", who=admin, json={"csat": bad})
            assert refused["detail"].startswith("csat.question:"), refused
        # Wrong JSON types and nulls: a 400 (the desk's decoding says invalid_json).
        for bad in ({"csat": None}, {"csat": {"question": None}}, {"csat": {"enabled": None}}, {"csat": "on"},
                    {"csat": {"question": 5}}, {"csat": {"enabled": "yes"}}, {"csat": {"enabled": 1}}):
            assert_error(desk.call("PATCH", SETTINGS, who=admin, json=bad), 400)
        assert desk.ok("GET", SETTINGS, who=admin) == before, "a refused change changed nothing"
        audit = desk.ok("GET", f"{D}/audit?limit=20", who=admin)["items"]
        changes = [e["data"] for e in audit if e["action"] == "settings.updated" and e["actor"]["username"] == "admin"]
        assert {"csat.question": "Rate us?"} in changes and {"csat.enabled": "false"} in changes, changes
    finally:
        set_csat(desk, **DEFAULT_CSAT)
    assert desk.ok("GET", f"{C}/widget-config")["csat"] == DEFAULT_CSAT


def test_a_rating_after_a_chat_a_person_answered(stack, desk, streams):
    nobody_online(stack)  # (so an agent coming online later is news to every widget: the marker below)
    sam, kim = stack.register_agent("sam"), stack.register_agent("kim")
    sams, kims = streams.agent(sam), streams.agent(kim)
    chat = held_chat(stack, sam)
    widget = streams.customer(chat)

    fresh = conversation(desk, chat)
    assert (fresh["can_rate"], fresh["rating"]) == (False, None)
    desk.reply(sam, chat.id, "Hello, Sam here. Your parcel left today.")
    assert conversation(desk, chat)["can_rate"] is False, "not closed yet"
    desk.refused("POST", rating_path(chat), 409, "not_closed", session=chat.session_id, json={"score": 5})

    desk.ok("POST", f"{A}/conversations/{chat.id}/close", who=sam)
    closed = widget.wait_for(of(chat.id, "chat.closed"), what="chat.closed on the widget's stream")
    assert closed.json["can_rate"] is True, closed
    assert sams.wait_for(of(chat.id, "chat.closed"), what="chat.closed on the console").json["can_rate"] is True
    now_closed = conversation(desk, chat)
    assert (now_closed["status"], now_closed["can_rate"], now_closed["rating"]) == ("closed", True, None)
    assert desk.ok("GET", f"{C}/conversations/{chat.id}/messages", session=chat.session_id)["conversation"]["can_rate"] is True
    assert desk.item(sam, chat.id)["rating"] is None

    answer = rate(desk, chat, score=4, comment="Quick and kind, thank you!")
    assert answer.status_code == 201, answer.text
    rating = answer.json()
    assert set(rating) == {"score", "comment", "created_at"}, rating
    assert (rating["score"], rating["comment"]) == (4, "Quick and kind, thank you!")
    assert parse_time(now_closed["updated_at"]) <= parse_time(rating["created_at"]) <= datetime.now(timezone.utc)

    # The customer sees it, and may not rate this closing again.
    after = conversation(desk, chat)
    assert (after["can_rate"], after["rating"]) == (False, rating)
    desk.refused("POST", rating_path(chat), 409, "already_rated", session=chat.session_id, json={"score": 1})
    desk.refused("POST", rating_path(chat), 409, "already_rated", session=chat.session_id, json={"score": 4})
    assert conversation(desk, chat)["rating"] == rating, "the second try changed nothing"

    # Agents see it: the messages answer, every list (the holder's, anyone's, the closed ones), both aliases.
    assert desk.ok("GET", f"{A}/conversations/{chat.id}/messages", who=kim)["conversation"]["rating"] == rating
    assert desk.ok("GET", f"{O}/conversations/{chat.id}/messages", who=sam)["conversation"]["rating"] == rating
    assert desk.item(sam, chat.id)["rating"] == rating and desk.item(kim, chat.id)["rating"] == rating
    closed_list = desk.listed(sam, "status=closed&assigned=me")
    assert [c["rating"] for c in closed_list if c["id"] == chat.id] == [rating]

    # conversation.rated reaches every console ...
    for stream in (sams, kims):
        event = stream.wait_for(of(chat.id, "conversation.rated"), what="conversation.rated on a console")
        assert event.json == {"conversation_id": chat.id, "rating": rating}
    rated_id = event.int_id
    # ... and never the customer's stream: an agent coming online (nobody was) is announced to every
    # widget after it; a conversation.rated for the widget would have come first.
    lee = stack.register_agent("lee")
    desk.ok("POST", f"{A}/presence", who=lee, json={"presence": "online"})
    try:
        widget.wait_for(lambda e: e.event == "availability.changed" and e.json["status"] == "online"
                        and (e.int_id is None or rated_id is None or e.int_id > rated_id),
                        what="availability.changed after the rating (the marker)")
    finally:
        desk.ok("POST", f"{A}/presence", who=lee, json={"presence": "offline"})
    assert widget.named("conversation.rated") == [], widget.describe()
    for stream in (sams, kims, widget):
        checked_events(stream)


def test_no_comment_is_an_empty_one_and_the_longest_comment(stack, desk):
    sam = stack.register_agent("sam")
    bare = answered_and_closed(desk, sam)
    answer = rate(desk, bare, score=5)
    assert answer.status_code == 201, answer.text
    assert (answer.json()["score"], answer.json()["comment"]) == (5, "")
    assert conversation(desk, bare)["rating"] == answer.json()

    longest = answered_and_closed(desk, sam)
    comment = "é" * 500 + "\n" + "é" * 499  # 1000 characters (code points), 1999 bytes; a line break is text
    answer = rate(desk, longest, score=1, comment=comment)
    assert answer.status_code == 201, answer.text
    assert answer.json()["comment"] == comment and answer.json()["score"] == 1


def test_invalid_ratings_are_refused_and_leave_the_chance(stack, desk):
    sam = stack.register_agent("sam")
    chat = answered_and_closed(desk, sam)
    for body in ({"score": 0}, {"score": 6}, {"score": -1}, {"score": 3.5}, {"score": "5"},
                 {"score": 5, "comment": "x" * 1001}, {"score": 5, "comment": "é" * 1001}):
        desk.refused("POST", rating_path(chat), 400, "invalid_rating", session=chat.session_id, json=body)
    for body in ({}, {"score": None}, {"score": True}, {"score": [5]}, {"score": 5, "comment": 5}, {"comment": "no score"}):
        assert_error(rate(desk, chat, **body), 400)
    assert_error(desk.call("POST", rating_path(chat), session=chat.session_id, data=b"{",
                           headers={"Content-Type": "application/json"}), 400)
    assert_error(desk.call("POST", rating_path(chat), session=chat.session_id, data=b'{"score": 5}'), 415)
    still = conversation(desk, chat)
    assert (still["can_rate"], still["rating"]) == (True, None), "no refused rating was stored"
    answer = rate(desk, chat, score=3, comment="ok")
    assert answer.status_code == 201, answer.text


def test_a_chat_no_agent_wrote_in_cannot_be_rated(stack, desk, streams):
    sam = stack.register_agent("sam")
    # Escalated, claimed and closed by the agent without a reply (system notices are no replies).
    held = held_chat(stack, sam)
    widget = streams.customer(held)
    desk.ok("POST", f"{A}/conversations/{held.id}/close", who=sam)
    assert widget.wait_for(of(held.id, "chat.closed"), what="chat.closed").json["can_rate"] is False
    # Escalated and closed from the queue, nobody ever holding it.
    queued = stack.escalated_chat()
    desk.ok("POST", f"{A}/conversations/{queued.id}/close", who=sam)
    for chat in (held, queued):
        seen = conversation(desk, chat)
        assert (seen["status"], seen["can_rate"], seen["rating"]) == ("closed", False, None), seen
        desk.refused("POST", rating_path(chat), 409, "not_rateable", session=chat.session_id, json={"score": 5})
        assert desk.item(sam, chat.id)["rating"] is None
    checked_events(widget)


def test_a_chat_the_bot_handled_alone_cannot_be_rated(stack, desk):
    """A bot-only chat is closed when its shopper signs in while their account has another open
    chat (API.md "Known customers": merged); the signed-in session still reaches it."""
    anonymous = stack.start_chat()
    bot_answer = desk.ok("POST", f"{C}/conversations/{anonymous.id}/messages", session=anonymous.session_id,
                         json={"content": "What are your opening hours?"})
    assert bot_answer["bot_message"] is not None and bot_answer["conversation"]["status"] == "automated"
    secret, sub = new_secret(stack), new_sub()
    signed_in(stack, secret, sub)  # the account's own open chat, on another device
    laptop = signed_in(stack, secret, sub, anonymous_session=anonymous.session_id)
    assert laptop.id != anonymous.id
    merged = Chat(anonymous.id, laptop.session_id, laptop.start)
    seen = conversation(desk, merged)
    assert (seen["status"], seen["can_rate"], seen["rating"]) == ("closed", False, None), seen
    desk.refused("POST", rating_path(merged), 409, "not_rateable", session=laptop.session_id, json={"score": 5})


def test_ratings_switched_off(stack, desk):
    sam = stack.register_agent("sam")
    chat = answered_and_closed(desk, sam)
    set_csat(desk, enabled=False)
    try:
        assert desk.ok("GET", f"{C}/widget-config")["csat"]["enabled"] is False
        # can_rate says what the chat allows; the widget asks only while csat.enabled is true too.
        assert conversation(desk, chat)["can_rate"] is True
        desk.refused("POST", rating_path(chat), 403, "ratings_disabled", session=chat.session_id, json={"score": 5})
        assert conversation(desk, chat)["rating"] is None
    finally:
        set_csat(desk, enabled=True)
    answer = rate(desk, chat, score=5)
    assert answer.status_code == 201, answer.text


def test_only_the_conversations_customer_rates_it(stack, desk):
    sam = stack.register_agent("sam")
    chat = answered_and_closed(desk, sam)
    other = stack.start_chat()
    desk.refused("POST", rating_path(chat), 403, "not_your_conversation", session=other.session_id, json={"score": 1})
    assert_error(desk.call("POST", rating_path(chat), json={"score": 1}), 401, "missing_session")
    assert_error(desk.call("POST", rating_path(chat), who=sam, json={"score": 1}), 401)
    desk.refused("POST", f"{C}/conversations/{NO_SUCH_ID}/rating", 404, "conversation_not_found",
                 session=chat.session_id, json={"score": 1})
    untouched = conversation(desk, chat)
    assert (untouched["can_rate"], untouched["rating"]) == (True, None)
