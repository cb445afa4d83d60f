"""Settings for issue 25, as a shop admin uses them: Bot texts edit a fallback
for each availability and the words that ask for a person (and the bot uses
them); Team's "Routing" sets after how long an away agent's chats go back;
Hours & e-mail without any hours says "Open all day", not "Closed"; "Add
FAQ" brings its form into view with the cursor in it and the link name folded
under "More options"; "Add agent" suggests a username only until the admin
edits it; and no text in the console that axe-core leaves for review reads
under 4.5:1."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import ADMIN_PASSWORD, resize
from pages import contrast_to_review, nobody_online, shot, wait_for
from test_browser_admin import admin_token
from test_browser_console import start_queued_chat


def value(d, field_id: str) -> str:
    return d.find_element(By.ID, field_id).get_attribute("value")


def label_of(d, field_id: str) -> str:
    return d.find_element(By.CSS_SELECTOR, f'label[for="{field_id}"]').text


def hint_of(d, field_id: str) -> str:
    hint = d.find_element(By.ID, field_id).get_attribute("aria-describedby").split()[0]
    return d.find_element(By.ID, hint).text


# --- Bot texts ---------------------------------------------------------------------------------

def test_bot_texts_have_a_fallback_per_availability_and_the_phrases(stack, console):
    token = admin_token(stack)
    original = stack.agent_call("GET", "/api/v1/admin/settings", token)
    away = "Nobody from the team is online right now: tap “Leave a message” and we'll write back."
    closed = "We're closed right now: tap “Leave a message” and we'll answer when we open."
    try:
        c = console(username="admin", password=ADMIN_PASSWORD)
        d = c.d
        s = c.settings("bot")
        wait_for(d, lambda: value(d, "bot-away-fallback"), "the bot texts did not load")
        # Each fallback says when it is used.
        assert label_of(d, "bot-fallback") == "While someone is online"
        assert label_of(d, "bot-away-fallback") == "While nobody is online"
        assert label_of(d, "bot-closed-fallback") == "Outside your hours"
        assert "no agent online" in hint_of(d, "bot-away-fallback") and "Leave a message" in hint_of(d, "bot-away-fallback")
        assert "Outside the opening hours" in hint_of(d, "bot-closed-fallback")
        assert label_of(d, "bot-phrases") == "Words that ask for a person"
        assert value(d, "bot-away-fallback") == original["away_fallback_message"]
        assert value(d, "bot-closed-fallback") == original["closed_fallback_message"]
        assert value(d, "bot-phrases") == ", ".join(original["human_phrases"])
        assert not d.find_element(By.ID, "bot-unsupported").is_displayed()

        # Empty is refused in plain words, next to the form.
        s._fill("bot-closed-fallback", "")
        d.find_element(By.ID, "bot-save").click()
        error = d.find_element(By.ID, "bot-error")
        wait_for(d, lambda: error.is_displayed(), "no error for an empty fallback")
        assert error.text == "Write what the assistant says when no FAQ matches outside your hours."
        assert d.find_element(By.ID, "bot-closed-fallback").get_attribute("aria-invalid") == "true"

        s._fill("bot-away-fallback", away)
        s._fill("bot-closed-fallback", closed)
        s._fill("bot-phrases", "Human, talk to,  REAL person, human")
        d.find_element(By.ID, "bot-save").click()
        wait_for(d, lambda: "Bot texts saved" in c.toast_text(), "no confirmation of the save")
        saved = stack.agent_call("GET", "/api/v1/admin/settings", token)
        assert saved["away_fallback_message"] == away and saved["closed_fallback_message"] == closed
        assert saved["human_phrases"] == ["human", "talk to", "real person"]
        assert value(d, "bot-phrases") == "human, talk to, real person"  # as the server keeps them

        # The assistant uses them: with nobody online, the away fallback for a question no FAQ answers.
        nobody_online(stack)
        r = stack.http.post(stack.url("/api/v1/customer/conversations/start"), json={}, timeout=15)
        conv = r.json()["conversation"]
        headers = {"X-Customer-Session-Id": conv["customer_session_id"]}
        r = stack.http.post(stack.url(f"/api/v1/customer/conversations/{conv['id']}/messages"),
                            json={"content": "Do you sell gift wrapping paper?"}, headers=headers, timeout=15)
        assert r.json()["bot_message"]["content"] == away, r.text

        d.execute_script("document.getElementById('bot-phrases').scrollIntoView({block: 'center'})")
        shot(d, "settings-bot-fallbacks-wide", "#bot-phrases-field", "Words that ask for a person")
        resize(d, 375, 700)
        d.execute_script("document.getElementById('bot-away-field').scrollIntoView({block: 'start'})")
        shot(d, "settings-bot-fallbacks-narrow", "#bot-away-field", "While nobody is online")
    finally:
        stack.agent_call("PATCH", "/api/v1/admin/settings", token, json={
            k: original[k] for k in ("fallback_message", "away_fallback_message", "closed_fallback_message", "human_phrases")})


# --- Team: routing -------------------------------------------------------------------------------

def test_team_sets_when_an_away_agents_chats_go_back(stack, console):
    token = admin_token(stack)
    original = stack.agent_call("GET", "/api/v1/admin/settings", token)["routing"]["return_after_minutes"]
    try:
        c = console(username="admin", password=ADMIN_PASSWORD)
        d = c.d
        s = c.settings("team")
        minutes = d.find_element(By.ID, "routing-return")
        wait_for(d, lambda: minutes.get_attribute("value") == str(original), "the routing setting did not load")
        assert d.find_element(By.ID, "routing-title").text == "Routing: chats of agents who are away"
        assert label_of(d, "routing-return") == "Return their open chats to the queue after"
        assert "0: never" in hint_of(d, "routing-return")
        error = d.find_element(By.ID, "routing-error")

        def save(text: str) -> None:
            s._fill("routing-return", text)
            d.find_element(By.ID, "routing-save").click()

        save("ten")
        wait_for(d, lambda: error.is_displayed(), "no error for words")
        assert error.text == "Minutes: a whole number, like 5 (0: never)."
        save("2000")  # the server's range, in its words
        wait_for(d, lambda: "1440" in error.text, f"no error from the server: {error.text!r}")
        assert error.text == "Minutes: 0 (never) to 1440."
        assert minutes.get_attribute("aria-invalid") == "true"
        save("12")
        wait_for(d, lambda: "Saved: chats of agents away for 12 minutes go back to the queue." in c.toast_text(), "no confirmation")
        assert not error.is_displayed()
        assert stack.agent_call("GET", "/api/v1/admin/settings", token)["routing"]["return_after_minutes"] == 12
        save("0")
        wait_for(d, lambda: "stay theirs" in c.toast_text(), "no confirmation for never")
        assert stack.agent_call("GET", "/api/v1/admin/settings", token)["routing"]["return_after_minutes"] == 0
        form = d.find_element(By.ID, "routing-form")
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", form)
        shot(d, "settings-team-routing-wide", form, "Return their open chats to the queue after")
        resize(d, 375, 700)
        d.execute_script("arguments[0].scrollIntoView({block: 'start'})", form)
        shot(d, "settings-team-routing-narrow", "#routing-return")
    finally:
        stack.agent_call("PATCH", "/api/v1/admin/settings", token, json={"routing": {"return_after_minutes": original}})


# --- Hours & e-mail with no hours ------------------------------------------------------------------

def test_no_hours_reads_open_all_day(stack, console):
    token = admin_token(stack)
    original = stack.agent_call("GET", "/api/v1/admin/settings", token)["availability"]
    empty = {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    stack.agent_call("PATCH", "/api/v1/admin/settings", token, json={"availability": {"hours": empty}})
    try:
        c = console(username="admin", password=ADMIN_PASSWORD)
        d = c.d
        c.settings("hours")
        wait_for(d, lambda: "always open" in d.find_element(By.ID, "hours-now").text, "no 'always open' line")
        days = lambda: d.execute_script(  # noqa: E731
            "return [...document.querySelectorAll('#hours-week .hours-day')].map((r) => r.querySelector('.hours-day-closed')?.textContent || 'hours')")
        assert days() == ["Open all day"] * 7, days()
        assert "Closed" not in d.find_element(By.ID, "hours-week").text
        shot(d, "settings-hours-always-open-wide", '#hours-week [data-day="mon"] .hours-day-closed', "Open all day")

        # Hours on Monday: the days without any are closed now, and say so.
        d.find_element(By.CSS_SELECTOR, '#hours-week [data-day="mon"] [data-action="add"]').click()
        wait_for(d, lambda: days()[0] == "hours", "no range on Monday")
        assert days()[1:] == ["Closed"] * 6, days()
        resize(d, 375, 700)
        d.execute_script("document.querySelector('#hours-week [data-day=\"tue\"]').scrollIntoView({block: 'center'})")
        shot(d, "settings-hours-some-closed-narrow", '#hours-week [data-day="tue"] .hours-day-closed', "Closed")
        d.find_element(By.ID, "hours-discard").click()
        wait_for(d, lambda: days() == ["Open all day"] * 7, f"Discard did not bring back the empty week: {days()}")
    finally:
        stack.agent_call("PATCH", "/api/v1/admin/settings", token, json={"availability": {"hours": original["hours"]}})


# --- FAQs: the form in view ------------------------------------------------------------------------

@pytest.mark.parametrize("width,height,label", [(1280, 800, "wide"), (375, 700, "narrow")])
def test_add_faq_brings_its_form_into_view_with_the_cursor_in_it(stack, console, width, height, label):
    c = console(width, height, username="admin", password=ADMIN_PASSWORD)
    d = c.d
    s = c.settings("faqs")
    s.wait_faqs()
    if width < 800:  # "Add FAQ" is at the top; the form far below the list
        d.execute_script("document.getElementById('settings-view').scrollTop = 0")
    d.find_element(By.ID, "faq-new").click()
    form = d.find_element(By.ID, "faq-form")
    wait_for(d, lambda: form.is_displayed(), "no FAQ form")
    r = d.execute_script("return arguments[0].getBoundingClientRect().toJSON()", form)
    assert 0 <= r["top"] < height, r
    if width >= 800:  # beside the list: the whole form, up to its buttons
        assert r["bottom"] <= height, r
    assert d.execute_script("return document.activeElement.id") == "faq-question"

    # The link name is folded away: optional, and shown as what it will be.
    slug = d.find_element(By.ID, "faq-slug")
    assert not slug.is_displayed()
    d.switch_to.active_element.send_keys("Do you ship to Norway?")
    more = d.find_element(By.CSS_SELECTOR, "#faq-more summary")
    assert more.text == "More options"
    more.click()
    wait_for(d, lambda: slug.is_displayed(), "More options did not open")
    assert label_of(d, "faq-slug") == "Link name (optional)"
    assert slug.get_attribute("value") == "" and slug.get_attribute("placeholder") == "do-you-ship-to-norway"
    assert "made from the question" in d.find_element(By.ID, "faq-slug-hint").text
    d.execute_script("arguments[0].scrollIntoView({block: 'nearest'})", form)
    shot(d, f"settings-faq-new-{label}", "#faq-question")
    d.find_element(By.ID, "faq-cancel").click()
    wait_for(d, lambda: not form.is_displayed(), "the form stayed open")


# --- Team: the username suggested from the name --------------------------------------------------------

def test_add_agent_suggests_a_username_until_the_admin_edits_it(stack, console):
    c = console(username="admin", password=ADMIN_PASSWORD)
    d = c.d
    c.settings("team")
    dialog = d.find_element(By.ID, "agent-dialog")
    d.find_element(By.ID, "add-agent").click()
    wait_for(d, lambda: dialog.get_attribute("open") is not None, "no Add agent dialog")
    display = d.find_element(By.ID, "agent-display")
    username = d.find_element(By.ID, "agent-username")
    display.send_keys("Sam Rivera")
    assert username.get_attribute("value") == "sam.rivera"
    # Clicking into the suggestion and typing replaces it (no "sam.riverasam").
    username.click()
    username.send_keys("sam")
    assert username.get_attribute("value") == "sam"
    # Edited: the name no longer rewrites it.
    display.send_keys(" Jr")
    assert username.get_attribute("value") == "sam"
    username.send_keys(Keys.BACKSPACE * 3, "sriv")
    display.send_keys("!")
    assert username.get_attribute("value") == "sriv"
    shot(d, "console-add-agent-wide", "#agent-username")
    d.find_element(By.ID, "agent-cancel").click()

    # A new dialog suggests again.
    d.find_element(By.ID, "add-agent").click()
    wait_for(d, lambda: dialog.get_attribute("open") is not None, "no Add agent dialog")
    assert username.get_attribute("value") == ""
    display.send_keys("Ann Lee")
    assert username.get_attribute("value") == "ann.lee"
    d.find_element(By.ID, "agent-cancel").click()


# --- colour contrast left for review ---------------------------------------------------------------------

def test_no_console_text_left_for_review_reads_under_the_contrast_threshold(stack, console):
    conv_id, _ = start_queued_chat(stack, "Checking the contrast")
    c = console(username="admin", password=ADMIN_PASSWORD)
    d = c.d
    wait_for(d, lambda: c.stream_state() == "open", "the stream did not open")
    low = [f"chats: {x}" for x in contrast_to_review(d)]
    c.tab("open")
    low += [f"all open: {x}" for x in contrast_to_review(d)]
    c.tab("queue")
    c.wait_item(conv_id)
    c.open(conv_id)
    low += [f"a chat: {x}" for x in contrast_to_review(d)]
    for section in ("faqs", "bot", "hours", "team"):
        c.settings(section)
        low += [f"settings {section}: {x}" for x in contrast_to_review(d)]
    assert not low, "contrast under the threshold:\n" + "\n".join(low)
    stack.agent_call("POST", f"/api/v1/agent/conversations/{conv_id}/close", admin_token(stack))
