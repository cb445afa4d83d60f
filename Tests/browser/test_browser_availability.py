"""The widget follows availability: "Talk to a person" while someone is there
(with the typical reply time in words), "Leave a message" (a form that files
the chat in the queue as an offline message) while nobody is, no launcher at
all outside the opening hours when the shop says so, and the pre-chat form.
An escalation while nobody is there always succeeds (the chat waits in the
queue marked offline); without an e-mail the form then asks for one. The
form's message is in the chat before the address, so the shop's one e-mail
about it carries the message.
Screenshots of each state, and axe-core on each new view.

The stack is shared with the other browser tests: each test sets who is
online and the settings it needs, and puts the settings back."""

from __future__ import annotations

import contextlib
import email
import email.policy
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from selenium.webdriver.common.by import By

from conftest import ARTIFACTS, BrowserStack, resize
from pages import audit, dark, nobody_online, Shopper, someone_online, wait_for
from stackproc import free_port

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]  # Python's weekday() order


@contextlib.contextmanager
def availability_settings(stack, **changes):
    """PATCHes settings.availability as the admin; puts the old values back afterwards."""
    token = stack.login("admin", stack.admin_password)
    before = stack.agent_call("GET", "/api/v1/admin/settings", token)["availability"]
    stack.agent_call("PATCH", "/api/v1/admin/settings", token, json={"availability": changes})
    try:
        yield
    finally:
        stack.agent_call("PATCH", "/api/v1/admin/settings", token, json={"availability": before})


def closed_now(zone: str = "America/New_York") -> dict:
    """Opening hours that exclude now: one day, three days from today (in `zone`)."""
    day = DAYS[(datetime.now(ZoneInfo(zone)).weekday() + 3) % 7]
    return {"timezone": zone, "hours": {day: [["09:00", "17:00"]]}, "closed_dates": []}


def widget_availability(stack) -> dict:
    r = stack.http.get(stack.url("/api/v1/customer/widget-config"), timeout=15)
    assert r.status_code == 200, r.text
    return r.json()["availability"]


def queued(stack, conversation_id: str) -> dict:
    token = stack.login()
    items = stack.agent_call("GET", "/api/v1/agent/queue?limit=200", token)["items"]
    found = [c for c in items if c["id"] == conversation_id]
    assert found, f"{conversation_id} is not in the queue"
    return found[0]


def shown(d, element_id: str) -> bool:
    return d.find_element(By.ID, element_id).is_displayed()


