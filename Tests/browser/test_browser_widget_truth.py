"""The widget says what is true about the desk (issue 25), in the frame as the demo
shop shows it: the header and its dot follow the person who holds the chat (there,
away, gone with the chat back in the queue); asking the bot for a person in one's
own words reaches one or opens the leave-a-message form; the quick questions show
once and then fold into "More questions", so the way to a person stays on screen;
a guest's name and e-mail from Switchboard.identify reach a chat that is on
already; the demo shop loads the chat from the URL the run script wrote.

The stack is shared: each test sets who is online first (pages.someone_online /
nobody_online)."""

from __future__ import annotations

import contextlib
import json
import uuid

import pytest
from selenium.webdriver.common.by import By

from pages import Shopper, audit, dark, needs_review, nobody_online, on_screen, someone_online, wait_for

GREEN = "rgb(52, 199, 123)"  # the "there" dot (#34c77b)
PASSWORD = "truth-browser-password-1"


def shown(d, element_id: str) -> bool:
    return d.find_element(By.ID, element_id).is_displayed()


def dot(d) -> str:
    """The colour of the dot on the header's avatar ("none" without one)."""
    return d.execute_script(
        "const a = document.getElementById('top-avatar'); const s = getComputedStyle(a, '::after');"
        "return s.content === 'none' || s.display === 'none' ? 'none' : s.backgroundColor;")


def in_view(shop: Shopper, element_id: str) -> str | None:
    """None when the element is on screen in the chat, and the chat's frame is inside the
    shop page's window (so it is on the shopper's screen); else why not."""
    d = shop.d
    shop.enter_frame()
    why = on_screen(d, d.find_element(By.ID, element_id))
    if why:
        return why
    shop.leave_frame()
    frame = shop.host_root().find_element(By.CSS_SELECTOR, "iframe")
    box = d.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom, r.left, r.right, innerHeight, innerWidth]", frame)
    shop.enter_frame()
    top, bottom, left, right, height, width = box
    if top < 0 or left < 0 or bottom > height + 0.5 or right > width + 0.5:
        return f"the chat's frame reaches outside the window: {box}"
    return None


def agent_named(stack, name: str) -> tuple[str, str, str]:
    """A new agent (username, password, id) with display name `name`, online, given no chats by
    routing (which is manual in the tests)."""
    admin = stack.login("admin", stack.admin_password)
    username = f"truth-{uuid.uuid4().hex[:8]}"
    agent = stack.agent_call("POST", "/api/v1/agent/register", admin, json={
        "username": username, "password": PASSWORD, "display_name": name, "max_active_chats": 10})
    return username, PASSWORD, agent["id"]


# -- 5: the quick questions fold; the way to a person stays on screen ----------------------------

