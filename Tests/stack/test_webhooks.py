"""Webhooks (docs/API.md "Webhooks (new)", issue 24) through nginx, delivered to a real
HTTP receiver on loopback (webhooklib.Receiver) that checks every request with the
independent `standardwebhooks` package, the way a shop's system would.

What the tests prove:
- the secret is shown once (create, rotate) and never by GET; every delivery carries the
  Standard Webhooks headers, verifies with the secret, and its body is `{type, timestamp,
  data}` with `data` in the REST API's own shapes (equal to what REST answers, and valid
  against docs/openapi.yaml's `webhooks` section);
- a customer's whole journey (a signed-in contact starts, writes, asks for a person, an
  agent claims, notes, replies, the contact's name changes, the chat closes and is rated)
  sends exactly the subscribed events, each once, in the order they happened, to every
  endpoint with the same `webhook-id`; a private note and a system notice never reach a
  receiver;
- a receiver that fails (500, 500, a timeout) gets the event again after 5 s, 10 s and
  20 s (±20 %) with the same `webhook-id`, the later events wait behind it and then arrive
  in order, and the delivery log and the endpoint's health say what happened (the one slow
  test, ~45 s);
- one attempt at a time per endpoint (a slow receiver never gets two at once), and a
  failing endpoint holds up no other;
- a test event goes ahead of a failing delivery and its success retries that one at once;
- a worker SIGKILLed during an attempt loses nothing: after its restart every event
  arrives at least once (the interrupted one again with its `webhook-id`);
- every time someone takes a conversation (a reply, a transfer, a claim) it is sent; the
  shop's own conversation and messages (an API key's) are events too, nobody assigned; a
  changed subscription applies to what happens next; erasing a contact erases its pending
  deliveries; imported history sends nothing;
- validation (`invalid_url`, `invalid_events`, 20 endpoints, `webhook_not_found`, …) and,
  on a stack of its own without SWITCHBOARD_WEBHOOK_ALLOW_*, https only and no private
  address in any spelling (`private_address`), `unresolvable_host`;
- rotate-secret: two signatures, the old and the new secret each verify;
- test event, redelivery (same id and body), disabling (no deliveries; pending ones fail
  with "endpoint disabled"), deleting, and their audit entries;
- a redirect is never followed, a refused connection is a failed attempt, and a huge
  answer body changes nothing;
- `switchboard_webhook_deliveries_total` counts the attempts (prometheus_client's parser);
- no endpoint secret reaches a log (the last test stops the stack and reads every log).

Every answer of the admin routes is checked against docs/openapi.yaml (daylib's Desk).
The module's stack (`webhooks`) allows loopback and plain HTTP receivers
(webhooklib.RECEIVER_ENV). Waits are for conditions (a receiver's record, the delivery
log), never fixed sleeps."""

from __future__ import annotations

import json
import signal
from collections import Counter
from datetime import datetime

import pytest

from daylib import A, C, D, NO_SUCH_ID, Desk, word
from identitylib import new_secret, new_sub, signed_in
from metricslib import both, where
from metricslib import wait_until as poll
from reportlib import a_line, described, import_conversations, summary
from stacklib import Chat, assert_error
from stackproc import free_port
from webhooklib import (EVENT_TYPES, Answer, HOOKS, RECEIVER_ENV, TIMEOUT, Receiver, Request, check_headers, check_payload,
                        dedupe, huge, redirect, signature_of, verify)

DELIVERIES_METRIC = "switchboard_webhook_deliveries_total"
DISABLED_METRIC = "switchboard_webhook_endpoints_disabled"
# Every secret the module was shown (create, rotate): none may reach a log (the last test).
SECRETS: list[str] = []


@pytest.fixture(scope="module")
def stack(stack_factory):
    return stack_factory("webhooks", **RECEIVER_ENV)


@pytest.fixture(scope="module")
def desk(stack) -> Desk:
    return Desk(stack)


class Hooks:
    """The endpoints and receivers of one test: every endpoint is deleted and every
    receiver closed at its end, so no retry of one test runs into the next."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.admin = desk.stack.admin
        self.made: list[str] = []
        self.receivers: list[Receiver] = []

    def receiver(self, name: str, **kw) -> Receiver:
        r = Receiver(name, **kw)
        self.receivers.append(r)
        return r

    def create(self, receiver: Receiver | None, events=EVENT_TYPES, url: str | None = None, **fields) -> dict:
        body = {"url": url or receiver.url(), "events": list(events), **fields}
        hook = self.desk.ok("POST", HOOKS, 201, who=self.admin, json=body)
        self.made.append(hook["id"])
        SECRETS.append(hook["secret"])
        if receiver is not None:
            receiver.secrets.append(hook["secret"])
        return hook

    def get(self, hook: dict) -> dict:
        return self.desk.ok("GET", f"{HOOKS}/{hook['id']}", who=self.admin)

    def log(self, hook: dict, query: str = "limit=200") -> list[dict]:
        return self.desk.ok("GET", f"{HOOKS}/{hook['id']}/deliveries?{query}", who=self.admin)["items"]

    def wait_log(self, hook: dict, predicate, what: str, timeout: float = 20) -> list[dict]:
        """The endpoint's delivery log (newest first) once predicate(log) holds."""
        last: list = []

        def check():
            nonlocal last
            last = self.log(hook)
            return last if predicate(last) else None
        return poll(check, lambda: f"{what}; the log: {json.dumps(last, indent=1)[:3000]}", timeout=timeout, interval=0.2)

    def settled(self, hook: dict, timeout: float = 30) -> list[dict]:
        """The log once nothing is pending any more: every event written for the endpoint so far
        (in the same transaction as its cause) has been taken, so nothing more arrives until
        the test causes something new."""
        return self.wait_log(hook, lambda items: all(d["state"] != "pending" for d in items),
                             "every delivery settled", timeout)

    def cleanup(self) -> None:
        for hook_id in self.made:
            resp = self.desk.stack.request("DELETE", f"{HOOKS}/{hook_id}", token=self.admin.token)
            assert resp.status_code in (204, 404), resp.text
        for r in self.receivers:
            r.close()


@pytest.fixture
def hooks(desk):
    h = Hooks(desk)
    yield h
    h.cleanup()


