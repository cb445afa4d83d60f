"""E-mail through a real SMTP server (aiosmtpd, STARTTLS with a test CA: mailtls.py)
and presence that follows the agents' streams, through nginx on real stacks.

- an offline message reaches the shop's notify address once, whether the shopper
  gave their e-mail before asking for a person or after (escalate then answers
  `needs_contact: true`, and nothing is sent until the address comes);
- an agent reply the shopper has not seen is mailed to them, and not while their
  widget's stream is open;
- the transcript goes out when the chat closes, on request;
- SMTP down: the sender retries with backoff and delivers once the server is back,
  never twice;
- presence: an agent whose last console stream closed goes offline after the
  grace period (and not while a stream stays open), and comes back online with
  the console.

"Nothing more comes" is never a pause: an e-mail exists only as a row of the
worker's `emails` outbox, inserted in the same transaction as its cause, and the
sender only ever takes rows that are `pending` (or `sending` with a lapsed lease);
a `waiting` one becomes `pending` or `cancelled` first (ChatService+Mail.swift). So
once the cause's request has answered and every row of the conversation is `sent`,
`cancelled` or `failed`, no further e-mail about it can go out: the tests wait for
that state in the database (read-only) and then count what the SMTP server got, by
Message-ID (`<switchboard.<row id>.…>`), so a row sent twice shows as well.

Every e-mail as it arrived is kept in Tests/artifacts/mail/ (one .eml each)."""

from __future__ import annotations

import contextlib
import time

import pytest

from maillib import (ARTIFACTS, SMTP_PASSWORD, Inbox, body, ca, inbox, mail_env, outbox, settled,  # noqa: F401 (ca, inbox: fixtures)
                     smtp_server)
from sselib import SSEStream
from stackproc import free_port
from stacklib import Stack, assert_error, ok

SHOP = "shop@northwind.example"


def email_rows(s: Stack, conversation_id: str) -> list[dict]:
    """The worker's e-mail outbox for one conversation, oldest first (read-only)."""
    return outbox(s, "conversation_id", conversation_id)


def settled_emails(s: Stack, conversation_id: str) -> list[dict]:
    """The conversation's outbox once none of its rows can still be sent (see the module's docstring)."""
    return settled(s, "conversation_id", conversation_id)


@pytest.fixture(scope="module")
def mail_stack(stack_factory, inbox, ca) -> Stack:
    s = stack_factory("mail", **mail_env(inbox.port, ca))
    ok(s.request("PATCH", "/api/v1/admin/settings", token=s.admin.token,
                 json={"notify_email": SHOP, "brand_name": "Northwind Outfitters"}))
    return s


def offline_message(s: Stack, text: str, who: str = "jamie@example.com"):
    """The widget's "Leave a message" form while nobody is online: the e-mail, then the message."""
    chat = s.start_chat(email=None)
    ok(s.post(f"/api/v1/customer/conversations/{chat.id}/contact", session=chat.session_id,
              json={"email": who, "name": "Jamie Rivera", "source": "offline"}))
    answer = ok(s.post(f"/api/v1/customer/conversations/{chat.id}/escalate", session=chat.session_id, json={"message": text}))
    assert answer["offline"] is True and answer["status"] == "agent" and answer["assigned_agent_id"] is None, answer
    assert answer["needs_contact"] is False, answer
    return chat


def test_widget_config_says_email_is_on(mail_stack):
    config = ok(mail_stack.get("/api/v1/customer/widget-config"))
    assert config["availability"]["email_enabled"] is True
    assert config["availability"]["status"] == "away"  # nobody online


