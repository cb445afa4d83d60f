"""Part 1, messages: our API through nginx at 64 connections (wrk) beside its ceilings
measured in the same run: `POST .../messages` (escalated: one durable write; bot
answering: two) and the cheap reads (health, quick-questions, agent/me) beside a C
libfcgi responder behind the same nginx config, and that beside nginx's own `return
204` (edge.py); the durable POSTs beside raw SQLite inserts with the same pragmas on
the same disk (rawsqlite.py), the disk's fsync latency and its cache flushes."""

from __future__ import annotations

import shutil
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .common import AGENT_TEXT, BOT_TEXT, fmt_ratio, med, ms, ms_pair, pct, ratio_pair, say
from .edge import EarlyCloseEdge, C_PATH, NGINX_204, Edge
from .machine import fsync_probe
from .rawsqlite import BATCH, InsertRun, insert_run
from .report import Report
from .servers import running_server
from .stack import Bench, Stack, running_stack
from .wrk import GET_SCRIPT, WrkResult, post_script, run_wrk

THREADS, CONNS = 2, 64
MESSAGES_PATH = r"/api/v1/customer/conversations/[^/ ]+/messages"
READS = (("health", "GET /api/v1/health"), ("quick", "GET /api/v1/customer/quick-questions"),
         ("me", "GET /api/v1/agent/me"))


@dataclass
class Target:
    key: str
    server: object  # the Stack, or the Edge (same helpers for wrk)
    path: str
    script: Path
    headers: tuple[str, ...] = ()


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
    with running_stack(bench, "messages") as stack, running_server(Edge(bench)) as edge, \
            running_server(EarlyCloseEdge(bench)) as early:
        measure(bench, stack, edge, early)


def measure(bench: Bench, stack: Stack, edge: Edge, early: Edge) -> None:
    report = bench.report
    n_conv = 16 if bench.quick else 64
    seconds = 2 if bench.quick else 6
    repeats = 1 if bench.quick else 3
    targets = prepare(bench, stack, edge, early, n_conv)
    say("messages: warm-up (1 s per target, not counted)")
    for t in targets:
        run_wrk(t.server, t.path, t.script, THREADS, CONNS, 1, t.headers)
    runs = Runs(targets)
    for r in range(repeats):
        for t in targets:  # interleaved, so drift hits every target alike
            res = run_wrk(t.server, t.path, t.script, THREADS, CONNS, seconds, t.headers)
            runs.by_key[t.key].append(res)
            record_repeat(report, r + 1, repeats, t.key, res)
    say(f"messages: raw SQLite inserts in the data dir (1 and {BATCH} per transaction)")
    raw: dict[int, list[InsertRun]] = {1: [], BATCH: []}
    for _ in range(repeats):
        for batch in raw:
            raw[batch].append(insert_run(stack.data_dir, batch, 1 if bench.quick else 2))
    say("messages: fsync probe on the data dir (4 KiB write + fdatasync, overwrite and append)")
    n_probe = 50 if bench.quick else 200
    fsync = {"overwrite": fsync_probe(stack.data_dir, n_probe, append=False),
             "append": fsync_probe(stack.data_dir, n_probe, append=True)}
    cmd = f"wrk -t{THREADS} -c{CONNS} -d{seconds}s -s {{}}.lua"
    mixed = [me_under_posts(stack, targets, seconds) for _ in range(repeats)]
    ceiling_rows(report, runs, cmd)
    api_rows(report, runs, cmd, n_conv, med([x.rate for x in raw[BATCH]]))
    durable_rows(report, runs, raw, fsync, n_probe)
    mixed_rows(report, runs, mixed, seconds)
    cpu_details(report, runs)
    check_stored(report, stack)
    report.parts_run.append("messages")


def prepare(bench: Bench, stack: Stack, edge: Edge, early: Edge, n_conv: int) -> list[Target]:
    """Conversations left to the bot and escalated ones, checked to answer as intended, an agent
    token, and a wrk script per target."""
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
    token = stack.login_agent()
    lua = bench.tmp_root / "lua"
    lua.mkdir(exist_ok=True)
    get = lua / "get.lua"
    get.write_text(GET_SCRIPT)
    (lua / "post-bot.lua").write_text(post_script(bot, BOT_TEXT))
    (lua / "post-escalated.lua").write_text(post_script(escalated, AGENT_TEXT))
    first_post = f"/api/v1/customer/conversations/{bot[0][0]}/messages"  # the URL wrk needs; request() sets the path
    return [Target("nginx204", edge, NGINX_204, get),  # nginx alone: the edge's ceiling
            Target("cfcgi", edge, C_PATH, get),  # the same nginx config + a C libfcgi responder
            Target("cfcgi-early", early, C_PATH, get),  # ... closing like the worker (a reference, not a target)
            Target("health", stack, "/api/v1/health", get),  # the worker's cheapest route
            Target("quick", stack, "/api/v1/customer/quick-questions", get),
            Target("me", stack, "/api/v1/agent/me", get, (f"Authorization: Bearer {token}",)),
            Target("escalated", stack, first_post, lua / "post-escalated.lua"),  # 1 message + 1 event per POST
            Target("bot", stack, first_post, lua / "post-bot.lua")]  # 2 messages + 2 events per POST


