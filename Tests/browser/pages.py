"""Page objects for the browser tests: the shopper (demo shop + embedded
widget on another origin), the agent console and its Settings area (admins).
They speak in user actions (open the chat, tap a quick reply, claim, reply,
add an FAQ, leave a message) and read what a person would see.

The tests share one stack, so who is online is shared too: a test about a
live chat calls `someone_online` first (the widget then offers "Talk to a
person"), one about the offline path `nobody_online` ("Leave a message")."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Callable

from axe_selenium_python import Axe
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

WAIT = 25  # seconds; with the stream down, updates come from polling every ~3 s

# The visible text of the messages in a thread (js/thread.js): sender side,
# text without the screen-reader prefix, and send status; and the files a message carries
# (js/attachments.js): an image's name (its alt text) and whether its preview has loaded, a
# file's name and what its chip says. A message of files alone has no bubble: its text is ''.
READ_THREAD = """
const log = arguments[0];
return [...log.children].filter(n => n.classList.contains('msg') || n.classList.contains('event')).map(n => {
  if (n.classList.contains('event')) return {kind: 'event', sender: 'system', text: n.querySelector('.event-text').textContent, status: 'sent', id: n.dataset.id, files: []};
  const bubble = n.querySelector('.bubble');
  const text = bubble ? [...bubble.childNodes].filter(c => !(c.classList && c.classList.contains('sr-only'))).map(c => c.textContent).join('') : '';
  const files = [...n.querySelectorAll('a[data-attachment-id]')].map(a => {
    const img = a.querySelector('img');
    return img ? {kind: 'image', name: img.alt, href: a.href, loaded: img.complete && img.naturalWidth > 0}
               : {kind: 'file', name: a.querySelector('.att-name').textContent, detail: a.querySelector('.att-meta').textContent.replace(/^, /, ''), href: a.href};
  });
  return {kind: 'msg', sender: n.dataset.sender, text, status: n.dataset.status, id: n.dataset.id, clientId: n.dataset.clientId,
          name: (n.querySelector('.who') || {}).textContent || null, files};
});
"""

# The files waiting to go with the next message (js/filetray.js): name, the words under it,
# the progress bar's value (None once there is none) and the name of its button.
READ_TRAY = """
return [...arguments[0].querySelectorAll('li.tray-item')].map(li => {
  const bar = li.querySelector('[role=progressbar]');
  return {name: li.querySelector('.tray-name').textContent, status: li.dataset.status,
          detail: li.querySelector('.tray-detail').textContent,
          progress: bar ? Number(bar.getAttribute('aria-valuenow')) : null,
          button: li.querySelector('button').getAttribute('aria-label')};
});
"""


# An agent that is only ever online through REST, never in a console: the seeded agents open
# consoles in many tests, and one whose consoles all closed goes offline after a grace period
# (SWITCHBOARD_PRESENCE_GRACE_SECONDS), whatever a test set before.
STANDBY = ("standby", "standby-browser-password-1")


def someone_online(stack) -> None:
    """Someone online with room for chats: the widget offers "Talk to a person". (Routing is
    manual in the tests, so the stand-by agent is never given the chats; the console claims them.)"""
    admin = stack.login("admin", stack.admin_password)
    if not any(a["username"] == STANDBY[0] for a in stack.agent_call("GET", "/api/v1/agent/agents", admin)["items"]):
        stack.agent_call("POST", "/api/v1/agent/register", admin, json={
            "username": STANDBY[0], "password": STANDBY[1], "display_name": "Stand-by Agent", "max_active_chats": 100})
    stack.agent_call("POST", "/api/v1/agent/presence", stack.login(*STANDBY), json={"presence": "online"})


def asking_for_a_person(stack, shop, text: str) -> str:
    """The shopper in the demo shop's widget writes and asks for a person; their conversation's id."""
    someone_online(stack)
    shop.visit().open().send(text)
    shop.wait_text(text, "customer")
    shop.talk_to_person()
    return shop.session()["conversationId"]


def nobody_online(stack) -> None:
    """Every agent offline: the widget offers "Leave a message". Agents created by other tests
    (whose passwords this does not know) go offline the admin's way: disabled, then enabled."""
    admin = stack.login("admin", stack.admin_password)
    known = {"admin": admin, "agent": stack.login()}
    for a in stack.agent_call("GET", "/api/v1/agent/agents", admin)["items"]:
        if a["presence"] != "online" or a["disabled"]:
            continue
        if a["username"] in known or a["username"] == STANDBY[0]:
            token = known.get(a["username"]) or stack.login(*STANDBY)
            stack.agent_call("POST", "/api/v1/agent/presence", token, json={"presence": "offline"})
        else:
            stack.agent_call("PATCH", f"/api/v1/admin/agents/{a['id']}", admin, json={"disabled": True})
            stack.agent_call("PATCH", f"/api/v1/admin/agents/{a['id']}", admin, json={"disabled": False})


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

    def visit(self, url: str | None = None, launcher: bool = True) -> "Shopper":
        """Loads the shop page; waits for the launcher (or, with launcher=False, for the
        settings to have arrived: a shop closed with hide_when_closed draws none)."""
        self.leave_frame()
        self.d.get(url or self.stack.shop_url)
        wait_for(self.d, lambda: self.d.execute_script("return document.documentElement.dataset.switchboardState"),
                 "the widget loader did not run on the shop page")
        wait_for(self.d, lambda: self.d.execute_script("return !!window.Switchboard"), "window.Switchboard missing")
        if launcher:
            # The launcher shows once the shop's settings (colour, corner) arrived from the iframe.
            wait_for(self.d, lambda: self.launcher().is_displayed(), "the launcher never showed")
        else:
            wait_for(self.d, lambda: self.launcher_state(), "the shop's settings never arrived")
        return self

    def launcher_state(self) -> str | None:
        """"shown" or "hidden" (hide_when_closed) once the shop's settings arrived; None before."""
        self.leave_frame()
        return self.d.execute_script("return document.documentElement.dataset.switchboardLauncher || null")

    def host_root(self):
        return self.d.find_element(By.CSS_SELECTOR, "[data-switchboard]").shadow_root

    def launcher(self):
        return self.host_root().find_element(By.CSS_SELECTOR, ".sb-launcher")

    def launcher_color(self) -> str:
        self.leave_frame()
        return self.launcher().value_of_css_property("background-color")

    def greeting(self) -> str | None:
        """The greeting bubble beside the launcher, or None when it is not shown."""
        self.leave_frame()
        bubble = self.host_root().find_element(By.CSS_SELECTOR, ".sb-greet")
        return bubble.find_element(By.CSS_SELECTOR, ".sb-greet-text").text if bubble.is_displayed() else None

    def dismiss_greeting(self) -> None:
        self.leave_frame()
        self.host_root().find_element(By.CSS_SELECTOR, ".sb-greet-close").click()

    def quick_replies(self) -> list[str]:
        self.enter_frame()
        return [c.text for c in self.d.find_elements(By.CSS_SELECTOR, "#chips .chip")]

    def more_questions(self) -> None:
        """After the first question the quick questions fold into "More questions": opens them
        (nothing to do while they show)."""
        self.enter_frame()
        more = self.d.find_element(By.ID, "more")
        if more.is_displayed():
            more.click()
        wait_for(self.d, lambda: self.d.find_element(By.ID, "chips").is_displayed(), "the quick questions did not open")

    def tap_quick_reply_named(self, question: str) -> None:
        self.enter_frame()
        self.more_questions()
        wait_for(self.d, lambda: question in self.quick_replies(), f"no quick reply {question!r}: {self.quick_replies()!r}")
        next(c for c in self.d.find_elements(By.CSS_SELECTOR, "#chips .chip") if c.text == question).click()

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

    def message(self, text: str):
        """The element of the (last) message that says `text`."""
        self.enter_frame()
        return [el for el in self.d.find_elements(By.CSS_SELECTOR, "#log .msg") if text in el.get_attribute("textContent")][-1]

    def shot(self, name: str, shows: str | Callable[[], WebElement], text: str | None = None) -> None:
        """A screenshot of the shop page with the chat open (pages.shot): nothing moves on the
        page or in the chat, axe-core finds nothing on the shop page nor in the chat, and
        `shows` (a CSS selector inside the chat, or a function finding the element there) is
        on screen with `text`. (For something on the shop page itself, use `shot` directly.)"""
        self.leave_frame()
        wait_still(self.d)
        problems = audit(self.d, f"{name}: the shop page", {"exclude": [["iframe"]]})
        assert not problems, "axe-core found:\n" + "\n".join(problems)
        self.enter_frame()
        shot(self.d, name, shows if isinstance(shows, str) else shows(), text)

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
        self.more_questions()
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

    # -- files (js/filetray.js, js/attachments.js) ------------------------------------------

    def attach(self, *paths: str) -> None:
        """Chooses files as the paperclip's file picker would (the picker itself is the OS's)."""
        self.enter_frame()
        assert self.d.find_element(By.ID, "attach").is_displayed(), "no paperclip in the widget"
        self.d.find_element(By.ID, "attach-input").send_keys("\n".join(paths))

    def tray(self) -> list[dict]:
        self.enter_frame()
        return self.d.execute_script(READ_TRAY, self.d.find_element(By.ID, "tray"))

    def wait_tray(self, condition: Callable[[list[dict]], bool], what: str, timeout: float = WAIT) -> list[dict]:
        wait_for(self.d, lambda: condition(self.tray()), f"the widget's files never were {what}: {self.tray()!r}", timeout)
        return self.tray()

    def press_send(self) -> None:
        """The send button (what goes: the words typed and the files that are ready)."""
        self.enter_frame()
        button = self.d.find_element(By.ID, "send")
        wait_for(self.d, lambda: button.is_enabled(), "the send button stayed disabled")
        button.click()

    def talk_label(self) -> str:
        """The button under the quick replies: "Talk to a person" or "Leave a message"."""
        self.enter_frame()
        return self.d.find_element(By.ID, "talk-label").get_attribute("textContent")

    def talk_hint(self) -> str | None:
        """The line under it (the typical reply time, or why nobody can talk now), or None."""
        self.enter_frame()
        hint = self.d.find_element(By.ID, "talk-hint")
        return hint.get_attribute("textContent") if hint.is_displayed() else None

    def talk_to_person(self) -> None:
        self.enter_frame()
        wait_for(self.d, lambda: self.talk_label() == "Talk to a person",
                 f"the widget offers {self.talk_label()!r}, not 'Talk to a person': is anyone online (someone_online)?")
        self.d.find_element(By.ID, "talk").click()
        wait_for(self.d, lambda: "Waiting for the next available person" in self.status_line(), "not queued after Talk to a person")

    def fill(self, field_id: str, value: str) -> None:
        self.enter_frame()
        box = self.d.find_element(By.ID, field_id)
        box.clear()
        if value:
            box.send_keys(value)

    def open_leave_form(self) -> None:
        """Presses "Leave a message" and waits for its form."""
        self.enter_frame()
        wait_for(self.d, lambda: self.talk_label() == "Leave a message", f"the widget offers {self.talk_label()!r}")
        self.d.find_element(By.ID, "talk").click()
        wait_for(self.d, lambda: self.d.find_element(By.ID, "leave").is_displayed(), "no Leave a message form")

    def send_leave_form(self, email: str | None = None, message: str | None = None, name: str | None = None) -> str:
        """Fills what is given and sends the form; returns the confirmation, or the errors shown."""
        self.enter_frame()
        for field, value in (("leave-email", email), ("leave-name", name), ("leave-message", message)):
            if value is not None:
                self.fill(field, value)
        self.d.find_element(By.ID, "leave-send").click()
        errors = "#leave .field-error:not([hidden]), #leave .form-error:not([hidden])"
        wait_for(self.d, lambda: self.d.find_element(By.ID, "filed").is_displayed() or self.d.find_elements(By.CSS_SELECTOR, errors),
                 "the form neither sent nor complained")
        if self.d.find_element(By.ID, "filed").is_displayed():
            return self.d.find_element(By.ID, "filed-text").text
        return " | ".join(e.text for e in self.d.find_elements(By.CSS_SELECTOR, errors))

    def leave_message(self, email: str, message: str, name: str | None = None) -> str:
        """The whole offline path: "Leave a message", the form, the confirmation (returned)."""
        self.open_leave_form()
        text = self.send_leave_form(email, message, name)
        assert self.d.find_element(By.ID, "filed").is_displayed(), f"not filed: {text}"
        return text


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

    def watch_stream(self) -> None:
        """Starts recording every change of the stream's state (live.js sets data-stream), so a
        test can see a reconnection however quick it was."""
        self.d.execute_script("""
          window.__streamStates = [];
          window.__streamWatch?.disconnect();
          window.__streamWatch = new MutationObserver(() => window.__streamStates.push(document.documentElement.dataset.stream));
          window.__streamWatch.observe(document.documentElement, {attributes: true, attributeFilter: ['data-stream']});""")

    def wait_reconnected(self, timeout: float = WAIT) -> None:
        """Waits until the stream, since `watch_stream`, left "open" and is open again."""
        states = lambda: self.d.execute_script("return window.__streamStates")  # noqa: E731
        wait_for(self.d, lambda: any(s != "open" for s in states()) and states()[-1] == "open",
                 f"the stream did not reconnect: {states()!r}", timeout)

    def signed_in(self) -> bool:
        return self.d.find_element(By.ID, "app-view").is_displayed()

    def wait_signed_out(self, timeout: float = WAIT) -> str:
        """Waits for the sign-in form and returns the message on it."""
        wait_for(self.d, lambda: self.d.find_element(By.ID, "login-view").is_displayed(), "the console was not signed out", timeout)
        return self.d.find_element(By.ID, "login-error").text

    def toast_text(self) -> str:
        return self.d.find_element(By.ID, "toasts").text

    def change_password(self, current: str, new: str) -> str | None:
        """Fills "Change my password"; returns the error shown, or None when the dialog closed."""
        d = self.d
        dialog = d.find_element(By.ID, "password-dialog")
        if dialog.get_attribute("open") is None:
            d.find_element(By.ID, "change-password").click()
            wait_for(d, lambda: dialog.get_attribute("open") is not None, "no password dialog")
        for field, value in (("password-current", current), ("password-new", new)):
            box = d.find_element(By.ID, field)
            box.clear()
            box.send_keys(value)
        d.find_element(By.ID, "password-submit").click()
        error = d.find_element(By.ID, "password-error")
        wait_for(d, lambda: dialog.get_attribute("open") is None or error.is_displayed(), "no answer to the password change")
        return None if dialog.get_attribute("open") is None else error.text

    def settings(self, section: str = "faqs") -> "Settings":
        """Opens Settings from the top bar, then `section` from its menu."""
        d = self.d
        if not d.find_element(By.ID, "settings-view").is_displayed():
            d.find_element(By.ID, "open-settings").click()
            wait_for(d, lambda: d.find_element(By.ID, "settings-view").is_displayed(), "Settings did not open")
        d.find_element(By.CSS_SELECTOR, f'.settings-nav a[data-section="{section}"]').click()
        wait_for(d, lambda: d.find_element(By.ID, f"section-{section}").is_displayed(), f"no {section} section")
        return Settings(d)

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

    def message(self, text: str):
        """The element of the (last) message in the open conversation that says `text`."""
        return [el for el in self.d.find_elements(By.CSS_SELECTOR, "#conv-log .msg") if text in el.get_attribute("textContent")][-1]

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

    def attach(self, *paths: str) -> None:
        """Chooses files for the reply as the paperclip's file picker would."""
        assert self.d.find_element(By.ID, "reply-attach").is_displayed(), "no paperclip in the reply box"
        self.d.find_element(By.ID, "reply-attach-input").send_keys("\n".join(paths))

    def tray(self) -> list[dict]:
        return self.d.execute_script(READ_TRAY, self.d.find_element(By.ID, "reply-tray"))

    def close_conversation(self) -> None:
        self.d.find_element(By.ID, "close-conv").click()
        dialog = self.d.find_element(By.ID, "close-dialog")
        wait_for(self.d, lambda: dialog.get_attribute("open") is not None, "no close confirmation")
        self.d.find_element(By.ID, "close-confirm").click()
        wait_for(self.d, lambda: self.badge() == "Closed", "the conversation did not close")


