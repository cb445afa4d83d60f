"""Property-based run of docs/openapi.yaml against a real stack through nginx (schemathesis).

Every operation but the event stream (it never ends) gets a few generated requests,
valid and invalid ones, sent with real credentials (an admin's bearer token, the
session id of the conversation in the path) and real ids where the path names one
(a conversation, an FAQ, a spare agent), so the requests reach past the 401/404s. Each
answer must be no 5xx, have a documented status, a documented Content-Type and
documented headers, and a body that matches the response schema.

Bounded and deterministic for CI: a fixed seed, derandomized generation, no example
database, FUZZ_EXAMPLES examples per operation (SWITCHBOARD_FUZZ_EXAMPLES overrides)."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field

import pytest
import requests
import schemathesis
from schemathesis import Config
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from openapilib import SPEC_PATH
from stacklib import NEW_AGENT_PASSWORD, unique

FUZZ_EXAMPLES = int(os.environ.get("SWITCHBOARD_FUZZ_EXAMPLES", "20"))
SEED = 20261121
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
HTTP_TIMEOUT = 15
COVERAGE = os.environ.get("SWITCHBOARD_FUZZ_COVERAGE", "1") == "1"


@dataclass
class World:
    """Credentials and ids the generated requests use."""

    stack: object
    admin_token: str
    agent_id: str  # a spare agent the admin routes may change
    seeded_faqs: set[str]
    http: requests.Session = field(default_factory=requests.Session)

    def post(self, path: str, **kw) -> dict:
        resp = self.http.post(self.stack.url(path), timeout=HTTP_TIMEOUT, **kw)
        assert resp.status_code in (200, 201), f"setup: POST {path}: {resp.status_code} {resp.text[:300]}"
        return resp.json()

    def bearer(self) -> dict:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def conversation(self, escalated: bool) -> tuple[str, str]:
        """A new conversation (escalated or not): its id and session id."""
        start = self.post("/api/v1/customer/conversations/start", json={"display_name": "Fuzz", "email": "fuzz@example.com"})
        cid, sid = start["conversation"]["id"], start["conversation"]["customer_session_id"]
        if escalated:
            self.post(f"/api/v1/customer/conversations/{cid}/escalate", headers={"X-Customer-Session-Id": sid})
        return cid, sid

    def claim(self, cid: str) -> None:
        self.post(f"/api/v1/agent/conversations/{cid}/claim", headers=self.bearer())

    def faq(self) -> str:
        """A new FAQ; when the desk is full (200, mostly fuzzed ones), the fuzzed ones go first."""
        body = {"question": f"Fuzz question {uuid.uuid4().hex[:8]}?", "answer": "An answer."}
        resp = self.http.post(self.stack.url("/api/v1/admin/faqs"), headers=self.bearer(), json=body, timeout=HTTP_TIMEOUT)
        if resp.status_code == 409 and resp.json()["code"] == "faq_limit":
            faqs = self.http.get(self.stack.url("/api/v1/admin/faqs"), headers=self.bearer(), timeout=HTTP_TIMEOUT).json()
            for faq in faqs["items"]:
                if faq["id"] not in self.seeded_faqs:
                    self.http.delete(self.stack.url(f"/api/v1/admin/faqs/{faq['id']}"), headers=self.bearer(),
                                     timeout=HTTP_TIMEOUT)
            return self.post("/api/v1/admin/faqs", headers=self.bearer(), json=body)["id"]
        assert resp.status_code == 201, f"setup: POST /api/v1/admin/faqs: {resp.status_code} {resp.text[:300]}"
        return resp.json()["id"]

    def fresh_token(self) -> str:
        """A token of its own (logout ends it)."""
        return self.post("/api/v1/agent/auth/login", json={"username": "admin", "password": self.stack.admin_password})[
            "access_token"]


@pytest.fixture(scope="module")
def world(stack_factory) -> World:
    stack = stack_factory("openapi-fuzz", SWITCHBOARD_RATE_LIMITS="off", SWITCHBOARD_MAX_OPEN_CHATS_PER_ADDRESS="0")
    token = stack.login("admin", stack.admin_password).token
    spare = requests.post(stack.url("/api/v1/agent/register"), headers={"Authorization": f"Bearer {token}"},
                          json={"username": unique("fuzz"), "password": NEW_AGENT_PASSWORD, "display_name": "Spare"},
                          timeout=HTTP_TIMEOUT)
    assert spare.status_code == 201, spare.text
    faqs = requests.get(stack.url("/api/v1/admin/faqs"), headers={"Authorization": f"Bearer {token}"},
                        timeout=HTTP_TIMEOUT).json()["items"]
    return World(stack, token, spare.json()["id"], {f["id"] for f in faqs})


# Loaded at import (schemathesis.pytest.from_fixture, the lazy loader, does not work
# with pytest 9.2: it sets `request.node._nodeid`, which pytest no longer has); the
# stack's address is given to each call instead.
CONFIG = Config.from_dict({
    "seed": SEED,
    "request-timeout": HTTP_TIMEOUT,
    "generation": {
        "max-examples": FUZZ_EXAMPLES,
        "deterministic": True,
        "database": "none",
        "with-security-parameters": False,
        "allow-x00": False,
    },
    "phases": {"examples": {"enabled": False}, "coverage": {"enabled": COVERAGE}, "fuzzing": {"enabled": True}},
})
# The event stream never ends (test_openapi.py checks its refusals); the officer
# aliases are the agent routes' own handlers.
schema = (schemathesis.openapi.from_path(SPEC_PATH, config=CONFIG)
          .exclude(path="/api/v1/events").exclude(path_regex="^/api/v1/officer/"))


@schema.parametrize()
def test_api_conforms_to_the_document(case, world):
    headers = {}
    security = case.operation.definition.raw.get("security")
    path = case.operation.path
    params = case.path_parameters if case.path_parameters is not None else {}
    if security and any("bearerAuth" in s for s in security):
        token = world.fresh_token() if path.endswith("/auth/logout") else world.admin_token
        headers["Authorization"] = f"Bearer {token}"
    if "id" in params and _valid_uuid(params["id"]):
        # A generated id names nothing: use a real one of the kind the path wants.
        if path.startswith("/api/v1/admin/faqs/"):
            params["id"] = world.faq()
        elif path.startswith("/api/v1/admin/agents/"):
            params["id"] = world.agent_id
        else:
            cid, sid = world.conversation(escalated=path.startswith("/api/v1/agent/"))
            if path.endswith("/release"):
                world.claim(cid)
            params["id"] = cid
            headers["X-Customer-Session-Id"] = sid
    elif path.startswith("/api/v1/customer/conversations/{id}"):
        headers["X-Customer-Session-Id"] = world.conversation(escalated=False)[1]
    case.call_and_validate(base_url=world.stack.base_url, headers=headers, checks=CHECKS)


def _valid_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
