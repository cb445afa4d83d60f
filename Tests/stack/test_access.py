"""The access matrix: every route of docs/API.md (agent routes under both
/agent and /officer) against every kind of credential that must not get in,
through nginx. Each refusal must be exactly the documented status with the
error shape and nothing else in it: `{"detail", "code"}` only, naming no id,
session or token. Nothing a refused request asked for may have happened.

| credential                                    | customer conv. routes | agent routes | admin routes | events |
|-----------------------------------------------|-----------------------|--------------|--------------|--------|
| none                                          | 401                   | 401          | 401          | 401    |
| another customer's session                    | 403                   | 401          | 401          | 403    |
| a session id that was never issued            | 403                   | 401          | 401          | 403    |
| garbage / expired / revoked / disabled token  | (no session: 401)     | 401          | 401          | 401    |
| a non-admin agent's token                     | (no session: 401)     | -            | 403          | -      |
| the right credential, an unknown id           | 404                   | 404          | 404          | -      |

(A missing X-Customer-Session-Id is 401 `missing_session`: API.md names 401
for missing agent credentials and 403 for a session that does not match.)
"""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from stacklib import AgentLogin, Chat, NEW_AGENT_PASSWORD, assert_error, ok, unique

PUBLIC = [
    ("GET", "/api/v1/customer/quick-questions", None),
    ("GET", "/api/v1/customer/widget-config", None),
    ("POST", "/api/v1/customer/conversations/start", {}),
    ("GET", "/api/v1/health", None),
]


def customer_routes(conv: str, slug: str) -> list[tuple[str, str, dict | None]]:
    c = f"/api/v1/customer/conversations/{conv}"
    return [
        ("GET", c, None),
        ("GET", f"{c}/messages", None),
        ("POST", f"{c}/messages", {"content": "let me in", "client_message_id": "intruder"}),
        ("POST", f"{c}/quick-replies/{slug}", None),
        ("POST", f"{c}/escalate", None),
        ("POST", f"{c}/typing", {"typing": True}),
    ]


def agent_routes(conv: str, prefix: str = "agent") -> list[tuple[str, str, dict | None]]:
    b = f"/api/v1/{prefix}"
    c = f"{b}/conversations/{conv}"
    return [
        ("POST", f"{b}/auth/logout", None),
        ("POST", f"{b}/register", {"username": unique("intruder"), "password": NEW_AGENT_PASSWORD, "display_name": "X"}),
        ("GET", f"{b}/me", None),
        ("POST", f"{b}/me/password", {"current_password": NEW_AGENT_PASSWORD, "new_password": "another-password-9"}),
        ("GET", f"{b}/agents", None),
        ("POST", f"{b}/presence", {"presence": "online"}),
        ("GET", f"{b}/conversations", None),
        ("GET", f"{b}/queue", None),
        ("POST", f"{c}/claim", None),
        ("POST", f"{c}/release", None),
        ("GET", f"{c}/messages", None),
        ("POST", f"{c}/messages", {"content": "let me in"}),
        ("POST", f"{c}/close", None),
        ("POST", f"{c}/typing", {"typing": True}),
    ]


def admin_routes(faq_id: str, agent_id: str) -> list[tuple[str, str, dict | None]]:
    a = "/api/v1/admin"
    return [
        ("GET", f"{a}/faqs", None),
        ("POST", f"{a}/faqs", {"question": "Sneaky?", "answer": "No."}),
        ("PATCH", f"{a}/faqs/{faq_id}", {"answer": "changed"}),
        ("DELETE", f"{a}/faqs/{faq_id}", None),
        ("GET", f"{a}/settings", None),
        ("PATCH", f"{a}/settings", {"brand_name": "Hijacked"}),
        ("GET", f"{a}/audit", None),
        ("PATCH", f"{a}/agents/{agent_id}", {"role": "admin"}),
        ("POST", f"{a}/agents/{agent_id}/password", {"password": "taken-over-123"}),
    ]