def test_nobody_online_leave_a_message_files_an_offline_chat(stack, shopper):
    nobody_online(stack)
    email_enabled = widget_availability(stack).get("email_enabled", False)
    shop = shopper(1280, 800).visit()
    shop.open()
    d = shop.d
    assert shop.talk_label() == "Leave a message"
    assert shop.talk_hint() == "Nobody's available right now."
    assert shop.status_line() == "We're away right now"
    shop.shot("widget-away-wide", "#talk", "Leave a message")
    # The bot still answers meanwhile.
    shop.tap_quick_reply_named("What is your return policy?")
    wait_for(d, lambda: len(shop.texts("bot")) >= 2, "the bot did not answer while nobody is online")

    shop.open_leave_form()
    assert not shown(d, "form"), "the message box stays beside the form"
    assert not shown(d, "actions")
    labels = {el.get_attribute("for"): el.text for el in d.find_elements(By.CSS_SELECTOR, "#leave label")}
    assert labels == {"leave-email": "Your e-mail", "leave-name": "Your name (optional)", "leave-message": "Your message"}
    intro = d.find_element(By.ID, "leave-intro").text
    assert intro and ("e-mail" in intro.lower()) == email_enabled, intro

    # Refused in plain words; what was typed stays.
    message = "My order NW-5120 arrived with a torn strap. Can you send a new one?"
    errors = shop.send_leave_form(email="", message="", name="Jamie Rivera")
    assert "Enter your e-mail address" in errors and "Write your message" in errors, errors
    assert d.switch_to.active_element.get_attribute("id") == "leave-email"
    errors = shop.send_leave_form(email="jamie@", message=message)
    assert errors == "That e-mail address doesn't look right — please check it.", errors
    assert d.find_element(By.ID, "leave-email").get_attribute("aria-invalid") == "true"
    assert d.find_element(By.ID, "leave-message").get_attribute("value") == message
    assert d.find_element(By.ID, "leave-name").get_attribute("value") == "Jamie Rivera"
    shop.fill("leave-email", "jamie@example.com")
    shop.shot("widget-away-form-wide", "#leave", "Leave a message")
    problems = audit(d, "widget: Leave a message form")
    dark(d, True)
    problems += audit(d, "widget: Leave a message form, dark")
    shop.shot("widget-away-form-wide-dark", "#leave", "Leave a message")
    dark(d, False)
    shop.enter_frame()

    # A failure on the way (the chat is queued with the message, the address is not stored)
    # keeps the form and says so.
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/contact"]})
    errors = shop.send_leave_form()
    assert errors.startswith("Your message is here, but we couldn't save your e-mail address. No connection"), errors
    assert d.find_element(By.ID, "leave-message").get_attribute("value") == message
    assert shown(d, "leave") and not shown(d, "filed")
    assert shop.status_line() == "We're away right now"
    item = queued(stack, shop.session()["conversationId"])
    assert item["offline"] is True and item["customer"]["email"] is None, item
    d.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})

    confirmation = shop.send_leave_form()
    assert shown(d, "filed")
    assert confirmation.startswith("Thanks, Jamie Rivera."), confirmation
    assert "jamie@example.com" in confirmation
    assert ("answer by e-mail" in confirmation) == email_enabled, confirmation
    shop.wait_text(message, "customer")
    thread = shop.thread()
    at = [m["text"] for m in thread].index(message)
    assert at == len(thread) - 2 and thread[-1]["sender"] == "system", f"the message and then the queue's answer: {thread}"
    assert shown(d, "form"), "the message box is back after sending"
    assert not shown(d, "transcript-open"), "a transcript by e-mail is offered by a shop that sends no e-mail"
    problems += audit(d, "widget: offline message filed")
    assert not problems, "axe-core found:\n" + "\n".join(problems)

    # In the queue as an offline message, with the shopper's contact.
    conversation_id = shop.session()["conversationId"]
    item = queued(stack, conversation_id)
    assert item["customer"]["email"] == "jamie@example.com"
    assert item["customer"]["display_name"] == "Jamie Rivera"
    assert item["customer"]["source"] == "offline"
    assert item["offline"] is True
    token = stack.login()
    texts = [m["content"] for m in stack.agent_call("GET", f"/api/v1/agent/conversations/{conversation_id}/messages", token)["messages"]]
    assert texts.count(message) == 1, "the retry sent the message twice"

    # A reload shows the same confirmation; on a phone, light and dark.
    shop.visit()
    resize(d, 375, 700)
    shop.open()
    wait_for(d, lambda: shown(d, "filed"), "the confirmation did not survive a reload")
    assert shop.status_line() == ("We'll answer by e-mail" if email_enabled else "We'll answer here as soon as we can")
    shop.shot("widget-away-narrow", "#filed", confirmation)
    dark(d, True)
    shop.shot("widget-away-narrow-dark", "#filed", confirmation)


