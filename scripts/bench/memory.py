"""Part 3, memory: notifier RSS with 0 (baseline), 1,000 and 10,000 idle SSE streams;
one message fanned out to all of them; the same number opened again after closing all
(is the memory of closed streams reused?); and the ceiling: nchan's nginx with as many
idle streams on one channel (ours: agent streams, which all get every event), then one
publish to all of nchan's subscribers, three times, timed like ours (from the publish's
answer to the last subscriber having parsed it), beside ours' time to its last stream."""

from __future__ import annotations

import asyncio

from .client import Poster
from .common import add_count, fmt_ratio, med, ms, perf, say
from .machine import fd_count, open_files_limit
from .nchan import OPEN_MARKER, Nchan, NchanPublisher
from .report import Report
from .servers import running_server
from .sse import SSEStream, Tally, Waiter, events_request, open_streams, run_closing_streams
from .stack import Bench, Stack, running_stack


def run(bench: Bench) -> None:
    with running_stack(bench, "memory") as stack:
        run_closing_streams(measure(bench, stack))
    with running_server(Nchan(bench)) as server:
        run_closing_streams(nchan_idle(bench, server, 2000 if bench.quick else 10000))


async def nchan_idle(bench: Bench, server: Nchan, n: int) -> None:
    """nginx + nchan's RSS with no stream and with n idle streams on one channel; beside ours
    (nginx + notifier, measured by measure() just before) in the table."""
    report = bench.report
    await asyncio.sleep(1)
    base = server.nginx_rss() or 0
    tally = Tally()
    streams, failures = await open_streams(
        server.port, [server.stream_request("agents")] * n, tally, track=True, batch=500, timeout=60,
        open_marker=OPEN_MARKER, progress=lambda ok, tried, total: say(f"memory: nchan {ok}/{total} streams open")
        if tried % 5000 == 0 or tried == total else None)
    if failures:
        report.notes.append(f"memory: nchan: {sum(failures.values())} of {n} streams failed to open: {failures}")
    await asyncio.sleep(2)
    readings = []
    for _ in range(3):
        readings.append(server.nginx_rss() or 0)
        await asyncio.sleep(0.5)
    alive = sum(1 for s in streams if s.closed_at is None)
    last = await nchan_fan_out(report, server, tally, alive)
    for s in streams:
        s.close()
    now = med(readings)
    say(f"memory: nchan: {alive} idle streams: nginx {now} KiB (no stream {base} KiB)")
    report.details.append(f"memory: nchan nginx RSS (master + workers) with no stream {base} KiB, with {alive} idle "
                          f"streams {readings} KiB")
    ours = bench.results.get("memory_per_stream")
    theirs = (now - base) / max(1, alive)
    report.row(f"memory per idle stream at {alive:,}, nginx + notifier", f"{ours:.1f} KiB" if ours else "n/a",
               f"nchan (nginx + module) {theirs:.1f} KiB",
               f"{fmt_ratio(ours, theirs)} (target <= 1.5x, moonshot <= 1x)" if ours else "-",
               f"(RSS at {alive:,} - RSS at 0) / n; nchan: {alive:,} subscribers on one channel")
    report.check(f"memory per idle stream at {alive:,} / nchan's", ours / theirs if ours and theirs else float("nan"),
                 "<=", 1.5)
    last_row(bench, alive, last)


async def nchan_fan_out(report: Report, server: Nchan, tally: Tally, alive: int) -> list[tuple[float, float]]:
    """Three publishes to every idle subscriber (as ours: 0.2 s apart): seconds from the
    publish being sent to the last subscriber having parsed it. (Not from its answer, as
    ours is also shown: nchan answers a publish once it has written the message to the
    subscribers of the worker that took it, often after the last of them parsed it.) With
    each, the seconds the bench client spent parsing meanwhile."""
    publisher = NchanPublisher(server.port)
    out: list[tuple[float, float]] = []
    loop = asyncio.get_running_loop()
    try:
        for i in range(3):
            cmid = f"nchanmem{i}-{perf():.6f}".encode()
            waiter = tally.waiters[cmid] = Waiter(alive, loop.create_future())
            busy0 = tally.client_seconds
            t_send, status = await publisher.publish("agents", cmid)
            try:
                await asyncio.wait_for(asyncio.shield(waiter.future), 10)
                out.append((waiter.last_arrival - t_send, tally.client_seconds - busy0))
            except asyncio.TimeoutError:
                report.notes.append(f"memory: nchan publish {i + 1}: {waiter.remaining} of {alive} subscribers had "
                                    f"not received it after 10 s (publish status {status})")
            finally:
                tally.waiters.pop(cmid, None)
            await asyncio.sleep(0.2)
    finally:
        publisher.close()
    say(f"memory: nchan: one publish to all {alive} subscribers, time to last: {[ms(x) for x, _ in out]} "
        f"(bench client parsing: {[ms(y) for _, y in out]})")
    return out


