"""An image stimulus: decoded, identified and checked before it is stored.

The uploader's claimed type is not trusted: Pillow identifies the bytes, and
only PNG, JPEG, WebP and GIF (what Gemini, OpenAI and Anthropic all accept)
of at most 5 MB (Anthropic's per-image limit, the smallest of the three) and
8,000 px a side are kept. Decoding runs in a worker thread: a 5 MB image is
CPU work that must not stall the event loop answering other requests.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from typing import Any

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_SIDE_PX = 8000
# Pillow's own guard against decompression bombs, made an error below.
MAX_PIXELS = 40_000_000
FORMATS = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
ALLOWED = "PNG, JPEG, WebP or GIF, at most 5 MB and 8000 px a side"

_DATA_URL = re.compile(r"^data:([a-z]+/[a-z0-9.+-]+)?;base64,", re.IGNORECASE)


class ImageRejected(ValueError):
    """Why an upload is not a usable image (said to the user as is)."""


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    mime_type: str
    width: int
    height: int

    def describe(self) -> dict[str, Any]:
        """What is stored in the group's stimulus beside the bytes."""
        return {
            "mime_type": self.mime_type,
            "width": self.width,
            "height": self.height,
            "bytes": len(self.data),
            "sha256": hashlib.sha256(self.data).hexdigest(),
        }


def decode_base64(text: str) -> bytes:
    """Plain base64 or a ``data:image/...;base64,`` URL."""
    payload = _DATA_URL.sub("", text.strip(), count=1)
    payload = "".join(payload.split())  # line breaks of wrapped base64
    if len(payload) > (MAX_IMAGE_BYTES * 4) // 3 + 4:
        raise ImageRejected(f"the image is larger than 5 MB; allowed: {ALLOWED}")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImageRejected(f"image_base64 is not valid base64 ({exc})") from exc


def check_image(data: bytes) -> CheckedImage:
    if not data:
        raise ImageRejected(f"the image is empty; allowed: {ALLOWED}")
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRejected(
            f"the image is {len(data) / 1_048_576:.1f} MB; allowed: {ALLOWED}"
        )
    # Imported here: only an uploaded picture needs Pillow (issue 16, start).
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format or ""
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise ImageRejected(
                        f"the image is {width} x {height} px; allowed: {ALLOWED}"
                    )
                probe.verify()  # structure and checksums, without a full decode
    except ImageRejected:
        raise
    except UnidentifiedImageError as exc:
        raise ImageRejected(
            f"the file is not a readable image; allowed: {ALLOWED}"
        ) from exc
    except (
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
        OSError,
        SyntaxError,
    ) as exc:
        raise ImageRejected(
            f"the file is not a readable image ({exc}); allowed: {ALLOWED}"
        ) from exc
    mime = FORMATS.get(kind)
    if mime is None:
        raise ImageRejected(
            f"the image is {kind or 'of an unknown type'}; allowed: {ALLOWED}"
        )
    if max(width, height) > MAX_SIDE_PX:
        raise ImageRejected(f"the image is {width} x {height} px; allowed: {ALLOWED}")
    return CheckedImage(data=data, mime_type=mime, width=width, height=height)


async def checked_upload(text: str) -> CheckedImage:
    return await asyncio.to_thread(lambda: check_image(decode_base64(text)))
