"""Which provider, model and credentials answer a flow for a user and project.

Precedence: project override > user setting > deployment default (the first
configured provider of PROVIDER_ORDER). User keys are stored encrypted and
decrypted once per process.

Credentials follow one rule: the deployment's key is only ever sent to the
deployment's endpoint. A user's base URL is used with the user's key (or no
key), and a user key that no longer decrypts is an error the user sees, never a
silent fallback to the deployment's key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from sight.config import Settings
from sight.kit.errors import SightError
from sight.llm.config import routing_table
from sight.llm.models import UserLLMSettings
from sight.llm.policies import LLMPolicies, ProjectPolicy
from sight.llm.secrets import KeyVault
from sight.llm.types import CallContext, Route
from sight.postgres import SessionMaker

PROVIDER_ORDER = ("gemini", "openai", "anthropic", "ollama", "offline")


class LLMNotConfigured(SightError):
    status_code = 400


class UserKeyUnreadable(SightError):
    status_code = 409


BilledTo = Literal["deployment", "user", "none"]


@dataclass(frozen=True)
class Credentials:
    api_key: str | None
    base_url: str | None
    # Who pays for a call: the operator's key, the user's own key, or nobody
    # (offline engine, a keyless local server).
    billed_to: BilledTo = "deployment"
    # The base URL is the user's choice: subject to the SSRF guard, and its
    # error bodies are not echoed.
    user_endpoint: bool = False

    @property
    def endpoint_key(self) -> str:
        """Identifies the credential and endpoint actually used (breakers and
        limits are per endpoint key), without containing the secret."""
        secret = (
            hashlib.sha256(self.api_key.encode()).hexdigest()[:16]
            if self.api_key
            else "-"
        )
        return f"{self.base_url or 'default'}|{secret}"


class RouteResolver:
    def __init__(
        self,
        settings: Settings,
        sessionmaker: SessionMaker,
        *,
        ollama_available: bool,
        policies: LLMPolicies,
    ) -> None:
        self.settings = settings
        self._sessionmaker = sessionmaker
        self._policies = policies
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
        self,
        flow: str,
        user_settings: UserLLMSettings | None,
        project: ProjectPolicy | None,
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
    ) -> tuple[UserLLMSettings | None, ProjectPolicy | None]:
        if ctx.user_id is None and ctx.project_id is None:
            return None, None
        if session is not None:
            return await self._overrides_in(session, ctx)
        async with self._sessionmaker() as own:
            return await self._overrides_in(own, ctx)

    async def _overrides_in(
        self, session: AsyncSession, ctx: CallContext
    ) -> tuple[UserLLMSettings | None, ProjectPolicy | None]:
        user_settings = (
            await session.get(UserLLMSettings, ctx.user_id) if ctx.user_id else None
        )
        project = (
            await self._policies.projects.policy(session, ctx.project_id)
            if ctx.project_id
            else None
        )
        return user_settings, project

    def credentials(
        self, provider: str, user_settings: UserLLMSettings | None
    ) -> Credentials:
        s = self.settings
        if provider not in {"gemini", "openai", "anthropic"}:
            # Offline engine and Ollama: no key, nobody pays.
            return Credentials(None, None, billed_to="none")
        row = user_settings
        user_url = (
            row.openai_base_url if row is not None and provider == "openai" else None
        )
        if row is not None and provider in row.encrypted_keys:
            user_key = self._decrypt(row.encrypted_keys[provider])
            if user_key is None:
                raise UserKeyUnreadable(
                    f"your stored {provider} API key can no longer be read (the "
                    "server's secret key changed): re-enter your key in the LLM "
                    "settings"
                )
            return Credentials(
                user_key,
                user_url or self._deployment_url(provider),
                billed_to="user",
                user_endpoint=user_url is not None,
            )
        if user_url is not None:
            # The user's own server without a key of theirs (vLLM, LM Studio):
            # the deployment's key must never travel to a URL a user chose.
            return Credentials(None, user_url, billed_to="none", user_endpoint=True)
        deployment = {
            "gemini": s.google_api_key,
            "openai": s.openai_api_key,
            "anthropic": s.anthropic_api_key,
        }[provider]
        key = deployment.get_secret_value() if deployment else None
        base_url = self._deployment_url(provider)
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
        return Credentials(key, base_url, billed_to="deployment" if key else "none")

    def _deployment_url(self, provider: str) -> str | None:
        return {
            "openai": self.settings.openai_base_url,
            "gemini": self.settings.llm.gemini_base_url,
            "anthropic": self.settings.llm.anthropic_base_url,
        }.get(provider)

    def _decrypt(self, token: str) -> str | None:
        # Decrypting (HMAC + AES) on every call is measurable in bulk runs.
        if token not in self._decrypted:
            self._decrypted[token] = self._vault.decrypt(token)
        return self._decrypted[token]
