#!/usr/bin/env python3
"""Runs the systemd units that ship in deploy/systemd/ without systemd: the one supervision
policy of Switchboard, applied by `make run`, every stack test and the benchmarks exactly as
systemd applies it in production. Started by scripts/stack.sh (which sets the SWITCHBOARD_*
defaults first); standard library only, Linux only.

    scripts/units.py [--units DIR] [--url http://HOST:PORT] [--shop-url URL]

What it applies, as systemd.service(5) and systemd.exec(5) define it:

  Type=             exec and simple: started once spawned; notify: started when the main
                    process sends READY=1 to $NOTIFY_SOCKET (a datagram socket this runner
                    makes, $SWITCHBOARD_RUN_DIR/ready.sock; NotifyAccess=main: the sender's
                    pid, from SCM_CREDENTIALS, must be the main process's)
  TimeoutStartSec=  from the first ExecStartPre= until READY=1; past it the service is
                    killed and counts as failed (restarted like any death)
  ExecStartPre=     run in order, each to completion ("-" prefix: its failure is ignored)
  ExecStart=        the main process, in a session (process group) of its own
  Environment=, EnvironmentFile= ("-" prefix: optional), $VAR and ${VAR} in commands
  Restart=          always, on-failure, no
  RestartSec=, RestartSteps=, RestartMaxDelaySec=
                    the delay before the n-th automatic restart: RestartSec for the first,
                    RestartMaxDelaySec from restart RestartSteps+1 on, and in between
                    RestartSec * (RestartMaxDelaySec / RestartSec) ** ((n - 1) / RestartSteps),
                    systemd's service_restart_usec_next(). Like systemd's, the count only
                    grows while the runner lives (systemd resets it on `systemctl start` or
                    `reset-failed`, never because a service stayed up a while). systemd
                    older than 254 ignores the last two keys and always waits RestartSec.
  RestartPreventExitStatus=  such an exit is not restarted (the service stays failed)
  KillSignal=, TimeoutStopSec=
                    stopping and cleaning up after a death: KillSignal to the whole process
                    group (KillMode=control-group), SIGKILL once TimeoutStopSec has passed;
                    a restart begins only when nothing of the old process is left (nginx
                    workers outlive a killed master)
  UMask=, LimitNOFILE= (soft limit, at most the hard one: the runner is unprivileged)
  After=, Before=   start order among the units in DIR; stop in the reverse order, each
                    stop complete before the next begins. Units outside DIR are ignored.
  RuntimeDirectory=, StateDirectory=, LogsDirectory=  the mapped directories are created

Ignored, because the runner runs unprivileged and has no cgroups (production keeps them):
  User=, Group=, NoNewPrivileges=, ProtectSystem=, ReadWritePaths=, ProtectHome=,
  PrivateTmp=, PrivateDevices=, ProtectKernelTunables=, ProtectKernelModules=,
  ProtectKernelLogs=, ProtectControlGroups=, ProtectClock=, ProtectHostname=, ProtectProc=,
  RestrictAddressFamilies=, RestrictNamespaces=, RestrictRealtime=, RestrictSUIDSGID=,
  LockPersonality=, CapabilityBoundingSet=, AmbientCapabilities=, SystemCallArchitectures=,
  SystemCallFilter=, SystemCallErrorNumber=, the *DirectoryMode= and
  RuntimeDirectoryPreserve= keys; and Description=, Documentation=, Wants=, Requires=,
  StartLimitIntervalSec= (must be 0: the runner never gives up), ExecReload= (no reload in
  development) and [Install]. Any other key stops the runner: a unit must not mean more
  in production than it does here without anyone noticing.

Production paths become development ones by one rule (PATH_MAP below), applied to every
word of a command, every Environment= value and every path key:

  /opt/switchboard/bin  -> $SWITCHBOARD_BIN_DIR       /opt/switchboard -> this checkout
  /var/lib/switchboard  -> $SWITCHBOARD_DATA_DIR      /etc/switchboard -> $SWITCHBOARD_RUN_DIR
  /run/switchboard, /run/switchboard-nginx, /var/log/switchboard -> $SWITCHBOARD_RUN_DIR

/etc/switchboard/switchboard.env is therefore $SWITCHBOARD_RUN_DIR/switchboard.env, which
the runner writes (0600) from its own SWITCHBOARD_* environment before anything starts
(leaving out the seed's account passwords, which no service reads), and reads back as an
EnvironmentFile= like any other. Services also inherit the runner's environment (systemd's
would be empty), so TSAN_OPTIONS and the like reach them.

Differences on purpose, for development: the first start is all or nothing (a unit that
fails or is not ready within TimeoutStartSec stops what was started and the exit status is
1, where systemd would keep retrying), and with --url the stack is "serving" (the line
"switchboard: serving on URL" on stdout) once GET URL/api/v1/health answers 200 through
nginx. After that nothing gives up on its own: every death is restarted by the policy above
(except RestartPreventExitStatus=), and only SIGINT/SIGTERM/SIGHUP stop the stack: pending
restarts are dropped, the services are stopped in reverse start order (nginx with QUIT, so
requests in flight finish), and the exit status is 0 when each one ended cleanly (exit 0,
or death by SIGTERM/SIGINT/SIGHUP/SIGPIPE, systemd's clean signals) and none had failed.

It refuses to start when a stack already runs in $SWITCHBOARD_RUN_DIR. Files there:
stack.lock (held while it runs), NAME.pid (the main process of each running service; NAME is
the unit's name without "switchboard-" and ".service"), stack.log (this runner's log: every
start, death, restart and stop), NAME.log (a service's stdout and stderr, its
ExecStartPre= commands' too, and a "=== ... units.py: ..." line for each of those events;
nginx's is nginx-stderr.log, beside its own nginx-error.log and nginx-access.log),
switchboard.env and ready.sock."""

