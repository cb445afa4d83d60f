"""Known customers (docs/API.md "Known customers") in real browsers: the demo
shop's "Demo sign-in" strip hands the widget identity tokens (Switchboard.identify
/ logout), as a shop's own sign-in would.

- Jamie signed in on two devices (two browser profiles) has one conversation,
  live on both; a reload resumes it without a new sign-in; signing out on one
  leaves the other as it was.
- Sign out shows a guest's empty chat; switching to Sam shows none of Jamie's
  words (not even for a moment), and Jamie's come back with Jamie.
- The agent console: the contact panel beside Jamie's chat (name, Verified,
  customer id, past conversations, a past one opens read-only), and the
  Contacts page's search.
Screenshots (pages.shot, axe-core clean), Tests/artifacts/screenshots/identity-*.png:
the shop signed in as Jamie with the chat open (shop-jamie-wide/-narrow), the
console with the contact panel (console-contact-wide/-narrow), the Contacts page
(contacts-wide, contacts-narrow: the search, contacts-detail-narrow).

The demo tokens: `switchboard identity secret create --if-none` and `switchboard
identity token` (as scripts/run.sh mints them), written to the stack's
demo-identities.json for this module only (the shop hides the strip without it).
"""

from __future__ import annotations

import json
import uuid

import pytest
from selenium.webdriver.common.by import By

from conftest import ADMIN_PASSWORD, resize
from pages import Shopper, shot, someone_online, wait_for

JAMIE = {"sub": "customer-1", "name": "Jamie Rivera", "label": "Jamie", "email": "jamie@example.com"}
SAM = {"sub": "customer-2", "name": "Sam Okafor", "label": "Sam", "email": "sam@example.com"}
SIGN_IN_JAMIE = "Sign in as Jamie (customer-1)"
SIGN_IN_SAM = "Sign in as Sam (customer-2)"
SIGN_OUT = "Sign out"


@pytest.fixture(scope="module")
def demo_signins(stack):
    """demo-identities.json in the stack's run dir (nginx serves it beside the shop page),
    with tokens signed by the stack's newest identity secret; removed after this module so
    other tests see the shop as before (no strip)."""
    stack.cli("identity", "secret", "create", "--if-none")
    identities = []
    for who in (JAMIE, SAM):
        token = stack.cli("identity", "token", "--sub", who["sub"], "--name", who["name"],
                          "--email", who["email"], "--ttl", "1h").strip()
        assert token.count(".") == 2, token
        identities.append({"sub": who["sub"], "name": who["name"], "label": who["label"], "token": token})
    path = stack.run_dir / "demo-identities.json"
    tmp = path.with_name("demo-identities.json.tmp")
    tmp.write_text(json.dumps({"identities": identities}))
    tmp.replace(path)
    r = stack.http.get(stack.shop_origin + "/demo-identities.json", timeout=10)
    assert r.status_code == 200 and r.json()["identities"] == identities, (r.status_code, r.text[:300])
    yield {i["sub"]: i["token"] for i in identities}
    path.unlink(missing_ok=True)


# -- the shop's demo sign-in strip ------------------------------------------------------------

def demo_button(shop: Shopper, name: str):
    """The strip's button called exactly `name` (the strip shows once demo-identities.json came)."""
    shop.leave_frame()

    def find():
        strip = shop.d.find_element(By.ID, "demo-signin")
        if not strip.is_displayed():
            return None
        return next((b for b in strip.find_elements(By.TAG_NAME, "button") if b.text == name), None)
    return wait_for(shop.d, find, f"no {name!r} button in the shop's demo sign-in strip")


def identity(shop: Shopper) -> str | None:
    shop.leave_frame()
    return shop.d.execute_script("return document.documentElement.getAttribute('data-switchboard-identity')")


def press(shop: Shopper, name: str, expect: str) -> None:
    """Presses a demo sign-in button; waits until the chat says how it went (`expect`:
    "customer" or "guest" in <html data-switchboard-identity>, set anew by this press)."""
    button = demo_button(shop, name)
    shop.d.execute_script("document.documentElement.removeAttribute('data-switchboard-identity')")
    button.click()
    wait_for(shop.d, lambda: identity(shop) == expect,
             f"after {name!r} the chat did not say {expect!r} (data-switchboard-identity={identity(shop)!r})")


def demo_status(shop: Shopper) -> str:
    shop.leave_frame()
    return shop.d.find_element(By.ID, "demo-status").text


