"""Images in a chat request, read the way each provider's API carries them.

The fake records what arrived (``mime_type:sha256`` of the decoded bytes) so a
test can check that the very image it uploaded reached the provider in that
provider's format; a malformed image part is refused with 400, as the real
services do.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterator, Mapping
from typing import Any


class BadImage(ValueError):
    """A malformed image part: the caller answers 400."""


_DATA_URL = re.compile(r"^data:(image/[a-z0-9.+-]+);base64,(.*)$", re.DOTALL)


def _digest(mime_type: str, data: str) -> str:
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadImage(f"Invalid base64 image data: {exc}") from exc
    if not raw:
        raise BadImage("Empty image data.")
    return f"{mime_type}:{hashlib.sha256(raw).hexdigest()}"


def _parts(body: Mapping[str, Any], endpoint: str) -> Iterator[Mapping[str, Any]]:
    if endpoint.startswith("gemini"):
        for content in body.get("contents") or []:
            if isinstance(content, Mapping):
                yield from (
                    p for p in content.get("parts") or [] if isinstance(p, Mapping)
                )
        return
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, Mapping) else None
        if isinstance(content, list):
            yield from (p for p in content if isinstance(p, Mapping))


def image_digests(body: Mapping[str, Any], endpoint: str) -> list[str]:
    found: list[str] = []
    for part in _parts(body, endpoint):
        if endpoint.startswith("openai") and part.get("type") == "image_url":
            spec = part.get("image_url")
            url = spec.get("url") if isinstance(spec, Mapping) else None
            match = _DATA_URL.match(url) if isinstance(url, str) else None
            if match is None:
                raise BadImage("image_url.url must be a data:image/...;base64 URL.")
            found.append(_digest(match.group(1), match.group(2)))
        elif endpoint.startswith("anthropic") and part.get("type") == "image":
            source = part.get("source")
            if not isinstance(source, Mapping) or source.get("type") != "base64":
                raise BadImage("image.source must be a base64 source.")
            found.append(
                _digest(str(source.get("media_type")), str(source.get("data")))
            )
        elif endpoint.startswith("gemini"):
            blob = part.get("inlineData") or part.get("inline_data")
            if isinstance(blob, Mapping):
                mime = blob.get("mimeType") or blob.get("mime_type")
                found.append(_digest(str(mime), str(blob.get("data"))))
    return found
