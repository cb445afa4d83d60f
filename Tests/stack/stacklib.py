"""A real Switchboard stack (worker + notifier + nginx via scripts/stack.sh, started
by scripts/stackproc.py) for the tests, and small helpers that speak the REST
contract of API.md over HTTP."""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

from stackproc import StackProcess  # noqa: E402

ARTIFACTS = REPO / "Tests" / "artifacts" / "stack"

NEW_AGENT_PASSWORD = "new-agent-password-1"
HTTP_TIMEOUT = 15


def unique(prefix: str) -> str:
    """A username that matches the contract's pattern and is new on every call."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def assert_error(resp: requests.Response, status: int | tuple[int, ...], code: str | None = None) -> dict:
    """The contract's error shape: {"detail": str, "code": str} as application/json."""
    statuses = status if isinstance(status, tuple) else (status,)
    assert resp.status_code in statuses, f"expected {statuses}, got {resp.status_code}: {resp.text[:500]}"
    ctype = resp.headers.get("Content-Type", "")
    assert ctype.startswith("application/json"), f"error Content-Type is {ctype!r}: {resp.text[:200]}"
    body = resp.json()
    assert isinstance(body, dict), body
    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert isinstance(body.get("code"), str) and body["code"], body
    if code is not None:
        assert body["code"] == code, body
    return body


def ok(resp: requests.Response, status: int | tuple[int, ...] = 200) -> Any:
    """Asserts the status and returns the decoded JSON body (None for 204)."""
    statuses = status if isinstance(status, tuple) else (status,)
    assert resp.status_code in statuses, (
        f"{resp.request.method} {resp.request.path_url}: expected {statuses}, "
        f"got {resp.status_code}: {resp.text[:500]}"
    )
    if resp.status_code == 204:
        assert not resp.content, resp.content
        return None
    assert resp.headers.get("Content-Type", "").startswith("application/json"), resp.headers
    return resp.json()


def is_event_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@dataclass
class Chat:
    """A customer's conversation as `start` answered it."""

    id: str
    session_id: str
    start: dict


@dataclass
class AgentLogin:
    token: str
    agent: dict
    username: str
    password: str

    @property
    def id(self) -> str:
        return self.agent["id"]


class Stack(StackProcess):
    """A stack (scripts/stackproc.py) plus HTTP helpers for the contract; logs go to Tests/artifacts/stack."""

    def __init__(self, name: str, tmp_root: Path, **env_overrides: str) -> None:
        super().__init__(name, tmp_root, **env_overrides)
        self._admin: AgentLogin | None = None
        self._agent: AgentLogin | None = None
        self.http = requests.Session()

    @property
    def artifacts_dir(self) -> Path:
        return ARTIFACTS / f"{self.name}-{self.port}"

    # -- HTTP ------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        session: str | None = None,
        headers: dict | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        if session is not None:
            h["X-Customer-Session-Id"] = session
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return self.http.request(method, self.url(path), headers=h, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    # -- contract helpers -------------------------------------------------------

    def login(self, username: str, password: str, alias: str = "agent") -> AgentLogin:
        body = ok(self.post(f"/api/v1/{alias}/auth/login", json={"username": username, "password": password}))
        return AgentLogin(body["access_token"], body["agent"], username, password)

    @property
    def admin(self) -> AgentLogin:
        """The seeded admin, logged in once. Tests must not log this token out."""
        if self._admin is None:
            self._admin = self.login("admin", self.admin_password)
        return self._admin

    @property
    def agent(self) -> AgentLogin:
        """The seeded agent, logged in once. Tests must not log this token out."""
        if self._agent is None:
            self._agent = self.login("agent", self.agent_password)
        return self._agent

    def register_agent(self, prefix: str = "agent", **fields: Any) -> AgentLogin:
        """Registers a new agent with the admin token and logs it in."""
        username = unique(prefix)
        body = {"username": username, "password": NEW_AGENT_PASSWORD, "display_name": f"Test {username}"}
        body.update(fields)
        ok(self.post("/api/v1/agent/register", token=self.admin.token, json=body), (200, 201))
        return self.login(username, NEW_AGENT_PASSWORD)

    def start_chat(self, **body: Any) -> Chat:
        """A new conversation. The shopper gives an e-mail address unless `email=None` is
        passed, so asking for a person works with nobody online (an offline message)."""
        body.setdefault("email", "shopper@example.com")
        if body["email"] is None:
            del body["email"]
        answer = ok(self.post("/api/v1/customer/conversations/start", json=body))
        conv = answer["conversation"]
        return Chat(conv["id"], conv["customer_session_id"], answer)

    def escalated_chat(self) -> Chat:
        chat = self.start_chat()
        ok(self.post(f"/api/v1/customer/conversations/{chat.id}/escalate", session=chat.session_id))
        return chat

    def customer_messages(self, chat: Chat) -> list[dict]:
        return ok(self.get(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id))["messages"]

    def all_customer_messages(self, chat: Chat) -> list[dict]:
        """Every message of a conversation, page by page."""
        messages: list[dict] = []
        while True:
            query = f"?limit=200&after={messages[-1]['id']}" if messages else "?limit=200"
            page = ok(self.get(f"/api/v1/customer/conversations/{chat.id}/messages{query}", session=chat.session_id))
            if not page["messages"]:
                return messages
            messages += page["messages"]

    def customer_conversation(self, chat: Chat) -> dict:
        return ok(self.get(f"/api/v1/customer/conversations/{chat.id}", session=chat.session_id))

    def queue_ids(self, token: str) -> list[str]:
        return [item["id"] for item in ok(self.get("/api/v1/agent/queue", token=token))["items"]]

    def health_ok(self) -> bool:
        try:
            return self.get("/api/v1/health", timeout=5).status_code == 200
        except requests.RequestException:
            return False
