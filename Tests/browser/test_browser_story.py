"""The whole story in two browsers: a shopper on the demo shop (another origin)
and an agent in the console, each in its own Chromium."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from pages import someone_online, wait_for


def test_shopper_and_agent_full_story(stack, shopper, console):
    # The agent is already at work: the console is open before the chat exists, and the
    # shop is staffed (the widget offers "Talk to a person", not "Leave a message").
    agent = console()
    agent.tab("queue")
    someone_online(stack)

    # The shopper opens the chat on the shop's page (a different origin).
    shop = shopper().visit()
    assert stack.shop_origin != stack.base_url
    assert shop.d.execute_script("return location.origin") == stack.shop_origin
    shop.open()
    shop.wait_text(shop.texts("bot")[0], "bot")  # the welcome
    assert "assistant" in shop.texts("bot")[0].lower()

    # A quick reply: the question shows as the shopper's message, the bot answers.
    question = shop.tap_quick_reply(0)
    shop.wait_text(question, "customer")
    wait_for(shop.d, lambda: len(shop.texts("bot")) >= 2, "the bot did not answer the quick reply")

    # Free text, then ask for a person.
    shop.send("My parcel says delivered but it isn't here.")
    shop.wait_text("My parcel says delivered but it isn't here.", "customer")
    shop.talk_to_person()
    conversation_id = shop.session()["conversationId"]

    # The agent sees the chat appear without reloading, oldest first, with its waiting time.
    agent.wait_item(conversation_id)
    item_text = agent.item(conversation_id).text
    assert "waiting" in item_text
    agent.open(conversation_id)
    assert question in agent.texts("customer")
    assert "My parcel says delivered but it isn't here." in agent.texts("customer")
    agent.claim()
    wait_for(agent.d, lambda: agent.d.find_element(By.ID, "tab-mine").get_attribute("aria-selected") == "true",
             "claimed chat is not shown under My chats")
    assert agent.has_item(conversation_id)

    # The shopper sees who joined; both sides show it in the history.
    wait_for(shop.d, lambda: "You're chatting with Alex Agent" in shop.status_line(), "shopper not told who joined")
    shop.wait_text("Alex Agent has joined the chat.", "system")

    # The shopper minimizes the chat; the reply raises the unread badge on the shop's page.
    shop.minimize()
    shop.d.execute_script("window.__unread = []; Switchboard.onUnread(n => window.__unread.push(n));")
    agent.reply("Hi, I'm Alex. Let me look into that for you.")
    wait_for(shop.d, lambda: shop.badge() == "1", "no unread badge on the launcher")
    assert shop.d.execute_script("return window.__unread")[-1] == 1
    assert shop.d.find_element(By.ID, "help-unread").text == "1"  # the shop's own header, via onUnread

    # Opening the chat shows the reply (no reload) and clears the badge.
    shop.open()
    shop.wait_text("Hi, I'm Alex. Let me look into that for you.", "agent")
    assert shop.badge() is None

    # The shopper answers; the agent sees it, and the whole history in order.
    shop.send("Thanks! Order 4471.")
    agent.wait_text("Thanks! Order 4471.", "customer")
    agent.wait_text("Alex Agent has joined the chat.", "system")
    history = agent.texts()
    assert history.index(question) < history.index("Alex Agent has joined the chat.") < history.index("Thanks! Order 4471.")

    # The agent closes the chat (with confirmation); the shopper sees it has ended.
    agent.close_conversation()
    shop.enter_frame()
    wait_for(shop.d, lambda: shop.d.find_element(By.ID, "ended").is_displayed(), "shopper never saw the closed state")
    assert "ended" in shop.status_line()
    assert not shop.d.find_element(By.ID, "form").is_displayed()

    # And can start anew: a new conversation with a fresh welcome.
    shop.d.find_element(By.ID, "new-chat").click()
    wait_for(shop.d, lambda: shop.session()["conversationId"] != conversation_id, "no new conversation")
    wait_for(shop.d, lambda: len(shop.thread()) == 1 and shop.thread()[0]["sender"] == "bot", "the new conversation is not fresh")
    assert shop.d.find_element(By.ID, "form").is_displayed()
    assert shop.d.find_elements(By.CSS_SELECTOR, "#chips .chip")

    # Each message exactly once on both sides.
    agent_texts = agent.texts()
    assert agent_texts.count("Hi, I'm Alex. Let me look into that for you.") == 1
    assert agent_texts.count("Thanks! Order 4471.") == 1