def wait_signed_in(shop: Shopper, who: dict) -> dict:
    """The chat holds `who`'s session and shows its conversation; returns the session."""
    wait_for(shop.d, lambda: (shop.session() or {}).get("externalId") == who["sub"]
             and shop.d.find_element(By.ID, "app").get_attribute("data-phase") == "ready",
             f"the chat did not show {who['label']}'s conversation: session {shop.session()!r}")
    return shop.session()


def welcome(stack) -> str:
    admin = stack.login("admin", ADMIN_PASSWORD)
    return stack.agent_call("GET", "/api/v1/admin/settings", admin)["welcome_message"]


# The message's bubble at the top of the chat's scroller, whole (under Jamie's words come the
# bot's answer and the quick replies, which would push them out of the picture).
TO_TOP = """
const [el] = arguments;
const s = document.getElementById('scroller');
s.scrollTop += el.getBoundingClientRect().top - s.getBoundingClientRect().top - 12;
"""
WHOLE = """
const [el] = arguments;
const r = el.getBoundingClientRect(), s = document.getElementById('scroller').getBoundingClientRect();
return r.top >= s.top && r.bottom <= s.bottom;
"""


def scroll_to_message(shop: Shopper, text: str) -> None:
    """The shop page at its top (the demo strip in sight), the chat scrolled to show `text` whole."""
    shop.leave_frame()
    shop.d.execute_script("window.scrollTo(0, 0)")
    shop.enter_frame()
    shop.d.execute_script(TO_TOP, shop.message(text))
    wait_for(shop.d, lambda: shop.d.execute_script(WHOLE, shop.message(text)), f"{text!r} is not wholly in the chat's view")


WATCH_LOG = """
window.__added = [];
window.__logWatch?.disconnect();
window.__logWatch = new MutationObserver((changes) => {
  for (const c of changes) for (const n of c.addedNodes) window.__added.push(n.textContent || '');
});
window.__logWatch.observe(document.getElementById('log'), {childList: true, subtree: true, characterData: true});
"""


# -- 1. one conversation on two devices ------------------------------------------------------

def test_jamie_on_two_devices_has_one_live_conversation(stack, shopper, demo_signins):
    laptop = shopper(1280, 800).visit()
    assert demo_status(laptop) == "Not signed in"
    assert identity(laptop) is None  # nothing said yet: no identify, no logout
    press(laptop, SIGN_IN_JAMIE, "customer")
    assert demo_status(laptop) == "Signed in as Jamie"
    laptop.open()
    first = wait_signed_in(laptop, JAMIE)
    words = f"Hi, Jamie here on my laptop ({uuid.uuid4().hex[:6]})"
    laptop.send(words)
    laptop.wait_text(words, "customer")

    # Another device (its own browser profile): the same conversation, with what the laptop said.
    phone = shopper(375, 700).visit()
    press(phone, SIGN_IN_JAMIE, "customer")
    phone.open()
    second = wait_signed_in(phone, JAMIE)
    phone.wait_text(words, "customer")
    assert second["conversationId"] == first["conversationId"], (first, second)
    assert second["sessionId"] != first["sessionId"], "each device signs in with its own session"

    # Live both ways, on the event stream (no reload).
    for shop in (laptop, phone):
        wait_for(shop.d, lambda shop=shop: shop.stream_state() == "open", "the widget's stream is not open")
    from_phone = "And this is me again, from my phone"
    phone.send(from_phone)
    phone.wait_text(from_phone, "customer")
    laptop.wait_text(from_phone, "customer")
    from_laptop = "Back on the laptop: the blue jacket, size M"
    laptop.send(from_laptop)
    laptop.wait_text(from_laptop, "customer")
    phone.wait_text(from_laptop, "customer")
    for shop in (laptop, phone):
        texts = shop.texts("customer")
        assert [texts.count(t) for t in (words, from_phone, from_laptop)] == [1, 1, 1], texts

    for shop, name in ((laptop, "identity-shop-jamie-wide"), (phone, "identity-shop-jamie-narrow")):
        scroll_to_message(shop, from_laptop)
        shop.shot(name, lambda shop=shop: shop.message(from_laptop), from_laptop)

    # A reload on the phone: the shop identifies Jamie again (as on every page load); the chat
    # resumes the session it holds, no new sign-in.
    phone.visit()
    phone.open()
    phone.wait_text(from_laptop, "customer")
    wait_for(phone.d, lambda: identity(phone) == "customer", "the reloaded shop page's chat did not confirm Jamie")
    assert phone.session() == second, (second, phone.session())

    # The laptop signs out; the phone's session is untouched and goes on.
    press(laptop, SIGN_OUT, "guest")
    wait_for(laptop.d, lambda: (laptop.session() or {}).get("conversationId") not in (None, first["conversationId"]),
             f"the laptop still holds Jamie's chat: {laptop.session()!r}")
    still = "Still here on the phone"
    phone.send(still)
    phone.wait_text(still, "customer")
    assert identity(phone) == "customer"
    assert phone.session() == second
    assert still not in laptop.texts()


