"""Page objects for the browser tests: the shopper (demo shop + embedded
widget on another origin) and the agent console. They speak in user actions
(open the chat, tap a quick reply, claim, reply) and read what a person would
see."""

from __future__ import annotations

import contextlib
import json
import time
from typing import Callable

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

WAIT = 25  # seconds; with the stream down, updates come from polling every ~3 s

# The visible text of the messages in a thread (js/thread.js): sender side,
# text without the screen-reader prefix, and send status.
READ_THREAD = """
const log = arguments[0];
return [...log.children].filter(n => n.classList.contains('msg') || n.classList.contains('event')).map(n => {
  if (n.classList.contains('event')) return {kind: 'event', sender: 'system', text: n.querySelector('.event-text').textContent, status: 'sent', id: n.dataset.id};
  const bubble = n.querySelector('.bubble');
  const text = [...bubble.childNodes].filter(c => !(c.classList && c.classList.contains('sr-only'))).map(c => c.textContent).join('');
  return {kind: 'msg', sender: n.dataset.sender, text, status: n.dataset.status, id: n.dataset.id, clientId: n.dataset.clientId,
          name: (n.querySelector('.who') || {}).textContent || null};
});
"""


def wait_for(driver: WebDriver, condition: Callable[[], object], message: str, timeout: float = WAIT):
    """Polls `condition` (exceptions count as "not yet") until it returns something truthy."""
    def check(_):
        try:
            return condition()
        except (NoSuchElementException, StaleElementReferenceException):
            return False
    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(check, message)


class Shopper:
    """A shopper on the demo shop, with the chat embedded from the Switchboard origin."""

    def __init__(self, driver: WebDriver, stack) -> None:
        self.d = driver
        self.stack = stack
        self.in_frame = False

    # -- the host page ---------------------------------------------------------------

    def visit(self, url: str | None = None) -> "Shopper":
        self.leave_frame()
        self.d.get(url or self.stack.shop_url)
        wait_for(self.d, lambda: self.d.execute_script("return document.documentElement.dataset.switchboardState"),
                 "the widget loader did not run on the shop page")
        wait_for(self.d, lambda: self.d.execute_script("return !!window.Switchboard"), "window.Switchboard missing")
        return self

    def host_root(self):
        return self.d.find_element(By.CSS_SELECTOR, "[data-switchboard]").shadow_root

    def launcher(self):
        return self.host_root().find_element(By.CSS_SELECTOR, ".sb-launcher")

    def state(self) -> str:
        return self.d.execute_script("return document.documentElement.dataset.switchboardState")

    def badge(self) -> str | None:
        """The unread badge on the launcher, or None when hidden."""
        self.leave_frame()
        badge = self.host_root().find_element(By.CSS_SELECTOR, ".sb-badge")
        return None if badge.get_attribute("hidden") is not None else badge.get_attribute("textContent")

    def open(self) -> "Shopper":
        """Clicks the launcher and waits for the conversation to be shown."""
        self.leave_frame()
        if self.state() != "open":
            self.launcher().click()
        wait_for(self.d, lambda: self.state() == "open", "the chat panel did not open")
        self.enter_frame()
        wait_for(self.d, lambda: self.d.find_element(By.ID, "app").get_attribute("data-phase") == "ready",
                 "the chat did not become ready")
        return self

    def minimize(self) -> None:
        """Closes the panel as a person would: the launcher, or on phones (where the chat is
        full-screen and the launcher hidden) the chevron in the chat's header."""
        self.leave_frame()
        if self.state() == "open":
            if self.launcher().is_displayed():
                self.launcher().click()
            else:
                with self.frame():
                    self.d.find_element(By.ID, "minimize").click()
        wait_for(self.d, lambda: self.state() == "closed", "the chat panel did not close")

    def enter_frame(self) -> None:
        if self.in_frame:
            return
        frame = self.host_root().find_element(By.CSS_SELECTOR, "iframe")
        self.d.switch_to.frame(frame)
        self.in_frame = True

    def leave_frame(self) -> None:
        if self.in_frame:
            self.d.switch_to.default_content()
            self.in_frame = False

    @contextlib.contextmanager
    def frame(self):
        self.enter_frame()
        try:
            yield
        finally:
            self.leave_frame()

    # -- inside the widget (call with the frame entered) ---------------------------------

    def thread(self) -> list[dict]:
        self.enter_frame()
        return self.d.execute_script(READ_THREAD, self.d.find_element(By.ID, "log"))

    def texts(self, sender: str | None = None) -> list[str]:
        return [m["text"] for m in self.thread() if sender is None or m["sender"] == sender]

    def stream_state(self) -> str | None:
        """The widget's event-stream state: connecting, open, reconnecting or closed."""
        self.enter_frame()
        return self.d.execute_script("return document.documentElement.dataset.stream || null")

    def status_line(self) -> str:
        self.enter_frame()
        return self.d.find_element(By.ID, "status").text

    def session(self) -> dict:
        self.enter_frame()
        return json.loads(self.d.execute_script("return localStorage.getItem('switchboard.session.v1')") or "null")

    def tap_quick_reply(self, index: int = 0) -> str:
        self.enter_frame()
        chip = self.d.find_elements(By.CSS_SELECTOR, "#chips .chip")[index]
        question = chip.text
        chip.click()
        return question

    def type(self, text: str) -> None:
        self.enter_frame()
        box = self.d.find_element(By.ID, "input")
        box.click()
        box.send_keys(text)

    def send(self, text: str) -> None:
        """Types into the message box and presses Enter."""
        self.type(text)
        self.d.find_element(By.ID, "input").send_keys(Keys.ENTER)

    def wait_text(self, text: str, sender: str | None = None, status: str = "sent", timeout: float = WAIT) -> None:
        wait_for(self.d, lambda: any(m["text"] == text and (sender is None or m["sender"] == sender) and m["status"] == status
                                     for m in self.thread()),
                 f"widget never showed {text!r} from {sender} ({status}); has {self.thread()!r}", timeout)

    def talk_to_person(self) -> None:
        self.enter_frame()
        self.d.find_element(By.ID, "talk").click()
        wait_for(self.d, lambda: "Waiting for the next available person" in self.status_line(), "not queued after Talk to a person")


