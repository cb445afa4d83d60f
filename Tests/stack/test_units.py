"""scripts/units.py on small stand-in services (no Switchboard binaries): the parts of
systemd's semantics the real stack rarely exercises. Type=notify readiness orders the
start and is accepted only from the main process (NotifyAccess=main); TimeoutStartSec
fails a start that never gets READY=1; an ExecStartPre= failure fails the start ("-"
ignores it); RestartPreventExitStatus= leaves a service down while the others run; a
process left behind by a dead main process gets KillSignal before the restart;
stopping goes in reverse start order with each unit's KillSignal, escalating to SIGKILL
after TimeoutStopSec; a key the runner does not apply stops it; so does a second runner
on the same run dir."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from stackproc import running

REPO = Path(__file__).resolve().parents[2]
RUNNER = REPO / "scripts" / "units.py"

# A stand-in service: `fake.py NAME ACTION...` appends what happens to events.log.
FAKE = r'''
import os, signal, socket, sys, time
name, actions = sys.argv[1], sys.argv[2:]
events = os.path.join(os.environ["FAKE_DIR"], "events.log")

def log(what):
    with open(events, "a") as f:
        f.write(f"{time.monotonic():.3f} {name} {os.getpid()} {what}\n")

def notify(state, from_child=False):
    if from_child and os.fork() != 0:
        os.wait()
        return
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(state.encode(), os.environ["NOTIFY_SOCKET"])
    if from_child:
        os._exit(0)

for sig in (signal.SIGTERM, signal.SIGQUIT, signal.SIGINT):
    signal.signal(sig, lambda n, f: (log(f"got {signal.Signals(n).name}"), sys.exit(0)))
log("start")
for action in actions:
    verb, _, arg = action.partition("=")
    if verb == "sleep":
        time.sleep(float(arg))
    elif verb == "ready":
        notify("READY=1")
    elif verb == "ready-from-child":
        notify("READY=1", from_child=True)
    elif verb == "exit":
        log(f"exit {arg}")
        sys.exit(int(arg))
    elif verb == "ignore-term":
        signal.signal(signal.SIGTERM, lambda n, f: log("ignored SIGTERM"))
    elif verb == "child":  # a process of its own group that outlives this one unless signalled
        if os.fork() == 0:
            signal.signal(signal.SIGTERM, lambda n, f: (log("child got SIGTERM"), os._exit(0)))
            log("child")
            while True:
                time.sleep(1)
    elif verb == "wait-file":
        while not os.path.exists(os.path.join(os.environ["FAKE_DIR"], arg)):
            time.sleep(0.02)
while True:
    time.sleep(1)
'''


class Units:
    """A directory of unit files and a runner over it."""

    def __init__(self, tmp_path: Path) -> None:
        self.dir = tmp_path / "units"
        self.dir.mkdir()
        self.run_dir = tmp_path / "run"
        self.fake = tmp_path / "fake.py"
        self.fake.write_text(FAKE)
        self.tmp = tmp_path
        self.proc: subprocess.Popen | None = None
        self.out = tmp_path / "out"

    def unit(self, name: str, actions: str, extra: str = "", unit_extra: str = "", type_: str = "notify") -> None:
        (self.dir / f"{name}.service").write_text(textwrap.dedent(f"""\
            [Unit]
            StartLimitIntervalSec=0
            {unit_extra}
            [Service]
            Type={type_}
            ExecStart={sys.executable} {self.fake} {name} {actions}
            Restart=always
            RestartSec=200ms
            TimeoutStopSec=5
            {extra}
            """))

    def start(self) -> "Units":
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
        env.update(SWITCHBOARD_RUN_DIR=str(self.run_dir), FAKE_DIR=str(self.tmp))
        with open(self.out, "wb") as out:
            self.proc = subprocess.Popen([sys.executable, str(RUNNER), "--units", str(self.dir)], env=env,
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        return self

    def output(self) -> str:
        return self.out.read_text(errors="replace") if self.out.exists() else ""

    def events(self) -> list[tuple[float, str, int, str]]:
        path = self.tmp / "events.log"
        if not path.exists():
            return []
        rows = []
        for line in path.read_text().splitlines():
            t, name, pid, what = line.split(" ", 3)
            rows.append((float(t), name, int(pid), what))
        return rows

    def wait_for(self, text: str, timeout: float = 10) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            assert self.proc.poll() is None or text in self.output(), f"runner exited {self.proc.returncode}\n{self.output()}"
            assert time.monotonic() < deadline, f"{text!r} not in the output\n{self.output()}"
            time.sleep(0.02)
        return self.output()

    def wait_event(self, what: str, timeout: float = 10) -> tuple[float, str, int, str]:
        """The first event `what` of any service, once it is there."""
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in self.events() if e[3] == what]
            if found:
                return found[0]
            assert time.monotonic() < deadline, f"no {what!r} in {self.events()}"
            time.sleep(0.02)

    def wait_exit(self, timeout: float = 20) -> int:
        return self.proc.wait(timeout=timeout)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait_exit()

    def pid(self, name: str) -> int:
        return int((self.run_dir / f"{name}.pid").read_text())

    def kill_all(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        for pidfile in self.run_dir.glob("*.pid"):
            try:
                os.killpg(int(pidfile.read_text()), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass


@pytest.fixture
def units(tmp_path):
    u = Units(tmp_path)
    yield u
    u.kill_all()


def test_readiness_orders_the_start_and_only_the_main_process_may_give_it(units):
    units.unit("a", "sleep=0.5 ready-from-child sleep=0.3 ready", "TimeoutStartSec=10")
    units.unit("b", "", unit_extra="After=a.service", type_="exec")
    units.start()
    units.wait_for("serving (a, b ready)")
    deadline = time.monotonic() + 5
    while not [e for e in units.events() if e[1] == "b"]:  # (b counts as started once spawned: Type=exec)
        assert time.monotonic() < deadline, units.events()
        time.sleep(0.02)
    ready_sent = max(t for t, name, _, what in units.events() if name == "a" and what == "start") + 0.8
    b_start = [t for t, name, _, what in units.events() if name == "b" and what == "start"]
    assert b_start and b_start[0] >= ready_sent, units.events()
    log = (units.run_dir / "stack.log").read_text()
    assert "ignored ['READY'] from pid" in log, log  # the child's READY=1 was not taken
    assert units.stop() == 0, units.output()


def test_a_start_that_never_gets_ready_fails_within_timeout_start_sec(units):
    units.unit("a", "ready-from-child", "TimeoutStartSec=1")
    started = time.monotonic()
    units.start()
    assert units.wait_exit() == 1, units.output()
    took = time.monotonic() - started
    assert 1.0 <= took < 4.0, took
    assert "a: no READY=1 within 1 s (TimeoutStartSec); killing it" in units.output()
    assert "startup failed" in units.output()
    assert all(not running(pid) for _, _, pid, _ in units.events())


def test_exec_start_pre_runs_first_and_its_failure_fails_the_start(units, tmp_path):
    marker = tmp_path / "pre-ran"
    units.unit("a", "ready", f"ExecStartPre=-/bin/false\nExecStartPre=/usr/bin/touch {marker}\n"
                             f"ExecStartPre=/bin/sh -c 'exit 3'")
    units.start()
    assert units.wait_exit() == 1, units.output()
    assert marker.exists()
    assert "a: ExecStartPre \"/bin/sh -c 'exit 3'\" exited with status 3" in units.output(), units.output()
    assert units.events() == [], "the main process started after a failed ExecStartPre"


def test_restart_prevent_exit_status_leaves_the_service_down_and_the_rest_running(units):
    units.unit("a", "ready wait-file=die exit=78", "RestartPreventExitStatus=78")
    units.unit("b", "ready wait-file=die exit=3", "RestartPreventExitStatus=78")
    units.start()
    units.wait_for("serving (a, b ready)")
    (units.tmp / "die").touch()
    units.wait_for("exited with status 78; not restarting it (RestartPreventExitStatus=78)")
    units.wait_for("b is back")
    assert "b (pid" in units.output() and "exited with status 3; restarting it in 0.2 s (restart 1)" in units.output()
    time.sleep(0.5)  # (a restart of a would have happened by now)
    assert [what for _, name, _, what in units.events() if name == "a"].count("start") == 1, units.events()
    assert units.proc.poll() is None, "the runner gave up"
    # A stack with a failed service does not stop cleanly.
    assert units.stop() == 1, units.output()


def test_what_a_dead_main_process_leaves_behind_is_signalled_before_the_restart(units):
    units.unit("a", "child ready")
    units.start()
    units.wait_for("serving (a ready)")
    main = units.pid("a")
    child = units.wait_event("child")[2]
    os.kill(main, signal.SIGKILL)
    units.wait_for("a is back")
    events = units.events()
    got = [t for t, _, pid, what in events if what == "child got SIGTERM" and pid == child]
    restarted = [t for t, _, pid, what in events if what == "start" and pid not in (main, child)]
    assert got and restarted and got[0] < restarted[0], events
    assert not running(child)
    assert units.stop() == 0, units.output()


def test_stop_goes_in_reverse_order_with_each_kill_signal_and_escalates(units):
    units.unit("a", "ready", "KillSignal=SIGTERM")
    units.unit("b", "ready", "KillSignal=SIGQUIT", unit_extra="After=a.service")
    units.unit("c", "ignore-term ready", "TimeoutStopSec=1", unit_extra="After=b.service")
    units.start()
    units.wait_for("serving (a, b, c ready)")
    c = units.pid("c")
    assert units.stop() == 1, units.output()  # c had to be killed: not a clean stop
    events = [(name, what) for _, name, _, what in units.events() if what.startswith(("got", "ignored"))]
    assert events == [("c", "ignored SIGTERM"), ("b", "got SIGQUIT"), ("a", "got SIGTERM")], events
    assert "c: still running 1 s after SIGTERM (TimeoutStopSec); SIGKILL" in units.output()
    assert not running(c)


def test_a_key_the_runner_does_not_apply_stops_it(units):
    units.unit("a", "ready", "PIDFile=/run/a.pid")
    units.start()
    assert units.wait_exit() == 1
    assert "a.service: units.py does not apply PIDFile= in [Service]" in units.output()


def test_a_second_runner_on_the_same_run_dir_is_refused(units, tmp_path):
    units.unit("a", "ready")
    units.start()
    units.wait_for("serving (a ready)")
    second = Units.__new__(Units)
    second.__dict__.update(units.__dict__, out=tmp_path / "out2", proc=None)
    second.start()
    assert second.wait_exit() == 1
    assert f"a stack already runs in {units.run_dir}" in second.output()
    assert units.stop() == 0
