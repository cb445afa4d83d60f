"""Part 9, threads (not in the default run: `--only threads`, about 2 minutes): the
worker's FastCGI thread count, SWITCHBOARD_WORKER_THREADS = 8, 32 and 128 (issue 26,
decision 3: "measure 8/32/128"), one stack per setting, all three started at once and
measured in turn (interleaved, so drift hits every setting alike): `POST .../messages`
to escalated conversations (one message + one event per POST) with wrk -t2 -c64, as the
messages part does (which measures the default setting, 16 x cores), beside raw SQLite
inserts 64 per transaction on the same disk in the same run (the POST target's ceiling).
Per setting: req/s, p50 / p99, and the group commit's mean batch, from the worker's own
metrics (`GET /metrics/worker`: switchboard_group_commit_batch_size's _sum / _count over
the run) and, independently, from the disk's cache flushes per POST beside a raw
commit's."""

from __future__ import annotations

import re
from contextlib import ExitStack
from dataclasses import dataclass

from .common import AGENT_TEXT, fmt_ratio, med, ms, ms_pair, say
from .rawsqlite import BATCH, InsertRun, insert_run
from .report import Report
from .stack import Bench, Stack, running_stack
from .wrk import WrkResult, post_script, run_wrk

SETTINGS = (8, 32, 128)
THREADS, CONNS = 2, 64


@dataclass
class Commits:
    """The worker's group-commit histograms' totals (sums over any labels)."""

    batches: float  # commits
    writes: float  # writes committed
    seconds: float  # BEGIN..COMMIT, summed

    def minus(self, other: "Commits") -> "Commits":
        return Commits(self.batches - other.batches, self.writes - other.writes, self.seconds - other.seconds)


@dataclass
class Run:
    wrk: WrkResult
    commits: Commits | None


METRIC = re.compile(r"^(\w+?)(?:\{[^}]*\})?\s+(\S+)$")


def commit_metrics(stack: Stack) -> Commits | None:
    """From GET /metrics/worker (loopback: no token needed); None when the worker has no
    group-commit batch histogram."""
    try:
        status, text = stack.request("GET", "/metrics/worker")
    except OSError:
        return None
    if status != 200 or not isinstance(text, str):
        return None
    totals: dict[str, float] = {}
    for line in text.splitlines():
        m = METRIC.match(line)
        if m and "group_commit" in m.group(1):
            try:
                totals[m.group(1)] = totals.get(m.group(1), 0.0) + float(m.group(2))
            except ValueError:
                pass

    def find(part: str, suffix: str) -> float | None:
        return next((v for k, v in totals.items() if part in k and k.endswith(suffix)), None)

    count, writes = find("group_commit_batch", "_count"), find("group_commit_batch", "_sum")
    if count is None or writes is None:
        return None
    return Commits(count, writes, find("group_commit_duration", "_sum") or float("nan"))


def run(bench: Bench) -> None:
    n_conv = 16 if bench.quick else 64
    seconds = 2 if bench.quick else 6
    repeats = 1 if bench.quick else 3
    with ExitStack() as started:
        stacks = {n: started.enter_context(running_stack(bench, f"threads-{n}",
                                                         env={"SWITCHBOARD_WORKER_THREADS": str(n)}))
                  for n in SETTINGS}
        scripts, paths = {}, {}
        for n, stack in stacks.items():
            say(f"threads: {n} threads: {n_conv} escalated conversations")
            convs = [stack.escalated_chat() for _ in range(n_conv)]
            script = bench.tmp_root / f"post-escalated-{n}.lua"
            script.write_text(post_script(convs, AGENT_TEXT))
            scripts[n] = script
            paths[n] = f"/api/v1/customer/conversations/{convs[0][0]}/messages"  # wrk's URL; the script sets each path
            run_wrk(stack, paths[n], script, THREADS, CONNS, 1)  # warm-up
        runs: dict[int, list[Run]] = {n: [] for n in SETTINGS}
        raw: list[InsertRun] = []
        for r in range(repeats):
            for n, stack in stacks.items():
                before = commit_metrics(stack)
                res = run_wrk(stack, paths[n], scripts[n], THREADS, CONNS, seconds)
                after = commit_metrics(stack)
                one = Run(res, after.minus(before) if before and after else None)
                runs[n].append(one)
                record(bench.report, n, r, repeats, one)
            raw.append(insert_run(stacks[SETTINGS[0]].data_dir, BATCH, 1 if bench.quick else 2))
            say(f"threads: raw SQLite {BATCH}/transaction: {raw[-1].rate:,.0f} rows/s")
    rows(bench.report, runs, raw, seconds, n_conv)
    bench.report.parts_run.append("threads")