class Settings:
    """The console's Settings area (admins): FAQs, bot texts, appearance, team."""

    def __init__(self, driver: WebDriver) -> None:
        self.d = driver

    def _fill(self, field_id: str, value: str) -> None:
        box = self.d.find_element(By.ID, field_id)
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(Keys.DELETE)
        if value:
            box.send_keys(value)

    # -- FAQs ----------------------------------------------------------------------------

    def wait_faqs(self) -> None:
        wait_for(self.d, lambda: self.d.find_elements(By.CSS_SELECTOR, "#faq-list li"), "the FAQ list did not load")

    def faq_questions(self) -> list[str]:
        # One read in the page: the list is redrawn after every change.
        return self.d.execute_script("return [...document.querySelectorAll('#faq-list .faq-q')].map((e) => e.textContent)")

    def faq(self, question: str):
        return next(li for li in self.d.find_elements(By.CSS_SELECTOR, "#faq-list li")
                    if li.find_element(By.CSS_SELECTOR, ".faq-q").text == question)

    def preview_chips(self) -> list[str]:
        return self.d.execute_script(
            "return [...document.querySelectorAll('#qr-preview .mock-chip')].map((e) => e.firstChild.textContent)")

    def open_new_faq(self) -> None:
        self.d.find_element(By.ID, "faq-new").click()
        wait_for(self.d, lambda: self.d.find_element(By.ID, "faq-form").is_displayed(), "no FAQ form")

    def fill_faq(self, question: str | None = None, answer: str | None = None, keywords: str | None = None,
                 slug: str | None = None) -> None:
        """Fills the FAQ form; the slug is the "Link name" under "More options" (opened for it)."""
        if slug is not None:
            more = self.d.find_element(By.ID, "faq-more")
            if more.get_attribute("open") is None:
                more.find_element(By.CSS_SELECTOR, "summary").click()
                wait_for(self.d, lambda: self.d.find_element(By.ID, "faq-slug").is_displayed(), "More options did not open")
        for field, value in (("faq-question", question), ("faq-answer", answer), ("faq-keywords", keywords), ("faq-slug", slug)):
            if value is not None:
                self._fill(field, value)

    def save_faq(self) -> str | None:
        """Saves the form; returns the error shown next to it, or None when it saved (the form closed)."""
        d = self.d
        d.find_element(By.ID, "faq-save").click()
        form = d.find_element(By.ID, "faq-form")
        error = d.find_element(By.ID, "faq-error")
        wait_for(d, lambda: not form.is_displayed() or error.is_displayed(), "the FAQ form neither saved nor complained")
        return error.text if form.is_displayed() else None

    def faq_action(self, question: str, action: str) -> None:
        """Presses a button of one FAQ: move-up, move-down, edit, toggle or delete."""
        self.faq(question).find_element(By.CSS_SELECTOR, f'[data-action="{action}"]').click()

    def confirm(self) -> None:
        dialog = self.d.find_element(By.ID, "confirm-dialog")
        wait_for(self.d, lambda: dialog.get_attribute("open") is not None, "no confirmation")
        self.d.find_element(By.ID, "confirm-ok").click()
        wait_for(self.d, lambda: dialog.get_attribute("open") is None, "the confirmation stayed open")

    # -- appearance ----------------------------------------------------------------------

    def wait_appearance(self) -> None:
        wait_for(self.d, lambda: self.d.find_element(By.ID, "look-color").get_attribute("value"), "the appearance did not load")

    def set_appearance(self, color: str | None = None, greeting: str | None = None, title: str | None = None) -> None:
        self.wait_appearance()
        for field, value in (("look-color", color), ("look-greeting", greeting), ("look-title-input", title)):
            if value is not None:
                self._fill(field, value)

    def preview_header_color(self) -> str:
        return self.d.find_element(By.CSS_SELECTOR, "#look-preview .mock-head").value_of_css_property("background-color")

    def save_appearance(self) -> None:
        self.d.find_element(By.ID, "look-save").click()
        wait_for(self.d, lambda: "Appearance saved" in self.d.find_element(By.ID, "toasts").text, "no confirmation of the save")

    # -- team ----------------------------------------------------------------------------

    def agent_card(self, username: str):
        wait_for(self.d, lambda: self.d.find_elements(By.CSS_SELECTOR, f'#team-list li[data-username="{username}"]'),
                 f"{username} is not in the team list")
        return self.d.find_element(By.CSS_SELECTOR, f'#team-list li[data-username="{username}"]')

    def agent_action(self, username: str, action: str) -> None:
        """Presses a button of one agent's card: edit, reset or toggle (disable/enable)."""
        self.agent_card(username).find_element(By.CSS_SELECTOR, f'[data-action="{action}"]').click()

    # -- integrations: webhooks and API keys -------------------------------------------

    def webhook(self, url: str):
        """The list item of the endpoint whose address is `url` (waits for it)."""
        def find():
            return next((li for li in self.d.find_elements(By.CSS_SELECTOR, "#webhook-list li.webhook")
                         if li.find_element(By.CSS_SELECTOR, ".webhook-url").text == url), None)
        return wait_for(self.d, find, f"no endpoint {url} in the list")

    def webhook_health(self, url: str) -> str:
        """The word the endpoint's health badge says (New, Healthy, Failing, Disabled)."""
        return self.webhook(url).find_element(By.CSS_SELECTOR, ".badge.health").text

    def wait_webhook_health(self, url: str, word: str) -> None:
        """Waits until the list (read again every few seconds) says `word` for the endpoint."""
        wait_for(self.d, lambda: self.webhook_health(url) == word,
                 f"{url} never showed {word!r} (shows {self.webhook_health(url)!r})")

    def webhook_action(self, url: str, action: str) -> None:
        """Presses a button of one endpoint: log, test, edit, rotate or delete."""
        self.webhook(url).find_element(By.CSS_SELECTOR, f'.webhook-actions [data-action="{action}"]').click()

    def open_delivery_log(self, url: str):
        """Opens the endpoint's delivery log and waits for its first row; returns the log."""
        self.webhook_action(url, "log")
        log = self.webhook(url).find_element(By.CSS_SELECTOR, ".delivery-log")
        wait_for(self.d, lambda: log.find_elements(By.CSS_SELECTOR, "li.delivery"), f"the delivery log of {url} stayed empty")
        return log

    def deliveries(self, url: str) -> list[dict]:
        """The rows of the endpoint's open log: state, event type and the facts by term."""
        return self.d.execute_script("""
          return [...arguments[0].querySelectorAll('li.delivery')].map((li) => ({
            id: li.dataset.id, state: li.dataset.state, label: li.querySelector('.badge.health').textContent,
            event: li.querySelector('.delivery-event code').textContent,
            facts: Object.fromEntries([...li.querySelectorAll('.delivery-facts > li')].map(
              (f) => [f.querySelector('.fact-term').textContent, f.querySelector('.fact-value').textContent])),
          }));""", self.webhook(url).find_element(By.CSS_SELECTOR, ".delivery-log"))

    def create_api_key(self, name: str, role: str = "agent") -> str:
        """Creates an API key in the form; returns the key shown once."""
        self._fill("apikey-name", name)
        self.d.find_element(By.CSS_SELECTOR, f'#apikey-role option[value="{role}"]').click()
        self.d.find_element(By.ID, "apikey-create").click()
        box = self.d.find_element(By.ID, "apikey-created")
        wait_for(self.d, lambda: box.is_displayed() or self.d.find_element(By.ID, "apikey-form-error").is_displayed()
                 or self.d.find_element(By.ID, "apikey-name-error").is_displayed(), "the key was neither shown nor refused")
        assert box.is_displayed(), self.d.find_element(By.ID, "apikey-form-error").text or self.d.find_element(By.ID, "apikey-name-error").text
        return self.d.find_element(By.ID, "apikey-created-value").get_attribute("value")

    def api_key(self, name: str):
        """The list item of the key called `name` (waits for it)."""
        def find():
            return next((li for li in self.d.find_elements(By.CSS_SELECTOR, "#apikey-list li.apikey")
                         if li.find_element(By.CSS_SELECTOR, ".apikey-name span").text == name), None)
        return wait_for(self.d, find, f"no API key {name} in the list")


