"""The shop runs its own desk: an admin edits FAQs, the widget's look and the
team in the console's Settings, and shoppers see it at once; every agent
changes their own password; a disabled agent is signed out within seconds;
screenshots of the Settings pages; and an axe-core audit of every page.

The stack is shared by the whole session: what a test changes (an FAQ, the
colour, an agent) it puts back in `finally`, and agents it disables are its own."""

from __future__ import annotations

import uuid

import pytest
import requests
from selenium.webdriver.common.by import By

from conftest import ADMIN_PASSWORD
from pages import audit, dark, shot, wait_for


def admin_token(stack) -> str:
    return stack.login("admin", ADMIN_PASSWORD)


def new_agent(stack, password: str = "temp-agent-password-1", **extra) -> dict:
    """A fresh agent of this test's own (the seeded ones are shared by other tests)."""
    name = f"temp-{uuid.uuid4().hex[:8]}"
    body = {"username": name, "password": password, "display_name": f"Temp {name[-4:].upper()}", **extra}
    return stack.agent_call("POST", "/api/v1/agent/register", admin_token(stack), json=body)


def rgb(hex_color: str) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, 1)"


# --- FAQs -----------------------------------------------------------------------------

def test_admin_adds_an_faq_and_the_shop_offers_it(stack, console, shopper):
    question = "Do you ship to Norway?"
    answer = "Yes! Parcels to Norway take 3–5 business days, duties included."
    token = admin_token(stack)
    c = console(username="admin", password=ADMIN_PASSWORD)
    s = c.settings("faqs")
    s.wait_faqs()
    try:
        s.open_new_faq()
        # The quick-reply preview follows the typing, before anything is saved.
        s.fill_faq(question=question)
        wait_for(c.d, lambda: question in s.preview_chips(), f"preview lacks the new question: {s.preview_chips()!r}")
        s.fill_faq(answer=answer, keywords="norway, oslo, scandinavia")

        # A link name (slug) that is taken: the API's 409 in plain words, next to the form.
        s.fill_faq(slug="delivery-date")
        error = s.save_faq()
        assert error and "already uses the link name “delivery-date”" in error, error
        s.fill_faq(slug="")
        assert s.save_faq() is None
        wait_for(c.d, lambda: question in s.faq_questions(), "the new FAQ is not listed")
        faqs = stack.agent_call("GET", "/api/v1/admin/faqs", token)["items"]
        mine = next(f for f in faqs if f["question"] == question)
        assert mine["keywords"] == ["norway", "oslo", "scandinavia"] and mine["slug"] == "do-you-ship-to-norway"
        assert faqs[-1]["id"] == mine["id"]

        # Move it up one: it swaps places with the one before it.
        before = [f["question"] for f in faqs]
        s.faq_action(question, "move-up")
        expected = before[:-2] + [question, before[-2]]
        wait_for(c.d, lambda: s.faq_questions() == expected, f"not moved up: {s.faq_questions()!r}")
        server = [f["question"] for f in stack.agent_call("GET", "/api/v1/admin/faqs", token)["items"]]
        assert server == expected

        # A shopper on the demo shop gets it as a quick reply, and the bot answers it.
        shop = shopper().visit()
        shop.open()
        assert question in shop.quick_replies()
        shop.tap_quick_reply_named(question)
        shop.wait_text(answer, "bot")
        # ...and free text that matches a keyword.
        shop.send("Can you deliver to Oslo?")
        wait_for(shop.d, lambda: shop.texts("bot").count(answer) == 2, f"no keyword match: {shop.texts('bot')!r}")

        # Disable: shown as disabled, and no longer offered.
        s.faq_action(question, "toggle")
        wait_for(c.d, lambda: "Disabled" in s.faq(question).text, "not shown as disabled")
        assert question not in s.preview_chips()
        quick = requests.get(stack.url("/api/v1/customer/quick-questions"), timeout=10).json()
        assert question not in [q["question"] for q in quick]

        # Delete, after a confirmation.
        s.faq_action(question, "delete")
        s.confirm()
        wait_for(c.d, lambda: question not in s.faq_questions(), "the FAQ was not deleted")
    finally:
        for f in stack.agent_call("GET", "/api/v1/admin/faqs", token)["items"]:
            if f["question"] == question:
                stack.agent_call("DELETE", f"/api/v1/admin/faqs/{f['id']}", token)
    assert question not in [f["question"] for f in stack.agent_call("GET", "/api/v1/admin/faqs", token)["items"]]


