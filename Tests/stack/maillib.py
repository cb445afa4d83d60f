"""A real SMTP server for the stack tests that send e-mail (test_mail.py,
test_password_links.py): aiosmtpd speaking STARTTLS with a certificate of a test CA
(mailtls.py) and AUTH only after it, and an `Inbox` that records what it accepted and
lets a test wait for a message by condition (never by a pause).

Fixtures (module scope; import them into the test module):
- `ca`: the test CA (SWITCHBOARD_SMTP_CA_FILE);
- `inbox`: the server on a free port (`inbox.port`), stopped after the module; every
  e-mail as it arrived is kept in Tests/artifacts/<module name without "test_">/, one .eml
  each (Tests/artifacts/mail/ for test_mail.py).

`mail_env(inbox.port, ca, ...)` is the environment of a stack that sends through it."""

from __future__ import annotations

import email
import email.message
import email.policy
import re
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

import mailtls
from mailtls import MailCA
from stackproc import free_port
from stacklib import REPO, Stack

ARTIFACTS = REPO / "Tests" / "artifacts"
SMTP_USER = "desk"
SMTP_PASSWORD = "s3cret-smtp-pw"  # must never reach a log
FINAL = ("sent", "cancelled", "failed")  # outbox states the sender never takes a row out of


class Inbox:
    """What the SMTP server accepted: (envelope from, recipients, parsed message), each
    also written to `directory` as it arrived."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.lock = threading.Condition()
        self.received: list[tuple[str, list[str], email.message.EmailMessage]] = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / f"{len(self.received):02d}-{message['Message-ID'].strip('<>')}.eml").write_bytes(envelope.content)
            self.lock.notify_all()
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        with self.lock:
            return [m for _, rcpt, m in self.received if address in rcpt]

    def of(self, rows: list[dict]) -> list[email.message.EmailMessage]:
        """Every arrival of these outbox rows (twice if one was sent twice)."""
        ids = {row["id"] for row in rows}
        with self.lock:
            return [m for _, _, m in self.received if row_id(m) in ids]

    def wait_of(self, rows: list[dict], timeout: float = 30) -> list[email.message.EmailMessage]:
        """The e-mails of these outbox rows, once each has arrived."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while not {row["id"] for row in rows} <= {row_id(m) for _, _, m in self.received}:
                left = deadline - time.monotonic()
                assert left > 0, f"rows {rows} not all delivered after {timeout} s"
                self.lock.wait(left)
        return self.of(rows)

    def wait_for(self, address: str, count: int = 1, timeout: float = 30) -> list[email.message.EmailMessage]:
        """Every e-mail to `address`, once there are at least `count`."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while len([1 for _, rcpt, _ in self.received if address in rcpt]) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"no {count} e-mail(s) to {address} after {timeout} s; got {[r for _, r, _ in self.received]}"
                self.lock.wait(left)
        return self.to(address)


def row_id(message: email.message.EmailMessage) -> int | None:
    """The outbox row an e-mail was sent from: its Message-ID is `<switchboard.<row id>.<ms>@domain>`."""
    found = re.fullmatch(r"<switchboard\.(\d+)\.\d+@[^>]+>", str(message["Message-ID"]).strip())
    return int(found.group(1)) if found else None


def db_rows(s: Stack, sql: str, *args) -> list[dict]:
    """Rows of a stack's database, opened read-only."""
    con = sqlite3.connect(f"file:{s.data_dir / 'switchboard.sqlite'}?mode=ro", uri=True, timeout=10)
    try:
        con.row_factory = sqlite3.Row
        return [dict(row) for row in con.execute(sql, args)]
    finally:
        con.close()


def outbox(s: Stack, column: str, value: str) -> list[dict]:
    """The worker's e-mail outbox rows whose `column` (conversation_id, recipient) is `value`, oldest first."""
    assert column in ("conversation_id", "recipient"), column
    return db_rows(s, f"SELECT id, kind, recipient, state, attempts, body FROM emails WHERE {column} = ? ORDER BY id", value)


def settled(s: Stack, column: str, value: str, timeout: float = 30) -> list[dict]:
    """Those outbox rows once none of them can still be sent (all in FINAL): the sender only
    takes rows that are pending (or sending with a lapsed lease), and every e-mail is a row
    inserted in the same transaction as its cause, so from then on, until the test causes
    something new, no further such e-mail can arrive."""
    deadline = time.monotonic() + timeout
    while True:
        rows = outbox(s, column, value)
        if all(row["state"] in FINAL for row in rows):
            return rows
        assert time.monotonic() < deadline, f"e-mails with {column} {value} still to be sent after {timeout} s: {rows}"
        time.sleep(0.2)


def body(message: email.message.EmailMessage) -> str:
    """The text of an e-mail (its plain part when it has several)."""
    part = message.get_body(preferencelist=("plain", "html"))
    return (part if part is not None else message).get_content()


SET_PASSWORD_LINK = re.compile(r"(\S*)/agent/#set-password=([A-Za-z0-9_~.%-]+)")


def set_password_link(message: email.message.EmailMessage) -> tuple[str, str]:
    """The one set-password link of an invitation or reset e-mail: (the public URL before
    `/agent/`, the token)."""
    found = SET_PASSWORD_LINK.findall(body(message))
    assert len(set(found)) == 1, f"expected one set-password link in the e-mail, found {found}:\n{body(message)}"
    return found[0]


def authenticator(server, session, envelope, mechanism, auth_data):
    good = isinstance(auth_data, LoginPassword) and auth_data.login == SMTP_USER.encode() and auth_data.password == SMTP_PASSWORD.encode()
    return AuthResult(success=good)


def smtp_server(inbox: Inbox, port: int, ca: MailCA) -> Controller:
    """The SMTP server: STARTTLS with a certificate of the test CA, AUTH only after it (with
    credentials in the URL the worker sends nothing in clear: test_smtp_tls.py)."""
    return mailtls.smtp_server(inbox, port, ca=ca, authenticator=authenticator)


def mail_env(smtp_port: int, ca: MailCA, **more: str) -> dict[str, str]:
    return dict(
        SWITCHBOARD_SMTP_URL=f"smtp://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{smtp_port}",
        SWITCHBOARD_SMTP_CA_FILE=str(ca.ca_file),
        SWITCHBOARD_MAIL_FROM="desk@northwind.example",
        SWITCHBOARD_UNSEEN_REPLY_SECONDS="3",
        SWITCHBOARD_PRESENCE_GRACE_SECONDS="3",
        SWITCHBOARD_MAIL_RETRY_SECONDS="1",
        SWITCHBOARD_OFFLINE_MAIL_DELAY_SECONDS="0",  # the shop's e-mail at once (10 s by default)
        **more,
    )


@pytest.fixture(scope="module")
def ca(tmp_path_factory) -> MailCA:
    return MailCA(tmp_path_factory.mktemp("smtp-ca"))


@pytest.fixture(scope="module")
def inbox(request, ca):
    directory = ARTIFACTS / request.module.__name__.rpartition(".")[2].removeprefix("test_")
    shutil.rmtree(directory, ignore_errors=True)
    box = Inbox(directory)
    box.port = free_port()
    controller = smtp_server(box, box.port, ca)
    yield box
    controller.stop()
