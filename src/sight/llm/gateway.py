"""The LLM gateway: routing, limits, retries, repair, cache, usage, budgets.

Every model call in Sight goes through `LLMGateway.generate` (structured, returns
a Pydantic object), `generate_text`, or `stream` (text as it is written, then
the same result), tagged with its flow (`personas.enrich`,
`focus_groups.answer`, ...). Per call, in order:

1. resolve the route (project override > user setting > deployment default)
   and the credentials (see resolver.py); the user's settings, the project's
   policy and the spend limits are remembered per process for a moment
   (recent.py), so a burst of calls reads them once;
2. refuse up front if the estimate would cross a spend limit (budget.py:
   against running totals of the month's spend, exactly near a limit);
3. answer from the cache when the same request was answered before;
4. call the provider inside its concurrency/rate limits, retrying 429/5xx/
   timeouts with backoff (honouring Retry-After) unless its circuit is open
   (calls.py; all keyed by the endpoint and credential used);
5. parse and validate the answer, asking again with the validation errors a
   bounded number of times;
6. record usage (tokens, cost, latency, outcome) whether it worked or not:
   priced and counted at once, its row stored in the next batch right after
   the caller has the answer (usage.py; `flush_usage` waits for it).

The gateway holds no database session across a model call.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from sight.config import Settings
from sight.kit.errors import SightError
from sight.llm.budget import BudgetGuard, Limits, user_limit
from sight.llm.cache import CachedAnswer, ResponseCache, cache_entry, cache_key
from sight.llm.calls import DeltaSink, LLMProviderFailed, ProviderCalls
from sight.llm.config import price_table, routing_table
from sight.llm.embedding_calls import EmbeddingCalls
from sight.llm.models import UserLLMSettings
from sight.llm.policies import LLMPolicies, ProjectPolicy
from sight.llm.providers.base import (
    EmbeddingProvider,
    ImagePart,
    Message,
    ProviderRequest,
    ProviderResponse,
)
from sight.llm.recent import Recent, watch_writes
from sight.llm.resolver import Credentials, RouteResolver
from sight.llm.slots import slot_store
from sight.llm.structured import (
    OutputInvalid,
    output_schema,
    parse_output,
    with_feedback,
)
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
from sight.llm.vision import IMAGE_INPUT_TOKENS, accepts_images, images_refused
from sight.observability import Metrics
from sight.postgres import SessionMaker, create_sessionmaker

__all__ = ["LLMGateway", "LLMProviderFailed", "StructuredOutputFailed"]

T = TypeVar("T", bound=BaseModel)


class StructuredOutputFailed(SightError):
    status_code = 502


@dataclass(frozen=True)
class _Standing:
    """What a user's calls on a project depend on besides the flow."""

    user_settings: UserLLMSettings | None
    project: ProjectPolicy | None
    limits: Limits


@dataclass
class _Call:
    """One gateway call between its route and its usage row."""

    flow: str
    output: type[BaseModel] | None
    route: Route
    creds: Credentials
    request: ProviderRequest
    usage: CallUsage
    started: float
    cache_key: str | None
    limits: Limits
    # When the budget was last checked for this call (monotonic seconds).
    budget_checked: float = 0.0


# A check this recent still holds for the call's first attempt: the re-check
# before spending is for calls that queued for a provider slot meanwhile.
BUDGET_RECHECK_AFTER_SECONDS = 0.25

# How long a user's settings, project policy and limits are reused by calls
# (changes made through this process's engine apply at once; see recent.py).
STANDING_SECONDS = 2.0


