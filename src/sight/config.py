"""Settings, read from the environment (and an optional `.env`).

The seed product's variable names (`DATABASE_URL`, `REDIS_URL`, `NEO4J_URI`,
`NEO4J_PASSWORD`, `GOOGLE_API_KEY`, `SECRET_KEY`, ...) are honoured as they are;
Sight's own knobs use the `SIGHT_` prefix. Nothing here is built at import time:
call `get_settings()` (cached) or construct `Settings()` in tests.
"""

from __future__ import annotations

import functools
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import unquote, urlsplit

from pydantic import AliasChoices, BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# Placeholders that must never reach production.
_DEFAULT_SECRET_KEY = "dev-insecure-secret-key-change-me-0000000000"  # noqa: S105
_KNOWN_DEFAULT_PASSWORDS = frozenset(
    {"", "password", "postgres", "neo4j", "changeme", "sight", "admin", "secret"}
)
MIN_SECRET_KEY_LENGTH = 32
# A random key of 32+ characters uses many different ones (hex: ~14 of 16); a
# key with fewer was typed by hand ("aaaa…", "abcabc…") and is guessable.
MIN_SECRET_KEY_DISTINCT = 10


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class AuthSettings(BaseModel):
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    # Login attempts per (account, client address): an attacker elsewhere cannot
    # lock the real user out. Shared by all API instances when Redis is set.
    login_rate_limit: str = "10/minute"
    # Per client address over all accounts (password spraying from one address).
    login_address_rate_limit: str = "60/minute"
    # Over all accounts and addresses: the backstop against a distributed attack.
    login_global_rate_limit: str = "1000/minute"
    register_rate_limit: str = "5/minute"
    # The refresh cookie is `Secure` (browsers accept it on http://localhost too).
    refresh_cookie_secure: bool = True
    # The first account registered on an empty deployment becomes its admin
    # (otherwise: `sight users set-role EMAIL admin`).
    first_user_admin: bool = True
    # An API token's last use is stored at most this often (seconds): a script
    # making many requests must not write to the database on every one.
    token_last_used_interval_seconds: float = 60.0


class JobSettings(BaseModel):
    # `sight serve` runs a worker in-process so a laptop needs nothing else.
    run_worker_in_process: bool = True
    worker_concurrency: int = 8
    # A worker whose heartbeat is older than this is presumed dead; its jobs
    # are retried (and resume from their checkpoints).
    stalled_after_seconds: float = 30.0
    heartbeat_seconds: float = 5.0
    max_attempts: int = 3


class ProviderLimits(BaseModel):
    concurrency: int = Field(10, ge=1, le=1000)
    requests_per_minute: int | None = Field(None, ge=1)
    tokens_per_minute: int | None = Field(None, ge=1)


def _default_limits() -> dict[str, ProviderLimits]:
    # Concurrency per process = what the request limit allows for calls of a
    # few seconds (Little's law: RPM / 60 x ~4 s): OpenAI tier 1 500 RPM -> 32,
    # Gemini tier 1 1,000 RPM -> 64; the RPM limiter still holds the rate.
    return {
        "gemini": ProviderLimits(concurrency=64, requests_per_minute=1000),
        "openai": ProviderLimits(concurrency=32, requests_per_minute=500),
        "anthropic": ProviderLimits(concurrency=5, requests_per_minute=50),
        "ollama": ProviderLimits(concurrency=2),
        "offline": ProviderLimits(concurrency=64),
    }


