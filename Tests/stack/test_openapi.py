"""docs/openapi.yaml against the real stack (nginx + worker + notifier).

Every answer these tests get goes through `openapilib.Spec.check`: the request must be
an operation of the document (or a documented 404/405 of a path that is none), the status
one of its documented responses, the headers and the body valid against the response's
schema (OpenAPI 3.1; `additionalProperties: false` catches a stray field). The story
drives every operation of the document at least once with a 2xx (checked at its end),
and the event payloads that arrive meanwhile are checked against `x-sse-events`.

The document itself must be valid OpenAPI 3.1 and name exactly the routes of
docs/API.md."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import jwt
import pytest
import requests
from openapi_spec_validator import validate as validate_openapi

import mailtls
from maillib import ARTIFACTS, Inbox, set_password_link
from openapilib import REPO, Spec, api_md_routes
from sselib import SSEStream, agent_stream, customer_stream
from stacklib import NEW_AGENT_PASSWORD, Chat, unique
from stackproc import free_port
from webhooklib import RECEIVER_ENV, Receiver, check_payload

SPEC = Spec()
EVENTS_PATH = "/api/v1/events"
NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"


# -- the document ------------------------------------------------------------------


def test_document_is_valid_openapi_3_1():
    assert SPEC.doc["openapi"].startswith("3.1."), SPEC.doc["openapi"]
    validate_openapi(SPEC.doc)
    # Every schema is a valid schema of the 3.1 dialect.
    for schema in SPEC.doc["components"]["schemas"].values():
        type(SPEC.validator(schema)).check_schema(schema)


def test_document_names_the_routes_of_api_md():
    documented = {re.sub(r"\{[^}]+\}", "{}", o.key) for o in SPEC.operations}
    in_api_md = api_md_routes((REPO / "docs" / "API.md").read_text())
    assert in_api_md - documented == set(), "routes of API.md missing from docs/openapi.yaml"
    assert documented - in_api_md == set(), "routes of docs/openapi.yaml that API.md does not name"


def test_response_objects_are_closed():
    """Every object a response can carry lists its members (additionalProperties false),
    except the audit entry's free-form `data` and the request bodies."""
    open_ones = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node and node.get("additionalProperties") is not False:
                open_ones.append(where)
            for k, v in node.items():
                walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}/{i}")

    requests_bodies = {"StartRequest", "SendRequest", "QuickReplyRequest", "TypingRequest", "LoginRequest",
                       "RegisterRequest", "PasswordChangeRequest", "PasswordResetRequest", "PresenceRequest",
                       "FAQInput", "FAQPatch", "SettingsPatch", "AgentPatch", "PasswordResetLinkRequest",
                       "PasswordLinkRequest", "SetPasswordRequest", "CannedReplyInput", "CannedReplyPatch",
                       "NoteInput", "TransferRequest", "ReadRequest", "LabelInput", "LabelPatch", "LabelsRequest",
                       "RatingRequest"}
    for name, schema in SPEC.doc["components"]["schemas"].items():
        if name not in requests_bodies:
            walk(schema, name)
    assert open_ones == []


def fake_response(method: str, path: str, status: int, body: Any = None, headers: dict | None = None) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp.headers.update(headers or {})
    if body is not None:
        resp._content = json.dumps(body).encode()
        resp.headers.setdefault("Content-Type", "application/json")
    else:
        resp._content = b""
    resp.request = requests.Request(method, "http://127.0.0.1" + path).prepare()
    resp.url = resp.request.url
    return resp


AGENT = {"id": "6f9619ff-8b86-4011-b42d-00c04fc964ff", "username": "agent", "display_name": "Agent",
         "presence": "online", "max_active_chats": 5, "role": "agent", "disabled": False, "last_seen_at": None,
         "away_since": None, "email": None, "email_notifications": False, "integration": False,
         "created_at": "2026-11-21T12:00:00.123Z", "updated_at": "2026-11-21T12:00:00.123Z",
         "limits": {"message_max_chars": 4000, "display_name_max_chars": 80, "list_max_limit": 200,
                    "max_active_chats_min": 1, "max_active_chats_max": 100, "password_min_chars": 10,
                    "password_max_bytes": 256, "username_min_chars": 2, "username_max_chars": 32,
                    "faq_question_max_chars": 200, "faq_answer_max_chars": 2000, "faq_keywords_max": 30,
                    "faq_keyword_max_chars": 40, "faqs_max": 200, "faq_slug_max_chars": 60, "email_max_chars": 254,
                    "brand_name_max_chars": 60, "bot_name_max_chars": 40, "bot_text_max_chars": 500,
                    "widget_title_max_chars": 60, "widget_subtitle_max_chars": 120, "widget_greeting_max_chars": 240},
         "routing": "auto", "email_enabled": False,
         "attachments": {"enabled": True, "max_bytes": 10485760, "allowed_types": ["image/png", "text/plain"]}}


@pytest.mark.parametrize(
    "method,path,status,body,headers,problem",
    [
        ("GET", "/api/v1/agent/me", 200, {**AGENT, "password_hash": "x"}, None, "does not match"),
        ("GET", "/api/v1/agent/me", 200, {k: v for k, v in AGENT.items() if k != "last_seen_at"}, None, "does not match"),
        ("GET", "/api/v1/agent/me", 200, {**AGENT, "id": "not-a-uuid"}, None, "does not match"),
        ("GET", "/api/v1/agent/me", 200, {**AGENT, "created_at": "yesterday"}, None, "does not match"),
        ("GET", "/api/v1/agent/me", 200, {k: v for k, v in AGENT.items() if k != "limits"}, None, "does not match"),
        ("GET", "/api/v1/agent/me", 404, {"detail": "x", "code": "not_found"}, None, "not documented"),
        ("GET", "/api/v1/agent/me", 401, {"detail": "x", "code": "missing_token"}, None, "WWW-Authenticate"),
        ("GET", "/api/v1/agent/me", 500, {"detail": "x"}, None, "does not match"),
        ("GET", "/api/v1/agent/teleport", 200, {}, None, "no operation"),
        ("GET", "/api/v1/agent/me/", 200, AGENT, None, "no operation"),
        ("POST", "/api/v1/agent/me", 405, {"detail": "x", "code": "method_not_allowed"}, None, "Allow"),
        ("POST", "/api/v1/agent/auth/logout", 204, {"ok": True}, None, "no body"),
        ("POST", "/api/v1/admin/faqs", 404, {"detail": "x", "code": "route_not_found"}, None, "not documented"),
        ("PATCH", f"/api/v1/admin/faqs/{NO_SUCH_ID}", 404, {"detail": "x", "code": "route_not_found"}, None,
         "no such route"),
        ("GET", "/api/v1/customer/widget-config", 200, {}, None, "Cache-Control"),
    ],
)
def test_the_checker_catches_mismatches(method, path, status, body, headers, problem):
    with pytest.raises(AssertionError, match=problem):
        SPEC.check(fake_response(method, path, status, body, headers))


def test_the_checker_accepts_documented_answers():
    SPEC.check(fake_response("GET", "/api/v1/agent/me", 200, AGENT))
    SPEC.check(fake_response("GET", "/api/v1/officer/me", 401, {"detail": "x", "code": "missing_token"},
                             {"WWW-Authenticate": "Bearer"}))
    SPEC.check(fake_response("POST", "/api/v1/agent/me", 405, {"detail": "x", "code": "method_not_allowed"},
                             {"Allow": "GET, PATCH"}))
    SPEC.check(fake_response("POST", "/api/v1/agent/auth/login", 503, {"detail": "x", "code": "busy"},
                             {"Retry-After": "1"}))
    SPEC.check(fake_response("GET", "/api/v1/health", 200, {"status": "ok", "database": "ok"}))


# -- the stack, checked ---------------------------------------------------------------


