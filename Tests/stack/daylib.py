"""The agent's day (docs/API.md "Canned replies", "Private notes and transfer", "Unread and
awaiting reply", "Labels", "Search"; issue 21) for the stack tests: each answer these
helpers get is also checked against docs/openapi.yaml (openapilib), so the tests of every
route and error code double as checks of the document.

- `Desk(stack)`: HTTP against a stack, every answer checked (`desk.call`, `desk.ok`, `desk.refused`);
- `Streams`: the event streams a test opened, closed at its end (the `streams` fixture);
- `held_chat`: an escalated conversation that an agent claimed;
- `customer_facing(...)`: everything a customer's routes answer for a chat, as text, where a
  private word (a note's phrase, a label's name) must never appear."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import requests

from openapilib import Spec
from sselib import SSEEvent, SSEStream, agent_stream, customer_stream
from stacklib import AgentLogin, Chat, Stack, assert_error

C = "/api/v1/customer"
A = "/api/v1/agent"
O = "/api/v1/officer"
D = "/api/v1/admin"
NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"

SPEC = Spec()


def word(prefix: str = "zq") -> str:
    """A word no other test wrote: letters only, so the search index keeps it whole."""
    return prefix + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:10])


class Desk:
    """Requests to one stack; each answer must be one docs/openapi.yaml allows."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack

    def call(self, method: str, path: str, *, who: AgentLogin | str | None = None, **kwargs: Any) -> requests.Response:
        token = who.token if isinstance(who, AgentLogin) else who
        resp = self.stack.request(method, path, token=token, **kwargs)
        SPEC.check(resp)
        return resp

    def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        resp = self.call(method, path, **kwargs)
        assert resp.status_code == status, f"{method} {path}: expected {status}, got {resp.status_code}: {resp.text[:500]}"
        return resp.json() if resp.content else None

    def refused(self, method: str, path: str, status: int, code: str, **kwargs: Any) -> dict:
        return assert_error(self.call(method, path, **kwargs), status, code)

    # -- the routes of the agent's day ------------------------------------------------

    def note(self, who: AgentLogin, conversation_id: str, content: str) -> dict:
        return self.ok("POST", f"{A}/conversations/{conversation_id}/notes", 201, who=who, json={"content": content})

    def notes(self, who: AgentLogin, conversation_id: str) -> list[dict]:
        return self.ok("GET", f"{A}/conversations/{conversation_id}/notes", who=who)["items"]

    def transfer(self, who: AgentLogin, conversation_id: str, **body: Any) -> requests.Response:
        return self.call("POST", f"{A}/conversations/{conversation_id}/transfer", who=who, json=body)

    def read(self, who: AgentLogin, conversation_id: str, up_to: str | None = None) -> requests.Response:
        body = {} if up_to is None else {"up_to_message_id": up_to}
        return self.call("POST", f"{A}/conversations/{conversation_id}/read", who=who, json=body)

    def listed(self, who: AgentLogin, query: str = "") -> list[dict]:
        """The caller's conversation list (`query` like "unread=true&limit=200")."""
        return self.ok("GET", f"{A}/conversations?limit=200{'&' + query if query else ''}", who=who)["items"]

    def item(self, who: AgentLogin, conversation_id: str) -> dict:
        """A conversation as it stands in the caller's list."""
        found = [c for c in self.listed(who, "assigned=any") if c["id"] == conversation_id]
        assert len(found) == 1, f"{conversation_id} is not once in the list: {found}"
        return found[0]

    def search(self, who: AgentLogin, q: str, **params: Any) -> list[dict]:
        return self.ok("GET", f"{A}/search", who=who, params={"q": q, **params})["items"]

    def label(self, name: str, color: str = "#1a56db") -> dict:
        return self.ok("POST", f"{D}/labels", 201, who=self.stack.admin, json={"name": name, "color": color})

    def set_labels(self, who: AgentLogin, conversation_id: str, label_ids: list[str]) -> requests.Response:
        return self.call("PUT", f"{A}/conversations/{conversation_id}/labels", who=who, json={"label_ids": label_ids})

    def messages(self, who: AgentLogin, conversation_id: str) -> list[dict]:
        return self.ok("GET", f"{A}/conversations/{conversation_id}/messages?limit=1000", who=who)["messages"]

    def reply(self, who: AgentLogin, conversation_id: str, content: str) -> dict:
        return self.ok("POST", f"{A}/conversations/{conversation_id}/messages", who=who, json={"content": content})["message"]

    def say(self, chat: Chat, content: str) -> dict:
        """The customer writes."""
        return self.ok("POST", f"{C}/conversations/{chat.id}/messages", session=chat.session_id,
                       json={"content": content})["customer_message"]


