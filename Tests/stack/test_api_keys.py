"""API keys for the shop's systems (docs/API.md "API keys for the shop's systems (new)",
issue 24) through nginx.

What the tests prove:
- a key is `sbk_` + 43 characters, shown once (201) and never again (the list and the
  audit log carry its prefix at most); names are unique among live keys; audited as
  `api_key.created` / `api_key.revoked` with the admin as actor;
- a key acts as the shop, never as a person: on the agent routes it reads the desk and
  opens conversations for a customer by the shop's own id (`POST /agent/conversations`,
  the contact created verified), its messages carry `sender.integration` (and
  `metadata.integration`), it is never assigned, its words are no person's answer
  (`has_agent_replied` stays false, a queued chat stays in the queue), it is in no team
  list; the customer finds the shop's messages when the widget signs them in; a person's
  `POST /agent/conversations` with `content` takes the conversation, as a reply does; a
  chat only the key wrote in is not rateable (409 `not_rateable`); at most 50 live keys;
- roles: an agent key on an admin route is 403 `admin_required`, an admin key works there
  and its audit entries name the integration;
- what only a person does is 403 `person_required` (logout, presence, `PATCH /me`, the
  password, claim, being a transfer's target);
- a key in a query string, another header, another scheme or the login form is nothing;
- revoking: the very next request is 401 and an event stream opened with the key ends;
- no key reaches the worker's, the notifier's or nginx's logs (the stack is stopped and
  every log file read).

Every answer is checked against docs/openapi.yaml (daylib's Desk). One stack for the
module (`api-keys`); its last test stops it."""

from __future__ import annotations

import json
import re
import signal
import threading
import time
import uuid
from collections import Counter

import pytest
import requests

from daylib import A, C, D, NO_SUCH_ID, O, Desk, word
from identitylib import new_secret, new_sub, signed_in
from sselib import SSEStream, agent_stream
from stacklib import AgentLogin, assert_error

KEYS = f"{D}/api-keys"
KEY = re.compile(r"^sbk_[A-Za-z0-9_-]{43}$")
# Every key the module used the way the contract says (in a header): none may reach a log.
USED: list[str] = []


@pytest.fixture(scope="module")
def stack(stack_factory):
    return stack_factory("api-keys")


@pytest.fixture(scope="module")
def desk(stack) -> Desk:
    return Desk(stack)


@pytest.fixture(scope="module")
def identity(stack):
    """The shop's identity secret (at most two at once): the widget signs customers in with it."""
    return new_secret(stack)


def new_key(desk: Desk, role: str = "agent", name: str | None = None, by: AgentLogin | str | None = None) -> dict:
    body = desk.ok("POST", KEYS, 201, who=by or desk.stack.admin, json={"name": name or f"Back office {word()}", "role": role})
    USED.append(body["key"])
    return body


def keys(desk: Desk) -> list[dict]:
    return desk.ok("GET", KEYS, who=desk.stack.admin)["items"]


def audit(desk: Desk, action: str, target: str) -> list[dict]:
    items = desk.ok("GET", f"{D}/audit?limit=200", who=desk.stack.admin)["items"]
    return [e for e in items if e["action"] == action and e["target"] == target]


def me(desk: Desk, key: str) -> dict:
    return desk.ok("GET", f"{A}/me", who=key)


def non_system(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m["sender_type"] != "system"]


# -- 1. a key, shown once ---------------------------------------------------------------


