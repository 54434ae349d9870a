"""Post-deployment smoke checks against a running Sight instance.

`run_smoke` probes the endpoints an operator relies on right after a deploy and
returns one result per check; `render` turns the report into plain text for a
terminal or a CI log. Nothing here raises on a broken deployment: every failure,
including an unreachable host, becomes a failed check with a readable detail.

Checks, in order:

- ``health``:  ``GET /health`` is 200 with ``{"status": "healthy"}``
- ``startup``: ``GET /startup`` says ``ready`` and no configured dependency
  (postgres, redis, neo4j) has ``failed``
- ``openapi``: ``GET /openapi.json`` is an OpenAPI document
- ``docs``:    ``GET /docs`` serves the Swagger UI
- ``spa``:     ``GET /`` serves the built web app's ``index.html`` (not the
  placeholder shown when the frontend was not built) and its script loads

Also runnable without the CLI wiring (used by the Cloud Build smoke step)::

    python -m sight.smoke --wait 120 https://sight-xyz.a.run.app
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = [
    "CheckResult",
    "SmokeReport",
    "main",
    "render",
    "run_smoke",
    "wait_until_healthy",
]

# The SPA's index.html mounts React on this element; a FastAPI 404 page, a
# directory listing or a stale placeholder does not contain it.
SPA_MARKER = '<div id="root">'
# A built index.html loads its bundle as a module script from the same origin.
_MODULE_SCRIPT = re.compile(r'<script[^>]*type="module"[^>]*src="(/[^"]+)"', re.I)
DEPENDENCY_FAILED = "failed"
_DETAIL_LIMIT = 200


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    latency_ms: float


@dataclass(frozen=True, slots=True)
class SmokeReport:
    base_url: str
    checks: tuple[CheckResult, ...]

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(check for check in self.checks if not check.ok)


class _CheckError(Exception):
    """A check's expectation did not hold; the message is the report detail."""


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= _DETAIL_LIMIT:
        return text
    return text[: _DETAIL_LIMIT - 1] + "…"


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise _CheckError(
            f"HTTP {response.status_code}, body is not JSON: {response.text!r}"
        ) from None
    if not isinstance(body, dict):
        raise _CheckError(f"HTTP {response.status_code}, JSON is not an object")
    return body


def _check_health(client: httpx.Client) -> str:
    response = client.get("/health")
    body = _json_object(response)
    status = body.get("status")
    if response.status_code != httpx.codes.OK or status != "healthy":
        failing = [
            name
            for name, value in (body.get("checks") or {}).items()
            if not _looks_ok(value)
        ]
        suffix = f" (failing: {', '.join(sorted(failing))})" if failing else ""
        raise _CheckError(f"HTTP {response.status_code}, status {status!r}{suffix}")
    return "status healthy"


def _looks_ok(value: object) -> bool:
    if isinstance(value, dict):
        value = value.get("status")
    return value in {"ok", "healthy", "not_configured", True}


def _check_startup(client: httpx.Client) -> str:
    response = client.get("/startup")
    body = _json_object(response)
    dependencies = body.get("dependencies")
    if not isinstance(dependencies, dict) or not dependencies:
        raise _CheckError(f"HTTP {response.status_code}, no dependencies reported")
    parts: list[str] = []
    failed: list[str] = []
    for name in sorted(dependencies):
        entry = dependencies[name]
        status = entry.get("status") if isinstance(entry, dict) else None
        text = f"{name} {status}"
        if isinstance(entry, dict):
            latency = entry.get("latency_ms")
            if isinstance(latency, int | float):
                text += f" {latency:.0f} ms"
            if status == DEPENDENCY_FAILED and entry.get("detail"):
                text += f" ({entry['detail']})"
        parts.append(text)
        if status == DEPENDENCY_FAILED or status is None:
            failed.append(name)
    summary = ", ".join(parts)
    if body.get("ready") is not True:
        raise _CheckError(f"not ready: {summary}")
    if failed:
        raise _CheckError(f"ready, but {', '.join(failed)} failed: {summary}")
    return summary


def _check_openapi(client: httpx.Client) -> str:
    response = client.get("/openapi.json")
    if response.status_code != httpx.codes.OK:
        raise _CheckError(f"HTTP {response.status_code}")
    body = _json_object(response)
    version = body.get("openapi")
    paths = body.get("paths")
    if not isinstance(version, str) or not isinstance(paths, dict):
        raise _CheckError("not an OpenAPI document (no 'openapi' or 'paths')")
    return f"OpenAPI {version}, {len(paths)} paths"


