"""What only the event stream can carry: typing indicators both ways, and
messages arriving live (well under the ~3 s of the polling fallback)."""

from __future__ import annotations

import time

from selenium.webdriver.common.by import By

from pages import someone_online, wait_for



def test_typing_indicators_and_live_delivery(stack, shopper, console):
    agent = console()
    someone_online(stack)
    shop = shopper().visit()
    shop.open()
    shop.talk_to_person()
    conversation_id = shop.session()["conversationId"]
    agent.wait_item(conversation_id, timeout=5)
    agent.open(conversation_id)
    agent.claim()
    wait_for(shop.d, lambda: shop.stream_state() == "open", "widget stream not open", timeout=10)
    wait_for(agent.d, lambda: agent.stream_state() == "open", "console stream not open", timeout=10)

    # The shopper types: the console shows it in the conversation and in the list.
    shop.type("Hello, I have a question about")
    typing = agent.d.find_element(By.ID, "conv-typing")
    wait_for(agent.d, lambda: typing.is_displayed(), "the agent never saw the customer typing", timeout=8)
    assert "typing" in agent.item(conversation_id).text
    shop.d.find_element(By.ID, "input").send_keys("\ue007")  # Enter sends; typing stops
    agent.wait_text("Hello, I have a question about", "customer", timeout=8)
    wait_for(agent.d, lambda: not typing.is_displayed(), "typing indicator stayed after the message", timeout=8)

    # The agent types: the shopper sees "Alex Agent is typing".
    box = agent.d.find_element(By.ID, "reply")
    box.send_keys("Sure, ask away")
    shop.enter_frame()
    bubble = shop.d.find_element(By.ID, "typing")
    wait_for(shop.d, lambda: bubble.is_displayed(), "the shopper never saw the agent typing", timeout=8)
    assert "Alex Agent is typing" in shop.d.find_element(By.ID, "typing-text").get_attribute("textContent")

    # Live delivery: the reply lands in the widget fast, without polling.
    started = time.monotonic()
    box.send_keys("\ue007")
    shop.wait_text("Sure, ask away", "agent", timeout=8)
    assert time.monotonic() - started < 2.5, "the reply took as long as a poll: is the stream delivering?"
    wait_for(shop.d, lambda: not bubble.is_displayed(), "agent typing indicator stayed after the reply", timeout=8)
