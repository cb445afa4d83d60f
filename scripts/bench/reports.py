"""Part 7, reports: GET /api/v1/admin/reports/overview for 90 days over 100,000
conversations and 1,000,000 messages (10,000 / 100,000 with --quick), bulk-seeded as for
the scale part (seed.py) and then spread over the last 90 days with requests for a
person, first replies, closes and ratings (the overview reads the conversations' own
columns: no messages, no join). Its ceiling: the same rows read by Python's sqlite3 from the same file
(one SELECT of the columns the worker reads, no statistics: the I/O a report cannot do
without). Also with business_hours=true (Mon–Fri 09:00–18:00), and the CSV of every
conversation of the 90 days through nginx: its time, its size and the worker's RSS while
it streams (sampled every 20 ms; VmHWM is the process's lifetime peak)."""

from __future__ import annotations

import datetime
import http.client
import sqlite3
import threading
import time

from .common import fmt_ratio, ms_pair, pct, perf, say
from .seed import Seeded, seed
from .stack import Bench, Stack, running_stack

DAY_MS = 86_400_000


def spread(stack: Stack, days: int) -> None:
    """Moves the seeded conversations (the closed ones; the queue stays as it is) over the
    last `days` days: 60 % asked for a person and got an answer within 20 minutes, 40 % of
    those were rated; the rest the bot closed."""
    db = sqlite3.connect(stack.data_dir / "switchboard.sqlite", isolation_level=None)
    db.execute("PRAGMA synchronous = OFF")
    agent = db.execute("SELECT id FROM agents WHERE username = 'agent'").fetchone()[0]
    now = int(time.time() * 1000)
    n = db.execute("SELECT MAX(rowid) FROM conversations").fetchone()[0]
    start, step = now - days * DAY_MS, (days * DAY_MS - 3_600_000) // n
    db.execute("BEGIN")
    db.execute(f"""
        UPDATE conversations SET
            created_at = {start} + rowid * {step},
            requested_agent_at = CASE WHEN rowid % 10 < 6 THEN {start} + rowid * {step} + 30000 END,
            first_response_at = CASE WHEN rowid % 10 < 6 THEN {start} + rowid * {step} + 35000 + (rowid * 7919) % 1200000 END,
            first_response_agent_id = CASE WHEN rowid % 10 < 6 THEN ? END,
            has_agent_replied = CASE WHEN rowid % 10 < 6 THEN 1 ELSE 0 END,
            assigned_agent_id = CASE WHEN rowid % 10 < 6 THEN ? END,
            offline = CASE WHEN rowid % 37 = 0 THEN 1 ELSE 0 END,
            closed_at = {start} + rowid * {step} + 1300000 + (rowid * 104729) % 3600000,
            updated_at = {start} + rowid * {step} + 1300000 + (rowid * 104729) % 3600000
        WHERE status = 'closed'""", (agent, agent))
    db.execute("""
        INSERT INTO ratings (conversation_id, closed_at, score, comment, created_at)
        SELECT id, closed_at, 1 + (rowid / 10) % 5, '', closed_at + 60000 FROM conversations
        WHERE status = 'closed' AND rowid % 10 < 4""")
    db.execute("UPDATE conversations SET rating_score = 1 + (rowid / 10) % 5 WHERE status = 'closed' AND rowid % 10 < 4")
    db.execute("COMMIT")
    db.close()


def run(bench: Bench) -> None:
    conversations, messages = (10000, 100000) if bench.quick else (100000, 1000000)
    days = 90
    seeded: dict[str, Seeded] = {}

    def prepare(stack: Stack) -> None:
        say(f"reports: seeding {conversations:,} conversations and {messages:,} messages, spread over {days} days")
        seeded["db"] = s = seed(stack.data_dir / "switchboard.sqlite", conversations, messages)
        spread(stack, days)
        say(f"reports: seeded in {s.seconds:.1f} s ({s.size_mib:,.0f} MiB)")

    with running_stack(bench, "reports", prepare) as stack:
        measure(bench, stack, messages, repeats=10 if bench.quick else 30)
    bench.report.parts_run.append("reports")


def admin_token(stack: Stack) -> str:
    return stack.ok("POST", "/api/v1/agent/auth/login",
                    {"username": "admin", "password": stack.admin_password})["access_token"]