from __future__ import annotations

import argparse
import ctypes
import fcntl
import http.client
import math
import os
import re
import resource
import selectors
import shlex
import signal
import socket
import struct
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]

# The keys the runner applies, and the ones it knowingly ignores (see the header).
APPLIED = {
    "Unit": {"After", "Before"},
    "Service": {"Type", "NotifyAccess", "TimeoutStartSec", "ExecStartPre", "ExecStart", "Environment",
                "EnvironmentFile", "Restart", "RestartSec", "RestartSteps", "RestartMaxDelaySec",
                "RestartPreventExitStatus", "KillSignal", "TimeoutStopSec", "UMask", "LimitNOFILE",
                "RuntimeDirectory", "StateDirectory", "LogsDirectory"},
}
IGNORED = {
    "Unit": {"Description", "Documentation", "Wants", "Requires", "StartLimitIntervalSec"},
    "Service": {"User", "Group", "NoNewPrivileges", "ProtectSystem", "ReadWritePaths", "ProtectHome",
                "PrivateTmp", "PrivateDevices", "ProtectKernelTunables", "ProtectKernelModules",
                "ProtectKernelLogs", "ProtectControlGroups", "ProtectClock", "ProtectHostname", "ProtectProc",
                "RestrictAddressFamilies", "RestrictNamespaces", "RestrictRealtime", "RestrictSUIDSGID",
                "LockPersonality", "CapabilityBoundingSet", "AmbientCapabilities", "SystemCallArchitectures",
                "SystemCallFilter", "SystemCallErrorNumber", "RuntimeDirectoryMode", "StateDirectoryMode",
                "LogsDirectoryMode", "RuntimeDirectoryPreserve", "ExecReload"},
    "Install": None,  # the whole section
}

# Seed-only secrets: never written to the run dir's switchboard.env.
NOT_IN_ENV_FILE = {"SWITCHBOARD_ADMIN_PASSWORD", "SWITCHBOARD_AGENT_PASSWORD", "SWITCHBOARD_NEW_PASSWORD"}

# systemd's defaults where a unit says nothing.
DEFAULT_TIMEOUT = 90.0
DEFAULT_RESTART_SEC = 0.1
CLEAN_SIGNALS = {signal.SIGHUP, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE}
SIGKILL_GRACE = 5.0  # after SIGKILL, how long to wait for the kernel before moving on anyway

HEALTH_TIMEOUT = 30.0
READY_SOCKET = "ready.sock"


class UnitError(Exception):
    """A unit the runner cannot apply faithfully."""


def path_map() -> list[tuple[str, str]]:
    """PATH_MAP: production prefix -> development path, longest prefix first."""
    env = os.environ
    run, data, bin_dir = env.get("SWITCHBOARD_RUN_DIR"), env.get("SWITCHBOARD_DATA_DIR"), env.get("SWITCHBOARD_BIN_DIR")
    if not (run and data and bin_dir):
        return []
    return [("/opt/switchboard/bin", bin_dir), ("/opt/switchboard", str(REPO)), ("/etc/switchboard", run),
            ("/var/lib/switchboard", data), ("/run/switchboard-nginx", run), ("/run/switchboard", run),
            ("/var/log/switchboard", run)]


PATH_MAP: list[tuple[str, str]] = []


def map_path(word: str) -> str:
    for prod, dev in PATH_MAP:
        if word == prod or word.startswith(prod + "/"):
            return dev + word[len(prod):]
    return word


def map_words(text: str) -> str:
    """Maps every absolute production path in a space-separated value."""
    return re.sub(r"(?<![^\s=])/[^\s\"']+", lambda m: map_path(m.group(0)), text)


# -- parsing ------------------------------------------------------------------------------

TIME_UNITS = {"us": 1e-6, "usec": 1e-6, "ms": 1e-3, "msec": 1e-3, "s": 1.0, "sec": 1.0, "second": 1.0,
              "seconds": 1.0, "m": 60.0, "min": 60.0, "minute": 60.0, "minutes": 60.0, "h": 3600.0,
              "hr": 3600.0, "hour": 3600.0, "hours": 3600.0, "d": 86400.0, "day": 86400.0, "days": 86400.0}


def parse_timespan(value: str) -> float:
    """systemd.time(7) spans ("250ms", "1min 30s", "5"): seconds; infinity is math.inf."""
    value = value.strip()
    if value == "infinity":
        return math.inf
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    total, rest = 0.0, value.replace(" ", "")
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)([a-z]+)", rest):
        if unit not in TIME_UNITS:
            raise UnitError(f"unknown time unit {unit!r} in {value!r}")
        total += float(number) * TIME_UNITS[unit]
    if not re.fullmatch(r"(\d+(\.\d+)?[a-z]+)+", rest):
        raise UnitError(f"not a time span: {value!r}")
    return total