class LLMSettings(BaseModel):
    # Force one provider for everything (gemini|openai|anthropic|ollama|offline);
    # by default the first configured one in that order is used.
    default_provider: str | None = None
    gemini_base_url: str | None = None
    anthropic_base_url: str | None = None
    ollama_url: str = "http://127.0.0.1:11434"
    detect_ollama: bool = True
    # local (default: the multilingual model in the wheel) | gemini | openai
    embedding_provider: str = "local"
    max_retries: int = Field(4, ge=0, le=10)
    # How long one call keeps coming back to a provider that answers 429 with
    # Retry-After (a rate-limit storm); those waits do not count as retries.
    rate_limit_patience_seconds: float = Field(180.0, ge=0)
    repair_attempts: int = Field(2, ge=0, le=5)
    cache_enabled: bool = True
    # Models of an OpenAI-compatible or Ollama server that can be shown images
    # beyond those named as such (gpt-4o, llava, ...); see llm/vision.py.
    vision_models: tuple[str, ...] = ()
    default_monthly_budget_usd: float = Field(50.0, ge=0)
    # The most a user may spend per month on the deployment's keys; users can
    # lower their own limit below it, and set their own with their own keys.
    # None: the same as default_monthly_budget_usd.
    deployment_monthly_ceiling_usd: float | None = Field(None, ge=0)
    # User-set base URLs may point at loopback, link-local and private
    # addresses only when this is on (a single-user install with a local
    # vLLM/LM Studio, or tests against fake servers on 127.0.0.1).
    allow_private_endpoints: bool = False
    # Seconds between words when the offline engine streams (it answers at
    # once; the pace lets the web app show text appearing). None: 0.02, and 0
    # when env=test.
    offline_word_pace_seconds: float | None = Field(None, ge=0, le=1)
    circuit_threshold: int = Field(5, ge=1)
    circuit_cooldown_seconds: float = Field(30.0, gt=0)
    limits: dict[str, ProviderLimits] = Field(default_factory=_default_limits)


class KnowledgeSettings(BaseModel):
    """The knowledge base: uploads, chunking, retrieval, parsing limits
    (`SIGHT_KNOWLEDGE__*`, documented in docs/configuration.md)."""

    max_upload_mb: float = Field(50.0, gt=0)
    chunk_tokens: int = Field(400, ge=50, le=4000)
    chunk_overlap_tokens: int = Field(60, ge=0, le=1000)
    # Reciprocal rank fusion constant: score = sum of 1 / (rrf_k + rank).
    rrf_k: int = Field(60, ge=1)
    # Candidates each retriever contributes before fusion.
    candidates: int = Field(50, ge=1, le=1000)
    graph_expansion_limit: int = Field(5, ge=0, le=50)
    embed_batch: int = Field(32, ge=1, le=512)
    extract_entities: bool = True
    extract_concurrency: int = Field(4, ge=1, le=64)
    # How often an unreachable Neo4j is retried (and stores swept of orphans).
    reconnect_seconds: float = Field(300.0, gt=0)
    # Cosine similarity a passage needs to be cited (answers, persona briefs);
    # unset: the embedder's measured floor (relevance.py).
    relevance_floor: float | None = Field(None, ge=-1, le=1)
    # Per-document limits of the parsing process (see preparation.py): a file
    # over one of them fails with a reason naming it instead of freezing a worker.
    max_unpacked_mb: float = Field(100.0, gt=0)
    max_paragraphs: int = Field(50_000, ge=1)
    max_pages: int = Field(2_000, ge=1)
    parse_timeout_seconds: float = Field(120.0, gt=0)
    parse_memory_mb: int = Field(1024, ge=64)

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)