def last_row(bench: Bench, nchan_streams: int, nchan_last: list[tuple[float, float]]) -> None:
    """Ours' time for one message to reach the last of its streams beside nchan's."""
    report = bench.report
    ours = bench.results.get("fanout_last")
    streams = int(bench.results.get("fanout_streams", 0))
    theirs = med([x for x, _ in nchan_last])
    if ours is None:
        return
    report.details.append(f"one message to the last of the streams: the bench client spent "
                          f"{ms(bench.results['fanout_client'])} parsing it (ours, {streams} streams), "
                          f"{ms(med([y for _, y in nchan_last]))} (nchan, {nchan_streams}); each time to last is at "
                          f"least that (one client process, 2 cores)")
    report.row(f"one message to all {streams:,} streams, time to last", f"{ms(ours)} (median of 3)",
               f"nchan, {nchan_streams:,} subscribers: {ms(theirs)} (median of {len(nchan_last)})",
               f"{fmt_ratio(ours, theirs)} (target <= 1x)",
               f"POST sent -> last stream parsed it (from the POST's answer: {ms(bench.results['fanout_last_ret'])}, "
               f"the figure of runs before issue 26); nchan: the publish sent -> last subscriber; the bench client "
               f"parsed for {ms(bench.results['fanout_client'])} / {ms(med([y for _, y in nchan_last]))} of it")
    report.check(f"one message to the last of {streams:,} streams / nchan's", ours / theirs if theirs else float("nan"),
                 "<=", 1)


def rss(stack: Stack) -> dict[str, int | None]:
    return {"notifier": stack.notifier_rss(), "nginx": stack.nginx_rss(), "worker": stack.worker_rss()}


async def measure(bench: Bench, stack: Stack) -> None:
    report = bench.report
    token = stack.login_agent()
    cid, sid = stack.escalated_chat()
    await asyncio.sleep(1)
    base = rss(stack)
    say(f"memory: no streams: notifier {base['notifier']} KiB, nginx {base['nginx']} KiB, worker {base['worker']} KiB")
    tally = Tally()
    streams: list[SSEStream] = []
    request = events_request(stack.port, token=token)
    measured = await open_steps(report, stack, tally, streams, request, [200, 2000] if bench.quick else [1000, 10000])
    # Do the streams still carry events? One message fanned out to all of them.
    poster = Poster(stack.port, tally, streams, cid, sid)
    fanout = await fan_out(report, poster)
    poster.close()
    open_before_close = sum(1 for s in streams if s.closed_at is None)
    for s in streams:
        s.close()
    await asyncio.sleep(3)
    after = {"notifier": stack.notifier_rss(), "nginx": stack.nginx_rss()}
    say(f"memory: all streams closed: notifier {after['notifier']} KiB, nginx {after['nginx']} KiB")
    reopened = await reopen(stack, tally, request, max(measured))
    rows(report, base, measured)
    top = measured[max(measured)]
    if top["notifier"] and top["nginx"]:  # the figure beside nchan's
        grown = (top["notifier"] - (base["notifier"] or 0)) + (top["nginx"] - (base["nginx"] or 0))
        bench.results["memory_per_stream"] = grown / max(1, top["open"])
    if fanout:  # its row comes with nchan's figure (nchan_idle)
        bench.results["fanout_last"] = med([sent for sent, _, _ in fanout])
        bench.results["fanout_last_ret"] = med([ret for _, ret, _ in fanout])
        bench.results["fanout_client"] = med([busy for _, _, busy in fanout])
        bench.results["fanout_streams"] = open_before_close
    leak_row(report, measured, reopened)
    report.details.append(f"memory: after closing every stream: notifier {after['notifier']} KiB, nginx "
                          f"{after['nginx']} KiB (baseline {base['notifier']} / {base['nginx']} KiB); worker RSS "
                          f"{base['worker']} -> {[v['worker'] for v in measured.values()]} KiB")
    report.parts_run.append("memory")