def parse_signal(value: str) -> signal.Signals:
    name = value.strip().upper()
    if name.isdigit():
        return signal.Signals(int(name))
    return signal.Signals[name if name.startswith("SIG") else "SIG" + name]


def restart_delay(restart_sec: float, steps: int, max_delay: float | None, n: int) -> float:
    """The delay before the n-th automatic restart (n >= 1): systemd's service_restart_usec_next()."""
    if n <= 1 or steps == 0 or restart_sec == 0 or max_delay is None or restart_sec >= max_delay:
        return restart_sec
    if n > steps:
        return max_delay
    return restart_sec * (max_delay / restart_sec) ** ((n - 1) / steps)


def read_unit_file(path: Path) -> dict[str, dict[str, list[str]]]:
    """Sections of a unit file: {section: {key: [values]}} ("Key=" empties a list)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    pending = ""
    for raw in path.read_text().splitlines():
        line = pending + raw.strip() if pending else raw.strip()
        pending = ""
        if not line or line[0] in "#;":
            continue
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        if current is None or "=" not in line:
            raise UnitError(f"{path.name}: cannot read {raw!r}")
        key, value = (part.strip() for part in line.split("=", 1))
        if value == "":
            current[key] = []
        else:
            current.setdefault(key, []).append(value)
    return sections


def read_environment_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd.exec(5) reads them (quotes removed, # comments)."""
    env: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line[0] in "#;" or "=" not in line:
            continue
        key, value = line.split("=", 1)
        key, value = key.strip(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            quote, value = value[0], value[1:-1]
            if quote == '"':
                value = re.sub(r"\\(.)", r"\1", value)
        env[key] = value
    return env


def write_environment_file(path: Path, env: dict[str, str]) -> None:
    lines = ["# Written by scripts/units.py from its SWITCHBOARD_* environment: the development",
             "# stand-in for /etc/switchboard/switchboard.env (read back as the units' EnvironmentFile=)."]
    for key in sorted(env):
        if key.startswith("SWITCHBOARD_") and key not in NOT_IN_ENV_FILE:
            value = env[key].replace("\\", "\\\\").replace('"', '\\"')
            if "\n" in value:
                raise UnitError(f"{key} holds a newline")
            lines.append(f'{key}="{value}"')
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, path)


@dataclass
class Command:
    argv: list[str]
    ignore_failure: bool
    text: str

    def expand(self, env: dict[str, str]) -> list[str]:
        """$VAR as a whole word splits into words; ${VAR} expands inside a word."""
        words: list[str] = []
        for word in self.argv:
            whole = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", word)
            if whole:
                words += env.get(whole.group(1), "").split()
                continue
            words.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env.get(m.group(1), ""), word))
        return words


def parse_command(value: str, unit: str) -> Command:
    ignore = False
    text = value
    while value and value[0] in "-@:+!":
        if value[0] != "-":
            raise UnitError(f"{unit}: the prefix {value[0]!r} of {text!r} is not supported")
        ignore, value = True, value[1:]
    if "%" in value:
        raise UnitError(f"{unit}: specifiers (%) are not supported: {text!r}")
    argv = [map_path(w) for w in shlex.split(value)]
    if not argv or not argv[0].startswith("/"):
        raise UnitError(f"{unit}: {text!r} must start with an absolute path")
    return Command(argv, ignore, text)


@dataclass
class Unit:
    """One .service file, read and checked."""

    file: str
    name: str
    after: set[str]
    before: set[str]
    type: str
    timeout_start: float
    timeout_stop: float
    pre: list[Command]
    start: Command
    environment: dict[str, str]
    environment_files: list[tuple[Path, bool]]
    restart: str
    restart_sec: float
    restart_steps: int
    restart_max_delay: float | None
    prevent_status: set[int]
    prevent_signals: set[int]
    kill_signal: signal.Signals
    umask: int | None
    nofile: int | None
    directories: list[Path]

    @property
    def log_name(self) -> str:
        return "nginx-stderr.log" if self.name == "nginx" else f"{self.name}.log"