def key(request: Request) -> tuple[str, str]:
    """An event as (type, what it is about): a message's id, a conversation's or a contact's."""
    data = request.data
    return request.type, data["id"] if isinstance(data, dict) and "id" in data else ""


def about(ids: set[str]):
    """A predicate: a verified delivery about one of these conversations or contacts."""
    return lambda r: r.verified and r.type is not None and (r.about() in ids or (r.data or {}).get("id") in ids)


def non_system(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m["sender_type"] != "system"]


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def checked(requests_: list[Request]) -> list[Request]:
    """Every request's headers and body against the contract and the document; no system
    notice as a message."""
    for r in requests_:
        check_headers(r)
        body = check_payload(r)
        if body["type"] == "message.created":
            assert body["data"]["sender_type"] != "system", f"a system notice went out as a message: {r!r}"
    return requests_


def start(desk: Desk, **body) -> Chat:
    return desk.stack.start_chat(**body)


# -- 1. the secret, the signature, the shapes ----------------------------------------------


def test_the_secret_is_shown_once_and_every_delivery_verifies_in_rest_shapes(desk, hooks):
    receiver = hooks.receiver("shapes")
    hook = hooks.create(receiver, ["conversation.created", "message.created"], description="CRM")
    secret = hook["secret"]
    assert secret.startswith("whsec_") and hook["secret_last4"] == secret[-4:], hook
    assert (hook["url"], hook["events"], hook["description"]) == (receiver.url(), ["conversation.created", "message.created"], "CRM")
    assert hook["enabled"] is True and hook["disabled_reason"] is None
    assert hook["health"] == {"state": "new", "failing_since": None, "last_attempt_at": None, "last_status_code": None,
                              "pending": 0}, hook["health"]
    for shown in (hooks.get(hook), desk.ok("GET", HOOKS, who=desk.stack.admin)):
        text = json.dumps(shown)
        assert "secret\"" not in text.replace("secret_last4\"", "") and secret.split("_", 1)[1] not in text, text[:500]

    chat = start(desk)
    messages = desk.messages(desk.stack.admin, chat.id)
    wanted = 1 + len(non_system(messages))
    got = checked(receiver.wait_verified(wanted, about({chat.id})))
    assert [r.type for r in got] == ["conversation.created"] + ["message.created"] * (wanted - 1), receiver.describe()
    created = got[0].json
    assert created["data"]["id"] == chat.id and created["data"]["status"] == "automated"
    assert created["data"]["created_at"] == chat.start["conversation"]["created_at"]
    assert ts(created["timestamp"]) >= ts(created["data"]["created_at"])
    # A message's data is the Message REST answers, member for member.
    assert [r.data for r in got[1:]] == non_system(messages), (got[1:], messages)

    # Verification is real: another secret, a changed body, a changed id do not verify.
    r = got[0]
    assert verify(secret, r)
    other = hooks.create(None, ["conversation.created"], url=receiver.url("/other"), enabled=False)["secret"]
    assert not verify(other, r)
    assert not verify(secret, Request(**{**r.__dict__, "body": r.body + b" "}))
    assert not verify(secret, Request(**{**r.__dict__, "headers": {**r.headers, "webhook-id": r.webhook_id + "x"}}))

    # The log: each delivered once, at its first attempt, with the ids the receiver saw.
    log = hooks.settled(hook)
    assert sorted(d["webhook_id_header"] for d in log) == sorted(r.webhook_id for r in got), log
    for d in log:
        assert (d["state"], d["attempts"], d["last_status_code"], d["next_attempt_at"]) == ("delivered", 1, 204, None), d
        assert d["delivered_at"] is not None and d["event_type"] in ("conversation.created", "message.created"), d
    assert [d["created_at"] for d in log] == sorted((d["created_at"] for d in log), reverse=True), "not newest first"
    health = hooks.get(hook)["health"]
    assert (health["state"], health["last_status_code"], health["pending"], health["failing_since"]) == (
        "healthy", 204, 0, None), health
    assert health["last_attempt_at"] is not None
    assert len(receiver.snapshot()) == wanted, receiver.describe()


# -- 2. a journey: exactly the subscribed events, once each, in order ------------------------


