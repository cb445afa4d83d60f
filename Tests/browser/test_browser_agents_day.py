"""The agent's day in the console (issue 21), in real Chromium against the real stack:

- `/ref` + Enter in the reply box puts the canned reply, filled in for the chat, in the box
  for editing (nothing is sent until the agent sends it); Esc closes the list;
- a note (the composer's Note mode: "Only your team sees this") is drawn as a note in the
  timeline and never appears in the demo shop's widget, not even after a later reply has
  reached it;
- "Transfer" to a second signed-in agent moves the chat from one console's list to the
  other's live, and the new holder sees the handover note;
- the search box (on every page; "/" outside the composer focuses it) finds an older,
  closed chat by a prefix and marks the match in the snippet; the result opens the chat.

Each screenshot (wide 1280×800 and narrow 375×700: the composer with the canned list open,
a note, the transfer dialog, search results) is taken by pages.shot, which first checks that what it shows
is on screen and that axe-core finds nothing on the page."""

from __future__ import annotations

import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import ADMIN_PASSWORD, resize
from pages import asking_for_a_person, shot, wait_for

A = "/api/v1/agent"


def agent_token(stack) -> str:
    return stack.login()


def admin_token(stack) -> str:
    return stack.login("admin", ADMIN_PASSWORD)


def waiting_chat(stack, name: str, text: str) -> tuple[str, dict]:
    """A chat whose customer wrote and asked for a person (through the API): its id and headers."""
    r = stack.http.post(stack.url("/api/v1/customer/conversations/start"), json={"display_name": name}, timeout=15)
    assert r.status_code == 200, r.text
    conv = r.json()["conversation"]
    headers = {"X-Customer-Session-Id": conv["customer_session_id"]}
    base = stack.url(f"/api/v1/customer/conversations/{conv['id']}")
    assert stack.http.post(base + "/messages", json={"content": text}, headers=headers, timeout=15).status_code == 200
    assert stack.http.post(base + "/escalate", headers=headers, timeout=15).status_code == 200
    return conv["id"], headers


def held_by(stack, token: str, name: str, text: str) -> tuple[str, dict]:
    conv_id, headers = waiting_chat(stack, name, text)
    stack.agent_call("POST", f"{A}/conversations/{conv_id}/claim", token)
    return conv_id, headers


@pytest.fixture
def closing(stack):
    """Closes the chats a test gives it at its end (the other tests' seeded agent holds none:
    signing out with open chats asks what to do with them)."""
    chats: list[str] = []
    yield chats
    admin = admin_token(stack)
    for conv_id in chats:
        stack.http.post(stack.url(f"{A}/conversations/{conv_id}/close"), headers={"Authorization": f"Bearer {admin}"},
                        timeout=15)


def canned_reply(stack, token: str, shortcut: str, content: str) -> dict:
    """The caller's personal reply with this shortcut, made (or changed) to say `content`."""
    mine = stack.agent_call("GET", f"{A}/canned-replies", token, params={"q": shortcut})["items"]
    existing = next((r for r in mine if r["shortcut"] == shortcut and r["scope"] == "personal"), None)
    if existing:
        return stack.agent_call("PATCH", f"{A}/canned-replies/{existing['id']}", token, json={"content": content})
    return stack.agent_call("POST", f"{A}/canned-replies", token,
                            json={"shortcut": shortcut, "title": "Refund on its way", "content": content})


def reply_box(c):
    return c.d.find_element(By.ID, "reply")


def canned_options(c) -> list[str]:
    return [o.text for o in c.d.find_elements(By.CSS_SELECTOR, "#canned-list [role=option]") if o.is_displayed()]


def open_canned_list(c, typed: str, expect: str) -> None:
    box = reply_box(c)
    box.click()
    box.send_keys(typed)
    wait_for(c.d, lambda: any(expect in o for o in canned_options(c)), f"the canned list did not offer {expect}: {canned_options(c)}")
    assert c.d.find_element(By.ID, "reply-combo").get_attribute("aria-expanded") == "true"


def clear_box(c) -> None:
    box = reply_box(c)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)
    wait_for(c.d, lambda: reply_box(c).get_attribute("value") == "", "the reply box did not empty")


def mode(c, name: str) -> None:
    """The composer's Reply / Note switch."""
    c.d.find_element(By.CSS_SELECTOR, f'label[for="mode-{name}"]').click()
    wait_for(c.d, lambda: c.d.find_element(By.ID, "conv-foot").get_attribute("data-mode") == name, f"not in {name} mode")


