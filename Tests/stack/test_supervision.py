"""Supervision under the policy that ships: scripts/units.py runs deploy/systemd's units
as systemd does, so what these tests see is what production does. A worker, notifier or
nginx killed with SIGKILL is started again after RestartSec, each further death waits
longer (systemd's RestartSteps=/RestartMaxDelaySec= interpolation, read from the unit
files here, not restated), and it is back and serving: ready (READY=1 for the worker and
the notifier), health 200, requests and streams answered. Each death and return is logged
in the runner's output, in stack.log and in the service's own log. While the worker is
down nginx answers every API route, the event stream included, with a JSON 503
`service_unavailable` and Retry-After: never a hang, never a 502 page. A killed nginx
master's workers are cleaned up before the new one starts (KillMode=control-group). A
SIGTERM still stops everything, even while a restart is pending.

Each test runs a stack of its own (they kill its processes)."""

from __future__ import annotations

import os
import re
import signal
import socket
import time

import requests

from sselib import customer_stream
from stackproc import running
from stacklib import REPO, ok
from units import load_unit, restart_delay

GAP_KEYS = {"detail", "code"}
UNITS = REPO / "deploy" / "systemd"


def shipped_delays(service: str, count: int) -> list[float]:
    """The delays before the first `count` automatic restarts of a service, as its unit says."""
    u = load_unit(UNITS / f"switchboard-{service}.service")
    return [restart_delay(u.restart_sec, u.restart_steps, u.restart_max_delay, n) for n in range(1, count + 1)]


def delay_text(seconds: float) -> str:
    """As the runner prints a delay ("0.25", "4")."""
    return f"{seconds:.2f}".rstrip("0").rstrip(".")


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


def probe_until_back(s, chat, old_pid: int, timeout: float = 10,
                     streams_in_gap: list[int] | None = None) -> tuple[list[requests.Response], list[str], float]:
    """Sends a customer message, a health check and a stream request in a loop until the
    worker is back; returns every answer that was not a 200, the ids of the messages that
    were stored (200) and when health was 200 again. `streams_in_gap` collects the status
    of each stream request made in a round whose health check met the gap."""
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
        if streams_in_gap is not None and answers[-1].status_code != 200:
            streams_in_gap.append(answers[1].status_code)
        for a in answers:
            if a.status_code != 200:
                a.content  # noqa: B018 - read it before closing
                gaps.append(a)
            a.close()
        if answers[-1].status_code == 200 and s.service_pid("worker") not in (None, old_pid):
            return gaps, stored, time.monotonic()
        assert time.monotonic() < deadline, f"the worker is not back after {timeout}s\n{s.logs()}"


def wait_output(s, text: str, timeout: float = 5) -> str:
    """The runner's output once it contains text (it logs a return a moment after the service is ready)."""
    deadline = time.monotonic() + timeout
    while text not in s.output():
        assert time.monotonic() < deadline, f"{text!r} not in the output after {timeout}s\n{s.output()}"
        time.sleep(0.02)
    return s.output()


def restart_lines(text: str, service: str) -> list[tuple[int, str, int]]:
    """(pid, delay, restart number) of each "SERVICE (pid P) exited ...; restarting it in D s (...restart N)"."""
    pattern = rf"{service} \(pid (\d+)\) exited with status \d+; restarting it in ([\d.]+) s \([^)]*restart (\d+)\)"
    return [(int(p), d, int(n)) for p, d, n in re.findall(pattern, text)]


def back_after(text: str, service: str, pid: int) -> float:
    """How long the runner says the service was down before `pid` was ready."""
    m = re.search(rf"{service} is back \(pid {pid}, ([\d.]+) s after it went down\)", text)
    assert m, f"no return of {service} pid {pid} in the output\n{text}"
    return float(m.group(1))


