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
    targets: list[tuple[str, str, str, bool | None]] = field(default_factory=list)  # what, measured, target, met

    def row(self, *args: str) -> None:
        self.rows.append(Row(*args))

    def check(self, what: str, value: float, op: str, limit: float, unit: str = "x") -> None:
        """A figure the issue sets a target for: value op limit ("<=", ">=", "<"), judged on the
        value as shown (2 decimals); NaN (not measured) is n/a."""
        sep = "" if unit in ("x", "") else " "
        shown = "n/a" if value != value else f"{value:.2f}{sep}{unit}"
        v = round(value, 2)
        met = None if value != value else {"<=": v <= limit, ">=": v >= limit, "<": v < limit}[op]
        self.targets.append((what, shown, f"{op} {limit:g}{sep}{unit}", met))


def targets_lines(report: Report) -> list[str]:
    return [f"{'met' if met else 'NOT met' if met is not None else 'n/a'}: {what}: {value} (target {target})"
            for what, value, target, met in report.targets]


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
    for line in targets_lines(report):
        print(f"TARGET {line}")
    print()
    for note in report.notes:
        print(f"NOTE: {note}")
    if log_dir is not None:
        print(f"logs: {log_dir}")


METHOD = """\
## How each figure is measured

Each part starts its own stack with `scripts/stack.sh` exactly as the stack tests do
(`switchboard migrate` + `seed` first), from the release binaries, on a temporary data
dir under /tmp (ext4 on a write-back virtio disk: fsync is real), free ports,
`SWITCHBOARD_RATE_LIMITS=off`, `SWITCHBOARD_ROUTING=manual`, `SWITCHBOARD_SCRYPT_LOG_N=12`
(only login uses it), and stops it at the end (also on Ctrl-C). The ceilings run on
servers the bench starts beside it (scripts/bench/edge.py, nchan.py). All traffic is
loopback; the bench client shares the 2 cores with nginx, the worker and the notifier,
so every figure includes that contention, for ours and for the ceilings alike.

**Messages (throughput, ceilings).** wrk, 2 threads, 64 connections, 6 s per run, 3
repeats interleaved (every target once, then again), after a 1 s warm-up of each; the
median of the 3 runs is reported, p50/p99 from wrk's latency histogram (its `done()`
hook prints them as JSON). Ceilings: the stack's nginx template rendered by
`scripts/render-nginx.sh` for a second nginx whose `worker.sock` is served by a C
libfcgi responder (4 threads in `FCGX_Accept_r`, answering `{"ok":true}`; the bench
compiles it with `cc -O2 ... -lfcgi`), so its requests go through the same `location ^~
/api/` FastCGI settings, headers and access log as ours; and a `location = /_bench/204
{ return 204; }` added to that same server: nginx alone. A third nginx, the same again,
serves a reference beside them (not a ceiling): the same C responder built with
`-DEARLY_CLOSE`, which closes each connection as the Swift worker does (the request read
to its end, then `FCGX_Detach`, so `FCGX_Finish_r` closes outright instead of libfcgi's
graceful shutdown-and-wait); it shows how much of the worker's standing comes from that
one call. Ours: `GET /api/v1/health`,
`GET /api/v1/customer/quick-questions`, `GET /api/v1/agent/me` (Bearer token), and the
POSTs, with a Lua script cycling over 64 conversations (no single hot row),
`X-Customer-Session-Id` and a JSON body: *escalated* conversations (manual routing:
they wait in the queue and the bot is silent) commit one message and one event per
POST; *bot answering* ones (left `automated`, text matching a seeded FAQ) the customer
message, the bot's answer and two events. Status codes are counted from each nginx's
access log (any non-2xx is reported, except at most one 499 per connection that wrk
leaves when it stops with requests in flight); afterwards the number of stored
customer messages is checked against the 2xx message POSTs. CPU of the machine
(/proc/stat) and of each process (/proc/<pid>/stat) is recorded per run.

The POST target is against the raw batched insert rate below (what SQLite itself
commits on this disk when every commit carries 64 writes), not the C responder.
SQLite's ceiling on the same disk: Python's sqlite3 with the store's pragmas (WAL,
synchronous=FULL) inserting what an escalated POST writes (a `messages` row and an
`events` row, same columns and indexes) for 2 s, one per transaction and 64 per
transaction (the most a group commit takes), 3 repeats. The `fdatasync` row times a
4 KiB write + `fdatasync` in the data dir (overwrite, and append like the WAL). The
flushes row counts the disk's cache flushes (/proc/diskstats) during the POST runs per
request; a raw commit's own count (its median) divided by it estimates how many POSTs
shared a commit (docs/DESIGN.md, "Writes: group commit").

**Latency (delivery).** One Python process, asyncio raw sockets (one `asyncio.Protocol`
per stream: HTTP/1.1, chunked decoding, SSE framing; no threads), RLIMIT_NOFILE raised.
1,000 streams through nginx, opened 500 at a time: 1 customer stream on one escalated
conversation and 999 agent streams with one agent token (every stream receives every
message). Then 3 rounds of 200 customer POSTs on a keep-alive connection, each sent
once the previous one reached every stream, plus 20 ms. Per POST: the time from its
response being read to its `message.created` (matched by `client_message_id`) being
parsed by a designated agent stream, by the customer's stream, by the first and by the
last of all 1,000 streams; and from the POST being sent to the last stream. Reported:
the median over the 3 rounds of each round's p50 and p99. The CPU row divides the CPU
time the notifier, nginx and the bench process used during each round by the events
delivered.

**Fan-out beside nchan.** The same client times our streams and nchan's (Debian's
`libnginx-mod-nchan`, loaded by an nginx config the bench renders with the stack's
process and connection settings: `worker_processes auto`, the same open-file limit and
`worker_connections`, an access log; EventSource subscribers on `/sub/<channel>` with
`nchan_subscriber_first_message newest`, a publisher on `/pub/<channel>`, the events named
`message.created` and carrying the same ~420-byte JSON with a `client_message_id`).
Two nchan ceilings on the same nchan and the same subscribers, their rounds interleaved:
*durable nchan*, the target's ceiling (a message is durable before anyone sees it): the
messages go to a publisher process of the bench's (scripts/bench/durable.py; Python, one
thread, asyncio) that per message inserts the message row and its event row into SQLite
in the bench's data dir with the store's pragmas (WAL, synchronous=FULL, the tables and
indexes of rawsqlite.py), each write in its own SAVEPOINT, COMMITs, and only then
publishes to nchan on a keep-alive connection and answers; the writes that arrive while a
commit runs share the next one (at most 64; a lone write commits at once), as the
worker's group commit does. Its row says how large its batches were, how long a message
waited for its commit, and the publisher's CPU per message with the part of it outside
SQLite (what Python itself adds). *Bare nchan*, the outer bound: the publish alone (nchan
keeps messages in shared memory).
Open-loop senders: message i is written at t0 + i / rate over 16 keep-alive connections,
end to end = from the request being written to the event parsed by a stream, every
(message, stream) delivery a sample, 3 rounds of 5 s after a 1 s warm-up, the median
of the rounds' p50 and p99. (a) 1,000 streams each on its own conversation (ours:
customer streams of 1,000 escalated conversations, a customer message POSTed to each in
turn; nchan: 1,000 channels), 200 messages/s. (b) 1,000 streams on one topic (ours: 1,000
agent streams, which get every event, the messages POSTed to 20 escalated
conversations; nchan: one channel), 20 messages/s. Ours commits every message to SQLite
(synchronous=FULL) before the notifier reads it back from the outbox.

**Stream connect latency.** In the fan-out part, before its streams open: 200 streams
opened one after another, each closed (RST) before the next, after 10 not counted; per
stream the time from starting the TCP connect to the response head (status 200,
`text/event-stream`) having been read, and to its first comment (ours `: connected`,
nchan's `: hi`): a customer stream (`X-Customer-Session-Id`, `?conversation_id=`) and an
agent stream (Bearer token) of ours through nginx, whichever way the stack authorises them
(nginx's `auth_request` to the worker, or the notifier itself), beside a subscribe to
nchan. p50 and p99 of the 200.

**Memory.** A fresh stack; the notifier's VmRSS (`/proc/<pid>/status`) and nginx's (the
sum over its master and workers, shared pages counted in each) with no stream (the
baseline), with 1,000 and with 10,000 idle agent streams opened through nginx 500 at a
time (2 s settle before each reading); KiB per stream = (RSS - RSS at 0) / streams. Then
one message is fanned out to all 10,000 streams three times, every stream is closed and
as many are opened again (the leak check). nchan: a fresh nchan nginx, its RSS with no
stream and with 10,000 idle subscribers on one channel (the median of 3 readings 0.5 s
apart); ours per stream is nginx + notifier together, nchan's is nginx with the module.
Then one publish to all of nchan's subscribers, three times 0.2 s apart: the time from the
publish being sent to the last subscriber having parsed it, beside ours' from the POST
being sent (nchan answers a publish only after writing it to its worker's subscribers, so
the time from its answer can be negative; ours' from the POST's answer is shown too).

**Scale.** Two stacks, each database migrated and seeded (`switchboard migrate` +
`seed`) and then filled, before the services start, by one transaction of `INSERT ...
SELECT` over recursive CTEs (scripts/bench/seed.py): 100 conversations / 1,000
messages (the baseline) and 100,000 conversations / 1,000,000 messages, with a
`message.created` event per message, messages interleaved across conversations as they
would arrive, all within the last two days; in both, the 40 newest conversations wait
in the queue and every conversation has 10 messages, so each request gets the same
answer on both. wrk -t1 -c4, 3 s per request, 3 repeats interleaved between the two
stacks, the median p99: the customer's messages page of the newest conversation, the
agent's conversation list (default filter and page) and the queue (with its total).
The resume: 200 times in turn, a customer stream of that conversation opened with
`Last-Event-ID` = the oldest event id, timed from connecting to its newest message's
event parsed (the notifier replays the conversation's events after the cursor).

**Search.** One stack whose database is seeded like the scale part's large one
(1,000,000 messages; the FTS5 index is kept by the production triggers during the
seed). Each query is asked through nginx, `GET /api/v1/agent/search?q=…&limit=20`, 100
times in turn (p50, p99); beside it, the ceiling a desk without an index has: the same
words as `SELECT seq FROM messages WHERE content LIKE '%…%' ORDER BY seq DESC LIMIT 100`
on the same file (Python's sqlite3, read-only), 10 times. Queries: an order number that
is in one message, its prefix without the last two digits (about 100 messages), a word
in half of them, a phrase, and a word in none (the scan's worst case: every row). The
index size is the FTS5 `_data` tables' blocks beside the file's pages.

**Reports.** One stack whose database is seeded like the scale part's large one
(100,000 conversations, 1,000,000 messages), then spread over the last 90 days by SQL:
six in ten closed conversations asked for a person, were answered within 20 minutes
and closed within the hour after, four in ten of those rated; the rest the bot closed.
`GET /api/v1/admin/reports/overview` for the 90 days ending today, 30 times in turn
(p50, p99), plain and with `business_hours=true` after the hours are set to Mon–Fri
09:00–18:00; beside it, the rows a report cannot do without: the same columns and range
as one SELECT by Python's sqlite3 on the same file (read-only), 30 times. The CSV of the
same 90 days is downloaded once through nginx, timed, with the worker's VmRSS sampled
every 20 ms while it streams (and its VmHWM, the process's lifetime peak).

**Files.** One stack, `attachments.max_bytes` raised to 100 MiB by the admin API. Uploads
through nginx (`POST /api/v1/customer/conversations/{id}/attachments`, `Content-Length`
given, the body streamed from memory in 1 MiB pieces; each run's bytes differ, so none
is taken for a copy already stored): 20 of 1 MiB and 5 of 50 MiB in turn after one
warm-up each, timed from the request to the 201 (p50, p99: with 5 runs the p99 is the
slowest). The worker's peak RSS over each size's runs: its VmHWM after a reset
(`echo 5 > /proc/<pid>/clear_refs`), beside its RSS before. Baseline: what an upload
cannot do without, by Python on the same disk: the body written to a file (nginx's
part), read back, SHA-256'd, written to another file, fsync'd and renamed (the store's
part). Downloads: the last 50 MiB file, 7 times through its signed link and 7 times,
interleaved, as a plain static file of a second nginx rendered from the same template
(same sendfile and headers; `location ^~ /_bench/files/ { alias <files dir>/; }`), after
one warm-up each (the file is in the page cache for both); one Python client reading in
1 MiB pieces; the median throughput of each.

**Worker threads** (`--only threads`, not in the default run). Three stacks started at
once, `SWITCHBOARD_WORKER_THREADS` = 8, 32 and 128 (the default is 16 x cores), each with
64 escalated conversations; `wrk -t2 -c64 -d6s` POSTing to them as the messages part does,
3 repeats interleaved over the three stacks (the others idle meanwhile), after a 1 s
warm-up each; the median of the repeats. The group commit's mean batch over each run is
`switchboard_group_commit_batch_size`'s `_sum` / `_count` difference read from
`GET /metrics/worker` before and after it (and its mean commit time from
`switchboard_group_commit_duration_seconds`); beside it, POSTs per disk cache flush
against a raw commit's flushes. The ceiling: raw SQLite inserts 64 per transaction in the
first stack's data dir, once per repeat.
"""


