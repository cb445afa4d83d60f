"""Part 4, fanout: our streams beside nchan's on identical workloads, both timed by the
same asyncio client (sse.py) in one process, open-loop senders on keep-alive
connections:

  (a) 1,000 streams, each on its own conversation (ours: customer streams of 1,000
      escalated conversations; nchan: 1,000 channels), 200 messages/s spread over them
      round-robin: each message reaches one stream.
  (b) 1,000 streams on one topic (ours: agent streams, which get every event; nchan: one
      channel), 20 messages/s: each message reaches every stream.

End to end: from the POST (ours: a customer message, committed to SQLite, then the
notifier; nchan: a publish) being written to the event parsed by a stream; every
(message, stream) delivery is a sample."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from .client import HTTPClient
from .common import AGENT_TEXT, add_count, fmt_ratio, med, ms_pair, pct, perf, say
from .machine import cpu_diff
from .nchan import OPEN_MARKER, Nchan, NchanPublisher
from .report import Report
from .servers import running_server
from .sse import SSEStream, Tally, Waiter, events_request, open_streams, run_closing_streams
from .stack import Bench, Stack, running_stack

RATES = {"a": 200, "b": 20}  # messages per second
SENDERS = 16  # keep-alive connections the open-loop sender spreads its POSTs over
TOPIC_CONVERSATIONS = 20  # (b), ours: the escalated conversations the messages go to


@dataclass
class Sizes:
    streams: int
    seconds: float
    rounds: int


@dataclass
class RoundResult:
    samples: list[float] = field(default_factory=list)
    missing: int = 0
    non2xx: dict = field(default_factory=dict)
    late: float = 0.0  # the largest delay of a send behind its schedule
    cpu: dict = field(default_factory=dict)
    seconds: float = 0.0


Send = Callable[[object, int, bytes], Awaitable[tuple[float, int]]]


def run(bench: Bench) -> None:
    sizes = Sizes(200, 2, 1) if bench.quick else Sizes(1000, 5, 3)
    results: dict[str, dict[str, list[RoundResult]]] = {"ours": {}, "nchan": {}}
    with running_stack(bench, "fanout") as stack:
        run_closing_streams(ours(bench, stack, sizes, results["ours"]))
    with running_server(Nchan(bench)) as server:
        run_closing_streams(theirs(bench, server, sizes, results["nchan"]))
    rows(bench.report, sizes, results)
    bench.report.parts_run.append("fanout")


async def drive(label: str, senders: list, send: Send, targets: int, expect: Callable[[int], list[SSEStream]],
                tally: Tally, rate: float, seconds: float, cpu_of: Callable[[], dict]) -> RoundResult:
    """Sends rate x seconds messages on schedule (message i to target i % targets), waits for
    them to arrive (at most 5 s after the last), and returns every delivery's latency."""
    pool: asyncio.Queue = asyncio.Queue()
    for s in senders:
        pool.put_nowait(s)
    result = RoundResult()
    sent: list[tuple[bytes, float, list[SSEStream]]] = []
    tasks = []

    async def one(i: int) -> None:
        cmid = f"{label}-{i}-{uuid.uuid4().hex[:8]}".encode()
        streams = [s for s in expect(i % targets) if s.closed_at is None]
        tally.waiters[cmid] = Waiter(len(streams), asyncio.get_running_loop().create_future())
        sender = await pool.get()
        try:
            t_send, status = await send(sender, i % targets, cmid)
        finally:
            pool.put_nowait(sender)
        if not 200 <= status < 300:
            add_count(result.non2xx, status)
        sent.append((cmid, t_send, streams))

    n = int(rate * seconds)
    cpu0 = cpu_of()
    t0 = perf()
    for i in range(n):
        delay = t0 + i / rate - perf()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            result.late = max(result.late, -delay)
        tasks.append(asyncio.ensure_future(one(i)))
    await asyncio.gather(*tasks)
    pending = [tally.waiters[c].future for c, _, _ in sent if not tally.waiters[c].future.done()]
    if pending:
        await asyncio.wait(pending, timeout=5)
    result.seconds = perf() - t0
    result.cpu = cpu_diff(cpu0, cpu_of())
    for cmid, t_send, streams in sent:
        tally.waiters.pop(cmid, None)
        for s in streams:
            t = s.arrivals.pop(cmid, None)
            if t is None:
                result.missing += 1
            else:
                result.samples.append(t - t_send)
    return result