class LLMGateway:
    def __init__(
        self,
        settings: Settings,
        sessionmaker: SessionMaker,
        *,
        metrics: Metrics | None = None,
        ollama_available: bool = False,
        policies: LLMPolicies | None = None,
    ) -> None:
        self.settings = settings
        self.policies = policies or LLMPolicies()
        self._sessionmaker = sessionmaker
        engine = sessionmaker.kw["bind"]
        watch_writes(engine)
        # Reads that need no transaction (budget totals, cache look-ups).
        reads = create_sessionmaker(engine, autocommit=True)
        self._reads = reads
        self._cache = ResponseCache(reads)
        self._standings: Recent[_Standing] = Recent(STANDING_SECONDS)
        self._resolver = RouteResolver(
            settings,
            sessionmaker,
            ollama_available=ollama_available,
            policies=self.policies,
        )
        self._usage = UsageRecorder(
            sessionmaker,
            metrics,
            settings=settings.llm,
            policies=self.policies,
            on_spend=lambda *spend: self._budget.ledger.add(*spend),
        )
        self._budget = BudgetGuard(reads, settings.llm, self._usage.pending_rows)
        redis_url = (
            settings.redis_url.get_secret_value() if settings.redis_url else None
        )
        self._calls = ProviderCalls(
            settings, redis_url, slot_store(settings, sessionmaker)
        )
        self._embeddings = EmbeddingCalls(
            settings, self._usage, slot_for=self._embedding_slot
        )

    def warm_up(self) -> None:
        """Make the deployment's default provider's client now (importing its
        SDK): a `sight worker` does this at start, so its first job's calls do
        not wait on seconds of imports holding the event loop."""
        name = self.default_provider()
        try:
            creds = self._resolver.credentials(name, None)
        except SightError:
            return  # no deployment key: users bring theirs
        self._calls.provider(name, creds)

    # ---- routing (see resolver.py) -------------------------------------------

    def default_provider(self) -> str:
        return self._resolver.default_provider()

    def sees_images(self, route: Route) -> bool:
        """Whether the route's model can be shown an image (llm/vision.py)."""
        return accepts_images(
            route.provider, route.model, self.settings.llm.vision_models
        )

    async def route(
        self, flow: str, ctx: CallContext, session: AsyncSession | None = None
    ) -> Route:
        """The effective route; pass `session` to see its uncommitted changes."""
        return await self._resolver.route(flow, ctx, session)

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

    async def ensure_budget(
        self, ctx: CallContext, estimate_usd: float, *, flow: str | None = None
    ) -> None:
        """Raise BudgetExceeded (402) if `estimate_usd` more would cross a limit.

        The deployment's ceiling applies when `flow`'s calls (without `flow`:
        any flow's) would be paid with the deployment's key.
        """
        # Read now, not remembered: a job's check up front is exact.
        standing = await self._load_standing(ctx)
        flows = [flow] if flow is not None else sorted(routing_table().flows)
        payers = set()
        for name in flows:
            route = self._resolver.route_from(
                name, standing.user_settings, standing.project
            )
            try:
                creds = self._resolver.credentials(
                    route.provider, standing.user_settings
                )
            except SightError:
                continue  # refused when that flow is called, with its own reason
            payers.add(creds.billed_to)
        billed_to = "deployment" if "deployment" in payers else "user"
        await self._budget.check(
            standing.limits,
            user_id=ctx.user_id,
            project_id=ctx.project_id,
            estimate_usd=estimate_usd,
            billed_to=billed_to,
            exact=True,
        )

    async def _load_standing(self, ctx: CallContext) -> _Standing:
        async with self._reads() as session:
            user_settings, project = await self._resolver.load_overrides(ctx, session)
            limit = (
                await user_limit(session, self.policies, self.settings.llm, ctx.user_id)
                if ctx.user_id is not None
                else 0.0
            )
        return _Standing(user_settings, project, Limits(limit, project))

    async def _standing(self, ctx: CallContext) -> _Standing:
        # Keyed by both: one user's settings never answer another's calls.
        return await self._standings.get(
            (ctx.user_id, ctx.project_id), lambda: self._load_standing(ctx)
        )

    async def _budget_for(self, call: _Call) -> None:
        try:
            await self._budget.check(
                call.limits,
                user_id=call.usage.ctx.user_id,
                project_id=call.usage.ctx.project_id,
                estimate_usd=call.usage.expected_usd,
                billed_to=call.creds.billed_to,
            )
        except SightError:
            call.usage.outcome = "budget_exceeded"
            raise
        call.budget_checked = time.monotonic()

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
        images: tuple[ImagePart, ...] = (),
    ) -> LLMResult[T]:
        """One structured call; returns a validated `output` instance."""
        call = await self._prepare(
            flow, output, system, prompt, ctx, sample_index, prompt_version, images
        )
        result: LLMResult[T] = await self._run(call)
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
        images: tuple[ImagePart, ...] = (),
    ) -> LLMResult[str]:
        call = await self._prepare(
            flow, None, system, prompt, ctx, sample_index, prompt_version, images
        )
        result: LLMResult[str] = await self._run(call)
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
        images: tuple[ImagePart, ...] = (),
    ) -> AsyncIterator[StreamItem]:
        """The answer as `TextDelta`s while it is written, then one
        `StreamDone` with the same `LLMResult` `generate` would return.

        With `output` a model, the deltas are the JSON text being written and
        `StreamDone.result.output` is the validated object (repaired with a
        plain call if the streamed JSON did not validate). A cached answer
        arrives as one delta. The provider call runs in its own task, which
        holds the concurrency slot until the provider has finished; leaving
        the loop early cancels it (its usage row is still written).
        """
        call = await self._prepare(
            flow, output, system, prompt, ctx, sample_index, prompt_version, images
        )
        cached = await self._from_cache(call)
        if cached is not None:
            if cached.text:
                yield TextDelta(cached.text)
            yield StreamDone(cached)
            return
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        task = asyncio.create_task(self._stream_call(call, queue.put_nowait))
        task.add_done_callback(lambda _: queue.put_nowait(None))
        try:
            while (text := await queue.get()) is not None:
                yield TextDelta(text)
            result = await task
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        yield StreamDone(result)

    async def _prepare(
        self,
        flow: str,
        output: type[BaseModel] | None,
        system: str,
        prompt: str,
        ctx: CallContext,
        sample_index: int,
        prompt_version: str | None,
        images: tuple[ImagePart, ...] = (),
    ) -> _Call:
        """Route, credentials and the up-front budget check."""
        started = time.perf_counter()
        standing = await self._standing(ctx)
        user_settings = standing.user_settings
        route = self._resolver.route_from(flow, user_settings, standing.project)
        if images and not self.sees_images(route):
            raise images_refused(route.provider, route.model)
        request = ProviderRequest(
            model=route.model,
            system=system,
            messages=(Message("user", prompt, images),),
            temperature=route.temperature,
            max_tokens=route.max_tokens,
            timeout=route.timeout,
            json_schema=output_schema(output) if output is not None else None,
            schema_name=output.__name__ if output is not None else "output",
            flow=flow,
            seed=sample_index,
        )
        usage = CallUsage(route, flow, ctx, prompt_version)
        try:
            creds = self._resolver.credentials(route.provider, user_settings)
        except SightError:
            usage.outcome = "error:credentials"
            await self._usage.record(usage, started)
            raise
        usage.billed_to = creds.billed_to
        expected = price_table().cost(
            route.provider,
            route.model,
            len(system + prompt) // 4 + IMAGE_INPUT_TOKENS * len(images),
            route.max_tokens,
        )
        usage.expected_usd = expected or 0.0
        use_cache = self.settings.llm.cache_enabled and route.provider != "offline"
        call = _Call(
            flow=flow,
            output=output,
            route=route,
            creds=creds,
            request=request,
            usage=usage,
            started=started,
            cache_key=cache_key(route.provider, request, sample_index)
            if use_cache
            else None,
            limits=standing.limits,
        )
        try:
            await self._budget_for(call)
        except SightError:
            await self._usage.record(usage, started)
            raise
        return call

    async def _from_cache(self, call: _Call) -> LLMResult[Any] | None:
        if call.cache_key is None:
            return None
        unstored = self._usage.unstored_cache_entry(call.cache_key)
        hit = (
            CachedAnswer(
                unstored["text"], unstored["input_tokens"], unstored["output_tokens"]
            )
            if unstored is not None
            else await self._cache.get(call.cache_key)
        )
        if hit is None:
            return None
        try:
            value = parse_output(hit.text, call.output)
        except OutputInvalid:
            return None  # a stale entry from an older schema: ask again
        usage = call.usage
        usage.cache_hit = True
        usage.input_tokens, usage.output_tokens = hit.input_tokens, hit.output_tokens
        usage.outcome = "ok"
        await self._usage.record(usage, call.started, cost=0.0)
        return self._result(call, value, hit.text, cached=True)

    async def _run(self, call: _Call) -> LLMResult[Any]:
        cached = await self._from_cache(call)
        if cached is not None:
            return cached
        return await self._accounted(call, self._answer(call, None))

    async def _stream_call(self, call: _Call, sink: DeltaSink) -> LLMResult[Any]:
        return await self._accounted(call, self._answer(call, sink))

    async def _answer(
        self, call: _Call, sink: DeltaSink | None
    ) -> tuple[Any, ProviderResponse]:
        """Ask (streaming into `sink` if given), validate, repair."""
        usage, route = call.usage, call.route
        request = call.request

        async def budget() -> None:
            if time.monotonic() - call.budget_checked < BUDGET_RECHECK_AFTER_SECONDS:
                return  # checked a moment ago (a third of a call's queries at L=0)
            # The limits as they are now: a call that queued for a provider
            # slot must see a budget lowered meanwhile, not the one it began with.
            call.limits = (await self._standing(call.usage.ctx)).limits
            await self._budget_for(call)

        if sink is not None:
            response = await self._calls.stream(
                call.creds, route, request, usage, budget, sink
            )
        else:
            response = await self._calls.call(call.creds, route, request, usage, budget)
        repairs_left = (
            self.settings.llm.repair_attempts if call.output is not None else 0
        )
        while True:
            try:
                return parse_output(response.text, call.output), response
            except OutputInvalid as invalid:
                reason = invalid.reason
                if response.finish_reason == "length":
                    reason = (
                        f"{reason}; the answer was cut off at {route.max_tokens} "
                        "tokens, so be more concise"
                    )
                if repairs_left <= 0:
                    usage.outcome = "invalid_output"
                    raise StructuredOutputFailed(
                        f"the model's answer for {call.flow} did not match the "
                        f"expected structure after {usage.attempts} attempts "
                        f"({reason})"
                    ) from None
                repairs_left -= 1
                request = with_feedback(request, response.text, reason)
                response = await self._calls.call(
                    call.creds, route, request, usage, budget
                )

    async def _accounted(
        self, call: _Call, answer: Awaitable[tuple[Any, ProviderResponse]]
    ) -> LLMResult[Any]:
        """Await `answer`, cache it, and write the usage row in every case."""
        usage = call.usage
        try:
            value, response = await answer
        except SightError:
            await self._usage.record(usage, call.started)
            raise
        except BaseException:
            if usage.outcome == "ok":
                usage.outcome = "error:cancelled"
            await asyncio.shield(self._usage.record(usage, call.started))
            raise
        usage.outcome = "ok"
        if call.cache_key is not None:
            self._usage.store_cache_entry(
                cache_entry(
                    call.cache_key,
                    call.route.provider,
                    call.route.model,
                    call.flow,
                    CachedAnswer(
                        response.text, usage.input_tokens, usage.output_tokens
                    ),
                )
            )
        cost = await self._usage.record(usage, call.started)
        return self._result(call, value, response.text, cost=cost)

    def _result(
        self,
        call: _Call,
        value: Any,
        text: str,
        *,
        cached: bool = False,
        cost: float = 0.0,
    ) -> LLMResult[Any]:
        usage = call.usage
        return LLMResult(
            output=value,
            text=text,
            route=call.route,
            cached=cached,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=cost,
            latency_ms=(time.perf_counter() - call.started) * 1000,
            attempts=usage.attempts,
            prompt_version=usage.prompt_version,
        )

    # ---- embeddings (see embedding_calls.py) ---------------------------------

    async def embedder(self) -> EmbeddingProvider:
        return await self._embeddings.embedder()

    async def embed(
        self,
        texts: list[str],
        ctx: CallContext,
        flow: str = "embeddings",
        *,
        in_provider_slots: bool = False,
    ) -> list[list[float]]:
        """`in_provider_slots`: wait for one of the embedding provider's
        concurrency slots, shared with its chat calls (a job's background
        embeddings; a search's query does not queue behind a job's calls)."""
        return await self._embeddings.embed(
            texts, ctx, flow, in_provider_slots=in_provider_slots
        )

    def _embedding_slot(
        self, provider: str
    ) -> AbstractAsyncContextManager[None] | None:
        # The deployment's key embeds: the chat calls on that key share it.
        if provider not in {"openai", "gemini"}:
            return None
        try:
            creds = self._resolver.credentials(provider, None)
        except SightError:
            return None
        return self._calls.limiter(provider, creds).in_flight()

    async def flush_usage(self) -> None:
        """Wait until the usage rows (and cache entries) of every call made so
        far are stored: a job's end and shutdown call this."""
        await self._usage.flush()

    async def aclose(self) -> None:
        await self._usage.aclose()
        await self._calls.aclose()
        await self._embeddings.aclose()
