"""The console's part of issue 25, as an agent and an admin see it: signing out
with open chats asks whether to return them (and does); admins see every open
chat with its holder, whether the holder is there and how long its customer
has waited, and return any of them to the queue; opening a chat puts the
cursor in the reply box; notices cover nothing of a conversation; the tab's
title counts the chats waiting on the agent; alerts (a sound, desktop
notifications) are offered once, after a click; empty lists follow the
routing mode (GET agent/me says it; automatic routing on a stack of its own); and an offline
message's preview is the shopper's words."""

from __future__ import annotations

import re

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import ADMIN_PASSWORD, AGENT_PASSWORD, BrowserStack, resize
from pages import AgentConsole, nobody_online, on_screen, shot, wait_for
from test_browser_admin import admin_token, new_agent
from test_browser_console import start_queued_chat

TEMP_PASSWORD = "temp-agent-password-1"


def title_count(d) -> int:
    m = re.match(r"\((\d+)\) ", d.title)
    return int(m.group(1)) if m else 0


def active_id(d) -> str:
    return d.execute_script("return document.activeElement && document.activeElement.id")


def rect(d, element) -> dict:
    return d.execute_script("return arguments[0].getBoundingClientRect().toJSON()", element)


def overlaps(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def show_in_list(d, item) -> None:
    """Scrolls the list (only the list) so that `item` is in it, as a person scrolling would."""
    d.execute_script("""const list = document.getElementById('list'), item = arguments[0];
      list.scrollTop += item.getBoundingClientRect().top - list.getBoundingClientRect().top - 8;""", item)


def held_by(stack, conv_id: str) -> str | None:
    return stack.agent_call("GET", f"/api/v1/agent/conversations/{conv_id}/messages", admin_token(stack))["conversation"]["assigned_agent_id"]


# --- signing out with open chats -------------------------------------------------------------

def test_signing_out_with_open_chats_asks_and_returns_them(stack, console):
    agent = new_agent(stack)
    token = stack.login(agent["username"], TEMP_PASSWORD)
    chats = [start_queued_chat(stack, text) for text in ("Where is my parcel?", "Can I change my size?")]
    for conv_id, _ in chats:
        stack.agent_call("POST", f"/api/v1/agent/conversations/{conv_id}/claim", token)
    c = console(username=agent["username"], password=TEMP_PASSWORD)
    d = c.d
    wait_for(d, lambda: d.find_element(By.ID, "count-mine").text == "2", "their two chats are not in My chats")
    console_token = d.execute_script("return JSON.parse(sessionStorage.getItem('switchboard.console.auth.v1')).token")
    dialog = d.find_element(By.ID, "logout-dialog")

    def ask():
        d.find_element(By.ID, "logout").click()
        wait_for(d, lambda: dialog.get_attribute("open") is not None, "no question on signing out")

    # Asked, with returning them the default (the focused button); "Stay signed in" signs nobody out.
    ask()
    assert d.find_element(By.ID, "logout-title").text == "Return your 2 open chats to the queue?"
    assert active_id(d) == "logout-return" and d.find_element(By.ID, "logout-return").text == "Return them"
    shot(d, "console-logout-question-wide", "#logout-dialog", "Return your 2 open chats to the queue?")
    d.find_element(By.CSS_SELECTOR, '#logout-dialog button[value="cancel"]').click()
    wait_for(d, lambda: dialog.get_attribute("open") is None, "the question stayed open")
    assert c.signed_in()
    assert all(held_by(stack, conv_id) == agent["id"] for conv_id, _ in chats)

    # Escape is "stay" too.
    ask()
    dialog.send_keys(Keys.ESCAPE)
    wait_for(d, lambda: dialog.get_attribute("open") is None, "Escape did not close the question")
    assert c.signed_in()

    # Enter takes the default: signed out, both chats back in the queue, each customer told.
    resize(d, 375, 700)
    ask()
    shot(d, "console-logout-question-narrow", "#logout-return", "Return them")
    d.switch_to.active_element.send_keys(Keys.ENTER)
    c.wait_signed_out()
    queue = {i["id"] for i in stack.agent_call("GET", "/api/v1/agent/queue?limit=200", admin_token(stack))["items"]}
    for conv_id, headers in chats:
        assert held_by(stack, conv_id) is None and conv_id in queue
        events = [(m.get("metadata") or {}).get("event") for m in stack.customer_messages(conv_id, headers["X-Customer-Session-Id"])]
        assert events.count("returned") == 1, events
    r = requests.get(stack.url("/api/v1/agent/me"), headers={"Authorization": f"Bearer {console_token}"}, timeout=10)
    assert r.status_code == 401  # the console's session ended
    for conv_id, _ in chats:  # the queue is shared with the other tests
        stack.agent_call("POST", f"/api/v1/agent/conversations/{conv_id}/close", admin_token(stack))


def test_signing_out_can_keep_the_chats(stack, console):
    agent = new_agent(stack)
    token = stack.login(agent["username"], TEMP_PASSWORD)
    conv_id, _ = start_queued_chat(stack, "Do you ship to Iceland?")
    stack.agent_call("POST", f"/api/v1/agent/conversations/{conv_id}/claim", token)
    c = console(username=agent["username"], password=TEMP_PASSWORD)
    d = c.d
    wait_for(d, lambda: d.find_element(By.ID, "count-mine").text == "1", "their chat is not in My chats")
    d.find_element(By.ID, "logout").click()
    wait_for(d, lambda: d.find_element(By.ID, "logout-dialog").get_attribute("open") is not None, "no question")
    assert d.find_element(By.ID, "logout-title").text == "Return your open chat to the queue?"
    keep = d.find_element(By.ID, "logout-keep")
    assert keep.text == "Keep it"
    keep.click()
    c.wait_signed_out()
    assert held_by(stack, conv_id) == agent["id"]
    stack.agent_call("POST", f"/api/v1/agent/conversations/{conv_id}/close", token)

    # Without open chats nothing is asked. (And with manual routing, as here, an empty My chats
    # says where chats come from.)
    c.sign_in(agent["username"], TEMP_PASSWORD)
    wait_for(d, lambda: c.stream_state() == "open", "the stream did not open")
    c.tab("mine")
    wait_for(d, lambda: d.find_element(By.ID, "list-empty-sub").text == "Claim a chat from the queue and it will show up here.",
             f"My chats says {d.find_element(By.ID, 'list-empty-sub').text!r}")
    d.find_element(By.ID, "logout").click()
    c.wait_signed_out()
    assert d.find_element(By.ID, "logout-dialog").get_attribute("open") is None


# --- admins: every open chat ------------------------------------------------------------------

def test_admin_sees_every_open_chat_with_its_holder_and_returns_one(stack, console):
    agent = new_agent(stack)
    token = stack.login(agent["username"], TEMP_PASSWORD)
    conv_id, headers = start_queued_chat(stack, "Is my order on its way?")
    stack.agent_call("POST", f"/api/v1/agent/conversations/{conv_id}/claim", token)
    name = agent["display_name"]

    c = console(username="admin", password=ADMIN_PASSWORD)
    d = c.d
    tab = d.find_element(By.ID, "tab-open")
    assert tab.is_displayed() and tab.text.startswith("All open")
    c.tab("open")
    c.wait_item(conv_id)
    item = lambda: c.item(conv_id)  # noqa: E731
    holder = lambda: item().find_element(By.CSS_SELECTOR, ".item-holder").text  # noqa: E731
    assert holder() == f"With {name}\nOffline", holder()
    assert "waiting" in item().find_element(By.CSS_SELECTOR, ".item-when").text
    assert f"{name} has joined the chat." in item().text  # the newest message: their claim

    # Their presence, live.
    stack.agent_call("POST", "/api/v1/agent/presence", token, json={"presence": "online"})
    wait_for(d, lambda: holder() == f"With {name}\nOnline", f"not shown online: {holder()!r}")
    stack.agent_call("POST", "/api/v1/agent/presence", token, json={"presence": "offline"})
    wait_for(d, lambda: holder() == f"With {name}\nOffline", f"not shown offline: {holder()!r}")
    show_in_list(d, item())
    shot(d, "console-all-open-wide", item(), name)

    # An answered chat no longer waits.
    stack.agent_call("POST", f"/api/v1/agent/conversations/{conv_id}/messages", token, json={"content": "Let me look."})
    wait_for(d, lambda: item().find_element(By.CSS_SELECTOR, ".item-when").text.startswith("answered"), "still waiting after an answer")

    # Open it: who holds it and that they are offline; "Return to queue" puts it back.
    c.open(conv_id)
    assert d.find_element(By.ID, "conv-status").text == f"With {name}"
    assert f"{name} is offline" in d.find_element(By.ID, "conv-detail").text
    back = d.find_element(By.ID, "release")
    assert back.text == "Return to queue"
    back.click()
    wait_for(d, lambda: c.badge() == "Waiting", "the chat did not go back to the queue")
    assert held_by(stack, conv_id) is None
    wait_for(d, lambda: f"{name}'s chat is back in the queue." in c.toast_text(), f"no confirmation: {c.toast_text()!r}")
    assert holder() == "In the queue"
    c.tab("queue")
    c.wait_item(conv_id)
    resize(d, 375, 700)
    d.find_element(By.ID, "conv-back").click()
    c.tab("open")
    show_in_list(d, item())
    shot(d, "console-all-open-narrow", item(), "In the queue")

    # An agent has no such tab.
    other = console()
    assert not other.d.find_element(By.ID, "tab-open").is_displayed()
    assert other.d.find_element(By.ID, "tab-mine").text.startswith("My chats")
    stack.agent_call("POST", f"/api/v1/agent/conversations/{conv_id}/close", admin_token(stack))


# --- focus, notices, the title, the preview of an offline message ------------------------------

@pytest.mark.parametrize("width,height", [(1280, 800), (375, 700)])
def test_opening_a_chat_focuses_the_reply_and_notices_cover_nothing(stack, console, width, height):
    conv_id, _ = start_queued_chat(stack, "Hello, is this the right place?")
    c = console(width, height)
    d = c.d
    c.tab("queue")
    c.wait_item(conv_id)
    c.open(conv_id)
    # The cursor in the reply box; on a touch screen alone no keyboard pops up over the chat just opened.
    touch_only = d.execute_script("return matchMedia('(pointer: coarse)').matches && !matchMedia('(pointer: fine)').matches")
    assert (active_id(d) == "reply") != touch_only, (active_id(d), touch_only)
    c.claim()
    assert (active_id(d) == "reply") != touch_only
    head = d.find_element(By.CSS_SELECTOR, ".conv-head")
    for text in ("Chat claimed.", "Conversation closed."):
        if text == "Conversation closed.":
            c.close_conversation()
        toast = wait_for(d, lambda: next((t for t in d.find_elements(By.CSS_SELECTOR, "#toasts .toast") if text in t.text), None),
                         f"no {text!r} notice")
        assert on_screen(d, toast) is None, on_screen(d, toast)
        r = rect(d, toast)
        assert r["top"] >= 0 and r["bottom"] <= height and r["left"] >= 0 and r["right"] <= width, r
        assert not overlaps(r, rect(d, head)), (r, rect(d, head))
        assert not overlaps(r, rect(d, d.find_element(By.ID, "conv-scroll"))), r  # the messages' visible box
    shot(d, f"console-notice-{'wide' if width >= 800 else 'narrow'}", "#toasts .toast", "Conversation closed.")


def test_offline_message_preview_is_the_shoppers_words(stack, console):
    r = stack.http.post(stack.url("/api/v1/customer/conversations/start"), json={"display_name": "Morgan Lee"}, timeout=15)
    conv = r.json()["conversation"]
    headers = {"X-Customer-Session-Id": conv["customer_session_id"]}
    base = f"/api/v1/customer/conversations/{conv['id']}"
    nobody_online(stack)
    # As the widget's "Leave a message" form does while the bot has the chat: the words with the escalation.
    words = "My parcel NW-1234 never arrived, can you resend it?"
    r = stack.http.post(stack.url(base + "/escalate"), json={"message": words}, headers=headers, timeout=15)
    assert r.status_code == 200 and r.json()["offline"], r.text
    listed = next(i for i in stack.agent_call("GET", "/api/v1/agent/queue?limit=200", admin_token(stack))["items"] if i["id"] == conv["id"])
    assert (listed["last_message"]["metadata"] or {}).get("event") == "offline"  # what the list has: the system line

    c = console()
    c.tab("queue")
    c.wait_item(conv["id"])
    preview = lambda: c.item(conv["id"]).find_element(By.CSS_SELECTOR, ".item-preview").text  # noqa: E731
    wait_for(c.d, lambda: preview() == words, f"the preview is not the shopper's words: {preview()!r}")
    assert "Left a message while nobody was here" not in c.item(conv["id"]).text
    assert words in c.item(conv["id"]).get_attribute("aria-label")
    show_in_list(c.d, c.item(conv["id"]))
    shot(c.d, "console-offline-preview-wide", c.item(conv["id"]), words)
    resize(c.d, 375, 700)
    show_in_list(c.d, c.item(conv["id"]))
    shot(c.d, "console-offline-preview-narrow", c.item(conv["id"]), words)
    stack.agent_call("POST", f"/api/v1/agent/conversations/{conv['id']}/close", admin_token(stack))


# --- alerts, offered once after a click ---------------------------------------------------------

FAKE_NOTIFICATIONS = """
window.__shown = [];
const Real = window.Notification;
window.Notification = class extends Real {
  constructor(title, options) { super(title, options); window.__shown.push([title, (options || {}).body || '']); }
};
document.hasFocus = () => false;
"""


def test_alerts_are_offered_once_after_a_click_and_notify(stack, browser):
    agent = new_agent(stack)  # no chats of their own: the offer shows under an empty My chats
    c = AgentConsole(browser(1280, 800), stack)
    d = c.d
    d.get(stack.url("/agent/"))
    d.execute_cdp_cmd("Browser.grantPermissions", {"origin": stack.base_url, "permissions": ["notifications"]})
    c.sign_in(agent["username"], TEMP_PASSWORD)
    wait_for(d, lambda: c.stream_state() == "open", "the stream did not open")
    offer = d.find_element(By.ID, "alerts-offer")
    assert not offer.is_displayed(), "offered on load"
    assert d.find_element(By.ID, "sound").get_attribute("aria-pressed") == "false"

    # The first click in the console: the offer, at the foot of the lists.
    c.tab("mine")
    wait_for(d, lambda: on_screen(d, offer) is None, f"not offered after a click: {on_screen(d, offer)}")
    shot(d, "console-alerts-offer-wide", offer, "Know when a chat needs you")
    resize(d, 375, 700)
    shot(d, "console-alerts-offer-narrow", "#alerts-on", "Turn on alerts")
    resize(d, 1280, 800)
    d.find_element(By.ID, "alerts-on").click()
    wait_for(d, lambda: "Alerts are on: a sound and a desktop notification" in c.toast_text(), f"no confirmation: {c.toast_text()!r}")
    assert not offer.is_displayed()
    assert d.find_element(By.ID, "sound").get_attribute("aria-pressed") == "true"
    assert d.execute_script("return Notification.permission") == "granted"

    # A chat waiting while the agent is elsewhere: a desktop notification saying who and what.
    d.execute_script(FAKE_NOTIFICATIONS)
    conv_id, _ = start_queued_chat(stack, "Anyone about my refund?")
    c.tab("queue")
    c.wait_item(conv_id)
    wait_for(d, lambda: d.execute_script("return window.__shown.length") > 0, "no desktop notification")
    title, body = d.execute_script("return window.__shown")[-1]
    assert title == "A chat is waiting in the queue" and body.startswith("Robin Example"), (title, body)

    # Answered for good: not offered again after a reload and a click.
    d.refresh()
    wait_for(d, lambda: c.stream_state() == "open", "the stream did not open again")
    c.tab("mine")
    c.tab("queue")
    assert not d.find_element(By.ID, "alerts-offer").is_displayed()
    # The bell turns them off (and on) whenever.
    d.find_element(By.ID, "sound").click()
    wait_for(d, lambda: d.find_element(By.ID, "sound").get_attribute("aria-pressed") == "false", "the bell did not turn alerts off")
    stack.agent_call("POST", f"/api/v1/agent/conversations/{conv_id}/close", admin_token(stack))


# --- automatic routing: the title, the alert, the empty states -------------------------------

@pytest.fixture(scope="module")
def auto_stack(tmp_path_factory):
    """A stack of its own where escalations go to the least-loaded online agent (auto routing)."""
    s = BrowserStack(tmp_path_factory.mktemp("auto-stack"), "browser-auto", SWITCHBOARD_ROUTING="auto")
    s.start()
    yield s
    s.stop()


def test_auto_routing_counts_the_assigned_chat_and_the_empty_list_says_so(auto_stack, browser):
    stack = auto_stack
    # Only this agent is online: the routing has nobody else to give the chat to.
    stack.agent_call("POST", "/api/v1/agent/presence", stack.login("admin", ADMIN_PASSWORD), json={"presence": "offline"})
    c = AgentConsole(browser(1280, 800), stack)
    c.sign_in("agent", AGENT_PASSWORD)
    d = c.d
    wait_for(d, lambda: c.stream_state() == "open", "the stream did not open")
    presence = d.find_element(By.ID, "presence")
    if presence.get_attribute("aria-checked") != "true":
        presence.click()
        wait_for(d, lambda: presence.get_attribute("aria-checked") == "true", "did not go online")
    # The server says the routing is automatic (GET agent/me): no "Claim a chat from the queue".
    c.tab("mine")
    empty = lambda: d.find_element(By.ID, "list-empty-sub").text  # noqa: E731
    wait_for(d, lambda: empty().startswith("Chats are assigned to you automatically while you are online."), f"My chats says {empty()!r}")
    assert "Claim" not in d.find_element(By.ID, "pane-empty-sub").text

    # A shopper asks for a person: the routing gives the chat to this agent, who never claimed it.
    conv_id, headers = start_queued_chat_auto(stack, "Hi, can someone help with my order?")
    c.wait_item(conv_id)
    item = c.item(conv_id)
    assert item.find_elements(By.CSS_SELECTOR, ".item-unread"), "an assigned chat gives no cue in the list"
    wait_for(d, lambda: title_count(d) == 1, f"the title does not count the chat assigned: {d.title!r}")

    c.open(conv_id)
    assert active_id(d) == "reply"
    c.reply("Hello! I'm here.")
    wait_for(d, lambda: title_count(d) == 0, f"an answered chat still counts: {d.title!r}")
    c.close_conversation()
    c.tab("mine")
    wait_for(d, lambda: d.find_element(By.ID, "list-empty").is_displayed(), "My chats is not empty")
    assert d.find_element(By.ID, "list-empty-sub").text.startswith("Chats are assigned to you automatically while you are online.")
    assert "Claim" not in d.find_element(By.ID, "pane-empty-sub").text
    shot(d, "console-empty-auto-wide", "#list-empty", "assigned to you automatically")
    # Offline, the words say how to get chats.
    presence.click()
    wait_for(d, lambda: "Go online to take new chats." in empty(), f"offline: {empty()!r}")


def start_queued_chat_auto(stack, text):
    r = stack.http.post(stack.url("/api/v1/customer/conversations/start"), json={"display_name": "Robin Example"}, timeout=15)
    conv = r.json()["conversation"]
    headers = {"X-Customer-Session-Id": conv["customer_session_id"]}
    base = f"/api/v1/customer/conversations/{conv['id']}"
    stack.http.post(stack.url(base + "/messages"), json={"content": text}, headers=headers, timeout=15)
    r = stack.http.post(stack.url(base + "/escalate"), headers=headers, timeout=15)
    assert r.status_code == 200 and r.json()["assigned_agent_id"], r.text
    return conv["id"], headers
