"""A real Switchboard stack (worker + nginx via scripts/stack.sh) for the tests,
and small helpers that speak the REST contract of API.md over HTTP."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[2]
BIN_DIR = Path(os.environ.get("SWITCHBOARD_BIN_DIR", REPO / ".build" / "debug")).resolve()
ARTIFACTS = REPO / "Tests" / "artifacts" / "stack"

ADMIN_PASSWORD = "admin-stack-password-1"
AGENT_PASSWORD = "agent-stack-password-1"
NEW_AGENT_PASSWORD = "new-agent-password-1"
HTTP_TIMEOUT = 15
STARTUP_TIMEOUT = 60
STOP_TIMEOUT = 45  # stack.sh gives nginx 15 s and the worker 20 s


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique(prefix: str) -> str:
    """A username that matches the contract's pattern and is new on every call."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"({path} does not exist)"
    return "\n".join(text.splitlines()[-lines:])


def assert_error(resp: requests.Response, status: int | tuple[int, ...], code: str | None = None) -> dict:
    """The contract's error shape: {"detail": str, "code": str} as application/json."""
    statuses = status if isinstance(status, tuple) else (status,)
    assert resp.status_code in statuses, f"expected {statuses}, got {resp.status_code}: {resp.text[:500]}"
    ctype = resp.headers.get("Content-Type", "")
    assert ctype.startswith("application/json"), f"error Content-Type is {ctype!r}: {resp.text[:200]}"
    body = resp.json()
    assert isinstance(body, dict), body
    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert isinstance(body.get("code"), str) and body["code"], body
    if code is not None:
        assert body["code"] == code, body
    return body


def ok(resp: requests.Response, status: int | tuple[int, ...] = 200) -> Any:
    """Asserts the status and returns the decoded JSON body (None for 204)."""
    statuses = status if isinstance(status, tuple) else (status,)
    assert resp.status_code in statuses, (
        f"{resp.request.method} {resp.request.path_url}: expected {statuses}, "
        f"got {resp.status_code}: {resp.text[:500]}"
    )
    if resp.status_code == 204:
        assert not resp.content, resp.content
        return None
    assert resp.headers.get("Content-Type", "").startswith("application/json"), resp.headers
    return resp.json()


def is_event_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@dataclass
class Chat:
    """A customer's conversation as `start` answered it."""

    id: str
    session_id: str
    start: dict


@dataclass
class AgentLogin:
    token: str
    agent: dict
    username: str
    password: str

    @property
    def id(self) -> str:
        return self.agent["id"]


