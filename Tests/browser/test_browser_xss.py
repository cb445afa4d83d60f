"""User text is always text: markup typed by a shopper or an agent renders
literally in both pages and never runs, and never passes through an HTML parser
(innerHTML and its kin), not even a detached one."""

from __future__ import annotations

from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By

from pages import someone_online

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    '<img src=x onerror="window.__pwned=1"><b>bold?</b>',
]


def no_alert(driver) -> bool:
    try:
        driver.switch_to.alert.text
    except NoAlertPresentException:
        return True
    return False


# Records every string handed to an HTML parser in this document. Parsing is synchronous, so
# once a message shows, any markup made of it has been recorded: no pause is needed, and a
# payload parsed into a detached element (whose image would fail and run its handler only
# later, if at all under the CSP) is caught here too.
WATCH_PARSERS = """
window.__parsed = [];
const record = (v) => window.__parsed.push(String(v));
for (const [proto, prop] of [[Element.prototype, 'innerHTML'], [Element.prototype, 'outerHTML'], [ShadowRoot.prototype, 'innerHTML']]) {
  const d = Object.getOwnPropertyDescriptor(proto, prop);
  Object.defineProperty(proto, prop, {...d, set(v) { record(v); d.set.call(this, v); }});
}
const wrap = (proto, name, arg) => {
  const f = proto[name];
  proto[name] = function (...a) { record(a[arg]); return f.apply(this, a); };
};
wrap(Element.prototype, 'insertAdjacentHTML', 1);
wrap(Range.prototype, 'createContextualFragment', 0);
wrap(DOMParser.prototype, 'parseFromString', 0);
wrap(Document.prototype, 'write', 0);
"""


def watch_parsers(driver) -> None:
    driver.execute_script(WATCH_PARSERS)


def assert_inert(driver, log_id: str) -> None:
    log = driver.find_element(By.ID, log_id)
    assert not log.find_elements(By.CSS_SELECTOR, "img, script, b"), "markup from a message became elements"
    parsed = [s for s in driver.execute_script("return window.__parsed") if any(p in s for p in PAYLOADS)]
    assert not parsed, f"message text went through an HTML parser: {parsed!r}"
    assert driver.execute_script("return window.__pwned") is None
    assert no_alert(driver)


def test_markup_in_messages_renders_as_text_in_widget_and_console(stack, shopper, console):
    someone_online(stack)  # a live chat with an agent
    shop = shopper().visit()
    shop.open()
    watch_parsers(shop.d)  # in the chat's frame, before any payload
    shop.talk_to_person()
    for text in PAYLOADS:
        shop.send(text)
        shop.wait_text(text, "customer")
    conversation_id = shop.session()["conversationId"]

    agent = console()
    watch_parsers(agent.d)  # before the list shows the chat
    agent.wait_item(conversation_id)
    agent.open(conversation_id)
    for text in PAYLOADS:
        agent.wait_text(text, "customer")
    agent.claim()
    for text in PAYLOADS:
        agent.reply(text)

    for text in PAYLOADS:
        shop.wait_text(text, "agent")
    shop.enter_frame()
    assert_inert(shop.d, "log")
    assert shop.texts("customer")[-3:] == PAYLOADS
    assert shop.texts("agent") == PAYLOADS
    shop.leave_frame()
    assert shop.d.execute_script("return window.__pwned") is None

    assert_inert(agent.d, "conv-log")
    # The list preview shows the last message as text as well.
    assert PAYLOADS[-1] in agent.item(conversation_id).get_attribute("textContent")
    assert not agent.d.find_elements(By.CSS_SELECTOR, "#list-items img, #list-items script, #list-items b")
