"""Private notes and transfer (docs/API.md "Private notes and transfer", issue 21) through
nginx: notes by any agent on any conversation (closed ones too) with their mentions and
events on agent streams only; a transfer between two agents with both their streams (and
the customer's) open; every refusal (403 `not_holder`, 409 `conversation_closed` /
`invalid_transition` / `agent_unavailable` / `agent_full`, an admin's `force`, 404
`agent_not_found`, 400 `invalid_transfer`); to the queue, where it stays even with auto
routing. Every answer and event payload is checked against docs/openapi.yaml. The note
that must never reach a customer by any path has a module of its own: test_note_leak.py."""

from __future__ import annotations

import pytest

from daylib import A, C, NO_SUCH_ID, O, Desk, checked_events, everything, held_chat, nowhere_in, of, streams, word  # noqa: F401 (streams: a fixture)
from sselib import SSEStream
from stacklib import assert_error

TRANSFERRED = "transferred"


@pytest.fixture(scope="module")
def desk(stack) -> Desk:
    return Desk(stack)


def system_messages(messages: list[dict], event: str) -> list[dict]:
    return [m for m in messages if m["sender_type"] == "system" and (m["metadata"] or {}).get("event") == event]


def assigned_ids(desk: Desk, who) -> list[str]:
    return [c["id"] for c in desk.listed(who, "status=agent&assigned=me")]


# -- notes -------------------------------------------------------------------------------


def test_any_agent_notes_any_conversation_closed_ones_too(stack, desk, streams):
    sam, kim = stack.register_agent("sam"), stack.register_agent("kim")
    watching = streams.agent(kim)
    bot_chat = stack.start_chat()  # the bot still has it
    closed = held_chat(stack, sam)
    desk.ok("POST", f"{A}/conversations/{closed.id}/close", who=sam)
    customer = streams.customer(bot_chat)
    for chat in (bot_chat, closed):
        first = desk.note(kim, chat.id, "First, by Kim (who does not hold it)")
        second = desk.ok("POST", f"{O}/conversations/{chat.id}/notes", 201, who=sam, json={"content": "Then Sam"})
        assert first["conversation_id"] == chat.id and first["author"] == {"id": kim.id, "display_name": kim.agent["display_name"]}
        assert first["mentions"] == [] and first["content"] == "First, by Kim (who does not hold it)"
        assert [n["id"] for n in desk.notes(sam, chat.id)] == [first["id"], second["id"]], "oldest first"
        assert desk.ok("GET", f"{O}/conversations/{chat.id}/notes", who=kim)["items"] == desk.notes(sam, chat.id)
        created = watching.wait_for(lambda e: e.event == "note.created" and e.json["note"]["id"] == second["id"],
                                    what="note.created on another agent's stream")
        assert created.json == {"conversation_id": chat.id, "note": second}
    checked_events(watching)
    # The customer's stream carried none of it (a later message of theirs shows the stream is live).
    desk.say(bot_chat, "Still there?")
    customer.wait_for(lambda e: (e.message() or {}).get("content") == "Still there?", what="the customer's own message")
    assert not [e for e in customer.snapshot() if e.event.startswith("note.")]
    nowhere_in("First, by Kim", stream=everything(customer))


def test_note_content_is_checked_like_a_message(stack, desk):
    chat = stack.start_chat()
    path = f"{A}/conversations/{chat.id}/notes"
    desk.refused("POST", path, 400, "empty_content", who=stack.agent, json={"content": ""})
    desk.refused("POST", path, 400, "empty_content", who=stack.agent, json={"content": " \n\t "})
    desk.refused("POST", path, 400, "content_too_long", who=stack.agent, json={"content": "n" * 4001})
    assert_error(desk.call("POST", path, who=stack.agent, json={}), 400)
    assert len(desk.note(stack.agent, chat.id, "é" * 4000)["content"]) == 4000
    desk.refused("POST", f"{A}/conversations/{NO_SUCH_ID}/notes", 404, "conversation_not_found", who=stack.agent,
                 json={"content": "x"})
    desk.refused("GET", f"{A}/conversations/{NO_SUCH_ID}/notes", 404, "conversation_not_found", who=stack.agent)
    assert_error(desk.call("GET", path), 401)
    assert_error(desk.call("POST", path, json={"content": "x"}), 401)