def test_an_offline_message_reaches_the_shop_once(mail_stack, inbox):
    s = mail_stack
    chat = offline_message(s, "My order NW-4471 has not arrived. Can you check?")
    [message] = inbox.wait_for(SHOP)
    assert message["Subject"] == "Offline message from Jamie Rivera"
    assert message["From"] == "Northwind Outfitters <desk@northwind.example>"
    assert message["Reply-To"] == "jamie@example.com"
    assert "My order NW-4471 has not arrived. Can you check?" in body(message)
    assert "Jamie Rivera <jamie@example.com>" in body(message)
    # The queue shows it as an offline message with the e-mail.
    item = next(i for i in ok(s.get("/api/v1/agent/queue", token=s.agent.token))["items"] if i["id"] == chat.id)
    assert item["offline"] is True and item["customer"] == {"display_name": "Jamie Rivera", "email": "jamie@example.com", "source": "offline"}
    # Nothing more comes: the conversation's one row is sent and nothing else is queued.
    rows = settled_emails(s, chat.id)
    assert [(r["kind"], r["recipient"], r["state"]) for r in rows] == [("offline_message", SHOP, "sent")], rows
    assert inbox.of(rows) == [message]
    assert len(inbox.to(SHOP)) == 1


def test_an_offline_message_without_an_email_waits_for_one(mail_stack, inbox):
    s = mail_stack
    text = "Is the Fjord parka back in stock in size L?"
    chat = s.start_chat(email=None)
    answer = ok(s.post(f"/api/v1/customer/conversations/{chat.id}/escalate", session=chat.session_id, json={"message": text}))
    assert answer["conversation_id"] == chat.id
    assert answer["status"] == "agent" and answer["assigned_agent_id"] is None, answer
    assert answer["offline"] is True and answer["needs_contact"] is True, answer
    assert chat.id in s.queue_ids(s.agent.token)
    # No e-mail yet: it would have been queued in the escalation's own transaction.
    assert email_rows(s, chat.id) == []

    ok(s.post(f"/api/v1/customer/conversations/{chat.id}/contact", session=chat.session_id,
              json={"email": "pat@example.com", "name": "Pat Lee", "source": "offline"}))
    [row] = email_rows(s, chat.id)  # queued with the contact, in its transaction
    assert (row["kind"], row["recipient"]) == ("offline_message", SHOP), row
    [message] = inbox.wait_of([row])
    assert message["Subject"] == "Offline message from Pat Lee"
    assert message["Reply-To"] == "pat@example.com"
    assert text in body(message) and "Pat Lee <pat@example.com>" in body(message)

    # A second /contact (a changed address) sends nothing more: no new row, and the one sent stays sent.
    ok(s.post(f"/api/v1/customer/conversations/{chat.id}/contact", session=chat.session_id,
              json={"email": "pat.lee@example.com", "name": "Pat Lee", "source": "offline"}))
    rows = settled_emails(s, chat.id)
    assert [(r["id"], r["state"]) for r in rows] == [(row["id"], "sent")], rows
    assert inbox.of(rows) == [message]


@contextlib.contextmanager
def on_duty(s: Stack):
    """An agent online for the block (then offline again: the other tests need nobody there)."""
    agent = s.register_agent("mail")
    ok(s.post("/api/v1/agent/presence", token=agent.token, json={"presence": "online"}))
    try:
        yield agent
    finally:
        ok(s.post("/api/v1/agent/presence", token=agent.token, json={"presence": "offline"}))


def test_an_unseen_reply_is_mailed_and_a_seen_one_is_not(mail_stack, inbox):
    with on_duty(mail_stack) as agent:
        unseen_reply_flow(mail_stack, inbox, agent)


def unseen_reply_flow(s: Stack, inbox: Inbox, agent) -> None:
    unseen = s.start_chat(email="unseen@example.com")
    seen = s.start_chat(email="seen@example.com")
    stream = SSEStream.open(s.url("/api/v1/events"), headers={"X-Customer-Session-Id": seen.session_id},
                            params={"conversation_id": seen.id})
    try:
        assert stream.status == 200
        for chat in (unseen, seen):
            ok(s.post(f"/api/v1/customer/conversations/{chat.id}/escalate", session=chat.session_id))
            ok(s.post(f"/api/v1/agent/conversations/{chat.id}/messages", token=agent.token,
                      json={"content": "Your parcel left our warehouse this morning."}))
        [message] = inbox.wait_for("unseen@example.com", timeout=30)
        assert message["Subject"] == "Northwind Outfitters answered your message"
        assert "Your parcel left our warehouse this morning." in body(message)
        assert "/widget/" in body(message)
        # The shopper with the open widget gets nothing: their reply's e-mail was decided
        # (after the same 3 s) and cancelled, never sent.
        rows = settled_emails(s, seen.id)
        assert [(r["kind"], r["state"]) for r in rows] == [("unseen_reply", "cancelled")], rows
        assert inbox.to("seen@example.com") == []
    finally:
        stream.close()