def test_a_customer_journey_sends_exactly_the_subscribed_events_in_order(desk, hooks):
    stack = desk.stack
    every = hooks.receiver("every")
    some = hooks.receiver("some")
    hook_every = hooks.create(every, EVENT_TYPES)
    hook_some = hooks.create(some, ["conversation.closed", "message.created"])
    agent = stack.register_agent("hooked")
    marker = word("privatenote")
    groups: list[set[tuple[str, str]]] = []  # what each step sends, step by step

    secret = new_secret(stack)
    sub = new_sub()
    chat = signed_in(stack, secret, sub, name="Ada Lovelace", email="ada@example.com")
    contact_id = chat.start["contact"]["id"]
    welcome = [m["id"] for m in non_system(chat.start["messages"])]
    groups.append({("contact.created", contact_id), ("conversation.created", chat.id),
                   *(("message.created", m) for m in welcome)})
    said = desk.ok("POST", f"{C}/conversations/{chat.id}/messages", session=chat.session_id,
                   json={"content": "Where is my parcel from last week?"})
    groups.append({("message.created", said["customer_message"]["id"])}
                  | ({("message.created", said["bot_message"]["id"])} if said["bot_message"] else set()))
    desk.ok("POST", f"{C}/conversations/{chat.id}/escalate", session=chat.session_id)
    groups.append({("conversation.escalated", chat.id)})
    desk.ok("POST", f"{A}/conversations/{chat.id}/claim", who=agent)
    groups.append({("conversation.assigned", chat.id)})
    desk.note(agent, chat.id, f"Customer is {marker}, careful")
    reply = desk.reply(agent, chat.id, "It is with the courier, arriving tomorrow.")
    groups.append({("message.created", reply["id"])})
    answer = desk.say(chat, "Thank you!")
    groups.append({("message.created", answer["id"])})
    signed_in(stack, secret, sub, name="Ada King", email="ada@example.com")  # the shop renamed her
    groups.append({("contact.updated", contact_id)})
    desk.ok("POST", f"{A}/conversations/{chat.id}/close", who=agent)
    groups.append({("conversation.closed", chat.id)})
    desk.ok("POST", f"{C}/conversations/{chat.id}/rating", 201, session=chat.session_id, json={"score": 5})
    groups.append({("conversation.rated", chat.id)})

    mine = about({chat.id, contact_id})
    expected = sum(len(g) for g in groups)
    every.wait_verified(expected, mine, timeout=30)
    hooks.settled(hook_every)
    hooks.settled(hook_some)
    got = checked([r for r in every.snapshot() if mine(r)])
    counts = Counter(r.webhook_id for r in got)
    assert all(n == 1 for n in counts.values()), f"an event came twice without a failure: {counts}"
    # Exactly the events of each step, step after step (within one step in any order).
    keys = [key(r) for r in got]
    at = 0
    for step, group in enumerate(groups):
        assert set(keys[at:at + len(group)]) == group, (
            f"step {step}: expected {sorted(group)}, got {keys[at:at + len(group)]}\nall: {keys}")
        at += len(group)
    assert at == len(keys), f"more than the journey's events: {keys[at:]}"
    assert keys.index(("conversation.created", chat.id)) < min(keys.index(("message.created", m)) for m in welcome)
    times = [ts(r.json["timestamp"]) for r in got]
    assert times == sorted(times), f"not in the order they happened: {[r.json['timestamp'] for r in got]}"
    # Every message the customer and the agent see, no system notice.
    everything = non_system(desk.messages(agent, chat.id))
    assert [r.data for r in got if r.type == "message.created"] == everything
    by_type = {r.type: r.data for r in got}
    assert by_type["contact.created"]["external_id"] == sub and by_type["contact.created"]["verified"] is True
    assert by_type["contact.created"]["name"] == "Ada Lovelace" and by_type["contact.updated"]["name"] == "Ada King"
    assert by_type["conversation.escalated"]["requested_agent_at"] is not None
    assert by_type["conversation.assigned"]["assigned_agent_id"] == agent.id
    assert by_type["conversation.closed"]["status"] == "closed"
    assert by_type["conversation.rated"]["rating"]["score"] == 5

    # The endpoint subscribed to two types gets only those, with the same webhook-ids.
    partial = checked([r for r in some.snapshot() if mine(r)])
    assert [key(r) for r in partial] == [k for k in keys if k[0] in ("conversation.closed", "message.created")]
    ids = {key(r): r.webhook_id for r in got}
    assert all(ids[key(r)] == r.webhook_id for r in partial), "one event, two webhook-ids"
    # The private note reached neither receiver, in any request.
    for r in every.snapshot() + some.snapshot():
        assert marker.lower() not in r.body.decode("utf-8", "replace").lower(), f"the note reached a receiver: {r!r}"
    assert marker in json.dumps(desk.notes(agent, chat.id)), "the note was written"


# -- 3. retries (the one slow test) ------------------------------------------------------


def test_a_failing_receiver_gets_each_event_in_order_after_backoff(desk, hooks):
    receiver = hooks.receiver("flaky").script([500, 500, TIMEOUT])
    hook = hooks.create(receiver, ["conversation.created", "message.created"])
    chat = start(desk)
    desk.say(chat, "Do you ship to Norway?")
    desk.say(chat, "And to Iceland?")
    events = [("conversation.created", chat.id)] + [("message.created", m["id"]) for m in
                                                    non_system(desk.messages(desk.stack.admin, chat.id))]

    # Two 500s: the oldest event is retried, the rest wait behind it.
    first, second = receiver.wait_count(2, timeout=15)
    assert key(first) == events[0] and first.webhook_id == second.webhook_id, receiver.describe()
    def the_oldest(items: list[dict]) -> dict:
        return next(d for d in items if d["webhook_id_header"] == first.webhook_id)

    log = hooks.wait_log(hook, lambda items: the_oldest(items)["attempts"] == 2 and the_oldest(items)["last_error"],
                         "two attempts of the oldest delivery")
    oldest = the_oldest(log)
    assert oldest["state"] == "pending" and len(log) == len(events), log
    assert oldest["last_status_code"] == 500 and oldest["next_attempt_at"] is not None, oldest
    assert all(d["attempts"] == 0 and d["state"] == "pending" for d in log if d is not oldest), log
    health = hooks.get(hook)["health"]
    assert health["state"] == "failing" and health["failing_since"] is not None, health
    assert health["pending"] == len(events) and health["last_status_code"] == 500, health

    # A timeout: the sender gives up after 10 s and says so in the log.
    third = receiver.wait_count(3, timeout=20)[2]
    receiver.wait_finished(third)
    assert third.webhook_id == first.webhook_id and third.client_hung_up, receiver.describe()
    held = third.finished - third.arrived
    assert 9.0 <= held <= 12.5, f"the sender waited {held:.1f}s for an answer (the contract: 10 s)"
    timed_out = the_oldest(hooks.wait_log(hook, lambda items: the_oldest(items)["attempts"] == 3, "the third attempt recorded"))
    assert timed_out["state"] == "pending" and timed_out["last_error"], timed_out
    assert timed_out["last_status_code"] != 500 or timed_out["last_error"] != oldest["last_error"], (
        f"the log still shows the 500 after a timeout: {timed_out}")

    # Then it is taken, and every later event follows in order, each once.
    got = receiver.wait_verified(len(events), timeout=45)
    checked(receiver.snapshot())
    reqs = receiver.snapshot()
    assert [r.webhook_id for r in reqs[:4]] == [first.webhook_id] * 4, receiver.describe()
    assert [key(r) for r in got] == events, receiver.describe()
    assert len(reqs) == len(events) + 3, f"only the first event was retried:\n{receiver.describe()}"
    # Backoff: 5 s, 10 s, 20 s, each ±20 % (a little more for the test's own latency).
    gap1, gap2 = reqs[1].arrived - reqs[0].arrived, reqs[2].arrived - reqs[1].arrived
    assert 4.0 - 0.3 <= gap1 <= 6.0 + 1.5, f"first retry after {gap1:.1f}s, not 5 s ±20 %"
    assert 8.0 - 0.3 <= gap2 <= 12.0 + 1.5, f"second retry after {gap2:.1f}s, not 10 s ±20 %"
    after_start, after_end = reqs[3].arrived - reqs[2].arrived, reqs[3].arrived - reqs[2].finished
    assert any(16.0 - 0.3 <= g <= 24.0 + 1.5 for g in (after_start, after_end)), (
        f"third retry {after_start:.1f}s after the timed-out attempt began ({after_end:.1f}s after it ended), not 20 s ±20 %")
    stamps = [r.timestamp for r in reqs[:4]]
    assert stamps == sorted(stamps) and len(set(stamps)) == 4, f"webhook-timestamp is not each attempt's time: {stamps}"

    log = hooks.settled(hook)
    oldest = next(d for d in log if d["webhook_id_header"] == first.webhook_id)
    assert (oldest["state"], oldest["attempts"], oldest["last_status_code"]) == ("delivered", 4, 204), oldest
    assert oldest["delivered_at"] is not None and oldest["next_attempt_at"] is None, oldest
    assert all(d["state"] == "delivered" and d["attempts"] == 1 for d in log if d is not oldest), log
    health = hooks.get(hook)["health"]
    assert (health["state"], health["failing_since"], health["pending"]) == ("healthy", None, 0), health


