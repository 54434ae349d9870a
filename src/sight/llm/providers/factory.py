"""Building provider adapters from names and credentials."""

from __future__ import annotations

from sight.config import Environment, Settings
from sight.llm.providers.base import ChatProvider, EmbeddingProvider
from sight.llm.providers.offline import OfflineProvider

CHAT_PROVIDERS = ("gemini", "openai", "anthropic", "ollama", "offline")

# Seconds between words of a streamed offline answer: about the pace of a fast
# hosted model, so text visibly appears instead of landing at once.
OFFLINE_WORD_PACE = 0.02


def build_chat_provider(
    name: str,
    settings: Settings,
    *,
    api_key: str | None,
    base_url: str | None,
    user_endpoint: bool = False,
) -> ChatProvider:
    """An adapter; `user_endpoint`: `base_url` is a user's choice, so its
    connections go through the SSRF guard and its error bodies are not
    echoed (see sight.llm.netguard)."""
    if name == "offline":
        pace = settings.llm.offline_word_pace_seconds
        if pace is None:
            pace = 0.0 if settings.env == Environment.test else OFFLINE_WORD_PACE
        return OfflineProvider(word_pace=pace)
    if name == "gemini":
        from sight.llm.providers.gemini import GeminiProvider

        return GeminiProvider(
            api_key or "", base_url=base_url or settings.llm.gemini_base_url
        )
    if name == "anthropic":
        from sight.llm.providers.anthropic import AnthropicProvider

        return AnthropicProvider(
            api_key or "", base_url=base_url or settings.llm.anthropic_base_url
        )
    if name in {"openai", "ollama"}:
        from sight.llm.providers.openai_compat import OpenAICompatProvider

        if name == "ollama":
            # Ollama speaks the OpenAI API under /v1 and ignores the key.
            url = base_url or settings.llm.ollama_url.rstrip("/") + "/v1"
            return OpenAICompatProvider(api_key or "ollama", url, name="ollama")
        if user_endpoint:
            from sight.llm.guarded_http import guarded_http_client

            guarded = not settings.llm.allow_private_endpoints
            return OpenAICompatProvider(
                api_key,
                base_url,
                http_client=guarded_http_client() if guarded else None,
                echo_errors=False,
            )
        return OpenAICompatProvider(api_key, base_url or settings.openai_base_url)
    raise ValueError(f"unknown provider {name!r}; known: {', '.join(CHAT_PROVIDERS)}")


def preload(settings: Settings) -> None:
    """Import the SDKs of the providers the deployment has keys for (a
    `sight worker` does this as it starts, not during its first job)."""
    if settings.openai_api_key or settings.openai_base_url:
        import sight.llm.providers.openai_compat
    if settings.google_api_key:
        import sight.llm.providers.gemini
    if settings.anthropic_api_key:
        import sight.llm.providers.anthropic  # noqa: F401


def build_embedding_provider(settings: Settings) -> EmbeddingProvider:
    choice = settings.llm.embedding_provider
    if choice == "gemini" and settings.google_api_key:
        from sight.llm.embeddings.gemini import GeminiEmbeddings

        return GeminiEmbeddings(
            settings.google_api_key.get_secret_value(),
            dimensions=settings.embedding_dimensions,
            base_url=settings.llm.gemini_base_url,
        )
    if choice == "openai" and (settings.openai_api_key or settings.openai_base_url):
        from sight.llm.embeddings.openai import OpenAIEmbeddings

        return OpenAIEmbeddings(
            settings.openai_api_key.get_secret_value()
            if settings.openai_api_key
            else None,
            settings.openai_base_url,
            dimensions=settings.embedding_dimensions,
        )
    if choice not in {"local", "gemini", "openai"}:
        raise ValueError(
            f"unknown embedding provider {choice!r}; use local, gemini or openai"
        )
    from sight.llm.embeddings.local import LocalEmbeddings

    return LocalEmbeddings()