def test_the_transcript_goes_out_when_the_chat_closes(mail_stack, inbox):
    with on_duty(mail_stack) as agent:
        transcript_flow(mail_stack, inbox, agent)


def transcript_flow(s: Stack, inbox: Inbox, agent) -> None:
    chat = s.start_chat(email=None)
    asked = s.post(f"/api/v1/customer/conversations/{chat.id}/transcript", session=chat.session_id,
                   json={"email": "robin@example.com"})
    assert asked.status_code == 202, asked.text
    assert asked.json() == {"status": "on_close", "email": "robin@example.com"}
    ok(s.post(f"/api/v1/customer/conversations/{chat.id}/escalate", session=chat.session_id))
    ok(s.post(f"/api/v1/agent/conversations/{chat.id}/messages", token=agent.token,
              json={"content": "The refund of €49.90 is on its way."}))
    ok(s.post(f"/api/v1/agent/conversations/{chat.id}/close", token=agent.token))
    [message] = inbox.wait_for("robin@example.com")
    # The transcript carries the agent's reply: no separate "unseen reply" e-mail for it.
    assert message["Subject"] == "Your conversation with Northwind Outfitters"
    text = body(message)
    assert "The refund of €49.90 is on its way." in text
    assert "This conversation has been closed." in text
    assert message["Reply-To"] == SHOP
    again = s.post(f"/api/v1/customer/conversations/{chat.id}/transcript", session=chat.session_id, json={})
    assert again.status_code == 202 and again.json()["status"] == "queued"
    # Asked again: no second transcript. (The reply's unseen-reply e-mail was cancelled by it.)
    rows = settled_emails(s, chat.id)
    assert sorted((r["kind"], r["state"]) for r in rows) == [("transcript", "sent"), ("unseen_reply", "cancelled")], rows
    assert inbox.of(rows) == [message]
    assert len(inbox.to("robin@example.com")) == 1


def test_bad_transcript_and_escalate_bodies_are_400(mail_stack):
    s = mail_stack
    chat = s.start_chat(email=None)
    assert_error(s.post(f"/api/v1/customer/conversations/{chat.id}/transcript", session=chat.session_id,
                        json={"email": "robin@example.com>, eve@example.com"}), 400, "invalid_email")
    assert_error(s.post(f"/api/v1/customer/conversations/{chat.id}/transcript", session=chat.session_id, json={}),
                 409, "contact_required")
    assert_error(s.post(f"/api/v1/customer/conversations/{chat.id}/escalate", session=chat.session_id,
                        json={"message": "   "}), 400)


def test_smtp_down_retries_then_delivers_once(stack_factory, ca):
    inbox = Inbox(ARTIFACTS / "mail" / "smtp-down")
    port = free_port()
    s = stack_factory("mail-down", **mail_env(port, ca))
    ok(s.request("PATCH", "/api/v1/admin/settings", token=s.admin.token, json={"notify_email": "down@northwind.example"}))
    chat = offline_message(s, "Sent while the mail server was down.")
    worker_log_says(s, "e-mail not sent")
    controller = smtp_server(inbox, port, ca)
    try:
        [message] = inbox.wait_for("down@northwind.example", timeout=40)
        assert "Sent while the mail server was down." in body(message)
        # Delivered once: its row is sent after more than one attempt, and arrived once.
        [row] = settled_emails(s, chat.id)
        assert row["state"] == "sent" and row["attempts"] > 1, row
        assert inbox.of([row]) == [message]
        assert len(inbox.to("down@northwind.example")) == 1
    finally:
        controller.stop()
    log = worker_log_says(s, "e-mail sent")  # written out within 100 ms of the send (DESIGN.md, "The request path")
    assert SMTP_PASSWORD not in log and SMTP_PASSWORD not in (s.run_dir / "notifier.log").read_text(errors="replace")