# --- appearance ---------------------------------------------------------------------------

def test_admin_changes_colour_and_greeting_and_the_shop_shows_them(stack, console, shopper):
    token = admin_token(stack)
    original = stack.agent_call("GET", "/api/v1/admin/settings", token)
    colour, greeting = "#f2c94c", "Hi! Questions about sizing? Ask us here."  # a light colour: dark text on it
    try:
        c = console(username="admin", password=ADMIN_PASSWORD)
        s = c.settings("appearance")
        s.set_appearance(color=colour, greeting=greeting)
        wait_for(c.d, lambda: s.preview_header_color() == rgb(colour), "the preview did not follow the colour")
        s.save_appearance()

        shop = shopper().visit()
        assert shop.launcher_color() == rgb(colour)
        assert shop.greeting() == greeting
        # The launcher's icon is dark on the light colour (contrast).
        assert shop.launcher().value_of_css_property("color") in ("rgba(17, 20, 24, 1)", "rgba(0, 0, 0, 1)")
        shop.dismiss_greeting()
        wait_for(shop.d, lambda: shop.greeting() is None, "the greeting bubble stayed after dismissing it")
        shop.open()
        top = shop.d.find_element(By.CSS_SELECTOR, ".top")
        assert top.value_of_css_property("background-color") == rgb(colour)
        assert top.value_of_css_property("color") in ("rgba(17, 20, 24, 1)", "rgba(0, 0, 0, 1)")
        # One greeting inside the chat: the bot's welcome, under the bot's name.
        assert shop.texts("bot") == [original["welcome_message"]]
        assert [m["name"] for m in shop.thread() if m["sender"] == "bot"] == [original["bot_name"]]
        assert not shop.d.find_elements(By.ID, "intro")
        shop.minimize()
        assert shop.greeting() is None  # opened once: not shown again on this page view

        # A fresh page load shows it again (until opened or dismissed).
        shop.visit()
        assert shop.greeting() == greeting
    finally:
        stack.agent_call("PATCH", "/api/v1/admin/settings", token,
                         json={"brand_name": original["brand_name"], "widget": original["widget"]})


# --- team -----------------------------------------------------------------------------------

def test_disabling_an_agent_signs_their_open_console_out(stack, console):
    agent = new_agent(stack)
    theirs = console(username=agent["username"], password="temp-agent-password-1")
    wait_for(theirs.d, lambda: theirs.stream_state() == "open", "their console's stream did not open")

    admin = console(username="admin", password=ADMIN_PASSWORD)
    s = admin.settings("team")
    s.agent_action(agent["username"], "toggle")
    s.confirm()
    wait_for(admin.d, lambda: "Disabled" in s.agent_card(agent["username"]).text, "not shown as disabled")

    assert theirs.wait_signed_out(timeout=8) == "You have been signed out."
    r = requests.post(stack.url("/api/v1/agent/auth/login"),
                      json={"username": agent["username"], "password": "temp-agent-password-1"}, timeout=10)
    assert r.status_code == 401

    # Enable again; the last admin can't be disabled (409 last_admin, in plain words).
    s.agent_action(agent["username"], "toggle")
    wait_for(admin.d, lambda: "Disabled" not in s.agent_card(agent["username"]).text, "not enabled again")
    assert stack.login(agent["username"], "temp-agent-password-1")
    s.agent_action("admin", "toggle")
    s.confirm()
    error = admin.d.find_element(By.ID, "team-error")
    wait_for(admin.d, lambda: error.is_displayed(), "no error for the last admin")
    assert "last active admin" in error.text