def test_one_attempt_at_a_time_per_endpoint_and_no_endpoint_waits_for_another(desk, hooks):
    """A slow endpoint (1 s an answer) gets its events one at a time, in order, never two at
    once; a failing one does not hold up a healthy one."""
    slow = hooks.receiver("slow", default=Answer(204, hold=1.0))
    failing = hooks.receiver("down", default=500)
    healthy = hooks.receiver("healthy")
    for r in (slow, failing, healthy):
        hooks.create(r, ["conversation.created", "message.created"])
    chat = start(desk)
    desk.say(chat, "First question")
    desk.say(chat, "Second question")
    events = [("conversation.created", chat.id)] + [("message.created", m["id"]) for m in
                                                    non_system(desk.messages(desk.stack.admin, chat.id))]
    got = healthy.wait_verified(len(events), timeout=15)
    assert [key(r) for r in got] == events
    assert failing.snapshot() and not any(r.taken for r in failing.snapshot()), failing.describe()
    reqs = slow.wait_verified(len(events), timeout=30)
    assert [key(r) for r in reqs] == events, slow.describe()
    for before, after in zip(reqs, reqs[1:]):
        slow.wait_finished(before)
        assert after.arrived >= before.finished - 0.05, f"two attempts at once to one endpoint:\n{slow.describe()}"


def test_a_test_event_goes_ahead_of_a_failing_delivery_and_unblocks_it(desk, hooks):
    receiver = hooks.receiver("blocked", default=500)
    hook = hooks.create(receiver, ["conversation.created"])
    chat = start(desk)
    [failed] = receiver.wait_count(1, timeout=15)
    assert key(failed) == ("conversation.created", chat.id)
    receiver.script([], default=204)
    test = desk.ok("POST", f"{HOOKS}/{hook['id']}/test", 202, who=desk.stack.admin)
    assert (test["event_type"], test["state"]) == ("webhook.test", "pending"), test
    arrived = receiver.wait_count(2, lambda r: r.verified and r.taken, timeout=15)
    assert [r.type for r in arrived] == ["webhook.test", "conversation.created"], receiver.describe()
    probe, retried = checked(arrived)
    assert probe.webhook_id == test["webhook_id_header"] and retried.webhook_id == failed.webhook_id
    assert probe.data["webhook_id"] == hook["id"] and probe.data["message"], probe.data
    # Both well before the failed one's first retry was due (5 s - 20 %).
    assert retried.arrived - failed.arrived < 4.0, receiver.describe()
    log = hooks.settled(hook)
    assert {d["event_type"]: d["state"] for d in log} == {"webhook.test": "delivered", "conversation.created": "delivered"}


# -- 4. a worker killed during an attempt ----------------------------------------------------


def test_a_worker_killed_during_an_attempt_loses_no_event(desk, hooks):
    stack = desk.stack
    receiver = hooks.receiver("crash").script([TIMEOUT], default=500)
    hook = hooks.create(receiver, ["conversation.created", "message.created"])
    chat = start(desk)
    for text in ("One", "Two", "Three"):
        desk.say(chat, f"{text} question about sizes")
    # The first attempt is held open by the receiver: the worker dies in the middle of it.
    [held] = receiver.wait_count(1, timeout=15)
    assert held.finished is None
    stack.wait_restarted("worker", stack.kill_service("worker"))
    receiver.wait_finished(held)
    desk.say(chat, "Four, after the restart")
    receiver.script([], default=204)
    events = [("conversation.created", chat.id)] + [("message.created", m["id"]) for m in
                                                    non_system(desk.messages(desk.stack.admin, chat.id))]
    got = receiver.wait_verified(len(events), timeout=90)
    checked(receiver.snapshot())
    assert [key(r) for r in got] == events, receiver.describe()
    assert got[0].webhook_id == held.webhook_id, "the interrupted delivery came again with another webhook-id"
    log = hooks.settled(hook)
    assert len(log) == len(events) and all(d["state"] == "delivered" for d in log), log


# -- 5. validation ------------------------------------------------------------------------


