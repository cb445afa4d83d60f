"""Settings → Hours & e-mail: an admin sets where offline messages go, the
shop's time zone and weekly hours, a closed date, the away message, whether
the launcher hides while closed and the pre-chat form, all through the
console; the server gets exactly that and a reload shows it again; a bad
value comes back as the server's error next to the form. A message left
while nobody is online shows in the queue as an offline message with the
shopper's e-mail. Screenshots and an axe-core audit of the section.

The stack is shared by the whole session: what a test changes it puts back
in `finally`."""

from __future__ import annotations

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import ADMIN_PASSWORD, resize
from pages import audit, dark, nobody_online, shot, wait_for
from test_browser_admin import admin_token

# A time or date input takes typed digits in the browser's locale order; setting the value
# the way the picker does (then the events it fires) is the same for every locale.
SET_VALUE = """
const [el, value] = arguments;
Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el, value);
el.dispatchEvent(new Event('input', {bubbles: true}));
el.dispatchEvent(new Event('change', {bubbles: true}));
"""


class Hours:
    """The Hours & e-mail section as a person uses it."""

    def __init__(self, console) -> None:
        self.c = console
        self.d = console.d
        console.settings("hours")
        wait_for(self.d, lambda: self.d.find_element(By.ID, "hours-away").get_attribute("value"), "the section did not load")

    def el(self, element_id: str):
        return self.d.find_element(By.ID, element_id)

    def press(self, element) -> None:
        """Scrolls `element` to the middle (as a person would, clear of the sticky save bar) and clicks it."""
        self.d.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()

    def fill(self, element_id: str, value: str) -> None:
        box = self.el(element_id)
        box.clear()
        if value:
            box.send_keys(value)

    def day(self, day: str):
        return self.d.find_element(By.CSS_SELECTOR, f'#hours-week [data-day="{day}"]')

    def add_range(self, day: str) -> None:
        before = len(self.ranges(day))
        self.press(self.day(day).find_element(By.CSS_SELECTOR, '[data-action="add"]'))
        wait_for(self.d, lambda: len(self.ranges(day)) == before + 1, f"no new range on {day}")

    def set_range(self, day: str, index: int, start: str | None = None, end: str | None = None) -> None:
        row = self.day(day).find_element(By.CSS_SELECTOR, f'[data-range="{index}"]')
        for which, value in (("start", start), ("end", end)):
            if value is not None:
                self.d.execute_script(SET_VALUE, row.find_element(By.CSS_SELECTOR, f'[data-end="{which}"]'), value)

    def range_input(self, day: str, index: int, which: str):
        return self.day(day).find_element(By.CSS_SELECTOR, f'[data-range="{index}"] [data-end="{which}"]')

    def ranges(self, day: str) -> list[list[str]]:
        return self.d.execute_script(
            "return [...arguments[0].querySelectorAll('.hours-range')].map((r) => [...r.querySelectorAll('input')].map((i) => i.value))",
            self.day(day))

    def add_closed_date(self, ymd: str) -> None:
        self.d.execute_script(SET_VALUE, self.el("hours-date"), ymd)
        self.press(self.el("hours-date-add"))
        wait_for(self.d, lambda: ymd in self.closed_dates(), f"{ymd} was not added")

    def closed_dates(self) -> list[str]:
        return self.d.execute_script("return [...document.querySelectorAll('#hours-dates li[data-date]')].map((li) => li.dataset.date)")

    def unsaved(self) -> str:
        return self.el("hours-unsaved").text

    def save(self) -> str | None:
        """Saves; returns the error shown next to the form, or None when it saved."""
        d = self.d
        error = self.el("hours-error")
        self.el("hours-save").click()
        wait_for(d, lambda: error.is_displayed() or "Hours & e-mail saved" in d.find_element(By.ID, "toasts").text,
                 "the form neither saved nor complained")
        return error.text if error.is_displayed() else None