async def rounds(bench: Bench, who: str, key: str, senders: list, send: Send, targets: int,
                 expect: Callable[[int], list[SSEStream]], tally: Tally, sizes: Sizes,
                 cpu_of: Callable[[], dict]) -> list[RoundResult]:
    rate = RATES[key]
    await drive(f"{who}{key}w", senders, send, targets, expect, tally, rate, 1, cpu_of)  # warm-up
    out = []
    for r in range(sizes.rounds):
        res = await drive(f"{who}{key}{r}", senders, send, targets, expect, tally, rate, sizes.seconds, cpu_of)
        out.append(res)
        say(f"fanout: {who} ({key}) round {r + 1}/{sizes.rounds}: {len(res.samples)} deliveries, p50/p99 "
            f"{ms_pair(pct(res.samples, 50), pct(res.samples, 99))}, missing {res.missing}, sender late by at most "
            f"{res.late * 1000:.1f} ms" + (f", non-2xx {res.non2xx}" if res.non2xx else ""))
        at = {p: f"{pct(res.samples, p) * 1e3:.2f} ms" for p in (50, 90, 99)}
        bench.report.details.append(
            f"fanout {who} ({key}) round {r + 1}: {len(res.samples)} deliveries, e2e p50 {at[50]}, p90 {at[90]}, "
            f"p99 {at[99]}, max {max(res.samples, default=0) * 1e3:.2f} ms; missing {res.missing}; non-2xx "
            f"{res.non2xx or 'none'}; sender late by at most {res.late * 1e3:.1f} ms; {cpu_text(res)}")
        if res.missing or res.non2xx:
            bench.report.notes.append(f"fanout {who} ({key}) round {r + 1}: {res.missing} deliveries missing, "
                                      f"non-2xx {res.non2xx or 'none'}")
    return out


def cpu_text(res: RoundResult) -> str:
    c, s = res.cpu, max(res.seconds, 1e-9)
    return (f"cores: worker {c['worker'] / s:.2f}, notifier {c['notifier'] / s:.2f}, nginx {c['nginx'] / s:.2f}, "
            f"bench client {c['self'] / s:.2f}; machine busy {c['busy'] * 100:.0f}%")


async def open_or_fail(bench: Bench, who: str, port: int, requests: list[bytes], tally: Tally,
                       marker: bytes = b": connected") -> list[SSEStream]:
    streams, failures = await open_streams(port, requests, tally, track=True, batch=500, timeout=60,
                                           open_marker=marker)
    say(f"fanout: {who}: {len(streams)}/{len(requests)} streams open")
    if failures:
        bench.report.notes.append(f"fanout {who}: {sum(failures.values())} streams failed to open: {failures}")
    if len(streams) < len(requests):
        raise RuntimeError(f"fanout {who}: only {len(streams)} of {len(requests)} streams opened: {failures}")
    return streams


