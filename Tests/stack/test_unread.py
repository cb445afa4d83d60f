"""Unread and awaiting reply (docs/API.md "Unread and awaiting reply", issue 21) through
nginx: a read cursor per agent and conversation; a read in one tab of an agent reaches
both of that agent's streams (`conversation.read`) and no stream of anyone else; each
agent's `unread_count` in their own lists; `?unread=true` and `?awaiting_reply=true`;
`waiting_since` is the first customer message after the last agent message. Every answer
and event payload is checked against docs/openapi.yaml.

"No stream of another agent" is not a pause: after the read, a note on the conversation
(an event every agent stream gets) marks the point; event ids only grow, so a
`conversation.read` that was going to reach that stream would have come before it."""

from __future__ import annotations

import pytest

from daylib import A, C, NO_SUCH_ID, O, Desk, checked_events, held_chat, of, streams  # noqa: F401 (streams: a fixture)
from stacklib import assert_error


@pytest.fixture(scope="module")
def desk(stack) -> Desk:
    return Desk(stack)


def unread(desk: Desk, who, conversation_id: str) -> int:
    return desk.item(who, conversation_id)["unread_count"]


def ids(items: list[dict]) -> set[str]:
    return {c["id"] for c in items}


def customer_messages(desk: Desk, who, conversation_id: str) -> list[dict]:
    return [m for m in desk.messages(who, conversation_id) if m["sender_type"] == "customer"]


def mark(desk: Desk, conversation_id: str, *streams) -> None:
    """A note every agent stream receives: what came before it on a stream has arrived."""
    note = desk.note(desk.stack.admin, conversation_id, "marker")
    for stream in streams:
        stream.wait_for(lambda e: e.event == "note.created" and e.json["note"]["id"] == note["id"], what="the marker note")


def test_a_read_in_one_tab_clears_the_other_tab_and_nobody_else_s(stack, desk, streams):
    sam, kim = stack.register_agent("sam"), stack.register_agent("kim")
    chat = held_chat(stack, sam)
    for text in ("Hello?", "My parcel is late", "Order NW-1"):
        desk.say(chat, text)
    sent = customer_messages(desk, sam, chat.id)
    assert len(sent) == 3
    # Nobody has read anything: each agent counts every customer message.
    assert unread(desk, sam, chat.id) == unread(desk, kim, chat.id) == 3
    assert chat.id in ids(desk.listed(sam, "unread=true")) and chat.id in ids(desk.listed(kim, "unread=true"))

    tab1, tab2 = streams.agent(sam), streams.agent(sam.token)  # two tabs, one token
    kims = streams.agent(kim)
    assert desk.read(sam, chat.id).status_code == 204
    newest = desk.messages(sam, chat.id)[-1]
    for tab in (tab1, tab2):
        event = tab.wait_for(of(chat.id, "conversation.read"), what="conversation.read on both of Sam's tabs")
        assert event.json == {"conversation_id": chat.id, "agent_id": sam.id, "up_to_message_id": newest["id"]}
    mark(desk, chat.id, kims, tab1, tab2)
    assert kims.named("conversation.read") == [], "another agent's read is not Kim's business"
    for stream in (tab1, tab2, kims):
        checked_events(stream)

    # Sam has read it, Kim has not.
    assert unread(desk, sam, chat.id) == 0 and unread(desk, kim, chat.id) == 3
    assert chat.id not in ids(desk.listed(sam, "unread=true"))
    assert chat.id in ids(desk.listed(sam, "unread=false"))
    assert chat.id in ids(desk.listed(kim, "unread=true"))
    # A new customer message is unread again, for both.
    desk.say(chat, "Anyone?")
    assert unread(desk, sam, chat.id) == 1 and unread(desk, kim, chat.id) == 4
    assert chat.id in ids(desk.ok("GET", f"{O}/conversations?unread=true&limit=200", who=sam)["items"])


