"""Invitations and forgotten passwords in the console, as people use them (API.md
"Invitations and forgotten passwords"), on a stack of its own that sends e-mail to a real
SMTP server (Tests/stack/maillib.py: aiosmtpd with STARTTLS); each link is the one in the
e-mail the server received, opened in a new tab as a mail program would.

- an admin adds an agent with "Send an invitation by e-mail"; the link opens the
  console's set-password view (the token leaves the address bar at once), the agent
  chooses a password and is signed in;
- "Forgot your password?" on the sign-in page, the "sent" message, the link, a new
  password, signed in (the old password no longer works);
- without SMTP (the session's shared stack) the sign-in page says to ask an admin;
- the note about the demo passwords shows only while a demo account has its printed one.

Elements are found by what a person reads (labels, button texts, headings) rather than by
ids where the contract names the words. Each new view is audited with axe-core and
photographed wide (1280×800) and narrow (375×700) in Tests/artifacts/screenshots/."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest
from selenium.common.exceptions import NoSuchElementException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from conftest import BrowserStack, resize
from pages import AgentConsole, Settings, shot, wait_for

sys.path.append(str(Path(__file__).resolve().parents[1] / "stack"))
from maillib import ca, inbox, mail_env, set_password_link  # noqa: E402,F401 (ca, inbox: fixtures)

DEMO_NOTE = "The demo accounts and their passwords are printed"
WIDE, NARROW = (1280, 800), (375, 700)


@pytest.fixture(scope="module")
def links(tmp_path_factory, inbox, ca):
    """A browser stack whose worker sends e-mail, with links in the e-mails to itself."""
    s = BrowserStack(tmp_path_factory.mktemp("links-stack"), "browser-links", **mail_env(inbox.port, ca))
    s.env["SWITCHBOARD_PUBLIC_URL"] = s.base_url
    s.start()
    yield s
    s.stop()


# -- what a person reads ------------------------------------------------------------------


def visible(d: WebDriver, css: str, root: WebElement | None = None) -> list[WebElement]:
    return [e for e in (root or d).find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]


def field(d: WebDriver, label: str, root: WebElement | None = None) -> WebElement:
    """The form control of the visible label that starts with `label`."""
    for element in visible(d, "label", root):
        if element.text.strip().startswith(label):
            target = element.get_attribute("for")
            return d.find_element(By.ID, target) if target else element.find_element(By.CSS_SELECTOR, "input, select, textarea")
    raise NoSuchElementException(f"no visible label {label!r}")


def button(d: WebDriver, text: str, root: WebElement | None = None) -> WebElement:
    """The visible button (or link) that says `text`."""
    for element in visible(d, "button, a", root):
        if element.text.strip() == text:
            return element
    raise NoSuchElementException(f"no visible button {text!r}")


def heading(d: WebDriver) -> str:
    return " ".join(h.text for h in visible(d, "h1"))


def type_into(box: WebElement, text: str) -> None:
    box.clear()
    box.send_keys(text)


def page_text(d: WebDriver) -> str:
    return d.find_element(By.TAG_NAME, "body").text


def signed_in(d: WebDriver) -> bool:
    return d.find_element(By.ID, "app-view").is_displayed()


def open_link(d: WebDriver, link: str, size: tuple[int, int]) -> None:
    """The e-mail's link in a new tab of this size, as a mail program opens it."""
    d.switch_to.new_window("tab")
    resize(d, *size)  # (the size is the tab's own)
    d.get(link)


def choose_password(d: WebDriver, password: str) -> None:
    """The set-password view: the new password (twice where it asks twice), then its button."""
    wait_for(d, lambda: field(d, "New password").is_displayed(), f"no set-password form: {page_text(d)!r}")
    boxes = [element for element in visible(d, "input[type=password]")]
    for box in boxes:
        type_into(box, password)
    visible(d, "button[type=submit]", boxes[0].find_element(By.XPATH, "./ancestor::form"))[0].click()
    wait_for(d, lambda: signed_in(d), f"not signed in after choosing a password: {page_text(d)!r}")


# The page has the answer of GET auth/options (what it shows follows in the same task).
OPTIONS_READ = """
return performance.getEntriesByType('resource').some((e) => e.name.endsWith('/api/v1/agent/auth/options') && e.responseEnd > 0);
"""


def options_read(d: WebDriver) -> bool:
    return d.execute_script(OPTIONS_READ)


def can_sign_in(stack, username: str, password: str) -> bool:
    r = stack.http.post(stack.url("/api/v1/agent/auth/login"), json={"username": username, "password": password}, timeout=15)
    assert r.status_code in (200, 401), r.text
    return r.status_code == 200


