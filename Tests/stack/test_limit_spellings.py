"""Every limited route in every spelling answers 429 past its limit: no second
spelling of a path (trailing slash, doubled or encoded slashes, dot segments,
encoded letters, the /officer alias) escapes the count. Rates are set to one
per minute on a stack of its own, so "past the limit" is exact: burst + 1
canonical requests use it up and nothing refills during the test. Requests go
out through http.client so the path reaches nginx exactly as spelled."""

from __future__ import annotations

import http.client
import json

import pytest

from stacklib import ok

BURSTS = {"login": 5, "start": 10, "escalate": 3, "message": 20, "typing": 10}


@pytest.fixture(scope="module")
def strict(stack_factory):
    return stack_factory("spellings", SWITCHBOARD_RATE_LIMITS="on", SWITCHBOARD_LOGIN_RATE="1r/m",
                         SWITCHBOARD_START_RATE="1r/m", SWITCHBOARD_ESCALATE_RATE="1r/m",
                         SWITCHBOARD_MESSAGE_RATE="1r/m", SWITCHBOARD_TYPING_RATE="1r/m",
                         SWITCHBOARD_MAX_OPEN_CHATS_PER_ADDRESS="0")


def raw_post(stack, path: str, body: dict | None = None, headers: dict | None = None) -> int:
    """POSTs `path` byte for byte (no client-side normalisation); returns the status."""
    conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=15)
    try:
        data = json.dumps(body if body is not None else {}).encode()
        conn.request("POST", path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def spellings(path: str) -> list[str]:
    """Ways to write `path` that nginx or a lax router could take for it."""
    head, _, last = path.rpartition("/")
    encoded_letter = f"{head}/{last[:-1]}%{ord(last[-1]):02X}"
    return [
        path + "/",
        path.replace("/api/v1/", "/api//v1/", 1),
        path.replace("/api/v1/", "/api/v1/./", 1),
        path.replace("/api/v1/", "/api/v1/x/../", 1),
        f"{head}%2F{last}",
        encoded_letter,
        path.replace("/api/", "/%61pi/", 1),
    ]


def exhaust_then_check(stack, route: str, path: str, **kwargs) -> None:
    for _ in range(BURSTS[route] + 1):
        raw_post(stack, path, **kwargs)
    assert raw_post(stack, path, **kwargs) == 429, f"{route}: the canonical path is not limited"
    answers = {spelling: raw_post(stack, spelling, **kwargs) for spelling in spellings(path)}
    escaped = {spelling: status for spelling, status in answers.items() if status != 429}
    assert not escaped, f"{route}: these spellings escaped the limit: {escaped}"


def test_login_in_every_spelling(strict):
    body = {"username": "agent", "password": "wrong password 1"}
    exhaust_then_check(strict, "login", "/api/v1/agent/auth/login", body=body)
    assert raw_post(strict, "/api/v1/officer/auth/login", body=body) == 429  # the alias shares it


def test_start_in_every_spelling(strict):
    exhaust_then_check(strict, "start", "/api/v1/customer/conversations/start")


@pytest.fixture(scope="module")
def chat(stack_factory):
    """A conversation on a stack with the same strict limits, started before any limit is used."""
    s = stack_factory("spellings-chat", SWITCHBOARD_RATE_LIMITS="on", SWITCHBOARD_ESCALATE_RATE="1r/m",
                      SWITCHBOARD_MESSAGE_RATE="1r/m", SWITCHBOARD_TYPING_RATE="1r/m",
                      SWITCHBOARD_MAX_OPEN_CHATS_PER_ADDRESS="0")
    return s, s.start_chat()


def test_escalate_messages_quick_replies_and_typing_in_every_spelling(chat):
    stack, c = chat
    customer = {"X-Customer-Session-Id": c.session_id}
    base = f"/api/v1/customer/conversations/{c.id}"
    exhaust_then_check(stack, "escalate", f"{base}/escalate", headers=customer)
    exhaust_then_check(stack, "message", f"{base}/messages", body={"content": "hello"}, headers=customer)
    # Quick replies share the message zone, which is used up now.
    assert raw_post(stack, f"{base}/quick-replies/return-policy", headers=customer) == 429
    for spelling in spellings(f"{base}/quick-replies/return-policy"):
        assert raw_post(stack, spelling, headers=customer) == 429, spelling
    exhaust_then_check(stack, "typing", f"{base}/typing", body={"typing": True}, headers=customer)
    token = stack.agent.token
    assert raw_post(stack, f"/api/v1/agent/conversations/{c.id}/typing", body={"typing": True},
                    headers={"Authorization": f"Bearer {token}"}) == 429  # per conversation, both sides


def test_one_address_holds_only_so_many_open_escalations(stack_factory):
    capped = stack_factory("opencap", SWITCHBOARD_MAX_OPEN_CHATS_PER_ADDRESS="2")
    chats = [capped.start_chat() for _ in range(3)]
    for c in chats[:2]:
        ok(capped.post(f"/api/v1/customer/conversations/{c.id}/escalate", session=c.session_id))
    refused = capped.post(f"/api/v1/customer/conversations/{chats[2].id}/escalate", session=chats[2].session_id)
    assert refused.status_code == 429 and refused.json()["code"] == "too_many_open_chats"
    assert refused.headers["Retry-After"] == "60"
    # A closed conversation frees its place.
    token = capped.agent.token
    ok(capped.post(f"/api/v1/agent/conversations/{chats[0].id}/claim", token=token))
    ok(capped.post(f"/api/v1/agent/conversations/{chats[0].id}/close", token=token))
    ok(capped.post(f"/api/v1/customer/conversations/{chats[2].id}/escalate", session=chats[2].session_id))
