"""Part 4, fanout: our streams beside nchan's on identical workloads, all timed by the
same asyncio client (sse.py) in one process, open-loop senders on keep-alive
connections. Two nchan ceilings: the durable one (durable.py: each message inserted into
SQLite with the store's pragmas and committed before it is published to nchan, what a
message of ours must do before anyone may see it; the target's ceiling) and bare nchan
(the publish alone, in shared memory: the outer bound). Their rounds are interleaved on
the same subscribers.

  (a) 1,000 streams, each on its own conversation (ours: customer streams of 1,000
      escalated conversations; nchan: 1,000 channels), 200 messages/s spread over them
      round-robin: each message reaches one stream.
  (b) 1,000 streams on one topic (ours: agent streams, which get every event; nchan: one
      channel), 20 messages/s: each message reaches every stream.

End to end: from the POST (ours: a customer message, committed to SQLite, then the
notifier; durable nchan: the commit, then the publish; nchan: a publish) being written to
the event parsed by a stream; every (message, stream) delivery is a sample.

Before the streams open, the connect latency of a stream: from starting the TCP connect
to the response head (200, text/event-stream) and to the stream's first comment, 200
connects one after another (each closed before the next): our customer stream and agent
stream through nginx (whatever authorises them: nginx's auth_request to the worker, or
the notifier itself), nchan's subscribe."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from .client import HTTPClient
from .common import AGENT_TEXT, add_count, fmt_ratio, med, ms, ms_pair, pct, perf, ratio_pair, say
from .durable import DurablePublisher, running_publisher
from .machine import cpu_diff, proc_cpu
from .nchan import OPEN_MARKER, Nchan, NchanPublisher
from .report import Report
from .servers import running_server
from .sse import SSEStream, Tally, Waiter, connect_times, events_request, open_streams, run_closing_streams
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
    publisher: dict = field(default_factory=dict)  # durable nchan: what its publisher measured


@dataclass
class Variant:
    """One way of sending the same workload: ours, bare nchan, durable nchan."""

    who: str
    senders: list
    send: "Send"
    cpu_of: Callable[[], dict]
    publisher: DurablePublisher | None = None


WHO = ("ours", "durable", "nchan")
LABEL = {"ours": "ours", "durable": "durable nchan", "nchan": "nchan"}


Send = Callable[[object, int, bytes], Awaitable[tuple[float, int]]]


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


def run(bench: Bench) -> None:
    sizes = Sizes(200, 2, 1) if bench.quick else Sizes(1000, 5, 3)
    connects = 50 if bench.quick else 200
    results: dict[str, dict[str, list[RoundResult]]] = {w: {} for w in WHO}
    times: dict[str, tuple[list[float], list[float]]] = {}
    with running_stack(bench, "fanout") as stack:
        run_closing_streams(ours(bench, stack, sizes, results["ours"], connects, times))
    with running_server(Nchan(bench)) as server, \
            running_publisher(bench.tmp_root, server.port, bench.log_dir / "nchan") as publisher:
        run_closing_streams(theirs(bench, server, publisher, sizes, results, connects, times))
    rows(bench.report, sizes, results)
    connect_rows(bench.report, times, connects)
    bench.report.parts_run.append("fanout")


async def rounds(bench: Bench, key: str, variants: list[Variant], targets: int,
                 expect: Callable[[int], list[SSEStream]], tally: Tally, sizes: Sizes) -> dict[str, list[RoundResult]]:
    """A warm-up of each variant, then the rounds, the variants interleaved within each round
    (so drift hits them alike)."""
    rate = RATES[key]
    for v in variants:
        await drive(f"{v.who}{key}w", v.senders, v.send, targets, expect, tally, rate, 1, v.cpu_of)  # warm-up
    out: dict[str, list[RoundResult]] = {v.who: [] for v in variants}
    for r in range(sizes.rounds):
        for v in variants:
            if v.publisher is not None:
                await asyncio.to_thread(v.publisher.stats)  # (resets its counters)
            res = await drive(f"{v.who}{key}{r}", v.senders, v.send, targets, expect, tally, rate, sizes.seconds,
                              v.cpu_of)
            if v.publisher is not None:
                res.publisher = await asyncio.to_thread(v.publisher.stats)
            out[v.who].append(res)
            record_round(bench, v.who, key, r, sizes.rounds, res)
    return out


def record_round(bench: Bench, who: str, key: str, r: int, n: int, res: RoundResult) -> None:
    say(f"fanout: {LABEL[who]} ({key}) round {r + 1}/{n}: {len(res.samples)} deliveries, p50/p99 "
        f"{ms_pair(pct(res.samples, 50), pct(res.samples, 99))}, missing {res.missing}, sender late by at most "
        f"{res.late * 1000:.1f} ms" + (f", non-2xx {res.non2xx}" if res.non2xx else "")
        + (f"; {publisher_text(res.publisher)}" if res.publisher else ""))
    at = {p: f"{pct(res.samples, p) * 1e3:.2f} ms" for p in (50, 90, 99)}
    bench.report.details.append(
        f"fanout {LABEL[who]} ({key}) round {r + 1}: {len(res.samples)} deliveries, e2e p50 {at[50]}, p90 {at[90]}, "
        f"p99 {at[99]}, max {max(res.samples, default=0) * 1e3:.2f} ms; missing {res.missing}; non-2xx "
        f"{res.non2xx or 'none'}; sender late by at most {res.late * 1e3:.1f} ms; {cpu_text(res)}"
        + (f"; publisher: {publisher_text(res.publisher)}" if res.publisher else ""))
    if res.missing or res.non2xx:
        bench.report.notes.append(f"fanout {LABEL[who]} ({key}) round {r + 1}: {res.missing} deliveries missing, "
                                  f"non-2xx {res.non2xx or 'none'}")
    if res.publisher.get("failed"):
        bench.report.notes.append(f"fanout durable nchan ({key}) round {r + 1}: {res.publisher['failed']} "
                                  f"commits failed in the publisher")


def mean_batch(stats: dict) -> float:
    return stats["messages"] / stats["commits"] if stats.get("commits") else float("nan")


def publisher_text(stats: dict) -> str:
    """Where a durable message's time goes in the publisher, and its CPU per message."""
    n = max(1, stats["messages"])
    return (f"{stats['messages']} messages in {stats['commits']} commits (mean batch {mean_batch(stats):.2f}, "
            f"largest {max(stats['batches'], default=0)}); commit (BEGIN..COMMIT) p50 "
            f"{ms(pct(stats['commit_seconds'], 50))}; per message: wait for its commit p50 "
            f"{ms(pct(stats['wait_seconds'], 50))} p99 {ms(pct(stats['wait_seconds'], 99))}, nchan publish p50 "
            f"{ms(pct(stats['publish_seconds'], 50))}, request in -> answer p50 "
            f"{ms(pct(stats['handle_seconds'], 50))}; "
            f"CPU {stats['cpu_seconds'] / n * 1e6:.0f} us per message, of which SQLite (inserts + COMMIT) "
            f"{stats['sqlite_cpu'] / n * 1e6:.0f} us ({stats['cpu_seconds'] / max(stats['wall_seconds'], 1e-9):.2f} "
            f"cores)")


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


