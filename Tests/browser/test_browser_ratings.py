"""Ratings after a chat (docs/API.md "Ratings", issue 23), in real Chromium against the real
stack:

- in the demo shop's widget a shopper asks for a person; an agent (REST) answers and closes;
  the widget asks the shop's question (`csat.question`) with five labelled choices and a
  comment; the shopper rates, the widget thanks them, and the rating is stored as they gave
  it (the customer's and the agent's view); a reload does not ask again;
- "No thanks" sends nothing;
- with ratings switched off (`csat.enabled: false`) the widget never asks;
- the console: the open conversation shows the rating ("Rated 4 out of 5" and the comment)
  the moment the shopper sends it (`conversation.rated`), and its row too; the admin's Reports
  page counts it in the CSAT tile, the same numbers as `GET /api/v1/admin/reports/overview`.

Screenshots (wide 1280×800 and narrow 375×700: the question, the thank-you; the console's
rated conversation and the Reports page) go through
pages.shot, which first checks that what they show is on screen and that axe-core finds
nothing on the page."""

from __future__ import annotations

import uuid

import pytest
from selenium.webdriver.common.by import By

from conftest import ADMIN_PASSWORD, resize
from pages import asking_for_a_person, shot, wait_for

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


def rate_in_widget(shop, score: int, comment: str) -> None:
    wait_app(shop, "rating", "survey")
    shop.d.find_element(By.CSS_SELECTOR, f'label[for="rating-score-{score}"]').click()
    shop.d.find_element(By.ID, "rating-comment").send_keys(comment)
    shop.d.find_element(By.ID, "rating-send").click()
    wait_app(shop, "rating", "thanks")


def test_the_console_and_the_reports_show_the_rating(stack, shopper, console):
    shop = shopper(1280, 800)
    conv_id = asking_for_a_person(stack, shop, "The zip on my jacket broke.")
    token = answered_and_closed(stack, conv_id, "We'll send you a new jacket today.")

    # The agent has the closed chat open when the shopper rates it.
    c = console(1280, 800)
    c.tab("closed")
    c.wait_item(conv_id)
    c.open(conv_id)
    d = c.d
    assert not d.find_element(By.ID, "conv-rating").is_displayed()
    comment = f"Lovely service {uuid.uuid4().hex[:6]}"
    rate_in_widget(shop, 4, comment)
    wait_for(d, lambda: d.find_element(By.ID, "conv-rating").is_displayed(), "the rating never appeared in the open chat")
    badge = d.find_element(By.ID, "conv-rating")
    assert "4" in badge.text and "Rated 4 out of 5" in badge.get_attribute("textContent") + (badge.get_attribute("title") or "")
    wait_for(d, lambda: comment in d.find_element(By.ID, "conv-rating-comment").text, "the comment is not shown")
    row_score = lambda: d.find_element(By.CSS_SELECTOR, f'#list-items li[data-id="{conv_id}"] .item-rating').get_attribute("data-score")  # noqa: E731
    wait_for(d, lambda: row_score() == "4", f"the row shows no score: {c.item(conv_id).text!r}")
    shot(d, "rating-console-wide", "#conv-rating", "4")
    assert stack.agent_call("GET", f"{A}/conversations/{conv_id}/messages", token)["conversation"]["rating"]["score"] == 4

    # The admin's Reports page: the CSAT tile says what the overview says (the last 30 days).
    admin = console(1280, 800, username="admin", password=ADMIN_PASSWORD)
    overview = stack.agent_call("GET", f"{D}/reports/overview", admin_token(stack))
    csat = overview["csat"]
    assert csat["count"] >= 1
    admin.d.find_element(By.ID, "open-reports").click()
    ad = admin.d
    wait_for(ad, lambda: ad.find_element(By.ID, "reports-body").is_displayed(), "the Reports page did not show its numbers")
    tile = ad.find_element(By.CSS_SELECTOR, '#reports-tiles [data-tile="csat"]')
    ratings = f"{csat['count']} {'rating' if csat['count'] == 1 else 'ratings'}"
    wait_for(ad, lambda: ratings in tile.text, f"the CSAT tile says {tile.text!r}, the overview {csat}")
    assert f"{csat['average']:.2f} / 5" in tile.text, tile.text
    shot(ad, "rating-reports-wide", '#reports-tiles [data-tile="csat"]', "/ 5")