def load_unit(path: Path) -> Unit:
    sections = read_unit_file(path)
    file = path.name
    for section, keys in sections.items():
        if section not in APPLIED and section not in IGNORED:
            raise UnitError(f"{file}: unknown section [{section}]")
        if IGNORED.get(section, set()) is None:
            continue
        for key, values in keys.items():
            if key in APPLIED.get(section, set()) or key in IGNORED.get(section, set()):
                continue  # (a single-value key given twice: the last one counts, as in systemd)
            raise UnitError(f"{file}: units.py does not apply {key}= in [{section}]: teach it (APPLIED) "
                            f"or say why it may be ignored in development (IGNORED)")
    unit = sections.get("Unit", {})
    svc = sections.get("Service", {})

    def one(key: str, default: str | None = None) -> str | None:
        values = svc.get(key) or unit.get(key)
        return values[-1] if values else default

    restart = one("Restart", "no")
    if restart != "no" and one("StartLimitIntervalSec") != "0":
        raise UnitError(f"{file}: StartLimitIntervalSec=0 is missing (systemd would give up after 5 starts in "
                        f"10 s; the runner never gives up)")
    kind = one("Type", "simple")
    if kind not in ("simple", "exec", "notify"):
        raise UnitError(f"{file}: Type={kind} is not supported (simple, exec, notify)")
    if one("NotifyAccess", "main") != "main":
        raise UnitError(f"{file}: only NotifyAccess=main is supported")
    if restart not in ("always", "on-failure", "no"):
        raise UnitError(f"{file}: Restart={restart} is not supported (always, on-failure, no)")
    if not svc.get("ExecStart"):
        raise UnitError(f"{file}: no ExecStart=")
    timeout_start = parse_timespan(one("TimeoutStartSec", str(DEFAULT_TIMEOUT)))
    timeout_stop = parse_timespan(one("TimeoutStopSec", str(DEFAULT_TIMEOUT)))
    restart_sec = parse_timespan(one("RestartSec", str(DEFAULT_RESTART_SEC)))
    steps = int(one("RestartSteps", "0"))
    max_delay_text = one("RestartMaxDelaySec")
    max_delay = parse_timespan(max_delay_text) if max_delay_text else None
    if max_delay is not None and steps == 0:
        raise UnitError(f"{file}: RestartMaxDelaySec= without RestartSteps= (systemd ignores it then)")
    if max_delay is not None and max_delay < restart_sec:
        raise UnitError(f"{file}: RestartMaxDelaySec= is below RestartSec=")
    prevent_status: set[int] = set()
    prevent_signals: set[int] = set()
    for value in svc.get("RestartPreventExitStatus", []):
        for word in value.split():
            if word.isdigit():
                prevent_status.add(int(word))
            else:
                prevent_signals.add(int(parse_signal(word)))
    environment: dict[str, str] = {}
    for value in svc.get("Environment", []):
        for word in shlex.split(value):
            if "=" not in word:
                raise UnitError(f"{file}: Environment={value!r} is not KEY=VALUE")
            key, val = word.split("=", 1)
            environment[key] = map_words(val)
    environment_files = []
    for value in svc.get("EnvironmentFile", []):
        optional = value.startswith("-")
        environment_files.append((Path(map_path(value.lstrip("-"))), optional))
    directories = []
    for key, root in (("RuntimeDirectory", "/run"), ("StateDirectory", "/var/lib"), ("LogsDirectory", "/var/log")):
        for value in svc.get(key, []):
            directories += [Path(map_path(f"{root}/{name}")) for name in value.split()]
    umask = one("UMask")
    nofile = one("LimitNOFILE")
    name = file.removesuffix(".service").removeprefix("switchboard-")
    return Unit(
        file=file, name=name,
        after={w for v in unit.get("After", []) for w in v.split()},
        before={w for v in unit.get("Before", []) for w in v.split()},
        type=kind, timeout_start=timeout_start, timeout_stop=timeout_stop,
        pre=[parse_command(v, file) for v in svc.get("ExecStartPre", [])],
        start=parse_command(svc["ExecStart"][-1], file),
        environment=environment, environment_files=environment_files,
        restart=restart, restart_sec=restart_sec, restart_steps=steps, restart_max_delay=max_delay,
        prevent_status=prevent_status, prevent_signals=prevent_signals,
        kill_signal=parse_signal(one("KillSignal", "SIGTERM")),
        umask=int(umask, 8) if umask else None,
        nofile=None if nofile is None or nofile == "infinity" else int(nofile.split(":")[0]),
        directories=directories,
    )


def start_order(units: list[Unit]) -> list[Unit]:
    """A topological order of After=/Before= among these units (file name order otherwise)."""
    by_file = {u.file: u for u in units}
    edges: dict[str, set[str]] = {u.file: set() for u in units}  # file -> files that must start first
    for u in units:
        edges[u.file] |= {f for f in u.after if f in by_file}
        for f in u.before:
            if f in by_file:
                edges[f].add(u.file)
    order: list[Unit] = []
    done: set[str] = set()
    while len(order) < len(units):
        ready = sorted(f for f in edges if f not in done and edges[f] <= done)
        if not ready:
            raise UnitError(f"ordering cycle among {sorted(set(edges) - done)}")
        done.add(ready[0])
        order.append(by_file[ready[0]])
    return order


# -- processes ----------------------------------------------------------------------------

def status_text(status: int) -> tuple[int, str, int | None]:
    """(number as a shell shows it, "killed by SIGX" or "", signal) of a wait status."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        return 128 + sig, f"killed by {name}", sig
    return os.WEXITSTATUS(status), "", None


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def kill_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def become_subreaper() -> bool:
    """Orphans of our services (nginx workers whose master died) become our children, so we
    reap them and see when a process group is really empty. prctl(PR_SET_CHILD_SUBREAPER)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def stamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def seconds_text(s: float) -> str:
    text = f"{s:.2f}".rstrip("0").rstrip(".")
    return f"{text} s"