def held_chat(stack: Stack, agent: AgentLogin, **start: Any) -> Chat:
    """A conversation the customer escalated and `agent` claimed."""
    chat = stack.start_chat(**start)
    Desk(stack).ok("POST", f"{C}/conversations/{chat.id}/escalate", session=chat.session_id)
    Desk(stack).ok("POST", f"{A}/conversations/{chat.id}/claim", who=agent)
    return chat


class Streams:
    """The streams a test opened; all closed at its end."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.opened: list[SSEStream] = []

    def _kept(self, stream: SSEStream) -> SSEStream:
        self.opened.append(stream)
        assert stream.ok, (stream.status, stream.body[:300])
        return stream

    def agent(self, who: AgentLogin | str) -> SSEStream:
        return self._kept(agent_stream(self.stack, who.token if isinstance(who, AgentLogin) else who))

    def customer(self, chat: Chat, last_event_id: int | None = None) -> SSEStream:
        return self._kept(customer_stream(self.stack, chat, last_event_id))

    def close(self) -> None:
        for stream in self.opened:
            stream.close()


def open_streams(stack: Stack):
    """For a fixture: `yield from open_streams(stack)`."""
    streams = Streams(stack)
    try:
        yield streams
    finally:
        streams.close()


def of(conversation_id: str, name: str):
    """A predicate: an event called `name` about the conversation."""
    return lambda e: e.event == name and e.conversation_id() == conversation_id


def everything(stream: SSEStream) -> str:
    """All a stream received, as it came over the wire."""
    return stream.raw_bytes.decode("utf-8", errors="replace")


def checked_events(stream: SSEStream) -> list[SSEEvent]:
    """The stream's events, each payload checked against the document's `x-sse-events`."""
    op = next(o for o in SPEC.operations if o.template == "/api/v1/events")
    schemas = op.spec["x-sse-events"]
    for event in stream.snapshot():
        assert event.event in schemas, f"undocumented event {event!r}"
        SPEC.check_body(SPEC.resolve(schemas[event.event]), event.json, f"event {event.event} id={event.id}")
    return stream.snapshot()


def customer_facing(desk: Desk, chat: Chat) -> dict[str, Any]:
    """What the customer's own routes answer for the chat now: the conversation, every
    message (page by page), and `start` resuming it with the session id."""
    stack = desk.stack
    return {
        "conversation": desk.ok("GET", f"{C}/conversations/{chat.id}", session=chat.session_id),
        "messages": stack.all_customer_messages(chat),
        "resume": desk.ok("POST", f"{C}/conversations/start", json={"customer_session_id": chat.session_id}),
    }


def nowhere_in(secret: str, **places: Any) -> None:
    """`secret` appears in none of the places (JSON values, text or bytes), whatever the case."""
    for name, value in places.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        assert secret.lower() not in text.lower(), f"{secret!r} reached {name}: ...{_around(text, secret)}..."


def _around(text: str, secret: str) -> str:
    at = text.lower().find(secret.lower())
    return text[max(0, at - 200):at + 200]


@pytest.fixture
def streams(stack):
    yield from open_streams(stack)