class Checked:
    """HTTP against one stack; every answer is checked against the document, and the
    operations answered with a 2xx are recorded."""

    def __init__(self, stack) -> None:
        self.stack = stack
        self.covered: set[str] = set()
        self.statuses: dict[str, set[int]] = {}

    def call(self, method: str, path: str, expect: int | tuple[int, ...], *, code: str | None = None,
             **kwargs: Any) -> Any:
        resp = self.stack.request(method, path, **kwargs)
        op = SPEC.check(resp)
        statuses = expect if isinstance(expect, tuple) else (expect,)
        assert resp.status_code in statuses, (
            f"{method} {path}: expected {statuses}, got {resp.status_code}: {resp.text[:500]}")
        if op is not None:
            self.statuses.setdefault(op.key, set()).add(resp.status_code)
            if resp.status_code < 300:
                self.covered.add(op.key)
        body = resp.json() if resp.content and resp.headers.get("Content-Type", "").startswith("application/json") else None
        if code is not None:
            assert body and body.get("code") == code, f"{method} {path}: expected code {code!r}, got {body}"
        return body

    def get(self, path: str, expect: int | tuple[int, ...] = 200, **kw: Any) -> Any:
        return self.call("GET", path, expect, **kw)

    def post(self, path: str, expect: int | tuple[int, ...] = 200, **kw: Any) -> Any:
        return self.call("POST", path, expect, **kw)

    def patch(self, path: str, expect: int | tuple[int, ...] = 200, **kw: Any) -> Any:
        return self.call("PATCH", path, expect, **kw)

    def delete(self, path: str, expect: int | tuple[int, ...] = 204, **kw: Any) -> Any:
        return self.call("DELETE", path, expect, **kw)

    def login(self, username: str, password: str, alias: str = "agent") -> tuple[str, dict]:
        body = self.post(f"/api/v1/{alias}/auth/login", json={"username": username, "password": password})
        return body["access_token"], body["agent"]


def check_stream_refusal(stream: SSEStream, status: int) -> None:
    """A refused stream's answer, checked like any other (it has no reader)."""
    assert stream.response is not None
    assert stream.status == status, (stream.status, stream.body[:300])
    SPEC.check(stream.response)


def check_events(streams: list[SSEStream]) -> set[str]:
    """Every event frame's data against its documented payload; returns the names seen."""
    op = next(o for o in SPEC.operations if o.template == EVENTS_PATH)
    schemas = op.spec["x-sse-events"]
    seen = set()
    for stream in streams:
        for event in stream.snapshot():
            assert event.event in schemas, f"undocumented event {event!r}"
            SPEC.check_body(SPEC.resolve(schemas[event.event]), event.json, f"event {event.event} id={event.id}")
            ephemeral = event.event in ("agent.typing", "customer.typing", "reset")
            assert (event.id is None) == ephemeral, f"{event!r}: an id: line only on persisted events"
            seen.add(event.event)
    return seen


@pytest.fixture(scope="module")
def inbox():
    """A real SMTP server (plain, no credentials) the story's stack sends to: the links of
    invitations and reset e-mails are read from what it received."""
    box = Inbox(ARTIFACTS / "openapi-mail")
    box.port = free_port()
    controller = mailtls.smtp_server(box, box.port, ca=None)
    yield box
    controller.stop()


@pytest.fixture(scope="module")
def stack(stack_factory, inbox):
    # No per-address cap on open escalations: the story escalates several chats.
    # E-mail on, so every route has a 2xx.
    # Webhooks to a loopback receiver over plain HTTP, so every webhook route has a 2xx.
    return stack_factory("openapi", SWITCHBOARD_RATE_LIMITS="off", SWITCHBOARD_MAX_OPEN_CHATS_PER_ADDRESS="0",
                         SWITCHBOARD_SMTP_URL=f"smtp://127.0.0.1:{inbox.port}", SWITCHBOARD_MAIL_RETRY_SECONDS="1",
                         **RECEIVER_ENV)


@pytest.fixture(scope="module")
def api(stack) -> Checked:
    return Checked(stack)