def test_what_an_endpoint_must_be(desk, hooks):
    admin = desk.stack.admin
    url = "http://127.0.0.1:9/hook"
    for bad in ("http://user:pass@127.0.0.1:9/hook", "http://user@127.0.0.1:9/hook", "http://127.0.0.1:9/hook#frag",
                "ftp://127.0.0.1:9/hook", "http:///hook", "127.0.0.1:9/hook", "javascript:alert(1)", "",
                "http://127.0.0.1:9/" + "a" * 2000):
        desk.refused("POST", HOOKS, 400, "invalid_url", who=admin, json={"url": bad, "events": ["message.created"]})
    for events in ([], ["message.sent"], ["message.created", "message.created"], ["webhook.tested"],
                   [EVENT_TYPES[0], "Message.Created"]):
        desk.refused("POST", HOOKS, 400, "invalid_events", who=admin, json={"url": url, "events": events})
    too_long = desk.call("POST", HOOKS, who=admin, json={"url": url, "events": ["message.created"], "description": "d" * 201})
    assert_error(too_long, 400)
    # The limits themselves are allowed: a URL of 2000 characters, a description of 200.
    longest = "http://127.0.0.1:9/" + "a" * (2000 - len("http://127.0.0.1:9/"))
    edge = hooks.create(None, ["message.created"], url=longest, description="d" * 200, enabled=False)
    assert (len(edge["url"]), len(edge["description"])) == (2000, 200)
    desk.ok("DELETE", f"{HOOKS}/{edge['id']}", 204, who=admin)
    desk.refused("POST", HOOKS, 403, "admin_required", who=desk.stack.agent, json={"url": url, "events": ["message.created"]})
    assert_error(desk.call("POST", HOOKS, json={"url": url, "events": ["message.created"]}), 401)
    assert_error(desk.call("GET", HOOKS, who=desk.stack.agent), 403, "admin_required")

    for method, path in (("GET", f"{HOOKS}/{NO_SUCH_ID}"), ("PATCH", f"{HOOKS}/{NO_SUCH_ID}"),
                         ("DELETE", f"{HOOKS}/{NO_SUCH_ID}"), ("POST", f"{HOOKS}/{NO_SUCH_ID}/rotate-secret"),
                         ("POST", f"{HOOKS}/{NO_SUCH_ID}/test"), ("GET", f"{HOOKS}/{NO_SUCH_ID}/deliveries"),
                         ("POST", f"{HOOKS}/{NO_SUCH_ID}/deliveries/{NO_SUCH_ID}/redeliver")):
        kwargs = {"json": {"enabled": False}} if method == "PATCH" else {}
        desk.refused(method, path, 404, "webhook_not_found", who=admin, **kwargs)

    hook = hooks.create(None, ["message.created"], url=url, enabled=False)
    desk.refused("POST", f"{HOOKS}/{hook['id']}/deliveries/{NO_SUCH_ID}/redeliver", 404, "delivery_not_found", who=admin)
    desk.refused("GET", f"{HOOKS}/{hook['id']}/deliveries?status=sent", 400, "invalid_status", who=admin)
    for patch, code in (({"url": "ftp://example.com/"}, "invalid_url"), ({"events": []}, "invalid_events"),
                        ({"url": None}, None), ({"enabled": None}, None), ({"events": None}, None)):
        assert_error(desk.call("PATCH", f"{HOOKS}/{hook['id']}", who=admin, json=patch), 400, code)
    assert hooks.get(hook)["events"] == ["message.created"]

    # At most 20 endpoints.
    present = len(desk.ok("GET", HOOKS, who=admin)["items"])
    for _ in range(20 - present):
        hooks.create(None, ["message.created"], url=url, enabled=False)
    desk.refused("POST", HOOKS, 409, "webhook_limit", who=admin, json={"url": url, "events": ["message.created"]})
    listed = desk.ok("GET", HOOKS, who=admin)["items"]
    assert len(listed) == 20
    assert [h["created_at"] for h in listed] == sorted(h["created_at"] for h in listed), "not oldest first"


@pytest.fixture(scope="module")
def strict(stack_factory) -> Desk:
    """A stack with the defaults: https only, public addresses only."""
    return Desk(stack_factory("webhooks-strict"))


PRIVATE = ["https://127.0.0.1/hook", "https://2130706433/hook", "https://0177.0.0.1/hook", "https://[::1]/hook",
           "https://[::ffff:127.0.0.1]/hook", "https://169.254.169.254/latest/meta-data/", "https://10.0.0.1/hook",
           "https://localhost/hook"]
# More spellings and ranges of API.md's list: refused, whichever code names it.
ALSO_PRIVATE = ["https://127.1/hook", "https://0x7f000001/hook", "https://0x7f.0.0.1/hook", "https://localhost./hook",
                "https://LOCALHOST/hook", "https://[0:0:0:0:0:0:0:1]/hook", "https://[::ffff:7f00:1]/hook",
                "https://[fe80::1]/hook", "https://[fd00::1]/hook", "https://0.0.0.0/hook", "https://192.168.1.1/hook",
                "https://172.16.0.1/hook", "https://100.64.0.1/hook", "https://224.0.0.1/hook", "https://192.0.2.1/hook",
                "https://198.51.100.7/hook", "https://240.0.0.1/hook", "https://127.0.0.1:8443/hook",
                "https://[::ffff:169.254.169.254]/hook", "https://%31%32%37.0.0.1/hook"]


@pytest.mark.parametrize("url", PRIVATE)
def test_a_private_address_is_refused_in_every_spelling(strict, url):
    strict.refused("POST", HOOKS, 400, "private_address", who=strict.stack.admin,
                   json={"url": url, "events": ["message.created"]})


@pytest.mark.parametrize("url", ALSO_PRIVATE)
def test_other_private_spellings_are_refused_too(strict, url):
    resp = strict.call("POST", HOOKS, who=strict.stack.admin, json={"url": url, "events": ["message.created"]})
    body = assert_error(resp, 400)
    assert body["code"] in ("private_address", "invalid_url", "unresolvable_host"), body


def test_https_only_and_names_that_resolve(strict):
    admin = strict.stack.admin
    strict.refused("POST", HOOKS, 400, "invalid_url", who=admin, json={"url": "http://1.1.1.1/hook", "events": ["message.created"]})
    strict.refused("POST", HOOKS, 400, "unresolvable_host", who=admin,
                   json={"url": "https://no-such-host.invalid/hook", "events": ["message.created"]})
    # A public address over https is taken (disabled: nothing is sent to it).
    hook = strict.ok("POST", HOOKS, 201, who=admin, json={"url": "https://1.1.1.1/hook", "events": ["message.created"],
                                                          "enabled": False})
    strict.refused("PATCH", f"{HOOKS}/{hook['id']}", 400, "private_address", who=admin, json={"url": "https://[::1]/x"})
    strict.refused("PATCH", f"{HOOKS}/{hook['id']}", 400, "invalid_url", who=admin, json={"url": "http://1.1.1.1/x"})
    strict.ok("DELETE", f"{HOOKS}/{hook['id']}", 204, who=admin)


# -- 5b. what else is (and is not) an event ------------------------------------------------------


