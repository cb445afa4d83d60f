"""User text is always text: markup typed by a shopper or an agent renders
literally in both pages and never runs."""

from __future__ import annotations

from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By

from pages import settle, someone_online

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


def assert_inert(driver, log_id: str) -> None:
    log = driver.find_element(By.ID, log_id)
    assert not log.find_elements(By.CSS_SELECTOR, "img, script, b"), "markup from a message became elements"
    assert driver.execute_script("return window.__pwned") is None
    assert no_alert(driver)


def test_markup_in_messages_renders_as_text_in_widget_and_console(stack, shopper, console):
    someone_online(stack)  # a live chat with an agent
    shop = shopper().visit()
    shop.open()
    shop.talk_to_person()
    for text in PAYLOADS:
        shop.send(text)
        shop.wait_text(text, "customer")
    conversation_id = shop.session()["conversationId"]

    agent = console()
    agent.wait_item(conversation_id)
    agent.open(conversation_id)
    for text in PAYLOADS:
        agent.wait_text(text, "customer")
    agent.claim()
    for text in PAYLOADS:
        agent.reply(text)

    for text in PAYLOADS:
        shop.wait_text(text, "agent")
    settle(1)
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