def notes_drawn(c) -> list[str]:
    return [n.get_attribute("textContent") for n in c.d.find_elements(By.CSS_SELECTOR, "#conv-log .msg.side-note")]


def test_slash_ref_and_enter_puts_the_rendered_reply_in_the_composer(stack, console, closing):
    token = agent_token(stack)
    me = stack.agent_call("GET", f"{A}/me", token)
    canned_reply(stack, token, "ref", "Hi {{contact.first_name | there}}, your refund is on its way. {{agent.name}}")
    conv_id, headers = held_by(stack, token, "Dana Scully", "Where is my refund?")
    closing.append(conv_id)
    expected = f"Hi Dana, your refund is on its way. {me['display_name']}"

    c = console(1280, 800)
    c.tab("mine")
    c.wait_item(conv_id)
    c.open(conv_id)
    open_canned_list(c, "/ref", "/ref")
    shot(c.d, "agent-day-canned-wide", "#canned-list", "/ref")

    reply_box(c).send_keys(Keys.ENTER)
    wait_for(c.d, lambda: reply_box(c).get_attribute("value") == expected,
             f"the box holds {reply_box(c).get_attribute('value')!r}, not the rendered reply")
    assert c.d.find_element(By.ID, "canned-popup").get_attribute("hidden") is not None, "the list stayed open"
    assert expected not in c.texts(), "choosing a reply sent it"
    assert expected not in [m["content"] for m in stack.customer_messages(conv_id, headers["X-Customer-Session-Id"])]

    # The agent edits it, then sends it.
    reply_box(c).send_keys(" Thanks!", Keys.ENTER)
    c.wait_text(expected + " Thanks!", "agent")

    # Esc closes the list and leaves the typed text; the narrow composer with the list open.
    resize(c.d, 375, 700)
    open_canned_list(c, "/re", "/ref")
    shot(c.d, "agent-day-canned-narrow", "#canned-list", "/ref")
    reply_box(c).send_keys(Keys.ESCAPE)
    wait_for(c.d, lambda: c.d.find_element(By.ID, "canned-popup").get_attribute("hidden") is not None, "Esc did not close the list")
    assert reply_box(c).get_attribute("value") == "/re"
    clear_box(c)


def test_a_note_is_drawn_as_a_note_and_never_reaches_the_widget(stack, shopper, console, closing):
    shop = shopper(1280, 800)
    conv_id = asking_for_a_person(stack, shop, "Hello, my parcel is late.")
    closing.append(conv_id)
    c = console(1280, 800)
    c.wait_item(conv_id)
    c.open(conv_id)
    c.claim()
    secret = f"Refund approved by Sam, courier late {uuid.uuid4().hex[:8]}"
    mode(c, "note")
    assert c.d.find_element(By.ID, "note-only").is_displayed()
    assert c.d.find_element(By.ID, "note-only").text == "Only your team sees this"
    box = reply_box(c)
    box.click()
    box.send_keys(secret, Keys.ENTER)
    wait_for(c.d, lambda: any(secret in n for n in notes_drawn(c)), f"the note is not drawn as a note: {notes_drawn(c)}")
    note = next(n for n in c.d.find_elements(By.CSS_SELECTOR, "#conv-log .msg.side-note") if secret in n.get_attribute("textContent"))
    assert "Note" in note.get_attribute("textContent")
    assert not [m for m in c.thread() if secret in m["text"] and m["sender"] in ("agent", "customer")], "drawn as a reply"
    shot(c.d, "agent-day-note-wide", note, secret)

    # Back to replying: the reply reaches the widget, the note never does.
    mode(c, "reply")
    c.reply("Thanks for waiting, I'm on it.")
    shop.wait_text("Thanks for waiting, I'm on it.", "agent")
    with shop.frame():
        page = shop.d.execute_script("return document.documentElement.outerHTML")
    assert secret not in page and all(secret not in t for t in shop.texts())
    shop.leave_frame()
    assert secret not in shop.d.page_source

    resize(c.d, 375, 700)
    note = next(n for n in c.d.find_elements(By.CSS_SELECTOR, "#conv-log .msg.side-note") if secret in n.get_attribute("textContent"))
    c.d.execute_script("arguments[0].scrollIntoView({block: 'center'})", note)
    shot(c.d, "agent-day-note-narrow", note, secret)


