"""Part 1, messages: POST /api/v1/customer/conversations/{id}/messages through nginx
(wrk), bot answering and escalated; baselines GET /api/v1/health and a static file
through the same nginx, and the data dir's fsync latency."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .common import AGENT_TEXT, BOT_TEXT, fmt_ratio, med, ms, ms_pair, pct, ratio_pair, say
from .machine import fsync_probe
from .report import Report
from .stack import Bench, Stack, running_stack
from .wrk import GET_SCRIPT, WrkResult, post_script, run_wrk

THREADS, CONNS = 2, 16
MESSAGES_PATH = r"/api/v1/customer/conversations/[^/ ]+/messages"


@dataclass
class Target:
    key: str
    path: str
    script: Path


class Runs:
    """The wrk results of every target, repeat after repeat, and their medians."""

    def __init__(self, targets: list[Target]) -> None:
        self.by_key: dict[str, list[WrkResult]] = {t.key: [] for t in targets}

    def m(self, key: str, attr: str) -> float:
        return med([getattr(x, attr) for x in self.by_key[key]])

    def latency(self, key: str) -> str:
        return ms_pair(self.m(key, "p50"), self.m(key, "p99"))

    def latency_ratio(self, key: str, base: str) -> str:
        return ratio_pair(self.m(key, "p50"), self.m(key, "p99"), self.m(base, "p50"), self.m(base, "p99"))


def run(bench: Bench) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: run scripts/deps.sh --bench (make bench does)")
    with running_stack(bench, "messages") as stack:
        measure(bench, stack)


def measure(bench: Bench, stack: Stack) -> None:
    report = bench.report
    n_conv = 16 if bench.quick else 64
    seconds = 3 if bench.quick else 10
    repeats = 1 if bench.quick else 3
    targets = prepare(bench, stack, n_conv)
    say("messages: warm-up (1 s per target, not counted)")
    for t in targets:
        run_wrk(stack, t.path, t.script, THREADS, CONNS, 1)
    runs = Runs(targets)
    for r in range(repeats):
        for t in targets:  # interleaved, so drift hits every target alike
            res = run_wrk(stack, t.path, t.script, THREADS, CONNS, seconds)
            runs.by_key[t.key].append(res)
            record_repeat(report, r + 1, repeats, t.key, res)
    say("messages: fsync probe on the data dir (4 KiB write + fdatasync, overwrite and append)")
    n_probe = 50 if bench.quick else 200
    fsync = {"overwrite": fsync_probe(stack.data_dir, n_probe, append=False),
             "append": fsync_probe(stack.data_dir, n_probe, append=True)}
    throughput_rows(report, runs, f"wrk -t{THREADS} -c{CONNS} -d{seconds}s -s {{}}.lua", n_conv)
    fsync_rows(report, runs, fsync, n_probe)
    flush_rows(report, runs)
    cpu_details(report, runs)
    check_stored(report, stack)
    report.parts_run.append("messages")


def prepare(bench: Bench, stack: Stack, n_conv: int) -> list[Target]:
    """Conversations left to the bot and escalated ones, checked to answer as intended, and a
    wrk script per target."""
    say(f"messages: creating {n_conv} conversations left to the bot and {n_conv} escalated ones")
    bot = [stack.start_chat() for _ in range(n_conv)]
    escalated = [stack.escalated_chat() for _ in range(n_conv)]
    probe = stack.ok("POST", f"/api/v1/customer/conversations/{bot[0][0]}/messages", {"content": BOT_TEXT},
                     session=bot[0][1])
    if not probe.get("bot_message"):
        bench.report.notes.append(f"bot mode: the bot did not answer {BOT_TEXT!r}; that run measures single writes")
    probe = stack.ok("POST", f"/api/v1/customer/conversations/{escalated[0][0]}/messages", {"content": AGENT_TEXT},
                     session=escalated[0][1])
    if probe.get("bot_message"):
        bench.report.notes.append("escalated mode: the bot answered in an escalated conversation")
    lua = bench.tmp_root / "lua"
    lua.mkdir(exist_ok=True)
    (lua / "get.lua").write_text(GET_SCRIPT)
    (lua / "post-bot.lua").write_text(post_script(bot, BOT_TEXT))
    (lua / "post-escalated.lua").write_text(post_script(escalated, AGENT_TEXT))
    first_post = f"/api/v1/customer/conversations/{bot[0][0]}/messages"  # the URL wrk needs; request() sets the path
    return [Target("static", "/favicon.svg", lua / "get.lua"),  # 426 B static file, nginx only
            Target("health", "/api/v1/health", lua / "get.lua"),  # the worker's cheapest route
            Target("bot", first_post, lua / "post-bot.lua"),  # 2 messages + 2 events per commit
            Target("escalated", first_post, lua / "post-escalated.lua")]  # 1 message + 1 event per commit


def record_repeat(report: Report, n: int, repeats: int, key: str, res: WrkResult) -> None:
    odd = res.unexpected_statuses(CONNS)
    flushes = "" if res.flushes is None else f"  disk flushes {res.flushes}"
    say(f"messages: repeat {n}/{repeats} {key:9s} {res.rps:7.0f} req/s  p50 {ms(res.p50):>9s}"
        f"  p99 {ms(res.p99):>9s}  machine CPU {res.machine_busy * 100:3.0f}%  worker {res.worker_cpu:.2f}"
        f" cores  nginx {res.nginx_cpu:.2f} cores{flushes}" + (f"  NON-2XX {odd}" if odd else "")
        + (f"  wrk errors {res.errors}" if res.errors else ""))
    report.details.append(f"messages repeat {n} {key}: {res.rps:.0f} req/s, p50 {ms(res.p50)}, "
                          f"p99 {ms(res.p99)}, {res.requests} requests, nginx statuses {res.statuses}, "
                          f"machine CPU {res.machine_busy * 100:.0f}%, worker {res.worker_cpu:.2f} cores, "
                          f"nginx {res.nginx_cpu:.2f} cores, notifier {res.notifier_cpu:.2f} cores, "
                          f"disk flushes {res.flushes}")
    if odd or res.errors:
        report.notes.append(f"messages {key} repeat {n}: non-2xx {odd or 'none'}, "
                            f"wrk socket errors {res.errors or 'none'} of {res.requests} requests")


def throughput_rows(report: Report, runs: Runs, cmd: str, n_conv: int) -> None:
    static_rps, health_rps = runs.m("static", "rps"), runs.m("health", "rps")
    report.row("GET static file, req/s", f"{static_rps:,.0f}", "-", "-", cmd.format("get") + " /favicon.svg")
    report.row("GET static file, p50 / p99", runs.latency("static"), "-", "-", "same run")
    report.row("GET /api/v1/health, req/s", f"{health_rps:,.0f}", f"static {static_rps:,.0f}",
               fmt_ratio(health_rps, static_rps), cmd.format("get") + " /api/v1/health")
    report.row("GET /api/v1/health, p50 / p99", runs.latency("health"), f"static {runs.latency('static')}",
               runs.latency_ratio("health", "static"), "same run")
    for key, label in (("escalated", "escalated"), ("bot", "bot answering")):
        rps = runs.m(key, "rps")
        report.row(f"POST messages ({label}), req/s", f"{rps:,.0f}", f"health {health_rps:,.0f}",
                   f"{fmt_ratio(rps, health_rps)} (of static {fmt_ratio(rps, static_rps)})",
                   cmd.format(f"post-{key}") + f" ({n_conv} conversations)")
        report.row(f"POST messages ({label}), p50 / p99", runs.latency(key), f"health {runs.latency('health')}",
                   runs.latency_ratio(key, "health"), "same run")


def fsync_rows(report: Report, runs: Runs, fsync: dict[str, list[float]], n_probe: int) -> None:
    over, app = fsync["overwrite"], fsync["append"]
    ceiling = 1 / pct(app, 50)
    report.row("fdatasync of a 4 KiB write, p50 / p99",
               f"overwrite {ms_pair(pct(over, 50), pct(over, 99))}; append {ms_pair(pct(app, 50), pct(app, 99))}",
               f"1 commit per append-fsync: {ceiling:,.0f}/s",
               f"escalated POST/s {fmt_ratio(runs.m('escalated', 'rps'), ceiling)}",
               f"{n_probe} writes each, in the data dir")


def flush_rows(report: Report, runs: Runs) -> None:
    if not all(x.flushes is not None for xs in runs.by_key.values() for x in xs):
        return
    per = {key: sum(x.flushes for x in xs) / max(1, sum(x.requests for x in xs)) for key, xs in runs.by_key.items()}
    report.row("disk cache flushes per escalated POST", f"{per['escalated']:.3f}",
               f"health {per['health']:.3f}; synchronous=FULL: >= 1", "-",
               "/proc/diskstats flushes of the data dir's disk during the runs")
    report.details.append("disk cache flushes per request: " + ", ".join(f"{k} {v:.3f}" for k, v in per.items()))
    if per["escalated"] < 0.5:
        report.notes.append(
            f"SQLite commits are not fsynced one by one: {per['escalated']:.3f} disk cache flushes per escalated "
            f"POST (each POST is one write transaction; with synchronous=FULL every commit fdatasyncs the WAL, "
            f"i.e. at least 1 flush per POST on this write-back disk). That is what a writer connection running with "
            f"synchronous=NORMAL does (it syncs only at WAL checkpoints).")


def cpu_details(report: Report, runs: Runs) -> None:
    def busy(key: str) -> str:
        return f"{runs.m(key, 'machine_busy') * 100:.0f}%"

    def cores(key: str, attr: str) -> str:
        return f"{runs.m(key, attr):.2f}"

    report.details.append(
        f"machine CPU busy (median over repeats): static {busy('static')}, health {busy('health')}, "
        f"bot {busy('bot')}, escalated {busy('escalated')}; worker cores: health {cores('health', 'worker_cpu')}, "
        f"bot {cores('bot', 'worker_cpu')}, escalated {cores('escalated', 'worker_cpu')}; nginx cores: static "
        f"{cores('static', 'nginx_cpu')}, escalated {cores('escalated', 'nginx_cpu')}; notifier cores (tailing the "
        f"outbox, no stream open): bot {cores('bot', 'notifier_cpu')}, escalated {cores('escalated', 'notifier_cpu')}")


def check_stored(report: Report, stack: Stack) -> None:
    """Every POST answered 2xx must have left exactly one customer message in the database."""
    try:
        db = sqlite3.connect(f"file:{stack.data_dir / 'switchboard.sqlite'}?mode=ro", uri=True, timeout=10)
        stored = db.execute("SELECT COUNT(*) FROM messages WHERE sender_type = 'customer'").fetchone()[0]
        db.close()
        posted = stack.count_requests("POST", MESSAGES_PATH, "2")
        # wrk closes its connections at the end of a run with requests in flight (nginx logs
        # 499): the worker still finishes and commits those.
        cut = stack.count_requests("POST", MESSAGES_PATH, "499")
    except Exception as exc:  # a report line, never a reason to fail the bench
        report.details.append(f"could not count stored messages: {exc}")
        return
    report.details.append(f"customer messages stored: {stored:,}; message POSTs answered 2xx (nginx access log): "
                          f"{posted:,}, cut by wrk at the end of a run (499): {cut}")
    if not posted <= stored <= posted + cut:
        report.notes.append(f"messages: {posted:,} message POSTs were answered 2xx (and {cut} cut off by the "
                            f"client) but {stored:,} customer messages are stored")
