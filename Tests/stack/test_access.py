"""The access matrix: every route the worker registers (read from its own
route table with `switchboard routes --json`, agent routes under both /agent and
/officer) against every kind of credential that must not get in, through nginx. Each refusal must be exactly the documented status with the
error shape and nothing else in it: `{"detail", "code"}` only, naming no id,
session or token. Nothing a refused request asked for may have happened.

| credential                                    | customer conv. routes | signed-in customer | agent routes | admin routes | events |
|-----------------------------------------------|-----------------------|--------------------|--------------|--------------|--------|
| none                                          | 401                   | 401                | 401          | 401          | 401    |
| another customer's session                    | 403                   | 401 (anonymous)    | 401          | 401          | 403    |
| a session id that was never issued            | 403                   | 401                | 401          | 401          | 403    |
| garbage / expired / revoked / disabled token  | (no session: 401)     | (no session: 401)  | 401          | 401          | 401    |
| a non-admin agent's token                     | (no session: 401)     | (no session: 401)  | -            | 403          | -      |
| the right credential, an unknown id           | 404                   | -                  | 404          | 404          | -      |

("Signed-in customer" routes (`customer_session`: logout) take the session id that
`/customer/login` issued; an anonymous session from `start` is no sign-in.)

(A missing X-Customer-Session-Id is 401 `missing_session`: API.md names 401
for missing agent credentials and 403 for a session that does not match.)
"""

from __future__ import annotations

import json
import sqlite3
import uuid

import pytest

from stacklib import AgentLogin, Chat, NEW_AGENT_PASSWORD, assert_error, ok

# Bodies a route's call carries (refused before they are read; the 404 cases need them
# well-formed so the unknown id, not the body, is what answers). Keyed by method and the
# path's last segment; anything else sends {} (or nothing for GET/DELETE).
BODIES: dict[tuple[str, str], dict] = {
    ("POST", "messages"): {"content": "let me in", "client_message_id": "intruder"},
    ("POST", "typing"): {"typing": True},
    ("POST", "contact"): {"email": "intruder@example.com"},
    ("POST", "transcript"): {"email": "intruder@example.com"},
    ("POST", "register"): {"username": "intruderx", "password": NEW_AGENT_PASSWORD, "display_name": "X"},
    ("POST", "password"): {"password": "taken-over-123", "current_password": NEW_AGENT_PASSWORD,
                           "new_password": "another-password-9"},
    ("POST", "presence"): {"presence": "online"},
    ("POST", "faqs"): {"question": "Sneaky?", "answer": "No."},
    ("PATCH", ":id"): {"answer": "changed", "role": "admin"},
    ("PATCH", "settings"): {"brand_name": "Hijacked"},
    ("PATCH", "me"): {"display_name": "Hijacked"},
    ("POST", "notes"): {"content": "let me in"},
    ("POST", "transfer"): {"to": "queue", "note": "let me in"},
    ("PUT", "labels"): {"label_ids": []},
    ("POST", "canned-replies"): {"shortcut": "intruder", "title": "Intruder", "content": "let me in"},
    ("POST", "labels"): {"name": "Intruder", "color": "#000000"},
    ("POST", "rating"): {"score": 1, "comment": "let me in"},
}


def route_table(stack) -> list[dict]:
    """Every route the worker registers, with its audience: `switchboard routes --json`
    builds the same table (docs/API.md's matrix, read from the code, not copied)."""
    rows = [json.loads(line) for line in stack.cli("routes", "--json").splitlines() if line.strip()]
    assert {r["audience"] for r in rows} == {"public", "customer", "customer_session", "agent", "admin", "monitor"}, rows
    return rows


def body_for(route: dict) -> dict | None:
    last = route["path"].rsplit("/", 1)[-1]
    if route["method"] in ("GET", "DELETE"):
        return None
    return BODIES.get((route["method"], last), {})


def fill(route: dict, conv: str, slug: str, faq_id: str, agent_id: str) -> str:
    """The route's path with its parameters: `:id` is the conversation, or on admin routes
    the FAQ or agent it names."""
    path = route["path"]
    if "/admin/faqs/" in path:
        path = path.replace(":id", faq_id)
    elif "/admin/agents/" in path:
        path = path.replace(":id", agent_id)
    return path.replace(":id", conv).replace(":slug", slug)


def routes_of(world: "World", audience: str, conv: str | None = None, slug: str | None = None,
              faq_id: str | None = None, agent_id: str | None = None):
    """(method, path, body) of every API route of an audience (the event stream is the
    notifier's, not a worker route: /api/v1/events is tried separately)."""
    for route in world.routes:
        if route["audience"] == audience and route["path"].startswith("/api/"):
            yield (route["method"],
                   fill(route, conv or world.victim.id, slug or world.faq["slug"], faq_id or world.faq["id"],
                        agent_id or world.member.id),
                   body_for(route))


