"""Images through the gateway: sent to a model that sees, refused (422, with
what to do) for one that cannot, and part of the cache key."""

from __future__ import annotations

import hashlib

import psycopg
import pytest

from sight.llm.gateway import LLMGateway
from sight.llm.providers.base import ImagePart
from sight.llm.types import CallContext
from sight.llm.vision import ImagesNotSeen, accepts_images
from sight_testing.fake_llm import FakeLLM
from tests.llm.conftest import gateway_for, insert_user
from tests.llm.providers.test_images import png


async def test_a_seeing_model_gets_the_image_and_the_cache_tells_images_apart(
    database_url: str, openai_gateway: LLMGateway, fake_llm: FakeLLM
) -> None:
    ctx = CallContext(user_id=insert_user(database_url))
    red, blue = png((220, 0, 0)), png((0, 0, 220))

    async def ask(image: bytes) -> bool:
        result = await openai_gateway.generate_text(
            "focus_groups.answer",
            system="s",
            prompt="What do you see?",
            ctx=ctx,
            images=(ImagePart("image/png", image),),
        )
        return result.cached

    assert await ask(red) is False
    assert await ask(blue) is False  # another picture is another question
    assert await ask(red) is True
    assert [r.images for r in fake_llm.stats.requests] == [
        [f"image/png:{hashlib.sha256(red).hexdigest()}"],
        [f"image/png:{hashlib.sha256(blue).hexdigest()}"],
    ]


async def test_the_offline_engine_and_a_text_model_refuse_before_any_call(
    database_url: str, fake_llm: FakeLLM
) -> None:
    ctx = CallContext(user_id=insert_user(database_url))
    image = (ImagePart("image/png", png((1, 2, 3))),)
    async with gateway_for(database_url, llm={"default_provider": "offline"}) as gw:
        with pytest.raises(ImagesNotSeen, match="offline engine cannot"):
            await gw.generate_text(
                "focus_groups.answer", system="s", prompt="p", ctx=ctx, images=image
            )
    # The user chose a text-only model of their OpenAI-compatible server.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO user_llm_settings (user_id, provider, overrides,"
            " encrypted_keys) VALUES (%s, 'openai', %s, '{}')",
            (ctx.user_id, '{"focus_groups.answer": {"model": "llama3.1"}}'),
        )
    async with gateway_for(
        database_url,
        openai_api_key="sk-test-not-real",
        openai_base_url=fake_llm.openai_base_url,
    ) as gw:
        with pytest.raises(ImagesNotSeen, match=r"openai: llama3.1\) cannot be"):
            await gw.generate_text(
                "focus_groups.answer", system="s", prompt="p", ctx=ctx, images=image
            )
        # Without an image the same model answers.
        await gw.generate_text("focus_groups.answer", system="s", prompt="p", ctx=ctx)
    assert [r.model for r in fake_llm.stats.requests] == ["llama3.1"]


def test_which_models_see() -> None:
    assert accepts_images("gemini", "gemini-2.5-flash")
    assert accepts_images("anthropic", "claude-haiku-4-5")
    assert accepts_images("openai", "gpt-4o-mini")
    assert accepts_images("ollama", "llava:13b")
    assert not accepts_images("openai", "llama3.1")
    assert not accepts_images("ollama", "llama3.1")
    assert not accepts_images("offline", "offline-engine-v1")
    # an operator's own vision model, named in SIGHT_LLM__VISION_MODELS
    assert accepts_images("openai", "my-seeing-model", ("My-Seeing-Model",))
