#!/usr/bin/env python3
"""`make tsan`'s second half: a real stack (scripts/stackproc.py → scripts/stack.sh) on the
ThreadSanitizer binaries, a short concurrent load, then a look at what ThreadSanitizer said.

    SWITCHBOARD_BIN_DIR=.build-tsan/debug TSAN_OPTIONS=... python3 scripts/tsan-stack.py [--seconds 20]

The load, from several threads at once for --seconds: customers start chats, send
messages and escalate; agents claim the queue's chats (several agents race for each
one), reply and close; other threads log in and out back to back (some with a wrong
password); two agent event streams stay open so the notifier fans out while it tails. Then the stack is stopped (so exit-time reports are written too) and
the worker's, the notifier's and stack.sh's logs are searched for "WARNING:
ThreadSanitizer". Exit status 1 if there is any, if a request got a 500, or if the
load could not run; the logs are copied to Tests/artifacts/tsan/stack/. Standard
library only."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from stackproc import StackProcess  # noqa: E402

ARTIFACTS = REPO / "Tests" / "artifacts" / "tsan" / "stack"
MARKER = "WARNING: ThreadSanitizer"
AGENT_PASSWORD = "tsan-agent-password-1"


class TsanStack(StackProcess):
    # Slower binaries: startup and stopping get the same generous limits as elsewhere.
    build_hint = "run `make tsan` (it builds .build-tsan first) or set SWITCHBOARD_BIN_DIR"
    run_dir_prefix = "sb-tsan-"


class Client:
    """One keep-alive HTTP/1.1 connection (one per thread)."""

    def __init__(self, port: int, stats: Counter, lock: threading.Lock) -> None:
        self.port = port
        self.stats = stats
        self.lock = lock
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method: str, path: str, body: dict | None = None, token: str | None = None,
             session: str | None = None) -> tuple[int, dict]:
        headers = {}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if session:
            headers["X-Customer-Session-Id"] = session
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                break
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 1:
                    with self.lock:
                        self.stats["connection errors"] += 1
                    return 0, {}
        with self.lock:
            self.stats[f"{resp.status}"] += 1
            if resp.status >= 500 and resp.status != 503:
                self.stats["unexpected 5xx: " + f"{method} {path.split('?')[0]} {resp.status} {raw[:200]!r}"] += 1
        try:
            decoded = json.loads(raw) if raw else {}
        except ValueError:
            decoded = {}
        return resp.status, decoded if isinstance(decoded, dict) else {}


def customer_loop(port: int, deadline: float, stats: Counter, lock: threading.Lock) -> None:
    c = Client(port, stats, lock)
    while time.monotonic() < deadline:
        status, start = c.call("POST", "/api/v1/customer/conversations/start", {"email": "tsan@example.com"})
        if status != 200:
            continue
        conv = start["conversation"]
        cid, sid = conv["id"], conv["customer_session_id"]
        c.call("POST", f"/api/v1/customer/conversations/{cid}/messages", {"content": "where is my order?"}, session=sid)
        c.call("POST", f"/api/v1/customer/conversations/{cid}/typing", {"typing": True}, session=sid)
        c.call("POST", f"/api/v1/customer/conversations/{cid}/escalate", session=sid)
        c.call("POST", f"/api/v1/customer/conversations/{cid}/messages",
               {"content": "hello?", "client_message_id": f"m-{random.random()}"}, session=sid)
        c.call("GET", f"/api/v1/customer/conversations/{cid}/messages?limit=20", session=sid)


def agent_loop(port: int, username: str, deadline: float, stats: Counter, lock: threading.Lock) -> None:
    c = Client(port, stats, lock)
    token = None
    rounds = 0
    while time.monotonic() < deadline:
        if token is None or rounds % 10 == 0:  # logins (each one a scrypt hash) now and then
            status, login = c.call("POST", "/api/v1/agent/auth/login", {"username": username, "password": AGENT_PASSWORD})
            if status == 200:
                token = login["access_token"]
            elif token is None:
                time.sleep(0.2)
                continue
        rounds += 1
        c.call("POST", "/api/v1/agent/presence", {"presence": random.choice(["online", "offline"])}, token=token)
        _, queue = c.call("GET", "/api/v1/agent/queue?limit=5", token=token)
        for item in queue.get("items", [])[:2]:
            cid = item["id"]
            status, _ = c.call("POST", f"/api/v1/agent/conversations/{cid}/claim", token=token)
            if status != 200:
                continue  # another agent won the race: 409
            c.call("POST", f"/api/v1/agent/conversations/{cid}/typing", {"typing": True}, token=token)
            c.call("POST", f"/api/v1/agent/conversations/{cid}/messages", {"content": "On it."}, token=token)
            c.call("GET", f"/api/v1/agent/conversations/{cid}/messages", token=token)
            c.call("POST", f"/api/v1/agent/conversations/{cid}/close", token=token)
        c.call("GET", "/api/v1/agent/conversations?assigned=me&limit=5", token=token)
        c.call("GET", "/api/v1/agent/agents", token=token)


def login_loop(port: int, usernames: list[str], deadline: float, stats: Counter, lock: threading.Lock) -> None:
    """Logins back to back (each a scrypt hash on the worker's hash pool, so several wait
    for it at once), now and then a wrong password (the throttle's writes)."""
    c = Client(port, stats, lock)
    n = 0
    while time.monotonic() < deadline:
        n += 1
        if n % 4 == 0:
            c.call("POST", "/api/v1/agent/auth/login", {"username": f"nobody{n % 3}", "password": "wrong-password-1"})
            continue
        status, login = c.call("POST", "/api/v1/agent/auth/login",
                               {"username": random.choice(usernames), "password": AGENT_PASSWORD})
        if status == 200:
            c.call("GET", "/api/v1/agent/me", token=login["access_token"])
            c.call("POST", "/api/v1/agent/auth/logout", token=login["access_token"])


def stream_loop(port: int, token: str, deadline: float, stats: Counter, lock: threading.Lock) -> None:
    """An agent's event stream, reconnecting until the deadline."""
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/api/v1/events", headers={"Authorization": f"Bearer {token}"})
            resp = conn.getresponse()
            if resp.status != 200:
                with lock:
                    stats[f"events {resp.status}"] += 1
                time.sleep(0.5)
                continue
            while time.monotonic() < deadline:
                line = resp.fp.readline()
                if not line:
                    break
                if line.startswith(b"id:"):
                    with lock:
                        stats["events received"] += 1
        except (OSError, http.client.HTTPException):
            pass  # read timeouts between events: reconnect
        finally:
            conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--customers", type=int, default=4)
    parser.add_argument("--agents", type=int, default=3)
    parser.add_argument("--logins", type=int, default=2, help="threads that only log in and out")
    args = parser.parse_args()

    if "TSAN_OPTIONS" not in os.environ:
        print("tsan-stack: TSAN_OPTIONS is not set (make tsan sets it)", file=sys.stderr)
    stats: Counter = Counter()
    lock = threading.Lock()
    with tempfile.TemporaryDirectory(prefix="sb-tsan-data-") as tmp:
        stack = TsanStack("tsan", Path(tmp), SWITCHBOARD_WORKER_THREADS="8")
        failure = None
        try:
            stack.start()
            print(f"tsan-stack: stack up on {stack.base_url} (binaries {stack.bin_dir})", flush=True)
            admin = Client(stack.port, stats, lock)
            _, login = admin.call("POST", "/api/v1/agent/auth/login", {"username": "admin", "password": stack.admin_password})
            admin_token = login.get("access_token")
            if not admin_token:
                raise RuntimeError(f"admin login failed: {login}")
            agents = []
            for i in range(args.agents):
                name = f"tsan{i}"
                status, body = admin.call("POST", "/api/v1/agent/register", {
                    "username": name, "password": AGENT_PASSWORD, "display_name": f"TSan {i}", "start_online": True,
                    "max_active_chats": 50}, token=admin_token)
                if status != 201:
                    raise RuntimeError(f"register {name}: {status} {body}")
                agents.append(name)
            deadline = time.monotonic() + args.seconds
            threads = [threading.Thread(target=customer_loop, args=(stack.port, deadline, stats, lock))
                       for _ in range(args.customers)]
            threads += [threading.Thread(target=agent_loop, args=(stack.port, name, deadline, stats, lock)) for name in agents]
            threads += [threading.Thread(target=login_loop, args=(stack.port, agents, deadline, stats, lock))
                        for _ in range(args.logins)]
            threads += [threading.Thread(target=stream_loop, args=(stack.port, admin_token, deadline, stats, lock))
                        for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=args.seconds + 120)
        except Exception as error:  # noqa: BLE001 - reported below, after the logs are saved
            failure = f"{type(error).__name__}: {error}"
        finally:
            status = stack.stop() if stack.proc is not None else None
            logs = stack.copy_logs(ARTIFACTS)
        print(f"tsan-stack: stack.sh exited {status}; logs in {logs}", flush=True)

    requests = sum(n for key, n in stats.items() if key.isdigit())
    print(f"tsan-stack: {requests} requests in {args.seconds:.0f} s: "
          + ", ".join(f"{k} x{n}" for k, n in sorted(stats.items()) if not k.startswith("unexpected")))
    bad = False
    for key, n in stats.items():
        if key.startswith("unexpected"):
            print(f"tsan-stack: {key} (x{n})", file=sys.stderr)
            bad = True
    if failure:
        print(f"tsan-stack: the load could not run: {failure}", file=sys.stderr)
        bad = True
    if requests == 0:
        bad = True
    warnings = 0
    for path in sorted(logs.glob("*")):
        text = path.read_text(errors="replace")
        count = text.count(MARKER)
        if count:
            warnings += count
            print(f"tsan-stack: {path.name}: {count} ThreadSanitizer warning(s)", file=sys.stderr)
            for block in text.split("==================")[1:]:
                if MARKER in block:
                    print("\n".join(block.strip().splitlines()[:25]), file=sys.stderr)
                    print("---", file=sys.stderr)
    print(f"tsan-stack: {warnings} ThreadSanitizer warning(s) in the worker's and notifier's logs")
    return 1 if bad or warnings else 0


if __name__ == "__main__":
    sys.exit(main())
