"""Ratings after a chat (docs/API.md "Ratings", issue 23), in real Chromium against the real
stack:

- in the demo shop's widget a shopper asks for a person; an agent (REST) answers and closes;
  the widget asks the shop's question (`csat.question`) with five labelled choices and a
  comment; the shopper rates, the widget thanks them, and the rating is stored as they gave
  it (the customer's and the agent's view); a reload does not ask again;
- "No thanks" sends nothing;
- with ratings switched off (`csat.enabled: false`) the widget never asks.

Screenshots (wide 1280×800 and narrow 375×700: the question, the thank-you) go through
pages.shot, which first checks that what they show is on screen and that axe-core finds
nothing on the page."""

from __future__ import annotations

import uuid

import pytest
from selenium.webdriver.common.by import By

from conftest import ADMIN_PASSWORD, resize
from pages import someone_online, wait_for

A = "/api/v1/agent"
C = "/api/v1/customer"
D = "/api/v1/admin"
DEFAULT_CSAT = {"enabled": True, "question": "How did we do?"}


def admin_token(stack) -> str:
    return stack.login("admin", ADMIN_PASSWORD)


def set_csat(stack, **members) -> None:
    stack.agent_call("PATCH", f"{D}/settings", admin_token(stack), json={"csat": members})


@pytest.fixture
def csat(stack):
    """Changes the shop's csat settings for a test; the defaults come back at its end."""
    yield lambda **members: set_csat(stack, **members)
    set_csat(stack, **DEFAULT_CSAT)


def asking_for_a_person(stack, shop, text: str) -> str:
    """The shopper in the demo shop's widget writes and asks for a person; their conversation's id."""
    someone_online(stack)
    shop.visit().open().send(text)
    shop.wait_text(text, "customer")
    shop.talk_to_person()
    return shop.session()["conversationId"]


def answered_and_closed(stack, conv_id: str, reply: str) -> str:
    """The seeded agent claims, answers and closes the chat (REST); their token."""
    token = stack.login()
    stack.agent_call("POST", f"{A}/conversations/{conv_id}/claim", token)
    stack.agent_call("POST", f"{A}/conversations/{conv_id}/messages", token, json={"content": reply})
    stack.agent_call("POST", f"{A}/conversations/{conv_id}/close", token)
    return token


def app(shop, name: str) -> str | None:
    shop.enter_frame()
    return shop.d.find_element(By.ID, "app").get_attribute(f"data-{name}")


def wait_app(shop, name: str, value: str) -> None:
    wait_for(shop.d, lambda: app(shop, name) == value, f"#app data-{name} is {app(shop, name)!r}, not {value!r}")


def customer_view(stack, shop, conv_id: str) -> dict:
    session = shop.session()["sessionId"]
    r = stack.http.get(stack.url(f"{C}/conversations/{conv_id}"), headers={"X-Customer-Session-Id": session}, timeout=15)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_shopper_rates_the_chat_in_the_widget(stack, shopper, csat):
    question = f"How was your chat with Northwind? ({uuid.uuid4().hex[:4]})"
    csat(question=question)
    shop = shopper(1280, 800)
    conv_id = asking_for_a_person(stack, shop, "My parcel never came.")
    reply = "Sorry about that! A new one is on its way."
    token = answered_and_closed(stack, conv_id, reply)
    shop.wait_text(reply, "agent")
    wait_app(shop, "status", "closed")
    wait_app(shop, "rating", "survey")

    d = shop.d
    form = d.find_element(By.ID, "rating")
    assert form.is_displayed()
    assert d.find_element(By.ID, "rating-question").text == question
    labels = [d.find_element(By.CSS_SELECTOR, f'label[for="rating-score-{n}"]').text for n in range(1, 6)]
    assert all(label.split()[0] == str(n) and len(label.split()) > 1 for n, label in zip(range(1, 6), labels)), labels
    shop.shot("rating-survey-wide", "#rating", question)

    d.find_element(By.CSS_SELECTOR, 'label[for="rating-score-4"]').click()
    assert d.find_element(By.ID, "rating-score-4").is_selected()
    comment = "Quick and kind, thank you."
    d.find_element(By.ID, "rating-comment").send_keys(comment)
    resize(d, 375, 700)
    shop.enter_frame()
    shop.shot("rating-survey-narrow", "#rating", question)
    resize(d, 1280, 800)
    shop.enter_frame()
    d.find_element(By.ID, "rating-send").click()
    wait_app(shop, "rating", "thanks")
    thanks = d.find_element(By.ID, "rating-thanks")
    assert thanks.is_displayed() and "Thank you" in thanks.text
    assert not d.find_element(By.ID, "rating").is_displayed()
    shop.shot("rating-thanks-wide", "#rating-thanks", "Thank you")

    # Stored as given: the customer's view and the agent's.
    agent_view = stack.agent_call("GET", f"{A}/conversations/{conv_id}/messages", token)["conversation"]
    assert (agent_view["rating"]["score"], agent_view["rating"]["comment"]) == (4, comment)
    mine = customer_view(stack, shop, conv_id)
    assert mine["can_rate"] is False and mine["rating"] == agent_view["rating"]

    # A reload does not ask again.
    shop.visit().open()
    wait_app(shop, "status", "closed")
    assert app(shop, "rating") != "survey"
    assert not shop.d.find_element(By.ID, "rating").is_displayed()


def test_no_thanks_sends_nothing(stack, shopper):
    shop = shopper(1280, 800)
    conv_id = asking_for_a_person(stack, shop, "Can I change my order?")
    token = answered_and_closed(stack, conv_id, "Done, it's changed.")
    wait_app(shop, "rating", "survey")
    shop.d.find_element(By.ID, "rating-dismiss").click()
    wait_app(shop, "rating", "none")
    assert not shop.d.find_element(By.ID, "rating").is_displayed()
    assert stack.agent_call("GET", f"{A}/conversations/{conv_id}/messages", token)["conversation"]["rating"] is None
    assert customer_view(stack, shop, conv_id)["can_rate"] is True, "dismissing sent nothing"


def test_no_question_while_ratings_are_off(stack, shopper, csat):
    csat(enabled=False)
    shop = shopper(1280, 800)
    conv_id = asking_for_a_person(stack, shop, "Do you ship to Norway?")
    answered_and_closed(stack, conv_id, "We do!")
    shop.wait_text("We do!", "agent")
    wait_app(shop, "status", "closed")
    assert app(shop, "rating") == "none"
    assert not shop.d.find_element(By.ID, "rating").is_displayed()
    assert customer_view(stack, shop, conv_id)["can_rate"] is True, "the chat allows it; the shop does not ask"