def test_the_whole_story_matches_the_document(stack, api, inbox):
    C = "/api/v1/customer"
    A = "/api/v1/agent"
    O = "/api/v1/officer"
    D = "/api/v1/admin"

    health = api.get("/api/v1/health")
    assert health["status"] == "ok"

    # -- the widget before anyone types
    quick = api.get(f"{C}/quick-questions")
    assert quick, "the seeded FAQs are offered as quick questions"
    config = api.get(f"{C}/widget-config")
    assert config["quick_questions"] == quick

    # -- logins (both aliases) and the streams
    admin_token, admin = api.login("admin", stack.admin_password)
    agent_token, agent = api.login("agent", stack.agent_password, alias="officer")
    me = api.patch(f"{A}/me", token=agent_token, json={"email": "agent@example.com", "email_notifications": True})
    assert me["email"] == "agent@example.com" and me["email_notifications"] is True
    api.patch(f"{O}/me", 400, token=agent_token, json={"email": "not an address"}, code="invalid_email")
    api.patch(f"{O}/me", token=agent_token, json={"email": None})
    streams: list[SSEStream] = [agent_stream(stack, admin_token)]
    assert streams[0].ok, (streams[0].status, streams[0].body)
    SPEC.check(streams[0].response)

    # -- a customer starts, resumes, starts afresh
    start = api.post(f"{C}/conversations/start", json={"display_name": "Dana", "email": "dana@example.com"})
    chat, sid = start["conversation"]["id"], start["conversation"]["customer_session_id"]
    assert start["messages"] and start["messages"][0]["sender_type"] == "bot"
    resumed = api.post(f"{C}/conversations/start", json={"customer_session_id": sid})
    assert resumed["resumed"] and resumed["conversation"]["id"] == chat
    fresh = api.post(f"{C}/conversations/start", json={"customer_session_id": sid, "force_new": True})
    assert fresh["conversation"]["id"] != chat
    contact = api.post(f"{C}/conversations/{fresh['conversation']['id']}/contact", session=sid,
                       json={"email": "dana@example.org", "name": "Dana D.", "source": "prechat"})
    assert contact["id"] == fresh["conversation"]["id"]
    api.post(f"{C}/conversations/{fresh['conversation']['id']}/contact", 400, session=sid, json={"email": "dana"},
             code="invalid_email")
    api.post(f"{C}/conversations/start", data=b"", headers={"Content-Type": "application/json"})  # empty body
    streams.append(customer_stream(stack, Chat(chat, sid, start)))
    assert streams[1].ok, (streams[1].status, streams[1].body)

    api.get(f"{C}/conversations/{chat}", session=sid)
    page = api.get(f"{C}/conversations/{chat}/messages", session=sid)
    api.get(f"{C}/conversations/{chat}/messages?limit=1&after={page['messages'][0]['id']}", session=sid)

    # -- the bot: a quick reply (with and without a body), a match, a fallback
    slug = quick[0]["slug"]
    sent = api.post(f"{C}/conversations/{chat}/quick-replies/{slug}", session=sid)
    assert sent["bot_message"]["metadata"] == {"faq_slug": slug}
    api.post(f"{C}/conversations/{chat}/quick-replies/{slug}", session=sid, json={"client_message_id": "qr-1"})
    fallback = api.post(f"{C}/conversations/{chat}/messages", session=sid,
                        json={"content": "zzqx flurble", "client_message_id": "m-1"})
    assert fallback["bot_message"]["metadata"] == {"fallback": "true"}
    again = api.post(f"{C}/conversations/{chat}/messages", session=sid,
                     json={"content": "zzqx flurble", "client_message_id": "m-1"})
    assert again["customer_message"]["id"] == fallback["customer_message"]["id"]
    api.post(f"{C}/conversations/{chat}/messages", session=sid, json={"content": quick[0]["question"]},
             headers={"Content-Type": "application/json; charset=utf-8"})
    api.post(f"{C}/conversations/{chat}/typing", 204, session=sid, json={"typing": True})

    # -- nobody online: an offline message, queued, asking for an e-mail; no SMTP here, so no transcripts
    nobody = api.post(f"{C}/conversations/start", json={})
    nobody_id, nobody_sid = nobody["conversation"]["id"], nobody["conversation"]["customer_session_id"]
    offline = api.post(f"{C}/conversations/{nobody_id}/escalate", session=nobody_sid, json={"message": "hello?"})
    assert offline["offline"] is True and offline["needs_contact"] is True
    api.post(f"{C}/conversations/{nobody_id}/transcript", 409, session=nobody_sid, json={}, code="contact_required")
    transcript = api.post(f"{C}/conversations/{chat}/transcript", 202, session=sid, json={})
    assert transcript == {"status": "on_close", "email": "dana@example.com"}

    # -- escalate (twice: the repeat adds no message) and the queue
    escalated = api.post(f"{C}/conversations/{chat}/escalate", session=sid, json={"message": "A person, please."})
    assert escalated["status"] == "agent" and escalated["message"] is not None and escalated["offline"] is True
    assert api.post(f"{C}/conversations/{chat}/escalate", session=sid)["message"] is None
    queue = api.get(f"{A}/queue?limit=50&offset=0", token=agent_token)
    assert chat in [c["id"] for c in queue["items"]]
    api.get(f"{O}/queue", token=agent_token)
    api.get(f"{A}/conversations?status=agent&assigned=none&limit=10", token=agent_token)
    listed = api.get(f"{O}/conversations", token=agent_token)
    api.get(f"{A}/conversations?before={listed['items'][-1]['updated_at']}&assigned=any", token=agent_token)

    # -- claim, reply, release, claim again, close
    claimed = api.post(f"{A}/conversations/{chat}/claim", token=agent_token)
    assert claimed["conversation"]["assigned_agent_id"] == agent["id"]
    other_token, other = register(api, admin_token)
    api.post(f"{O}/conversations/{chat}/claim", 409, token=other_token, code="already_claimed")
    api.post(f"{A}/conversations/{chat}/typing", 204, token=agent_token, json={"typing": True})
    api.post(f"{O}/conversations/{chat}/typing", 204, token=agent_token, json={"typing": False})
    api.post(f"{O}/conversations/{chat}/typing", 403, token=other_token, json={"typing": True}, code="assigned_to_other")
    reply = api.post(f"{A}/conversations/{chat}/messages", token=agent_token,
                     json={"content": "Hello, Dana here to help", "client_message_id": "a-1"})
    assert reply["message"]["sender_agent_id"] == agent["id"]
    api.post(f"{O}/conversations/{chat}/messages", token=agent_token, json={"content": "Still there?"})
    api.post(f"{A}/conversations/{chat}/messages", 403, token=other_token, json={"content": "me too"},
             code="assigned_to_other")
    agent_page = api.get(f"{A}/conversations/{chat}/messages?limit=500", token=agent_token)
    assert agent_page["conversation"]["customer"] == {"display_name": "Dana", "email": "dana@example.com", "source": "start"}
    api.get(f"{O}/conversations/{chat}/messages?after={agent_page['messages'][0]['id']}", token=other_token)
    human = api.post(f"{C}/conversations/{chat}/messages", session=sid, json={"content": "thanks!"})
    assert human["bot_message"] is None and human["quick_questions"] == [] and not human["show_talk_to_agent"]
    api.post(f"{A}/conversations/{chat}/release", 403, token=other_token, code="assigned_to_other")
    api.post(f"{A}/conversations/{chat}/release", token=agent_token)
    api.post(f"{O}/conversations/{chat}/release", 409, token=agent_token, code="not_assigned")
    api.post(f"{O}/conversations/{chat}/claim", token=agent_token)
    api.post(f"{O}/conversations/{chat}/release", token=admin_token)  # an admin may release anyone's
    api.post(f"{A}/conversations/{chat}/claim", token=agent_token)
    closed = api.post(f"{A}/conversations/{chat}/close", token=agent_token)
    assert closed["conversation"]["status"] == "closed" and closed["system_message"] is not None
    api.post(f"{O}/conversations/{chat}/close", 409, token=agent_token, code="conversation_closed")
    api.post(f"{C}/conversations/{chat}/messages", 409, session=sid, json={"content": "hello?"},
             code="conversation_closed")
    api.post(f"{C}/conversations/{chat}/typing", 409, session=sid, json={"typing": False})
    api.post(f"{C}/conversations/{chat}/escalate", 409, session=sid)
    api.post(f"{C}/conversations/{chat}/quick-replies/{slug}", 409, session=sid)
    api.post(f"{A}/conversations/{chat}/typing", 409, token=agent_token, json={"typing": False})
    api.post(f"{A}/conversations/{chat}/messages", 409, token=agent_token, json={"content": "bye"})
    api.get(f"{A}/conversations?status=closed&assigned=me", token=agent_token)
    automated = fresh["conversation"]["id"]
    api.post(f"{A}/conversations/{automated}/close", 409, token=agent_token, code="invalid_transition")
    api.post(f"{C}/conversations/{automated}/escalate", session=sid)
    unassigned = api.post(f"{O}/conversations/{automated}/close", token=agent_token)
    assert unassigned["conversation"]["assigned_agent_id"] is None

    # -- the customer rates the chat an agent answered (once); one nobody answered cannot be rated
    assert api.get(f"{C}/conversations/{chat}", session=sid)["can_rate"] is True
    api.post(f"{C}/conversations/{chat}/rating", 400, session=sid, json={"score": 6}, code="invalid_rating")
    rating = api.post(f"{C}/conversations/{chat}/rating", 201, session=sid, json={"score": 5, "comment": "Quick and kind"})
    assert (rating["score"], rating["comment"]) == (5, "Quick and kind")
    api.post(f"{C}/conversations/{chat}/rating", 409, session=sid, json={"score": 4}, code="already_rated")
    api.post(f"{C}/conversations/{automated}/rating", 409, session=sid, json={"score": 4}, code="not_rateable")
    stranger = api.post(f"{C}/conversations/start", json={})["conversation"]["customer_session_id"]
    api.post(f"{C}/conversations/{chat}/rating", 403, session=stranger, json={"score": 4}, code="not_your_conversation")
    assert api.get(f"{A}/conversations/{chat}/messages?limit=1", token=agent_token)["conversation"]["rating"] == rating

    # -- the agent's own account
    assert api.get(f"{A}/me", token=agent_token)["email_enabled"] is True
    api.get(f"{O}/me", token=agent_token)
    team = api.get(f"{A}/agents", token=agent_token)
    assert {m["id"] for m in team["items"]} >= {admin["id"], agent["id"]}
    api.get(f"{O}/agents", token=agent_token)
    api.post(f"{A}/presence", token=agent_token, json={"presence": "online"})
    api.post(f"{O}/presence", token=agent_token, json={"presence": "offline"})
    api.post(f"{A}/presence", 400, token=agent_token, json={"presence": "away"}, code="invalid_presence")
    api.post(f"{A}/me/password", 403, token=other_token,
             json={"current_password": "not-the-password", "new_password": "another-password-2"}, code="wrong_password")
    api.post(f"{A}/me/password", 204, token=other_token,
             json={"current_password": NEW_AGENT_PASSWORD, "new_password": "another-password-2"})
    api.post(f"{O}/me/password", 204, token=other_token,
             json={"current_password": "another-password-2", "new_password": NEW_AGENT_PASSWORD})
    api.post(f"{A}/register", 403, token=agent_token, code="admin_required",
             json={"username": unique("x"), "password": NEW_AGENT_PASSWORD, "display_name": "X"})
    api.post(f"{O}/register", 409, token=admin_token, code="username_taken",
             json={"username": "agent", "password": NEW_AGENT_PASSWORD, "display_name": "X"})
    api.post(f"{O}/register", 201, token=admin_token,
             json={"username": unique("o"), "password": NEW_AGENT_PASSWORD, "display_name": "Officer",
                   "max_active_chats": 3, "start_online": True, "role": "agent"})
    spare_token, _ = api.login(other["username"], NEW_AGENT_PASSWORD)
    api.post(f"{A}/auth/logout", 204, token=spare_token)
    api.get(f"{A}/me", 401, token=spare_token, code="invalid_token")
    spare_token, _ = api.login(other["username"], NEW_AGENT_PASSWORD, alias="officer")
    api.post(f"{O}/auth/logout", 204, token=spare_token)

    # -- invitations and forgotten passwords (links read from the e-mails the SMTP server got)
    assert api.get(f"{A}/auth/options") == {"password_reset": True, "demo_accounts": True}
    api.get(f"{O}/auth/options")
    invitee = "invited@example.com"
    invited = api.post(f"{A}/register", 201, token=admin_token,
                       json={"username": unique("inv"), "display_name": "Invited", "email": invitee, "invite": True})
    api.post(f"{O}/register", 400, token=admin_token, code="invalid_email",
             json={"username": unique("inv"), "display_name": "Invited", "invite": True})
    invitation = api.post(f"{D}/agents/{invited['id']}/invite", 202, token=admin_token)
    assert invitation["email"] == invitee
    member = next(m for m in api.get(f"{A}/agents", token=agent_token)["items"] if m["id"] == invited["id"])
    assert member["invitation_expires_at"] == invitation["expires_at"]
    api.post(f"{D}/agents/{agent['id']}/invite", 409, token=admin_token, code="email_missing")
    api.post(f"{D}/agents/{NO_SUCH_ID}/invite", 404, token=admin_token, code="agent_not_found")
    api.post(f"{D}/agents/{invited['id']}/invite", 403, token=agent_token, code="admin_required")
    first, second = (set_password_link(m)[1] for m in inbox.wait_for(invitee, count=2))
    replaced = api.post(f"{A}/auth/password-link", 400, json={"token": first}, code="invalid_token")
    assert replaced["reason"] == "used"
    link = api.post(f"{A}/auth/password-link", json={"token": second})
    assert (link["purpose"], link["username"]) == ("invite", invited["username"])
    api.post(f"{A}/auth/set-password", 400, json={"token": second, "password": "short"}, code="invalid_password")
    signed_in = api.post(f"{A}/auth/set-password", json={"token": second, "password": NEW_AGENT_PASSWORD})
    assert signed_in["agent"]["id"] == invited["id"]
    api.post(f"{O}/auth/set-password", 400, json={"token": second, "password": NEW_AGENT_PASSWORD}, code="invalid_token")
    api.post(f"{A}/auth/password-reset", 202, json={"email": invitee})
    api.post(f"{O}/auth/password-reset", 202, json={"email": "nobody-here@example.com"})
    api.post(f"{O}/auth/password-reset", 400, json={"email": "nobody"}, code="invalid_email")
    reset = set_password_link(inbox.wait_for(invitee, count=3)[2])[1]
    assert api.post(f"{O}/auth/password-link", json={"token": reset})["purpose"] == "reset"
    api.post(f"{O}/auth/set-password", json={"token": reset, "password": "chosen-password-4"})
    api.login(invited["username"], "chosen-password-4")

    # -- the admin's desk
    D_faqs = api.get(f"{D}/faqs", token=admin_token)
    assert D_faqs["items"]
    faq = api.post(f"{D}/faqs", 201, token=admin_token,
                   json={"question": "Do you ship to Mars?", "answer": "Not yet.", "keywords": ["Mars", "space"],
                         "position": 50, "enabled": True})
    assert faq["slug"] == "do-you-ship-to-mars" and faq["keywords"] == ["mars", "space"]
    api.post(f"{D}/faqs", 409, token=admin_token, code="slug_taken",
             json={"question": "Mars?", "answer": "No.", "slug": faq["slug"]})
    api.post(f"{D}/faqs", 400, token=admin_token, json={"question": " ", "answer": "x"}, code="invalid_faq")
    api.patch(f"{D}/faqs/{faq['id']}", token=admin_token, json={"answer": "In 2030.", "enabled": False})
    api.patch(f"{D}/faqs/{faq['id']}", 400, token=admin_token, json={"answer": None})
    api.patch(f"{D}/faqs/{NO_SUCH_ID}", 404, token=admin_token, json={"enabled": True}, code="faq_not_found")
    api.delete(f"{D}/faqs/{faq['id']}", token=admin_token)
    api.delete(f"{D}/faqs/{faq['id']}", 404, token=admin_token)
    settings = api.get(f"{D}/settings", token=admin_token)
    changed = api.patch(f"{D}/settings", token=admin_token,
                        json={"brand_name": "Mars Shop", "widget": {"color": "#0B7A75", "position": "left"}})
    assert changed["widget"]["color"] == "#0b7a75" and changed["widget"]["title"] == settings["widget"]["title"]
    api.patch(f"{D}/settings", 400, token=admin_token, json={"widget": {"color": "teal"}}, code="invalid_settings")
    api.patch(f"{D}/settings", 400, token=admin_token, json={"bot_name": None})
    assert api.get(f"{C}/widget-config")["brand_name"] == "Mars Shop"
    api.patch(f"{D}/settings", token=admin_token, json=settings)
    api.patch(f"{D}/agents/{other['id']}", token=admin_token, json={"display_name": "Other", "max_active_chats": 7})
    disabled = api.patch(f"{D}/agents/{other['id']}", token=admin_token, json={"disabled": True})
    assert disabled["disabled"] and disabled["presence"] == "offline"
    api.get(f"{A}/me", 401, token=other_token, code="invalid_token")
    api.post(f"{A}/auth/login", 401, json={"username": other["username"], "password": NEW_AGENT_PASSWORD},
             code="invalid_credentials")
    api.patch(f"{D}/agents/{other['id']}", token=admin_token, json={"disabled": False, "role": "agent"})
    api.patch(f"{D}/agents/{admin['id']}", 409, token=admin_token, json={"role": "agent"}, code="last_admin")
    api.patch(f"{D}/agents/{NO_SUCH_ID}", 404, token=admin_token, json={"disabled": True})
    api.patch(f"{D}/agents/{other['id']}", 400, token=admin_token, json={"role": "owner"})
    api.post(f"{D}/agents/{other['id']}/password", 204, token=admin_token, json={"password": "reset-password-3"})
    api.post(f"{D}/agents/{other['id']}/password", 400, token=admin_token, json={"password": "short"})
    api.post(f"{D}/agents/{NO_SUCH_ID}/password", 404, token=admin_token, json={"password": "reset-password-3"})
    audit = api.get(f"{D}/audit", token=admin_token)
    actions = [e["action"] for e in audit["items"]]
    for action in ("faq.created", "faq.updated", "faq.deleted", "settings.updated", "agent.created",
                   "agent.updated", "agent.disabled", "agent.enabled", "agent.password_reset", "agent.invited",
                   "agent.password_set"):
        assert action in actions, (action, actions)
    api.get(f"{D}/audit?limit=2&before={audit['items'][0]['id']}", token=admin_token)
    for method, path in (("GET", f"{D}/faqs"), ("GET", f"{D}/settings"), ("GET", f"{D}/audit")):
        api.call(method, path, 403, token=agent_token, code="admin_required")
        api.call(method, path, 401)

    # -- the agent's day: canned replies, notes, transfer, unread, labels, search
    day = api.post(f"{C}/conversations/start", json={"display_name": "Robin Hood", "email": "robin@example.com"})
    day_id, day_sid = day["conversation"]["id"], day["conversation"]["customer_session_id"]
    api.post(f"{C}/conversations/{day_id}/escalate", session=day_sid, json={"message": "Where is my parcel, the café set?"})
    api.post(f"{A}/conversations/{day_id}/claim", token=agent_token)
    mine = api.post(f"{A}/canned-replies", 201, token=agent_token,
                    json={"shortcut": "/Parcel", "title": "Parcel", "content": "Hi {{contact.first_name | there}}, {{agent.name}} here."})
    assert (mine["shortcut"], mine["scope"], mine["owner_agent_id"]) == ("parcel", "personal", agent["id"])
    team_reply = api.post(f"{O}/canned-replies", 201, token=admin_token,
                          json={"shortcut": "thanks", "title": "Thanks", "content": "Thanks from {{brand.name}}!", "scope": "team"})
    api.post(f"{A}/canned-replies", 409, token=agent_token, code="shortcut_taken",
             json={"shortcut": "parcel", "title": "Again", "content": "x"})
    api.post(f"{A}/canned-replies", 403, token=agent_token, code="admin_required",
             json={"shortcut": "team2", "title": "Team", "content": "x", "scope": "team"})
    api.post(f"{O}/canned-replies", 400, token=agent_token, code="unknown_variable",
             json={"shortcut": "bad", "title": "Bad", "content": "{{contact.phone}}"})
    assert {r["id"] for r in api.get(f"{A}/canned-replies?q=parc", token=agent_token)["items"]} == {mine["id"]}
    api.get(f"{O}/canned-replies", token=agent_token)
    api.get(f"{A}/canned-replies?q={'x' * 201}", 400, token=agent_token, code="invalid_query")
    api.patch(f"{A}/canned-replies/{mine['id']}", token=agent_token, json={"title": "Parcel status"})
    api.patch(f"{O}/canned-replies/{team_reply['id']}", token=admin_token, json={"content": "Thank you!"})
    api.patch(f"{A}/canned-replies/{team_reply['id']}", 403, token=agent_token, json={"title": "x"}, code="admin_required")
    api.patch(f"{A}/canned-replies/{mine['id']}", 404, token=admin_token, json={"title": "x"}, code="canned_reply_not_found")
    rendered = api.get(f"{A}/conversations/{day_id}/canned-replies/{mine['id']}/render", token=agent_token)
    assert rendered["content"] == f"Hi Robin, {agent['display_name']} here."
    api.get(f"{O}/conversations/{day_id}/canned-replies/{team_reply['id']}/render", token=agent_token)
    api.get(f"{A}/conversations/{NO_SUCH_ID}/canned-replies/{mine['id']}/render", 404, token=agent_token,
            code="conversation_not_found")
    api.delete(f"{O}/canned-replies/{mine['id']}", token=agent_token)
    api.delete(f"{A}/canned-replies/{team_reply['id']}", token=admin_token)
    api.delete(f"{A}/canned-replies/{mine['id']}", 404, token=agent_token, code="canned_reply_not_found")

    note = api.post(f"{A}/conversations/{day_id}/notes", 201, token=agent_token,
                    json={"content": "Refund approved by @admin, waiting for the courier"})
    assert note["mentions"] == [admin["id"]] and note["author"]["id"] == agent["id"]
    api.post(f"{O}/conversations/{day_id}/notes", 201, token=admin_token, json={"content": "Seen."})
    api.post(f"{A}/conversations/{day_id}/notes", 400, token=agent_token, json={"content": " "})
    api.post(f"{A}/conversations/{NO_SUCH_ID}/notes", 404, token=agent_token, json={"content": "x"},
             code="conversation_not_found")
    assert [n["id"] for n in api.get(f"{A}/conversations/{day_id}/notes", token=agent_token)["items"]][0] == note["id"]
    api.get(f"{O}/conversations/{day_id}/notes", token=admin_token)

    full_token, full = register(api, admin_token, max_active_chats=1)
    moved = api.post(f"{A}/conversations/{day_id}/transfer", token=agent_token,
                     json={"to_agent_id": full["id"], "note": "Over to you: the order is NW-1"})
    assert moved["conversation"]["assigned_agent_id"] == full["id"]
    api.post(f"{A}/conversations/{day_id}/transfer", 403, token=agent_token, json={"to": "queue"}, code="not_holder")
    api.post(f"{O}/conversations/{day_id}/transfer", 400, token=full_token, json={}, code="invalid_transfer")
    api.post(f"{O}/conversations/{day_id}/transfer", 404, token=full_token, json={"to_agent_id": NO_SUCH_ID},
             code="agent_not_found")
    api.post(f"{O}/conversations/{day_id}/transfer", token=full_token, json={"to": "queue"})
    api.post(f"{A}/conversations/{day_id}/claim", token=agent_token)
    api.post(f"{A}/conversations/{automated}/transfer", 409, token=admin_token, json={"to": "queue"},
             code="conversation_closed")
    other_chat = api.post(f"{C}/conversations/start", json={})
    api.post(f"{A}/conversations/{other_chat['conversation']['id']}/transfer", 409, token=admin_token,
             json={"to": "queue"}, code="invalid_transition")
    busy = api.post(f"{C}/conversations/start", json={})
    api.post(f"{C}/conversations/{busy['conversation']['id']}/escalate", session=busy["conversation"]["customer_session_id"])
    api.post(f"{A}/conversations/{busy['conversation']['id']}/claim", token=full_token)
    api.post(f"{A}/conversations/{day_id}/transfer", 409, token=agent_token, json={"to_agent_id": full["id"]},
             code="agent_full")

    api.post(f"{C}/conversations/{day_id}/messages", session=day_sid, json={"content": "Any news on the refund?"})
    unread = api.get(f"{A}/conversations?unread=true&awaiting_reply=true", token=admin_token)
    assert day_id in [c["id"] for c in unread["items"]]
    api.get(f"{O}/conversations?unread=false&awaiting_reply=false", token=admin_token)
    api.get(f"{A}/conversations?unread=yes", 400, token=admin_token, code="invalid_unread")
    api.get(f"{A}/conversations?awaiting_reply=1", 400, token=admin_token, code="invalid_awaiting_reply")
    first_message = api.get(f"{A}/conversations/{day_id}/messages?limit=1", token=admin_token)["messages"][0]
    api.post(f"{A}/conversations/{day_id}/read", 204, token=admin_token, json={"up_to_message_id": first_message["id"]})
    api.post(f"{O}/conversations/{day_id}/read", 204, token=admin_token)
    api.post(f"{A}/conversations/{day_id}/read", 404, token=admin_token, json={"up_to_message_id": NO_SUCH_ID},
             code="message_not_found")
    api.post(f"{A}/conversations/{NO_SUCH_ID}/read", 404, token=admin_token, code="conversation_not_found")
    assert day_id not in [c["id"] for c in api.get(f"{A}/conversations?unread=true", token=admin_token)["items"]]

    refund = api.post(f"{D}/labels", 201, token=admin_token, json={"name": "Refund", "color": "#B91C1C"})
    vip = api.post(f"{D}/labels", 201, token=admin_token, json={"name": "VIP", "color": "#1a56db"})
    api.post(f"{D}/labels", 409, token=admin_token, json={"name": "refund", "color": "#000000"}, code="label_taken")
    api.post(f"{D}/labels", 400, token=admin_token, json={"name": "Red", "color": "red"}, code="invalid_label")
    api.post(f"{D}/labels", 403, token=agent_token, json={"name": "Mine", "color": "#000000"}, code="admin_required")
    api.patch(f"{D}/labels/{vip['id']}", token=admin_token, json={"name": "Very important"})
    api.patch(f"{D}/labels/{NO_SUCH_ID}", 404, token=admin_token, json={"name": "x"}, code="label_not_found")
    assert [label["name"] for label in api.get(f"{D}/labels", token=admin_token)["items"]] == ["Refund", "Very important"]
    api.get(f"{A}/labels", token=agent_token)
    api.get(f"{O}/labels", token=agent_token)
    labelled = api.call("PUT", f"{A}/conversations/{day_id}/labels", 200, token=agent_token,
                        json={"label_ids": [vip["id"], refund["id"], refund["id"]]})
    assert [label["name"] for label in labelled["conversation"]["labels"]] == ["Refund", "Very important"]
    api.call("PUT", f"{O}/conversations/{day_id}/labels", 400, token=agent_token, json={"label_ids": [NO_SUCH_ID]},
             code="invalid_label")
    api.call("PUT", f"{O}/conversations/{day_id}/labels", 200, token=agent_token, json={"label_ids": [refund["id"], vip["id"]]})
    assert [c["id"] for c in api.get(f"{A}/conversations?label={refund['id']}", token=agent_token)["items"]] == [day_id]
    api.delete(f"{D}/labels/{vip['id']}", token=admin_token)
    api.delete(f"{D}/labels/{vip['id']}", 404, token=admin_token, code="label_not_found")

    found = api.get(f"{A}/search?q=refun", token=agent_token)
    assert day_id in [item["conversation"]["id"] for item in found["items"]]
    found = api.get(f"{O}/search?q=cafe&status=agent&label={refund['id']}&limit=5", token=agent_token)
    [hit] = [h for item in found["items"] for h in item["hits"] if h["type"] == "message"]
    start, end = hit["highlights"][0]
    assert hit["snippet"][start:end].lower() == "café", hit
    api.get(f"{A}/search?q=courier&from=2020-01-01&to=2099-12-31", token=agent_token)
    api.get(f"{A}/search?q=", 400, token=agent_token, code="invalid_query")
    api.get(f"{A}/search?q=NEAR(%22", token=agent_token)

    # -- reports (the days of this story, in the shop's time zone)
    report = api.get(f"{D}/reports/overview", token=admin_token)
    assert report["totals"]["conversations"] >= 1 and report["csat"]["count"] == 1, report
    api.get(f"{D}/reports/overview?from=2026-11-02&to=2026-11-15&interval=week&business_hours=true"
            f"&label={refund['id']}&agent_id={agent['id']}", token=admin_token)
    api.get(f"{D}/reports/overview?from=2026-11-15&to=2026-11-02", 400, token=admin_token, code="invalid_range")
    api.get(f"{D}/reports/overview?from=yesterday", 400, token=admin_token, code="invalid_date")
    api.get(f"{D}/reports/overview?label={NO_SUCH_ID}", 404, token=admin_token, code="label_not_found")
    api.get(f"{D}/reports/overview", 403, token=agent_token, code="admin_required")
    api.get(f"{D}/reports/conversations.csv", token=admin_token)
    api.get(f"{D}/reports/conversations.csv?agent_id={NO_SUCH_ID}", 404, token=admin_token, code="agent_not_found")
    api.get(f"{D}/reports/conversations.csv", 403, token=agent_token, code="admin_required")
    assert api.get(f"{A}/reports/me", token=agent_token)["agent"]["id"] == agent["id"]
    api.get(f"{O}/reports/me?business_hours=true", token=agent_token)
    api.get(f"{O}/reports/me?business_hours=yes", 400, token=agent_token, code="invalid_business_hours")
    audit = [e["action"] for e in api.get(f"{D}/audit?limit=50", token=admin_token)["items"]]
    for action in ("canned_reply.created", "canned_reply.updated", "canned_reply.deleted", "label.created",
                   "label.updated", "label.deleted"):
        assert action in audit, (action, audit)

    # -- files: uploads from both sides (and the alias), messages that carry them, the signed links, refusals
    F = REPO / "Tests" / "fixtures" / "files"
    files_start = api.post(f"{C}/conversations/start", json={"email": "files@example.com"})
    fid, fsid = files_start["conversation"]["id"], files_start["conversation"]["customer_session_id"]
    photo = api.post(f"{C}/conversations/{fid}/attachments?filename=photo.jpg", 201, session=fsid,
                     data=(F / "gps.jpg").read_bytes(), headers={"Content-Type": "image/jpeg"})
    assert photo["content_type"] == "image/jpeg" and photo["preview_url"]
    note = api.post(f"{A}/conversations/{fid}/attachments?filename=note.txt", 201, token=agent_token,
                    data=(F / "note.txt").read_bytes())
    label = api.post(f"{O}/conversations/{fid}/attachments", 201, token=agent_token, data=(F / "label.pdf").read_bytes(),
                     headers={"Content-Type": "application/pdf"})
    assert label["filename"] == "file" and label["preview_url"] is None
    sent = api.post(f"{C}/conversations/{fid}/messages", session=fsid, json={"attachment_ids": [photo["id"]]})
    assert [a["id"] for a in sent["customer_message"]["attachments"]] == [photo["id"]]
    api.post(f"{A}/conversations/{fid}/messages", token=agent_token,
             json={"content": "Your label.", "attachment_ids": [note["id"]]})
    api.post(f"{O}/conversations/{fid}/messages", token=agent_token, json={"attachment_ids": [label["id"]]})
    listed = api.get(f"{C}/conversations/{fid}/messages", session=fsid)["messages"]
    assert sum(len(m["attachments"]) for m in listed) == 3
    api.get(photo["url"])
    api.get(photo["preview_url"])
    api.get(note["url"], 206, headers={"Range": "bytes=0-4"})
    api.get(label["url"].replace("sig=", "sig=0"), 403, code="invalid_link")
    api.get(f"/api/v1/files/{NO_SUCH_ID}?exp=1&sig=00", 403, code="invalid_link")
    api.post(f"{C}/conversations/{fid}/messages", 400, session=fsid, json={"attachment_ids": [photo["id"]]},
             code="invalid_attachment")
    upload = f"{C}/conversations/{fid}/attachments?filename=x"
    api.post(upload, 400, session=fsid, data=b"", code="empty_file")
    api.post(upload, 415, session=fsid, data=(F / "page.png").read_bytes(), code="file_type_not_allowed")
    api.post(upload, 415, session=fsid, data=(F / "broken.jpg").read_bytes(), code="invalid_image")
    api.post(f"{C}/conversations/{NO_SUCH_ID}/attachments", 404, session=fsid, data=b"x\n")
    api.post(f"{A}/conversations/{fid}/attachments", 401, data=b"x\n")
    api.post(upload, 411, session=fsid, data=iter([b"no length\n"]), code="length_required")
    attachments = api.patch(f"{D}/settings", token=admin_token,
                            json={"attachments": {"max_bytes": 1024, "customer_uploads": False}})["attachments"]
    assert attachments["max_bytes"] == 1024 and attachments["customer_uploads"] is False
    assert api.get(f"{C}/widget-config")["attachments"]["enabled"] is False
    assert api.get(f"{A}/me", token=agent_token)["attachments"]["enabled"] is True
    api.post(upload, 403, session=fsid, data=b"x\n", code="attachments_disabled")
    api.post(f"{A}/conversations/{fid}/attachments", 413, token=agent_token, data=b"x" * 2048, code="file_too_large")
    api.patch(f"{D}/settings", 400, token=admin_token, json={"attachments": {"max_bytes": 10}}, code="invalid_settings")
    api.patch(f"{D}/settings", token=admin_token, json={"attachments": {"max_bytes": 10485760, "customer_uploads": True}})
    api.post(f"{A}/conversations/{fid}/close", token=agent_token)
    api.post(upload, 409, session=fsid, data=b"x\n", code="conversation_closed")

    # -- known customers: a secret, a signed-in customer on two devices, contacts, export, erasure
    secret = api.post(f"{D}/identity/secrets", 201, token=admin_token)
    assert api.get(f"{D}/identity/secrets", token=admin_token)["items"][0]["last4"] == secret["secret"][-4:]
    now = int(time.time())
    token = jwt.encode({"sub": "story-1", "name": "Story Customer", "iat": now, "exp": now + 600}, secret["secret"],
                       algorithm="HS256", headers={"kid": secret["id"]})
    laptop = api.post(f"{C}/login", json={"identity_token": token})
    phone = api.post(f"{C}/login", json={"identity_token": token})
    assert phone["conversation"]["id"] == laptop["conversation"]["id"] and phone["contact"]["verified"] is True
    api.post(f"{C}/login", 401, json={"identity_token": token + "x"}, code="invalid_identity")
    api.post(f"{C}/logout", 204, session=laptop["customer_session_id"])
    api.post(f"{C}/logout", 401, session=laptop["customer_session_id"], code="invalid_session")
    known = api.get(f"{A}/contacts?q=story", token=agent_token)["items"]
    assert [k["external_id"] for k in known] == ["story-1"]
    api.get(f"{O}/contacts?limit=5", token=agent_token)
    detail = api.get(f"{A}/contacts/{known[0]['id']}", token=agent_token)
    assert detail["conversations"][0]["id"] == laptop["conversation"]["id"]
    api.get(f"{O}/contacts/{known[0]['id']}", token=agent_token)
    api.patch(f"{A}/contacts/{known[0]['id']}", 409, token=agent_token, json={"name": "Not Them"}, code="verified_field")
    anonymous = api.get(f"{A}/conversations?limit=50", token=agent_token)["items"][-1]["contact"]
    api.patch(f"{A}/contacts/{anonymous['id']}", token=agent_token, json={"name": "Dana Anon"})
    api.patch(f"{O}/contacts/{anonymous['id']}", token=agent_token, json={"email": "dana@example.net"})
    api.get(f"{D}/widget/blocked-sites", token=admin_token)
    snapshot = api.post(f"{C}/conversations/{phone['conversation']['id']}/attachments?filename=cart.png", 201,
                        session=phone["customer_session_id"], data=(F / "text-chunk.png").read_bytes())
    api.post(f"{C}/conversations/{phone['conversation']['id']}/messages", session=phone["customer_session_id"],
             json={"content": "My cart", "attachment_ids": [snapshot["id"]]})
    export = api.get(f"{D}/contacts/{known[0]['id']}/export", token=admin_token)
    assert export["contact"]["external_id"] == "story-1"
    assert any(m["attachments"] for c in export["conversations"] for m in c["messages"])
    api.get(snapshot["url"])
    api.delete(f"{D}/contacts/{known[0]['id']}", token=admin_token)
    api.get(snapshot["url"], 404, code="file_not_found")
    api.get(f"{D}/contacts/{known[0]['id']}/export", 404, token=admin_token, code="contact_not_found")
    api.delete(f"{D}/identity/secrets/{secret['id']}", token=admin_token)

    # -- webhooks: an endpoint on a loopback receiver, a test event, its log, a redelivery, a new secret
    with Receiver("openapi") as receiver:
        hook = api.post(f"{D}/webhooks", 201, token=admin_token,
                        json={"url": receiver.url(), "events": ["conversation.created", "message.created"],
                              "description": "The story's"})
        receiver.secrets.append(hook["secret"])
        assert hook["health"]["state"] == "new" and hook["secret"].endswith(hook["secret_last4"])
        api.post(f"{D}/webhooks", 400, token=admin_token, json={"url": "ftp://example.com/", "events": ["message.created"]},
                 code="invalid_url")
        api.post(f"{D}/webhooks", 400, token=admin_token, json={"url": receiver.url(), "events": ["message.sent"]},
                 code="invalid_events")
        api.post(f"{D}/webhooks", 403, token=agent_token, json={"url": receiver.url(), "events": ["message.created"]},
                 code="admin_required")
        assert [h["id"] for h in api.get(f"{D}/webhooks", token=admin_token)["items"]] == [hook["id"]]
        assert "secret" not in api.get(f"{D}/webhooks/{hook['id']}", token=admin_token)
        api.get(f"{D}/webhooks/{NO_SUCH_ID}", 404, token=admin_token, code="webhook_not_found")
        api.patch(f"{D}/webhooks/{hook['id']}", token=admin_token, json={"description": "Still the story's"})
        api.patch(f"{D}/webhooks/{hook['id']}", 400, token=admin_token, json={"url": None})
        test = api.post(f"{D}/webhooks/{hook['id']}/test", 202, token=admin_token)
        assert test["event_type"] == "webhook.test"
        receiver.wait_verified(1, lambda r: r.webhook_id == test["webhook_id_header"])
        hooked = api.post(f"{C}/conversations/start", json={})
        receiver.wait_verified(1, lambda r: r.type == "conversation.created" and r.about() == hooked["conversation"]["id"])
        deadline = time.monotonic() + 20
        while not api.get(f"{D}/webhooks/{hook['id']}/deliveries?status=delivered&limit=200", token=admin_token)["items"]:
            assert time.monotonic() < deadline, "no delivery of the story's endpoint counts as delivered"
            time.sleep(0.2)
        log = api.get(f"{D}/webhooks/{hook['id']}/deliveries", token=admin_token)["items"]
        api.get(f"{D}/webhooks/{hook['id']}/deliveries?status=pending&limit=1&before={log[0]['id']}", token=admin_token)
        api.get(f"{D}/webhooks/{hook['id']}/deliveries?status=sent", 400, token=admin_token, code="invalid_status")
        again = api.post(f"{D}/webhooks/{hook['id']}/deliveries/{test['id']}/redeliver", 202, token=admin_token)
        assert again["webhook_id_header"] == test["webhook_id_header"]
        api.post(f"{D}/webhooks/{hook['id']}/deliveries/{NO_SUCH_ID}/redeliver", 404, token=admin_token,
                 code="delivery_not_found")
        receiver.wait_count(2, lambda r: r.webhook_id == test["webhook_id_header"] and r.verified)
        rotated = api.post(f"{D}/webhooks/{hook['id']}/rotate-secret", token=admin_token)
        assert rotated["secret"] != hook["secret"] and rotated["secret"].endswith(rotated["secret_last4"])
        for request in receiver.snapshot():
            check_payload(request)
        api.delete(f"{D}/webhooks/{hook['id']}", token=admin_token)
        api.delete(f"{D}/webhooks/{hook['id']}", 404, token=admin_token, code="webhook_not_found")

    # -- an API key: the shop's back office opens a conversation and writes in it as itself
    key = api.post(f"{D}/api-keys", 201, token=admin_token, json={"name": "Back office", "role": "agent"})
    assert key["key"].startswith("sbk_") and key["prefix"] == key["key"][:12]
    api.post(f"{D}/api-keys", 409, token=admin_token, json={"name": "Back office", "role": "admin"}, code="name_taken")
    api.post(f"{D}/api-keys", 400, token=admin_token, json={"name": "", "role": "agent"}, code="invalid_api_key")
    api.post(f"{D}/api-keys", 400, token=admin_token, json={"name": "Boss", "role": "owner"}, code="invalid_role")
    assert key["id"] in [k["id"] for k in api.get(f"{D}/api-keys", token=admin_token)["items"]]
    assert api.get(f"{A}/me", token=key["key"])["integration"] is True
    opened = api.post(f"{A}/conversations", 201, token=key["key"],
                      json={"external_id": "story-shop-7", "name": "Shop Customer", "email": "shop7@example.com",
                            "content": "Your order has shipped."})
    assert opened["created"] is True and opened["message"]["sender"]["integration"] == "Back office"
    more = api.post(f"{O}/conversations", token=key["key"],
                    json={"contact_id": opened["conversation"]["contact"]["id"], "content": "It arrives on Thursday."})
    assert more["created"] is False and more["conversation"]["id"] == opened["conversation"]["id"]
    api.post(f"{A}/conversations", 404, token=key["key"], json={"contact_id": NO_SUCH_ID}, code="contact_not_found")
    api.post(f"{O}/conversations", 400, token=key["key"], json={}, code="invalid_contact")
    api.get(f"{A}/conversations/{opened['conversation']['id']}/messages", token=key["key"])
    api.post(f"{A}/presence", 403, token=key["key"], json={"presence": "online"}, code="person_required")
    api.post(f"{O}/auth/logout", 403, token=key["key"], code="person_required")
    api.get(f"{D}/settings", 403, token=key["key"], code="admin_required")
    api.delete(f"{D}/api-keys/{key['id']}", token=admin_token)
    api.get(f"{A}/me", 401, token=key["key"], code="invalid_token")
    api.delete(f"{D}/api-keys/{NO_SUCH_ID}", 404, token=admin_token, code="api_key_not_found")
    actions = [e["action"] for e in api.get(f"{D}/audit?limit=100", token=admin_token)["items"]]
    for action in ("webhook.created", "webhook.updated", "webhook.deleted", "webhook.secret_rotated",
                   "webhook.redelivered", "api_key.created", "api_key.revoked"):
        assert action in actions, (action, actions)

    # -- the events that arrived meanwhile
    expected = {"message.created", "conversation.updated", "queue.chat_created", "queue.chat_claimed",
                "agent.assigned", "chat.closed", "agent.presence.changed", "agent.session_revoked",
                "agent.typing", "customer.typing", "note.created", "note.mentioned", "conversation.transferred",
                "conversation.read", "labels.changed", "conversation.rated"}
    streams[0].wait_until(lambda _: expected <= {e.event for s in streams for e in s.snapshot()},
                          what=f"the events {sorted(expected)}")
    streams[1].wait_event("chat.closed", conversation_id=chat)
    check_events(streams)
    for s in streams:
        s.close()

    # -- every operation of the document answered a 2xx
    missing = sorted(o.key for o in SPEC.operations if o.key not in api.covered and o.template != EVENTS_PATH)
    assert missing == [], f"operations the story never reached with a 2xx: {missing}"