def test_a_key_is_shown_once_and_listed_without_it(desk):
    admin = desk.stack.admin
    first = new_key(desk, name="Warehouse sync")
    second = new_key(desk, role="admin", name="Back office")
    for made, role in ((first, "agent"), (second, "admin")):
        assert KEY.fullmatch(made["key"]) and len(made["key"]) == 47, made["key"]
        assert made["prefix"] == made["key"][:12] and made["role"] == role, made
        assert made["last_used_at"] is None and made["revoked_at"] is None, made
    assert first["key"] != second["key"]
    listed = keys(desk)
    assert [k["id"] for k in listed][:2] == [second["id"], first["id"]], "not newest first"
    text = json.dumps(listed)
    for made in (first, second):
        assert made["key"] not in text and made["key"][12:] not in text, "the list shows a key"
        assert all("key" not in k for k in listed)
        [entry] = audit(desk, "api_key.created", made["id"])
        assert (entry["actor"]["id"], entry["actor"]["username"]) == (admin.id, "admin"), entry
        assert made["key"][12:] not in json.dumps(entry), "the audit log shows a key"

    desk.refused("POST", KEYS, 409, "name_taken", who=admin, json={"name": "Warehouse sync", "role": "admin"})
    for body in ({"name": "", "role": "agent"}, {"name": "x" * 61, "role": "agent"}, {"role": "agent"}):
        desk.refused("POST", KEYS, 400, "invalid_api_key", who=admin, json=body)
    for body in ({"name": "   ", "role": "agent"}, {"name": None, "role": "agent"}, {"name": 7, "role": "agent"}):
        assert_error(desk.call("POST", KEYS, who=admin, json=body), 400)
    for role in ("owner", "Admin", "", None):
        assert_error(desk.call("POST", KEYS, who=admin, json={"name": "Boss", "role": role}), 400,
                     "invalid_role" if isinstance(role, str) else None)
    assert_error(desk.call("POST", KEYS, who=admin, json={"name": "Boss"}), 400)
    # The longest name is a name.
    longest = new_key(desk, name="n" * 60)
    desk.ok("DELETE", f"{KEYS}/{longest['id']}", 204, who=admin)
    desk.refused("POST", KEYS, 403, "admin_required", who=desk.stack.agent, json={"name": "Mine", "role": "agent"})
    desk.refused("GET", KEYS, 403, "admin_required", who=desk.stack.agent)
    assert_error(desk.call("GET", KEYS), 401)


# -- 2. the shop's integration on the agent routes ----------------------------------------------


def test_a_key_acts_as_the_shop_never_as_a_person(desk, identity):
    stack = desk.stack
    made = new_key(desk)
    key, name = made["key"], made["name"]
    myself = me(desk, key)
    assert myself["integration"] is True and myself["role"] == "agent" and myself["presence"] == "offline", myself
    assert desk.ok("GET", f"{A}/me", who=stack.agent)["integration"] is False
    desk.ok("GET", f"{A}/conversations", who=key)
    desk.ok("GET", f"{O}/queue", who=key)

    # The back office writes to customer `sub`, who does not exist yet.
    sub = new_sub()
    opened = desk.ok("POST", f"{A}/conversations", 201, who=key,
                     json={"external_id": sub, "name": "Ada Lovelace", "email": "ada@example.com",
                           "content": "Your order 1234 has shipped."})
    conv, message = opened["conversation"], opened["message"]
    assert opened["created"] is True
    assert (conv["status"], conv["assigned_agent_id"], conv["has_agent_replied"]) == ("automated", None, False), conv
    assert (conv["contact"]["external_id"], conv["contact"]["verified"], conv["contact"]["name"]) == (sub, True, "Ada Lovelace")
    assert message["sender"] == {"type": "agent", "agent_id": myself["id"], "integration": name}, message
    assert message["sender_type"] == "agent" and message["metadata"]["integration"] == name, message
    assert non_system(desk.messages(stack.admin, conv["id"])) == [message], "a welcome, or more than the shop's message"

    more = desk.ok("POST", f"{A}/conversations/{conv['id']}/messages", who=key, json={"content": "It arrives on Thursday."})
    assert more["message"]["sender"]["integration"] == name
    assert (more["conversation"]["assigned_agent_id"], more["conversation"]["has_agent_replied"],
            more["conversation"]["status"]) == (None, False, "automated"), more["conversation"]
    again = desk.ok("POST", f"{O}/conversations", 200, who=key,
                    json={"contact_id": conv["contact"]["id"], "content": "Tracking: NW-1234."})
    assert (again["created"], again["conversation"]["id"]) == (False, conv["id"])
    quiet = desk.ok("POST", f"{A}/conversations", 200, who=key, json={"external_id": sub})
    assert (quiet["created"], quiet["message"], quiet["conversation"]["id"]) == (False, None, conv["id"])
    shop_said = [message["id"], more["message"]["id"], again["message"]["id"]]

    # The customer finds it when the widget signs them in, with the shop's messages.
    device = signed_in(stack, identity, sub, name="Ada Lovelace", email="ada@example.com")
    assert device.id == conv["id"]
    seen = [m for m in stack.customer_messages(device) if m["id"] in shop_said]
    assert [m["id"] for m in seen] == shop_said
    assert all(m["sender"]["integration"] == name and m["sender_type"] == "agent" for m in seen), seen

    # Asked for a person, the chat waits in the queue; the key's words do not take it.
    desk.ok("POST", f"{C}/conversations/{conv['id']}/escalate", session=device.session_id)
    desk.ok("POST", f"{A}/conversations/{conv['id']}/messages", who=key, json={"content": "Someone will be with you."})
    assert conv["id"] in stack.queue_ids(stack.agent.token), "the key's reply took the chat out of the queue"
    item = desk.item(stack.admin, conv["id"])
    assert (item["assigned_agent_id"], item["has_agent_replied"]) == (None, False), item
    assert item["awaiting_reply"] is True and item["waiting_since"] is not None, f"the key's words ended the wait: {item}"
    assert myself["id"] not in [m["id"] for m in desk.ok("GET", f"{A}/agents", who=stack.agent)["items"]]
    assert [k for k in keys(desk) if k["id"] == made["id"]][0]["last_used_at"] is not None

    # A person's content takes the conversation, as a reply does.
    person = stack.register_agent("opener")
    theirs = desk.ok("POST", f"{A}/conversations", 201, who=person,
                     json={"external_id": new_sub(), "name": "Grace Hopper", "content": "About your return"})
    assert theirs["conversation"]["assigned_agent_id"] == person.id, theirs["conversation"]
    assert theirs["message"]["sender"] == {"type": "agent", "agent_id": person.id, "integration": None}, theirs["message"]

    # What is not a customer.
    desk.refused("POST", f"{A}/conversations", 400, "invalid_contact", who=key, json={})
    desk.refused("POST", f"{A}/conversations", 400, "invalid_contact", who=key,
                 json={"contact_id": conv["contact"]["id"], "external_id": sub})
    desk.refused("POST", f"{A}/conversations", 404, "contact_not_found", who=key, json={"contact_id": NO_SUCH_ID})
    assert_error(desk.call("POST", f"{A}/conversations", who=key, json={"external_id": sub, "content": "  "}), 400)
    assert_error(desk.call("POST", f"{A}/conversations", who=key, json={"external_id": "x" * 129}), 400)