# -- 2. sign out, another customer, and back -------------------------------------------------

def test_sign_out_and_switching_customers_show_none_of_jamies_words(stack, shopper, demo_signins):
    hello = welcome(stack)
    shop = shopper(1280, 800).visit()
    press(shop, SIGN_IN_JAMIE, "customer")
    shop.open()
    jamie = wait_signed_in(shop, JAMIE)
    secret = f"My order NW-{uuid.uuid4().hex[:6]} is for my sister's birthday"
    shop.send(secret)
    shop.wait_text(secret, "customer")
    jamies_words = shop.texts("customer")

    # From here on, everything that enters the chat's log is recorded: none of Jamie's words,
    # not even for a moment, for the guest or for Sam.
    shop.enter_frame()
    shop.d.execute_script(WATCH_LOG)

    # Sign out: a guest's empty chat, only the bot's welcome.
    press(shop, SIGN_OUT, "guest")
    assert demo_status(shop) == "Not signed in"
    wait_for(shop.d, lambda: (shop.session() or {}).get("conversationId") not in (None, jamie["conversationId"])
             and shop.d.find_element(By.ID, "app").get_attribute("data-phase") == "ready" and shop.thread(),
             f"no guest's chat after Sign out: session {shop.session()!r}, thread {shop.thread()!r}")
    guest = shop.session()
    assert "externalId" not in guest and guest["sessionId"] != jamie["sessionId"], guest
    thread = shop.thread()
    assert [(m["sender"], m["text"]) for m in thread] == [("bot", hello)], thread
    # Jamie's session is over on the server.
    r = stack.http.get(stack.url(f"/api/v1/customer/conversations/{jamie['conversationId']}/messages"),
                       headers={"X-Customer-Session-Id": jamie["sessionId"]}, timeout=10)
    assert r.status_code == 401 and r.json().get("code") == "invalid_session", (r.status_code, r.text)

    # Sam: another conversation, none of Jamie's words.
    press(shop, SIGN_IN_SAM, "customer")
    assert demo_status(shop) == "Signed in as Sam"
    sam = wait_signed_in(shop, SAM)
    assert sam["conversationId"] != jamie["conversationId"], sam
    sams_words = "Sam here: does the Basecamp tent fit two tall people?"
    shop.send(sams_words)
    shop.wait_text(sams_words, "customer")
    texts = shop.texts()
    assert not [t for t in jamies_words if t in texts], texts
    assert shop.texts("customer") == [sams_words], shop.thread()

    # Back to Jamie (Sam is signed out first): Jamie's conversation again, none of Sam's words.
    shop.enter_frame()
    added_before_jamie = shop.d.execute_script("return window.__added.slice()")
    press(shop, SIGN_IN_JAMIE, "customer")
    again = wait_signed_in(shop, JAMIE)
    assert again["conversationId"] == jamie["conversationId"], again
    shop.wait_text(secret, "customer")
    assert sams_words not in shop.texts(), shop.texts()
    leaked = [t for t in added_before_jamie if any(w in t for w in jamies_words)]
    assert not leaked, f"Jamie's words showed in the guest's or Sam's chat: {leaked!r}"


# -- 3. the agent console: contact panel and Contacts ----------------------------------------

def jamie_login(stack, token: str, carry: str | None = None) -> dict:
    headers = {"X-Customer-Session-Id": carry} if carry else {}
    r = stack.http.post(stack.url("/api/v1/customer/login"), json={"identity_token": token}, headers=headers, timeout=15)
    assert r.status_code == 200, r.text
    return r.json()