def test_availability_changing_reaches_the_open_widget_live(stack, shopper):
    """Someone online when the shopper opened the chat, then nobody: the widget hears it on
    its stream (availability.changed) and offers the leave-a-message form within seconds,
    without a reload or the minute's re-read; the form then files the message."""
    someone_online(stack)
    shop = shopper().visit()
    d = shop.d
    d.execute_script("Switchboard.identify({name: 'Robin Example'})")  # signed in, but no e-mail known
    shop.open()
    assert shop.talk_label() == "Talk to a person"
    nobody_online(stack)
    wait_for(d, lambda: shop.talk_label() == "Leave a message", "the open widget still offers a person nobody is there to be",
             timeout=5)
    assert shop.status_line() == "We're away right now"
    d.find_element(By.ID, "talk").click()
    wait_for(d, lambda: shown(d, "leave"), "Leave a message did not open the form")
    assert d.find_element(By.ID, "leave-name").get_attribute("value") == "Robin Example"
    assert d.find_element(By.ID, "leave-email").get_attribute("value") == ""
    conversation_id = shop.session()["conversationId"]
    message = "Is the Ridgeline pack waterproof?"
    confirmation = shop.send_leave_form("robin@example.com", message)
    assert confirmation.startswith("Thanks, Robin Example.") and "robin@example.com" in confirmation, confirmation
    item = queued(stack, conversation_id)
    assert item["offline"] is True
    assert item["customer"]["email"] == "robin@example.com" and item["customer"]["source"] == "offline", item
    shop.wait_text(message, "customer")
    token = stack.login()
    messages = stack.agent_call("GET", f"/api/v1/agent/conversations/{conversation_id}/messages", token)["messages"]
    assert [m["content"] for m in messages].count(message) == 1


def answered_chat(stack) -> None:
    """A chat someone asked a person for and an agent answered: the typical reply time is known."""
    r = stack.http.post(stack.url("/api/v1/customer/conversations/start"), json={"display_name": "Quick Reply"}, timeout=15)
    conv = r.json()["conversation"]
    headers = {"X-Customer-Session-Id": conv["customer_session_id"]}
    r = stack.http.post(stack.url(f"/api/v1/customer/conversations/{conv['id']}/escalate"), headers=headers, timeout=15)
    assert r.status_code == 200, r.text
    token = stack.login()
    stack.agent_call("POST", f"/api/v1/agent/conversations/{conv['id']}/claim", token)
    stack.agent_call("POST", f"/api/v1/agent/conversations/{conv['id']}/messages", token, json={"content": "Hi! How can I help?"})
    stack.agent_call("POST", f"/api/v1/agent/conversations/{conv['id']}/close", token)


def test_someone_online_offers_talk_to_a_person(stack, shopper):
    someone_online(stack)
    answered_chat(stack)
    typical = widget_availability(stack)["typical_reply_seconds"]
    assert typical is not None and typical < 60, typical  # the browser tests' agents answer within seconds
    shop = shopper(1280, 800).visit()
    shop.open()
    d = shop.d
    assert shop.talk_label() == "Talk to a person"
    assert shop.talk_hint() == "Usually replies in under a minute"
    problems = audit(d, "widget: someone online")
    shop.shot("widget-online-wide", "#talk", "Talk to a person")
    resize(d, 375, 700)
    shop.shot("widget-online-narrow", "#talk", "Talk to a person")
    shop.talk_to_person()
    assert not shown(d, "filed")
    item = queued(stack, shop.session()["conversationId"])
    assert item["offline"] is False
    assert not problems, "axe-core found:\n" + "\n".join(problems)