async def ours(bench: Bench, stack: Stack, sizes: Sizes, out: dict) -> None:
    n = sizes.streams
    say(f"fanout: ours: starting and escalating {n} conversations")
    with ThreadPoolExecutor(8) as pool:
        convs = list(pool.map(lambda _: stack.escalated_chat(), range(n)))
    tally = Tally()
    senders = [HTTPClient(stack.port) for _ in range(SENDERS)]

    async def send(client: HTTPClient, target: int, cmid: bytes) -> tuple[float, int]:
        cid, sid = convs[target]
        t = perf()
        status, _ = await client.request("POST", f"/api/v1/customer/conversations/{cid}/messages",
                                         {"content": AGENT_TEXT, "client_message_id": cmid.decode()},
                                         {"X-Customer-Session-Id": sid})
        return t, status

    streams = await open_or_fail(bench, "ours (a)", stack.port, [events_request(stack.port, conversation_id=c,
                                 session=s) for c, s in convs], tally)
    out["a"] = await rounds(bench, "ours", "a", senders, send, n, lambda i: [streams[i]], tally, sizes,
                            stack.cpu_snapshot)
    for s in streams:
        s.close()
    token = stack.login_agent()
    streams = await open_or_fail(bench, "ours (b)", stack.port, [events_request(stack.port, token=token)] * n, tally)
    out["b"] = await rounds(bench, "ours", "b", senders, send, TOPIC_CONVERSATIONS, lambda i: streams, tally, sizes,
                            stack.cpu_snapshot)
    for s in streams:
        s.close()
    for c in senders:
        c.close()


async def theirs(bench: Bench, server: Nchan, sizes: Sizes, out: dict) -> None:
    n = sizes.streams
    tally = Tally()
    senders = [NchanPublisher(server.port) for _ in range(SENDERS)]

    async def send(publisher: NchanPublisher, target: int, cmid: bytes) -> tuple[float, int]:
        return await publisher.publish(f"c{target}", cmid)

    async def send_topic(publisher: NchanPublisher, target: int, cmid: bytes) -> tuple[float, int]:
        return await publisher.publish("agents", cmid)

    streams = await open_or_fail(bench, "nchan (a)", server.port, [server.stream_request(f"c{i}") for i in range(n)],
                                 tally, OPEN_MARKER)
    out["a"] = await rounds(bench, "nchan", "a", senders, send, n, lambda i: [streams[i]], tally, sizes,
                            server.cpu_snapshot)
    for s in streams:
        s.close()
    streams = await open_or_fail(bench, "nchan (b)", server.port, [server.stream_request("agents")] * n, tally,
                                 OPEN_MARKER)
    out["b"] = await rounds(bench, "nchan", "b", senders, send_topic, 1, lambda i: streams, tally, sizes,
                            server.cpu_snapshot)
    for s in streams:
        s.close()
    for p in senders:
        p.close()


def rows(report: Report, sizes: Sizes, results: dict) -> None:
    def m(who: str, key: str, p: float) -> float:
        return med([pct(r.samples, p) for r in results[who].get(key, [])])

    def cores(who: str, key: str) -> float:
        return med([(r.cpu["worker"] + r.cpu["notifier"] + r.cpu["nginx"]) / r.seconds for r in results[who][key]])

    n = sizes.streams
    labels = {"a": f"(a) {n:,} streams, 1 per conversation, {RATES['a']} msg/s",
              "b": f"(b) {n:,} streams on one topic, {RATES['b']} msg/s"}
    commands = {"a": f"{n} customer streams / nchan channels; POST round-robin, {sizes.rounds}x{sizes.seconds:g} s",
                "b": f"{n} agent streams / 1 nchan channel; every stream gets every message, "
                     f"{sizes.rounds}x{sizes.seconds:g} s"}
    for key in ("a", "b"):
        if key not in results["ours"] or key not in results["nchan"]:
            continue
        o50, o99, c50, c99 = m("ours", key, 50), m("ours", key, 99), m("nchan", key, 50), m("nchan", key, 99)
        report.row(f"fan-out {labels[key]}: e2e p50 / p99", ms_pair(o50, o99), f"nchan {ms_pair(c50, c99)}",
                   f"{fmt_ratio(o50, c50)} / {fmt_ratio(o99, c99)} (target p99 <= 1.5x)", commands[key])
        report.check(f"fan-out {labels[key]}: e2e p99 / nchan's", o99 / c99 if c99 else float("nan"), "<=", 1.5)
        report.row(f"fan-out {labels[key]}: server CPU", f"{cores('ours', key):.2f} cores (worker + notifier + nginx)",
                   f"nchan {cores('nchan', key):.2f} cores (nginx)",
                   fmt_ratio(cores("ours", key), cores("nchan", key)), "/proc/<pid>/stat over each round")
