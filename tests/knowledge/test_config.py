"""The knowledge settings are a group of `Settings`, read from SIGHT_KNOWLEDGE__*."""

from __future__ import annotations

import pytest

from sight.config import Settings
from sight.knowledge.runtime import KnowledgeBackend


def test_knowledge_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SIGHT_KNOWLEDGE__RRF_K", "30")
    monkeypatch.setenv("SIGHT_KNOWLEDGE__MAX_PAGES", "12")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.knowledge.rrf_k == 30
    assert settings.knowledge.max_pages == 12
    backend = KnowledgeBackend(settings, sessionmaker=None)  # type: ignore[arg-type]
    assert backend.knowledge.rrf_k == 30


def test_a_bad_knowledge_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SIGHT_KNOWLEDGE__CHUNK_TOKENS", "3")
    with pytest.raises(ValueError, match="chunk_tokens"):
        Settings(_env_file=None)  # type: ignore[call-arg]
