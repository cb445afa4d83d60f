"""Known customers (docs/API.md "Known customers", issue 19) through nginx, the worker and
the notifier: identity tokens a shop signs (PyJWT, HS256, `kid` the secret's id), one
conversation across devices, sessions per device and their logout, officer_id,
anonymous → known, bare ids, contacts for agents, export and erasure (down to the bytes
of the SQLite files), the sites that may show the widget, and the login rate limit.

One stack for the module (`identity`): these tests change settings (bare ids, the
widget's sites) and the identity secrets, which no other module should see. Each test
that changes a setting puts it back. The login rate limit runs on a stack of its own
with nginx's limits on. Every answer of `test_identity_answers_match_the_document` is
checked against docs/openapi.yaml (the story in test_openapi.py predates these routes).
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import pytest

from identitylib import (LOGIN, LOGOUT, SECRETS, Secret, contact_id, delete_secret, device, login, logout, new_secret,
                         new_sub, sign, signed_in, tampered, unsigned)
from openapilib import Spec
from sselib import SSEStream, agent_stream, customer_stream
from stacklib import Chat, assert_error, ok, unique

WAIT = 10.0
C = "/api/v1/customer"
A = "/api/v1/agent"
D = "/api/v1/admin"
NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"


# -- fixtures and helpers ------------------------------------------------------------


@pytest.fixture(scope="module")
def stack(stack_factory):
    return stack_factory("identity", SWITCHBOARD_RATE_LIMITS="off", SWITCHBOARD_ROUTING="manual")


@pytest.fixture(scope="module")
def secret(stack) -> Secret:
    """The shop's identity secret for the module (the rotation test adds and removes a second)."""
    return new_secret(stack)


class Streams:
    """Opens streams for a test and closes them all at its end."""

    def __init__(self) -> None:
        self.opened: list[SSEStream] = []

    def customer(self, stack, chat: Chat, last_event_id: int | None = None) -> SSEStream:
        s = customer_stream(stack, chat, last_event_id)
        self.opened.append(s)
        return s

    def agent(self, stack, token: str, last_event_id: int | None = None) -> SSEStream:
        s = agent_stream(stack, token, last_event_id)
        self.opened.append(s)
        return s


@pytest.fixture
def streams():
    s = Streams()
    yield s
    for stream in s.opened:
        stream.close()


def conv_path(chat: Chat, suffix: str = "") -> str:
    return f"{C}/conversations/{chat.id}{suffix}"


def send(stack, chat: Chat, content: str) -> dict:
    """The customer's message (from this device's session)."""
    return ok(stack.post(conv_path(chat, "/messages"), session=chat.session_id, json={"content": content}))["customer_message"]


def messages_of(stack, chat: Chat) -> list[dict]:
    return stack.all_customer_messages(chat)


def cursor(stack, chat: Chat) -> int:
    return ok(stack.get(conv_path(chat, "/messages"), session=chat.session_id))["last_event_id"]


def open_stream(streams: Streams, stack, chat: Chat) -> SSEStream:
    s = streams.customer(stack, chat, cursor(stack, chat))
    assert s.ok, f"stream refused: {s.status} {s.body[:300]!r}"
    s.wait_comment("connected")
    return s


def agent_view(stack, conversation_id: str) -> dict:
    return ok(stack.get(f"{A}/conversations/{conversation_id}/messages", token=stack.admin.token))


def contact_detail(stack, cid: str) -> dict:
    return ok(stack.get(f"{A}/contacts/{cid}", token=stack.agent.token))


def search_contacts(stack, q: str) -> list[dict]:
    return ok(stack.get(f"{A}/contacts", params={"q": q, "limit": 200}, token=stack.agent.token))["items"]


def audit(stack, limit: int = 20) -> list[dict]:
    return ok(stack.get(f"{D}/audit?limit={limit}", token=stack.admin.token))["items"]


def patch_settings(stack, body: dict) -> Any:
    return stack.request("PATCH", f"{D}/settings", token=stack.admin.token, json=body)