class AgentConsole:
    """The agent console at /agent/."""

    def __init__(self, driver: WebDriver, stack) -> None:
        self.d = driver
        self.stack = stack

    def sign_in(self, username: str, password: str, expect_error: bool = False) -> None:
        self.d.get(self.stack.url("/agent/"))
        wait_for(self.d, lambda: self.d.find_element(By.ID, "login-view").is_displayed(), "no sign-in form")
        user = self.d.find_element(By.ID, "login-username")
        user.clear()
        user.send_keys(username)
        self.d.find_element(By.ID, "login-password").send_keys(password, Keys.ENTER)
        if not expect_error:
            wait_for(self.d, lambda: self.d.find_element(By.ID, "app-view").is_displayed(), "the console did not open after sign-in")

    def stream_state(self) -> str | None:
        return self.d.execute_script("return document.documentElement.dataset.stream || null")

    def tab(self, name: str) -> None:
        self.d.find_element(By.ID, f"tab-{name}").click()
        wait_for(self.d, lambda: self.d.find_element(By.ID, f"tab-{name}").get_attribute("aria-selected") == "true", f"tab {name}")

    def item(self, conversation_id: str):
        return self.d.find_element(By.CSS_SELECTOR, f'#list-items li[data-id="{conversation_id}"] .item')

    def has_item(self, conversation_id: str) -> bool:
        return bool(self.d.find_elements(By.CSS_SELECTOR, f'#list-items li[data-id="{conversation_id}"]'))

    def wait_item(self, conversation_id: str, timeout: float = WAIT) -> None:
        wait_for(self.d, lambda: self.has_item(conversation_id), f"conversation {conversation_id} never appeared in the list", timeout)

    def open(self, conversation_id: str) -> None:
        self.item(conversation_id).click()
        wait_for(self.d, lambda: self.d.find_element(By.ID, "conv").is_displayed()
                 and self.d.find_element(By.ID, "conv-loading").get_attribute("hidden") is not None
                 and len(self.thread()) > 0, "the conversation did not open")

    def badge(self) -> str:
        return self.d.find_element(By.ID, "conv-status").text

    def claim(self) -> None:
        self.d.find_element(By.ID, "claim").click()
        wait_for(self.d, lambda: self.badge() == "With you", "claim did not assign the chat")

    def thread(self) -> list[dict]:
        return self.d.execute_script(READ_THREAD, self.d.find_element(By.ID, "conv-log"))

    def texts(self, sender: str | None = None) -> list[str]:
        return [m["text"] for m in self.thread() if sender is None or m["sender"] == sender]

    def reply(self, text: str) -> None:
        box = self.d.find_element(By.ID, "reply")
        box.click()
        box.send_keys(text)
        box.send_keys(Keys.ENTER)
        self.wait_text(text, "agent")

    def wait_text(self, text: str, sender: str | None = None, status: str = "sent", timeout: float = WAIT) -> None:
        wait_for(self.d, lambda: any(m["text"] == text and (sender is None or m["sender"] == sender) and m["status"] == status
                                     for m in self.thread()),
                 f"console never showed {text!r} from {sender}; has {self.thread()!r}", timeout)

    def close_conversation(self) -> None:
        self.d.find_element(By.ID, "close-conv").click()
        dialog = self.d.find_element(By.ID, "close-dialog")
        wait_for(self.d, lambda: dialog.get_attribute("open") is not None, "no close confirmation")
        self.d.find_element(By.ID, "close-confirm").click()
        wait_for(self.d, lambda: self.badge() == "Closed", "the conversation did not close")


def settle(seconds: float) -> None:
    """A deliberate pause (e.g. to prove that something does NOT appear)."""
    time.sleep(seconds)
