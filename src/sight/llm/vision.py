"""Which models can be shown an image, and the error for those that cannot.

Gemini and Claude models read images; of the OpenAI-compatible and Ollama
models only those whose names mark them as multimodal do. An operator whose
local server hosts another vision model names it in
``SIGHT_LLM__VISION_MODELS``. The offline engine cannot see.
"""

from __future__ import annotations

from sight.kit.errors import SightError

# Name fragments of multimodal models served through the OpenAI API or Ollama.
_SEEING_FRAGMENTS = (
    "gpt-4o",
    "gpt-4.1",
    "gpt-4-turbo",
    "gpt-5",
    "o3",
    "o4",
    "vision",
    "-vl",
    "vl-",
    "llava",
    "pixtral",
    "gemma3",
    "minicpm-v",
    "moondream",
)

# What an image adds to a call's expected input, for estimates before a run
# (Gemini counts 258 tokens per image, Claude about width * height / 750,
# OpenAI 85 + 170 per 512-px tile: about a thousand for a typical picture).
IMAGE_INPUT_TOKENS = 1000


class ImagesNotSeen(SightError):
    status_code = 422


def accepts_images(provider: str, model: str, extra: tuple[str, ...] = ()) -> bool:
    name = model.lower()
    if provider == "offline":
        return False
    if provider == "gemini":
        return name.startswith("gemini-") and "embedding" not in name
    if provider == "anthropic":
        return name.startswith("claude-")
    return name in {e.lower() for e in extra} or any(
        fragment in name for fragment in _SEEING_FRAGMENTS
    )


def images_refused(provider: str, model: str) -> ImagesNotSeen:
    if provider == "offline":
        return ImagesNotSeen(
            "an image stimulus needs a model that can see: the offline engine "
            "cannot, so configure Gemini, OpenAI or Anthropic (Settings → "
            "models), or describe the image in words (stimulus kind concept, "
            "ad_copy, price_point or other)"
        )
    return ImagesNotSeen(
        f"the model that answers in this group ({provider}: {model}) cannot be "
        "shown images; choose one that can (Gemini, Claude, GPT-4o/4.1/5, or a "
        "vision model of your own server listed in SIGHT_LLM__VISION_MODELS), "
        "or describe the image in words"
    )