def register(api: Checked, admin_token: str, **fields: Any) -> tuple[str, dict]:
    username = unique("oa")
    body = {"username": username, "password": NEW_AGENT_PASSWORD, "display_name": f"Test {username}", **fields}
    api.post("/api/v1/agent/register", 201, token=admin_token, json=body)
    return api.login(username, NEW_AGENT_PASSWORD)


# -- error answers -------------------------------------------------------------------


@pytest.fixture(scope="module")
def chat(api):
    start = api.post("/api/v1/customer/conversations/start", json={"email": "errors@example.com"})
    return start["conversation"]["id"], start["conversation"]["customer_session_id"]


def test_customer_errors_match_the_document(stack, api, chat):
    C = "/api/v1/customer"
    cid, sid = chat
    other_sid = api.post(f"{C}/conversations/start", json={})["conversation"]["customer_session_id"]
    api.get(f"{C}/conversations/{cid}", 401, code="missing_session")
    api.get(f"{C}/conversations/{cid}", 403, session=other_sid, code="not_your_conversation")
    api.get(f"{C}/conversations/{NO_SUCH_ID}", 404, session=sid, code="conversation_not_found")
    api.get(f"{C}/conversations/{cid}/messages?limit=0", 400, session=sid, code="invalid_limit")
    api.get(f"{C}/conversations/{cid}/messages?after={NO_SUCH_ID}", 400, session=sid, code="invalid_cursor")
    api.post(f"{C}/conversations/{cid}/messages", 400, session=sid, json={"content": "   "}, code="empty_content")
    api.post(f"{C}/conversations/{cid}/messages", 400, session=sid, json={"content": "x" * 4001},
             code="content_too_long")
    api.post(f"{C}/conversations/{cid}/messages", 400, session=sid, json={"content": "x", "client_message_id": ""},
             code="invalid_client_message_id")
    api.post(f"{C}/conversations/{cid}/messages", 400, session=sid, data=b"{", headers={"Content-Type": "application/json"},
             code="invalid_json")
    api.post(f"{C}/conversations/{cid}/messages", 400, session=sid, json={}, code="invalid_json")
    api.post(f"{C}/conversations/{cid}/messages", 415, session=sid, data=b'{"content": "hi"}',
             headers={"Content-Type": "text/plain"}, code="unsupported_media_type")
    api.post(f"{C}/conversations/{cid}/messages", 413, session=sid, data=b'{"content": "' + b"a" * 70000 + b'"}',
             headers={"Content-Type": "application/json"})
    api.post(f"{C}/conversations/{cid}/quick-replies/no-such-faq", 404, session=sid, code="faq_not_found")
    api.post(f"{C}/conversations/{cid}/typing", 400, session=sid, json={"typing": "yes"})
    api.post(f"{C}/conversations/{cid}/escalate", 403, session=other_sid)
    api.post(f"{C}/conversations/{NO_SUCH_ID}/escalate", 404, session=sid)
    api.post(f"{C}/conversations/start", 400, json={"customer_session_id": "short"}, code="invalid_session_id")
    api.post(f"{C}/conversations/start", 400, json={"email": "nobody"}, code="invalid_email")
    api.post(f"{C}/conversations/start", 400, json={"force_new": "yes"})


