"""Switchboard benchmarks (`make bench`). Every figure sits beside its ceiling or baseline
measured in the same run (medians of 3), because these machines are shared and noisy:
compare ratios, not absolute numbers across runs.

  1. messages  wrk -c64 through nginx: POST .../messages (escalated; bot answering) and the
               cheap reads (health, quick-questions, agent/me) beside a C libfcgi responder
               behind the same nginx config, beside nginx's own `return 204`; the durable
               POSTs beside raw SQLite inserts (same pragmas, same disk), fsync latency and
               the disk's cache flushes per POST (group commit).
  2. latency   POST returns -> message.created parsed by SSE subscribers, with 1,000
               streams open; baseline: the POST's own round trip.
  3. memory    notifier + nginx RSS with 0, 1,000 and 10,000 idle SSE streams, beside nchan's
               nginx with 10,000 idle subscribers; one message to the last of the 10,000
               beside one publish to nchan's last subscriber.
  4. fanout    end-to-end delivery, ours beside durable nchan (each message committed to
               SQLite, synchronous=FULL, then published: durable.py) and bare nchan:
               (a) 1,000 streams, one per conversation, 200 msg/s; (b) 1,000 streams on one
               topic, 20 msg/s; stream connect latency (customer and agent stream through
               nginx, nchan's subscribe): connect -> response head.
  5. scale     p99 of the messages page, the conversation list, the queue and a stream
               resume on 100,000 conversations / 1,000,000 messages (bulk SQL seed) beside
               the same on 1,000 messages.
  6. search    GET /agent/search at 1,000,000 messages (word, prefix, common word, phrase,
               no match) beside a LIKE '%…%' scan of the same file; the index's size.
  7. reports   GET /admin/reports/overview for 90 days over 100,000 conversations / 1,000,000
               messages (plain and in business hours) beside the same rows read by sqlite3;
               the CSV of those conversations: time, size, the worker's RSS while it streams.
  8. files     uploads of 1 MiB and 50 MiB (p50/p99, the worker's peak RSS) beside writing,
               hashing, copying and fsyncing the same bytes in Python; a 50 MiB download
               through its signed link beside the same file as a plain static file of a
               second nginx rendered from the same template (MiB/s).
  9. threads   not in the default run (`--only threads`, ~2 minutes): POST messages at 64
               connections with SWITCHBOARD_WORKER_THREADS = 8, 32, 128 (a stack each),
               req/s, p50/p99 and the group commit's mean batch, beside raw SQLite inserts
               64 per transaction.

Each part starts its own stack (scripts/stack.sh: worker + notifier + nginx, release
binaries, temporary data dir, free ports, rate limits off, manual routing) and its
ceilings' servers, and stops them at the end, also on Ctrl-C. Prints a table; a full run
(no --quick, no --only) also rewrites BENCHMARKS.md.

  scripts/bench.py                      # everything (~10 minutes)
  scripts/bench.py --quick              # fewer repeats, streams and messages
  scripts/bench.py --only fanout        # parts: messages, latency, memory, fanout, scale, search, reports, files,
                                        # threads (comma list; `all`: every part, threads too)
  scripts/bench.py --output /tmp/b.md   # write the report elsewhere than BENCHMARKS.md

The package: cli (options, the run), stack (the stack a part measures: running_stack()),
servers (the ceilings' nginx), edge (the C responder + `return 204`), nchan, durable (the
durable-nchan publisher), one module per part (messages with wrk and rawsqlite, latency,
memory, fanout, scale with seed, search, reports, files, threads),
sse and client (the asyncio streams and POSTs), machine (/proc, disk, versions), report
(the table, BENCHMARKS.md).
"""