@pytest.mark.parametrize("width,height,online", [(375, 700, False), (1280, 800, True)])
def test_questions_fold_and_the_way_to_a_person_stays_on_screen(stack, shopper, width, height, online):
    (someone_online if online else nobody_online)(stack)
    way = "Talk to a person" if online else "Leave a message"
    size = "wide" if width > 600 else "narrow"
    shop = shopper(width, height).visit()
    shop.open()
    d = shop.d
    wait_for(d, lambda: shop.talk_label() == way, f"the widget offers {shop.talk_label()!r}")

    # Under the welcome: every quick question, and the way to a person, on screen.
    questions = shop.quick_replies()
    assert len(questions) >= 3, questions
    assert not shown(d, "more")
    assert in_view(shop, "talk") is None, in_view(shop, "talk")
    shop.shot(f"widget-questions-welcome-{size}", "#chips", questions[0])

    # Three answers: after each, the questions fold into "More questions"; the way to a
    # person is on screen without scrolling.
    for n, question in enumerate(questions[:3], start=1):
        shop.tap_quick_reply_named(question)
        shop.wait_text(question, "customer")
        wait_for(d, lambda: len(shop.texts("bot")) >= n + 1, f"no answer to {question!r}")
        wait_for(d, lambda: shown(d, "more") and not shown(d, "chips"), "the questions did not fold")
        assert d.find_element(By.ID, "more").text == "More questions"
        wait_for(d, lambda: in_view(shop, "talk") is None, f"after {n} answers: {way!r} {in_view(shop, 'talk')}", timeout=5)
        assert shop.talk_label() == way
        assert in_view(shop, "more") is None, in_view(shop, "more")
    # Each question was shown once, under the welcome; never again after the answers.
    assert d.execute_script("return document.querySelectorAll('#log ~ #chips .chip, #log .chip').length") == 0
    # The last answer is read from its top, with the way to a person below it.
    last = shop.thread()[-1]
    assert last["sender"] == "bot"
    shop.shot(f"widget-questions-folded-{size}", "#talk", way)

    # "More questions" opens them again, whole, above the way to a person, the focus on the first.
    d.find_element(By.ID, "more").click()
    wait_for(d, lambda: shown(d, "chips") and not shown(d, "more"), "More questions did not open them")
    chips = d.find_elements(By.CSS_SELECTOR, "#chips .chip")
    assert [c.text for c in chips] == questions
    assert d.switch_to.active_element.text == questions[0]
    assert in_view(shop, "talk") is None, in_view(shop, "talk")
    assert on_screen(d, chips[0]) is None, on_screen(d, chips[0])
    shop.shot(f"widget-questions-more-{size}", "#chips", questions[-1])

    # Scrolled back to the welcome, the way to a person is still there (it sticks to the bottom).
    d.execute_script("document.getElementById('scroller').scrollTop = 0")
    wait_for(d, lambda: in_view(shop, "talk") is None, f"scrolled up: {in_view(shop, 'talk')}", timeout=5)

    # A typed question folds them again.
    shop.send("Do you ship to Norway?")
    shop.wait_text("Do you ship to Norway?", "customer")
    wait_for(d, lambda: shown(d, "more") and not shown(d, "chips"), "a typed question did not fold them")
    wait_for(d, lambda: in_view(shop, "talk") is None, f"after typing: {in_view(shop, 'talk')}", timeout=5)


# -- 1: the header follows the holder -----------------------------------------------------------

@pytest.mark.parametrize("width,height", [(1280, 800), (375, 700)])
def test_the_header_follows_whether_the_holder_is_there(stack, shopper, width, height):
    someone_online(stack)  # the stand-by agent: someone else is there when Kim leaves
    size = "wide" if width > 600 else "narrow"
    name = "Kim Presence" if width > 600 else "Kim Narrow"
    username, password, kim_id = agent_named(stack, name)
    kim = stack.login(username, password)
    stack.agent_call("POST", "/api/v1/agent/presence", kim, json={"presence": "online"})

    shop = shopper(width, height).visit()
    shop.open()
    d = shop.d
    shop.talk_to_person()
    conversation_id = shop.session()["conversationId"]
    stack.agent_call("POST", f"/api/v1/agent/conversations/{conversation_id}/claim", kim)
    stack.agent_call("POST", f"/api/v1/agent/conversations/{conversation_id}/messages", kim, json={"content": "Hi, I'm Kim."})
    shop.wait_text("Hi, I'm Kim.", "agent")
    wait_for(d, lambda: shop.status_line() == f"You're chatting with {name}", f"header: {shop.status_line()!r}")
    assert dot(d) == GREEN

    # Kim goes offline: within moments the header says so, and the dot is not green.
    stack.agent_call("POST", "/api/v1/agent/presence", kim, json={"presence": "offline"})
    wait_for(d, lambda: shop.status_line() == f"{name} is away — we'll find someone else", f"header: {shop.status_line()!r}", timeout=10)
    assert dot(d) not in (GREEN, "none"), dot(d)
    assert d.find_element(By.ID, "top-avatar").get_attribute("data-presence") == "away"
    shop.shot(f"widget-holder-away-{size}", "#status", "is away")

    # Back online: the dot again.
    stack.agent_call("POST", "/api/v1/agent/presence", kim, json={"presence": "online"})
    wait_for(d, lambda: shop.status_line() == f"You're chatting with {name}", f"header: {shop.status_line()!r}", timeout=10)
    assert dot(d) == GREEN

    # Kim signs out: the chat goes back to the queue; the shopper is told, and no one is shown
    # as there.
    stack.agent_call("POST", "/api/v1/agent/auth/logout", kim)
    wait_for(d, lambda: any(m["sender"] == "system" and "had to leave" in m["text"] for m in shop.thread()),
             f"no system message about the chat going back: {shop.texts('system')}", timeout=10)
    returned = [m["text"] for m in shop.thread() if m["sender"] == "system" and "had to leave" in m["text"]]
    assert len(returned) == 1 and name in returned[0], returned
    wait_for(d, lambda: shop.status_line() == "Waiting for the next available person…", f"header: {shop.status_line()!r}")
    assert dot(d) == "none"
    assert not d.find_element(By.ID, "top-initials").text
    shop.shot(f"widget-holder-returned-{size}", lambda: shop.d.find_elements(By.CSS_SELECTOR, "#log .event")[-1], "had to leave")