def test_agent_and_admin_errors_match_the_document(stack, api, chat):
    A = "/api/v1/agent"
    cid, _ = chat
    token, _ = api.login("agent", stack.agent_password)
    api.get(f"{A}/me", 401, code="missing_token")
    api.get(f"{A}/me", 401, headers={"Authorization": "Basic abc"}, code="invalid_token")
    api.get(f"{A}/me", 401, token="not-a-token", code="invalid_token")
    api.post(f"{A}/auth/login", 401, json={"username": "agent", "password": "wrong-password"}, code="invalid_credentials")
    api.post(f"{A}/auth/login", 400, json={"username": "agent"}, code="invalid_json")
    api.post(f"{A}/auth/logout", 401)
    api.get(f"{A}/conversations?status=open", 400, token=token, code="invalid_status")
    api.get(f"{A}/conversations?assigned=you", 400, token=token, code="invalid_assigned")
    api.get(f"{A}/conversations?before=yesterday", 400, token=token, code="invalid_before")
    api.get(f"{A}/conversations?limit=201", 400, token=token, code="invalid_limit")
    api.get(f"{A}/queue?offset=-1", 400, token=token, code="invalid_offset")
    api.get(f"{A}/conversations/{NO_SUCH_ID}/messages", 404, token=token)
    api.post(f"{A}/conversations/{NO_SUCH_ID}/claim", 404, token=token)
    api.post(f"{A}/conversations/{cid}/release", 409, token=token, code="not_assigned")
    api.post(f"{A}/conversations/{cid}/messages", 400, token=token, json={"content": ""})
    api.post(f"{A}/register", 401, json={"username": "abc", "password": NEW_AGENT_PASSWORD, "display_name": "A"})
    admin_token, _ = api.login("admin", stack.admin_password)
    for body, code in (({"username": "A!", "password": NEW_AGENT_PASSWORD, "display_name": "A"}, "invalid_username"),
                       ({"username": unique("p"), "password": "short", "display_name": "A"}, "invalid_password"),
                       ({"username": unique("p"), "password": NEW_AGENT_PASSWORD, "display_name": " "}, "invalid_display_name"),
                       ({"username": unique("p"), "password": NEW_AGENT_PASSWORD, "display_name": "A",
                         "max_active_chats": 0}, "invalid_max_active_chats"),
                       ({"username": unique("p"), "password": NEW_AGENT_PASSWORD, "display_name": "A",
                         "role": "boss"}, "invalid_role")):
        api.post(f"{A}/register", 400, token=admin_token, json=body, code=code)
    api.get("/api/v1/admin/audit?before=0", 400, token=admin_token, code="invalid_before")
    api.post("/api/v1/admin/faqs", 415, token=admin_token, data=b"{}", headers={"Content-Type": "text/plain"})