@dataclass
class Service:
    """One unit's processes and where they are in systemd's state machine."""

    unit: Unit
    runner: "Runner"
    state: str = "dead"  # dead, start-pre, starting, running, killing, auto-restart, failed
    main_pid: int | None = None
    control_pid: int | None = None
    pgids: set[int] = field(default_factory=set)
    pre_index: int = 0
    deadline: float | None = None
    kill_phase: str = ""  # "term" then "kill" while killing
    n_restarts: int = 0
    stop_requested: bool = False
    failure: str = ""  # what went wrong last ("worker (pid 5) exited with status 1")
    failure_why: str = ""  # "killed by SIGKILL" and the like
    failure_status: tuple[int | None, int | None] = (None, None)  # exit code, signal of the main process
    down_since: float | None = None
    clean_stop: bool = True

    @property
    def name(self) -> str:
        return self.unit.name

    @property
    def log_path(self) -> Path:
        return self.runner.run_dir / self.unit.log_name

    @property
    def pid_path(self) -> Path:
        return self.runner.run_dir / f"{self.name}.pid"

    def note(self, message: str) -> None:
        try:
            with open(self.log_path, "a") as f:
                f.write(f"=== {stamp()}: units.py: {message}\n")
        except OSError:
            pass

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        for path, optional in self.unit.environment_files:
            try:
                env.update(read_environment_file(path))
            except FileNotFoundError:
                if not optional:
                    raise
        env.update(self.unit.environment)
        if self.unit.type == "notify":
            env["NOTIFY_SOCKET"] = str(self.runner.ready_path)
        else:
            env.pop("NOTIFY_SOCKET", None)
        return env

    def spawn(self, command: Command, what: str) -> int:
        env = self.environment()
        argv = command.expand(env)
        self.note(f"{what}: {shlex.join(argv)}")
        actions = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_OPEN, 1, str(self.log_path), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600),
                   (os.POSIX_SPAWN_DUP2, 1, 2)]
        old_umask = os.umask(self.unit.umask) if self.unit.umask is not None else None
        old_limit = resource.getrlimit(resource.RLIMIT_NOFILE)
        if self.unit.nofile is not None:
            soft = self.unit.nofile if old_limit[1] == resource.RLIM_INFINITY else min(self.unit.nofile, old_limit[1])
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, old_limit[1]))
        try:
            pid = os.posix_spawn(argv[0], argv, env, file_actions=actions, setsid=True, setsigmask=(),
                                 setsigdef=(signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGTERM,
                                            signal.SIGHUP, signal.SIGQUIT, signal.SIGCHLD))
        finally:
            if old_umask is not None:
                os.umask(old_umask)
            resource.setrlimit(resource.RLIMIT_NOFILE, old_limit)
        self.pgids.add(pid)
        return pid

    # -- starting ------------------------------------------------------------------------

    def start(self) -> None:
        now = time.monotonic()
        self.state = "start-pre"
        self.stop_requested = False
        self.pre_index = 0
        self.deadline = now + self.unit.timeout_start if self.unit.timeout_start != math.inf else None
        self.run_next()

    def run_next(self) -> None:
        """The next ExecStartPre=, or the main process once they all succeeded."""
        pre = self.unit.pre
        while self.pre_index < len(pre):
            command = pre[self.pre_index]
            try:
                self.control_pid = self.spawn(command, "ExecStartPre")
                return
            except OSError as e:
                if not command.ignore_failure:
                    self.fail(f"{self.name}: ExecStartPre {command.text!r} could not start ({e.strerror})")
                    return
                self.pre_index += 1
        try:
            pid = self.spawn(self.unit.start, f"starts {self.name}")
        except OSError as e:
            self.fail(f"{self.name}: {self.unit.start.text!r} could not start ({e.strerror})", status=(203, None))
            return
        self.main_pid = pid
        self.pid_path.write_text(f"{pid}\n")
        self.runner.trace(f"{self.name} started (pid {pid})")
        if self.unit.type == "notify":
            self.state = "starting"
        else:
            self.became_ready()

    def became_ready(self) -> None:
        self.state = "running"
        self.deadline = None
        self.runner.on_ready(self)

    def on_notify(self, pid: int, fields: dict[str, str]) -> None:
        """A datagram from the main process (the runner drops the others: NotifyAccess=main)."""
        if fields.get("READY") == "1" and self.state == "starting":
            self.became_ready()
        if fields.get("STOPPING") == "1":
            self.runner.trace(f"{self.name} (pid {pid}) is stopping")

    # -- processes ending ------------------------------------------------------------------

    def on_exit(self, pid: int, status: int) -> None:
        number, why, sig = status_text(status)
        if pid == self.control_pid:
            self.control_pid = None
            if not group_alive(pid):
                self.pgids.discard(pid)  # never signal a process group id that may be reused
            if self.state != "start-pre":
                return
            command = self.unit.pre[self.pre_index]
            if number == 0 or command.ignore_failure:
                self.pre_index += 1
                self.run_next()
            else:
                self.fail(f"{self.name}: ExecStartPre {command.text!r} exited with status {number}", why)
            return
        if pid != self.main_pid:
            return
        self.main_pid = None
        try:
            self.pid_path.unlink()
        except FileNotFoundError:
            pass
        if self.stop_requested:
            self.clean_stop = (number == 0 and not why) or sig in CLEAN_SIGNALS
            if not self.clean_stop:
                self.failure = f"{self.name} (pid {pid}) exited with status {number} while stopping"
            return
        if self.state == "killing":  # a start that timed out: its failure is already said
            return
        self.fail(f"{self.name} (pid {pid}) exited with status {number}", why,
                  status=(None if sig else number, sig))

    def fail(self, what: str, why: str = "", status: tuple[int | None, int | None] = (None, None)) -> None:
        """The service went down on its own (or did not come up): clean up what is left of it,
        then enter_dead() decides about a restart."""
        self.failure, self.failure_why, self.failure_status = what, why, status
        if self.down_since is None:
            self.down_since = time.monotonic()
        self.begin_kill()

    def begin_kill(self) -> None:
        """KillSignal to everything of the service, SIGKILL after TimeoutStopSec."""
        self.state = "killing"
        self.kill_phase = "term"
        self.deadline = time.monotonic() + self.unit.timeout_stop if self.unit.timeout_stop != math.inf else None
        for pgid in list(self.pgids):
            kill_group(pgid, self.unit.kill_signal)
        self.poll()

    def request_stop(self) -> None:
        self.stop_requested = True
        if self.state in ("auto-restart", "failed", "dead"):
            self.state, self.deadline = "dead", None
            return
        self.runner.trace(f"stopping {self.name} (pid {self.main_pid}, {self.unit.kill_signal.name})")
        self.begin_kill()

    def poll(self) -> None:
        """While killing: done once no process of the service is left."""
        if self.state != "killing":
            return
        self.pgids = {g for g in self.pgids if group_alive(g)}
        if self.main_pid is None and self.control_pid is None and not self.pgids:
            self.enter_dead()

    def on_deadline(self) -> None:
        now = time.monotonic()
        if self.state in ("start-pre", "starting"):
            what = "ExecStartPre" if self.state == "start-pre" else "READY=1"
            self.runner.say(f"{self.name}: no {what} within {seconds_text(self.unit.timeout_start)} (TimeoutStartSec); killing it")
            self.fail(f"{self.name} (pid {self.main_pid or self.control_pid}) was not ready in time")
        elif self.state == "killing" and self.kill_phase == "term":
            self.runner.say(f"{self.name}: still running {seconds_text(self.unit.timeout_stop)} after "
                            f"{self.unit.kill_signal.name} (TimeoutStopSec); SIGKILL")
            for pgid in list(self.pgids):
                kill_group(pgid, signal.SIGKILL)
            if self.stop_requested:
                self.clean_stop = False
            self.kill_phase, self.deadline = "kill", now + SIGKILL_GRACE
        elif self.state == "killing":
            self.runner.say(f"{self.name}: processes {sorted(self.pgids)} survive SIGKILL; leaving them")
            self.pgids.clear()
            self.main_pid = self.control_pid = None
            self.enter_dead()
        elif self.state == "auto-restart":
            self.deadline = None
            self.start()

    def enter_dead(self) -> None:
        self.deadline = None
        if self.stop_requested:
            self.state = "dead"
            self.runner.on_stopped(self)
            return
        self.state = "dead"
        if self.runner.phase != "serving":
            self.runner.startup_failed(self)
            return
        code, sig = self.failure_status
        if self.unit.restart == "no" or (self.unit.restart == "on-failure" and code == 0) or \
                (code is not None and code in self.unit.prevent_status) or \
                (sig is not None and sig in self.unit.prevent_signals):
            self.state = "failed"
            if self.unit.restart == "no":
                reason = "Restart=no"
            elif self.unit.restart == "on-failure" and code == 0:
                reason = "Restart=on-failure"
            else:
                reason = f"RestartPreventExitStatus={code if code is not None else signal.Signals(sig).name}"
            message = f"{self.failure}; not restarting it ({reason})"
            self.runner.say(message)
            self.note(message)
            self.runner.show_tail(self.log_path, 5)
            return
        self.n_restarts += 1
        delay = restart_delay(self.unit.restart_sec, self.unit.restart_steps, self.unit.restart_max_delay,
                              self.n_restarts)
        self.state = "auto-restart"
        self.deadline = time.monotonic() + delay
        why = f"{self.failure_why}; " if self.failure_why else ""
        message = f"{self.failure}; restarting it in {seconds_text(delay)} ({why}restart {self.n_restarts})"
        self.runner.say(message)
        self.note(message)
        if not self.failure_why and code != 0:  # (not for a kill or a clean exit: the log says nothing new)
            self.runner.show_tail(self.log_path, 10)


