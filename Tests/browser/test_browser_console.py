"""The agent console: sign-in errors, live queue with unread counts in the tab
title, claim races, release, presence, admin "Add agent" (Settings → Team),
sign-out; every agent's own e-mail ("My e-mail"); and the team list's
"Away since" once an agent's last console closed, live."""

from __future__ import annotations

import re

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import ADMIN_PASSWORD, AGENT_PASSWORD, BrowserStack, resize
from pages import AgentConsole, audit, shot, wait_for
from test_browser_admin import admin_token, new_agent


def start_queued_chat(stack, text="Hello, anyone there?"):
    """A chat waiting in the queue (routing is manual in the tests). Whether or not anyone is
    online it is queued: with nobody there the answer says `offline` (and `needs_contact`,
    as no e-mail was given), and the chat waits all the same."""
    r = stack.http.post(stack.url("/api/v1/customer/conversations/start"), json={"display_name": "Robin Example"}, timeout=15)
    conv = r.json()["conversation"]
    headers = {"X-Customer-Session-Id": conv["customer_session_id"]}
    base = f"/api/v1/customer/conversations/{conv['id']}"
    stack.http.post(stack.url(base + "/messages"), json={"content": text}, headers=headers, timeout=15)
    r = stack.http.post(stack.url(base + "/escalate"), headers=headers, timeout=15)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["status"] == "agent" and answer["assigned_agent_id"] is None, answer
    assert answer["needs_contact"] is answer["offline"], answer
    return conv["id"], headers


def title_count(d) -> int:
    """The count in the tab's title ("(3) Switchboard Console"), 0 without one: the customer messages
    the agent has not read in the chats of the queue and their own (issue 21)."""
    m = re.match(r"\((\d+)\) ", d.title)
    return int(m.group(1)) if m else 0