def customer_post(stack, conversation_id: str, session_id: str, path: str, body: dict | None = None) -> dict:
    r = stack.http.post(stack.url(f"/api/v1/customer/conversations/{conversation_id}{path}"), json=body,
                        headers={"X-Customer-Session-Id": session_id}, timeout=15)
    assert r.status_code == 200, f"{path}: {r.status_code} {r.text}"
    return r.json()


def panel_card(c):
    return c.d.find_element(By.CSS_SELECTOR, "#contact-panel-body .contact-card")


def test_console_shows_jamies_contact_history_and_finds_her(stack, shopper, console, demo_signins):
    admin = stack.login("admin", ADMIN_PASSWORD)

    # A past conversation: Jamie (signed in through REST, as another device) asks for a person,
    # an agent takes it and closes it.
    past = jamie_login(stack, demo_signins["customer-1"])
    past_id, past_session = past["conversation"]["id"], past["customer_session_id"]
    past_words = "Past chat: my boots squeak when I walk"
    customer_post(stack, past_id, past_session, "/messages", {"content": past_words})
    customer_post(stack, past_id, past_session, "/escalate")
    stack.agent_call("POST", f"/api/v1/agent/conversations/{past_id}/claim", admin)
    stack.agent_call("POST", f"/api/v1/agent/conversations/{past_id}/close", admin)

    # On the shop, a guest starts chatting and then signs in as Jamie: with no open conversation
    # of Jamie's, the guest's one comes along and becomes Jamie's.
    someone_online(stack)
    shop = shopper(1280, 800).visit()
    shop.open()
    before = "Hello, I have a question about sizing"
    shop.send(before)
    shop.wait_text(before, "customer")
    guest = shop.session()
    press(shop, SIGN_IN_JAMIE, "customer")
    current = wait_signed_in(shop, JAMIE)
    assert current["conversationId"] == guest["conversationId"], (guest, current)
    shop.wait_text(before, "customer")
    assert past_words not in shop.texts(), "a closed conversation's words in the open chat"
    shop.talk_to_person()
    current_id = current["conversationId"]

    # Another browser's guest chat, merged on sign-in (Jamie has an open one now): closed,
    # kept among Jamie's past conversations.
    r = stack.http.post(stack.url("/api/v1/customer/conversations/start"), json={}, timeout=15)
    merged = r.json()["conversation"]
    customer_post(stack, merged["id"], merged["customer_session_id"], "/messages", {"content": "A question from my tablet"})
    answer = jamie_login(stack, demo_signins["customer-1"], carry=merged["customer_session_id"])
    assert answer["conversation"]["id"] == current_id, answer["conversation"]

    # The console: Jamie's chat in the queue; the panel beside it says who she is.
    c = console(1280, 800, username="admin", password=ADMIN_PASSWORD)
    d = c.d
    c.tab("queue")
    c.wait_item(current_id)
    c.open(current_id)
    wait_for(d, lambda: d.find_element(By.ID, "contact-panel").is_displayed()
             and panel_card(c).find_element(By.CSS_SELECTOR, ".contact-name").text == JAMIE["name"],
             "the contact panel never showed Jamie Rivera")
    card = panel_card(c)
    assert card.find_element(By.CSS_SELECTOR, ".contact-trust .badge[data-tone=verified]").text == "Verified"
    assert card.find_element(By.CSS_SELECTOR, "code.contact-external").text == JAMIE["sub"]
    assert card.find_element(By.CSS_SELECTOR, ".contact-email").text == JAMIE["email"]
    assert d.find_element(By.ID, "conv-verified").is_displayed(), "no Verified badge in the chat's header"
    assert d.find_element(By.ID, "conv-name").text == JAMIE["name"]
    wait_for(d, lambda: {e.get_attribute("data-id") for e in panel_card(c).find_elements(By.CSS_SELECTOR, "button.contact-conv")}
             >= {past_id, merged["id"]},
             "the contact panel does not list Jamie's past conversations (the closed one and the merged one)")
    card = panel_card(c)
    here = card.find_element(By.CSS_SELECTOR, ".contact-conv.current")
    assert here.get_attribute("data-id") == current_id and "This chat" in here.text
    count = int(card.find_element(By.CSS_SELECTOR, ".contact-convs-title").text.split("(")[1].rstrip(")"))
    assert count >= 3, card.find_element(By.CSS_SELECTOR, ".contact-convs-title").text
    shot(d, "identity-console-contact-wide", "#contact-panel", JAMIE["name"])

    # A past conversation opens from the panel, read-only; and back to the open one.
    card.find_element(By.CSS_SELECTOR, f'button.contact-conv[data-id="{past_id}"]').click()
    wait_for(d, lambda: c.badge() == "Closed" and past_words in c.texts("customer"),
             f"the past conversation did not open from the panel: {c.badge()!r} {c.texts()!r}")
    assert not d.find_element(By.ID, "reply").is_enabled() or not d.find_element(By.ID, "reply").is_displayed(), \
        "a closed conversation can be answered"
    wait_for(d, lambda: panel_card(c).find_element(By.CSS_SELECTOR, ".contact-conv.current").get_attribute("data-id") == past_id,
             "the panel does not mark the past conversation as the one shown")
    panel_card(c).find_element(By.CSS_SELECTOR, f'button.contact-conv[data-id="{current_id}"]').click()
    wait_for(d, lambda: before in c.texts("customer") and c.badge() != "Closed", "the open conversation did not come back")

    # Narrow: the panel waits behind "Contact" and takes the chat's place.
    resize(d, 375, 700)
    toggle = d.find_element(By.ID, "contact-toggle")
    wait_for(d, lambda: toggle.is_displayed(), "no Contact button on a phone")
    toggle.click()
    wait_for(d, lambda: d.find_element(By.ID, "contact-panel").is_displayed()
             and not d.find_element(By.ID, "conv").is_displayed(), "the contact panel did not take the chat's place")
    assert toggle.get_attribute("aria-expanded") == "true"
    shot(d, "identity-console-contact-narrow", panel_card(c).find_element(By.CSS_SELECTOR, ".contact-name"), JAMIE["name"])

    # Contacts: "jam" finds Jamie (and not Sam).
    d.find_element(By.ID, "open-contacts").click()
    wait_for(d, lambda: d.find_element(By.ID, "contacts-view").is_displayed(), "the Contacts page did not open")
    box = d.find_element(By.ID, "contacts-q")
    box.send_keys("jam")

    def names():
        return d.execute_script("return [...document.querySelectorAll('#contacts-results .contact-item-name')].map((e) => e.textContent)")
    wait_for(d, lambda: "“jam”" in d.find_element(By.ID, "contacts-state").text and JAMIE["name"] in names(),
             f"searching 'jam' did not find Jamie: {d.find_element(By.ID, 'contacts-state').text!r} {names()!r}")
    assert SAM["name"] not in names(), names()
    jamie_item = next(li for li in d.find_elements(By.CSS_SELECTOR, "#contacts-results li")
                      if li.find_element(By.CSS_SELECTOR, ".contact-item-name").text == JAMIE["name"])
    assert jamie_item.find_elements(By.CSS_SELECTOR, ".badge[data-tone=verified]"), "no Verified mark in the results"
    assert JAMIE["email"] in jamie_item.text
    shot(d, "identity-contacts-narrow", jamie_item, JAMIE["name"])

    jamie_item.find_element(By.TAG_NAME, "a").click()
    wait_for(d, lambda: d.find_element(By.CSS_SELECTOR, "#contacts-detail-body .contact-name").text == JAMIE["name"],
             "Jamie's contact did not open on the Contacts page")
    body = d.find_element(By.ID, "contacts-detail-body")
    assert body.find_element(By.CSS_SELECTOR, "code.contact-external").text == JAMIE["sub"]
    assert body.find_element(By.CSS_SELECTOR, ".badge[data-tone=verified]").text == "Verified"
    assert {b.get_attribute("data-action") for b in body.find_elements(By.CSS_SELECTOR, "[data-action]")} >= {"edit", "export", "erase"}
    wait_for(d, lambda: {e.get_attribute("data-id") for e in d.find_elements(By.CSS_SELECTOR, "#contacts-detail-body .contact-conv")}
             >= {past_id, merged["id"], current_id}, "the Contacts page does not list Jamie's conversations")
    shot(d, "identity-contacts-detail-narrow", "#contacts-detail-body .contact-name", JAMIE["name"])

    resize(d, 1280, 800)
    wait_for(d, lambda: jamie_item_shown(d), "the results list is not beside the contact on a wide screen")
    shot(d, "identity-contacts-wide", "#contacts-detail-body", JAMIE["sub"])


def jamie_item_shown(d) -> bool:
    items = [li for li in d.find_elements(By.CSS_SELECTOR, "#contacts-results li") if JAMIE["name"] in li.text]
    return bool(items) and items[0].is_displayed()