def eventually(check: Callable[[], Any], what: str, timeout: float = 3.0) -> Any:
    """Polls `check` until it returns something truthy; AssertionError with the last value after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def assert_invalid_session(resp) -> None:
    assert_error(resp, 401, "invalid_session")


def assert_stream_refused(s: SSEStream, status: int) -> None:
    assert s.status == status, f"expected {status} before the stream starts, got {s.status}: {s.body[:300]!r}"
    assert not s.content_type.startswith("text/event-stream"), s.content_type
    assert not s.events and not s.comments


# -- 1. one conversation across devices ----------------------------------------------


def test_the_same_customer_on_two_devices_shares_one_conversation_live(stack, secret, streams):
    sub = new_sub()
    phone = signed_in(stack, secret, sub, name="Ada Lovelace", email="ada@example.com")
    assert phone.start["resumed"] is False
    assert [m["sender_type"] for m in phone.start["messages"]] == ["bot"], "a new conversation begins with the welcome"
    contact = phone.start["contact"]
    assert contact["external_id"] == sub and contact["verified"] is True
    assert contact["name"] == "Ada Lovelace" and contact["email"] == "ada@example.com"

    laptop = signed_in(stack, secret, sub)
    assert laptop.id == phone.id, "one conversation across devices"
    assert laptop.session_id != phone.session_id, "a session per device"
    assert laptop.start["resumed"] is True
    assert laptop.start["contact"]["id"] == contact["id"]

    first = send(stack, phone, "Where is my order 1234?")
    assert first["id"] in [m["id"] for m in messages_of(stack, laptop)]
    assert [m["id"] for m in messages_of(stack, laptop)] == [m["id"] for m in messages_of(stack, phone)]

    s_phone, s_laptop = open_stream(streams, stack, phone), open_stream(streams, stack, laptop)
    from_phone = send(stack, phone, "Typed on the phone")
    s_laptop.wait_message(from_phone["id"], WAIT)
    s_phone.wait_message(from_phone["id"], WAIT)
    from_laptop = send(stack, laptop, "Typed on the laptop")
    s_phone.wait_message(from_laptop["id"], WAIT)

    ok(stack.post(conv_path(phone, "/escalate"), session=phone.session_id))
    reply = ok(stack.post(f"{A}/conversations/{phone.id}/messages", token=stack.agent.token,
                          json={"content": "Hello Ada, let me look."}))["message"]
    for s in (s_phone, s_laptop):
        event = s.wait_message(reply["id"], WAIT)
        assert event.message()["sender_type"] == "agent"

    # `start` with a session `login` issued resumes the contact's conversation and names the contact.
    started = ok(stack.post(f"{C}/conversations/start", json={"customer_session_id": laptop.session_id}))
    assert started["conversation"]["id"] == phone.id and started["resumed"] is True
    assert started["contact"]["id"] == contact["id"] and started["contact"]["external_id"] == sub
    anonymous = stack.start_chat()
    assert anonymous.start["contact"] is None, "an anonymous chat's start names no contact"


# -- 2. isolation --------------------------------------------------------------------


def test_a_customer_never_reaches_another_customer_s_conversation(stack, secret):
    a = signed_in(stack, secret, new_sub())
    b = signed_in(stack, secret, new_sub())
    assert a.id != b.id and contact_id(a) != contact_id(b)
    send(stack, b, "B's private words")
    before = [m["id"] for m in messages_of(stack, b)]

    for method, suffix, body in [("GET", "", None), ("GET", "/messages", None),
                                 ("POST", "/messages", {"content": "A writes into B's chat"}),
                                 ("POST", "/escalate", None), ("POST", "/typing", {"typing": True}),
                                 ("POST", "/contact", {"email": "a@example.com"})]:
        assert_error(stack.request(method, conv_path(b, suffix), session=a.session_id, json=body), 403,
                     "not_your_conversation")
    with customer_stream(stack, Chat(b.id, a.session_id, {})) as s:
        assert_stream_refused(s, 403)

    # A signing in again, or `start` with A's session, leads to A's conversation only.
    assert signed_in(stack, secret, a.start["contact"]["external_id"]).id == a.id
    again = ok(stack.post(f"{C}/conversations/start", json={"customer_session_id": a.session_id}))
    assert again["conversation"]["id"] == a.id
    # B's conversation is untouched and an anonymous session gets nowhere either.
    assert [m["id"] for m in messages_of(stack, b)] == before
    assert stack.customer_conversation(b)["status"] == "automated"
    stranger = stack.start_chat()
    assert_error(stack.get(conv_path(b, "/messages"), session=stranger.session_id), 403, "not_your_conversation")


# -- 3. logout -----------------------------------------------------------------------


def test_logout_ends_that_device_s_session_and_stream_only(stack, secret, streams):
    sub = new_sub()
    phone = signed_in(stack, secret, sub)
    laptop = signed_in(stack, secret, sub)
    s_phone, s_laptop = open_stream(streams, stack, phone), open_stream(streams, stack, laptop)

    asked = time.monotonic()
    ok(logout(stack, phone.session_id), 204)
    ended = s_phone.wait_ended(timeout=5)
    assert ended - asked < 1.0, f"the phone's stream ended {ended - asked:.2f}s after the logout"
    assert s_phone.error is None, s_phone.error
    # The frame names the session (API.md does not say by which id; the worker uses the
    # session's own id rather than the secret the device holds).
    revoked = s_phone.named("customer.session_revoked")
    assert len(revoked) <= 1 and all(set(e.json) == {"session_id"} and e.json["session_id"] for e in revoked), (
        s_phone.describe())
    if revoked:
        assert s_phone.snapshot()[-1] is revoked[0], "nothing after customer.session_revoked\n" + s_phone.describe()

    assert_invalid_session(stack.get(conv_path(phone, "/messages"), session=phone.session_id))
    assert_invalid_session(stack.post(conv_path(phone, "/messages"), session=phone.session_id, json={"content": "hi"}))
    assert_invalid_session(stack.post(f"{C}/conversations/start", json={"customer_session_id": phone.session_id}))
    assert_invalid_session(logout(stack, phone.session_id))
    with customer_stream(stack, phone) as s:
        assert_stream_refused(s, 401)

    # The laptop is untouched: its session works and its stream is still open and live.
    assert s_laptop.ended_at is None, s_laptop.describe()
    still = send(stack, laptop, "still signed in here")
    s_laptop.wait_message(still["id"], WAIT)
    assert s_laptop.ended_at is None and not s_laptop.named("customer.session_revoked"), s_laptop.describe()


# -- 4. tokens that fail, secrets and rotation ----------------------------------------


def bad_tokens(secret: Secret, sub: str) -> dict[str, tuple[str, str]]:
    now = int(time.time())
    return {
        "expired": (sign(secret, sub, iat=now - 7200, exp=now - 3600), "expired"),
        "tampered": (tampered(sign(secret, sub), sub=sub + "-other"), "bad_signature"),
        "wrong-key": (sign(secret, sub, key="not the shop's secret, but long enough to sign"), "bad_signature"),
        "alg-none": (unsigned(secret, sub), "algorithm"),
        "alg-hs512": (sign(secret, sub, algorithm="HS512"), "algorithm"),
        "25-hours": (sign(secret, sub, iat=now, exp=now + 25 * 3600), "lifetime_too_long"),
        "unknown-kid": (sign(secret, sub, kid=str(uuid.uuid4())), "unknown_key"),
        "iat-in-the-future": (sign(secret, sub, iat=now + 600, exp=now + 3600), "not_yet_valid"),
        "garbage": ("this.is-not.a-token", "malformed"),
        "no-sub": (sign(secret, "", ), "malformed"),
    }


BAD_TOKEN_KINDS = ["expired", "tampered", "wrong-key", "alg-none", "alg-hs512", "25-hours", "unknown-kid",
                   "iat-in-the-future", "garbage", "no-sub"]


@pytest.mark.parametrize("kind", BAD_TOKEN_KINDS)
def test_a_token_that_fails_is_401_invalid_identity_with_its_reason_and_writes_nothing(stack, secret, kind):
    sub = new_sub()
    token, reason = bad_tokens(secret, sub)[kind]
    refused = assert_error(login(stack, token=token), 401, "invalid_identity")
    assert refused.get("reason") == reason, refused
    assert set(refused) == {"detail", "code", "reason"}, refused
    assert search_contacts(stack, sub) == [], "a refused token wrote a contact"


def test_the_60_second_leeway_on_iat_and_exp(stack, secret):
    now = int(time.time())
    early = signed_in(stack, secret, new_sub(), iat=now + 30, exp=now + 3600)
    assert early.start["contact"]["verified"] is True
    late = ok(login(stack, token=sign(secret, new_sub(), iat=now - 3600, exp=now - 30)))
    assert late["contact"]["verified"] is True


def test_secrets_are_shown_once_and_rotate_without_downtime(stack, secret):
    listed = ok(stack.get(SECRETS, token=stack.admin.token))["items"]
    assert [s["id"] for s in listed] == [secret.id]
    assert set(listed[0]) == {"id", "last4", "created_at"} and listed[0]["last4"] == secret.secret[-4:]

    second = new_secret(stack)
    try:
        assert second.secret != secret.secret and len(second.secret) >= 32
        answer = stack.get(SECRETS, token=stack.admin.token)
        assert [s["id"] for s in ok(answer)["items"]] == [second.id, secret.id], "newest first"
        assert second.secret not in answer.text and secret.secret not in answer.text
        assert_error(stack.post(SECRETS, token=stack.admin.token), 409, "secret_limit")

        # Both work, with their kid and without one (every active secret is tried).
        sub = new_sub()
        old = ok(login(stack, token=sign(secret, sub)))
        new = ok(login(stack, token=sign(second, sub)))
        assert new["conversation"]["id"] == old["conversation"]["id"]
        ok(login(stack, token=sign(second, sub, kid=False)))
        ok(login(stack, token=sign(secret, sub, kid=False)))

        ok(delete_secret(stack, second.id), 204)
        refused = assert_error(login(stack, token=sign(second, sub)), 401, "invalid_identity")
        assert refused["reason"] == "unknown_key", refused
        refused = assert_error(login(stack, token=sign(second, sub, kid=False)), 401, "invalid_identity")
        assert refused["reason"] == "bad_signature", refused
        ok(login(stack, token=sign(secret, sub)))  # the remaining one still works
        assert_error(delete_secret(stack, second.id), 404, "secret_not_found")
        assert [s["id"] for s in ok(stack.get(SECRETS, token=stack.admin.token))["items"]] == [secret.id]
    finally:
        delete_secret(stack, second.id)

    rows = [r for r in audit(stack, 50) if r["target"] == second.id]
    assert [r["action"] for r in rows] == ["identity_secret.deleted", "identity_secret.created"], rows
    assert second.secret not in str(rows) and second.secret[-8:] not in str(rows)


def test_identity_admin_routes_need_an_admin_and_contacts_an_agent(stack):
    for method, path in [("GET", SECRETS), ("POST", SECRETS), ("DELETE", f"{SECRETS}/{NO_SUCH_ID}"),
                         ("GET", f"{D}/contacts/{NO_SUCH_ID}/export"), ("DELETE", f"{D}/contacts/{NO_SUCH_ID}"),
                         ("GET", f"{D}/widget/blocked-sites")]:
        assert_error(stack.request(method, path), 401, "missing_token")
        assert_error(stack.request(method, path, token=stack.agent.token), 403, "admin_required")
    for method, path, body in [("GET", f"{A}/contacts", None), ("GET", f"{A}/contacts/{NO_SUCH_ID}", None),
                               ("PATCH", f"{A}/contacts/{NO_SUCH_ID}", {"name": "X"})]:
        assert_error(stack.request(method, path, json=body), 401, "missing_token")
        assert_error(stack.request(method, path.replace("/agent/", "/officer/"), json=body), 401, "missing_token")
    # A customer session is no agent credential.
    chat = stack.start_chat()
    assert_error(stack.get(f"{A}/contacts", session=chat.session_id), 401, "missing_token")


def test_tokens_and_secrets_are_never_logged(stack, secret):
    token = sign(secret, new_sub(), name="Logged Nowhere")
    answer = login(stack, token=token)
    ok(answer)
    failing = sign(secret, new_sub(), kid=str(uuid.uuid4()))
    last = login(stack, token=failing)
    assert_error(last, 401, "invalid_identity")
    rid = last.headers["X-Request-Id"]
    worker_log = stack.run_dir / "worker.log"
    eventually(lambda: rid in worker_log.read_text(errors="replace"), "the worker's line for the failed login", timeout=5)
    logs = sorted(stack.run_dir.glob("*.log")) + [stack.output_path]
    text = "\n".join(p.read_text(errors="replace") for p in logs if p.exists())
    for what, value in [("a token", token), ("a failing token", failing), ("a token's signature", token.rsplit(".", 1)[1]),
                        ("a token's payload", token.split(".")[1]), ("the secret", secret.secret)]:
        assert value not in text, f"{what} is in the logs"


# -- 5. officer_id ---------------------------------------------------------------------


def test_officer_id_assigns_a_new_conversation_straight_to_that_agent(stack, secret, streams):
    officer = stack.register_agent("officer")
    other = stack.register_agent("officer")
    watch = streams.agent(stack, stack.admin.token)
    assert watch.ok, watch.body
    watch.wait_comment("connected")

    by_name = signed_in(stack, secret, new_sub(), officer_id=officer.username)
    by_id = signed_in(stack, secret, new_sub(), officer_id=officer.id)
    for chat in (by_name, by_id):
        conv = chat.start["conversation"]
        assert conv["status"] == "agent" and conv["assigned_agent_id"] == officer.id, conv
        assigned = watch.wait_event("agent.assigned", WAIT, conversation_id=chat.id)
        assert assigned.json["agent"]["id"] == officer.id
        seen = agent_view(stack, chat.id)["conversation"]
        assert seen["status"] == "agent" and seen["assigned_agent_id"] == officer.id
        assert chat.id not in stack.queue_ids(stack.agent.token)
    # Events arrive in order: once a later one is here, a queue event for these chats would be too.
    marker = send(stack, by_id, "after the assignment")
    watch.wait_message(marker["id"], WAIT)
    queued = [e for e in watch.named("queue.chat_created") if e.conversation_id() in (by_name.id, by_id.id)]
    assert queued == [], watch.describe()

    # The officer writes straight away; nobody else may.
    ok(stack.post(f"{A}/conversations/{by_id.id}/messages", token=officer.token, json={"content": "Your officer here."}))
    assert_error(stack.post(f"{A}/conversations/{by_id.id}/messages", token=other.token, json={"content": "me?"}), 403)

    # An already open conversation ignores officer_id.
    again = signed_in(stack, secret, by_name.start["contact"]["external_id"], officer_id=other.username)
    assert again.id == by_name.id
    assert again.start["conversation"]["assigned_agent_id"] == officer.id
    assert agent_view(stack, by_name.id)["conversation"]["assigned_agent_id"] == officer.id

    # Unknown or disabled agents.
    for unknown in (unique("nobody"), str(uuid.uuid4())):
        assert_error(login(stack, token=sign(secret, new_sub()), officer_id=unknown), 404, "agent_not_found")
    ok(stack.request("PATCH", f"{D}/agents/{other.id}", token=stack.admin.token, json={"disabled": True}))
    assert_error(login(stack, token=sign(secret, new_sub()), officer_id=other.username), 404, "agent_not_found")


# -- 6. anonymous → known ----------------------------------------------------------------


def test_signing_in_takes_the_anonymous_conversation_along(stack, secret):
    anonymous = stack.start_chat(email=None)
    said = send(stack, anonymous, "I asked before signing in")
    known = signed_in(stack, secret, new_sub(), anonymous_session=anonymous.session_id)
    assert known.id == anonymous.id, "the anonymous conversation becomes the contact's"
    assert known.session_id != anonymous.session_id
    assert said["id"] in [m["id"] for m in known.start["messages"]]
    assert said["id"] in [m["id"] for m in messages_of(stack, known)]
    assert_invalid_session(stack.get(conv_path(anonymous, "/messages"), session=anonymous.session_id))
    assert anonymous.id in [c["id"] for c in contact_detail(stack, contact_id(known))["conversations"]]
    # The anonymous conversation's contact is the signed-in one now.
    assert agent_view(stack, anonymous.id)["conversation"]["contact"]["id"] == contact_id(known)


def test_signing_in_with_an_open_conversation_closes_the_anonymous_one_as_merged(stack, secret):
    sub = new_sub()
    phone = signed_in(stack, secret, sub)
    anonymous = stack.start_chat(email=None)
    said = send(stack, anonymous, "Words from before signing in on the laptop")

    laptop = signed_in(stack, secret, sub, anonymous_session=anonymous.session_id)
    assert laptop.id == phone.id, "the contact's open conversation is returned"
    assert_invalid_session(stack.get(conv_path(anonymous, "/messages"), session=anonymous.session_id))

    merged = agent_view(stack, anonymous.id)
    assert merged["conversation"]["status"] == "closed"
    system = [m for m in merged["messages"] if m["sender_type"] == "system"]
    assert system and (system[-1]["metadata"] or {}).get("event") == "merged", merged["messages"]
    assert merged["conversation"]["contact"]["id"] == contact_id(laptop)

    detail = contact_detail(stack, contact_id(laptop))
    listed = {c["id"]: c for c in detail["conversations"]}
    assert set(listed) == {phone.id, anonymous.id}, listed
    assert listed[anonymous.id]["status"] == "closed" and listed[phone.id]["status"] != "closed"
    # The contact's sessions reach its closed conversations, read-only.
    past = Chat(anonymous.id, laptop.session_id, {})
    assert said["id"] in [m["id"] for m in messages_of(stack, past)]
    assert_error(stack.post(conv_path(past, "/messages"), session=laptop.session_id, json={"content": "hi"}), 409,
                 "conversation_closed")


# -- 7. bare ids -------------------------------------------------------------------------


def test_bare_ids_only_while_allowed_and_never_a_verified_customer_s(stack, secret):
    assert ok(stack.get(f"{D}/settings", token=stack.admin.token))["identity"] == {"allow_unverified_ids": False}
    bare = new_sub()
    assert_error(login(stack, customer_id=bare), 401, "identity_required")
    assert search_contacts(stack, bare) == []
    verified_sub = new_sub()
    verified = signed_in(stack, secret, verified_sub)
    send(stack, verified, "verified customer's private words")

    try:
        on = ok(patch_settings(stack, {"identity": {"allow_unverified_ids": True}}))
        assert on["identity"] == {"allow_unverified_ids": True}
        unverified = device(ok(login(stack, customer_id=bare)))
        assert unverified.start["contact"]["external_id"] == bare
        assert unverified.start["contact"]["verified"] is False
        send(stack, unverified, "unverified words")
        found = search_contacts(stack, bare)
        assert [(c["id"], c["verified"]) for c in found] == [(contact_id(unverified), False)]
        assert device(ok(login(stack, customer_id=bare))).id == unverified.id

        # A bare id that a verified contact has never reaches its words.
        assert_error(login(stack, customer_id=verified_sub), 401, "identity_required")

        # Kept apart: a token for the same id is a verified contact of its own, and from then
        # on the bare id is refused.
        signed = signed_in(stack, secret, bare)
        assert contact_id(signed) != contact_id(unverified) and signed.id != unverified.id
        assert signed.start["contact"]["verified"] is True
        assert "unverified words" not in [m["content"] for m in messages_of(stack, signed)]
        assert_error(login(stack, customer_id=bare), 401, "identity_required")
    finally:
        off = ok(patch_settings(stack, {"identity": {"allow_unverified_ids": False}}))
    assert off["identity"] == {"allow_unverified_ids": False}
    assert_error(login(stack, customer_id=new_sub()), 401, "identity_required")
    assert_error(patch_settings(stack, {"identity": {"allow_unverified_ids": "yes"}}), 400)
    assert_error(patch_settings(stack, {"identity": {"allow_unverified_ids": None}}), 400)


# -- 8. contacts for agents --------------------------------------------------------------


def test_agents_find_read_and_correct_contacts(stack, secret):
    tag = uuid.uuid4().hex[:10]
    name = f"Quill{tag} Zed"
    sub = f"ext-{tag}-customer"
    # The token vouches for the name only.
    chat = signed_in(stack, secret, sub, name=name)
    cid = contact_id(chat)
    send(stack, chat, "Do you restock?")

    for q in (f"quill{tag}", f"QUILL{tag[:6]}", f"ext-{tag}", f"EXT-{tag}-CUS"):
        assert [c["id"] for c in search_contacts(stack, q)] == [cid], q
    assert search_contacts(stack, f"{tag} Zed") == [], "q matches the start, not the middle"
    assert search_contacts(stack, f"{tag}-customer") == []

    contact = search_contacts(stack, f"quill{tag}")[0]
    assert contact["external_id"] == sub and contact["verified"] is True and contact["name"] == name
    assert contact["email"] is None and contact["conversations_count"] == 1

    detail = ok(stack.get(f"{A}/contacts/{cid}", token=stack.agent.token))
    assert {k: detail["contact"][k] for k in ("id", "external_id", "verified", "name", "email")} == {
        k: contact[k] for k in ("id", "external_id", "verified", "name", "email")}
    assert [c["id"] for c in detail["conversations"]] == [chat.id]
    assert detail["conversations"][0]["contact"] == {"id": cid, "external_id": sub, "verified": True, "name": name,
                                                     "email": None}
    officer_alias = ok(stack.get(f"/api/v1/officer/contacts/{cid}", token=stack.agent.token))
    assert officer_alias["contact"]["id"] == cid

    # Newest first, over several conversations.
    ok(stack.post(conv_path(chat, "/escalate"), session=chat.session_id))
    ok(stack.post(f"{A}/conversations/{chat.id}/close", token=stack.agent.token))
    newer = signed_in(stack, secret, sub)
    assert newer.id != chat.id
    assert [c["id"] for c in contact_detail(stack, cid)["conversations"]] == [newer.id, chat.id]
    assert contact_detail(stack, cid)["contact"]["conversations_count"] == 2

    # A member the token set is the shop's; one it did not set can be corrected.
    path = f"{A}/contacts/{cid}"
    assert_error(stack.request("PATCH", path, token=stack.agent.token, json={"name": "Someone Else"}), 409, "verified_field")
    fixed = ok(stack.request("PATCH", path, token=stack.agent.token, json={"email": f"quill{tag}@example.com"}))
    assert fixed["email"] == f"quill{tag}@example.com" and fixed["name"] == name
    assert_error(stack.request("PATCH", path, token=stack.agent.token, json={"email": "not an address"}), 400)
    assert contact_detail(stack, cid)["contact"]["email"] == f"quill{tag}@example.com"
    assert [c["id"] for c in search_contacts(stack, f"QUILL{tag}@EXAMPLE")] == [cid]

    # An anonymous chat's contact (unverified) takes a name from an agent.
    anonymous = stack.start_chat(email=None)
    anon_contact = agent_view(stack, anonymous.id)["conversation"]["contact"]
    assert anon_contact["external_id"] is None and anon_contact["verified"] is False
    renamed = ok(stack.request("PATCH", f"{A}/contacts/{anon_contact['id']}", token=stack.agent.token,
                               json={"name": f"Walk-in {tag}"}))
    assert renamed["name"] == f"Walk-in {tag}" and renamed["verified"] is False
    assert agent_view(stack, anonymous.id)["conversation"]["contact"]["name"] == f"Walk-in {tag}"
    row = audit(stack, 1)[0]
    assert row["action"] == "contact.updated" and row["target"] == anon_contact["id"], row

    # The console's conversation list names each conversation's contact.
    items = ok(stack.get(f"{A}/conversations?limit=200", token=stack.agent.token))["items"]
    assert all("contact" in item for item in items)
    mine = next(item for item in items if item["id"] == newer.id)
    assert mine["contact"]["id"] == cid and mine["contact"]["external_id"] == sub

    assert_error(stack.get(f"{A}/contacts/{NO_SUCH_ID}", token=stack.agent.token), 404, "contact_not_found")
    assert_error(stack.request("PATCH", f"{A}/contacts/{NO_SUCH_ID}", token=stack.agent.token, json={"name": "X"}),
                 404, "contact_not_found")


# -- 9. export and erasure -----------------------------------------------------------------


def checkpoint(db: Path, timeout: float = 10.0) -> None:
    """PRAGMA wal_checkpoint(TRUNCATE) until it completes (the worker's readers may hold it up)."""
    con = sqlite3.connect(str(db), timeout=timeout)
    try:
        deadline = time.monotonic() + timeout
        while True:
            busy, _, _ = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy == 0:
                return
            assert time.monotonic() < deadline, "the WAL checkpoint stayed busy"
            time.sleep(0.05)
    finally:
        con.close()


def database_bytes(stack) -> dict[str, bytes]:
    """The database file and its WAL, after a checkpoint."""
    db = stack.data_dir / "switchboard.sqlite"
    checkpoint(db)
    files = {db.name: db.read_bytes()}
    wal = Path(f"{db}-wal")
    if wal.exists():
        files[wal.name] = wal.read_bytes()
    return files


def test_export_then_erasure_leaves_nothing_behind(stack, secret, streams):
    tag = uuid.uuid4().hex
    phrase = f"erase-me-phrase-{tag}"
    name, email, sub = f"Erasable {tag[:12]}", f"erasable-{tag[:12]}@example.com", f"erasable-customer-{tag}"
    chat = signed_in(stack, secret, sub, name=name, email=email)
    cid = contact_id(chat)
    send(stack, chat, f"My card ends in 4242, {phrase}")
    ok(stack.post(conv_path(chat, "/escalate"), session=chat.session_id))
    ok(stack.post(f"{A}/conversations/{chat.id}/messages", token=stack.agent.token,
                  json={"content": f"Noted: {phrase} (agent)"}))

    export = ok(stack.get(f"{D}/contacts/{cid}/export", token=stack.admin.token))
    assert export["contact"]["id"] == cid and export["contact"]["external_id"] == sub
    assert [c["conversation"]["id"] for c in export["conversations"]] == [chat.id]
    contents = [m["content"] for c in export["conversations"] for m in c["messages"]]
    assert sum(phrase in text for text in contents) == 2, contents

    # The byte check below can fail: before the erasure the words are there.
    before = database_bytes(stack)
    for private in (phrase, name, email, sub):
        assert any(private.encode() in data for data in before.values()), f"{private!r} not found before the erasure"

    live = open_stream(streams, stack, chat)
    erased = stack.request("DELETE", f"{D}/contacts/{cid}", token=stack.admin.token)
    ok(erased, 204)
    live.wait_ended(timeout=5)

    assert_error(stack.get(f"{D}/contacts/{cid}/export", token=stack.admin.token), 404, "contact_not_found")
    assert_error(stack.get(f"{A}/contacts/{cid}", token=stack.agent.token), 404, "contact_not_found")
    assert_error(stack.request("DELETE", f"{D}/contacts/{cid}", token=stack.admin.token), 404, "contact_not_found")
    assert_error(stack.get(f"{A}/conversations/{chat.id}/messages", token=stack.agent.token), 404)
    for q in (name, email, sub):
        assert search_contacts(stack, q) == [], q
    assert chat.id not in [c["id"] for c in ok(stack.get(f"{A}/conversations?limit=200", token=stack.agent.token))["items"]]

    entry = next(r for r in audit(stack, 50) if r["action"] == "contact.erased" and r["target"] == cid)
    for private in (phrase, name, email, sub, tag[:12]):
        assert private not in str(entry), f"{private!r} is in the audit entry {entry}"

    # The bytes: after a checkpoint, neither the database nor its WAL holds any of it.
    for private in (phrase, name, email, sub):
        for fname, data in database_bytes(stack).items():
            assert private.encode() not in data, f"{private!r} is still in {fname} after the erasure"


# -- 10. the sites that may show the widget -----------------------------------------------


def frame_ancestors(resp) -> list[str]:
    for directive in resp.headers.get("Content-Security-Policy", "").split(";"):
        parts = directive.split()
        if parts and parts[0] == "frame-ancestors":
            return parts[1:]
    return []


def blocked(stack) -> dict[str, dict]:
    return {s["origin"]: s for s in ok(stack.get(f"{D}/widget/blocked-sites", token=stack.admin.token))["items"]}


def test_the_widget_shows_on_allowed_sites_and_lists_the_others(stack):
    settings = ok(stack.get(f"{D}/settings", token=stack.admin.token))
    original = settings["widget"]["allowed_origins"]
    assert original == [stack.shop_origin], "it starts as SWITCHBOARD_WIDGET_ORIGINS"
    try:
        changed = ok(patch_settings(stack, {"widget": {"allowed_origins": ["https://a.example"]}}))
        assert changed["widget"]["allowed_origins"] == ["https://a.example"]
        assert changed["widget"]["title"] == settings["widget"]["title"], "widget merges"
        eventually(lambda: frame_ancestors(stack.get("/widget/")) == ["https://a.example"],
                   "frame-ancestors https://a.example on /widget/")

        page = stack.get("/widget/", headers={"Referer": "https://evil.example/page?x=1"})
        assert page.status_code == 200 and frame_ancestors(page) == ["https://a.example"]
        site = eventually(lambda: blocked(stack).get("https://evil.example"), "https://evil.example among the blocked sites")
        assert site["attempts"] >= 1 and site["last_seen_at"]

        stack.get("/widget/", headers={"Referer": "https://a.example/checkout"})
        stack.get("/widget/", headers={"Referer": "https://marker.example/"})
        eventually(lambda: "https://marker.example" in blocked(stack), "the marker site listed")
        listed = blocked(stack)
        assert "https://a.example" not in listed, listed
        assert not any("page" in origin or "?" in origin for origin in listed), "origins only, never paths"

        for bad in ([], ["a.example"], ["https://a.example/shop"], ["javascript:alert(1)"],
                    ["https://a.example; script-src *"], [f"https://s{i}.example" for i in range(21)]):
            refused = assert_error(patch_settings(stack, {"widget": {"allowed_origins": bad}}), 400, "invalid_settings")
            assert refused["detail"].startswith("widget.allowed_origins"), refused
        assert_error(patch_settings(stack, {"widget": {"allowed_origins": None}}), 400)
        assert ok(stack.get(f"{D}/settings", token=stack.admin.token))["widget"]["allowed_origins"] == ["https://a.example"]

        ok(patch_settings(stack, {"widget": {"allowed_origins": ["*"]}}))
        eventually(lambda: frame_ancestors(stack.get("/widget/")) == ["*"], "frame-ancestors * for any site")
    finally:
        ok(patch_settings(stack, {"widget": {"allowed_origins": original}}))
    eventually(lambda: frame_ancestors(stack.get("/widget/")) == original, "the original frame-ancestors back")
    # Nothing else may be framed, whatever the widget's sites.
    assert frame_ancestors(stack.get("/api/v1/health")) == ["'none'"]


# -- 11. the login rate limit -----------------------------------------------------------------


@pytest.fixture(scope="module")
def limited(stack_factory):
    return stack_factory("identity-ratelimits", SWITCHBOARD_RATE_LIMITS="on")


def test_customer_logins_are_rate_limited_per_address(limited):
    answers = [limited.post(LOGIN, json={"identity_token": "not.a.token"}) for _ in range(12)]
    statuses = [r.status_code for r in answers]
    assert set(statuses) <= {401, 429}, statuses
    assert statuses[0] == 401
    assert 429 in statuses, statuses
    assert_error(answers[-1], 429, "rate_limited")


# -- the document ------------------------------------------------------------------------------

SPEC = Spec()


class Checked:
    """Every answer checked against docs/openapi.yaml; the operations answered 2xx recorded."""

    def __init__(self, stack) -> None:
        self.stack = stack
        self.covered: set[str] = set()

    def call(self, method: str, path: str, expect: int | tuple[int, ...] = 200, *, code: str | None = None,
             **kwargs: Any) -> Any:
        resp = self.stack.request(method, path, **kwargs)
        op = SPEC.check(resp)
        statuses = expect if isinstance(expect, tuple) else (expect,)
        assert resp.status_code in statuses, f"{method} {path}: expected {statuses}, got {resp.status_code}: {resp.text[:300]}"
        if op is not None and resp.status_code < 300:
            self.covered.add(op.key)
        body = resp.json() if resp.content and resp.headers.get("Content-Type", "").startswith("application/json") else None
        if code is not None:
            assert body and body.get("code") == code, f"{method} {path}: expected code {code!r}, got {body}"
        return body


IDENTITY_OPERATIONS = {
    "POST /api/v1/customer/login", "POST /api/v1/customer/logout",
    "GET /api/v1/agent/contacts", "GET /api/v1/agent/contacts/{id}", "PATCH /api/v1/agent/contacts/{id}",
    "GET /api/v1/officer/contacts", "GET /api/v1/officer/contacts/{id}", "PATCH /api/v1/officer/contacts/{id}",
    "GET /api/v1/admin/identity/secrets", "POST /api/v1/admin/identity/secrets",
    "DELETE /api/v1/admin/identity/secrets/{id}", "GET /api/v1/admin/contacts/{id}/export",
    "DELETE /api/v1/admin/contacts/{id}", "GET /api/v1/admin/widget/blocked-sites",
}


def test_identity_answers_match_the_document(stack, secret, streams):
    api = Checked(stack)
    admin, agent = stack.admin.token, stack.agent.token
    assert IDENTITY_OPERATIONS <= {o.key for o in SPEC.operations}

    # Settings carry identity and the widget's sites.
    settings = api.call("GET", f"{D}/settings", token=admin)
    assert settings["identity"] == {"allow_unverified_ids": False}
    api.call("PATCH", f"{D}/settings", token=admin, json={"identity": {"allow_unverified_ids": False}})
    api.call("PATCH", f"{D}/settings", 400, token=admin, json={"widget": {"allowed_origins": ["nope"]}},
             code="invalid_settings")
    api.call("GET", f"{C}/widget-config")

    # Secrets.
    api.call("GET", SECRETS, token=admin)
    extra = api.call("POST", SECRETS, 201, token=admin)
    try:
        api.call("POST", SECRETS, 409, token=admin, code="secret_limit")
    finally:
        api.call("DELETE", f"{SECRETS}/{extra['id']}", 204, token=admin)
    api.call("DELETE", f"{SECRETS}/{extra['id']}", 404, token=admin, code="secret_not_found")

    # Logins, good and bad; start with the session; the stream's revocation.
    sub = new_sub()
    anonymous = api.call("POST", f"{C}/conversations/start", json={})
    assert anonymous["contact"] is None
    first = api.call("POST", LOGIN, token=None, json={"identity_token": sign(secret, sub, name="Doc Umented")},
                     headers={"X-Customer-Session-Id": anonymous["conversation"]["customer_session_id"]})
    second = api.call("POST", LOGIN, json={"identity_token": sign(secret, sub)})
    bad = api.call("POST", LOGIN, 401, json={"identity_token": sign(secret, sub, kid=str(uuid.uuid4()))},
                   code="invalid_identity")
    assert bad["reason"] == "unknown_key"
    api.call("POST", LOGIN, 401, json={"customer_id": sub}, code="identity_required")
    api.call("POST", LOGIN, 404, json={"identity_token": sign(secret, new_sub()), "officer_id": unique("nobody")},
             code="agent_not_found")
    api.call("POST", LOGIN, (400, 401), json={})
    api.call("POST", LOGIN, 415, data=b'{"customer_id": "x"}', headers={"Content-Type": "text/plain"})
    started = api.call("POST", f"{C}/conversations/start", json={"customer_session_id": second["customer_session_id"]})
    assert started["contact"]["id"] == first["contact"]["id"]
    conv = first["conversation"]["id"]
    api.call("GET", f"{C}/conversations/{conv}/messages", session=second["customer_session_id"])
    api.call("POST", f"{C}/conversations/{conv}/escalate", session=second["customer_session_id"])

    watch = streams.agent(stack, admin, first["last_event_id"])
    phone = Chat(conv, first["customer_session_id"], first)
    s = open_stream(streams, stack, phone)
    api.call("POST", LOGOUT, 204, session=first["customer_session_id"])
    s.wait_ended(timeout=5)
    api.call("POST", LOGOUT, 401, session=first["customer_session_id"], code="invalid_session")
    api.call("POST", LOGOUT, 401, code="missing_session")
    api.call("GET", f"{C}/conversations/{conv}", 401, session=first["customer_session_id"], code="invalid_session")

    # Contacts for agents (both spellings).
    cid = first["contact"]["id"]
    api.call("GET", f"{A}/contacts?q=doc%20um&limit=5", token=agent)
    listed = api.call("GET", "/api/v1/officer/contacts", token=agent)
    api.call("GET", f"{A}/contacts?before={listed['items'][-1]['last_seen_at']}", token=agent)
    api.call("GET", f"{A}/contacts?limit=0", 400, token=agent)
    api.call("GET", f"{A}/contacts/{cid}", token=agent)
    api.call("GET", f"/api/v1/officer/contacts/{cid}", token=agent)
    api.call("GET", f"{A}/contacts/{NO_SUCH_ID}", 404, token=agent, code="contact_not_found")
    api.call("PATCH", f"{A}/contacts/{cid}", token=agent, json={"email": "doc@example.com"})
    api.call("PATCH", f"/api/v1/officer/contacts/{cid}", token=agent, json={"email": "doc@example.org"})
    api.call("PATCH", f"{A}/contacts/{cid}", 409, token=agent, json={"name": "Not Doc"}, code="verified_field")
    api.call("PATCH", f"{A}/contacts/{cid}", 400, token=agent, json={"email": "not an address"})
    api.call("GET", f"{A}/conversations", token=agent)
    api.call("GET", f"{A}/queue", token=agent)
    api.call("GET", f"{A}/conversations/{conv}/messages", token=agent)

    # The desk: blocked sites, export, erasure, the audit log.
    stack.get("/widget/", headers={"Referer": "https://documented.example/"})
    api.call("GET", f"{D}/widget/blocked-sites", token=admin)
    api.call("GET", f"{D}/contacts/{cid}/export", token=admin)
    api.call("GET", f"{D}/contacts/{NO_SUCH_ID}/export", 404, token=admin)
    api.call("DELETE", f"{D}/contacts/{cid}", 204, token=admin)
    api.call("DELETE", f"{D}/contacts/{cid}", 404, token=admin)
    api.call("GET", f"{D}/audit?limit=50", token=admin)

    # The events that came meanwhile, against x-sse-events.
    watch.wait_for(lambda e: e.event == "queue.chat_created" and e.conversation_id() == conv, WAIT,
                   "queue.chat_created of the signed-in chat")
    op = next(o for o in SPEC.operations if o.template == "/api/v1/events")
    schemas = op.spec["x-sse-events"]
    for stream in (watch, s):
        for event in stream.snapshot():
            assert event.event in schemas, f"undocumented event {event!r}"
            SPEC.check_body(SPEC.resolve(schemas[event.event]), event.json, f"event {event.event} id={event.id}")

    missing = sorted(IDENTITY_OPERATIONS - api.covered)
    assert missing == [], f"identity operations never answered with a 2xx: {missing}"
