"""Prometheus metrics (docs/API.md "Metrics (new)", issue 24) through nginx, read with the
independent `prometheus_client.parser`: `GET /metrics/worker` and `/metrics/notifier` are
Prometheus text 0.0.4 with the contract's names, types and labels; a scripted workload
(chats started, messages, escalations into the queue, an agent's claim, reply and close, a
404, 401s) shows up as exactly the counts it made; the queue and presence gauges agree with
what the REST API says at the same moment; open streams are counted while held and
uncounted once closed, events written to them (live and replayed) and a revoked stream's
end are counted; no label carries an id, a user's words or any other unbounded value.
Access: from loopback without `SWITCHBOARD_METRICS_TOKEN` anyone may read; with it set
only that bearer (401 `invalid_token` otherwise), for both endpoints. (A non-loopback
client's 403 cannot be made from the test host; the worker's own tests cover it.)

Two stacks of the module's own: `metrics` (the workload) and `metrics-token`. Waits are
for conditions, never fixed sleeps."""

from __future__ import annotations

import secrets
import time
import uuid
from datetime import datetime
import pytest

from daylib import A, C, Desk, held_chat, word
from metricslib import (CONTRACT, ENDPOINTS, ENUMS, NOTIFIER, NOTIFIER_ONLY, UUID, WEBHOOK_METRICS, WORKER, WORKER_ONLY,
                        Scrape, both, parse, scrape, wait_until, where)
from sselib import SSEStream, agent_stream, customer_stream
from stacklib import assert_error, ok

REQS = "switchboard_http_requests_total"
DURATION = "switchboard_http_request_duration_seconds"
CUSTOMER_MESSAGES = "/api/v1/customer/conversations/:id/messages"
AGENT_MESSAGES = "/api/v1/agent/conversations/:id/messages"


@pytest.fixture(scope="module")
def stack(stack_factory):
    return stack_factory("metrics")


@pytest.fixture(scope="module")
def desk(stack) -> Desk:
    return Desk(stack)


class Workload:
    """What the scripted workload did, and the scrapes before and after it."""

    def __init__(self) -> None:
        self.before: dict[str, Scrape] = {}
        self.after: dict[str, Scrape] = {}
        self.words: list[str] = []  # user text that must never reach a metric
        self.customer_posts = 0
        self.starts = 0
        self.escalations = 0
        self.unmatched = 0
        self.unauthorized_me = 0
        self.agent = None
        self.queued = None  # a chat left waiting in the queue
        self.held = None  # a chat the agent holds (open)

    def delta(self, sample: str, **labels: str) -> float:
        w = where(self.after, sample if sample in CONTRACT else _exposed(sample))
        return w.value(sample, **labels) - self.before[w.path].value(sample, **labels)


def _exposed(sample: str) -> str:
    for suffix in ("_bucket", "_count", "_sum"):
        if sample.endswith(suffix) and sample[: -len(suffix)] in CONTRACT:
            return sample[: -len(suffix)]
    return sample


