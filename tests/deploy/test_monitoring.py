"""deploy/monitoring: the alert policies (error rate > 1 %, P95 > 5 s) in Cloud
Monitoring's AlertPolicy format, the Prometheus equivalents, and a dashboard that
charts every series the service contract defines."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from tests.deploy.support import DEPLOY

MONITORING = DEPLOY / "monitoring"
CONTRACT_SERIES = (
    "sight_http_requests_total",
    "sight_http_request_duration_seconds",
    "sight_llm_calls_total",
    "sight_llm_tokens_total",
    "sight_llm_cost_usd_total",
    "sight_llm_cache_hits_total",
    "sight_jobs_queue_depth",
)
# Labels each series carries in the contract; a query may only group by these.
CONTRACT_LABELS = {
    "sight_http_requests_total": {"method", "route", "status"},
    "sight_http_request_duration_seconds": {"method", "route", "status", "le"},
    "sight_llm_calls_total": {"provider", "model", "flow", "outcome"},
    "sight_llm_tokens_total": {"provider", "model", "direction"},
    "sight_llm_cost_usd_total": {"provider", "model"},
    "sight_llm_cache_hits_total": {"flow"},
    "sight_jobs_queue_depth": {"queue"},
}


def load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((MONITORING / name).read_text())
    return loaded


def test_error_rate_policy() -> None:
    policy = load("alert-error-rate.json")
    assert policy["displayName"]
    assert policy["documentation"]["content"]
    (condition,) = policy["conditions"]
    threshold = condition["conditionThreshold"]
    assert threshold["comparison"] == "COMPARISON_GT"
    assert threshold["thresholdValue"] == pytest.approx(0.01)
    numerator, denominator = threshold["filter"], threshold["denominatorFilter"]
    for text in (numerator, denominator):
        assert 'metric.type = "run.googleapis.com/request_count"' in text
        assert 'resource.labels.service_name = "sight"' in text
    assert 'response_code_class = "5xx"' in numerator
    assert "response_code_class" not in denominator, "ratio of 5xx to all requests"
    assert threshold["aggregations"] == threshold["denominatorAggregations"]
    assert threshold["duration"] == "300s"


def test_latency_policy() -> None:
    policy = load("alert-latency-p95.json")
    (condition,) = policy["conditions"]
    query = condition["conditionPrometheusQueryLanguage"]["query"]
    assert query.startswith("histogram_quantile(0.95,")
    assert "sight_http_request_duration_seconds_bucket" in query
    assert query.rstrip().endswith("> 5"), "seconds: 5 s"
    assert "route!~" in query, "long-lived streams are excluded"
    assert condition["conditionPrometheusQueryLanguage"]["duration"] == "300s"


def test_prometheus_rules_match_the_policies() -> None:
    rules = yaml.safe_load((MONITORING / "prometheus-rules.yml").read_text())
    by_name = {rule["alert"]: rule for rule in rules["groups"][0]["rules"]}
    assert set(by_name) == {"SightHighErrorRate", "SightHighP95Latency"}
    error = " ".join(by_name["SightHighErrorRate"]["expr"].split())
    assert 'status=~"5.."' in error
    assert error.endswith("> 0.01")
    latency = " ".join(by_name["SightHighP95Latency"]["expr"].split())
    assert "histogram_quantile(0.95," in latency
    assert latency.endswith("> 5")
    assert all(rule["for"] == "5m" for rule in by_name.values())


def dashboard_queries(dashboard: dict[str, Any]) -> list[str]:
    text = json.dumps(dashboard)
    return [
        json.loads(f'"{q}"')
        for q in re.findall(r'"prometheusQuery": "((?:[^"\\]|\\.)*)"', text)
    ]


def test_dashboard_charts_every_contract_series() -> None:
    dashboard = load("dashboard.json")
    queries = "\n".join(dashboard_queries(dashboard))
    for series in CONTRACT_SERIES:
        assert series in queries, f"no panel for {series}"


def test_dashboard_queries_group_by_contract_labels() -> None:
    for query in dashboard_queries(load("dashboard.json")):
        series = [s for s in CONTRACT_LABELS if s in query]
        assert series, query
        allowed = set().union(*(CONTRACT_LABELS[s] for s in series))
        for group in re.findall(r"by \(([^)]*)\)", query):
            labels = {label.strip() for label in group.split(",")}
            assert labels <= allowed, f"{query}: {labels - allowed}"


def test_dashboard_layout() -> None:
    dashboard = load("dashboard.json")
    layout = dashboard["mosaicLayout"]
    columns = layout["columns"]
    occupied: set[tuple[int, int]] = set()
    for tile in layout["tiles"]:
        assert tile["widget"]["title"]
        x, y = tile.get("xPos", 0), tile.get("yPos", 0)
        assert x + tile["width"] <= columns
        cells = {
            (col, row)
            for col in range(x, x + tile["width"])
            for row in range(y, y + tile["height"])
        }
        assert not cells & occupied, f"{tile['widget']['title']} overlaps"
        occupied |= cells