@pytest.mark.parametrize(
    "method,path",
    [
        ("DELETE", "/api/v1/customer/quick-questions"),
        ("GET", "/api/v1/agent/auth/login"),
        ("PUT", "/api/v1/customer/conversations/start"),
        ("GET", f"/api/v1/customer/conversations/{NO_SUCH_ID}/escalate"),
        ("PUT", "/api/v1/officer/me"),
        ("POST", "/api/v1/admin/settings"),
        ("GET", f"/api/v1/admin/agents/{NO_SUCH_ID}"),
    ],
)
def test_wrong_method_is_a_documented_405(api, method, path):
    resp = api.stack.request(method, path, json={})
    assert resp.status_code == 405, resp.text
    assert SPEC.check(resp) is None


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here", "/api/v2/customer/quick-questions", "/api/v1/customer/quick-questions/extra"],
)
def test_unknown_route_is_a_documented_404(api, path):
    resp = api.stack.get(path)
    assert resp.status_code == 404, resp.text
    assert SPEC.check(resp) is None
    assert resp.json()["code"] == "route_not_found"


def test_event_stream_answers_match_the_document(stack, api, chat):
    cid, sid = chat
    other_sid = api.post("/api/v1/customer/conversations/start", json={})["conversation"]["customer_session_id"]
    url = stack.url(EVENTS_PATH)
    check_stream_refusal(SSEStream.open(url), 401)
    check_stream_refusal(SSEStream.open(url, headers={"Authorization": "Bearer nope"}), 401)
    check_stream_refusal(SSEStream.open(url, headers={"X-Customer-Session-Id": sid}), 403)
    check_stream_refusal(SSEStream.open(url, headers={"X-Customer-Session-Id": other_sid},
                                        params={"conversation_id": cid}), 403)
    check_stream_refusal(SSEStream.open(url, headers={"X-Customer-Session-Id": sid},
                                        params={"conversation_id": NO_SUCH_ID}), 403)
    token, _ = api.login("agent", stack.agent_password)
    check_stream_refusal(SSEStream.open(url, headers={"Authorization": f"Bearer {token}", "Last-Event-ID": "x"}), 400)
    with SSEStream.open(url, headers={"Authorization": f"Bearer {token}"}, params={"last_event_id": "0"}) as s:
        assert s.ok, (s.status, s.body)
        SPEC.check(s.response)


