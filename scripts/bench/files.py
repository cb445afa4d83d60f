"""Part 8, files: uploads and downloads of files (API.md "Files and images").

Uploads of 1 MiB and 50 MiB (`POST /api/v1/customer/conversations/{id}/attachments`,
the body streamed from memory with its Content-Length; every run's bytes differ, so each
is judged, hashed and stored anew and never taken for a copy already kept), timed from
the request to the 201 (p50 / p99 over the runs), with the worker's peak RSS over each
size's runs (its VmHWM reset first: /proc/<pid>/clear_refs). Baseline: what an upload
cannot do without, done by Python on the same disk: the body written to a file (nginx's
part), then read back, SHA-256'd, written to another file, fsync'd and renamed (the
store's part).

Downloads of a 50 MiB file through its signed link (`GET /api/v1/files/{id}?exp=&sig=`:
nginx asks the worker, which checks the signature and the row, and nginx sends the file
from its internal location) beside the ceiling: the same file sent by a second nginx
rendered from the stack's own template (same sendfile, buffers and headers) with one
plain static location on the files directory. Throughput (MiB/s, the median of the runs,
interleaved) with the same client reading in 1 MiB pieces."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import subprocess
import threading
import time
from pathlib import Path

from stackproc import REPO, free_port

from .common import fmt_ratio, med, ms_pair, pct, perf, say
from .servers import NginxServer, running_server
from .stack import Bench, HTTPError, Stack, running_stack

MIB = 1 << 20
PIECE = MIB
CEILING_PREFIX = "/_bench/files/"


class SizedBody:
    """`size` bytes of text made of one line that names the run (so every run's bytes, and
    SHA-256, differ), yielded in 1 MiB pieces: http.client sends it with the given
    Content-Length, never holding the whole."""

    def __init__(self, size: int, seed: str) -> None:
        line = (seed.encode()[:63].ljust(63, b".") + b"\n")
        self.block = (line * (PIECE // 64 + 1))[:PIECE]
        self.size = size

    def __iter__(self):
        left = self.size
        while left > 0:
            piece = self.block[:min(left, PIECE)]
            left -= len(piece)
            yield piece


def worker_memory(pid: int) -> dict[str, int]:
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    return values


class PeakRss:
    """The worker's peak RSS over a block: VmHWM reset at the start (clear_refs, allowed for
    the process's own user), VmRSS sampled every 5 ms as a fallback."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.before = 0
        self.peak = 0
        self.reset = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, worker_memory(self.pid)["VmRSS"])
            except (OSError, KeyError):
                return
            time.sleep(0.005)

    def __enter__(self) -> "PeakRss":
        try:
            with open(f"/proc/{self.pid}/clear_refs", "w") as f:
                f.write("5")
            self.reset = True
        except OSError:
            pass
        self.before = self.peak = worker_memory(self.pid)["VmRSS"]
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        if self.reset:
            self.peak = max(self.peak, worker_memory(self.pid)["VmHWM"])


