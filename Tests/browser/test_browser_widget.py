"""The embed and the widget's own behaviour: the host-page API, origin checks
on both sides of postMessage, the sending → sent → failed → retry states, and
the limits it enforces, which come from the server (widget-config)."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from pages import wait_for

# The widget's inputs and the widget-config limit each one takes (none is written in the page).
LIMITED_INPUTS = {
    "input": "message_max_chars", "leave-message": "message_max_chars",
    "prechat-name": "display_name_max_chars", "leave-name": "display_name_max_chars",
    "prechat-email": "email_max_chars", "leave-email": "email_max_chars", "transcript-email": "email_max_chars",
}


def handled_messages_posted_so_far(d) -> None:
    """Waits until the messages posted to the current window so far have been handled: a
    marker posted now comes after them (a window receives its messages in the order they
    were posted), and the loader and the chat handle each of theirs synchronously."""
    d.execute_script("""
      window.__markerSeen = false;
      const marker = 'switchboard-test-marker-' + Math.random();
      addEventListener('message', function seen(event) {
        if (event.data !== marker) return;
        window.__markerSeen = true;
        removeEventListener('message', seen);
      });
      postMessage(marker, '*');""")
    wait_for(d, lambda: d.execute_script("return window.__markerSeen"), "the marker message never arrived", timeout=5)


def test_embed_api_and_origin_checks(stack, shopper):
    shop = shopper().visit()
    d = shop.d
    frame = shop.host_root().find_element(By.CSS_SELECTOR, "iframe")
    assert frame.get_attribute("src").startswith(stack.base_url + "/widget/#")
    # The host page cannot read into the chat.
    assert d.execute_script("return arguments[0].contentDocument", frame) is None

    # Forged messages from the host page itself are ignored by the loader.
    d.execute_script("window.postMessage({source: 'switchboard-widget', type: 'unread', count: 5}, '*');"
                     "window.postMessage({source: 'switchboard-widget', type: 'open'}, '*');")
    handled_messages_posted_so_far(d)
    assert shop.badge() is None
    assert shop.state() == "closed"

    # ...and by the iframe: a message that does not come from its parent (here:
    # itself) cannot open it, so no conversation gets started.
    with shop.frame():
        d.execute_script("window.postMessage({source: 'switchboard-host', type: 'state', open: true}, '*');")
        handled_messages_posted_so_far(d)
        # Taken, it would have marked the chat open at once (and then started a conversation).
        assert "panel-open" not in d.find_element(By.TAG_NAME, "html").get_attribute("class").split()
        assert shop.session() is None

    # The public API. A signed-in shopper is identified before the chat starts.
    d.execute_script("Switchboard.identify({name: 'Jamie Rivera', email: 'jamie@example.com'}); Switchboard.open()")
    wait_for(d, lambda: shop.state() == "open", "Switchboard.open() did not open")
    d.execute_script("Switchboard.toggle()")
    wait_for(d, lambda: shop.state() == "closed", "Switchboard.toggle() did not close")
    d.execute_script("Switchboard.toggle()")
    shop.open()
    conversation = shop.session()
    token = stack.login()
    view = stack.agent_call("GET", f"/api/v1/agent/conversations/{conversation['conversationId']}/messages", token)
    assert view["conversation"]["customer"] == {"display_name": "Jamie Rivera", "email": "jamie@example.com", "source": "start"}

    # Escape inside the chat minimizes it and gives the focus back to the launcher.
    shop.enter_frame()
    d.find_element(By.ID, "input").click()
    d.switch_to.active_element.send_keys("\ue00c")  # Escape
    shop.leave_frame()
    wait_for(d, lambda: shop.state() == "closed", "Escape did not minimize the chat")
    d.execute_script("Switchboard.close()")
    assert shop.state() == "closed"


def test_send_states_sending_sent_failed_retry(stack, shopper):
    shop = shopper().visit()
    shop.open()
    d = shop.d
    d.execute_cdp_cmd("Network.enable", {})

    # A slow send: the message shows at once, marked "Sending…", then sent. (The POST is
    # held back in the page; throttling the network would not do, since with a live
    # stream the server's event confirms the message before the POST's answer arrives.)
    d.execute_script("""
      const real = window.fetch;
      window.fetch = (url, init) => (init && init.method === 'POST' && String(url).endsWith('/messages'))
        ? new Promise((resolve) => setTimeout(resolve, 1500)).then(() => real(url, init))
        : real(url, init);
      window.__restoreFetch = () => { window.fetch = real; };
    """)
    shop.send("Slow but sure")
    wait_for(d, lambda: any(m["text"] == "Slow but sure" and m["status"] == "sending" for m in shop.thread()), "no sending state")
    # (textContent: the new bubble may still be fading in, and .text only reads visible text)
    assert "Sending" in d.find_element(By.CSS_SELECTOR, '.msg[data-status="sending"] .meta').get_attribute("textContent")
    shop.wait_text("Slow but sure", "customer")
    d.execute_script("window.__restoreFetch()")

    # The send fails: the message stays, marked "Not sent", with Retry.
    d.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/messages"]})
    shop.send("This one fails first")
    wait_for(d, lambda: any(m["text"] == "This one fails first" and m["status"] == "failed" for m in shop.thread()), "no failed state")
    failed = d.find_element(By.CSS_SELECTOR, '.msg[data-status="failed"]')
    client_id = failed.get_attribute("data-client-id")
    assert "Not sent" in failed.get_attribute("textContent")
    retry = failed.find_element(By.CSS_SELECTOR, "button.retry")
    assert retry.get_attribute("textContent") == "Retry"

    # Back online: Retry sends it with the same client_message_id, once.
    d.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
    retry.click()
    shop.wait_text("This one fails first", "customer")
    conversation = shop.session()
    server = stack.customer_messages(conversation["conversationId"], conversation["sessionId"])
    mine = [m for m in server if m["content"] == "This one fails first"]
    assert len(mine) == 1 and mine[0]["client_message_id"] == client_id
    assert shop.texts().count("This one fails first") == 1


def test_widget_page_on_its_own_and_the_landing_page(stack, browser):
    d = browser(1280, 800)
    d.get(stack.url("/"))
    links = {a.get_attribute("href") for a in d.find_elements(By.CSS_SELECTOR, "a")}
    assert stack.url("/agent/") in links and stack.url("/docs/") in links
    assert any(":8081/" in href or "/shop/" in href for href in links)
    d.get(stack.url("/docs/"))
    assert "API reference" in d.title

    # /widget/ opened directly (not embedded) starts a chat right away.
    d.get(stack.url("/widget/"))
    wait_for(d, lambda: d.find_element(By.ID, "app").get_attribute("data-phase") == "ready", "widget page not ready")
    assert not d.find_element(By.ID, "minimize").is_displayed()
    box = d.find_element(By.ID, "input")
    assert box.value_of_css_property("font-size") == "16px"  # no zoom on iOS


def test_the_limits_come_from_the_server(stack, shopper):
    r = stack.http.get(stack.url("/api/v1/customer/widget-config"), timeout=15)
    limits = r.json()["limits"]
    assert limits["message_max_chars"] > 0, limits
    page = stack.http.get(stack.url("/widget/"), timeout=15).text
    assert "maxlength" not in page, "a limit is written in the widget's page instead of coming from widget-config"
    shop = shopper().visit()
    shop.open()
    d = shop.d
    for element_id, key in LIMITED_INPUTS.items():
        assert d.find_element(By.ID, element_id).get_attribute("maxlength") == str(limits[key]), element_id
    # The widget checks the same limit (a script or a paste can get past maxlength): one
    # character over is kept in the box and not sent; the longest message goes through whole.
    longest = "é" * (limits["message_max_chars"] - 1) + "😀"  # counted in characters, as the server counts
    fill = ("const box = document.getElementById('input'); box.value = arguments[0];"
            "box.dispatchEvent(new Event('input', {bubbles: true}));")
    before = len(shop.thread())
    d.execute_script(fill, longest + "!")
    d.find_element(By.ID, "input").send_keys(Keys.ENTER)
    # (no wait needed: a send shows its message at once, in the same task as the key press)
    assert len(shop.thread()) == before, "a message over the limit was sent"
    assert d.find_element(By.ID, "input").get_attribute("value") == longest + "!"
    d.execute_script(fill, longest)
    d.find_element(By.ID, "input").send_keys(Keys.ENTER)
    shop.wait_text(longest, "customer")
    conversation = shop.session()
    stored = stack.customer_messages(conversation["conversationId"], conversation["sessionId"])
    assert [m["content"] for m in stored].count(longest) == 1
