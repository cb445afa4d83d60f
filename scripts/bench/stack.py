"""The stack each part measures: scripts/stackproc.py (migrate + seed, then
scripts/stack.sh: worker + notifier + nginx, the same start as the tests) from the
release binaries, with memory, HTTP and access-log helpers, and running_stack(),
which starts one for a part and stops it, keeps its logs and reads them for errors."""

from __future__ import annotations

import http.client
import json
import os
import re
import resource
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from stackproc import REPO, StackProcess

from .common import say
from .machine import children_of, cpu_times, proc_cpu, rss_kib
from .report import Report

BIN_DIR = Path(os.environ.get("SWITCHBOARD_BIN_DIR", REPO / ".build" / "release")).absolute()
ACCESS_LINE = re.compile(rb'^\S+ \[[^\]]*\] "([A-Z]+) (\S+)[^"]*" (\d{3}) ')

# Log lines worth a note in the report: (log, regex).
ERROR_LINES = (("nginx-error.log", r"\[(error|crit|alert|emerg)\](?!.*setrlimit)"),
               ("notifier.log", r"\b(error|critical)\b"),
               ("worker.log", r"\b(error|critical)\b|status=5\d\d"))
NGINX_SETRLIMIT = r"setrlimit\(RLIMIT_NOFILE"


class HTTPError(RuntimeError):
    pass


@dataclass
class Bench:
    """One run of the bench: its options, where its stacks live and what they found."""

    quick: bool
    keep: bool
    tmp_root: Path
    log_dir: Path
    report: Report = field(default_factory=Report)
    stacks: list["Stack"] = field(default_factory=list)
    results: dict[str, float] = field(default_factory=dict)  # figures one part hands another (memory -> nchan)


@contextmanager
def running_stack(bench: Bench, part: str, prepare: Callable[["Stack"], None] | None = None,
                  env: dict[str, str] | None = None) -> Iterator["Stack"]:
    """A started stack named after the part (`env`: SWITCHBOARD_* settings of its own, e.g.
    the worker's thread count). `prepare`, if given, gets the stack's database
    migrated and seeded (`switchboard migrate` + `seed`) before the services start (the bulk
    data of the scale part). On the way out, also on an error or Ctrl-C, it is stopped
    (killed if it hangs), its logs are copied to bench.log_dir and read for errors (notes in
    the report), and its directories are removed unless bench.keep."""
    stack = Stack(part, bench.tmp_root, **(env or {}))
    bench.stacks.append(stack)
    try:
        if prepare is not None:
            stack.cli("migrate")
            stack.cli("seed")
            prepare(stack)
        say(f"{part}: starting a stack")
        stack.start()
        yield stack
    finally:
        say(f"{part}: stopping the stack")
        try:
            stack.stop()
        except BaseException:  # noqa: BLE001 - a second Ctrl-C: the stack must still go
            stack.kill()
            raise
        finally:
            stack.finish(bench)


class AccessLog:
    """Reading the nginx access log in `run_dir` (the stack's, the edge's, nchan's): all
    three render the same log_format."""

    run_dir: Path

    @property
    def access_log(self) -> Path:
        return self.run_dir / "nginx-access.log"

    def access_log_offset(self) -> int:
        try:
            return self.access_log.stat().st_size
        except FileNotFoundError:
            return 0

    def access_entries(self, offset: int = 0) -> Iterator[tuple[bytes, bytes, bytes] | None]:
        """(method, path, status) of each access log line after `offset`; None for a line it cannot read."""
        try:
            with open(self.access_log, "rb") as f:
                f.seek(offset)
                for line in f:
                    m = ACCESS_LINE.match(line)
                    yield m.groups() if m else None
        except FileNotFoundError:
            return

    def statuses_since(self, offset: int) -> dict[str, int]:
        """Status code counts of the access log lines written after `offset`."""
        counts: dict[str, int] = {}
        for entry in self.access_entries(offset):
            key = entry[2].decode() if entry else "unparsed"
            counts[key] = counts.get(key, 0) + 1
        return counts

    def count_requests(self, method: str, path_regex: str, status_prefix: str) -> int:
        """Access log lines of one method and path (a regex) whose status starts with status_prefix."""
        rx = re.compile(path_regex.encode())
        return sum(1 for e in self.access_entries() if e and e[0] == method.encode()
                   and rx.fullmatch(e[1].split(b"?")[0]) and e[2].startswith(status_prefix.encode()))


