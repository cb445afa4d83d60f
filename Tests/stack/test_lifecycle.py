"""Stopping: SIGTERM lets requests in flight finish (worker alone, which
the supervisor (the shipped units, run by scripts/units.py) then starts again, or the whole stack).
Each test runs stacks of its own; restarts after deaths are in test_supervision.py.

The in-flight check is by the data: every send that was answered 200 is
stored, and every send that was not answered 200 is not (a request cut after
its commit would show up as a stored message without a 200)."""

import os
import re
import signal
import socket
import threading
import time

import requests

from stacklib import assert_error

SENDERS = 4
LOGINS = 2


class Load:
    """Clients posting messages (with client_message_ids) and logging in
    (slow: scrypt) until their first non-200 answer or connection error."""

    def __init__(self, stack, chats):
        self.stack = stack
        self.chats = chats
        self.sends = {}  # client_message_id -> (outcome, finished_at, response or error)
        self.logins = []  # (outcome, finished_at)
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.send_loop, args=(k, c)) for k, c in enumerate(chats)]
        self.threads += [threading.Thread(target=self.login_loop) for _ in range(LOGINS)]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        for t in self.threads:
            t.join(timeout=90)
        assert not any(t.is_alive() for t in self.threads), "clients still running"

    def send_loop(self, k, chat):
        url = self.stack.url(f"/api/v1/customer/conversations/{chat.id}/messages")
        for i in range(2000):
            cmid = f"load-{k}-{i}"
            try:
                r = requests.post(
                    url, headers={"X-Customer-Session-Id": chat.session_id},
                    json={"content": cmid, "client_message_id": cmid}, timeout=60,
                )
                outcome = r.status_code
            except requests.ConnectionError as e:
                r, outcome = e, "connection-error"
            with self.lock:
                self.sends[cmid] = (outcome, time.monotonic(), r)
            if outcome != 200:
                return

    def login_loop(self):
        url = self.stack.url("/api/v1/agent/auth/login")
        body = {"username": "agent", "password": self.stack.agent_password}
        for _ in range(2000):
            try:
                outcome = requests.post(url, json=body, timeout=60).status_code
            except requests.ConnectionError:
                outcome = "connection-error"
            with self.lock:
                self.logins.append((outcome, time.monotonic()))
            if outcome != 200:
                return

    def answered_200_after(self, moment):
        return [t for o, t, _ in self.sends.values() if o == 200 and t > moment] + [
            t for o, t in self.logins if o == 200 and t > moment
        ]


def start_load_stack(stack_factory, name):
    # Slower logins (scrypt 2^14) keep requests in flight at any moment.
    s = stack_factory(name, SWITCHBOARD_SCRYPT_LOG_N="14", SWITCHBOARD_WORKER_THREADS="8")
    return s, [s.escalated_chat() for _ in range(SENDERS)]


def check_stored_matches_answers(stack_factory, name, chats, load):
    again = stack_factory(name)  # same database, fresh processes
    stored = set()
    for chat in chats:
        stored |= {m["client_message_id"] for m in again.all_customer_messages(chat) if m["client_message_id"]}
    lost = sorted(c for c, (o, _, _) in load.sends.items() if o == 200 and c not in stored)
    cut = sorted(c for c, (o, _, _) in load.sends.items() if o != 200 and c in stored)
    assert not lost, f"answered 200 but not stored: {lost}"
    assert not cut, f"stored but the client got no 200 (cut in flight): {[(c, load.sends[c][0]) for c in cut]}"
    assert len([1 for o, _, _ in load.sends.values() if o == 200]) >= SENDERS


def test_worker_sigterm_lets_requests_in_flight_finish(stack_factory):
    s, chats = start_load_stack(stack_factory, "drain-worker")
    worker = s.pid("worker")
    with Load(s, chats) as load:
        time.sleep(1.5)
        signalled_at = time.monotonic()
        os.kill(worker, signal.SIGTERM)
    # The worker left on its own with status 0; its unit (Restart=always) started it again.
    s.wait_restarted("worker", worker)
    assert re.search(rf"worker \(pid {worker}\) exited with status 0; restarting it", s.output()), s.output()
    assert load.answered_200_after(signalled_at), "nothing in flight completed after SIGTERM"
    # While the worker is gone, nginx answers 503 in the API's error shape.
    for outcome, _, r in load.sends.values():
        assert outcome in (200, 503), (outcome, getattr(r, "text", r))
        if outcome == 503:
            assert_error(r, 503, "service_unavailable")
    assert {o for o, _ in load.logins} <= {200, 503}
    assert s.stop(signal.SIGTERM) == 0, s.logs()
    check_stored_matches_answers(stack_factory, "drain-worker", chats, load)


def test_stack_sigterm_stops_nginx_first_and_exits_0(stack_factory):
    s, chats = start_load_stack(stack_factory, "drain-stack")
    with Load(s, chats) as load:
        time.sleep(1.5)
        signalled_at = time.monotonic()
        assert s.stop(signal.SIGTERM) == 0, s.logs()
    assert load.answered_200_after(signalled_at), "nothing in flight completed after SIGTERM"
    # nginx stops first, so no request ever met a missing worker.
    outcomes = {o for o, _, _ in load.sends.values()} | {o for o, _ in load.logins}
    assert outcomes <= {200, "connection-error"}, outcomes
    assert not (s.run_dir / "worker.sock").exists()
    assert not (s.run_dir / "nginx.pid").exists()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", s.port)) != 0, "nginx still listening"
    check_stored_matches_answers(stack_factory, "drain-stack", chats, load)
