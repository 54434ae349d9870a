"""Building provider adapters from names and credentials."""

from __future__ import annotations

from sight.config import Settings
from sight.llm.providers.base import ChatProvider, EmbeddingProvider
from sight.llm.providers.offline import OfflineProvider

CHAT_PROVIDERS = ("gemini", "openai", "anthropic", "ollama", "offline")


def build_chat_provider(
    name: str, settings: Settings, *, api_key: str | None, base_url: str | None
) -> ChatProvider:
    if name == "offline":
        return OfflineProvider()
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
        return OpenAICompatProvider(api_key, base_url or settings.openai_base_url)
    raise ValueError(f"unknown provider {name!r}; known: {', '.join(CHAT_PROVIDERS)}")


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