@pytest.fixture(scope="module")
def workload(stack, desk) -> Workload:
    w = Workload()
    stack.admin  # noqa: B018 - log in before the first scrape, so the workload's counts are only its own
    w.before = both(stack)

    name = word("Agentname")
    w.agent = stack.register_agent("metrics", display_name=f"Ms {name}")
    w.words.append(name)
    chats = []
    for _ in range(3):
        email = f"{word('mail')}@example.com"
        w.words.append(email.split("@")[0])
        shopper = word("Shopper")
        w.words.append(shopper)
        chats.append(stack.start_chat(email=email, display_name=shopper))
        w.starts += 1
    # Five customer messages over the three chats (no word asks for a person).
    for chat, count in zip(chats, (2, 2, 1)):
        for _ in range(count):
            text = word("said")
            w.words.append(text)
            desk.say(chat, f"{text} about my order")
            w.customer_posts += 1
    for chat in chats[:2]:
        desk.ok("POST", f"{C}/conversations/{chat.id}/escalate", session=chat.session_id)
        w.escalations += 1
    answered, w.queued = chats[0], chats[1]
    desk.ok("POST", f"{A}/conversations/{answered.id}/claim", who=w.agent)
    reply = word("reply")
    w.words.append(reply)
    desk.reply(w.agent, answered.id, f"{reply} here it is")
    desk.ok("POST", f"{A}/conversations/{answered.id}/close", who=w.agent)

    # Paths nothing routes: an unknown one (user text and an id in it) and a trailing slash.
    lost = word("nosuchroute")
    w.words.append(lost)
    assert_error(stack.get(f"/api/v1/{lost}/{uuid.uuid4()}?q={lost}"), 404)
    assert_error(stack.get(f"{C}/quick-questions/"), 404)
    w.unmatched += 2
    # 401 on a route that exists: no credentials, then a token nobody was given.
    assert_error(stack.get(f"{A}/me"), 401)
    assert_error(stack.get(f"{A}/me", token=secrets.token_urlsafe(24)), 401)
    w.unauthorized_me += 2

    # A worker may count an answer just after sending it: wait (a little) until the last
    # request is counted, so the scrape holds all of them. If it never is, the tests say so.
    def last_counted() -> dict[str, Scrape] | None:
        after = both(stack)
        s = where(after, REQS)
        seen = s.value(REQS, route="/api/v1/agent/me", method="GET", status="4xx")
        return after if seen - w.before[s.path].value(REQS, route="/api/v1/agent/me", method="GET", status="4xx") >= 2 else None
    try:
        w.after = wait_until(last_counted, "the workload's last request in the counts", timeout=10)
    except AssertionError:
        w.after = both(stack)
    return w


def test_both_endpoints_are_prometheus_text_with_the_contracts_names(stack, workload):
    """Each endpoint answers 200 `text/plain; version=0.0.4` through nginx (parse() checks
    that); every metric of the table is exposed by one of them with its type (the TYPE line
    carries the whole name, `_total` included) and exactly its label names."""
    scrapes = workload.after
    for name, (kind, labels) in CONTRACT.items():
        owners = [path for path, s in scrapes.items() if name in s.types]
        assert len(owners) == 1, f"{name} exposed by {owners or 'neither endpoint'}"
        s = scrapes[owners[0]]
        assert s.types[name] == kind, f"{name}: TYPE {s.types[name]}, the contract says {kind}"
        fam = s.family(name)
        assert fam is not None and fam.type == kind, (name, fam)
        if name in WORKER_ONLY:
            assert owners == [WORKER], f"{name} belongs to the worker, came from {owners}"
        if name in NOTIFIER_ONLY:
            assert owners == [NOTIFIER], f"{name} belongs to the notifier, came from {owners}"
        for sample in fam.samples:
            keys = set(sample.labels) - {"le"}
            assert keys == set(labels), f"{name}: sample {sample.name}{sample.labels}, the contract's labels are {labels}"
            if kind == "histogram":
                assert sample.name in {f"{name}_bucket", f"{name}_count", f"{name}_sum"}, sample
    for s in scrapes.values():
        for n, kind in s.types.items():
            if n.startswith("switchboard_") and kind == "counter":
                assert n.endswith("_total"), f"counter {n} without _total"


def test_the_webhook_metrics_are_there_before_any_webhook(workload):
    """API.md "Webhooks": `switchboard_webhook_deliveries_total{result}` and the gauge
    `switchboard_webhook_endpoints_disabled`, each from one endpoint with its type and labels,
    on a desk that has no endpoint at all (the gauge 0, no delivery counted). What a
    delivery workload counts is Tests/stack/test_webhooks.py's."""
    scrapes = workload.after
    for name, (kind, labels) in WEBHOOK_METRICS.items():
        owners = [path for path, s in scrapes.items() if name in s.types]
        assert len(owners) == 1, f"{name} exposed by {owners or 'neither endpoint'}"
        s = scrapes[owners[0]]
        assert s.types[name] == kind, f"{name}: TYPE {s.types[name]}, the contract says {kind}"
        for sample in s.family(name).samples:
            assert set(sample.labels) == set(labels), f"{name}: {sample.labels}, the contract's labels are {labels}"
            if "result" in sample.labels:
                assert sample.labels["result"] in ("delivered", "retry", "failed"), sample
            assert sample.value == 0, f"{name}{sample.labels} = {sample.value} on a desk without webhooks"
    assert where(scrapes, "switchboard_webhook_endpoints_disabled").has("switchboard_webhook_endpoints_disabled")