# -- screenshots and accessibility ------------------------------------------------------------

SCREENSHOTS = Path(__file__).resolve().parents[2] / "Tests" / "artifacts" / "screenshots"

# axe-core 3.1 (bundled with axe-selenium-python) knows these tags; unknown ones make it fail.
AXE_TAGS = ["wcag2a", "wcag2aa", "best-practice"]
# axe's colour checks scroll the elements they look at into view (the shop page ends up at its
# footer): every scroll position of the document is put back afterwards, so that a screenshot
# taken after the audit shows what was checked to be on screen.
RUN_AXE = """
const [context, options, done] = arguments;
const kept = [document.scrollingElement, ...document.querySelectorAll('*')]
  .filter((e) => e && (e.scrollTop || e.scrollLeft || e.scrollHeight > e.clientHeight || e.scrollWidth > e.clientWidth))
  .map((e) => [e, e.scrollTop, e.scrollLeft]);
const restore = () => kept.forEach(([e, top, left]) => e.scrollTo({top, left, behavior: 'instant'}));
axe.run(context || document, options).then((r) => { restore(); done({violations: r.violations}); },
                                           (e) => { restore(); done({error: String(e)}); });
"""


def audit(driver: WebDriver, where: str, context=None) -> list[str]:
    """axe-core's violations on the current document (or `context` in it), as readable lines."""
    Axe(driver).inject()
    results = driver.execute_async_script(RUN_AXE, context, {"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert "error" not in results, f"{where}: axe failed: {results['error']}"
    problems = []
    for v in results["violations"]:
        nodes = [n for n in v["nodes"] if not (v["id"] == "color-contrast" and contrast_ok_after_all(driver, n))]
        if nodes:
            problems.append(f"{where}: {v['id']} ({v['impact']}): {v['help']} — " + "; ".join(" ".join(n["target"]) for n in nodes[:6]))
    return problems


RUN_AXE_INCOMPLETE = RUN_AXE.replace("done({violations: r.violations})", "done({incomplete: r.incomplete})")


def needs_review(driver: WebDriver, rule: str = "color-contrast") -> list[str]:
    """What axe-core could not decide for `rule` on the current document ("needs review",
    its `incomplete` results), as readable lines (the target and axe's reason)."""
    Axe(driver).inject()
    results = driver.execute_async_script(RUN_AXE_INCOMPLETE, None, {"runOnly": {"type": "rule", "values": [rule]}})
    assert "error" not in results, f"axe failed: {results['error']}"
    return [f"{' '.join(n['target'])}: {(n.get('any') or [{}])[0].get('message', '')} — {n['html'][:100]}"
            for v in results["incomplete"] for n in v["nodes"]]


# axe-core's colour checks it could not decide ("needs review"), with what it measured.
RUN_AXE_CONTRAST_REVIEW = """
const [done] = arguments;
axe.run(document, {runOnly: {type: 'rule', values: ['color-contrast']}}).then(
  (r) => done(r.incomplete.flatMap((i) => i.nodes.map((n) => ({target: n.target, html: n.html.slice(0, 160),
    data: (n.any.find((a) => a.id === 'color-contrast') || {}).data || {}})))),
  (e) => done({error: String(e)}));
"""


def contrast_to_review(driver: WebDriver) -> list[str]:
    """The elements whose colour contrast axe-core left for review (its `incomplete` results)
    and measured under its threshold: each one a person would read at less than 4.5:1 (or
    3:1 for large text). Those it could not measure at all (text hidden for screen readers,
    no background found) are not listed: nobody sees them."""
    Axe(driver).inject()
    nodes = driver.execute_async_script(RUN_AXE_CONTRAST_REVIEW)
    assert "error" not in nodes, nodes
    low = []
    for n in nodes:
        ratio, expected = n["data"].get("contrastRatio") or 0, str(n["data"].get("expectedContrastRatio", "4.5:1"))
        if ratio and ratio < float(expected.split(":")[0]):
            low.append(f"{' '.join(n['target'])}: {ratio}:1 ({n['data'].get('fgColor')} on {n['data'].get('bgColor')}) — {n['html']}")
    return low


# The element's text colour as sRGB bytes, read back from a canvas (which parses every CSS colour).
TEXT_RGBA = """
const el = document.querySelector(arguments[0]);
if (!el) return null;
const ctx = document.createElement('canvas').getContext('2d', {willReadFrequently: true});
ctx.fillStyle = getComputedStyle(el).color;
ctx.fillRect(0, 0, 1, 1);
return [...ctx.getImageData(0, 0, 1, 1).data];
"""


def contrast_ok_after_all(driver: WebDriver, node: dict) -> bool:
    """axe-core 3.1 cannot parse colours such as `color-mix()` (the dark theme's accent ink
    computes to `color(srgb …)`): it reports their contrast as NaN, a violation. For such a
    node the ratio is worked out here instead, from the colour the browser computed and the
    background axe found, against axe's own threshold. Anything else stays a violation."""
    data = next((c.get("data") for c in node.get("any", []) if c.get("id") == "color-contrast"), None) or {}
    fg, bg, target = str(data.get("fgColor", "")), str(data.get("bgColor", "")), node.get("target", [])
    if "NaN" not in fg or "NaN" in bg or not bg.startswith("#") or len(target) != 1 or not isinstance(target[0], str):
        return False
    rgba = driver.execute_script(TEXT_RGBA, target[0])
    if not rgba:
        return False
    back = [int(bg[i:i + 2], 16) for i in (1, 3, 5)]
    alpha = rgba[3] / 255
    front = [c * alpha + b * (1 - alpha) for c, b in zip(rgba[:3], back)]

    def luminance(rgb):
        lin = [(c / 255 / 12.92) if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    light, darker = sorted((luminance(front), luminance(back)), reverse=True)
    return (light + 0.05) / (darker + 0.05) >= float(str(data.get("expectedContrastRatio", "4.5:1")).split(":")[0])


# Finite animations and transitions still running in this document and in every frame in it
# (open shadow roots included: the widget's frame sits in one). getAnimations() brings the
# style up to date first, so a transition that a change has just triggered counts.
MOVING = """
return document.getAnimations().filter((a) => a.playState === 'running'
  && Number.isFinite(a.effect?.getComputedTiming().endTime)).length
  + (document.fonts.status === 'loaded' ? 0 : 1);
"""
FRAMES = """
const frames = [];
const walk = (root) => root.querySelectorAll('*').forEach((el) => {
  if (el.tagName === 'IFRAME') frames.push(el);
  if (el.shadowRoot) walk(el.shadowRoot);
});
walk(document);
return frames;
"""


def moving(driver: WebDriver) -> int:
    """How many finite animations run in the current document and the frames inside it."""
    count = driver.execute_script(MOVING)
    for frame in driver.execute_script(FRAMES):
        if not frame.is_displayed():
            continue
        driver.switch_to.frame(frame)
        try:
            count += moving(driver)
        finally:
            driver.switch_to.parent_frame()
    return count


def wait_still(driver: WebDriver, timeout: float = 10) -> None:
    """Waits until no transition or finite animation runs (and the fonts are in), here and in
    the frames inside: what a screenshot or axe's colour check reads is the final look.
    (Endless ones, a spinner or the typing dots, never end and are not waited for.)"""
    wait_for(driver, lambda: moving(driver) == 0, "still animating", timeout)


# Whether `el` is where a person sees it: laid out, inside the viewport, and the topmost element
# at the centre of its visible part (not covered, not scrolled away inside a scroller). Hit
# testing cannot see an element that takes no pointer events (the unread badge on the
# launcher): for one of those only the viewport is checked.
ON_SCREEN = """
const el = arguments[0];
const r = el.getBoundingClientRect();
const left = Math.max(r.left, 0), right = Math.min(r.right, innerWidth);
const top = Math.max(r.top, 0), bottom = Math.min(r.bottom, innerHeight);
if (r.width === 0 || r.height === 0 || right <= left || bottom <= top) return `outside the viewport: ${JSON.stringify(r)}`;
if (getComputedStyle(el).pointerEvents === 'none') return null;
const hit = el.getRootNode().elementFromPoint((left + right) / 2, (top + bottom) / 2);
return hit && (el === hit || el.contains(hit)) ? null : `covered by ${hit ? hit.outerHTML.slice(0, 120) : 'nothing'}`;
"""


def on_screen(driver: WebDriver, element: WebElement) -> str | None:
    """None when `element` is visible on screen; else why not."""
    if not element.is_displayed():
        return "not displayed"
    return driver.execute_script(ON_SCREEN, element)


def shot(driver: WebDriver, name: str, shows: str | WebElement | None = None, text: str | None = None,
         axe_context=None) -> None:
    """Saves Tests/artifacts/screenshots/<name>.png once nothing moves any more, after checking
    what it is a picture of: `shows` (a CSS selector in the current document, or an element)
    is on screen, `text` (when given) is in it, and axe-core finds nothing in the current
    document (or in `axe_context`). The picture is of the whole window, whichever frame the
    driver is in. (Without `shows` only the picture is taken: give it.)"""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wait_still(driver)
    if shows is not None:
        element = driver.find_element(By.CSS_SELECTOR, shows) if isinstance(shows, str) else shows
        wait_for(driver, lambda: on_screen(driver, element) is None,
                 f"{name}: {shows!r} is not on screen ({on_screen(driver, element)})", timeout=5)
        if text is not None:
            assert text in element.get_attribute("textContent"), f"{name}: {text!r} not in {element.get_attribute('textContent')!r}"
        problems = audit(driver, name, axe_context)
        assert not problems, "axe-core found:\n" + "\n".join(problems)
    path = SCREENSHOTS / f"{name}.png"
    assert driver.save_screenshot(str(path)), path
    assert path.stat().st_size > 10_000, f"{path} looks empty"


def dark(driver: WebDriver, on: bool) -> None:
    """Emulates the dark (or light) colour scheme; waits for the colour transitions to end (axe reads the final ones)."""
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                           {"features": [{"name": "prefers-color-scheme", "value": "dark" if on else "light"}]})
    wait_still(driver)
