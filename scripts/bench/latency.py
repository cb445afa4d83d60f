"""Part 2, latency: POST returns -> message.created parsed by SSE subscribers, with
1,000 streams open; baseline: the POST's own round trip."""

from __future__ import annotations

import asyncio

from .client import Poster
from .common import med, ms, ms_pair, pct, perf, ratio_pair, say
from .machine import cpu_diff
from .report import Report
from .sse import SSEStream, Tally, events_request, open_streams, run_closing_streams
from .stack import Bench, Stack, running_stack

SPACING = 0.020  # seconds between a message reaching every stream and the next POST
ROUND_BUDGET = 120  # seconds
# Per message: the POST's round trip, then from its response being read to the event parsed by the
# designated agent stream, the customer's stream, the first and the last stream; and from the POST sent
# to the last stream.
SAMPLES = ("rtt", "des", "cust", "first", "last", "lastsend")


def run(bench: Bench) -> None:
    with running_stack(bench, "latency") as stack:
        run_closing_streams(measure(bench, stack))


async def measure(bench: Bench, stack: Stack) -> None:
    report = bench.report
    n_subs = 200 if bench.quick else 1000
    n_msgs = 50 if bench.quick else 200
    rounds = 1 if bench.quick else 3
    tally = Tally()
    cid, sid = stack.escalated_chat()
    streams = await open_all(report, stack, tally, n_subs, cid, sid)
    poster = Poster(stack.port, tally, streams, cid, sid)
    say("latency: warm-up (10 messages, not counted)")
    for i in range(10):
        await poster.settle(await poster.send(f"warm{i}"), 3)
        await asyncio.sleep(SPACING)
    per_round: list[dict[str, float]] = []
    pooled: dict[str, list[float]] = {k: [] for k in SAMPLES}
    incomplete = 0
    for r in range(rounds):
        tally.client_seconds, tally.deliveries = 0.0, 0
        cpu0 = stack.cpu_snapshot()
        samples, missed = await one_round(report, poster, streams, r, n_msgs)
        stats = round_stats(samples, cpu_diff(cpu0, stack.cpu_snapshot()), tally)
        per_round.append(stats)
        incomplete += missed
        for k in SAMPLES:
            pooled[k] += samples[k]
        record_round(report, r, rounds, stats, len(streams))
    end_notes(report, streams, tally, poster.non2xx, incomplete)
    for s in streams:
        s.close()
    poster.close()
    rows(report, per_round, len(streams), f"{rounds}x{n_msgs}")
    report.details.append(
        f"latency pooled over all rounds: POST RTT p50 {ms(pct(pooled['rtt'], 50))} p99 {ms(pct(pooled['rtt'], 99))}; "
        f"designated p50 {ms(pct(pooled['des'], 50))} p99 {ms(pct(pooled['des'], 99))}; last p50 "
        f"{ms(pct(pooled['last'], 50))} p99 {ms(pct(pooled['last'], 99))}")
    report.parts_run.append("latency")


async def open_all(report: Report, stack: Stack, tally: Tally, n_subs: int, cid: str, sid: str) -> list[SSEStream]:
    """1 customer stream on the conversation (streams[0]) and n_subs - 1 agent streams with one token."""
    token = stack.login_agent()
    requests = [events_request(stack.port, conversation_id=cid, session=sid)]
    requests += [events_request(stack.port, token=token)] * (n_subs - 1)
    say(f"latency: opening {n_subs} SSE streams (1 customer stream + {n_subs - 1} agent streams), 500 at a time")
    streams, failures = await open_streams(
        stack.port, requests, tally, track=True, batch=500, timeout=60,
        progress=lambda ok, tried, total: say(f"latency: {ok}/{total} streams open ({tried - ok} failed)"))
    if failures:
        report.notes.append(f"latency: {sum(failures.values())} of {n_subs} streams failed to open: {failures}")
    if len(streams) < n_subs // 2:
        raise RuntimeError(f"only {len(streams)} of {n_subs} streams opened: {failures}")
    return streams


async def one_round(report: Report, poster: Poster, streams: list[SSEStream], r: int,
                    n_msgs: int) -> tuple[dict[str, list[float]], int]:
    """n_msgs POSTs, each once the previous one reached every stream; the samples and how many
    messages did not reach every open stream within 3 s."""
    customer, designated = streams[0], streams[1]
    samples: dict[str, list[float]] = {k: [] for k in SAMPLES}
    deadline = perf() + ROUND_BUDGET
    incomplete = misses = 0
    for i in range(n_msgs):
        if perf() > deadline:
            report.notes.append(f"latency round {r + 1}: stopped after {i} messages ({ROUND_BUDGET} s budget)")
            break
        sent = await poster.send(f"r{r}m{i}")
        complete = await poster.settle(sent, 3)
        samples["rtt"].append(sent.t_ret - sent.t_send)
        if sent.cmid in designated.arrivals:
            samples["des"].append(designated.arrivals[sent.cmid] - sent.t_ret)
        if sent.cmid in customer.arrivals:
            samples["cust"].append(customer.arrivals[sent.cmid] - sent.t_ret)
        if complete:
            samples["first"].append(sent.waiter.first_arrival - sent.t_ret)
            samples["last"].append(sent.waiter.last_arrival - sent.t_ret)
            samples["lastsend"].append(sent.waiter.last_arrival - sent.t_send)
            misses = 0
        else:
            incomplete += 1
            misses += 1
            if misses >= 3:
                report.notes.append(f"latency round {r + 1}: 3 messages in a row did not reach every stream; "
                                    f"stopped the round after {i + 1} messages")
                break
        await asyncio.sleep(SPACING)
    return samples, incomplete


