"""Supervision by scripts/stack.sh: a worker, notifier or nginx that dies is
started again (0.2 s after its death, doubling up to 5 s while it keeps dying,
back to 0.2 s once it stayed up for 10 s), each death and return logged in the
stack's output, in stack.log and in the service's own log. While the worker is
down nginx answers every API route, the event stream included, with a JSON 503
`service_unavailable` and Retry-After: never a hang, never a 502 page. A
SIGTERM still stops everything, even while a restart is pending.

Each test runs a stack of its own (they kill its processes)."""

from __future__ import annotations

import re
import signal
import time

import requests

from stackproc import running
from stacklib import ok

GAP_KEYS = {"detail", "code"}


def assert_gap_answer(resp: requests.Response) -> None:
    """The answer nginx gives while the worker is away."""
    where = f"{resp.request.method} {resp.request.path_url}"
    assert resp.status_code == 503, (where, resp.status_code, resp.text[:300])
    assert resp.headers.get("Content-Type", "").startswith("application/json"), (where, resp.headers)
    body = resp.json()
    assert set(body) == GAP_KEYS and body["code"] == "service_unavailable", (where, body)
    # (requests joins repeated headers with ", ": exactly one.)
    assert resp.headers.get("Retry-After") == "1", (where, resp.headers)
    assert resp.headers.get("X-Content-Type-Options") == "nosniff", (where, resp.headers)


def probe_until_back(s, chat, old_pid: int, timeout: float = 10) -> tuple[list[requests.Response], list[str], float]:
    """Sends a customer message, a health check and a stream request in a loop until the
    worker is back; returns every answer that was not a 200, the ids of the messages that
    were stored (200) and when health was 200 again."""
    gaps: list[requests.Response] = []
    stored: list[str] = []
    deadline = time.monotonic() + timeout
    i = 0
    while True:
        i += 1
        answers = [
            s.post(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id,
                   json={"content": f"during the gap {i}", "client_message_id": f"gap-{old_pid}-{i}"}, timeout=5),
            s.get("/api/v1/events", session=chat.session_id, params={"conversation_id": chat.id}, stream=True,
                  timeout=5),
            s.get("/api/v1/health", timeout=5),
        ]
        if answers[0].status_code == 200:
            stored.append(answers[0].json()["customer_message"]["id"])
        for a in answers:
            if a.status_code != 200:
                a.content  # noqa: B018 - read it before closing
                gaps.append(a)
            a.close()
        if answers[-1].status_code == 200 and s.service_pid("worker") not in (None, old_pid):
            return gaps, stored, time.monotonic()
        assert time.monotonic() < deadline, f"the worker is not back after {timeout}s\n{s.logs()}"


def wait_output(s, text: str, timeout: float = 5) -> str:
    """stack.sh's output once it contains text (it logs a return a moment after health is 200)."""
    deadline = time.monotonic() + timeout
    while text not in s.output():
        assert time.monotonic() < deadline, f"{text!r} not in the output after {timeout}s\n{s.output()}"
        time.sleep(0.02)
    return s.output()


def restart_lines(text: str, service: str) -> list[tuple[int, str, int]]:
    """(pid, delay, death count) of each "SERVICE (pid P) exited ...; restarting it in D s (...death N in a row)"."""
    pattern = rf"{service} \(pid (\d+)\) exited with status \d+; restarting it in ([\d.]+) s \([^)]*death (\d+) in a row\)"
    return [(int(p), d, int(n)) for p, d, n in re.findall(pattern, text)]


