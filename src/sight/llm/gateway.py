"""The LLM gateway: routing, limits, retries, repair, cache, usage, budgets.

Every model call in Sight goes through `LLMGateway.generate` (structured, returns
a Pydantic object) or `generate_text`, tagged with its flow (`personas.enrich`,
`focus_groups.answer`, ...). Per call, in order:

1. resolve the route (project override > user setting > deployment default);
2. refuse up front if the estimate would cross the user's or project's budget;
3. answer from the cache when the same request was answered before;
4. call the provider inside its concurrency/rate limits, retrying 429/5xx/
   timeouts with backoff (honouring Retry-After) unless its circuit is open;
5. parse and validate the answer, asking again with the validation errors a
   bounded number of times;
6. record usage (tokens, cost, latency, outcome) whether it worked or not.

The gateway holds no database session across a model call.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any, TypeVar

from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from sight.config import Settings
from sight.kit.errors import SightError
from sight.llm.budget import check_budget
from sight.llm.cache import CachedAnswer, ResponseCache, cache_key
from sight.llm.config import price_table, routing_table
from sight.llm.providers.base import (
    ChatProvider,
    EmbeddingProvider,
    ErrorKind,
    Message,
    ProviderError,
    ProviderRequest,
    ProviderResponse,
)
from sight.llm.providers.factory import build_chat_provider, build_embedding_provider
from sight.llm.resilience import (
    CircuitBreaker,
    CircuitOpen,
    ProviderLimiter,
    backoff_delay,
)
from sight.llm.resolver import (
    Credentials,
    RouteResolver,
)
from sight.llm.structured import OutputInvalid, parse_structured
from sight.llm.types import (
    CallContext,
    Estimate,
    LLMResult,
    Route,
    StreamDone,
    StreamItem,
    TextDelta,
)
from sight.llm.usage import CallUsage, UsageRecorder
from sight.observability import Metrics
from sight.postgres import SessionMaker

logger = logging.getLogger("sight.llm")

T = TypeVar("T", bound=BaseModel)


class LLMProviderFailed(SightError):
    status_code = 502


class StructuredOutputFailed(SightError):
    status_code = 502


class LLMGateway:
    def __init__(
        self,
        settings: Settings,
        sessionmaker: SessionMaker,
        *,
        metrics: Metrics | None = None,
        ollama_available: bool = False,
    ) -> None:
        self.settings = settings
        self._sessionmaker = sessionmaker
        self._cache = ResponseCache(sessionmaker)
        self._resolver = RouteResolver(
            settings, sessionmaker, ollama_available=ollama_available
        )
        self._usage = UsageRecorder(sessionmaker, metrics)
        redis_url = (
            settings.redis_url.get_secret_value() if settings.redis_url else None
        )
        self._rate_storage: Storage = (
            RedisStorage("async+" + redis_url) if redis_url else MemoryStorage()
        )
        self._providers: dict[tuple[str, str | None, str | None], ChatProvider] = {}
        self._limiters: dict[str, ProviderLimiter] = {}
        self._breakers: dict[str, CircuitBreaker] = {}
        self._embedder: EmbeddingProvider | None = None
        self._embedder_lock = asyncio.Lock()

    # ---- routing (see resolver.py) -------------------------------------------

    def default_provider(self) -> str:
        return self._resolver.default_provider()

    async def route(
        self, flow: str, ctx: CallContext, session: AsyncSession | None = None
    ) -> Route:
        """The effective route; pass `session` to see its uncommitted changes."""
        return await self._resolver.route(flow, ctx, session)

    # ---- providers -----------------------------------------------------------

    def _provider(self, name: str, creds: Credentials) -> ChatProvider:
        fingerprint = _fingerprint(creds.api_key)
        key = (name, fingerprint, creds.base_url)
        if key not in self._providers:
            self._providers[key] = build_chat_provider(
                name, self.settings, api_key=creds.api_key, base_url=creds.base_url
            )
        return self._providers[key]

    def _limiter(self, provider: str) -> ProviderLimiter:
        if provider not in self._limiters:
            limits = self.settings.llm.limits.get(provider)
            self._limiters[provider] = ProviderLimiter(
                provider,
                concurrency=limits.concurrency if limits else 10,
                requests_per_minute=limits.requests_per_minute if limits else None,
                tokens_per_minute=limits.tokens_per_minute if limits else None,
                storage=self._rate_storage,
            )
        return self._limiters[provider]

    def _breaker(self, provider: str) -> CircuitBreaker:
        if provider not in self._breakers:
            self._breakers[provider] = CircuitBreaker(
                provider,
                threshold=self.settings.llm.circuit_threshold,
                cooldown=self.settings.llm.circuit_cooldown_seconds,
            )
        return self._breakers[provider]

    # ---- estimates and budgets ----------------------------------------------

    async def estimate(
        self,
        flow: str,
        calls: int,
        ctx: CallContext,
        *,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
    ) -> Estimate:
        route = await self.route(flow, ctx)
        cfg = routing_table().flow(flow)
        per_in = input_tokens if input_tokens is not None else cfg.expected_input_tokens
        per_out = (
            output_tokens if output_tokens is not None else cfg.expected_output_tokens
        )
        total_in, total_out = per_in * calls, per_out * calls
        prices = price_table()
        cost = prices.cost(route.provider, route.model, total_in, total_out)
        return Estimate(
            flow=flow,
            provider=route.provider,
            model=route.model,
            calls=calls,
            input_tokens=total_in,
            output_tokens=total_out,
            usd=round(cost or 0.0, 6),
            priced=cost is not None,
            price_date=prices.as_of,
        )

    async def _ensure_budget_for(self, usage: CallUsage) -> None:
        try:
            await self.ensure_budget(usage.ctx, usage.expected_usd)
        except SightError:
            usage.outcome = "budget_exceeded"
            raise

    async def ensure_budget(self, ctx: CallContext, estimate_usd: float) -> None:
        """Raise BudgetExceeded (402) if `estimate_usd` more would cross a limit."""
        async with self._sessionmaker() as session:
            await check_budget(
                session,
                user_id=ctx.user_id,
                project_id=ctx.project_id,
                estimate_usd=estimate_usd,
                default_monthly_usd=self.settings.llm.default_monthly_budget_usd,
            )

    # ---- calls ---------------------------------------------------------------

    async def generate(
        self,
        flow: str,
        output: type[T],
        *,
        system: str,
        prompt: str,
        ctx: CallContext,
        sample_index: int = 0,
        prompt_version: str | None = None,
    ) -> LLMResult[T]:
        """One structured call; returns a validated `output` instance."""
        result = await self._run(
            flow,
            output,
            system=system,
            prompt=prompt,
            ctx=ctx,
            sample_index=sample_index,
            prompt_version=prompt_version,
        )
        return result

    async def generate_text(
        self,
        flow: str,
        *,
        system: str,
        prompt: str,
        ctx: CallContext,
        sample_index: int = 0,
        prompt_version: str | None = None,
    ) -> LLMResult[str]:
        result = await self._run(
            flow,
            None,
            system=system,
            prompt=prompt,
            ctx=ctx,
            sample_index=sample_index,
            prompt_version=prompt_version,
        )
        return result

    async def stream(
        self,
        flow: str,
        output: type[BaseModel] | None = None,
        *,
        system: str,
        prompt: str,
        ctx: CallContext,
        sample_index: int = 0,
        prompt_version: str | None = None,
    ) -> AsyncIterator[StreamItem]:
        """The answer as `TextDelta`s, then one `StreamDone` with the result.

        With `output` a model, the deltas are the JSON text and
        `StreamDone.result.output` is the validated object.
        """
        result = await self._run(
            flow,
            output,
            system=system,
            prompt=prompt,
            ctx=ctx,
            sample_index=sample_index,
            prompt_version=prompt_version,
        )
        if result.text:
            yield TextDelta(result.text)
        yield StreamDone(result)

    async def _run(
        self,
        flow: str,
        output: type[BaseModel] | None,
        *,
        system: str,
        prompt: str,
        ctx: CallContext,
        sample_index: int,
        prompt_version: str | None,
    ) -> LLMResult[Any]:
        started = time.perf_counter()
        user_settings, project = await self._resolver.load_overrides(ctx, None)
        route = self._resolver.route_from(flow, user_settings, project)
        request = ProviderRequest(
            model=route.model,
            system=system,
            messages=(Message("user", prompt),),
            temperature=route.temperature,
            max_tokens=route.max_tokens,
            timeout=route.timeout,
            json_schema=_schema(output) if output is not None else None,
            schema_name=output.__name__ if output is not None else "output",
            flow=flow,
            seed=sample_index,
        )
        usage = CallUsage(route, flow, ctx, prompt_version)
        prices = price_table()
        expected = prices.cost(
            route.provider, route.model, len(system + prompt) // 4, route.max_tokens
        )
        usage.expected_usd = expected or 0.0
        try:
            await self._ensure_budget_for(usage)
        except SightError:
            await self._usage.record(usage, started)
            raise

        use_cache = self.settings.llm.cache_enabled and route.provider != "offline"
        key = cache_key(route.provider, request, sample_index) if use_cache else ""
        if use_cache:
            hit = await self._cache.get(key)
            if hit is not None:
                usage.cache_hit = True
                usage.input_tokens, usage.output_tokens = (
                    hit.input_tokens,
                    hit.output_tokens,
                )
                try:
                    value = _parse(hit.text, output)
                except OutputInvalid:
                    value = None  # a stale entry from an older schema: ask again
                if value is not None:
                    usage.outcome = "ok"
                    await self._usage.record(usage, started, cost=0.0)
                    return self._result(
                        value, hit.text, route, usage, started, cached=True
                    )
                usage.cache_hit = False

        provider = self._provider(
            route.provider, self._resolver.credentials(route.provider, user_settings)
        )
        repairs_left = self.settings.llm.repair_attempts if output is not None else 0
        try:
            while True:
                response = await self._call(provider, route, request, usage)
                try:
                    value = _parse(response.text, output)
                    break
                except OutputInvalid as invalid:
                    if response.finish_reason == "length":
                        reason = (
                            f"{invalid.reason}; the answer was cut off at "
                            f"{route.max_tokens} tokens, so be more concise"
                        )
                    else:
                        reason = invalid.reason
                    if repairs_left <= 0:
                        usage.outcome = "invalid_output"
                        raise StructuredOutputFailed(
                            f"the model's answer for {flow} did not match the expected "
                            f"structure after {usage.attempts} attempts ({reason})"
                        ) from None
                    repairs_left -= 1
                    request = _with_feedback(request, response.text, reason)
        except SightError:
            await self._usage.record(usage, started)
            raise
        except BaseException:
            usage.outcome = (
                usage.outcome if usage.outcome != "ok" else "error:cancelled"
            )
            await asyncio.shield(self._usage.record(usage, started))
            raise
        usage.outcome = "ok"
        if use_cache:
            await self._cache.put(
                key,
                route.provider,
                route.model,
                flow,
                CachedAnswer(response.text, usage.input_tokens, usage.output_tokens),
            )
        cost = await self._usage.record(usage, started)
        return self._result(value, response.text, route, usage, started, cost=cost)

    async def _call(
        self,
        provider: ChatProvider,
        route: Route,
        request: ProviderRequest,
        usage: CallUsage,
    ) -> ProviderResponse:
        breaker = self._breaker(route.provider)
        limiter = self._limiter(route.provider)
        max_retries = self.settings.llm.max_retries
        retry = 0
        while True:
            usage.attempts += 1
            try:
                breaker.before_call()
            except CircuitOpen as exc:
                usage.outcome = "error:circuit_open"
                raise LLMProviderFailed(
                    f"{route.provider} is failing repeatedly; calls are paused for "
                    f"{exc.retry_in:.0f}s (flow {route.flow})",
                    status_code=503,
                ) from None
            estimated = (
                len(request.system) // 4
                + sum(len(m.content) for m in request.messages) // 4
            )
            try:
                async with limiter.slot(estimated + request.max_tokens):
                    # Checked again right before spending: many calls may have
                    # queued for a slot since the first check, and a budget can
                    # run out (or be lowered) while they wait.
                    await self._ensure_budget_for(usage)
                    response = await asyncio.wait_for(
                        provider.generate(request), timeout=request.timeout + 5
                    )
            except TimeoutError:
                error = ProviderError(
                    ErrorKind.timeout, f"no answer within {request.timeout:.0f}s"
                )
            except ProviderError as exc:
                error = exc
            else:
                breaker.record_success()
                usage.input_tokens += response.input_tokens
                usage.output_tokens += response.output_tokens
                return response
            usage.outcome = f"error:{error.kind}"
            if not error.retryable:
                # Our request or our key is wrong: the provider is not unhealthy.
                raise LLMProviderFailed(
                    f"{route.provider} rejected the request for {route.flow}: "
                    f"{error.message}",
                    status_code=400 if error.kind == "bad_request" else 502,
                )
            breaker.record_failure()
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

    def _result(
        self,
        value: Any,
        text: str,
        route: Route,
        usage: CallUsage,
        started: float,
        *,
        cached: bool = False,
        cost: float = 0.0,
    ) -> LLMResult[Any]:
        return LLMResult(
            output=value,
            text=text,
            route=route,
            cached=cached,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=cost,
            latency_ms=(time.perf_counter() - started) * 1000,
            attempts=usage.attempts,
            prompt_version=usage.prompt_version,
        )

    # ---- embeddings ----------------------------------------------------------

    async def embedder(self) -> EmbeddingProvider:
        async with self._embedder_lock:
            if self._embedder is None:
                self._embedder = build_embedding_provider(self.settings)
            return self._embedder

    async def embed(
        self, texts: list[str], ctx: CallContext, flow: str = "embeddings"
    ) -> list[list[float]]:
        embedder = await self.embedder()
        started = time.perf_counter()
        route = Route(
            flow=flow,
            provider=embedder.name,
            model=embedder.model,
            temperature=0,
            max_tokens=0,
            timeout=60,
            source="default",
        )
        usage = CallUsage(route, flow, ctx, None)
        usage.input_tokens = sum(len(t) for t in texts) // 4
        usage.attempts = 1
        try:
            vectors = await embedder.embed(texts)
        except ProviderError as exc:
            usage.outcome = f"error:{exc.kind}"
            await self._usage.record(usage, started)
            raise LLMProviderFailed(
                f"embedding failed ({embedder.name}): {exc.message}"
            ) from None
        usage.outcome = "ok"
        await self._usage.record(usage, started)
        return vectors

    async def aclose(self) -> None:
        for provider in self._providers.values():
            await provider.aclose()
        if self._embedder is not None:
            await self._embedder.aclose()


@functools.cache
def _schema(output: type[BaseModel]) -> dict[str, Any]:
    return output.model_json_schema()


def _parse(text: str, output: type[BaseModel] | None) -> Any:
    if output is None:
        return text
    value, _ = parse_structured(text, output)
    return value


def _with_feedback(
    request: ProviderRequest, answer: str, reason: str
) -> ProviderRequest:
    feedback = (
        f"Your previous answer could not be used: {reason}. Reply again with only a "
        "JSON object that follows the schema exactly."
    )
    messages = (
        *request.messages,
        Message("assistant", answer[:4000]),
        Message("user", feedback),
    )
    return ProviderRequest(
        model=request.model,
        system=request.system,
        messages=messages,
        temperature=request.temperature,
        max_tokens=request.max_tokens,
        timeout=request.timeout,
        json_schema=request.json_schema,
        schema_name=request.schema_name,
        flow=request.flow,
        seed=request.seed,
    )


def _fingerprint(secret: str | None) -> str | None:
    # Providers are cached per key without keeping the key itself as a dict key.
    return hashlib.sha256(secret.encode()).hexdigest()[:16] if secret else None