def round_stats(samples: dict[str, list[float]], cpu: dict[str, float], tally: Tally) -> dict[str, float]:
    deliveries = max(1, tally.deliveries)
    stats = {f"{k}_p{p}": pct(samples[k], p) for k in SAMPLES for p in (50, 99)}
    stats.update(
        neg=sum(1 for x in samples["des"] if x < 0) / max(1, len(samples["des"])),
        client_us=tally.client_seconds / deliveries * 1e6,
        notifier_us=cpu["notifier"] / deliveries * 1e6,
        nginx_us=cpu["nginx"] / deliveries * 1e6,
        self_us=cpu["self"] / deliveries * 1e6,
        busy=cpu["busy"],
        n=len(samples["rtt"]),
    )
    return stats


def record_round(report: Report, r: int, rounds: int, s: dict[str, float], n: int) -> None:
    def p(key: str) -> str:
        return f"p50 {ms(s[key + '_p50'])} p99 {ms(s[key + '_p99'])}"

    say(f"latency: round {r + 1}/{rounds}: {s['n']} messages; POST RTT {p('rtt')}; designated {p('des')}; "
        f"last of {n} {p('last')}; CPU per delivery: notifier {s['notifier_us']:.1f} us, nginx "
        f"{s['nginx_us']:.1f} us, bench client {s['self_us']:.1f} us")
    report.details.append(
        f"latency round {r + 1}: {s['n']} messages, POST RTT {p('rtt')}, designated agent stream {p('des')} "
        f"({s['neg'] * 100:.0f}% arrived before the POST's response was read), customer stream {p('cust')}, "
        f"first of {n} {p('first')}, last {p('last')} (from the POST sent: {p('lastsend')}); CPU per delivered "
        f"event: notifier {s['notifier_us']:.1f} us, nginx {s['nginx_us']:.1f} us, bench client "
        f"{s['self_us']:.1f} us (of which parsing {s['client_us']:.1f} us); machine CPU busy {s['busy'] * 100:.0f}%")


def end_notes(report: Report, streams: list[SSEStream], tally: Tally, non2xx: dict[int, int], incomplete: int) -> None:
    closed = sum(1 for s in streams if s.closed_at is not None)
    if closed:
        report.notes.append(f"latency: {closed} of {len(streams)} streams were closed by the server during the run")
    if incomplete:
        report.notes.append(f"latency: {incomplete} messages did not reach every open stream within 3 s")
    if non2xx:
        report.notes.append(f"latency: non-2xx POST answers {non2xx}")
    if tally.duplicates or tally.out_of_order:
        report.notes.append(f"latency: {tally.duplicates} duplicate deliveries, {tally.out_of_order} event ids out "
                            f"of order")


def rows(report: Report, per_round: list[dict[str, float]], n: int, posts: str) -> None:
    def m(key: str) -> float:
        return med([x[key] for x in per_round])

    def lat(k: str) -> str:
        return ms_pair(m(f"{k}_p50"), m(f"{k}_p99"))

    report.row("POST round trip (baseline), p50 / p99", lat("rtt"), "-", "-",
               f"bench.py --only latency: {n} streams, {posts} POSTs ~20 ms apart")
    for k, label in (("des", "delivery to designated agent stream"), ("cust", "delivery to the customer's stream"),
                     ("first", f"delivery to the first of {n} streams"), ("last", f"delivery to the last of {n} streams"),
                     ("lastsend", f"POST sent -> last of {n} streams")):
        report.row(f"{label}, p50 / p99", lat(k), f"POST RTT {lat('rtt')}",
                   ratio_pair(m(f"{k}_p50"), m(f"{k}_p99"), m("rtt_p50"), m("rtt_p99")), "same run")
    report.row("CPU per delivered event (notifier / nginx / bench client)",
               f"{m('notifier_us'):.1f} / {m('nginx_us'):.1f} / {m('self_us'):.1f} us",
               f"x {n} streams = {m('notifier_us') * n / 1000:.1f} / {m('nginx_us') * n / 1000:.1f} / "
               f"{m('self_us') * n / 1000:.1f} ms per message", "-", "/proc/<pid>/stat utime+stime over each round")