# A PostgreSQL memory size as the server reads it (units are case-sensitive).
PG_SIZE = r"\d+\s*(kB|MB|GB|TB)?"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_nested_delimiter="__",
        env_prefix="SIGHT_",
    )

    env: Environment = Field(
        default=Environment.development,
        validation_alias=AliasChoices("SIGHT_ENV", "ENVIRONMENT"),
    )
    secret_key: SecretStr = Field(
        default=SecretStr(_DEFAULT_SECRET_KEY),
        validation_alias=AliasChoices("SECRET_KEY", "SIGHT_SECRET_KEY"),
    )
    log_level: str = Field(
        default="INFO", validation_alias=AliasChoices("LOG_LEVEL", "SIGHT_LOG_LEVEL")
    )
    data_dir: Path = Field(
        default=Path.home() / ".sight",
        validation_alias=AliasChoices("SIGHT_DATA_DIR"),
    )

    database_url: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL")
    )
    # The embedded server's shared_buffers: "auto" (a quarter of the memory,
    # 128 MB to 2 GB) or a PostgreSQL size such as "512MB".
    pg_shared_buffers: str = Field(
        default="auto",
        pattern=rf"^((?i:auto)|{PG_SIZE})$",
        validation_alias=AliasChoices("SIGHT_PG_SHARED_BUFFERS"),
    )
    redis_url: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL")
    )
    neo4j_uri: str | None = Field(
        default=None, validation_alias=AliasChoices("NEO4J_URI")
    )
    neo4j_user: str = Field(
        default="neo4j", validation_alias=AliasChoices("NEO4J_USER", "NEO4J_USERNAME")
    )
    neo4j_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("NEO4J_PASSWORD")
    )
    postgres_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("POSTGRES_PASSWORD")
    )

    google_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("GOOGLE_API_KEY", "GEMINI_API_KEY")
    )
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL")
    )
    anthropic_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ANTHROPIC_API_KEY")
    )

    # Dimension of stored embeddings (512: the local multilingual model;
    # 3072: Gemini gemini-embedding-001). Part of the stored data.
    embedding_dimensions: Annotated[int, Field(gt=0, le=4096)] = 512

    cors_origins: list[str] = Field(default_factory=list)
    # Proxies whose X-Forwarded-For is believed: comma-separated addresses or
    # networks (e.g. "10.0.0.0/8,172.16.0.0/12"), or "*" when the app can only be
    # reached through one proxy (Cloud Run). Empty: the peer address is the client.
    trusted_proxies: str = ""
    # With a token, /metrics also shows LLM tokens and spend (Bearer <token>).
    metrics_token: SecretStr | None = None
    sse_heartbeat_seconds: Annotated[float, Field(gt=0)] = 15.0
    auth: AuthSettings = Field(default_factory=AuthSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    jobs: JobSettings = Field(default_factory=JobSettings)
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)

    @property
    def is_production(self) -> bool:
        return self.env is Environment.production

    def production_problems(self) -> list[str]:
        """Reasons this configuration must not serve production traffic."""
        problems: list[str] = []
        key = self.secret_key.get_secret_value()
        if key == _DEFAULT_SECRET_KEY:
            problems.append("SECRET_KEY is not set")
        elif len(key) < MIN_SECRET_KEY_LENGTH:
            problems.append(
                f"SECRET_KEY is {len(key)} characters; at least "
                f"{MIN_SECRET_KEY_LENGTH} are required (openssl rand -hex 32)"
            )
        elif len(set(key)) < MIN_SECRET_KEY_DISTINCT:
            problems.append(
                f"SECRET_KEY uses only {len(set(key))} different characters; it "
                "must be random (openssl rand -hex 32)"
            )
        if self.database_url is None:
            problems.append(
                "DATABASE_URL is not set (no embedded database in production)"
            )
        if self.database_url is not None:
            database = urlsplit(self.database_url.get_secret_value())
            password = unquote(database.password) if database.password else None
            if password is not None and (
                password.lower() in _KNOWN_DEFAULT_PASSWORDS
                or password == unquote(database.username or "")
            ):
                problems.append("DATABASE_URL contains a default password")
        for name, secret in (
            ("NEO4J_PASSWORD", self.neo4j_password if self.neo4j_uri else None),
            ("POSTGRES_PASSWORD", self.postgres_password),
        ):
            if (
                secret is not None
                and secret.get_secret_value() in _KNOWN_DEFAULT_PASSWORDS
            ):
                problems.append(f"{name} is a default password")
        return problems


class ConfigurationError(RuntimeError):
    """The configuration cannot run in the selected environment."""


def check_production(settings: Settings) -> None:
    if settings.is_production:
        problems = settings.production_problems()
        if problems:
            raise ConfigurationError(
                "refusing to start in production: " + "; ".join(problems)
            )


@functools.cache
def get_settings() -> Settings:
    return Settings()