MIXED_CONNS = CONNS // 2


def me_under_posts(stack: Stack, targets: list[Target], seconds: float) -> tuple[WrkResult, WrkResult]:
    """GET /agent/me at 32 connections while another wrk POSTs escalated messages at 32: every
    POST is a write of the service, so a token cache dropped by every write would send each
    of these reads to the database; one dropped only by account writes keeps them in memory."""
    me = next(t for t in targets if t.key == "me")
    post = next(t for t in targets if t.key == "escalated")
    with ThreadPoolExecutor(1) as pool:
        posts = pool.submit(run_wrk, stack, post.path, post.script, 1, MIXED_CONNS, seconds + 1, post.headers)
        reads = run_wrk(stack, me.path, me.script, 1, MIXED_CONNS, seconds, me.headers)
        return reads, posts.result()


def mixed_rows(report: Report, runs: Runs, mixed: list[tuple[WrkResult, WrkResult]], seconds: float) -> None:
    rps, p99 = med([r.rps for r, _ in mixed]), med([r.p99 for r, _ in mixed])
    posts = med([p.rps for _, p in mixed])
    alone = runs.m("me", "rps")
    report.row("GET /api/v1/agent/me while POSTs run, req/s", f"{rps:,.0f}", f"alone {alone:,.0f}", fmt_ratio(rps, alone),
               f"wrk -t1 -c{MIXED_CONNS} -d{seconds}s agent/me beside wrk -t1 -c{MIXED_CONNS} post-escalated "
               f"({posts:,.0f} POST/s meanwhile)")
    report.row("GET /api/v1/agent/me while POSTs run, p50 / p99",
               ms_pair(med([r.p50 for r, _ in mixed]), p99), f"alone {runs.latency('me')}", "-", "same run")
    for n, (r, q) in enumerate(mixed, 1):
        report.details.append(f"agent/me under POSTs repeat {n}: {r.rps:.0f} req/s, p50 {ms(r.p50)}, p99 {ms(r.p99)}, "
                              f"worker {r.worker_cpu:.2f} cores; POSTs {q.rps:.0f}/s, p99 {ms(q.p99)}")


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


def ceiling_rows(report: Report, runs: Runs, cmd: str) -> None:
    edge, c = runs.m("nginx204", "rps"), runs.m("cfcgi", "rps")
    report.row("nginx `return 204` (the edge's ceiling), req/s", f"{edge:,.0f}", "-", "-",
               cmd.format("get") + f" {NGINX_204} (same nginx config)")
    report.row("nginx `return 204`, p50 / p99", runs.latency("nginx204"), "-", "-", "same run")
    report.row("C libfcgi responder behind the same nginx, req/s", f"{c:,.0f}", f"nginx 204: {edge:,.0f}",
               fmt_ratio(c, edge), cmd.format("get") + f" {C_PATH} -> {Edge.command}")
    report.row("C libfcgi responder, p50 / p99", runs.latency("cfcgi"), f"nginx 204: {runs.latency('nginx204')}",
               runs.latency_ratio("cfcgi", "nginx204"), "same run")
    early = runs.m("cfcgi-early", "rps")
    report.row("C responder closing like the worker (read to EOF, FCGX_Detach), req/s", f"{early:,.0f}",
               f"C responder {c:,.0f}", fmt_ratio(early, c),
               cmd.format("get") + f" {C_PATH} -> {EarlyCloseEdge.command}; a reference, not the ceiling")


