"""An image as the group's stimulus: checked on upload, shown to a model that
can see with every persona's answer (through the real OpenAI SDK against the
fake provider, which decodes the picture), served back behind the group's
access, and refused with a 422 that says what to do where no model could see."""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from docx import Document
from PIL import Image
from pypdf import PdfReader

from sight_testing.fake_llm import FakeLLM, FakeLLMConfig, running_fake_llm
from tests.conftest import register_user
from tests.focus_groups.conftest import (
    make_group,
    project_with_personas,
    read_group_stream,
)
from tests.personas.test_generation_with_provider import use_fake


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with running_fake_llm(FakeLLMConfig(latency=0.0)) as server:
        yield server


def picture(fmt: str = "PNG", size: tuple[int, int] = (64, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (180, 40, 40)).save(out, format=fmt)
    return out.getvalue()


def bomb(width: int, height: int) -> bytes:
    """A PNG whose header declares `width` x `height` and holds almost nothing."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * (width + 1), 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", idat)
        + chunk(b"IEND", b"")
    )


def image_stimulus(data: bytes, *, as_data_url: bool = True) -> dict[str, Any]:
    encoded = base64.b64encode(data).decode()
    return {
        "kind": "image",
        "title": "Nowa puszka",
        "content": "Czerwona puszka napoju z dużym logo i hasłem „Zero cukru”.",
        "image_base64": f"data:image/png;base64,{encoded}" if as_data_url else encoded,
    }


async def test_the_picture_reaches_every_answer_and_is_served_back(
    client: httpx.AsyncClient, user: dict[str, str], fake: FakeLLM
) -> None:
    auth = {"Authorization": user["authorization"]}
    project, personas = await project_with_personas(client, auth, n=3)
    await use_fake(client, auth, fake)
    data = picture()
    group = await make_group(
        client,
        auth,
        project["id"],
        [p["id"] for p in personas],
        questions=[{"text": "Co myślicie o tej puszce?", "follow_up": "never"}],
        stimulus=image_stimulus(data),
    )
    image = group["stimulus"]["image"]
    assert (image["mime_type"], image["width"], image["height"]) == (
        "image/png",
        64,
        40,
    )
    assert image["sha256"] == hashlib.sha256(data).hexdigest()
    assert "image_base64" not in group["stimulus"]  # the bytes are not echoed

    served = await client.get(image["url"], headers=auth)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.content == data
    stranger = await register_user(client)
    assert (
        await client.get(
            image["url"], headers={"Authorization": stranger["authorization"]}
        )
    ).status_code == 404

    estimate = (
        await client.get(f"/api/v1/focus-groups/{group['id']}/estimate", headers=auth)
    ).json()
    answers = estimate["flows"][0]
    assert answers["input_tokens"] == answers["calls"] * (1800 + 1000)

    fake.reset_stats()
    run = await client.post(f"/api/v1/focus-groups/{group['id']}/run", headers=auth)
    assert run.status_code == 202, run.text
    events = await read_group_stream(client, group["id"], auth)
    assert events[-1]["event"] == "completed"
    digest = f"image/png:{hashlib.sha256(data).hexdigest()}"
    chats = [r for r in fake.stats.requests if r.endpoint == "openai.chat.completions"]
    assert len(chats) == 3
    assert all(r.images == [digest] for r in chats)

    # Reports show the picture: embedded in PDF and DOCX, described in JSON.
    base = f"/api/v1/export/focus-groups/{group['id']}"
    pdf = await client.get(f"{base}/pdf", headers=auth)
    assert pdf.status_code == 200, pdf.text
    pictures = [
        image
        for page in PdfReader(io.BytesIO(pdf.content)).pages
        for image in page.images
        if image.image is not None and image.image.size == (64, 40)
    ]
    assert len(pictures) == 1
    docx = await client.get(f"{base}/docx", headers=auth)
    assert len(Document(io.BytesIO(docx.content)).inline_shapes) >= 1
    exported = (await client.get(f"{base}/json", headers=auth)).json()
    stimulus = exported["focus_group"]["stimulus"]
    assert stimulus["image"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert exported["focus_group"]["stimulus_image"] is None


async def test_bad_images_are_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, user: dict[str, str], fake: FakeLLM
) -> None:
    auth = {"Authorization": user["authorization"]}
    project, personas = await project_with_personas(client, auth, n=2)
    await use_fake(client, auth, fake)
    ids = [p["id"] for p in personas]
    url = f"/api/v1/projects/{project['id']}/focus-groups"
    base = {"name": "Puszka", "persona_ids": ids, "questions": ["Co widzicie?"]}

    async def refused(stimulus: dict[str, Any]) -> str:
        response = await client.post(
            url, json={**base, "stimulus": stimulus}, headers=auth
        )
        assert response.status_code == 422, response.text
        return response.text

    assert "not valid base64" in await refused(
        {**image_stimulus(b""), "image_base64": "%%% not base64 %%%"}
    )
    text = await refused(image_stimulus(b"just some text, not a picture"))
    assert "not a readable image" in text
    assert "PNG, JPEG, WebP or GIF" in text
    assert "the image is BMP" in await refused(image_stimulus(picture("BMP")))
    assert "larger than 5 MB" in await refused(
        image_stimulus(b"\0" * (5 * 1024 * 1024 + 10), as_data_url=False)
    )
    assert "not fetched from URLs" in await refused(
        {"kind": "image", "content": "Puszka", "image_url": "http://10.0.0.1/x.png"}
    )
    assert "needs image_base64" in await refused({"kind": "image", "content": "Puszka"})
    # A few hundred bytes that declare 60,000 x 60,000 px (a decompression bomb).
    assert "not a readable image" in await refused(image_stimulus(bomb(60_000, 60_000)))
    listed = (await client.get(url, headers=auth)).json()
    assert listed["total"] == 0


async def test_no_model_that_can_see_means_a_clear_422(
    client: httpx.AsyncClient, user: dict[str, str], fake: FakeLLM
) -> None:
    auth = {"Authorization": user["authorization"]}
    project, personas = await project_with_personas(client, auth, n=2)
    ids = [p["id"] for p in personas]
    url = f"/api/v1/projects/{project['id']}/focus-groups"
    body = {
        "name": "Puszka",
        "persona_ids": ids,
        "questions": ["Co widzicie?"],
        "stimulus": image_stimulus(picture()),
    }
    # No provider configured: the offline engine answers, and it cannot see.
    offline = await client.post(url, json=body, headers=auth)
    assert offline.status_code == 422
    assert "offline engine cannot" in offline.json()["detail"]

    await use_fake(client, auth, fake)
    created = await client.post(url, json=body, headers=auth)
    assert created.status_code == 201, created.text
    # Then the user switches answers to a text-only model of their server.
    await use_fake(
        client, auth, fake, overrides={"focus_groups.answer": {"model": "llama3.1"}}
    )
    run = await client.post(
        f"/api/v1/focus-groups/{created.json()['id']}/run", headers=auth
    )
    assert run.status_code == 422
    assert "openai: llama3.1) cannot be shown images" in run.json()["detail"]
    assert fake.stats.count("openai.chat.completions") == 0