def new_name() -> tuple[str, str]:
    """A username and its e-mail address."""
    username = f"links-{uuid.uuid4().hex[:8]}"
    return username, f"{username}@northwind.example"


def the_token_left_the_address(d: WebDriver, token: str) -> None:
    wait_for(d, lambda: "set-password" not in d.current_url and token not in d.current_url,
             f"the token stays in the address bar: {d.current_url}")


# -- an invitation --------------------------------------------------------------------------


def test_an_admin_invites_an_agent_who_chooses_a_password(links, inbox, browser):
    username, email = new_name()
    admin = AgentConsole(browser(*WIDE), links)
    admin.sign_in("admin", links.admin_password)
    d = admin.d
    admin.settings("team")
    button(d, "Add agent").click()
    dialog = d.find_element(By.CSS_SELECTOR, "dialog[open]")
    type_into(field(d, "Display name", dialog), "Sam Rivera")
    type_into(field(d, "Username", dialog), username)
    type_into(field(d, "E-mail", dialog), email)
    invite = field(d, "Send an invitation by e-mail", dialog)
    if not invite.is_selected():
        invite.click()
    wait_for(d, lambda: not any(box.is_displayed() for box in dialog.find_elements(By.CSS_SELECTOR, "input[type=password]")),
             "the dialog still asks for a password while it sends an invitation")
    shot(d, "team-add-agent-invite-wide", dialog, "Send an invitation by e-mail")
    resize(d, *NARROW)
    shot(d, "team-add-agent-invite-narrow", dialog, "Send an invitation by e-mail")
    resize(d, *WIDE)
    visible(d, "button[type=submit]", dialog)[0].click()
    wait_for(d, lambda: d.find_element(By.CSS_SELECTOR, "dialog#agent-dialog").get_attribute("open") is None,
             f"the dialog stayed open: {dialog.text!r}")

    card = Settings(d).agent_card(username)
    wait_for(d, lambda: "Invited — link valid until" in card.text, f"the card does not say the invitation is out: {card.text!r}")

    token_user = links.login("admin", links.admin_password)
    member = next(m for m in links.agent_call("GET", "/api/v1/agent/agents", token_user)["items"] if m["username"] == username)
    assert member["email"] == email and member["invitation_expires_at"] is not None, member
    assert not can_sign_in(links, username, "")

    [message] = inbox.wait_for(email)
    public, token = set_password_link(message)
    assert public == links.base_url, public
    agent = browser(*WIDE)
    open_link(agent, f"{public}/agent/#set-password={token}", WIDE)
    the_token_left_the_address(agent, token)
    wait_for(agent, lambda: field(agent, "New password").is_displayed(), f"no set-password view: {page_text(agent)!r}")
    view = page_text(agent)
    assert "Sam Rivera" in view or username in view, view
    pane = field(agent, "New password").find_element(By.XPATH, "./ancestor::*[.//h1][1]")
    shot(agent, "set-password-invite-wide", pane)
    resize(agent, *NARROW)
    shot(agent, "set-password-invite-narrow", pane)
    resize(agent, *WIDE)
    choose_password(agent, "sam-chose-this-1")
    assert can_sign_in(links, username, "sam-chose-this-1")
    member = next(m for m in links.agent_call("GET", "/api/v1/agent/agents", token_user)["items"] if m["username"] == username)
    assert member["invitation_expires_at"] is None, member

    # The link again: refused in words, with a way back to signing in.
    again = browser(*NARROW)
    open_link(again, f"{public}/agent/#set-password={token}", NARROW)
    the_token_left_the_address(again, token)
    wait_for(again, lambda: button(again, "Back to sign in").is_displayed(), f"no way back: {page_text(again)!r}")
    assert not visible(again, "input[type=password]"), "a used link still offers to set a password"
    shot(again, "set-password-used-narrow", button(again, "Back to sign in"))
    resize(again, *WIDE)
    shot(again, "set-password-used-wide", button(again, "Back to sign in"))


# -- a forgotten password -------------------------------------------------------------------