class Runner:
    def __init__(self, units: list[Unit], run_dir: Path, url: str | None, shop_url: str | None) -> None:
        self.run_dir = run_dir
        self.url = url
        self.shop_url = shop_url
        self.services = [Service(u, self) for u in start_order(units)]
        self.ready_path = run_dir / READY_SOCKET
        self.phase = "startup"  # startup, health, serving, stopping
        self.to_start = list(self.services)
        self.stop_queue: list[Service] = []
        self.exit_code: int | None = None
        self.stop_failed = False
        self.health_deadline = 0.0
        self.next_health = 0.0
        self.signals: list[int] = []
        self.stack_log = open(run_dir / "stack.log", "a", buffering=1)

    # -- logging --------------------------------------------------------------------------

    def say(self, message: str) -> None:
        print(f"switchboard: {message}", file=sys.stderr, flush=True)
        self.trace(message)

    def trace(self, message: str) -> None:
        self.stack_log.write(f"{stamp()} switchboard: {message}\n")

    def show_tail(self, path: Path, lines: int = 20) -> None:
        try:
            text = path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return
        if not text:
            return
        crash = [line for line in text[-400:] if re.search(r"Fatal error|Program crashed|crashed:", line)]
        if crash:
            print(f"switchboard: {path} reports a crash:", file=sys.stderr)
            for line in crash[-2:]:
                print(f"    {line}", file=sys.stderr)
        print(f"switchboard: last lines of {path}:", file=sys.stderr)
        for line in text[-lines:]:
            print(f"    {line}", file=sys.stderr)
        sys.stderr.flush()

    # -- events ---------------------------------------------------------------------------

    def on_ready(self, service: Service) -> None:
        if service.down_since is not None:
            took = time.monotonic() - service.down_since
            service.down_since = None
            self.say(f"{service.name} is back (pid {service.main_pid}, {seconds_text(took)} after it went down)")
            service.note(f"{service.name} is back (pid {service.main_pid})")
        else:
            self.trace(f"{service.name} is ready (pid {service.main_pid})")
        if self.phase == "startup":
            self.start_next()

    def start_next(self) -> None:
        if self.to_start:
            self.to_start.pop(0).start()
            return
        if self.url is None:
            self.serving()
        else:
            self.phase = "health"
            self.health_deadline = time.monotonic() + HEALTH_TIMEOUT

    def serving(self) -> None:
        self.phase = "serving"
        if self.url is None:
            print(f"switchboard: serving ({', '.join(s.name for s in self.services)} ready)", flush=True)
            return
        lines = [f"serving on {self.url}", f"  agent console {self.url}/agent/", f"  API           {self.url}/api/v1/"]
        if self.shop_url:
            lines.append(f"  demo shop     {self.shop_url}/ (another origin, embeds the widget)")
        lines.append(f"  logs          {self.run_dir}/*.log (Ctrl-C stops)")
        print("\n".join(f"switchboard: {line}" for line in lines), flush=True)
        self.trace(f"serving on {self.url}")

    def health_ok(self) -> bool:
        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=2)
        try:
            conn.request("GET", "/api/v1/health")
            return conn.getresponse().status == 200
        except (OSError, http.client.HTTPException):
            return False
        finally:
            conn.close()

    def startup_failed(self, service: Service) -> None:
        if self.phase == "stopping":
            return
        why = f" ({service.failure_why})" if service.failure_why else ""
        self.say(f"startup failed: {service.failure}{why}")
        self.show_tail(service.log_path)
        if service.name == "nginx":
            self.show_tail(self.run_dir / "nginx-error.log")
        self.begin_stop(exit_code=1)

    def begin_stop(self, exit_code: int) -> None:
        self.phase = "stopping"
        self.stop_failed = self.stop_failed or exit_code != 0
        self.to_start = []
        for s in self.services:
            if s.state == "failed":
                self.stop_failed = True
            if s.state == "auto-restart":
                s.state, s.deadline = "dead", None
        self.stop_queue = list(reversed(self.services))
        self.advance_stop()

    def advance_stop(self) -> None:
        while self.stop_queue:
            s = self.stop_queue[0]
            if s.stop_requested and s.state == "killing":
                return  # still stopping
            if not s.stop_requested and s.state not in ("dead", "failed", "auto-restart"):
                s.request_stop()
                if s.state == "killing":
                    return
            self.stop_queue.pop(0)
        if self.exit_code is None:
            self.finish()

    def on_stopped(self, service: Service) -> None:
        self.trace(f"{service.name} stopped ({'cleanly' if service.clean_stop else 'not cleanly'})")
        if not service.clean_stop:
            self.stop_failed = True
            self.say(service.failure or f"{service.name} did not stop cleanly")
            self.show_tail(service.log_path)
        if self.stop_queue and self.stop_queue[0] is service:
            self.stop_queue.pop(0)
        self.advance_stop()

    def finish(self) -> None:
        for name in (READY_SOCKET,):
            try:
                (self.run_dir / name).unlink()
            except FileNotFoundError:
                pass
        self.exit_code = 1 if self.stop_failed else 0
        self.trace(f"stopped (exit status {self.exit_code})")

    def on_signal(self, signum: int) -> None:
        if signum == signal.SIGCHLD:
            return
        if self.phase == "stopping":
            self.trace(f"{signal.Signals(signum).name} while stopping: ignored")
            return
        self.say(f"stopping ({signal.Signals(signum).name})")
        self.begin_stop(exit_code=0)

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            for s in self.services:
                if pid in (s.main_pid, s.control_pid):
                    s.on_exit(pid, status)
                    break

    def read_notifications(self, sock: socket.socket) -> None:
        while True:
            try:
                data, ancdata, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(12))
            except BlockingIOError:
                return
            pid = None
            for level, kind, payload in ancdata:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS and len(payload) >= 12:
                    pid = struct.unpack("iII", payload[:12])[0]
            fields = dict(line.split("=", 1) for line in data.decode(errors="replace").splitlines() if "=" in line)
            for s in self.services:
                if pid is not None and pid == s.main_pid:
                    s.on_notify(pid, fields)
                    break
            else:
                self.trace(f"ignored {sorted(fields)} from pid {pid}: no service's main process (NotifyAccess=main)")

    def tick(self) -> None:
        now = time.monotonic()
        for s in self.services:
            if s.deadline is not None and now >= s.deadline:
                s.on_deadline()
        for s in self.services:
            s.poll()
        if self.phase == "health" and now >= self.next_health:
            if self.health_ok():
                self.serving()
            elif time.monotonic() > self.health_deadline:
                self.say(f"no 200 from {self.url}/api/v1/health within {seconds_text(HEALTH_TIMEOUT)}")
                for name in ("worker.log", "nginx-error.log"):
                    self.show_tail(self.run_dir / name)
                self.begin_stop(exit_code=1)
            self.next_health = time.monotonic() + 0.05

    def timeout(self) -> float:
        now = time.monotonic()
        deadlines = [s.deadline for s in self.services if s.deadline is not None]
        if self.phase == "health":
            deadlines.append(self.next_health)
        wait = min(deadlines) - now if deadlines else 1.0
        if any(s.state == "killing" for s in self.services):
            wait = min(wait, 0.02)  # leftover processes are polled (no event tells when a group empties)
        return max(0.0, min(wait, 1.0))

    def run(self) -> int:
        sel = selectors.DefaultSelector()
        wake_r, wake_w = socket.socketpair()
        wake_r.setblocking(False)
        wake_w.setblocking(False)
        signal.set_wakeup_fd(wake_w.fileno(), warn_on_full_buffer=False)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(signum, lambda n, _f: self.signals.append(n))
        sel.register(wake_r, selectors.EVENT_READ, None)
        try:
            self.ready_path.unlink()
        except FileNotFoundError:
            pass
        ready = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        ready.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        old = os.umask(0o077)
        try:
            ready.bind(str(self.ready_path))
        finally:
            os.umask(old)
        ready.setblocking(False)
        sel.register(ready, selectors.EVENT_READ, "ready")
        self.trace(f"starting {', '.join(s.unit.file for s in self.services)} (units.py, pid {os.getpid()})")
        self.start_next()
        while self.exit_code is None:
            for key, _ in sel.select(self.timeout()):
                if key.data == "ready":
                    self.read_notifications(ready)
                else:
                    try:
                        while wake_r.recv(512):
                            pass
                    except BlockingIOError:
                        pass
            self.reap()
            while self.signals:
                self.on_signal(self.signals.pop(0))
            self.tick()
        ready.close()
        return self.exit_code