# -- 2, 3: asking for a person in one's own words -----------------------------------------------

def test_asking_for_a_person_while_nobody_is_there_opens_the_form(stack, shopper):
    nobody_online(stack)
    shop = shopper(375, 700).visit()
    shop.open()
    d = shop.d
    shop.send("Can I talk to a human?")
    wait_for(d, lambda: shown(d, "leave"), "the form did not open")
    bot = shop.texts("bot")[-1]
    assert "Leave a message" in bot and "Talk to a person" not in bot, bot
    assert d.switch_to.active_element.get_attribute("id") == "leave-email"
    assert shop.status_line() == "We're away right now"
    assert shop.talk_label() == "Leave a message"
    assert not shown(d, "actions") and not shown(d, "form"), "the form stands in for the actions and the message box"
    shop.shot("widget-asks-person-away-narrow", "#leave", "Leave a message")
    confirmation = shop.send_leave_form(email="robin@example.com", message="Is the Ridgeline pack waterproof?")
    assert "robin@example.com" in confirmation, confirmation


def test_asking_for_a_person_while_someone_is_there_queues_the_chat(stack, shopper):
    someone_online(stack)
    shop = shopper(1280, 800).visit()
    shop.open()
    d = shop.d
    wait_for(d, lambda: shop.talk_label() == "Talk to a person", "nobody online")
    shop.send("I'd like to speak to someone please")
    wait_for(d, lambda: shop.status_line() == "Waiting for the next available person…", f"header: {shop.status_line()!r}")
    wait_for(d, lambda: any(m["sender"] == "system" for m in shop.thread()), "no system message from the queue")
    assert len(shop.texts("bot")) == 1, f"the bot answered a request for a person: {shop.texts('bot')}"
    assert not shown(d, "actions") and not shown(d, "chips") and not shown(d, "leave")
    assert shown(d, "form")
    token = stack.login()
    queue = stack.agent_call("GET", "/api/v1/agent/queue?limit=200", token)["items"]
    assert shop.session()["conversationId"] in [c["id"] for c in queue]
    shop.shot("widget-asks-person-queued-wide", lambda: shop.d.find_elements(By.CSS_SELECTOR, "#log .event")[-1])


# -- 9: a guest's name and e-mail after the chat started ---------------------------------------

def test_identify_after_the_chat_started_names_the_guest(stack, shopper):
    someone_online(stack)
    shop = shopper().visit()
    shop.open()
    d = shop.d
    conversation_id = shop.session()["conversationId"]
    token = stack.login()
    path = f"/api/v1/agent/conversations/{conversation_id}/messages"
    assert stack.agent_call("GET", path, token)["conversation"]["customer"]["email"] is None

    # The shop's page signs its shopper in mid-chat, as a guest (no token).
    shop.leave_frame()
    d.execute_script("Switchboard.identify({name: 'Robin Guest', email: 'robin.guest@example.com'})")
    wait_for(d, lambda: stack.agent_call("GET", path, token)["conversation"]["customer"]["email"] == "robin.guest@example.com",
             "the hints never reached the conversation")
    customer = stack.agent_call("GET", path, token)["conversation"]["customer"]
    assert customer["display_name"] == "Robin Guest", customer

    # The next page view says the same and resumes the chat: nothing changes, and the pre-chat
    # form or the offline form would not ask again.
    shop.visit()
    d.execute_script("Switchboard.identify({name: 'Robin Guest', email: 'robin.guest@example.com'})")
    shop.open()
    assert shop.session()["conversationId"] == conversation_id
    assert stack.agent_call("GET", path, token)["conversation"]["customer"]["display_name"] == "Robin Guest"


# -- 11: the demo shop follows the configured URL ----------------------------------------------

