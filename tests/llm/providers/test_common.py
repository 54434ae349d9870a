"""Rules shared by all adapters: Retry-After, status classes, key scrubbing."""

from __future__ import annotations

import email.utils
import time

import pytest

from sight.llm.providers._common import (
    kind_for_status,
    parse_retry_after,
    redact,
    safe_name,
)
from sight.llm.providers.base import ErrorKind
from tests.llm.providers.support import SECRET_KEY


def test_retry_after_ms_wins_over_seconds() -> None:
    headers = {"retry-after": "3", "retry-after-ms": "1500"}
    assert parse_retry_after(headers) == pytest.approx(1.5)


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after({"retry-after": "2.5"}) == pytest.approx(2.5)
    in_ten = email.utils.formatdate(time.time() + 10, usegmt=True)
    assert parse_retry_after({"retry-after": in_ten}) == pytest.approx(10, abs=1.5)


@pytest.mark.parametrize(
    "headers", [None, {}, {"retry-after": "soon"}, {"retry-after": "-1"}]
)
def test_unusable_retry_after_is_none(headers: dict[str, str] | None) -> None:
    assert parse_retry_after(headers) is None


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, ErrorKind.bad_request),
        (404, ErrorKind.bad_request),
        (422, ErrorKind.bad_request),
        (401, ErrorKind.auth),
        (403, ErrorKind.auth),
        (408, ErrorKind.timeout),
        (429, ErrorKind.rate_limited),
        (500, ErrorKind.server),
        (503, ErrorKind.server),
        (529, ErrorKind.server),
    ],
)
def test_status_classes(status: int, kind: ErrorKind) -> None:
    assert kind_for_status(status) is kind


def test_keys_are_scrubbed_and_messages_bounded() -> None:
    text = redact(f"failed for key={SECRET_KEY} " + "x" * 2000, SECRET_KEY)
    assert SECRET_KEY not in text
    assert "***" in text
    assert len(text) <= 500


def test_schema_names_are_made_acceptable() -> None:
    assert safe_name("personas.enrich v2") == "personas_enrich_v2"
    assert safe_name("") == "output"
    assert len(safe_name("n" * 100)) == 64
