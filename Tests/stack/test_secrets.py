"""No credential in any log: a stack of its own goes through logins (right and
wrong passwords), customer sessions (issued, resumed, forged), event streams of
both kinds (resumed by header and by query), logout, password changes and
resets, and a worker and a notifier killed and restarted; then, once it is
stopped, no access token, customer session id or password it saw appears in any
file it wrote: stack.sh's output, stack.log, worker.log, notifier.log and
nginx's access, error and stderr logs."""

from __future__ import annotations

import secrets
import signal
import uuid

from sselib import agent_stream, customer_stream
from stacklib import NEW_AGENT_PASSWORD, assert_error, ok, unique


def test_no_token_session_or_password_reaches_a_log(stack_factory):
    s = stack_factory("secrets")
    seen: set[str] = {s.admin_password, s.agent_password, NEW_AGENT_PASSWORD}

    # Logins: right, wrong (the wrong password is a secret too), and the tokens they gave.
    admin, agent = s.admin, s.agent
    seen |= {admin.token, agent.token}
    wrong = "wrong-" + secrets.token_hex(8)
    seen.add(wrong)
    assert_error(s.post("/api/v1/agent/auth/login", json={"username": "agent", "password": wrong}), 401)
    assert_error(s.post("/api/v1/officer/auth/login", json={"username": "nobody-" + secrets.token_hex(4),
                                                             "password": wrong}), 401)

    # Customers: a new session, a resumed one, a forged one, messages, an escalation.
    chat = s.start_chat()
    seen.add(chat.session_id)
    ok(s.post("/api/v1/customer/conversations/start", json={"customer_session_id": chat.session_id}))
    ok(s.post(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id,
              json={"content": "where is my order?", "client_message_id": "m1"}))
    ok(s.post(f"/api/v1/customer/conversations/{chat.id}/escalate", session=chat.session_id))
    forged = "cs_" + secrets.token_urlsafe(32)
    seen.add(forged)
    assert_error(s.get(f"/api/v1/customer/conversations/{chat.id}", session=forged), 403)
    forged_token = "sbt_" + secrets.token_urlsafe(32)
    seen.add(forged_token)
    assert_error(s.get("/api/v1/agent/me", token=forged_token), 401)

    # Streams of both kinds, the customer's resumed by query parameter.
    cs = customer_stream(s, chat)
    ags = agent_stream(s, agent.token)
    assert cs.ok and ags.ok
    reply = ok(s.post(f"/api/v1/agent/conversations/{chat.id}/messages", token=agent.token, json={"content": "hello"}))
    cs.wait_message(reply["message"]["id"])
    resumed = customer_stream(s, chat, last_event_id=0, via="query")
    assert resumed.ok
    refused = customer_stream(s, chat, extra_headers={"X-Customer-Session-Id": forged})
    assert refused.status == 403

    # The worker and the notifier die and come back with streams open.
    s.wait_restarted("worker", s.kill_service("worker"))
    s.wait_restarted("notifier", s.kill_service("notifier"))
    for st in (cs, ags, resumed):
        st.close()

    # Accounts: register, change, reset, log out.
    member = s.register_agent("secret")
    seen.add(member.token)
    changed = "changed-" + secrets.token_hex(8)
    seen.add(changed)
    assert s.post("/api/v1/agent/me/password", token=member.token,
                  json={"current_password": NEW_AGENT_PASSWORD, "new_password": changed}).status_code == 204
    again = s.login(member.username, changed)
    seen.add(again.token)
    reset = "reset-" + secrets.token_hex(8)
    seen.add(reset)
    assert s.post(f"/api/v1/admin/agents/{member.id}/password", token=admin.token,
                  json={"password": reset}).status_code == 204
    last = s.login(member.username, reset, alias="officer")
    seen.add(last.token)
    assert s.post("/api/v1/officer/auth/logout", token=last.token).status_code == 204
    assert_error(s.get("/api/v1/agent/me", token=last.token), 401)
    other = s.register_agent(unique("x")[:8], display_name=f"Agent {uuid.uuid4().hex[:6]}")
    seen.add(other.token)

    assert s.stop(signal.SIGTERM) == 0, s.logs()
    files = [s.output_path, *sorted(s.run_dir.glob("*.log"))]
    names = {f.name for f in files}
    assert {"stack.out", "stack.log", "worker.log", "notifier.log", "nginx-access.log", "nginx-error.log",
            "nginx-stderr.log"} <= names, names
    assert "POST /api/v1/agent/auth/login" in (s.run_dir / "nginx-access.log").read_text(), "the access log is empty"
    leaks = []
    for f in files:
        text = f.read_text(errors="replace")
        for secret in seen:
            # The whole secret, and its random part without a prefix like cs_ / sbt_.
            for needle in {secret, secret.split("_", 1)[-1]}:
                if len(needle) >= 12 and needle in text:
                    leaks.append(f"{f.name}: {needle[:8]}…")
    assert not leaks, leaks
