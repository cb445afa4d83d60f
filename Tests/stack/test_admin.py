"""The shop runs its own desk: FAQs, settings, the team and the audit log through
real nginx + worker + notifier (docs/API.md "Admin routes"). One stack of its own,
since these tests change what every other test would see."""

from __future__ import annotations

import time

import pytest

from sselib import agent_stream
from stacklib import NEW_AGENT_PASSWORD, assert_error, ok, unique

ADMIN_ROUTES = [
    ("GET", "/api/v1/admin/faqs", None),
    ("POST", "/api/v1/admin/faqs", {"question": "Q?", "answer": "A."}),
    ("PATCH", "/api/v1/admin/faqs/some-id", {"answer": "B."}),
    ("DELETE", "/api/v1/admin/faqs/some-id", None),
    ("GET", "/api/v1/admin/settings", None),
    ("PATCH", "/api/v1/admin/settings", {"brand_name": "X"}),
    ("GET", "/api/v1/admin/audit", None),
    ("PATCH", "/api/v1/admin/agents/some-id", {"display_name": "X"}),
    ("POST", "/api/v1/admin/agents/some-id/password", {"password": "long enough password"}),
]


@pytest.fixture(scope="module")
def desk(stack_factory):
    return stack_factory("admin", SWITCHBOARD_RATE_LIMITS="off", SWITCHBOARD_ROUTING="manual")


def audit(desk, limit=10) -> list[dict]:
    return ok(desk.get(f"/api/v1/admin/audit?limit={limit}", token=desk.admin.token))["items"]


@pytest.mark.parametrize("method,path,body", ADMIN_ROUTES)
def test_admin_routes_need_an_admin(desk, method, path, body):
    kwargs = {"json": body} if body is not None else {}
    assert_error(desk.request(method, path, **kwargs), 401, "missing_token")
    assert_error(desk.request(method, path, token="sbt_" + "A" * 43, **kwargs), 401, "invalid_token")
    refused = assert_error(desk.request(method, path, token=desk.agent.token, **kwargs), 403, "admin_required")
    assert set(refused) == {"detail", "code"}


def test_faqs_are_edited_and_the_widget_offers_them_at_once(desk):
    admin = desk.admin.token
    created = desk.post("/api/v1/admin/faqs", token=admin,
                        json={"question": "Do you ship to Norway?", "answer": "Yes, within 5 days.", "keywords": ["fjord"]})
    assert created.status_code == 201, created.text
    faq = created.json()
    assert faq["slug"] == "do-you-ship-to-norway" and faq["enabled"] is True and faq["keywords"] == ["fjord"]
    assert set(faq) == {"id", "slug", "question", "answer", "keywords", "position", "enabled", "created_at", "updated_at"}
    assert_error(desk.post("/api/v1/admin/faqs", token=admin, json={"question": "Q?", "answer": "A.", "slug": faq["slug"]}),
                 409, "slug_taken")
    assert_error(desk.post("/api/v1/admin/faqs", token=admin, json={"question": "Q?"}), 400, "invalid_json")
    assert_error(desk.post("/api/v1/admin/faqs", token=admin, json={"question": "Q?", "answer": " "}), 400, "invalid_faq")

    slugs = [q["slug"] for q in ok(desk.get("/api/v1/customer/quick-questions"))]
    assert faq["slug"] == slugs[-1]
    chat = desk.start_chat()
    sent = ok(desk.post(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id,
                        json={"content": "any fjord deliveries?"}))
    assert sent["bot_message"]["content"] == "Yes, within 5 days."  # matched by keyword

    patched = ok(desk.request("PATCH", f"/api/v1/admin/faqs/{faq['id']}", token=admin, json={"enabled": False}))
    assert patched["enabled"] is False
    assert faq["slug"] not in [q["slug"] for q in ok(desk.get("/api/v1/customer/quick-questions"))]
    assert faq["id"] in [f["id"] for f in ok(desk.get("/api/v1/admin/faqs", token=admin))["items"]]
    assert_error(desk.request("PATCH", f"/api/v1/admin/faqs/{faq['id']}", token=admin, json={"enabled": None}), 400, "invalid_json")

    assert desk.request("DELETE", f"/api/v1/admin/faqs/{faq['id']}", token=admin).status_code == 204
    assert_error(desk.request("DELETE", f"/api/v1/admin/faqs/{faq['id']}", token=admin), 404, "faq_not_found")
    rows = audit(desk, 3)
    assert [r["action"] for r in rows] == ["faq.deleted", "faq.updated", "faq.created"]
    assert all(r["actor"]["username"] == "admin" and r["actor"]["id"] == desk.admin.id for r in rows)
    assert rows[1]["data"] == {"enabled": "false"} and rows[1]["target"] == faq["id"]