@contextlib.contextmanager
def demo_shop_json(stack, data: dict):
    """demo-shop.json in the stack's run dir (nginx serves it beside the shop page), as
    scripts/run.sh writes it; removed afterwards."""
    path = stack.run_dir / "demo-shop.json"
    tmp = path.with_name("demo-shop.json.tmp")
    tmp.write_text(json.dumps(data))
    tmp.replace(path)
    try:
        r = stack.http.get(stack.shop_origin + "/demo-shop.json", timeout=10)
        assert r.status_code == 200 and r.json() == data, (r.status_code, r.text[:200])
        yield
    finally:
        path.unlink(missing_ok=True)


def test_the_demo_shop_loads_the_chat_from_the_configured_url(stack, shopper):
    someone_online(stack)
    with demo_shop_json(stack, {"switchboard_url": stack.base_url}):
        shop = shopper(1280, 800)
        # The shop page alone, on its own origin: no ?chat= saying where the chat is.
        shop.visit(stack.shop_origin + "/")
        d = shop.d
        frame = shop.host_root().find_element(By.CSS_SELECTOR, "iframe")
        assert frame.get_attribute("src").startswith(stack.base_url + "/widget/#"), frame.get_attribute("src")
        assert stack.base_url != "http://127.0.0.1:8080", "the test needs a chat that is not on the default port"
        # The shop's own "Ask us anything" opens it.
        d.find_element(By.CSS_SELECTOR, ".hero-cta [data-open-chat]").click()
        wait_for(d, lambda: shop.state() == "open", '"Ask us anything" did not open the chat')
        shop.enter_frame()
        wait_for(d, lambda: d.find_element(By.ID, "app").get_attribute("data-phase") == "ready", "the chat did not start")
        assert shop.texts("bot"), "no welcome"


# -- 12: nothing left for a person to review in the widget's colours ----------------------------

@contextlib.contextmanager
def widget_color(stack, color: str):
    """The shop's colour (Settings → Appearance) set to `color`; the old one put back afterwards."""
    admin = stack.login("admin", stack.admin_password)
    before = stack.agent_call("GET", "/api/v1/admin/settings", admin)["widget"]["color"]
    stack.agent_call("PATCH", "/api/v1/admin/settings", admin, json={"widget": {"color": color}})
    try:
        yield
    finally:
        stack.agent_call("PATCH", "/api/v1/admin/settings", admin, json={"widget": {"color": before}})


@pytest.mark.parametrize("color", ["shop", "#f2c94c"])
def test_axe_leaves_no_colour_contrast_for_review(stack, shopper, color):
    """axe-core checks every colour in the chat, light and dark, over the shop's own colour and
    over a light one (dark text on it): no violation and nothing it could not decide."""
    someone_online(stack)
    with contextlib.ExitStack() as settings:
        if color != "shop":
            settings.enter_context(widget_color(stack, color))
        shop = shopper(375, 700).visit()
        shop.open()
        d = shop.d
        states = {}

        def check(state: str) -> None:
            for scheme in ("light", "dark"):
                dark(d, scheme == "dark")
                shop.enter_frame()
                states[f"{state}, {scheme}"] = needs_review(d) + audit(d, f"{state}, {scheme}")
            dark(d, False)
            shop.enter_frame()

        check("the welcome")
        for question in shop.quick_replies()[:3]:
            shop.tap_quick_reply_named(question)
            shop.wait_text(question, "customer")
        wait_for(d, lambda: len(shop.texts("bot")) >= 4, "the answers did not come")
        check("three answers")
        d.execute_script("document.getElementById('scroller').scrollTop = 0")  # the bar stuck over the messages
        check("scrolled up")
        shop.talk_to_person()
        conversation_id = shop.session()["conversationId"]
        token = stack.login()
        stack.agent_call("POST", f"/api/v1/agent/conversations/{conversation_id}/claim", token)
        stack.agent_call("POST", f"/api/v1/agent/conversations/{conversation_id}/messages", token, json={"content": "Hello from the desk."})
        shop.wait_text("Hello from the desk.", "agent")
        check("with a person")
        left = {state: found for state, found in states.items() if found}
        assert not left, "axe-core:\n" + "\n".join(f"{state}: {line}" for state, found in left.items() for line in found)