def restore(stack, token: str, original: dict) -> None:
    stack.agent_call("PATCH", "/api/v1/admin/settings", token,
                     json={"notify_email": original.get("notify_email"), "availability": original["availability"]})


def test_admin_sets_hours_and_email_and_they_survive_a_reload(stack, console):
    token = admin_token(stack)
    original = stack.agent_call("GET", "/api/v1/admin/settings", token)
    away = "We're out right now. Leave your e-mail and we'll write back within a day."
    try:
        c = console(username="admin", password=ADMIN_PASSWORD)
        s = Hours(c)
        assert s.unsaved() == ""

        # An address the server refuses: its 400 in plain words, on the field.
        s.fill("hours-notify", "help-at-northwind")
        assert "Unsaved changes" in s.unsaved()
        error = s.save()
        assert error and error.startswith("Shop e-mail:") and "e-mail" in error.lower(), error
        assert s.el("hours-notify").get_attribute("aria-invalid") == "true"
        s.fill("hours-notify", "help@northwind.example")

        s.fill("hours-tz", "America/New_York")
        wait_for(c.d, lambda: "there:" in s.el("hours-now").text, f"no 'right now' line: {s.el('hours-now').text!r}")
        s.add_range("mon")  # a new first range is 09:00–17:00
        assert s.ranges("mon") == [["09:00", "17:00"]]
        s.add_range("tue")
        s.set_range("tue", 0, "10:00", "10:00")  # ends when it starts: the server says no
        error = s.save()
        assert error and error.startswith("Tuesday:"), error
        assert s.range_input("tue", 0, "start").get_attribute("aria-invalid") == "true"
        s.set_range("tue", 0, end="18:00")
        s.add_range("tue")
        s.set_range("tue", 1, "20:00", "02:00")  # past midnight: belongs to Tuesday
        s.add_closed_date("2026-12-25")
        s.add_closed_date("2026-01-01")
        assert s.closed_dates() == ["2026-01-01", "2026-12-25"]
        s.press(s.d.find_element(By.CSS_SELECTOR, '#hours-dates li[data-date="2026-01-01"] [data-action="remove-date"]'))
        wait_for(c.d, lambda: s.closed_dates() == ["2026-12-25"], "the date was not removed")
        s.fill("hours-away", away)
        hide = s.el("hours-hide")
        if not hide.is_selected():
            s.press(hide)
        Select(s.el("hours-prechat")).select_by_value("require_email")
        assert s.save() is None
        wait_for(c.d, lambda: s.unsaved() == "", "still says unsaved after saving")

        # The server has exactly that.
        got = stack.agent_call("GET", "/api/v1/admin/settings", token)
        a = got["availability"]
        assert got["notify_email"] == "help@northwind.example"
        assert a["timezone"] == "America/New_York"
        assert a["hours"]["mon"] == [["09:00", "17:00"]]
        assert a["hours"]["tue"] == [["10:00", "18:00"], ["20:00", "02:00"]]
        assert all(not a["hours"].get(day) for day in ("wed", "thu", "fri", "sat", "sun"))
        assert a["closed_dates"] == ["2026-12-25"]
        assert a["away_message"] == away
        assert a["hide_when_closed"] is True
        assert a["prechat"] == "require_email"
        public = requests.get(stack.url("/api/v1/customer/widget-config"), timeout=10).json()["availability"]
        if "prechat" in public:  # widget-config carries them from the new backend on
            assert public["prechat"] == "require_email" and public["hide_when_closed"] is True and public["away_message"] == away

        # A reload shows the saved values (the address keeps the section).
        c.d.refresh()
        wait_for(c.d, lambda: c.d.find_element(By.ID, "app-view").is_displayed(), "the console did not come back")
        wait_for(c.d, lambda: c.d.find_element(By.ID, "section-hours").is_displayed(), "the reload lost the section")
        s = Hours(c)
        assert s.el("hours-notify").get_attribute("value") == "help@northwind.example"
        assert s.el("hours-tz").get_attribute("value") == "America/New_York"
        assert s.ranges("mon") == [["09:00", "17:00"]]
        assert s.ranges("tue") == [["10:00", "18:00"], ["20:00", "02:00"]]
        assert s.ranges("wed") == []
        assert s.closed_dates() == ["2026-12-25"]
        assert s.el("hours-away").get_attribute("value") == away
        assert s.el("hours-hide").is_selected()
        assert Select(s.el("hours-prechat")).first_selected_option.get_attribute("value") == "require_email"
        assert s.unsaved() == ""

        # An edit is kept while another section is visited; Discard puts the saved value back.
        s.fill("hours-away", "Gone fishing.")
        assert "Unsaved changes" in s.unsaved()
        c.settings("bot")
        s = Hours(c)
        assert s.el("hours-away").get_attribute("value") == "Gone fishing."
        s.el("hours-discard").click()
        wait_for(c.d, lambda: s.el("hours-away").get_attribute("value") == away, "Discard did not restore the saved text")
        assert s.unsaved() == "" and not s.el("hours-discard").is_displayed()

        # Removing every range: no hours at all, the chat is always open.
        for day in ("mon", "tue", "tue"):
            s.press(s.day(day).find_element(By.CSS_SELECTOR, '[data-range="0"] [data-action="remove"]'))
        assert "always open" in s.el("hours-now").text
        assert s.save() is None
        assert not any(stack.agent_call("GET", "/api/v1/admin/settings", token)["availability"]["hours"].values())
    finally:
        restore(stack, token, original)