def test_settings_merge_validate_and_reach_the_widget_config(desk):
    admin = desk.admin.token
    before = ok(desk.get("/api/v1/admin/settings", token=admin))
    after = ok(desk.request("PATCH", "/api/v1/admin/settings", token=admin,
                            json={"bot_name": "Fjordbot", "widget": {"color": "#0B7A75"}}))
    assert after["bot_name"] == "Fjordbot" and after["widget"]["color"] == "#0b7a75"
    assert after["widget"]["title"] == before["widget"]["title"]  # nested objects merge
    assert after["brand_name"] == before["brand_name"]
    for body, field in [({"widget": {"color": "teal"}}, "widget.color"), ({"brand_name": ""}, "brand_name"),
                        ({"widget": {"position": "top"}}, "widget.position"), ({"welcome_message": "x" * 501}, "welcome_message")]:
        refused = assert_error(desk.request("PATCH", "/api/v1/admin/settings", token=admin, json=body), 400, "invalid_settings")
        assert refused["detail"].startswith(field + ":"), refused
    assert ok(desk.get("/api/v1/admin/settings", token=admin)) == after  # refused patches changed nothing

    config = desk.get("/api/v1/customer/widget-config")
    assert config.status_code == 200
    assert config.headers["Cache-Control"] == "public, max-age=60"
    body = config.json()
    assert body["bot_name"] == "Fjordbot" and body["widget"]["color"] == "#0b7a75"
    assert set(body) == {"brand_name", "bot_name", "widget", "quick_questions", "availability", "limits", "csat", "attachments"}
    assert body["limits"] == {"message_max_chars": 4000, "display_name_max_chars": 80, "email_max_chars": 254,
                              "rating_comment_max_chars": 1000}
    assert audit(desk, 1)[0]["data"] == {"bot_name": "Fjordbot", "widget.color": "#0b7a75"}


def test_the_team_is_listed_to_every_agent_and_a_disabled_agent_is_out_at_once(desk):
    member = desk.register_agent("leaver")
    team = ok(desk.get("/api/v1/agent/agents", token=desk.agent.token))["items"]
    mine = next(a for a in team if a["id"] == member.id)
    assert mine["active_chats"] == 0 and mine["disabled"] is False and mine["last_seen_at"] is not None

    stream = agent_stream(desk, member.token)
    try:
        stream.wait_comment("connected")
        asked = time.monotonic()
        answer = ok(desk.request("PATCH", f"/api/v1/admin/agents/{member.id}", token=desk.admin.token, json={"disabled": True}))
        assert answer["disabled"] is True and answer["presence"] == "offline"
        ended = stream.wait_ended(timeout=5)
        assert ended - asked < 2, f"the stream ended {ended - asked:.2f}s after the agent was disabled"
        revoked = stream.named("agent.session_revoked")
        assert [e.json for e in revoked] == [{"agent_id": member.id}]
    finally:
        stream.close()
    assert_error(desk.get("/api/v1/agent/me", token=member.token), 401, "invalid_token")
    wrong = assert_error(desk.post("/api/v1/agent/auth/login", json={"username": member.username, "password": NEW_AGENT_PASSWORD}),
                         401, "invalid_credentials")
    assert wrong["detail"] == "Wrong username or password."
    assert audit(desk, 1)[0]["action"] == "agent.disabled"


def test_the_last_admin_stays_and_passwords_revoke_sessions(desk):
    admin = desk.admin
    assert_error(desk.request("PATCH", f"/api/v1/admin/agents/{admin.id}", token=admin.token, json={"role": "agent"}), 409, "last_admin")
    assert_error(desk.request("PATCH", f"/api/v1/admin/agents/{admin.id}", token=admin.token, json={"disabled": True}), 409, "last_admin")
    assert_error(desk.request("PATCH", "/api/v1/admin/agents/nobody", token=admin.token, json={"disabled": True}), 404, "agent_not_found")

    member = desk.register_agent("pw")
    second = desk.login(member.username, NEW_AGENT_PASSWORD)
    assert_error(desk.post("/api/v1/agent/me/password", token=member.token,
                           json={"current_password": "not it at all", "new_password": "a brand new password"}), 403, "wrong_password")
    assert desk.post("/api/v1/agent/me/password", token=member.token,
                     json={"current_password": NEW_AGENT_PASSWORD, "new_password": "a brand new password"}).status_code == 204
    assert ok(desk.get("/api/v1/agent/me", token=member.token))["id"] == member.id  # this session goes on
    assert_error(desk.get("/api/v1/agent/me", token=second.token), 401, "invalid_token")  # the other one ended

    assert desk.post(f"/api/v1/admin/agents/{member.id}/password", token=admin.token,
                     json={"password": "chosen by the admin"}).status_code == 204
    assert_error(desk.get("/api/v1/agent/me", token=member.token), 401, "invalid_token")
    assert desk.login(member.username, "chosen by the admin").token
    assert_error(desk.post(f"/api/v1/admin/agents/{member.id}/password", token=admin.token, json={"password": "short"}),
                 400, "invalid_password")
    row = audit(desk, 1)[0]
    assert row["action"] == "agent.password_reset" and "chosen" not in str(row)


def test_audit_pages_back_and_rejects_bad_cursors(desk):
    for i in range(3):
        ok(desk.request("PATCH", "/api/v1/admin/settings", token=desk.admin.token, json={"brand_name": unique("Shop")}))
    first = audit(desk, 2)
    older = ok(desk.get(f"/api/v1/admin/audit?limit=2&before={first[-1]['id']}", token=desk.admin.token))["items"]
    assert older and older[0]["id"] < first[-1]["id"]
    assert [r["id"] for r in first + older] == sorted((r["id"] for r in first + older), reverse=True)
    assert_error(desk.get("/api/v1/admin/audit?before=x", token=desk.admin.token), 400, "invalid_before")
    assert_error(desk.get("/api/v1/admin/audit?limit=0", token=desk.admin.token), 400, "invalid_limit")