# -- what the hardening work adds (API.md: 404 for non-canonical paths, 415 without a
#    Content-Type, the worker's own 429s) -----------------------------------------------


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/api/v1/health/"),
        ("GET", "/api/v1/customer/quick-questions/"),
        ("POST", "/api/v1/agent/auth/login/"),
        ("POST", "/api/v1/officer/auth/login/"),
        ("POST", "/api/v1/customer/conversations/start/"),
        ("POST", f"/api/v1/customer/conversations/{NO_SUCH_ID}/escalate/"),
        ("GET", "/api/v1/agent/me/"),
    ],
)
def test_trailing_slash_is_404(api, method, path):
    resp = api.stack.request(method, path, json={})
    assert resp.status_code == 404, f"{method} {path}: {resp.status_code} {resp.text[:300]}"
    assert SPEC.check(resp) is None
    assert resp.json()["code"] == "route_not_found"


def test_repeated_slashes_are_merged_by_nginx(api):
    # $uri (what nginx routes, rate-limits and passes as DOCUMENT_URI) has its slashes merged.
    resp = api.stack.get("/api/v1//health")
    assert resp.status_code == 200, resp.text
    SPEC.check_response(SPEC.find("GET", "/api/v1/health")[0].spec["responses"]["200"], resp, "GET /api/v1//health")