def test_axe_finds_nothing_in_hours_and_email(stack, console):
    c = console(username="admin", password=ADMIN_PASSWORD)
    s = Hours(c)
    s.add_range("wed")
    s.add_closed_date("2030-05-01")
    problems = audit(c.d, "settings: hours & e-mail")
    s.set_range("wed", 0, "08:00", "08:00")
    assert s.save()  # the server's error, shown next to the form
    problems += audit(c.d, "settings: hours & e-mail with an error")
    s.el("hours-discard").click()
    assert not problems, "axe-core found:\n" + "\n".join(problems)


@pytest.mark.parametrize("width,height,label", [(1280, 800, "wide"), (375, 700, "narrow")])
def test_screenshots_of_hours_and_email(stack, console, width, height, label):
    token = admin_token(stack)
    original = stack.agent_call("GET", "/api/v1/admin/settings", token)
    week = {day: [["09:00", "17:30"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    week["sat"] = [["10:00", "14:00"], ["18:00", "01:00"]]
    stack.agent_call("PATCH", "/api/v1/admin/settings", token, json={
        "notify_email": "support@northwind.example",
        "availability": {"timezone": "Europe/Berlin", "hours": week, "closed_dates": ["2026-12-24", "2026-12-25", "2026-12-26"],
                         "prechat": "ask"},
    })
    try:
        c = console(width, height, username="admin", password=ADMIN_PASSWORD)
        s = Hours(c)
        # The section shows what the server has.
        assert s.el("hours-notify").get_attribute("value") == "support@northwind.example"
        assert s.el("hours-tz").get_attribute("value") == "Europe/Berlin"
        assert all(s.ranges(day) == ranges for day, ranges in week.items()), {day: s.ranges(day) for day in week}
        assert s.ranges("sun") == []
        assert s.closed_dates() == ["2026-12-24", "2026-12-25", "2026-12-26"]
        if width < 600:  # one column: show the week, where the section is busiest
            c.d.execute_script("const v = document.getElementById('settings-view');"
                               "const w = document.getElementById('hours-week-title');"
                               "v.scrollTop += w.getBoundingClientRect().top - v.getBoundingClientRect().top - 12")
        shot(c.d, f"settings-hours-{label}", '#hours-week [data-day="mon"]', "Monday")
        dark(c.d, True)
        s.fill("hours-away", "We're away right now: leave your e-mail and we'll write back.")  # unsaved
        wait_for(c.d, lambda: "Unsaved changes" in s.unsaved(), "the edit is not marked unsaved")
        shot(c.d, f"settings-hours-{label}-dark", "#hours-unsaved", "Unsaved changes")
        s.el("hours-discard").click()
    finally:
        restore(stack, token, original)


# --- an offline message in the queue --------------------------------------------------------

def leave_offline_message(stack, name: str, email: str, text: str) -> str:
    """A shopper who finds nobody there asks for a person with a message: the chat is filed as
    an offline message that still needs a contact (`needs_contact`), and the e-mail they then
    leave in the offline form completes it."""
    r = stack.http.post(stack.url("/api/v1/customer/conversations/start"), json={"display_name": name}, timeout=15)
    assert r.status_code == 200, r.text
    conv = r.json()["conversation"]
    headers = {"X-Customer-Session-Id": conv["customer_session_id"]}
    base = f"/api/v1/customer/conversations/{conv['id']}"
    r = stack.http.post(stack.url(base + "/escalate"), json={"message": text}, headers=headers, timeout=15)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["offline"] is True and answer["needs_contact"] is True and answer["assigned_agent_id"] is None, answer
    r = stack.http.post(stack.url(base + "/contact"), json={"email": email, "source": "offline"}, headers=headers, timeout=15)
    assert r.status_code == 200, r.text
    return conv["id"]


def test_an_offline_message_shows_in_the_queue_with_the_email(stack, console):
    nobody_online(stack)
    text = "Do you still have the blue rain jacket in size M? I'd order it today."
    conv_id = leave_offline_message(stack, "Kim Larsen", "kim.larsen@example.com", text)
    token = admin_token(stack)
    try:
        c = console(username="admin", password=ADMIN_PASSWORD)
        c.tab("queue")
        c.wait_item(conv_id)
        item = c.item(conv_id)
        wait_for(c.d, lambda: "Offline message" in c.item(conv_id).text, f"no offline badge: {c.item(conv_id).text!r}")
        assert "kim.larsen@example.com" in item.text
        assert "offline message from kim.larsen@example.com" in item.get_attribute("aria-label")

        c.open(conv_id)
        c.wait_text(text, "customer")
        offline_badge = c.d.find_element(By.ID, "conv-offline")
        assert offline_badge.is_displayed() and offline_badge.text == "Offline message"
        detail = c.d.find_element(By.ID, "conv-detail").text
        assert "kim.larsen@example.com from the offline form" in detail, detail
        shot(c.d, "console-offline-message-wide", "#conv-detail", "kim.larsen@example.com from the offline form")
        resize(c.d, 375, 700)
        shot(c.d, "console-offline-message-narrow", "#conv-offline", "Offline message")
        c.d.find_element(By.ID, "conv-back").click()
        wait_for(c.d, lambda: c.d.find_element(By.ID, "list").is_displayed(), "no list after Back")
        shot(c.d, "console-offline-message-narrow-list", c.item(conv_id), "Offline message")
        resize(c.d, 1280, 800)

        # An ordinary chat has neither.
        r = stack.http.post(stack.url("/api/v1/customer/conversations/start"), json={"display_name": "Online Olga"}, timeout=15)
        other = r.json()["conversation"]["id"]
        stack.agent_call("POST", f"/api/v1/agent/conversations/{other}/messages", token, json={"content": "Hi Olga!"})
        c.tab("mine")
        c.wait_item(other)
        assert "Offline message" not in c.item(other).text
        stack.agent_call("POST", f"/api/v1/agent/conversations/{other}/close", token)
    finally:
        stack.agent_call("POST", f"/api/v1/agent/conversations/{conv_id}/close", token)