def test_closed_hours_hide_the_launcher_or_offer_a_message(stack, shopper):
    nobody_online(stack)
    with availability_settings(stack, hide_when_closed=True, **closed_now()):
        av = widget_availability(stack)
        assert av["status"] == "closed" and av["next_open_at"], av
        shop = shopper(1280, 800).visit(launcher=False)
        d = shop.d
        # The loader hides the launcher and the greeting in the step that sets this state, and the
        # chat sends the settings it follows only after reading this browser's session: nothing
        # is left to arrive that could change what is checked below.
        wait_for(d, lambda: shop.launcher_state() == "hidden", f"launcher: {shop.launcher_state()}")
        assert not shop.launcher().is_displayed()
        assert shop.launcher().value_of_css_property("display") == "none", "the hidden launcher is still drawn"
        assert shop.greeting() is None
        assert shop.session() is None  # and nothing was started

    with availability_settings(stack, hide_when_closed=False, **closed_now()):
        shop = shopper(1280, 800).visit()
        assert shop.launcher_state() == "shown"
        shop.d.execute_script("Switchboard.identify({name: 'Sam Shopper', email: 'sam@example.com'})")
        shop.open()
        d = shop.d
        assert shop.talk_label() == "Leave a message"
        weekday = d.execute_script("return new Intl.DateTimeFormat(undefined, {weekday: 'long'}).format(new Date(arguments[0]))",
                                   av["next_open_at"])
        hint = shop.talk_hint()
        assert hint.startswith(f"We're closed — back {weekday} at "), hint
        shop.shot("widget-closed-wide", "#talk-hint", hint)
        shop.open_leave_form()
        assert f"We're back {weekday} at " in d.find_element(By.ID, "leave-intro").text
        # A signed-in shopper finds the form filled in, and the cursor in the message.
        assert d.find_element(By.ID, "leave-email").get_attribute("value") == "sam@example.com"
        assert d.find_element(By.ID, "leave-name").get_attribute("value") == "Sam Shopper"
        assert d.switch_to.active_element.get_attribute("id") == "leave-message"
        shop.fill("leave-message", "Do you ship to Norway?")
        shop.shot("widget-closed-form-wide", "#leave-intro", f"We're back {weekday} at ")
        confirmation = shop.send_leave_form()
        assert f"back {weekday} at " in confirmation, confirmation
        resize(d, 375, 700)
        shop.shot("widget-closed-narrow", "#filed", confirmation)


def test_prechat_require_email_comes_before_chatting(stack, shopper):
    nobody_online(stack)
    with availability_settings(stack, prechat="require_email"):
        shop = shopper(375, 700).visit()
        shop.open()
        d = shop.d
        wait_for(d, lambda: shown(d, "prechat"), "no pre-chat form")
        assert not shown(d, "form") and not shown(d, "actions"), "chatting is possible before the e-mail"
        assert not shown(d, "prechat-skip")
        assert d.find_element(By.CSS_SELECTOR, 'label[for="prechat-email"]').text == "Your e-mail (required)"
        problems = audit(d, "widget: pre-chat form")

        d.find_element(By.ID, "prechat-submit").click()
        error = d.find_element(By.ID, "prechat-email-error")
        wait_for(d, lambda: error.is_displayed(), "no error for a missing e-mail")
        assert error.text == "Enter your e-mail address to start the chat."
        assert not shown(d, "form")
        shop.fill("prechat-name", "Casey Lee")
        shop.fill("prechat-email", "casey@example")
        d.find_element(By.ID, "prechat-submit").click()
        wait_for(d, lambda: "doesn't look right" in error.text, "no error for a bad e-mail")
        assert d.find_element(By.ID, "prechat-name").get_attribute("value") == "Casey Lee"
        shop.shot("widget-prechat-narrow", "#prechat-email-error", "That e-mail address doesn't look right")
        dark(d, True)
        shop.shot("widget-prechat-narrow-dark", "#prechat-email-error", "That e-mail address doesn't look right")
        problems += audit(d, "widget: pre-chat form, dark, with an error")
        dark(d, False)

        shop.fill("prechat-email", "casey@example.com")
        d.find_element(By.ID, "prechat-submit").click()
        wait_for(d, lambda: not shown(d, "prechat") and shown(d, "form"), "the form did not give way to the chat")
        shop.send("Hi! Do you have the Ridgeline in green?")
        shop.wait_text("Hi! Do you have the Ridgeline in green?", "customer")
        token = stack.login()
        conv = stack.agent_call("GET", f"/api/v1/agent/conversations/{shop.session()['conversationId']}/messages", token)["conversation"]
        assert conv["customer"] == {"display_name": "Casey Lee", "email": "casey@example.com", "source": "prechat"}

        # A signed-in shopper (the host page identified them with an e-mail) is not asked.
        other = shopper(375, 700).visit()
        other.d.execute_script("Switchboard.identify({name: 'Jamie Rivera', email: 'jamie@example.com'})")
        other.open()
        # The chat's first render once it is ready puts up either the pre-chat form or the
        # message box; which one is what counts.
        wait_for(other.d, lambda: shown(other.d, "prechat") or shown(other.d, "form"), "neither the pre-chat form nor the message box")
        assert not shown(other.d, "prechat") and shown(other.d, "form")
        assert not problems, "axe-core found:\n" + "\n".join(problems)

    with availability_settings(stack, prechat="ask"):
        shop = shopper(375, 700).visit()
        shop.open()
        d = shop.d
        wait_for(d, lambda: shown(d, "prechat"), "no pre-chat form")
        assert d.find_element(By.CSS_SELECTOR, 'label[for="prechat-email"]').text == "Your e-mail (optional)"
        d.find_element(By.ID, "prechat-skip").click()
        wait_for(d, lambda: not shown(d, "prechat") and shown(d, "form"), "Skip did not lead to the chat")
        # Leave a message, later, has the form to fill in (nothing was given).
        shop.open_leave_form()
        assert d.find_element(By.ID, "leave-email").get_attribute("value") == ""
        # "Back to the chat": the bot and the quick replies again, the focus on the button.
        d.find_element(By.ID, "leave-cancel").click()
        wait_for(d, lambda: not shown(d, "leave") and shown(d, "actions") and shown(d, "form"), "the form did not close")
        wait_for(d, lambda: d.switch_to.active_element.get_attribute("id") == "talk", "the focus was lost")


