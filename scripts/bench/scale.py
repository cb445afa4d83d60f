"""Part 5, scale: the same requests on a 1,000-message database (the baseline) and on
one with 100,000 conversations and 1,000,000 messages (and an event per message),
both bulk-seeded (seed.py) into a migrated database before their stacks start, and
measured side by side, repeats interleaved: the customer's messages page, the
agent's conversation list, the queue (wrk, few connections) and a customer stream
resuming from the oldest event id (asyncio: connect -> the conversation's newest
event replayed and parsed)."""

from __future__ import annotations

import asyncio
from contextlib import ExitStack

from .common import fmt_ratio, med, ms, ms_pair, pct, perf, say
from .report import Report
from .seed import Seeded, seed
from .sse import SSEStream, Tally, Waiter, events_request, run_closing_streams
from .stack import Bench, Stack, running_stack
from .wrk import GET_SCRIPT, WrkResult, run_wrk

THREADS, CONNS = 1, 4
REQUESTS = (("page", "customer messages page", "GET /api/v1/customer/conversations/{id}/messages"),
            ("list", "agent conversation list", "GET /api/v1/agent/conversations"),
            ("queue", "queue", "GET /api/v1/agent/queue"))


def run(bench: Bench) -> None:
    sizes = {"small": (100, 1000), "large": (10000, 100000) if bench.quick else (100000, 1000000)}
    seeded: dict[str, Seeded] = {}

    def prepare(label: str):
        def go(stack: Stack) -> None:
            n_conv, n_msg = sizes[label]
            say(f"scale: seeding {n_conv:,} conversations and {n_msg:,} messages (+ events) with bulk SQL")
            seeded[label] = s = seed(stack.data_dir / "switchboard.sqlite", n_conv, n_msg)
            say(f"scale: seeded {s.conversations:,} conversations, {s.messages:,} messages, {s.events:,} events "
                f"in {s.seconds:.1f} s ({s.size_mib:,.0f} MiB)")
        return go

    with ExitStack() as stacks:
        pair = {label: stacks.enter_context(running_stack(bench, f"scale-{label}", prepare(label))) for label in sizes}
        measure(bench, pair, seeded)
    bench.report.parts_run.append("scale")


def measure(bench: Bench, pair: dict[str, Stack], seeded: dict[str, Seeded]) -> None:
    seconds = 1 if bench.quick else 3
    repeats = 1 if bench.quick else 3
    resumes = 30 if bench.quick else 200
    lua = bench.tmp_root / "lua"
    lua.mkdir(exist_ok=True)
    (lua / "get.lua").write_text(GET_SCRIPT)
    targets = {}
    for label, stack in pair.items():
        s, token = seeded[label], stack.login_agent()
        auth = (f"Authorization: Bearer {token}",)
        targets[label] = {"page": (f"/api/v1/customer/conversations/{s.probe_conversation}/messages",
                                   (f"X-Customer-Session-Id: {s.probe_session}",)),
                          "list": ("/api/v1/agent/conversations", auth), "queue": ("/api/v1/agent/queue", auth)}
        answer_sizes(bench.report, label, stack, targets[label])
    runs: dict[tuple[str, str], list[WrkResult]] = {}
    resume: dict[str, list[list[float]]] = {label: [] for label in pair}
    for label, stack in pair.items():  # warm-up, not counted
        for key, (path, headers) in targets[label].items():
            run_wrk(stack, path, lua / "get.lua", THREADS, CONNS, 1, headers)
    for r in range(repeats):
        for label, stack in pair.items():
            for key, (path, headers) in targets[label].items():
                res = run_wrk(stack, path, lua / "get.lua", THREADS, CONNS, seconds, headers)
                runs.setdefault((label, key), []).append(res)
                bench.report.details.append(f"scale {label} {key} repeat {r + 1}: {res.rps:.0f} req/s, p50 "
                                            f"{ms(res.p50)}, p99 {ms(res.p99)}, statuses {res.statuses}")
                odd = {k: v for k, v in res.statuses.items() if not k.startswith("2") and k != "499"}
                if odd or res.errors:
                    bench.report.notes.append(f"scale {label} {key}: non-2xx {odd or 'none'}, wrk errors "
                                              f"{res.errors or 'none'}")
            times: list[float] = []
            run_closing_streams(resume_round(bench, stack, seeded[label], resumes, times))
            resume[label].append(times)
            say(f"scale: repeat {r + 1}/{repeats} {label}: " + ", ".join(
                f"{k} p99 {ms(runs[(label, k)][-1].p99)}" for k, _, _ in REQUESTS)
                + f", resume p50/p99 {ms_pair(pct(times, 50), pct(times, 99))} ({len(times)} resumes)")
    rows(bench.report, seeded, runs, resume, seconds, resumes)


