"""Fixtures for the stack tests: real Switchboard stacks (scripts/stack.sh:
the worker behind nginx) driven over HTTP.

- `stack`: one shared stack for the session, rate limits off and manual
  routing (escalated chats stay queued until claimed).
- `stack_factory(name, **env)`: another stack with its own database and env
  (rate limits on, auto routing, ...), stopped at the end of the session.

Binaries come from $SWITCHBOARD_BIN_DIR (default .build/debug). Each stack is
stopped with SIGTERM at teardown and must exit 0; its logs are copied to
Tests/artifacts/stack/<name>-<port>/.
"""

from __future__ import annotations

import shutil
import signal
from typing import Callable

import pytest

from stacklib import ARTIFACTS, Stack


@pytest.fixture(scope="session")
def stack_factory(tmp_path_factory) -> Callable[..., Stack]:
    started: list[Stack] = []
    root = tmp_path_factory.mktemp("stacks")
    shutil.rmtree(ARTIFACTS, ignore_errors=True)

    def make(name: str, **env: str) -> Stack:
        """Starts a stack; a name used before reuses that stack's database."""
        s = Stack(name, root, **env)
        started.append(s)
        return s.start()

    yield make

    problems = []
    for s in started:
        if s.proc is not None and s.returncode is None:
            try:
                code = s.stop(signal.SIGTERM)
                if code != 0:
                    problems.append(f"stack {s.name} exited {code} after SIGTERM\n{s.logs()}")
            except AssertionError as e:
                problems.append(str(e))
        # The logs are in Tests/artifacts by now.
        shutil.rmtree(s.run_dir, ignore_errors=True)
    assert not problems, "\n\n".join(problems)


@pytest.fixture(scope="session")
def stack(stack_factory) -> Stack:
    return stack_factory("main")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, attach the logs of the stacks the test used."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for value in getattr(item, "funcargs", {}).values():
        if isinstance(value, Stack):
            report.sections.append((f"stack {value.name} logs", value.logs()))