def test_each_time_someone_takes_a_conversation_it_is_sent(desk, hooks):
    """`conversation.assigned`: a reply to a queued chat, a transfer, a claim (not a transfer
    to the queue); `contact.updated` when an agent corrects a contact's name."""
    stack = desk.stack
    receiver = hooks.receiver("taken")
    hook = hooks.create(receiver, ["conversation.assigned", "contact.updated"])
    sam, kim = stack.register_agent("sam"), stack.register_agent("kim")
    chat = stack.escalated_chat()
    desk.reply(sam, chat.id, "Hi, Sam here.")
    desk.ok("POST", f"{A}/conversations/{chat.id}/transfer", who=sam, json={"to_agent_id": kim.id})
    desk.ok("POST", f"{A}/conversations/{chat.id}/transfer", who=kim, json={"to": "queue"})
    desk.ok("POST", f"{A}/conversations/{chat.id}/claim", who=sam)
    contact = desk.item(stack.admin, chat.id)["contact"]
    desk.ok("PATCH", f"{A}/contacts/{contact['id']}", who=sam, json={"name": "Robin Renamed"})
    mine = about({chat.id, contact["id"]})
    got = checked(receiver.wait_verified(4, mine))
    assert [(r.type, r.data.get("assigned_agent_id")) for r in got[:3]] == [
        ("conversation.assigned", sam.id), ("conversation.assigned", kim.id), ("conversation.assigned", sam.id)], \
        receiver.describe()
    assert (got[3].type, got[3].data["id"], got[3].data["name"]) == ("contact.updated", contact["id"], "Robin Renamed")
    hooks.settled(hook)
    assert len([r for r in receiver.snapshot() if mine(r)]) == 4, receiver.describe()


def test_the_shop_s_own_conversation_and_messages_are_events_too(desk, hooks):
    """`POST /agent/conversations` with an API key: the contact, the conversation and the
    shop's message go out (`sender.integration` in the message), and nobody is assigned."""
    admin = desk.stack.admin
    receiver = hooks.receiver("integration")
    hook = hooks.create(receiver, EVENT_TYPES)
    made = desk.ok("POST", f"{D}/api-keys", 201, who=admin, json={"name": f"ERP {word()}", "role": "agent"})
    try:
        opened = desk.ok("POST", f"{A}/conversations", 201, who=made["key"],
                         json={"external_id": new_sub(), "name": "Shop Buyer", "content": "Your invoice is ready."})
        conv, message = opened["conversation"], opened["message"]
        mine = about({conv["id"], conv["contact"]["id"]})
        receiver.wait_verified(3, mine)
        hooks.settled(hook)
        got = checked([r for r in receiver.snapshot() if mine(r)])
        keys = [key(r) for r in got]
        assert sorted(keys) == sorted([("contact.created", conv["contact"]["id"]), ("conversation.created", conv["id"]),
                                       ("message.created", message["id"])]), keys
        assert keys.index(("conversation.created", conv["id"])) < keys.index(("message.created", message["id"]))
        [sent] = [r for r in got if r.type == "message.created"]
        assert sent.data == message and sent.data["sender"]["integration"] == made["name"], sent.data
    finally:
        desk.ok("DELETE", f"{D}/api-keys/{made['id']}", 204, who=admin)


def test_an_endpoint_gets_what_it_is_subscribed_to_now(desk, hooks):
    receiver = hooks.receiver("resubscribed")
    hook = hooks.create(receiver, ["conversation.created"])
    first = start(desk)
    receiver.wait_verified(1, lambda r: key(r) == ("conversation.created", first.id))
    desk.ok("PATCH", f"{HOOKS}/{hook['id']}", who=desk.stack.admin, json={"events": ["message.created"]})
    second = start(desk)
    welcome = [m["id"] for m in non_system(second.start["messages"])]
    assert welcome, second.start["messages"]
    receiver.wait_verified(len(welcome), about({second.id}))
    hooks.settled(hook)
    assert [key(r) for r in receiver.snapshot()] == [("conversation.created", first.id)] + [
        ("message.created", m) for m in welcome], receiver.describe()


def test_erasing_a_contact_erases_the_deliveries_about_it(desk, hooks):
    stack = desk.stack
    receiver = hooks.receiver("forgetful", default=500)
    hook = hooks.create(receiver, EVENT_TYPES)
    chat = signed_in(stack, new_secret(stack), new_sub(), name="Erase Me", email="erase.me@example.com")
    contact_id = chat.start["contact"]["id"]
    desk.say(chat, "Please forget everything about me")
    receiver.wait_count(1, timeout=15)
    pending = hooks.log(hook)
    assert len(pending) >= 3 and all(d["state"] == "pending" for d in pending), pending
    desk.ok("DELETE", f"{D}/contacts/{contact_id}", 204, who=stack.admin)
    assert hooks.log(hook) == [], "deliveries about an erased contact are still in the log"
    receiver.script([], default=204)
    witness = start(desk)
    receiver.wait_verified(1, lambda r: r.taken and key(r) == ("conversation.created", witness.id))
    hooks.settled(hook)
    assert not [r for r in receiver.snapshot() if r.taken and about({chat.id, contact_id})(r)], receiver.describe()
    assert not [r for r in receiver.snapshot() if r.n > 0 and "Erase Me" in r.body.decode()], receiver.describe()


def test_imported_history_sends_nothing(desk, hooks, tmp_path):
    stack = desk.stack
    receiver = hooks.receiver("history")
    hook = hooks.create(receiver, EVENT_TYPES)
    name = word("Imported")
    lines = [a_line("2026-10-05", "agent", contact={"name": name}), a_line("2026-10-06", "agent")]
    result = import_conversations(stack, lines, tmp_path)
    assert result.returncode == 0 and summary(result) == (2, 0), described(result)
    witness = start(desk)
    receiver.wait_verified(1, lambda r: key(r) == ("conversation.created", witness.id))
    hooks.settled(hook)
    imported = {line["id"] for line in lines}
    assert not [r for r in receiver.snapshot() if r.about() in imported or name in r.body.decode()], receiver.describe()
    assert all(r.about() == witness.id or r.type == "contact.created" for r in receiver.snapshot()), receiver.describe()


# -- 6. rotating the secret -----------------------------------------------------------------