class Stack:
    """One worker + notifier + nginx, started by scripts/stack.sh with its own data and run dirs."""

    def __init__(self, name: str, tmp_root: Path, **env_overrides: str) -> None:
        self.name = name
        self.port = free_port()
        self.shop_port = free_port()
        while self.shop_port == self.port:
            self.shop_port = free_port()
        self.shop_url = f"http://127.0.0.1:{self.shop_port}"
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.data_dir = tmp_root / name
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Unix socket paths must fit in 108 bytes: keep the run dir short.
        self.run_dir = Path(tempfile.mkdtemp(prefix="sb-", dir="/tmp"))
        self.output_path = self.data_dir / "stack.out"
        self.admin_password = ADMIN_PASSWORD
        self.agent_password = AGENT_PASSWORD
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
        env.update(
            SWITCHBOARD_HOST="127.0.0.1",
            SWITCHBOARD_PORT=str(self.port),
            SWITCHBOARD_SHOP_PORT=str(self.shop_port),
            SWITCHBOARD_DATA_DIR=str(self.data_dir),
            SWITCHBOARD_RUN_DIR=str(self.run_dir),
            SWITCHBOARD_BIN_DIR=str(BIN_DIR),
            SWITCHBOARD_SCRYPT_LOG_N="12",
            SWITCHBOARD_ADMIN_PASSWORD=ADMIN_PASSWORD,
            SWITCHBOARD_AGENT_PASSWORD=AGENT_PASSWORD,
            SWITCHBOARD_RATE_LIMITS="off",
            SWITCHBOARD_ROUTING="manual",
        )
        env.update(env_overrides)
        self.env = env
        self.proc: subprocess.Popen | None = None
        self.seed_output = ""
        self.returncode: int | None = None
        self._admin: AgentLogin | None = None
        self._agent: AgentLogin | None = None
        self.http = requests.Session()

    # -- lifecycle -----------------------------------------------------------

    def cli(self, *args: str, input: str | None = None) -> str:
        exe = BIN_DIR / "switchboard"
        result = subprocess.run(
            [str(exe), *args], env=self.env, input=input, capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"`switchboard {' '.join(args)}` exited {result.returncode}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
        return result.stdout

    def start(self) -> "Stack":
        for exe in ("switchboard", "switchboard-worker"):
            if not (BIN_DIR / exe).is_file():
                raise RuntimeError(f"{BIN_DIR / exe} is missing: build first (swift build) or set SWITCHBOARD_BIN_DIR")
        self.cli("migrate")
        self.seed_output = self.cli("seed")
        with open(self.output_path, "wb") as out:
            self.proc = subprocess.Popen(
                [str(REPO / "scripts" / "stack.sh")],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"stack {self.name} exited {self.proc.returncode} during startup\n{self.logs()}")
            try:
                if requests.get(self.url("/api/v1/health"), timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"stack {self.name} not ready after {STARTUP_TIMEOUT}s\n{self.logs()}")
            time.sleep(0.1)
        # The ready line comes right after the health check succeeds.
        while "serving on" not in self.output() and self.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> int:
        """Signals stack.sh and returns its exit status (kills everything if it hangs)."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError(f"stack {self.name} did not stop within {timeout}s\n{self.logs()}")
        self.returncode = self.proc.returncode
        self.save_artifacts()
        return self.returncode

    def wait_exit(self, timeout: float = STOP_TIMEOUT) -> int:
        """Waits for stack.sh to exit on its own and returns its status."""
        assert self.proc is not None
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"stack {self.name} still running after {timeout}s\n{self.logs()}")
        self.returncode = self.proc.returncode
        self.save_artifacts()
        return self.returncode

    def kill(self) -> None:
        """Last resort: kill stack.sh and the services it started (each in its own group)."""
        for pidfile in ("nginx.pid", "notifier.pid", "worker.pid"):
            pid = self.pid(pidfile.removesuffix(".pid"))
            if pid:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.save_artifacts()

    def save_artifacts(self) -> None:
        target = ARTIFACTS / f"{self.name}-{self.port}"
        try:
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(self.output_path, target / "stack.out")
            for log in self.run_dir.glob("*.log"):
                shutil.copy(log, target / log.name)
        except OSError:
            pass

    def pid(self, service: str) -> int | None:
        try:
            return int((self.run_dir / f"{service}.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def kill_notifier(self, sig: int = signal.SIGKILL) -> int:
        """Signals the running notifier (stack.sh restarts it when it dies); returns its pid."""
        pid = self.pid("notifier")
        assert pid, f"no notifier pid in {self.run_dir}\n{self.logs()}"
        os.kill(pid, sig)
        return pid

    def wait_notifier_restarted(self, old_pid: int, timeout: float = 30) -> int:
        """Waits until stack.sh has started a new notifier (another pid, listening, health "ok")."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = self.pid("notifier")
            if pid and pid != old_pid and (self.run_dir / "notifier.sock").is_socket():
                try:
                    if self.get("/api/v1/health", timeout=5).json().get("notifier") == "ok":
                        return pid
                except (requests.RequestException, ValueError):
                    pass
            time.sleep(0.1)
        raise AssertionError(f"no new notifier within {timeout}s (old pid {old_pid})\n{self.logs()}")

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

    # -- HTTP ------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.base_url + path

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        session: str | None = None,
        headers: dict | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        if session is not None:
            h["X-Customer-Session-Id"] = session
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return self.http.request(method, self.url(path), headers=h, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    # -- contract helpers -------------------------------------------------------

    def login(self, username: str, password: str, alias: str = "agent") -> AgentLogin:
        body = ok(self.post(f"/api/v1/{alias}/auth/login", json={"username": username, "password": password}))
        return AgentLogin(body["access_token"], body["agent"], username, password)

    @property
    def admin(self) -> AgentLogin:
        """The seeded admin, logged in once. Tests must not log this token out."""
        if self._admin is None:
            self._admin = self.login("admin", self.admin_password)
        return self._admin

    @property
    def agent(self) -> AgentLogin:
        """The seeded agent, logged in once. Tests must not log this token out."""
        if self._agent is None:
            self._agent = self.login("agent", self.agent_password)
        return self._agent

    def register_agent(self, prefix: str = "agent", **fields: Any) -> AgentLogin:
        """Registers a new agent with the admin token and logs it in."""
        username = unique(prefix)
        body = {"username": username, "password": NEW_AGENT_PASSWORD, "display_name": f"Test {username}"}
        body.update(fields)
        ok(self.post("/api/v1/agent/register", token=self.admin.token, json=body), (200, 201))
        return self.login(username, NEW_AGENT_PASSWORD)

    def start_chat(self, **body: Any) -> Chat:
        answer = ok(self.post("/api/v1/customer/conversations/start", json=body))
        conv = answer["conversation"]
        return Chat(conv["id"], conv["customer_session_id"], answer)

    def escalated_chat(self) -> Chat:
        chat = self.start_chat()
        ok(self.post(f"/api/v1/customer/conversations/{chat.id}/escalate", session=chat.session_id))
        return chat

    def customer_messages(self, chat: Chat) -> list[dict]:
        return ok(self.get(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id))["messages"]

    def all_customer_messages(self, chat: Chat) -> list[dict]:
        """Every message of a conversation, page by page."""
        messages: list[dict] = []
        while True:
            query = f"?limit=200&after={messages[-1]['id']}" if messages else "?limit=200"
            page = ok(self.get(f"/api/v1/customer/conversations/{chat.id}/messages{query}", session=chat.session_id))
            if not page["messages"]:
                return messages
            messages += page["messages"]

    def customer_conversation(self, chat: Chat) -> dict:
        return ok(self.get(f"/api/v1/customer/conversations/{chat.id}", session=chat.session_id))

    def queue_ids(self, token: str) -> list[str]:
        return [item["id"] for item in ok(self.get("/api/v1/agent/queue", token=token))["items"]]

    def health_ok(self) -> bool:
        try:
            return self.get("/api/v1/health", timeout=5).status_code == 200
        except requests.RequestException:
            return False
