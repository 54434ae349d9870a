"""Calling a provider: limits, circuit breaker and retries, plain or streamed.

Everything here is keyed by the credential and endpoint actually used
(`Credentials.endpoint_key`), not by the provider's name: one user pointing
"openai" at a broken server opens the circuit of that server only, and never
changes what another user's calls do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from sight.config import Settings
from sight.kit.errors import SightError
from sight.kit.ratelimit import limits_storage
from sight.llm.netguard import check_endpoint
from sight.llm.providers.base import (
    ChatProvider,
    ErrorKind,
    ProviderDelta,
    ProviderError,
    ProviderRequest,
    ProviderResponse,
)
from sight.llm.providers.factory import build_chat_provider
from sight.llm.resilience import (
    CircuitBreaker,
    CircuitOpen,
    ProviderLimiter,
    backoff_delay,
)
from sight.llm.resolver import Credentials
from sight.llm.slots import SlotStore
from sight.llm.types import Route
from sight.llm.usage import CallUsage

if TYPE_CHECKING:
    from limits.aio.storage import Storage

logger = logging.getLogger("sight.llm")


class LLMProviderFailed(SightError):
    status_code = 502

    def __init__(
        self, detail: str, status_code: int | None = None, *, retryable: bool = True
    ) -> None:
        super().__init__(detail, status_code)
        # False when asking again cannot help (a rejected request or key): a
        # job should fail with this message instead of running again.
        self.retryable = retryable


BudgetCheck = Callable[[], Awaitable[None]]
DeltaSink = Callable[[str], None]


class ProviderCalls:
    def __init__(
        self,
        settings: Settings,
        redis_url: str | None,
        slot_store: SlotStore | None = None,
    ) -> None:
        self.settings = settings
        # Requests/tokens per minute of every provider, counted in Redis when
        # set; made by the first call (kit/ratelimit.py).
        self._redis_url = redis_url
        self._rate_storage: Storage | None = None
        # Where the processes share each provider's concurrency (slots.py).
        self._slot_store = slot_store
        self._providers: dict[tuple[str, str], ChatProvider] = {}
        self._limiters: dict[tuple[str, str], ProviderLimiter] = {}
        self._breakers: dict[tuple[str, str], CircuitBreaker] = {}

    def provider(self, name: str, creds: Credentials) -> ChatProvider:
        key = (name, creds.endpoint_key)
        if key not in self._providers:
            self._providers[key] = build_chat_provider(
                name,
                self.settings,
                api_key=creds.api_key,
                base_url=creds.base_url,
                user_endpoint=creds.user_endpoint,
            )
        return self._providers[key]

    def limiter(self, name: str, creds: Credentials) -> ProviderLimiter:
        key = (name, creds.endpoint_key)
        if key not in self._limiters:
            limits = self.settings.llm.limits.get(name)
            if self._rate_storage is None:
                self._rate_storage = limits_storage(self._redis_url)
            self._limiters[key] = ProviderLimiter(
                f"{name}|{creds.endpoint_key}",
                concurrency=limits.concurrency if limits else 10,
                requests_per_minute=limits.requests_per_minute if limits else None,
                tokens_per_minute=limits.tokens_per_minute if limits else None,
                storage=self._rate_storage,
                slot_store=self._slot_store,
            )
        return self._limiters[key]

    def breaker(self, name: str, creds: Credentials) -> CircuitBreaker:
        key = (name, creds.endpoint_key)
        if key not in self._breakers:
            self._breakers[key] = CircuitBreaker(
                name,
                threshold=self.settings.llm.circuit_threshold,
                cooldown=self.settings.llm.circuit_cooldown_seconds,
            )
        return self._breakers[key]

    async def call(
        self,
        creds: Credentials,
        route: Route,
        request: ProviderRequest,
        usage: CallUsage,
        budget: BudgetCheck,
    ) -> ProviderResponse:
        """One answer, retried on 429/5xx/timeouts/connection errors."""

        async def once(provider: ChatProvider) -> ProviderResponse:
            return await provider.generate(request)

        return await self._attempts(creds, route, request, usage, budget, once)

    async def stream(
        self,
        creds: Credentials,
        route: Route,
        request: ProviderRequest,
        usage: CallUsage,
        budget: BudgetCheck,
        sink: DeltaSink,
    ) -> ProviderResponse:
        """Pass text to `sink` as it arrives; the whole answer at the end.

        Retried like `call` until the first piece of text has been passed
        on; after that a failure ends the stream (the caller has shown text
        that a second answer would not continue).
        """
        delivered: list[str] = []

        async def once(provider: ChatProvider) -> ProviderResponse:
            final: ProviderResponse | None = None
            async for item in provider.stream(request):
                if isinstance(item, ProviderDelta):
                    delivered.append(item.text)
                    sink(item.text)
                else:
                    final = item
            if final is None:
                raise ProviderError(
                    ErrorKind.server, f"{route.provider}: the stream ended early"
                )
            return final

        try:
            return await self._attempts(
                creds,
                route,
                request,
                usage,
                budget,
                once,
                can_retry=lambda: not delivered,
            )
        finally:
            if delivered and usage.outcome != "ok":
                # No usage report arrives from a broken stream: bill what was
                # sent and received (about 4 characters a token).
                usage.output_tokens += max(1, len("".join(delivered)) // 4)
                if usage.input_tokens == 0:
                    usage.input_tokens = _estimated_input(request)

    async def _attempts(
        self,
        creds: Credentials,
        route: Route,
        request: ProviderRequest,
        usage: CallUsage,
        budget: BudgetCheck,
        once: Callable[[ChatProvider], Awaitable[ProviderResponse]],
        *,
        can_retry: Callable[[], bool] = lambda: True,
    ) -> ProviderResponse:
        if creds.user_endpoint and creds.base_url:
            try:
                await check_endpoint(
                    creds.base_url,
                    allow_private=self.settings.llm.allow_private_endpoints,
                    field="openai_base_url",
                )
            except SightError:
                usage.outcome = "error:endpoint_refused"
                raise
        provider = self.provider(route.provider, creds)
        breaker = self.breaker(route.provider, creds)
        limiter = self.limiter(route.provider, creds)
        max_retries = self.settings.llm.max_retries
        retry = 0
        loop = asyncio.get_running_loop()
        first_attempt = loop.time()
        throttled = 0
        while True:
            usage.attempts += 1
            try:
                trial = breaker.before_call()
            except CircuitOpen as exc:
                usage.outcome = "error:circuit_open"
                raise LLMProviderFailed(
                    f"{route.provider} is failing repeatedly at this endpoint; calls "
                    f"are paused for {exc.retry_in:.0f}s (flow {route.flow})",
                    status_code=503,
                ) from None
            try:
                async with limiter.slot(_estimated_input(request) + request.max_tokens):
                    # Checked again right before spending: many calls may have
                    # queued for a slot since the first check, and a budget can
                    # run out (or be lowered) while they wait.
                    await budget()
                    async with asyncio.timeout(request.timeout + 5):
                        response = await once(provider)
            except TimeoutError:
                error = ProviderError(
                    ErrorKind.timeout,
                    f"{route.provider}: no answer within {request.timeout:.0f}s",
                )
            except ProviderError as exc:
                error = exc
            except BaseException:
                # Cancelled, refused by the budget, or our own bug: the endpoint
                # was not judged, so a trial call must not stay "running".
                if trial:
                    breaker.abandon_trial()
                raise
            else:
                breaker.record_success()
                usage.input_tokens += response.input_tokens
                usage.output_tokens += response.output_tokens
                return response
            usage.outcome = f"error:{error.kind}"
            if error.kind == ErrorKind.rate_limited:
                # Throttled, not broken: the endpoint answered, so a trial
                # ends and no failure is counted; waiting is the remedy.
                breaker.record_success()
                waited = loop.time() - first_attempt
                patience = self.settings.llm.rate_limit_patience_seconds
                if can_retry() and waited < patience:
                    throttled += 1
                    delay = backoff_delay(throttled, error.retry_after)
                    await asyncio.sleep(min(delay, patience - waited))
                    continue
                raise LLMProviderFailed(
                    f"{error.message} (flow {route.flow}; still rate limited after "
                    f"{waited:.0f}s and {usage.attempts} attempts)"
                )
            if not error.retryable:
                # The endpoint answered (our request or key is wrong): it is
                # not unhealthy, and a trial call that gets this answer ends.
                breaker.record_success()
                raise LLMProviderFailed(
                    f"{error.message} (flow {route.flow}; not retried)",
                    status_code=400 if error.kind == ErrorKind.bad_request else 502,
                    retryable=False,
                )
            breaker.record_failure()
            if not can_retry():
                raise LLMProviderFailed(
                    f"{route.provider} broke off the answer for {route.flow}: "
                    f"{error.kind} ({error.message})"
                )
            retry += 1
            if retry > max_retries:
                raise LLMProviderFailed(
                    f"{route.provider} failed for {route.flow} after {usage.attempts} "
                    f"attempts: {error.kind} ({error.message})"
                )
            delay = backoff_delay(retry, error.retry_after)
            logger.warning(
                "provider call failed; retrying",
                extra={
                    "provider": route.provider,
                    "flow": route.flow,
                    "kind": str(error.kind),
                    "retry_in": round(delay, 2),
                },
            )
            await asyncio.sleep(delay)

    async def aclose(self) -> None:
        for provider in self._providers.values():
            await provider.aclose()
        if self._slot_store is not None:
            await self._slot_store.aclose()


def _estimated_input(request: ProviderRequest) -> int:
    return len(request.system) // 4 + sum(len(m.content) for m in request.messages) // 4