def worker_log_says(s: Stack, text: str, timeout: float = 20) -> str:
    """The worker's log once it contains `text`."""
    deadline = time.monotonic() + timeout
    while text not in (log := (s.run_dir / "worker.log").read_text(errors="replace")):
        assert time.monotonic() < deadline, f"no {text!r} in the worker's log after {timeout} s\n{s.logs()}"
        time.sleep(0.2)
    return log


def presence_of(s: Stack, agent_id: str) -> dict:
    return next(m for m in ok(s.get("/api/v1/agent/agents", token=s.admin.token))["items"] if m["id"] == agent_id)


def wait_presence(s: Stack, agent_id: str, presence: str, timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        member = presence_of(s, agent_id)
        if member["presence"] == presence:
            return member
        assert time.monotonic() < deadline, f"{agent_id} is still {member}"
        time.sleep(0.3)


def console_stream(s: Stack, agent) -> SSEStream:
    """An agent's console, as far as presence goes: one open event stream."""
    stream = SSEStream.open(s.url("/api/v1/events"), headers={"Authorization": f"Bearer {agent.token}"})
    assert stream.status == 200, stream.body
    return stream


def test_presence_follows_the_console_streams(mail_stack):
    """Away when the last console closed, back with a console; never while a stream is open,
    and never back after going offline by hand.

    Both negatives are proved with a witness, another agent whose stream changes *after*
    the subject's: the sweep judges the whole team in one transaction by each agent's last
    stream change (ChatService+Presence.swift), and the notifier records the changes in the
    order they happened. So the very sweep that changes the witness would have changed the
    subject too, had the rule not looked at the open stream (or at how they went offline)."""
    s = mail_stack
    agent = s.register_agent("console")
    witness = s.register_agent("witness")
    for member in (agent, witness):
        ok(s.post("/api/v1/agent/presence", token=member.token, json={"presence": "online"}))
    console = console_stream(s, agent)
    try:
        console_stream(s, witness).close()  # opened and closed after the agent's stream opened
        member = wait_presence(s, witness.id, "offline")  # the grace period is over for both...
        assert member["away_since"] is not None
        assert presence_of(s, agent.id)["presence"] == "online"  # ...and the open stream kept the agent
    finally:
        console.close()
    member = wait_presence(s, agent.id, "offline")
    assert member["away_since"] is not None

    # Going offline by hand (here: while away) is not undone by a console, where the
    # witness's, opened after it, brings the witness back.
    ok(s.post("/api/v1/agent/presence", token=agent.token, json={"presence": "offline"}))
    assert presence_of(s, agent.id)["away_since"] is None
    console = console_stream(s, agent)
    witness_console = console_stream(s, witness)
    try:
        member = wait_presence(s, witness.id, "online")
        assert member["away_since"] is None
        member = presence_of(s, agent.id)
        assert member["presence"] == "offline" and member["away_since"] is None
    finally:
        witness_console.close()
        console.close()
        # Nobody online again: the other tests file offline messages.
        ok(s.post("/api/v1/agent/presence", token=witness.token, json={"presence": "offline"}))


def test_an_agent_opts_in_to_offline_messages(mail_stack, inbox):
    s = mail_stack
    agent = s.register_agent("notified")
    assert_error(s.request("PATCH", "/api/v1/agent/me", token=agent.token, json={"email_notifications": True}), 400, "invalid_email")
    me = ok(s.request("PATCH", "/api/v1/agent/me", token=agent.token,
                      json={"email": "notified@northwind.example", "email_notifications": True}))
    assert me["email"] == "notified@northwind.example" and me["email_notifications"] is True
    offline_message(s, "Do you ship to Norway?", who="nora@example.com")
    [message] = inbox.wait_for("notified@northwind.example")
    assert "Do you ship to Norway?" in body(message)