def _check_docs(client: httpx.Client) -> str:
    response = client.get("/docs")
    if response.status_code != httpx.codes.OK:
        raise _CheckError(f"HTTP {response.status_code}")
    if "swagger-ui" not in response.text.lower():
        raise _CheckError("HTTP 200 but the page is not the Swagger UI")
    return "Swagger UI"


def _check_spa(client: httpx.Client) -> str:
    response = client.get("/", headers={"Accept": "text/html"})
    if response.status_code != httpx.codes.OK:
        raise _CheckError(f"HTTP {response.status_code}")
    content_type = response.headers.get("content-type", "")
    if "text/html" not in content_type:
        raise _CheckError(f"content-type {content_type!r}, expected text/html")
    page = response.text
    if SPA_MARKER not in page:
        raise _CheckError(f"the page at / has no {SPA_MARKER}")
    script = _MODULE_SCRIPT.search(page)
    if script is None:
        # The server's stand-in page when src/sight/static is empty.
        raise _CheckError(
            "/ is the placeholder page, not the built web app: was the frontend "
            "built into the image?"
        )
    asset = client.get(script.group(1))
    if asset.status_code != httpx.codes.OK:
        raise _CheckError(
            f"index.html loads {script.group(1)}: HTTP {asset.status_code}"
        )
    return f"index.html and {script.group(1)}"


_CHECKS: tuple[tuple[str, Callable[[httpx.Client], str]], ...] = (
    ("health", _check_health),
    ("startup", _check_startup),
    ("openapi", _check_openapi),
    ("docs", _check_docs),
    ("spa", _check_spa),
)


def _run_check(
    client: httpx.Client, name: str, check: Callable[[httpx.Client], str]
) -> CheckResult:
    started = time.perf_counter()
    try:
        detail = check(client)
        ok = True
    except _CheckError as failure:
        detail, ok = str(failure), False
    except httpx.TimeoutException:
        detail, ok = "timed out", False
    except httpx.HTTPError as error:
        detail, ok = f"{type(error).__name__}: {error}", False
    latency_ms = (time.perf_counter() - started) * 1000
    return CheckResult(name=name, ok=ok, detail=_shorten(detail), latency_ms=latency_ms)


def run_smoke(base_url: str, timeout: float = 10.0) -> SmokeReport:
    """Run every check against ``base_url``; never raises for a broken target."""
    base_url = base_url.rstrip("/")
    with httpx.Client(
        base_url=base_url,
        timeout=timeout,
        follow_redirects=True,
        headers={"User-Agent": "sight-smoke"},
    ) as client:
        results = tuple(_run_check(client, name, check) for name, check in _CHECKS)
    return SmokeReport(base_url=base_url, checks=results)


def render(report: SmokeReport) -> str:
    """A plain-text report: one line per check, then a verdict line."""
    width = max((len(check.name) for check in report.checks), default=0)
    lines = [f"Smoke test of {report.base_url}"]
    for check in report.checks:
        mark = "PASS" if check.ok else "FAIL"
        lines.append(
            f"  {mark}  {check.name:<{width}}  {check.latency_ms:7.0f} ms  "
            f"{check.detail}"
        )
    passed = len(report.checks) - len(report.failed)
    verdict = "OK" if report.ok else "FAILED"
    lines.append(f"{verdict}: {passed} of {len(report.checks)} checks passed")
    return "\n".join(lines)


def wait_until_healthy(base_url: str, wait: float, timeout: float = 10.0) -> bool:
    """Poll ``/health`` until it answers 200 or ``wait`` seconds have passed.

    A service that scales to zero answers its first request only after a cold
    start; waiting here keeps that start out of the individual check timeouts.
    """
    deadline = time.monotonic() + wait
    with httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout) as client:
        while True:
            try:
                if client.get("/health").status_code == httpx.codes.OK:
                    return True
            except httpx.HTTPError:
                pass
            if time.monotonic() >= deadline:
                return False
            time.sleep(min(2.0, max(0.0, deadline - time.monotonic())))


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns 1 when any check failed."""
    parser = argparse.ArgumentParser(
        prog="python -m sight.smoke", description="Smoke-test a Sight deployment."
    )
    parser.add_argument("base_url", help="e.g. https://sight-abc-ew.a.run.app")
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="per-request timeout (s)"
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=0.0,
        help="first wait up to this long (s) for /health to answer 200",
    )
    args = parser.parse_args(argv)
    if args.wait > 0:
        wait_until_healthy(args.base_url, args.wait, args.timeout)
    report = run_smoke(args.base_url, timeout=args.timeout)
    print(render(report))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