class World:
    """What the matrix runs against, built once: two customers' chats, an escalated one
    for the agent routes, FAQ and agent ids, and agents whose tokens no longer work."""

    def __init__(self, s) -> None:
        self.s = s
        self.victim = s.escalated_chat()
        self.intruder = s.start_chat()
        self.faq = ok(s.get("/api/v1/admin/faqs", token=s.admin.token))["items"][0]
        self.member = s.register_agent("member")  # a non-admin agent
        self.expired = s.register_agent("expired")
        con = sqlite3.connect(s.data_dir / "switchboard.sqlite", timeout=10)
        try:
            with con:
                con.execute("UPDATE access_tokens SET expires_at = created_at WHERE agent_id = ?", (self.expired.id,))
        finally:
            con.close()
        self.revoked = s.register_agent("revoked")
        assert s.post("/api/v1/agent/auth/logout", token=self.revoked.token).status_code == 204
        self.disabled = s.register_agent("disabled")
        ok(s.request("PATCH", f"/api/v1/admin/agents/{self.disabled.id}", token=s.admin.token, json={"disabled": True}))
        self.settings = ok(s.get("/api/v1/admin/settings", token=s.admin.token))
        self.faqs = ok(s.get("/api/v1/admin/faqs", token=s.admin.token))["items"]

    def secrets(self) -> list[str]:
        return [self.victim.session_id, self.intruder.session_id, self.s.admin.token, self.member.token,
                self.expired.token, self.revoked.token, self.disabled.token]


@pytest.fixture(scope="module")
def world(stack) -> World:
    return World(stack)


def check(world: World, method: str, path: str, body, status: int, *, headers=None, params=None,
          code: str | None = None) -> str | None:
    """None when the answer is the documented refusal, else what was wrong."""
    resp = world.s.request(method, path, headers=headers, json=body, params=params)
    where = f"{method} {path}{'?' + str(params) if params else ''} with {sorted((headers or {}))}"
    if resp.status_code != status:
        return f"{where}: {resp.status_code} (expected {status}): {resp.text[:200]}"
    if not resp.headers.get("Content-Type", "").startswith("application/json"):
        return f"{where}: Content-Type {resp.headers.get('Content-Type')!r}"
    body_json = resp.json()
    if not isinstance(body_json, dict) or set(body_json) != {"detail", "code"}:
        return f"{where}: error body has more than detail and code: {resp.text[:300]}"
    if code is not None and body_json["code"] != code:
        return f"{where}: code {body_json['code']!r} (expected {code!r})"
    leaked = [x for x in world.secrets() + [world.victim.id, world.faq["id"], world.member.id] if x in resp.text]
    if leaked:
        return f"{where}: the error names {leaked}"
    return None


def run(world: World, cases) -> None:
    """cases: (method, path, body, status, headers[, {"params": ..., "code": ...}])."""
    problems = []
    for case in cases:
        method, path, body, status, headers = case[:5]
        extra = case[5] if len(case) > 5 else {}
        problem = check(world, method, path, body, status, headers=headers, **extra)
        if problem:
            problems.append(problem)
    assert not problems, f"{len(problems)} of {len(cases)} answers were wrong:\n" + "\n".join(problems)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def session(sid: str) -> dict:
    return {"X-Customer-Session-Id": sid}


def every_agent_route(world: World):
    for prefix in ("agent", "officer"):
        yield from agent_routes(world.victim.id, prefix)


def every_admin_route(world: World):
    yield from admin_routes(world.faq["id"], world.member.id)


def test_public_routes_need_nothing(world):
    for method, path, body in PUBLIC:
        ok(world.s.request(method, path, json=body))


def test_no_credential(world):
    cases = [(m, p, b, 401, None) for m, p, b in customer_routes(world.victim.id, world.faq["slug"])]
    cases += [(m, p, b, 401, None) for m, p, b in every_agent_route(world)]
    cases += [(m, p, b, 401, None) for m, p, b in every_admin_route(world)]
    cases += [("GET", "/api/v1/events", None, 401, None), ("GET", "/api/v1/events", None, 401, None,
                                                           {"params": {"conversation_id": world.victim.id}})]
    run(world, cases)