def test_body_without_content_type_is_415(api, chat):
    cid, sid = chat
    api.post(f"/api/v1/customer/conversations/{cid}/messages", 415, session=sid, data=b'{"content": "hi"}',
             code="unsupported_media_type")
    api.post("/api/v1/agent/auth/login", 415, data=b'{"username": "agent", "password": "x"}',
             code="unsupported_media_type")
    api.post("/api/v1/agent/auth/login", 415, data=b'username=agent&password=x',
             headers={"Content-Type": "application/x-www-form-urlencoded"}, code="unsupported_media_type")


@pytest.fixture(scope="module")
def tight_stack(stack_factory):
    """Worker limits that trigger at once (nginx's rate limits stay off)."""
    return stack_factory("openapi-tight", SWITCHBOARD_RATE_LIMITS="off", SWITCHBOARD_MAX_OPEN_CHATS_PER_ADDRESS="1",
                         SWITCHBOARD_LOGIN_FAILURES_BEFORE_BACKOFF="1")


def test_login_throttled_is_a_documented_429(tight_stack):
    api = Checked(tight_stack)
    username = unique("nobody")
    statuses = []
    for _ in range(4):
        resp = tight_stack.post("/api/v1/agent/auth/login", json={"username": username, "password": "wrong-password"})
        SPEC.check(resp)
        statuses.append(resp.status_code)
        if resp.status_code == 429:
            assert resp.json()["code"] == "login_throttled", resp.text
            assert int(resp.headers["Retry-After"]) >= 1, resp.headers
            break
    assert statuses[-1] == 429, f"no login_throttled after {len(statuses)} failures: {statuses}"
    # The real agent, from a client that signed in as it before, is never held back.
    api.login("agent", tight_stack.agent_password)


def test_too_many_open_chats_is_a_documented_429(tight_stack):
    api = Checked(tight_stack)
    C = "/api/v1/customer/conversations"
    results = []
    for _ in range(3):
        start = api.post(f"{C}/start", json={"email": "capped@example.com"})
        cid, sid = start["conversation"]["id"], start["conversation"]["customer_session_id"]
        resp = tight_stack.post(f"{C}/{cid}/escalate", session=sid)
        SPEC.check(resp)
        results.append(resp.status_code)
        if resp.status_code == 429:
            assert resp.json()["code"] == "too_many_open_chats", resp.text
            break
    assert results[-1] == 429, f"escalations from one address with a cap of 1: {results}"