class Stack(AccessLog, StackProcess):
    """A stack from the release binaries, rate limits off; the bench copies its logs itself."""

    bin_dir = BIN_DIR
    build_hint = "run `swift build -c release` (make bench does)"
    admin_password = "admin-bench-password-1"
    agent_password = "agent-bench-password-1"
    run_dir_prefix = "sbb-"
    log_tail_lines = 30
    raise_when_hung = False  # the bench goes on with the next part

    def finish(self, bench: Bench) -> None:
        """After stop(): logs to bench.log_dir (not the large access log), their errors to
        the report, then the data and run dirs removed unless bench.keep."""
        try:
            self.copy_logs(bench.log_dir / self.name, skip=("nginx-access.log",))
            self.note_log_errors(bench.report)
        except OSError as exc:
            say(f"could not save the logs of {self.name}: {exc}")
        if not bench.keep:
            shutil.rmtree(self.run_dir, ignore_errors=True)
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def note_log_errors(self, report: Report) -> None:
        """Anything the services logged at error level is worth a look."""
        _, setrlimit = self.log_matches("nginx-error.log", NGINX_SETRLIMIT, 1)
        if setrlimit and not any("worker_rlimit_nofile" in n for n in report.notes):
            report.notes.append(
                f"nginx cannot apply worker_rlimit_nofile 65536 here (this process's hard limit is "
                f"{resource.getrlimit(resource.RLIMIT_NOFILE)[1]}, no CAP_SYS_RESOURCE), so its workers keep "
                f"that limit: {setrlimit[0]}")
        for name, pattern in ERROR_LINES:
            count, first = self.log_matches(name, pattern, 3)
            if count:
                report.notes.append(f"{self.name}: {count} error lines in {name}, e.g. " + " || ".join(first))

    def log_matches(self, name: str, pattern: str, keep: int) -> tuple[int, list[str]]:
        """How many lines of a run-dir log match a regex, and the first `keep` of them."""
        count, first = 0, []
        try:
            with open(self.run_dir / name, errors="replace") as f:
                rx = re.compile(pattern)
                for line in f:
                    if rx.search(line):
                        count += 1
                        if len(first) < keep:
                            first.append(line.rstrip("\n"))
        except FileNotFoundError:
            pass
        return count, first

    # -- processes -------------------------------------------------------------

    def nginx_pids(self) -> list[int]:
        """The nginx master and its workers (none when it is gone)."""
        master = self.pid("nginx")
        return [master, *children_of(master)] if master else []

    def cpu_snapshot(self) -> dict[str, Any]:
        """CPU seconds used so far by each service and by this process, and the machine's jiffies."""
        times = os.times()
        return {"notifier": proc_cpu(self.pid("notifier")), "worker": proc_cpu(self.pid("worker")),
                "nginx": sum(proc_cpu(p) for p in self.nginx_pids()), "self": times.user + times.system,
                "machine": cpu_times()}

    def notifier_rss(self) -> int | None:
        return rss_kib(self.pid("notifier"))

    def worker_rss(self) -> int | None:
        return rss_kib(self.pid("worker"))

    def nginx_rss(self) -> int | None:
        """Sum of VmRSS over the nginx master and its workers (shared pages counted in each)."""
        pids = self.nginx_pids()
        if not pids:
            return None
        values = [rss_kib(p) for p in pids]
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
        # A shopper who gave an e-mail: asking for a person works with nobody online (an offline message).
        conv = self.ok("POST", "/api/v1/customer/conversations/start", {"email": "bench@example.com"})["conversation"]
        return conv["id"], conv["customer_session_id"]

    def escalate(self, conversation_id: str, session: str) -> None:
        self.ok("POST", f"/api/v1/customer/conversations/{conversation_id}/escalate", session=session)

    def escalated_chat(self) -> tuple[str, str]:
        cid, sid = self.start_chat()
        self.escalate(cid, sid)
        return cid, sid

