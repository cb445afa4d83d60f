"""E-mail through a real SMTP server (aiosmtpd) and presence that follows the
agents' streams, through nginx on real stacks.

- an offline message reaches the shop's notify address once;
- an agent reply the shopper has not seen is mailed to them, and not while their
  widget's stream is open;
- the transcript goes out when the chat closes, on request;
- SMTP down: the sender retries with backoff and delivers once the server is back,
  never twice;
- presence: an agent whose last console stream closed goes offline after the
  grace period (and not while a stream stays open), and comes back online with
  the console.

Every e-mail as it arrived is kept in Tests/artifacts/mail/ (one .eml each)."""

from __future__ import annotations

import contextlib
import email
import email.policy
import shutil
import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from sselib import SSEStream
from stackproc import free_port
from stacklib import REPO, Stack, assert_error, ok

ARTIFACTS = REPO / "Tests" / "artifacts" / "mail"
SMTP_USER = "desk"
SMTP_PASSWORD = "s3cret-smtp-pw"  # must never reach a log
SHOP = "shop@northwind.example"


class Inbox:
    """What the SMTP server accepted: (envelope from, recipients, parsed message)."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.received: list[tuple[str, list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            (ARTIFACTS / f"{len(self.received):02d}-{message['Message-ID'].strip('<>')}.eml").write_bytes(envelope.content)
            self.lock.notify_all()
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        with self.lock:
            return [m for _, rcpt, m in self.received if address in rcpt]

    def wait_for(self, address: str, count: int = 1, timeout: float = 30) -> list[email.message.EmailMessage]:
        deadline = time.monotonic() + timeout
        with self.lock:
            while len([1 for _, rcpt, _ in self.received if address in rcpt]) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"no {count} e-mail(s) to {address} after {timeout} s; got {[r for _, r, _ in self.received]}"
                self.lock.wait(left)
        return self.to(address)


def authenticator(server, session, envelope, mechanism, auth_data):
    good = isinstance(auth_data, LoginPassword) and auth_data.login == SMTP_USER.encode() and auth_data.password == SMTP_PASSWORD.encode()
    return AuthResult(success=good)


def smtp_server(inbox: Inbox, port: int) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    return controller


def mail_env(smtp_port: int, **more: str) -> dict[str, str]:
    return dict(
        SWITCHBOARD_SMTP_URL=f"smtp://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{smtp_port}",
        SWITCHBOARD_MAIL_FROM="desk@northwind.example",
        SWITCHBOARD_UNSEEN_REPLY_SECONDS="3",
        SWITCHBOARD_PRESENCE_GRACE_SECONDS="3",
        SWITCHBOARD_MAIL_RETRY_SECONDS="1",
        **more,
    )


@pytest.fixture(scope="module")
def inbox():
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    box = Inbox()
    port = free_port()
    controller = smtp_server(box, port)
    box.port = port
    yield box
    controller.stop()


@pytest.fixture(scope="module")
def mail_stack(stack_factory, inbox) -> Stack:
    s = stack_factory("mail", **mail_env(inbox.port))
    ok(s.request("PATCH", "/api/v1/admin/settings", token=s.admin.token,
                 json={"notify_email": SHOP, "brand_name": "Northwind Outfitters"}))
    return s


def body(message: email.message.EmailMessage) -> str:
    return message.get_content()


def offline_message(s: Stack, text: str, who: str = "jamie@example.com"):
    chat = s.start_chat(email=None)
    assert_error(s.post(f"/api/v1/customer/conversations/{chat.id}/escalate", session=chat.session_id,
                        json={"message": text}), 409, "contact_required")
    ok(s.post(f"/api/v1/customer/conversations/{chat.id}/contact", session=chat.session_id,
              json={"email": who, "name": "Jamie Rivera", "source": "offline"}))
    answer = ok(s.post(f"/api/v1/customer/conversations/{chat.id}/escalate", session=chat.session_id, json={"message": text}))
    assert answer["offline"] is True and answer["status"] == "agent"
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
    time.sleep(3)  # the sender runs every second: nothing more comes
    assert len(inbox.to(SHOP)) == 1


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
        time.sleep(4)  # well past the 3 s: the shopper with the open widget gets nothing
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
    time.sleep(3)
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


def test_smtp_down_retries_then_delivers_once(stack_factory):
    inbox = Inbox()
    port = free_port()
    s = stack_factory("mail-down", **mail_env(port))
    ok(s.request("PATCH", "/api/v1/admin/settings", token=s.admin.token, json={"notify_email": "down@northwind.example"}))
    offline_message(s, "Sent while the mail server was down.")
    deadline = time.monotonic() + 20
    while "e-mail not sent" not in (s.run_dir / "worker.log").read_text(errors="replace"):
        assert time.monotonic() < deadline, s.logs()
        time.sleep(0.3)
    controller = smtp_server(inbox, port)
    try:
        [message] = inbox.wait_for("down@northwind.example", timeout=40)
        assert "Sent while the mail server was down." in body(message)
        time.sleep(4)
        assert len(inbox.to("down@northwind.example")) == 1
    finally:
        controller.stop()
    log = (s.run_dir / "worker.log").read_text(errors="replace")
    assert "e-mail sent" in log
    assert SMTP_PASSWORD not in log and SMTP_PASSWORD not in (s.run_dir / "notifier.log").read_text(errors="replace")


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


def test_presence_follows_the_console_streams(mail_stack):
    s = mail_stack
    agent = s.register_agent("console")
    ok(s.post("/api/v1/agent/presence", token=agent.token, json={"presence": "online"}))
    console = SSEStream.open(s.url("/api/v1/events"), headers={"Authorization": f"Bearer {agent.token}"})
    assert console.status == 200
    time.sleep(5)  # longer than the grace period, stream open: still online
    assert presence_of(s, agent.id)["presence"] == "online"
    console.close()
    member = wait_presence(s, agent.id, "offline")
    assert member["away_since"] is not None
    console = SSEStream.open(s.url("/api/v1/events"), headers={"Authorization": f"Bearer {agent.token}"})
    try:
        member = wait_presence(s, agent.id, "online")
        assert member["away_since"] is None
    finally:
        console.close()
    # Going offline by hand is not undone by a console.
    wait_presence(s, agent.id, "offline")
    ok(s.post("/api/v1/agent/presence", token=agent.token, json={"presence": "offline"}))
    console = SSEStream.open(s.url("/api/v1/events"), headers={"Authorization": f"Bearer {agent.token}"})
    try:
        time.sleep(3)
        member = presence_of(s, agent.id)
        assert member["presence"] == "offline" and member["away_since"] is None
    finally:
        console.close()


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