def test_sign_in_errors_are_plain_and_sign_out_revokes(stack, browser):
    c = AgentConsole(browser(1280, 800), stack)
    c.sign_in("agent", "not-the-password", expect_error=True)
    error = c.d.find_element(By.ID, "login-error")
    wait_for(c.d, lambda: error.is_displayed(), "no sign-in error shown")
    assert error.text == "Wrong username or password."

    c.d.find_element(By.ID, "login-password").send_keys(AGENT_PASSWORD, Keys.ENTER)
    wait_for(c.d, lambda: c.d.find_element(By.ID, "app-view").is_displayed(), "sign-in failed")
    token = c.d.execute_script("return JSON.parse(sessionStorage.getItem('switchboard.console.auth.v1')).token")
    assert c.d.execute_script("return localStorage.length") == 0 or "token" not in str(c.d.execute_script("return JSON.stringify(localStorage)"))

    # Reloading keeps the tab signed in.
    c.d.refresh()
    wait_for(c.d, lambda: c.d.find_element(By.ID, "app-view").is_displayed(), "reload lost the session")

    c.d.find_element(By.ID, "logout").click()
    wait_for(c.d, lambda: c.d.find_element(By.ID, "login-view").is_displayed(), "sign-out did not show the sign-in form")
    r = requests.get(stack.url("/api/v1/agent/me"), headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 401


def test_live_queue_unread_title_presence_and_claim_race(stack, console):
    c = console()
    c.tab("queue")
    d = c.d

    # Presence toggle.
    presence = d.find_element(By.ID, "presence")
    if presence.get_attribute("aria-checked") == "true":
        presence.click()
        wait_for(d, lambda: presence.get_attribute("aria-checked") == "false", "did not go offline")
    presence.click()
    wait_for(d, lambda: presence.get_attribute("aria-checked") == "true", "did not go online")
    token = stack.login()
    assert stack.agent_call("GET", "/api/v1/agent/me", token)["presence"] == "online"

    # A new chat appears without a reload, counts as unread, and the tab's title counts its
    # unread customer message (one) on top of those already there.
    wait_for(d, lambda: c.stream_state() == "open", "the stream did not open")
    before = title_count(d)
    conv_id, headers = start_queued_chat(stack)
    c.wait_item(conv_id)
    wait_for(d, lambda: title_count(d) == before + 1, f"the title does not count the new chat's message: {d.title!r}")
    assert c.item(conv_id).find_elements(By.CSS_SELECTOR, ".item-unread")
    assert "Robin Example" in c.item(conv_id).text

    # Another agent claims it first: it disappears from this queue.
    other_id, _ = start_queued_chat(stack, "Second chat")
    c.wait_item(other_id)
    admin_token = stack.login("admin", ADMIN_PASSWORD)
    stack.agent_call("POST", f"/api/v1/agent/conversations/{other_id}/claim", admin_token)
    wait_for(d, lambda: not c.has_item(other_id), "a chat claimed by someone else stayed in the queue")

    # Opening a chat clears its unread mark and its count in the title; answering changes neither.
    wait_for(d, lambda: title_count(d) == before + 1, f"a chat claimed by someone else still counts: {d.title!r}")
    c.open(conv_id)
    wait_for(d, lambda: not c.item(conv_id).find_elements(By.CSS_SELECTOR, ".item-unread"), "the chat stayed unread")
    wait_for(d, lambda: title_count(d) == before, f"a chat read still counts in the title: {d.title!r}")
    assert "Hello, anyone there?" in c.texts("customer")
    c.claim()
    c.reply("Hi Robin, how can I help?")
    assert title_count(d) == before, d.title
    c.tab("mine")
    assert c.has_item(conv_id)

    # While the agent looks at another chat, Robin writes: unread 1 on Robin's chat, and it waits on them again.
    third_id, _ = start_queued_chat(stack, "Third chat")
    c.tab("queue")
    c.wait_item(third_id)
    c.open(third_id)
    wait_for(d, lambda: title_count(d) == before, f"the chat opened still counts in the title: {d.title!r}")
    stack.http.post(stack.url(f"/api/v1/customer/conversations/{conv_id}/messages"), json={"content": "Are you still there?"},
                    headers=headers, timeout=15)
    c.tab("mine")
    wait_for(d, lambda: c.item(conv_id).find_elements(By.CSS_SELECTOR, ".item-unread"), "no unread count on the chat")
    assert c.item(conv_id).find_element(By.CSS_SELECTOR, ".item-unread").text == "1"
    wait_for(d, lambda: title_count(d) == before + 1, f"the title does not count Robin's message: {d.title!r}")
    assert "Are you still there?" in c.item(conv_id).text
    c.open(conv_id)
    c.wait_text("Are you still there?", "customer")
    wait_for(d, lambda: not c.item(conv_id).find_elements(By.CSS_SELECTOR, ".item-unread"), "still unread after opening")

    # Release puts it back in the queue.
    d.find_element(By.ID, "release").click()
    wait_for(d, lambda: c.badge() == "Waiting", "release did not put the chat back")
    c.tab("queue")
    c.wait_item(conv_id)


def test_admin_adds_an_agent(stack, console):
    c = console(username="admin", password=ADMIN_PASSWORD)
    d = c.d
    c.settings("team")
    button = d.find_element(By.ID, "add-agent")
    assert button.is_displayed()
    button.click()
    dialog = d.find_element(By.ID, "agent-dialog")
    wait_for(d, lambda: dialog.get_attribute("open") is not None, "no Add agent dialog")
    d.find_element(By.ID, "agent-display").send_keys("Sam Rivera")
    username = d.find_element(By.ID, "agent-username")
    assert username.get_attribute("value") == "sam.rivera"  # suggested from the name
    d.find_element(By.ID, "agent-password").send_keys("short")
    d.find_element(By.ID, "agent-submit").click()
    error = d.find_element(By.ID, "agent-error")
    wait_for(d, lambda: error.is_displayed(), "no validation error")
    assert "10 characters" in error.text
    d.find_element(By.ID, "agent-password").send_keys("-and-now-long-enough")
    d.find_element(By.ID, "agent-submit").click()
    wait_for(d, lambda: dialog.get_attribute("open") is None, "dialog did not close after adding")
    wait_for(d, lambda: "sam.rivera" in d.find_element(By.ID, "toasts").text, "no confirmation")
    assert stack.login("sam.rivera", "short-and-now-long-enough")
    # The team list shows the new agent.
    assert "Sam Rivera" in c.settings("team").agent_card("sam.rivera").text

    # A plain agent has no Settings, not even by its address.
    c2 = console()
    assert not c2.d.find_element(By.ID, "open-settings").is_displayed()
    c2.d.get(stack.url("/agent/#settings/team"))
    wait_for(c2.d, lambda: c2.d.find_element(By.ID, "app-view").is_displayed(), "the console did not open")
    assert not c2.d.find_element(By.ID, "settings-view").is_displayed()
    assert not c2.d.find_element(By.ID, "add-agent").is_displayed()


def test_signing_in_again_on_the_same_page_does_not_double_the_buttons(stack, browser):
    conv_id, headers = start_queued_chat(stack, "Is anyone there twice?")
    c = AgentConsole(browser(1280, 800), stack)
    c.sign_in("agent", AGENT_PASSWORD)
    c.d.find_element(By.ID, "logout").click()
    wait_for(c.d, lambda: c.d.find_element(By.ID, "login-view").is_displayed(), "sign-out did not show the sign-in form")
    # Sign in again without reloading: the page's elements are the same, the session is new.
    user = c.d.find_element(By.ID, "login-username")
    user.clear()
    user.send_keys("agent")
    c.d.find_element(By.ID, "login-password").send_keys(AGENT_PASSWORD, Keys.ENTER)
    wait_for(c.d, lambda: c.d.find_element(By.ID, "app-view").is_displayed(), "the console did not open again")
    c.tab("queue")
    c.wait_item(conv_id)
    c.open(conv_id)
    c.claim()
    c.reply("Sent once, I hope.")
    r = requests.get(stack.url(f"/api/v1/customer/conversations/{conv_id}/messages"), headers=headers, timeout=10)
    agent_texts = [m["content"] for m in r.json()["messages"] if m["sender_type"] == "agent"]
    assert agent_texts == ["Sent once, I hope."], agent_texts


# --- my e-mail ---------------------------------------------------------------------------------

def test_every_agent_sets_their_own_email(stack, console):
    agent = new_agent(stack)
    token = stack.login(agent["username"], "temp-agent-password-1")
    if requests.patch(stack.url("/api/v1/agent/me"), json={}, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code in (404, 405):
        pytest.skip("this backend has no PATCH /api/v1/agent/me yet")
    c = console(username=agent["username"], password="temp-agent-password-1")
    d = c.d
    dialog = lambda: d.find_element(By.ID, "my-email-dialog")  # noqa: E731 (looked up again after the reload)
    error = lambda: d.find_element(By.ID, "my-email-error")  # noqa: E731

    def open_dialog():
        d.find_element(By.ID, "my-account").click()
        wait_for(d, lambda: dialog().get_attribute("open") is not None, "no My e-mail dialog")

    def save(email: str, notify: bool) -> str | None:
        box = d.find_element(By.ID, "my-email")
        box.clear()
        if email:
            box.send_keys(email)
        check = d.find_element(By.ID, "my-email-notify")
        if check.is_selected() != notify:
            check.click()
        d.find_element(By.ID, "my-email-submit").click()
        wait_for(d, lambda: dialog().get_attribute("open") is None or error().is_displayed(), "no answer to the save")
        return None if dialog().get_attribute("open") is None else error().text

    open_dialog()
    assert d.find_element(By.ID, "my-email").get_attribute("value") == ""
    assert not d.find_element(By.ID, "my-email-notify").is_selected()
    problems = audit(d, "console: my e-mail")
    # The server's 400 invalid_email, in plain words on the field.
    assert save("sam-at-example", True) == "That doesn't look like an e-mail address."
    assert d.find_element(By.ID, "my-email").get_attribute("aria-invalid") == "true"
    assert save("sam.rivera@example.com", True) is None
    wait_for(d, lambda: "Offline messages go to sam.rivera@example.com" in c.toast_text(), "no confirmation")
    me = stack.agent_call("GET", "/api/v1/agent/me", token)
    assert me["email"] == "sam.rivera@example.com" and me["email_notifications"] is True

    # A reload (a fresh GET /me) shows them again.
    d.refresh()
    wait_for(d, lambda: d.find_element(By.ID, "app-view").is_displayed(), "the console did not come back")
    wait_for(d, lambda: c.stream_state() == "open", "the stream did not open")
    open_dialog()
    assert d.find_element(By.ID, "my-email").get_attribute("value") == "sam.rivera@example.com"
    assert d.find_element(By.ID, "my-email-notify").is_selected()
    resize(d, 375, 700)
    shot(d, "console-my-email-narrow", "#my-email-dialog", "E-mail me offline messages")
    resize(d, 1280, 800)

    # No e-mail, no notifications: the box alone is refused here, and clearing both works.
    assert save("", True) == "Enter your e-mail to get offline messages, or untick the box."
    assert save("", False) is None
    me = stack.agent_call("GET", "/api/v1/agent/me", token)
    assert me["email"] is None and me["email_notifications"] is False
    assert not problems, "axe-core found:\n" + "\n".join(problems)


# --- away since: presence follows the consoles --------------------------------------------------

@pytest.fixture(scope="module")
def grace_stack(tmp_path_factory):
    """A stack of its own where an agent whose consoles all closed is away after 1 s (not 120)."""
    s = BrowserStack(tmp_path_factory.mktemp("grace-stack"), "browser-grace", SWITCHBOARD_PRESENCE_GRACE_SECONDS="1")
    s.start()
    yield s
    s.stop()


def test_team_shows_away_since_live(grace_stack, browser):
    stack = grace_stack
    agent = new_agent(stack, start_online=True)
    if "away_since" not in agent:
        pytest.skip("this backend has no away_since yet")
    admin = AgentConsole(browser(1280, 800), stack)
    admin.sign_in("admin", ADMIN_PASSWORD)
    s = admin.settings("team")
    badge = lambda: s.agent_card(agent["username"]).find_element(By.CSS_SELECTOR, ".agent-presence").text  # noqa: E731
    assert badge() == "Online"

    # Their console opens, then closes (the tab goes elsewhere, the page may stay in the
    # back/forward cache): a second later they are away, and the admin's team list says
    # since when without a reload.
    theirs = AgentConsole(browser(1280, 800), stack)
    theirs.sign_in(agent["username"], "temp-agent-password-1")
    wait_for(theirs.d, lambda: theirs.stream_state() == "open", "their stream did not open")
    theirs.d.get("about:blank")
    wait_for(admin.d, lambda: badge().startswith("Away since"), f"not shown as away: {badge()!r}", timeout=20)
    away_since = next(a for a in stack.agent_call("GET", "/api/v1/agent/agents", admin_token(stack))["items"]
                      if a["id"] == agent["id"])["away_since"]
    assert away_since
    local = admin.d.execute_script(
        "return new Intl.DateTimeFormat(undefined, {hour: 'numeric', minute: '2-digit'}).format(new Date(arguments[0]))", away_since)
    assert badge() == f"Away since {local}", (badge(), local)
    shot(admin.d, "settings-team-away-wide", s.agent_card(agent["username"]), f"Away since {local}")

    # They come back to the console (the tab still holds their session): online again, live.
    theirs.d.get(stack.url("/agent/"))
    wait_for(theirs.d, lambda: theirs.stream_state() == "open", "their stream did not open again")
    wait_for(admin.d, lambda: badge() == "Online", f"not shown as online again: {badge()!r}", timeout=20)
