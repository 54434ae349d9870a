"""Thread-safe runtime state of a fake LLM server: faults, counters, request log.

The server mutates it from its event loop; tests read it from other threads,
so every access goes through one lock that is never held across an ``await``.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from sight_testing.fake_llm.config import (
    FAULT_COUNTER_FIELDS,
    EndpointName,
    FakeLLMConfig,
    FaultKind,
)

FAULT_ORDER: tuple[FaultKind, ...] = (
    "rate_limit",
    "server_error",
    "client_error",
    "hang",
    "malformed",
)


class RequestRecord(BaseModel):
    """One request as seen by the fake (times are ``time.time()`` seconds)."""

    id: int
    endpoint: EndpointName
    model: str | None
    started_at: float
    finished_at: float | None
    status: int | None
    fault: FaultKind | None
    api_key: str | None = None
    """The key the client presented (Bearer, x-api-key or x-goog-api-key)."""
    images: list[str] = []
    """``mime_type:sha256`` of each image the request carried (images.py)."""

    @property
    def duration(self) -> float | None:
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at


class FakeLLMStats(BaseModel):
    """Snapshot of the counters; ``max_in_flight`` is the concurrency peak."""

    total_requests: int
    requests_by_endpoint: dict[str, int]
    in_flight: int
    max_in_flight: int
    faults_injected: dict[str, int]
    pending_faults: dict[str, int]
    requests: list[RequestRecord]

    def count(self, endpoint: EndpointName) -> int:
        return self.requests_by_endpoint.get(endpoint, 0)


@dataclass
class _Live:
    id: int
    endpoint: EndpointName
    model: str | None
    started_at: float
    finished_at: float | None = None
    status: int | None = None
    fault: FaultKind | None = None
    api_key: str | None = None
    images: list[str] = field(default_factory=list)


class RequestTicket:
    """Handle for one in-flight request; ``finish`` is idempotent."""

    def __init__(self, state: FakeLLMState, live: _Live) -> None:
        self._state = state
        self._live = live
        self._done = False

    @property
    def id(self) -> int:
        return self._live.id

    @property
    def endpoint(self) -> EndpointName:
        return self._live.endpoint

    def set_model(self, model: str | None) -> None:
        self._live.model = model

    def set_api_key(self, key: str | None) -> None:
        self._live.api_key = key

    def set_images(self, digests: list[str]) -> None:
        self._live.images = digests

    def finish(self, status: int) -> None:
        if self._done:
            return
        self._done = True
        self._state._finish(self._live, status)


class FakeLLMState:
    def __init__(self, config: FakeLLMConfig | None = None) -> None:
        self._lock = threading.Lock()
        self._config = config or FakeLLMConfig()
        self._pending: dict[FaultKind, int] = dict(self._config.pending_faults())
        self._rng = random.Random(self._config.seed)  # noqa: S311
        self._storm_until = 0.0
        self.shutting_down = threading.Event()
        self._reset_counters()

    def _reset_counters(self) -> None:
        self._next_id = 1
        self._by_endpoint: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()
        self._in_flight = 0
        self._max_in_flight = 0
        self._log: deque[_Live] = deque(maxlen=self._config.max_request_log)

    @property
    def config(self) -> FakeLLMConfig:
        with self._lock:
            return self._config

    def update(self, changes: Mapping[str, Any]) -> FakeLLMConfig:
        """Validate and apply a partial config; fault counters given are reset."""
        with self._lock:
            merged = self._config.model_dump()
            merged.update(changes)
            new = FakeLLMConfig.model_validate(merged)
            for field, kind in FAULT_COUNTER_FIELDS.items():
                if field in changes:
                    self._pending[kind] = getattr(new, field)
            if new.max_request_log != self._config.max_request_log:
                self._log = deque(self._log, maxlen=new.max_request_log)
            if "rate_limit_window_seconds" in changes:
                self._storm_until = time.monotonic() + new.rate_limit_window_seconds
            if "seed" in changes:
                self._rng = random.Random(new.seed)  # noqa: S311
            self._config = new
            return new

    def reset_stats(self) -> None:
        with self._lock:
            in_flight = self._in_flight
            self._reset_counters()
            self._in_flight = in_flight
            self._max_in_flight = in_flight

    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    def begin(self, endpoint: EndpointName, model: str | None = None) -> RequestTicket:
        with self._lock:
            live = _Live(
                id=self._next_id, endpoint=endpoint, model=model, started_at=time.time()
            )
            self._next_id += 1
            self._by_endpoint[endpoint] += 1
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
            self._log.append(live)
            return RequestTicket(self, live)

    def _finish(self, live: _Live, status: int) -> None:
        with self._lock:
            live.finished_at = time.time()
            live.status = status
            self._in_flight -= 1

    def take_fault(self, ticket: RequestTicket) -> FaultKind | None:
        """Consume the highest-priority pending fault applying to this request."""
        with self._lock:
            allowed = self._config.fault_endpoints
            if allowed is not None and ticket.endpoint not in allowed:
                return None
            if time.monotonic() < self._storm_until:
                self._faults["rate_limit"] += 1
                ticket._live.fault = "rate_limit"
                return "rate_limit"
            for kind in FAULT_ORDER:
                if self._pending[kind] > 0:
                    self._pending[kind] -= 1
                    self._faults[kind] += 1
                    ticket._live.fault = kind
                    return kind
            return None

    def sample_latency(self) -> float:
        with self._lock:
            return self._config.latency.sample(self._rng)

    def snapshot(self, *, include_requests: bool = True) -> FakeLLMStats:
        with self._lock:
            records = (
                [
                    RequestRecord(
                        id=r.id,
                        endpoint=r.endpoint,
                        model=r.model,
                        started_at=r.started_at,
                        finished_at=r.finished_at,
                        status=r.status,
                        fault=r.fault,
                        api_key=r.api_key,
                        images=list(r.images),
                    )
                    for r in self._log
                ]
                if include_requests
                else []
            )
            return FakeLLMStats(
                total_requests=sum(self._by_endpoint.values()),
                requests_by_endpoint=dict(self._by_endpoint),
                in_flight=self._in_flight,
                max_in_flight=self._max_in_flight,
                faults_injected=dict(self._faults),
                pending_faults=dict(self._pending),
                requests=records,
            )