def test_mentions_name_agents_and_not_e_mail_addresses(stack, desk, streams):
    sam = stack.register_agent("sam")
    kim = stack.register_agent("kim.lee-")  # letters, digits and ._- in a username
    kims_tab = streams.agent(kim)
    chat = held_chat(stack, sam)
    text = (f"@{kim.username}: refund approved. Mail {sam.username}@{kim.username}.example or "
            f"x@{kim.username}; ask @nobody-{word()} and @{sam.username.upper()}, again @{kim.username}.")
    note = desk.note(sam, chat.id, text)
    assert sorted(note["mentions"]) == sorted({kim.id, sam.id}), note
    for mentioned in (kim.id, sam.id):
        event = kims_tab.wait_for(lambda e: e.event == "note.mentioned" and e.json["agent_id"] == mentioned,
                                  what=f"note.mentioned for {mentioned}")
        assert event.json == {"conversation_id": chat.id, "note_id": note["id"], "agent_id": mentioned}
    plain = desk.note(sam, chat.id, f"Write to support@{kim.username} please")
    assert plain["mentions"] == [], "an @ after a letter or digit is an e-mail address"
    kims_tab.wait_for(lambda e: e.event == "note.created" and e.json["note"]["id"] == plain["id"], what="the second note")
    assert len([e for e in kims_tab.named("note.mentioned") if e.json["note_id"] == note["id"]]) == 2, "once per agent"
    assert not [e for e in kims_tab.named("note.mentioned") if e.json["note_id"] == plain["id"]]
    checked_events(kims_tab)


# -- transfer ----------------------------------------------------------------------------


def test_transfer_between_two_agents_with_both_streams_open(stack, desk, streams):
    sam = stack.register_agent("sam", display_name="Sam Carter")
    kim = stack.register_agent("kim", display_name="Kim Lee")
    chat = held_chat(stack, sam)
    sams, kims, customer = streams.agent(sam), streams.agent(kim), streams.customer(chat)
    handover = f"Refund approved by Sam {word()}, waiting for the courier"

    moved = desk.transfer(sam, chat.id, to_agent_id=kim.id, note=handover)
    assert moved.status_code == 200, moved.text
    conversation = moved.json()["conversation"]
    assert conversation["assigned_agent_id"] == kim.id and conversation["assigned_agent_name"] == "Kim Lee"
    assert conversation["status"] == "agent"

    # Both agents: the note, then conversation.transferred; the new holder: agent.assigned.
    for stream in (sams, kims):
        note = stream.wait_for(of(chat.id, "note.created"), what="the handover note")
        assert note.json["note"]["content"] == handover and note.json["note"]["author"]["id"] == sam.id
        moved_event = stream.wait_for(of(chat.id, "conversation.transferred"), what="conversation.transferred")
        assert moved_event.json == {"conversation_id": chat.id, "from_agent_id": sam.id, "to_agent_id": kim.id}
        assigned = stream.wait_for(lambda e: of(chat.id, "agent.assigned")(e) and e.json["agent"]["id"] == kim.id,
                                   what="agent.assigned to Kim")
        assert note.int_id < moved_event.int_id < assigned.int_id, "the note is stored before the move"
        stream.wait_for(lambda e: of(chat.id, "conversation.updated")(e)
                        and e.json["conversation"]["assigned_agent_id"] == kim.id, what="conversation.updated")
        checked_events(stream)
    assert [n["content"] for n in desk.notes(kim, chat.id)] == [handover], "the new holder sees the note"

    # The customer: exactly one system message, "You're now chatting with Kim Lee.", never the note.
    said = customer.wait_for(lambda e: ((e.message() or {}).get("metadata") or {}).get("event") == TRANSFERRED,
                             what="the transfer's system message")
    assert said.message()["content"] == "You're now chatting with Kim Lee."
    assert said.message()["sender_type"] == "system"
    customer.wait_for(lambda e: of(chat.id, "conversation.updated")(e)
                      and e.json["conversation"]["assigned_agent_id"] == kim.id, what="the customer's header update")
    desk.say(chat, "Hello Kim?")
    customer.wait_for(lambda e: (e.message() or {}).get("content") == "Hello Kim?", what="a later message")
    assert len(system_messages([e.message() for e in customer.message_events()], TRANSFERRED)) == 1
    assert len(system_messages(stack.all_customer_messages(chat), TRANSFERRED)) == 1
    assert not [e for e in customer.snapshot() if e.event in ("note.created", "conversation.transferred")]
    nowhere_in(handover, stream=everything(customer), messages=stack.all_customer_messages(chat))
    checked_events(customer)

    # The chat moved from Sam's list to Kim's; Kim replies, Sam no longer may.
    assert chat.id in assigned_ids(desk, kim) and chat.id not in assigned_ids(desk, sam)
    desk.reply(kim, chat.id, "Kim here, I have your order.")
    desk.refused("POST", f"{A}/conversations/{chat.id}/messages", 403, "assigned_to_other", who=sam,
                 json={"content": "Me too"})
    desk.refused("POST", f"{A}/conversations/{chat.id}/transfer", 403, "not_holder", who=sam, json={"to": "queue"})