def test_change_my_password(stack, console):
    agent = new_agent(stack)
    other_session = stack.login(agent["username"], "temp-agent-password-1")
    c = console(username=agent["username"], password="temp-agent-password-1")
    wait_for(c.d, lambda: c.stream_state() == "open", "the stream did not open")

    assert c.change_password("not-my-password", "brand-new-password-1") == "That is not your current password."
    assert c.change_password("temp-agent-password-1", "short") == "The new password needs at least 10 characters."
    c.watch_stream()
    assert c.change_password("temp-agent-password-1", "brand-new-password-1") is None
    wait_for(c.d, lambda: "password is changed" in c.toast_text(), "no confirmation")

    # The other session ended; this one goes on (its own agent.session_revoked included).
    r = requests.get(stack.url("/api/v1/agent/me"), headers={"Authorization": f"Bearer {other_session}"}, timeout=10)
    assert r.status_code == 401
    # The revocation ends every stream of the agent right after its event, this tab's too: a
    # stream open again after that was authorized with this tab's token, and the console had
    # not signed out (signing out stops the stream for good; so does a 401 on reconnecting).
    c.wait_reconnected()
    assert c.signed_in()
    token = c.d.execute_script("return JSON.parse(sessionStorage.getItem('switchboard.console.auth.v1')).token")
    assert stack.agent_call("GET", "/api/v1/agent/me", token)["username"] == agent["username"]
    assert stack.login(agent["username"], "brand-new-password-1")


# --- true counts and paging -------------------------------------------------------------------

def test_queue_counts_all_and_pages_and_closed_loads_older(stack, console):
    token = admin_token(stack)
    waiting = stack.agent_call("GET", "/api/v1/agent/queue?limit=1", token)["total"]
    ids = []
    for i in range(55 - min(waiting, 55)):
        r = stack.http.post(stack.url("/api/v1/customer/conversations/start"), json={"display_name": f"Pager {i}"}, timeout=15)
        conv = r.json()["conversation"]
        headers = {"X-Customer-Session-Id": conv["customer_session_id"]}
        # Queued whether or not anyone is online (with nobody there: an offline message that needs a contact).
        r = stack.http.post(stack.url(f"/api/v1/customer/conversations/{conv['id']}/escalate"), headers=headers, timeout=15)
        assert r.status_code == 200, r.text
        ids.append(conv["id"])
    try:
        total = stack.agent_call("GET", "/api/v1/agent/queue?limit=1", token)["total"]
        assert total >= 55
        c = console(username="admin", password=ADMIN_PASSWORD)
        c.tab("queue")
        d = c.d
        wait_for(d, lambda: d.find_element(By.ID, "count-queue").text == str(total), "the queue count is not the total")
        shown = lambda: len(d.find_elements(By.CSS_SELECTOR, "#list-items li"))  # noqa: E731
        wait_for(d, lambda: shown() == 50, f"first page: {shown()}")
        assert d.find_element(By.ID, "list-more-note").text == f"Showing 50 of {total} waiting"
        d.find_element(By.ID, "list-more-button").click()
        wait_for(d, lambda: shown() == total, f"after Show more: {shown()} of {total}")
        assert not d.find_element(By.ID, "list-more").is_displayed()
    finally:
        for conv_id in ids:
            stack.agent_call("POST", f"/api/v1/agent/conversations/{conv_id}/close", token)

    # Now at least 55 closed chats: the Closed tab (of a fresh console) pages back with "Load older".
    c = console(username="admin", password=ADMIN_PASSWORD)
    d = c.d
    c.tab("closed")
    wait_for(d, lambda: shown() == 50, f"closed, first page: {shown()}")
    button = d.find_element(By.ID, "list-more-button")
    assert button.text == "Load older"
    button.click()
    wait_for(d, lambda: shown() > 50, "Load older loaded nothing")


# --- screenshots ---------------------------------------------------------------------------------


