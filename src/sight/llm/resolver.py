"""Which provider, model and credentials answer a flow for a user and project.

Precedence: project override > user setting > deployment default (the first
configured provider of PROVIDER_ORDER). User keys are stored encrypted and
decrypted once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sight.config import Settings
from sight.kit.errors import SightError
from sight.llm.config import routing_table
from sight.llm.models import UserLLMSettings
from sight.llm.secrets import KeyVault
from sight.llm.types import CallContext, Route
from sight.postgres import SessionMaker
from sight.projects.models import Project

PROVIDER_ORDER = ("gemini", "openai", "anthropic", "ollama", "offline")


class LLMNotConfigured(SightError):
    status_code = 400


@dataclass
class Credentials:
    api_key: str | None
    base_url: str | None


class RouteResolver:
    def __init__(
        self, settings: Settings, sessionmaker: SessionMaker, *, ollama_available: bool
    ) -> None:
        self.settings = settings
        self._sessionmaker = sessionmaker
        self._ollama_available = ollama_available
        self._vault = KeyVault(settings.secret_key.get_secret_value())
        self._decrypted: dict[str, str | None] = {}

    def default_provider(self) -> str:
        forced = self.settings.llm.default_provider
        if forced:
            return forced
        s = self.settings
        configured = {
            "gemini": s.google_api_key is not None,
            "openai": s.openai_api_key is not None or s.openai_base_url is not None,
            "anthropic": s.anthropic_api_key is not None,
            "ollama": self._ollama_available,
            "offline": True,
        }
        return next(name for name in PROVIDER_ORDER if configured[name])

    async def route(
        self, flow: str, ctx: CallContext, session: AsyncSession | None = None
    ) -> Route:
        """The effective route; pass `session` to see its uncommitted changes."""
        user_settings, project = await self.load_overrides(ctx, session)
        return self.route_from(flow, user_settings, project)

    def route_from(
        self, flow: str, user_settings: UserLLMSettings | None, project: Project | None
    ) -> Route:
        table = routing_table()
        cfg = table.flow(flow)
        provider, source = self.default_provider(), "default"
        overrides: dict[str, Any] = {}
        if user_settings is not None:
            if user_settings.provider:
                provider, source = user_settings.provider, "user"
            user_flow = user_settings.overrides.get(flow, {})
            if user_flow:
                source = "user"
            overrides.update(user_flow)
        if project is not None and project.llm_overrides:
            if project.llm_overrides.get("provider"):
                provider, source = project.llm_overrides["provider"], "project"
            project_flow = project.llm_overrides.get("flows", {}).get(flow, {})
            if project_flow:
                source = "project"
            overrides.update(project_flow)
        provider = overrides.get("provider", provider)
        models = table.models.get(provider)
        if models is None:
            raise LLMNotConfigured(
                f"unknown provider {provider!r} in the routing for {flow}"
            )
        return Route(
            flow=flow,
            provider=provider,
            model=overrides.get("model", models[cfg.tier]),
            temperature=float(overrides.get("temperature", cfg.temperature)),
            max_tokens=int(overrides.get("max_tokens", cfg.max_tokens)),
            timeout=float(overrides.get("timeout", cfg.timeout)),
            source=source,
        )

    async def load_overrides(
        self, ctx: CallContext, session: AsyncSession | None
    ) -> tuple[UserLLMSettings | None, Project | None]:
        if ctx.user_id is None and ctx.project_id is None:
            return None, None
        if session is not None:
            return await _overrides_in(session, ctx)
        async with self._sessionmaker() as own:
            return await _overrides_in(own, ctx)

    def credentials(
        self, provider: str, user_settings: UserLLMSettings | None
    ) -> Credentials:
        s = self.settings
        deployment = {
            "gemini": s.google_api_key,
            "openai": s.openai_api_key,
            "anthropic": s.anthropic_api_key,
        }.get(provider)
        key = deployment.get_secret_value() if deployment else None
        base_url = s.openai_base_url if provider == "openai" else None
        row = user_settings
        if row is not None and provider in {"gemini", "openai", "anthropic"}:
            if provider in row.encrypted_keys:
                user_key = self._decrypt(row.encrypted_keys[provider])
                if user_key:
                    key = user_key
                if provider == "openai" and row.openai_base_url:
                    base_url = row.openai_base_url
        if provider in {"gemini", "anthropic"} and not key:
            raise LLMNotConfigured(
                f"no API key for {provider}: add one in your settings "
                "or set it on the server"
            )
        if provider == "openai" and not key and not base_url:
            raise LLMNotConfigured(
                "no API key or base URL for openai: add one in your settings "
                "or set it on the server"
            )
        return Credentials(key, base_url)

    def _decrypt(self, token: str) -> str | None:
        # Decrypting (HMAC + AES) on every call is measurable in bulk runs.
        if token not in self._decrypted:
            self._decrypted[token] = self._vault.decrypt(token)
        return self._decrypted[token]


async def _overrides_in(
    session: AsyncSession, ctx: CallContext
) -> tuple[UserLLMSettings | None, Project | None]:
    user_settings = (
        await session.get(UserLLMSettings, ctx.user_id) if ctx.user_id else None
    )
    project = await session.get(Project, ctx.project_id) if ctx.project_id else None
    return user_settings, project