def upload(stack: Stack, conversation: str, session: str, size: int, seed: str) -> tuple[float, dict]:
    """One upload: seconds to the 201 and the Attachment."""
    conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=300)
    headers = {"Host": f"127.0.0.1:{stack.port}", "X-Customer-Session-Id": session, "Content-Length": str(size),
               "Content-Type": "text/plain"}
    try:
        t0 = perf()
        conn.request("POST", f"/api/v1/customer/conversations/{conversation}/attachments?filename={seed}.txt",
                     body=SizedBody(size, seed), headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        took = perf() - t0
    finally:
        conn.close()
    if resp.status != 201:
        raise HTTPError(f"upload of {size} bytes: {resp.status} {raw[:300]!r}")
    return took, json.loads(raw)


def download(port: int, path: str) -> tuple[float, int]:
    """One download read in 1 MiB pieces and dropped: seconds and bytes."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        t0 = perf()
        conn.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
        resp = conn.getresponse()
        if resp.status != 200:
            raise HTTPError(f"GET {path}: {resp.status} {resp.read()[:300]!r}")
        n = 0
        while True:
            piece = resp.read(PIECE)
            if not piece:
                break
            n += len(piece)
        return perf() - t0, n
    finally:
        conn.close()


def raw_store(directory: Path, size: int, seed: str) -> float:
    """The baseline of an upload: the body to a file, then read, hashed, copied, fsync'd, renamed."""
    body, tmp, final = directory / f"{seed}.body", directory / f"{seed}.tmp", directory / f"{seed}.kept"
    t0 = perf()
    with open(body, "wb") as f:
        for piece in SizedBody(size, seed):
            f.write(piece)
    digest = hashlib.sha256()
    with open(body, "rb") as src, open(tmp, "wb") as dst:
        for piece in iter(lambda: src.read(PIECE), b""):
            digest.update(piece)
            dst.write(piece)
        dst.flush()
        os.fsync(dst.fileno())
    os.rename(tmp, final)
    took = perf() - t0
    for p in (body, final):
        p.unlink(missing_ok=True)
    return took


class StaticCeiling(NginxServer):
    """The stack's nginx template rendered for a second nginx (as edge.py renders it), its
    FILES_DIR the stack's files directory, plus one plain static location on it."""

    name = "files-static"
    probe_path = "/_bench/none"
    command = "the stack's nginx template, `location ^~ /_bench/files/ { alias <files dir>/; }`"

    def __init__(self, bench: Bench, data_dir: Path) -> None:
        super().__init__(bench)
        self.stack_data_dir = data_dir

    def render(self) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
        env.update(SWITCHBOARD_HOST="127.0.0.1", SWITCHBOARD_PORT=str(self.port),
                   SWITCHBOARD_SHOP_PORT=str(free_port({self.port})), SWITCHBOARD_RUN_DIR=str(self.run_dir),
                   SWITCHBOARD_DATA_DIR=str(self.stack_data_dir), SWITCHBOARD_RATE_LIMITS="off")
        out = self.run_dir / "rendered.conf"
        subprocess.run([str(REPO / "scripts" / "render-nginx.sh"), str(out)], env=env, check=True,
                       capture_output=True, text=True)
        text = out.read_text()
        anchor = "        location / {\n"
        if anchor not in text:
            raise RuntimeError("files: no `location / {` in the rendered template to put the static location beside")
        extra = (f"        # scripts/bench/files.py: the same files, served as plain static files.\n"
                 f"        location ^~ {CEILING_PREFIX} {{\n"
                 f"            alias \"{self.stack_data_dir / 'files'}/\";\n"
                 f"            types {{ }}\n            default_type application/octet-stream;\n        }}\n\n")
        return text.replace(anchor, extra + anchor, 1)


def run(bench: Bench) -> None:
    runs = {1 * MIB: 5 if bench.quick else 20, 50 * MIB: 3 if bench.quick else 5}
    downloads = 3 if bench.quick else 7
    with running_stack(bench, "files") as stack:
        admin = stack.ok("POST", "/api/v1/agent/auth/login",
                         {"username": "admin", "password": stack.admin_password})["access_token"]
        stack.ok("PATCH", "/api/v1/admin/settings", {"attachments": {"max_bytes": 100 * MIB}}, token=admin)
        conversation, session = stack.start_chat()
        big = measure_uploads(bench, stack, conversation, session, runs)
        measure_downloads(bench, stack, big, downloads)
    bench.report.parts_run.append("files")


def measure_uploads(bench: Bench, stack: Stack, conversation: str, session: str, runs: dict[int, int]) -> dict:
    """Uploads of each size (and the baseline beside them); returns the last 50 MiB Attachment."""
    last: dict = {}
    scratch = stack.data_dir / "bench-raw"
    scratch.mkdir(exist_ok=True)
    for size, count in runs.items():
        label = f"{size // MIB} MiB"
        pid = stack.service_pid("worker")
        times: list[float] = []
        raw: list[float] = []
        upload(stack, conversation, session, size, f"warm-{size}-{time.time_ns()}")  # one to warm up
        with PeakRss(pid) as rss:
            for i in range(count):
                seed = f"run-{size}-{i}-{time.time_ns()}"
                took, att = upload(stack, conversation, session, size, seed)
                if att["size"] != size:
                    raise HTTPError(f"upload of {size} bytes stored {att['size']}")
                times.append(took)
                last = att
        for i in range(count):
            raw.append(raw_store(scratch, size, f"raw-{size}-{i}-{time.time_ns()}"))
        u50, u99, r50, r99 = pct(times, 50), pct(times, 99), pct(raw, 50), pct(raw, 99)
        growth = (rss.peak - rss.before) / 1024
        say(f"files: upload {label}: p50/p99 {ms_pair(u50, u99)} ({size / MIB / u50:,.0f} MiB/s at p50); "
            f"baseline {ms_pair(r50, r99)}; worker RSS {rss.before / 1024:.1f} -> peak {rss.peak / 1024:.1f} MiB")
        bench.report.row(f"files: upload {label}, p50 / p99", ms_pair(u50, u99),
                         f"write + SHA-256 + copy + fsync by Python: {ms_pair(r50, r99)}",
                         f"{fmt_ratio(u50, r50)} / {fmt_ratio(u99, r99)}",
                         f"POST .../attachments, {count} in turn (distinct bytes, Content-Length, streamed)")
        bench.report.row(f"files: worker peak RSS during the {label} uploads", f"{rss.peak / 1024:.1f} MiB",
                         f"before: {rss.before / 1024:.1f} MiB", f"+{growth:.1f} MiB",
                         f"/proc/<worker>/status VmHWM after clear_refs ({'reset' if rss.reset else 'sampled VmRSS'})")
        bench.report.details.append(f"files: upload {label} seconds: " + ", ".join(f"{t:.3f}" for t in times)
                                    + "; baseline: " + ", ".join(f"{t:.3f}" for t in raw))
        if size == 50 * MIB:
            bench.report.check("files: worker RSS growth while 50 MiB uploads are stored", growth, "<", 60, "MiB")
    return last


def measure_downloads(bench: Bench, stack: Stack, att: dict, count: int) -> None:
    sha = att["sha256"]
    with running_server(StaticCeiling(bench, stack.data_dir)) as ceiling:
        static_path = f"{CEILING_PREFIX}{sha[:2]}/{sha}"
        download(stack.port, att["url"])
        download(ceiling.port, static_path)  # both warm (the page cache holds the file for both)
        ours: list[float] = []
        plain: list[float] = []
        for _ in range(count):
            for target, path, into in ((stack.port, att["url"], ours), (ceiling.port, static_path, plain)):
                took, n = download(target, path)
                if n != att["size"]:
                    raise HTTPError(f"GET {path}: {n} bytes, expected {att['size']}")
                into.append(took)
    size_mib = att["size"] / MIB
    o, p = size_mib / med(ours), size_mib / med(plain)
    say(f"files: download {size_mib:.0f} MiB: signed link {o:,.0f} MiB/s, plain static {p:,.0f} MiB/s")
    bench.report.row(f"files: download {size_mib:.0f} MiB through its signed link, throughput",
                     f"{o:,.0f} MiB/s", f"plain static file, same nginx config: {p:,.0f} MiB/s", fmt_ratio(o, p),
                     f"GET /api/v1/files/{{id}}?exp=&sig= beside GET {CEILING_PREFIX}…, {count} each interleaved, "
                     f"median; p50/p99 {ms_pair(pct(ours, 50), pct(ours, 99))} vs "
                     f"{ms_pair(pct(plain, 50), pct(plain, 99))}")
    bench.report.details.append("files: download seconds (signed link): " + ", ".join(f"{t:.3f}" for t in ours)
                                + "; plain static: " + ", ".join(f"{t:.3f}" for t in plain))
