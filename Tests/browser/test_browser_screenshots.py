"""Screenshots of the widget and the console, narrow (375×700, a phone) and
wide (1280×800), light and dark, mid-conversation, saved to
Tests/artifacts/screenshots/. Each first checks what it is a picture of: the
message it is about on screen (not scrolled away or covered), and axe-core
clean on the page (pages.shot)."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from conftest import resize
from pages import dark, shot, someone_online, wait_for

LAST = "That's great, thank you!"
DRAFT = "Anything else I can help with today?"


def test_screenshots_of_widget_and_console(stack, shopper, console):
    someone_online(stack)  # a live chat: "Talk to a person"
    shop = shopper(1280, 800).visit()
    shop.d.execute_script("Switchboard.identify({name: 'Jamie Rivera', email: 'jamie@example.com'})")
    shop.open()
    shop.tap_quick_reply(0)
    wait_for(shop.d, lambda: len(shop.texts("bot")) >= 2, "no bot answer")
    shop.send("It's been 6 days and the tracking hasn't moved. Order NW-4471.")
    shop.wait_text("It's been 6 days and the tracking hasn't moved. Order NW-4471.", "customer")
    shop.talk_to_person()
    conversation_id = shop.session()["conversationId"]

    agent = console(1280, 800)
    agent.wait_item(conversation_id)
    agent.open(conversation_id)
    agent.claim()
    agent.reply("Hi Jamie, I'm sorry about the wait. Let me check with the carrier.")
    agent.reply("Good news: your parcel is at the local depot and goes out for delivery tomorrow morning.")
    shop.wait_text("Good news: your parcel is at the local depot and goes out for delivery tomorrow morning.", "agent")
    shop.send(LAST)
    agent.wait_text(LAST, "customer")
    shop.wait_text(LAST, "customer")
    # The agent starts typing a follow-up (left unsent in the reply box).
    agent.d.find_element(By.ID, "reply").send_keys(DRAFT)

    # The conversation's last message, on screen in the chat and in the console.
    shop.shot("widget-wide", lambda: shop.message(LAST), LAST)
    shot(agent.d, "console-wide", agent.message(LAST), LAST)
    assert agent.d.find_element(By.ID, "reply").get_attribute("value") == DRAFT

    resize(shop.d, 375, 700)
    shop.enter_frame()
    shop.d.execute_script("document.getElementById('scroller').scrollTop = 1e6")
    shop.shot("widget-narrow", lambda: shop.message(LAST), LAST)
    resize(agent.d, 375, 700)
    shot(agent.d, "console-narrow", agent.message(LAST), LAST)

    dark(shop.d, True)
    shop.shot("widget-narrow-dark", lambda: shop.message(LAST), LAST)
    resize(agent.d, 1280, 800)
    dark(agent.d, True)
    shot(agent.d, "console-wide-dark", agent.message(LAST), LAST)

    # The closed launcher with an unread badge, on a phone.
    dark(shop.d, False)
    shop.minimize()
    agent.d.find_element(By.ID, "reply").send_keys("\ue007")  # Enter: sends the follow-up
    wait_for(shop.d, lambda: shop.badge() == "1", "no unread badge")
    shot(shop.d, "shop-narrow-unread", shop.host_root().find_element(By.CSS_SELECTOR, ".sb-badge"), "1",
         axe_context={"exclude": [["iframe"]]})

    # The console's list on a phone.
    resize(agent.d, 375, 700)
    dark(agent.d, False)
    agent.d.find_element(By.ID, "conv-back").click()
    wait_for(agent.d, lambda: agent.d.find_element(By.ID, "list").is_displayed(), "no list after Back")
    shot(agent.d, "console-narrow-list", agent.item(conversation_id), DRAFT)