def test_transfer_to_a_second_signed_in_agent_moves_the_chat_live(stack, console, closing):
    admin = admin_token(stack)
    username = f"kim{uuid.uuid4().hex[:8]}"
    password = "kim-browser-password-1"
    kim = stack.agent_call("POST", f"{A}/register", admin,
                           json={"username": username, "password": password, "display_name": "Kim Lee"})
    token = agent_token(stack)
    conv_id, _ = held_by(stack, token, "Robin Hood", "I need to change my delivery address.")
    closing.append(conv_id)
    handover = "Robin's order NW-2231: the address change is approved, ship Monday"

    sam = console(1280, 800)
    other = console(1280, 800, username=username, password=password)
    other.tab("mine")
    assert not other.has_item(conv_id)
    sam.tab("mine")
    sam.wait_item(conv_id)
    sam.open(conv_id)
    d = sam.d
    d.find_element(By.ID, "transfer").click()
    dialog = d.find_element(By.ID, "transfer-dialog")
    wait_for(d, lambda: dialog.get_attribute("open") is not None, "no transfer dialog")
    wait_for(d, lambda: d.find_elements(By.ID, f"transfer-to-{kim['id']}"), "Kim is not among the choices")
    assert "Kim Lee" in d.find_element(By.ID, "transfer-list").text
    d.find_element(By.ID, "transfer-note").send_keys(handover)
    d.find_element(By.CSS_SELECTOR, f'label[for="transfer-to-{kim["id"]}"]').click()
    shot(d, "agent-day-transfer-wide", "#transfer-dialog", "Kim Lee")
    resize(d, 375, 700)
    shot(d, "agent-day-transfer-narrow", "#transfer-dialog", "Kim Lee")
    resize(d, 1280, 800)
    d.find_element(By.ID, "transfer-submit").click()
    wait_for(d, lambda: dialog.get_attribute("open") is None, "the dialog did not close after the transfer")

    # Live: into Kim's list, out of Sam's.
    other.wait_item(conv_id)
    wait_for(d, lambda: not sam.has_item(conv_id), "the chat stayed in Sam's list")
    assert stack.agent_call("GET", f"{A}/conversations?status=agent&assigned=me", stack.login(username, password))["items"][0]["id"] == conv_id
    other.open(conv_id)
    wait_for(other.d, lambda: any(handover in n for n in notes_drawn(other)), "Kim does not see the handover note as a note")
    assert "You're now chatting with Kim Lee." in other.texts()


def test_search_finds_an_older_message_and_marks_the_match(stack, console, closing):
    """An older chat, closed and out of every list, found by a prefix of a word in one of its
    messages: the match is marked (<mark> elements built as text: the snippet's own markup stays
    text), and the result opens the chat."""
    token = agent_token(stack)
    word = "parcel" + uuid.uuid4().hex[:6]
    older = f"The <b>café</b> said the {word} went to Berlin"
    conv_id, _ = waiting_chat(stack, "Erin Older", older)
    stack.agent_call("POST", f"{A}/conversations/{conv_id}/claim", token)
    stack.agent_call("POST", f"{A}/conversations/{conv_id}/close", token)
    closing.append(waiting_chat(stack, "Newer Chat", "Something else entirely")[0])

    c = console(1280, 800)
    d = c.d
    d.find_element(By.TAG_NAME, "body").send_keys("/")  # "/" outside the composer: the search box
    wait_for(d, lambda: d.switch_to.active_element.get_attribute("id") == "search-q", "/ did not focus the search box")
    d.switch_to.active_element.send_keys(word[:-2], Keys.ENTER)  # a prefix of the word
    wait_for(d, lambda: d.find_element(By.ID, "search-view").is_displayed(), "no search results page")
    result = f'#search-results li.search-result[data-id="{conv_id}"]'
    wait_for(d, lambda: d.find_elements(By.CSS_SELECTOR, result), f"the older chat is not found: {d.find_element(By.ID, 'search-view').text!r}")
    snippet = d.find_element(By.CSS_SELECTOR, f"{result} .search-hit .search-snippet")
    assert [m.text for m in snippet.find_elements(By.TAG_NAME, "mark")] == [word], snippet.get_attribute("innerHTML")
    assert snippet.get_attribute("textContent") == older, "the snippet is the message's text"
    assert not snippet.find_elements(By.TAG_NAME, "b"), "HTML in a message became markup"
    shot(d, "agent-day-search-wide", snippet, word)
    resize(d, 375, 700)
    snippet = d.find_element(By.CSS_SELECTOR, f"{result} .search-hit .search-snippet")
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", snippet)
    shot(d, "agent-day-search-narrow", snippet, word)

    d.find_element(By.CSS_SELECTOR, f"{result} .search-result-open").click()
    wait_for(d, lambda: d.find_element(By.ID, "conv").is_displayed() and older in c.texts("customer"),
             "the result did not open the chat")
