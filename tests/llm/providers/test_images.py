"""An image shown with a message reaches each provider in its own format.

Through the real SDKs against the fake server, which decodes the image part the
way the provider's API defines it and records the digest of the bytes."""

from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image

from sight.llm.providers.anthropic import AnthropicProvider
from sight.llm.providers.base import (
    ChatProvider,
    ImagePart,
    Message,
    ProviderRequest,
    ProviderResponse,
)
from sight.llm.providers.gemini import GeminiProvider
from sight.llm.providers.openai_compat import OpenAICompatProvider
from sight_testing.fake_llm import FakeLLM
from tests.llm.providers.support import SECRET_KEY

MODELS = {
    "openai": "gpt-4.1-mini",
    "gemini": "gemini-2.5-flash",
    "anthropic": "claude-haiku-4-5",
}


def png(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(out, format="PNG")
    return out.getvalue()


def adapter(name: str, fake: FakeLLM) -> ChatProvider:
    if name == "openai":
        return OpenAICompatProvider(SECRET_KEY, base_url=fake.openai_base_url)
    if name == "gemini":
        return GeminiProvider(SECRET_KEY, base_url=fake.base_url)
    return AnthropicProvider(SECRET_KEY, base_url=fake.base_url)


@pytest.fixture(params=sorted(MODELS))
async def provider(
    request: pytest.FixtureRequest, fake: FakeLLM
) -> AsyncIterator[ChatProvider]:
    chat = adapter(request.param, fake)
    yield chat
    await chat.aclose()


def image_request(model: str, image: bytes) -> ProviderRequest:
    return ProviderRequest(
        model=model,
        system="You are a shopper in a focus group.",
        messages=(
            Message(
                "user",
                "What do you think of this packaging?",
                (ImagePart("image/png", image),),
            ),
        ),
        temperature=0.5,
        max_tokens=200,
        timeout=10.0,
    )


async def test_the_image_arrives_plain_and_streamed(
    provider: ChatProvider, fake: FakeLLM
) -> None:
    image = png((200, 30, 30))
    expected = f"image/png:{hashlib.sha256(image).hexdigest()}"
    request = image_request(MODELS[provider.name], image)

    answer = await provider.generate(request)
    assert answer.text.strip()
    streamed = [item async for item in provider.stream(request)]
    assert isinstance(streamed[-1], ProviderResponse)
    assert streamed[-1].text.strip()

    records = fake.stats.requests
    assert [r.images for r in records] == [[expected], [expected]]
    assert all(r.status == 200 for r in records)


async def test_text_only_messages_carry_no_image(
    provider: ChatProvider, fake: FakeLLM
) -> None:
    request = image_request(MODELS[provider.name], png((0, 0, 0)))
    text_only = ProviderRequest(
        **{**request.__dict__, "messages": (Message("user", "Hello"),)}
    )
    await provider.generate(text_only)
    assert [r.images for r in fake.stats.requests] == [[]]
