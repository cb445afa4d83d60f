"""deploy/prometheus/ (issue 24, "Metrics"): the scrape configuration example and the
three alert rules. No stack: these check files.

Debian's `prometheus` package (which brings `promtool`) is not a test dependency: it
installs ~96 MB for the server alone (37 packages with its recommends), far more than a
check of two small files is worth. So the rules get a documented parse check instead:

- both files load as YAML;
- alerts.yml has exactly three rules (5xx rate, oldest queued chat over 10 minutes,
  webhook endpoint disabled), each with `alert`, `expr`, `for` (a Prometheus duration),
  `labels.severity` and `annotations.summary`, and nothing Prometheus does not know;
- every `expr` parses as PromQL (`promql-parser`, the Python binding of an independent
  Rust PromQL parser) and names only metrics of docs/API.md's table (checked to agree
  with metricslib.CONTRACT, the webhook metrics included); label matchers use only the
  contract's labels and values;
- prometheus.yml scrapes `/metrics/worker` and `/metrics/notifier`, loads alerts.yml,
  and keeps the bearer token commented out.

Where `promtool` is on the PATH anyway, `promtool check rules` and `promtool check
config` run too (skipped otherwise)."""

from __future__ import annotations

import re
import shutil
import subprocess

import promql_parser
import pytest
import yaml

from metricslib import CONTRACT, ENUMS, REPO, WEBHOOK_METRICS, contract_table

DEPLOY = REPO / "deploy" / "prometheus"
ALERTS = DEPLOY / "alerts.yml"
CONFIG = DEPLOY / "prometheus.yml"
KNOWN = {**CONTRACT, **WEBHOOK_METRICS}
DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")
RULE_KEYS = {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}


def histogram_base(name: str) -> str:
    for suffix in ("_bucket", "_count", "_sum"):
        if name.endswith(suffix) and CONTRACT.get(name[: -len(suffix)], ("",))[0] == "histogram":
            return name[: -len(suffix)]
    return name


def selectors(expr: str) -> list:
    """Every vector selector of a PromQL expression (a syntax error raises)."""
    found = []

    def visit(node) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            found.append(node)
        elif isinstance(node, promql_parser.MatrixSelector):
            found.append(node.vector_selector)
        for child in ("lhs", "rhs", "expr", "param"):
            value = getattr(node, child, None)
            if isinstance(value, promql_parser.Expr):
                visit(value)
        for arg in getattr(node, "args", None) or []:
            visit(arg)

    visit(promql_parser.parse(expr))
    return found


def rules() -> list[dict]:
    doc = yaml.safe_load(ALERTS.read_text())
    assert set(doc) == {"groups"}, doc.keys()
    out = []
    for group in doc["groups"]:
        assert isinstance(group.get("name"), str) and group["name"], group
        out += group["rules"]
    return out


def test_the_contract_table_and_metricslib_agree():
    assert contract_table() == {name: (kind, labels) for name, (kind, labels) in CONTRACT.items()}


def test_three_rules_each_complete():
    found = rules()
    assert len(found) == 3, [r.get("alert") for r in found]
    names = [r.get("alert") for r in found]
    assert len(set(names)) == 3, names
    for rule in found:
        assert set(rule) <= RULE_KEYS, f"{rule.get('alert')}: unknown keys {set(rule) - RULE_KEYS}"
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", rule["alert"] or ""), rule
        assert isinstance(rule.get("expr"), str) and rule["expr"].strip(), rule
        assert DURATION.match(str(rule.get("for", ""))), f"{rule['alert']}: for {rule.get('for')!r}"
        assert rule.get("labels", {}).get("severity") in {"critical", "warning", "info"}, rule
        assert isinstance(rule.get("annotations", {}).get("summary"), str) and rule["annotations"]["summary"], rule


def test_each_expression_parses_and_names_only_contract_metrics():
    for rule in rules():
        sels = selectors(rule["expr"])
        assert sels, f"{rule['alert']}: no metric in {rule['expr']!r}"
        for sel in sels:
            name = histogram_base(sel.name)
            assert name in KNOWN, f"{rule['alert']}: {sel.name} is not a metric of the contract"
            labels = KNOWN[name][1]
            for m in sel.matchers.matchers:
                assert m.name in labels, f"{rule['alert']}: {sel.name} has no label {m.name}"
                if m.name in ENUMS and m.op == promql_parser.MatchOp.Equal:
                    assert m.value in ENUMS[m.name], f"{rule['alert']}: {m.name}={m.value!r}"


def metric_names(rule: dict) -> set[str]:
    return {histogram_base(s.name) for s in selectors(rule["expr"])}


def test_the_three_alerts_are_the_ones_the_issue_asks_for():
    by_metric = {frozenset(metric_names(r)): r for r in rules()}
    errors = by_metric[frozenset({"switchboard_http_requests_total"})]
    assert 'status="5xx"' in errors["expr"].replace(" ", ""), errors["expr"]
    assert "0.01" in errors["expr"], "over 1 % of requests"
    assert "[5m]" in errors["expr"], "over 5 minutes"
    waiting = by_metric[frozenset({"switchboard_queue_oldest_wait_seconds"})]
    assert re.fullmatch(r"switchboard_queue_oldest_wait_seconds\s*>\s*600", waiting["expr"].strip()), waiting["expr"]
    assert promql_parser.parse_duration(waiting["for"]).total_seconds() == 120
    webhooks = by_metric[frozenset({"switchboard_webhook_endpoints_disabled"})]
    assert re.fullmatch(r"switchboard_webhook_endpoints_disabled\s*>\s*0", webhooks["expr"].strip()), webhooks["expr"]
    # Its metric is one of docs/API.md's table now (it came with the webhooks).
    assert contract_table()["switchboard_webhook_endpoints_disabled"] == ("gauge", ())


def test_scrape_config_reads_both_endpoints_through_nginx():
    doc = yaml.safe_load(CONFIG.read_text())
    assert "alerts.yml" in doc["rule_files"]
    jobs = {j["job_name"]: j for j in doc["scrape_configs"]}
    assert sorted(j["metrics_path"] for j in jobs.values()) == ["/metrics/notifier", "/metrics/worker"]
    for job in jobs.values():
        assert job["static_configs"] and job["static_configs"][0]["targets"], job
        assert "authorization" not in job, "the bearer stays commented (no token unless one is set)"
    text = CONFIG.read_text()
    assert re.search(r"^\s*#\s*authorization:", text, re.M) and "SWITCHBOARD_METRICS_TOKEN" in text
    for duration in (doc["global"]["scrape_interval"], doc["global"]["evaluation_interval"]):
        assert DURATION.match(duration), duration


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed (see the module's doc)")
def test_promtool_accepts_both_files():
    for args in (["check", "rules", str(ALERTS)], ["check", "config", str(CONFIG)]):
        result = subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"promtool {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
