"""The results of a bench run: the table it prints and BENCHMARKS.md, which a full
run rewrites (same sections and rows every time, so that runs can be compared)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

FIELDS = ("figure", "value", "baseline", "ratio", "command")


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


def table(rows: list[Row]) -> str:
    head = Row("figure", "value", "baseline (same run)", "ratio", "command")
    widths = [max(len(getattr(r, f)) for r in [head, *rows]) for f in FIELDS]
    lines = []
    for i, r in enumerate([head, *rows]):
        cells = [getattr(r, f).ljust(w) for f, w in zip(FIELDS, widths)]
        lines.append("| " + " | ".join(cells) + " |")
        if i == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def print_report(report: Report, log_dir: Path | None) -> None:
    """The table and the surprises on stdout (log_dir: where the stacks' logs went, if any)."""
    if not report.rows:
        return
    print()
    print(table(report.rows))
    print()
    for note in report.notes:
        print(f"NOTE: {note}")
    if log_dir is not None:
        print(f"logs: {log_dir}")


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
        "- command: `make bench` (= scripts/deps.sh --bench; swift build -c release; python3 scripts/bench.py)",
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
