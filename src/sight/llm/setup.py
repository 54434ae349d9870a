"""Building the gateway for a process (API or worker)."""

from __future__ import annotations

import logging

from sight.config import Settings
from sight.llm.gateway import LLMGateway
from sight.llm.policies import LLMPolicies
from sight.observability import Metrics
from sight.postgres import SessionMaker

logger = logging.getLogger("sight.llm")


async def build_gateway(
    settings: Settings,
    sessionmaker: SessionMaker,
    metrics: Metrics | None = None,
    *,
    policies: LLMPolicies | None = None,
) -> LLMGateway:
    """`policies`: the domains' answers on spend limits and project overrides;
    by default those of the registered domains (`sight.domains.llm_policies`),
    the one place that knows which domain implements what."""
    if policies is None:
        from sight.domains import llm_policies

        policies = llm_policies()
    ollama = False
    if settings.llm.detect_ollama and settings.llm.default_provider in (None, "ollama"):
        from sight.llm.providers.probe import detect_ollama

        models = await detect_ollama(settings.llm.ollama_url)
        ollama = bool(models)
        if ollama:
            logger.info("Ollama detected", extra={"models": models})
    gateway = LLMGateway(
        settings,
        sessionmaker,
        metrics=metrics,
        ollama_available=ollama,
        policies=policies,
    )
    logger.info(
        "LLM gateway ready", extra={"default_provider": gateway.default_provider()}
    )
    return gateway