def api_rows(report: Report, runs: Runs, cmd: str, n_conv: int, batched: float) -> None:
    c = runs.m("cfcgi", "rps")
    for key, label in READS:
        rps = runs.m(key, "rps")
        report.row(f"{label}, req/s", f"{rps:,.0f}", f"C responder {c:,.0f}",
                   f"{fmt_ratio(rps, c)} (target >= 0.8x)", cmd.format("get") + " " + label.split()[1])
        report.row(f"{label}, p50 / p99", runs.latency(key), f"C responder {runs.latency('cfcgi')}",
                   runs.latency_ratio(key, "cfcgi"), "same run")
        report.check(f"{label} req/s / C responder's", rps / c if c else float("nan"), ">=", 0.8)
    for key, label in (("escalated", "escalated, no bot"), ("bot", "bot answering")):
        rps = runs.m(key, "rps")
        if key == "escalated":  # the target's ceiling: what SQLite itself commits on this disk, batched
            report.row(f"POST messages ({label}), req/s", f"{rps:,.0f}",
                       f"raw SQLite, {BATCH} per transaction: {batched:,.0f} rows/s; C responder {c:,.0f}",
                       f"{fmt_ratio(rps, batched)} of raw batched (target >= 0.5x, moonshot 0.8x); "
                       f"{fmt_ratio(rps, c)} of C", cmd.format(f"post-{key}") + f" ({n_conv} conversations)")
        else:
            report.row(f"POST messages ({label}), req/s", f"{rps:,.0f}", f"C responder {c:,.0f}", fmt_ratio(rps, c),
                       cmd.format(f"post-{key}") + f" ({n_conv} conversations)")
        p99 = runs.m(key, "p99")
        report.row(f"POST messages ({label}), p50 / p99", runs.latency(key), f"C responder {runs.latency('cfcgi')}",
                   runs.latency_ratio(key, "cfcgi")
                   + (f" (target p99 < 20 ms: {'met' if p99 < 0.020 else 'NOT met'})" if key == "escalated" else ""),
                   "same run")
    esc = runs.m("escalated", "rps")
    report.check(f"POST messages (escalated) req/s / raw SQLite inserts {BATCH} per transaction",
                 esc / batched if batched else float("nan"), ">=", 0.5)
    report.check("POST messages (escalated) p99 at 64 connections", runs.m("escalated", "p99") * 1000, "<", 20, "ms")


def durable_rows(report: Report, runs: Runs, raw: dict[int, list[InsertRun]], fsync: dict[str, list[float]],
                 n_probe: int) -> None:
    posts = runs.m("escalated", "rps")
    single, batched = med([x.rate for x in raw[1]]), med([x.rate for x in raw[BATCH]])
    report.row("raw SQLite inserts, 1 per transaction, rows/s", f"{single:,.0f}", f"escalated POST/s {posts:,.0f}",
               f"POSTs {fmt_ratio(posts, single)}", "python3 sqlite3, WAL + synchronous=FULL, data dir; "
               "1 message + 1 event row per insert")
    report.row(f"raw SQLite inserts, {BATCH} per transaction, rows/s", f"{batched:,.0f}",
               f"escalated POST/s {posts:,.0f}", f"POSTs {fmt_ratio(posts, batched)}", "same, batched")
    for batch, runs_ in raw.items():
        for x in runs_:
            report.details.append(f"raw SQLite {batch}/transaction: {x.rate:,.0f} rows/s, {x.commits} commits in "
                                  f"{x.seconds:.1f} s, disk flushes per commit {x.flushes_per_commit}")
    over, app = fsync["overwrite"], fsync["append"]
    ceiling = 1 / pct(app, 50)
    report.row("fdatasync of a 4 KiB write, p50 / p99",
               f"overwrite {ms_pair(pct(over, 50), pct(over, 99))}; append {ms_pair(pct(app, 50), pct(app, 99))}",
               f"1 commit per append-fsync: {ceiling:,.0f}/s", f"escalated POST/s {fmt_ratio(posts, ceiling)}",
               f"{n_probe} writes each, in the data dir")
    flush_rows(report, runs, med([x.flushes_per_commit for x in raw[1] if x.flushes_per_commit is not None]))


def flush_rows(report: Report, runs: Runs, per_commit: float) -> None:
    if not all(x.flushes is not None for xs in runs.by_key.values() for x in xs):
        return
    per = {key: sum(x.flushes for x in xs) / max(1, sum(x.requests for x in xs)) for key, xs in runs.by_key.items()}
    implied = per_commit / per["escalated"] if per["escalated"] else float("nan")
    report.row("disk cache flushes per escalated POST", f"{per['escalated']:.3f}",
               f"raw SQLite commit {per_commit:.2f}; health {per['health']:.3f}",
               f"~{implied:.1f} POSTs per commit", "/proc/diskstats flushes of the data dir's disk during the runs")
    report.check("disk cache flushes per escalated POST under load (group commit; well below 1)", per["escalated"],
                 "<", 0.5, "")
    report.details.append("disk cache flushes per request: " + ", ".join(f"{k} {v:.3f}" for k, v in per.items()))
    if per["escalated"] < per_commit / BATCH:
        report.notes.append(
            f"only {per['escalated']:.3f} disk cache flushes per escalated POST, against {per_commit:.2f} per raw "
            f"SQLite commit with synchronous=FULL: that is more than {BATCH} POSTs per commit (the most a group "
            f"commit takes), so the writer is probably not syncing each commit (synchronous=NORMAL?)")


def cpu_details(report: Report, runs: Runs) -> None:
    def part(key: str) -> str:
        return (f"{key} machine {runs.m(key, 'machine_busy') * 100:.0f}%, worker {runs.m(key, 'worker_cpu'):.2f}, "
                f"nginx {runs.m(key, 'nginx_cpu'):.2f}, notifier {runs.m(key, 'notifier_cpu'):.2f}")

    report.details.append("CPU (median over repeats; cores; for the C responder 'worker' is the responder): "
                          + "; ".join(part(k) for k in runs.by_key))


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
