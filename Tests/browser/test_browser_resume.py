"""Reload and second-tab resume, and a network drop (notifier stopped and
restarted) that loses and duplicates nothing."""

from __future__ import annotations

import requests
from selenium.webdriver.common.by import By

from pages import someone_online, wait_for


def customer_says(stack, conversation: dict, text: str) -> None:
    """The shopper writes through REST (as a third tab would), with the widget's session."""
    r = stack.http.post(stack.url(f"/api/v1/customer/conversations/{conversation['conversationId']}/messages"),
                        json={"content": text}, headers={"X-Customer-Session-Id": conversation["sessionId"]}, timeout=15)
    assert r.status_code == 200, r.text


def test_reload_and_second_tab_show_the_same_conversation(stack, shopper):
    shop = shopper().visit()
    shop.open()
    shop.send("First message before the reload")
    shop.wait_text("First message before the reload", "customer")
    first = shop.session()

    # Reload: same conversation, same history, nothing doubled.
    shop.visit()
    shop.open()
    shop.wait_text("First message before the reload", "customer")
    assert shop.session() == first
    assert shop.texts().count("First message before the reload") == 1
    assert shop.texts("bot").count(shop.texts("bot")[0]) == 1

    # A second tab of the same shop: the same conversation too.
    tab1 = shop.d.current_window_handle
    shop.leave_frame()
    shop.d.switch_to.new_window("tab")
    tab2 = shop.d.current_window_handle
    shop.visit()
    shop.open()
    shop.wait_text("First message before the reload", "customer")
    assert shop.session()["conversationId"] == first["conversationId"]

    # What one tab sends shows up in the other, once.
    shop.send("Hello from the second tab")
    shop.wait_text("Hello from the second tab", "customer")
    shop.leave_frame()
    shop.d.switch_to.window(tab1)
    shop.enter_frame()
    shop.wait_text("Hello from the second tab", "customer", timeout=40)
    # Shown once, and not again later: a message written after it has arrived too. Events come
    # in id order and a resync asks only for what follows the last one seen, so a second copy
    # of the earlier message would have come before this one.
    customer_says(stack, first, "Written after the second tab's")
    shop.wait_text("Written after the second tab's", "customer")
    assert shop.texts().count("Hello from the second tab") == 1
    assert shop.texts().count("First message before the reload") == 1

    # The server has each message once (the client_message_id made retries safe).
    server = [m["content"] for m in stack.customer_messages(first["conversationId"], first["sessionId"])]
    assert server.count("First message before the reload") == 1
    assert server.count("Hello from the second tab") == 1
    shop.leave_frame()
    shop.d.switch_to.window(tab2)


def test_a_new_visitor_does_not_create_conversations_until_the_chat_is_opened(stack, shopper):
    token = stack.login()
    before = stack.agent_call("GET", "/api/v1/agent/conversations?status=automated&limit=200", token)["items"]
    shop = shopper().visit()
    # The launcher shows only once the chat's frame has finished loading (its stored session
    # resumed, the shop's settings in: widget.js): by then nothing was started, nor stored.
    with shop.frame():
        assert shop.d.find_element(By.ID, "app").get_attribute("data-phase") == "idle"
    assert shop.session() is None
    after = stack.agent_call("GET", "/api/v1/agent/conversations?status=automated&limit=200", token)["items"]
    assert len(after) == len(before), "merely loading the shop page started a conversation"
    shop.open()
    assert shop.session()["conversationId"]


def test_network_drop_loses_and_duplicates_nothing(stack, shopper, console):
    agent = console()
    someone_online(stack)
    shop = shopper().visit()
    shop.open()
    shop.talk_to_person()
    conversation = shop.session()
    agent.wait_item(conversation["conversationId"])
    agent.open(conversation["conversationId"])
    agent.claim()

    # Both pages are on the live stream.
    wait_for(shop.d, lambda: shop.stream_state() == "open", "widget stream not open")
    wait_for(agent.d, lambda: agent.stream_state() == "open", "console stream not open")
    agent.reply("Before the drop")
    shop.wait_text("Before the drop", "agent")

    # The notifier dies: both pages notice and say so. (stack.sh restarts it within a
    # second or two, so the state and the notice are read together, atomically; the
    # notice itself fades in only after 1.5 s so that a quick reconnect stays quiet.)
    old = stack.kill_notifier()
    notice = """
      const conn = document.getElementById('conn');
      return document.documentElement.dataset.stream === 'reconnecting' && !conn.hidden
        && conn.textContent.includes('Reconnecting');"""
    shop.enter_frame()
    wait_for(shop.d, lambda: shop.d.execute_script(notice), "the widget did not show Reconnecting…", timeout=15)
    wait_for(agent.d, lambda: agent.d.execute_script(notice), "the console did not show Reconnecting…", timeout=15)

    # Messages keep flowing through REST meanwhile, both ways.
    token = stack.login()
    during = [f"During the drop {i}" for i in range(3)]
    for text in during:
        stack.agent_call("POST", f"/api/v1/agent/conversations/{conversation['conversationId']}/messages", token,
                         json={"content": text})
    shop.send("Customer during the drop")
    shop.wait_text("Customer during the drop", "customer")

    # The notifier comes back; the pages resume from their last event id.
    stack.wait_notifier_restarted(old)
    wait_for(shop.d, lambda: shop.stream_state() == "open",
             "widget did not reconnect", timeout=60)
    wait_for(agent.d, lambda: agent.stream_state() == "open",
             "console did not reconnect", timeout=60)
    agent.reply("After the drop")
    shop.wait_text("After the drop", "agent")
    for text in during:
        shop.wait_text(text, "agent")
    agent.wait_text("Customer during the drop", "customer")
    # Nothing arrives twice later on: a message each way written after all that has arrived
    # on both pages, and each page takes events in id order (a resumed stream replays only
    # what follows its last id, a resync asks only for what follows the last message), so
    # a late copy of anything above would have come first.
    agent.reply("After the drop, once more")
    shop.wait_text("After the drop, once more", "agent")
    customer_says(stack, conversation, "Customer after the drop")
    agent.wait_text("Customer after the drop", "customer")
    shop.wait_text("Customer after the drop", "customer")

    expected_agent = ["Before the drop", *during, "After the drop", "After the drop, once more"]
    shop_agent = shop.texts("agent")
    assert shop_agent == expected_agent, shop_agent
    console_texts = agent.texts()
    for text in [*expected_agent, "Customer during the drop", "Customer after the drop"]:
        assert console_texts.count(text) == 1, (text, console_texts)
    for text in ("Customer during the drop", "Customer after the drop"):
        assert shop.texts("customer").count(text) == 1, (text, shop.texts("customer"))
    assert requests.get(stack.url("/api/v1/health"), timeout=5).json().get("notifier") in ("ok", "up", True)