# -- 3. roles -------------------------------------------------------------------------------


def test_an_agent_key_is_refused_on_admin_routes_and_an_admin_key_is_not(desk):
    agent_key = new_key(desk)["key"]
    admin_made = new_key(desk, role="admin")
    admin_key = admin_made["key"]
    for method, path in (("GET", f"{D}/settings"), ("GET", KEYS), ("GET", f"{D}/webhooks"), ("GET", f"{D}/audit")):
        desk.refused(method, path, 403, "admin_required", who=agent_key)
        desk.ok(method, path, who=admin_key)
    desk.refused("POST", f"{D}/labels", 403, "admin_required", who=agent_key, json={"name": word("Label"), "color": "#123456"})
    label = desk.ok("POST", f"{D}/labels", 201, who=admin_key, json={"name": word("Label"), "color": "#123456"})
    [entry] = audit(desk, "label.created", label["id"])
    assert entry["actor"]["integration"] == admin_made["name"], entry
    assert entry["actor"]["id"] == me(desk, admin_key)["id"], entry
    assert me(desk, admin_key)["role"] == "admin"
    # A key made by a key is audited with the integration as the actor.
    child = new_key(desk, by=admin_key)
    [entry] = audit(desk, "api_key.created", child["id"])
    assert entry["actor"]["integration"] == admin_made["name"], entry


# -- 4. only a person ---------------------------------------------------------------------


def test_what_only_a_person_does_is_person_required(desk):
    stack = desk.stack
    key = new_key(desk)["key"]
    key_agent = me(desk, key)
    for method, path, body in (("POST", f"{A}/auth/logout", None), ("POST", f"{O}/auth/logout", {"return_chats": False}),
                               ("POST", f"{A}/presence", {"presence": "online"}),
                               ("PATCH", f"{A}/me", {"display_name": "The shop"}),
                               ("POST", f"{A}/me/password", {"current_password": "x" * 12, "new_password": "y" * 12})):
        kwargs = {"json": body} if body is not None else {}
        desk.refused(method, path, 403, "person_required", who=key, **kwargs)
    chat = stack.escalated_chat()
    desk.refused("POST", f"{A}/conversations/{chat.id}/claim", 403, "person_required", who=key)
    assert chat.id in stack.queue_ids(stack.agent.token)
    holder = stack.register_agent("holder")
    desk.ok("POST", f"{A}/conversations/{chat.id}/claim", who=holder)
    desk.refused("POST", f"{A}/conversations/{chat.id}/transfer", 403, "person_required", who=holder,
                 json={"to_agent_id": key_agent["id"]})
    desk.refused("POST", f"{A}/conversations/{chat.id}/transfer", 403, "person_required", who=stack.admin,
                 json={"to_agent_id": key_agent["id"], "force": True})
    assert desk.item(stack.admin, chat.id)["assigned_agent_id"] == holder.id
    # None of it ended or changed the key.
    after = me(desk, key)
    assert (after["presence"], after["display_name"]) == (key_agent["presence"], key_agent["display_name"])