async def connect_latency(bench: Bench, who: str, port: int, request: bytes, count: int, marker: bytes,
                          times: dict) -> None:
    """Stream connect latency: 10 connects not counted, then `count` in turn."""
    await connect_times(port, request, 10, marker)
    heads, opens, failures = await connect_times(port, request, count, marker)
    times[who] = (heads, opens)
    say(f"fanout: connect {who}: {len(heads)}/{count}, head p50/p99 {ms_pair(pct(heads, 50), pct(heads, 99))}, "
        f"first comment p50/p99 {ms_pair(pct(opens, 50), pct(opens, 99))}")
    if failures:
        bench.report.notes.append(f"fanout: {sum(failures.values())} of {count} {who} stream connects failed: "
                                  f"{failures}")


async def ours(bench: Bench, stack: Stack, sizes: Sizes, out: dict, connects: int, times: dict) -> None:
    n = sizes.streams
    say(f"fanout: ours: starting and escalating {n} conversations")
    with ThreadPoolExecutor(8) as pool:
        convs = list(pool.map(lambda _: stack.escalated_chat(), range(n)))
    token = stack.login_agent()
    await connect_latency(bench, "customer", stack.port, events_request(stack.port, conversation_id=convs[0][0],
                          session=convs[0][1]), connects, b": connected", times)
    await connect_latency(bench, "agent", stack.port, events_request(stack.port, token=token), connects,
                          b": connected", times)
    tally = Tally()
    senders = [HTTPClient(stack.port) for _ in range(SENDERS)]

    async def send(client: HTTPClient, target: int, cmid: bytes) -> tuple[float, int]:
        cid, sid = convs[target]
        t = perf()
        status, _ = await client.request("POST", f"/api/v1/customer/conversations/{cid}/messages",
                                         {"content": AGENT_TEXT, "client_message_id": cmid.decode()},
                                         {"X-Customer-Session-Id": sid})
        return t, status

    variant = [Variant("ours", senders, send, stack.cpu_snapshot)]
    streams = await open_or_fail(bench, "ours (a)", stack.port, [events_request(stack.port, conversation_id=c,
                                 session=s) for c, s in convs], tally)
    out["a"] = (await rounds(bench, "a", variant, n, lambda i: [streams[i]], tally, sizes))["ours"]
    for s in streams:
        s.close()
    streams = await open_or_fail(bench, "ours (b)", stack.port, [events_request(stack.port, token=token)] * n, tally)
    out["b"] = (await rounds(bench, "b", variant, TOPIC_CONVERSATIONS, lambda i: streams, tally, sizes))["ours"]
    for s in streams:
        s.close()
    for c in senders:
        c.close()