def measure(bench: Bench, stack: Stack, messages: int, repeats: int) -> None:
    token = admin_token(stack)
    today = datetime.date.today()
    query = f"from={today - datetime.timedelta(days=89)}&to={today}"
    db = sqlite3.connect(f"file:{stack.data_dir / 'switchboard.sqlite'}?mode=ro", uri=True)
    start = int(time.mktime((today - datetime.timedelta(days=89)).timetuple()) * 1000)
    scan: list[float] = []
    for _ in range(repeats):
        t0 = perf()
        db.execute("""SELECT c.id, c.created_at, c.status, c.requested_agent_at, c.first_response_at,
                             c.first_response_agent_id, c.closed_at, c.assigned_agent_id, c.offline,
                             c.has_agent_replied, c.rating_score
                      FROM conversations c WHERE c.created_at >= ?""", (start,)).fetchall()
        scan.append(perf() - t0)
    in_range = db.execute("SELECT COUNT(*) FROM conversations WHERE created_at >= ?", (start,)).fetchone()[0]
    db.close()
    s50, s99 = pct(scan, 50), pct(scan, 99)
    for label, extra in (("", ""), (", business hours", "&business_hours=true")):
        if extra:
            stack.ok("PATCH", "/api/v1/admin/settings", {"availability": {"hours": {
                d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}}}, token=token)
        url = f"/api/v1/admin/reports/overview?{query}{extra}"
        status, body = stack.request("GET", url, token=token, timeout=60)
        if status != 200:
            bench.report.notes.append(f"reports overview{label}: {status} {str(body)[:200]}")
            continue
        times: list[float] = []
        for _ in range(repeats):
            t0 = perf()
            stack.request("GET", url, token=token, timeout=60)
            times.append(perf() - t0)
        a50, a99 = pct(times, 50), pct(times, 99)
        say(f"reports: overview{label}: p50/p99 {ms_pair(a50, a99)}; the rows alone {ms_pair(s50, s99)}")
        bench.report.row(f"reports: overview, 90 days{label} ({body['totals']['conversations']:,} conversations, "
                         f"{messages:,} messages in the file), p50 / p99", ms_pair(a50, a99),
                         f"its rows read by sqlite3: {ms_pair(s50, s99)}", f"{fmt_ratio(a99, s99)} of the read's p99",
                         f"GET /api/v1/admin/reports/overview?{query}{extra}, {repeats} in turn")
        bench.report.check(f"reports overview p99, 90 days{label}", a99 * 1000, "<=", 200, "ms")
    csv(bench, stack, token, query, in_range)


def csv(bench: Bench, stack: Stack, token: str, query: str, in_range: int) -> None:
    """The CSV of the 90 days, timed, with the worker's RSS sampled while it streams."""
    before = stack.worker_rss() or 0
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], stack.worker_rss() or 0)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = perf()
    conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=120)
    conn.request("GET", f"/api/v1/admin/reports/conversations.csv?{query}",
                 headers={"Host": f"127.0.0.1:{stack.port}", "Authorization": f"Bearer {token}"})
    resp = conn.getresponse()
    size = rows = 0
    while chunk := resp.read(1 << 16):
        size += len(chunk)
        rows += chunk.count(b"\n")  # (a CRLF split between two reads still counts once)
    conn.close()
    seconds = perf() - t0
    done.set()
    sampler.join()
    hwm = vm_hwm(stack.pid("worker"))
    say(f"reports: CSV {rows - 1:,} rows, {size / 1024 / 1024:.1f} MiB in {seconds:.2f} s; worker RSS {before:,} → peak "
        f"{peak[0]:,} KiB (VmHWM {hwm:,} KiB)")
    if resp.status != 200 or rows - 1 != in_range:
        bench.report.notes.append(f"reports CSV: status {resp.status}, {rows - 1} rows for {in_range} conversations")
    bench.report.row(f"reports: CSV of {rows - 1:,} conversations ({size / 1024 / 1024:.1f} MiB)", f"{seconds:.2f} s",
                     f"worker RSS {before / 1024:.0f} MiB before", f"peak {peak[0] / 1024:.0f} MiB while streaming "
                     f"(+{(peak[0] - before) / 1024:.0f} MiB)",
                     f"GET /api/v1/admin/reports/conversations.csv?{query}; VmRSS sampled every 20 ms; "
                     f"VmHWM {hwm / 1024:.0f} MiB (lifetime peak)")


def vm_hwm(pid: int | None) -> int:
    if pid is None:
        return 0
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