def refuse_when_running(run_dir: Path, names: list[str]) -> int:
    """Locks stack.lock for the runner's life; fails if another runner holds it or a service
    of an earlier stack (one whose runner was killed) still runs."""
    fd = os.open(run_dir / "stack.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SystemExit(f"switchboard: a stack already runs in {run_dir}; stop it first or use another "
                         f"SWITCHBOARD_RUN_DIR")
    for name in names:
        try:
            pid = int((run_dir / f"{name}.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z":
            raise SystemExit(f"switchboard: a stack already runs in {run_dir} ({name} pid {pid}); stop it first "
                             f"or use another SWITCHBOARD_RUN_DIR")
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Runs deploy/systemd's units as systemd would (see the header).")
    parser.add_argument("--units", type=Path, default=REPO / "deploy" / "systemd", help="the unit files (*.service)")
    parser.add_argument("--url", help="the stack's address: serving once URL/api/v1/health answers 200")
    parser.add_argument("--shop-url", help="the demo shop's origin (for the banner)")
    args = parser.parse_args(argv)
    run_dir = Path(os.environ.get("SWITCHBOARD_RUN_DIR", "")).resolve()
    if not os.environ.get("SWITCHBOARD_RUN_DIR"):
        raise SystemExit("switchboard: SWITCHBOARD_RUN_DIR is not set (scripts/stack.sh sets it)")
    PATH_MAP[:] = path_map()
    try:
        units = [load_unit(p) for p in sorted(args.units.glob("*.service"))]
        if not units:
            raise UnitError(f"no *.service in {args.units}")
        runner_units = start_order(units)
    except (UnitError, OSError, ValueError, KeyError) as e:
        raise SystemExit(f"switchboard: {e}")
    run_dir.mkdir(parents=True, exist_ok=True)
    run_dir.chmod(0o700)
    lock = refuse_when_running(run_dir, [u.name for u in runner_units])
    for u in runner_units:
        for d in u.directories:
            d.mkdir(parents=True, exist_ok=True)
    write_environment_file(run_dir / "switchboard.env", dict(os.environ))
    if not become_subreaper():
        print("switchboard: cannot become a child subreaper; nginx workers of a killed master may be missed",
              file=sys.stderr)
    try:
        return Runner(runner_units, run_dir, args.url, args.shop_url).run()
    finally:
        os.close(lock)


if __name__ == "__main__":
    sys.exit(main())