def test_histograms_are_well_formed(workload):
    """Buckets are cumulative, end in +Inf, and +Inf equals _count for every series."""
    for s in workload.after.values():
        for name, (kind, _) in CONTRACT.items():
            if kind != "histogram" or name not in s.types:
                continue
            series: dict[tuple, list] = {}
            for sample in s.family(name).samples:
                key = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "le"))
                series.setdefault(key, []).append(sample)
            assert series, f"{name} has no series"
            for key, samples in series.items():
                buckets = [(float(x.labels["le"]), x.value) for x in samples if x.name.endswith("_bucket")]
                assert buckets and buckets[-1][0] == float("inf"), f"{name}{key}: no +Inf bucket"
                assert [le for le, _ in buckets] == sorted(le for le, _ in buckets), f"{name}{key}: buckets out of order"
                counts = [v for _, v in buckets]
                assert counts == sorted(counts), f"{name}{key}: buckets not cumulative {buckets}"
                count = [x.value for x in samples if x.name == f"{name}_count"]
                assert count == [buckets[-1][1]], f"{name}{key}: _count {count} vs +Inf {buckets[-1][1]}"


def test_requests_are_counted_by_route_template_method_and_status_class(workload):
    w = workload
    assert w.delta(REQS, route=CUSTOMER_MESSAGES, method="POST", status="2xx") == w.customer_posts
    assert w.delta(f"{DURATION}_count", route=CUSTOMER_MESSAGES, method="POST") == w.customer_posts
    assert w.delta(REQS, route="/api/v1/customer/conversations/start", method="POST", status="2xx") == w.starts
    assert w.delta(REQS, route="/api/v1/customer/conversations/:id/escalate", method="POST", status="2xx") == w.escalations
    for route in ("/api/v1/agent/conversations/:id/claim", AGENT_MESSAGES, "/api/v1/agent/conversations/:id/close"):
        assert w.delta(REQS, route=route, method="POST", status="2xx") == 1, route
        assert w.delta(f"{DURATION}_count", route=route, method="POST") == 1, route
    assert w.delta(REQS, route="unmatched", method="GET", status="4xx") == w.unmatched
    assert w.delta(REQS, route="/api/v1/agent/me", method="GET", status="4xx") == w.unauthorized_me
    assert w.delta(REQS, route="/api/v1/agent/me", method="GET", status="2xx") == 0
    assert w.delta(REQS, status="5xx") == 0, "the workload made no 5xx"
    assert w.delta(REQS, route=CUSTOMER_MESSAGES, method="POST", status="4xx") == 0
    # The durations of the five posts are somewhere in the sum, and positive.
    assert w.delta(f"{DURATION}_sum", route=CUSTOMER_MESSAGES, method="POST") > 0


def test_group_commits_are_measured_and_nothing_failed_to_store(stack, workload):
    w = workload
    batches = w.delta("switchboard_group_commit_batch_size_count")
    assert batches > 0, "the workload wrote, so some batch committed"
    assert w.delta("switchboard_group_commit_batch_size_sum") >= batches, "a batch holds at least one write"
    assert w.delta("switchboard_group_commit_duration_seconds_sum") > 0

    def same_count() -> bool:
        s = where(both(stack), "switchboard_group_commit_batch_size")
        return s.value("switchboard_group_commit_batch_size_count") == s.value("switchboard_group_commit_duration_seconds_count")
    wait_until(same_count, "one duration per batch (the two histograms' counts equal)", timeout=10)
    s = where(w.after, "switchboard_storage_errors_total")
    assert s.value("switchboard_storage_errors_total") == 0, s.samples("switchboard_storage_errors_total")
    # No SMTP on this stack: nothing is queued, so nothing was attempted.
    e = where(w.after, "switchboard_emails_total")
    assert e.value("switchboard_emails_total") == 0, e.samples("switchboard_emails_total")