# -- 5. a key anywhere but the Authorization header --------------------------------------------


def test_a_key_anywhere_else_is_nothing(desk):
    stack = desk.stack
    made = desk.ok("POST", KEYS, 201, who=stack.admin, json={"name": f"Leaky {word()}", "role": "admin"})
    key = made["key"]  # (not in USED: it goes into URLs here, which nginx's access log records)
    for param in ("access_token", "api_key", "key", "token", "apikey"):
        desk.refused("GET", f"{A}/conversations?{param}={key}", 401, "missing_token")
        desk.refused("GET", f"{D}/settings?{param}={key}", 401, "missing_token")
    refused = SSEStream.open(stack.url("/api/v1/events"), params={"access_token": key})
    assert refused.status == 401, (refused.status, refused.body[:200])
    for headers in ({"X-Api-Key": key}, {"Api-Key": key}, {"Authorization": key}, {"Authorization": f"Basic {key}"},
                    {"Authorization": f"Token {key}"}, {"X-Customer-Session-Id": key}):
        assert_error(desk.call("GET", f"{A}/me", headers=headers), 401)
    for forged in (key + "x", key[:-1], key.upper(), key[4:], "sbk_" + key[4:][::-1], key[:12]):
        desk.refused("GET", f"{A}/me", 401, "invalid_token", who=forged)
    for username in (made["name"], made["prefix"], "admin"):
        desk.refused("POST", f"{A}/auth/login", 401, "invalid_credentials", json={"username": username, "password": key})
    assert me(desk, key)["integration"] is True, "the key itself works"


# -- 6. revoked ------------------------------------------------------------------------------


def test_a_revoked_key_ends_at_once(desk):
    stack = desk.stack
    made = new_key(desk, name=f"Retired {word()}")
    key = made["key"]
    stream = agent_stream(stack, key)
    try:
        assert stream.ok, (stream.status, stream.body[:300])
        desk.ok("GET", f"{A}/conversations", who=key)
        desk.ok("DELETE", f"{KEYS}/{made['id']}", 204, who=stack.admin)
        desk.refused("GET", f"{A}/conversations", 401, "invalid_token", who=key)
        stream.wait_ended(timeout=10)
    finally:
        stream.close()
    desk.refused("GET", f"{A}/me", 401, "invalid_token", who=key)
    assert agent_stream(stack, key).status == 401
    [listed] = [k for k in keys(desk) if k["id"] == made["id"]]
    assert listed["revoked_at"] is not None, listed
    desk.ok("DELETE", f"{KEYS}/{made['id']}", 204, who=stack.admin)  # again: still 204
    desk.refused("DELETE", f"{KEYS}/{NO_SUCH_ID}", 404, "api_key_not_found", who=stack.admin)
    desk.refused("DELETE", f"{KEYS}/{made['id']}", 403, "admin_required", who=stack.agent)
    entries = audit(desk, "api_key.revoked", made["id"])
    assert len(entries) == 1 and entries[0]["actor"]["id"] == stack.admin.id, entries
    # Its name is free again.
    reborn = new_key(desk, name=made["name"])
    assert reborn["key"] != key and me(desk, reborn["key"])["integration"] is True