# --- with e-mail: a stack of its own, sending to a real SMTP server ----------------------------------

class Inbox:
    """What the SMTP server accepted (aiosmtpd handler): recipients and the parsed message."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), message))
            (ARTIFACTS / "mail").mkdir(parents=True, exist_ok=True)
            (ARTIFACTS / "mail" / f"widget-{len(self.received):02d}.eml").write_bytes(envelope.content)
            self.lock.notify_all()
        return "250 OK"

    def wait_for(self, address: str, timeout: float = 30) -> list[email.message.EmailMessage]:
        deadline = time.monotonic() + timeout
        with self.lock:
            while not any(address in rcpt for rcpt, _ in self.received):
                left = deadline - time.monotonic()
                assert left > 0, f"no e-mail to {address} after {timeout} s; got {[r for r, _ in self.received]}"
                self.lock.wait(left)
            return [m for rcpt, m in self.received if address in rcpt]


@pytest.fixture(scope="module")
def inbox():
    box = Inbox()
    box.port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture(scope="module")
def mail_stack(tmp_path_factory, inbox):
    # A stack whose worker sends e-mail (SWITCHBOARD_SMTP_URL): the widget may promise it.
    s = BrowserStack(tmp_path_factory.mktemp("mail-stack"), "browser-mail", SWITCHBOARD_SMTP_URL=f"smtp://127.0.0.1:{inbox.port}",
                     SWITCHBOARD_MAIL_FROM="desk@northwind.example", SWITCHBOARD_MAIL_RETRY_SECONDS="1",
                     SWITCHBOARD_OFFLINE_MAIL_DELAY_SECONDS="1")
    s.start()
    yield s
    s.stop()


def test_with_email_the_widget_promises_it_and_sends_the_transcript(mail_stack, inbox, browser):
    s = mail_stack
    av = widget_availability(s)
    if "email_enabled" not in av:
        pytest.skip("this backend does not say whether it sends e-mail")
    assert av["email_enabled"] is True and av["status"] == "away", av
    admin = s.login("admin", s.admin_password)
    s.agent_call("PATCH", "/api/v1/admin/settings", admin, json={"notify_email": "shop@northwind.example"})
    shop = Shopper(browser(375, 700), s).visit()
    shop.open()
    d = shop.d
    shop.open_leave_form()
    # The shop's own away message opens the form (it may promise e-mail: the server sends it).
    assert av["away_message"] in d.find_element(By.ID, "leave-intro").text
    message = "Can I swap the Ridgeline for the 40L one before it ships?"
    confirmation = shop.send_leave_form("jamie@example.com", message, "Jamie Rivera")
    assert confirmation == "Thanks, Jamie Rivera. We'll answer by e-mail at jamie@example.com as soon as someone is free.", confirmation
    assert shop.status_line() == "We'll answer by e-mail"
    shop.wait_text(message, "customer")
    assert [m["sender"] for m in shop.thread()][-2:] == ["customer", "system"], shop.thread()
    # The shop hears of it once, with the shopper's message in it.
    offline = inbox.wait_for("shop@northwind.example")
    assert len(offline) == 1, [m["Subject"] for m in offline]
    assert offline[0]["Reply-To"] == "jamie@example.com"
    assert message in offline[0].get_body(("plain",)).get_content(), "the shop's e-mail lacks the shopper's message"

    # The transcript: the address is known, so one tap asks for it; it goes out when the chat ends.
    link = d.find_element(By.ID, "transcript-open")
    assert link.is_displayed() and link.text == "E-mail me the transcript"
    shop.shot("widget-email-away-narrow", "#transcript-open", "E-mail me the transcript")
    link.click()
    done = d.find_element(By.ID, "transcript-done")
    wait_for(d, lambda: done.text, "no answer to the transcript request")
    assert done.text == "We'll e-mail the transcript to jamie@example.com when this chat ends."
    assert not link.is_displayed()
    shop.shot("widget-transcript-narrow", "#transcript-done", "We'll e-mail the transcript to jamie@example.com when this chat ends.")
    token = s.login()
    conversation_id = shop.session()["conversationId"]
    s.agent_call("POST", f"/api/v1/agent/conversations/{conversation_id}/close", token)
    sent = [m for m in inbox.wait_for("jamie@example.com") if message in m.get_body(("plain",)).get_content()]
    assert sent, "the transcript did not arrive with the message in it"

    # A new chat: no address for it yet, so the link asks for one (prefilled with the last one used).
    d.find_element(By.ID, "new-chat").click()
    wait_for(d, lambda: shop.session()["conversationId"] != conversation_id, "no new conversation")
    shop.send("Also: is there a student discount?")
    shop.wait_text("Also: is there a student discount?", "customer")
    d.find_element(By.ID, "transcript-open").click()
    wait_for(d, lambda: d.find_element(By.ID, "transcript-form").is_displayed(), "no address form for the transcript")
    assert d.find_element(By.ID, "transcript-email").get_attribute("value") == "jamie@example.com"
    shop.fill("transcript-email", "jamie@")
    d.find_element(By.ID, "transcript-send").click()
    error = d.find_element(By.ID, "transcript-email-error")
    wait_for(d, lambda: error.is_displayed(), "no complaint about the address")
    assert error.text == "That e-mail address doesn't look right — please check it."
    problems = audit(d, "widget: transcript address")
    shop.fill("transcript-email", "jamie.rivera@example.com")
    d.find_element(By.ID, "transcript-send").click()
    wait_for(d, lambda: done.text == "We'll e-mail the transcript to jamie.rivera@example.com when this chat ends.",
             f"transcript not asked for: {done.text!r}")
    assert not d.find_element(By.ID, "transcript-form").is_displayed()
    assert not problems, "axe-core found:\n" + "\n".join(problems)


def test_a_known_shopper_leaving_a_message_has_it_in_the_shops_email(mail_stack, inbox, browser):
    """The host page told us who the shopper is, so the escalation itself has the shop
    e-mailed: the form's message goes with it, and the one e-mail carries it."""
    s = mail_stack
    admin = s.login("admin", s.admin_password)
    s.agent_call("PATCH", "/api/v1/admin/settings", admin, json={"notify_email": "desk-known@northwind.example"})
    shop = Shopper(browser(1280, 800), s).visit()
    shop.d.execute_script("Switchboard.identify({name: 'Sam Shopper', email: 'sam@example.com'})")
    shop.open()
    shop.open_leave_form()
    message = "Do the Ridgeline straps come in green?"
    confirmation = shop.send_leave_form(message=message)
    assert confirmation.startswith("Thanks, Sam Shopper.") and "sam@example.com" in confirmation, confirmation
    mails = inbox.wait_for("desk-known@northwind.example")
    assert len(mails) == 1, [m["Subject"] for m in mails]
    assert message in mails[0].get_body(("plain",)).get_content(), "the shop's e-mail lacks the shopper's message"