def test_transfer_refusals(stack, desk):
    sam, kim, lee = stack.register_agent("sam"), stack.register_agent("kim", max_active_chats=1), stack.register_agent("lee")
    chat = held_chat(stack, sam)
    path = f"{A}/conversations/{chat.id}/transfer"
    # Only the holder or an admin.
    desk.refused("POST", path, 403, "not_holder", who=lee, json={"to_agent_id": lee.id})
    desk.refused("POST", path, 403, "not_holder", who=lee, json={"to": "queue"})
    # Exactly one destination.
    for body in ({}, {"note": "only a note"}, {"to": "elsewhere"}, {"to": "queue", "to_agent_id": kim.id},
                 {"to_agent_id": None}, {"to": None}):
        desk.refused("POST", path, 400, "invalid_transfer", who=sam, json=body)
    desk.refused("POST", path, 404, "agent_not_found", who=sam, json={"to_agent_id": NO_SUCH_ID})
    # The target must be enabled and have room (an admin may force room, an agent may not).
    disabled = stack.register_agent("off")
    desk.ok("PATCH", f"/api/v1/admin/agents/{disabled.id}", who=stack.admin, json={"disabled": True})
    desk.refused("POST", path, 409, "agent_unavailable", who=sam, json={"to_agent_id": disabled.id})
    desk.refused("POST", path, 409, "agent_unavailable", who=stack.admin, json={"to_agent_id": disabled.id, "force": True})
    held_chat(stack, kim)  # Kim is at max_active_chats (1)
    desk.refused("POST", path, 409, "agent_full", who=sam, json={"to_agent_id": kim.id})
    desk.refused("POST", path, 409, "agent_full", who=sam, json={"to_agent_id": kim.id, "force": True})
    desk.refused("POST", path, 409, "agent_full", who=stack.admin, json={"to_agent_id": kim.id})
    assert desk.item(sam, chat.id)["assigned_agent_id"] == sam.id, "a refused transfer changes nothing"
    forced = desk.ok("POST", f"{O}/conversations/{chat.id}/transfer", who=stack.admin,
                     json={"to_agent_id": kim.id, "force": True, "note": "Forced: Kim knows this order"})
    assert forced["conversation"]["assigned_agent_id"] == kim.id
    # Closed: 409 conversation_closed; the bot's: 409 invalid_transition.
    desk.ok("POST", f"{A}/conversations/{chat.id}/close", who=kim)
    desk.refused("POST", path, 409, "conversation_closed", who=kim, json={"to": "queue"})
    desk.refused("POST", path, 409, "conversation_closed", who=stack.admin, json={"to_agent_id": lee.id})
    bot_chat = stack.start_chat()
    desk.refused("POST", f"{A}/conversations/{bot_chat.id}/transfer", 409, "invalid_transition", who=stack.admin,
                 json={"to_agent_id": lee.id})
    desk.refused("POST", f"{A}/conversations/{NO_SUCH_ID}/transfer", 404, "conversation_not_found", who=stack.admin,
                 json={"to": "queue"})
    assert_error(desk.call("POST", path, json={"to": "queue"}), 401)