@pytest.mark.parametrize("whose", ["another customer's", "never issued"])
def test_a_session_that_is_not_the_conversations(world, whose):
    sid = world.intruder.session_id if whose != "never issued" else "cs_" + uuid.uuid4().hex * 2
    h = session(sid)
    cases = [(m, p, b, 403, h) for m, p, b in customer_routes(world.victim.id, world.faq["slug"])]
    # A customer's session is no agent credential.
    cases += [(m, p, b, 401, h) for m, p, b in every_agent_route(world)]
    cases += [(m, p, b, 401, h) for m, p, b in every_admin_route(world)]
    cases += [("GET", "/api/v1/events", None, 403, h, {"params": {"conversation_id": world.victim.id}})]
    run(world, cases)


@pytest.mark.parametrize("kind", ["garbage", "malformed", "expired", "revoked", "disabled"])
def test_a_token_that_does_not_work(world, kind):
    token = {
        "garbage": "sbt_" + "A" * 43,
        "malformed": "not a token at all",
        "expired": world.expired.token,
        "revoked": world.revoked.token,
        "disabled": world.disabled.token,
    }[kind]
    h = bearer(token)
    cases = [(m, p, b, 401, h) for m, p, b in every_agent_route(world)]
    cases += [(m, p, b, 401, h) for m, p, b in every_admin_route(world)]
    cases += [("GET", "/api/v1/events", None, 401, h)]
    # A token is no customer credential.
    cases += [(m, p, b, 401, h) for m, p, b in customer_routes(world.victim.id, world.faq["slug"])]
    run(world, cases)


def test_a_non_admin_agent_on_admin_routes(world):
    h = bearer(world.member.token)
    cases = [(m, p, b, 403, h, {"code": "admin_required"}) for m, p, b in every_admin_route(world)]
    cases.append(("POST", "/api/v1/agent/register", {"username": unique("x"), "password": NEW_AGENT_PASSWORD,
                                                     "display_name": "X"}, 403, h))
    cases.append(("POST", "/api/v1/officer/register", {"username": unique("x"), "password": NEW_AGENT_PASSWORD,
                                                       "display_name": "X"}, 403, h))
    run(world, cases)


def test_the_right_credential_and_an_unknown_id(world):
    missing = str(uuid.uuid4())
    own = session(world.intruder.session_id)
    cases = [(m, p, b, 404, own) for m, p, b in customer_routes(missing, world.faq["slug"])]
    cases.append(("POST", f"/api/v1/customer/conversations/{world.intruder.id}/quick-replies/no-such-slug", None, 404, own))
    h = bearer(world.s.agent.token)
    for prefix in ("agent", "officer"):
        cases += [(m, p, b, 404, h) for m, p, b in agent_routes(missing, prefix) if "/conversations/" in p]
    a = bearer(world.s.admin.token)
    cases += [(m, p, b, 404, a) for m, p, b in admin_routes(missing, missing) if missing in p]
    run(world, cases)


def test_nothing_a_refused_request_asked_for_happened(world):
    """Runs after the matrix (file order): the refused writes left no trace."""
    s = world.s
    assert ok(s.get("/api/v1/admin/settings", token=s.admin.token)) == world.settings
    assert ok(s.get("/api/v1/admin/faqs", token=s.admin.token))["items"] == world.faqs
    victim = s.customer_conversation(world.victim)
    assert victim["status"] == "agent" and victim["assigned_agent_id"] is None
    contents = [m["content"] for m in s.all_customer_messages(world.victim)]
    assert "let me in" not in contents
    team = ok(s.get("/api/v1/agent/agents", token=s.admin.token))["items"]
    assert not [a for a in team if a["username"].startswith("intruder")]
    assert next(a for a in team if a["id"] == world.member.id)["role"] == "agent"
    # The non-admin's password was not reset: it still logs in.
    s.login(world.member.username, NEW_AGENT_PASSWORD)
    assert isinstance(world.member, AgentLogin) and isinstance(world.victim, Chat)