def test_a_killed_worker_is_back_within_a_second_and_the_gap_is_a_json_503(stack_factory):
    s = stack_factory("supervise-gap")
    chat = s.escalated_chat()
    old = s.kill_service("worker")
    killed_at = time.monotonic()
    gaps, stored_in_loop, back_at = probe_until_back(s, chat, old)
    took = back_at - killed_at

    # Every answer in the gap was the clean 503, on the API and on the stream route alike.
    assert gaps, "no request met the gap: the test proves nothing"
    for resp in gaps:
        assert_gap_answer(resp)
    assert {r.request.path_url.split("?")[0] for r in gaps} >= {
        f"/api/v1/customer/conversations/{chat.id}/messages", "/api/v1/events", "/api/v1/health"}
    # 0.2 s backoff + the worker's start; generous for a loaded CI machine.
    assert took < 2.0, f"worker back after {took:.2f}s"

    # Logged in the output, in stack.log and in the worker's own log.
    assert restart_lines(s.output(), "worker") == [(old, "0.2", 1)], s.output()
    wait_output(s, f"worker is back (pid {s.service_pid('worker')}")
    assert restart_lines((s.run_dir / "stack.log").read_text(), "worker") == [(old, "0.2", 1)]
    assert restart_lines((s.run_dir / "worker.log").read_text(), "worker") == [(old, "0.2", 1)]

    # Nothing refused in the gap was stored; everything works again.
    sent = ok(s.post(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id,
                     json={"content": "after the gap", "client_message_id": "after"}))
    stored = [m for m in s.all_customer_messages(chat) if m["sender_type"] == "customer"]
    assert [m["id"] for m in stored] == stored_in_loop + [sent["customer_message"]["id"]]


def test_services_that_keep_dying_are_restarted_with_growing_delays(stack_factory):
    s = stack_factory("supervise-backoff")
    pids = []
    for _ in range(4):
        old = s.kill_service("worker")
        pids.append(old)
        s.wait_restarted("worker", old)
    last_back = time.monotonic()
    assert restart_lines(s.output(), "worker") == [
        (pids[0], "0.2", 1), (pids[1], "0.4", 2), (pids[2], "0.8", 3), (pids[3], "1.6", 4)], s.output()

    # The other services have counts of their own, and come back as well.
    for service in ("notifier", "nginx"):
        old = s.kill_service(service)
        s.wait_restarted(service, old)
        assert restart_lines(s.output(), service) == [(old, "0.2", 1)], s.output()
    assert ok(s.get("/api/v1/health"))["notifier"] == "ok"

    # A worker that stayed up for 10 s starts over at 0.2 s.
    last = s.service_pid("worker")
    time.sleep(max(0.0, last_back + 10.5 - time.monotonic()))
    old = s.kill_service("worker")
    assert old == last
    s.wait_restarted("worker", old)
    assert restart_lines(s.output(), "worker")[-1] == (old, "0.2", 1), s.output()


def test_sigterm_while_a_restart_is_pending_stops_everything(stack_factory):
    s = stack_factory("supervise-stop")
    # Two quick deaths: the third restart waits 0.8 s, time enough to ask for a stop.
    for _ in range(2):
        s.wait_restarted("worker", s.kill_service("worker"))
    pids = {name: s.service_pid(name) for name in ("notifier", "nginx")}
    old = s.kill_service("worker")
    deadline = time.monotonic() + 5
    while not restart_lines(s.output(), "worker")[-1:] or restart_lines(s.output(), "worker")[-1][0] != old:
        assert time.monotonic() < deadline, s.output()
        time.sleep(0.01)
    assert restart_lines(s.output(), "worker")[-1] == (old, "0.8", 3)
    started = time.monotonic()
    assert s.stop(signal.SIGTERM) == 0, s.logs()
    assert time.monotonic() - started < 15
    # Nothing was started after the stop, nothing is left running, the sockets are gone.
    assert "worker is back" not in s.output().split("stopping (SIGTERM)")[-1]
    assert s.output().count("starts worker") == 0  # (those lines go to worker.log, not the output)
    assert (s.run_dir / "worker.log").read_text().count("starts worker") == 3
    for name, pid in pids.items():
        assert pid and not running(pid), f"{name} {pid} still running"
    for leftover in ("worker.sock", "notifier.sock", "worker.pid", "notifier.pid", "nginx.pid"):
        assert not (s.run_dir / leftover).exists(), leftover