def write_markdown(report: Report, info: dict[str, str], path: Path) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (scripts/bench.py); run it again to refresh. Every figure sits beside",
        "its ceiling or baseline measured in the same run (medians of 3 runs): these machines are shared",
        "and noisy, so compare ratios, not absolute numbers across runs.",
        "",
        f"- date: {info['date']}",
        f"- machine: {info['nproc']} cores (nproc), {info['memory']} memory, kernel {info['kernel']}",
        f"- commit: {info['commit']}",
        f"- binaries: {info['binaries']}",
        f"- tools: {info['wrk']}, nginx {info['nginx']}, nchan (libnginx-mod-nchan) {info['nchan']}, libfcgi "
        f"{info['libfcgi']}, Python {info['python']} with SQLite {info['sqlite']}",
        "- command: `make bench` (= scripts/deps.sh --bench; swift build -c release; python3 scripts/bench.py; "
        "about 10 minutes); one part: `python3 scripts/bench.py --only messages` (messages, latency, memory, "
        "fanout, scale, search, reports, files; threads, which the default run leaves out; `--quick` for a "
        "short run)",
        "",
        table(report.rows),
        "",
    ]
    if report.targets:
        lines += ["## Against the targets", ""] + [f"- {line}" for line in targets_lines(report)] + [""]
    if report.notes:
        lines += ["## Surprises in this run", ""] + [f"- {n}" for n in report.notes] + [""]
    else:
        lines += ["No errors, non-2xx answers, dropped streams or failed stream opens in this run.", ""]
    lines += [METHOD, "## Per-repeat figures", ""] + [f"- {d}" for d in report.details] + [""]
    path.write_text("\n".join(lines) + kept_sections(path))


# Below this line BENCHMARKS.md keeps what a run does not measure (comparisons of two
# builds, made by hand with the command they name); every run carries it over as it is.
KEPT = "<!-- kept across bench runs: comparisons of builds -->"


def kept_sections(path: Path) -> str:
    """The part of the existing file from the KEPT marker on, or nothing."""
    try:
        text = path.read_text()
    except OSError:
        return ""
    at = text.find(KEPT)
    return "" if at < 0 else "\n" + text[at:]
