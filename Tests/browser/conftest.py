"""Fixtures for the browser tests: one real Switchboard stack for the session
(scripts/stackproc.py, which runs scripts/stack.sh: worker + notifier + nginx)
whose nginx also serves the demo shop on a second origin, and real headless
Chromium driven by Selenium.

- `stack`: the stack (temp data dir, free ports), seeded with `switchboard
  migrate` + `switchboard seed`; stopped at the end of the session. Its start
  fails when nginx's shop server block does not serve static/shop on the shop
  port. Killing the notifier and waiting for its restart (the network-drop
  test) are StackProcess's kill_notifier / wait_notifier_restarted.
- `browser(width, height)`: a fresh Chromium (its own profile: a separate
  "browser context"), sized exactly via CDP; closed after the test, and its
  console checked for CSP violations and script errors.

Binaries come from $SWITCHBOARD_BIN_DIR (default .build/debug).
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from pathlib import Path

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(REPO / "scripts"))

from pages import AgentConsole, Shopper  # noqa: E402
from stackproc import StackProcess  # noqa: E402

ARTIFACTS = REPO / "Tests" / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")

ADMIN_PASSWORD = "admin-browser-password-1"
AGENT_PASSWORD = "agent-browser-password-1"


class BrowserStack(StackProcess):
    """A stack (scripts/stackproc.py) and the shop origin; logs go to Tests/artifacts/browser-stack."""

    admin_password = ADMIN_PASSWORD
    agent_password = AGENT_PASSWORD
    run_dir_prefix = "sbb-"
    log_tail_lines = 30
    raise_when_hung = False  # the fixture only warns about an unclean stop

    def __init__(self, root: Path, name: str = "browser", **env: str) -> None:
        """`name` and `env` for a stack of a test module's own (auto routing, e-mail, a short grace)."""
        super().__init__(name, root, **env)
        self.http = requests.Session()

    @property
    def artifacts_dir(self) -> Path:
        return ARTIFACTS / f"{self.name}-stack"

    def start(self) -> "BrowserStack":
        super().start()
        # nginx serves the demo shop on its own origin (SWITCHBOARD_SHOP_PORT).
        if not self.shop_served():
            logs = self.logs()
            self.stop()
            raise RuntimeError(f"nginx does not serve the demo shop on {self.shop_origin}\n{logs}")
        return self

    def shop_served(self) -> bool:
        try:
            r = self.http.get(self.shop_origin + "/", timeout=2)
            return r.status_code == 200 and "Northwind" in r.text
        except requests.RequestException:
            return False

    def stop(self) -> int | None:
        code = super().stop()
        shutil.rmtree(self.run_dir, ignore_errors=True)  # logs are in Tests/artifacts/browser-stack
        return code

    # -- REST helpers ------------------------------------------------------------------

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
# A failed *static* file still counts, except the demo shop's optional demo-identities.json
# (written by the run script; without it the shop hides its demo sign-in).
def ignored(message: str) -> bool:
    if "Failed to load resource" in message and "/api/v1/" in message:
        return True
    if "Failed to load resource" in message and "/demo-identities.json" in message and "404" in message:
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