def mean_batch(run_: Run) -> float:
    c = run_.commits
    return c.writes / c.batches if c and c.batches else float("nan")


def record(report: Report, n: int, r: int, repeats: int, one: Run) -> None:
    res = one.wrk
    odd = res.unexpected_statuses(CONNS)
    c = one.commits
    commits = ("no group-commit metrics" if c is None else
               f"{c.batches:.0f} commits, mean batch {mean_batch(one):.1f}, mean commit "
               f"{c.seconds / max(1, c.batches) * 1e3:.2f} ms")
    say(f"threads: repeat {r + 1}/{repeats} {n:3d} threads {res.rps:6.0f} POST/s  p50 {ms(res.p50):>9s}  p99 "
        f"{ms(res.p99):>9s}  worker {res.worker_cpu:.2f} cores  machine {res.machine_busy * 100:.0f}%  {commits}"
        + (f"  disk flushes {res.flushes}" if res.flushes is not None else "") + (f"  NON-2XX {odd}" if odd else ""))
    report.details.append(f"threads repeat {r + 1} SWITCHBOARD_WORKER_THREADS={n}: {res.rps:.0f} POST/s, p50 "
                          f"{ms(res.p50)}, p99 {ms(res.p99)}, {res.requests} requests, statuses {res.statuses}, "
                          f"worker {res.worker_cpu:.2f} cores, nginx {res.nginx_cpu:.2f}, machine "
                          f"{res.machine_busy * 100:.0f}%, disk flushes {res.flushes}; {commits}")
    if odd or res.errors:
        report.notes.append(f"threads {n} repeat {r + 1}: non-2xx {odd or 'none'}, wrk socket errors "
                            f"{res.errors or 'none'} of {res.requests} requests")


def rows(report: Report, runs: dict[int, list[Run]], raw: list[InsertRun], seconds: float, n_conv: int) -> None:
    batched = med([x.rate for x in raw])
    per_commit = med([x.flushes_per_commit for x in raw if x.flushes_per_commit is not None])
    for n, xs in runs.items():
        rps, p50, p99 = (med([getattr(x.wrk, a) for x in xs]) for a in ("rps", "p50", "p99"))
        batch = med([mean_batch(x) for x in xs])
        flushes = [x.wrk.flushes for x in xs]
        by_flush = "n/a"
        if all(f is not None for f in flushes) and per_commit == per_commit:
            per_post = sum(flushes) / max(1, sum(x.wrk.requests for x in xs))
            by_flush = f"~{per_commit / per_post:.1f}" if per_post else "n/a"
        commit_ms = med([x.commits.seconds / max(1, x.commits.batches) * 1e3 for x in xs if x.commits])
        label = f"POST messages (escalated), SWITCHBOARD_WORKER_THREADS={n}"
        report.row(f"{label}: req/s", f"{rps:,.0f}", f"raw SQLite, {BATCH} per transaction: {batched:,.0f} rows/s",
                   f"{fmt_ratio(rps, batched)} (target >= 0.5x)",
                   f"bench.py --only threads: wrk -t{THREADS} -c{CONNS} -d{seconds:g}s -s post-escalated.lua "
                   f"({n_conv} conversations), a stack per setting")
        report.row(f"{label}: p50 / p99; group commit", ms_pair(p50, p99),
                   f"mean batch {batch:.1f} (worker metrics), {by_flush} POSTs per disk flush"
                   + (f"; commit {commit_ms:.2f} ms" if commit_ms == commit_ms else ""),
                   f"p99 target < 20 ms: {'met' if p99 < 0.020 else 'NOT met'}",
                   "switchboard_group_commit_batch_size _sum/_count over each run; /proc/diskstats flushes per POST "
                   "beside a raw commit's")
