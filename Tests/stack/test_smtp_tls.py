"""A password for the SMTP server never crosses the network in clear: with credentials in
SWITCHBOARD_SMTP_URL the worker requires TLS (STARTTLS, or smtps://). Against a server
that offers no STARTTLS, even one that would take AUTH in clear, the send fails with a
clear error and no AUTH command is ever sent; against one that offers STARTTLS with a
certificate from SWITCHBOARD_SMTP_CA_FILE the e-mail arrives."""

from __future__ import annotations

import email
import email.policy
import sqlite3
import threading
import time

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from mailtls import MailCA, smtp_server
from stackproc import free_port
from stacklib import ok

USER, PASSWORD = "desk", "tls-only-pw-7"
SHOP = "shop@northwind.example"


class Sink:
    """Records what the server saw: every AUTH attempt and every message."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.auth_attempts: list[str] = []
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        with self.lock:
            self.messages.append(envelope.content)
        return "250 OK"

    def authenticator(self, server, session, envelope, mechanism, auth_data):
        with self.lock:
            self.auth_attempts.append(mechanism)
        good = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
        return AuthResult(success=good)


def offline_message(s) -> None:
    """A chat filed while nobody is online, with an address: the shop is e-mailed."""
    ok(s.request("PATCH", "/api/v1/admin/settings", token=s.admin.token, json={"notify_email": SHOP}))
    chat = s.start_chat(email="jamie@example.com")
    answer = ok(s.post(f"/api/v1/customer/conversations/{chat.id}/escalate", session=chat.session_id,
                       json={"message": "Is my order on its way?"}))
    assert answer["offline"] is True and answer["needs_contact"] is False


def email_rows(s) -> list[tuple]:
    con = sqlite3.connect(s.data_dir / "switchboard.sqlite", timeout=10)
    try:
        return con.execute("SELECT state, attempts, last_error FROM emails WHERE kind = 'offline_message'").fetchall()
    finally:
        con.close()


def wait_until(condition, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_with_credentials_and_no_starttls_nothing_is_sent_and_no_auth_tried(stack_factory):
    sink = Sink()
    port = free_port()
    # The worst server: it offers AUTH in clear and no STARTTLS.
    server = smtp_server(sink, port, ca=None, authenticator=sink.authenticator, auth_require_tls=False)
    try:
        s = stack_factory("smtp-cleartext", SWITCHBOARD_SMTP_URL=f"smtp://{USER}:{PASSWORD}@127.0.0.1:{port}",
                          SWITCHBOARD_MAIL_RETRY_SECONDS="1", SWITCHBOARD_OFFLINE_MAIL_DELAY_SECONDS="0")
        offline_message(s)
        # Between attempts the row waits as 'pending'; while the sender holds it for the next
        # attempt it reads 'sending' (retries are a second apart), so wait for a refused attempt
        # at rest rather than read whatever moment the poll happens to land on.
        rows = wait_until(lambda: [r for r in email_rows(s) if r[1] >= 2 and r[0] == "pending"],
                          "two refused attempts, the mail waiting for the next")
        state, attempts, error = rows[0]
        assert all(r[0] in ("pending", "sending") for r in email_rows(s)), email_rows(s)
        assert "no STARTTLS" in error and "no AUTH was tried" in error, error
        assert sink.auth_attempts == [] and sink.messages == []
        log = (s.run_dir / "worker.log").read_text()
        assert "no STARTTLS" in log
        assert PASSWORD not in log and PASSWORD not in error
    finally:
        server.stop()


def test_with_starttls_and_the_shops_ca_the_mail_arrives_authenticated(stack_factory, tmp_path):
    sink = Sink()
    port = free_port()
    ca = MailCA(tmp_path / "ca")
    server = smtp_server(sink, port, ca=ca, authenticator=sink.authenticator)
    try:
        s = stack_factory("smtp-starttls", SWITCHBOARD_SMTP_URL=f"smtp://{USER}:{PASSWORD}@127.0.0.1:{port}",
                          SWITCHBOARD_SMTP_CA_FILE=str(ca.ca_file), SWITCHBOARD_MAIL_RETRY_SECONDS="1",
                          SWITCHBOARD_OFFLINE_MAIL_DELAY_SECONDS="0")
        offline_message(s)
        wait_until(lambda: sink.messages, "the offline e-mail")
        assert sink.auth_attempts and all(m in ("PLAIN", "LOGIN") for m in sink.auth_attempts)
        message = email.message_from_bytes(sink.messages[0], policy=email.policy.default)
        assert "Is my order on its way?" in message.get_content()
        wait_until(lambda: [r for r in email_rows(s) if r[0] == "sent"], "the row marked sent")
    finally:
        server.stop()
