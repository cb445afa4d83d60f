"""Switchboard benchmarks (`make bench`). Every figure sits beside a baseline measured
in the same run on the same stack, because these machines are shared and noisy:
compare ratios, medians and p99s, not absolute numbers across runs.

  1. messages  POST /api/v1/customer/conversations/{id}/messages through nginx (wrk),
               bot answering and escalated; baselines GET /api/v1/health and a static
               file through the same nginx, and the data dir's fsync latency.
  2. latency   POST returns -> message.created parsed by SSE subscribers, with 1,000
               streams open; baseline: the POST's own round trip.
  3. memory    notifier RSS with 0 (baseline), 1,000 and 10,000 idle SSE streams.

Each part starts its own stack (scripts/stack.sh: worker + notifier + nginx, release
binaries, temporary data dir, free ports, rate limits off, manual routing) and stops
it at the end, also on Ctrl-C. Prints a table; a full run (no --quick, no --only)
also rewrites BENCHMARKS.md.

  scripts/bench.py                      # everything (~4-5 minutes)
  scripts/bench.py --quick              # fewer repeats, streams and messages
  scripts/bench.py --only latency       # one part (messages, latency, memory; comma list)
  scripts/bench.py --output /tmp/b.md   # write the report elsewhere than BENCHMARKS.md

The package: cli (options, the run), stack (the stack a part measures: running_stack()),
one module per part (messages with wrk, latency, memory), sse and client (the asyncio
streams and POSTs), machine (/proc, disk, versions), report (the table, BENCHMARKS.md).
"""