def group_members(pgid: int) -> list[int]:
    """Processes (zombies excluded) whose process group is pgid."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry))
    return members


def test_the_shipped_policy_backs_off():
    """The units say: 0.25 s, then doubling up to 4 s (RestartSteps=4 from 250ms to 4s)."""
    for service in ("worker", "notifier", "nginx"):
        assert [round(d, 3) for d in shipped_delays(service, 7)] == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    # systemd's interpolation for other values, checked against what a systemd 255 host
    # measured for RestartSec=2s RestartSteps=5 RestartMaxDelaySec=2min over five kill -9s:
    # 2.1, 4.6, 10.4, 23.4, 52.9 s (the delays plus each restart's own start-up).
    measured = [2.1, 4.6, 10.4, 23.4, 52.9]
    computed = [restart_delay(2.0, 5, 120.0, n) for n in range(1, 6)]
    assert all(abs(m - c) < 0.3 for m, c in zip(measured, computed)), computed
    assert restart_delay(2.0, 5, 120.0, 6) == restart_delay(2.0, 5, 120.0, 60) == 120.0


def test_a_killed_worker_is_back_within_a_second_and_the_gap_is_a_json_503(stack_factory):
    s = stack_factory("supervise-gap")
    chat = s.escalated_chat()
    old = s.kill_service("worker")
    killed_at = time.monotonic()
    streams_in_gap: list[int] = []
    gaps, stored_in_loop, back_at = probe_until_back(s, chat, old, streams_in_gap=streams_in_gap)
    took = back_at - killed_at

    # Every API answer in the gap was the clean 503.
    assert gaps, "no request met the gap: the test proves nothing"
    for resp in gaps:
        assert_gap_answer(resp)
    assert {r.request.path_url.split("?")[0] for r in gaps} >= {
        f"/api/v1/customer/conversations/{chat.id}/messages", "/api/v1/health"}
    # Streams need no worker: the notifier checks their credentials itself, so a stream
    # asked for while the worker was away opened as ever.
    assert streams_in_gap and set(streams_in_gap) == {200}, streams_in_gap
    # RestartSec (0.25 s) + the worker's start; generous for a loaded CI machine.
    first = delay_text(shipped_delays("worker", 1)[0])
    assert took < 2.0, f"worker back after {took:.2f}s"

    # Logged in the output, in stack.log and in the worker's own log.
    assert restart_lines(s.output(), "worker") == [(old, first, 1)], s.output()
    wait_output(s, f"worker is back (pid {s.service_pid('worker')}")
    assert restart_lines((s.run_dir / "stack.log").read_text(), "worker") == [(old, first, 1)]
    assert restart_lines((s.run_dir / "worker.log").read_text(), "worker") == [(old, first, 1)]

    # Nothing refused in the gap was stored; everything works again.
    sent = ok(s.post(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id,
                     json={"content": "after the gap", "client_message_id": "after"}))
    stored = [m for m in s.all_customer_messages(chat) if m["sender_type"] == "customer"]
    assert [m["id"] for m in stored] == stored_in_loop + [sent["customer_message"]["id"]]


def serving(s, chat, text: str) -> None:
    """A message is stored and reaches the customer's live stream."""
    cursor = ok(s.get(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id))["last_event_id"]
    stream = customer_stream(s, chat, cursor)
    try:
        assert stream.ok, stream.status
        sent = ok(s.post(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id,
                         json={"content": text}))
        mid = sent["customer_message"]["id"]
        deadline = time.monotonic() + 10
        while mid not in stream.message_ids():
            assert time.monotonic() < deadline, f"{text!r} never reached the stream\n{s.logs()}"
            time.sleep(0.05)
    finally:
        stream.close()


def test_each_service_killed_with_sigkill_is_back_and_serving_with_growing_delays(stack_factory):
    s = stack_factory("supervise-backoff")
    chat = s.escalated_chat()
    delays = shipped_delays("worker", 5)
    pids = []
    for n in range(5):
        old = s.kill_service("worker")
        pids.append(old)
        new = s.wait_restarted("worker", old, timeout=delays[n] + 20)
        # The backoff really waits, and not much longer than it says.
        down = back_after(s.output(), "worker", new)
        assert delays[n] <= down < delays[n] + 1.5, (n + 1, delays[n], down)
        serving(s, chat, f"after worker death {n + 1}")
    assert restart_lines(s.output(), "worker") == [
        (pid, delay_text(d), n + 1) for n, (pid, d) in enumerate(zip(pids, delays))], s.output()

    # The notifier and nginx have counts of their own, come back and serve.
    for service in ("notifier", "nginx"):
        old = s.kill_service(service)
        new = s.wait_restarted(service, old)
        assert restart_lines(s.output(), service) == [(old, delay_text(shipped_delays(service, 1)[0]), 1)], s.output()
        assert back_after(s.output(), service, new) >= shipped_delays(service, 1)[0]
        if service == "nginx":
            # Nothing of the old master is left (its workers would hold the port).
            assert group_members(old) == [], group_members(old)
        assert ok(s.get("/api/v1/health"))["notifier"] == "ok"
        serving(s, chat, f"after the {service}'s death")


def test_sigterm_while_a_restart_is_pending_stops_everything(stack_factory):
    s = stack_factory("supervise-stop")
    # Two quick deaths: the third restart waits 1 s, time enough to ask for a stop.
    for _ in range(2):
        s.wait_restarted("worker", s.kill_service("worker"))
    pids = {name: s.service_pid(name) for name in ("notifier", "nginx")}
    old = s.kill_service("worker")
    third = delay_text(shipped_delays("worker", 3)[2])
    deadline = time.monotonic() + 5
    while not restart_lines(s.output(), "worker")[-1:] or restart_lines(s.output(), "worker")[-1][0] != old:
        assert time.monotonic() < deadline, s.output()
        time.sleep(0.01)
    assert restart_lines(s.output(), "worker")[-1] == (old, third, 3)
    started = time.monotonic()
    assert s.stop(signal.SIGTERM) == 0, s.logs()
    assert time.monotonic() - started < 15
    # Nothing was started after the stop, nothing is left running, nothing listens.
    assert "worker is back" not in s.output().split("stopping (SIGTERM)")[-1]
    assert s.output().count("starts worker") == 0  # (those lines go to worker.log, not the output)
    assert (s.run_dir / "worker.log").read_text().count("starts worker") == 3
    for name, pid in pids.items():
        assert pid and not running(pid), f"{name} {pid} still running"
    for leftover in ("notifier.sock", "worker.pid", "notifier.pid", "nginx.pid"):
        assert not (s.run_dir / leftover).exists(), leftover
    # The killed worker could not remove its socket (systemd leaves it too; the next worker
    # replaces it): nothing answers there.
    with socket.socket(socket.AF_UNIX) as probe:
        assert probe.connect_ex(str(s.run_dir / "worker.sock")) != 0
