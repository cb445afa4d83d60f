"""nginx rate limits, on a stack of their own (SWITCHBOARD_RATE_LIMITS=on with
the default rates: logins 10r/m burst 5, message/typing posts 10r/s burst 20,
per client address)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from stacklib import assert_error, ok


@pytest.fixture(scope="module")
def limited(stack_factory):
    return stack_factory("ratelimits", SWITCHBOARD_RATE_LIMITS="on")


def test_message_posts_are_limited_but_reads_are_not(limited):
    chat = limited.start_chat()
    url = limited.url(f"/api/v1/customer/conversations/{chat.id}/messages")
    headers = {"X-Customer-Session-Id": chat.session_id}

    def send(i):
        return requests.post(url, headers=headers, json={"content": f"flood {i}"}, timeout=30)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(60)))
    statuses = [r.status_code for r in answers]
    assert set(statuses) <= {200, 429}, statuses
    assert statuses.count(429) >= 1, statuses
    assert statuses.count(200) >= 20, "the burst of 20 passes"
    limited_answer = next(r for r in answers if r.status_code == 429)
    assert_error(limited_answer, 429, "rate_limited")
    assert limited_answer.headers.get("X-Content-Type-Options") == "nosniff"
    assert limited_answer.headers.get("Retry-After") == "10"

    # Reads of the same conversation are never limited.
    for _ in range(40):
        ok(limited.get(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id))
    assert limited.health_ok()


def test_login_is_limited_on_both_paths(limited):
    answers = [
        limited.post("/api/v1/agent/auth/login", json={"username": "agent", "password": "wrong-password-123"})
        for _ in range(12)
    ]
    statuses = [r.status_code for r in answers]
    assert set(statuses) <= {401, 429}, statuses
    assert statuses[0] == 401
    assert 429 in statuses, statuses
    assert_error(answers[-1], 429, "rate_limited")
    # The officer alias shares the limit.
    assert_error(limited.post("/api/v1/officer/auth/login", json={"username": "agent", "password": "x" * 12}), 429, "rate_limited")
    # Other methods on the login path are not counted.
    assert limited.get("/api/v1/agent/auth/login").status_code == 405