def test_a_request_racing_the_revocation_never_succeeds_after_it(desk):
    """The very next request after the 204: every request that starts after DELETE answered
    is a 401, even with other requests in flight."""
    made = new_key(desk)
    key = made["key"]
    revoked_at: list[float] = []
    done: list[tuple[float, int]] = []  # (when a request started, its status)
    lock = threading.Condition()
    stop = threading.Event()

    def hammer() -> None:
        http = requests.Session()
        while not stop.is_set():
            started = time.monotonic()
            status = http.get(desk.stack.url(f"{A}/me"), headers={"Authorization": f"Bearer {key}"}, timeout=15).status_code
            with lock:
                done.append((started, status))
                lock.notify_all()

    def wait(condition, what: str) -> None:
        with lock:
            assert lock.wait_for(condition, timeout=20), f"{what}: {Counter(s for _, s in done)}"

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        wait(lambda: sum(1 for _, s in done if s == 200) >= 20, "the key's requests answered before the revocation")
        desk.ok("DELETE", f"{KEYS}/{made['id']}", 204, who=desk.stack.admin)
        revoked_at.append(time.monotonic())
        wait(lambda: sum(1 for t0, _ in done if t0 > revoked_at[0]) >= 40, "requests after the revocation")
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=20)
    late = [(round(t0 - revoked_at[0], 3), s) for t0, s in done if t0 > revoked_at[0] and s != 401]
    assert late == [], f"requests that started after the revocation and were not refused: {late[:5]}"


def test_the_shop_s_words_are_no_person_s_answer(desk, identity):
    """A chat only the key wrote in (and the bot) is no chat a person answered: not
    `has_agent_replied`, and the customer is not asked to rate it (409 `not_rateable`)."""
    stack = desk.stack
    key = new_key(desk)["key"]
    sub = new_sub()
    opened = desk.ok("POST", f"{A}/conversations", 201, who=key,
                     json={"external_id": sub, "content": "We have a question about your order."})
    cid = opened["conversation"]["id"]
    device = signed_in(stack, identity, sub)
    assert device.id == cid
    desk.ok("POST", f"{C}/conversations/{cid}/escalate", session=device.session_id)
    desk.ok("POST", f"{A}/conversations/{cid}/messages", who=key, json={"content": "Someone will answer soon."})
    desk.ok("POST", f"{A}/conversations/{cid}/close", who=stack.admin)
    closed = desk.ok("GET", f"{C}/conversations/{cid}", session=device.session_id)
    assert (closed["status"], closed["can_rate"]) == ("closed", False), closed
    desk.refused("POST", f"{C}/conversations/{cid}/rating", 409, "not_rateable", session=device.session_id,
                 json={"score": 5})
    item = desk.item(stack.admin, cid)
    assert (item["has_agent_replied"], item["assigned_agent_id"]) == (False, None), item


def test_at_most_fifty_live_keys(desk):
    admin = desk.stack.admin
    live = [k for k in keys(desk) if k["revoked_at"] is None]
    made = [new_key(desk) for _ in range(50 - len(live))]
    try:
        desk.refused("POST", KEYS, 409, "api_key_limit", who=admin, json={"name": f"One too many {word()}", "role": "agent"})
        desk.ok("DELETE", f"{KEYS}/{made[0]['id']}", 204, who=admin)
        made[0] = new_key(desk)  # a revoked key makes room
        desk.refused("POST", KEYS, 409, "api_key_limit", who=admin, json={"name": f"Again too many {word()}", "role": "agent"})
    finally:
        for k in made:
            desk.ok("DELETE", f"{KEYS}/{k['id']}", 204, who=admin)


# -- 7. never logged (last: it stops the module's stack) ------------------------------------------


def test_no_key_reaches_a_log(desk):
    stack = desk.stack
    made = new_key(desk, role="admin")
    key = made["key"]
    desk.ok("GET", f"{A}/me", who=key)
    desk.refused("GET", f"{A}/conversations/{uuid.uuid4()}/messages", 404, "conversation_not_found", who=key)
    desk.refused("POST", f"{A}/presence", 403, "person_required", who=key, json={"presence": "online"})
    stream = agent_stream(stack, key)
    assert stream.ok
    desk.ok("DELETE", f"{KEYS}/{made['id']}", 204, who=stack.admin)
    stream.wait_ended(timeout=10)
    desk.refused("GET", f"{A}/me", 401, "invalid_token", who=key)

    assert stack.stop(signal.SIGTERM) == 0, stack.logs()
    files = [stack.output_path, *sorted(stack.run_dir.glob("*.log"))]
    names = {f.name for f in files}
    assert {"worker.log", "notifier.log", "nginx-access.log", "nginx-error.log"} <= names, names
    assert f"{A}/me" in (stack.run_dir / "nginx-access.log").read_text(), "the access log is empty"
    leaks = []
    for f in files:
        text = f.read_text(errors="replace")
        for used in USED:
            # The whole key, and what follows its prefix (the prefix itself may name a key).
            for needle in (used, used[12:]):
                if needle in text:
                    leaks.append(f"{f.name}: {used[:12]}…")
    assert not leaks, leaks
