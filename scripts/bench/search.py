"""Part 6, search: full-text search at 1,000,000 messages (100,000 with --quick), the
database bulk-seeded as for the scale part (seed.py; the search index is kept by the
same triggers as in production, so the seed builds it). Each query is asked through
nginx (`GET /api/v1/agent/search`, one at a time: p50 and p99 over the repeats) and,
as the ceiling to compare with, the same words as a `LIKE '%…%'` scan over the
messages (Python's sqlite3 on the same file, read-only, newest first, LIMIT 100: what
a desk without an index would run). Queries: a word in one message (an order number),
a prefix of a few hundred, a word in half of them, a phrase, and a word in none (the
LIKE scan's worst case). The index's size (its FTS5 shadow tables) beside the file's."""

from __future__ import annotations

import sqlite3
import urllib.parse

from .common import fmt_ratio, med, ms_pair, pct, perf, say
from .report import Report
from .seed import Seeded, seed
from .stack import Bench, Stack, running_stack


def queries(messages: int) -> list[tuple[str, str, str]]:
    """(what, the search text, the LIKE pattern's words)."""
    rare = messages - 7 if messages % 2 else messages - 8  # an odd message index: a customer's "parcel <m>"
    return [("a word in one message", str(rare), str(rare)),
            ("a prefix (~100 messages)", str(rare)[:-2], str(rare)[:-2]),
            ("a word in half the messages", "parcel", "parcel"),
            ("a phrase", '"not arrived"', "not arrived"),
            ("a word in none", "xylophone", "xylophone")]


def run(bench: Bench) -> None:
    conversations, messages = (10000, 100000) if bench.quick else (100000, 1000000)
    seeded: dict[str, Seeded] = {}

    def prepare(stack: Stack) -> None:
        say(f"search: seeding {conversations:,} conversations and {messages:,} messages (the index is kept by triggers)")
        seeded["db"] = s = seed(stack.data_dir / "switchboard.sqlite", conversations, messages)
        say(f"search: seeded {s.messages:,} messages in {s.seconds:.1f} s ({s.size_mib:,.0f} MiB)")

    with running_stack(bench, "search", prepare) as stack:
        measure(bench, stack, seeded["db"], repeats=20 if bench.quick else 100)
    bench.report.parts_run.append("search")


def measure(bench: Bench, stack: Stack, s: Seeded, repeats: int) -> None:
    token = stack.login_agent()
    path = stack.data_dir / "switchboard.sqlite"
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    for what, text, words in queries(s.messages):
        url = "/api/v1/agent/search?" + urllib.parse.urlencode({"q": text, "limit": 20})
        status, body = stack.request("GET", url, token=token)
        if status != 200:
            bench.report.notes.append(f"search {what}: {status} {str(body)[:200]}")
            continue
        found = len(body["items"])
        api: list[float] = []
        like: list[float] = []
        for _ in range(repeats):
            t0 = perf()
            stack.request("GET", url, token=token)
            api.append(perf() - t0)
        like_repeats = max(3, repeats // 10)  # a full scan takes long: fewer of them
        for _ in range(like_repeats):
            t0 = perf()
            db.execute("SELECT seq FROM messages WHERE content LIKE ? ORDER BY seq DESC LIMIT 100", (f"%{words}%",)).fetchall()
            like.append(perf() - t0)
        a50, a99, l50, l99 = pct(api, 50), pct(api, 99), pct(like, 50), pct(like, 99)
        say(f"search: {what}: API p50/p99 {ms_pair(a50, a99)}, LIKE scan {ms_pair(l50, l99)}, {found} conversations")
        bench.report.row(f"search: {what} ({text}), p50 / p99 at {s.messages:,} messages", ms_pair(a50, a99),
                         f"LIKE '%…%' scan: {ms_pair(l50, l99)}", f"{fmt_ratio(a99, l99)} of the scan's p99",
                         f"GET /api/v1/agent/search?q=…&limit=20 ({found} conversations), {repeats} in turn; "
                         f"the scan {like_repeats} times")
        if what in ("a word in one message", "a prefix (~100 messages)"):
            bench.report.check(f"search p99, {what}, at {s.messages:,} messages", a99 * 1000, "<=", 50, "ms")
    index = sum(db.execute(f"SELECT COALESCE(SUM(length(block)), 0) FROM {t}_data").fetchone()[0]
                for t in ("messages_fts", "notes_fts", "contacts_fts"))
    pages = db.execute("PRAGMA page_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    bench.report.row(f"search: index size at {s.messages:,} messages", f"{index / 1024 / 1024:,.1f} MiB",
                     f"database file {pages / 1024 / 1024:,.0f} MiB", fmt_ratio(index, pages),
                     "SUM(length(block)) of the FTS5 _data tables; PRAGMA page_count x page_size")
