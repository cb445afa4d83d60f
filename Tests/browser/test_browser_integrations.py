"""Settings → Integrations in a real browser (issue 24; docs/API.md "Webhooks" and "API keys
for the shop's systems"), on a stack of its own whose webhooks may go to http:// addresses on
127.0.0.1 (SWITCHBOARD_WEBHOOK_ALLOW_HTTP=1, SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE=1), where two
receivers listen: one answers every delivery 500, the other 204.

- An admin adds the healthy receiver's endpoint in the form and sees its signing secret once
  (the receiver verifies the test event's signature with it, as any Standard Webhooks library
  does); the other endpoint was added over REST. "Send test event" on each: the list, read
  again while it is shown, says Healthy for one and Failing (since when, HTTP 500, what waits)
  for the other, in words beside an icon.
- The failing one's delivery log: the test event, Retrying, its attempts and HTTP 500;
  "Redeliver" queues it again (audited as webhook.redelivered).
- An API key: created in the form, its key shown once (sbk_ and 43 characters), listed by
  its prefix, gone from the page after "I have copied it" and after leaving the section; the
  key works, and a message it writes into a chat shows in the conversation as
  "Order system · integration".
Screenshots (pages.shot: on screen, axe-core clean), Tests/artifacts/screenshots/:
integrations-webhooks-wide/-narrow (the failing endpoint with its log open),
integrations-secret-wide (the new endpoint's secret), integrations-apikey-wide/-narrow (the
key shown once), integrations-message-wide (the integration's message in a chat)."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from selenium.webdriver.common.by import By
from standardwebhooks.webhooks import Webhook

from conftest import ADMIN_PASSWORD, BrowserStack
from pages import AgentConsole, audit, shot, wait_for

WIDE, NARROW = (1280, 800), (375, 700)
KEY_NAME = "Order system"


class Receiver:
    """An HTTP server on 127.0.0.1 that answers every POST with `status` and keeps what came."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.received: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.received.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/{'ok' if status < 300 else 'broken'}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self) -> list[dict]:
        with self.lock:
            return list(self.received)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def receivers():
    failing, healthy = Receiver(500), Receiver(204)
    yield failing, healthy
    failing.close()
    healthy.close()


@pytest.fixture(scope="module")
def hooks(tmp_path_factory) -> BrowserStack:
    """A browser stack whose webhooks may go to http:// on 127.0.0.1 (the receivers)."""
    s = BrowserStack(tmp_path_factory.mktemp("hooks-stack"), "browser-hooks",
                     SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE="1", SWITCHBOARD_WEBHOOK_ALLOW_HTTP="1")
    s.start()
    yield s
    s.stop()


def admin_console(browser, stack: BrowserStack, size: tuple[int, int]) -> AgentConsole:
    c = AgentConsole(browser(*size), stack)
    c.sign_in("admin", ADMIN_PASSWORD)
    return c