def _queue_view(stack, token: str) -> tuple[Scrape, dict, float, float]:
    t0 = time.time()
    queue = ok(stack.get("/api/v1/agent/queue?limit=1", token=token))
    s = where(both(stack), "switchboard_queue_chats")
    t1 = time.time()
    return s, queue, t0, t1


def _parse_time(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def test_queue_gauges_agree_with_the_queue(stack, desk, workload):
    """`switchboard_queue_chats` is the queue's `total` and the oldest wait is now minus its
    first item's `requested_agent_at` (within a second or two), at the same moment; both
    drop to 0 when the last chat is claimed."""
    token = stack.admin.token
    last = {}

    def agrees() -> bool:
        s, queue, t0, t1 = _queue_view(stack, token)
        chats, oldest = s.value("switchboard_queue_chats"), s.value("switchboard_queue_oldest_wait_seconds")
        last.update(chats=chats, oldest=oldest, queue=queue, t0=t0, t1=t1)
        if chats != queue["total"] or not queue["items"]:
            return False
        asked = _parse_time(queue["items"][0]["requested_agent_at"])
        return (t0 - asked) - 2 <= oldest <= (t1 - asked) + 2
    wait_until(agrees, lambda: f"the gauges to match the queue: {last}")
    assert last["queue"]["total"] >= 1 and last["oldest"] >= 0
    assert workload.queued.id in stack.queue_ids(token)

    for item in ok(stack.get("/api/v1/agent/queue?limit=200", token=token))["items"]:
        desk.ok("POST", f"{A}/conversations/{item['id']}/claim", who=workload.agent)
    workload.held = workload.queued

    def empty() -> bool:
        s, queue, _, _ = _queue_view(stack, token)
        last.update(chats=s.value("switchboard_queue_chats"), oldest=s.value("switchboard_queue_oldest_wait_seconds"), total=queue["total"])
        return queue["total"] == 0 and last["chats"] == 0 and last["oldest"] == 0
    wait_until(empty, lambda: f"an empty queue in the gauges: {last}")


def _online_view(stack) -> tuple[float, int]:
    agents = ok(stack.get("/api/v1/agent/agents", token=stack.admin.token))["items"]
    online = sum(1 for a in agents if a["presence"] == "online" and not a.get("disabled"))
    return where(both(stack), "switchboard_agents_online").value("switchboard_agents_online"), online


def test_agents_online_follows_presence(stack, workload):
    me = workload.agent
    seen = {}

    def matches(want_delta: int | None = None, base: int | None = None) -> bool:
        metric, online = _online_view(stack)
        seen.update(metric=metric, online=online)
        return metric == online and (base is None or online == base + want_delta)

    ok(stack.post("/api/v1/agent/presence", token=me.token, json={"presence": "offline"}))
    wait_until(matches, lambda: f"agents_online to equal the agents online: {seen}")
    base = seen["online"]
    ok(stack.post("/api/v1/agent/presence", token=me.token, json={"presence": "online"}))
    wait_until(lambda: matches(1, base), lambda: f"agents_online {base}+1: {seen}")
    ok(stack.post("/api/v1/agent/presence", token=me.token, json={"presence": "offline"}))
    wait_until(lambda: matches(0, base), lambda: f"agents_online back to {base}: {seen}")


def _notifier(stack) -> Scrape:
    return parse(stack, NOTIFIER)


def _opened(stream: SSEStream) -> SSEStream:
    assert stream.ok, (stream.status, stream.body[:300])
    return stream


def test_open_streams_are_counted_while_held(stack, workload):
    """streams_open{audience} counts the streams held, and drops as each one closes."""
    held: list[SSEStream] = []
    try:
        base = _notifier(stack)
        base_c = base.value("switchboard_streams_open", audience="customer")
        base_a = base.value("switchboard_streams_open", audience="agent")
        chats = [stack.start_chat(), stack.start_chat()]
        customers = [_opened(customer_stream(stack, c)) for c in chats]
        held += customers
        agents = [_opened(agent_stream(stack, workload.agent.token))]
        held += agents
        seen = {}

        def open_count(c: float, a: float) -> bool:
            s = _notifier(stack)
            seen.update(customer=s.value("switchboard_streams_open", audience="customer"),
                        agent=s.value("switchboard_streams_open", audience="agent"))
            return seen["customer"] == c and seen["agent"] == a
        wait_until(lambda: open_count(base_c + 2, base_a + 1), lambda: f"2 customer + 1 agent stream open: {seen}")
        customers[0].close()
        wait_until(lambda: open_count(base_c + 1, base_a + 1), lambda: f"one customer stream closed: {seen}", timeout=40)
        agents[0].close()
        customers[1].close()
        wait_until(lambda: open_count(base_c, base_a), lambda: f"every stream closed: {seen}", timeout=40)
    finally:
        for s in held:
            s.close()


def test_events_written_to_streams_are_counted_live_and_replayed(stack, desk, workload):
    """With one customer and one agent stream open (and no other), the counter grows by
    exactly the events they received: a reply reaches both, and a stream that resumes from
    an old cursor counts what it replays."""
    agent = workload.agent
    chat = held_chat(stack, agent)
    held: list[SSEStream] = []
    try:
        customer = _opened(customer_stream(stack, chat))
        console = _opened(agent_stream(stack, agent.token))
        held += [customer, console]
        wait_until(lambda: _notifier(stack).value("switchboard_streams_open") == 2,
                   "only this test's two streams open")
        customer.settle()
        console.settle()
        before = _notifier(stack)
        got_c, got_a = len(customer.snapshot()), len(console.snapshot())

        text = word("live")
        message = desk.reply(agent, chat.id, f"{text} reply")
        customer.wait_message(message["id"])
        console.wait_message(message["id"])
        seen = {}

        def counted() -> bool:
            now = _notifier(stack)
            seen.update(
                customer=now.value("switchboard_events_delivered_total", audience="customer")
                - before.value("switchboard_events_delivered_total", audience="customer"),
                agent=now.value("switchboard_events_delivered_total", audience="agent")
                - before.value("switchboard_events_delivered_total", audience="agent"),
                received_customer=len(customer.snapshot()) - got_c, received_agent=len(console.snapshot()) - got_a)
            return (seen["customer"] >= 1 and seen["agent"] >= 1
                    and seen["customer"] == seen["received_customer"] and seen["agent"] == seen["received_agent"])
        wait_until(counted, lambda: f"events_delivered to match what the streams got: {seen}")

        # Replay: a second customer stream from the very beginning of the conversation.
        mid = _notifier(stack)
        live_before = len(customer.snapshot())
        replay = _opened(customer_stream(stack, chat, last_event_id=0))
        held.append(replay)
        replay.wait_message(message["id"])
        replay.settle()
        assert len(replay.snapshot()) >= 2, replay.describe()

        def replay_counted() -> bool:
            now = _notifier(stack)
            seen.update(replay=now.value("switchboard_events_delivered_total", audience="customer")
                        - mid.value("switchboard_events_delivered_total", audience="customer"),
                        replayed=len(replay.snapshot()), live_since=len(customer.snapshot()) - live_before)
            return seen["replay"] == seen["replayed"] + seen["live_since"]
        wait_until(replay_counted, lambda: f"replayed events counted: {seen}")
    finally:
        for s in held:
            s.close()


def test_a_revoked_stream_is_counted_as_an_eviction(stack):
    """Logging out ends the agent's open stream: one eviction with reason `revoked`."""
    leaver = stack.register_agent("leaver")
    before = _notifier(stack).value("switchboard_stream_evictions_total", reason="revoked")
    stream = _opened(agent_stream(stack, leaver.token))
    try:
        wait_until(lambda: _notifier(stack).value("switchboard_streams_open", audience="agent") >= 1, "the stream counted")
        ok(stack.post(f"{A}/auth/logout", token=leaver.token, json={"return_chats": False}), (200, 204))
        stream.wait_ended()
        seen = {}

        def evicted() -> bool:
            seen["delta"] = _notifier(stack).value("switchboard_stream_evictions_total", reason="revoked") - before
            return seen["delta"] == 1
        wait_until(evicted, lambda: f"one revoked eviction: {seen}")
    finally:
        stream.close()


def test_no_label_carries_an_id_user_text_or_an_unbounded_value(stack, workload):
    """Label values are route templates the worker registers (`switchboard routes --json`)
    or `unmatched`, status classes, methods, and the contract's closed sets; nothing in the
    whole exposition is an id or anything the workload's users wrote (their words, names,
    e-mail addresses, the unknown path)."""
    import json

    routes = {json.loads(line)["path"] for line in stack.cli("routes", "--json").splitlines() if line.strip()}
    allowed_routes = routes | {"unmatched", *ENDPOINTS}
    scrapes = both(stack)
    for s in scrapes.values():
        ids = UUID.findall(s.text)
        assert not ids, f"{s.path} carries ids: {ids[:5]}"
        lowered = s.text.lower()
        for w in workload.words:
            assert w.lower() not in lowered, f"{s.path} carries the user's text {w!r}"
        for fam in s.families.values():
            if not fam.name.startswith("switchboard_"):
                continue
            for sample in fam.samples:
                for key, value in sample.labels.items():
                    if key == "le":
                        continue
                    if key == "route":
                        assert value in allowed_routes, f"{sample.name}: route {value!r} is not a registered template"
                        assert not any(seg.isdigit() for seg in value.split("/")), value
                    elif key in ENUMS:
                        assert value in ENUMS[key], f"{sample.name}: {key}={value!r} not in {sorted(ENUMS[key])}"
                    else:
                        pytest.fail(f"{sample.name}: label {key}={value!r} the contract does not name")


# -- access -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def metrics_token() -> str:
    return secrets.token_urlsafe(32)


@pytest.fixture(scope="module")
def token_stack(stack_factory, metrics_token):
    return stack_factory("metrics-token", SWITCHBOARD_METRICS_TOKEN=metrics_token)


def test_loopback_reads_without_a_token_when_none_is_set(stack):
    for path in ENDPOINTS:
        parse(stack, path)
        # A bearer of any kind changes nothing when no token is configured.
        assert scrape(stack, path, token="whatever").status_code == 200, path


@pytest.mark.parametrize("path", ENDPOINTS)
def test_with_a_token_only_that_bearer_reads(token_stack, metrics_token, path):
    assert_error(scrape(token_stack, path), 401, "invalid_token")
    assert_error(scrape(token_stack, path, token=metrics_token + "x"), 401, "invalid_token")
    assert_error(scrape(token_stack, path, token=metrics_token[:-1]), 401, "invalid_token")
    assert_error(scrape(token_stack, path, token=""), 401, "invalid_token")
    # An agent's own access token is no metrics token.
    assert_error(scrape(token_stack, path, token=token_stack.admin.token), 401, "invalid_token")
    # The token in another scheme, or as a query parameter, is not the bearer.
    assert_error(scrape(token_stack, path, headers={"Authorization": f"Basic {metrics_token}"}), 401, "invalid_token")
    assert_error(scrape(token_stack, f"{path}?token={metrics_token}"), 401, "invalid_token")
    s = parse(token_stack, path, token=metrics_token)
    assert metrics_token not in s.text
    assert any(n.startswith("switchboard_") for n in s.types), s.text[:300]