class World:
    """What the matrix runs against, built once: two customers' chats, an escalated one
    for the agent routes, FAQ and agent ids, and agents whose tokens no longer work."""

    def __init__(self, s) -> None:
        self.s = s
        self.routes = route_table(s)
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


def every_customer_route(world: World):
    return routes_of(world, "customer")


def every_signed_in_route(world: World):
    return routes_of(world, "customer_session")


def every_agent_route(world: World):
    return routes_of(world, "agent")


def every_admin_route(world: World):
    return routes_of(world, "admin")


def test_the_table_covers_both_paths_of_every_agent_route(world):
    """The officer aliases come from the table: every /agent/ route has its /officer/ twin."""
    paths = {(r["method"], r["path"], r["audience"]) for r in world.routes}
    agent = {(m, p, a) for m, p, a in paths if p.startswith("/api/v1/agent/")}
    assert len(agent) >= 15
    assert {(m, p.replace("/api/v1/agent/", "/api/v1/officer/"), a) for m, p, a in agent} <= paths


def test_monitor_routes_are_this_hosts(world):
    """A monitor route (metrics) answers a client on this host without credentials; the
    token case and other hosts are in test_metrics.py and the Swift MetricsTests."""
    monitor = [r for r in world.routes if r["audience"] == "monitor"]
    assert {(r["method"], r["path"]) for r in monitor} == {("GET", "/metrics/worker")}
    for route in monitor:
        r = world.s.get(route["path"])
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.text[:200]


def test_public_routes_need_nothing(world):
    for method, path, body in routes_of(world, "public"):
        if path.endswith("/auth/login") or path.endswith("/customer/login"):
            continue  # need a body; tried in test_agent.py and test_identity.py
        if path.endswith(("/auth/password-reset", "/auth/password-link", "/auth/set-password")):
            continue  # need SMTP and a link's token; tried in test_password_links.py
        if path.startswith("/api/v1/files/"):
            # Public, but its signed link is the credential: without one, 403 (test_attachments.py has the rest).
            assert_error(world.s.request(method, path), 403, "invalid_link")
            continue
        ok(world.s.request(method, path, json=body), (200, 201))


def test_no_credential(world):
    cases = [(m, p, b, 401, None) for m, p, b in every_customer_route(world)]
    cases += [(m, p, b, 401, None, {"code": "missing_session"}) for m, p, b in every_signed_in_route(world)]
    cases += [(m, p, b, 401, None) for m, p, b in every_agent_route(world)]
    cases += [(m, p, b, 401, None) for m, p, b in every_admin_route(world)]
    cases += [("GET", "/api/v1/events", None, 401, None), ("GET", "/api/v1/events", None, 401, None,
                                                           {"params": {"conversation_id": world.victim.id}})]
    run(world, cases)


@pytest.mark.parametrize("whose", ["another customer's", "never issued"])
def test_a_session_that_is_not_the_conversations(world, whose):
    sid = world.intruder.session_id if whose != "never issued" else "cs_" + uuid.uuid4().hex * 2
    h = session(sid)
    cases = [(m, p, b, 403, h) for m, p, b in every_customer_route(world)]
    # An anonymous (or made-up) session is no sign-in.
    cases += [(m, p, b, 401, h, {"code": "invalid_session"}) for m, p, b in every_signed_in_route(world)]
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
    cases += [(m, p, b, 401, h) for m, p, b in every_customer_route(world)]
    cases += [(m, p, b, 401, h) for m, p, b in every_signed_in_route(world)]
    run(world, cases)


def test_a_non_admin_agent_on_admin_routes(world):
    h = bearer(world.member.token)
    cases = [(m, p, b, 403, h, {"code": "admin_required"}) for m, p, b in every_admin_route(world)]
    assert any(p == "/api/v1/officer/register" for _, p, _, *_ in cases)
    run(world, cases)


def test_the_right_credential_and_an_unknown_id(world):
    missing = str(uuid.uuid4())
    own = session(world.intruder.session_id)
    cases = [(m, p, b, 404, own) for m, p, b in routes_of(world, "customer", conv=missing)]
    cases.append(("POST", f"/api/v1/customer/conversations/{world.intruder.id}/quick-replies/no-such-slug", None, 404, own))
    h = bearer(world.s.agent.token)
    cases += [(m, p, b, 404, h) for m, p, b in routes_of(world, "agent", conv=missing) if missing in p]
    a = bearer(world.s.admin.token)
    cases += [(m, p, b, 404, a) for m, p, b in routes_of(world, "admin", faq_id=missing, agent_id=missing) if missing in p]
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