def test_integrations(hooks, receivers, browser):
    failing, healthy = receivers
    admin = hooks.login("admin", ADMIN_PASSWORD)
    broken = hooks.agent_call("POST", "/api/v1/admin/webhooks", admin, json={
        "url": failing.url, "description": "Old order system", "events": ["conversation.created", "message.created"]})
    assert broken["secret"].startswith("whsec_"), broken

    c = admin_console(browser, hooks, WIDE)
    d = c.d
    s = c.settings("integrations")
    assert d.find_element(By.ID, "integrations-title").text == "Integrations"
    s.webhook(failing.url)

    # -- a new endpoint in the form: its secret shown once ------------------------------------
    d.find_element(By.ID, "webhook-new").click()
    wait_for(d, lambda: d.find_element(By.ID, "webhook-form").is_displayed(), "no endpoint form")
    s._fill("webhook-url", healthy.url)
    s._fill("webhook-description", KEY_NAME)
    d.find_element(By.ID, "webhook-save").click()
    box = d.find_element(By.ID, "webhook-secret")
    wait_for(d, lambda: box.is_displayed() or d.find_element(By.ID, "webhook-url-error").is_displayed()
             or d.find_element(By.ID, "webhook-form-error").is_displayed(), "the endpoint was neither added nor refused")
    assert box.is_displayed(), (d.find_element(By.ID, "webhook-url-error").text, d.find_element(By.ID, "webhook-form-error").text)
    secret = d.find_element(By.ID, "webhook-secret-value").get_attribute("value")
    assert secret.startswith("whsec_"), secret
    assert "You will not see this again" in box.text
    assert d.find_element(By.ID, "webhook-secret-copy").text == "Copy"
    shot(d, "integrations-secret-wide", "#webhook-secret", "You will not see this again")
    d.find_element(By.ID, "webhook-secret-done").click()
    wait_for(d, lambda: not box.is_displayed(), "the secret stayed after “I have copied it”")
    assert d.find_element(By.ID, "webhook-secret-value").get_attribute("value") == ""
    assert secret not in d.page_source
    assert s.webhook_health(healthy.url) == "New"

    # -- a test event to each: Healthy and Failing, in words ----------------------------------
    s.webhook_action(healthy.url, "test")
    wait_for(d, lambda: "Test event sent to" in c.toast_text(), "no word that the test event went")
    s.webhook_action(failing.url, "test")
    s.wait_webhook_health(healthy.url, "Healthy")
    s.wait_webhook_health(failing.url, "Failing")
    test_events = [e for e in healthy.events() if json.loads(e["body"])["type"] == "webhook.test"]
    assert test_events, healthy.events()
    Webhook(secret).verify(test_events[0]["body"], test_events[0]["headers"])  # signed with the secret shown once
    text = s.webhook(failing.url).text
    assert "Failing since" in text and "answered HTTP 500" in text, text
    assert "Old order system" in text, text
    # The state is said in words beside an icon, not by its colour alone.
    badge = s.webhook(failing.url).find_element(By.CSS_SELECTOR, ".badge.health")
    assert badge.find_elements(By.CSS_SELECTOR, "svg"), badge.get_attribute("outerHTML")

    # -- the failing one's log and Redeliver ---------------------------------------------------
    log = s.open_delivery_log(failing.url)
    rows = s.deliveries(failing.url)
    first = rows[0]
    assert first["event"] == "webhook.test", rows
    assert first["label"] in ("Retrying", "Waiting"), rows
    assert first["facts"]["Last answer"] == "HTTP 500", first
    assert int(first["facts"]["Attempts"]) >= 1, first
    assert first["facts"]["Created"], first
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", log)
    shot(d, "integrations-webhooks-wide", log, "Redeliver")
    log.find_element(By.CSS_SELECTOR, f'li.delivery[data-id="{first["id"]}"] [data-action="redeliver"]').click()
    wait_for(d, lambda: "Queued again" in c.toast_text(), "no word that it was queued again")
    audit_log = hooks.agent_call("GET", "/api/v1/admin/audit?limit=20", admin)["items"]
    assert any(e["action"] == "webhook.redelivered" for e in audit_log), [e["action"] for e in audit_log]
    assert s.deliveries(failing.url)[0]["state"] == "pending"

    # -- an API key, shown once ----------------------------------------------------------------
    key = s.create_api_key(KEY_NAME, "admin")
    assert key.startswith("sbk_") and len(key) == 47, key
    d.execute_script("document.getElementById('apikey-created').scrollIntoView({block: 'center'})")
    shot(d, "integrations-apikey-wide", "#apikey-created", "You will not see this again")
    item = s.api_key(KEY_NAME)
    assert key[:12] in item.text and key not in item.text, item.text
    assert "Admin" in item.text and "Never" in item.text, item.text
    d.find_element(By.ID, "apikey-created-done").click()
    wait_for(d, lambda: not d.find_element(By.ID, "apikey-created").is_displayed(), "the key stayed after “I have copied it”")
    assert key not in d.page_source
    me = hooks.agent_call("GET", "/api/v1/agent/me", key)
    assert me["integration"] is True, me

    # Another section and back: no secret, no key anywhere on the page.
    c.settings("team")
    c.settings("integrations")
    s.webhook(failing.url)
    assert key not in d.page_source and secret not in d.page_source

    # -- what the key writes, as the console shows it --------------------------------------------
    customer = hooks.http.post(hooks.url("/api/v1/customer/conversations/start"), json={"email": "ada@example.com"}, timeout=15)
    assert customer.status_code == 200, customer.text
    conv = customer.json()["conversation"]
    hooks.http.post(hooks.url(f"/api/v1/customer/conversations/{conv['id']}/escalate"),
                    headers={"X-Customer-Session-Id": conv["customer_session_id"]}, timeout=15).raise_for_status()
    hooks.agent_call("POST", f"/api/v1/agent/conversations/{conv['id']}/claim", admin)
    words = f"Your order {uuid.uuid4().hex[:6]} has shipped."
    hooks.agent_call("POST", f"/api/v1/agent/conversations/{conv['id']}/messages", key, json={"content": words})
    d.get(hooks.url("/agent/"))
    wait_for(d, lambda: d.find_element(By.ID, "app-view").is_displayed(), "the console did not open again")
    c.tab("mine")
    c.wait_item(conv["id"])
    c.open(conv["id"])
    c.wait_text(words, "agent")
    name = next(m["name"] for m in c.thread() if m["text"] == words)
    assert name == f"{KEY_NAME} · integration", name
    shot(d, "integrations-message-wide", c.message(words), f"{KEY_NAME} · integration")


def test_integrations_narrow(hooks, receivers, browser):
    """At 375 px: both endpoints, the failing one's log and a new key fit the screen and read
    the same (runs after test_integrations, whose endpoints and deliveries it shows)."""
    failing, healthy = receivers
    c = admin_console(browser, hooks, NARROW)
    d = c.d
    s = c.settings("integrations")
    s.wait_webhook_health(failing.url, "Failing")
    s.wait_webhook_health(healthy.url, "Healthy")
    log = s.open_delivery_log(failing.url)
    overflow = d.execute_script("return document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"
    wide = d.execute_script("""
      return [...document.querySelectorAll('#section-integrations *')]
        .filter((e) => e.offsetParent && e.getBoundingClientRect().right > innerWidth + 0.5)
        .map((e) => e.tagName + '.' + e.className).slice(0, 5);""")
    assert not wide, f"past the right edge at 375 px: {wide}"
    # The failing endpoint from its name down: its health in words, its actions, the log's start.
    item = s.webhook(failing.url)
    d.execute_script("arguments[0].scrollIntoView({block: 'start'})", item)
    shot(d, "integrations-webhooks-narrow", item.find_element(By.CSS_SELECTOR, ".badge.health"), "Failing")
    key = s.create_api_key(f"CRM {uuid.uuid4().hex[:4]}")
    assert key.startswith("sbk_"), key
    d.execute_script("document.getElementById('apikey-created').scrollIntoView({block: 'center'})")
    shot(d, "integrations-apikey-narrow", "#apikey-created-value")
    problems = audit(d, "integrations narrow")
    assert not problems, "\n".join(problems)
