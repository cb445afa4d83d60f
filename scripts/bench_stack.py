"""A Switchboard stack for scripts/bench.py: migrate + seed, then scripts/stack.sh
(worker + notifier + nginx) from release binaries on a temporary data dir and free
ports, the way Tests/stack/stacklib.py starts one. Standard library only."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BIN_DIR = Path(os.environ.get("SWITCHBOARD_BIN_DIR", REPO / ".build" / "release")).absolute()

ADMIN_PASSWORD = "admin-bench-password-1"
AGENT_PASSWORD = "agent-bench-password-1"
STARTUP_TIMEOUT = 60
STOP_TIMEOUT = 45  # stack.sh gives nginx 15 s and each service 20 s


def free_port(avoid: set[int] = frozenset()) -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in avoid:
            return port


def tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"({path} does not exist)"
    return "\n".join(text.splitlines()[-lines:])


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


class Stack:
    """One worker + notifier + nginx started by scripts/stack.sh with its own data and run dirs."""

    def __init__(self, name: str, tmp_root: Path, **env_overrides: str) -> None:
        self.name = name
        self.port = free_port()
        self.shop_port = free_port({self.port})
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.data_dir = tmp_root / name
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Unix socket paths must fit in 108 bytes: keep the run dir short.
        self.run_dir = Path(tempfile.mkdtemp(prefix="sbb-", dir="/tmp"))
        self.output_path = self.data_dir / "stack.out"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
        env.update(
            SWITCHBOARD_HOST="127.0.0.1",
            SWITCHBOARD_PORT=str(self.port),
            SWITCHBOARD_SHOP_PORT=str(self.shop_port),
            SWITCHBOARD_DATA_DIR=str(self.data_dir),
            SWITCHBOARD_RUN_DIR=str(self.run_dir),
            SWITCHBOARD_BIN_DIR=str(BIN_DIR),
            # Only login hashes with it; the benchmarks log in once per stack.
            SWITCHBOARD_SCRYPT_LOG_N="12",
            SWITCHBOARD_ADMIN_PASSWORD=ADMIN_PASSWORD,
            SWITCHBOARD_AGENT_PASSWORD=AGENT_PASSWORD,
            SWITCHBOARD_RATE_LIMITS="off",
            SWITCHBOARD_ROUTING="manual",
        )
        env.update(env_overrides)
        self.env = env
        self.proc: subprocess.Popen | None = None

    # -- lifecycle -------------------------------------------------------------

    def cli(self, *args: str) -> str:
        result = subprocess.run([str(BIN_DIR / "switchboard"), *args], env=self.env, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"`switchboard {' '.join(args)}` exited {result.returncode}\n"
                               f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
        return result.stdout

    def start(self) -> "Stack":
        for exe in ("switchboard", "switchboard-worker", "switchboard-notifier"):
            if not (BIN_DIR / exe).is_file():
                raise RuntimeError(f"{BIN_DIR / exe} is missing: run `swift build -c release` (make bench does)")
        self.cli("migrate")
        self.cli("seed")
        with open(self.output_path, "wb") as out:
            self.proc = subprocess.Popen([str(REPO / "scripts" / "stack.sh")], env=self.env, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"stack {self.name} exited {self.proc.returncode} during startup\n{self.logs()}")
            try:
                if self.request("GET", "/api/v1/health", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"stack {self.name} not ready after {STARTUP_TIMEOUT}s\n{self.logs()}")
            time.sleep(0.1)
        while "serving on" not in self.output() and self.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def stop(self) -> int | None:
        """SIGTERM to stack.sh (it stops nginx, notifier, worker in order); kills everything if it hangs."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode

    def kill(self) -> None:
        """Last resort: every service leads a process group of its own (setsid)."""
        for service in ("nginx", "notifier", "worker"):
            pid = self.pid(service)
            if pid:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)

    def save_logs(self, target: Path) -> Path:
        """Copies the logs (not the access log, which is large) to target/name; returns that dir."""
        dest = target / self.name
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True, exist_ok=True)
        for path in [self.output_path, *self.run_dir.glob("*.log")]:
            if path.name == "nginx-access.log" or not path.exists():
                continue
            shutil.copy(path, dest / path.name)
        return dest

    def cleanup(self) -> None:
        shutil.rmtree(self.run_dir, ignore_errors=True)
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def pid(self, service: str) -> int | None:
        try:
            return int((self.run_dir / f"{service}.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def output(self) -> str:
        try:
            return self.output_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def logs(self) -> str:
        parts = [f"--- stack.sh output ({self.output_path})\n{tail(self.output_path)}"]
        for name in ("worker.log", "notifier.log", "nginx-error.log", "nginx-stderr.log"):
            parts.append(f"--- {self.run_dir / name}\n{tail(self.run_dir / name)}")
        return "\n".join(parts)

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
        return self.ok("POST", "/api/v1/agent/auth/login", {"username": "agent", "password": AGENT_PASSWORD})["access_token"]

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
