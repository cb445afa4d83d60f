"""The ceilings' servers: an nginx of the bench's own (started from a config it rendered,
in a short run dir, stopped at the end also on an error or Ctrl-C), with the same
helpers as a stack for wrk and /proc (access log, CPU, RSS). edge.py puts the C
responder behind one rendered from the stack's own template; nchan.py one with the
nchan module."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from stackproc import free_port, running

from .common import say
from .machine import children_of, cpu_times, proc_cpu, rss_kib
from .stack import AccessLog, Bench

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class NginxServer(AccessLog):
    """One nginx (and any helper process a subclass starts) for a ceiling. Subclasses set
    `name` and implement render() (the config text)."""

    name = "nginx"
    probe_path = "/"  # any HTTP answer to it means nginx is up

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        # Unix socket paths must fit in 108 bytes: a short run dir, like a stack's.
        self.run_dir = Path(tempfile.mkdtemp(prefix=f"sb{self.name[:2]}-", dir="/tmp"))
        self.data_dir = bench.tmp_root  # for the disk-flush counter of wrk runs: the same disk
        self.nginx: subprocess.Popen | None = None
        self.helpers: list[subprocess.Popen] = []  # started before nginx, stopped after it

    def render(self) -> str:
        raise NotImplementedError

    def start_helpers(self) -> None:
        """Processes nginx talks to (the C responder); none by default."""

    def start(self) -> None:
        (self.run_dir / "nginx-temp").mkdir(exist_ok=True)
        self.start_helpers()
        conf = self.run_dir / "nginx.conf"
        conf.write_text(self.render())
        args = [NGINX, "-p", str(self.run_dir), "-c", str(conf), "-e", str(self.run_dir / "nginx-error.log")]
        check = subprocess.run([*args, "-t", "-q"], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"{self.name}: nginx rejected {conf}: {check.stderr.strip()}")
        with open(self.run_dir / "nginx-stderr.log", "wb") as err:
            self.nginx = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=err, stderr=subprocess.STDOUT,
                                          start_new_session=True)
        deadline = time.monotonic() + 20
        while not self.answers():
            if self.nginx.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: nginx did not start: "
                                   f"{(self.run_dir / 'nginx-error.log').read_text(errors='replace')[-2000:]}")
            time.sleep(0.05)

    def answers(self) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            conn.request("GET", self.probe_path)
            conn.getresponse().read()
            return True
        except (OSError, http.client.HTTPException):
            return False
        finally:
            conn.close()

    def stop(self) -> None:
        procs = ([self.nginx] if self.nginx else []) + self.helpers
        for proc in procs:  # nginx first (QUIT: a graceful stop), then what it talked to
            if proc.poll() is None:  # (libfcgi catches TERM and waits in accept(): the responder is killed)
                proc.send_signal(signal.SIGQUIT if proc is self.nginx else signal.SIGKILL)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self.nginx = None
        self.helpers = []

    def finish(self) -> None:
        """After stop(): logs to the bench's log dir, errors to the report, the run dir removed."""
        dest = self.bench.log_dir / self.name
        try:
            dest.mkdir(parents=True, exist_ok=True)
            for path in self.run_dir.glob("*.log"):
                if path.name != "nginx-access.log":
                    shutil.copy(path, dest / path.name)
            errors = [line for line in (self.run_dir / "nginx-error.log").read_text(errors="replace").splitlines()
                      if any(f"[{lvl}]" in line for lvl in ("error", "crit", "alert", "emerg"))
                      and "setrlimit" not in line]
            if errors:
                self.bench.report.notes.append(f"{self.name}: {len(errors)} error lines in nginx-error.log, e.g. "
                                               + " || ".join(errors[:3]))
        except OSError:
            pass
        if not self.bench.keep:
            shutil.rmtree(self.run_dir, ignore_errors=True)

    # -- /proc ---------------------------------------------------------------------

    def nginx_pids(self) -> list[int]:
        if not self.nginx or not running(self.nginx.pid):
            return []
        return [self.nginx.pid, *children_of(self.nginx.pid)]

    def nginx_rss(self) -> int | None:
        """Sum of VmRSS over the master and its workers (shared pages counted in each, as for a stack)."""
        values = [rss_kib(p) for p in self.nginx_pids()]
        return sum(v for v in values if v) or None

    def cpu_snapshot(self) -> dict[str, Any]:
        """Stack.cpu_snapshot()'s shape: the helper process counts as the worker."""
        times = os.times()
        return {"notifier": 0.0, "worker": sum(proc_cpu(p.pid) for p in self.helpers),
                "nginx": sum(proc_cpu(p) for p in self.nginx_pids()), "self": times.user + times.system,
                "machine": cpu_times()}


@contextmanager
def running_server(server: NginxServer) -> Iterator[NginxServer]:
    say(f"{server.name}: starting nginx on port {server.port}")
    try:
        server.start()
        yield server
    finally:
        say(f"{server.name}: stopping")
        try:
            server.stop()
        finally:
            server.finish()
