"""A Switchboard stack for scripts/bench.py: scripts/stackproc.py (migrate + seed,
then scripts/stack.sh: worker + notifier + nginx, the same start as the tests) from
the release binaries, plus memory, HTTP and access-log helpers. Standard library only."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from stackproc import REPO, StackProcess

BIN_DIR = Path(os.environ.get("SWITCHBOARD_BIN_DIR", REPO / ".build" / "release")).absolute()


def rss_kib(pid: int | None) -> int | None:
    """VmRSS of a process in KiB (None when it is gone)."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def children_of(parent: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The command may contain spaces or parentheses: fields start after the last ')'.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == parent:
            pids.append(int(entry))
    return pids


class HTTPError(RuntimeError):
    pass


class Stack(StackProcess):
    """A stack from the release binaries, rate limits off; bench.py copies its logs itself."""

    bin_dir = BIN_DIR
    required_binaries = ("switchboard", "switchboard-worker", "switchboard-notifier")
    build_hint = "run `swift build -c release` (make bench does)"
    admin_password = "admin-bench-password-1"
    agent_password = "agent-bench-password-1"
    run_dir_prefix = "sbb-"
    log_tail_lines = 30
    raise_when_hung = False  # bench.py goes on with the next part

    def save_logs(self, target: Path) -> Path:
        """Copies the logs (not the access log, which is large) to target/name; returns that dir."""
        return self.copy_logs(target / self.name, skip=("nginx-access.log",))

    def cleanup(self) -> None:
        shutil.rmtree(self.run_dir, ignore_errors=True)
        shutil.rmtree(self.data_dir, ignore_errors=True)

    # -- memory ----------------------------------------------------------------

    def notifier_rss(self) -> int | None:
        return rss_kib(self.pid("notifier"))

    def worker_rss(self) -> int | None:
        return rss_kib(self.pid("worker"))

    def nginx_rss(self) -> int | None:
        """Sum of VmRSS over the nginx master and its workers (shared pages counted in each)."""
        master = self.pid("nginx")
        if not master:
            return None
        values = [rss_kib(p) for p in [master, *children_of(master)]]
        return sum(v for v in values if v)

    # -- HTTP (setup only; the measurements use wrk or asyncio) ----------------

    def request(self, method: str, path: str, body: Any = None, *, token: str | None = None,
                session: str | None = None, timeout: float = 15) -> tuple[int, Any]:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if session:
            headers["X-Customer-Session-Id"] = session
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        try:
            decoded = json.loads(raw) if raw else None
        except ValueError:
            decoded = raw.decode(errors="replace")
        return resp.status, decoded

    def ok(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        status, decoded = self.request(method, path, body, **kwargs)
        if not 200 <= status < 300:
            raise HTTPError(f"{method} {path}: {status} {str(decoded)[:300]}")
        return decoded

    def login_agent(self) -> str:
        return self.ok("POST", "/api/v1/agent/auth/login",
                       {"username": "agent", "password": self.agent_password})["access_token"]

    def start_chat(self) -> tuple[str, str]:
        conv = self.ok("POST", "/api/v1/customer/conversations/start", {})["conversation"]
        return conv["id"], conv["customer_session_id"]

    def escalate(self, conversation_id: str, session: str) -> None:
        self.ok("POST", f"/api/v1/customer/conversations/{conversation_id}/escalate", session=session)

    # -- nginx access log ------------------------------------------------------

    @property
    def access_log(self) -> Path:
        return self.run_dir / "nginx-access.log"

    def access_log_offset(self) -> int:
        try:
            return self.access_log.stat().st_size
        except FileNotFoundError:
            return 0

    _status = re.compile(rb'^\S+ \[[^\]]*\] "([A-Z]+) (\S+)[^"]*" (\d{3}) ')

    def statuses_since(self, offset: int) -> dict[str, int]:
        """Status code counts of the access log lines written after `offset`."""
        counts: dict[str, int] = {}
        try:
            with open(self.access_log, "rb") as f:
                f.seek(offset)
                for line in f:
                    m = self._status.match(line)
                    key = m.group(3).decode() if m else "unparsed"
                    counts[key] = counts.get(key, 0) + 1
        except FileNotFoundError:
            pass
        return counts

    def count_requests(self, method: str, path_regex: str, status_prefix: str) -> int:
        """Access log lines of one method and path (a regex) whose status starts with status_prefix."""
        rx = re.compile(path_regex.encode())
        n = 0
        try:
            with open(self.access_log, "rb") as f:
                for line in f:
                    m = self._status.match(line)
                    if m and m.group(1) == method.encode() and rx.fullmatch(m.group(2).split(b"?")[0]) \
                            and m.group(3).startswith(status_prefix.encode()):
                        n += 1
        except FileNotFoundError:
            pass
        return n

    def log_lines(self, name: str, pattern: str, limit: int = 8) -> list[str]:
        """The first lines of a run-dir log that match a regex (for the report)."""
        out = []
        try:
            with open(self.run_dir / name, errors="replace") as f:
                rx = re.compile(pattern)
                for line in f:
                    if rx.search(line):
                        out.append(line.rstrip("\n"))
                        if len(out) >= limit:
                            break
        except FileNotFoundError:
            pass
        return out

    def count_log_lines(self, name: str, pattern: str) -> int:
        n = 0
        try:
            with open(self.run_dir / name, errors="replace") as f:
                rx = re.compile(pattern)
                for line in f:
                    if rx.search(line):
                        n += 1
        except FileNotFoundError:
            pass
        return n