def test_after_rotation_both_secrets_verify(desk, hooks):
    receiver = hooks.receiver("rotated")
    hook = hooks.create(receiver, ["conversation.created"])
    old = hook["secret"]
    rotated = desk.ok("POST", f"{HOOKS}/{hook['id']}/rotate-secret", who=desk.stack.admin)
    new = rotated["secret"]
    SECRETS.append(new)
    assert new != old and new.startswith("whsec_") and rotated["secret_last4"] == new[-4:], rotated
    assert hooks.get(hook)["secret_last4"] == new[-4:]
    receiver.secrets.append(new)
    test = desk.ok("POST", f"{HOOKS}/{hook['id']}/test", 202, who=desk.stack.admin)
    chat = start(desk)
    got = checked(receiver.wait_verified(2, timeout=15))
    assert sorted((r.webhook_id == test["webhook_id_header"], key(r)) for r in got) == [
        (False, ("conversation.created", chat.id)), (True, ("webhook.test", ""))], receiver.describe()
    for r in got:
        assert len(r.signatures) == 2, f"not two signatures after a rotation: {r.headers.get('webhook-signature')}"
        assert verify(old, r) and verify(new, r), r
        assert sorted(r.signatures) == sorted([signature_of(old, r), signature_of(new, r)]), r.signatures
    entries = desk.ok("GET", f"{D}/audit?limit=50", who=desk.stack.admin)["items"]
    assert any(e["action"] == "webhook.secret_rotated" and e["target"] == hook["id"] for e in entries)
    assert all(old not in json.dumps(e) and new not in json.dumps(e) for e in entries), "a secret in the audit log"


# -- 7. test, redeliver, disable, delete -------------------------------------------------------


def test_test_redeliver_disable_and_delete(desk, hooks):
    admin = desk.stack.admin
    receiver = hooks.receiver("managed")
    witness = hooks.receiver("witness")
    hook = hooks.create(receiver, ["conversation.created"])
    hooks.create(witness, ["conversation.created"])

    test = desk.ok("POST", f"{HOOKS}/{hook['id']}/test", 202, who=admin)
    [probe] = checked(receiver.wait_verified(1, lambda r: r.webhook_id == test["webhook_id_header"]))
    assert probe.type == "webhook.test" and probe.data["webhook_id"] == hook["id"]
    delivered = hooks.wait_log(hook, lambda items: items and items[0]["state"] == "delivered", "the test delivered")[0]
    assert delivered["id"] == test["id"] and delivered["attempts"] == 1
    again = desk.ok("POST", f"{HOOKS}/{hook['id']}/deliveries/{test['id']}/redeliver", 202, who=admin)
    assert (again["id"], again["webhook_id_header"], again["state"]) == (test["id"], test["webhook_id_header"], "pending")
    assert again["attempts"] == 0 and again["delivered_at"] is None, f"a redelivery counts its attempts afresh: {again}"
    first, second = receiver.wait_count(2, lambda r: r.webhook_id == test["webhook_id_header"] and r.verified)
    assert second.body == first.body, "a redelivery with another body"
    redone = hooks.wait_log(hook, lambda items: items[0]["state"] == "delivered", "the redelivery delivered")[0]
    assert (redone["id"], redone["attempts"]) == (test["id"], 1), redone

    # Disabled: nothing is written for it, nothing is sent.
    off = desk.ok("PATCH", f"{HOOKS}/{hook['id']}", who=admin, json={"enabled": False})
    assert off["enabled"] is False and off["health"]["state"] == "disabled", off
    desk.refused("POST", f"{HOOKS}/{hook['id']}/deliveries/{test['id']}/redeliver", 409, "webhook_disabled", who=admin)
    unseen = start(desk)
    witness.wait_verified(1, lambda r: key(r) == ("conversation.created", unseen.id))
    assert not [d for d in hooks.log(hook) if d["event_type"] == "conversation.created"], hooks.log(hook)
    on = desk.ok("PATCH", f"{HOOKS}/{hook['id']}", who=admin, json={"enabled": True, "description": "back"})
    assert on["enabled"] is True and on["disabled_reason"] is None and on["description"] == "back", on
    seen = start(desk)
    receiver.wait_verified(1, lambda r: key(r) == ("conversation.created", seen.id))
    assert not [r for r in receiver.snapshot() if key(r) == ("conversation.created", unseen.id)], \
        "an event of the time it was disabled arrived"

    # Disabling fails what is pending.
    receiver.script([], default=500)
    failing = start(desk)
    receiver.wait_count(1, lambda r: key(r) == ("conversation.created", failing.id), timeout=15)
    desk.ok("PATCH", f"{HOOKS}/{hook['id']}", who=admin, json={"enabled": False})
    log = hooks.wait_log(hook, lambda items: items[0]["state"] == "failed", "the pending delivery failed")
    assert log[0]["last_error"] == "endpoint disabled" and log[0]["next_attempt_at"] is None, log[0]
    assert [d["id"] for d in hooks.log(hook, "status=failed")] == [log[0]["id"]]
    assert all(d["state"] == "delivered" for d in hooks.log(hook, "status=delivered"))
    page = hooks.log(hook, "limit=1")
    assert len(page) == 1 and hooks.log(hook, f"limit=200&before={page[0]['id']}") == hooks.log(hook)[1:]

    desk.ok("DELETE", f"{HOOKS}/{hook['id']}", 204, who=admin)
    desk.refused("GET", f"{HOOKS}/{hook['id']}", 404, "webhook_not_found", who=admin)
    desk.refused("GET", f"{HOOKS}/{hook['id']}/deliveries", 404, "webhook_not_found", who=admin)
    assert hook["id"] not in [h["id"] for h in desk.ok("GET", HOOKS, who=admin)["items"]]

    entries = [e for e in desk.ok("GET", f"{D}/audit?limit=100", who=admin)["items"] if e["target"] == hook["id"]]
    actions = Counter(e["action"] for e in entries)
    assert actions["webhook.created"] == 1 and actions["webhook.updated"] == 3 and actions["webhook.deleted"] == 1, actions
    assert actions["webhook.redelivered"] == 1, actions
    assert all(e["actor"]["id"] == admin.id for e in entries), entries


# -- 8. what a receiver answers cannot mislead the sender -----------------------------------------


