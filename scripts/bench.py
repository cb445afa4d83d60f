#!/usr/bin/env python3
"""Switchboard benchmarks (`make bench`). Every figure sits beside a baseline measured
in the same run on the same stack, because these machines are shared and noisy:
compare ratios, medians and p99s, not absolute numbers across runs.

  1. messages  POST /api/v1/customer/conversations/{id}/messages through nginx (wrk),
               bot answering and escalated; baselines GET /api/v1/health and a static
               file through the same nginx, and the data dir's fsync latency.
  2. latency   POST returns -> message.created parsed by SSE subscribers, with 1,000
               streams open; baseline: the POST's own round trip.
  3. memory    notifier RSS with 0 (baseline), 1,000 and 10,000 idle SSE streams.

Each part starts its own stack (scripts/stack.sh: worker + notifier + nginx, release
binaries, temporary data dir, free ports, rate limits off, manual routing) and stops
it at the end, also on Ctrl-C. Prints a table; a full run (no --quick, no --only)
also rewrites BENCHMARKS.md.

  scripts/bench.py                      # everything (~4-5 minutes)
  scripts/bench.py --quick              # fewer repeats, streams and messages
  scripts/bench.py --only latency       # one part (messages, latency, memory; comma list)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sse import (HTTPClient, SSEStream, Tally, Waiter, close_all_streams, events_request,  # noqa: E402
                       open_streams, perf)
from bench_stack import BIN_DIR, REPO, Stack, children_of  # noqa: E402

LOG_ROOT = REPO / ".build" / "bench-logs"
PARTS = ("messages", "latency", "memory")
BOT_TEXT = "When will my order arrive?"  # matches the seeded delivery-date FAQ: the bot answers
AGENT_TEXT = "Hello, is anyone there? My parcel has not arrived yet."


# -- output ------------------------------------------------------------------------

T0 = time.monotonic()


def say(text: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f}s] {text}", flush=True)


@dataclass
class Row:
    figure: str
    value: str
    baseline: str
    ratio: str
    command: str


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # surprises: errors, non-2xx, limits
    details: list[str] = field(default_factory=list)  # per-repeat figures
    parts_run: list[str] = field(default_factory=list)

    def row(self, *args: str) -> None:
        self.rows.append(Row(*args))


def pct(values: list[float], p: float) -> float:
    """Percentile by nearest rank on sorted data (p in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def fmt_ratio(a: float, b: float) -> str:
    if not b or a != a or b != b:
        return "n/a"
    return f"{a / b:.2f}x" if a / b < 100 else f"{a / b:.0f}x"


def table(rows: list[Row]) -> str:
    head = Row("figure", "value", "baseline (same run)", "ratio", "command")
    cols = [[getattr(r, f) for r in [head, *rows]] for f in ("figure", "value", "baseline", "ratio", "command")]
    widths = [max(len(c) for c in col) for col in cols]
    lines = []
    for i, r in enumerate([head, *rows]):
        cells = [getattr(r, f).ljust(w) for f, w in zip(("figure", "value", "baseline", "ratio", "command"), widths)]
        lines.append("| " + " | ".join(cells) + " |")
        if i == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


# -- machine -----------------------------------------------------------------------


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def proc_cpu(pid: int | None) -> float:
    """utime + stime of a process in seconds (0 when gone)."""
    if not pid:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return 0.0
    fields = stat[stat.rfind(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot_of(stack: Stack) -> dict[str, float]:
    master = stack.pid("nginx")
    nginx = [master, *children_of(master)] if master else []
    times = os.times()
    return {"notifier": proc_cpu(stack.pid("notifier")), "worker": proc_cpu(stack.pid("worker")),
            "nginx": sum(proc_cpu(p) for p in nginx), "self": times.user + times.system,
            "machine": cpu_times()}


def cpu_diff(a: dict, b: dict) -> dict[str, float]:
    out = {k: b[k] - a[k] for k in ("notifier", "worker", "nginx", "self")}
    out["busy"] = (b["machine"][0] - a["machine"][0]) / max(1, b["machine"][1] - a["machine"][1])
    return out


def fsync_probe(directory: Path, count: int, append: bool) -> list[float]:
    """Seconds per 4 KiB write + fdatasync in `directory` (what a synchronous=FULL SQLite
    commit pays at least once): overwriting a preallocated file, or appending to a growing one."""
    path = directory / "fsync-probe.bin"
    block = os.urandom(4096)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    times = []
    try:
        if not append:
            os.pwrite(fd, b"\0" * (1 << 20), 0)
            os.fsync(fd)
        for i in range(count):
            t = perf()
            os.pwrite(fd, block, (i if append else i % 256) * 4096)
            os.fdatasync(fd)
            times.append(perf() - t)
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)
    return times


def disk_flushes(path: Path) -> int | None:
    """Cache flushes completed by the block device holding `path` (/proc/diskstats field 16),
    None when that is not a block device listed there (tmpfs, overlay)."""
    dev = os.stat(path).st_dev
    major, minor = os.major(dev), os.minor(dev)
    try:
        with open("/proc/diskstats") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 20 and int(parts[0]) == major and int(parts[1]) == minor:
                    return int(parts[18])
    except OSError:
        return None
    return None


def open_files_limit(pid: int | None) -> str:
    """The soft 'Max open files' of a process."""
    try:
        with open(f"/proc/{pid}/limits") as f:
            for line in f:
                if line.startswith("Max open files"):
                    return line.split()[3]
    except (OSError, TypeError):
        pass
    return "?"


def fd_count(pid: int | None) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except (OSError, TypeError):
        return 0


def machine() -> dict[str, str]:
    mem_kib = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                                timeout=10).stdout.strip() or "unknown"
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True,
                               timeout=10).stdout.strip()
        if dirty:
            commit += "+dirty"
    except (OSError, subprocess.TimeoutExpired):
        commit = "unknown"
    try:
        wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, timeout=10)
        wrk_version = (wrk.stdout or wrk.stderr).splitlines()[0].split(" [")[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        wrk_version = "wrk not found"
    try:
        nginx = subprocess.run(["nginx", "-v"], capture_output=True, text=True, timeout=10).stderr.strip()
    except OSError:
        nginx = "nginx not found"
    # The binaries measured: when they were linked, and whether Sources/ changed since.
    built = [(BIN_DIR / exe).stat().st_mtime for exe in ("switchboard-worker", "switchboard-notifier", "switchboard")
             if (BIN_DIR / exe).exists()]
    sources = [p.stat().st_mtime for p in (REPO / "Sources").rglob("*") if p.is_file()]
    sources += [p.stat().st_mtime for p in (REPO / "Package.swift",) if p.exists()]
    if built:
        when = datetime.datetime.fromtimestamp(min(built), datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        stale = [str(p.relative_to(REPO)) for p in sorted((REPO / "Sources").rglob("*.swift"))
                 if p.stat().st_mtime > min(built)]
        binaries = f"{BIN_DIR.relative_to(REPO) if BIN_DIR.is_relative_to(REPO) else BIN_DIR}, linked {when}"
        if stale:
            binaries += f"; OLDER than {len(stale)} source file(s) ({', '.join(stale[:4])}{', ...' if len(stale) > 4 else ''})"
    else:
        binaries = f"{BIN_DIR} (missing)"
    return {
        "binaries": binaries,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "memory": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
        "commit": commit,
        "python": platform.python_version(),
        "wrk": wrk_version,
        "nginx": nginx.replace("nginx version: ", ""),
    }


# -- 1. message throughput ---------------------------------------------------------

WRK_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH_JSON {"requests":%.0f,"duration_us":%.0f,"p50_us":%.0f,"p90_us":%.0f,' ..
    '"p99_us":%.0f,"max_us":%.0f,"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,"timeout":%.0f}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def post_script(conversations: list[tuple[str, str]], content: str) -> str:
    rows = ",\n".join(f'  {{"{cid}", "{sid}"}}' for cid, sid in conversations)
    body = '{"content": "' + content + '"}'
    return f"""-- generated by scripts/bench.py: POST a message to one of several conversations in turn
local convs = {{
{rows}
}}
local body = '{body}'
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
local reqs = {{}}
local n = 0
function init(args)
  for i, c in ipairs(convs) do
    reqs[i] = wrk.format("POST", "/api/v1/customer/conversations/" .. c[1] .. "/messages",
      {{["Content-Type"] = "application/json", ["X-Customer-Session-Id"] = c[2]}}, body)
  end
  n = (tid or 0) * 17
end
function request()
  n = n + 1
  return reqs[(n % #reqs) + 1]
end
{WRK_DONE}"""


@dataclass
class WrkResult:
    rps: float
    p50: float  # seconds
    p99: float
    requests: int
    errors: dict[str, int]
    statuses: dict[str, int]
    machine_busy: float  # 0..1 of all cores during the run
    worker_cpu: float  # cores used by the worker
    nginx_cpu: float
    notifier_cpu: float
    flushes: int | None  # disk cache flushes on the data dir's device during the run


def unexpected_statuses(res: "WrkResult", conns: int) -> dict[str, int]:
    """Non-2xx answers, except the few 499s nginx logs when wrk closes its connections with
    requests in flight at the end of a run (at most one per connection)."""
    odd = {k: v for k, v in res.statuses.items() if not k.startswith("2")}
    if odd.get("499", 0) <= conns:
        odd.pop("499", None)
    return odd


def run_wrk(stack: Stack, path: str, script: Path, threads: int, conns: int, seconds: int) -> WrkResult:
    import json

    url = f"{stack.base_url}{path}"
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--timeout", "5s", "-s", str(script), url]
    offset = stack.access_log_offset()
    nginx_pids = [stack.pid("nginx") or 0]
    nginx_pids += children_of(nginx_pids[0]) if nginx_pids[0] else []
    flush0 = disk_flushes(stack.data_dir)
    cpu0 = cpu_times()
    w0 = proc_cpu(stack.pid("worker"))
    nt0 = proc_cpu(stack.pid("notifier"))
    n0 = sum(proc_cpu(p) for p in nginx_pids)
    t0 = perf()
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    wall = perf() - t0
    cpu1 = cpu_times()
    flush1 = disk_flushes(stack.data_dir)
    w1 = proc_cpu(stack.pid("worker"))
    nt1 = proc_cpu(stack.pid("notifier"))
    n1 = sum(proc_cpu(p) for p in nginx_pids)
    line = next((l for l in result.stdout.splitlines() if l.startswith("BENCH_JSON ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    errors = {k: int(data[k]) for k in ("connect", "read", "write", "status", "timeout") if data[k]}
    busy = (cpu1[0] - cpu0[0]) / max(1, cpu1[1] - cpu0[1])
    return WrkResult(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50=data["p50_us"] / 1e6,
        p99=data["p99_us"] / 1e6,
        requests=int(data["requests"]),
        errors=errors,
        statuses=stack.statuses_since(offset),
        machine_busy=busy,
        worker_cpu=(w1 - w0) / wall,
        nginx_cpu=(n1 - n0) / wall,
        notifier_cpu=(nt1 - nt0) / wall,
        flushes=None if flush0 is None or flush1 is None else flush1 - flush0,
    )


def bench_messages(args: argparse.Namespace, tmp_root: Path, stacks: list[Stack], report: Report) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: run scripts/deps.sh --bench (make bench does)")
    say("messages: starting a stack")
    stack = Stack("messages", tmp_root)
    stacks.append(stack)
    stack.start()
    try:
        _bench_messages(args, tmp_root, stack, report)
    finally:
        say("messages: stopping the stack")
        stack.stop()


def _bench_messages(args: argparse.Namespace, tmp_root: Path, stack: Stack, report: Report) -> None:
    n_conv = 16 if args.quick else 64
    seconds = 3 if args.quick else 10
    repeats = 1 if args.quick else 3
    threads, conns = 2, 16
    say(f"messages: creating {n_conv} conversations left to the bot and {n_conv} escalated ones")
    bot = [stack.start_chat() for _ in range(n_conv)]
    escalated = [stack.start_chat() for _ in range(n_conv)]
    for cid, sid in escalated:
        stack.escalate(cid, sid)
    # Make sure the two kinds answer as intended before timing them.
    probe = stack.ok("POST", f"/api/v1/customer/conversations/{bot[0][0]}/messages", {"content": BOT_TEXT},
                     session=bot[0][1])
    if not probe.get("bot_message"):
        report.notes.append(f"bot mode: the bot did not answer {BOT_TEXT!r}; that run measures single writes")
    probe = stack.ok("POST", f"/api/v1/customer/conversations/{escalated[0][0]}/messages", {"content": AGENT_TEXT},
                     session=escalated[0][1])
    if probe.get("bot_message"):
        report.notes.append("escalated mode: the bot answered in an escalated conversation")

    lua = tmp_root / "lua"
    lua.mkdir(exist_ok=True)
    (lua / "get.lua").write_text("-- generated by scripts/bench.py\n" + WRK_DONE)
    (lua / "post-bot.lua").write_text(post_script(bot, BOT_TEXT))
    (lua / "post-escalated.lua").write_text(post_script(escalated, AGENT_TEXT))
    first_post = f"/api/v1/customer/conversations/{bot[0][0]}/messages"  # the URL wrk needs; request() sets the path
    targets = [
        ("static", "GET /favicon.svg (426 B static file, nginx only)", "/favicon.svg", lua / "get.lua"),
        ("health", "GET /api/v1/health (worker's cheapest route)", "/api/v1/health", lua / "get.lua"),
        ("bot", "POST messages, bot answering (2 messages + 2 events per commit)", first_post, lua / "post-bot.lua"),
        ("escalated", "POST messages, escalated (1 message + 1 event per commit)", first_post,
         lua / "post-escalated.lua"),
    ]
    say("messages: warm-up (1 s per target, not counted)")
    for key, _, path, script in targets:
        run_wrk(stack, path, script, threads, conns, 1)

    results: dict[str, list[WrkResult]] = {key: [] for key, *_ in targets}
    for r in range(repeats):
        for key, label, path, script in targets:  # interleaved, so drift hits every target alike
            res = run_wrk(stack, path, script, threads, conns, seconds)
            results[key].append(res)
            odd = unexpected_statuses(res, conns)
            flushes = "" if res.flushes is None else f"  disk flushes {res.flushes}"
            say(f"messages: repeat {r + 1}/{repeats} {key:9s} {res.rps:7.0f} req/s  p50 {ms(res.p50):>9s}"
                f"  p99 {ms(res.p99):>9s}  machine CPU {res.machine_busy * 100:3.0f}%  worker {res.worker_cpu:.2f}"
                f" cores  nginx {res.nginx_cpu:.2f} cores{flushes}" + (f"  NON-2XX {odd}" if odd else "")
                + (f"  wrk errors {res.errors}" if res.errors else ""))
            report.details.append(f"messages repeat {r + 1} {key}: {res.rps:.0f} req/s, p50 {ms(res.p50)}, "
                                  f"p99 {ms(res.p99)}, {res.requests} requests, nginx statuses {res.statuses}, "
                                  f"machine CPU {res.machine_busy * 100:.0f}%, worker {res.worker_cpu:.2f} cores, "
                                  f"nginx {res.nginx_cpu:.2f} cores, notifier {res.notifier_cpu:.2f} cores, "
                                  f"disk flushes {res.flushes}")
            if odd or res.errors:
                report.notes.append(f"messages {key} repeat {r + 1}: non-2xx {odd or 'none'}, "
                                    f"wrk socket errors {res.errors or 'none'} of {res.requests} requests")

    say("messages: fsync probe on the data dir (4 KiB write + fdatasync, overwrite and append)")
    n_probe = 50 if args.quick else 200
    fsync_over = fsync_probe(stack.data_dir, n_probe, append=False)
    fsync_app = fsync_probe(stack.data_dir, n_probe, append=True)

    def m(key: str, attr: str) -> float:
        return med([getattr(x, attr) for x in results[key]])

    cmd = f"wrk -t{threads} -c{conns} -d{seconds}s -s {{}}.lua"
    static_rps, health_rps = m("static", "rps"), m("health", "rps")
    report.row("GET static file, req/s", f"{static_rps:,.0f}", "-", "-", cmd.format("get") + " /favicon.svg")
    report.row("GET static file, p50 / p99", f"{ms(m('static', 'p50'))} / {ms(m('static', 'p99'))}", "-", "-",
               "same run")
    report.row("GET /api/v1/health, req/s", f"{health_rps:,.0f}", f"static {static_rps:,.0f}",
               fmt_ratio(health_rps, static_rps), cmd.format("get") + " /api/v1/health")
    report.row("GET /api/v1/health, p50 / p99", f"{ms(m('health', 'p50'))} / {ms(m('health', 'p99'))}",
               f"static {ms(m('static', 'p50'))} / {ms(m('static', 'p99'))}",
               f"{fmt_ratio(m('health', 'p50'), m('static', 'p50'))} / {fmt_ratio(m('health', 'p99'), m('static', 'p99'))}",
               "same run")
    for key, label in (("escalated", "escalated"), ("bot", "bot answering")):
        rps = m(key, "rps")
        report.row(f"POST messages ({label}), req/s", f"{rps:,.0f}", f"health {health_rps:,.0f}",
                   f"{fmt_ratio(rps, health_rps)} (of static {fmt_ratio(rps, static_rps)})",
                   cmd.format(f"post-{key}") + f" ({n_conv} conversations)")
        report.row(f"POST messages ({label}), p50 / p99", f"{ms(m(key, 'p50'))} / {ms(m(key, 'p99'))}",
                   f"health {ms(m('health', 'p50'))} / {ms(m('health', 'p99'))}",
                   f"{fmt_ratio(m(key, 'p50'), m('health', 'p50'))} / {fmt_ratio(m(key, 'p99'), m('health', 'p99'))}",
                   "same run")
    ceiling = 1 / pct(fsync_app, 50)
    report.row("fdatasync of a 4 KiB write, p50 / p99", f"overwrite {ms(pct(fsync_over, 50))} / {ms(pct(fsync_over, 99))}; "
               f"append {ms(pct(fsync_app, 50))} / {ms(pct(fsync_app, 99))}",
               f"1 commit per append-fsync: {ceiling:,.0f}/s",
               f"escalated POST/s {fmt_ratio(m('escalated', 'rps'), ceiling)}", f"{n_probe} writes each, in the data dir")
    if all(x.flushes is not None for xs in results.values() for x in xs):
        per = {key: sum(x.flushes for x in results[key]) / max(1, sum(x.requests for x in results[key]))
               for key in results}
        report.row("disk cache flushes per escalated POST", f"{per['escalated']:.3f}",
                   f"health {per['health']:.3f}; synchronous=FULL: >= 1", "-",
                   "/proc/diskstats flushes of the data dir's disk during the runs")
        report.details.append(f"disk cache flushes per request: " + ", ".join(f"{k} {v:.3f}" for k, v in per.items()))
        if per["escalated"] < 0.5:
            report.notes.append(
                f"SQLite commits are not fsynced one by one: {per['escalated']:.3f} disk cache flushes per escalated "
                f"POST (each POST is one write transaction; with synchronous=FULL every commit fdatasyncs the WAL, "
                f"i.e. at least 1 flush per POST on this write-back disk). That is what a writer connection running with "
                f"synchronous=NORMAL does (it syncs only at WAL checkpoints).")
    report.details.append(
        f"machine CPU busy (median over repeats): static {m('static', 'machine_busy') * 100:.0f}%, "
        f"health {m('health', 'machine_busy') * 100:.0f}%, bot {m('bot', 'machine_busy') * 100:.0f}%, "
        f"escalated {m('escalated', 'machine_busy') * 100:.0f}%; worker cores: health {m('health', 'worker_cpu'):.2f}, "
        f"bot {m('bot', 'worker_cpu'):.2f}, escalated {m('escalated', 'worker_cpu'):.2f}; nginx cores: static "
        f"{m('static', 'nginx_cpu'):.2f}, escalated {m('escalated', 'nginx_cpu'):.2f}; notifier cores (tailing the "
        f"outbox, no stream open): bot {m('bot', 'notifier_cpu'):.2f}, escalated {m('escalated', 'notifier_cpu'):.2f}")

    # Every POST answered 2xx must have left exactly one customer message in the database.
    try:
        import sqlite3

        db = sqlite3.connect(f"file:{stack.data_dir / 'switchboard.sqlite'}?mode=ro", uri=True, timeout=10)
        stored = db.execute("SELECT COUNT(*) FROM messages WHERE sender_type = 'customer'").fetchone()[0]
        db.close()
        path = r"/api/v1/customer/conversations/[^/ ]+/messages"
        posted = stack.count_requests("POST", path, "2")
        # wrk closes its connections at the end of a run with requests in flight (nginx logs
        # 499): the worker still finishes and commits those.
        cut = stack.count_requests("POST", path, "499")
        report.details.append(f"customer messages stored: {stored:,}; message POSTs answered 2xx (nginx access log): "
                              f"{posted:,}, cut by wrk at the end of a run (499): {cut}")
        if not posted <= stored <= posted + cut:
            report.notes.append(f"messages: {posted:,} message POSTs were answered 2xx (and {cut} cut off by the "
                                f"client) but {stored:,} customer messages are stored")
    except Exception as exc:  # a report line, never a reason to fail the bench
        report.details.append(f"could not count stored messages: {exc}")
    report.parts_run.append("messages")


# -- 2. delivery latency -----------------------------------------------------------


async def latency_async(args: argparse.Namespace, stack: Stack, report: Report) -> None:
    n_subs = 200 if args.quick else 1000
    n_msgs = 50 if args.quick else 200
    rounds = 1 if args.quick else 3
    spacing = 0.020
    token = stack.login_agent()
    cid, sid = stack.start_chat()
    stack.escalate(cid, sid)
    tally = Tally()
    requests = [events_request(stack.port, conversation_id=cid, session=sid)]
    requests += [events_request(stack.port, token=token)] * (n_subs - 1)
    say(f"latency: opening {n_subs} SSE streams (1 customer stream + {n_subs - 1} agent streams), 500 at a time")
    streams, failures = await open_streams(
        stack.port, requests, tally, track=True, batch=500, timeout=60,
        progress=lambda ok, tried, total: say(f"latency: {ok}/{total} streams open ({tried - ok} failed)"))
    if failures:
        report.notes.append(f"latency: {sum(failures.values())} of {n_subs} streams failed to open: {failures}")
    if len(streams) < n_subs // 2:
        raise RuntimeError(f"only {len(streams)} of {n_subs} streams opened: {failures}")
    customer, designated = streams[0], streams[1]
    client = HTTPClient(stack.port)
    path = f"/api/v1/customer/conversations/{cid}/messages"
    headers = {"X-Customer-Session-Id": sid}
    loop = asyncio.get_running_loop()
    incomplete = 0
    non2xx: dict[int, int] = {}

    async def send(tag: str) -> tuple[float, float, Waiter, bytes, int]:
        cmid = f"{tag}-{uuid.uuid4().hex[:12]}".encode()
        expected = sum(1 for s in streams if s.closed_at is None)
        waiter = Waiter(expected, loop.create_future())
        tally.waiters[cmid] = waiter
        t_send = perf()
        status, _ = await client.request("POST", path, {"content": AGENT_TEXT, "client_message_id": cmid.decode()},
                                         headers)
        t_ret = perf()
        if not 200 <= status < 300:
            non2xx[status] = non2xx.get(status, 0) + 1
        return t_send, t_ret, waiter, cmid, status

    async def settle(waiter: Waiter, cmid: bytes, budget: float) -> bool:
        try:
            await asyncio.wait_for(asyncio.shield(waiter.future), budget)
            return True
        except asyncio.TimeoutError:
            return False
        finally:
            tally.waiters.pop(cmid, None)

    say("latency: warm-up (10 messages, not counted)")
    for i in range(10):
        _, _, waiter, cmid, _ = await send(f"warm{i}")
        await settle(waiter, cmid, 3)
        await asyncio.sleep(spacing)

    per_round: list[dict[str, float]] = []
    all_rtt: list[float] = []
    all_des: list[float] = []
    all_last: list[float] = []
    for r in range(rounds):
        rtt, des, cust, first, last, last_send = [], [], [], [], [], []
        tally.client_seconds, tally.deliveries = 0.0, 0
        cpu0 = cpu_snapshot_of(stack)
        t_round = perf()
        round_deadline = t_round + 120
        consecutive_misses = 0
        for i in range(n_msgs):
            if perf() > round_deadline:
                report.notes.append(f"latency round {r + 1}: stopped after {i} messages (120 s budget)")
                break
            t_send, t_ret, waiter, cmid, status = await send(f"r{r}m{i}")
            complete = await settle(waiter, cmid, 3)
            rtt.append(t_ret - t_send)
            if cmid in designated.arrivals:
                des.append(designated.arrivals[cmid] - t_ret)
            if cmid in customer.arrivals:
                cust.append(customer.arrivals[cmid] - t_ret)
            if complete:
                first.append(waiter.first_arrival - t_ret)
                last.append(waiter.last_arrival - t_ret)
                last_send.append(waiter.last_arrival - t_send)
                consecutive_misses = 0
            else:
                incomplete += 1
                consecutive_misses += 1
                if consecutive_misses >= 3:
                    report.notes.append(f"latency round {r + 1}: 3 messages in a row did not reach every stream; "
                                        f"stopped the round after {i + 1} messages")
                    break
            await asyncio.sleep(spacing)
        cpu = cpu_diff(cpu0, cpu_snapshot_of(stack))
        deliveries = max(1, tally.deliveries)
        stats = {
            "rtt_p50": pct(rtt, 50), "rtt_p99": pct(rtt, 99),
            "des_p50": pct(des, 50), "des_p99": pct(des, 99),
            "cust_p50": pct(cust, 50), "cust_p99": pct(cust, 99),
            "first_p50": pct(first, 50), "first_p99": pct(first, 99),
            "last_p50": pct(last, 50), "last_p99": pct(last, 99),
            "lastsend_p50": pct(last_send, 50), "lastsend_p99": pct(last_send, 99),
            "neg": sum(1 for x in des if x < 0) / max(1, len(des)),
            "client_us": tally.client_seconds / deliveries * 1e6,
            "notifier_us": cpu["notifier"] / deliveries * 1e6,
            "nginx_us": cpu["nginx"] / deliveries * 1e6,
            "self_us": cpu["self"] / deliveries * 1e6,
            "busy": cpu["busy"],
            "n": len(rtt),
        }
        per_round.append(stats)
        all_rtt += rtt
        all_des += des
        all_last += last
        say(f"latency: round {r + 1}/{rounds}: {len(rtt)} messages; POST RTT p50 {ms(stats['rtt_p50'])} "
            f"p99 {ms(stats['rtt_p99'])}; designated p50 {ms(stats['des_p50'])} p99 {ms(stats['des_p99'])}; "
            f"last of {len(streams)} p50 {ms(stats['last_p50'])} p99 {ms(stats['last_p99'])}; CPU per delivery: "
            f"notifier {stats['notifier_us']:.1f} us, nginx {stats['nginx_us']:.1f} us, bench client "
            f"{stats['self_us']:.1f} us")
        report.details.append(
            f"latency round {r + 1}: {len(rtt)} messages, POST RTT p50 {ms(stats['rtt_p50'])} p99 {ms(stats['rtt_p99'])}, "
            f"designated agent stream p50 {ms(stats['des_p50'])} p99 {ms(stats['des_p99'])} "
            f"({stats['neg'] * 100:.0f}% arrived before the POST's response was read), customer stream p50 "
            f"{ms(stats['cust_p50'])} p99 {ms(stats['cust_p99'])}, first of {len(streams)} p50 "
            f"{ms(stats['first_p50'])} p99 {ms(stats['first_p99'])}, last p50 {ms(stats['last_p50'])} "
            f"p99 {ms(stats['last_p99'])} (from the POST sent: p50 {ms(stats['lastsend_p50'])} p99 "
            f"{ms(stats['lastsend_p99'])}); CPU per delivered event: notifier {stats['notifier_us']:.1f} us, nginx "
            f"{stats['nginx_us']:.1f} us, bench client {stats['self_us']:.1f} us (of which parsing "
            f"{stats['client_us']:.1f} us); machine CPU busy {stats['busy'] * 100:.0f}%")

    closed = sum(1 for s in streams if s.closed_at is not None)
    if closed:
        report.notes.append(f"latency: {closed} of {len(streams)} streams were closed by the server during the run")
    if incomplete:
        report.notes.append(f"latency: {incomplete} messages did not reach every open stream within 3 s")
    if non2xx:
        report.notes.append(f"latency: non-2xx POST answers {non2xx}")
    if tally.duplicates or tally.out_of_order:
        report.notes.append(f"latency: {tally.duplicates} duplicate deliveries, {tally.out_of_order} event ids out "
                            f"of order")
    for s in streams:
        s.close()
    client.close()

    def m(key: str) -> float:
        return med([x[key] for x in per_round])

    n = len(streams)
    cmd = f"bench.py --only latency: {n} streams, {rounds}x{n_msgs} POSTs ~20 ms apart"
    report.row("POST round trip (baseline), p50 / p99", f"{ms(m('rtt_p50'))} / {ms(m('rtt_p99'))}", "-", "-", cmd)
    report.row(f"delivery to designated agent stream, p50 / p99", f"{ms(m('des_p50'))} / {ms(m('des_p99'))}",
               f"POST RTT {ms(m('rtt_p50'))} / {ms(m('rtt_p99'))}",
               f"{fmt_ratio(m('des_p50'), m('rtt_p50'))} / {fmt_ratio(m('des_p99'), m('rtt_p99'))}", "same run")
    report.row(f"delivery to the customer's stream, p50 / p99", f"{ms(m('cust_p50'))} / {ms(m('cust_p99'))}",
               f"POST RTT {ms(m('rtt_p50'))} / {ms(m('rtt_p99'))}",
               f"{fmt_ratio(m('cust_p50'), m('rtt_p50'))} / {fmt_ratio(m('cust_p99'), m('rtt_p99'))}", "same run")
    report.row(f"delivery to the first of {n} streams, p50 / p99", f"{ms(m('first_p50'))} / {ms(m('first_p99'))}",
               f"POST RTT {ms(m('rtt_p50'))} / {ms(m('rtt_p99'))}",
               f"{fmt_ratio(m('first_p50'), m('rtt_p50'))} / {fmt_ratio(m('first_p99'), m('rtt_p99'))}", "same run")
    report.row(f"delivery to the last of {n} streams, p50 / p99", f"{ms(m('last_p50'))} / {ms(m('last_p99'))}",
               f"POST RTT {ms(m('rtt_p50'))} / {ms(m('rtt_p99'))}",
               f"{fmt_ratio(m('last_p50'), m('rtt_p50'))} / {fmt_ratio(m('last_p99'), m('rtt_p99'))}", "same run")
    report.row(f"POST sent -> last of {n} streams, p50 / p99", f"{ms(m('lastsend_p50'))} / {ms(m('lastsend_p99'))}",
               f"POST RTT {ms(m('rtt_p50'))} / {ms(m('rtt_p99'))}",
               f"{fmt_ratio(m('lastsend_p50'), m('rtt_p50'))} / {fmt_ratio(m('lastsend_p99'), m('rtt_p99'))}",
               "same run")
    report.row("CPU per delivered event (notifier / nginx / bench client)",
               f"{m('notifier_us'):.1f} / {m('nginx_us'):.1f} / {m('self_us'):.1f} us",
               f"x {n} streams = {m('notifier_us') * n / 1000:.1f} / {m('nginx_us') * n / 1000:.1f} / "
               f"{m('self_us') * n / 1000:.1f} ms per message", "-", "/proc/<pid>/stat utime+stime over each round")
    report.details.append(
        f"latency pooled over all rounds: POST RTT p50 {ms(pct(all_rtt, 50))} p99 {ms(pct(all_rtt, 99))}; designated "
        f"p50 {ms(pct(all_des, 50))} p99 {ms(pct(all_des, 99))}; last p50 {ms(pct(all_last, 50))} "
        f"p99 {ms(pct(all_last, 99))}")
    report.parts_run.append("latency")


async def guarded(coro) -> None:
    """Runs a measurement; whatever happens (an error, Ctrl-C), its streams are closed
    before the stack is stopped, or nginx's graceful stop would wait for them."""
    try:
        await coro
    finally:
        close_all_streams()
        await asyncio.sleep(0.1)


def bench_latency(args: argparse.Namespace, tmp_root: Path, stacks: list[Stack], report: Report) -> None:
    say("latency: starting a stack")
    stack = Stack("latency", tmp_root)
    stacks.append(stack)
    stack.start()
    try:
        asyncio.run(guarded(latency_async(args, stack, report)))
    finally:
        say("latency: stopping the stack")
        stack.stop()


# -- 3. notifier memory ------------------------------------------------------------


async def memory_async(args: argparse.Namespace, stack: Stack, report: Report) -> None:
    steps = [200, 2000] if args.quick else [1000, 10000]
    token = stack.login_agent()
    cid, sid = stack.start_chat()
    stack.escalate(cid, sid)
    await asyncio.sleep(1)
    base = {"notifier": stack.notifier_rss(), "nginx": stack.nginx_rss(), "worker": stack.worker_rss()}
    say(f"memory: no streams: notifier {base['notifier']} KiB, nginx {base['nginx']} KiB, worker {base['worker']} KiB")
    tally = Tally()
    streams: list[SSEStream] = []
    measured: dict[int, dict[str, int | None]] = {}
    request = events_request(stack.port, token=token)
    all_failures: dict[str, int] = {}
    for target in steps:
        need = target - len(streams)
        _, failures = await open_streams(
            stack.port, [request] * need, tally, track=True, batch=500, timeout=60, streams=streams,
            progress=lambda ok, tried, total: say(f"memory: {len(streams)}/{target} streams open "
                                                  f"(notifier RSS {(stack.notifier_rss() or 0) / 1024:.1f} MiB)"))
        for k, v in failures.items():
            all_failures[k] = all_failures.get(k, 0) + v
        if len(streams) < target:
            report.notes.append(f"memory: only {len(streams)} of {target} streams opened: {failures}")
        await asyncio.sleep(2)  # let allocations settle
        alive = sum(1 for s in streams if s.closed_at is None)
        measured[target] = {"open": alive, "notifier": stack.notifier_rss(), "nginx": stack.nginx_rss(),
                            "worker": stack.worker_rss()}
        master = stack.pid("nginx")
        workers = children_of(master) if master else []
        report.details.append(
            f"memory at {alive} streams: open fds notifier {fd_count(stack.pid('notifier'))} (limit "
            f"{open_files_limit(stack.pid('notifier'))}), nginx workers "
            + ", ".join(f"{fd_count(p)} (limit {open_files_limit(p)})" for p in workers))
        say(f"memory: {alive} streams open: notifier {measured[target]['notifier']} KiB, "
            f"nginx {measured[target]['nginx']} KiB, worker {measured[target]['worker']} KiB")
        if len(streams) < target:
            break
    if all_failures:
        report.notes.append(f"memory: failed stream opens: {all_failures}")

    # Do the streams still carry events? One message fanned out to all of them.
    fanout: list[float] = []
    client = HTTPClient(stack.port)
    loop = asyncio.get_running_loop()
    for i in range(3):
        cmid = f"mem{i}-{uuid.uuid4().hex[:8]}".encode()
        expected = sum(1 for s in streams if s.closed_at is None)
        waiter = Waiter(expected, loop.create_future())
        tally.waiters[cmid] = waiter
        status, _ = await client.request("POST", f"/api/v1/customer/conversations/{cid}/messages",
                                         {"content": AGENT_TEXT, "client_message_id": cmid.decode()},
                                         {"X-Customer-Session-Id": sid})
        t_ret = perf()
        try:
            await asyncio.wait_for(asyncio.shield(waiter.future), 10)
            fanout.append(waiter.last_arrival - t_ret)
        except asyncio.TimeoutError:
            report.notes.append(f"memory: fan-out message {i + 1}: {waiter.remaining} of {expected} streams had "
                                f"not received it after 10 s (POST status {status})")
        tally.waiters.pop(cmid, None)
        await asyncio.sleep(0.2)
    client.close()
    open_before_close = sum(1 for s in streams if s.closed_at is None)
    for s in streams:
        s.close()
    await asyncio.sleep(3)
    after = {"notifier": stack.notifier_rss(), "nginx": stack.nginx_rss()}
    say(f"memory: all streams closed: notifier {after['notifier']} KiB, nginx {after['nginx']} KiB")
    # Is what stays resident reused (allocator) or lost (a leak)? Open as many streams again.
    top = max(measured)
    again: list[SSEStream] = []
    _, failures = await open_streams(
        stack.port, [request] * top, tally, track=False, batch=500, timeout=60, streams=again,
        progress=lambda ok, tried, total: say(f"memory: again {ok}/{total} streams open") if tried % 5000 == 0 or tried == total else None)
    await asyncio.sleep(2)
    reopened = {"open": sum(1 for s in again if s.closed_at is None), "notifier": stack.notifier_rss()}
    say(f"memory: {reopened['open']} streams open again: notifier {reopened['notifier']} KiB")
    for s in again:
        s.close()
    await asyncio.sleep(1)

    b = base["notifier"] or 0
    for target, values in measured.items():
        rss = values["notifier"] or 0
        per = (rss - b) / max(1, values["open"])
        report.row(f"notifier RSS, {values['open']:,} idle streams", f"{rss / 1024:.1f} MiB",
                   f"0 streams {b / 1024:.1f} MiB", fmt_ratio(rss, b),
                   f"VmRSS of notifier.pid; {target} agent streams via nginx")
        report.row(f"notifier KiB per stream at {values['open']:,}", f"{per:.1f} KiB", "-", "-", "(RSS - RSS at 0) / n")
        report.row(f"nginx RSS (master + workers), {values['open']:,} streams", f"{(values['nginx'] or 0) / 1024:.1f} MiB",
                   f"0 streams {(base['nginx'] or 0) / 1024:.1f} MiB", fmt_ratio(values["nginx"] or 0, base["nginx"] or 1),
                   "sum of VmRSS")
    if fanout:
        report.row(f"one message to all {open_before_close:,} streams, time to last", f"{ms(med(fanout))} (median of "
                   f"{len(fanout)})", "-", "-", "POST returns -> last stream parsed it")
    peak = measured[top]["notifier"] or 0
    report.row(f"notifier RSS, {reopened['open']:,} streams again after closing all", f"{(reopened['notifier'] or 0) / 1024:.1f} MiB",
               f"first {measured[top]['open']:,}: {peak / 1024:.1f} MiB", fmt_ratio(reopened["notifier"] or 0, peak),
               "leak check: closed streams' memory is reused")
    if reopened["notifier"] and peak and reopened["notifier"] > peak * 1.2 and reopened["open"] >= measured[top]["open"] * 0.95:
        report.notes.append(f"memory: the notifier grew from {peak} to {reopened['notifier']} KiB when the same number "
                            f"of streams was opened again after closing all: memory of closed streams is not reused")
    report.details.append(f"memory: after closing every stream: notifier {after['notifier']} KiB, nginx "
                          f"{after['nginx']} KiB (baseline {base['notifier']} / {base['nginx']} KiB); worker RSS "
                          f"{base['worker']} -> {[v['worker'] for v in measured.values()]} KiB")
    report.parts_run.append("memory")


def bench_memory(args: argparse.Namespace, tmp_root: Path, stacks: list[Stack], report: Report) -> None:
    say("memory: starting a stack")
    stack = Stack("memory", tmp_root)
    stacks.append(stack)
    stack.start()
    try:
        asyncio.run(guarded(memory_async(args, stack, report)))
    finally:
        say("memory: stopping the stack")
        stack.stop()


# -- report ------------------------------------------------------------------------

METHOD = """\
## How each figure is measured

Each part starts its own stack with `scripts/stack.sh` exactly as the stack tests do
(`switchboard migrate` + `seed` first), from the release binaries in `.build/release`, on
a temporary data dir under /tmp (ext4 on a write-back virtio disk: fsync is real), free
ports, `SWITCHBOARD_RATE_LIMITS=off`, `SWITCHBOARD_ROUTING=manual`,
`SWITCHBOARD_SCRYPT_LOG_N=12` (only login uses it), and stops it at the end (also on
Ctrl-C). All traffic is loopback through nginx; the bench client shares the 2 cores with
nginx, the worker and the notifier, so every figure includes that contention.

**Messages (throughput).** wrk, 2 threads, 16 connections, 10 s per run, 3 repeats
interleaved (static, health, bot, escalated, then again), after a 1 s warm-up of each;
the median of the 3 runs is reported, p50/p99 from wrk's latency histogram (its `done()`
hook prints them as JSON). The POST runs use a Lua script that cycles over 64
conversations (no single hot row), with `X-Customer-Session-Id` and a JSON body:
*bot answering* conversations are left `automated` and the text matches a seeded FAQ, so
each POST commits the customer message, the bot's answer and two `message.created`
events; *escalated* conversations were escalated first (manual routing: they wait in the
queue and the bot is silent), so each POST commits one message and one event. Baselines
in the same run: `GET /api/v1/health` (the worker's cheapest route, one SQLite read) and
a 426-byte static file served by the same nginx. Status codes are counted from the
stack's nginx access log (any non-2xx is reported, except the at most one 499 per
connection that wrk leaves when it stops with requests in flight); afterwards the
number of stored customer messages is checked against the 2xx message POSTs. Machine
CPU (/proc/stat) and the worker's and nginx's CPU (/proc/<pid>/stat) are recorded per run.

SQLite's commit cost: the `fdatasync` row times a 4 KiB write + `fdatasync` in the data
dir (overwriting a preallocated file, and appending to a growing one, like the WAL); with
`synchronous=FULL` each commit pays at least one, and SQLite has one writer at a time, so
1 / fsync is a ceiling on commits per second. The flushes row counts the disk's cache
flushes (/proc/diskstats) during the POST runs per request: with `synchronous=FULL` on
this write-back disk it would be at least 1 per POST, the health runs being the baseline.

**Latency (delivery).** One Python process, asyncio raw sockets (one `asyncio.Protocol`
per stream: HTTP/1.1, chunked decoding, SSE framing; no threads), RLIMIT_NOFILE raised.
1,000 streams through nginx, opened 500 at a time: 1 customer stream on one escalated
conversation and 999 agent streams with one agent token (agents receive every event, so
they are the fan-out load; every stream receives every message). Then 3 rounds of 200
customer POSTs on a keep-alive connection, each sent once the previous one reached every
stream, plus 20 ms. Per POST: the time from its response being read to its
`message.created` (matched by `client_message_id`) being parsed by a designated agent
stream (the first agent stream opened), by the customer's stream, by the first and by
the last of all 1,000 streams; and from the POST being sent to the last stream. The
baseline is the POST's own round trip. Reported: the median over the 3 rounds of each
round's p50 and p99. The notifier is woken by a datagram right after the commit, before
the worker has answered nginx, so the first streams often have the event before the
POST's response is read, and a POST's response can wait behind its own fan-out (that
is what its p99 shows). The CPU row divides the CPU time the notifier, nginx and the
bench process used during each round by the events delivered: "last of 1,000" is
CPU-bound on 2 cores, and the bench client itself is the largest share of it.

**Memory.** A fresh stack; the notifier's VmRSS (`/proc/<pid>/status`, pid from
`$SWITCHBOARD_RUN_DIR/notifier.pid`) with no stream (the baseline), with 1,000 and with
10,000 idle agent streams opened through nginx 500 at a time (2 s settle before each
reading); KiB per stream = (RSS - RSS at 0) / streams. nginx's RSS is the sum over its
master and workers (shared pages counted in each). Then one message is fanned out to all
10,000 streams three times (a liveness check; time from the POST's response to the last
stream), and every stream is closed.
"""


def write_markdown(report: Report, info: dict[str, str], path: Path) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (scripts/bench.py); run it again to refresh. Every figure has a",
        "baseline measured in the same run: these machines are shared and noisy, so compare ratios,",
        "not absolute numbers across runs.",
        "",
        f"- date: {info['date']}",
        f"- machine: {info['nproc']} cores (nproc), {info['memory']} memory, kernel {info['kernel']}",
        f"- commit: {info['commit']}",
        f"- binaries: {info['binaries']}",
        f"- tools: {info['wrk']}, nginx {info['nginx']}, Python {info['python']}",
        f"- command: `make bench` (= scripts/deps.sh --bench; swift build -c release; python3 scripts/bench.py)",
        "",
        table(report.rows),
        "",
    ]
    if report.notes:
        lines += ["## Surprises in this run", ""] + [f"- {n}" for n in report.notes] + [""]
    else:
        lines += ["No errors, non-2xx answers, dropped streams or failed stream opens in this run.", ""]
    lines += [METHOD, "## Per-repeat figures", ""] + [f"- {d}" for d in report.details] + [""]
    path.write_text("\n".join(lines))


# -- main --------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shorter run: fewer repeats, streams and messages")
    parser.add_argument("--only", default="", help="comma list of: " + ", ".join(PARTS))
    parser.add_argument("--write", action="store_true", help="rewrite BENCHMARKS.md even for --quick/--only runs")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite BENCHMARKS.md")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data and run dirs")
    args = parser.parse_args()
    parts = [p.strip() for p in args.only.split(",") if p.strip()] or list(PARTS)
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        parser.error(f"unknown part(s) {unknown}; choose from {', '.join(PARTS)}")
    write = (args.write or (not args.quick and not args.only)) and not args.no_write

    # 10,000 streams need 10,000 sockets in this process.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < 12000 and "memory" in parts and not args.quick:
        say(f"warning: RLIMIT_NOFILE hard limit {hard} < 12000; the 10,000-stream step will fail")

    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    say(f"switchboard bench: parts {', '.join(parts)}{' (quick)' if args.quick else ''}; binaries {BIN_DIR}")
    info = machine()
    say(f"commit {info['commit']}; binaries {info['binaries']}")
    stale_binaries = "OLDER" in info["binaries"]
    if stale_binaries:
        say("warning: the release binaries are older than Sources/ (make bench rebuilds them first)")
    tmp_root = Path(tempfile.mkdtemp(prefix="sb-bench-", dir="/tmp"))
    log_dir = LOG_ROOT / datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    report = Report()
    if stale_binaries:
        report.notes.append(f"the measured binaries are older than the sources: {info['binaries']}")
    stacks: list[Stack] = []
    status = 0
    runners = {"messages": bench_messages, "latency": bench_latency, "memory": bench_memory}
    try:
        for part in parts:
            runners[part](args, tmp_root, stacks, report)
    except KeyboardInterrupt:
        say("interrupted; stopping the stacks")
        status = 130
    except Exception as exc:
        say(f"FAILED: {type(exc).__name__}: {exc}")
        status = 1
    finally:
        for stack in stacks:
            try:
                stack.stop()
            except BaseException:  # noqa: BLE001 - keep stopping the others
                stack.kill()
            try:
                stack.save_logs(log_dir)
                # Anything the services logged at error level is worth a look.
                setrlimit = stack.log_lines("nginx-error.log", r"setrlimit\(RLIMIT_NOFILE", 1)
                if setrlimit and not any("worker_rlimit_nofile" in n for n in report.notes):
                    report.notes.append(
                        f"nginx cannot apply worker_rlimit_nofile 65536 here (this process's hard limit is "
                        f"{resource.getrlimit(resource.RLIMIT_NOFILE)[1]}, no CAP_SYS_RESOURCE), so its workers keep "
                        f"that limit: {setrlimit[0]}")
                for name, pattern in (("nginx-error.log", r"\[(error|crit|alert|emerg)\](?!.*setrlimit)"),
                                      ("notifier.log", r"\b(error|critical)\b"),
                                      ("worker.log", r"\b(error|critical)\b|status=5\d\d")):
                    count = stack.count_log_lines(name, pattern)
                    if count:
                        report.notes.append(f"{stack.name}: {count} error lines in {name}, e.g. "
                                            + " || ".join(stack.log_lines(name, pattern, 3)))
            except OSError as exc:
                say(f"could not save the logs of {stack.name}: {exc}")
            if not args.keep:
                stack.cleanup()
        if not args.keep:
            shutil.rmtree(tmp_root, ignore_errors=True)
        else:
            say(f"kept {tmp_root} and the run dirs {[str(s.run_dir) for s in stacks]}")

    if report.rows:
        print()
        print(table(report.rows))
        print()
        for note in report.notes:
            print(f"NOTE: {note}")
        if stacks:
            print(f"logs: {log_dir}")
    if status == 0 and write:
        write_markdown(report, info, REPO / "BENCHMARKS.md")
        say(f"wrote {REPO / 'BENCHMARKS.md'}")
    elif status == 0:
        say("BENCHMARKS.md left as it was (a --quick or --only run; --write to record it)")
    say(f"done in {time.monotonic() - T0:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