def test_the_cursor_moves_back_too_and_an_own_reply_moves_it(stack, desk):
    sam = stack.register_agent("sam")
    chat = held_chat(stack, sam)
    for text in ("one", "two", "three"):
        desk.say(chat, text)
    one, two, three = customer_messages(desk, sam, chat.id)[-3:]
    assert desk.read(sam, chat.id, up_to=three["id"]).status_code == 204
    assert unread(desk, sam, chat.id) == 0
    assert desk.read(sam, chat.id, up_to=one["id"]).status_code == 204
    assert unread(desk, sam, chat.id) == 2, "what came after the cursor counts again"
    desk.reply(sam, chat.id, "On it.")
    assert unread(desk, sam, chat.id) == 0, "an agent's own reply moves their cursor to it"
    # Refusals.
    other = stack.start_chat()
    foreign = stack.customer_messages(other)[0]
    desk.refused("POST", f"{A}/conversations/{chat.id}/read", 404, "message_not_found", who=sam,
                 json={"up_to_message_id": foreign["id"]})
    desk.refused("POST", f"{A}/conversations/{chat.id}/read", 404, "message_not_found", who=sam,
                 json={"up_to_message_id": NO_SUCH_ID})
    desk.refused("POST", f"{A}/conversations/{NO_SUCH_ID}/read", 404, "conversation_not_found", who=sam, json={})
    assert_error(desk.call("POST", f"{A}/conversations/{chat.id}/read", json={}), 401)
    # Reading needs no body at all, and works under the officer alias.
    desk.say(chat, "four")
    resp = desk.call("POST", f"{O}/conversations/{chat.id}/read", who=sam)
    assert resp.status_code == 204, resp.text
    assert unread(desk, sam, chat.id) == 0


def test_awaiting_reply_and_how_long_the_customer_has_waited(stack, desk):
    sam = stack.register_agent("sam")
    bot_chat = stack.start_chat()
    desk.say(bot_chat, "just browsing")
    bot_item = desk.item(sam, bot_chat.id)
    assert bot_item["awaiting_reply"] is False and bot_item["waiting_since"] is None, "the bot has it: nobody waits for us"

    chat = held_chat(stack, sam)
    item = desk.item(sam, chat.id)
    assert item["awaiting_reply"] is True, "asking for a person is waiting for one"
    assert item["waiting_since"] == item["requested_agent_at"] is not None
    first = desk.say(chat, "Where is my parcel?")
    desk.say(chat, "Hello??")
    item = desk.item(sam, chat.id)
    assert item["awaiting_reply"] is True
    assert item["waiting_since"] == item["requested_agent_at"] <= first["created_at"], \
        "since the request for a person, which came before the customer's lines"
    assert chat.id in ids(desk.listed(sam, "awaiting_reply=true"))

    # Words first, then the request for a person: since the words.
    early = stack.start_chat()
    words = desk.say(early, "My parcel is late")
    desk.ok("POST", f"{C}/conversations/{early.id}/escalate", session=early.session_id)
    assert desk.item(sam, early.id)["waiting_since"] == words["created_at"]

    desk.reply(sam, chat.id, "Looking now.")
    item = desk.item(sam, chat.id)
    assert item["awaiting_reply"] is False and item["waiting_since"] is None
    assert chat.id not in ids(desk.listed(sam, "awaiting_reply=true"))
    assert chat.id in ids(desk.listed(sam, "awaiting_reply=false"))

    again = desk.say(chat, "Thanks, and the invoice?")
    desk.say(chat, "?")
    item = desk.item(sam, chat.id)
    assert item["awaiting_reply"] is True and item["waiting_since"] == again["created_at"] != first["created_at"]
    # Reading is not replying.
    desk.read(sam, chat.id)
    assert desk.item(sam, chat.id)["awaiting_reply"] is True
    # A note is not a reply either.
    desk.note(sam, chat.id, "Need to ask the warehouse")
    assert desk.item(sam, chat.id)["awaiting_reply"] is True

    desk.ok("POST", f"{A}/conversations/{chat.id}/close", who=sam)
    item = desk.item(sam, chat.id)
    assert item["awaiting_reply"] is False and item["waiting_since"] is None, "a closed chat waits for nobody"
    both = desk.listed(sam, "unread=true&awaiting_reply=true")
    assert all(c["unread_count"] > 0 and c["awaiting_reply"] for c in both), both


@pytest.mark.parametrize("name", ["unread", "awaiting_reply"])
@pytest.mark.parametrize("value", ["yes", "1", "0", "maybe", "truee"])
def test_the_flags_take_true_or_false_only(stack, desk, name, value):
    desk.refused("GET", f"{A}/conversations?{name}={value}", 400, f"invalid_{name}", who=stack.agent)


def test_events_count_every_customer_message(stack, desk, streams):
    """In events, where one payload reaches every console, unread_count is all of them."""
    sam = stack.register_agent("sam")
    admins = streams.agent(stack.admin)
    chat = stack.start_chat()
    desk.say(chat, "one")
    desk.say(chat, "two")
    desk.read(stack.admin, chat.id)
    desk.ok("POST", f"{C}/conversations/{chat.id}/escalate", session=chat.session_id)
    queued = admins.wait_for(of(chat.id, "queue.chat_created"), what="queue.chat_created")
    assert queued.json["conversation"]["unread_count"] == len(customer_messages(desk, sam, chat.id)) == 2
    checked_events(admins)