def test_a_redirect_is_never_followed(desk, hooks):
    elsewhere = hooks.receiver("elsewhere")
    receiver = hooks.receiver("redirecting", default=redirect(elsewhere.url("/stolen")))
    hook = hooks.create(receiver, ["conversation.created"])
    start(desk)
    receiver.wait_count(1, timeout=15)
    log = hooks.wait_log(hook, lambda items: items and items[0]["attempts"] >= 1, "the attempt recorded")
    assert log[0]["state"] == "pending" and log[0]["delivered_at"] is None, log[0]
    assert log[0]["last_status_code"] == 302 or "redirect" in (log[0]["last_error"] or "").lower(), log[0]
    assert elsewhere.snapshot() == [], elsewhere.describe()


def test_an_ipv6_literal_receiver_gets_its_deliveries(desk, hooks):
    receiver = hooks.receiver("ipv6", host="::1")
    hook = hooks.create(receiver, ["conversation.created"])
    assert hook["url"] == receiver.url() and receiver.url().startswith("http://[::1]:"), hook["url"]
    chat = start(desk)
    [got] = checked(receiver.wait_verified(1, timeout=15))
    assert key(got) == ("conversation.created", chat.id)
    [delivered] = hooks.settled(hook)
    assert (delivered["state"], delivered["attempts"]) == ("delivered", 1), delivered


def test_a_refused_connection_is_a_failed_attempt(desk, hooks):
    closed = free_port()  # nothing listens there
    hook = hooks.create(None, ["conversation.created"], url=f"http://127.0.0.1:{closed}/hook")
    start(desk)
    log = hooks.wait_log(hook, lambda items: items and items[0]["attempts"] >= 1, "the attempt recorded", timeout=15)
    assert (log[0]["state"], log[0]["last_status_code"], log[0]["delivered_at"]) == ("pending", None, None), log[0]
    assert log[0]["last_error"] and log[0]["next_attempt_at"] is not None, log[0]
    health = hooks.get(hook)["health"]
    assert (health["state"], health["last_status_code"], health["pending"]) == ("failing", None, 1), health


def test_a_huge_answer_counts_as_its_status_says(desk, hooks):
    # 32 MiB each: more than loopback's socket buffers hold, so a sender that stops reading
    # leaves the receiver's write failing.
    receiver = hooks.receiver("huge").script([huge(500, 32 << 20), huge(200, 32 << 20)])
    hook = hooks.create(receiver, ["conversation.created"])
    start(desk)
    first = receiver.wait_count(1, timeout=15)[0]
    log = hooks.wait_log(hook, lambda items: items and items[0]["attempts"] == 1, "the first attempt recorded")
    assert (log[0]["state"], log[0]["last_status_code"]) == ("pending", 500), log[0]
    log = hooks.wait_log(hook, lambda items: items[0]["state"] == "delivered", "delivered at the second attempt", timeout=20)
    assert (log[0]["attempts"], log[0]["last_status_code"]) == (2, 200), log[0]
    second = receiver.snapshot()[1]
    assert second.webhook_id == first.webhook_id
    assert desk.stack.health_ok()
    # At most 64 KiB of an answer is read: the sender hung up on the rest of both bodies.
    for r in (first, second):
        receiver.wait_finished(r, timeout=20)
        assert r.write_error, f"the sender read all {len(r.answer.body)} bytes of the answer to #{r.n}"


# -- 9. metrics ---------------------------------------------------------------------------


def test_deliveries_are_counted_in_the_metrics(desk, hooks):
    stack = desk.stack
    before = both(stack)
    receiver = hooks.receiver("counted").script([500])
    hook = hooks.create(receiver, ["conversation.created", "message.created"])
    chat = start(desk)
    log = hooks.wait_log(hook, lambda items: items and all(d["state"] == "delivered" for d in items), "all delivered",
                         timeout=40)
    taken = len(log)
    reqs = receiver.snapshot()
    assert len(reqs) == taken + 1 and len(dedupe(reqs)) == taken, receiver.describe()
    assert {key(r)[1] for r in reqs} >= {chat.id}

    def counted():
        after = both(stack)
        s = where(after, DELIVERIES_METRIC)
        b = before[s.path]  # (a series not yet exposed before counts as 0)
        delta = {result: s.value(DELIVERIES_METRIC, result=result) - b.value(DELIVERIES_METRIC, result=result)
                 for result in ("delivered", "retry", "failed")}
        return (s, delta) if delta == {"delivered": taken, "retry": 1, "failed": 0} else None

    s, _ = poll(counted, f"{DELIVERIES_METRIC} to count {taken} delivered and 1 retry", timeout=10)
    assert s.types[DELIVERIES_METRIC] == "counter"
    assert {tuple(x.labels) for x in s.samples(DELIVERIES_METRIC)} == {("result",)}
    assert {x.labels["result"] for x in s.samples(DELIVERIES_METRIC)} <= {"delivered", "retry", "failed"}
    gauge = where(both(stack), DISABLED_METRIC)
    assert gauge.types[DISABLED_METRIC] == "gauge" and gauge.value(DISABLED_METRIC) == 0


# -- 10. never logged (last: it stops the module's stack) ---------------------------------------


def test_no_webhook_secret_reaches_a_log(desk):
    stack = desk.stack
    admin = stack.admin
    # An endpoint of its own too (so the test stands alone): created, tested, rotated, deleted.
    with Receiver("last") as receiver:
        hook = desk.ok("POST", HOOKS, 201, who=admin, json={"url": receiver.url(), "events": ["message.created"]})
        receiver.secrets.append(hook["secret"])
        test = desk.ok("POST", f"{HOOKS}/{hook['id']}/test", 202, who=admin)
        receiver.wait_verified(1, lambda r: r.webhook_id == test["webhook_id_header"])
        rotated = desk.ok("POST", f"{HOOKS}/{hook['id']}/rotate-secret", who=admin)
        desk.ok("DELETE", f"{HOOKS}/{hook['id']}", 204, who=admin)
    SECRETS.extend([hook["secret"], rotated["secret"]])
    assert stack.stop(signal.SIGTERM) == 0, stack.logs()
    files = [stack.output_path, *sorted(stack.run_dir.glob("*.log"))]
    assert "webhooks" in (stack.run_dir / "nginx-access.log").read_text()
    leaks = [f"{f.name}: …{secret[-4:]}" for f in files for secret in SECRETS
             if secret.split("_", 1)[1] in f.read_text(errors="replace")]
    assert not leaks, leaks