def test_an_admin_hands_over_a_chat_from_the_queue(stack, desk, streams):
    lee = stack.register_agent("lee")
    waiting = stack.escalated_chat()
    desk.refused("POST", f"{A}/conversations/{waiting.id}/transfer", 403, "not_holder", who=lee, json={"to_agent_id": lee.id})
    admins = streams.agent(stack.admin)
    desk.ok("POST", f"{A}/conversations/{waiting.id}/transfer", who=stack.admin, json={"to_agent_id": lee.id})
    moved = admins.wait_for(of(waiting.id, "conversation.transferred"), what="conversation.transferred")
    assert moved.json == {"conversation_id": waiting.id, "from_agent_id": None, "to_agent_id": lee.id}
    claimed = admins.wait_for(of(waiting.id, "queue.chat_claimed"), what="queue.chat_claimed")
    assert claimed.json["agent_id"] == lee.id
    admins.wait_for(lambda e: of(waiting.id, "agent.assigned")(e) and e.json["agent"]["id"] == lee.id, what="agent.assigned")
    assert waiting.id not in stack.queue_ids(lee.token) and waiting.id in assigned_ids(desk, lee)
    checked_events(admins)


def test_transfer_to_the_queue(stack, desk, streams):
    sam = stack.register_agent("sam")
    chat = held_chat(stack, sam)
    sams, customer = streams.agent(sam), streams.customer(chat)
    secret = f"Customer is rude {word()}"
    back = desk.ok("POST", f"{A}/conversations/{chat.id}/transfer", who=sam, json={"to": "queue", "note": secret})
    assert back["conversation"]["assigned_agent_id"] is None and back["conversation"]["status"] == "agent"
    assert chat.id in stack.queue_ids(sam.token)
    moved = sams.wait_for(of(chat.id, "conversation.transferred"), what="conversation.transferred")
    assert moved.json == {"conversation_id": chat.id, "from_agent_id": sam.id, "to_agent_id": None}
    sams.wait_for(of(chat.id, "queue.chat_created"), what="queue.chat_created")
    said = customer.wait_for(lambda e: ((e.message() or {}).get("metadata") or {}).get("event") == "released",
                             what="the release message")
    assert said.message()["sender_type"] == "system"
    nowhere_in(secret, stream=everything(customer), messages=stack.all_customer_messages(chat))
    assert desk.notes(sam, chat.id)[-1]["content"] == secret
    checked_events(sams)


def test_transferring_to_the_holder_changes_nothing_but_the_note(stack, desk, streams):
    sam = stack.register_agent("sam")
    chat = held_chat(stack, sam)
    before = stack.all_customer_messages(chat)
    customer = streams.customer(chat, last_event_id=chat.start["last_event_id"])
    same = desk.ok("POST", f"{A}/conversations/{chat.id}/transfer", who=sam, json={"to_agent_id": sam.id, "note": "Mine still"})
    assert same["conversation"]["assigned_agent_id"] == sam.id
    assert desk.notes(sam, chat.id)[-1]["content"] == "Mine still"
    desk.say(chat, "ping")
    customer.wait_for(lambda e: (e.message() or {}).get("content") == "ping", what="the customer's message")
    after = stack.all_customer_messages(chat)
    assert [m["id"] for m in after[:-1]] == [m["id"] for m in before], "no system message, nothing else"
    assert not system_messages(after, TRANSFERRED)


@pytest.fixture(scope="module")
def auto_desk(stack_factory) -> Desk:
    return Desk(stack_factory("transfer-auto", SWITCHBOARD_ROUTING="auto"))


def test_a_transfer_to_the_queue_stays_there_with_auto_routing(auto_desk):
    stack, desk = auto_desk.stack, auto_desk
    sam = stack.register_agent("sam")
    desk.ok("POST", f"{A}/presence", who=sam, json={"presence": "online"})
    chat = stack.escalated_chat()  # auto routing: Sam, the one online with room, gets it
    assert desk.ok("GET", f"{C}/conversations/{chat.id}", session=chat.session_id)["assigned_agent_id"] == sam.id
    with SSEStream.open(stack.url("/api/v1/events"), headers={"Authorization": f"Bearer {stack.admin.token}"}) as admins:
        desk.ok("POST", f"{A}/conversations/{chat.id}/transfer", who=sam, json={"to": "queue"})
        queued = admins.wait_for(of(chat.id, "queue.chat_created"), what="queue.chat_created")
        # Whatever routing did would come before a later event: a note marks the point.
        marker = desk.note(stack.admin, chat.id, "marker")
        admins.wait_for(lambda e: e.event == "note.created" and e.json["note"]["id"] == marker["id"], what="the marker")
        assigned = [e for e in admins.named("agent.assigned") if of(chat.id, "agent.assigned")(e) and e.int_id > queued.int_id]
        assert assigned == [], "auto routing handed the chat out again"
    assert chat.id in stack.queue_ids(sam.token)