def test_forgot_your_password_sends_a_link_that_signs_in(links, inbox, browser):
    username, email = new_name()
    admin_token = links.login("admin", links.admin_password)
    links.agent_call("POST", "/api/v1/agent/register", admin_token, json={
        "username": username, "password": "forgotten-password-1", "display_name": "Robin Lee", "email": email})

    d = browser(*WIDE)
    d.get(links.url("/agent/"))
    wait_for(d, lambda: button(d, "Forgot your password?").is_displayed(), "no “Forgot your password?” on the sign-in page")
    assert "Ask an admin" not in page_text(d)
    button(d, "Forgot your password?").click()
    wait_for(d, lambda: field(d, "E-mail").is_displayed(), "no e-mail field after “Forgot your password?”")
    shot(d, "signin-forgot-wide", field(d, "E-mail").find_element(By.XPATH, "./ancestor::form"))
    resize(d, *NARROW)
    shot(d, "signin-forgot-narrow", field(d, "E-mail").find_element(By.XPATH, "./ancestor::form"))
    resize(d, *WIDE)
    type_into(field(d, "E-mail"), email)
    form = field(d, "E-mail").find_element(By.XPATH, "./ancestor::form")
    visible(d, "button[type=submit]", form)[0].click()
    wait_for(d, lambda: [e for e in visible(d, "[role=status]") if e.text.strip()], "no message after sending the link")
    status = next(e for e in visible(d, "[role=status]") if e.text.strip())
    assert email in status.text or "link" in status.text.lower(), status.text
    shot(d, "signin-forgot-sent-wide", status)
    resize(d, *NARROW)
    shot(d, "signin-forgot-sent-narrow", status)

    [message] = inbox.wait_for(email)
    public, token = set_password_link(message)
    open_link(d, f"{public}/agent/#set-password={token}", WIDE)
    the_token_left_the_address(d, token)
    wait_for(d, lambda: field(d, "New password").is_displayed(), f"no set-password view: {page_text(d)!r}")
    assert "Robin Lee" in page_text(d) or username in page_text(d), page_text(d)
    pane = field(d, "New password").find_element(By.XPATH, "./ancestor::*[.//h1][1]")
    shot(d, "set-password-reset-wide", pane)
    resize(d, *NARROW)
    shot(d, "set-password-reset-narrow", pane)
    choose_password(d, "remembered-password-2")
    assert can_sign_in(links, username, "remembered-password-2")
    assert not can_sign_in(links, username, "forgotten-password-1")


# -- without SMTP ---------------------------------------------------------------------------


def test_without_email_the_sign_in_page_says_to_ask_an_admin(stack, browser):
    """The session's shared stack sends no e-mail."""
    d = browser(*WIDE)
    d.get(stack.url("/agent/"))
    wait_for(d, lambda: d.find_element(By.ID, "login-view").is_displayed() and options_read(d), "no sign-in page")
    assert DEMO_NOTE in page_text(d), "the seeded demo accounts have their passwords"
    # "Forgot your password?" unfolds the note about admins instead of an e-mail form.
    forgot = button(d, "Forgot your password?")
    assert "Ask an admin" not in page_text(d) and forgot.get_attribute("aria-expanded") == "false"
    forgot.click()
    wait_for(d, lambda: "Ask an admin" in page_text(d), f"no “Ask an admin”: {page_text(d)!r}")
    assert forgot.get_attribute("aria-expanded") == "true"
    with pytest.raises(NoSuchElementException):
        field(d, "E-mail")
    note = next(p for p in visible(d, "p") if "Ask an admin" in p.text)
    shot(d, "signin-ask-admin-wide", note)
    resize(d, *NARROW)
    shot(d, "signin-ask-admin-narrow", note)


# -- the demo note --------------------------------------------------------------------------


def test_the_demo_note_shows_only_while_demo_accounts_have_their_passwords(links, browser):
    """Last in this module: it changes the demo accounts' passwords."""
    d = browser(*WIDE)
    d.get(links.url("/agent/"))
    wait_for(d, lambda: DEMO_NOTE in page_text(d), "no note about the demo passwords on a freshly seeded desk")
    note = next(p for p in visible(d, "p") if DEMO_NOTE in p.text)
    shot(d, "signin-demo-note-wide", note)

    admin_token = links.login("admin", links.admin_password)
    agent_id = next(m["id"] for m in links.agent_call("GET", "/api/v1/agent/agents", admin_token)["items"] if m["username"] == "agent")
    links.agent_call("POST", f"/api/v1/admin/agents/{agent_id}/password", admin_token, json={"password": "agent-has-a-new-one-1"})
    links.agent_call("POST", "/api/v1/agent/me/password", admin_token,
                     json={"current_password": links.admin_password, "new_password": "admin-has-a-new-one-1"})
    links.admin_password, links.agent_password = "admin-has-a-new-one-1", "agent-has-a-new-one-1"
    d.refresh()
    wait_for(d, lambda: options_read(d), "the sign-in page did not read its options")
    assert DEMO_NOTE not in page_text(d), page_text(d)
    shot(d, "signin-no-demo-note-wide", d.find_element(By.CSS_SELECTOR, "form"))
    resize(d, *NARROW)
    shot(d, "signin-no-demo-note-narrow", d.find_element(By.CSS_SELECTOR, "form"))