async def open_steps(report: Report, stack: Stack, tally: Tally, streams: list[SSEStream], request: bytes,
                     steps: list[int]) -> dict[int, dict]:
    """Opens streams up to each step in turn and measures after each; stops at a step it cannot reach."""
    measured: dict[int, dict] = {}
    all_failures: dict[str, int] = {}
    for target in steps:
        _, failures = await open_streams(
            stack.port, [request] * (target - len(streams)), tally, track=True, batch=500, timeout=60, streams=streams,
            progress=lambda ok, tried, total: say(f"memory: {len(streams)}/{target} streams open "
                                                  f"(notifier RSS {(stack.notifier_rss() or 0) / 1024:.1f} MiB)"))
        for k, v in failures.items():
            add_count(all_failures, k, v)
        if len(streams) < target:
            report.notes.append(f"memory: only {len(streams)} of {target} streams opened: {failures}")
        await asyncio.sleep(2)  # let allocations settle
        alive = sum(1 for s in streams if s.closed_at is None)
        measured[target] = {"open": alive, **rss(stack)}
        report.details.append(
            f"memory at {alive} streams: open fds notifier {fd_count(stack.pid('notifier'))} (limit "
            f"{open_files_limit(stack.pid('notifier'))}), nginx workers "
            + ", ".join(f"{fd_count(p)} (limit {open_files_limit(p)})" for p in stack.nginx_pids()[1:]))
        say(f"memory: {alive} streams open: notifier {measured[target]['notifier']} KiB, "
            f"nginx {measured[target]['nginx']} KiB, worker {measured[target]['worker']} KiB")
        if len(streams) < target:
            break
    if all_failures:
        report.notes.append(f"memory: failed stream opens: {all_failures}")
    return measured


async def fan_out(report: Report, poster: Poster) -> list[tuple[float, float, float]]:
    """Three messages, each to every open stream: seconds from the POST being sent, and from
    its response, to the last stream having parsed it; and the seconds the bench client spent
    parsing meanwhile (with 2 cores it bounds this figure: every stream's event is parsed in
    this one process)."""
    fanout: list[tuple[float, float, float]] = []
    for i in range(3):
        busy0 = poster.tally.client_seconds
        sent = await poster.send(f"mem{i}")
        if await poster.settle(sent, 10):
            fanout.append((sent.waiter.last_arrival - sent.t_send, sent.waiter.last_arrival - sent.t_ret,
                           poster.tally.client_seconds - busy0))
        else:
            report.notes.append(f"memory: fan-out message {i + 1}: {sent.waiter.remaining} of {sent.expected} streams "
                                f"had not received it after 10 s (POST status {sent.status})")
        await asyncio.sleep(0.2)
    return fanout


async def reopen(stack: Stack, tally: Tally, request: bytes, count: int) -> dict[str, int | None]:
    """Is what stays resident after closing every stream reused (allocator) or lost (a leak)?
    Opens as many streams again and measures."""
    again: list[SSEStream] = []
    await open_streams(
        stack.port, [request] * count, tally, track=False, batch=500, timeout=60, streams=again,
        progress=lambda ok, tried, total: say(f"memory: again {ok}/{total} streams open")
        if tried % 5000 == 0 or tried == total else None)
    await asyncio.sleep(2)
    reopened = {"open": sum(1 for s in again if s.closed_at is None), "notifier": stack.notifier_rss()}
    say(f"memory: {reopened['open']} streams open again: notifier {reopened['notifier']} KiB")
    for s in again:
        s.close()
    await asyncio.sleep(1)
    return reopened


def rows(report: Report, base: dict, measured: dict[int, dict]) -> None:
    b = base["notifier"] or 0
    for target, values in measured.items():
        rss_now = values["notifier"] or 0
        per = (rss_now - b) / max(1, values["open"])
        report.row(f"notifier RSS, {values['open']:,} idle streams", f"{rss_now / 1024:.1f} MiB",
                   f"0 streams {b / 1024:.1f} MiB", fmt_ratio(rss_now, b),
                   f"VmRSS of notifier.pid; {target} agent streams via nginx")
        report.row(f"notifier KiB per stream at {values['open']:,}", f"{per:.1f} KiB", "-", "-", "(RSS - RSS at 0) / n")
        report.row(f"nginx RSS (master + workers), {values['open']:,} streams", f"{(values['nginx'] or 0) / 1024:.1f} MiB",
                   f"0 streams {(base['nginx'] or 0) / 1024:.1f} MiB", fmt_ratio(values["nginx"] or 0, base["nginx"] or 1),
                   "sum of VmRSS")


def leak_row(report: Report, measured: dict[int, dict], reopened: dict) -> None:
    top = max(measured)
    peak = measured[top]["notifier"] or 0
    again = reopened["notifier"] or 0
    report.row(f"notifier RSS, {reopened['open']:,} streams again after closing all", f"{again / 1024:.1f} MiB",
               f"first {measured[top]['open']:,}: {peak / 1024:.1f} MiB", fmt_ratio(again, peak),
               "leak check: closed streams' memory is reused")
    if again and peak and again > peak * 1.2 and reopened["open"] >= measured[top]["open"] * 0.95:
        report.notes.append(f"memory: the notifier grew from {peak} to {again} KiB when the same number "
                            f"of streams was opened again after closing all: memory of closed streams is not reused")
