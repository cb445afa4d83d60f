"""Invitations and forgotten passwords (API.md "Invitations and forgotten passwords"),
through nginx on real stacks that send to a real SMTP server (aiosmtpd with STARTTLS:
maillib.py). The links are read from the e-mails the server received.

- a reset link for a known address comes once, works once (it signs the agent in, the
  old password and the agent's other sessions end) and is `used` afterwards; an unknown
  address gets the byte-identical 202 and no e-mail; a fourth request within the hour
  sends nothing;
- an admin's invitation, and `register {invite: true, email}` without a password: the
  agent cannot sign in until they choose one; a newer invitation makes the older link
  `used`; a disabled agent's links are `unknown`; a password changed another way ends the
  unused links;
- the refusals (409 email_missing / agent_disabled / email_unavailable, 403, 404, 400);
- the sign-in page's options (`password_reset`, `demo_accounts`);
- the reset, link and set-password routes share the logins' rate limit;
- a token is in no log of the stack, and the stored e-mail loses it once sent.

"No e-mail" is never a pause: every e-mail is a row of the worker's `emails` outbox,
inserted in the transaction of the request that caused it (ChatService+PasswordLinks.swift),
so once the request has answered the rows say what will be sent; the tests wait until
every row is sent (read-only) and then count what the SMTP server got, by Message-ID.
An expired link cannot be produced without waiting an hour (the lifetimes are not
configurable): the lifetimes are checked in the answers and in the stored links instead."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
from requests.adapters import HTTPAdapter

from maillib import ca, db_rows, inbox, mail_env, outbox, set_password_link, settled  # noqa: F401 (ca, inbox: fixtures)
from stacklib import NEW_AGENT_PASSWORD, Stack, assert_error, ok, unique

PUBLIC_URL = "https://desk.northwind.example"
RESET_ANSWER = {"status": "sent", "expires_in_seconds": 3600}
A = "/api/v1/agent"
O = "/api/v1/officer"
D = "/api/v1/admin"

# Every token a test of this module received; the last test looks for each in the logs.
ISSUED: list[str] = []


@pytest.fixture(scope="module")
def links(stack_factory, inbox, ca) -> Stack:
    """A stack that sends e-mail; three failed sign-ins for a username make strangers wait."""
    return stack_factory("links", **mail_env(inbox.port, ca, SWITCHBOARD_PUBLIC_URL=PUBLIC_URL,
                                             SWITCHBOARD_LOGIN_FAILURES_BEFORE_BACKOFF="3"))


# -- helpers ----------------------------------------------------------------------------


def address(prefix: str = "agent") -> str:
    return f"{unique(prefix)}@northwind.example"


def email_rows(s: Stack, recipient: str) -> list[dict]:
    return outbox(s, "recipient", recipient)


def settled_to(s: Stack, recipient: str) -> list[dict]:
    """The outbox rows to `recipient` once none can still be sent (maillib.settled)."""
    return settled(s, "recipient", recipient)


def token_of(message) -> str:
    public, token = set_password_link(message)
    assert public == PUBLIC_URL, f"the link is not under SWITCHBOARD_PUBLIC_URL: {public}"
    ISSUED.append(token)
    return token


def new_agent(s: Stack, email: str | None = None, **fields) -> dict:
    """A new agent (with NEW_AGENT_PASSWORD unless `invite` leaves it out) as `register` answered."""
    body = {"username": unique("pl"), "display_name": f"Agent {unique('')}", **fields}
    if email is not None:
        body["email"] = email
    if not fields.get("invite"):
        body.setdefault("password", NEW_AGENT_PASSWORD)
    agent = ok(s.post(f"{A}/register", token=s.admin.token, json=body), 201)
    assert agent["email"] == email, agent
    return agent


def reset(s: Stack, email: str, alias: str = A) -> requests.Response:
    resp = s.post(f"{alias}/auth/password-reset", json={"email": email})
    assert resp.status_code == 202, resp.text
    assert resp.json() == RESET_ANSWER
    return resp


def link(s: Stack, token: str, alias: str = A) -> dict:
    return ok(s.post(f"{alias}/auth/password-link", json={"token": token}))


def refused(resp: requests.Response, reason: str) -> None:
    """400 invalid_token with this reason."""
    body = assert_error(resp, 400, "invalid_token")
    assert body.get("reason") == reason, body


def set_password(s: Stack, token: str, password: str, alias: str = A) -> requests.Response:
    return s.post(f"{alias}/auth/set-password", json={"token": token, "password": password})


def team_member(s: Stack, agent_id: str) -> dict:
    return next(m for m in ok(s.get(f"{A}/agents", token=s.admin.token))["items"] if m["id"] == agent_id)


def newest_audit(s: Stack) -> dict:
    return ok(s.get(f"{D}/audit?limit=1", token=s.admin.token))["items"][0]


def when(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


def around(text: str, start: datetime, end: datetime, lifetime: timedelta) -> None:
    """`text` (an answer's expires_at) is `lifetime` after a moment between start and end."""
    at = when(text)
    assert start + lifetime - timedelta(seconds=1) <= at <= end + lifetime + timedelta(seconds=1), (text, start, end)


def eventually(condition, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not after {timeout} s: {what}"
        time.sleep(0.1)


def now() -> datetime:
    return datetime.now(timezone.utc)


def can_sign_in(s: Stack, username: str, password: str) -> bool:
    resp = s.post(f"{A}/auth/login", json={"username": username, "password": password})
    if resp.status_code == 401:
        assert_error(resp, 401, "invalid_credentials")
        return False
    ok(resp)
    return True


# -- the sign-in page ---------------------------------------------------------------------


def test_options_say_what_the_sign_in_page_offers(links, stack):
    for alias in (A, O):
        assert ok(links.get(f"{alias}/auth/options")) == {"password_reset": True, "demo_accounts": True}
        assert ok(stack.get(f"{alias}/auth/options")) == {"password_reset": False, "demo_accounts": True}
    assert ok(links.get(f"{A}/me", token=links.agent.token))["email_enabled"] is True
    assert ok(stack.get(f"{A}/me", token=stack.agent.token))["email_enabled"] is False


def test_demo_accounts_until_their_passwords_change(stack_factory):
    """The seeded admin and agent have the passwords the seed printed until each changes."""
    s = stack_factory("links-demo")
    options = lambda: ok(s.get(f"{A}/auth/options"))  # noqa: E731
    assert options() == {"password_reset": False, "demo_accounts": True}
    ok(s.post(f"{A}/me/password", token=s.admin.token,
              json={"current_password": s.admin_password, "new_password": "admin-chose-this-1"}), 204)
    assert options()["demo_accounts"] is True, "the demo agent still has its printed password"
    ok(s.post(f"{D}/agents/{s.agent.id}/password", token=s.admin.token, json={"password": "agent-chose-this-1"}), 204)
    assert options()["demo_accounts"] is False
    # `switchboard seed` with the passwords set prints them again: demo accounts again.
    assert "credentials: admin admin-stack-password-1" in s.cli("seed")
    assert options()["demo_accounts"] is True


# -- forgotten passwords ------------------------------------------------------------------


def test_a_reset_link_works_once(links, inbox):
    s = links
    email = address("reset")
    agent = new_agent(s, email)
    sessions = [s.login(agent["username"], NEW_AGENT_PASSWORD).token for _ in range(2)]
    audit_before = newest_audit(s)
    asked = now()
    reset(s, email)
    assert newest_audit(s) == audit_before, "a reset request leaves no audit entry"

    [message] = inbox.wait_for(email)
    token = token_of(message)
    rows = settled_to(s, email)
    assert [(r["kind"], r["state"]) for r in rows] == [("password_reset", "sent")], rows
    assert inbox.of(rows) == [message] and inbox.to(email) == [message], "exactly one e-mail"
    assert token not in rows[0]["body"], "the stored e-mail still holds the link after it was sent"

    shown = link(s, token)
    assert (shown["purpose"], shown["username"], shown["display_name"]) == ("reset", agent["username"], agent["display_name"])
    around(shown["expires_at"], asked, now(), timedelta(hours=1))
    assert link(s, token, O) == shown, "looking at a link does not use it"

    # A password the rules refuse leaves the link as it was.
    assert_error(set_password(s, token, "short"), 400, "invalid_password")
    assert link(s, token) == shown

    answer = ok(set_password(s, token, "my-new-password-7"))
    assert set(answer) == {"access_token", "token_type", "expires_at", "username", "agent"}, answer
    assert answer["token_type"] == "bearer" and answer["username"] == agent["username"]
    assert answer["agent"]["id"] == agent["id"]
    assert ok(s.get(f"{A}/me", token=answer["access_token"]))["id"] == agent["id"]
    for old in sessions:
        assert_error(s.get(f"{A}/me", token=old), 401, "invalid_token")
    assert not can_sign_in(s, agent["username"], NEW_AGENT_PASSWORD)
    assert can_sign_in(s, agent["username"], "my-new-password-7")

    refused(s.post(f"{A}/auth/password-link", json={"token": token}), "used")
    refused(set_password(s, token, "another-password-8"), "used")
    assert can_sign_in(s, agent["username"], "my-new-password-7")

    entry = newest_audit(s)
    assert (entry["action"], entry["target"], entry["actor"]["id"]) == ("agent.password_set", agent["id"], agent["id"]), entry
    assert entry["data"]["via"] == "reset", entry


def test_an_unknown_address_gets_the_same_answer_and_no_email(links, inbox):
    s = links
    known, unknown, of_disabled = address("known"), address("unknown"), address("disabled")
    new_agent(s, known)
    disabled = new_agent(s, of_disabled)
    ok(s.request("PATCH", f"{D}/agents/{disabled['id']}", token=s.admin.token, json={"disabled": True}))

    answers = [reset(s, unknown), reset(s, of_disabled), reset(s, known)]
    assert len({(r.status_code, r.headers["Content-Type"], r.content) for r in answers}) == 1, [r.content for r in answers]
    # No row was queued for the others in their requests' transactions...
    assert email_rows(s, unknown) == [] and email_rows(s, of_disabled) == []
    # ...and the SMTP server, which got the known address's e-mail asked for after them, got nothing else.
    inbox.wait_for(known)
    assert settled_to(s, known) and inbox.to(unknown) == [] and inbox.to(of_disabled) == []


def test_agents_sharing_an_address_each_get_a_link(links, inbox):
    s = links
    email = address("shared")
    first, second = new_agent(s, email), new_agent(s, email)
    reset(s, email, O)
    messages = inbox.wait_for(email, count=2)
    rows = settled_to(s, email)
    assert len(rows) == 2 and len(inbox.to(email)) == 2, rows
    assert {link(s, token_of(m))["username"] for m in messages} == {first["username"], second["username"]}


def test_a_fourth_reset_within_the_hour_sends_nothing(links, inbox):
    s = links
    email, witness = address("often"), address("witness")
    new_agent(s, email)
    new_agent(s, witness)
    for _ in range(4):
        reset(s, email)
    assert len(email_rows(s, email)) == 3, email_rows(s, email)
    reset(s, witness)  # asked for after the fourth: when it has arrived, anything of the fourth would have too
    inbox.wait_for(witness)
    messages = inbox.wait_for(email, count=3)
    assert len(settled_to(s, email)) == 3 and len(inbox.to(email)) == 3
    assert link(s, token_of(messages[-1]))["purpose"] == "reset"


def test_links_last_an_hour_or_72_hours(links, inbox):
    """An expired link cannot be had without waiting (the lifetimes are fixed): the answers
    say when each ends, and the stored links (read-only) agree."""
    s = links
    email = address("lifetime")
    agent = new_agent(s, email)
    start = now()
    invitation = ok(s.post(f"{D}/agents/{agent['id']}/invite", token=s.admin.token), 202)
    reset(s, email)
    end = now()
    around(invitation["expires_at"], start, end, timedelta(hours=72))
    purposes = {}
    for message in inbox.wait_for(email, count=2):
        shown = link(s, token_of(message))
        purposes[shown["purpose"]] = shown["expires_at"]
    assert purposes["invite"] == invitation["expires_at"]
    around(purposes["reset"], start, end, timedelta(hours=1))
    stored = db_rows(s, "SELECT purpose, created_at, expires_at FROM password_links WHERE agent_id = ?", agent["id"])
    assert sorted((r["purpose"], r["expires_at"] - r["created_at"]) for r in stored) == [
        ("invite", 72 * 3600 * 1000), ("reset", 3600 * 1000)], stored


# -- invitations --------------------------------------------------------------------------


def test_an_admin_invites_an_agent(links, inbox):
    s = links
    email = address("invite")
    agent = new_agent(s, email)
    assert team_member(s, agent["id"])["invitation_expires_at"] is None
    start = now()
    first = ok(s.post(f"{D}/agents/{agent['id']}/invite", token=s.admin.token), 202)
    assert set(first) == {"email", "expires_at"} and first["email"] == email, first
    around(first["expires_at"], start, now(), timedelta(hours=72))
    assert team_member(s, agent["id"])["invitation_expires_at"] == first["expires_at"]
    entry = newest_audit(s)
    assert (entry["action"], entry["target"]) == ("agent.invited", agent["id"]), entry
    assert entry["data"] == {"username": agent["username"], "email": email}, entry

    [message] = inbox.wait_for(email)
    first_token = token_of(message)
    shown = link(s, first_token)
    assert (shown["purpose"], shown["username"], shown["display_name"]) == ("invite", agent["username"], agent["display_name"])
    assert shown["expires_at"] == first["expires_at"]

    second = ok(s.post(f"{D}/agents/{agent['id']}/invite", token=s.admin.token), 202)
    second_token = token_of(inbox.wait_for(email, count=2)[1])
    refused(s.post(f"{A}/auth/password-link", json={"token": first_token}), "used")
    refused(set_password(s, first_token, "invited-password-1"), "used")
    assert link(s, second_token)["expires_at"] == second["expires_at"]
    assert team_member(s, agent["id"])["invitation_expires_at"] == second["expires_at"]

    ok(set_password(s, second_token, "invited-password-1", O))
    assert team_member(s, agent["id"])["invitation_expires_at"] is None
    entry = newest_audit(s)
    assert (entry["action"], entry["target"], entry["data"]["via"]) == ("agent.password_set", agent["id"], "invite"), entry
    assert can_sign_in(s, agent["username"], "invited-password-1")
    assert not can_sign_in(s, agent["username"], NEW_AGENT_PASSWORD)
    rows = settled_to(s, email)
    assert [r["kind"] for r in rows] == ["invitation", "invitation"] and len(inbox.to(email)) == 2, rows
    assert not any(t in r["body"] for r in rows for t in (first_token, second_token)), rows


def test_an_agent_registered_with_an_invitation_signs_in_only_after_choosing(links, inbox):
    s = links
    email = address("newcomer")
    agent = new_agent(s, email, invite=True)
    for guess in ("", "unusable$invited"):  # (a third failure would make this client wait)
        assert not can_sign_in(s, agent["username"], guess), guess
    assert team_member(s, agent["id"])["invitation_expires_at"] is not None
    token = token_of(inbox.wait_for(email)[0])
    assert link(s, token)["purpose"] == "invite"
    signed_in = ok(set_password(s, token, "newcomer-password-2"))
    assert signed_in["agent"]["id"] == agent["id"]
    assert can_sign_in(s, agent["username"], "newcomer-password-2")

    # Without an address, or without a password and no invitation: 400, and nobody is created.
    for body, code in (({"invite": True}, "invalid_email"), ({"email": address("nopw")}, "invalid_password"),
                       ({"invite": True, "email": "not-an-address"}, "invalid_email")):
        username = unique("pl")
        assert_error(s.post(f"{A}/register", token=s.admin.token,
                            json={"username": username, "display_name": "Nobody", **body}), 400, code)
        assert username not in {m["username"] for m in ok(s.get(f"{A}/agents", token=s.admin.token))["items"]}


def test_using_a_link_ends_the_agents_other_links(links, inbox):
    s = links
    email = address("twolinks")
    agent = new_agent(s, email, invite=True)
    entries = ok(s.get(f"{D}/audit?limit=2", token=s.admin.token))["items"]
    assert [(e["action"], e["target"]) for e in entries] == [("agent.invited", agent["id"]), ("agent.created", agent["id"])], entries
    assert entries[0]["data"] == {"username": agent["username"], "email": email}, entries[0]
    invitation = token_of(inbox.wait_for(email)[0])
    reset(s, email)
    reset_token = token_of(inbox.wait_for(email, count=2)[1])
    assert link(s, invitation)["purpose"] == "invite" and link(s, reset_token)["purpose"] == "reset"
    ok(set_password(s, reset_token, "chosen-by-reset-1"))
    refused(s.post(f"{A}/auth/password-link", json={"token": invitation}), "used")
    refused(set_password(s, invitation, "chosen-by-invite-2"), "used")
    assert team_member(s, agent["id"])["invitation_expires_at"] is None
    assert can_sign_in(s, agent["username"], "chosen-by-reset-1")


def test_a_disabled_agents_links_are_unknown(links, inbox):
    s = links
    email = address("leaver")
    agent = new_agent(s, email, invite=True)
    invitation = token_of(inbox.wait_for(email)[0])
    reset(s, email)
    reset_token = token_of(inbox.wait_for(email, count=2)[1])
    ok(s.request("PATCH", f"{D}/agents/{agent['id']}", token=s.admin.token, json={"disabled": True}))
    for token in (invitation, reset_token):
        refused(s.post(f"{A}/auth/password-link", json={"token": token}), "unknown")
        refused(set_password(s, token, "leaver-password-3"), "unknown")
    assert_error(s.post(f"{D}/agents/{agent['id']}/invite", token=s.admin.token), 409, "agent_disabled")
    reset(s, email)  # the same 202, and no e-mail: a disabled agent gets no link
    assert len(email_rows(s, email)) == 2


def test_a_password_changed_another_way_ends_the_links(links, inbox):
    s = links
    by_admin, by_self = address("byadmin"), address("byself")
    first, second = new_agent(s, by_admin), new_agent(s, by_self)
    ok(s.post(f"{D}/agents/{first['id']}/invite", token=s.admin.token), 202)
    reset(s, by_admin)
    reset(s, by_self)
    tokens = [token_of(m) for m in inbox.wait_for(by_admin, count=2)]
    own = token_of(inbox.wait_for(by_self)[0])
    ok(s.post(f"{D}/agents/{first['id']}/password", token=s.admin.token, json={"password": "admin-set-password-4"}), 204)
    session = s.login(second["username"], NEW_AGENT_PASSWORD)
    ok(s.post(f"{A}/me/password", token=session.token,
              json={"current_password": NEW_AGENT_PASSWORD, "new_password": "self-set-password-5"}), 204)
    for token in (*tokens, own):
        refused(s.post(f"{A}/auth/password-link", json={"token": token}), "used")
    assert team_member(s, first["id"])["invitation_expires_at"] is None


def test_an_invited_username_takes_as_long_to_refuse_as_any_other(stack_factory, inbox, ca):
    """Sign-ins spend the same hashing work whether the username is unknown, has a password,
    or was invited and has none yet (ChatService.login: no user enumeration by timing). With
    a costly hash (2^14), the quickest refusal for invited usernames is compared with the
    quickest for unknown ones: equal work keeps them within a factor of two; no work at all
    makes the first a few milliseconds and the second the hash's time."""
    s = stack_factory("links-timing", **mail_env(inbox.port, ca, SWITCHBOARD_SCRYPT_LOG_N="14"))
    invited = [new_agent(s, address("timing"), invite=True)["username"] for _ in range(5)]
    unknown = [unique("nobody") for _ in range(5)]

    def refusal_ms(username: str) -> float:
        start = time.perf_counter()
        assert_error(s.post(f"{A}/auth/login", json={"username": username, "password": "a-wrong-password-1"}), 401)
        return (time.perf_counter() - start) * 1000

    quickest_unknown = min(refusal_ms(u) for u in unknown)
    quickest_invited = min(refusal_ms(u) for u in invited)
    assert quickest_invited >= quickest_unknown / 2, (
        f"an invited username is refused in {quickest_invited:.1f} ms, an unknown one in {quickest_unknown:.1f} ms")


class FromAddress(HTTPAdapter):
    """Connections from another loopback address: another client as far as the worker's
    login throttle can tell (nginx passes the peer address on)."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def test_choosing_a_password_forgets_the_failed_sign_ins(links, inbox):
    """Someone elsewhere (127.0.0.2) fails until they must wait; once the agent has chosen a
    password, the count starts again: two wrong passwords from there are plain 401s (with
    the old count each would add a wait, 2 s and more, and the second would be a 429)."""
    s = links
    email = address("throttled")
    agent = new_agent(s, email, invite=True)
    stranger = requests.Session()
    stranger.mount("http://", FromAddress("127.0.0.2"))

    def guess() -> requests.Response:
        return stranger.post(s.url(f"{A}/auth/login"), json={"username": agent["username"], "password": "guessed-wrong-1"},
                             timeout=15)

    statuses = []
    while 429 not in statuses:
        assert len(statuses) < 10, f"no login_throttled for {agent['username']} from 127.0.0.2: {statuses}"
        resp = guess()
        statuses.append(resp.status_code)
    assert_error(resp, 429, "login_throttled")
    assert statuses[:3] == [401, 401, 401], statuses

    ok(set_password(s, token_of(inbox.wait_for(email)[0]), "throttled-password-6"))
    for resp in (guess(), guess()):
        assert_error(resp, 401, "invalid_credentials")
    # They came from elsewhere indeed (this client, which set the password, is trusted now):
    # nginx logged each from 127.0.0.2 (it writes the line just after the answer).
    def logged_from_elsewhere() -> int:
        access = (s.run_dir / "nginx-access.log").read_text(errors="replace").splitlines()
        return len([line for line in access if line.startswith("127.0.0.2 ") and "/auth/login" in line])
    eventually(lambda: logged_from_elsewhere() == len(statuses) + 2, "the stranger's attempts in nginx's access log")


# -- refusals -----------------------------------------------------------------------------


def test_refusals(links, stack):
    s = links
    no_email = new_agent(s)
    assert_error(s.post(f"{D}/agents/{no_email['id']}/invite", token=s.admin.token), 409, "email_missing")
    assert_error(s.post(f"{D}/agents/00000000-0000-4000-8000-000000000000/invite", token=s.admin.token), 404,
                 "agent_not_found")
    assert_error(s.post(f"{D}/agents/{no_email['id']}/invite", token=s.agent.token), 403, "admin_required")
    assert_error(s.post(f"{D}/agents/{no_email['id']}/invite"), 401)
    assert_error(s.post(f"{A}/auth/password-reset", json={"email": "not-an-address"}), 400, "invalid_email")
    assert_error(s.post(f"{A}/auth/password-reset", json={}), 400)
    for token in ("sbp_" + "A" * 43, "", "x" * 300):
        refused(s.post(f"{A}/auth/password-link", json={"token": token}), "unknown")
        refused(set_password(s, token, "a-fine-password-9"), "unknown")
    assert_error(s.post(f"{A}/auth/password-link", json={}), 400)

    # A desk without SMTP: nothing to send the links with.
    email = address("nosmtp")
    agent = new_agent(stack, email)
    assert_error(stack.post(f"{A}/auth/password-reset", json={"email": email}), 409, "email_unavailable")
    assert_error(stack.post(f"{O}/auth/password-reset", json={"email": address("nosmtp")}), 409, "email_unavailable")
    assert_error(stack.post(f"{D}/agents/{agent['id']}/invite", token=stack.admin.token), 409, "email_unavailable")
    username = unique("pl")
    assert_error(stack.post(f"{A}/register", token=stack.admin.token,
                            json={"username": username, "display_name": "Invited", "email": address("nosmtp"),
                                  "invite": True}), 409, "email_unavailable")
    assert username not in {m["username"] for m in ok(stack.get(f"{A}/agents", token=stack.admin.token))["items"]}


def test_reset_links_and_set_password_share_the_login_limit(stack_factory, inbox, ca):
    s = stack_factory("links-limited", SWITCHBOARD_RATE_LIMITS="on", **mail_env(inbox.port, ca))
    answers = [s.post(f"{A}/auth/password-reset", json={"email": address("flood")}) for _ in range(12)]
    statuses = [r.status_code for r in answers]
    assert set(statuses) <= {202, 429} and statuses[0] == 202 and 429 in statuses, statuses
    assert_error(answers[-1], 429, "rate_limited")
    assert answers[-1].headers.get("Retry-After") == "10"
    # One zone per client address: the logins, the officer alias and the other link routes wait too.
    for resp in (s.post(f"{A}/auth/login", json={"username": "agent", "password": s.agent_password}),
                 s.post(f"{O}/auth/password-reset", json={"email": address("flood")}),
                 s.post(f"{A}/auth/password-link", json={"token": "sbp_x"}),
                 set_password(s, "sbp_x", "a-fine-password-9", O)):
        assert_error(resp, 429, "rate_limited")
    assert ok(s.get(f"{A}/auth/options")) == {"password_reset": True, "demo_accounts": True}, "reads are not limited"


# -- the token stays out of the logs -----------------------------------------------------


def test_no_token_in_any_log(links, inbox):
    """Every token this module received (and one more, used right here) is in no log of the
    stack, nginx's access log included, and in no stored e-mail."""
    s = links
    email = address("logs")
    new_agent(s, email)
    reset(s, email)
    token = token_of(inbox.wait_for(email)[0])
    link(s, token)
    last = set_password(s, token, "logged-nowhere-1")
    ok(last)
    # The worker writes its log lines within 100 ms, nginx just after the answer: wait for the last request's.
    request_id = last.headers["X-Request-Id"]
    eventually(lambda: all(request_id in (s.run_dir / name).read_text(errors="replace")
                           for name in ("worker.log", "nginx-access.log")), f"request {request_id} in the logs")
    logs = {path.name: path.read_text(errors="replace") for path in [*s.run_dir.glob("*.log"), s.output_path]}
    assert {"worker.log", "notifier.log", "nginx-access.log", "nginx-error.log"} <= set(logs), sorted(logs)
    found = [(name, t) for t in ISSUED for name, text in logs.items() if t in text or t.removeprefix("sbp_") in text]
    assert found == [], f"tokens in the logs: {found}"
    bodies = [r["body"] for r in db_rows(s, "SELECT body FROM emails WHERE state = 'sent'")]
    assert bodies and not [t for t in ISSUED if any(t in b for b in bodies)], "a sent e-mail's stored body keeps its link"