@pytest.mark.parametrize("width,height,label", [(1280, 800, "wide"), (375, 700, "narrow")])
def test_screenshots_of_the_settings(stack, console, width, height, label):
    c = console(width, height, username="admin", password=ADMIN_PASSWORD)
    s = c.settings("faqs")
    s.wait_faqs()
    s.faq_action(s.faq_questions()[1], "edit")
    s.fill_faq(question="What is your return policy for sale items?")
    # The form being edited, and its question in the quick-reply preview as it is typed.
    shot(c.d, f"settings-faqs-{label}", "#faq-form", "Edit FAQ")
    assert c.d.find_element(By.ID, "faq-question").get_attribute("value") == "What is your return policy for sale items?"
    assert "What is your return policy for sale items?" in s.preview_chips()
    c.d.find_element(By.ID, "faq-cancel").click()

    def show_preview():
        if width < 600:  # the preview is below the form
            c.d.execute_script("const v = document.getElementById('settings-view');"
                               "const p = document.getElementById('look-preview');"
                               "v.scrollTop += p.getBoundingClientRect().top - v.getBoundingClientRect().top - 60")

    s = c.settings("appearance")
    greeting = "Hi! Questions about sizing or delivery? Ask us."
    s.set_appearance(greeting=greeting)
    show_preview()
    # The preview follows the greeting typed (not saved).
    shot(c.d, f"settings-appearance-{label}", "#look-preview .mock-greeting", greeting)

    s = c.settings("team")
    shot(c.d, f"settings-team-{label}", s.agent_card("admin"), "admin")

    s = c.settings("bot")
    wait_for(c.d, lambda: c.d.find_element(By.ID, "bot-name").get_attribute("value"), "the bot texts did not load")
    shot(c.d, f"settings-bot-{label}", "#bot-form")
    settings = stack.agent_call("GET", "/api/v1/admin/settings", admin_token(stack))
    assert c.d.find_element(By.ID, "bot-name").get_attribute("value") == settings["bot_name"]
    assert c.d.find_element(By.ID, "bot-welcome").get_attribute("value") == settings["welcome_message"]

    # Dark: the appearance page, with its sketch of the widget.
    dark(c.d, True)
    c.settings("appearance").wait_appearance()
    assert c.d.execute_script("return matchMedia('(prefers-color-scheme: dark)').matches")
    show_preview()
    shot(c.d, f"settings-appearance-{label}-dark", "#look-preview .mock-head", settings["widget"]["title"])


# --- accessibility: axe-core on every page (pages.audit) -------------------------------------------

def test_axe_finds_nothing_on_any_page(stack, browser, console, shopper):
    problems = []
    d = browser(1280, 800)
    for path, where in (("/", "landing"), ("/docs/", "docs")):
        d.get(stack.url(path))
        problems += audit(d, where)

    d.get(stack.url("/agent/"))
    wait_for(d, lambda: d.find_element(By.ID, "login-view").is_displayed(), "no sign-in form")
    problems += audit(d, "console sign-in")

    # The widget page opened directly, in a conversation with quick replies.
    d.get(stack.url("/widget/"))
    wait_for(d, lambda: d.find_element(By.ID, "app").get_attribute("data-phase") == "ready", "widget page not ready")
    wait_for(d, lambda: d.find_elements(By.CSS_SELECTOR, "#chips .chip"), "no quick replies")
    problems += audit(d, "widget page")

    # The signed-in console, its dialogs and every Settings section.
    c = console(username="admin", password=ADMIN_PASSWORD)
    wait_for(c.d, lambda: c.stream_state() == "open", "the stream did not open")
    problems += audit(c.d, "console")
    c.d.find_element(By.ID, "change-password").click()
    problems += audit(c.d, "console: change my password")
    c.d.find_element(By.ID, "password-cancel").click()
    s = c.settings("faqs")
    s.wait_faqs()
    s.open_new_faq()
    problems += audit(c.d, "settings: FAQs")
    s = c.settings("bot")
    wait_for(c.d, lambda: c.d.find_element(By.ID, "bot-name").get_attribute("value"), "the bot texts did not load")
    problems += audit(c.d, "settings: bot texts")
    s = c.settings("appearance")
    s.wait_appearance()
    problems += audit(c.d, "settings: appearance")
    s = c.settings("team")
    s.agent_card("admin")
    problems += audit(c.d, "settings: team")
    s.agent_action("admin", "edit")
    problems += audit(c.d, "settings: edit agent")

    # The demo shop, and the chat inside it.
    shop = shopper().visit()
    problems += audit(shop.d, "demo shop", context={"exclude": [["iframe"]]})
    shop.open()
    wait_for(shop.d, lambda: shop.quick_replies(), "no quick replies in the shop's chat")
    problems += audit(shop.d, "widget in the shop")
    assert not problems, "axe-core found:\n" + "\n".join(problems)
