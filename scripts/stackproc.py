"""Starting and stopping a real Switchboard stack: `switchboard migrate` + `seed`,
then scripts/stack.sh (scripts/units.py running deploy/systemd's worker, notifier and
nginx units, the production supervision policy) in a session of its own, on free ports
with its own data dir and a short run dir under /tmp.

The one implementation behind Tests/stack/stacklib.py (the stack tests),
Tests/browser/conftest.py (the browser tests) and scripts/bench/stack.py
(scripts/bench.py), including killing a service and waiting for the runner to
restart it. Standard library only: the bench runs without the test dependencies.
Subclasses set the class attributes and add their own HTTP helpers."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

STARTUP_TIMEOUT = 60
STOP_TIMEOUT = 90  # the units give nginx 20 s (TimeoutStopSec) and the notifier and the worker 30 s each


def free_port(avoid: set[int] = frozenset()) -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in avoid:
            return port


def proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat from the state on (the command before them may hold
    spaces or parentheses); None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2:].split()


def running(pid: int) -> bool:
    """Whether a process exists and has not exited (a zombie waiting to be reaped has)."""
    fields = proc_stat(pid)
    return fields is not None and fields[0] != "Z"


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"({path} does not exist)"
    return "\n".join(text.splitlines()[-lines:])


class StackProcess:
    """One worker + notifier + nginx, started by scripts/stack.sh (scripts/units.py) with its own data and run dirs."""

    bin_dir: Path = Path(os.environ.get("SWITCHBOARD_BIN_DIR", REPO / ".build" / "debug")).resolve()
    required_binaries: tuple[str, ...] = ("switchboard", "switchboard-worker", "switchboard-notifier")
    build_hint = "build first (swift build) or set SWITCHBOARD_BIN_DIR"
    admin_password = "admin-stack-password-1"
    agent_password = "agent-stack-password-1"
    run_dir_prefix = "sb-"
    log_tail_lines = 40
    raise_when_hung = True  # stop(): AssertionError if the runner had to be killed (else its status)
    seed = True  # start(): `switchboard seed` after `migrate` (False: the database keeps its accounts as they are)
    seed_history = False  # start(): `seed --history`: a month of demo conversations (the Reports page's data)

    def __init__(self, name: str, tmp_root: Path, **env_overrides: str) -> None:
        self.name = name
        self.port = free_port()
        self.shop_port = free_port({self.port})
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.shop_origin = f"http://127.0.0.1:{self.shop_port}"
        self.data_dir = tmp_root / name
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Unix socket paths must fit in 108 bytes: keep the run dir short.
        self.run_dir = Path(tempfile.mkdtemp(prefix=self.run_dir_prefix, dir="/tmp"))
        self.output_path = self.data_dir / "stack.out"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
        env.update(
            SWITCHBOARD_HOST="127.0.0.1",
            SWITCHBOARD_PORT=str(self.port),
            SWITCHBOARD_SHOP_PORT=str(self.shop_port),
            SWITCHBOARD_DATA_DIR=str(self.data_dir),
            SWITCHBOARD_RUN_DIR=str(self.run_dir),
            SWITCHBOARD_BIN_DIR=str(self.bin_dir),
            # Only login hashes with it; tests and benchmarks log in often enough.
            SWITCHBOARD_SCRYPT_LOG_N="12",
            SWITCHBOARD_ADMIN_PASSWORD=self.admin_password,
            SWITCHBOARD_AGENT_PASSWORD=self.agent_password,
            SWITCHBOARD_RATE_LIMITS="off",
            SWITCHBOARD_ROUTING="manual",
            # Every test client is 127.0.0.1: the per-address cap on open escalations is
            # tested on a stack of its own (Tests/stack/test_limit_spellings.py sets it).
            SWITCHBOARD_MAX_OPEN_CHATS_PER_ADDRESS="0",
        )
        env.update(env_overrides)
        self.env = env
        self.proc: subprocess.Popen | None = None
        self.seed_output = ""
        self.returncode: int | None = None

    # -- lifecycle -------------------------------------------------------------

    def cli(self, *args: str, input: str | None = None) -> str:
        result = subprocess.run(
            [str(self.bin_dir / "switchboard"), *args], env=self.env, input=input,
            stdin=subprocess.DEVNULL if input is None else None, capture_output=True, text=True, timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"`switchboard {' '.join(args)}` exited {result.returncode}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
        return result.stdout

    def start(self):
        for exe in self.required_binaries:
            if not (self.bin_dir / exe).is_file():
                raise RuntimeError(f"{self.bin_dir / exe} is missing: {self.build_hint}")
        self.cli("migrate")  # (the worker's unit migrates too, but seed needs the schema first)
        if self.seed:
            self.seed_output = self.cli("seed", *(["--history"] if self.seed_history else []))
        with open(self.output_path, "wb") as out:
            self.proc = subprocess.Popen(
                [str(REPO / "scripts" / "stack.sh")], env=self.env, stdin=subprocess.DEVNULL,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self.healthy():
            if self.proc.poll() is not None:
                raise RuntimeError(f"stack {self.name} exited {self.proc.returncode} during startup\n{self.logs()}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"stack {self.name} not ready after {STARTUP_TIMEOUT}s\n{self.logs()}")
            time.sleep(0.1)
        # The ready line comes right after the health check succeeds.
        while "serving on" not in self.output() and self.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def health(self, timeout: float = 2) -> tuple[int, dict]:
        """Status and JSON body of GET /api/v1/health on a new connection ((0, {}) when it does not answer)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", "/api/v1/health")
            resp = conn.getresponse()
            raw = resp.read()
        except (OSError, http.client.HTTPException):
            return 0, {}
        finally:
            conn.close()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        return resp.status, body if isinstance(body, dict) else {}

    def healthy(self, timeout: float = 2) -> bool:
        """GET /api/v1/health answers 200 (a new connection each time)."""
        return self.health(timeout)[0] == 200

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> int | None:
        """Signals the runner and returns its exit status (None if it was never started).
        If it hangs, kills everything (see raise_when_hung)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self._await_exit(timeout, "did not stop within", self.raise_when_hung)

    def wait_exit(self, timeout: float = STOP_TIMEOUT) -> int:
        """Waits for the runner to exit on its own and returns its status."""
        assert self.proc is not None
        return self._await_exit(timeout, "still running after", True)

    def _await_exit(self, timeout: float, hung: str, check: bool) -> int:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            if check:
                raise AssertionError(f"stack {self.name} {hung} {timeout}s\n{self.logs()}")
        self.returncode = self.proc.returncode
        self.save_artifacts()
        return self.returncode

    def kill(self) -> None:
        """Last resort: kill the runner and the services it started (each leads a process group: setsid)."""
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
        self.save_artifacts()

    # -- the notifier (the runner restarts it when it dies) ----------------------

    def notifier_pid(self) -> int | None:
        """The notifier's pid while it runs (None between a death and its restart)."""
        pid = self.pid("notifier")
        return pid if pid and running(pid) else None

    def kill_notifier(self, sig: int = signal.SIGKILL, timeout: float = 20) -> int:
        """Signals the running notifier and waits until that process has exited; returns its pid."""
        pid = self.notifier_pid()
        assert pid, f"no running notifier (expected {self.run_dir / 'notifier.pid'})\n{self.logs()}"
        os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while running(pid):
            assert time.monotonic() < deadline, (
                f"notifier {pid} still running {timeout}s after {signal.Signals(sig).name}\n{self.logs()}")
            time.sleep(0.05)
        return pid

    def wait_notifier_restarted(self, old_pid: int, timeout: float = 30) -> int:
        """Waits until the runner, still running, has started a new notifier: another pid, running,
        its socket there, and health reporting the notifier "ok". Returns the new pid."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc is not None and self.proc.poll() is None, (
                f"the runner exited ({self.proc and self.proc.returncode}) after the notifier died\n{self.logs()}")
            pid = self.notifier_pid()
            if pid and pid != old_pid and (self.run_dir / "notifier.sock").is_socket():
                status, body = self.health(timeout=5)
                if status == 200 and body.get("notifier") == "ok":
                    return pid
            assert time.monotonic() < deadline, f"no new notifier within {timeout}s (old pid {old_pid})\n{self.logs()}"
            time.sleep(0.1)

    # -- any service (the runner restarts each one that dies, with backoff) -------

    def service_pid(self, service: str) -> int | None:
        """The pid of the service ("worker", "notifier", "nginx") while it runs."""
        pid = self.pid(service)
        return pid if pid and running(pid) else None

    def kill_service(self, service: str, sig: int = signal.SIGKILL, timeout: float = 20) -> int:
        """Signals the running service and waits until that process has exited; returns its pid."""
        pid = self.service_pid(service)
        assert pid, f"no running {service} (expected {self.run_dir / (service + '.pid')})\n{self.logs()}"
        os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while running(pid):
            assert time.monotonic() < deadline, (
                f"{service} {pid} still running {timeout}s after {signal.Signals(sig).name}\n{self.logs()}")
            time.sleep(0.01)
        return pid

    def wait_restarted(self, service: str, old_pid: int, timeout: float = 30) -> int:
        """Waits until the runner, still running, has started the service again (another pid,
        running, ready), GET /api/v1/health answers 200 and the runner has logged the return
        (so the restart is complete). Returns the new pid."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc is not None and self.proc.poll() is None, (
                f"the runner exited ({self.proc and self.proc.returncode}) after the {service} died\n{self.logs()}")
            pid = self.service_pid(service)
            if (pid and pid != old_pid and f"{service} is back (pid {pid}," in self.output()
                    and self.health(timeout=5)[0] == 200):
                return pid
            assert time.monotonic() < deadline, f"no new {service} within {timeout}s (old pid {old_pid})\n{self.logs()}"
            time.sleep(0.02)

    # -- logs ------------------------------------------------------------------

    @property
    def artifacts_dir(self) -> Path | None:
        """Where stop() and kill() copy the logs (None: nowhere)."""
        return None

    def save_artifacts(self) -> None:
        if self.artifacts_dir is not None:
            try:
                self.copy_logs(self.artifacts_dir)
            except OSError:
                pass

    def copy_logs(self, dest: Path, skip: tuple[str, ...] = ()) -> Path:
        """Copies the runner's output and the run dir's logs (but those named in skip) to a fresh dest."""
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True, exist_ok=True)
        for path in [self.output_path, *self.run_dir.glob("*.log")]:
            if path.name in skip or not path.exists():
                continue
            shutil.copy(path, dest / path.name)
        return dest

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
        n = self.log_tail_lines
        parts = [f"--- scripts/stack.sh output ({self.output_path})\n{tail(self.output_path, n)}"]
        for name in ("stack.log", "worker.log", "notifier.log", "nginx-error.log", "nginx-stderr.log"):
            parts.append(f"--- {self.run_dir / name}\n{tail(self.run_dir / name, n)}")
        return "\n".join(parts)

    def url(self, path: str) -> str:
        return self.base_url + path
