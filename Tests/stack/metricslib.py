"""Prometheus metrics (docs/API.md "Metrics (new)", issue 24) for the stack tests: the
contract's table as data, a scrape through nginx parsed by the independent
`prometheus_client.parser`, and small readers over what it parsed.

`CONTRACT` is the table of docs/API.md written out again (name → type and label names);
Tests/stack/test_deploy_prometheus.py checks that the two agree, so neither drifts alone."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import requests
from prometheus_client.parser import text_string_to_metric_families

REPO = Path(__file__).resolve().parents[2]

WORKER = "/metrics/worker"
NOTIFIER = "/metrics/notifier"
ENDPOINTS = (WORKER, NOTIFIER)

# name (as exposed, with `_total` on counters) → (type, label names, allowed values per label or None: any template)
CONTRACT: dict[str, tuple[str, tuple[str, ...]]] = {
    "switchboard_http_requests_total": ("counter", ("route", "method", "status")),
    "switchboard_http_request_duration_seconds": ("histogram", ("route", "method")),
    "switchboard_group_commit_batch_size": ("histogram", ()),
    "switchboard_group_commit_duration_seconds": ("histogram", ()),
    "switchboard_storage_errors_total": ("counter", ("kind",)),
    "switchboard_emails_total": ("counter", ("result",)),
    "switchboard_queue_chats": ("gauge", ()),
    "switchboard_queue_oldest_wait_seconds": ("gauge", ()),
    "switchboard_agents_online": ("gauge", ()),
    "switchboard_streams_open": ("gauge", ("audience",)),
    "switchboard_events_delivered_total": ("counter", ("audience",)),
    "switchboard_stream_evictions_total": ("counter", ("reason",)),
    "switchboard_webhook_deliveries_total": ("counter", ("result",)),
    "switchboard_webhook_endpoints_disabled": ("gauge", ()),
}

# Which process must expose which (the rest may come from either: the contract does not say).
WORKER_ONLY = {"switchboard_http_requests_total", "switchboard_http_request_duration_seconds"}
NOTIFIER_ONLY = {"switchboard_streams_open", "switchboard_events_delivered_total", "switchboard_stream_evictions_total"}

# The closed sets of label values the contract names.
ENUMS: dict[str, set[str]] = {
    "status": {"1xx", "2xx", "3xx", "4xx", "5xx"},
    "method": {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"},
    "kind": {"busy", "full", "readonly", "io", "other"},
    # `sent` for e-mails, `delivered` for webhooks (their `retry` and `failed` are shared).
    "result": {"sent", "delivered", "retry", "failed"},
    "audience": {"customer", "agent"},
    "reason": {"revoked", "lifetime", "slow"},
}

# The webhooks' two (also in CONTRACT): test_metrics.py checks them on a desk without
# endpoints, Tests/stack/test_webhooks.py counts a delivery workload.
WEBHOOK_METRICS = {name: CONTRACT[name] for name in ("switchboard_webhook_deliveries_total",
                                                     "switchboard_webhook_endpoints_disabled")}

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_prometheus_text(content_type: str) -> bool:
    """`text/plain; version=0.0.4`, optionally with `charset=utf-8`, parameters in any order."""
    media, *params = [p.strip() for p in content_type.split(";")]
    pairs = {}
    for p in params:
        key, _, value = p.partition("=")
        pairs[key.strip().lower()] = value.strip().strip('"')
    return (media.lower() == "text/plain" and pairs.get("version") == "0.0.4"
            and set(pairs) <= {"version", "charset"} and pairs.get("charset", "utf-8").lower() == "utf-8")


def family_name(exposed: str) -> str:
    """prometheus_client's parser names a counter's family without `_total`."""
    kind = CONTRACT.get(exposed, WEBHOOK_METRICS.get(exposed, ("", ())))[0]
    return exposed[: -len("_total")] if kind == "counter" and exposed.endswith("_total") else exposed


@dataclass
class Scrape:
    """One answer of a metrics endpoint, parsed."""

    path: str
    response: requests.Response
    text: str
    families: dict[str, Any]  # family name (counters without _total) → prometheus_client Metric
    types: dict[str, str]  # exposed name of each `# TYPE` line → its type
    at: float  # time.time() halfway through the request

    def family(self, exposed: str) -> Any | None:
        return self.families.get(family_name(exposed))

    def samples(self, sample_name: str, **labels: str) -> list[Any]:
        """Every sample called `sample_name` whose labels include `labels`."""
        base = sample_name
        for suffix in ("_bucket", "_count", "_sum", "_created"):
            if base.endswith(suffix) and base[: -len(suffix)] in self.families:
                base = base[: -len(suffix)]
                break
        fam = self.families.get(base) or self.families.get(family_name(base))
        if fam is None:
            return []
        return [s for s in fam.samples
                if s.name == sample_name and all(s.labels.get(k) == v for k, v in labels.items())]

    def value(self, sample_name: str, **labels: str) -> float:
        """The sum of the matching samples (0 when there are none: a series not yet touched)."""
        return sum(s.value for s in self.samples(sample_name, **labels))

    def has(self, sample_name: str, **labels: str) -> bool:
        return bool(self.samples(sample_name, **labels))


def scrape(stack: Any, path: str, token: str | None = None, headers: dict | None = None) -> requests.Response:
    """GET a metrics endpoint through nginx (a bearer when `token` is given)."""
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    return requests.get(stack.url(path), headers=h, timeout=15)


def parse(stack: Any, path: str, token: str | None = None) -> Scrape:
    """Scrapes `path`, checks it is 200 Prometheus text 0.0.4, and parses it."""
    t0 = time.time()
    resp = scrape(stack, path, token)
    t1 = time.time()
    assert resp.status_code == 200, f"GET {path}: {resp.status_code} {resp.headers} {resp.text[:300]}"
    ctype = resp.headers.get("Content-Type", "")
    assert is_prometheus_text(ctype), f"GET {path}: Content-Type {ctype!r}, not Prometheus text 0.0.4"
    text = resp.text
    families = {f.name: f for f in text_string_to_metric_families(text)}
    types = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(None, 3)
            assert name not in types, f"GET {path}: two TYPE lines for {name}"
            types[name] = kind.strip()
    return Scrape(path, resp, text, families, types, (t0 + t1) / 2)


def both(stack: Any, token: str | None = None) -> dict[str, Scrape]:
    return {path: parse(stack, path, token) for path in ENDPOINTS}


def where(scrapes: dict[str, Scrape], exposed: str) -> Scrape:
    """The scrape that exposes `exposed` (the worker's or the notifier's)."""
    found = [s for s in scrapes.values() if exposed in s.types]
    assert found, f"{exposed} is in neither {list(scrapes)}"
    return found[0]


def wait_until(condition: Callable[[], Any], what: str, timeout: float = 20.0, interval: float = 0.1) -> Any:
    """Polls until condition() is truthy; returns it. On timeout an AssertionError with what
    the last call described (condition may return a falsy value; `what` may be a callable)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what() if callable(what) else what}")
        time.sleep(interval)


def contract_table(api_md: Path = REPO / "docs" / "API.md") -> dict[str, tuple[str, tuple[str, ...]]]:
    """The metrics table of docs/API.md's "Metrics (new)" section: name → (type, label names)."""
    text = api_md.read_text()
    start = text.index("## Metrics")
    section = text[start: text.index("\n## ", start + 1)]
    rows: dict[str, tuple[str, tuple[str, ...]]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not cells[0].startswith("`switchboard_"):
            continue
        name = cells[0].strip("`")
        labels = tuple(re.findall(r"`([a-z_]+)`", re.sub(r"\([^)]*\)", "", cells[2])))
        rows[name] = (cells[1], labels)
    return rows
