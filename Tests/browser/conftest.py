"""Fixtures for the browser tests: one real Switchboard stack for the session
(scripts/stack.sh: worker + nginx, and the notifier once it exists) plus the
demo shop on a second origin, and real headless Chromium driven by Selenium.

- `stack`: the stack (temp data dir, free ports), seeded with `switchboard
  migrate` + `switchboard seed`; stopped at the end of the session. The shop
  origin is nginx's shop server block when it answers on the shop port,
  otherwise a `python3 -m http.server` serving static/shop.
- `browser(width, height)`: a fresh Chromium (its own profile: a separate
  "browser context"), sized exactly via CDP; closed after the test, and its
  console checked for CSP violations and script errors.

Binaries come from $SWITCHBOARD_BIN_DIR (default .build/debug).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import AgentConsole, Shopper  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
BIN_DIR = Path(os.environ.get("SWITCHBOARD_BIN_DIR", REPO / ".build" / "debug")).resolve()
ARTIFACTS = REPO / "Tests" / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")

ADMIN_PASSWORD = "admin-browser-password-1"
AGENT_PASSWORD = "agent-browser-password-1"
STARTUP_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BrowserStack:
    """scripts/stack.sh with its own data and run dirs, and the shop origin."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.shop_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.shop_origin = f"http://127.0.0.1:{self.shop_port}"
        self.data_dir = root / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir = Path(tempfile.mkdtemp(prefix="sbb-", dir="/tmp"))  # short: unix socket paths
        self.output = self.data_dir / "stack.out"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
        self.env.update(
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
        self.proc: subprocess.Popen | None = None
        self.http = requests.Session()

    # -- lifecycle -------------------------------------------------------------

    def cli(self, *args: str) -> str:
        result = subprocess.run([str(BIN_DIR / "switchboard"), *args], env=self.env, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"switchboard {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self) -> "BrowserStack":
        for exe in ("switchboard", "switchboard-worker"):
            if not (BIN_DIR / exe).is_file():
                raise RuntimeError(f"{BIN_DIR / exe} is missing: build first (swift build) or set SWITCHBOARD_BIN_DIR")
        self.cli("migrate")
        self.cli("seed")
        with open(self.output, "wb") as out:
            self.proc = subprocess.Popen(
                [str(REPO / "scripts" / "stack.sh")], env=self.env, stdin=subprocess.DEVNULL,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self.healthy():
            if self.proc.poll() is not None:
                raise RuntimeError(f"stack.sh exited {self.proc.returncode} during startup\n{self.logs()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"stack not ready after {STARTUP_TIMEOUT}s\n{self.logs()}")
            time.sleep(0.1)
        # nginx serves the demo shop on its own origin (SWITCHBOARD_SHOP_PORT).
        if not self.shop_served():
            self.stop()
            raise RuntimeError(f"nginx does not serve the demo shop on {self.shop_origin}\n{self.logs()}")
        return self

    def healthy(self) -> bool:
        try:
            return self.http.get(self.url("/api/v1/health"), timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def shop_served(self) -> bool:
        try:
            r = self.http.get(self.shop_origin + "/", timeout=2)
            return r.status_code == 200 and "Northwind" in r.text
        except requests.RequestException:
            return False

    def stop(self) -> int | None:
        code = None
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout=45)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                code = self.proc.wait(timeout=10)
        self.save_logs()
        shutil.rmtree(self.run_dir, ignore_errors=True)  # logs are in Tests/artifacts/browser-stack
        return code

    def save_logs(self) -> None:
        target = ARTIFACTS / "browser-stack"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copy(self.output, target / "stack.out")
            for log in self.run_dir.glob("*.log"):
                shutil.copy(log, target / log.name)
        except OSError:
            pass

    def logs(self) -> str:
        parts = []
        for path in [self.output, *sorted(self.run_dir.glob("*.log"))]:
            try:
                text = path.read_text(errors="replace").splitlines()[-30:]
            except OSError:
                continue
            parts.append(f"--- {path}\n" + "\n".join(text))
        return "\n".join(parts)

    # -- the notifier (network-drop test) -----------------------------------------

    def notifier_pid(self) -> int | None:
        try:
            pid = int((self.run_dir / "notifier.pid").read_text().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    def kill_notifier(self) -> int:
        pid = self.notifier_pid()
        assert pid, f"no running notifier (expected {self.run_dir / 'notifier.pid'})"
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                return pid
            time.sleep(0.05)
        raise AssertionError(f"notifier {pid} still alive after SIGKILL")

    def restart_notifier(self, old_pid: int, timeout: float = 20) -> None:
        """Waits for the supervisor (scripts/stack.sh) to bring the notifier back."""
        deadline = time.monotonic() + timeout
        while True:
            pid = self.notifier_pid()
            if pid and pid != old_pid and (self.run_dir / "notifier.sock").exists():
                return
            assert self.proc.poll() is None, f"stack.sh stopped when the notifier died\n{self.logs()}"
            assert time.monotonic() < deadline, f"the notifier did not come back\n{self.logs()}"
            time.sleep(0.1)

    # -- REST helpers ------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def shop_url(self) -> str:
        return f"{self.shop_origin}/?chat={self.base_url}"

    def login(self, username: str = "agent", password: str = AGENT_PASSWORD) -> str:
        r = self.http.post(self.url("/api/v1/agent/auth/login"), json={"username": username, "password": password}, timeout=15)
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    def agent_call(self, method: str, path: str, token: str, **kwargs):
        r = self.http.request(method, self.url(path), headers={"Authorization": f"Bearer {token}"}, timeout=15, **kwargs)
        assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    def customer_messages(self, conversation_id: str, session_id: str) -> list[dict]:
        r = self.http.get(self.url(f"/api/v1/customer/conversations/{conversation_id}/messages"),
                          headers={"X-Customer-Session-Id": session_id}, timeout=15)
        assert r.status_code == 200, r.text
        return r.json()["messages"]


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> BrowserStack:
    s = BrowserStack(tmp_path_factory.mktemp("browser-stack"))
    s.start()
    yield s
    code = s.stop()
    if code not in (0, None):
        # A clean stop is the stack tests' business (Tests/stack); here it only gets a warning.
        warnings.warn(f"stack.sh exited {code} after SIGTERM; logs in {ARTIFACTS / 'browser-stack'}")


# Console noise that is not a bug: Chromium logs every non-2xx fetch, and the
# pages handle API errors themselves (the stream answers 404/502 until the
# notifier exists; some tests cause 401/409 or cut the network on purpose).
# A failed *static* file still counts.
def ignored(message: str) -> bool:
    if "Failed to load resource" in message and "/api/v1/" in message:
        return True
    return any(s in message for s in ("ERR_BLOCKED_BY_CLIENT", "ERR_INTERNET_DISCONNECTED"))


@pytest.fixture
def browser(request):
    drivers: list[webdriver.Chrome] = []

    def make(width: int = 1280, height: int = 800, *, dark: bool = False) -> webdriver.Chrome:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--hide-scrollbars", "--mute-audio", "--no-first-run", f"--window-size={width},{height}"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        drivers.append(driver)
        resize(driver, width, height)
        if dark:
            driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        driver.set_script_timeout(20)
        return driver

    yield make

    problems = []
    for driver in drivers:
        try:
            for entry in driver.get_log("browser"):
                message = entry.get("message", "")
                if ignored(message):
                    continue
                bad = ("Content Security Policy" in message or "Refused to" in message or "Uncaught" in message
                       or (entry.get("level") == "SEVERE"))
                if bad:
                    problems.append(message[:400])
        except Exception as e:  # the browser may already be gone after a failure
            problems.append(f"(could not read the browser log: {e})")
        finally:
            driver.quit()
    if not hasattr(request.node, "rep_call") or request.node.rep_call.passed:
        assert not problems, "browser console errors:\n" + "\n".join(problems)


def resize(driver: webdriver.Chrome, width: int, height: int) -> None:
    """Exact viewport size (window-size includes browser chrome); phones get touch + mobile viewport."""
    mobile = width < 600
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": mobile, "maxTouchPoints": 5 if mobile else 1})


@pytest.fixture
def shopper(stack, browser):
    """A shopper on the demo shop (another origin) with the widget embedded."""
    def make(width: int = 1280, height: int = 800, **kw) -> Shopper:
        return Shopper(browser(width, height, **kw), stack)
    return make


@pytest.fixture
def console(stack, browser):
    """The agent console, signed in (default: the seeded agent)."""
    def make(width: int = 1280, height: int = 800, username: str = "agent", password: str = AGENT_PASSWORD, **kw) -> AgentConsole:
        c = AgentConsole(browser(width, height, **kw), stack)
        c.sign_in(username, password)
        return c
    return make


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
    if report.when == "call" and report.failed:
        s = item.funcargs.get("stack")
        if isinstance(s, BrowserStack):
            report.sections.append(("stack logs", s.logs()))