def answer_sizes(report: Report, label: str, stack: Stack, targets: dict) -> None:
    """The same request must get the same answer on both databases (one page, the same queue)."""
    parts = []
    for key, (path, headers) in targets.items():
        hdr = dict(h.split(": ", 1) for h in headers)
        status, body = stack.request("GET", path, token=hdr.get("Authorization", "")[7:] or None,
                                     session=hdr.get("X-Customer-Session-Id"))
        items = body.get("items", body.get("messages")) if isinstance(body, dict) else None
        extra = f", total {body.get('total')}" if isinstance(body, dict) and "total" in body else ""
        parts.append(f"{key} {status}: {len(items) if items is not None else '?'} items{extra}")
        if status != 200:
            report.notes.append(f"scale {label}: {path} answered {status}: {str(body)[:200]}")
    report.details.append(f"scale {label} answers: " + "; ".join(parts))


async def resume_round(bench: Bench, stack: Stack, s: Seeded, count: int, times: list[float]) -> None:
    """`count` times in turn: a customer stream of the probe conversation with Last-Event-ID = the
    oldest event; the time from connecting to its newest message's event being parsed."""
    loop = asyncio.get_running_loop()
    request = events_request(stack.port, conversation_id=s.probe_conversation, session=s.probe_session,
                             last_event_id=s.oldest_event)
    cmid = s.probe_last_cmid.encode()
    tally = Tally()
    failures = 0
    for _ in range(count):
        tally.waiters[cmid] = waiter = Waiter(1, loop.create_future())
        t0 = perf()
        stream: SSEStream | None = None
        try:
            _, stream = await loop.create_connection(lambda: SSEStream(request, tally, True), "127.0.0.1", stack.port)
            await asyncio.wait_for(waiter.future, 10)
            times.append(waiter.last_arrival - t0)
        except (OSError, asyncio.TimeoutError):
            failures += 1
        finally:
            if stream is not None:
                stream.close()
            tally.waiters.pop(cmid, None)
    if failures:
        bench.report.notes.append(f"scale {stack.name}: {failures} of {count} resumes did not replay the newest event "
                                  f"within 10 s")


def rows(report: Report, seeded: dict[str, Seeded], runs: dict, resume: dict, seconds: int, resumes: int) -> None:
    small, large = seeded["small"], seeded["large"]
    report.row("scale: bulk seed of the large database", f"{large.conversations:,} conversations, "
               f"{large.messages:,} messages, {large.events:,} events, {large.size_mib:,.0f} MiB",
               f"baseline: {small.conversations:,} / {small.messages:,} / {small.events:,}", "-",
               f"one transaction of INSERT ... SELECT (recursive CTE), {large.seconds:.0f} s")
    for key, label, request in REQUESTS:
        big, base = med([x.p99 for x in runs[("large", key)]]), med([x.p99 for x in runs[("small", key)]])
        big50, base50 = med([x.p50 for x in runs[("large", key)]]), med([x.p50 for x in runs[("small", key)]])
        report.row(f"scale: {label}, p50 / p99 at {large.messages:,} messages", ms_pair(big50, big),
                   f"{small.messages:,} messages: {ms_pair(base50, base)}",
                   f"{fmt_ratio(big50, base50)} / {fmt_ratio(big, base)} (target p99 <= 1.2x)",
                   f"{request}: wrk -t{THREADS} -c{CONNS} -d{seconds}s")
        report.check(f"scale: {label} p99, large / small database", big / base, "<=", 1.2)
    big, base = med([pct(t, 99) for t in resume["large"]]), med([pct(t, 99) for t in resume["small"]])
    big50, base50 = med([pct(t, 50) for t in resume["large"]]), med([pct(t, 50) for t in resume["small"]])
    report.row(f"scale: stream resume from the oldest event, p50 / p99 at {large.messages:,} messages",
               ms_pair(big50, big), f"{small.messages:,} messages: {ms_pair(base50, base)}",
               f"{fmt_ratio(big50, base50)} / {fmt_ratio(big, base)} (target p99 <= 1.2x)",
               f"customer stream, Last-Event-ID {large.oldest_event}: connect -> newest of its "
               f"{large.messages // large.conversations} events parsed; {resumes} in turn")
    report.check("scale: stream resume p99, large / small database", big / base, "<=", 1.2)