async def theirs(bench: Bench, server: Nchan, publisher: DurablePublisher, sizes: Sizes, results: dict,
                 connects: int, times: dict) -> None:
    """nchan bare and durable (through the publisher) on the same subscribers, interleaved."""
    n = sizes.streams
    tally = Tally()
    # One subscriber stays on the channel meanwhile, as a conversation of ours exists before and after a
    # stream to it (and nchan logs an error when a channel's last subscriber leaves and another comes at once).
    keeper = await open_or_fail(bench, "nchan (connect)", server.port, [server.stream_request("connect")], tally,
                                OPEN_MARKER)
    await connect_latency(bench, "nchan", server.port, server.stream_request("connect"), connects, OPEN_MARKER,
                          times)
    keeper[0].close()
    bare = [NchanPublisher(server.port) for _ in range(SENDERS)]
    durable = [NchanPublisher(publisher.port) for _ in range(SENDERS)]

    def durable_cpu() -> dict:
        return {**server.cpu_snapshot(), "worker": proc_cpu(publisher.pid)}  # the publisher in the worker's place

    async def send(p: NchanPublisher, target: int, cmid: bytes) -> tuple[float, int]:
        return await p.publish(f"c{target}", cmid)

    async def send_topic(p: NchanPublisher, target: int, cmid: bytes) -> tuple[float, int]:
        return await p.publish("agents", cmid)

    for key, requests, targets, expect_of, sender in (
            ("a", [server.stream_request(f"c{i}") for i in range(n)], n, lambda st: lambda i: [st[i]], send),
            ("b", [server.stream_request("agents")] * n, 1, lambda st: lambda i: st, send_topic)):
        streams = await open_or_fail(bench, f"nchan ({key})", server.port, requests, tally, OPEN_MARKER)
        variants = [Variant("durable", durable, sender, durable_cpu, publisher),
                    Variant("nchan", bare, sender, server.cpu_snapshot)]
        got = await rounds(bench, key, variants, targets, expect_of(streams), tally, sizes)
        for who, res in got.items():
            results[who][key] = res
        for s in streams:
            s.close()
    for p in bare + durable:
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
        if not all(key in results[w] for w in WHO):
            continue
        o50, o99 = m("ours", key, 50), m("ours", key, 99)
        d50, d99 = m("durable", key, 50), m("durable", key, 99)
        c50, c99 = m("nchan", key, 50), m("nchan", key, 99)
        report.row(f"fan-out {labels[key]}: e2e p50 / p99", ms_pair(o50, o99),
                   f"durable nchan {ms_pair(d50, d99)}; bare nchan {ms_pair(c50, c99)}",
                   f"{ratio_pair(o50, o99, d50, d99)} of durable (target p99 <= 1.5x); p99 {fmt_ratio(o99, c99)} of "
                   f"bare", commands[key])
        report.check(f"fan-out {labels[key]}: e2e p99 / durable nchan's", o99 / d99 if d99 else float("nan"),
                     "<=", 1.5)
        stats = [r.publisher for r in results["durable"][key] if r.publisher]
        batch = med([mean_batch(x) for x in stats])
        cpu_us = med([x["cpu_seconds"] / max(1, x["messages"]) * 1e6 for x in stats])
        python_us = med([(x["cpu_seconds"] - x["sqlite_cpu"]) / max(1, x["messages"]) * 1e6 for x in stats])
        wait = med([pct(x["wait_seconds"], 50) for x in stats])
        report.row(f"fan-out {labels[key]}: durable nchan (commit, then publish), e2e p50 / p99", ms_pair(d50, d99),
                   f"bare nchan {ms_pair(c50, c99)}", ratio_pair(d50, d99, c50, c99),
                   f"{DurablePublisher.command}; mean batch {batch:.2f}; per message: commit wait p50 {ms(wait)}, "
                   f"publisher CPU {cpu_us:.0f} us, {python_us:.0f} us of it Python outside SQLite")
        report.row(f"fan-out {labels[key]}: server CPU", f"{cores('ours', key):.2f} cores (worker + notifier + nginx)",
                   f"durable nchan {cores('durable', key):.2f} cores (nginx + publisher); bare nchan "
                   f"{cores('nchan', key):.2f} (nginx)",
                   f"{fmt_ratio(cores('ours', key), cores('durable', key))} of durable",
                   "/proc/<pid>/stat over each round")


def connect_rows(report: Report, times: dict, count: int) -> None:
    if "nchan" not in times:
        return
    nh, no = times["nchan"]
    for who, label in (("customer", "customer stream (X-Customer-Session-Id)"),
                       ("agent", "agent stream (Bearer token)")):
        if who not in times:
            continue
        heads, opens = times[who]
        report.row(f"stream connect, {label}: connect -> 200 head, p50 / p99",
                   ms_pair(pct(heads, 50), pct(heads, 99)),
                   f"nchan subscribe {ms_pair(pct(nh, 50), pct(nh, 99))}",
                   ratio_pair(pct(heads, 50), pct(heads, 99), pct(nh, 50), pct(nh, 99)),
                   f"GET /api/v1/events through nginx, {count} in turn, each closed before the next; to ': connected' "
                   f"{ms_pair(pct(opens, 50), pct(opens, 99))} (nchan to ': hi' {ms_pair(pct(no, 50), pct(no, 99))})")
